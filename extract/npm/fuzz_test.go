package npm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/internal/testutil"
)

// seed adds the fixture files (cut to 16 KiB) to the corpus.
func seed(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(testutil.Shared(f, "fixtures", "npm", filepath.FromSlash(name)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), 16<<10)])
	}
}

// fuzzFile runs e on data stored as name and checks what comes back:
// every package has a valid name and version and a purl that parses back
// to them; an error is a FileError naming the file.
func fuzzFile(t *testing.T, e extract.FileExtractor, name string, data []byte) {
	pkgs, err := e.ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{name: {Data: data}}}, name)
	if err != nil {
		var fe *extract.FileError
		if !errors.As(err, &fe) || fe.Path != name {
			t.Fatalf("error %v is not a FileError for %s", err, name)
		}
	}
	for _, p := range pkgs {
		if !validName(p.Name) || !validVersion(p.Version) || p.Type != Type || len(p.Locations) != 1 || p.Locations[0].Path != name {
			t.Fatalf("bad package %+v", *p)
		}
		u, err := packageurl.FromString(p.PURL)
		if err != nil {
			t.Fatalf("purl %q: %v", p.PURL, err)
		}
		full := u.Name
		if u.Namespace != "" {
			full = u.Namespace + "/" + u.Name
		}
		if u.Type != "npm" || full != strings.ToLower(p.Name) || u.Version != p.Version {
			t.Fatalf("purl %q gives %q %q, want %q %q", p.PURL, full, u.Version, p.Name, p.Version)
		}
	}
}

func FuzzPackageLock(f *testing.F) {
	seed(f, "npm-lockv3-advisories/package-lock.json", "trivy-lockfiles/package-lock_v1.json", "trivy-lockfiles/package-lock_v2.json")
	f.Add([]byte(`{"lockfileVersion":1,"dependencies":{"a":{"version":"npm:@s/b@1.0.0","dependencies":{"c":{"version":"2.0.0"}}}}}`))
	f.Add([]byte(`{"packages":{"":{},"node_modules/a":{"name":"b","version":"1","license":{"type":"MIT"}},"node_modules/l":{"link":true}}}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFile(t, NewLock(), "app/package-lock.json", data) })
}

func FuzzPackageJSON(f *testing.F) {
	seed(f, "npm-lockv3-advisories/node_modules/express/package.json", "npm-lockv3-advisories/node_modules/qs/package.json")
	f.Add([]byte(`{"name":"@s/a","version":"1.0.0","licenses":[{"type":"MIT"},"ISC"]}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFile(t, NewInstalled(), "node_modules/a/package.json", data) })
}

func FuzzYarnLock(f *testing.F) {
	seed(f, "trivy-lockfiles/yarn-v1/yarn.lock", "trivy-lockfiles/yarn-berry/yarn.lock", "trivy-lockfiles/yarn-berry-node-modules/yarn.lock")
	f.Add([]byte("\"a@npm:b@^1\", a@^2:\n  version \"1.0.0\"\n"))
	f.Add([]byte("__metadata:\n  version: 6\n\"a@patch:a@npm%3A1.0.0#x\":\n  version: 1.0.0\n  resolution: \"a@patch:a@npm%3A1.0.0#x::version=1.0.0\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFile(t, NewLock(), "app/yarn.lock", data) })
}

func FuzzPnpmLock(f *testing.F) {
	seed(f, "trivy-lockfiles/pnpm-lock_many.yaml", "trivy-lockfiles/pnpm-lock_v6_with_dev.yaml", "trivy-lockfiles/pnpm-lock_v9.yaml")
	f.Add([]byte("---\nlockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\n---\nlockfileVersion: 5.4\npackages:\n  /b/2.0.0_c@1.0.0: {}\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFile(t, NewLock(), "app/pnpm-lock.yaml", data) })
}
