package cli_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/internal/testutil"
)

// ladingBinary builds cmd/lading into the test's temporary directory.
func ladingBinary(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL and flock are Unix things")
	}
	root, err := testutil.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "lading")
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	cmd := exec.Command(goBin, "build", "-o", bin, "./cmd/lading")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// throttled serves dir slowly: 8 KiB every 10 ms (about 800 KB/s), and
// counts the bodies being sent and the bytes sent.
type throttled struct {
	dir      string
	inFlight atomic.Int32
	sent     atomic.Int64
}

func (h *throttled) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := filepath.Join(h.dir, filepath.FromSlash(filepath.Clean("/"+r.URL.Path)))
	f, err := os.Open(p)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		http.NotFound(w, r)
		return
	}
	h.inFlight.Add(1)
	defer h.inFlight.Add(-1)
	w.Header().Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
	w.WriteHeader(http.StatusOK)
	buf := make([]byte, 8<<10)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			w.(http.Flusher).Flush()
			h.sent.Add(int64(n))
		}
		if err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// leftovers lists every path under cache other than db/ and db/lading.db.
func leftovers(t *testing.T, cache string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(cache, p)
		switch rel {
		case ".", "db", filepath.Join("db", "lading.db"):
			return nil
		}
		out = append(out, rel)
		return nil
	})
	return out
}

// previousDB builds the database the killed runs must leave alone: the
// Alpine 3.20 secdb subset, in which busybox has 31 statements
// (alpine-secdb/v3.20/main.json) including CVE-2024-58251.
func previousDB(t *testing.T, cache string) (string, []byte) {
	t.Helper()
	vd := testutil.Shared(t, "vulndata")
	dbFile := filepath.Join(cache, "db", "lading.db")
	if _, err := build.Build(context.Background(), dbFile, []string{filepath.Join(vd, "alpine-secdb", "v3.20")}, build.Options{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	return dbFile, b
}

// stillAnswers opens the database and looks busybox up in alpine:3.20.
func stillAnswers(t *testing.T, dbFile string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the database changed")
	}
	s, err := store.Open(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stmts, err := s.Affected(context.Background(), "alpine:3.20", "busybox")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, st := range stmts {
		found = found || st.VulnID == "CVE-2024-58251" && st.Fixed == "1.36.1-r31"
	}
	if len(stmts) != 31 || !found {
		t.Errorf("busybox in alpine:3.20: %d statements (want 31, with CVE-2024-58251 fixed in 1.36.1-r31)", len(stmts))
	}
}

// waitOlder sleeps until every leftover is more than a second older than
// now, the margin scratch.CleanStale keeps for coarse file times.
func waitOlder(t *testing.T, cache string, paths []string) {
	t.Helper()
	for _, p := range paths {
		fi, err := os.Lstat(filepath.Join(cache, p))
		if err != nil {
			continue
		}
		if d := time.Until(fi.ModTime().Add(1100 * time.Millisecond)); d > 0 {
			time.Sleep(d)
		}
	}
}

// SIGKILL `lading db update` while it downloads from a slow mirror: the
// previous database is byte for byte the same and still answers, nothing
// is left beside it, and what is left under the cache's tmp directory is
// removed by the next update.
func TestKilledUpdateKeepsDatabase(t *testing.T) {
	bin := ladingBinary(t)
	vd := testutil.Shared(t, "vulndata")
	cache := t.TempDir()
	dbFile, before := previousDB(t, cache)

	slow := &throttled{dir: vd}
	srv := httptest.NewServer(slow) // 127.0.0.1
	defer srv.Close()
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, "db", "update", "--mirror", srv.URL, "--feeds", "osv", "--cache-dir", cache, "--quiet")
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Env = append(os.Environ(), "LADING_CACHE_DIR=")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// Kill once at least 256 KiB went out and 1.5 s passed, with a body
	// still being sent: the update is downloading.
	deadline := time.After(60 * time.Second)
	for slow.sent.Load() < 256<<10 || time.Since(start) < 1500*time.Millisecond || slow.inFlight.Load() == 0 {
		select {
		case err := <-exited:
			t.Fatalf("update ended before it was killed: %v\n%s%s", err, out.String(), errOut.String())
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("the update did not start downloading")
		case <-time.After(5 * time.Millisecond):
		}
	}
	partial := leftovers(t, cache)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-exited
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("update: %v, want killed by SIGKILL", err)
	}
	t.Logf("killed after %s, %d bytes served; in progress then: %v", time.Since(start).Round(time.Millisecond), slow.sent.Load(), partial)

	stillAnswers(t, dbFile, before)
	left := leftovers(t, cache)
	if len(left) == 0 {
		t.Log("nothing left behind")
	}
	for _, p := range left {
		if !strings.HasPrefix(p, "tmp"+string(filepath.Separator)) && p != "tmp" {
			t.Errorf("left %s outside the cache's tmp directory", p)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(dbFile)); len(entries) != 1 {
		t.Errorf("the database directory holds %d entries, want only lading.db", len(entries))
	}

	// The next update (fast, from a file:// mirror of the Alpine secdb)
	// removes the killed one's directory.
	waitOlder(t, cache, left)
	next := exec.Command(bin, "db", "update", "--mirror", "file://"+vd, "--feeds", "alpine-secdb", "--cache-dir", cache, "--quiet")
	next.Env = cmd.Env
	if b, err := next.CombinedOutput(); err != nil {
		t.Fatalf("next update: %v\n%s", err, b)
	}
	if rest := leftovers(t, cache); len(rest) != 1 || rest[0] != "tmp" {
		t.Errorf("after the next update the cache holds %v, want only the empty tmp directory", rest)
	}
	s, err := store.Open(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Affected(context.Background(), "alpine:3.16", "busybox")
	s.Close()
	if err != nil || len(st) == 0 {
		t.Errorf("the updated database: %d busybox statements in alpine:3.16, %v", len(st), err)
	}
}

// SIGKILL `lading db build` while it writes the new database beside the
// old one: the old one is intact, and the next build removes the killed
// build's directory.
func TestKilledBuildKeepsDatabase(t *testing.T) {
	bin := ladingBinary(t)
	vd := testutil.Shared(t, "vulndata")
	cache := t.TempDir()
	dbFile, before := previousDB(t, cache)
	dbDir := filepath.Dir(dbFile)

	cmd := exec.Command(bin, "db", "build", "--cache-dir", cache, "--quiet", filepath.Join(vd, "osv"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Wait until the half-written database exists in its build directory.
	var building string
	deadline := time.After(60 * time.Second)
	for building == "" {
		matches, _ := filepath.Glob(filepath.Join(dbDir, ".lading-db-build-*", "advisory.db"))
		if len(matches) > 0 {
			building = matches[0]
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("build ended before it was killed: %v\n%s", err, out.String())
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("the build did not start writing")
		case <-time.After(2 * time.Millisecond):
		}
	}
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	if err := <-exited; err == nil {
		t.Fatal("the build finished before the kill; make it longer")
	}
	stillAnswers(t, dbFile, before)
	left := leftovers(t, cache)
	t.Logf("left by the killed build: %v", left)

	waitOlder(t, cache, left)
	next := exec.Command(bin, "db", "build", "--cache-dir", cache, "--quiet", filepath.Join(vd, "alpine-secdb", "v3.20"))
	if b, err := next.CombinedOutput(); err != nil {
		t.Fatalf("next build: %v\n%s", err, b)
	}
	if rest := leftovers(t, cache); len(rest) != 0 {
		t.Errorf("after the next build the cache holds %v", rest)
	}
	stillAnswers(t, dbFile, mustRead(t, dbFile))
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
