package extract

import (
	"context"
	"errors"
	"io/fs"

	"github.com/lading-dev/lading/inventory"
)

// WalkFiles is the Extract of a FileExtractor for callers other than the
// scan (which hands it files one at a time): it walks in.FS and runs
// e.ExtractFile on every file that e.Wants picks or, for a FileWanter, that
// e.WantsFile picks. Unreadable entries and failed files are returned as
// *FileError values joined together, beside what was read.
func WalkFiles(ctx context.Context, e FileExtractor, in Input) ([]*inventory.Package, error) {
	fw, picksByMode := e.(FileWanter)
	var pkgs []*inventory.Package
	var errs []error
	err := fs.WalkDir(in.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, &FileError{Path: p, Err: err})
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if p == "." || d.IsDir() {
			return nil
		}
		if !e.Wants(p) {
			if !picksByMode || !d.Type().IsRegular() {
				return nil
			}
			info, err := d.Info()
			if err != nil || !fw.WantsFile(p, info.Mode(), info.Size()) {
				return nil
			}
		}
		got, err := e.ExtractFile(ctx, in, p)
		pkgs = append(pkgs, got...)
		if err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	if err != nil {
		return pkgs, err
	}
	return pkgs, errors.Join(errs...)
}

// AsFileError wraps err as a *FileError for path, unless it is nil or
// already one.
func AsFileError(path string, err error) error {
	if err == nil {
		return nil
	}
	var fe *FileError
	if errors.As(err, &fe) {
		return err
	}
	return &FileError{Path: path, Err: err}
}
