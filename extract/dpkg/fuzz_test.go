package dpkg

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// FuzzExtract feeds arbitrary bytes as a status file and as a status.d
// file. Every package reported must have a name, a version, a Debian
// architecture and a purl that parses back to them.
func FuzzExtract(f *testing.F) {
	root := filepath.Join("..", "..", "..", "shared", "fixtures", "dpkg")
	if d := os.Getenv("LADING_SHARED"); d != "" {
		root = filepath.Join(d, "fixtures", "dpkg")
	}
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) == ".gz" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		// Big files slow the fuzzer down; their first paragraphs will do.
		if len(data) > 8<<10 {
			data = data[:8<<10]
		}
		f.Add(data)
		return nil
	})
	f.Add([]byte("Package: a\nStatus: install ok installed\nArchitecture: all\nVersion: 1\nSource: b (2)\n"))
	distro := &inventory.Distro{Family: "ubuntu", Version: "20.04"}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			statusFile:                  {Data: data},
			statusDir + "/fuzz":         {Data: data},
			statusDir + "/fuzz.md5sums": {Data: data},
		}
		pkgs, err := New().Extract(context.Background(), extract.Input{FS: fsys, Distro: distro})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || !isDebianArch(p.Arch) || p.SourceName == "" || p.SourceVersion == "" {
				t.Fatalf("bad package %+v", *p)
			}
			u, err := packageurl.FromString(p.PURL)
			if err != nil {
				t.Fatalf("purl %q: %v", p.PURL, err)
			}
			if u.Name != p.Name || u.Version != p.Version {
				t.Fatalf("purl %q gives %q %q, want %q %q", p.PURL, u.Name, u.Version, p.Name, p.Version)
			}
		}
	})
}
