package oci

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/internal/scratch"
)

// Pull downloads the database artifact at ref and installs it at dbPath.
//
// It reads the manifest and refuses anything but a lading database
// artifact (ErrNotDatabase), then reads the config and refuses a schema
// version other than store.SchemaVersion (store.ErrSchemaMismatch) before
// downloading the database. The layer is decompressed as it arrives into a
// temporary file in dbPath's directory; its digest and size, and the
// uncompressed file's digest and size, must match the manifest
// (ErrCorrupt), and the file must open with store.Open and pass SQLite's
// quick_check. Only then is it renamed over dbPath, so any failure leaves
// the previous database as it was. Temporary files a killed pull left in
// that directory are removed first.
func Pull(ctx context.Context, ref, dbPath string, opts Options) (*Result, error) {
	r, err := opts.parse(ref)
	if err != nil {
		return nil, err
	}
	ro := opts.remote(ctx)
	desc, err := remote.Get(r, ro...)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", r, err)
	}
	mf, err := checkManifest(desc)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", r, err)
	}
	meta, err := fetchConfig(r, mf.Config, ro)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", r, err)
	}
	if meta.SchemaVersion != store.SchemaVersion {
		return nil, fmt.Errorf("pull %s: the artifact holds a database of schema version %d, and this lading reads version %d; pull a tag pushed by a lading that writes version %d, or use a lading that reads version %d: %w",
			r, meta.SchemaVersion, store.SchemaVersion, store.SchemaVersion, meta.SchemaVersion, store.ErrSchemaMismatch)
	}

	maxSize := opts.MaxDBSize
	if maxSize <= 0 {
		maxSize = DefaultMaxDBSize
	}
	layer := mf.Layers[0]
	want, err := uncompressedFacts(layer, maxSize)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", r, err)
	}
	if layer.Size <= 0 || layer.Size > maxSize {
		return nil, fmt.Errorf("pull %s: layer size %d: %w", r, layer.Size, ErrCorrupt)
	}

	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(abs)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("pull: %w", err)
	}
	if removed, err := scratch.CleanStale(dir, pullTempPattern); err == nil {
		for _, p := range removed {
			logf(opts.Log, "removed %s, left by an interrupted pull\n", p)
		}
	}
	tmp, err := scratch.CreateTemp(dir, pullTempPattern)
	if err != nil {
		return nil, fmt.Errorf("pull: %w", err)
	}
	installed := false
	defer func() {
		if !installed {
			os.Remove(tmp.Name())
		}
		tmp.Close() // after the rename: the lock keeps CleanStale away until then
	}()

	if err := tmp.Chmod(0o644); err != nil {
		return nil, fmt.Errorf("pull: %w", err)
	}
	logf(opts.Log, "downloading %s (%d bytes)\n", layer.Digest, layer.Size)
	dbSize, err := download(r, layer, want, maxSize, tmp, ro, opts.Progress)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", r, err)
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("pull: %w", err)
	}
	got, err := verifyDB(ctx, tmp.Name())
	if err != nil {
		return nil, fmt.Errorf("pull %s: the downloaded database does not open: %v: %w", r, err, ErrCorrupt)
	}
	if got.SchemaVersion != meta.SchemaVersion || !got.Built.Equal(meta.Built) {
		return nil, fmt.Errorf("pull %s: the database (schema %d, built %s) is not the one the config describes (schema %d, built %s): %w",
			r, got.SchemaVersion, got.Built, meta.SchemaVersion, meta.Built, ErrCorrupt)
	}
	if err := os.Rename(tmp.Name(), abs); err != nil {
		return nil, fmt.Errorf("pull: replacing %s: %w", abs, err)
	}
	installed = true
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("pull: %w", err)
	}
	return &Result{Ref: r.Name(), Digest: desc.Digest.String(), Size: layer.Size, DBSize: dbSize, Metadata: *got}, nil
}

// checkManifest accepts an OCI image manifest whose artifact type (or,
// when it has none, config media type) is lading's, with one layer in a
// media type Pull reads.
func checkManifest(desc *remote.Descriptor) (*v1.Manifest, error) {
	switch desc.MediaType {
	case types.OCIManifestSchema1:
	case types.OCIImageIndex, types.DockerManifestList:
		return nil, fmt.Errorf("it holds an image index (%s), such as a multi-platform image: %w", desc.MediaType, ErrNotDatabase)
	case types.DockerManifestSchema2, types.DockerManifestSchema1, types.DockerManifestSchema1Signed:
		return nil, fmt.Errorf("it holds a Docker container image (%s): %w", desc.MediaType, ErrNotDatabase)
	default:
		return nil, fmt.Errorf("it holds a manifest of media type %q: %w", desc.MediaType, ErrNotDatabase)
	}
	var mf v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &mf); err != nil {
		return nil, fmt.Errorf("manifest: %v: %w", err, ErrNotDatabase)
	}
	kind := mf.ArtifactType
	if kind == "" {
		kind = string(mf.Config.MediaType)
	}
	if kind != ArtifactType && kind != ConfigMediaType {
		what := "an artifact of type " + strconv.Quote(kind)
		if mf.Config.MediaType == types.OCIConfigJSON || mf.Config.MediaType == types.DockerConfigJSON {
			what = "a container image (config " + string(mf.Config.MediaType) + ")"
		}
		return nil, fmt.Errorf("it holds %s, not %s: %w", what, ArtifactType, ErrNotDatabase)
	}
	if mf.Config.MediaType != ConfigMediaType {
		return nil, fmt.Errorf("config media type %q, want %s: %w", mf.Config.MediaType, ConfigMediaType, ErrNotDatabase)
	}
	if len(mf.Layers) != 1 {
		return nil, fmt.Errorf("%d layers, want 1: %w", len(mf.Layers), ErrNotDatabase)
	}
	switch mf.Layers[0].MediaType {
	case LayerMediaType, LayerMediaTypeGzip:
	default:
		return nil, fmt.Errorf("layer media type %q, want %s: %w", mf.Layers[0].MediaType, LayerMediaType, ErrNotDatabase)
	}
	return &mf, nil
}

// fetchConfig reads and checks the config blob.
func fetchConfig(r name.Reference, d v1.Descriptor, ro []remote.Option) (*advisory.Metadata, error) {
	if d.Size <= 0 || d.Size > maxConfigSize {
		return nil, fmt.Errorf("config size %d: %w", d.Size, ErrCorrupt)
	}
	l, err := remote.Layer(r.Context().Digest(d.Digest.String()), ro...)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, d.Size+1))
	if err != nil {
		return nil, fmt.Errorf("config %s: %v: %w", d.Digest, err, ErrCorrupt)
	}
	if dg, _, _ := v1.SHA256(bytes.NewReader(b)); int64(len(b)) != d.Size || dg != d.Digest {
		return nil, fmt.Errorf("config: got %d bytes with digest %s, want %d bytes with %s: %w", len(b), dg, d.Size, d.Digest, ErrCorrupt)
	}
	var meta advisory.Metadata
	if err := json.Unmarshal(b, &meta); err != nil {
		return nil, fmt.Errorf("config: %v: %w", err, ErrNotDatabase)
	}
	if meta.SchemaVersion <= 0 {
		return nil, fmt.Errorf("config names no schema version: %w", ErrNotDatabase)
	}
	return &meta, nil
}

// facts are the uncompressed database's digest and size, when the layer
// annotates them.
type facts struct {
	digest *v1.Hash
	size   int64 // -1 when not annotated
}

func uncompressedFacts(l v1.Descriptor, maxSize int64) (facts, error) {
	f := facts{size: -1}
	if s, ok := l.Annotations[AnnotationDBDigest]; ok {
		h, err := v1.NewHash(s)
		if err != nil {
			return f, fmt.Errorf("annotation %s: %v: %w", AnnotationDBDigest, err, ErrCorrupt)
		}
		f.digest = &h
	}
	if s, ok := l.Annotations[AnnotationDBSize]; ok {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return f, fmt.Errorf("annotation %s %q: %w", AnnotationDBSize, s, ErrCorrupt)
		}
		if n > maxSize {
			return f, fmt.Errorf("the database is %d bytes, over the %d-byte limit", n, maxSize)
		}
		f.size = n
	}
	return f, nil
}

// download streams the layer through its decompressor into dst and checks
// both digests and sizes. When decompression fails part way (a flipped
// byte usually breaks the zstd frame before the end of the blob), the rest
// of the blob is still read so that the error can say whether the blob
// failed its digest.
func download(r name.Reference, d v1.Descriptor, want facts, maxSize int64, dst io.Writer, ro []remote.Option, progress func(done, total int64)) (int64, error) {
	l, err := remote.Layer(r.Context().Digest(d.Digest.String()), ro...)
	if err != nil {
		return 0, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	zh := sha256.New()
	src := &countReader{r: io.LimitReader(rc, d.Size+1), total: d.Size, report: progress}
	if progress != nil {
		progress(0, d.Size)
	}
	in := io.TeeReader(src, zh)

	digestErr := func() error {
		io.Copy(io.Discard, in)
		if src.n != d.Size {
			return fmt.Errorf("layer %s: got %d bytes, want %d: %w", d.Digest, src.n, d.Size, ErrCorrupt)
		}
		if got := hashOf(zh); got != d.Digest {
			return fmt.Errorf("layer %s: the downloaded blob has digest %s: %w", d.Digest, got, ErrCorrupt)
		}
		return nil
	}

	var dec io.Reader
	switch d.MediaType {
	case LayerMediaTypeGzip:
		g, err := gzip.NewReader(in)
		if err != nil {
			if derr := digestErr(); derr != nil {
				return 0, derr
			}
			return 0, fmt.Errorf("layer %s: not gzip: %v: %w", d.Digest, err, ErrCorrupt)
		}
		defer g.Close()
		dec = g
	default:
		z, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(1<<30))
		if err != nil {
			return 0, err
		}
		defer z.Close()
		dec = z
	}
	limit := maxSize
	if want.size >= 0 {
		limit = want.size
	}
	dh := sha256.New()
	n, err := io.Copy(io.MultiWriter(dst, dh), io.LimitReader(dec, limit+1))
	if err != nil {
		if src.err != nil && !errors.Is(src.err, io.ErrUnexpectedEOF) {
			// The download itself failed (network, or go-containerregistry's
			// own digest check); still tell a corrupt blob apart.
			if derr := digestErr(); derr != nil && src.n == d.Size {
				return 0, derr
			}
			return 0, fmt.Errorf("layer %s: %w", d.Digest, src.err)
		}
		if derr := digestErr(); derr != nil {
			return 0, derr
		}
		return 0, fmt.Errorf("layer %s: does not decompress: %v: %w", d.Digest, err, ErrCorrupt)
	}
	if derr := digestErr(); derr != nil {
		return 0, derr
	}
	if n > limit {
		return 0, fmt.Errorf("layer %s: decompresses to more than %d bytes: %w", d.Digest, limit, ErrCorrupt)
	}
	if want.size >= 0 && n != want.size {
		return 0, fmt.Errorf("layer %s: decompresses to %d bytes, the manifest says %d: %w", d.Digest, n, want.size, ErrCorrupt)
	}
	if want.digest != nil {
		if got := hashOf(dh); got != *want.digest {
			return 0, fmt.Errorf("layer %s: decompresses to a file with digest %s, the manifest says %s: %w", d.Digest, got, want.digest, ErrCorrupt)
		}
	}
	return n, nil
}

// verifyDB opens the file as the scanner will and runs SQLite's
// quick_check over it.
func verifyDB(ctx context.Context, path string) (*advisory.Metadata, error) {
	s, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	meta, err := s.Metadata(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Check(ctx); err != nil {
		return nil, err
	}
	return meta, nil
}

type countReader struct {
	r   io.Reader
	n   int64
	err error
	// report, when set, is told the count of total after every read.
	total  int64
	report func(done, total int64)
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.report != nil && n > 0 {
		c.report(c.n, c.total)
	}
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
