// Package dpkg reads the packages installed on Debian and Ubuntu systems
// from dpkg's status database, and from the per-package status.d files
// that distroless images carry instead.
package dpkg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

const (
	statusFile = "var/lib/dpkg/status"
	statusDir  = "var/lib/dpkg/status.d"
)

// MaxFileSize is the largest status file read (the biggest real ones are
// tens of megabytes).
const MaxFileSize = 256 << 20

// Extractor reads dpkg status files. The zero value is ready to use.
type Extractor struct{}

// New returns a dpkg extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "dpkg" }

// Version implements extract.Extractor.
func (*Extractor) Version() int { return 1 }

// Wants reports whether path is var/lib/dpkg/status or a file directly in
// var/lib/dpkg/status.d (distroless), other than the *.md5sums and *.list
// files that may sit beside the status files there.
func (*Extractor) Wants(p string) bool {
	if p == statusFile {
		return true
	}
	name, ok := strings.CutPrefix(p, statusDir+"/")
	return ok && isStatusDName(name)
}

func isStatusDName(name string) bool {
	return name != "" && !strings.Contains(name, "/") && !strings.HasPrefix(name, ".") &&
		!strings.HasSuffix(name, ".md5sums") && !strings.HasSuffix(name, ".list")
}

// Extract reads var/lib/dpkg/status and the files of var/lib/dpkg/status.d
// from in.FS. Files that cannot be read are reported as *extract.FileError,
// joined, next to the packages of the other files.
func (e *Extractor) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	var errs []error
	files := []string{statusFile}
	entries, err := fs.ReadDir(in.FS, statusDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, &extract.FileError{Path: statusDir, Err: err})
	}
	for _, ent := range entries {
		name := path.Join(statusDir, ent.Name())
		if !isStatusDName(ent.Name()) || !isRegular(in.FS, name, ent) {
			continue
		}
		files = append(files, name)
	}
	var pkgs []*inventory.Package
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return pkgs, err
		}
		data, err := readFile(in.FS, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, &extract.FileError{Path: name, Err: err})
			continue
		}
		inStatusD := name != statusFile
		err = parseParagraphs(ctx, data, func(p paragraph) {
			if pkg := toPackage(p, inStatusD, in.Distro); pkg != nil {
				pkg.Locations = []inventory.Location{{Path: name}}
				pkgs = append(pkgs, pkg)
			}
		})
		if err != nil {
			return pkgs, err
		}
	}
	return pkgs, errors.Join(errs...)
}

// isRegular reports whether the directory entry is a regular file, or a
// link to one.
func isRegular(fsys fs.FS, name string, ent fs.DirEntry) bool {
	if ent.Type()&fs.ModeSymlink != 0 {
		st, err := fs.Stat(fsys, name)
		return err == nil && st.Mode().IsRegular()
	}
	return ent.Type().IsRegular()
}

// readFile reads a whole file of at most MaxFileSize bytes.
func readFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxFileSize)
	}
	return data, nil
}

// installedStates are the dpkg package states (third word of Status) in
// which the package's files are on disk: fully installed, or unpacked and
// not (fully) configured yet. "config-files", "half-installed" and
// "not-installed" are left out.
var installedStates = map[string]bool{
	"installed": true, "unpacked": true, "half-configured": true,
	"triggers-awaited": true, "triggers-pending": true,
}

// toPackage turns one paragraph into a package, or nil when it does not
// describe an installed Debian package. The rule:
//   - Package and Version must be present;
//   - in the status file, Status must be three words (want, error flag,
//     state) with an installed state, so "deinstall ok config-files" is
//     skipped but "hold ok installed" (a held package) is kept; status.d
//     files have no Status and each stands for an installed package, but
//     a Status there is checked all the same;
//   - Architecture must be a Debian architecture (see isDebianArch), which
//     turns away deb822 files of other tools such as vcpkg;
//   - the name must be a Debian package name (lower case letters, digits,
//     "+", "-", "." and starting with a letter or digit); a version that
//     is not a valid Debian version is kept as written, so that the
//     matcher reports the package as not comparable instead of the package
//     silently disappearing;
//   - none of these fields may have continuation lines.
func toPackage(p paragraph, inStatusD bool, distro *inventory.Distro) *inventory.Package {
	name, version, arch := p["package"], p["version"], p["architecture"]
	if !isPackageName(name) || strings.TrimSpace(version) == "" || p[invalidField] != "" || !isDebianArch(arch) {
		return nil
	}
	status, hasStatus := p["status"]
	if hasStatus || !inStatusD {
		words := strings.Fields(status)
		if len(words) != 3 || !installedStates[words[2]] {
			return nil
		}
	}
	srcName, srcVersion := parseSource(p["source"])
	if srcName == "" {
		srcName = name
	}
	if srcVersion == "" {
		srcVersion = version
	}
	return &inventory.Package{
		Name:          name,
		Version:       version,
		Type:          inventory.TypeDeb,
		Arch:          arch,
		SourceName:    srcName,
		SourceVersion: srcVersion,
		PURL:          purl(name, version, arch, distro),
	}
}

// parseSource splits a Source field, "name" or "name (version)"; the
// version is given when the binary package's version differs from its
// source's (binNMUs, packages with their own version).
func parseSource(s string) (name, version string) {
	name, rest, ok := strings.Cut(s, "(")
	if ok {
		version, _, _ = strings.Cut(rest, ")")
	}
	return strings.TrimSpace(name), strings.TrimSpace(version)
}

// purl builds pkg:deb/<namespace>/<name>@<version>?arch=<arch>&distro=<family>-<version>.
// The namespace is the distribution family ("debian", "ubuntu"), "debian"
// when it is unknown; the distro qualifier is left out when the release is
// unknown.
func purl(name, version, arch string, d *inventory.Distro) string {
	ns := "debian"
	q := map[string]string{"arch": arch}
	if d != nil && d.Family != "" {
		ns = d.Family
		if rel := d.Version; rel != "" || d.Codename != "" {
			if rel == "" {
				rel = d.Codename
			}
			q["distro"] = d.Family + "-" + rel
		}
	}
	return packageurl.NewPackageURL(packageurl.TypeDebian, ns, name, version, packageurl.QualifiersFromMap(q), "").ToString()
}
