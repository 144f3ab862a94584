package oci_test

// These tests run against the real registries .ci/run starts (Debian's
// docker-registry on $LADING_REGISTRY, anonymous, and on
// $LADING_AUTH_REGISTRY with basic auth), with databases built from the
// shared vulndata.

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/advisory/oci"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/internal/testutil"
)

func requireRegistry(t *testing.T) string {
	t.Helper()
	reg := os.Getenv("LADING_REGISTRY")
	testutil.Require(t, reg != "", "LADING_REGISTRY is not set: run .ci/run --setup-only and source its env file for a local registry")
	return reg
}

// noCreds points the keychain at an empty docker config.
func noCreds(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"auths":{}}`), 0o600)
	t.Setenv("DOCKER_CONFIG", dir)
}

func uniqueTag(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "t" + hex.EncodeToString(b)
}

var (
	smallOnce sync.Once
	smallDB   string
	smallErr  error
)

// small builds, once, a database from a subset of the shared vulndata:
// the Alpine 3.20 secdb subset and the npm GHSA subset.
func small(t *testing.T) string {
	t.Helper()
	vd := testutil.Shared(t, "vulndata")
	smallOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lading-oci-test-")
		if err != nil {
			smallErr = err
			return
		}
		smallDB = filepath.Join(dir, "lading.db")
		_, smallErr = build.Build(context.Background(), smallDB,
			[]string{filepath.Join(vd, "alpine-secdb", "v3.20"), filepath.Join(vd, "osv", "npm")}, build.Options{})
	})
	if smallErr != nil {
		t.Fatal(smallErr)
	}
	return smallDB
}

func TestMain(m *testing.M) {
	code := m.Run()
	if smallDB != "" {
		os.RemoveAll(filepath.Dir(smallDB))
	}
	os.Exit(code)
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A pushed database comes back byte for byte, its manifest is the
// artifact described in the package doc, and pulling it over an existing
// database replaces that one.
func TestPushPullRoundTrip(t *testing.T) {
	reg := requireRegistry(t)
	noCreds(t)
	db := small(t)
	ref := reg + "/lading-test/oci-db:" + uniqueTag(t)
	ctx := context.Background()

	var pushed []transferred
	res, err := oci.Push(ctx, db, ref, oci.Options{TempDir: t.TempDir(), Progress: record(&pushed)})
	if err != nil {
		t.Fatal(err)
	}
	checkTransfer(t, "push", pushed, res.Size)
	if res.Metadata.SchemaVersion != store.SchemaVersion || len(res.Metadata.Sources) == 0 {
		t.Errorf("pushed metadata %+v", res.Metadata)
	}

	r, _ := name.ParseReference(ref)
	desc, err := remote.Get(r)
	if err != nil {
		t.Fatal(err)
	}
	if desc.MediaType != types.OCIManifestSchema1 || desc.Digest.String() != res.Digest {
		t.Errorf("manifest %s %s, push said %s", desc.MediaType, desc.Digest, res.Digest)
	}
	var mf v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &mf); err != nil {
		t.Fatal(err)
	}
	if mf.ArtifactType != oci.ArtifactType || mf.Config.MediaType != oci.ConfigMediaType ||
		len(mf.Layers) != 1 || mf.Layers[0].MediaType != oci.LayerMediaType {
		t.Errorf("manifest:\n%s", desc.Manifest)
	}
	raw := readFile(t, db)
	if got := mf.Layers[0].Annotations[oci.AnnotationDBSize]; got != strconv.Itoa(len(raw)) {
		t.Errorf("size annotation %q, file is %d bytes", got, len(raw))
	}
	dg, _, _ := v1.SHA256(bytes.NewReader(raw))
	if got := mf.Layers[0].Annotations[oci.AnnotationDBDigest]; got != dg.String() {
		t.Errorf("digest annotation %q, file is %s", got, dg)
	}
	if mf.Layers[0].Size >= int64(len(raw))/3 {
		t.Errorf("layer is %d bytes for a %d-byte database: not compressed?", mf.Layers[0].Size, len(raw))
	}

	// The config is the database's metadata.
	cl, _ := remote.Layer(r.Context().Digest(mf.Config.Digest.String()))
	rc, err := cl.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	var meta advisory.Metadata
	if err := json.NewDecoder(rc).Decode(&meta); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := s.Metadata(ctx)
	s.Close()
	if meta.SchemaVersion != want.SchemaVersion || !meta.Built.Equal(want.Built) || len(meta.Sources) != len(want.Sources) {
		t.Errorf("config %+v, database %+v", meta, want)
	}

	dir := t.TempDir()
	target := filepath.Join(dir, "sub", "lading.db")
	var pulled []transferred
	got, err := oci.Pull(ctx, ref, target, oci.Options{Progress: record(&pulled)})
	if err != nil {
		t.Fatal(err)
	}
	checkTransfer(t, "pull", pulled, res.Size)
	if !bytes.Equal(readFile(t, target), raw) {
		t.Fatal("pulled database differs from the pushed one")
	}
	if got.Digest != res.Digest || got.DBSize != int64(len(raw)) {
		t.Errorf("pull result %+v", got)
	}
	// Over an existing (different) file.
	os.WriteFile(target, []byte("old"), 0o644)
	if _, err := oci.Pull(ctx, ref, target, oci.Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readFile(t, target), raw) {
		t.Fatal("second pull did not replace the file")
	}
	if entries, _ := os.ReadDir(filepath.Dir(target)); len(entries) != 1 {
		t.Errorf("%d entries beside the database, want 1", len(entries))
	}
}

type transferred struct{ done, total int64 }

func record(to *[]transferred) func(done, total int64) {
	return func(done, total int64) { *to = append(*to, transferred{done, total}) }
}

// checkTransfer wants events from 0 to size, in order, all of size.
func checkTransfer(t *testing.T, what string, got []transferred, size int64) {
	t.Helper()
	if len(got) < 2 || got[0] != (transferred{0, size}) || got[len(got)-1] != (transferred{size, size}) {
		t.Errorf("%s progress: %d events, first %v, last %v; want from 0 to %d", what, len(got), got[:min(1, len(got))], got[max(0, len(got)-1):], size)
		return
	}
	for i := 1; i < len(got); i++ {
		if got[i].done < got[i-1].done || got[i].total != size {
			t.Errorf("%s progress: event %d %v after %v", what, i, got[i], got[i-1])
		}
	}
}

// Credentials come from the docker config: the basic-auth registry
// refuses an anonymous push and accepts one with config.json credentials.
func TestPushPullBasicAuth(t *testing.T) {
	reg := os.Getenv("LADING_AUTH_REGISTRY")
	user, pass := os.Getenv("LADING_AUTH_REGISTRY_USER"), os.Getenv("LADING_AUTH_REGISTRY_PASSWORD")
	testutil.Require(t, reg != "" && user != "" && pass != "", "LADING_AUTH_REGISTRY and its user and password are not set: run .ci/run --setup-only and source its env file")
	db := small(t)
	ref := reg + "/lading-test/oci-db:" + uniqueTag(t)
	ctx := context.Background()

	noCreds(t)
	_, err := oci.Push(ctx, db, ref, oci.Options{})
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Errorf("anonymous push: %v, want 401 Unauthorized", err)
	}

	dir := t.TempDir()
	cfg, _ := json.Marshal(map[string]any{"auths": map[string]any{
		reg: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))},
	}})
	os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o600)
	t.Setenv("DOCKER_CONFIG", dir)
	if _, err := oci.Push(ctx, db, ref, oci.Options{}); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "lading.db")
	if _, err := oci.Pull(ctx, ref, target, oci.Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readFile(t, target), readFile(t, db)) {
		t.Fatal("pulled database differs")
	}
}

// artifact describes a hand-made manifest to push.
type artifact struct {
	artifactType string
	config       []byte
	configType   types.MediaType
	layer        []byte
	layerType    types.MediaType
	annotations  map[string]string
}

func pushArtifact(t *testing.T, ref string, a artifact) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	cfg := static.NewLayer(a.config, a.configType)
	lay := static.NewLayer(a.layer, a.layerType)
	for _, l := range []v1.Layer{cfg, lay} {
		if err := remote.WriteLayer(r.Context(), l); err != nil {
			t.Fatal(err)
		}
	}
	cd, _ := cfg.Digest()
	ld, _ := lay.Digest()
	mf := v1.Manifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: a.artifactType,
		Config: v1.Descriptor{MediaType: a.configType, Size: int64(len(a.config)), Digest: cd},
		Layers: []v1.Descriptor{{MediaType: a.layerType, Size: int64(len(a.layer)), Digest: ld, Annotations: a.annotations}},
	}
	raw, _ := json.Marshal(mf)
	if err := remote.Put(r, rawManifest(raw)); err != nil {
		t.Fatal(err)
	}
}

type rawManifest []byte

func (m rawManifest) RawManifest() ([]byte, error)        { return m, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// Pull refuses what is not a database it reads, before writing anything,
// and reads a gzip layer too.
func TestPullRefuses(t *testing.T) {
	reg := requireRegistry(t)
	noCreds(t)
	db := small(t)
	raw := readFile(t, db)
	ctx := context.Background()
	s, _ := store.Open(db)
	meta, _ := s.Metadata(ctx)
	s.Close()
	cfg, _ := json.Marshal(meta)
	future := *meta
	future.SchemaVersion = store.SchemaVersion + 1
	futureCfg, _ := json.Marshal(future)
	repo := reg + "/lading-test/oci-refuse"

	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	imgRef := repo + ":image-" + uniqueTag(t)
	r, _ := name.ParseReference(imgRef)
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	idx, err := random.Index(256, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	idxRef := repo + ":index-" + uniqueTag(t)
	ri, _ := name.ParseReference(idxRef)
	if err := remote.WriteIndex(ri, idx); err != nil {
		t.Fatal(err)
	}
	good := artifact{artifactType: oci.ArtifactType, config: cfg, configType: oci.ConfigMediaType,
		layer: gzipped(t, raw), layerType: oci.LayerMediaTypeGzip}

	cases := []struct {
		name string
		ref  string
		a    *artifact
		want error
		msg  string
	}{
		{"ordinary image", imgRef, nil, oci.ErrNotDatabase, "container image"},
		{"image index", idxRef, nil, oci.ErrNotDatabase, "image index"},
		{"newer schema", "", &artifact{artifactType: oci.ArtifactType, config: futureCfg, configType: oci.ConfigMediaType,
			layer: gzipped(t, raw), layerType: oci.LayerMediaTypeGzip}, store.ErrSchemaMismatch,
			"schema version " + strconv.Itoa(store.SchemaVersion+1) + ", and this lading reads version " + strconv.Itoa(store.SchemaVersion)},
		{"other artifact type", "", &artifact{artifactType: "application/vnd.example.sbom.v1", config: []byte("{}"),
			configType: "application/vnd.oci.empty.v1+json", layer: []byte("x"), layerType: "text/plain"}, oci.ErrNotDatabase, "application/vnd.example.sbom.v1"},
		{"not sqlite", "", &artifact{artifactType: oci.ArtifactType, config: cfg, configType: oci.ConfigMediaType,
			layer: gzipped(t, []byte("not a database")), layerType: oci.LayerMediaTypeGzip}, oci.ErrCorrupt, "does not open"},
		{"wrong uncompressed digest", "", &artifact{artifactType: oci.ArtifactType, config: cfg, configType: oci.ConfigMediaType,
			layer: gzipped(t, raw), layerType: oci.LayerMediaTypeGzip,
			annotations: map[string]string{oci.AnnotationDBDigest: "sha256:" + strings.Repeat("0", 64)}}, oci.ErrCorrupt, "decompresses to a file with digest"},
		{"wrong uncompressed size", "", &artifact{artifactType: oci.ArtifactType, config: cfg, configType: oci.ConfigMediaType,
			layer: gzipped(t, raw), layerType: oci.LayerMediaTypeGzip,
			annotations: map[string]string{oci.AnnotationDBSize: strconv.Itoa(len(raw) - 1)}}, oci.ErrCorrupt, "decompresses to more than"},
		{"gzip layer accepted", "", &good, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ref := tc.ref
			if tc.a != nil {
				ref = repo + ":" + uniqueTag(t)
				pushArtifact(t, ref, *tc.a)
			}
			dir := t.TempDir()
			target := filepath.Join(dir, "lading.db")
			os.WriteFile(target, []byte("previous"), 0o644)
			_, err := oci.Pull(ctx, ref, target, oci.Options{})
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(readFile(t, target), raw) {
					t.Error("pulled database differs")
				}
				return
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %v, want %v with %q", err, tc.want, tc.msg)
			}
			if string(readFile(t, target)) != "previous" {
				t.Error("the previous database was touched")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("%d entries left in the database directory", len(entries))
			}
			t.Logf("%v", err)
		})
	}
}

// A database that is not one this lading reads is not pushed.
func TestPushRefusesNonDatabase(t *testing.T) {
	reg := requireRegistry(t)
	noCreds(t)
	p := filepath.Join(t.TempDir(), "x.db")
	os.WriteFile(p, []byte("hello"), 0o644)
	_, err := oci.Push(context.Background(), p, reg+"/lading-test/oci-db:never", oci.Options{})
	if err == nil {
		t.Fatal("pushed a file that is not a database")
	}
	_, err = oci.Pull(context.Background(), reg+"/lading-test/oci-db:never", filepath.Join(t.TempDir(), "db"), oci.Options{})
	if err == nil || !strings.Contains(err.Error(), "MANIFEST_UNKNOWN") {
		t.Errorf("pull of a tag never pushed: %v", err)
	}
}
