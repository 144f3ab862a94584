// Package python finds Python distributions: the ones installed in an
// image (the METADATA of *.dist-info folders, the PKG-INFO of *.egg-info
// folders and eggs, and *.egg-info files, which Debian ships) and the ones
// pinned by requirements files, poetry.lock, Pipfile.lock, uv.lock and
// pylock.toml (PEP 751).
//
// Two per-file extractors (extract.FileExtractor) share the work: Installed
// reads what is installed, Lock reads the requirements and lockfiles.
//
// Names are reported as spelled by their metadata or lockfile ("PyYAML",
// "Jinja2"); the purl carries the PEP 503 normalised name
// (pkg:pypi/pyyaml@6.0), which is also the key under which a lockfile
// lists a distribution once and under which installed metadata is
// de-duplicated.
//
// Choices that decide what is reported:
//   - Installed: a distribution installed with both a *.dist-info folder
//     and a *.egg-info (folder or file) in the same directory, for the same
//     normalised name and the same version, is reported once, from the
//     dist-info (Debian's python3-cryptography ships both). The check is
//     made when the egg-info is read, against the dist-info folders beside
//     it at that time. Different versions are both reported.
//   - Requirements files: only exact pins ("name==1.2", "name===1.2",
//     with or without extras, markers, hashes and comments) become
//     packages. Lines with ranges (>=, ~=, !=, <), wildcards (==1.*),
//     several clauses, no specifier at all, URLs, paths, editable
//     installs and options are skipped: without a version they cannot be
//     matched, and guessing one would be wrong. "-r other.txt" includes
//     that are not themselves read (because the file is not in the image
//     or is not named like a requirements file) are reported as an
//     *UnresolvedIncludeError inside a *extract.FileError, so the scan
//     records that part of the pins was not seen; "-c" constraints files
//     install nothing and are ignored.
//   - Lockfiles: development and optional groups are reported like the
//     rest (inventory.Package cannot mark them, and a lockfile does not
//     say what was installed). Entries for the project's own code are
//     skipped: uv's editable, virtual and directory sources, poetry's and
//     pylock's directory sources, Pipfile.lock entries without a version
//     (editable and VCS installs).
//   - Requirements files and lockfiles inside site-packages or
//     dist-packages are not read: they belong to an installed package's
//     own development set-up.
package python

import (
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/inventory"
)

// Type is the package type of Python distributions, in reports and purls.
const Type = "pypi"

// MaxFileSize is the largest lockfile or requirements file read; a larger
// one is reported as a *extract.FileError.
const MaxFileSize = 256 << 20

var pep503 = regexp.MustCompile(`[-_.]+`)

// Normalize returns the PEP 503 form of a distribution name: lower case,
// each run of "-", "_" and "." replaced by one "-". Names are compared,
// and advisories looked up, in this form.
func Normalize(name string) string {
	return pep503.ReplaceAllString(strings.ToLower(strings.TrimSpace(name)), "-")
}

// newPackage builds a Python package recorded in the file at loc.
func newPackage(name, version, loc string, licenses []string) *inventory.Package {
	return &inventory.Package{
		Name:          name,
		Version:       version,
		Type:          Type,
		SourceName:    name,
		SourceVersion: version,
		PURL:          packageurl.NewPackageURL(packageurl.TypePyPi, "", Normalize(name), version, nil, "").ToString(),
		Licenses:      licenses,
		Locations:     []inventory.Location{{Path: loc}},
	}
}

var nameRe = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$`)

// validName reports whether name is a valid distribution name (PEP 508:
// ASCII letters and digits, with ".", "_" and "-" inside).
func validName(name string) bool { return len(name) <= 256 && nameRe.MatchString(name) }

// validVersion reports whether v can be a version: not empty, not too
// long, and free of spaces, control characters and the characters of
// version operators and URLs.
func validVersion(v string) bool {
	if v == "" || len(v) > 128 {
		return false
	}
	for _, r := range v {
		if r <= 0x20 || r >= 0x7f || strings.ContainsRune("<>=~*,;:/\\@$\"'()[]{}", r) {
			return false
		}
	}
	return true
}

// readFile reads the regular file name, of at most MaxFileSize bytes. A
// directory gives (nil, nil): the layer walk asks about every path,
// directories included.
func readFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxFileSize)
	}
	return data, nil
}

// collector gathers the packages of one lockfile, each normalised name
// and version once, in the order first seen.
type collector struct {
	loc  string
	seen map[string]bool
	pkgs []*inventory.Package
}

func newCollector(loc string) *collector { return &collector{loc: loc, seen: map[string]bool{}} }

func (c *collector) add(name, version string) {
	name, version = strings.TrimSpace(name), strings.TrimSpace(version)
	if !validName(name) || !validVersion(version) {
		return
	}
	k := Normalize(name) + "@" + version
	if c.seen[k] {
		return
	}
	c.seen[k] = true
	c.pkgs = append(c.pkgs, newPackage(name, version, c.loc, nil))
}

// inSitePackages reports whether p lies inside a site-packages or
// dist-packages folder.
func inSitePackages(p string) bool {
	for _, d := range []string{"site-packages/", "dist-packages/"} {
		if strings.HasPrefix(p, d) || strings.Contains(p, "/"+d) {
			return true
		}
	}
	return false
}
