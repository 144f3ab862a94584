package cargo

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	packageurl "github.com/package-url/packageurl-go"

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

func versions(pkgs []*inventory.Package) map[string]string {
	m := map[string]string{}
	for _, p := range pkgs {
		m[p.Name] = p.Version
	}
	return m
}

// TestLockFixtures reads the Rust lock files of fixtures PROVENANCE §4e:
// cargo_normal.lock (v1/v2 layout, no version key) has 8 packages,
// cargo_v3.lock 9, trivy-ci-test/Cargo.lock (a real project) 74.
func TestLockFixtures(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "rust")
	fsys := os.DirFS(dir)
	tests := []struct {
		path  string
		count int
		// want are name=version pairs that must be present.
		want map[string]string
		// local names the path crates (no source).
		local []string
	}{
		{"cargo_normal.lock", 8, map[string]string{"libc": "0.2.54", "normal": "0.1.0", "typemap": "0.3.3", "unsafe-any": "0.4.2"}, []string{"normal"}},
		{"cargo_v3.lock", 9, map[string]string{"app": "0.1.0"}, []string{"app"}},
		{"trivy-ci-test/Cargo.lock", 74, map[string]string{"ammonia": "1.9.0", "openssl": "0.8.3", "smallvec": "0.6.9", "idna": "0.1.5"}, []string{"normal"}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			// The fixtures are not named Cargo.lock; serve them under
			// that name, as an image would hold them.
			data, err := fs.ReadFile(fsys, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			mfs := fstest.MapFS{"src/app/Cargo.lock": {Data: data, Mode: 0o644}}
			pkgs := extractFile(t, mfs, "src/app/Cargo.lock")
			if len(pkgs) != tc.count {
				t.Errorf("got %d packages, want %d", len(pkgs), tc.count)
			}
			got := versions(pkgs)
			for name, v := range tc.want {
				if got[name] != v {
					t.Errorf("%s: got version %q, want %q", name, got[name], v)
				}
			}
			for _, p := range pkgs {
				if p.Type != Type || p.Locations[0].Path != "src/app/Cargo.lock" {
					t.Errorf("%s: type %q, locations %v", p.Name, p.Type, p.Locations)
				}
				u, err := packageurl.FromString(p.PURL)
				if err != nil {
					t.Fatalf("purl %q: %v", p.PURL, err)
				}
				isLocal := slices.Contains(tc.local, p.Name)
				if q := u.Qualifiers.Map(); (q["source"] == SourceLocal) != isLocal {
					t.Errorf("%s: purl %s, local %v", p.Name, p.PURL, isLocal)
				}
				if u.Type != "cargo" || u.Name != p.Name || u.Version != p.Version {
					t.Errorf("%s %s: purl %s", p.Name, p.Version, p.PURL)
				}
			}
		})
	}
	if pkgs := extractFile(t, fsys, "trivy-ci-test/Cargo.lock"); len(pkgs) != 74 {
		t.Errorf("trivy-ci-test/Cargo.lock read in place: %d packages", len(pkgs))
	}
}

// TestAuditableFixture reads the cargo-auditable test binary (PROVENANCE
// §4e): two local crates, crate_with_features 0.1.0 (the root) and
// library_crate 0.1.0, no crates.io dependency.
func TestAuditableFixture(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "rust", "cargo-auditable")
	data, err := os.ReadFile(filepath.Join(dir, "test.elf"))
	if err != nil {
		t.Fatal(err)
	}
	crates, err := ReadAuditable(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Crate{
		{Name: "crate_with_features", Version: "0.1.0", Kind: SourceLocal, Root: true},
		{Name: "library_crate", Version: "0.1.0", Kind: SourceLocal},
	}
	if !slices.Equal(crates, want) {
		t.Fatalf("got %+v, want %+v", crates, want)
	}

	// Through ExtractFile: picked by its execute bit anywhere, or by its
	// directory without one.
	for _, tc := range []struct {
		path string
		mode fs.FileMode
	}{{"opt/app/test", 0o755}, {"usr/local/bin/test", 0o644}} {
		mfs := fstest.MapFS{tc.path: {Data: data, Mode: tc.mode}}
		if !New().WantsFile(tc.path, tc.mode, int64(len(data))) {
			t.Errorf("WantsFile(%s, %v) false", tc.path, tc.mode)
		}
		pkgs := extractFile(t, mfs, tc.path)
		if len(pkgs) != 2 {
			t.Fatalf("%s: got %d packages", tc.path, len(pkgs))
		}
		for _, p := range pkgs {
			if p.PURL != "pkg:cargo/"+p.Name+"@0.1.0?source=local" {
				t.Errorf("purl %s", p.PURL)
			}
		}
	}
	// Not executable and not in a bin directory: not examined.
	mfs := fstest.MapFS{"opt/app/test": {Data: data, Mode: 0o644}}
	if pkgs := extractFile(t, mfs, "opt/app/test"); len(pkgs) != 0 {
		t.Errorf("non-executable file gave %d packages", len(pkgs))
	}

	// Cut inside the section: an error naming the file.
	const secOff, secLen = 0x4f523, 0x76
	cut := slices.Clone(data)
	copy(cut[secOff:secOff+secLen], make([]byte, secLen)) // zeroed data
	_, err = New().ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{"bin/x": {Data: cut, Mode: 0o755}}}, "bin/x")
	var fe *extract.FileError
	if !errors.As(err, &fe) || fe.Path != "bin/x" {
		t.Errorf("damaged section: got %v, want a FileError for bin/x", err)
	}
}

// TestNotRust: executables without the section and other files give
// nothing and no error.
func TestNotRust(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	mfs := fstest.MapFS{
		"usr/bin/gotest": {Data: exe, Mode: 0o755},
		"usr/bin/script": {Data: []byte("#!/bin/sh\necho hi\n"), Mode: 0o755},
		"usr/bin/elfish": {Data: []byte("\x7fELF garbage"), Mode: 0o755},
		"usr/bin/tiny":   {Data: []byte("MZ"), Mode: 0o755},
	}
	for p := range mfs {
		pkgs, err := New().ExtractFile(context.Background(), extract.Input{FS: mfs}, p)
		if err != nil || len(pkgs) != 0 {
			t.Errorf("%s: got %d packages, %v", p, len(pkgs), err)
		}
	}
}

func TestLockFormats(t *testing.T) {
	const v4 = `version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["serde", "gitdep", "private"]

[[package]]
name = "serde"
version = "1.0.200"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "ddc6f9cc94d67c0e21aaf7eda3a010fd3af78ebf6e096aa6e2e13c79749cce4f"

[[package]]
name = "sparse"
version = "0.2.0"
source = "sparse+https://index.crates.io/"

[[package]]
name = "gitdep"
version = "0.3.0"
source = "git+https://github.com/example/gitdep?branch=main#0123456789abcdef0123456789abcdef01234567"

[[package]]
name = "private"
version = "1.0.0"
source = "registry+https://registry.example.com/index"
`
	crates, err := ParseLock([]byte(v4))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range crates {
		got = append(got, c.Name+" "+c.Version+" "+c.Kind+" "+PURL(c))
	}
	want := []string{
		"app 0.1.0 local pkg:cargo/app@0.1.0?source=local",
		"serde 1.0.200 crates.io pkg:cargo/serde@1.0.200",
		"sparse 0.2.0 crates.io pkg:cargo/sparse@0.2.0",
		"gitdep 0.3.0 git pkg:cargo/gitdep@0.3.0?source=git&vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fexample%2Fgitdep%3Fbranch%3Dmain%230123456789abcdef0123456789abcdef01234567",
		"private 1.0.0 registry pkg:cargo/private@1.0.0?repository_url=https:%2F%2Fregistry.example.com%2Findex&source=registry",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, c := range crates {
		u, err := packageurl.FromString(PURL(c))
		if err != nil {
			t.Fatal(err)
		}
		if q := u.Qualifiers.Map(); c.Kind == SourceGit && q["vcs_url"] != c.Source {
			t.Errorf("vcs_url %q, want %q", q["vcs_url"], c.Source)
		}
	}

	// A v1 lock with its [metadata] checksums, and a package entry
	// without a version.
	const v1 = `[[package]]
name = "a"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "b"

[metadata]
"checksum a 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)" = "abc"
`
	crates, err = ParseLock([]byte(v1))
	if err == nil || len(crates) != 1 || crates[0].Name != "a" {
		t.Errorf("v1: got %+v, %v", crates, err)
	}
	for _, bad := range []string{"[[package]\n", "version = \"x\"\n", "package = 3\n", "[[package]]\nname = 1\n"} {
		if crates, err := ParseLock([]byte(bad)); err == nil {
			t.Errorf("%q: got %+v and no error", bad, crates)
		}
	}
}

func TestWants(t *testing.T) {
	e := New()
	for p, want := range map[string]bool{
		"Cargo.lock":         true,
		"src/app/Cargo.lock": true,
		"usr/local/cargo/registry/src/index.crates.io-6f17d22bba15001f/serde-1.0.0/Cargo.lock": false,
		"root/.cargo/git/checkouts/x-1234/abcdef/Cargo.lock":                                   false,
		"cargo.lock":         false,
		"src/app/Cargo.toml": false,
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
		{"opt/x", 0o755, 100, true},
		{"opt/x", 0o644, 100, false},
		{"usr/bin/x", 0o644, 100, true},
		{"usr/sbin/x", 0o600, 100, true},
		{"opt/x", 0o755, 0, false},
		{"opt/x", 0o755, MaxFileSize + 1, false},
		{"opt/x", fs.ModeSymlink | 0o777, 10, false},
	} {
		if got := e.WantsFile(tc.path, tc.mode, tc.size); got != tc.want {
			t.Errorf("WantsFile(%s, %v, %d) = %v", tc.path, tc.mode, tc.size, got)
		}
	}
}

// TestAuditableLimits: a section that inflates beyond the limit is an
// error, and build dependencies are left out.
func TestAuditableLimits(t *testing.T) {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write([]byte(`{"packages":[{"name":"a","version":"1.0.0","source":"crates.io","root":true},{"name":"cc","version":"1.0.0","source":"crates.io","kind":"build"},{"name":"g","version":"0.1.0","source":"git"}]}`))
	zw.Close()
	crates, err := decodeAuditable(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := []Crate{{Name: "a", Version: "1.0.0", Kind: SourceCratesIO, Root: true}, {Name: "g", Version: "0.1.0", Kind: SourceGit}}
	if !slices.Equal(crates, want) {
		t.Errorf("got %+v", crates)
	}

	buf.Reset()
	zw = zlib.NewWriter(&buf)
	zw.Write([]byte(`{"packages":[`))
	zw.Write(bytes.Repeat([]byte(" "), maxJSON+1))
	zw.Close()
	if _, err := decodeAuditable(bytes.NewReader(buf.Bytes())); err == nil || !strings.Contains(err.Error(), "decompressed") {
		t.Errorf("bomb: got %v", err)
	}
}
