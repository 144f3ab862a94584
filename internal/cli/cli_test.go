package cli_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/internal/cli"
	"github.com/lading-dev/lading/internal/e2e"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/report"
)

var (
	dbOnce sync.Once
	dbFile string
	dbErr  error
)

// testDB builds one advisory database from all of ../shared/vulndata for
// the whole package.
func testDB(t *testing.T) string {
	t.Helper()
	vulndata := testutil.Shared(t, "vulndata")
	dbOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lading-cli-test-")
		if err != nil {
			dbErr = err
			return
		}
		dbFile = filepath.Join(dir, "lading.db")
		_, dbErr = build.Build(context.Background(), dbFile, []string{vulndata}, build.Options{})
	})
	if dbErr != nil {
		t.Fatalf("building the test database: %v", dbErr)
	}
	return dbFile
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dbFile != "" {
		os.RemoveAll(filepath.Dir(dbFile))
	}
	os.Exit(code)
}

func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(context.Background(), args, cli.Stdio{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return out.String(), errOut.String(), code
}

func scanJSON(t *testing.T, args ...string) *report.Report {
	t.Helper()
	args = append(args, "--format", "json", "--cache-dir", t.TempDir(), "--db", testDB(t), "--quiet")
	out, errOut, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("lading %v: exit %d: %s", args, code, errOut)
	}
	return decodeReport(t, out)
}

func decodeReport(t *testing.T, out string) *report.Report {
	t.Helper()
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("decoding report: %v\n%s", err, out)
	}
	if r.Schema != report.Schema {
		t.Errorf("schema = %q", r.Schema)
	}
	return &r
}

// alpineImage packs the official Alpine 3.20.3 minirootfs as a one-layer
// image and saves it as a docker archive; extra layers go on top.
func alpineImage(t *testing.T, extra ...v1.Layer) (string, []v1.Hash) {
	t.Helper()
	rootfs := testutil.Shared(t, "fixtures", "alpine", "minirootfs", "alpine-minirootfs-3.20.3-x86_64.tar.gz")
	base, err := tarball.LayerFromFile(rootfs)
	if err != nil {
		t.Fatal(err)
	}
	adds := []mutate.Addendum{{Layer: base, History: v1.History{CreatedBy: "/bin/sh -c #(nop) ADD file:alpine-minirootfs-3.20.3-x86_64.tar.gz in / ", Created: v1.Time{Time: time.Unix(1725000000, 0)}}}}
	for i, l := range extra {
		adds = append(adds, mutate.Addendum{Layer: l, History: v1.History{CreatedBy: fmt.Sprintf("RUN step %d", i+1)}})
	}
	img, err := mutate.Append(empty.Image, adds...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "alpine.tar")
	if err := tarball.WriteToFile(path, nil, img); err != nil {
		t.Fatal(err)
	}
	var ids []v1.Hash
	layers, _ := img.Layers()
	for _, l := range layers {
		d, _ := l.DiffID()
		ids = append(ids, d)
	}
	return path, ids
}

// The fixes that Alpine 3.20.3's packages lack, read from
// ../shared/vulndata/alpine-secdb/v3.20/main.json (every secfixes entry
// above the installed version of busybox 1.36.1-r29, musl 1.2.5-r0 and
// openssl 3.3.2-r0; zlib 1.3.1-r1 and apk-tools 2.14.4-r0 lack none), and
// listed in ../shared/vulndata/PROVENANCE.md §11: busybox 2, musl 3,
// openssl 22 from CVE-2024-9143 on.
var alpine320Want = []string{
	"busybox CVE-2024-58251 1.36.1-r31", "busybox CVE-2025-46394 1.36.1-r31",
	"musl CVE-2025-26519 1.2.5-r1", "musl CVE-2026-6042 1.2.5-r2", "musl CVE-2026-40200 1.2.5-r3",
	"openssl CVE-2024-9143 3.3.2-r1", "openssl CVE-2024-13176 3.3.2-r2", "openssl CVE-2024-12797 3.3.3-r0",
	"openssl CVE-2025-9230 3.3.5-r0", "openssl CVE-2025-9231 3.3.5-r0", "openssl CVE-2025-9232 3.3.5-r0",
	"openssl CVE-2025-15467 3.3.6-r0", "openssl CVE-2025-15468 3.3.6-r0", "openssl CVE-2025-66199 3.3.6-r0",
	"openssl CVE-2025-68160 3.3.6-r0", "openssl CVE-2025-69418 3.3.6-r0", "openssl CVE-2025-69419 3.3.6-r0",
	"openssl CVE-2025-69420 3.3.6-r0", "openssl CVE-2025-69421 3.3.6-r0", "openssl CVE-2026-22795 3.3.6-r0",
	"openssl CVE-2026-22796 3.3.6-r0", "openssl CVE-2026-28387 3.3.7-r0", "openssl CVE-2026-28388 3.3.7-r0",
	"openssl CVE-2026-28389 3.3.7-r0", "openssl CVE-2026-28390 3.3.7-r0", "openssl CVE-2026-31789 3.3.7-r0",
	"openssl CVE-2026-31790 3.3.7-r0",
}

func TestAlpine320Image(t *testing.T) {
	archive, diffIDs := alpineImage(t)
	r := scanJSON(t, "image", "docker-archive:"+archive)

	if r.Target.OS == nil || r.Target.OS.Family != "alpine" || r.Target.OS.Version != "3.20.3" {
		t.Errorf("os = %+v", r.Target.OS)
	}
	if len(r.Packages) != 14 {
		t.Errorf("%d packages, want 14 (PROVENANCE §1b)", len(r.Packages))
	}
	got := map[string]bool{}
	binaries := map[string]bool{}
	for _, v := range r.Vulnerabilities {
		got[v.SourceName+" "+v.ID+" "+v.FixedVersion] = true
		binaries[v.PackageName] = true
		if v.Status != "fixed" || v.Layer != diffIDs[0].String() || v.DataSource != "alpine-secdb" {
			t.Errorf("finding %+v: want status fixed, layer %s, source alpine-secdb", v, diffIDs[0])
		}
	}
	var gotList []string
	for k := range got {
		gotList = append(gotList, k)
	}
	sort.Strings(gotList)
	want := append([]string(nil), alpine320Want...)
	sort.Strings(want)
	if strings.Join(gotList, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings (source, id, fix):\n%s\nwant:\n%s", strings.Join(gotList, "\n"), strings.Join(want, "\n"))
	}
	// Each binary package of an affected origin is reported: busybox and
	// ssl_client and busybox-binsh come from busybox, libcrypto3 and libssl3
	// from openssl, musl and musl-utils from musl.
	for _, b := range []string{"busybox", "busybox-binsh", "ssl_client", "libcrypto3", "libssl3", "musl", "musl-utils"} {
		if !binaries[b] {
			t.Errorf("no finding for binary package %s", b)
		}
	}
	for _, b := range []string{"zlib", "apk-tools"} {
		if binaries[b] {
			t.Errorf("%s reported, but it is at or above every fix", b)
		}
	}
	if len(r.Layers) != 1 || r.Layers[0].DiffID != diffIDs[0].String() || !strings.Contains(r.Layers[0].CreatedBy, "ADD file:alpine-minirootfs") {
		t.Errorf("layers = %+v", r.Layers)
	}
}

func TestFiltersAndExitCodes(t *testing.T) {
	archive, _ := alpineImage(t)
	db := testDB(t)
	common := []string{"--cache-dir", t.TempDir(), "--db", db, "--quiet"}

	_, _, code := runCLI(t, append([]string{"image", "docker-archive:" + archive, "--exit-code", "3"}, common...)...)
	if code != 3 {
		t.Errorf("with findings and --exit-code 3: exit %d", code)
	}
	// secdb rates nothing, so every finding is UNKNOWN: a HIGH filter leaves none.
	out, _, code := runCLI(t, append([]string{"image", "docker-archive:" + archive, "--exit-code", "3", "--severity", "HIGH,CRITICAL"}, common...)...)
	if code != 0 {
		t.Errorf("no finding survives --severity HIGH,CRITICAL, yet exit %d", code)
	}
	if !strings.Contains(out, "Vulnerabilities: 0") {
		t.Errorf("table: %s", out)
	}
	_, errOut, code := runCLI(t, append([]string{"image", "docker-archive:/nonexistent.tar"}, common...)...)
	if code != cli.ExitError || !strings.Contains(errOut, "/nonexistent.tar") {
		t.Errorf("missing archive: exit %d, %q", code, errOut)
	}
	_, errOut, code = runCLI(t, "image", "docker-archive:"+archive, "--cache-dir", t.TempDir(), "--quiet")
	if code != cli.ExitError || !strings.Contains(errOut, "lading db update") {
		t.Errorf("no database: exit %d, %q", code, errOut)
	}
	_, _, code = runCLI(t, append([]string{"image", "docker-archive:" + archive, "--exit-code", "2"}, common...)...)
	if code != cli.ExitError {
		t.Errorf("--exit-code 2 accepted")
	}
}

// A package installed by a later layer is attributed to that layer and its
// history step; the packages of the base keep the base layer.
func TestLayerAttribution(t *testing.T) {
	apkdb := testutil.Shared(t, "fixtures", "alpine", "apk-db")
	base, err := os.ReadFile(filepath.Join(apkdb, "3.20.3", "lib", "apk", "db", "installed"))
	if err != nil {
		t.Fatal(err)
	}
	// A real record from another release stands in for `apk add`.
	other, err := os.ReadFile(filepath.Join(apkdb, "3.16.9", "lib", "apk", "db", "installed"))
	if err != nil {
		t.Fatal(err)
	}
	var record string
	for _, rec := range strings.Split(string(other), "\n\n") {
		if strings.HasPrefix(rec, "C:") || strings.Contains(rec, "\nP:libcrypto1.1\n") {
			if strings.Contains(rec, "P:libcrypto1.1\n") {
				record = strings.TrimSpace(rec)
			}
		}
	}
	if record == "" {
		t.Fatal("no libcrypto1.1 record in the 3.16.9 database")
	}
	db := strings.TrimRight(string(base), "\n") + "\n\n" + record + "\n\n"
	layer := tarLayer(t, map[string]string{"lib/apk/db/installed": db})
	archive, diffIDs := alpineImage(t, layer)

	r := scanJSON(t, "image", "docker-archive:"+archive)
	seen := 0
	for _, p := range r.Packages {
		switch p.Name {
		case "libcrypto1.1":
			seen++
			if p.Layer != diffIDs[1].String() || p.CreatedBy != "RUN step 1" {
				t.Errorf("libcrypto1.1: layer %s %q, want %s \"RUN step 1\"", p.Layer, p.CreatedBy, diffIDs[1])
			}
		case "busybox":
			seen++
			if p.Layer != diffIDs[0].String() {
				t.Errorf("busybox: layer %s, want the base %s", p.Layer, diffIDs[0])
			}
			if len(p.Locations) != 1 || p.Locations[0].Layer != diffIDs[1].String() {
				t.Errorf("busybox location %+v: the database file now comes from layer 2", p.Locations)
			}
		}
	}
	if seen != 2 || len(r.Packages) != 15 {
		t.Errorf("%d packages, saw %d of busybox and libcrypto1.1", len(r.Packages), seen)
	}
	for _, v := range r.Vulnerabilities {
		if v.PackageName == "libcrypto1.1" && (v.Layer != diffIDs[1].String() || v.CreatedBy != "RUN step 1") {
			t.Errorf("finding %s on libcrypto1.1 attributed to %s %q", v.ID, v.Layer, v.CreatedBy)
		}
	}
}

func tarLayer(t *testing.T, files map[string]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(files[n]))
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (ioReadCloser, error) { return nopCloser{bytes.NewReader(b)}, nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// USN findings for the Ubuntu dpkg fixtures scanned as root filesystems:
// ../shared/vulndata/PROVENANCE.md §14 (computed there with dpkg
// --compare-versions on source package and source version).
func TestUbuntuRootfs(t *testing.T) {
	for _, tc := range []struct {
		dir     string
		version string
		usns    int
	}{
		{"ubuntu-18.04-bionic-base", "18.04", 16},
		{"ubuntu-18.04-bionic-texlive", "18.04", 29},
		{"ubuntu-20.04-focal-base-armhf", "20.04", 15},
		{"ubuntu-20.04-focal-armhf-extended", "20.04", 23},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			dir := testutil.Shared(t, "fixtures", "dpkg", tc.dir)
			r := scanJSON(t, "fs", dir)
			if r.Target.OS == nil || r.Target.OS.Family != "ubuntu" || r.Target.OS.Version != tc.version {
				t.Errorf("os = %+v", r.Target.OS)
			}
			usns := map[string]bool{}
			for _, v := range r.Vulnerabilities {
				for _, id := range append([]string{v.ID}, v.Aliases...) {
					if strings.HasPrefix(id, "USN-") {
						usns[id] = true
					}
				}
				if v.PackageName == "git" && tc.dir == "ubuntu-18.04-bionic-base" {
					t.Errorf("%s reported on git, which is deinstalled (config-files only)", v.ID)
				}
				if v.Status != "fixed" || v.FixedVersion == "" {
					t.Errorf("%s: status %s, fixed %q", v.ID, v.Status, v.FixedVersion)
				}
			}
			if len(usns) != tc.usns {
				t.Errorf("%d USNs, want %d", len(usns), tc.usns)
			}
			if len(r.Unknowns) != 0 {
				t.Errorf("unknowns: %+v", r.Unknowns)
			}
		})
	}
}

// The Debian 12 image built by .ci/run with debootstrap: lading's package
// list must equal what dpkg-query reports inside the image.
func TestDebian12PackagesMatchDpkgQuery(t *testing.T) {
	archive, truth := e2e.DebianImage(t)
	r := scanJSON(t, "image", "docker-archive:"+archive)
	if r.Target.OS == nil || r.Target.OS.Family != "debian" || r.Target.OS.Version != "12" || r.Target.OS.Codename != "bookworm" {
		t.Errorf("os = %+v", r.Target.OS)
	}
	got := map[string]string{}
	for _, p := range r.Packages {
		if p.Type != "deb" {
			t.Errorf("package %s of type %s", p.Name, p.Type)
		}
		got[p.Name] = p.Version
	}
	for name, v := range truth {
		if got[name] != v {
			t.Errorf("%s: lading says %q, dpkg-query %q", name, got[name], v)
		}
	}
	for name := range got {
		if _, ok := truth[name]; !ok {
			t.Errorf("%s reported but dpkg-query does not list it", name)
		}
	}
}
