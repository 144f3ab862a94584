package rpm

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// OwnedFiles reads the first rpm database in fsys (in the order Extract
// uses) and returns every file its installed packages list, as a path
// relative to the root ("usr/lib64/python3.9/site-packages/rpm"), mapped to
// the package's name. It returns nil, nil when fsys holds no database.
func OwnedFiles(ctx context.Context, fsys fs.FS, tempDir string) (map[string]string, error) {
	var errs []error
	for _, p := range dbPaths {
		st, err := fs.Stat(fsys, p)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && !st.Mode().IsRegular()) {
			continue
		}
		var infos []*pkgInfo
		if err == nil {
			infos, err = readDB(ctx, fsys, p, tempDir)
		}
		if err != nil {
			errs = append(errs, &extract.FileError{Path: p, Err: err})
			continue
		}
		owners := map[string]string{}
		for _, info := range infos {
			if info.Name == "gpg-pubkey" {
				continue
			}
			names, err := info.InstalledFileNames()
			if err != nil {
				continue // a header without file lists owns nothing
			}
			for _, n := range names {
				owners[strings.TrimPrefix(n, "/")] = info.Name
			}
		}
		return owners, errors.Join(errs...)
	}
	return nil, errors.Join(errs...)
}

// DropOwned returns the packages of lang that are not owned by an rpm
// package: a package is owned when every one of its locations, or the
// metadata folder holding it (a Python .dist-info or .egg-info), is a file
// the rpm database lists. Packages are kept when no database can be read.
func DropOwned(ctx context.Context, fsys fs.FS, tempDir string, lang []*inventory.Package) []*inventory.Package {
	owners, _ := OwnedFiles(ctx, fsys, tempDir)
	if len(owners) == 0 {
		return lang
	}
	var kept []*inventory.Package
	for _, p := range lang {
		if !ownedByRPM(p, owners) {
			kept = append(kept, p)
		}
	}
	return kept
}

func ownedByRPM(p *inventory.Package, owners map[string]string) bool {
	if len(p.Locations) == 0 {
		return false
	}
	for _, l := range p.Locations {
		path := strings.TrimPrefix(l.Path, "/")
		if _, ok := owners[path]; ok {
			continue
		}
		// rpm lists a metadata folder's files; an .egg-info may be a
		// single file or a folder whose PKG-INFO is the location.
		dir := path[:max(strings.LastIndexByte(path, '/'), 0)]
		if _, ok := owners[dir]; ok && (strings.HasSuffix(dir, ".dist-info") || strings.HasSuffix(dir, ".egg-info")) {
			continue
		}
		return false
	}
	return true
}
