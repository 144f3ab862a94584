package source_test

// Registry tests run against real registries that .ci/run starts:
// Debian's docker-registry (distribution 2.8) on $LADING_REGISTRY with no
// auth and on $LADING_AUTH_REGISTRY with htpasswd basic auth. Bearer-token
// auth and corrupted blobs are served by httptest fronts on 127.0.0.1 that
// reverse-proxy to the anonymous registry.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/internal/testutil"
)

// alpineRootfs is the Alpine 3.20.3 minirootfs from the shared fixtures.
func alpineRootfs(t *testing.T) string {
	t.Helper()
	return testutil.Shared(t, "fixtures", "alpine", "minirootfs", "alpine-minirootfs-3.20.3-x86_64.tar.gz")
}

// requireRegistry returns the anonymous registry's host:port.
func requireRegistry(t *testing.T) string {
	t.Helper()
	reg := os.Getenv("LADING_REGISTRY")
	testutil.Require(t, reg != "", "LADING_REGISTRY is not set: run .ci/run --setup-only and source its env file for a local registry")
	return reg
}

// uniqueTag is a tag no other test run uses, so runs never see each
// other's pushes.
func uniqueTag(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "t" + hex.EncodeToString(b)
}

// tarLayer builds a one-layer tar holding files (path → content).
func tarLayer(t *testing.T, files map[string]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// imageOf makes an image of layers for platform ("os/arch[/variant]"),
// with Docker or OCI media types.
func imageOf(t *testing.T, platform string, oci bool, layers ...v1.Layer) v1.Image {
	t.Helper()
	p, err := v1.ParsePlatform(platform)
	if err != nil {
		t.Fatal(err)
	}
	base := empty.Image
	if oci {
		base = mutate.MediaType(mutate.ConfigMediaType(base, types.OCIConfigJSON), types.OCIManifestSchema1)
	}
	img, err := mutate.AppendLayers(base, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
	cfg.Config.Cmd = []string{"/bin/sh"}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// alpineImage is the Alpine 3.20.3 minirootfs as a one-layer linux/amd64
// image; its layer blob is the fixture's gzip bytes as they are.
func alpineImage(t *testing.T) v1.Image {
	t.Helper()
	l, err := tarball.LayerFromFile(alpineRootfs(t))
	if err != nil {
		t.Fatal(err)
	}
	return imageOf(t, "linux/amd64", false, l)
}

func push(t *testing.T, ref string, img v1.Image, opts ...remote.Option) v1.Hash {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, append(opts, remote.WithContext(context.Background()))...); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// layerFiles reads a layer's uncompressed tar to its end and returns the
// contents of its regular files no larger than 64 KiB (others map to "").
func layerFiles(t *testing.T, l v1.Layer) map[string]string {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	files, err := readTar(rc)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// readTar reads a tar stream as layer.Tree.Apply does, then drains what
// follows the end marker as scan does, so a digest check at the end of the
// compressed stream is always reached.
func readTar(r io.Reader) (map[string]string, error) {
	files := map[string]string{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return files, err
		}
		name := strings.TrimPrefix(hdr.Name, "./")
		if hdr.Typeflag != tar.TypeReg {
			files[name] = ""
			continue
		}
		var b []byte
		if hdr.Size <= 64<<10 {
			if b, err = io.ReadAll(tr); err != nil {
				return files, err
			}
		}
		files[name] = string(b)
	}
	_, err := io.Copy(io.Discard, r)
	return files, err
}

func openOpts(t *testing.T, ref string, opts source.Options) *source.Image {
	t.Helper()
	if opts.TempDir == "" {
		opts.TempDir = t.TempDir()
	}
	img, err := source.Open(context.Background(), ref, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", ref, err)
	}
	t.Cleanup(img.Close)
	return img
}

// onlyLayerFiles checks that img has one layer and returns its files.
func onlyLayerFiles(t *testing.T, img *source.Image) map[string]string {
	t.Helper()
	layers, err := img.Image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%s: %d layers, want 1", img.Ref, len(layers))
	}
	return layerFiles(t, layers[0])
}

func checkAlpine(t *testing.T, files map[string]string) {
	t.Helper()
	if got := files["etc/alpine-release"]; got != "3.20.3\n" {
		t.Errorf("etc/alpine-release = %q, want 3.20.3", got)
	}
	if db, ok := files["lib/apk/db/installed"]; !ok || !strings.Contains(db, "\nP:musl\n") {
		t.Errorf("lib/apk/db/installed missing or without musl (present: %v)", ok)
	}
}

// dockerConfig writes a docker config.json with basic credentials for
// the given hosts (host → "user:password") into a new directory and points
// DOCKER_CONFIG at it for the rest of the test, as authn.DefaultKeychain
// reads it.
func dockerConfig(t *testing.T, creds map[string]string) {
	t.Helper()
	auths := map[string]any{}
	for host, up := range creds {
		auths[host] = map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(up))}
	}
	b, err := json.Marshal(map[string]any{"auths": auths})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
}

func TestRegistryPull(t *testing.T) {
	reg := requireRegistry(t)
	img := alpineImage(t)
	repo := reg + "/lading-test/alpine"
	tag := uniqueTag(t)
	digest := push(t, repo+":"+tag, img)
	cfgName, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	dockerConfig(t, nil)

	got := openOpts(t, "registry:"+repo+":"+tag, source.Options{})
	if got.Kind != source.KindRegistry {
		t.Errorf("kind = %s, want %s", got.Kind, source.KindRegistry)
	}
	if got.Name != repo+":"+tag {
		t.Errorf("name = %s", got.Name)
	}
	if got.Digest != digest.String() {
		t.Errorf("digest = %s, pushed %s", got.Digest, digest)
	}
	if got.ImageID != cfgName.String() {
		t.Errorf("image id = %s, want %s", got.ImageID, cfgName)
	}
	checkAlpine(t, onlyLayerFiles(t, got))

	// By digest, the same image.
	byDigest := openOpts(t, "registry:"+repo+"@"+digest.String(), source.Options{})
	if byDigest.ImageID != got.ImageID || byDigest.Digest != got.Digest {
		t.Errorf("by digest: %s %s, by tag %s %s", byDigest.Digest, byDigest.ImageID, got.Digest, got.ImageID)
	}
	// The layer blob is the fixture's bytes, checked against the digest.
	layers, err := byDigest.Image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := layers[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	blob, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(alpineRootfs(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(blob, want) {
		t.Errorf("layer blob: %d bytes differ from the %d-byte minirootfs", len(blob), len(want))
	}

	// A tag that is not there.
	_, err = source.Open(context.Background(), "registry:"+repo+":absent-"+tag, source.Options{TempDir: t.TempDir()})
	var terr *transport.Error
	if !errors.As(err, &terr) || terr.StatusCode != http.StatusNotFound {
		t.Errorf("absent tag: got %v, want a 404 from the registry", err)
	}
}

// An image written by another tool: skopeo copies a docker save archive to
// the registry as an OCI manifest.
func TestRegistryPullSkopeoOCI(t *testing.T) {
	reg := requireRegistry(t)
	_, err := exec.LookPath("skopeo")
	testutil.Require(t, err == nil, "skopeo not installed (.ci/run installs it)")
	archive := filepath.Join(t.TempDir(), "alpine.tar")
	tag, err := name.NewTag("lading-test/alpine-archive:latest")
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(archive, tag, alpineImage(t)); err != nil {
		t.Fatal(err)
	}
	ref := reg + "/lading-test/alpine-skopeo:" + uniqueTag(t)
	cmd := exec.Command("skopeo", "--insecure-policy", "copy", "--quiet", "--format", "oci", "--dest-tls-verify=false",
		"docker-archive:"+archive, "docker://"+ref)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy: %v\n%s", err, out)
	}
	dockerConfig(t, nil)
	img := openOpts(t, "registry:"+ref, source.Options{})
	mt, err := img.Image.MediaType()
	if err != nil {
		t.Fatal(err)
	}
	if mt != types.OCIManifestSchema1 {
		t.Errorf("media type = %s, want an OCI manifest", mt)
	}
	checkAlpine(t, onlyLayerFiles(t, img))
}

func TestRegistryIndexPlatform(t *testing.T) {
	reg := requireRegistry(t)
	dockerConfig(t, nil)
	platforms := []string{"linux/amd64", "linux/arm64/v8"}
	for _, tc := range []struct {
		name string
		oci  bool
	}{{"oci-index", true}, {"docker-manifest-list", false}} {
		t.Run(tc.name, func(t *testing.T) {
			idxType := types.DockerManifestList
			if tc.oci {
				idxType = types.OCIImageIndex
			}
			idx := mutate.IndexMediaType(empty.Index, idxType)
			want := map[string]v1.Hash{}
			for _, p := range platforms {
				img := imageOf(t, p, tc.oci, tarLayer(t, map[string]string{"etc/lading-platform": p}))
				d, err := img.Digest()
				if err != nil {
					t.Fatal(err)
				}
				want[p] = d
				plat, _ := v1.ParsePlatform(p)
				idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: plat}})
			}
			ref := reg + "/lading-test/multi:" + uniqueTag(t)
			r, err := name.ParseReference(ref)
			if err != nil {
				t.Fatal(err)
			}
			if err := remote.WriteIndex(r, idx); err != nil {
				t.Fatalf("pushing index: %v", err)
			}

			for _, tc := range []struct{ platform, want string }{
				{"linux/amd64", "linux/amd64"},
				{"linux/arm64", "linux/arm64/v8"}, // no variant asked: any variant
				{"linux/arm64/v8", "linux/arm64/v8"},
			} {
				img := openOpts(t, "registry:"+ref, source.Options{Platform: tc.platform})
				if img.Digest != want[tc.want].String() {
					t.Errorf("platform %s: digest %s, want the %s image %s", tc.platform, img.Digest, tc.want, want[tc.want])
				}
				cfg, err := img.Image.ConfigFile()
				if err != nil {
					t.Fatal(err)
				}
				if got := cfg.Platform().String(); got != tc.want {
					t.Errorf("platform %s: config says %s", tc.platform, got)
				}
				if got := onlyLayerFiles(t, img)["etc/lading-platform"]; got != tc.want {
					t.Errorf("platform %s: layer says %q", tc.platform, got)
				}
			}

			// No platform: this machine's architecture (linux/GOARCH).
			img := openOpts(t, "registry:"+ref, source.Options{})
			wantDefault := map[string]string{"amd64": "linux/amd64", "arm64": "linux/arm64/v8"}[runtime.GOARCH]
			if wantDefault != "" && img.Digest != want[wantDefault].String() {
				t.Errorf("default platform on %s: digest %s, want %s", runtime.GOARCH, img.Digest, want[wantDefault])
			}

			// A platform the index lacks.
			_, err = source.Open(context.Background(), "registry:"+ref, source.Options{Platform: "linux/s390x", TempDir: t.TempDir()})
			if err == nil || !strings.Contains(err.Error(), "s390x") {
				t.Errorf("absent platform: got %v, want an error naming linux/s390x", err)
			}
		})
	}
}

func TestRegistryBasicAuth(t *testing.T) {
	reg := os.Getenv("LADING_AUTH_REGISTRY")
	user, pass := os.Getenv("LADING_AUTH_REGISTRY_USER"), os.Getenv("LADING_AUTH_REGISTRY_PASSWORD")
	testutil.Require(t, reg != "" && user != "" && pass != "",
		"LADING_AUTH_REGISTRY, LADING_AUTH_REGISTRY_USER and LADING_AUTH_REGISTRY_PASSWORD are not set (.ci/run sets them)")
	ref := reg + "/lading-test/private:" + uniqueTag(t)
	digest := push(t, ref, alpineImage(t), remote.WithAuth(&authn.Basic{Username: user, Password: pass}))

	t.Run("config.json", func(t *testing.T) {
		dockerConfig(t, map[string]string{reg: user + ":" + pass})
		img := openOpts(t, "registry:"+ref, source.Options{})
		if img.Digest != digest.String() {
			t.Errorf("digest = %s, pushed %s", img.Digest, digest)
		}
		checkAlpine(t, onlyLayerFiles(t, img))
	})
	t.Run("explicit keychain", func(t *testing.T) {
		dockerConfig(t, nil)
		kc := staticKeychain{reg: &authn.Basic{Username: user, Password: pass}}
		img := openOpts(t, "registry:"+ref, source.Options{Keychain: kc})
		if img.Digest != digest.String() {
			t.Errorf("digest = %s, pushed %s", img.Digest, digest)
		}
	})
	for _, tc := range []struct {
		name  string
		creds map[string]string
	}{
		{"no credentials", nil},
		{"wrong password", map[string]string{reg: user + ":not-" + pass}},
		{"credentials for another host", map[string]string{"127.0.0.1:1": user + ":" + pass}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dockerConfig(t, tc.creds)
			_, err := source.Open(context.Background(), "registry:"+ref, source.Options{TempDir: t.TempDir()})
			var terr *transport.Error
			if !errors.As(err, &terr) || terr.StatusCode != http.StatusUnauthorized {
				t.Errorf("got %v, want a 401 from the registry", err)
			}
		})
	}
}

// staticKeychain serves fixed credentials per registry host.
type staticKeychain map[string]authn.Authenticator

func (k staticKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if a, ok := k[r.RegistryStr()]; ok {
		return a, nil
	}
	return authn.Anonymous, nil
}

// tokenFront is a registry front with Docker's token auth: it answers 401
// with a Bearer challenge, issues tokens at /token for the right basic
// credentials, and reverse-proxies requests bearing a token to upstream.
type tokenFront struct {
	srv        *httptest.Server
	user, pass string

	mu      sync.Mutex
	tokens  map[string]string // token → scope it was issued for
	issued  int
	refused int
	scopes  []string
	proxied int
}

func newTokenFront(t *testing.T, upstream string) *tokenFront {
	t.Helper()
	f := &tokenFront{user: "token-user", pass: "token-" + uniqueTag(t), tokens: map[string]string{}}
	u, err := url.Parse("http://" + upstream)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			f.token(w, r)
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/v2/") {
			http.NotFound(w, r)
			return
		}
		scope := ""
		if repo := repoOf(r.URL.Path); repo != "" {
			scope = "repository:" + repo + ":pull"
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		f.mu.Lock()
		granted, known := f.tokens[tok]
		f.mu.Unlock()
		if !ok || !known || (scope != "" && granted != scope) {
			challenge := fmt.Sprintf(`Bearer realm="%s/token",service="test"`, f.srv.URL)
			if scope != "" {
				challenge += fmt.Sprintf(`,scope="%s"`, scope)
			}
			w.Header().Set("WWW-Authenticate", challenge)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
			return
		}
		r.Header.Del("Authorization")
		f.mu.Lock()
		f.proxied++
		f.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *tokenFront) host() string { return strings.TrimPrefix(f.srv.URL, "http://") }

func (f *tokenFront) token(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	user, pass, ok := r.BasicAuth()
	if !ok || user != f.user || pass != f.pass || r.URL.Query().Get("service") != "test" {
		f.refused++
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}`)
		return
	}
	scope := r.URL.Query().Get("scope")
	f.scopes = append(f.scopes, scope)
	b := make([]byte, 16)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	f.tokens[tok] = scope
	f.issued++
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"token": tok, "access_token": tok, "expires_in": 300})
}

// repoOf returns the repository named by a /v2/<repo>/{manifests,blobs,tags}/
// path, or "" for the API root.
func repoOf(p string) string {
	rest := strings.TrimPrefix(p, "/v2/")
	for _, sep := range []string{"/manifests/", "/blobs/", "/tags/"} {
		if i := strings.LastIndex(rest, sep); i > 0 {
			return rest[:i]
		}
	}
	return ""
}

func TestRegistryBearerToken(t *testing.T) {
	reg := requireRegistry(t)
	img := alpineImage(t)
	tag := uniqueTag(t)
	digest := push(t, reg+"/lading-test/bearer:"+tag, img)
	front := newTokenFront(t, reg)
	ref := "registry:" + front.host() + "/lading-test/bearer:" + tag

	t.Run("token for basic credentials", func(t *testing.T) {
		dockerConfig(t, map[string]string{front.host(): front.user + ":" + front.pass})
		got := openOpts(t, ref, source.Options{})
		if got.Digest != digest.String() {
			t.Errorf("digest = %s, pushed %s", got.Digest, digest)
		}
		checkAlpine(t, onlyLayerFiles(t, got))
		front.mu.Lock()
		defer front.mu.Unlock()
		if front.issued == 0 || front.proxied == 0 {
			t.Errorf("issued %d tokens, proxied %d requests", front.issued, front.proxied)
		}
		for _, s := range front.scopes {
			if s != "repository:lading-test/bearer:pull" {
				t.Errorf("token asked for scope %q", s)
			}
		}
	})
	for _, tc := range []struct {
		name  string
		creds map[string]string
	}{
		{"no credentials", nil},
		{"wrong password", map[string]string{front.host(): front.user + ":wrong"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dockerConfig(t, tc.creds)
			front.mu.Lock()
			refused := front.refused
			front.mu.Unlock()
			_, err := source.Open(context.Background(), ref, source.Options{TempDir: t.TempDir()})
			if err == nil {
				t.Fatal("opened without a token")
			}
			var terr *transport.Error
			if !errors.As(err, &terr) || terr.StatusCode != http.StatusUnauthorized {
				t.Errorf("got %v, want a 401", err)
			}
			front.mu.Lock()
			defer front.mu.Unlock()
			if front.refused == refused {
				t.Errorf("the token endpoint was not asked")
			}
		})
	}
}

// sameSizeGzip returns l's gzip blob followed by a stored gzip member of
// zeros (tar padding) so that the whole is size bytes: a valid layer of
// another digest.
func sameSizeGzip(t *testing.T, l v1.Layer, size int64) []byte {
	t.Helper()
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	first, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	pad := size - int64(len(first)) - 64
	for i := 0; i < 20 && pad >= 0; i++ {
		var buf bytes.Buffer
		buf.Write(first)
		zw, err := gzip.NewWriterLevel(&buf, gzip.NoCompression)
		if err != nil {
			t.Fatal(err)
		}
		zw.Write(make([]byte, pad))
		zw.Close()
		if int64(buf.Len()) == size {
			return buf.Bytes()
		}
		pad += size - int64(buf.Len())
	}
	t.Fatalf("could not pad a %d-byte gzip to %d bytes", len(first), size)
	return nil
}

// tamperFront reverse-proxies to upstream and rewrites the body of GETs for
// one blob.
func tamperFront(t *testing.T, upstream string, blob v1.Hash, rewrite func(*http.Response) error) *httptest.Server {
	t.Helper()
	u, err := url.Parse("http://" + upstream)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method == http.MethodGet && resp.StatusCode == http.StatusOK &&
			strings.HasSuffix(resp.Request.URL.Path, "/blobs/"+blob.String()) {
			return rewrite(resp)
		}
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv
}

func TestRegistryCorruptedBlob(t *testing.T) {
	reg := requireRegistry(t)
	dockerConfig(t, nil)
	img := alpineImage(t)
	tag := uniqueTag(t)
	push(t, reg+"/lading-test/corrupt:"+tag, img)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	layerDigest, err := layers[0].Digest()
	if err != nil {
		t.Fatal(err)
	}
	size, err := layers[0].Size()
	if err != nil {
		t.Fatal(err)
	}
	// Another valid gzip tar of the same size, to serve in place of the
	// real layer: only its digest tells it apart.
	other := tarLayer(t, map[string]string{"etc/alpine-release": "6.6.6\n", "lib/apk/db/installed": "P:evil\nV:1\n\n"})
	otherBlob := sameSizeGzip(t, other, size)
	otherDigest, _, err := v1.SHA256(bytes.NewReader(otherBlob))
	if err != nil {
		t.Fatal(err)
	}
	if otherDigest == layerDigest || int64(len(otherBlob)) != size {
		t.Fatalf("substitute blob: %s, %d bytes", otherDigest, len(otherBlob))
	}

	for _, tc := range []struct {
		name    string
		tarErr  string // what reading the tar must fail with
		rewrite func(*http.Response) error
	}{
		{"one byte flipped", "", func(resp *http.Response) error {
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			b[len(b)/2] ^= 0x01
			resp.Body = io.NopCloser(bytes.NewReader(b))
			return nil
		}},
		{"another layer's bytes", "checksum", func(resp *http.Response) error {
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(otherBlob))
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			front := tamperFront(t, reg, layerDigest, tc.rewrite)
			ref := "registry:" + strings.TrimPrefix(front.URL, "http://") + "/lading-test/corrupt:" + tag

			// The compressed stream fails its digest check at its end.
			got := openOpts(t, ref, source.Options{})
			ls, err := got.Image.Layers()
			if err != nil {
				t.Fatal(err)
			}
			rc, err := ls[0].Compressed()
			if err == nil {
				_, err = io.Copy(io.Discard, rc)
				rc.Close()
			}
			if err == nil || !strings.Contains(err.Error(), "checksum") || !strings.Contains(err.Error(), layerDigest.String()) {
				t.Errorf("reading the compressed layer: got %v, want a checksum error naming %s", err, layerDigest)
			}
			t.Logf("compressed: %v", err)

			// Read as the scanner reads it: the tar, then the rest.
			rc, err = ls[0].Uncompressed()
			if err == nil {
				_, err = readTar(rc)
				rc.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tc.tarErr) {
				t.Errorf("reading the layer as a tar: got %v for a blob that does not match %s, want an error with %q", err, layerDigest, tc.tarErr)
			}
			t.Logf("as a tar: %v", err)
		})
	}
}
