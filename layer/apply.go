package layer

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// Wants tells whether the contents of the file at a cleaned path must be
// kept.
type Wants func(name string) bool

// FileWants tells, for a regular file, from its path, mode and size,
// whether its contents must be kept (for extractors that look for, say,
// executables anywhere). It is asked in addition to Wants.
type FileWants func(name string, mode fs.FileMode, size int64) bool

// Applied summarises one applied layer.
type Applied struct {
	Entries int
	// Touched is set when the layer added, replaced or removed a wanted
	// file (or a link at a wanted path), so that extractors must look again.
	Touched bool
	// Paths are the wanted paths the layer wrote; Removed is set when it
	// removed or hid kept files (by whiteout or by replacing a directory),
	// which any extractor may care about.
	Paths   []string
	Removed bool
}

// Apply reads one layer as an uncompressed tar stream and applies it on top
// of the tree. index is the layer's position (0 for the lowest). Entries
// that are refused are recorded in t.Problems and skipped; a stream that
// cannot be read to its end, or that holds more than MaxLayerBytes, is an
// error. The stream is read to its end, past the tar end marker, so that
// a digest check on it sees every byte.
func (t *Tree) Apply(ctx context.Context, index int, r io.Reader, wants Wants) (Applied, error) {
	return t.ApplyFiles(ctx, index, r, wants, nil)
}

// ApplyFiles is Apply with a second test for regular files.
func (t *Tree) ApplyFiles(ctx context.Context, index int, r io.Reader, wants Wants, fileWants FileWants) (Applied, error) {
	var res Applied
	cr := &countingReader{r: r, limit: t.limits.MaxLayerBytes}
	tr := tar.NewReader(cr)
	for {
		if res.Entries%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if _, err := io.Copy(io.Discard, cr); err != nil {
				return res, fmt.Errorf("reading past the tar end marker: %w", err)
			}
			return res, nil
		}
		if err != nil {
			return res, fmt.Errorf("reading tar entry %d: %w", res.Entries+1, err)
		}
		res.Entries++
		if res.Entries > t.limits.MaxEntries {
			return res, fmt.Errorf("layer has more than %d entries", t.limits.MaxEntries)
		}
		if len(hdr.Name) > t.limits.MaxPathLen {
			t.problem(index, hdr.Name[:64]+"…", fmt.Errorf("entry name is %d bytes long, more than %d", len(hdr.Name), t.limits.MaxPathLen))
			continue
		}
		name, err := CleanName(hdr.Name)
		if err != nil {
			t.problem(index, hdr.Name, err)
			continue
		}
		if name == "" {
			continue // the root directory itself
		}
		want := !strings.HasPrefix(path.Base(name), whiteoutPrefix) && wants(name)
		if !want && fileWants != nil && isRegular(hdr.Typeflag) && !strings.HasPrefix(path.Base(name), whiteoutPrefix) {
			want = fileWants(name, hdr.FileInfo().Mode(), hdr.Size)
		}
		if !want && fileWants != nil && hdr.Typeflag == tar.TypeLink {
			// A hard link to a kept file is kept too.
			if target, err := CleanName(hdr.Linkname); err == nil {
				if src, _ := t.lookup(target, false); src != nil && src.kept() {
					want = true
				}
			}
		}
		touched, err := t.applyEntry(index, name, hdr, tr, wants, want)
		if errors.Is(err, ErrLayerTooLarge) {
			return res, fmt.Errorf("%s: %w", name, err)
		}
		if err != nil {
			t.problem(index, name, err)
		}
		res.note(name, touched, want)
	}
}

// ErrLayerTooLarge marks a layer whose uncompressed stream holds more than
// Limits.MaxLayerBytes (a decompression bomb, most likely).
var ErrLayerTooLarge = errors.New("layer inflates past the limit")

// countingReader fails once more than limit bytes have been read.
type countingReader struct {
	r     io.Reader
	n     int64
	limit int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n > c.limit {
		return 0, fmt.Errorf("%w: more than %d bytes uncompressed", ErrLayerTooLarge, c.limit)
	}
	if rest := c.limit + 1 - c.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.limit {
		return n, fmt.Errorf("%w: more than %d bytes uncompressed", ErrLayerTooLarge, c.limit)
	}
	return n, err
}

func isRegular(flag byte) bool {
	return flag == tar.TypeReg || flag == tar.TypeRegA || flag == tar.TypeGNUSparse
}

func (res *Applied) note(name string, touched, wanted bool) {
	if !touched {
		return
	}
	res.Touched = true
	if wanted {
		res.Paths = append(res.Paths, name)
	} else {
		res.Removed = true
	}
}

// MaxProblems is the most problems one tree records: a layer of millions
// of refused entries must not hold millions of problems in memory. Past
// it, one last problem says that the rest were not recorded.
const MaxProblems = 10_000

func (t *Tree) problem(layer int, name string, err error) {
	switch n := len(t.Problems); {
	case n < MaxProblems:
		t.Problems = append(t.Problems, Problem{Layer: layer, Path: name, Err: err})
	case n == MaxProblems:
		t.Problems = append(t.Problems, Problem{Layer: layer, Path: name,
			Err: fmt.Errorf("%v (and more problems from here on, not recorded: past %d)", err, MaxProblems)})
	}
}

func (t *Tree) applyEntry(index int, name string, hdr *tar.Header, r io.Reader, wants Wants, want bool) (bool, error) {
	dir, base := path.Split(name)
	if base == opaqueMarker {
		parent, _ := t.lookupParent(name, index, true)
		touched := t.hasCaptured(parent, index)
		t.removeLower(parent, index)
		return touched, nil
	}
	if strings.HasPrefix(base, whiteoutPrefix) {
		target := dir + strings.TrimPrefix(base, whiteoutPrefix)
		parent, tb := t.lookupParent(target, index, false)
		if parent == nil {
			return false, nil
		}
		victim := parent.children[tb]
		if victim == nil {
			return false, nil
		}
		touched := wants(target) || t.hasCaptured(victim, index)
		if victim.layer < index {
			t.release(victim)
			delete(parent.children, tb)
		} else if victim.kind == KindDir {
			t.removeLower(victim, index)
		}
		return touched, nil
	}

	parent, base := t.lookupParent(name, index, true)
	old := parent.children[base]
	touched := want || (old != nil && t.hasCaptured(old, -1))

	switch hdr.Typeflag {
	case tar.TypeDir:
		if old != nil && old.kind == KindDir {
			old.layer = max(old.layer, index)
			old.mode = uint32(hdr.Mode)
			return touched, nil
		}
		if old != nil {
			t.release(old)
		}
		parent.children[base] = &node{kind: KindDir, layer: index, mode: uint32(hdr.Mode), children: map[string]*node{}}
		return touched, nil
	case tar.TypeSymlink:
		if old != nil {
			t.release(old)
		}
		parent.children[base] = &node{kind: KindSymlink, layer: index, link: hdr.Linkname, mode: uint32(hdr.Mode)}
		return touched, nil
	case tar.TypeLink:
		return touched, t.applyHardlink(index, parent, base, old, hdr.Linkname, want)
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
		if old != nil {
			t.release(old)
			delete(parent.children, base)
		}
		if !want {
			// Unwanted files are not kept, but their absence must still
			// hide what lower layers had at this path (done above).
			return touched, nil
		}
		n := &node{kind: KindFile, layer: index, size: hdr.Size, mode: uint32(hdr.Mode)}
		parent.children[base] = n
		if err := t.capture(n, r, hdr.Size); err != nil {
			delete(parent.children, base)
			return touched, err
		}
		return touched, nil
	default:
		// Devices, FIFOs and the like: they hide what was below them.
		if old != nil {
			t.release(old)
			delete(parent.children, base)
		}
		return touched, nil
	}
}

// applyHardlink makes name a copy of the file it links to, if that file is
// one that was kept.
func (t *Tree) applyHardlink(index int, parent *node, base string, old *node, linkname string, want bool) error {
	target, err := CleanName(linkname)
	if err != nil {
		return fmt.Errorf("hard link to %q: %w", linkname, err)
	}
	src, _ := t.lookup(target, false)
	if old != nil {
		t.release(old)
		delete(parent.children, base)
	}
	if !want || src == nil || src.kind != KindFile || !src.kept() {
		return nil
	}
	n := &node{kind: KindFile, layer: index, size: src.size, mode: src.mode}
	if src.spill != "" {
		f, err := os.CreateTemp(t.limits.SpillDir, "link-*")
		if err != nil {
			return err
		}
		f.Close()
		os.Remove(f.Name())
		if err := os.Link(src.spill, f.Name()); err != nil {
			return fmt.Errorf("hard link to %q: %w", linkname, err)
		}
		n.spill = f.Name()
		t.spilled += n.size
	} else {
		n.data = src.data
		t.captured += int64(len(src.data))
	}
	parent.children[base] = n
	return nil
}

// hasCaptured reports whether n's subtree holds kept file contents written
// below layer (any layer when below is -1).
func (t *Tree) hasCaptured(n *node, below int) bool {
	if n == nil {
		return false
	}
	if n.kept() && (below < 0 || n.layer < below) {
		return true
	}
	if n.kind == KindSymlink {
		return false
	}
	for _, c := range n.children {
		if t.hasCaptured(c, below) {
			return true
		}
	}
	return false
}
