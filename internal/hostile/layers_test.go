package hostile_test

import (
	"archive/tar"
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/lading-dev/lading/layer"
)

// Entry names that climb out of the root are refused and recorded; "./"
// and absolute names are the same path relative to the root.
func TestEscapingNames(t *testing.T) {
	s := newSandbox(t)
	l := layerOf(t,
		file("../../../evil", "x"),
		file("etc/../../evil2", "x"),
		file("/etc/os-release", alpineRelease),
		file("./lib/apk/db/installed", apkInstalled),
	)
	r := s.scanOK(t, "docker-archive:"+dockerArchive(t, imageOf(t, l)))
	if r.Target.OS == nil || r.Target.OS.Version != "3.20.3" {
		t.Errorf("os from an absolute /etc/os-release: %+v", r.Target.OS)
	}
	if got := packageNames(r); strings.Join(got, ",") != "apk:busybox@1.36.1-r29,apk:musl@1.2.5-r0" {
		t.Errorf("packages from ./lib/apk/db/installed: %v", got)
	}
	problem(t, r, "../../../evil", "escapes")
	problem(t, r, "etc/../../evil2", "escapes")
}

// Hard links and symlinks that point outside the root, and symlink loops:
// the hard link is refused and recorded; symlinks are resolved inside the
// root, a loop is recorded, nothing hangs.
func TestLinksOutOfRootAndLoops(t *testing.T) {
	s := newSandbox(t)
	l := layerOf(t,
		dir("etc/"), file("etc/os-release", alpineRelease),
		dir("lib/"), dir("lib/apk/"), dir("lib/apk/db/"),
		hardlink("lib/apk/db/installed", "../../../../etc/shadow"),
		dir("usr/"), dir("usr/bin/"), symlink("usr/bin/X11", "."),
		// A Python dist-info METADATA reached through a loop.
		dir("usr/lib/"), dir("usr/lib/python3/"), dir("usr/lib/python3/site-packages/"),
		symlink("usr/lib/python3/site-packages/a", "b"), symlink("usr/lib/python3/site-packages/b", "a"),
		symlink("app", "/../../../../root"),
		dir("srv/"), symlink("srv/package-lock.json", "loop"), symlink("srv/loop", "package-lock.json"),
		// Hard links at each other and at themselves, at wanted paths.
		hardlink("srv/a/package-lock.json", "srv/b/package-lock.json"),
		hardlink("srv/b/package-lock.json", "srv/a/package-lock.json"),
		hardlink("srv/c/package-lock.json", "srv/c/package-lock.json"),
		symlink("etc/alpine-release", "../../../../../etc/hostname"),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	o := s.lading(t, ctx, "image", "docker-archive:"+dockerArchive(t, imageOf(t, l)))
	if o.code != 0 {
		t.Fatalf("exit %d: %s", o.code, o.stderr)
	}
	problem(t, o.rep, "lib/apk/db/installed", "escapes")
	for _, p := range o.rep.Problems {
		if p.Layer == "" {
			t.Errorf("a problem names no layer: %+v", p)
		}
	}
	problem(t, o.rep, "srv/package-lock.json", "too many levels of symbolic links")
	if len(o.rep.Packages) != 0 {
		t.Errorf("packages from a hard link out of the root: %v", packageNames(o.rep))
	}
}

// A hard link at a path lading reads, to a file at a path it does not
// (kept by neither name, since the target streams by first): recorded
// under problems with the target's name, in the same layer and across
// layers, rather than passed over in silence.
func TestHardLinkToUnkeptFile(t *testing.T) {
	s := newSandbox(t)
	lock := `{"name":"x","lockfileVersion":3,"packages":{"":{"name":"x"},"node_modules/left-pad":{"version":"1.3.0"}}}`
	base := layerOf(t,
		dir("etc/"), file("etc/os-release", alpineRelease),
		dir("app/"), file("app/data.json", lock),
		dir("srv/"), hardlink("srv/package-lock.json", "app/data.json"),
	)
	next := layerOf(t, dir("opt/"), hardlink("opt/package-lock.json", "app/data.json"))
	o := s.lading(t, context.Background(), "image", "docker-archive:"+dockerArchive(t, imageOf(t, base, next)))
	if o.code != 0 {
		t.Fatalf("exit %d: %s", o.code, o.stderr)
	}
	for _, p := range []string{"srv/package-lock.json", "opt/package-lock.json"} {
		problem(t, o.rep, p, `hard link to "app/data.json"`, "did not keep")
	}
}

// A directory replaced by a symlink in a later layer: what the lower layer
// had under the directory is gone from the squashed view.
func TestDirectoryReplacedBySymlink(t *testing.T) {
	s := newSandbox(t)
	upper := layerOf(t, symlink("lib/apk", "/tmp/elsewhere"))
	r := s.scanOK(t, "docker-archive:"+dockerArchive(t, imageOf(t, alpineBase(t), upper)))
	if len(r.Packages) != 0 {
		t.Errorf("the apk database under a replaced directory is still read: %v", packageNames(r))
	}
	if r.Target.OS == nil || r.Target.OS.Family != "alpine" {
		t.Errorf("os: %+v", r.Target.OS)
	}
}

// Duplicate entries in one layer: the later one wins.
func TestDuplicateEntries(t *testing.T) {
	s := newSandbox(t)
	l := layerOf(t,
		file("etc/os-release", strings.Replace(alpineRelease, "3.20.3", "3.19.0", 1)),
		file("etc/os-release", alpineRelease),
		file("lib/apk/db/installed", "P:bogus\nV:0.0.1-r0\n\n"),
		dir("lib/apk/db/installed"),                // a directory replaces the file...
		file("lib/apk/db/installed", apkInstalled), // ...and a file the directory
	)
	r := s.scanOK(t, "docker-archive:"+dockerArchive(t, imageOf(t, l)))
	if r.Target.OS == nil || r.Target.OS.Version != "3.20.3" {
		t.Errorf("os after a duplicate os-release: %+v", r.Target.OS)
	}
	if got := packageNames(r); strings.Join(got, ",") != "apk:busybox@1.36.1-r29,apk:musl@1.2.5-r0" {
		t.Errorf("packages after duplicate databases: %v", got)
	}
}

// Names that are not UTF-8 and names longer than the 4096-byte limit. A
// wanted file under a non-UTF-8 name cannot be opened through io/fs (its
// paths are UTF-8): it is a recorded problem naming the file, and the
// scan goes on; a name past the length limit is recorded and skipped. The
// report stays valid JSON.
func TestOddNames(t *testing.T) {
	s := newSandbox(t)
	long := "opt/" + strings.Repeat("d/", 2100) + "package.json"
	l := layerOf(t,
		file("opt/\xff\xfe-\x80/notes.txt", "x"),
		file("usr/lib/\xff\xfe/node_modules/cafe/package.json", `{"name":"cafe","version":"1.0.0"}`),
		file("usr/lib/node_modules/plain/package.json", `{"name":"plain","version":"1.0.0"}`),
		file(long, `{"name":"deep","version":"1.0.0"}`),
	)
	r := s.scanOK(t, "docker-archive:"+dockerArchive(t, imageOf(t, alpineBase(t), l)))
	problem(t, r, "opt/d/d/", "bytes long, more than 4096")
	problem(t, r, "/node_modules/cafe/package.json", "invalid argument")
	want := "apk:busybox@1.36.1-r29,apk:musl@1.2.5-r0,npm:plain@1.0.0"
	if got := strings.Join(packageNames(r), ","); got != want {
		t.Errorf("packages: %s, want %s", got, want)
	}
}

// Thousands of tiny layers: the scan completes, in bounded time.
func TestThousandsOfLayers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 2,000 layers")
	}
	s := newSandbox(t)
	const n = 2000
	adds := []mutate.Addendum{{Layer: alpineBase(t)}}
	for i := 1; i < n; i++ {
		body := strings.Repeat("x", i%7)
		var l v1.Layer
		if i%500 == 0 {
			l = layerOf(t, dir("var/"), file("var/.wh.nothing", ""), file("var/f", body))
		} else {
			l = layerOf(t, entry{name: "var/f", typ: tar.TypeReg, body: body})
		}
		adds = append(adds, mutate.Addendum{Layer: l})
	}
	img, err := mutate.Append(empty.Image, adds...)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	img, _ = mutate.ConfigFile(img, cf)
	ref := "oci-layout:" + ociLayout(t, img)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	fdsBefore := openFDs(t)
	goBefore := runtime.NumGoroutine()
	o := s.lading(t, ctx, "image", ref)
	// Nothing per layer outlives the scan: no open files, no goroutines.
	if fds := openFDs(t); fds > fdsBefore+5 {
		t.Errorf("%d open files after the scan, %d before", fds, fdsBefore)
	}
	time.Sleep(50 * time.Millisecond)
	if g := runtime.NumGoroutine(); g > goBefore+10 {
		t.Errorf("%d goroutines after the scan, %d before", g, goBefore)
	}
	if o.code != 0 {
		t.Fatalf("exit %d: %s", o.code, o.stderr)
	}
	if len(o.rep.Layers) != n {
		t.Errorf("%d layers in the report, want %d", len(o.rep.Layers), n)
	}
	if got := packageNames(o.rep); len(got) != 2 {
		t.Errorf("packages: %v", got)
	}
	t.Logf("%d layers scanned in %v", n, o.elapsed)
}

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

// A layer of 30,000 refused entries: the problems recorded stop at
// layer.MaxProblems plus one that says the rest were not recorded, so that
// millions of bad entries cannot fill memory; the scan still succeeds.
func TestManyRefusedEntries(t *testing.T) {
	s := newSandbox(t)
	var es []entry
	for i := 0; i < 30_000; i++ {
		es = append(es, file(fmt.Sprintf("../escape/%d", i), ""))
	}
	r := s.scanOK(t, "docker-archive:"+dockerArchive(t, imageOf(t, alpineBase(t), layerOf(t, es...))))
	if len(r.Problems) != layer.MaxProblems+1 {
		t.Fatalf("%d problems, want %d", len(r.Problems), layer.MaxProblems+1)
	}
	if last := r.Problems[len(r.Problems)-1]; !strings.Contains(last.Error, "not recorded") {
		t.Errorf("last problem: %+v", last)
	}
	if got := packageNames(r); len(got) != 2 {
		t.Errorf("packages: %v", got)
	}
}
