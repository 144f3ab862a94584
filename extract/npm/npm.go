// Package npm finds JavaScript packages: the ones installed in node_modules
// folders (each node_modules/<name>/package.json) and the ones pinned by the
// lockfiles of npm (package-lock.json, npm-shrinkwrap.json), Yarn (yarn.lock,
// the v1 format and the YAML format of Yarn 2 and later, "berry") and pnpm
// (pnpm-lock.yaml).
//
// Two extractors share the work so that a caller can run either: Installed
// reads what is on disk, Lock reads the lockfiles. Both are per-file
// extractors (extract.FileExtractor).
//
// Choices that decide what is reported:
//   - Installed packages are identified by the name and version fields of
//     their own package.json, so an alias (node_modules/foo holding
//     package bar) is reported as bar. Copies of a package nested in other
//     packages' node_modules folders are separate packages, each with its
//     own location. Only package.json files directly in a package folder
//     (node_modules/<name>/ or node_modules/@<scope>/<name>/) count; the
//     project's own package.json and the package.json files that packages
//     carry in their subfolders (tests, sub-entry points) do not.
//   - node_modules/.package-lock.json, the hidden lockfile npm 7 and later
//     write next to the installed tree, is not read: it is npm's cache of
//     the package.json files beside it, which Installed already reports,
//     and reading it too would report every package twice. When the tree
//     has been changed by hand the package.json files are the truth.
//   - Lockfiles inside node_modules (which some packages publish) are not
//     read: they pin their authors' development set-up, not what is
//     installed.
//   - A lockfile gives each name and version once, whatever the number of
//     places it would be installed in (all of them share the lockfile as
//     location). Development and optional dependencies are reported like
//     the others: inventory.Package has no field to mark them, and a
//     lockfile does not say whether they were installed.
//   - Entries that are the project's own code are skipped: the root entry,
//     workspace members and links to folders (package-lock "link" entries
//     and folders outside node_modules, Yarn workspace:, link: and portal:
//     resolutions, pnpm directory resolutions). Packages from git or from
//     tarball URLs are reported with the version their lockfile records.
package npm

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/inventory"
)

// Type is the package type of JavaScript packages, in reports and purls.
const Type = "npm"

// MaxFileSize is the largest package.json or lockfile read; a larger one
// is reported as a *extract.FileError.
const MaxFileSize = 256 << 20

// readFile reads the regular file name of at most MaxFileSize bytes. A
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

// inNodeModules reports whether p lies inside a node_modules folder.
func inNodeModules(p string) bool {
	return strings.HasPrefix(p, "node_modules/") || strings.Contains(p, "/node_modules/")
}

// newPackage builds an npm package found in the file at loc.
func newPackage(name, version, loc string, licenses []string) *inventory.Package {
	return &inventory.Package{
		Name:          name,
		Version:       version,
		Type:          Type,
		SourceName:    name,
		SourceVersion: version,
		PURL:          purl(name, version),
		Licenses:      licenses,
		Locations:     []inventory.Location{{Path: loc}},
	}
}

// purl builds pkg:npm/<scope>/<name>@<version>, the scope ("@babel")
// being the namespace. Names are lower-cased, as the purl spec has it for
// npm (the registry has a few old packages with capitals).
func purl(name, version string) string {
	ns, n := "", name
	if strings.HasPrefix(name, "@") {
		if i := strings.IndexByte(name, '/'); i > 0 {
			ns, n = name[:i], name[i+1:]
		}
	}
	return packageurl.NewPackageURL(packageurl.TypeNPM, strings.ToLower(ns), strings.ToLower(n), version, nil, "").ToString()
}

// validName reports whether name can be an npm package name: not empty,
// no spaces or control characters, at most one "/" and only after an
// "@scope". The registry's own rules are stricter; this only keeps out
// what cannot be a name at all.
func validName(name string) bool {
	if name == "" || len(name) > 214 || strings.ContainsAny(name, " \t\r\n\\") {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	scope, rest, scoped := strings.Cut(name, "/")
	if !scoped {
		return !strings.HasPrefix(name, "@") && name != "." && name != ".."
	}
	return strings.HasPrefix(scope, "@") && len(scope) > 1 && rest != "" && !strings.Contains(rest, "/") && rest != "." && rest != ".."
}

// validVersion reports whether v can be a version: not empty and free of
// spaces and control characters. Lockfile entries whose "version" is a URL
// or a path (git and folder dependencies of old lockfiles) are refused by
// the callers with plainVersion.
func validVersion(v string) bool {
	if v == "" || len(v) > 256 {
		return false
	}
	for _, r := range v {
		if r <= 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// plainVersion reports whether v is a version number rather than a URL,
// path or protocol reference (git+https://..., file:../x, github:a/b).
func plainVersion(v string) bool {
	return validVersion(v) && !strings.ContainsAny(v, ":/")
}

// collector gathers the packages of one lockfile, each name and version
// once, in the order first seen.
type collector struct {
	loc  string
	seen map[string]bool
	pkgs []*inventory.Package
}

func newCollector(loc string) *collector { return &collector{loc: loc, seen: map[string]bool{}} }

func (c *collector) add(name, version string, licenses []string) {
	name, version = strings.TrimSpace(name), strings.TrimSpace(version)
	if !validName(name) || !validVersion(version) {
		return
	}
	k := name + "@" + version
	if c.seen[k] {
		return
	}
	c.seen[k] = true
	c.pkgs = append(c.pkgs, newPackage(name, version, c.loc, licenses))
}

// isBase reports whether the last element of p is name.
func isBase(p, name string) bool { return path.Base(p) == name }
