package hostile_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

const (
	regUser     = "hostile"
	regPassword = "pw-Zq8vN3tLk2-never-print-me"
)

// mockRegistry is a registry on 127.0.0.1 that wants basic auth and can
// stall, fail, or redirect blob downloads to a second server (another
// 127.0.0.1 port), which records the Authorization headers it receives.
type mockRegistry struct {
	front, other *httptest.Server
	mode         atomic.Value // "", "redirect", "stall", "error"

	mu         sync.Mutex
	otherAuth  []string // Authorization headers the second server saw
	otherHits  int
	frontAuthd int
	layer      string // digest of the image's one layer
	layerSize  int64
}

func listenLocal(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = ln
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func newMockRegistry(t *testing.T) *mockRegistry {
	t.Helper()
	m := &mockRegistry{}
	m.mode.Store("")
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	m.other = listenLocal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.otherHits++
		if a := r.Header.Get("Authorization"); a != "" {
			m.otherAuth = append(m.otherAuth, a)
		}
		m.mu.Unlock()
		reg.ServeHTTP(w, r)
	}))
	m.front = listenLocal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != regUser || p != regPassword {
			w.Header().Set("WWW-Authenticate", `Basic realm="hostile"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		m.mu.Lock()
		m.frontAuthd++
		m.mu.Unlock()
		isBlob := r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/")
		switch mode := m.mode.Load().(string); {
		case mode == "redirect" && isBlob:
			http.Redirect(w, r, m.other.URL+r.URL.Path, http.StatusTemporaryRedirect)
			return
		case mode == "stall" && isBlob:
			<-r.Context().Done()
			return
		case mode == "corrupt" && isBlob && strings.HasSuffix(r.URL.Path, "/"+m.layer):
			// Other bytes than the digest names, as many as it states: a
			// valid gzip of a valid tar, padded with a gzip comment, so
			// that only the digest check can tell.
			w.Write(sameSizeGzip(t, tarBytes(t, file("etc/os-release", "ID=evil\n")), m.layerSize))
			return
		case mode == "error" && strings.Contains(r.URL.Path, "/manifests/"):
			http.Error(w, `{"errors":[{"code":"UNKNOWN","message":"backend exploded"}]}`, http.StatusInternalServerError)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	// The image is pushed straight to the second server, which shares the
	// front's storage and asks for no credentials.
	ref, err := name.ParseReference(strings.TrimPrefix(m.other.URL, "http://")+"/hostile/app:1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	base := alpineBase(t)
	d, err := base.Digest()
	if err != nil {
		t.Fatal(err)
	}
	m.layer = d.String()
	if m.layerSize, err = base.Size(); err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, imageOf(t, base)); err != nil {
		t.Fatal(err)
	}
	return m
}

func (m *mockRegistry) ref() string {
	return "registry:" + strings.TrimPrefix(m.front.URL, "http://") + "/hostile/app:1"
}

// withCredentials writes a DOCKER_CONFIG holding the front's password.
func (m *mockRegistry) withCredentials(t *testing.T) {
	t.Helper()
	d := filepath.Join(t.TempDir(), "docker")
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(map[string]any{"auths": map[string]any{
		strings.TrimPrefix(m.front.URL, "http://"): map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(regUser + ":" + regPassword))},
	}})
	if err := os.WriteFile(filepath.Join(d, "config.json"), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", d)
}

// noSecret checks that the password, and its base64 form, appear in no
// output of the run.
func noSecret(t *testing.T, o outcome) {
	t.Helper()
	enc := base64.StdEncoding.EncodeToString([]byte(regUser + ":" + regPassword))
	for what, s := range map[string]string{"stdout": o.stdout, "stderr": o.stderr} {
		if strings.Contains(s, regPassword) || strings.Contains(s, enc) {
			t.Errorf("the registry password appears in %s", what)
		}
	}
	filepath.WalkDir(o.cache, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if b, err := os.ReadFile(p); err == nil && (strings.Contains(string(b), regPassword) || strings.Contains(string(b), enc)) {
			t.Errorf("the registry password was written to %s", p)
		}
		return nil
	})
}

// Blob downloads redirected to another host (another port on 127.0.0.1):
// lading follows the redirect, the scan succeeds, and the first host's
// Authorization header is never sent to the second. The password appears
// in no output.
func TestRegistryRedirectToOtherHost(t *testing.T) {
	s := newSandbox(t)
	m := newMockRegistry(t)
	m.withCredentials(t)
	m.mode.Store("redirect")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	o := s.lading(t, ctx, "image", m.ref())
	if o.code != 0 {
		t.Fatalf("exit %d: %s", o.code, o.stderr)
	}
	if got := strings.Join(packageNames(o.rep), ","); got != "apk:busybox@1.36.1-r29,apk:musl@1.2.5-r0" {
		t.Errorf("packages: %s", got)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.frontAuthd == 0 || m.otherHits == 0 {
		t.Errorf("front saw %d authenticated requests, the other host %d requests: the redirect was not exercised", m.frontAuthd, m.otherHits)
	}
	if len(m.otherAuth) != 0 {
		t.Errorf("the other host received Authorization headers: %q", m.otherAuth)
	}
	noSecret(t, o)
}

// Wrong credentials: an error naming the registry, the password nowhere.
func TestRegistryWrongCredentials(t *testing.T) {
	s := newSandbox(t)
	m := newMockRegistry(t)
	m.withCredentials(t)
	// Point the credentials at a password the server does not accept.
	cfgPath := filepath.Join(os.Getenv("DOCKER_CONFIG"), "config.json")
	b, _ := os.ReadFile(cfgPath)
	wrong := base64.StdEncoding.EncodeToString([]byte(regUser + ":" + regPassword + "-wrong"))
	right := base64.StdEncoding.EncodeToString([]byte(regUser + ":" + regPassword))
	os.WriteFile(cfgPath, []byte(strings.Replace(string(b), right, wrong, 1)), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	o := s.scanFails(t, ctx, m.ref())
	if !strings.Contains(o.stderr, strings.TrimPrefix(m.front.URL, "http://")) || !strings.Contains(o.stderr, "UNAUTHORIZED") {
		t.Errorf("stderr: %s", o.stderr)
	}
	noSecret(t, o)
	if strings.Contains(o.stderr, wrong) || strings.Contains(o.stderr, regPassword) {
		t.Errorf("the wrong password appears on stderr")
	}
}

// A registry that stalls on blob downloads: the scan's deadline ends it
// with an error (exit 2), without hanging.
func TestRegistryStalls(t *testing.T) {
	s := newSandbox(t)
	m := newMockRegistry(t)
	m.withCredentials(t)
	m.mode.Store("stall")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	done := make(chan outcome, 1)
	go func() { done <- s.lading(t, ctx, "image", m.ref()) }()
	select {
	case o := <-done:
		if o.code != 2 || !strings.Contains(o.stderr, "context deadline exceeded") {
			t.Errorf("exit %d, stderr %s", o.code, o.stderr)
		}
		if o.elapsed > 15*time.Second {
			t.Errorf("the stalled scan took %v to stop", o.elapsed)
		}
		noSecret(t, o)
	case <-time.After(30 * time.Second):
		t.Fatal("lading hung on a stalled registry past its deadline")
	}
}

// A registry that answers 500: an error naming the registry and what it
// said, after go-containerregistry's few retries.
func TestRegistryErrors(t *testing.T) {
	s := newSandbox(t)
	m := newMockRegistry(t)
	m.withCredentials(t)
	m.mode.Store("error")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	o := s.scanFails(t, ctx, m.ref())
	if !strings.Contains(o.stderr, "registry "+strings.TrimPrefix(m.front.URL, "http://")) || !strings.Contains(o.stderr, "backend exploded") {
		t.Errorf("stderr: %s", o.stderr)
	}
	noSecret(t, o)
}

// A registry that serves other bytes than a layer's digest names: the
// scan fails with an error naming the blob.
func TestRegistryBlobMismatch(t *testing.T) {
	s := newSandbox(t)
	m := newMockRegistry(t)
	m.withCredentials(t)
	m.mode.Store("corrupt")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	o := s.scanFails(t, ctx, m.ref())
	if !strings.Contains(o.stderr, "want \""+m.layer+"\"") || !strings.Contains(o.stderr, "error verifying sha256 checksum") {
		t.Errorf("stderr does not name the blob %s: %s", m.layer, o.stderr)
	}
	noSecret(t, o)
}

// sameSizeGzip compresses data into exactly size bytes, padding with the
// gzip header's comment.
func sameSizeGzip(t testing.TB, data []byte, size int64) []byte {
	t.Helper()
	for pad := 0; pad < int(size); pad++ {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if pad > 0 {
			zw.Comment = strings.Repeat("x", pad)
		}
		zw.Write(data)
		zw.Close()
		if int64(buf.Len()) == size {
			return buf.Bytes()
		}
		if int64(buf.Len()) > size {
			break
		}
	}
	t.Fatalf("cannot make %d bytes of gzip", size)
	return nil
}
