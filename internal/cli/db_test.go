package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/internal/cli"
	"github.com/lading-dev/lading/internal/testutil"
)

// db update from a file:// mirror of ../shared/vulndata, then status; a
// second update from a mirror with nothing in it fails and leaves the
// database as it was.
func TestDBUpdateFromMirrorAndStatus(t *testing.T) {
	vulndata := testutil.Shared(t, "vulndata")
	cache := t.TempDir()
	out, errOut, code := runCLI(t, "db", "update", "--mirror", "file://"+vulndata, "--cache-dir", cache, "--quiet")
	if code != 0 {
		t.Fatalf("db update: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "updated ") {
		t.Errorf("db update printed %q", out)
	}
	dbFile := filepath.Join(cache, "db", "lading.db")
	before, err := os.ReadFile(dbFile)
	if err != nil {
		t.Fatal(err)
	}

	out, errOut, code = runCLI(t, "db", "status", "--cache-dir", cache)
	if code != 0 {
		t.Fatalf("db status: exit %d: %s", code, errOut)
	}
	// The mirror's Go zip holds 4,291 records (../shared/vulndata/PROVENANCE.md §1);
	// its NVD 1.1 feeds 127,298 distinct CVEs (8,013 rejected), its KEV
	// catalogue 1,404 entries (§9, §10; see advisory/build's test).
	for _, want := range []string{"alpine-secdb", "debian-dsa", "debian-dla", "osv", "osv/Go/all.zip", "4291",
		"nvd  ", "127298 (8013 rejected)", "kev  ", "1404"} {
		if !strings.Contains(out, want) {
			t.Errorf("db status lacks %q:\n%s", want, out)
		}
	}

	empty := t.TempDir()
	_, errOut, code = runCLI(t, "db", "update", "--mirror", "file://"+empty, "--cache-dir", cache, "--quiet")
	if code != cli.ExitError {
		t.Errorf("update from an empty mirror: exit %d (%s)", code, errOut)
	}
	after, err := os.ReadFile(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("a failed update changed the database")
	}
	if entries, _ := os.ReadDir(filepath.Join(cache, "db")); len(entries) != 1 {
		t.Errorf("db directory holds %d entries after a failed update, want only lading.db", len(entries))
	}
}

// Building from a folder holding no feed file fails and leaves the
// database as it was.
func TestDBBuildOfNothingKeepsTheDatabase(t *testing.T) {
	cache := t.TempDir()
	dbFile := filepath.Join(cache, "db", "lading.db")
	alpine := testutil.Shared(t, "vulndata", "alpine-secdb", "v3.20")
	if _, errOut, code := runCLI(t, "db", "build", alpine, "--cache-dir", cache, "--quiet"); code != 0 {
		t.Fatalf("db build: exit %d: %s", code, errOut)
	}
	before, err := os.ReadFile(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLI(t, "db", "build", t.TempDir(), "--cache-dir", cache, "--quiet")
	if code != cli.ExitError || !strings.Contains(errOut, "no feed file found") {
		t.Errorf("empty build: exit %d, %q", code, errOut)
	}
	after, _ := os.ReadFile(dbFile)
	if !bytes.Equal(before, after) {
		t.Error("an empty build replaced the database")
	}
	if _, errOut, code := runCLI(t, "db", "status", "--cache-dir", cache, "--format", "xml"); code != cli.ExitError || !strings.Contains(errOut, "--format") {
		t.Errorf("db status --format xml: exit %d, %q", code, errOut)
	}
}

func TestDBUpdateRefusesUnknownFeeds(t *testing.T) {
	_, errOut, code := runCLI(t, "db", "update", "--feeds", "kev,bogus", "--mirror", "file://"+t.TempDir(), "--cache-dir", t.TempDir(), "--quiet")
	if code != cli.ExitError || !strings.Contains(errOut, `unknown feed "bogus"`) {
		t.Errorf("exit %d, %q", code, errOut)
	}
}
