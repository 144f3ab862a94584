// Package fixturefs loads real root filesystem fixtures (a folder on disk or
// a tar archive) into an fstest.MapFS for tests, with symbolic links resolved
// inside the fixture root, never on the host. That is the view extractors get
// from the layer walk: paths relative to the root, links already followed.
//
// Symbolic links can reach a folder in two forms, and both are handled:
// as real links, or flattened into a small regular file that holds the link
// target as text (what a checkout without symlink support makes of them).
// A flattened link is recognised through the SHA256SUMS file of the enclosing
// fixtures folder, which lists every regular file: a file it does not list
// is a link.
package fixturefs

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// maxLinkHops bounds link resolution, as the kernel's ELOOP does.
const maxLinkHops = 40

// tree is a fixture being assembled: files, directories and links by
// cleaned root-relative path.
type tree struct {
	files map[string][]byte
	dirs  map[string]bool
	links map[string]string
}

func newTree() *tree {
	return &tree{files: map[string][]byte{}, dirs: map[string]bool{}, links: map[string]string{}}
}

// Dir loads the folder root into a MapFS. Regular files listed in the
// nearest SHA256SUMS above root are files; unlisted small files are taken as
// flattened links (see the package comment). When no SHA256SUMS is found,
// only real links are treated as links.
func Dir(t testing.TB, root string) fstest.MapFS {
	t.Helper()
	m, err := LoadDir(root)
	if err != nil {
		t.Fatalf("loading fixture %s: %v", root, err)
	}
	return m
}

// LoadDir is Dir without a testing.TB.
func LoadDir(root string) (fstest.MapFS, error) {
	sums, sumsDir, err := findSums(root)
	if err != nil {
		return nil, err
	}
	tr := newTree()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		name := filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			tr.dirs[name] = true
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			tr.links[name] = target
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if sums != nil {
				key, _ := filepath.Rel(sumsDir, p)
				if !sums[filepath.ToSlash(key)] && looksLikeLinkText(data) {
					tr.links[name] = string(data)
					return nil
				}
			}
			tr.files[name] = data
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tr.mapFS()
}

// looksLikeLinkText reports whether data could be a flattened link target:
// short, one line, no NUL.
func looksLikeLinkText(data []byte) bool {
	return len(data) > 0 && len(data) < 1024 && !strings.ContainsAny(string(data), "\x00\n")
}

// findSums reads the SHA256SUMS of the nearest folder at or above dir that
// has one. It returns the listed paths (relative to that folder, slash
// separated, without "./") and the folder.
func findSums(dir string) (map[string]bool, string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		f, err := os.Open(filepath.Join(d, "SHA256SUMS"))
		if err == nil {
			defer f.Close()
			sums := map[string]bool{}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				_, name, ok := strings.Cut(sc.Text(), "  ")
				if ok {
					sums[strings.TrimPrefix(name, "./")] = true
				}
			}
			return sums, d, sc.Err()
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, "", err
		}
		if filepath.Dir(d) == d {
			return nil, "", nil
		}
	}
}

// Tar loads a tar archive (gzip-compressed or not) into a MapFS. Member
// names are cleaned ("./etc/x" and "/etc/x" become "etc/x"); hard links
// copy their target's contents; symbolic links are resolved in the root.
func Tar(t testing.TB, archive string) fstest.MapFS {
	t.Helper()
	m, err := LoadTar(archive)
	if err != nil {
		t.Fatalf("loading fixture %s: %v", archive, err)
	}
	return m
}

// LoadTar is Tar without a testing.TB.
func LoadTar(archive string) (fstest.MapFS, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	}
	tr := newTree()
	rd := tar.NewReader(r)
	for {
		hdr, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		name := clean(hdr.Name)
		if name == "" {
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			tr.dirs[name] = true
		case tar.TypeSymlink:
			tr.links[name] = hdr.Linkname
		case tar.TypeLink:
			data, ok := tr.files[clean(hdr.Linkname)]
			if !ok {
				return nil, fmt.Errorf("%s: hard link to unknown %s", hdr.Name, hdr.Linkname)
			}
			tr.files[name] = data
		case tar.TypeReg:
			data, err := io.ReadAll(rd)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", hdr.Name, err)
			}
			tr.files[name] = data
		}
	}
	return tr.mapFS()
}

// clean makes a member name root relative; "" stands for the root.
func clean(name string) string {
	name = path.Clean("/" + name)
	return strings.TrimPrefix(name, "/")
}

// mapFS resolves every link that ends at a regular file and returns the
// files and directories as a MapFS. Links to directories and dangling links
// are left out.
func (tr *tree) mapFS() (fstest.MapFS, error) {
	m := fstest.MapFS{}
	for name := range tr.dirs {
		m[name] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
	}
	for name, data := range tr.files {
		m[name] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	for name := range tr.links {
		target, err := tr.resolve(name)
		if err != nil {
			continue
		}
		if data, ok := tr.files[target]; ok {
			m[name] = &fstest.MapFile{Data: data, Mode: 0o644}
		}
	}
	return m, nil
}

// Resolve follows links in name, component by component, inside the root:
// absolute targets start again at the root and ".." stops at the root.
func (tr *tree) resolve(name string) (string, error) {
	hops := 0
	todo := strings.Split(name, "/")
	var done []string
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := strings.Join(append(done, c), "/")
		target, isLink := tr.links[cur]
		if !isLink {
			done = append(done, c)
			continue
		}
		hops++
		if hops > maxLinkHops {
			return "", fmt.Errorf("%s: too many links", name)
		}
		if strings.HasPrefix(target, "/") {
			done = nil
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	return strings.Join(done, "/"), nil
}
