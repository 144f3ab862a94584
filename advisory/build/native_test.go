package build

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/internal/testutil"
)

// The four branch archives of PROVENANCE.md §2–§5 are recognised by their
// top folder and content; other branch archives are skipped.
func TestDetectBranchArchives(t *testing.T) {
	for rel, want := range map[string]Format{
		"github/pypa/advisory-database/archive/refs/heads/main.zip":             FormatPyPAArchive,
		"github/rustsec/advisory-db/archive/refs/heads/main.zip":                FormatRustSecArchive,
		"github/rubysec/ruby-advisory-db/archive/refs/heads/master.zip":         FormatRubySecArchive,
		"github/FriendsOfPHP/security-advisories/archive/refs/heads/master.zip": FormatFriendsOfPHPArchive,
	} {
		got, err := Detect(testutil.Shared(t, append([]string{"vulndata"}, strings.Split(rel, "/")...)...))
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", rel, got, err, want)
		}
	}

	dir := t.TempDir()
	for name, entries := range map[string][]string{
		// The right folder name without advisory files.
		"empty-rustsec.zip": {"advisory-db-main/README.md"},
		// Advisory-like files under an unknown repository's folder.
		"other.zip": {"other-main/crates/x/RUSTSEC-1.md"},
		// A FriendsOfPHP-named folder holding only docs.
		"fop-docs.zip": {"security-advisories-master/docs/a/b.md"},
	} {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		for _, e := range entries {
			w, _ := zw.Create(e)
			w.Write([]byte("x"))
		}
		zw.Close()
		f.Close()
		_, err = Detect(p)
		if reason, ok := IsUnsupported(err); !ok || !strings.Contains(reason, "GitHub branch archive") {
			t.Errorf("%s: got %v, want a skip naming a GitHub branch archive", name, err)
		}
	}
}
