package dotnet

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"testing/fstest"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
)

func brief(pkgs []*inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+" "+p.Version)
	}
	return out
}

func checkPackages(t *testing.T, pkgs []*inventory.Package, loc string) {
	t.Helper()
	for _, p := range pkgs {
		if p.Type != "nuget" || p.PURL != "pkg:nuget/"+p.Name+"@"+p.Version || len(p.Locations) != 1 || p.Locations[0].Path != loc ||
			p.SourceName != p.Name || p.SourceVersion != p.Version {
			t.Errorf("bad package %+v", *p)
		}
	}
}

// TestDepsFixtures reads the four deps.json fixtures of PROVENANCE.md §4e
// in place. The number of libraries is checked on the file itself; the
// packages are the libraries of type package and runtimepack that the
// runtime target deploys.
func TestDepsFixtures(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "dotnet", "deps")
	for _, tc := range []struct {
		file      string
		libraries int
		target    string
		want      []string
	}{
		{"happy.deps.json", 2, ".NETCoreApp,Version=v5.0", []string{"Newtonsoft.Json 13.0.1"}},
		{"self-contained.deps.json", 4, ".NETCoreApp,Version=v8.0/linux-x64", []string{
			"Microsoft.AspNetCore.App.Runtime.linux-x64 8.0.0",
			"Microsoft.NETCore.App.Runtime.linux-x64 8.0.0",
			"Newtonsoft.Json 13.0.1",
		}},
		// 1 project and 7 packages, of which only JsonDiffPatch (runtime
		// assembly) and Libuv (native runtimeTargets) have assets:
		// Microsoft.NETCore.App 1.1.2, Microsoft.NETCore.Platforms 1.1.0,
		// NETStandard.Library 1.6.0 and System.Net.Http 4.1.0 have empty
		// or dependency-only entries, System.Collections.Immutable 1.3.0
		// has none.
		{"without-runtime.deps.json", 8, ".NETCoreApp,Version=v6.0", []string{"JsonDiffPatch 2.0.61", "Libuv 1.9.1"}},
		// 3 projects (Web, Api, Data) and 1 package.
		{"multi-project.deps.json", 4, ".NETCoreApp,Version=v10.0", []string{"Newtonsoft.Json 13.0.3"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			var raw struct {
				RuntimeTarget struct{ Name string }
				Libraries     map[string]any
			}
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			if len(raw.Libraries) != tc.libraries || raw.RuntimeTarget.Name != tc.target {
				t.Fatalf("fixture has %d libraries, target %q; PROVENANCE says %d, %q", len(raw.Libraries), raw.RuntimeTarget.Name, tc.libraries, tc.target)
			}
			if !NewDeps().Wants(tc.file) {
				t.Fatalf("Wants(%q) = false", tc.file)
			}
			pkgs, err := NewDeps().ExtractFile(context.Background(), extract.Input{FS: os.DirFS(dir)}, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			got := brief(pkgs)
			sort.Strings(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			checkPackages(t, pkgs, tc.file)
		})
	}
}

func TestDepsTargets(t *testing.T) {
	doc := `{
	  "runtimeTarget": {"name": ".NETCoreApp,Version=v8.0/linux-x64"},
	  "targets": {
	    ".NETCoreApp,Version=v8.0": {"Other/1.0.0": {"runtime": {"lib/net8.0/Other.dll": {}}}},
	    ".NETCoreApp,Version=v8.0/linux-x64": {
	      "App/1.0.0": {"runtime": {"App.dll": {}}},
	      "Analyzer/2.0.0": {"compileOnly": true, "runtime": {"lib/a.dll": {}}},
	      "Placeholder/1.0.0": {"runtime": {"lib/netstandard2.0/_._": {}}},
	      "Resources/1.0.0": {"resources": {"lib/de/R.resources.dll": {"locale": "de"}}},
	      "newtonsoft.json/13.0.1": {"runtime": {"lib/netstandard2.0/Newtonsoft.Json.dll": {}}},
	      "Newtonsoft.Json/13.0.1": {"runtime": {"lib/netstandard2.0/Newtonsoft.Json.dll": {}}},
	      "Ref/1.0.0": {"runtime": {"Ref.dll": {}}}
	    }
	  },
	  "libraries": {
	    "App/1.0.0": {"type": "project"},
	    "Analyzer/2.0.0": {"type": "package"},
	    "Other/1.0.0": {"type": "package"},
	    "Placeholder/1.0.0": {"type": "package"},
	    "Resources/1.0.0": {"type": "package"},
	    "newtonsoft.json/13.0.1": {"type": "package"},
	    "Newtonsoft.Json/13.0.1": {"type": "package"},
	    "Ref/1.0.0": {"type": "reference"},
	    "odd": {"type": "package"},
	    "Bad/1.0.0": 7
	  }
	}`
	fsys := fstest.MapFS{"app/App.deps.json": {Data: []byte("\ufeff" + doc)}}
	pkgs, err := NewDeps().ExtractFile(context.Background(), extract.Input{FS: fsys}, "app/App.deps.json")
	if err != nil {
		t.Fatal(err)
	}
	// Other is deployed only for the target that is not the runtime
	// target; the two spellings of Newtonsoft.Json are one package.
	if got, want := brief(pkgs), []string{"Newtonsoft.Json 13.0.1", "Resources 1.0.0"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}

	// Without targets every package library is reported.
	fsys = fstest.MapFS{"x.deps.json": {Data: []byte(`{"libraries": {"A/1.0.0": {"type": "package"}, "runtimepack.B/2.0.0": {"type": "runtimepack"}, "C/1.0.0": {"type": "project"}}}`)}}
	pkgs, err = NewDeps().ExtractFile(context.Background(), extract.Input{FS: fsys}, "x.deps.json")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := brief(pkgs), []string{"A 1.0.0", "B 2.0.0"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestPackagesLockFixtures(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "dotnet", "nuget")
	for _, tc := range []struct {
		file       string
		frameworks int
		entries    int
		distinct   int
		named      []string
	}{
		// Version 1; 5 target frameworks (.NETFramework v2.0, v3.5, v4.0
		// with 4 entries each, .NETStandard v1.0 with 33 and v2.0 with
		// 7): 52 entries, 40 distinct ids and versions (NETStandard.Library
		// twice: 1.6.1 and 2.0.3).
		{"packages_lock_multi.json", 5, 52, 40, []string{"AWSSDK.Core 3.5.1.30", "NETStandard.Library 1.6.1", "NETStandard.Library 2.0.3",
			"Newtonsoft.Json 12.0.3", "System.Runtime.CompilerServices.Unsafe 4.5.2"}},
		// 2 entries, .NETCoreApp v5.0.
		{"packages_lock_simple.json", 1, 2, 2, []string{"Newtonsoft.Json 12.0.3", "NuGet.Frameworks 5.7.0"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			var raw struct {
				Version      int
				Dependencies map[string]map[string]any
			}
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			entries := 0
			for _, deps := range raw.Dependencies {
				entries += len(deps)
			}
			if raw.Version != 1 || len(raw.Dependencies) != tc.frameworks || entries != tc.entries {
				t.Fatalf("fixture: version %d, %d frameworks, %d entries", raw.Version, len(raw.Dependencies), entries)
			}
			fsys := fstest.MapFS{"src/App/packages.lock.json": {Data: data}}
			pkgs, err := NewLock().ExtractFile(context.Background(), extract.Input{FS: fsys}, "src/App/packages.lock.json")
			if err != nil {
				t.Fatal(err)
			}
			if len(pkgs) != tc.distinct {
				t.Fatalf("got %d packages, want %d: %q", len(pkgs), tc.distinct, brief(pkgs))
			}
			got := brief(pkgs)
			for _, n := range tc.named {
				if !slices.Contains(got, n) {
					t.Errorf("%s missing from %q", n, got)
				}
			}
			checkPackages(t, pkgs, "src/App/packages.lock.json")
		})
	}
}

func TestPackagesLockProject(t *testing.T) {
	doc := `{"version": 2, "dependencies": {"net8.0": {
	  "Lib": {"type": "Project", "dependencies": {"Serilog": "[3.1.1, )"}},
	  "Serilog": {"type": "Transitive", "resolved": "3.1.1"},
	  "Polly": {"type": "CentralTransitive", "requested": "[8.0.0, )", "resolved": "8.0.0"},
	  "Broken": {"type": "Direct", "requested": "[1.0.0, )"}
	}, "net8.0/linux-x64": {"serilog": {"type": "Transitive", "resolved": "3.1.1"}}}}`
	fsys := fstest.MapFS{"packages.lock.json": {Data: []byte(doc)}}
	pkgs, err := NewLock().ExtractFile(context.Background(), extract.Input{FS: fsys}, "packages.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := brief(pkgs), []string{"Polly 8.0.0", "Serilog 3.1.1"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestPackagesConfig reads a packages.config written for this test in the
// format of NuGet's reference page
// (https://learn.microsoft.com/nuget/reference/packages-config, checked
// 2026): a <packages> root with one <package> element per package, id and
// version required, targetFramework, allowedVersions and
// developmentDependency optional.
func TestPackagesConfig(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-8"?>
<packages>
  <!-- a comment -->
  <package id="EntityFramework" version="6.4.4" targetFramework="net48" />
  <package id="log4net" version="2.0.8" targetFramework="net472" allowedVersions="[2,3)" />
  <package id="Microsoft.Net.Compilers" version="2.10.0" targetFramework="net472" developmentDependency="true" />
  <package id="entityframework" version="6.4.4" />
  <package id="NoVersion" />
  <package id="Ranged" version="[1.0,2.0)" />
</packages>`
	p := "src/Web/packages.config"
	pkgs, err := NewLock().ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{p: {Data: []byte(doc)}}}, p)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"EntityFramework 6.4.4", "log4net 2.0.8", "Microsoft.Net.Compilers 2.10.0"}
	if got := brief(pkgs); !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	checkPackages(t, pkgs, p)
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		e    extract.FileExtractor
		path string
		data string
	}{
		{NewDeps(), "app/a.deps.json", "not json"},
		{NewDeps(), "app/a.deps.json", `{"runtimeTarget": {}}`},
		{NewDeps(), "app/a.deps.json", `{"libraries": []}`},
		{NewDeps(), "app/a.deps.json", `{"libraries": {}, "targets": {"x": 1}}`},
		{NewDeps(), "app/a.deps.json", `{"libraries": {`},
		{NewLock(), "app/packages.lock.json", `[]`},
		{NewLock(), "app/packages.lock.json", `{"version": 1}`},
		{NewLock(), "app/packages.lock.json", `{"dependencies": {"net8.0": []}}`},
		{NewLock(), "app/packages.config", `<configuration><package id="a" version="1.0.0"/></configuration>`},
		{NewLock(), "app/packages.config", `<packages><package id="a" version="1.0.0">`},
		{NewLock(), "app/packages.config", `not xml`},
	} {
		pkgs, err := tc.e.ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{tc.path: {Data: []byte(tc.data)}}}, tc.path)
		var fe *extract.FileError
		if !errors.As(err, &fe) || fe.Path != tc.path {
			t.Errorf("%s %q: got %d packages, error %v; want a FileError naming the file", tc.e.Name(), tc.data, len(pkgs), err)
		}
	}
}

func TestWants(t *testing.T) {
	deps, lock := NewDeps(), NewLock()
	for p, want := range map[string]bool{
		"app/MyApp.deps.json": true,
		"usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.0/Microsoft.NETCore.App.deps.json": true,
		"app/.deps.json":               false,
		"app/MyApp.runtimeconfig.json": false,
	} {
		if got := deps.Wants(p); got != want {
			t.Errorf("Deps.Wants(%q) = %v, want %v", p, got, want)
		}
	}
	for p, want := range map[string]bool{
		"src/App/packages.lock.json": true,
		"src/App/packages.config":    true,
		"src/App/Packages.config":    true,
		"src/App/packages.json":      false,
		"src/App/app.config":         false,
	} {
		if got := lock.Wants(p); got != want {
			t.Errorf("Lock.Wants(%q) = %v, want %v", p, got, want)
		}
	}
}
