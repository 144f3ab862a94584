package layer

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

const maxLinkHops = 40

var errLinkLoop = errors.New("too many levels of symbolic links")

// ErrGone is opening a file whose layer came from the layer cache, which
// keeps the contents of only the files read as a whole view (package
// databases, os-release).
var ErrGone = errors.New("its contents are not kept in the layer cache")

// lookup finds the node at name, following links in every directory
// component and, when follow is set, in the last one too. Links are resolved
// inside the tree: an absolute target starts at the image root and ".." at
// the root stays at the root, as a chroot would. It returns (nil, nil) when
// nothing is there.
func (t *Tree) lookup(name string, follow bool) (*node, error) {
	n, _, err := t.resolve(name, follow)
	return n, err
}

func (t *Tree) resolve(name string, follow bool) (*node, string, error) {
	hops := 0
	pending := splitPath(name)
	var stack []*node // directories from the root to the current one
	var names []string
	cur := t.root
	for len(pending) > 0 {
		part := pending[0]
		pending = pending[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			if len(stack) > 0 {
				cur = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				names = names[:len(names)-1]
			}
			continue
		}
		if cur.kind != KindDir {
			return nil, "", nil
		}
		child := cur.children[part]
		if child == nil {
			return nil, "", nil
		}
		last := len(pending) == 0
		if child.kind == KindSymlink && (!last || follow) {
			hops++
			if hops > maxLinkHops {
				return nil, "", errLinkLoop
			}
			target := splitPath(child.link)
			if strings.HasPrefix(child.link, "/") {
				cur, stack, names = t.root, nil, nil
			}
			pending = append(target, pending...)
			continue
		}
		stack = append(stack, cur)
		names = append(names, part)
		cur = child
	}
	return cur, strings.Join(names, "/"), nil
}

func splitPath(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}

// Open implements fs.FS. Only directories and the files that were wanted
// can be opened; other files do not exist in this view.
func (t *Tree) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	n, canon, err := t.resolve(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if n == nil || (n.kind == KindFile && !n.kept()) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	info := fileInfo{name: path.Base(name), n: n}
	if canon == "" {
		info.name = "."
	}
	if n.kind == KindDir {
		return &dirFile{tree: t, info: info, n: n}, nil
	}
	if n.gone {
		return nil, &fs.PathError{Op: "open", Path: name, Err: ErrGone}
	}
	if n.rec != nil {
		return &file{info: info, r: io.NewSectionReader(n.rec, n.off, n.size)}, nil
	}
	if n.spill != "" {
		f, err := os.Open(n.spill)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &file{info: info, r: f, c: f}, nil
	}
	return &file{info: info, r: bytes.NewReader(n.data)}, nil
}

// ReadFile implements fs.ReadFileFS without copying the kept bytes more
// than once.
func (t *Tree) ReadFile(name string) ([]byte, error) {
	f, err := t.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ff, ok := f.(*file)
	if !ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	if ff.info.n.spill != "" || ff.info.n.rec != nil {
		return io.ReadAll(ff.r)
	}
	return bytes.Clone(ff.info.n.data), nil
}

type fileInfo struct {
	name string
	n    *node
}

func (i fileInfo) Name() string { return i.name }
func (i fileInfo) Size() int64 {
	if i.n.kind != KindFile {
		return 0
	}
	return i.n.size
}
func (i fileInfo) Mode() fs.FileMode {
	perm := fs.FileMode(i.n.mode) & fs.ModePerm
	switch i.n.kind {
	case KindDir:
		return fs.ModeDir | perm
	case KindSymlink:
		return fs.ModeSymlink | perm
	}
	return perm
}
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return i.n.kind == KindDir }
func (i fileInfo) Sys() any           { return nil }

// contents is what a kept file reads from: its bytes in memory or its
// spilled copy on disk.
type contents interface {
	io.ReadSeeker
	io.ReaderAt
}

type file struct {
	info fileInfo
	r    contents
	c    io.Closer
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *file) Close() error {
	if f.c != nil {
		return f.c.Close()
	}
	return nil
}
func (f *file) Seek(off int64, whence int) (int64, error) {
	return f.r.Seek(off, whence)
}
func (f *file) ReadAt(b []byte, off int64) (int, error) { return f.r.ReadAt(b, off) }

type dirFile struct {
	tree    *Tree
	info    fileInfo
	n       *node
	entries []fs.DirEntry
	offset  int
	read    bool
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}
func (d *dirFile) Close() error { return nil }

// ReadDir lists the directories, links and kept files in the directory.
func (d *dirFile) ReadDir(count int) ([]fs.DirEntry, error) {
	if !d.read {
		d.read = true
		names := make([]string, 0, len(d.n.children))
		for name, c := range d.n.children {
			if c.kind == KindFile && !c.kept() {
				continue
			}
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			d.entries = append(d.entries, fs.FileInfoToDirEntry(fileInfo{name: name, n: d.n.children[name]}))
		}
	}
	rest := d.entries[d.offset:]
	if count <= 0 {
		d.offset = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if count > len(rest) {
		count = len(rest)
	}
	d.offset += count
	return rest[:count], nil
}
