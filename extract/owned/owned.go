// Package owned tells which language packages were installed by the
// operating system's package manager rather than by pip, npm and the like.
//
// Python packages installed by the OS package manager (dpkg owns their
// files) are reported under the OS package and matched with the
// distribution's verdict, not again as PyPI packages: Debian's
// python3-cryptography 38.0.4-3+deb12u1 carries Debian's fixes, which an
// advisory for PyPI's cryptography 38.0.4 knows nothing of. The same holds
// for any language package whose metadata file an OS package owns.
//
// The check runs after extraction, on the whole inventory: Partition (and
// DropOSOwned, which keeps only its first result) reads dpkg's file lists,
// var/lib/dpkg/info/<package>.list, and the <package>.md5sums files that
// distroless images keep in var/lib/dpkg/status.d, and drops the language
// packages all of whose locations are files (or metadata folders) that an
// installed OS package owns. The OS package must be in the inventory
// given: a file list left behind by a removed package owns nothing.
//
// The file lists are kept by the layer walk only when an extractor wants
// them; New returns one that does and reports no packages.
//
// rpm is not covered yet: extract/rpm reads each header's file names
// through go-rpmdb but does not keep them.
package owned

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

const (
	infoDir    = "var/lib/dpkg/info"
	statusDDir = "var/lib/dpkg/status.d"
)

// Extractor keeps dpkg's file lists in the layer walk for Partition. It
// reports no packages. The zero value is ready to use.
type Extractor struct{}

// New returns the extractor that keeps dpkg's file lists.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "dpkg-files" }

// Version implements extract.Extractor.
func (*Extractor) Version() int { return 1 }

// Wants reports whether p is var/lib/dpkg/info/<package>.list or
// var/lib/dpkg/status.d/<name>.md5sums.
func (*Extractor) Wants(p string) bool {
	if name, ok := strings.CutPrefix(p, infoDir+"/"); ok {
		return len(name) > len(".list") && strings.HasSuffix(name, ".list") && !strings.Contains(name, "/")
	}
	if name, ok := strings.CutPrefix(p, statusDDir+"/"); ok {
		return len(name) > len(".md5sums") && strings.HasSuffix(name, ".md5sums") && !strings.Contains(name, "/")
	}
	return false
}

// Extract reports nothing: the files are read by Partition.
func (*Extractor) Extract(context.Context, extract.Input) ([]*inventory.Package, error) {
	return nil, nil
}

// Owned is a language package whose files belong to an OS package.
type Owned struct {
	Package *inventory.Package // the language package
	Owner   *inventory.Package // the OS package that owns its files
}

// DropOSOwned returns the language packages of lang that no OS package of
// osPkgs owns (see Partition). When the file lists cannot be read, the
// packages they would have dropped are kept: reporting a package twice is
// better than hiding it.
func DropOSOwned(fsys fs.FS, osPkgs, lang []*inventory.Package) []*inventory.Package {
	kept, _, _ := Partition(fsys, osPkgs, lang)
	return kept
}

// Partition splits lang into the packages to keep and those owned by an
// installed OS package: every location of an owned package is a file, or
// lies in a *.dist-info, *.egg-info or EGG-INFO folder, listed by the
// dpkg file list of a package in osPkgs. Order is kept. Files that cannot
// be read are returned as joined *extract.FileError next to the result of
// the others.
func Partition(fsys fs.FS, osPkgs, lang []*inventory.Package) (kept []*inventory.Package, owned []Owned, err error) {
	installed := map[string]*inventory.Package{}
	for _, p := range osPkgs {
		if p.Type != inventory.TypeDeb {
			continue
		}
		if _, ok := installed[p.Name]; !ok {
			installed[p.Name] = p
		}
		if p.Arch != "" {
			installed[p.Name+":"+p.Arch] = p
		}
	}
	// The paths worth looking up, in canonical form.
	wanted := map[string]bool{}
	for _, p := range lang {
		for _, l := range p.Locations {
			for _, c := range candidates(l.Path) {
				wanted[c] = true
			}
		}
	}
	owners := map[string]*inventory.Package{}
	var errs []error
	if len(installed) > 0 && len(wanted) > 0 {
		errs = append(errs, readLists(fsys, installed, wanted, owners)...)
		errs = append(errs, readMD5Sums(fsys, installed, wanted, owners)...)
	}
	for _, p := range lang {
		if owner := ownerOf(p, owners); owner != nil {
			owned = append(owned, Owned{Package: p, Owner: owner})
			continue
		}
		kept = append(kept, p)
	}
	return kept, owned, errors.Join(errs...)
}

// ownerOf returns the OS package that owns all of p's locations, or nil.
// OS packages are never owned.
func ownerOf(p *inventory.Package, owners map[string]*inventory.Package) *inventory.Package {
	switch p.Type {
	case inventory.TypeDeb, inventory.TypeRPM, inventory.TypeAPK:
		return nil
	}
	var owner *inventory.Package
	for _, l := range p.Locations {
		var o *inventory.Package
		for _, c := range candidates(l.Path) {
			if o = owners[c]; o != nil {
				break
			}
		}
		if o == nil {
			return nil
		}
		if owner == nil {
			owner = o
		}
	}
	return owner
}

// candidates returns the canonical paths whose ownership makes p owned:
// p itself and, for a file in a Python metadata folder, that folder.
func candidates(p string) []string {
	p = canonical(p)
	if p == "" {
		return nil
	}
	out := []string{p}
	dir := path.Dir(p)
	if b := path.Base(dir); strings.HasSuffix(b, ".dist-info") || strings.HasSuffix(b, ".egg-info") || b == "EGG-INFO" {
		out = append(out, dir)
	}
	return out
}

// mergedDirs are the top-level folders that merged-/usr systems link into
// /usr: dpkg may list /lib/x while the image holds usr/lib/x, or the other
// way round.
var mergedDirs = []string{"bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/"}

// canonical cleans p to a root-relative path and maps the merged-/usr
// folders to their /usr form.
func canonical(p string) string {
	p = strings.TrimPrefix(path.Clean("/"+strings.TrimSpace(p)), "/")
	for _, d := range mergedDirs {
		if strings.HasPrefix(p, d) || p+"/" == d {
			return "usr/" + p
		}
	}
	return p
}

// readLists reads var/lib/dpkg/info/<package>[:<arch>].list of each
// installed package and records the owner of each wanted path.
func readLists(fsys fs.FS, installed map[string]*inventory.Package, wanted map[string]bool, owners map[string]*inventory.Package) []error {
	ents, err := fs.ReadDir(fsys, infoDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return []error{&extract.FileError{Path: infoDir, Err: err}}
	}
	var errs []error
	for _, e := range ents {
		stem, ok := strings.CutSuffix(e.Name(), ".list")
		if !ok || e.IsDir() {
			continue
		}
		owner := installed[stem]
		if owner == nil {
			name, _, _ := strings.Cut(stem, ":")
			owner = installed[name]
		}
		if owner == nil {
			continue
		}
		p := infoDir + "/" + e.Name()
		if err := scanLines(fsys, p, func(line string) {
			if c := canonical(line); wanted[c] && owners[c] == nil {
				owners[c] = owner
			}
		}); err != nil {
			errs = append(errs, &extract.FileError{Path: p, Err: err})
		}
	}
	return errs
}

// readMD5Sums reads the var/lib/dpkg/status.d/<name>.md5sums files of
// distroless images ("<md5>  <path>" lines). The package is the one named
// by the Package field of the status file <name> beside it, or <name>.
func readMD5Sums(fsys fs.FS, installed map[string]*inventory.Package, wanted map[string]bool, owners map[string]*inventory.Package) []error {
	ents, err := fs.ReadDir(fsys, statusDDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return []error{&extract.FileError{Path: statusDDir, Err: err}}
	}
	var errs []error
	for _, e := range ents {
		stem, ok := strings.CutSuffix(e.Name(), ".md5sums")
		if !ok || e.IsDir() {
			continue
		}
		owner := installed[packageField(fsys, statusDDir+"/"+stem)]
		if owner == nil {
			owner = installed[stem]
		}
		if owner == nil {
			continue
		}
		p := statusDDir + "/" + e.Name()
		if err := scanLines(fsys, p, func(line string) {
			f := strings.Fields(line)
			if len(f) < 2 {
				return
			}
			file := strings.TrimSpace(strings.TrimPrefix(line, f[0]))
			if c := canonical(file); wanted[c] && owners[c] == nil {
				owners[c] = owner
			}
		}); err != nil {
			errs = append(errs, &extract.FileError{Path: p, Err: err})
		}
	}
	return errs
}

// packageField returns the first Package field of a deb822 status file,
// or "".
func packageField(fsys fs.FS, p string) string {
	var name string
	scanLines(fsys, p, func(line string) {
		if name != "" {
			return
		}
		if v, ok := strings.CutPrefix(line, "Package:"); ok {
			name = strings.TrimSpace(v)
		}
	})
	return name
}

// maxLine bounds one line of a file list (paths are at most 4096 bytes).
const maxLine = 64 << 10

// scanLines calls fn with each line of the file p.
func scanLines(fsys fs.FS, p string, fn func(string)) error {
	f, err := fsys.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	for sc.Scan() {
		fn(sc.Text())
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading: %w", err)
	}
	return nil
}
