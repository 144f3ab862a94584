package update

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/internal/testutil"
)

// What the shared vulndata folder publishes in the mirror layout
// (PROVENANCE.md): 8 OSV all.zip files (Go, crates.io, AlmaLinux:8/9/10,
// npm, Maven, PyPI; Ubuntu has only usn-subset.zip), the secdb YAML of
// v3.3–v3.11 (main and community, 18 files, reached through the .json →
// .yaml fallback) and JSON of v3.16 and v3.20 main, the DSA and DLA
// lists, the 4 GitHub branch archives of pypa, rustsec, rubysec and
// FriendsOfPHP, the 20 NVD 1.1 feeds (2002–2018, 2023, modified, recent;
// reached through the 2.0 → 1.1 fallback) and the KEV JSON; no
// ecosystems.txt, no tracker JSON drop-in, no EPSS file.
const wantDownloads = 8 + 18 + 2 + 2 + 4 + 20 + 1

// Records in those files (PROVENANCE.md §1, §2, §6, §7 distinct ids per
// file, §8, §11, §13).
func checkBuilt(t *testing.T, rep *Report, db string) {
	t.Helper()
	if len(rep.Downloaded) != wantDownloads {
		t.Errorf("downloaded %d files, want %d: %v", len(rep.Downloaded), wantDownloads, rep.Downloaded)
	}
	recs := map[string]int{}
	for _, f := range rep.Build.Files {
		recs[f.Source] += f.Stats.Records
	}
	// OSV: 4291+1206+3237+1783+660+28+17+13; DSA 5406; DLA 3534; the
	// native archives' advisory files (§2–§5); NVD CVE_Items summed over
	// the 20 feeds (§10) and KEV entries (§9).
	for src, want := range map[string]int{"osv": 11235, "debian-dsa": 5406, "debian-dla": 3534,
		"pypa": 2661, "rustsec": 1225, "rubysec": 1381, "friendsofphp": 1592,
		"nvd": 128068, "kev": 1404} {
		if recs[src] != want {
			t.Errorf("%s records: got %d, want %d", src, recs[src], want)
		}
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m, err := s.Metadata(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Sources) != wantDownloads {
		t.Errorf("metadata sources: got %d, want %d", len(m.Sources), wantDownloads)
	}
	for _, si := range m.Sources {
		if si.SHA256 == "" || !strings.Contains(si.Location, "://") {
			t.Errorf("source info: got %+v, want a URL location and a digest", si)
		}
	}
	aff, _ := s.Affected(context.Background(), "almalinux:8", "oci-umount")
	if len(aff) == 0 {
		t.Errorf("almalinux:8 oci-umount: no statements (ALBA-2019:0973 names it)")
	}
}

func emptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("download directory left behind in %s: %v", dir, entries)
	}
}

// recorder serves the vulndata folder and records raw request URIs.
type recorder struct {
	mu   sync.Mutex
	uris []string
	next http.Handler
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.uris = append(r.uris, req.RequestURI)
	r.mu.Unlock()
	r.next.ServeHTTP(w, req)
}

func TestUpdateFromHTTPMirror(t *testing.T) {
	root := testutil.Shared(t, "vulndata")
	rec := &recorder{next: http.FileServer(http.Dir(root))}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "advisory.db")
	cache := t.TempDir()
	rep, err := UpdateReport(context.Background(), db, UpdateOptions{Mirror: srv.URL + "/", CacheDir: cache, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	checkBuilt(t, rep, db)
	emptyDir(t, cache)
	found := false
	for _, u := range rec.uris {
		if u == "/osv/AlmaLinux%3A8/all.zip" {
			found = true
		}
	}
	if !found {
		t.Errorf("no request for /osv/AlmaLinux%%3A8/all.zip among %v", rec.uris)
	}
	// Absent files are listed, not fatal.
	for _, want := range []string{"/osv/ecosystems.txt", "/debian/tracker/data/json", "/osv/Ubuntu/all.zip", "/alpine-secdb/v3.22/main.yaml"} {
		ok := false
		for _, u := range rep.NotPublished {
			if strings.HasSuffix(u, want) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s not recorded as not published", want)
		}
	}
}

func TestUpdateFromFileMirror(t *testing.T) {
	root := testutil.Shared(t, "vulndata")
	db := filepath.Join(t.TempDir(), "advisory.db")
	cache := t.TempDir()
	rep, err := UpdateReport(context.Background(), db, UpdateOptions{Mirror: "file://" + filepath.ToSlash(root), CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	checkBuilt(t, rep, db)
	emptyDir(t, cache)
}

// seed builds a small database to check failures leave it alone.
func seed(t *testing.T) (string, []byte) {
	t.Helper()
	root := testutil.Shared(t, "vulndata")
	db := filepath.Join(t.TempDir(), "advisory.db")
	_, err := Update(context.Background(), db, UpdateOptions{
		Mirror: "file://" + filepath.ToSlash(root), CacheDir: t.TempDir(), Feeds: []string{"alpine-secdb"},
	})
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	return db, before
}

func unchanged(t *testing.T, db string, before []byte) {
	t.Helper()
	after, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("the previous database changed")
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatalf("previous database no longer opens: %v", err)
	}
	s.Close()
	entries, _ := os.ReadDir(filepath.Dir(db))
	if len(entries) != 1 {
		t.Errorf("files left next to the database: %v", entries)
	}
}

func TestUpdateFailuresKeepOldDatabase(t *testing.T) {
	root := testutil.Shared(t, "vulndata")
	db, before := seed(t)
	files := http.FileServer(http.Dir(root))
	goZip, err := os.ReadFile(filepath.Join(root, "osv", "Go", "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]http.HandlerFunc{
		// A server error midway: the DSA list (fetched after OSV and
		// secdb) fails with 500.
		"500 midway": func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/DSA/list") {
				http.Error(w, "boom", http.StatusInternalServerError)
				return
			}
			files.ServeHTTP(w, r)
		},
		// The connection drops after half of the declared bytes.
		"short body": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/osv/Go/all.zip" {
				w.Header().Set("Content-Length", strconv.Itoa(len(goZip)))
				w.Write(goZip[:len(goZip)/2])
				return
			}
			files.ServeHTTP(w, r)
		},
		// A complete response whose zip is cut short.
		"truncated zip": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/osv/Go/all.zip" {
				w.Write(goZip[:len(goZip)-1000])
				return
			}
			files.ServeHTTP(w, r)
		},
		// An HTML page served as a secdb document.
		"html page": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/alpine-secdb/v3.20/main.json" {
				io.WriteString(w, "<html>maintenance</html>")
				return
			}
			files.ServeHTTP(w, r)
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			cache := t.TempDir()
			_, err := Update(context.Background(), db, UpdateOptions{Mirror: srv.URL, CacheDir: cache, Client: srv.Client()})
			if err == nil {
				t.Fatal("got nil error")
			}
			t.Logf("error: %v", err)
			unchanged(t, db, before)
			emptyDir(t, cache)
		})
	}
}

func TestUpdateNothingFound(t *testing.T) {
	db, before := seed(t)
	_, err := Update(context.Background(), db, UpdateOptions{Mirror: "file://" + filepath.ToSlash(t.TempDir()), CacheDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "no feed file found") {
		t.Errorf("empty mirror: got %v", err)
	}
	unchanged(t, db, before)
}

func TestUpdateSizeCapAndCancel(t *testing.T) {
	root := testutil.Shared(t, "vulndata")
	db, before := seed(t)
	_, err := Update(context.Background(), db, UpdateOptions{
		Mirror: "file://" + filepath.ToSlash(root), CacheDir: t.TempDir(), MaxDownloadSize: 1000,
	})
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("size cap: got %v", err)
	}
	unchanged(t, db, before)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Update(ctx, db, UpdateOptions{Mirror: "file://" + filepath.ToSlash(root), CacheDir: t.TempDir()})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
	unchanged(t, db, before)
}

// upstream answers for the real hosts: it serves secdb v3.20 main from
// the shared folder and 404 for everything else, recording each URL.
type upstream struct {
	mu   sync.Mutex
	urls []string
	root string
}

func (u *upstream) RoundTrip(req *http.Request) (*http.Response, error) {
	u.mu.Lock()
	u.urls = append(u.urls, req.URL.String())
	u.mu.Unlock()
	if req.URL.String() == "https://secdb.alpinelinux.org/v3.20/main.json" {
		data, err := os.ReadFile(filepath.Join(u.root, "alpine-secdb", "v3.20", "main.json"))
		if err != nil {
			return nil, err
		}
		return &http.Response{StatusCode: 200, Status: "200 OK", ContentLength: int64(len(data)),
			Body: io.NopCloser(bytes.NewReader(data)), Header: http.Header{}, Request: req}, nil
	}
	return &http.Response{StatusCode: 404, Status: "404 Not Found", Body: io.NopCloser(strings.NewReader("")),
		Header: http.Header{}, Request: req}, nil
}

func TestUpdateUpstreamURLs(t *testing.T) {
	up := &upstream{root: testutil.Shared(t, "vulndata")}
	db := filepath.Join(t.TempDir(), "advisory.db")
	rep, err := UpdateReport(context.Background(), db, UpdateOptions{Client: &http.Client{Transport: up}, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Downloaded) != 1 || rep.Build.Files[0].Stats.Records != 703 {
		t.Errorf("downloaded %v", rep.Downloaded)
	}
	seen := map[string]bool{}
	for _, u := range up.urls {
		seen[u] = true
	}
	for _, want := range []string{
		"https://osv-vulnerabilities.storage.googleapis.com/ecosystems.txt",
		"https://osv-vulnerabilities.storage.googleapis.com/AlmaLinux%3A8/all.zip",
		"https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip",
		"https://osv-vulnerabilities.storage.googleapis.com/crates.io/all.zip",
		"https://secdb.alpinelinux.org/v3.2/main.json",
		"https://secdb.alpinelinux.org/v3.22/community.yaml",
		"https://secdb.alpinelinux.org/edge/main.json",
		"https://security-tracker.debian.org/tracker/data/json",
		"https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/DSA/list",
		"https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/DLA/list",
		"https://github.com/pypa/advisory-database/archive/refs/heads/main.zip",
		"https://github.com/rustsec/advisory-db/archive/refs/heads/main.zip",
		"https://github.com/rubysec/ruby-advisory-db/archive/refs/heads/master.zip",
		"https://github.com/FriendsOfPHP/security-advisories/archive/refs/heads/master.zip",
	} {
		if !seen[want] {
			t.Errorf("no request for %s", want)
		}
	}
}

func TestParseEcosystems(t *testing.T) {
	got := parseEcosystems([]byte("Go\nAlmaLinux\nAlmaLinux:8\n\nDebian:12\nUbuntu\nUbuntu:22.04:LTS\nGo\n"))
	want := "Go,AlmaLinux,Debian:12,Ubuntu"
	if strings.Join(got, ",") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

// An ecosystems.txt on the mirror replaces the built-in list.
func TestUpdateEcosystemsTxt(t *testing.T) {
	root := testutil.Shared(t, "vulndata")
	files := http.FileServer(http.Dir(root))
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Path)
		mu.Unlock()
		if r.URL.Path == "/osv/ecosystems.txt" {
			io.WriteString(w, "crates.io\nPyPI\nNoSuchEcosystem\n")
			return
		}
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "advisory.db")
	rep, err := UpdateReport(context.Background(), db, UpdateOptions{Mirror: srv.URL, CacheDir: t.TempDir(), Client: srv.Client(), Feeds: []string{"osv"}})
	if err != nil {
		t.Fatal(err)
	}
	// crates.io 1,206 + PyPI 13 records.
	if len(rep.Downloaded) != 2 || len(rep.NotPublished) != 1 || rep.Build.Store.Entries != 1219 {
		t.Errorf("got downloaded %v, not published %v, %d entries", rep.Downloaded, rep.NotPublished, rep.Build.Store.Entries)
	}
	for _, p := range asked {
		if p == "/osv/Go/all.zip" {
			t.Errorf("fetched Go although ecosystems.txt does not list it")
		}
	}
}

// Progress is told of each download from 0 to its last byte, with the
// declared size or -1, and of each file the build reads; a download that
// fails part way still ends with Done.
func TestUpdateProgress(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testutil.Shared(t, "vulndata"), "kev", "known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	const rel = "kev/known_exploited_vulnerabilities.json"
	for _, tc := range []struct {
		name  string
		serve func(w http.ResponseWriter)
		total int64
		fails bool
	}{
		{"declared", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			w.Write(data)
		}, int64(len(data)), false},
		{"chunked", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			w.Write(data)
		}, -1, false},
		{"truncated", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", strconv.Itoa(len(data)+10))
			w.Write(data)
		}, int64(len(data) + 10), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/"+rel {
					http.NotFound(w, r)
					return
				}
				tc.serve(w)
			}))
			defer srv.Close()
			var got []Transfer
			var built []build.Progress
			_, err := UpdateReport(context.Background(), filepath.Join(t.TempDir(), "advisory.db"), UpdateOptions{
				Mirror: srv.URL, Client: srv.Client(), CacheDir: t.TempDir(), Feeds: []string{"kev"},
				Progress:      func(tr Transfer) { got = append(got, tr) },
				BuildProgress: func(p build.Progress) { built = append(built, p) },
			})
			if tc.fails != (err != nil) {
				t.Fatalf("err = %v", err)
			}
			want := Transfer{Feed: "kev", File: rel, URL: srv.URL + "/" + rel, Index: 0, Count: 1, Total: tc.total}
			if len(got) < 3 || got[0] != want {
				t.Fatalf("%d events, first %+v, want %+v", len(got), got[:min(1, len(got))], want)
			}
			for i, tr := range got[1:] {
				if prev := got[i]; tr.Read < prev.Read || tr.Done != (i == len(got)-2) || tr.URL != want.URL || tr.Total != tc.total {
					t.Errorf("event %d %+v after %+v", i+1, tr, prev)
				}
			}
			if last := got[len(got)-1]; last.Read != int64(len(data)) {
				t.Errorf("last event %+v, want Read %d", last, len(data))
			}
			if tc.fails {
				if len(built) != 0 {
					t.Errorf("build progress after a failed download: %+v", built)
				}
				return
			}
			if len(built) != 2 || !strings.HasSuffix(built[0].File, filepath.FromSlash(rel)) ||
				built[0].Index != 0 || built[0].Count != 1 || built[0].Done != 0 || built[0].Total != int64(len(data)) ||
				built[1] != (build.Progress{Index: 1, Count: 1, Done: int64(len(data)), Total: int64(len(data))}) {
				t.Errorf("build progress %+v", built)
			}
		})
	}
}
