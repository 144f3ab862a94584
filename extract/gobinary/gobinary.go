// Package gobinary reads the Go modules an image holds: those compiled
// into Go executables (from the build information the linker embeds, which
// stripped binaries keep) and those a go.mod file requires.
//
// # Executables
//
// Any regular file with an execute bit, or any regular file in a directory
// named bin or sbin, of at most MaxFileSize bytes is examined with
// debug/buildinfo. A file that is not a Go executable (a script, a C
// program, a Rust binary) gives nothing and no error. A file that carries
// the marks of a Go executable (the Go build ID note or string, or the
// sections the Go linker writes) but whose build information cannot be
// read, such as a truncated binary, is an *extract.FileError naming it.
//
// One executable gives:
//   - its main module, unless the binary was built outside module mode;
//   - every dependency module, as its replacement when the build replaced
//     it ("dep a v1 => b v2" gives b v2; a replacement by a local directory
//     gives a at version Devel);
//   - the standard library as module "stdlib" at the toolchain's version in
//     the module form the Go vulnerability database uses: go1.21.3 →
//     v1.21.3, go1.20 → v1.20.0, go1.22rc1 → v1.22.0-rc.1. A development
//     toolchain ("devel go1.23-…") gives Devel.
//
// # Versions that are not releases
//
// The main module's version is Devel ("(devel)") when the binary was built
// from a source tree rather than from a downloaded module, and the version
// the go command may have stamped from the checkout's version control is
// not trusted either: a pseudo-version the build made up
// ("v0.0.0-20240101000000-abcdef012345", which a shallow clone without tags
// produces for any commit) or a version marked "+dirty" would sort below
// every release and make every advisory about the module fire. Such a
// module is reported with Version Devel and the stamped version in
// SourceVersion. A pseudo-version of a module that was downloaded (the
// build information records its checksum, as for `go install m@v`) is a
// real module version and is kept. The matcher (match.Language) never
// compares a Devel version with advisory ranges: it reports the module as
// an Unknown when advisories about it exist.
//
// # go.mod
//
// A go.mod file gives its require lines (direct and "// indirect" alike:
// since Go 1.17 go.mod lists every module the build needs), each as its
// replacement when a replace directive applies to it (a replace naming a
// version applies to that version only; a local-directory replacement
// gives version Devel), and without those an exclude directive names (the
// go command would use some later version, which the file does not tell).
// The module a go.mod declares is not reported (it has no version), nor
// are the requirements of the standard library's own go.mod files (module
// "std" and "cmd"). go.mod files in a module cache (.../pkg/mod/...), a
// vendor directory or a testdata directory are not read: they describe
// other builds. go.sum is not read: it lists every version the module
// graph considered, not the ones selected, so it would report versions the
// build does not use.
package gobinary

import (
	"bytes"
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

// Type is the package type of Go modules, as in purls.
const Type = "golang"

// Devel is the version of a module whose version is not a release: the
// main module of a binary built from a source tree, a module replaced by a
// local directory, or the standard library of a development toolchain.
const Devel = "(devel)"

// Stdlib is the module name under which the standard library is reported,
// as the Go vulnerability database names it.
const Stdlib = "stdlib"

// MaxFileSize is the largest executable examined: 512 MiB, the layer
// walk's default limit on a kept file. Larger files are passed over.
const MaxFileSize = 512 << 20

// MaxGoModSize is the largest go.mod read.
const MaxGoModSize = 8 << 20

// Extractor reads Go executables and go.mod files. The zero value is ready
// to use.
type Extractor struct{}

var (
	_ extract.FileExtractor = (*Extractor)(nil)
	_ extract.FileWanter    = (*Extractor)(nil)
)

// New returns a Go extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "gobinary" }

// Version implements extract.Extractor.
func (*Extractor) Version() int { return 1 }

// SelfContained marks the extractor as reading only the file it is given.
func (*Extractor) SelfContained() {}

// Wants reports whether path is a go.mod file this extractor reads.
// Executables are picked by WantsFile.
func (*Extractor) Wants(p string) bool { return isGoMod(p) }

// WantsFile reports whether a regular file may be a Go executable: it has
// an execute bit or lies in a bin or sbin directory, and it is not empty
// and at most MaxFileSize bytes long.
func (*Extractor) WantsFile(p string, mode fs.FileMode, size int64) bool {
	return executable(p, mode, size)
}

// Extract walks in.FS and reads every file Wants or WantsFile picks. The
// scan calls ExtractFile instead; Extract serves callers that hold a whole
// tree.
func (e *Extractor) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	return extract.WalkFiles(ctx, e, in)
}

// ExtractFile reads one file: a go.mod when the path names one, else a
// possible Go executable. Files neither Wants nor WantsFile would pick (the
// scan hands every file some extractor wanted) give nothing.
func (e *Extractor) ExtractFile(ctx context.Context, in extract.Input, p string) ([]*inventory.Package, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if isGoMod(p) {
		return readGoMod(in.FS, p)
	}
	f, err := in.FS.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &extract.FileError{Path: p, Err: err}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, &extract.FileError{Path: p, Err: err}
	}
	if !info.Mode().IsRegular() || !executable(p, info.Mode(), info.Size()) {
		return nil, nil
	}
	ra, ok := f.(io.ReaderAt)
	if !ok {
		data, err := io.ReadAll(io.LimitReader(f, MaxFileSize))
		if err != nil {
			return nil, &extract.FileError{Path: p, Err: err}
		}
		ra = bytes.NewReader(data)
	}
	return readBinary(ra, info.Size(), p)
}

// executable is the WantsFile rule.
func executable(p string, mode fs.FileMode, size int64) bool {
	if !mode.IsRegular() || size <= 0 || size > MaxFileSize {
		return false
	}
	if mode.Perm()&0o111 != 0 {
		return true
	}
	switch path.Base(path.Dir(p)) {
	case "bin", "sbin":
		return true
	}
	return false
}

// isGoMod reports whether p is a go.mod file outside module caches,
// vendor and testdata directories.
func isGoMod(p string) bool {
	if path.Base(p) != "go.mod" {
		return false
	}
	dirs := strings.Split(path.Dir(p), "/")
	for i, d := range dirs {
		switch d {
		case "vendor", "testdata":
			return false
		case "mod":
			if i > 0 && dirs[i-1] == "pkg" {
				return false
			}
		}
	}
	return true
}

// newPackage builds a Go module package found at loc.
func newPackage(name, version, loc string) *inventory.Package {
	return &inventory.Package{
		Name:          name,
		Version:       version,
		Type:          Type,
		SourceName:    name,
		SourceVersion: version,
		PURL:          PURL(name, version),
		Locations:     []inventory.Location{{Path: loc}},
	}
}

// PURL returns pkg:golang/<module path>@<version>; the version is left out
// when it is Devel or empty.
func PURL(module, version string) string {
	ns, name := "", module
	if i := strings.LastIndexByte(module, '/'); i >= 0 {
		ns, name = module[:i], module[i+1:]
	}
	if version == Devel {
		version = ""
	}
	return packageurl.NewPackageURL(packageurl.TypeGolang, ns, name, version, nil, "").ToString()
}

func fileError(p string, format string, args ...any) error {
	return &extract.FileError{Path: p, Err: fmt.Errorf(format, args...)}
}
