package scan_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/extract/list"
	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/osrelease"
	"github.com/lading-dev/lading/scan"
)

type tarFile struct {
	name, body string
	link       string
	typ        byte
}

// tarLayer makes a gzip layer holding files, in order.
func tarLayer(t *testing.T, files ...tarFile) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg}
		if f.typ != 0 {
			h.Typeflag, h.Size, h.Linkname, h.Mode = f.typ, 0, f.link, 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(f.body))
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func readShared(t *testing.T, elem ...string) string {
	t.Helper()
	b, err := os.ReadFile(testutil.Shared(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// cacheImages builds two images as OCI layouts that share their first two
// layers: the Alpine 3.20.3 package database, then an npm lockfile (v3,
// from the fixtures) and a whiteout of a file of the first layer; the
// first image ends with a Poetry lockfile, the second with a Pipfile.lock.
func cacheImages(t *testing.T) (string, string) {
	t.Helper()
	base := tarLayer(t,
		tarFile{name: "etc/", typ: tar.TypeDir},
		tarFile{name: "etc/os-release", body: readShared(t, "fixtures", "alpine", "apk-db", "3.20.3", "etc", "os-release")},
		tarFile{name: "etc/motd", body: "welcome\n"},
		tarFile{name: "lib/apk/db/installed", body: readShared(t, "fixtures", "alpine", "apk-db", "3.20.3", "lib", "apk", "db", "installed")},
	)
	app := tarLayer(t,
		tarFile{name: "srv/app/package-lock.json", body: readShared(t, "fixtures", "npm", "npm-lockv3-advisories", "package-lock.json")},
		tarFile{name: "etc/.wh.motd"},
		tarFile{name: "srv/current", link: "app", typ: tar.TypeSymlink},
	)
	top1 := tarLayer(t, tarFile{name: "srv/py/poetry.lock", body: readShared(t, "fixtures", "python", "lockfiles", "poetry_flask.lock")})
	top2 := tarLayer(t, tarFile{name: "srv/py/Pipfile.lock", body: readShared(t, "fixtures", "python", "lockfiles", "Pipfile_many.lock")})
	write := func(top v1.Layer) string {
		img, err := mutate.AppendLayers(empty.Image, base, app, top)
		if err != nil {
			t.Fatal(err)
		}
		return writeLayout(t, img)
	}
	return write(top1), write(top2)
}

type cacheRun struct {
	res    *scan.Result
	cached []bool // per layer, from the Done events
}

func scanCached(t *testing.T, dir string, cache *scan.LayerCache, extractors []extract.Extractor) cacheRun {
	t.Helper()
	img, err := source.Open(context.Background(), "oci-layout:"+dir, source.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	var mu sync.Mutex
	var run cacheRun
	res, err := scan.Run(context.Background(), img, scan.Options{
		Extractors: extractors, DetectOS: osrelease.Detect, OSWants: osrelease.Wants,
		TempDir: t.TempDir(), Cache: cache,
		Progress: func(ev scan.LayerEvent) {
			if !ev.Done {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if run.cached == nil {
				run.cached = make([]bool, ev.Count)
			}
			run.cached[ev.Index] = ev.Cached
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	run.res = res
	return run
}

func allExtractors() []extract.Extractor { return append(list.OS(), list.Language()...) }

func resultJSON(t *testing.T, r *scan.Result) string {
	t.Helper()
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func equalBools(a []bool, b ...bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A warm scan takes every layer from the cache and finds exactly what the
// cold scan found; an image sharing the lower layers reads only its own.
func TestLayerCacheWarmEqualsCold(t *testing.T) {
	one, two := cacheImages(t)
	cache := &scan.LayerCache{Dir: filepath.Join(t.TempDir(), "layers")}
	uncached := scanCached(t, one, nil, allExtractors())
	cold := scanCached(t, one, cache, allExtractors())
	if !equalBools(cold.cached, false, false, false) {
		t.Errorf("cold scan: cached %v, want none", cold.cached)
	}
	if n := len(entries(t, cache.Dir)); n != 3 {
		t.Errorf("%d cache entries after the cold scan, want one per layer (3)", n)
	}
	warm := scanCached(t, one, cache, allExtractors())
	if !equalBools(warm.cached, true, true, true) {
		t.Errorf("warm scan: cached %v, want all", warm.cached)
	}
	want := resultJSON(t, uncached.res)
	if got := resultJSON(t, cold.res); got != want {
		t.Errorf("cold scan with a cache differs from one without:\n%s\nwant\n%s", got, want)
	}
	if got := resultJSON(t, warm.res); got != want {
		t.Errorf("warm scan differs from the cold one:\n%s\nwant\n%s", got, want)
	}
	// The packages checked against the fixtures: 14 apk packages (fixtures
	// PROVENANCE §1b), and npm and PyPI ones from the lockfiles.
	types := map[string]int{}
	for _, p := range warm.res.Packages {
		types[p.Type]++
	}
	if types["apk"] != 14 || types["npm"] == 0 || types["pypi"] == 0 {
		t.Errorf("package types %v, want 14 apk and some npm and pypi", types)
	}
	other := scanCached(t, two, cache, allExtractors())
	if !equalBools(other.cached, true, true, false) {
		t.Errorf("image sharing two layers: cached %v, want the two shared", other.cached)
	}
	if got, want := resultJSON(t, other.res), resultJSON(t, scanCached(t, two, nil, allExtractors()).res); got != want {
		t.Errorf("partly cached scan differs from an uncached one:\n%s\nwant\n%s", got, want)
	}
}

// bumped is an extractor whose version changed.
type bumped struct{ extract.FileExtractor }

func (b bumped) Version() int { return b.FileExtractor.Version() + 1 }

type bumpedWanter struct {
	bumped
	extract.FileWanter
}

// A new version of one per-file extractor re-reads only the layers holding
// a file it wants, and the others' cached results are kept.
func TestLayerCacheExtractorVersion(t *testing.T) {
	one, _ := cacheImages(t)
	cache := &scan.LayerCache{Dir: filepath.Join(t.TempDir(), "layers")}
	first := scanCached(t, one, cache, allExtractors())
	var changed []extract.Extractor
	found := false
	for _, e := range allExtractors() {
		if fe, ok := e.(extract.FileExtractor); ok && e.Name() == npmLockName(t) {
			found = true
			if fw, ok := e.(extract.FileWanter); ok {
				e = bumpedWanter{bumped{fe}, fw}
			} else {
				e = bumped{fe}
			}
		}
		changed = append(changed, e)
	}
	if !found {
		t.Fatal("no npm lockfile extractor")
	}
	again := scanCached(t, one, cache, changed)
	if !equalBools(again.cached, true, false, true) {
		t.Errorf("after the npm extractor's version changed: cached %v, want only the npm layer read again", again.cached)
	}
	if got, want := resultJSON(t, again.res), resultJSON(t, first.res); got != want {
		t.Errorf("results differ:\n%s\nwant\n%s", got, want)
	}
	third := scanCached(t, one, cache, changed)
	if !equalBools(third.cached, true, true, true) {
		t.Errorf("third scan: cached %v, want all", third.cached)
	}
}

func npmLockName(t *testing.T) string {
	for _, e := range list.Language() {
		if _, ok := e.(extract.FileExtractor); ok && e.Wants("srv/app/package-lock.json") {
			return e.Name()
		}
	}
	t.Fatal("no extractor wants package-lock.json")
	return ""
}

// A damaged entry is a miss: the layer is read again and the entry
// rewritten. Past MaxBytes, the entries used least recently go.
func TestLayerCacheDamageAndEviction(t *testing.T) {
	one, _ := cacheImages(t)
	cache := &scan.LayerCache{Dir: filepath.Join(t.TempDir(), "layers")}
	want := resultJSON(t, scanCached(t, one, cache, allExtractors()).res)
	names := entries(t, cache.Dir)
	for _, n := range names {
		p := filepath.Join(cache.Dir, n)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0xff
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	damaged := scanCached(t, one, cache, allExtractors())
	if !equalBools(damaged.cached, false, false, false) {
		t.Errorf("damaged entries: cached %v, want none", damaged.cached)
	}
	if got := resultJSON(t, damaged.res); got != want {
		t.Errorf("results after damage differ:\n%s\nwant\n%s", got, want)
	}
	if w := scanCached(t, one, cache, allExtractors()); !equalBools(w.cached, true, true, true) {
		t.Errorf("after rewriting: cached %v, want all", w.cached)
	}

	var total int64
	for _, n := range entries(t, cache.Dir) {
		info, _ := os.Stat(filepath.Join(cache.Dir, n))
		total += info.Size()
	}
	small := &scan.LayerCache{Dir: filepath.Join(t.TempDir(), "small"), MaxBytes: total / 2}
	scanCached(t, one, small, allExtractors())
	var left int64
	for _, n := range entries(t, small.Dir) {
		info, _ := os.Stat(filepath.Join(small.Dir, n))
		left += info.Size()
	}
	if left > small.MaxBytes || left == 0 {
		t.Errorf("cache holds %d bytes, want some and at most %d", left, small.MaxBytes)
	}
}

// Scans sharing one cache at once all get whole results.
func TestLayerCacheConcurrent(t *testing.T) {
	one, _ := cacheImages(t)
	want := resultJSON(t, scanCached(t, one, nil, allExtractors()).res)
	cache := &scan.LayerCache{Dir: filepath.Join(t.TempDir(), "layers")}
	var wg sync.WaitGroup
	got := make([]string, 6)
	for i := range got {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got[i] = resultJSON(t, scanCached(t, one, cache, allExtractors()).res)
		}(i)
	}
	wg.Wait()
	for i, g := range got {
		if g != want {
			t.Errorf("scan %d differs:\n%s\nwant\n%s", i, g, want)
		}
	}
	for _, n := range entries(t, cache.Dir) {
		if n[0] == '.' {
			t.Errorf("temporary file %s left in the cache", n)
		}
	}
}

func writeLayout(t *testing.T, img v1.Image) string {
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

// An image whose config claims another layer's diff ID neither gets that
// layer's cached results nor leaves its own under that layer's name: blob
// layers are cached by their blob digests, which every read checks.
func TestLayerCacheNotFooledByDiffIDs(t *testing.T) {
	one, _ := cacheImages(t)
	cache := &scan.LayerCache{Dir: filepath.Join(t.TempDir(), "layers")}
	want := resultJSON(t, scanCached(t, one, nil, allExtractors()).res)
	scanCached(t, one, cache, allExtractors())

	src, err := source.Open(context.Background(), "oci-layout:"+one, source.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := src.Image.ConfigFile()
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	evilLayer := tarLayer(t, tarFile{name: "etc/motd", body: "nothing here\n"})
	evil, err := mutate.AppendLayers(empty.Image, evilLayer)
	if err != nil {
		t.Fatal(err)
	}
	ecfg, err := evil.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	ecfg = ecfg.DeepCopy()
	ecfg.RootFS.DiffIDs = cfg.RootFS.DiffIDs[:1] // the Alpine layer's
	if evil, err = mutate.ConfigFile(evil, ecfg); err != nil {
		t.Fatal(err)
	}
	dir := writeLayout(t, evil)
	got := scanCached(t, dir, cache, allExtractors())
	if len(got.res.Packages) != 0 || got.cached[0] {
		t.Errorf("an image claiming the Alpine layer's diff ID: cached %v, %d packages; want its own layer read, none", got.cached, len(got.res.Packages))
	}
	again := scanCached(t, one, cache, allExtractors())
	if !equalBools(again.cached, true, true, true) || resultJSON(t, again.res) != want {
		t.Errorf("after the lying image: cached %v, results equal %v", again.cached, resultJSON(t, again.res) == want)
	}
}

// A link in a new layer to a lockfile of a cached layer below: the cache
// keeps no lockfile contents, so the scan reads every layer again rather
// than report less than an uncached scan.
func TestLayerCacheLinkIntoCachedLayer(t *testing.T) {
	one, _ := cacheImages(t)
	src, err := source.Open(context.Background(), "oci-layout:"+one, source.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	layers, err := src.Image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, top := range []tarFile{
		{name: "copy/package-lock.json", link: "srv/app/package-lock.json", typ: tar.TypeLink},
		{name: "copy/package-lock.json", link: "/srv/app/package-lock.json", typ: tar.TypeSymlink},
	} {
		img, err := mutate.AppendLayers(empty.Image, append(layers[:2:2], tarLayer(t, tarFile{name: "copy/", typ: tar.TypeDir}, top))...)
		if err != nil {
			t.Fatal(err)
		}
		dir := writeLayout(t, img)
		want := resultJSON(t, scanCached(t, dir, nil, allExtractors()).res)
		cache := &scan.LayerCache{Dir: filepath.Join(t.TempDir(), "layers")}
		scanCached(t, one, cache, allExtractors()) // the two lower layers
		first := scanCached(t, dir, cache, allExtractors())
		second := scanCached(t, dir, cache, allExtractors())
		for name, r := range map[string]cacheRun{"first": first, "second": second} {
			if got := resultJSON(t, r.res); got != want {
				t.Errorf("link type %c, %s scan with the cache:\n%s\nwant\n%s", top.typ, name, got, want)
			}
		}
		found := false
		for _, p := range first.res.Packages {
			for _, l := range p.Locations {
				found = found || l.Path == "copy/package-lock.json"
			}
		}
		if !found {
			t.Errorf("link type %c: no package found through copy/package-lock.json", top.typ)
		}
	}
	src.Close()
}

// A FIFO (or anything but a file) at an entry's name is a miss; it cannot
// hang the scan.
func TestLayerCacheFIFO(t *testing.T) {
	one, _ := cacheImages(t)
	cache := &scan.LayerCache{Dir: filepath.Join(t.TempDir(), "layers")}
	want := resultJSON(t, scanCached(t, one, cache, allExtractors()).res)
	for _, n := range entries(t, cache.Dir) {
		p := filepath.Join(cache.Dir, n)
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan cacheRun, 1)
	go func() { done <- scanCached(t, one, cache, allExtractors()) }()
	select {
	case r := <-done:
		if !equalBools(r.cached, false, false, false) || resultJSON(t, r.res) != want {
			t.Errorf("with FIFOs in the cache: cached %v, results equal %v", r.cached, resultJSON(t, r.res) == want)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the scan hangs on a FIFO in the cache")
	}
}

// Side entries: a value comes back under its key only; a damaged entry,
// a truncated one, one written under another key and a FIFO at its name
// are misses; they count towards the bound and are evicted with the
// layer entries.
func TestLayerCacheSideEntries(t *testing.T) {
	dir := t.TempDir()
	c := &scan.LayerCache{Dir: dir, MaxBytes: 1 << 20}
	if got := c.ReadSide("k1"); got != nil {
		t.Fatalf("empty cache gave %q", got)
	}
	if err := c.WriteSide("k1", []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	if got := c.ReadSide("k1"); string(got) != `{"a":1}` {
		t.Fatalf("ReadSide(k1) = %q", got)
	}
	if got := c.ReadSide("k2"); got != nil {
		t.Fatalf("ReadSide(k2) = %q, want a miss", got)
	}
	ents, _ := filepath.Glob(filepath.Join(dir, "side-*"))
	if len(ents) != 1 {
		t.Fatalf("%d side files, want 1", len(ents))
	}
	p := ents[0]
	good, _ := os.ReadFile(p)
	damaged := map[string][]byte{
		"flipped byte":  append(append([]byte{}, good[:len(good)-6]...), good[len(good)-6]^1, good[len(good)-5], good[len(good)-4], good[len(good)-3], good[len(good)-2], good[len(good)-1]),
		"truncated":     good[:len(good)-3],
		"empty":         {},
		"another key's": nil,
	}
	for name, b := range damaged {
		if b == nil {
			// k3's valid entry moved to k1's name.
			c.WriteSide("k3", []byte("other"))
			other, _ := filepath.Glob(filepath.Join(dir, "side-*"))
			for _, o := range other {
				if o != p {
					must(t, os.Rename(o, p))
				}
			}
		} else {
			must(t, os.WriteFile(p, b, 0o600))
		}
		if got := c.ReadSide("k1"); got != nil {
			t.Errorf("%s entry: ReadSide = %q, want a miss", name, got)
		}
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s entry was not removed", name)
		}
	}
	must(t, syscall.Mkfifo(p, 0o600))
	done := make(chan []byte)
	go func() { done <- c.ReadSide("k1") }()
	select {
	case got := <-done:
		if got != nil {
			t.Errorf("FIFO: ReadSide = %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ReadSide hung on a FIFO")
	}
	os.Remove(p)

	// Eviction: 20 entries of 100 KiB under a 1 MiB bound keep the newest.
	for i := 0; i < 20; i++ {
		key := string(rune('a' + i))
		must(t, c.WriteSide(key, bytes.Repeat([]byte{byte(i)}, 100<<10)))
		old := time.Now().Add(time.Duration(i-40) * time.Minute)
		os.Chtimes(filepath.Join(dir, sideName(key)), old, old)
	}
	must(t, c.Evict())
	var total int64
	all, _ := os.ReadDir(dir)
	for _, e := range all {
		info, _ := e.Info()
		total += info.Size()
	}
	if total > 1<<20 {
		t.Errorf("%d bytes after eviction, bound 1 MiB", total)
	}
	if c.ReadSide("t") == nil || c.ReadSide("a") != nil {
		t.Error("eviction kept the oldest entry or removed the newest")
	}
}

// sideName is the file name of the side entry under key.
func sideName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "side-" + hex.EncodeToString(sum[:])
}

// An entry whose checksum was made to match contents a scan cannot use (a
// null package, a damaged record) is a miss, not a crash.
func TestLayerCacheResealedDamage(t *testing.T) {
	one, _ := cacheImages(t)
	cache := &scan.LayerCache{Dir: filepath.Join(t.TempDir(), "layers")}
	want := resultJSON(t, scanCached(t, one, cache, allExtractors()).res)
	edits := map[string]func(header, record []byte) ([]byte, []byte){
		"null package": func(h, r []byte) ([]byte, []byte) {
			return bytes.Replace(h, []byte(`[{"name"`), []byte(`[null,{"name"`), 1), r
		},
		"record cut short": func(h, r []byte) ([]byte, []byte) { return h, r[:len(r)/2] },
	}
	for name, edit := range edits {
		changed := 0
		for _, n := range entries(t, cache.Dir) {
			if reseal(t, filepath.Join(cache.Dir, n), edit) {
				changed++
			}
		}
		if changed == 0 {
			t.Fatalf("%s: no entry to change", name)
		}
		got := scanCached(t, one, cache, allExtractors())
		if s := resultJSON(t, got.res); s != want {
			t.Errorf("%s: results differ:\n%s\nwant\n%s", name, s, want)
		}
	}
}

// reseal rewrites a layer cache entry with its header and record edited,
// and a checksum that matches; it reports whether the edit changed it.
func reseal(t *testing.T, path string, edit func(header, record []byte) ([]byte, []byte)) bool {
	t.Helper()
	const magic = "lading-layer-cache/1\n"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tr := b[len(b)-20:]
	hlen := int(binary.LittleEndian.Uint64(tr[0:8]))
	header := b[len(magic) : len(magic)+hlen]
	record := b[len(magic)+hlen : len(b)-20]
	h2, r2 := edit(slices.Clone(header), slices.Clone(record))
	if bytes.Equal(h2, header) && bytes.Equal(r2, record) {
		return false
	}
	out := append([]byte(magic), h2...)
	out = append(out, r2...)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(h2)))
	out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, crc32.MakeTable(crc32.Castagnoli)))
	out = binary.LittleEndian.AppendUint64(out, uint64(len(out)+8))
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return true
}
