package php

import (
	"context"
	"encoding/json"
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

// seed adds the fixture files to the corpus, re-encoded without the keys
// the readers ignore: the fuzzer mutates and minimises large inputs
// slowly (composer_happy.lock is 27 KB, most of it autoload, require and
// description fields).
func seed(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(testutil.Shared(f, "fixtures", "php", filepath.FromSlash(name)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(slim(f, data))
	}
}

// slim keeps, in every package entry, only the keys the readers use.
func slim(f *testing.F, data []byte) []byte {
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		f.Fatal(err)
	}
	keep := func(list any) {
		entries, _ := list.([]any)
		for _, e := range entries {
			if m, ok := e.(map[string]any); ok {
				for k := range m {
					if k != "name" && k != "version" && k != "license" && k != "dist" {
						delete(m, k)
					}
				}
				if dist, ok := m["dist"].(map[string]any); ok {
					m["dist"] = map[string]any{"type": dist["type"]}
				}
			}
		}
	}
	switch d := doc.(type) {
	case []any:
		keep(d)
	case map[string]any:
		for k, v := range d {
			if k == "packages" || k == "packages-dev" {
				keep(v)
			} else {
				delete(d, k)
			}
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		f.Fatal(err)
	}
	return out
}

// fuzzFile runs e on data stored as name and checks what comes back:
// every package has a valid vendor/package name and version and a purl
// that parses back to them; an error is a FileError naming the file.
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
		if u.Type != "composer" || u.Namespace+"/"+u.Name != strings.ToLower(p.Name) || u.Version != p.Version {
			t.Fatalf("purl %q does not give %q %q", p.PURL, p.Name, p.Version)
		}
	}
}

// FuzzComposer feeds the same data to both readers: composer.lock and
// installed.json share the package entries.
func FuzzComposer(f *testing.F) {
	seed(f, "composer_happy.lock", "vendor/composer/installed.json")
	f.Add([]byte(`[{"name":"a/b","version":"v1.0","license":"MIT","dist":{"type":"path"}},{"name":"c/d","version":"dev-x/y"}]`))
	f.Add([]byte(`{"packages":[{"name":"A/B","version":"1"}],"packages-dev":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzFile(t, NewLock(), "app/composer.lock", data)
		fuzzFile(t, NewInstalled(), "app/vendor/composer/installed.json", data)
	})
}
