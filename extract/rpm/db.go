package rpm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	// The database/sql driver go-rpmdb opens rpmdb.sqlite with (as "sqlite").
	_ "github.com/glebarez/go-sqlite"
	rpmdb "github.com/knqyf263/go-rpmdb/pkg"
)

// MaxDBSize is the largest database read (the largest real ones, on
// desktop installations, are a few hundred megabytes).
const MaxDBSize = 1 << 30

type pkgInfo = rpmdb.PackageInfo

// format is an rpm database file format.
type format int

const (
	formatUnknown format = iota
	formatBDB
	formatSQLite
	formatNDB
)

// readDB copies the database name out of fsys into a scratch folder under
// tempDir, checks it, and lists its packages.
func readDB(ctx context.Context, fsys fs.FS, name, tempDir string) ([]*pkgInfo, error) {
	dir, err := os.MkdirTemp(tempDir, "rpmdb-")
	if err != nil {
		return nil, fmt.Errorf("making scratch folder: %w", err)
	}
	defer os.RemoveAll(dir)
	local := filepath.Join(dir, path.Base(name))
	if err := copyOut(fsys, name, local); err != nil {
		return nil, err
	}
	if path.Base(name) == "rpmdb.sqlite" {
		err := copyOut(fsys, name+walSuffix, local+walSuffix)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s%s: %w", name, walSuffix, err)
		}
	}
	f, err := os.Open(local)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch sniff(f) {
	case formatBDB:
		err = checkBDB(ctx, f, st.Size())
	case formatNDB:
		err = checkNDB(ctx, f, st.Size())
	case formatSQLite:
		err = checkSQLite(ctx, local)
	default:
		err = errors.New("not an rpm database: neither Berkeley DB hash, SQLite nor NDB")
	}
	if err != nil {
		return nil, err
	}
	return listPackages(local)
}

// copyOut writes the file name of fsys to the new file local.
func copyOut(fsys fs.FS, name, local string) error {
	src, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(local, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(dst, io.LimitReader(src, MaxDBSize+1))
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copying to %s: %w", local, err)
	}
	if n > MaxDBSize {
		return fmt.Errorf("larger than %d bytes", MaxDBSize)
	}
	return nil
}

// sniff tells the format from the first bytes, as go-rpmdb's Open does.
func sniff(f *os.File) format {
	var b [16]byte
	n, _ := f.ReadAt(b[:], 0)
	switch {
	case n == 16 && string(b[:]) == "SQLite format 3\x00":
		return formatSQLite
	case n >= 4 && le.Uint32(b[:]) == ndbHeaderMagic:
		return formatNDB
	case n == 16 && (le.Uint32(b[12:]) == bdbHashMagic || be.Uint32(b[12:]) == bdbHashMagic):
		return formatBDB
	}
	return formatUnknown
}

// listPackages runs go-rpmdb on a checked database. A panic in the
// caller-goroutine part of the library becomes an error.
func listPackages(local string) (pkgs []*pkgInfo, err error) {
	defer func() {
		if r := recover(); r != nil {
			pkgs, err = nil, fmt.Errorf("rpm database parser failed: %v", r)
		}
	}()
	db, err := rpmdb.Open(local)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.ListPackages()
}
