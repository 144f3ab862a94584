package dotnet

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/internal/testutil"
)

// seed adds the fixture files to the corpus, re-encoded without the
// hashes ("contentHash", "sha512", "hashPath") and the dependency lists of
// lock file entries, which the readers ignore:
// the fuzzer mutates and minimises large inputs slowly
// (packages_lock_multi.json is 23 KB, mostly hashes).
func seed(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(testutil.Shared(f, "fixtures", "dotnet", filepath.FromSlash(name)))
		if err != nil {
			f.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			f.Fatal(err)
		}
		dropHashes(doc)
		out, err := json.Marshal(doc)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(out)
	}
}

func dropHashes(v any) {
	switch v := v.(type) {
	case map[string]any:
		delete(v, "contentHash")
		delete(v, "sha512")
		delete(v, "hashPath")
		if _, entry := v["resolved"]; entry {
			delete(v, "dependencies") // a lock file entry's own dependencies
		}
		for _, e := range v {
			dropHashes(e)
		}
	case []any:
		for _, e := range v {
			dropHashes(e)
		}
	}
}

// fuzzFile runs e on data stored as name and checks what comes back:
// every package has a valid id and version and a purl that parses back to
// them; an error is a FileError naming the file.
func fuzzFile(t *testing.T, e extract.FileExtractor, name string, data []byte) {
	pkgs, err := e.ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{name: {Data: data}}}, name)
	if err != nil {
		var fe *extract.FileError
		if !errors.As(err, &fe) || fe.Path != name {
			t.Fatalf("error %v is not a FileError for %s", err, name)
		}
	}
	for _, p := range pkgs {
		if !validID(p.Name) || !validVersion(p.Version) || p.Type != Type || len(p.Locations) != 1 || p.Locations[0].Path != name {
			t.Fatalf("bad package %+v", *p)
		}
		u, err := packageurl.FromString(p.PURL)
		if err != nil {
			t.Fatalf("purl %q: %v", p.PURL, err)
		}
		if u.Type != "nuget" || u.Namespace != "" || u.Name != p.Name || u.Version != p.Version {
			t.Fatalf("purl %q does not give %q %q", p.PURL, p.Name, p.Version)
		}
	}
}

func FuzzDepsJSON(f *testing.F) {
	seed(f, "deps/happy.deps.json", "deps/self-contained.deps.json", "deps/without-runtime.deps.json", "deps/multi-project.deps.json")
	f.Add([]byte(`{"runtimeTarget":"t","targets":{"t":{"A/1":{"native":{"_._":{}}},"B/2":{"compileOnly":true}}},"libraries":{"A/1":{"type":"package"},"runtimepack.B/2":{"type":"runtimepack"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFile(t, NewDeps(), "app/App.deps.json", data) })
}

func FuzzPackagesLock(f *testing.F) {
	seed(f, "nuget/packages_lock_simple.json", "nuget/packages_lock_multi.json")
	f.Add([]byte(`{"version":2,"dependencies":{"net8.0":{"P":{"type":"Project"},"A":{"type":"Direct","resolved":"1.0.0-beta+x"}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFile(t, NewLock(), "src/App/packages.lock.json", data) })
}

func FuzzPackagesConfig(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<packages><package id="A.B" version="1.2.3" targetFramework="net48" developmentDependency="true"/></packages>`))
	f.Add([]byte(`<packages xmlns:x="u"><x:package id="a" version="1"/><package id="b" version="[1,2)"><package id="c" version="2"/></package></packages>`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFile(t, NewLock(), "src/App/packages.config", data) })
}
