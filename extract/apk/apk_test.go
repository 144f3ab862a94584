package apk

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/internal/fixturefs"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/osrelease"
)

func run(t *testing.T, fsys fs.FS) ([]*inventory.Package, *inventory.Distro) {
	t.Helper()
	d, err := osrelease.Detect(fsys)
	if err != nil {
		t.Fatalf("Detect: %v", err)
	}
	pkgs, err := New().Extract(context.Background(), extract.Input{FS: fsys, Distro: d})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return pkgs, d
}

// releases are the facts of PROVENANCE.md section 1b: package count and
// key versions per release folder.
var releases = map[string]struct {
	count    int
	versions string
}{
	"3.6.5":         {13, "musl=1.1.16-r15; busybox=1.26.2-r11; libressl2.5-libcrypto=2.5.5-r2; libressl2.5-libssl=2.5.5-r2; libressl2.5-libtls=2.5.5-r2; zlib=1.2.11-r0; apk-tools=2.7.6-r0"},
	"3.7.3":         {13, "musl=1.1.18-r3; busybox=1.27.2-r11; libressl2.6-libcrypto=2.6.5-r0; libressl2.6-libssl=2.6.5-r0; libressl2.6-libtls=2.6.5-r0; zlib=1.2.11-r1; apk-tools=2.10.1-r0"},
	"3.8.5":         {13, "musl=1.1.19-r11; busybox=1.28.4-r3; libressl2.7-libcrypto=2.7.5-r0; libressl2.7-libssl=2.7.5-r0; libressl2.7-libtls=2.7.5-r0; zlib=1.2.11-r1; apk-tools=2.10.1-r0"},
	"3.9.6":         {14, "musl=1.1.20-r5; busybox=1.29.3-r10; libcrypto1.1=1.1.1g-r0; libssl1.1=1.1.1g-r0; zlib=1.2.11-r1; apk-tools=2.10.3-r1"},
	"3.10.9":        {14, "musl=1.1.22-r4; busybox=1.30.1-r5; libcrypto1.1=1.1.1k-r0; libssl1.1=1.1.1k-r0; zlib=1.2.11-r1; apk-tools=2.10.6-r0"},
	"3.11.13":       {14, "musl=1.1.24-r3; busybox=1.31.1-r11; libcrypto1.1=1.1.1l-r0; libssl1.1=1.1.1l-r0; zlib=1.2.11-r3; apk-tools=2.10.8-r0"},
	"3.12.12":       {14, "musl=1.1.24-r10; busybox=1.31.1-r22; libcrypto1.1=1.1.1n-r0; libssl1.1=1.1.1n-r0; zlib=1.2.12-r0; apk-tools=2.10.8-r1"},
	"3.13.12":       {14, "musl=1.2.2-r1; busybox=1.32.1-r9; libcrypto1.1=1.1.1q-r0; libssl1.1=1.1.1q-r0; zlib=1.2.12-r3; apk-tools=2.12.7-r0"},
	"3.14.10":       {14, "musl=1.2.2-r4; busybox=1.33.1-r8; libcrypto1.1=1.1.1t-r2; libssl1.1=1.1.1t-r2; zlib=1.2.12-r3; apk-tools=2.12.7-r0"},
	"3.15.11":       {14, "musl=1.2.2-r9; busybox=1.34.1-r7; libcrypto1.1=1.1.1w-r1; libssl1.1=1.1.1w-r1; zlib=1.2.12-r3; apk-tools=2.12.7-r3"},
	"3.16.9":        {14, "musl=1.2.3-r3; busybox=1.35.0-r17; libcrypto1.1=1.1.1w-r1; libssl1.1=1.1.1w-r1; zlib=1.2.12-r3; apk-tools=2.12.9-r3"},
	"3.17.10":       {15, "musl=1.2.3-r5; busybox=1.35.0-r31; libcrypto3=3.0.15-r0; libssl3=3.0.15-r0; zlib=1.2.13-r0; apk-tools=2.12.14-r0"},
	"3.18.9":        {15, "musl=1.2.4-r2; busybox=1.36.1-r7; libcrypto3=3.1.7-r0; libssl3=3.1.7-r0; zlib=1.2.13-r1; apk-tools=2.14.4-r0"},
	"3.19.4":        {15, "musl=1.2.4_git20230717-r4; busybox=1.36.1-r19; libcrypto3=3.1.7-r0; libssl3=3.1.7-r0; zlib=1.3.1-r0; apk-tools=2.14.4-r0"},
	"3.20.3":        {14, "musl=1.2.5-r0; busybox=1.36.1-r29; libcrypto3=3.3.2-r0; libssl3=3.3.2-r0; zlib=1.3.1-r1; apk-tools=2.14.4-r0"},
	"edge-20240923": {14, "musl=1.2.5-r3; busybox=1.36.1-r32; libcrypto3=3.3.2-r1; libssl3=3.3.2-r1; zlib=1.3.1-r2; apk-tools=2.14.4-r3"},
}

func checkRelease(t *testing.T, label string, pkgs []*inventory.Package, count int, versions string) {
	t.Helper()
	if len(pkgs) != count {
		t.Errorf("%s: got %d packages, want %d", label, len(pkgs), count)
	}
	m := map[string]*inventory.Package{}
	for _, p := range pkgs {
		m[p.Name] = p
		if p.Type != inventory.TypeAPK || p.Arch != "x86_64" || p.SourceVersion != p.Version {
			t.Errorf("%s: %s: got type %q arch %q source version %q", label, p.Name, p.Type, p.Arch, p.SourceVersion)
		}
		if len(p.Locations) != 1 || p.Locations[0].Path != "lib/apk/db/installed" {
			t.Errorf("%s: %s: got locations %v", label, p.Name, p.Locations)
		}
	}
	for _, kv := range strings.Split(versions, "; ") {
		name, version, _ := strings.Cut(kv, "=")
		if p := m[name]; p == nil || p.Version != version {
			t.Errorf("%s: %s: got %v, want %s", label, name, p, version)
		}
	}
}

func TestAPKDBReleases(t *testing.T) {
	base := testutil.Shared(t, "fixtures", "alpine", "apk-db")
	for dir, r := range releases {
		pkgs, d := run(t, fixturefs.Dir(t, filepath.Join(base, dir)))
		checkRelease(t, dir, pkgs, r.count, r.versions)
		want := dir
		if dir == "edge-20240923" {
			want = "3.21.0_alpha20240923"
		}
		if d == nil || d.Version != want {
			t.Errorf("%s: got distro %+v, want version %s", dir, d, want)
		}
		for _, p := range pkgs {
			if p.Name == "musl" {
				if purl := "pkg:apk/alpine/musl@" + p.Version + "?arch=x86_64&distro=alpine-" + want; p.PURL != purl {
					t.Errorf("%s: got purl %s, want %s", dir, p.PURL, purl)
				}
			}
		}
	}
}

func TestAlpine3203Origins(t *testing.T) {
	pkgs, _ := run(t, fixturefs.Dir(t, testutil.Shared(t, "fixtures", "alpine", "apk-db", "3.20.3")))
	m := map[string]*inventory.Package{}
	for _, p := range pkgs {
		m[p.Name] = p
	}
	for name, origin := range map[string]string{"busybox": "busybox", "ssl_client": "busybox", "libcrypto3": "openssl", "apk-tools": "apk-tools"} {
		if p := m[name]; p == nil || p.SourceName != origin {
			t.Errorf("%s: got %v, want origin %s", name, p, origin)
		}
	}
	if p := m["busybox"]; p != nil && (len(p.Licenses) != 1 || p.Licenses[0] != "GPL-2.0-only") {
		t.Errorf("busybox: got licences %v, want [GPL-2.0-only]", p.Licenses)
	}
}

func TestMinirootfs(t *testing.T) {
	base := testutil.Shared(t, "fixtures", "alpine", "minirootfs")
	for _, v := range []string{"3.6.5", "3.16.9", "3.20.3"} {
		pkgs, _ := run(t, fixturefs.Tar(t, filepath.Join(base, "alpine-minirootfs-"+v+"-x86_64.tar.gz")))
		checkRelease(t, "minirootfs "+v, pkgs, releases[v].count, releases[v].versions)
	}
}

func TestRecordRules(t *testing.T) {
	db := "C:x\r\nP:one\r\nV:1-r0\r\nA:aarch64\r\nL:MIT AND BSD-2-Clause\r\n\r\n" +
		"P:two\nV:2-r0\no:two-src\no:ignored\nP:three\nV:3-r0\n\n\n" +
		"V:4-r0\n\n" + // no name
		"P:noversion\n\n" +
		"P:Upper\nV:5-r0"
	pkgs, err := New().Extract(context.Background(), extract.Input{FS: fstest.MapFS{installedFile: {Data: []byte(db)}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Name+"="+p.Version+"/"+p.SourceName+"/"+p.Arch+"/"+strings.Join(p.Licenses, ","))
	}
	want := []string{"one=1-r0/one/aarch64/MIT AND BSD-2-Clause", "two=2-r0/two-src//", "three=3-r0/three//", "Upper=5-r0/Upper//"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %q, want %q", got, want)
	}
	if pkgs[len(pkgs)-1].PURL != "pkg:apk/alpine/upper@5-r0" {
		t.Errorf("got purl %s, want pkg:apk/alpine/upper@5-r0", pkgs[len(pkgs)-1].PURL)
	}
}

func TestMissingAndUnreadable(t *testing.T) {
	pkgs, err := New().Extract(context.Background(), extract.Input{FS: fstest.MapFS{}})
	if pkgs != nil || err != nil {
		t.Errorf("no database: got %v, %v, want nil, nil", pkgs, err)
	}
	_, err = New().Extract(context.Background(), extract.Input{FS: fstest.MapFS{installedFile + "/x": {}}})
	var fe *extract.FileError
	if !errors.As(err, &fe) || fe.Path != installedFile {
		t.Errorf("got %v, want a *extract.FileError for %s", err, installedFile)
	}
}

func TestWants(t *testing.T) {
	e := New()
	for p, want := range map[string]bool{"lib/apk/db/installed": true, "/lib/apk/db/installed": false, "lib/apk/db/installed.new": false, "usr/lib/apk/db/installed": false} {
		if got := e.Wants(p); got != want {
			t.Errorf("Wants(%q): got %v, want %v", p, got, want)
		}
	}
}
