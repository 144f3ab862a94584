package hostile_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/scan"
)

// bombLayer is a gzip layer of a few megabytes that inflates to a tar
// holding one file of size bytes of zeros. It is built from one compressed
// mebibyte of zeros repeated as gzip members (readers join members), so
// making it costs nothing and reading it costs only what is inflated.
type bombLayer struct {
	size int64
	gz   []byte // the whole compressed stream
}

func newBomb(t testing.TB, size int64) *bombLayer {
	t.Helper()
	var head bytes.Buffer
	tw := tar.NewWriter(&head)
	if err := tw.WriteHeader(&tar.Header{Name: "zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: size}); err != nil {
		t.Fatal(err)
	}
	tw.Flush()
	member := gz(t, make([]byte, 1<<20))
	var all bytes.Buffer
	all.Write(gz(t, head.Bytes()))
	for i := int64(0); i < size>>20+1; i++ {
		all.Write(member)
	}
	return &bombLayer{size: size, gz: all.Bytes()}
}

func (b *bombLayer) Digest() (v1.Hash, error) {
	return v1.NewHash("sha256:" + strings.TrimPrefix(sha(b.gz), "sha256:"))
}
func (b *bombLayer) DiffID() (v1.Hash, error) {
	// Computing the real one would mean inflating the bomb.
	return v1.NewHash("sha256:" + strings.Repeat("b", 64))
}
func (b *bombLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(b.gz)), nil
}
func (b *bombLayer) Uncompressed() (io.ReadCloser, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b.gz))
	if err != nil {
		return nil, err
	}
	return zr, nil
}
func (b *bombLayer) Size() (int64, error)                { return int64(len(b.gz)), nil }
func (b *bombLayer) MediaType() (types.MediaType, error) { return types.DockerLayer, nil }

// A gzip bomb: a layer of about 10 MB that inflates to 10 GiB. The
// inflated-bytes limit per layer (Limits.MaxLayerBytes, default 64 GiB)
// stops it; the test lowers the limit to 64 MiB so that it runs fast, and
// expects an error naming the layer and the limit.
func TestGzipBomb(t *testing.T) {
	bomb := newBomb(t, 10<<30)
	if len(bomb.gz) > 16<<20 {
		t.Fatalf("the bomb is %d bytes compressed", len(bomb.gz))
	}
	img, err := mutate.AppendLayers(empty.Image, bomb)
	if err != nil {
		t.Fatal(err)
	}
	// A registry or layout layer is inflated by the scan from its blob, an
	// archive's through Uncompressed: both paths meet the limit.
	for _, kind := range []string{source.KindRegistry, source.KindDockerArchive} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		start := time.Now()
		_, err = scan.Run(ctx, &source.Image{Kind: kind, Image: img},
			scan.Options{TempDir: t.TempDir(), Limits: layer.Limits{MaxLayerBytes: 64 << 20}})
		cancel()
		if !errors.Is(err, layer.ErrLayerTooLarge) || !strings.Contains(err.Error(), "layer 1 (sha256:bbbb") || !strings.Contains(err.Error(), "67108864") {
			t.Fatalf("%s: scanning a gzip bomb: got %v, want an error naming layer 1 and the 64 MiB limit", kind, err)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("%s: stopping the bomb took %v", kind, d)
		}
	}
	if layer.DefaultLimits.MaxLayerBytes != 64<<30 {
		t.Errorf("default MaxLayerBytes is %d, the README says 64 GiB", layer.DefaultLimits.MaxLayerBytes)
	}
}

// Bytes after the tar end marker count too: a small tar followed by a
// stream of zeros is stopped at the same limit.
func TestBombAfterEndMarker(t *testing.T) {
	tr := layer.NewTree(layer.Limits{MaxLayerBytes: 1 << 20})
	defer tr.Close()
	body := io.MultiReader(bytes.NewReader(tarBytes(t, file("etc/os-release", alpineRelease))), io.LimitReader(zeros{}, 1<<30))
	_, err := tr.Apply(context.Background(), 0, body, func(string) bool { return true })
	if !errors.Is(err, layer.ErrLayerTooLarge) {
		t.Fatalf("zeros after the end marker: got %v, want ErrLayerTooLarge", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// The whole scan honours cancellation: a layer that never ends is
// abandoned when the context is done.
func TestScanHonoursCancellation(t *testing.T) {
	img, err := mutate.AppendLayers(empty.Image, &endlessLayer{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		// An archive's layers are read through Uncompressed.
		_, err := scan.Run(ctx, &source.Image{Kind: source.KindDockerArchive, Image: img}, scan.Options{TempDir: t.TempDir()})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want the context's deadline", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the scan did not stop after its context's deadline")
	}
}

// endlessLayer is a tar stream of ever more small files.
type endlessLayer struct{ bombLayer }

func (*endlessLayer) Uncompressed() (io.ReadCloser, error) {
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		for i := 0; ; i++ {
			if err := tw.WriteHeader(&tar.Header{Name: "f", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644}); err != nil {
				return
			}
			if _, err := tw.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	return pr, nil
}

// Truncated gzip and tar streams in a docker archive: an error naming the
// layer, exit 2.
func TestTruncatedLayers(t *testing.T) {
	s := newSandbox(t)
	whole := tarBytes(t, file("etc/os-release", alpineRelease), file("big", strings.Repeat("y", 10000)))
	cut := whole[:3000]
	o := s.scanFails(t, context.Background(), "docker-archive:"+rawArchive(t, []string{sha(cut)}, cut))
	if !strings.Contains(o.stderr, "layer 1 ("+sha(cut)+")") || !strings.Contains(o.stderr, "unexpected EOF") {
		t.Errorf("truncated tar: %s", o.stderr)
	}
	z := gz(t, whole)
	zcut := z[:len(z)/2]
	o = s.scanFails(t, context.Background(), "docker-archive:"+rawArchive(t, []string{sha(whole)}, zcut))
	if !strings.Contains(o.stderr, "layer 1 (") || !strings.Contains(o.stderr, "unexpected EOF") {
		t.Errorf("truncated gzip: %s", o.stderr)
	}
}

// A docker archive whose config's diff_ids do not match its layers: an
// error naming the digest the layer should have had.
func TestArchiveDigestMismatch(t *testing.T) {
	s := newSandbox(t)
	real := tarBytes(t, file("etc/os-release", alpineRelease))
	claimed := sha([]byte("something else"))
	o := s.scanFails(t, context.Background(), "docker-archive:"+rawArchive(t, []string{claimed}, real))
	if !strings.Contains(o.stderr, claimed) || !strings.Contains(o.stderr, "digest mismatch") {
		t.Errorf("mismatched diff_id: %s", o.stderr)
	}
}

// The same with gzip layers, whose diff IDs go-containerregistry computes
// from their contents rather than take from the config: a layer claiming
// another layer's diff ID is an error, and can neither take that layer's
// cached results nor leave its own under that layer's name.
func TestArchiveGzipDigestMismatch(t *testing.T) {
	honest := tarBytes(t, file("etc/os-release", alpineRelease))
	other := tarBytes(t, file("etc/os-release", strings.ReplaceAll(alpineRelease, "3.20.3", "3.19.1")))
	good := rawArchive(t, []string{sha(honest)}, gz(t, honest))
	lying := rawArchive(t, []string{sha(honest)}, gz(t, other))

	s := newSandbox(t)
	want := s.scanOK(t, "docker-archive:"+good)
	o := s.scanFails(t, context.Background(), "docker-archive:"+lying)
	if !strings.Contains(o.stderr, sha(honest)) || !strings.Contains(o.stderr, "digest mismatch") {
		t.Errorf("gzip layer with another layer's diff_id, after that layer was cached: %s", o.stderr)
	}

	s = newSandbox(t)
	s.scanFails(t, context.Background(), "docker-archive:"+lying)
	got := s.scanOK(t, "docker-archive:"+good)
	if got.Target.OS == nil || want.Target.OS == nil || got.Target.OS.Version != want.Target.OS.Version || got.Target.OS.Version != "3.20.3" {
		t.Errorf("honest archive after a lying one: OS %+v, want %+v", got.Target.OS, want.Target.OS)
	}
}

// A docker archive whose first layer is a plain tar and whose second is
// gzip (go-containerregistry judges them all by the first): the second is
// inflated and checked against its diff ID, and one that lies about it is
// reported with the hash of its contents, not of its gzip bytes.
func TestArchiveMixedCompression(t *testing.T) {
	base := tarBytes(t, file("etc/os-release", alpineRelease))
	top := tarBytes(t, dir("srv/"), file("srv/package-lock.json", `{"name":"x","lockfileVersion":3,"packages":{"":{"name":"x"},"node_modules/left-pad":{"version":"1.3.0"}}}`))
	s := newSandbox(t)
	r := s.scanOK(t, "docker-archive:"+rawArchive(t, []string{sha(base), sha(top)}, base, gz(t, top)))
	if got := packageNames(r); len(got) != 1 || got[0] != "npm:left-pad@1.3.0" {
		t.Errorf("packages of a plain-then-gzip archive: %v", got)
	}
	other := sha([]byte("another layer"))
	o := s.scanFails(t, context.Background(), "docker-archive:"+rawArchive(t, []string{sha(base), other}, base, gz(t, top)))
	if !strings.Contains(o.stderr, "content hashes to "+sha(top)) || !strings.Contains(o.stderr, other) || !strings.Contains(o.stderr, "digest mismatch") {
		t.Errorf("lying gzip layer after a plain one: %s", o.stderr)
	}
}

// Two layers claiming one diff ID: go-containerregistry would read the
// first one's file for both, hiding the second; each is read from its own
// file, so the lie is a digest mismatch, and true duplicates still scan.
func TestArchiveDuplicateDiffIDs(t *testing.T) {
	base := tarBytes(t, file("etc/os-release", alpineRelease))
	top := tarBytes(t, dir("srv/"), file("srv/package-lock.json", `{"name":"x","lockfileVersion":3,"packages":{"":{"name":"x"},"node_modules/left-pad":{"version":"1.3.0"}}}`))
	s := newSandbox(t)
	for _, layers := range [][][]byte{{base, top}, {base, gz(t, top)}} {
		o := s.scanFails(t, context.Background(), "docker-archive:"+rawArchive(t, []string{sha(base), sha(base)}, layers...))
		if !strings.Contains(o.stderr, "content hashes to "+sha(top)) || !strings.Contains(o.stderr, "digest mismatch") {
			t.Errorf("second layer claiming the first one's diff ID: %s", o.stderr)
		}
	}
	r := s.scanOK(t, "docker-archive:"+rawArchive(t, []string{sha(base), sha(top), sha(top)}, base, top, top))
	if got := packageNames(r); len(got) != 1 || got[0] != "npm:left-pad@1.3.0" {
		t.Errorf("packages of an archive with a layer twice: %v", got)
	}
}

// An OCI layout with a corrupted blob (same size, other bytes): an error
// naming the blob's digest.
func TestLayoutCorruptBlob(t *testing.T) {
	s := newSandbox(t)
	l := alpineBase(t)
	d := ociLayout(t, imageOf(t, l))
	dg, err := l.Digest()
	if err != nil {
		t.Fatal(err)
	}
	blob := filepath.Join(d, "blobs", "sha256", dg.Hex)
	b, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-10] ^= 0xff
	if err := os.WriteFile(blob, b, 0o644); err != nil {
		t.Fatal(err)
	}
	o := s.scanFails(t, context.Background(), "oci-layout:"+d)
	if !strings.Contains(o.stderr, dg.String()) {
		t.Errorf("corrupted layout blob: %s", o.stderr)
	}
}

// An OCI layout whose manifest or config blob does not hash to the digest
// that names it, or is named by a digest lading cannot check: an error
// naming the digest.
func TestLayoutManifestAndConfigDigests(t *testing.T) {
	s := newSandbox(t)
	img := imageOf(t, alpineBase(t))
	cfgName, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	manDigest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("config", func(t *testing.T) {
		d := ociLayout(t, img)
		p := filepath.Join(d, "blobs", "sha256", cfgName.Hex)
		b, _ := os.ReadFile(p)
		os.WriteFile(p, bytes.Replace(b, []byte("amd64"), []byte("arm64"), 1), 0o644)
		o := s.scanFails(t, context.Background(), "oci-layout:"+d)
		if !strings.Contains(o.stderr, cfgName.String()) {
			t.Errorf("corrupted config: %s", o.stderr)
		}
	})
	t.Run("manifest", func(t *testing.T) {
		d := ociLayout(t, img)
		p := filepath.Join(d, "blobs", "sha256", manDigest.Hex)
		b, _ := os.ReadFile(p)
		os.WriteFile(p, append(b, ' '), 0o644)
		o := s.scanFails(t, context.Background(), "oci-layout:"+d)
		if !strings.Contains(o.stderr, manDigest.String()) {
			t.Errorf("corrupted manifest: %s", o.stderr)
		}
	})
	t.Run("unchecked algorithm", func(t *testing.T) {
		// The manifest is moved under a sha512 name that does not match
		// it; lading checks only sha256, so the name must be refused, not
		// trusted.
		d := ociLayout(t, img)
		b, err := os.ReadFile(filepath.Join(d, "blobs", "sha256", manDigest.Hex))
		if err != nil {
			t.Fatal(err)
		}
		fake := strings.Repeat("ab", 64)
		os.MkdirAll(filepath.Join(d, "blobs", "sha512"), 0o755)
		os.WriteFile(filepath.Join(d, "blobs", "sha512", fake), append(b, []byte("\n\n")...), 0o644)
		idx, _ := os.ReadFile(filepath.Join(d, "index.json"))
		idx = bytes.Replace(idx, []byte(manDigest.String()), []byte("sha512:"+fake), 1)
		os.WriteFile(filepath.Join(d, "index.json"), idx, 0o644)
		o := s.scanFails(t, context.Background(), "oci-layout:"+d)
		if !strings.Contains(o.stderr, "sha512:"+fake) {
			t.Errorf("a manifest named by sha512: %s", o.stderr)
		}
	})
}
