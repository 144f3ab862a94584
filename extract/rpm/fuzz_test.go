package rpm

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/lading-dev/lading/extract"
)

// FuzzExtract feeds arbitrary bytes as var/lib/rpm/Packages (the format is
// told from the contents, not the name). A panic or a hang in go-rpmdb's
// reader goroutines would kill the fuzzing worker; a failure must be a
// *extract.FileError and every package must have a name and a version.
func FuzzExtract(f *testing.F) {
	root := filepath.Join("..", "..", "..", "shared", "fixtures", "rpm")
	if d := os.Getenv("LADING_SHARED"); d != "" {
		root = filepath.Join(d, "fixtures", "rpm")
	}
	for _, p := range []string{"ubi8-libuuid-bdb/var/lib/rpm/Packages", "sle15-bci/var/lib/rpm/Packages.db"} {
		if data, err := os.ReadFile(filepath.Join(root, p)); err == nil {
			f.Add(data)
		}
	}
	ndb := make([]byte, 32+254*16)
	binary.LittleEndian.PutUint32(ndb, ndbHeaderMagic)
	binary.LittleEndian.PutUint32(ndb[12:], 1)
	f.Add(ndb)
	f.Add([]byte("SQLite format 3\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"var/lib/rpm/Packages": {Data: data}}
		pkgs, err := New().Extract(context.Background(), extract.Input{FS: fsys, TempDir: t.TempDir()})
		var fe *extract.FileError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("got %v, want a *extract.FileError", err)
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("bad package %+v", *p)
			}
		}
	})
}
