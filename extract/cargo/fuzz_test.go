package cargo

import (
	"os"
	"path/filepath"
	"testing"

	packageurl "github.com/package-url/packageurl-go"
)

// FuzzParseLock feeds arbitrary bytes as a Cargo.lock. Parsing must not
// panic, every crate must have a name, a version and a known source kind,
// and its purl must parse back to them.
func FuzzParseLock(f *testing.F) {
	root := filepath.Join("..", "..", "..", "shared", "fixtures", "rust")
	if d := os.Getenv("LADING_SHARED"); d != "" {
		root = filepath.Join(d, "fixtures", "rust")
	}
	for _, name := range []string{"cargo_normal.lock", "cargo_v3.lock", "trivy-ci-test/Cargo.lock"} {
		if data, err := os.ReadFile(filepath.Join(root, name)); err == nil {
			f.Add(data[:min(len(data), 4<<10)])
		}
	}
	f.Add([]byte("version = 4\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"git+https://x/y#abc\"\n"))
	f.Add([]byte("[[package]]\nname = \"b\"\nversion = \"0.1.0\"\n[metadata]\n\"checksum b 0.1.0 (registry+x)\" = \"00\"\n"))
	kinds := map[string]bool{SourceCratesIO: true, SourceLocal: true, SourceGit: true, SourceRegistry: true, SourceOther: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		crates, _ := ParseLock(data)
		for _, c := range crates {
			if c.Name == "" || c.Version == "" || !kinds[c.Kind] {
				t.Fatalf("bad crate %+v", c)
			}
			u, err := packageurl.FromString(PURL(c))
			if err != nil {
				t.Fatalf("purl %q: %v", PURL(c), err)
			}
			if u.Type != Type || u.Name != c.Name || u.Version != c.Version {
				t.Fatalf("purl %q gives %q %q, want %q %q", PURL(c), u.Name, u.Version, c.Name, c.Version)
			}
			if q := u.Qualifiers.Map(); (q["source"] == "") != (c.Kind == SourceCratesIO) {
				t.Fatalf("purl %q for a %s crate", PURL(c), c.Kind)
			}
		}
	})
}
