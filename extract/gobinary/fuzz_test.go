package gobinary

import (
	"strings"
	"testing"

	packageurl "github.com/package-url/packageurl-go"
)

// FuzzParseGoMod feeds arbitrary bytes as a go.mod. Parsing must not
// panic, every module must have a path and a version, and its purl must
// parse back to them.
func FuzzParseGoMod(f *testing.F) {
	f.Add([]byte(testGoMod))
	f.Add([]byte("module m\n\ngo 1.22\n\nrequire (\n\tgithub.com/a/b v1.2.3 // indirect\n\t\"github.com/c/d\" v2.0.0+incompatible\n)\n\nreplace github.com/a/b => ../b\n\nreplace github.com/c/d v2.0.0+incompatible => github.com/e/f v1.0.0\n\nexclude github.com/a/b v1.2.2\n"))
	f.Add([]byte("module std\nrequire golang.org/x/net v0.40.0\n"))
	f.Add([]byte("replace (\n\ta v1.0.0 => b v1.0.1\n)\nrequire a v1.0.0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		mods, _ := ParseGoMod("go.mod", data)
		for _, m := range mods {
			if m.Path == "" || m.Version == "" {
				t.Fatalf("bad module %+v", m)
			}
			purl := PURL(m.Path, m.Version)
			u, err := packageurl.FromString(purl)
			if err != nil {
				t.Fatalf("purl %q: %v", purl, err)
			}
			full := u.Name
			if u.Namespace != "" {
				full = u.Namespace + "/" + u.Name
			}
			wantV := m.Version
			if wantV == Devel {
				wantV = ""
			}
			// packageurl lower-cases golang names when parsing.
			if full != strings.ToLower(m.Path) {
				t.Fatalf("purl %q names %q, want %q", purl, full, m.Path)
			}
			if u.Version != wantV {
				t.Fatalf("purl %q has version %q, want %q", purl, u.Version, wantV)
			}
		}
	})
}
