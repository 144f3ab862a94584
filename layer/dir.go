package layer

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ApplyDir applies a root filesystem directory on the host as if it were one
// layer. Host symbolic links are recorded as links, never followed, so a
// link such as etc/os-release -> /usr/lib/os-release resolves inside the
// scanned root and not on the host.
func (t *Tree) ApplyDir(ctx context.Context, index int, root string, wants Wants) (Applied, error) {
	return t.ApplyDirFiles(ctx, index, root, wants, nil)
}

// ApplyDirFiles is ApplyDir with a second test for regular files.
func (t *Tree) ApplyDirFiles(ctx context.Context, index int, root string, wants Wants, fileWants FileWants) (Applied, error) {
	var res Applied
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			rel, _ := filepath.Rel(root, p)
			t.problem(index, filepath.ToSlash(rel), err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if res.Entries%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return nil
		}
		name := filepath.ToSlash(rel)
		res.Entries++
		want := wants(name)
		if !want && fileWants != nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				want = fileWants(name, info.Mode(), info.Size())
			}
		}
		touched, err := t.applyDirEntry(index, name, p, d, want)
		if err != nil {
			t.problem(index, name, err)
		}
		res.note(name, touched, want)
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("walking %s: %w", root, err)
	}
	return res, nil
}

func (t *Tree) applyDirEntry(index int, name, hostPath string, d fs.DirEntry, want bool) (bool, error) {
	parent, base := t.lookupParent(name, index, true)
	info, err := d.Info()
	if err != nil {
		return want, err
	}
	switch {
	case d.IsDir():
		if parent.children[base] == nil {
			parent.children[base] = &node{kind: KindDir, layer: index, mode: uint32(info.Mode().Perm()), children: map[string]*node{}}
		}
		return want, nil
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(hostPath)
		if err != nil {
			return want, err
		}
		parent.children[base] = &node{kind: KindSymlink, layer: index, link: target}
		return want, nil
	case info.Mode().IsRegular() && want:
		f, err := os.Open(hostPath)
		if err != nil {
			return want, err
		}
		defer f.Close()
		n := &node{kind: KindFile, layer: index, size: info.Size(), mode: uint32(info.Mode().Perm())}
		if err := t.capture(n, f, info.Size()); err != nil {
			return want, err
		}
		parent.children[base] = n
		return want, nil
	}
	return false, nil
}
