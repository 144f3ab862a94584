// Package rpm reads the packages installed on Red Hat, SUSE, Amazon Linux,
// Azure Linux / CBL-Mariner and other rpm based systems from rpm's
// database, in any of its three formats: Berkeley DB (Packages), SQLite
// (rpmdb.sqlite) and SUSE's NDB (Packages.db).
//
// The database is parsed by github.com/knqyf263/go-rpmdb. That library
// reads Berkeley DB and NDB files in a goroutine of its own, where a
// hostile file can make it panic (out of range indexes), loop forever (a
// cycle of overflow pages) or allocate without bound, and no recover in
// the caller can stop that; its header parser, in the caller's goroutine,
// can spend billions of steps on one crafted header. So each file is
// first walked here with every bound checked, the way the library will
// walk it, each package header is checked as rpm itself checks it, and the
// file goes to the library only when all of that succeeds; a panic left
// in the library's header parsing is recovered.
package rpm

import (
	"context"
	"errors"
	"io/fs"
	"path"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// dbDirs are where rpm keeps its database: the newer place first.
var dbDirs = []string{"usr/lib/sysimage/rpm", "var/lib/rpm"}

// dbFiles are the database files, newest format first.
var dbFiles = []string{"rpmdb.sqlite", "Packages.db", "Packages"}

// dbPaths lists the candidate databases in the order they are tried.
// An image holds one live rpm database. The same file often appears
// twice (var/lib/rpm is a link to usr/lib/sysimage/rpm on Fedora and
// SUSE), and an older-format file may be left behind after rpm converted
// the database, so the newest format wins, then the newer place.
var dbPaths = func() []string {
	var ps []string
	for _, f := range dbFiles {
		for _, d := range dbDirs {
			ps = append(ps, path.Join(d, f))
		}
	}
	return ps
}()

// walSuffix names the write-ahead log of an rpmdb.sqlite. Images can ship
// the database with transactions still in the log (not checkpointed into
// the main file), so the log is read along with it. The -shm index is not
// needed: SQLite rebuilds it from the log.
const walSuffix = "-wal"

var wanted = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range dbPaths {
		m[p] = true
		if path.Base(p) == "rpmdb.sqlite" {
			m[p+walSuffix] = true
		}
	}
	return m
}()

// Extractor reads rpm databases. The zero value is ready to use.
type Extractor struct{}

// New returns an rpm extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "rpm" }

// Version implements extract.Extractor.
func (*Extractor) Version() int { return 1 }

// Wants reports whether path is an rpm database file: Packages,
// rpmdb.sqlite (and its rpmdb.sqlite-wal log) or Packages.db in
// var/lib/rpm or usr/lib/sysimage/rpm.
func (*Extractor) Wants(path string) bool { return wanted[path] }

// Extract reads the first database of dbPaths that exists and can be read;
// see dbPaths for the order. Each database that fails is reported as a
// *extract.FileError, and the next one is tried. The database is copied to
// a file under in.TempDir for the parser, and removed afterwards.
func (e *Extractor) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	var errs []error
	for _, p := range dbPaths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st, err := fs.Stat(in.FS, p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && !st.Mode().IsRegular() {
			continue
		}
		var infos []*pkgInfo
		if err == nil {
			infos, err = readDB(ctx, in.FS, p, in.TempDir)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			errs = append(errs, &extract.FileError{Path: p, Err: err})
			continue
		}
		var pkgs []*inventory.Package
		for _, info := range infos {
			if pkg := toPackage(info, p, in.Distro); pkg != nil {
				pkgs = append(pkgs, pkg)
			}
		}
		return pkgs, errors.Join(errs...)
	}
	return nil, errors.Join(errs...)
}
