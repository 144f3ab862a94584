package source

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	kgzip "github.com/klauspost/compress/gzip"
)

// MaxSpool bounds what a source writes to its temporary directory for one
// image (a decompressed archive or a daemon export).
const MaxSpool = 64 << 30

// splitPathSuffix splits "PATH[:SUFFIX]" where PATH is an existing file or
// directory; the suffix may itself contain colons (a repo:tag).
func splitPathSuffix(s string) (string, string, error) {
	if _, err := os.Stat(s); err == nil {
		return s, "", nil
	}
	for i := strings.Index(s, ":"); i >= 0; {
		if _, err := os.Stat(s[:i]); err == nil {
			return s[:i], s[i+1:], nil
		}
		j := strings.Index(s[i+1:], ":")
		if j < 0 {
			break
		}
		i += j + 1
	}
	if i := strings.Index(s, "@"); i >= 0 {
		if _, err := os.Stat(s[:i]); err == nil {
			return s[:i], s[i:], nil
		}
	}
	_, err := os.Stat(s)
	return "", "", err
}

// openArchive opens a docker save tarball, plain or gzip-compressed, in the
// legacy layout or the Docker 25 one that also carries an OCI layout.
// "PATH:REPO:TAG" picks one image from an archive holding several.
func openArchive(ref string, opts Options) (*Image, error) {
	path, tagStr, err := splitPathSuffix(ref)
	if err != nil {
		return nil, fmt.Errorf("docker-archive %s: %w", ref, err)
	}
	img := &Image{Kind: KindDockerArchive, Name: path}
	plain, cleanup, err := decompressed(path, opts.TempDir)
	if err != nil {
		return nil, err
	}
	if cleanup != nil {
		img.cleanup = append(img.cleanup, cleanup)
	}
	var tag *name.Tag
	if tagStr != "" {
		t, err := name.NewTag(tagStr)
		if err != nil {
			img.Close()
			return nil, fmt.Errorf("docker-archive %s: tag %q: %w", path, tagStr, err)
		}
		tag = &t
	}
	v1img, err := tarball.ImageFromPath(plain, tag)
	if err != nil {
		img.Close()
		if m, merr := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(plain) }); merr == nil && len(m) > 1 && tag == nil {
			var tags []string
			for _, d := range m {
				tags = append(tags, d.RepoTags...)
			}
			return nil, fmt.Errorf("docker-archive %s holds %d images; pick one with docker-archive:%s:TAG (tags: %s)", path, len(m), path, strings.Join(tags, ", "))
		}
		return nil, fmt.Errorf("docker-archive %s: %w", path, err)
	}
	img.Image = diffIDChecked{Image: v1img, archive: plain}
	// An archive has no registry manifest digest (computing one would mean
	// compressing every layer), only the image ID.
	cfg, err := v1img.ConfigName()
	if err != nil {
		img.Close()
		return nil, fmt.Errorf("docker-archive %s: %w", path, err)
	}
	img.ImageID = cfg.String()
	return img, nil
}

// decompressed returns a path to the plain tar: path itself, or a temporary
// file holding its gunzipped bytes.
func decompressed(path, tempDir string) (string, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return path, nil, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return "", nil, fmt.Errorf("docker-archive %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(tempDir, "archive-*.tar")
	if err != nil {
		return "", nil, fmt.Errorf("docker-archive %s: spooling: %w", path, err)
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	n, err := io.Copy(tmp, io.LimitReader(zr, MaxSpool+1))
	if err == nil && n > MaxSpool {
		err = fmt.Errorf("inflates to more than %d bytes", int64(MaxSpool))
	}
	if err == nil {
		err = tmp.Close()
	}
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("docker-archive %s: decompressing: %w", path, err)
	}
	return tmp.Name(), cleanup, nil
}

func fillIDs(img *Image) error {
	cfg, err := img.Image.ConfigName()
	if err != nil {
		return err
	}
	img.ImageID = cfg.String()
	d, err := img.Image.Digest()
	if err != nil {
		return err
	}
	img.Digest = d.String()
	return nil
}

// diffIDChecked is an archive image whose layers are checked, as they are
// read, against the diff_ids of its config: go-containerregistry takes an
// archive's uncompressed layer files on trust, and computes a compressed
// one's diff ID from its contents, so that a layer that is not what the
// config says would go unnoticed. Here the config's diff ID is the layer's
// diff ID, and a layer whose contents hash to another is an error
// (ErrDigestMismatch) at the end of its stream.
type diffIDChecked struct {
	v1.Image
	archive string // the plain tar
}

func (i diffIDChecked) Layers() ([]v1.Layer, error) {
	ls, err := i.Image.Layers()
	if err != nil {
		return nil, err
	}
	cfg, err := i.Image.ConfigFile()
	if err != nil {
		return nil, err
	}
	ids := cfg.RootFS.DiffIDs
	if len(ids) != len(ls) {
		return nil, fmt.Errorf("the config lists %d diff IDs for %d layers", len(ids), len(ls))
	}
	// go-containerregistry finds a plain archive's layer file by its diff
	// ID, so that of two layers claiming one diff ID it would read the
	// first one's file twice: the second is read from its own file here
	// (named in manifest.json, read only then), and checked like the
	// others.
	var files []string
	loaded := false
	first := map[v1.Hash]int{}
	out := make([]v1.Layer, len(ls))
	for n, l := range ls {
		m, seen := first[ids[n]]
		if !seen {
			first[ids[n]] = n
		} else {
			if !loaded {
				if files, err = i.layerFiles(len(ls)); err != nil {
					return nil, err
				}
				loaded = true
			}
			if files != nil && files[n] != files[m] {
				l = archiveFileLayer{Layer: l, archive: i.archive, file: files[n]}
			}
		}
		out[n] = checkedLayer{l, ids[n]}
	}
	return out, nil
}

// layerFiles returns the names of the image's layer files in the archive,
// from manifest.json, or nil when the image's entry cannot be told.
func (i diffIDChecked) layerFiles(n int) ([]string, error) {
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(i.archive) })
	if err != nil {
		return nil, err
	}
	cfg, err := i.Image.ConfigName()
	if err != nil {
		return nil, err
	}
	var match []tarball.Descriptor
	for _, d := range m {
		if len(d.Layers) == n && strings.Contains(d.Config, cfg.Hex) {
			match = append(match, d)
		}
	}
	if len(match) == 0 && len(m) == 1 && len(m[0].Layers) == n {
		match = m
	}
	if len(match) == 0 {
		return nil, nil
	}
	return match[0].Layers, nil
}

// archiveFileLayer is a layer read from its own file in the archive.
type archiveFileLayer struct {
	v1.Layer
	archive, file string
}

func (l archiveFileLayer) Uncompressed() (io.ReadCloser, error) {
	want := path.Clean(l.file)
	// docker save writes a layer it has already written as a symbolic
	// link to the first copy; follow a few.
	for hops := 0; hops < 8; hops++ {
		f, err := os.Open(l.archive)
		if err != nil {
			return nil, err
		}
		tr := tar.NewReader(f)
		for {
			h, err := tr.Next()
			if err != nil {
				f.Close()
				if err == io.EOF {
					return nil, fmt.Errorf("layer file %s: not in the archive", l.file)
				}
				return nil, fmt.Errorf("layer file %s: %w", l.file, err)
			}
			if path.Clean(h.Name) != want {
				continue
			}
			if h.Typeflag == tar.TypeSymlink {
				f.Close()
				want = path.Clean(path.Join(path.Dir(want), h.Linkname))
				break
			}
			return readCloser{tr, f.Close}, nil
		}
	}
	return nil, fmt.Errorf("layer file %s: too many levels of symbolic links", l.file)
}

type checkedLayer struct {
	v1.Layer
	diffID v1.Hash // what the config says
}

func (l checkedLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// Uncompressed reads the layer's tar. go-containerregistry tells from an
// archive's first layer file whether all of them are compressed; a later
// one that is gzip while the first is a plain tar (which docker load and
// skopeo accept) is inflated here, as Docker does, by its magic number.
func (l checkedLayer) Uncompressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Uncompressed()
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(rc, 1<<16)
	var r io.ReadCloser = readCloser{br, rc.Close}
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := kgzip.NewReader(br)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("gzip: %w", err)
		}
		r = readCloser{zr, func() error { zr.Close(); return rc.Close() }}
	}
	return verifying(r, l.diffID, -1)
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }
