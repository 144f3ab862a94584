package layer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
)

// Kind is the type of a tree node.
type Kind uint8

// Node kinds.
const (
	KindDir Kind = iota + 1
	KindFile
	KindSymlink
)

// Limits bound what one tree may hold. Zero fields take the defaults.
type Limits struct {
	// MaxFileSize is the largest wanted file whose contents are kept
	// (default 512 MiB). A larger file is recorded as a failure.
	MaxFileSize int64
	// MaxCaptured is the total of wanted file contents kept in memory at
	// once (default 2 GiB): a layer record kept in memory when SpillDir is
	// empty, or files of a directory tree.
	MaxCaptured int64
	// MaxEntries is the most tar entries one layer may hold (default 10 million).
	MaxEntries int
	// MaxPathLen is the longest entry name accepted (default 4096 bytes).
	MaxPathLen int
	// MemFile is the largest wanted file of a directory tree (ApplyDir)
	// kept in memory (default 4 MiB); larger ones are spilled to SpillDir
	// when it is set. Layers keep their wanted files in their records.
	MemFile int64
	// MemBudget is the total of wanted file contents kept in memory at
	// once (default 24 MiB); past it, files are spilled to SpillDir when
	// it is set, however small.
	MemBudget int64
	// SpillDir is where layer records and spilled files are written
	// (inside the cache directory); empty keeps everything in memory,
	// within MaxCaptured.
	SpillDir string
	// MaxSpilled is the total of wanted file contents in SpillDir at once
	// (default 16 GiB).
	MaxSpilled int64
	// MaxLayerBytes is the most bytes one layer's uncompressed stream may
	// hold, tar headers, padding and whatever follows the end marker
	// included (default 64 GiB). A layer inflating past it is an error.
	MaxLayerBytes int64
}

// DefaultLimits are the limits applied when a field of Limits is zero.
var DefaultLimits = Limits{
	MaxFileSize: 512 << 20,
	MaxCaptured: 2 << 30,
	MaxEntries:  10_000_000,
	MaxPathLen:  4096,
	MemFile:     4 << 20,
	MemBudget:   24 << 20,
	MaxSpilled:  16 << 30,
	// MaxLayerBytes bounds a decompression bomb.
	MaxLayerBytes: 64 << 30,
}

func (l Limits) withDefaults() Limits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultLimits.MaxFileSize
	}
	if l.MaxCaptured <= 0 {
		l.MaxCaptured = DefaultLimits.MaxCaptured
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultLimits.MaxEntries
	}
	if l.MaxPathLen <= 0 {
		l.MaxPathLen = DefaultLimits.MaxPathLen
	}
	if l.MemFile <= 0 {
		l.MemFile = DefaultLimits.MemFile
	}
	if l.MemBudget <= 0 {
		l.MemBudget = DefaultLimits.MemBudget
	}
	if l.MaxSpilled <= 0 {
		l.MaxSpilled = DefaultLimits.MaxSpilled
	}
	if l.MaxLayerBytes <= 0 {
		l.MaxLayerBytes = DefaultLimits.MaxLayerBytes
	}
	return l
}

type node struct {
	kind     Kind
	layer    int         // index of the layer that last wrote this node
	link     string      // symlink target; for a file, the hard link's target when its contents were not kept
	data     []byte      // contents of a wanted file kept in memory
	spill    string      // or the path of the file holding them
	rec      io.ReaderAt // or the layer record holding them, from off
	off      int64
	gone     bool // or they were kept once but left out of the layer cache
	size     int64
	mode     uint32
	children map[string]*node
}

// Tree is the squashed filesystem of the layers applied so far.
type Tree struct {
	root     *node
	limits   Limits
	captured int64
	spilled  int64
	recs     []*os.File // layer records written by ApplyFiles
	// Problems collects entries that were refused or files that could not
	// be kept, in the order met.
	Problems []Problem
}

// Problem is one entry of one layer that was refused or could not be kept.
type Problem struct {
	Layer int
	Path  string
	Err   error
}

func (p Problem) Error() string { return fmt.Sprintf("layer %d: %s: %v", p.Layer, p.Path, p.Err) }

// ErrEscapesRoot marks an entry whose name or link would leave the root.
var ErrEscapesRoot = errors.New("entry name escapes the image root")

// NewTree returns an empty tree.
func NewTree(limits Limits) *Tree {
	return &Tree{
		root:   &node{kind: KindDir, layer: -1, children: map[string]*node{}},
		limits: limits.withDefaults(),
	}
}

// CleanName normalises a tar entry name to a slash-separated path relative
// to the root ("./etc/os-release", "/etc/os-release" and "etc//os-release"
// all become "etc/os-release"). It returns "" for the root itself and
// ErrEscapesRoot for a name that climbs above the root.
func CleanName(name string) (string, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return "", errors.New("entry name contains a NUL byte")
	}
	// Climbing is judged on the name as written, before cleaning, so that
	// "a/../../etc/passwd" is refused rather than silently clamped.
	depth := 0
	for _, part := range strings.Split(strings.TrimLeft(name, "/"), "/") {
		switch part {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				return "", ErrEscapesRoot
			}
		default:
			depth++
		}
	}
	p := path.Clean("/" + name)
	p = strings.TrimPrefix(p, "/")
	return p, nil
}

// lookupParent returns the directory node that holds name, creating missing
// directories (owned by layer) on the way when create is set. An ancestor
// that is not a directory is replaced by one when create is set: the entry
// being applied proves that a directory stands there now.
func (t *Tree) lookupParent(name string, layer int, create bool) (*node, string) {
	dir, base := path.Split(name)
	n := t.root
	if dir == "" {
		return n, base
	}
	for _, part := range strings.Split(strings.TrimSuffix(dir, "/"), "/") {
		child := n.children[part]
		if child == nil || child.kind != KindDir {
			if !create {
				return nil, base
			}
			if child != nil {
				t.release(child)
			}
			child = &node{kind: KindDir, layer: layer, mode: 0o755, children: map[string]*node{}}
			n.children[part] = child
		} else if create && child.layer < layer {
			// An entry below a directory of a lower layer writes into that
			// directory in this layer too: a whiteout or opaque marker of
			// this layer must not remove what it holds.
			child.layer = layer
		}
		n = child
	}
	return n, base
}

// release forgets the captured bytes of a subtree that is being dropped.
func (t *Tree) release(n *node) {
	t.releaseNode(n)
	for _, c := range n.children {
		t.release(c)
	}
}

func (t *Tree) releaseNode(n *node) {
	if n.data != nil {
		t.captured -= int64(len(n.data))
		n.data = nil
	}
	if n.spill != "" {
		os.Remove(n.spill)
		t.spilled -= n.size
		n.spill = ""
	}
	// A record holds a whole layer; it goes when the tree is closed.
	n.rec, n.gone = nil, false
}

// kept reports whether the node holds a wanted file's contents.
func (n *node) kept() bool { return n.data != nil || n.spill != "" || n.rec != nil || n.gone }

// Release drops the kept contents of the file at name (links not
// followed): an extractor that has read a file for good frees its memory
// or disk. The file stays in the tree's structure.
func (t *Tree) Release(name string) {
	if n, _ := t.lookup(name, false); n != nil && n.kind == KindFile {
		t.releaseNode(n)
	}
}

// Close removes every spilled file and layer record.
func (t *Tree) Close() {
	t.release(t.root)
	for _, f := range t.recs {
		f.Close()
		os.Remove(f.Name())
	}
	t.recs = nil
}

// removeLower drops from n's subtree every node written by a layer below
// layer, keeping what layer itself wrote.
func (t *Tree) removeLower(n *node, layer int) {
	for name, c := range n.children {
		if c.layer < layer {
			t.release(c)
			delete(n.children, name)
			continue
		}
		if c.kind == KindDir {
			t.removeLower(c, layer)
		}
	}
}

func (t *Tree) capture(n *node, r io.Reader, size int64) error {
	if size > t.limits.MaxFileSize {
		return fmt.Errorf("file is %d bytes, more than the limit of %d kept for analysis", size, t.limits.MaxFileSize)
	}
	if t.limits.SpillDir != "" && (size > t.limits.MemFile || t.captured+size > t.limits.MemBudget) {
		return t.spillTo(n, r, size)
	}
	if t.captured+size > t.limits.MaxCaptured {
		return fmt.Errorf("keeping %d more bytes would pass the limit of %d bytes held for analysis", size, t.limits.MaxCaptured)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return fmt.Errorf("reading contents: %w", err)
	}
	n.data = buf
	t.captured += size
	return nil
}

func (t *Tree) spillTo(n *node, r io.Reader, size int64) error {
	if t.spilled+size > t.limits.MaxSpilled {
		return fmt.Errorf("spilling %d more bytes would pass the limit of %d bytes on disk", size, t.limits.MaxSpilled)
	}
	f, err := os.CreateTemp(t.limits.SpillDir, "file-*")
	if err != nil {
		return fmt.Errorf("spilling: %w", err)
	}
	written, err := io.CopyN(f, r, size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("reading contents (%d of %d bytes): %w", written, size, err)
	}
	n.spill = f.Name()
	t.spilled += size
	return nil
}

// Layer returns the index of the layer that last wrote the file at name
// (links followed), or -1 when there is none.
func (t *Tree) Layer(name string) int {
	n, err := t.lookup(name, true)
	if err != nil || n == nil {
		return -1
	}
	return n.layer
}

// RecordOffset tells, for a file whose contents are read from a layer
// record, which record and where in it (links not followed).
func (t *Tree) RecordOffset(name string) (io.ReaderAt, int64, bool) {
	n, err := t.lookup(name, false)
	if err != nil || n == nil || n.kind != KindFile || n.rec == nil {
		return nil, 0, false
	}
	return n.rec, n.off, true
}

// EntryLayer returns the index of the layer that last wrote the entry at
// name (links not followed, kept or not), or -1 when there is none.
func (t *Tree) EntryLayer(name string) int {
	n, err := t.lookup(name, false)
	if err != nil || n == nil {
		return -1
	}
	return n.layer
}

// Unreadable reports why a wanted path that was written cannot be read:
// a symbolic link to a file whose contents were not kept (only the paths
// extractors ask for are kept, and a link's target is not known while the
// layer streams by), a hard link likewise, or a link loop. It returns ""
// when the path reads.
func (t *Tree) Unreadable(name string) string {
	entry, _ := t.lookup(name, false)
	if entry == nil {
		return ""
	}
	n, err := t.lookup(name, true)
	switch {
	case err != nil:
		return err.Error()
	case entry.kind == KindSymlink && (n == nil || (n.kind == KindFile && !n.kept())):
		return fmt.Sprintf("is a link to %q, whose contents lading did not keep (it reads links to the files it looks for only when the target is itself one of them)", entry.link)
	case entry.kind == KindFile && !entry.kept() && entry.link != "":
		return fmt.Sprintf("is a hard link to %q, whose contents lading did not keep (it keeps the files it looks for, and hard links to them)", entry.link)
	case entry.kind == KindFile && !entry.kept():
		return "is a hard link to a file whose contents lading did not keep"
	}
	return ""
}

// Walk calls fn for every node under the root in lexical order, with links
// not followed. It exists for tests and diagnostics.
func (t *Tree) Walk(fn func(name string, kind Kind, link string, captured bool)) {
	var walk func(prefix string, n *node)
	walk = func(prefix string, n *node) {
		names := make([]string, 0, len(n.children))
		for k := range n.children {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			c := n.children[k]
			p := path.Join(prefix, k)
			fn(p, c.kind, c.link, c.kept())
			if c.kind == KindDir {
				walk(p, c)
			}
		}
	}
	walk("", t.root)
}
