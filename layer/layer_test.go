package layer_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/layer"
)

func all(string) bool { return true }

type entry struct {
	name, link, body string
	typ              byte
}

func tarOf(t *testing.T, entries ...entry) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		hdr := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: typ, Mode: 0o644, Size: int64(len(e.body))}
		if typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

func listing(tr *layer.Tree) string {
	var b strings.Builder
	tr.Walk(func(name string, kind layer.Kind, link string, captured bool) {
		switch kind {
		case layer.KindDir:
			b.WriteString(name + "/ ")
		case layer.KindSymlink:
			b.WriteString(name + "->" + link + " ")
		default:
			b.WriteString(name + " ")
		}
	})
	return strings.TrimSpace(b.String())
}

// applyArchive applies every layer of a docker-archive fixture in order.
func applyArchive(t *testing.T, path string) *layer.Tree {
	t.Helper()
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	tr := layer.NewTree(layer.Limits{})
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Apply(context.Background(), i, rc, all); err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
		rc.Close()
	}
	return tr
}

// Facts from ../shared/fixtures/PROVENANCE.md §5.
func TestWhiteoutFixtures(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "images", "docker-archive")
	for _, tc := range []struct{ file, want string }{
		// foo.txt, bar.txt; then .wh.foo.txt; then an empty layer.
		{"gcr-whiteout_image.tar", "bar.txt"},
		// a/foo, b/bar, .wh.a deletes dir a, then a/baz.
		{"gcr-whiteout_dir.tar", "a/ a/baz b/ b/bar"},
		// foo.txt replaced by a link foo.txt -> bar.txt.
		{"gcr-overwritten_file.tar", "bar.txt foo.txt->bar.txt"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			tr := applyArchive(t, filepath.Join(dir, tc.file))
			if got := listing(tr); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// The trivy layer is one layer holding an opaque marker and a whiteout; on
// top of a lower layer they must remove what that layer put there.
func TestOpaqueWhiteoutLayer(t *testing.T) {
	path := testutil.Shared(t, "fixtures", "images", "layer", "trivy-opaque-whiteout-layer.tar")
	tr := layer.NewTree(layer.Limits{})
	lower := tarOf(t,
		entry{name: "etc/", typ: tar.TypeDir},
		entry{name: "etc/passwd", body: "root"},
		entry{name: "etc/group", body: "root"},
		entry{name: "foo/", typ: tar.TypeDir},
		entry{name: "foo/foo", body: "x"},
		entry{name: "foo/keep", body: "y"},
	)
	if _, err := tr.Apply(context.Background(), 0, lower, all); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := tr.Apply(context.Background(), 1, f, all); err != nil {
		t.Fatal(err)
	}
	got := listing(tr)
	for _, gone := range []string{"etc/passwd", "etc/group", "foo/foo "} {
		if strings.Contains(got+" ", gone) {
			t.Errorf("%s survived the whiteouts: %s", gone, got)
		}
	}
	for _, kept := range []string{"foo/keep", "app/myweb/index.html", "baz", "vendor/bar"} {
		if !strings.Contains(got, kept) {
			t.Errorf("%s missing: %s", kept, got)
		}
	}
}

func TestHostileNames(t *testing.T) {
	tr := layer.NewTree(layer.Limits{})
	_, err := tr.Apply(context.Background(), 0, tarOf(t,
		entry{name: "../../etc/passwd", body: "evil"},
		entry{name: "a/../../b", body: "evil"},
		entry{name: "/etc/os-release", body: "ID=alpine\n"},
		entry{name: "./etc//hostname", body: "box"},
		entry{name: "usr/bin/X11", link: ".", typ: tar.TypeSymlink},
		entry{name: "loop1", link: "loop2", typ: tar.TypeSymlink},
		entry{name: "loop2", link: "loop1", typ: tar.TypeSymlink},
		entry{name: "out", link: "../../../../etc", typ: tar.TypeSymlink},
	), all)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Problems) != 2 || !errors.Is(tr.Problems[0].Err, layer.ErrEscapesRoot) || !errors.Is(tr.Problems[1].Err, layer.ErrEscapesRoot) {
		t.Errorf("problems = %v, want the two climbing names refused", tr.Problems)
	}
	if b, err := fs.ReadFile(tr, "etc/os-release"); err != nil || string(b) != "ID=alpine\n" {
		t.Errorf("absolute name: got %q, %v", b, err)
	}
	if b, err := fs.ReadFile(tr, "etc/hostname"); err != nil || string(b) != "box" {
		t.Errorf("./ name: got %q, %v", b, err)
	}
	// A link that climbs resolves inside the root, as in a chroot.
	if b, err := fs.ReadFile(tr, "out/hostname"); err != nil || string(b) != "box" {
		t.Errorf("climbing link: got %q, %v", b, err)
	}
	if _, err := fs.ReadFile(tr, "loop1"); err == nil || !strings.Contains(err.Error(), "symbolic links") {
		t.Errorf("loop: got %v, want a link loop error", err)
	}
	if _, err := fs.ReadFile(tr, "usr/bin/X11/X11/X11/X11/../../../etc/os-release"); err == nil {
		// usr/bin/X11 -> . so this is usr/bin/etc/os-release: absent.
		t.Errorf("self link resolved to a file that does not exist")
	}
}

func TestDirectoryReplacedByLink(t *testing.T) {
	tr := layer.NewTree(layer.Limits{})
	ctx := context.Background()
	if _, err := tr.Apply(ctx, 0, tarOf(t,
		entry{name: "var/lib/dpkg/status", body: "old"},
		entry{name: "data/status", body: "new"},
	), all); err != nil {
		t.Fatal(err)
	}
	res, err := tr.Apply(ctx, 1, tarOf(t, entry{name: "var/lib/dpkg", link: "/data", typ: tar.TypeSymlink}), func(n string) bool { return strings.HasPrefix(n, "var/lib/dpkg") })
	if err != nil {
		t.Fatal(err)
	}
	if !res.Touched {
		t.Error("replacing a directory holding a wanted file did not mark the layer as touched")
	}
	if b, err := fs.ReadFile(tr, "var/lib/dpkg/status"); err != nil || string(b) != "new" {
		t.Errorf("got %q, %v; want the file behind the new link", b, err)
	}
	if got := tr.Layer("var/lib/dpkg/status"); got != 0 {
		t.Errorf("layer of data/status = %d, want 0", got)
	}
}

func TestTruncatedLayer(t *testing.T) {
	buf := tarOf(t, entry{name: "etc/os-release", body: strings.Repeat("x", 4000)})
	cut := bytes.NewReader(buf.Bytes()[:1500])
	tr := layer.NewTree(layer.Limits{})
	if _, err := tr.Apply(context.Background(), 0, cut, all); err == nil {
		t.Fatal("truncated layer applied without error")
	}
}

func TestFileSizeLimit(t *testing.T) {
	tr := layer.NewTree(layer.Limits{MaxFileSize: 10})
	if _, err := tr.Apply(context.Background(), 0, tarOf(t, entry{name: "big", body: strings.Repeat("x", 11)}, entry{name: "small", body: "x"}), all); err != nil {
		t.Fatal(err)
	}
	if len(tr.Problems) != 1 || tr.Problems[0].Path != "big" {
		t.Errorf("problems = %v, want one for big", tr.Problems)
	}
	if _, err := fs.ReadFile(tr, "small"); err != nil {
		t.Errorf("small: %v", err)
	}
}

func TestSpillAndRelease(t *testing.T) {
	spill := t.TempDir()
	tr := layer.NewTree(layer.Limits{MemFile: 8, SpillDir: spill})
	body := strings.Repeat("0123456789", 10)
	exe := func(name string, mode fs.FileMode, size int64) bool { return mode&0o111 != 0 }
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "usr/bin/app", Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg})
	tw.Write([]byte(body))
	tw.WriteHeader(&tar.Header{Name: "usr/bin/app2", Linkname: "usr/bin/app", Typeflag: tar.TypeLink})
	tw.WriteHeader(&tar.Header{Name: "etc/motd", Mode: 0o644, Size: 3, Typeflag: tar.TypeReg})
	tw.Write([]byte("hi\n"))
	tw.Close()
	res, err := tr.ApplyFiles(context.Background(), 0, &buf, func(string) bool { return false }, exe)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Paths) != 2 || res.Paths[0] != "usr/bin/app" {
		t.Errorf("paths %v, want the two executables", res.Paths)
	}
	for _, name := range []string{"usr/bin/app", "usr/bin/app2"} {
		b, err := fs.ReadFile(tr, name)
		if err != nil || string(b) != body {
			t.Errorf("%s: %q, %v", name, b, err)
		}
	}
	if _, err := fs.ReadFile(tr, "etc/motd"); err == nil {
		t.Error("an unwanted file was kept")
	}
	// The wanted contents stay in the layer's record, one file in the
	// spill folder, whatever their size.
	files, _ := os.ReadDir(spill)
	if len(files) != 1 {
		t.Errorf("%d spilled files, want the layer record", len(files))
	}
	tr.Release("usr/bin/app")
	if _, err := fs.ReadFile(tr, "usr/bin/app"); err == nil {
		t.Error("released file still readable")
	}
	tr.Close()
	if files, _ := os.ReadDir(spill); len(files) != 0 {
		t.Errorf("%d spilled files left after Close", len(files))
	}
}

// With a spill folder, wanted files are read from the layer's record there,
// not held in memory.
func TestMemBudgetSpills(t *testing.T) {
	spill := t.TempDir()
	tr := layer.NewTree(layer.Limits{MemFile: 100, MemBudget: 25, SpillDir: spill})
	defer tr.Close()
	files := []entry{{name: "a", body: strings.Repeat("a", 20)}, {name: "b", body: strings.Repeat("b", 20)}}
	if _, err := tr.Apply(context.Background(), 0, tarOf(t, files...), all); err != nil {
		t.Fatal(err)
	}
	if n, _ := os.ReadDir(spill); len(n) != 1 {
		t.Errorf("%d files spilled, want the layer record", len(n))
	}
	for _, f := range files {
		if b, err := fs.ReadFile(tr, f.name); err != nil || string(b) != f.body {
			t.Errorf("%s: %q, %v", f.name, b, err)
		}
	}
}

// Whiteouts hide only what lower layers hold (OCI image spec, "Whiteouts"):
// a file this layer writes under a directory of a lower layer, without an
// entry for the directory itself, survives an opaque marker or a whiteout
// of that directory in the same layer.
func TestWhiteoutKeepsSameLayerContent(t *testing.T) {
	for _, marker := range []string{"d/.wh..wh..opq", "d/.wh.p"} {
		tr := layer.NewTree(layer.Limits{})
		ctx := context.Background()
		if _, err := tr.Apply(ctx, 0, tarOf(t,
			entry{name: "d/", typ: tar.TypeDir},
			entry{name: "d/p/", typ: tar.TypeDir},
			entry{name: "d/p/old", body: "old"},
		), all); err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Apply(ctx, 1, tarOf(t,
			entry{name: "d/p/q", body: "new"},
			entry{name: marker},
		), all); err != nil {
			t.Fatal(err)
		}
		if b, err := fs.ReadFile(tr, "d/p/q"); err != nil || string(b) != "new" {
			t.Errorf("%s: d/p/q = %q, %v; want the upper layer's file kept", marker, b, err)
		}
		if _, err := fs.ReadFile(tr, "d/p/old"); err == nil {
			t.Errorf("%s: d/p/old still there", marker)
		}
		tr.Close()
	}
}
