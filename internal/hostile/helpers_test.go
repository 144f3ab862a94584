package hostile_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/internal/cli"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/report"
)

var (
	dbOnce sync.Once
	dbDir  string
	dbFile string
	dbErr  error
)

// testDB builds one small advisory database, from the Alpine 3.20 secdb,
// for the whole package.
func testDB(t *testing.T) string {
	t.Helper()
	secdb := testutil.Shared(t, "vulndata", "alpine-secdb", "v3.20")
	dbOnce.Do(func() {
		dbDir, dbErr = os.MkdirTemp("", "lading-hostile-db-")
		if dbErr != nil {
			return
		}
		dbFile = filepath.Join(dbDir, "lading.db")
		_, dbErr = build.Build(context.Background(), dbFile, []string{secdb}, build.Options{})
	})
	if dbErr != nil {
		t.Fatalf("building the test database: %v", dbErr)
	}
	return dbFile
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dbDir != "" {
		os.RemoveAll(dbDir)
	}
	os.Exit(code)
}

// entry is one tar entry of a generated layer.
type entry struct {
	name string
	typ  byte // 0 means a regular file
	link string
	body string
	mode int64
}

func file(name, body string) entry      { return entry{name: name, body: body} }
func dir(name string) entry             { return entry{name: name, typ: tar.TypeDir} }
func symlink(name, target string) entry { return entry{name: name, typ: tar.TypeSymlink, link: target} }
func hardlink(name, target string) entry {
	return entry{name: name, typ: tar.TypeLink, link: target}
}

// tarBytes writes entries as an uncompressed tar stream, names as given.
func tarBytes(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode, Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		// Names that are not UTF-8 go in the plain header when they fit,
		// as real tar writers do; PAX records would carry them too.
		if !isASCII(e.name) && len(e.name) <= 100 {
			h.Format = tar.FormatGNU
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar header %q: %v", e.name, err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := io.WriteString(tw, e.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func layerOf(t testing.TB, entries ...entry) v1.Layer {
	t.Helper()
	data := tarBytes(t, entries...)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

const alpineRelease = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.20.3
PRETTY_NAME="Alpine Linux v3.20"
`

const apkInstalled = `P:musl
V:1.2.5-r0
A:x86_64
o:musl
L:MIT

P:busybox
V:1.36.1-r29
A:x86_64
o:busybox
L:GPL-2.0-only

`

// alpineBase is a tiny Alpine-looking layer: an os-release and an apk
// database with two packages.
func alpineBase(t testing.TB) v1.Layer {
	return layerOf(t, dir("etc/"), file("etc/os-release", alpineRelease), dir("lib/"), dir("lib/apk/"), dir("lib/apk/db/"),
		file("lib/apk/db/installed", apkInstalled))
}

func imageOf(t testing.TB, layers ...v1.Layer) v1.Image {
	t.Helper()
	adds := make([]mutate.Addendum, len(layers))
	for i, l := range layers {
		adds[i] = mutate.Addendum{Layer: l, History: v1.History{CreatedBy: "step"}}
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
	return img
}

// dockerArchive saves img as a docker archive in a fresh folder.
func dockerArchive(t testing.TB, img v1.Image) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "image.tar")
	if err := tarball.WriteToFile(p, nil, img); err != nil {
		t.Fatal(err)
	}
	return p
}

func ociLayout(t testing.TB, img v1.Image) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(d, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	return d
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// rawArchive writes a docker save archive by hand: manifest.json, the
// config and the layer files exactly as given, with the config's diff_ids
// as given, so that a test can make them disagree.
func rawArchive(t testing.TB, diffIDs []string, layers ...[]byte) string {
	t.Helper()
	cfg, _ := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux",
		"config": map[string]any{},
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
	})
	var names []string
	files := []entry{}
	for i, l := range layers {
		n := "layer" + string(rune('0'+i)) + ".tar"
		names = append(names, n)
		files = append(files, file(n, string(l)))
	}
	man, _ := json.Marshal([]map[string]any{{"Config": "config.json", "RepoTags": []string{"hostile:latest"}, "Layers": names}})
	files = append(files, file("config.json", string(cfg)), file("manifest.json", string(man)))
	p := filepath.Join(t.TempDir(), "raw.tar")
	if err := os.WriteFile(p, tarBytes(t, files...), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// outcome is what one lading run gave.
type outcome struct {
	code        int
	stdout      string
	stderr      string
	rep         *report.Report
	elapsed     time.Duration
	cache, home string
}

// sandbox points HOME, TMPDIR and XDG folders at fresh folders, so that
// anything lading writes outside its cache shows up there. Tests using it
// cannot run in parallel.
type sandbox struct {
	home, tmp, cache string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	testDB(t) // built outside the sandbox
	root := t.TempDir()
	s := &sandbox{home: filepath.Join(root, "home"), tmp: filepath.Join(root, "tmp"), cache: filepath.Join(root, "cache")}
	for _, d := range []string{s.home, s.tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", s.home)
	t.Setenv("TMPDIR", s.tmp)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(s.home, ".cache"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(s.home, ".config"))
	t.Setenv("LADING_CACHE_DIR", "")
	if os.Getenv("DOCKER_CONFIG") == "" {
		t.Setenv("DOCKER_CONFIG", filepath.Join(s.home, "no-docker-config"))
	}
	return s
}

// tree lists every path under root with its size and modification time.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		out[p] = fmt.Sprint(info.Mode(), " ", info.ModTime().UnixNano(), " ", info.Size())
		return nil
	})
	return out
}

// lading runs the command line in-process inside a sandbox, with its own
// cache folder and the test database (for scans), and checks that it wrote
// nothing in HOME, TMPDIR or the working folder.
func (s *sandbox) lading(t *testing.T, ctx context.Context, args ...string) outcome {
	t.Helper()
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if len(args) > 0 && (args[0] == "image" || args[0] == "fs") {
		args = append(args, "--format", "json", "--db", testDB(t), "--quiet")
	}
	args = append(args, "--cache-dir", s.cache)
	before := map[string]map[string]string{}
	for _, d := range []string{s.home, s.tmp, cwd} {
		before[d] = tree(t, d)
	}
	var out, errOut bytes.Buffer
	start := time.Now()
	code := cli.Main(ctx, args, cli.Stdio{In: strings.NewReader(""), Out: &out, Err: &errOut})
	o := outcome{code: code, stdout: out.String(), stderr: errOut.String(), elapsed: time.Since(start), cache: s.cache, home: s.home}
	for _, d := range []string{s.home, s.tmp, cwd} {
		after := tree(t, d)
		var added []string
		for p, v := range after {
			if before[d][p] != v {
				added = append(added, p)
			}
		}
		sort.Strings(added)
		if len(added) > 0 {
			t.Errorf("lading %s wrote outside its cache: %v", strings.Join(args, " "), added)
		}
	}
	// Scratch files (layer records, rpm copies, decompressed archives) go
	// in the cache and are gone when the scan ends; what stays is the
	// layer cache's entries, whole (no temporary files).
	filepath.WalkDir(s.cache, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if rel, _ := filepath.Rel(s.cache, p); filepath.Dir(rel) == "layers" && !strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		t.Errorf("lading %s left %s in its cache", args[0], p)
		return nil
	})
	if code == 0 && len(args) > 0 && (args[0] == "image" || args[0] == "fs") {
		var r report.Report
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("decoding the report: %v\n%s", err, out.String())
		}
		o.rep = &r
		if args[0] == "image" {
			for _, p := range r.Problems {
				if p.Layer == "" {
					t.Errorf("a problem names no layer: %+v", p)
				}
			}
		}
	}
	return o
}

// scanOK runs a scan that must succeed and returns its report.
func (s *sandbox) scanOK(t *testing.T, ref string) *report.Report {
	t.Helper()
	o := s.lading(t, context.Background(), "image", ref)
	if o.code != 0 {
		t.Fatalf("lading image %s: exit %d: %s", ref, o.code, o.stderr)
	}
	return o.rep
}

// scanFails runs a scan that must exit 2 and returns its standard error.
func (s *sandbox) scanFails(t *testing.T, ctx context.Context, ref string) outcome {
	t.Helper()
	o := s.lading(t, ctx, "image", ref)
	if o.code != cli.ExitError {
		t.Fatalf("lading image %s: exit %d, want %d\nstdout: %.2000s\nstderr: %s", ref, o.code, cli.ExitError, o.stdout, o.stderr)
	}
	return o
}

func packageNames(r *report.Report) []string {
	var out []string
	for _, p := range r.Packages {
		out = append(out, p.Type+":"+p.Name+"@"+p.Version)
	}
	sort.Strings(out)
	return out
}

// problem finds the report's problem whose path contains path and whose
// error contains every one of reason.
func problem(t *testing.T, r *report.Report, path string, reason ...string) report.Problem {
	t.Helper()
	for _, p := range r.Problems {
		if !strings.Contains(p.Path, path) {
			continue
		}
		ok := true
		for _, w := range reason {
			ok = ok && strings.Contains(p.Error, w)
		}
		if ok {
			return p
		}
	}
	t.Errorf("no problem for %q with %q; problems: %+v", path, reason, r.Problems)
	return report.Problem{}
}
