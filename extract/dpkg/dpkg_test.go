package dpkg

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/internal/fixturefs"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/osrelease"
)

// run extracts from fsys, with the distribution detected in it.
func run(t *testing.T, fsys fs.FS) []*inventory.Package {
	t.Helper()
	d, err := osrelease.Detect(fsys)
	if err != nil {
		t.Fatalf("Detect: %v", err)
	}
	pkgs, err := New().Extract(context.Background(), extract.Input{FS: fsys, Distro: d, TempDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return pkgs
}

// statusOnly puts a status file read from the fixtures at var/lib/dpkg/status.
func statusOnly(t *testing.T, elem ...string) fstest.MapFS {
	t.Helper()
	data, err := os.ReadFile(testutil.Shared(t, append([]string{"fixtures", "dpkg"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{statusFile: {Data: data}}
}

func byName(pkgs []*inventory.Package) map[string]*inventory.Package {
	m := map[string]*inventory.Package{}
	for _, p := range pkgs {
		m[p.Name] = p
	}
	return m
}

func archCounts(pkgs []*inventory.Package) map[string]int {
	m := map[string]int{}
	for _, p := range pkgs {
		m[p.Arch]++
	}
	return m
}

type want struct{ name, version, srcName, srcVersion string }

func checkPkgs(t *testing.T, pkgs []*inventory.Package, wants []want) {
	t.Helper()
	m := byName(pkgs)
	for _, w := range wants {
		p := m[w.name]
		if p == nil {
			t.Errorf("%s: missing", w.name)
			continue
		}
		if p.Version != w.version {
			t.Errorf("%s: got version %q, want %q", w.name, p.Version, w.version)
		}
		if w.srcName != "" && (p.SourceName != w.srcName || p.SourceVersion != w.srcVersion) {
			t.Errorf("%s: got source %q %q, want %q %q", w.name, p.SourceName, p.SourceVersion, w.srcName, w.srcVersion)
		}
	}
}

func checkArchs(t *testing.T, pkgs []*inventory.Package, want map[string]int) {
	t.Helper()
	got := archCounts(pkgs)
	if len(got) != len(want) {
		t.Errorf("got architectures %v, want %v", got, want)
	}
	for a, n := range want {
		if got[a] != n {
			t.Errorf("arch %s: got %d packages, want %d", a, got[a], n)
		}
	}
}

func TestBionicBase(t *testing.T) {
	pkgs := run(t, statusOnly(t, "ubuntu-18.04-bionic-base", "var", "lib", "dpkg", "status"))
	// 91 paragraphs; git ("deinstall ok config-files") is not installed.
	if len(pkgs) != 90 {
		t.Errorf("got %d packages, want 90", len(pkgs))
	}
	checkArchs(t, pkgs, map[string]int{"amd64": 80, "all": 10})
	if p := byName(pkgs)["git"]; p != nil {
		t.Errorf("got git %s, want it skipped", p.Version)
	}
	checkPkgs(t, pkgs, []want{
		{"base-files", "10.1ubuntu2.2", "base-files", "10.1ubuntu2.2"},
		{"libc6", "2.27-3ubuntu1", "glibc", "2.27-3ubuntu1"},
		{"bash", "4.4.18-2ubuntu1", "bash", "4.4.18-2ubuntu1"},
		{"apt", "1.6.3ubuntu0.1", "apt", "1.6.3ubuntu0.1"},
		{"dpkg", "1.19.0.5ubuntu2", "dpkg", "1.19.0.5ubuntu2"},
		{"zlib1g", "1:1.2.11.dfsg-0ubuntu2", "zlib", "1:1.2.11.dfsg-0ubuntu2"},
		{"libsystemd0", "237-3ubuntu10.3", "systemd", "237-3ubuntu10.3"},
		{"fdisk", "2.31.1-0.4ubuntu3.1", "util-linux", "2.31.1-0.4ubuntu3.1"},
		// The four "Source: name (version)" paragraphs.
		{"liblzma5", "5.1.1alpha+20120614-2+b3", "xz-utils", "5.1.1alpha+20120614-2"},
		{"bsdutils", "1:2.31.1-0.4ubuntu3.1", "util-linux", "2.31.1-0.4ubuntu3.1"},
		{"libgcc1", "1:8-20180414-1ubuntu2", "gcc-8", "8-20180414-1ubuntu2"},
		{"libustr-1.0-1", "1.0.4-3+b2", "ustr", "1.0.4-3"},
	})
	withVersion := 0
	for _, p := range pkgs {
		if p.SourceVersion != p.Version {
			withVersion++
		}
		if len(p.Locations) != 1 || p.Locations[0].Path != "var/lib/dpkg/status" {
			t.Errorf("%s: got locations %v, want var/lib/dpkg/status", p.Name, p.Locations)
		}
		if p.Type != inventory.TypeDeb {
			t.Errorf("%s: got type %q, want deb", p.Name, p.Type)
		}
	}
	if withVersion != 4 {
		t.Errorf("got %d packages whose source version differs, want 4", withVersion)
	}
	// No distribution files travel with this status: namespace debian, no distro.
	if got, want := byName(pkgs)["bsdutils"].PURL, "pkg:deb/debian/bsdutils@1:2.31.1-0.4ubuntu3.1?arch=amd64"; got != want {
		t.Errorf("got purl %s, want %s", got, want)
	}
}

func TestBionicTexlive(t *testing.T) {
	pkgs := run(t, statusOnly(t, "ubuntu-18.04-bionic-texlive", "var", "lib", "dpkg", "status"))
	if len(pkgs) != 357 {
		t.Errorf("got %d packages, want 357", len(pkgs))
	}
	checkArchs(t, pkgs, map[string]int{"amd64": 289, "all": 68})
	checkPkgs(t, pkgs, []want{
		{"base-files", "10.1ubuntu2.8", "", ""},
		{"libssl1.1", "1.1.1-1ubuntu2.1~18.04.5", "openssl", "1.1.1-1ubuntu2.1~18.04.5"},
		{"openssl", "1.1.1-1ubuntu2.1~18.04.5", "openssl", "1.1.1-1ubuntu2.1~18.04.5"},
		{"libc6", "2.27-3ubuntu1", "glibc", "2.27-3ubuntu1"},
		{"apt", "1.6.12", "", ""},
		{"tzdata", "2020a-0ubuntu0.18.04", "", ""},
		{"git", "1:2.17.1-1ubuntu0.7", "", ""},
		{"libsystemd0", "237-3ubuntu10.39", "", ""},
	})
}

func TestFocalBaseArmhf(t *testing.T) {
	pkgs := run(t, fixturefs.Dir(t, testutil.Shared(t, "fixtures", "dpkg", "ubuntu-20.04-focal-base-armhf")))
	if len(pkgs) != 92 {
		t.Errorf("got %d packages, want 92", len(pkgs))
	}
	checkArchs(t, pkgs, map[string]int{"armhf": 82, "all": 10})
	checkPkgs(t, pkgs, []want{
		{"base-files", "11ubuntu5", "", ""},
		{"libc6", "2.31-0ubuntu9", "glibc", "2.31-0ubuntu9"},
		{"apt", "2.0.2", "", ""},
		{"dpkg", "1.19.7ubuntu3", "", ""},
		{"zlib1g", "1:1.2.11.dfsg-2ubuntu1", "", ""},
		{"libsystemd0", "245.4-4ubuntu3", "", ""},
	})
	if got, want := byName(pkgs)["libc6"].PURL, "pkg:deb/ubuntu/libc6@2.31-0ubuntu9?arch=armhf&distro=ubuntu-20.04"; got != want {
		t.Errorf("got purl %s, want %s", got, want)
	}
}

func TestFocalArmhfExtended(t *testing.T) {
	pkgs := run(t, statusOnly(t, "ubuntu-20.04-focal-armhf-extended", "var", "lib", "dpkg", "status"))
	if len(pkgs) != 221 {
		t.Errorf("got %d packages, want 221", len(pkgs))
	}
	checkArchs(t, pkgs, map[string]int{"armhf": 179, "all": 42})
	checkPkgs(t, pkgs, []want{
		{"libssl1.1", "1.1.1f-1ubuntu2", "openssl", "1.1.1f-1ubuntu2"},
		{"openssl", "1.1.1f-1ubuntu2", "", ""},
		{"apt", "2.0.2ubuntu0.1", "", ""},
		{"libsystemd0", "245.4-4ubuntu3.1", "", ""},
		{"tzdata", "2020a-0ubuntu0.20.04", "", ""},
	})
}

func TestDistrolessStatusD(t *testing.T) {
	base := testutil.Shared(t, "fixtures", "dpkg", "distroless-static-debian11")
	for label, fsys := range map[string]fstest.MapFS{
		"rootfs-extract": fixturefs.Dir(t, filepath.Join(base, "rootfs-extract")),
		"tar":            fixturefs.Tar(t, filepath.Join(base, "static-debian11-rootfs.tar.gz")),
	} {
		pkgs := run(t, fsys)
		if len(pkgs) != 3 {
			t.Errorf("%s: got %d packages, want 3", label, len(pkgs))
		}
		m := byName(pkgs)
		for _, w := range []struct{ name, version, arch, file string }{
			{"base-files", "11.1+deb11u1", "amd64", "base"},
			{"netbase", "6.3", "all", "netbase"},
			{"tzdata", "2021a-1+deb11u2", "all", "tzdata"},
		} {
			p := m[w.name]
			if p == nil {
				t.Errorf("%s: %s missing", label, w.name)
				continue
			}
			if p.Version != w.version || p.Arch != w.arch {
				t.Errorf("%s: %s: got %s %s, want %s %s", label, w.name, p.Version, p.Arch, w.version, w.arch)
			}
			if len(p.Locations) != 1 || p.Locations[0].Path != "var/lib/dpkg/status.d/"+w.file {
				t.Errorf("%s: %s: got locations %v, want var/lib/dpkg/status.d/%s", label, w.name, p.Locations, w.file)
			}
		}
		if p := m["base-files"]; p != nil {
			if want := "pkg:deb/debian/base-files@11.1%2Bdeb11u1?arch=amd64&distro=debian-11"; p.PURL != want {
				t.Errorf("%s: got purl %s, want %s", label, p.PURL, want)
			}
		}
		if m["ca-certificates"] != nil {
			t.Errorf("%s: got ca-certificates, want none (no status.d entry)", label)
		}
	}
}

func TestPostgresqlSnippet(t *testing.T) {
	pkgs := run(t, statusOnly(t, "debian-10-postgresql-snippet", "var", "lib", "dpkg", "status"))
	if len(pkgs) != 3 {
		t.Errorf("got %d packages, want 3", len(pkgs))
	}
	// PROVENANCE.md gives postgresql-client's Version as 200+deb10u5; the
	// file says 11+200+deb10u5 (200+deb10u5 is its source's version).
	checkPkgs(t, pkgs, []want{
		{"postgresql-client", "11+200+deb10u5", "postgresql-common", "200+deb10u5"},
		{"postgresql-client-11", "11.22-0+deb10u2", "postgresql-11", "11.22-0+deb10u2"},
		{"postgresql-client-common", "200+deb10u5", "postgresql-common", "200+deb10u5"},
	})
}

func TestVcpkgStatusIsNotDpkg(t *testing.T) {
	pkgs := run(t, statusOnly(t, "negative-vcpkg-status", "status"))
	if len(pkgs) != 0 {
		t.Errorf("got %d packages (first %+v), want 0", len(pkgs), *pkgs[0])
	}
}

func TestParagraphRules(t *testing.T) {
	status := "Package: held\r\nStatus: hold ok installed\r\nArchitecture: amd64\r\nVersion: 1.0\r\n\r\n" +
		"Package: removed\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0\n\n" +
		"Package: purged\nStatus: purge ok not-installed\nArchitecture: amd64\n\n" +
		"Package: half\nStatus: install reinstreq half-installed\nArchitecture: amd64\nVersion: 1\n\n" +
		"Package: unpacked\nStatus: install ok unpacked\nArchitecture: arm64\nVersion: 2\n\n" +
		"Package: nostatus\nArchitecture: amd64\nVersion: 1\n\n" +
		"Package: desc\nStatus: install ok installed\nArchitecture: all\nDescription: x\n Version: 9.9\n Package: fake\n .\nVersion: 3\n \t \n" +
		"Package: noarch\nStatus: install ok installed\nVersion: 1\n\n" +
		"Package: hurd\nStatus: install ok installed\nArchitecture: hurd-i386\nVersion: 1\n\n" +
		"Package: x\nStatus: install ok installed\nArchitecture: x64-linux\nVersion: 1\n\n" +
		"Package: Upper\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n\n" +
		"Package: spaced\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1 beta\n\n" + // kept: an invalid version is the matcher's to report as not comparable
		"Package: folded\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n 2\n\n" +
		"package: lower\nSTATUS: install ok installed\narchitecture: amd64\nversion: 4\nVersion: 5\n"
	pkgs, err := New().Extract(context.Background(), extract.Input{FS: fstest.MapFS{statusFile: {Data: []byte(status)}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Name+"="+p.Version)
	}
	want := []string{"held=1.0", "unpacked=2", "desc=3", "hurd=1", "spaced=1 beta", "lower=4"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got, want)
			break
		}
	}
}

func TestStatusDRules(t *testing.T) {
	fsys := fstest.MapFS{
		"var/lib/dpkg/status.d/pkg":         {Data: []byte("Package: pkg\nVersion: 1\nArchitecture: amd64\n")},
		"var/lib/dpkg/status.d/pkg.md5sums": {Data: []byte("Package: md5\nVersion: 1\nArchitecture: amd64\n")},
		"var/lib/dpkg/status.d/pkg.list":    {Data: []byte("Package: list\nVersion: 1\nArchitecture: amd64\n")},
		"var/lib/dpkg/status.d/gone":        {Data: []byte("Package: gone\nStatus: deinstall ok config-files\nVersion: 1\nArchitecture: amd64\n")},
		"var/lib/dpkg/status.d/sub/deep":    {Data: []byte("Package: deep\nVersion: 1\nArchitecture: amd64\n")},
	}
	pkgs, err := New().Extract(context.Background(), extract.Input{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 || pkgs[0].Name != "pkg" {
		t.Errorf("got %d packages, want only pkg", len(pkgs))
	}
}

func TestUnreadableFile(t *testing.T) {
	// A directory where the status file should be.
	fsys := fstest.MapFS{statusFile + "/x": {Data: []byte("x")}}
	_, err := New().Extract(context.Background(), extract.Input{FS: fsys})
	var fe *extract.FileError
	if !errors.As(err, &fe) || fe.Path != statusFile {
		t.Errorf("got %v, want a *extract.FileError for %s", err, statusFile)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fsys := fstest.MapFS{statusFile: {Data: []byte("Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n")}}
	if _, err := New().Extract(ctx, extract.Input{FS: fsys}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestWants(t *testing.T) {
	e := New()
	for p, want := range map[string]bool{
		"var/lib/dpkg/status":                   true,
		"var/lib/dpkg/status.d/base":            true,
		"var/lib/dpkg/status.d/tzdata":          true,
		"var/lib/dpkg/status.d/tzdata.md5sums":  false,
		"var/lib/dpkg/status.d/tzdata.list":     false,
		"var/lib/dpkg/status.d/a/b":             false,
		"var/lib/dpkg/status.d/":                false,
		"var/lib/dpkg/status-old":               false,
		"var/lib/dpkg/status.d":                 false,
		"/var/lib/dpkg/status":                  false,
		"usr/local/var/lib/dpkg/status":         false,
		"var/lib/dpkg/status.d/.wh.placeholder": false,
	} {
		if got := e.Wants(p); got != want {
			t.Errorf("Wants(%q): got %v, want %v", p, got, want)
		}
	}
}
