package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lading-dev/lading/internal/cli"
	"github.com/lading-dev/lading/internal/testutil"
)

// A second scan of the Alpine 3.20.3 image with the same cache directory
// takes its layer from the layer cache and writes the same report (but for
// the times); --no-layer-cache neither reads nor fills the cache.
func TestLayerCacheCommand(t *testing.T) {
	archive, _ := alpineImage(t)
	cache := t.TempDir()
	db := testDB(t)
	scanWith := func(db string, extra ...string) string {
		t.Helper()
		args := append([]string{"image", "docker-archive:" + archive, "--format", "json", "--cache-dir", cache, "--db", db, "--quiet"}, extra...)
		out, errOut, code := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("lading %v: exit %d: %s", args, code, errOut)
		}
		return timesRE.ReplaceAllString(out, `"TIME"`)
	}
	scan := func(extra ...string) string { t.Helper(); return scanWith(db, extra...) }
	// entries counts the layer entries and the side entries (matching
	// results) in the cache.
	entries := func() (layers, sides []string) {
		ents, _ := os.ReadDir(filepath.Join(cache, "layers"))
		for _, e := range ents {
			p := filepath.Join(cache, "layers", e.Name())
			if strings.HasPrefix(e.Name(), "side-") {
				sides = append(sides, p)
			} else {
				layers = append(layers, p)
			}
		}
		return layers, sides
	}
	plain := scan("--no-layer-cache")
	if l, s := entries(); len(l)+len(s) != 0 {
		t.Errorf("--no-layer-cache wrote %d cache entries", len(l)+len(s))
	}
	if !strings.Contains(plain, `"id": "CVE-`) {
		t.Fatalf("the Alpine 3.20.3 image has no findings to cache:\n%s", plain)
	}
	cold := scan()
	if l, s := entries(); len(l) != 1 || len(s) != 1 {
		t.Errorf("%d layer and %d side entries after a scan of a one-layer image, want 1 and 1", len(l), len(s))
	}
	warm := scan()
	if cold != plain || warm != plain {
		t.Errorf("reports differ with the layer cache:\nwithout:\n%s\ncold:\n%s\nwarm:\n%s", plain, cold, warm)
	}

	// A damaged side entry is a miss, and is written again.
	_, sides := entries()
	if err := os.WriteFile(sides[0], []byte("lading-side/1\n garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if again := scan(); again != plain {
		t.Errorf("report after the matching results were damaged differs:\n%s", again)
	}
	if b, _ := os.ReadFile(sides[0]); strings.Contains(string(b), "garbage") {
		t.Error("the damaged side entry was not replaced")
	}

	// Another database never reuses the first one's results: a database
	// of the Alpine secdb alone gives fewer findings, and no NVD ratings.
	small := filepath.Join(t.TempDir(), "secdb.db")
	if _, errOut, code := runCLI(t, "db", "build", "--quiet", "--db", small, filepath.Join(testutil.Shared(t, "vulndata"), "alpine-secdb", "v3.20")); code != 0 {
		t.Fatalf("db build: exit %d: %s", code, errOut)
	}
	smallPlain := scanWith(small, "--no-layer-cache")
	if smallPlain == plain {
		t.Fatal("the secdb-only database gives the same report as the full one; the test shows nothing")
	}
	if got := scanWith(small); got != smallPlain {
		t.Errorf("with another database, the cached scan differs from an uncached one:\n%s\nwant:\n%s", got, smallPlain)
	}
	if got := scanWith(small); got != smallPlain {
		t.Errorf("warm scan with the secdb-only database differs:\n%s", got)
	}
	if _, s := entries(); len(s) != 2 {
		t.Errorf("%d side entries after scans with two databases, want 2", len(s))
	}

	if _, errOut, code := runCLI(t, "image", "docker-archive:"+archive, "--cache-dir", cache, "--db", db, "--layer-cache-size", "lots"); code != cli.ExitError || !strings.Contains(errOut, "--layer-cache-size") {
		t.Errorf("a bad --layer-cache-size: exit %d, %q", code, errOut)
	}
}

var timesRE = regexp.MustCompile(`"(generated|age_hours)": ?("[^"]*"|[0-9.e+-]+)`)

// An --output in a folder that does not exist fails before the scan.
func TestOutputFolderCheckedFirst(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "r.json")
	for _, cmd := range []string{"image", "sbom"} {
		_, errOut, code := runCLI(t, cmd, "oci-layout:/nonexistent", "--cache-dir", t.TempDir(), "-o", missing)
		if code != cli.ExitError || !strings.Contains(errOut, "--output") || strings.Contains(errOut, "nonexistent") {
			t.Errorf("lading %s: exit %d, %q; want exit 2 naming --output before the image is opened", cmd, code, errOut)
		}
	}
}
