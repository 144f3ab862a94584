package apk

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// FuzzExtract feeds arbitrary bytes as the database. Every package must
// have a name, a version and a purl that parses back to them.
func FuzzExtract(f *testing.F) {
	root := filepath.Join("..", "..", "..", "shared", "fixtures", "alpine", "apk-db")
	if d := os.Getenv("LADING_SHARED"); d != "" {
		root = filepath.Join(d, "fixtures", "alpine", "apk-db")
	}
	for _, v := range []string{"3.6.5", "3.20.3", "edge-20240923"} {
		if data, err := os.ReadFile(filepath.Join(root, v, "lib", "apk", "db", "installed")); err == nil {
			f.Add(data[:min(len(data), 8<<10)])
		}
	}
	f.Add([]byte("P:a\nV:1\nA:x\no:b\nL:MIT\n\nP:c\nV:2\n"))
	distro := &inventory.Distro{Family: "alpine", Version: "3.20.3"}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := New().Extract(context.Background(), extract.Input{FS: fstest.MapFS{installedFile: {Data: data}}, Distro: distro})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || p.SourceName == "" {
				t.Fatalf("bad package %+v", *p)
			}
			u, err := packageurl.FromString(p.PURL)
			if err != nil {
				t.Fatalf("purl %q: %v", p.PURL, err)
			}
			if u.Name != strings.ToLower(p.Name) || u.Version != p.Version {
				t.Fatalf("purl %q gives %q %q, want %q %q", p.PURL, u.Name, u.Version, p.Name, p.Version)
			}
		}
	})
}
