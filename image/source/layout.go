package source

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// maxManifest bounds index, manifest and config blobs read into memory.
const maxManifest = 8 << 20

// blobs reads files of an OCI layout by their path inside it.
type blobs interface {
	open(name string) (io.ReadCloser, int64, error)
}

type dirBlobs string

func (d dirBlobs) open(name string) (io.ReadCloser, int64, error) {
	f, err := os.Open(filepath.Join(string(d), filepath.FromSlash(name)))
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// tarBlobs serves the files of an OCI layout packed in a tar, by the offsets
// found in one pass over its headers.
type tarBlobs struct {
	path  string
	index map[string][2]int64 // name → offset, size
}

func indexTar(path string) (*tarBlobs, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tb := &tarBlobs{path: path, index: map[string][2]int64{}}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return tb, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, err
		}
		tb.index[strings.TrimPrefix(filepath.ToSlash(filepath.Clean(hdr.Name)), "./")] = [2]int64{off, hdr.Size}
	}
}

func (t *tarBlobs) open(name string) (io.ReadCloser, int64, error) {
	loc, ok := t.index[name]
	if !ok {
		return nil, 0, fmt.Errorf("%s: %w", name, os.ErrNotExist)
	}
	f, err := os.Open(t.path)
	if err != nil {
		return nil, 0, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, loc[0], loc[1]), f}, loc[1], nil
}

func isOCILayoutTar(path string) bool {
	tb, err := indexTar(path)
	if err != nil {
		return false
	}
	_, hasLayout := tb.index["oci-layout"]
	_, hasManifest := tb.index["manifest.json"]
	return hasLayout && !hasManifest
}

// openLayout opens "PATH[:TAG|@DIGEST]" where PATH is an OCI image layout
// directory or a tar of one.
func openLayout(ref string, opts Options) (*Image, error) {
	path, sel, err := splitPathSuffix(ref)
	if err != nil {
		return nil, fmt.Errorf("oci-layout %s: %w", ref, err)
	}
	var store blobs
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		store = dirBlobs(path)
	} else {
		tb, err := indexTar(path)
		if err != nil {
			return nil, fmt.Errorf("oci-layout %s: %w", path, err)
		}
		store = tb
	}
	raw, err := readAll(store, "index.json")
	if err != nil {
		return nil, fmt.Errorf("oci-layout %s: %w", path, err)
	}
	desc, err := selectManifest(store, raw, sel, opts.Platform)
	if err != nil {
		return nil, fmt.Errorf("oci-layout %s: %w", path, err)
	}
	core, err := newLayoutImage(store, desc)
	if err != nil {
		return nil, fmt.Errorf("oci-layout %s: %w", path, err)
	}
	v1img, err := partial.CompressedToImage(core)
	if err != nil {
		return nil, fmt.Errorf("oci-layout %s: %w", path, err)
	}
	img := &Image{Kind: KindOCILayout, Name: path, Image: v1img}
	if err := fillIDs(img); err != nil {
		return nil, fmt.Errorf("oci-layout %s: %w", path, err)
	}
	return img, nil
}

func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

func readAll(store blobs, name string) ([]byte, error) {
	rc, size, err := store.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if size > maxManifest {
		return nil, fmt.Errorf("%s is %d bytes, more than %d", name, size, maxManifest)
	}
	return io.ReadAll(io.LimitReader(rc, maxManifest))
}

// readBlob reads a small blob and checks it against its digest.
func readBlob(store blobs, h v1.Hash) ([]byte, error) {
	b, err := readAll(store, blobPath(h))
	if err != nil {
		return nil, err
	}
	if h.Algorithm != "sha256" {
		// Only sha256 is checked; a blob named otherwise would be taken
		// on trust.
		return nil, fmt.Errorf("blob %s: unsupported digest algorithm", h)
	}
	got, _, err := v1.SHA256(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	if got != h {
		return nil, fmt.Errorf("blob %s: content has digest %s", h, got)
	}
	return b, nil
}

func isIndex(mt types.MediaType) bool {
	return mt == types.OCIImageIndex || mt == types.DockerManifestList
}

// selectManifest picks one image manifest from an index: by digest
// ("@sha256:…"), by the ref.name annotation (a tag), or by platform.
func selectManifest(store blobs, rawIndex []byte, sel, platform string) (v1.Descriptor, error) {
	var idx v1.IndexManifest
	if err := json.Unmarshal(rawIndex, &idx); err != nil {
		return v1.Descriptor{}, fmt.Errorf("index.json: %w", err)
	}
	var candidates []v1.Descriptor
	for _, d := range idx.Manifests {
		switch {
		case strings.HasPrefix(sel, "@"):
			if d.Digest.String() != sel[1:] {
				continue
			}
		case sel != "":
			if d.Annotations["org.opencontainers.image.ref.name"] != sel && !strings.HasSuffix(d.Annotations["io.containerd.image.name"], ":"+sel) {
				continue
			}
		}
		candidates = append(candidates, d)
	}
	if len(candidates) == 0 && strings.HasPrefix(sel, "@") {
		// The digest may name a manifest inside a nested index.
		for _, d := range idx.Manifests {
			if isIndex(d.MediaType) {
				raw, err := readBlob(store, d.Digest)
				if err != nil {
					return v1.Descriptor{}, err
				}
				if found, err := selectManifest(store, raw, sel, platform); err == nil {
					return found, nil
				}
			}
		}
	}
	if len(candidates) == 0 {
		return v1.Descriptor{}, fmt.Errorf("no manifest matches %q", sel)
	}
	var images []v1.Descriptor
	for _, d := range candidates {
		if isIndex(d.MediaType) {
			raw, err := readBlob(store, d.Digest)
			if err != nil {
				return v1.Descriptor{}, err
			}
			found, err := selectManifest(store, raw, "", platform)
			if err != nil {
				return v1.Descriptor{}, fmt.Errorf("index %s: %w", d.Digest, err)
			}
			images = append(images, found)
			continue
		}
		if d.MediaType != types.OCIManifestSchema1 && d.MediaType != types.DockerManifestSchema2 {
			continue // not an image (an attestation, a bare descriptor, ...)
		}
		images = append(images, d)
	}
	return choosePlatform(images, platform)
}

func choosePlatform(images []v1.Descriptor, platform string) (v1.Descriptor, error) {
	// The same manifest listed under several tags is one image.
	seen := map[v1.Hash]bool{}
	unique := images[:0:0]
	for _, d := range images {
		if !seen[d.Digest] {
			seen[d.Digest] = true
			unique = append(unique, d)
		}
	}
	images = unique
	if len(images) == 0 {
		return v1.Descriptor{}, errors.New("no image manifest found")
	}
	want, err := parsePlatform(platform)
	if err != nil {
		return v1.Descriptor{}, err
	}
	if len(images) == 1 && (platform == "" || images[0].Platform == nil || images[0].Platform.Satisfies(*want)) {
		return images[0], nil
	}
	var match []v1.Descriptor
	for _, d := range images {
		if d.Platform != nil && d.Platform.Satisfies(*want) {
			match = append(match, d)
		}
	}
	if len(match) == 1 {
		return match[0], nil
	}
	var names []string
	for _, d := range images {
		p := "unknown platform"
		if d.Platform != nil {
			p = d.Platform.String()
		}
		if tag := d.Annotations["org.opencontainers.image.ref.name"]; tag != "" {
			p += ", tag " + tag
		}
		names = append(names, d.Digest.String()+" ("+p+")")
	}
	return v1.Descriptor{}, fmt.Errorf("%d images match platform %s; choose one with @DIGEST or a tag: %s", len(match), want, strings.Join(names, ", "))
}

func parsePlatform(s string) (*v1.Platform, error) {
	if s == "" {
		return &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}, nil
	}
	return v1.ParsePlatform(s)
}

type layoutImage struct {
	store    blobs
	desc     v1.Descriptor
	manifest []byte
	config   []byte
	// blobs are the manifest's layers and config by digest, parsed once:
	// go-containerregistry asks for each layer by digest, and parsing the
	// manifest for each would cost n² for n layers.
	blobs map[v1.Hash]v1.Descriptor
}

func newLayoutImage(store blobs, desc v1.Descriptor) (*layoutImage, error) {
	raw, err := readBlob(store, desc.Digest)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", desc.Digest, err)
	}
	cfg, err := readBlob(store, m.Config.Digest)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	byDigest := map[v1.Hash]v1.Descriptor{}
	for _, d := range m.Layers {
		if _, seen := byDigest[d.Digest]; !seen {
			byDigest[d.Digest] = d
		}
	}
	if _, seen := byDigest[m.Config.Digest]; !seen {
		byDigest[m.Config.Digest] = m.Config
	}
	return &layoutImage{store: store, desc: desc, manifest: raw, config: cfg, blobs: byDigest}, nil
}

func (l *layoutImage) RawConfigFile() ([]byte, error)      { return l.config, nil }
func (l *layoutImage) RawManifest() ([]byte, error)        { return l.manifest, nil }
func (l *layoutImage) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }

func (l *layoutImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if d, ok := l.blobs[h]; ok {
		return &layoutLayer{store: l.store, desc: d}, nil
	}
	return nil, fmt.Errorf("blob %s is not in manifest %s", h, l.desc.Digest)
}

type layoutLayer struct {
	store blobs
	desc  v1.Descriptor
}

func (l *layoutLayer) Digest() (v1.Hash, error)            { return l.desc.Digest, nil }
func (l *layoutLayer) Size() (int64, error)                { return l.desc.Size, nil }
func (l *layoutLayer) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }

// Compressed returns the blob, checked against its digest and size as it is
// read: a mismatch is an error at the end of the stream.
func (l *layoutLayer) Compressed() (io.ReadCloser, error) {
	rc, _, err := l.store.open(blobPath(l.desc.Digest))
	if err != nil {
		return nil, err
	}
	return verifying(rc, l.desc.Digest, l.desc.Size)
}
