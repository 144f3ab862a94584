package ruby

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/internal/testutil"
)

// seed adds the fixture files to the corpus.
func seed(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(testutil.Shared(f, "fixtures", "ruby", filepath.FromSlash(name)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// fuzzFile runs e on data stored as name and checks what comes back:
// every package has a valid gem name and version and a purl that parses
// back to them; an error is a FileError naming the file.
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
		if u.Type != "gem" || u.Namespace != "" || u.Name != p.Name || u.Version != p.Version {
			t.Fatalf("purl %q does not give %q %q", p.PURL, p.Name, p.Version)
		}
	}
}

func FuzzGemfileLock(f *testing.F) {
	seed(f, "Gemfile_normal.lock", "Gemfile_bundler2.lock")
	f.Add([]byte("GEM\n  specs:\n    a (1.0-x86_64-linux)\n    b (2)\nGIT\n  specs:\n    c (3)\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFile(t, NewLock(), "app/Gemfile.lock", data) })
}

func FuzzGemspec(f *testing.F) {
	seed(f, "specifications/normal00.gemspec")
	f.Add([]byte("# stub: a 1.0 ruby lib\nGem::Specification.new { |spec|\n spec.name = %q(a)\n spec.version = Gem::Version.new('1.0')\n spec.licenses = %w[MIT]\n}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzFile(t, NewInstalled(), "usr/lib/ruby/gems/3.1.0/specifications/a-1.0.gemspec", data)
	})
}
