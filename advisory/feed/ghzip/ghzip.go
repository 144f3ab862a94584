// Package ghzip reads GitHub branch archives, the zip files GitHub serves
// at https://github.com/<owner>/<repo>/archive/refs/heads/<branch>.zip:
// every entry sits under one top folder named <repo>-<branch>/. The
// native advisory repositories (pypa, rustsec, rubysec, FriendsOfPHP) are
// read from such archives entry by entry, with the same bounds as the OSV
// zip reader: a cap on the number of entries and on each entry's
// uncompressed size.
package ghzip

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Limits on an archive, to bound memory and time on a hostile or corrupt
// download.
const (
	// MaxEntrySize is the largest uncompressed entry read (16 MiB).
	MaxEntrySize = 16 << 20
	// MaxEntries is the largest number of entries accepted in one zip.
	MaxEntries = 2_000_000
)

// maxEntries is MaxEntries; tests lower it.
var maxEntries = MaxEntries

// ErrTooLarge reports an entry over MaxEntrySize.
var ErrTooLarge = errors.New("entry larger than the 16 MiB limit")

// Entry is one file of the archive.
type Entry struct {
	// Path is the file's path in the repository: the entry name without
	// the top folder ("vulns/jinja2/PYSEC-2019-217.yaml").
	Path string
	// Name is the entry name as stored in the zip, for messages.
	Name string
	file *zip.File
}

// Read returns the entry's content. An entry over MaxEntrySize (as
// declared, or as actually decompressed) and a damaged entry are errors.
func (e Entry) Read() ([]byte, error) {
	if e.file.UncompressedSize64 > MaxEntrySize {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, e.file.UncompressedSize64)
	}
	rc, err := e.file.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// The header's size may lie; read at most one byte past the limit.
	data, err := io.ReadAll(io.LimitReader(rc, MaxEntrySize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxEntrySize {
		return nil, ErrTooLarge
	}
	return data, nil
}

// Archive is an opened branch archive.
type Archive struct {
	// Top is the single top folder without its slash
	// ("advisory-database-main").
	Top string
	// Entries are the archive's files (folders left out) in zip order.
	Entries []Entry
}

// Open reads the central directory of the zip in r. It fails when the
// zip is unreadable, holds more than MaxEntries entries, or is not a
// branch archive (an entry outside one common top folder). Errors do not
// name the file; callers add it.
func Open(r io.ReaderAt, size int64) (*Archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("reading zip: %w", err)
	}
	if len(zr.File) > maxEntries {
		return nil, fmt.Errorf("zip has %d entries, more than the limit of %d", len(zr.File), maxEntries)
	}
	a := &Archive{}
	for _, zf := range zr.File {
		n := strings.TrimPrefix(zf.Name, "./")
		i := strings.IndexByte(n, '/')
		if i <= 0 {
			return nil, fmt.Errorf("entry %s is not under a top folder: not a GitHub branch archive", zf.Name)
		}
		top := n[:i]
		if a.Top == "" {
			a.Top = top
		} else if top != a.Top {
			return nil, fmt.Errorf("entries under %s/ and %s/: not a GitHub branch archive (one top folder)", a.Top, top)
		}
		if zf.FileInfo().IsDir() || strings.HasSuffix(n, "/") {
			continue
		}
		a.Entries = append(a.Entries, Entry{Path: n[i+1:], Name: zf.Name, file: zf})
	}
	if a.Top == "" {
		return nil, errors.New("empty zip")
	}
	return a, nil
}

// Walk calls fn for every file entry in zip order, stopping at the first
// error, which it returns unwrapped; it checks ctx between entries.
func (a *Archive) Walk(ctx context.Context, fn func(Entry) error) error {
	for _, e := range a.Entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// OpenFile opens the archive at path and calls fn with it; the file is
// closed when fn returns. Errors do not name the file.
func OpenFile(path string, fn func(*Archive) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	a, err := Open(f, fi.Size())
	if err != nil {
		return err
	}
	return fn(a)
}
