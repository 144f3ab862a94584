package java

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// entry is one file of a zip built in a test.
type entry struct {
	name  string
	data  []byte
	store bool // stored rather than deflated
}

func buildZip(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.store {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pom(group, artifact, version string) entry {
	return entry{name: "META-INF/maven/" + group + "/" + artifact + "/pom.properties",
		data: fmt.Appendf(nil, "groupId=%s\nartifactId=%s\nversion=%s\n", group, artifact, version)}
}

// run extracts p from a MapFS holding files, with limits lim.
func run(t *testing.T, lim Limits, tempDir string, p string, files fstest.MapFS) ([]*inventory.Package, []*extract.FileError) {
	t.Helper()
	e := &Extractor{Limits: lim}
	pkgs, err := e.ExtractFile(context.Background(), extract.Input{FS: files, TempDir: tempDir}, p)
	checkPackages(t, pkgs)
	return pkgs, fileErrors(t, err)
}

func fileErrors(t *testing.T, err error) []*extract.FileError {
	t.Helper()
	if err == nil {
		return nil
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var out []*extract.FileError
	for _, e := range errs {
		var fe *extract.FileError
		if !errors.As(e, &fe) {
			t.Fatalf("error %v is not a *extract.FileError", e)
		}
		out = append(out, fe)
	}
	return out
}

func errorPaths(errs []*extract.FileError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Path)
	}
	return out
}

// TestBrokenArchives: a zero-byte .jar, a text file named .jar and a
// truncated jar are *extract.FileErrors naming them; inside a war they
// are named with the war's path and "!/", and the war's good jars are
// still reported.
func TestBrokenArchives(t *testing.T) {
	good := buildZip(t, pom("org.example", "good", "1.0"))
	truncated := good[:len(good)/2]
	files := fstest.MapFS{
		"empty.jar":     {Data: nil},
		"text.jar":      {Data: []byte("log4j-core.jar")},
		"truncated.jar": {Data: truncated},
		"app/x.war": {Data: buildZip(t,
			pom("org.example", "x", "2.0"),
			entry{name: "WEB-INF/lib/empty.jar"},
			entry{name: "WEB-INF/lib/good-1.0.jar", data: good},
			entry{name: "WEB-INF/lib/text.jar", data: []byte("not a zip")},
			entry{name: "WEB-INF/lib/y.war", data: buildZip(t,
				entry{name: "WEB-INF/lib/truncated.jar", data: truncated},
				entry{name: "WEB-INF/lib/inner-3.0.jar", data: buildZip(t, entry{name: "META-INF/MANIFEST.MF", data: []byte("Implementation-Version: 3.0\n")})},
			)},
		)},
	}
	for _, p := range []string{"empty.jar", "text.jar", "truncated.jar"} {
		pkgs, errs := run(t, Limits{}, "", p, files)
		if len(pkgs) != 0 || len(errs) != 1 || errs[0].Path != p {
			t.Errorf("%s: %q, %v", p, briefs(pkgs), errs)
		}
	}
	pkgs, errs := run(t, Limits{}, "", "app/x.war", files)
	checkBriefs(t, "x.war", briefs(pkgs), []string{
		"org.example:x 2.0 @ app/x.war",
		"org.example:good 1.0 @ app/x.war!/WEB-INF/lib/good-1.0.jar",
		"inner 3.0 @ app/x.war!/WEB-INF/lib/y.war!/WEB-INF/lib/inner-3.0.jar",
	})
	checkBriefs(t, "x.war errors", errorPaths(errs), []string{
		"app/x.war!/WEB-INF/lib/empty.jar",
		"app/x.war!/WEB-INF/lib/text.jar",
		"app/x.war!/WEB-INF/lib/y.war!/WEB-INF/lib/truncated.jar",
	})
	if !strings.Contains(errs[0].Error(), "empty") || !strings.Contains(errs[1].Error(), "not a valid zip") {
		t.Errorf("messages: %v; %v", errs[0], errs[1])
	}
}

// TestDeepNesting builds a jar nested 100 deep, each level with its own
// pom.properties: levels 0 to 16 are reported and the jar at depth 17 is
// one *extract.FileError; nothing below it is opened.
func TestDeepNesting(t *testing.T) {
	for _, store := range []bool{false, true} {
		data := buildZip(t, pom("org.example", "level-100", "1"))
		for i := 99; i >= 0; i-- {
			data = buildZip(t, pom("org.example", fmt.Sprintf("level-%d", i), "1"),
				entry{name: "lib/inner.jar", data: data, store: store})
		}
		pkgs, errs := run(t, Limits{}, "", "deep.jar", fstest.MapFS{"deep.jar": {Data: data}})
		if len(pkgs) != DefaultLimits.MaxDepth+1 {
			t.Fatalf("store %v: %d packages, want %d", store, len(pkgs), DefaultLimits.MaxDepth+1)
		}
		loc := "deep.jar"
		for i, p := range pkgs {
			if p.Name != fmt.Sprintf("org.example:level-%d", i) || p.Locations[0].Path != loc {
				t.Errorf("level %d: %s @ %s, want @ %s", i, p.Name, p.Locations[0].Path, loc)
			}
			loc += "!/lib/inner.jar"
		}
		if len(errs) != 1 || errs[0].Path != loc || !strings.Contains(errs[0].Err.Error(), "17 archives deep, the limit is 16") {
			t.Errorf("store %v: errors %v, want one at %s", store, errs, loc)
		}
	}
}

// TestZipBombs: an entry inflating past a limit is a *extract.FileError,
// whether it is a nested archive or a manifest, and whether the header
// tells the truth about its size or not.
func TestZipBombs(t *testing.T) {
	zeros := make([]byte, 4<<20)

	// A nested jar of 4 MiB (of zeros, about 4 KiB deflated) against a
	// budget of 1 MiB for the whole file.
	bomb := buildZip(t, pom("org.example", "outer", "1"), entry{name: "WEB-INF/lib/bomb.jar", data: zeros})
	if len(bomb) > 64<<10 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	files := fstest.MapFS{"bomb.war": {Data: bomb}}
	pkgs, errs := run(t, Limits{MaxInflated: 1 << 20}, "", "bomb.war", files)
	if len(pkgs) != 1 || len(errs) != 1 || errs[0].Path != "bomb.war!/WEB-INF/lib/bomb.jar" || !errors.Is(errs[0], errBudget) {
		t.Errorf("budget: %q, %v", briefs(pkgs), errs)
	}
	// The same against the size of one nested archive.
	pkgs, errs = run(t, Limits{MaxNestedSize: 1 << 20}, "", "bomb.war", files)
	if len(pkgs) != 1 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "more than the 1048576 allowed for a nested archive") {
		t.Errorf("nested size: %q, %v", briefs(pkgs), errs)
	}

	// A 5 MiB manifest with the default limits (4 MiB).
	files["manifest.jar"] = &fstest.MapFile{Data: buildZip(t, entry{name: "META-INF/MANIFEST.MF", data: append([]byte("Implementation-Version: 1\n"), make([]byte, 5<<20)...)})}
	pkgs, errs = run(t, Limits{}, "", "manifest.jar", files)
	if len(pkgs) != 0 || len(errs) != 1 || errs[0].Path != "manifest.jar" || !strings.Contains(errs[0].Error(), "META-INF/MANIFEST.MF: inflates to") {
		t.Errorf("manifest: %q, %v", briefs(pkgs), errs)
	}

	// Headers that understate the inflated size: archive/zip stops at the
	// declared size.
	files["liar.war"] = &fstest.MapFile{Data: lyingZip(t, "WEB-INF/lib/liar.jar", buildZip(t, pom("org.example", "hidden", "1")), 100)}
	pkgs, errs = run(t, Limits{}, "", "liar.war", files)
	if len(pkgs) != 0 || len(errs) != 1 || errs[0].Path != "liar.war!/WEB-INF/lib/liar.jar" {
		t.Errorf("lying header: %q, %v", briefs(pkgs), errs)
	}
	files["liar.jar"] = &fstest.MapFile{Data: lyingZip(t, "META-INF/maven/g/a/pom.properties", []byte("version=1\n"+strings.Repeat("#", 1<<20)), 10)}
	pkgs, errs = run(t, Limits{}, "", "liar.jar", files)
	if len(pkgs) != 0 || len(errs) != 1 || errs[0].Path != "liar.jar" {
		t.Errorf("lying pom.properties: %q, %v", briefs(pkgs), errs)
	}
}

// lyingZip builds a zip whose one deflated entry declares size bytes
// inflated (and the matching CRC of nothing in particular) while data is
// longer.
func lyingZip(t *testing.T, name string, data []byte, size uint64) []byte {
	t.Helper()
	var deflated bytes.Buffer
	{
		zw := zip.NewWriter(&deflated)
		w, _ := zw.Create("x")
		w.Write(data)
		zw.Close()
	}
	zr, err := zip.NewReader(bytes.NewReader(deflated.Bytes()), int64(deflated.Len()))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := zr.File[0].OpenRaw()
	if err != nil {
		t.Fatal(err)
	}
	compressed := make([]byte, zr.File[0].CompressedSize64)
	if _, err := raw.Read(compressed); err != nil && len(compressed) > 0 {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data[:size]),
		CompressedSize64: uint64(len(compressed)), UncompressedSize64: size})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(compressed)
	zw.Close()
	return buf.Bytes()
}

// TestEntryLimit: entries are counted over a file and what it nests.
func TestEntryLimit(t *testing.T) {
	var inner []entry
	for i := range 30 {
		inner = append(inner, entry{name: fmt.Sprintf("x/%d.class", i)})
	}
	files := fstest.MapFS{"a.war": {Data: buildZip(t, pom("g", "a", "1"),
		entry{name: "WEB-INF/lib/b-1.jar", data: buildZip(t, inner...)},
		entry{name: "WEB-INF/lib/c-1.jar", data: buildZip(t, inner...)})}}
	// 3 + 30 fit in 40; the second jar's 30 do not.
	pkgs, errs := run(t, Limits{MaxEntries: 40}, "", "a.war", files)
	checkBriefs(t, "entries", briefs(pkgs), []string{"g:a 1 @ a.war", "b 1 @ a.war!/WEB-INF/lib/b-1.jar"})
	if len(errs) != 1 || errs[0].Path != "a.war!/WEB-INF/lib/c-1.jar" || !strings.Contains(errs[0].Error(), "holds 30 entries, more than the 7 left of the 40") {
		t.Errorf("errors %v", errs)
	}
	// The top archive itself.
	_, errs = run(t, Limits{MaxEntries: 2}, "", "a.war", files)
	if len(errs) != 1 || errs[0].Path != "a.war" {
		t.Errorf("errors %v", errs)
	}
}

// TestNestedStorage: compressed nested archives above MemNested go to a
// temporary file under TempDir, removed afterwards; without a TempDir
// they are inflated into memory within MaxMemory, and one that does not
// fit is a *extract.FileError. Stored ones are read in place.
func TestNestedStorage(t *testing.T) {
	big := make([]byte, 256<<10)
	for i := range big {
		big[i] = byte(i * 7 % 251)
	}
	lib := buildZip(t, pom("org.example", "lib", "1"), entry{name: "blob.bin", data: big, store: true})
	files := fstest.MapFS{
		"deflated.war": {Data: buildZip(t, entry{name: "WEB-INF/lib/lib-1.jar", data: lib})},
		"stored.war":   {Data: buildZip(t, entry{name: "BOOT-INF/lib/lib-1.jar", data: lib, store: true})},
	}
	want := []string{"org.example:lib 1 @ deflated.war!/WEB-INF/lib/lib-1.jar"}
	small := Limits{MemNested: 64 << 10, MaxMemory: 128 << 10}

	tmp := t.TempDir()
	pkgs, errs := run(t, small, tmp, "deflated.war", files)
	checkBriefs(t, "temp file", briefs(pkgs), want)
	if errs != nil {
		t.Errorf("temp file: %v", errs)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in TempDir: %v", left)
	}

	pkgs, errs = run(t, Limits{MemNested: 64 << 10, MaxMemory: 1 << 20}, "", "deflated.war", files)
	checkBriefs(t, "memory without TempDir", briefs(pkgs), want)
	if errs != nil {
		t.Errorf("memory without TempDir: %v", errs)
	}

	pkgs, errs = run(t, small, "", "deflated.war", files)
	if len(pkgs) != 0 || len(errs) != 1 || errs[0].Path != "deflated.war!/WEB-INF/lib/lib-1.jar" || !strings.Contains(errs[0].Error(), "no temporary directory") {
		t.Errorf("no TempDir: %q, %v", briefs(pkgs), errs)
	}

	pkgs, errs = run(t, small, "", "stored.war", files)
	checkBriefs(t, "stored", briefs(pkgs), []string{"org.example:lib 1 @ stored.war!/BOOT-INF/lib/lib-1.jar"})
	if errs != nil {
		t.Errorf("stored: %v", errs)
	}
}

// TestShadedWithoutOwnPOM: a jar whose pom.properties are all of what it
// embeds gets its own identity from the manifest and file name too, in
// front; one whose file name matches a pom.properties does not.
func TestShadedWithoutOwnPOM(t *testing.T) {
	files := fstest.MapFS{
		"app-2.1.jar": {Data: buildZip(t, entry{name: "META-INF/MANIFEST.MF", data: []byte("Implementation-Vendor-Id: com.example\n")},
			pom("com.google.guava", "guava", "31.1-jre"))},
		"guava-31.1-jre.jar": {Data: buildZip(t, entry{name: "META-INF/MANIFEST.MF", data: []byte("Implementation-Version: 99\n")},
			pom("com.google.guava", "guava", "31.1-jre"), pom("com.google.guava", "failureaccess", "1.0.1"))},
	}
	pkgs, _ := run(t, Limits{}, "", "app-2.1.jar", files)
	checkBriefs(t, "app", briefs(pkgs), []string{"com.example:app 2.1 @ app-2.1.jar", "com.google.guava:guava 31.1-jre @ app-2.1.jar"})
	pkgs, _ = run(t, Limits{}, "", "guava-31.1-jre.jar", files)
	checkBriefs(t, "guava", briefs(pkgs), []string{"com.google.guava:guava 31.1-jre @ guava-31.1-jre.jar", "com.google.guava:failureaccess 1.0.1 @ guava-31.1-jre.jar"})
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	files := fstest.MapFS{"a.jar": {Data: buildZip(t, pom("g", "a", "1"))}}
	if _, err := New().ExtractFile(ctx, extract.Input{FS: files}, "a.jar"); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
}
