package python

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

// seed adds the fixture files (cut to 16 KiB) to the corpus.
func seed(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(testutil.Shared(f, "fixtures", "python", filepath.FromSlash(name)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), 16<<10)])
	}
}

// fuzzFile runs e on data stored as name (with a dist-info beside it, for
// the egg-info check) and checks what comes back: valid names and
// versions, purls that parse back to the normalised name, and errors that
// are FileErrors naming the file.
func fuzzFile(t *testing.T, e extract.FileExtractor, name string, data []byte) {
	fsys := fstest.MapFS{name: {Data: data}, "site/a-1.dist-info/METADATA": {Data: data}}
	pkgs, err := e.ExtractFile(context.Background(), extract.Input{FS: fsys}, name)
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
		if u.Type != "pypi" || u.Name != Normalize(p.Name) || u.Version != p.Version {
			t.Fatalf("purl %q gives %q %q, want %q %q", p.PURL, u.Name, u.Version, Normalize(p.Name), p.Version)
		}
	}
}

func FuzzMetadata(f *testing.F) {
	seed(f, "debian-bookworm-dist-packages/usr/lib/python3/dist-packages/cryptography-38.0.4.dist-info/METADATA",
		"debian-bookworm-dist-packages/usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO")
	f.Add([]byte("Name: a\r\nVersion: 1\r\nLicense: x\r\n  y\r\nClassifier: License :: OSI Approved :: MIT License\r\n\r\nbody"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzFile(t, NewInstalled(), "site/a-1.egg-info/PKG-INFO", data)
		fuzzFile(t, NewInstalled(), "site/b-1.dist-info/METADATA", data)
	})
}

func FuzzRequirements(f *testing.F) {
	seed(f, "lockfiles/requirements/requirements_hash.txt", "lockfiles/requirements/requirements_operator.txt",
		"lockfiles/requirements/requirement_exstras.txt", "lockfiles/requirements/requirements_compatible.txt")
	f.Add([]byte("-r requirements-x.txt\n--requirement=y.txt\na[b]===1.0 ; x \\\n --hash=sha256:0\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFile(t, NewLock(), "app/requirements.txt", data) })
}

func FuzzPoetryLock(f *testing.F) {
	seed(f, "lockfiles/poetry_flask.lock", "lockfiles/poetry_v2_flask.lock")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFile(t, NewLock(), "app/poetry.lock", data) })
}

func FuzzUVLock(f *testing.F) {
	seed(f, "lockfiles/uv_normal.lock", "lockfiles/pylock.toml")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzFile(t, NewLock(), "app/uv.lock", data)
		fuzzFile(t, NewLock(), "app/pylock.toml", data)
	})
}

func FuzzPipfileLock(f *testing.F) {
	seed(f, "lockfiles/Pipfile_many.lock", "lockfiles/trivy-ci-test/Pipfile.lock")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFile(t, NewLock(), "app/Pipfile.lock", data) })
}
