package cli_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/lading-dev/lading/internal/cli"
	"github.com/lading-dev/lading/internal/testutil"
)

// dbRegistry returns the anonymous registry .ci/run starts, with the
// keychain pointed at an empty docker config.
func dbRegistry(t *testing.T) string {
	t.Helper()
	reg := os.Getenv("LADING_REGISTRY")
	testutil.Require(t, reg != "", "LADING_REGISTRY is not set: run .ci/run --setup-only and source its env file for a local registry")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"auths":{}}`), 0o600)
	t.Setenv("DOCKER_CONFIG", dir)
	return reg
}

func randomTag(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "t" + hex.EncodeToString(b)
}

// flipFront reverse-proxies to the registry and flips one byte in the
// middle of every GET of the blob with digest blob.
func flipFront(t *testing.T, upstream, blob string) *httptest.Server {
	t.Helper()
	u, err := url.Parse("http://" + upstream)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method != http.MethodGet || resp.StatusCode != http.StatusOK ||
			!strings.HasSuffix(resp.Request.URL.Path, "/blobs/"+blob) {
			return nil
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		b[len(b)/2] ^= 0x01
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return nil
	}
	srv := httptest.NewServer(proxy) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

// db build from a subset of vulndata, db push, db pull into another cache:
// the same bytes, and db status reads it. Then a tag holding an ordinary
// image and a layer corrupted in transit are refused, and the pulled
// database stays as it was.
func TestDBPushPull(t *testing.T) {
	reg := dbRegistry(t)
	vd := testutil.Shared(t, "vulndata")
	src, dst := t.TempDir(), t.TempDir()
	out, errOut, code := runCLI(t, "db", "build", "--cache-dir", src, "--quiet",
		filepath.Join(vd, "alpine-secdb", "v3.20"), filepath.Join(vd, "osv", "npm"),
		filepath.Join(vd, "debian", "tracker-json", "google-osv.dev-debian_security_tracker_mock.json"))
	if code != 0 {
		t.Fatalf("db build: exit %d: %s%s", code, out, errOut)
	}
	ref := reg + "/lading-test/cli-db:" + randomTag(t)
	out, errOut, code = runCLI(t, "db", "push", "--cache-dir", src, "--quiet", ref)
	if code != 0 {
		t.Fatalf("db push: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "pushed ") || !strings.Contains(out, ref+"@sha256:") {
		t.Errorf("db push printed %q", out)
	}
	if entries, _ := os.ReadDir(filepath.Join(src, "tmp")); len(entries) != 0 {
		t.Errorf("push left %d files in the cache's tmp directory", len(entries))
	}

	out, errOut, code = runCLI(t, "db", "pull", "--cache-dir", dst, "--quiet", ref)
	if code != 0 {
		t.Fatalf("db pull: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "pulled "+ref+"@sha256:") {
		t.Errorf("db pull printed %q", out)
	}
	want, err := os.ReadFile(filepath.Join(src, "db", "lading.db"))
	if err != nil {
		t.Fatal(err)
	}
	pulled := filepath.Join(dst, "db", "lading.db")
	got, err := os.ReadFile(pulled)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("pulled database (%d bytes) differs from the pushed one (%d bytes)", len(got), len(want))
	}
	out, errOut, code = runCLI(t, "db", "status", "--cache-dir", dst, "-f", "json")
	if code != 0 {
		t.Fatalf("db status: exit %d: %s", code, errOut)
	}
	var st struct {
		Sources []struct {
			Source     string `json:"source"`
			Statements int    `json:"statements"`
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range st.Sources {
		seen[s.Source] = s.Statements > 0
	}
	for _, s := range []string{"alpine-secdb", "osv", "debian-tracker"} {
		if !seen[s] {
			t.Errorf("db status of the pulled database: no statements from %s:\n%s", s, out)
		}
	}

	// A tag that holds an ordinary image.
	img, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	imgRef := reg + "/lading-test/cli-db:image-" + randomTag(t)
	r, _ := name.ParseReference(imgRef)
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = runCLI(t, "db", "pull", "--cache-dir", dst, "--quiet", imgRef)
	if code != cli.ExitError || !strings.Contains(errOut, "not a lading advisory database") || !strings.Contains(errOut, "container image") {
		t.Errorf("pull of an image: exit %d: %s", code, errOut)
	}
	if b, _ := os.ReadFile(pulled); !bytes.Equal(b, want) {
		t.Error("refused pull changed the database")
	}

	// The layer corrupted in transit: one byte flipped by a proxy.
	rr, _ := name.ParseReference(ref)
	desc, err := remote.Get(rr)
	if err != nil {
		t.Fatal(err)
	}
	var mf v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &mf); err != nil {
		t.Fatal(err)
	}
	layer := mf.Layers[0].Digest.String()
	front := flipFront(t, reg, layer)
	// Make the current database differ from the artifact, so that a pull
	// that wrongly went through would show.
	old := []byte("SQLite format 3\x00 stands in for an older database")
	if err := os.WriteFile(pulled, old, 0o644); err != nil {
		t.Fatal(err)
	}
	frontRef := strings.TrimPrefix(front.URL, "http://") + "/" + strings.TrimPrefix(ref, reg+"/")
	_, errOut, code = runCLI(t, "db", "pull", "--cache-dir", dst, "--quiet", frontRef)
	if code != cli.ExitError || !strings.Contains(errOut, layer) || !strings.Contains(errOut, "corrupt") {
		t.Errorf("pull of a corrupted layer: exit %d: %s", code, errOut)
	}
	t.Logf("corrupted layer: %s", strings.TrimSpace(errOut))
	if b, _ := os.ReadFile(pulled); !bytes.Equal(b, old) {
		t.Error("a corrupted pull changed the database")
	}
	if entries, _ := os.ReadDir(filepath.Dir(pulled)); len(entries) != 1 {
		t.Errorf("the database directory holds %d entries after a failed pull, want 1", len(entries))
	}
}

func TestDBPushWithoutDatabase(t *testing.T) {
	_, errOut, code := runCLI(t, "db", "push", "--cache-dir", t.TempDir(), "127.0.0.1:1/x/y:z")
	if code != cli.ExitError || !strings.Contains(errOut, "no advisory database") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}
