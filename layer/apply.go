package layer

import (
	"archive/tar"
	"bytes"
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
	// Kept counts the files whose contents the tree reads from the
	// layer's record; with none, the record may be closed.
	Kept int
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

// ApplyFiles is Apply with a second test for regular files. It reads the
// layer into a record (in SpillDir when it is set, else in memory) and
// replays it; the kept contents are read from the record when opened.
func (t *Tree) ApplyFiles(ctx context.Context, index int, r io.Reader, wants Wants, fileWants FileWants) (Applied, error) {
	if t.limits.SpillDir == "" {
		var buf bytes.Buffer
		if _, err := ReadLayer(ctx, r, &buf, wants, fileWants, t.limits, t.limits.MaxCaptured-t.captured); err != nil {
			return Applied{}, err
		}
		b := buf.Bytes()
		t.captured += int64(len(b))
		return t.Replay(ctx, index, bytes.NewReader(b), int64(len(b)), wants, fileWants)
	}
	f, err := os.CreateTemp(t.limits.SpillDir, "layer-*.rec")
	if err != nil {
		return Applied{}, fmt.Errorf("layer record: %w", err)
	}
	t.recs = append(t.recs, f)
	st, err := ReadLayer(ctx, r, f, wants, fileWants, t.limits, t.limits.MaxSpilled-t.spilled)
	if err != nil {
		return Applied{}, err
	}
	t.spilled += st.Contents
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return Applied{}, fmt.Errorf("layer record: %w", err)
	}
	return t.Replay(ctx, index, f, size, wants, fileWants)
}

// Replay applies a layer's record, as ReadLayer wrote it, on top of the
// tree. index is the layer's position (0 for the lowest). The record's
// problems join t.Problems. The kept files' contents stay in src and are
// read from it when opened, so src must stay readable while the tree is
// used.
func (t *Tree) Replay(ctx context.Context, index int, src io.ReaderAt, size int64, wants Wants, fileWants FileWants) (Applied, error) {
	var res Applied
	rr, err := newRecordReader(src, size)
	if err != nil {
		return res, err
	}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		op, err := rr.next()
		if err != nil {
			return res, err
		}
		switch op.kind {
		case opEnd:
			res.Entries = op.entries
			return res, nil
		case opProblem:
			err := errors.New(op.text)
			if op.text == ErrEscapesRoot.Error() {
				err = ErrEscapesRoot
			}
			t.problem(index, op.name, err)
			continue
		}
		want, touched, err := t.applyOp(index, op, src, wants, fileWants != nil)
		if err != nil {
			t.problem(index, op.name, err)
		}
		if op.kind == opFile {
			res.Kept++
		}
		res.note(op.name, touched, want)
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

func (t *Tree) applyOp(index int, op recOp, src io.ReaderAt, wants Wants, filesWanted bool) (want, touched bool, err error) {
	name := op.name
	dir, base := path.Split(name)
	if base == opaqueMarker {
		parent, _ := t.lookupParent(name, index, true)
		touched := t.hasCaptured(parent, index)
		t.removeLower(parent, index)
		return false, touched, nil
	}
	if strings.HasPrefix(base, whiteoutPrefix) {
		target := dir + strings.TrimPrefix(base, whiteoutPrefix)
		parent, tb := t.lookupParent(target, index, false)
		if parent == nil {
			return false, false, nil
		}
		victim := parent.children[tb]
		if victim == nil {
			return false, false, nil
		}
		touched := wants(target) || t.hasCaptured(victim, index)
		if victim.layer < index {
			t.release(victim)
			delete(parent.children, tb)
		} else if victim.kind == KindDir {
			t.removeLower(victim, index)
		}
		return false, touched, nil
	}
	switch op.kind {
	case opFile, opFileGone, opFailed:
		want = true
	case opSkip:
	case opHardlink:
		want = wants(name)
		if !want && filesWanted {
			// A hard link to a kept file is kept too.
			if target, err := CleanName(op.text); err == nil {
				if src, _ := t.lookup(target, false); src != nil && src.kept() {
					want = true
				}
			}
		}
	default:
		want = wants(name)
	}

	parent, base := t.lookupParent(name, index, true)
	old := parent.children[base]
	touched = want || (old != nil && t.hasCaptured(old, -1))

	switch op.kind {
	case opDir:
		if old != nil && old.kind == KindDir {
			old.layer = max(old.layer, index)
			old.mode = uint32(op.mode)
			return want, touched, nil
		}
		if old != nil {
			t.release(old)
		}
		parent.children[base] = &node{kind: KindDir, layer: index, mode: uint32(op.mode), children: map[string]*node{}}
	case opSymlink:
		if old != nil {
			t.release(old)
		}
		parent.children[base] = &node{kind: KindSymlink, layer: index, link: op.text, mode: uint32(op.mode)}
	case opHardlink:
		return want, touched, t.applyHardlink(index, parent, base, old, op.text, want)
	case opFile, opFileGone:
		if old != nil {
			t.release(old)
			delete(parent.children, base)
		}
		n := &node{kind: KindFile, layer: index, size: op.size, mode: uint32(op.mode)}
		if op.kind == opFile {
			n.rec, n.off = src, op.offset
		} else {
			n.gone = true
		}
		parent.children[base] = n
	case opFailed:
		if old != nil {
			t.release(old)
			delete(parent.children, base)
		}
		return want, touched, errors.New(op.text)
	default:
		// Files that are not wanted are not kept, but their absence must
		// still hide what lower layers had at this path; devices, FIFOs
		// and the like too.
		if old != nil {
			t.release(old)
			delete(parent.children, base)
		}
	}
	return want, touched, nil
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
	if !want {
		return nil
	}
	if src == nil || src.kind != KindFile || !src.kept() {
		// A wanted path linked to a file that was not kept (its own
		// name was not one an extractor wants): an entry that says so,
		// rather than nothing.
		parent.children[base] = &node{kind: KindFile, layer: index, link: linkname}
		return nil
	}
	n := &node{kind: KindFile, layer: index, size: src.size, mode: src.mode}
	switch {
	case src.rec != nil || src.gone:
		n.rec, n.off, n.gone = src.rec, src.off, src.gone
	case src.spill != "":
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
	default:
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
