package rpm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
)

// fixture reads a database from the rpm fixtures.
func fixture(t *testing.T, elem ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(testutil.Shared(t, append([]string{"fixtures", "rpm"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func extractFS(t *testing.T, fsys fstest.MapFS, d *inventory.Distro) ([]*inventory.Package, error) {
	t.Helper()
	tmp := t.TempDir()
	pkgs, err := New().Extract(context.Background(), extract.Input{FS: fsys, Distro: d, TempDir: tmp})
	// The scratch copy must be gone.
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("scratch folder not emptied: %v", left)
	}
	return pkgs, err
}

func mustExtract(t *testing.T, fsys fstest.MapFS, d *inventory.Distro) map[string]*inventory.Package {
	t.Helper()
	pkgs, err := extractFS(t, fsys, d)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	m := map[string]*inventory.Package{}
	for _, p := range pkgs {
		if m[p.Name] != nil {
			t.Errorf("%s twice", p.Name)
		}
		m[p.Name] = p
	}
	return m
}

type want struct{ name, version, srcName, srcVersion string }

func check(t *testing.T, m map[string]*inventory.Package, count int, archs map[string]int, epochs int, vendor string, wants []want) {
	t.Helper()
	if len(m) != count {
		t.Errorf("got %d packages, want %d", len(m), count)
	}
	gotArchs := map[string]int{}
	withEpoch := 0
	for _, p := range m {
		gotArchs[p.Arch]++
		if p.Epoch > 0 {
			withEpoch++
		}
		if p.Vendor != vendor {
			t.Errorf("%s: got vendor %q, want %q", p.Name, p.Vendor, vendor)
		}
		if p.Type != inventory.TypeRPM {
			t.Errorf("%s: got type %q", p.Name, p.Type)
		}
	}
	for a, n := range archs {
		if gotArchs[a] != n {
			t.Errorf("arch %s: got %d, want %d (all: %v)", a, gotArchs[a], n, gotArchs)
		}
	}
	if withEpoch != epochs {
		t.Errorf("got %d packages with an epoch, want %d", withEpoch, epochs)
	}
	for _, w := range wants {
		p := m[w.name]
		if p == nil {
			t.Errorf("%s missing", w.name)
			continue
		}
		if p.Version != w.version {
			t.Errorf("%s: got version %q, want %q", w.name, p.Version, w.version)
		}
		if w.srcName != "" && (p.SourceName != w.srcName || p.SourceVersion != w.srcVersion) {
			t.Errorf("%s: got source %s %s, want %s %s", w.name, p.SourceName, p.SourceVersion, w.srcName, w.srcVersion)
		}
	}
}

func TestAmazonLinux2023SQLite(t *testing.T) {
	data := fixture(t, "amazonlinux2023", "var", "lib", "rpm", "rpmdb.sqlite")
	d := &inventory.Distro{Family: "amzn", Version: "2023"}
	m := mustExtract(t, fstest.MapFS{"var/lib/rpm/rpmdb.sqlite": {Data: data}}, d)
	// rpm -qa gives 103 headers: 102 packages and one gpg-pubkey.
	check(t, m, 102, map[string]int{"x86_64": 85, "noarch": 17}, 3, "Amazon Linux", []want{
		{"openssl-libs", "1:3.0.8-1.amzn2023.0.4", "openssl", "3.0.8-1.amzn2023.0.4"},
		{"glibc", "2.34-52.amzn2023.0.3", "glibc", "2.34-52.amzn2023.0.3"},
		{"system-release", "2023.1.20230825-0.amzn2023", "", ""},
		{"curl-minimal", "8.0.1-1.amzn2023.0.1", "curl", "8.0.1-1.amzn2023.0.1"},
		{"python3", "3.9.16-1.amzn2023.0.3", "python3.9", "3.9.16-1.amzn2023.0.3"},
		{"rpm", "4.16.1.3-12.amzn2023.0.6", "rpm", "4.16.1.3-12.amzn2023.0.6"},
	})
	if m["gpg-pubkey"] != nil {
		t.Errorf("got gpg-pubkey, want it skipped")
	}
	if p := m["openssl-libs"]; p != nil {
		if p.Epoch != 1 || p.Release != "1.amzn2023.0.4" || p.Arch != "x86_64" {
			t.Errorf("openssl-libs: got epoch %d release %q arch %q", p.Epoch, p.Release, p.Arch)
		}
		if want := "pkg:rpm/amzn/openssl-libs@3.0.8-1.amzn2023.0.4?arch=x86_64&distro=amzn-2023&epoch=1"; p.PURL != want {
			t.Errorf("got purl %s, want %s", p.PURL, want)
		}
		if len(p.Locations) != 1 || p.Locations[0].Path != "var/lib/rpm/rpmdb.sqlite" {
			t.Errorf("got locations %v", p.Locations)
		}
	}
}

func TestCBLMariner2SQLite(t *testing.T) {
	data := fixture(t, "cbl-mariner-2.0", "var", "lib", "rpm", "rpmdb.sqlite")
	d := &inventory.Distro{Family: "mariner", Version: "2.0"}
	m := mustExtract(t, fstest.MapFS{"var/lib/rpm/rpmdb.sqlite": {Data: data}}, d)
	check(t, m, 129, map[string]int{"x86_64": 116, "noarch": 13}, 3, "Microsoft Corporation", []want{
		{"openssl-libs", "1.1.1k-7.cm2", "openssl", "1.1.1k-7.cm2"},
		{"glibc", "2.34-2.cm2", "", ""},
		{"curl", "7.76.0-6.cm2", "curl", "7.76.0-6.cm2"},
		{"mariner-release", "2.0-4.cm2", "", ""},
		{"rpm", "4.17.0-1.cm2", "", ""},
	})
	if p := m["curl"]; p != nil && p.PURL != "pkg:rpm/mariner/curl@7.76.0-6.cm2?arch=x86_64&distro=mariner-2.0" {
		t.Errorf("got purl %s", p.PURL)
	}
}

func TestSLE15NDB(t *testing.T) {
	data := fixture(t, "sle15-bci", "var", "lib", "rpm", "Packages.db")
	d := &inventory.Distro{Family: "sles", Version: "15.3"}
	// SUSE keeps it in usr/lib/sysimage/rpm; the fixture had it in var/lib/rpm.
	for _, at := range []string{"var/lib/rpm/Packages.db", "usr/lib/sysimage/rpm/Packages.db"} {
		m := mustExtract(t, fstest.MapFS{at: {Data: data}}, d)
		check(t, m, 35, map[string]int{"x86_64": 31, "noarch": 4}, 0, "SUSE LLC <https://www.suse.com/>", []want{
			{"sles-release", "15.3-55.4.1", "", ""},
			{"glibc", "2.31-9.3.2", "glibc", "2.31-9.3.2"},
			{"bash", "4.4-19.6.1", "", ""},
			{"libz1", "1.2.11-3.21.1", "zlib", "1.2.11-3.21.1"},
			{"filesystem", "15.0-11.3.2", "", ""},
		})
		if p := m["bash"]; p != nil && p.Locations[0].Path != at {
			t.Errorf("got location %v, want %s", p.Locations, at)
		}
	}
}

func TestUBI8BerkeleyDB(t *testing.T) {
	data := fixture(t, "ubi8-libuuid-bdb", "var", "lib", "rpm", "Packages")
	m := mustExtract(t, fstest.MapFS{"var/lib/rpm/Packages": {Data: data}}, nil)
	check(t, m, 1, map[string]int{"x86_64": 1}, 0, "Red Hat, Inc.", []want{
		{"libuuid", "2.32.1-42.el8_8", "util-linux", "2.32.1-42.el8_8"},
	})
	if p := m["libuuid"]; p != nil {
		// No distribution known: the namespace comes from the vendor.
		if want := "pkg:rpm/redhat/libuuid@2.32.1-42.el8_8?arch=x86_64"; p.PURL != want {
			t.Errorf("got purl %s, want %s", p.PURL, want)
		}
		if p.Release != "42.el8_8" {
			t.Errorf("got release %q", p.Release)
		}
	}
}

func TestOneDatabasePerImage(t *testing.T) {
	sqlite := fixture(t, "amazonlinux2023", "var", "lib", "rpm", "rpmdb.sqlite")
	bdb := fixture(t, "ubi8-libuuid-bdb", "var", "lib", "rpm", "Packages")
	// A Packages left behind next to rpmdb.sqlite: the SQLite one is read.
	m := mustExtract(t, fstest.MapFS{"var/lib/rpm/rpmdb.sqlite": {Data: sqlite}, "var/lib/rpm/Packages": {Data: bdb}}, nil)
	if len(m) != 102 {
		t.Errorf("got %d packages, want the 102 of rpmdb.sqlite", len(m))
	}
	// The same file at both places (var/lib/rpm linking to usr/lib/sysimage/rpm): read once.
	m = mustExtract(t, fstest.MapFS{"var/lib/rpm/rpmdb.sqlite": {Data: sqlite}, "usr/lib/sysimage/rpm/rpmdb.sqlite": {Data: sqlite}}, nil)
	if p := m["glibc"]; len(m) != 102 || p == nil || p.Locations[0].Path != "usr/lib/sysimage/rpm/rpmdb.sqlite" {
		t.Errorf("got %d packages, glibc %v", len(m), p)
	}
}

func TestFallBackAfterCorruptDatabase(t *testing.T) {
	bdb := fixture(t, "ubi8-libuuid-bdb", "var", "lib", "rpm", "Packages")
	fsys := fstest.MapFS{
		"var/lib/rpm/rpmdb.sqlite": {Data: []byte("SQLite format 3\x00 but nothing else")},
		"var/lib/rpm/Packages":     {Data: bdb},
	}
	pkgs, err := extractFS(t, fsys, nil)
	if len(pkgs) != 1 || pkgs[0].Name != "libuuid" {
		t.Errorf("got %d packages, want libuuid from Packages", len(pkgs))
	}
	var fe *extract.FileError
	if !errors.As(err, &fe) || fe.Path != "var/lib/rpm/rpmdb.sqlite" {
		t.Errorf("got error %v, want a *extract.FileError for var/lib/rpm/rpmdb.sqlite", err)
	}
}

func TestNotADatabase(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("hello"), make([]byte, 8192)} {
		_, err := extractFS(t, fstest.MapFS{"var/lib/rpm/Packages": {Data: data}}, nil)
		var fe *extract.FileError
		if !errors.As(err, &fe) || fe.Path != "var/lib/rpm/Packages" {
			t.Errorf("%d bytes: got %v, want a *extract.FileError", len(data), err)
		}
	}
}

func TestNoDatabase(t *testing.T) {
	pkgs, err := extractFS(t, fstest.MapFS{"var/lib/rpm/Name": {Data: []byte("x")}}, nil)
	if pkgs != nil || err != nil {
		t.Errorf("got %v, %v, want nil, nil", pkgs, err)
	}
}

func TestWants(t *testing.T) {
	e := New()
	for p, want := range map[string]bool{
		"var/lib/rpm/Packages":                  true,
		"var/lib/rpm/rpmdb.sqlite":              true,
		"var/lib/rpm/Packages.db":               true,
		"usr/lib/sysimage/rpm/Packages":         true,
		"usr/lib/sysimage/rpm/rpmdb.sqlite":     true,
		"usr/lib/sysimage/rpm/Packages.db":      true,
		"var/lib/rpm/rpmdb.sqlite-wal":          true,
		"usr/lib/sysimage/rpm/rpmdb.sqlite-wal": true,
		"var/lib/rpm/rpmdb.sqlite-shm":          false,
		"var/lib/rpm/Packages-wal":              false,
		"var/lib/rpm/Name":                      false,
		"/var/lib/rpm/Packages":                 false,
		"var/lib/rpm":                           false,
	} {
		if got := e.Wants(p); got != want {
			t.Errorf("Wants(%q): got %v, want %v", p, got, want)
		}
	}
}

func TestParseSourceRPM(t *testing.T) {
	for in, want := range map[string][2]string{
		"curl-8.0.1-1.amzn2023.0.1.src.rpm":       {"curl", "8.0.1-1.amzn2023.0.1"},
		"python3.9-3.9.16-1.amzn2023.0.3.src.rpm": {"python3.9", "3.9.16-1.amzn2023.0.3"},
		"util-linux-2.32.1-42.el8_8.src.rpm":      {"util-linux", "2.32.1-42.el8_8"},
		"kernel-5.14.0-1.nosrc.rpm":               {"kernel", "5.14.0-1"},
		"":                                        {"", ""},
		"(none)":                                  {"", ""},
		"curl.src.rpm":                            {"", ""},
		"curl-1.src.rpm":                          {"", ""},
		"-1-2.src.rpm":                            {"", ""},
		"a--2.src.rpm":                            {"", ""},
	} {
		name, version, _ := parseSourceRPM(in)
		if name != want[0] || version != want[1] {
			t.Errorf("parseSourceRPM(%q): got %q %q, want %q %q", in, name, version, want[0], want[1])
		}
	}
}

// writeRoot writes data as root/var/lib/rpm/<file> in a fresh folder and
// returns the root.
func writeRoot(t *testing.T, file string, data []byte) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "var", "lib", "rpm")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}
