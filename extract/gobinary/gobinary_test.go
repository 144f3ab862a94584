package gobinary

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/mod/module"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
)

func extractFile(t *testing.T, fsys fs.FS, p string) []*inventory.Package {
	t.Helper()
	pkgs, err := New().ExtractFile(context.Background(), extract.Input{FS: fsys}, p)
	if err != nil {
		t.Fatalf("ExtractFile(%s): %v", p, err)
	}
	return pkgs
}

// describe lists packages as "name version [source version]" lines.
func describe(pkgs []*inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		s := p.Name + " " + p.Version
		if p.SourceVersion != p.Version {
			s += " [" + p.SourceVersion + "]"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestBuiltBinaries extracts the modules of the test program, built plain,
// stripped and from a git checkout: the main module is (devel) (a build in
// a source tree), x/text is reported as its replacement v0.3.5, and the
// standard library at the toolchain's version.
func TestBuiltBinaries(t *testing.T) {
	b := buildTestBinaries(t)
	std := StdlibVersion(b.goVersion)
	if !strings.HasPrefix(std, "v1.") {
		t.Fatalf("toolchain %q gives stdlib version %q", b.goVersion, std)
	}
	want := []string{"example.com/vulnapp (devel)", "golang.org/x/text v0.3.5", "stdlib " + std}
	for _, bin := range []string{b.plain, b.stripped} {
		t.Run(filepath.Base(bin), func(t *testing.T) {
			data := readFile(t, bin)
			fsys := fstest.MapFS{"usr/local/bin/vulnapp": {Data: data, Mode: 0o755}}
			if !New().WantsFile("usr/local/bin/vulnapp", 0o755, int64(len(data))) {
				t.Fatal("WantsFile false for an executable")
			}
			pkgs := extractFile(t, fsys, "usr/local/bin/vulnapp")
			if got := describe(pkgs); !slices.Equal(got, want) {
				t.Fatalf("got %q, want %q", got, want)
			}
			for _, p := range pkgs {
				if p.Type != Type || len(p.Locations) != 1 || p.Locations[0].Path != "usr/local/bin/vulnapp" {
					t.Errorf("%s: type %q, locations %v", p.Name, p.Type, p.Locations)
				}
			}
			purls := map[string]string{}
			for _, p := range pkgs {
				purls[p.Name] = p.PURL
			}
			for name, purl := range map[string]string{
				"golang.org/x/text":   "pkg:golang/golang.org/x/text@v0.3.5",
				"stdlib":              "pkg:golang/stdlib@" + std,
				"example.com/vulnapp": "pkg:golang/example.com/vulnapp",
			} {
				if purls[name] != purl {
					t.Errorf("%s: purl %q, want %q", name, purls[name], purl)
				}
			}
		})
	}

	t.Run("stamped", func(t *testing.T) {
		if b.stamped == "" {
			t.Skip("git not installed")
		}
		pkgs := extractFile(t, os.DirFS(filepath.Dir(b.stamped)), filepath.Base(b.stamped))
		var main *inventory.Package
		for _, p := range pkgs {
			if p.Name == "example.com/vulnapp" {
				main = p
			}
		}
		if main == nil {
			t.Fatalf("no main module in %q", describe(pkgs))
		}
		// The go command stamped a pseudo-version (v0.0.0-<time>-<commit>)
		// from the untagged commit; it is kept aside, not compared.
		if main.Version != Devel || !module.IsPseudoVersion(main.SourceVersion) || !strings.HasPrefix(main.SourceVersion, "v0.0.0-") {
			t.Errorf("main module: version %q, source version %q; want (devel) and the stamped pseudo-version", main.Version, main.SourceVersion)
		}
	})

	t.Run("truncated", func(t *testing.T) {
		data := readFile(t, b.stripped)
		for _, frac := range []float64{0.02, 0.5, 0.9, 0.999} {
			cut := data[:int(float64(len(data))*frac)]
			fsys := fstest.MapFS{"app/server": {Data: cut, Mode: 0o755}}
			pkgs, err := New().ExtractFile(context.Background(), extract.Input{FS: fsys}, "app/server")
			var fe *extract.FileError
			if !errors.As(err, &fe) || fe.Path != "app/server" || len(pkgs) != 0 {
				t.Errorf("cut to %.1f%%: got %d packages, %v; want a FileError for app/server", frac*100, len(pkgs), err)
			}
		}
	})

	t.Run("go.mod", func(t *testing.T) {
		pkgs := extractFile(t, os.DirFS(b.dir), "go.mod")
		if got := describe(pkgs); !slices.Equal(got, []string{"golang.org/x/text v0.3.5"}) {
			t.Errorf("got %q", got)
		}
	})
}

// TestNotGo: other executables give nothing and no error.
func TestNotGo(t *testing.T) {
	files := fstest.MapFS{
		"usr/bin/script": {Data: []byte("#!/bin/sh\necho hi\n"), Mode: 0o755},
		"usr/bin/elfish": {Data: []byte("\x7fELF garbage that does not parse"), Mode: 0o755},
		"usr/bin/mz":     {Data: []byte("MZ"), Mode: 0o755},
		"usr/bin/empty":  {Data: nil, Mode: 0o755},
	}
	// A real Rust ELF (fixtures PROVENANCE §4e).
	if dir := testutil.Shared(t, "fixtures", "rust", "cargo-auditable"); dir != "" {
		files["usr/bin/rust"] = &fstest.MapFile{Data: readFile(t, filepath.Join(dir, "test.elf")), Mode: 0o755}
	}
	for _, sh := range []string{"/bin/sh", "/bin/ls"} {
		if data, err := os.ReadFile(sh); err == nil {
			files["host"+sh] = &fstest.MapFile{Data: data, Mode: 0o755}
		}
	}
	for p := range files {
		pkgs, err := New().ExtractFile(context.Background(), extract.Input{FS: files}, p)
		if err != nil || len(pkgs) != 0 {
			t.Errorf("%s: got %q, %v", p, describe(pkgs), err)
		}
	}
}

// TestSelf reads the test binary itself: built by this toolchain in module
// mode, it names lading as its main module (go test records no dependency
// lines for test binaries).
func TestSelf(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pkgs := extractFile(t, os.DirFS(filepath.Dir(self)), filepath.Base(self))
	var names []string
	for _, p := range pkgs {
		names = append(names, p.Name)
	}
	if !slices.Contains(names, "github.com/lading-dev/lading") || !slices.Contains(names, Stdlib) {
		t.Errorf("got %q", names)
	}
}

func TestStdlibVersion(t *testing.T) {
	for in, want := range map[string]string{
		"go1.21.3":                       "v1.21.3",
		"go1.20":                         "v1.20.0",
		"go1.22rc1":                      "v1.22.0-rc.1",
		"go1.9.2beta2":                   "v1.9.2-beta.2",
		"go1.26.8":                       "v1.26.8",
		"go1.21.3 X:boringcrypto":        "v1.21.3",
		"devel go1.23-1e7d6a2 Tue Jan 2": Devel,
		"go1.22.5-1":                     "1.22.5-1",
		"":                               "",
	} {
		if got := StdlibVersion(in); got != want {
			t.Errorf("StdlibVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMainVersion(t *testing.T) {
	for _, tc := range []struct {
		m                debug.Module
		version, stamped string
	}{
		{debug.Module{Path: "m", Version: "(devel)"}, Devel, ""},
		{debug.Module{Path: "m"}, Devel, ""},
		{debug.Module{Path: "m", Version: "v1.2.3"}, "v1.2.3", ""},
		{debug.Module{Path: "m", Version: "v1.2.3", Sum: "h1:x"}, "v1.2.3", ""},
		{debug.Module{Path: "m", Version: "v1.2.3+dirty"}, Devel, "v1.2.3+dirty"},
		{debug.Module{Path: "m", Version: "v0.0.0-20240102030405-abcdefabcdef"}, Devel, "v0.0.0-20240102030405-abcdefabcdef"},
		{debug.Module{Path: "m", Version: "v1.2.4-0.20240102030405-abcdefabcdef+dirty"}, Devel, "v1.2.4-0.20240102030405-abcdefabcdef+dirty"},
		// Downloaded (go install m@<commit>): a real module version.
		{debug.Module{Path: "m", Version: "v0.0.0-20240102030405-abcdefabcdef", Sum: "h1:x"}, "v0.0.0-20240102030405-abcdefabcdef", ""},
	} {
		v, s := mainVersion(tc.m)
		if v != tc.version || s != tc.stamped {
			t.Errorf("%+v: got %q %q, want %q %q", tc.m, v, s, tc.version, tc.stamped)
		}
	}
}

func TestGoMod(t *testing.T) {
	const gomod = `// A comment.
module example.com/app

go 1.22

toolchain go1.22.4

godebug default=go1.21

require (
	github.com/a/direct v1.2.3
	github.com/b/indirect v0.0.0-20240102030405-abcdefabcdef // indirect
	github.com/c/replaced v1.0.0
	github.com/d/local v1.0.0
	github.com/e/excluded v1.1.0
	"github.com/f/quoted" v2.0.0+incompatible
	github.com/g/versioned v1.0.0
)

require github.com/h/single v0.1.0

replace github.com/c/replaced => github.com/c/fork v1.0.1

replace (
	github.com/d/local => ../local
	github.com/g/versioned v0.9.0 => github.com/g/other v0.9.1
)

exclude github.com/e/excluded v1.1.0

retract v1.0.0

tool example.com/some/tool
`
	mods, err := ParseGoMod("go.mod", []byte(gomod))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range mods {
		s := m.Path + " " + m.Version
		if m.Indirect {
			s += " indirect"
		}
		if m.Replaced != "" {
			s += " replacing " + m.Replaced
		}
		got = append(got, s)
	}
	want := []string{
		"github.com/a/direct v1.2.3",
		"github.com/b/indirect v0.0.0-20240102030405-abcdefabcdef indirect",
		"github.com/c/fork v1.0.1 replacing github.com/c/replaced@v1.0.0",
		"github.com/d/local (devel) replacing github.com/d/local@v1.0.0",
		"github.com/f/quoted v2.0.0+incompatible",
		"github.com/g/versioned v1.0.0", // the replace names another version
		"github.com/h/single v0.1.0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The standard library's own go.mod files are not reported.
	for _, m := range []string{"std", "cmd"} {
		mods, err := ParseGoMod("go.mod", []byte("module "+m+"\n\ngo 1.26\n\nrequire golang.org/x/net v0.40.0\n"))
		if err != nil || len(mods) != 0 {
			t.Errorf("module %s: got %+v, %v", m, mods, err)
		}
	}
	// An invalid path is left out and reported; the rest is kept.
	mods, err = ParseGoMod("go.mod", []byte("module x\nrequire (\n\tgood.example/a v1.0.0\n\tbad/ v1.0.0\n)\n"))
	if err == nil || len(mods) != 1 || mods[0].Path != "good.example/a" {
		t.Errorf("invalid path: got %+v, %v", mods, err)
	}
	// Errors name the file through ExtractFile.
	fsys := fstest.MapFS{"src/go.mod": {Data: []byte("module x\nrequire (\n"), Mode: 0o644}}
	_, err = New().ExtractFile(context.Background(), extract.Input{FS: fsys}, "src/go.mod")
	var fe *extract.FileError
	if !errors.As(err, &fe) || fe.Path != "src/go.mod" {
		t.Errorf("bad go.mod: got %v", err)
	}
	for _, bad := range []string{
		"module x\nreplace a =>\n",
		"module x\nreplace a v1 v2 v3 => b\n",
		"module x\nexclude a\n",
		"module x\nrequire a latest\n",
	} {
		if mods, err := ParseGoMod("go.mod", []byte(bad)); err == nil {
			t.Errorf("%q: got %+v and no error", bad, mods)
		}
	}
}

func TestWants(t *testing.T) {
	e := New()
	for p, want := range map[string]bool{
		"go.mod":         true,
		"src/app/go.mod": true,
		"root/go/pkg/mod/github.com/a/b@v1.0.0/go.mod": false,
		"src/app/vendor/github.com/a/b/go.mod":         false,
		"usr/local/go/src/cmd/go/testdata/mod/go.mod":  false,
		"src/app/go.sum": false,
		"usr/bin/app":    false,
	} {
		if got := e.Wants(p); got != want {
			t.Errorf("Wants(%s) = %v", p, got)
		}
	}
	for _, tc := range []struct {
		path string
		mode fs.FileMode
		size int64
		want bool
	}{
		{"opt/app/server", 0o755, 1 << 20, true},
		{"opt/app/server", 0o700, 1 << 20, true},
		{"opt/app/server", 0o644, 1 << 20, false},
		{"usr/local/bin/server", 0o644, 1 << 20, true},
		{"opt/app/server", 0o755, 0, false},
		{"opt/app/server", 0o755, MaxFileSize + 1, false},
		{"opt/app/server", fs.ModeDir | 0o755, 10, false},
	} {
		if got := e.WantsFile(tc.path, tc.mode, tc.size); got != tc.want {
			t.Errorf("WantsFile(%s, %v, %d) = %v", tc.path, tc.mode, tc.size, got)
		}
	}
	// Files another extractor wanted, which ExtractFile is handed too,
	// are passed over.
	fsys := fstest.MapFS{"var/lib/dpkg/status": {Data: []byte("Package: x\n"), Mode: 0o644}}
	if pkgs := extractFile(t, fsys, "var/lib/dpkg/status"); len(pkgs) != 0 {
		t.Errorf("got %d packages from a status file", len(pkgs))
	}
}
