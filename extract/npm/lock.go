package npm

import (
	"context"
	"errors"
	"io/fs"
	"path"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// Lockfile names read by Lock.
const (
	PackageLock = "package-lock.json"
	Shrinkwrap  = "npm-shrinkwrap.json"
	YarnLock    = "yarn.lock"
	PnpmLock    = "pnpm-lock.yaml"
)

// Lock reads npm, Yarn and pnpm lockfiles. The zero value is ready to use.
type Lock struct{}

// NewLock returns the extractor of npm, Yarn and pnpm lockfiles.
func NewLock() *Lock { return &Lock{} }

// Name implements extract.Extractor.
func (*Lock) Name() string { return "npm-lock" }

// Version implements extract.Extractor.
func (*Lock) Version() int { return 1 }

// Wants reports whether p is a package-lock.json, npm-shrinkwrap.json,
// yarn.lock or pnpm-lock.yaml outside any node_modules folder.
func (*Lock) Wants(p string) bool {
	switch path.Base(p) {
	case PackageLock, Shrinkwrap, YarnLock, PnpmLock:
		return !inNodeModules(p)
	}
	return false
}

// Extract walks in.FS and reads every wanted lockfile. The scan calls
// ExtractFile instead.
func (e *Lock) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	return extract.WalkFiles(ctx, e, in)
}

// ExtractFile reads one lockfile, choosing the format by the file name. A
// file that cannot be parsed, or is larger than MaxFileSize, is a
// *extract.FileError naming it.
func (*Lock) ExtractFile(_ context.Context, in extract.Input, p string) ([]*inventory.Package, error) {
	data, err := readFile(in.FS, p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, extract.AsFileError(p, err)
	}
	if data == nil {
		return nil, nil
	}
	c := newCollector(p)
	switch path.Base(p) {
	case PackageLock, Shrinkwrap:
		err = parsePackageLock(data, c)
	case YarnLock:
		err = parseYarnLock(data, c)
	case PnpmLock:
		err = parsePnpmLock(data, c)
	default:
		return nil, nil
	}
	return c.pkgs, extract.AsFileError(p, err)
}
