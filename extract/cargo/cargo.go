// Package cargo reads Rust crates: those a Cargo.lock file locks and those
// cargo-auditable recorded in an executable.
//
// # Cargo.lock
//
// Every [[package]] of a Cargo.lock is reported, whatever the format: v1
// and v2 (no top-level "version" key; v1 keeps checksums in [metadata]),
// v3 ("version = 3") and v4. Cargo.lock files under a Cargo registry or git
// checkout cache ($CARGO_HOME/registry/src/, $CARGO_HOME/git/checkouts/)
// belong to downloaded crates, not to a build, and are not read.
//
// # Executables
//
// cargo-auditable stores the crates a binary was built from as
// zlib-compressed JSON in a section named ".dep-v0" (ELF, PE and Mach-O).
// Any regular file with an execute bit, or in a bin or sbin directory, of
// at most MaxFileSize bytes is examined; one without that section (any
// other program, and a file too damaged to parse) gives nothing and no
// error, while a section that cannot be decompressed or decoded is an
// *extract.FileError naming the file. Build dependencies (kind "build")
// ran only while compiling and are not part of the binary; they are left
// out.
//
// # Sources
//
// Only crates from crates.io (the source
// "registry+https://github.com/rust-lang/crates.io-index" or
// "sparse+https://index.crates.io/" in a Cargo.lock, "crates.io" in
// cargo-auditable data) are crates.io packages: pkg:cargo/<name>@<version>.
// Every other crate is reported with its source in the purl's qualifiers,
// "source" naming the kind (local, git, registry or other) and, when
// known, "vcs_url" (git) or "repository_url" (another registry) the
// location: pkg:cargo/library_crate@0.1.0?source=local. The matcher
// (match.Language) does not compare such crates with crates.io advisories,
// which are about other code of the same name.
package cargo

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

// Type is the package type of Rust crates, as in purls.
const Type = "cargo"

// MaxFileSize is the largest executable examined: 512 MiB, the layer
// walk's default limit on a kept file.
const MaxFileSize = 512 << 20

// MaxLockSize is the largest Cargo.lock read.
const MaxLockSize = 32 << 20

// Source kinds, as the "source" purl qualifier spells them.
const (
	SourceCratesIO = "crates.io"
	SourceLocal    = "local"
	SourceGit      = "git"
	SourceRegistry = "registry"
	SourceOther    = "other"
)

// Extractor reads Cargo.lock files and cargo-auditable executables. The
// zero value is ready to use.
type Extractor struct{}

var (
	_ extract.FileExtractor = (*Extractor)(nil)
	_ extract.FileWanter    = (*Extractor)(nil)
)

// New returns a cargo extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "cargo" }

// Version implements extract.Extractor.
func (*Extractor) Version() int { return 1 }

// SelfContained marks the extractor as reading only the file it is given.
func (*Extractor) SelfContained() {}

// Wants reports whether path is a Cargo.lock this extractor reads.
func (*Extractor) Wants(p string) bool { return isLock(p) }

// WantsFile reports whether a regular file may be an executable: it has an
// execute bit or lies in a bin or sbin directory, and is not empty and at
// most MaxFileSize bytes long.
func (*Extractor) WantsFile(p string, mode fs.FileMode, size int64) bool {
	return executable(p, mode, size)
}

// Extract walks in.FS and reads every file Wants or WantsFile picks. The
// scan calls ExtractFile instead.
func (e *Extractor) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	return extract.WalkFiles(ctx, e, in)
}

// ExtractFile reads one Cargo.lock or possible cargo-auditable executable.
// Files neither Wants nor WantsFile would pick give nothing.
func (e *Extractor) ExtractFile(ctx context.Context, in extract.Input, p string) ([]*inventory.Package, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := in.FS.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &extract.FileError{Path: p, Err: err}
	}
	defer f.Close()
	if isLock(p) {
		data, err := io.ReadAll(io.LimitReader(f, MaxLockSize+1))
		if err != nil {
			return nil, &extract.FileError{Path: p, Err: err}
		}
		if len(data) > MaxLockSize {
			return nil, &extract.FileError{Path: p, Err: fmt.Errorf("larger than %d bytes", MaxLockSize)}
		}
		crates, err := ParseLock(data)
		pkgs := packages(crates, p)
		if err != nil {
			return pkgs, &extract.FileError{Path: p, Err: err}
		}
		return pkgs, nil
	}
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
	crates, err := ReadAuditable(ra)
	pkgs := packages(crates, p)
	if err != nil {
		return pkgs, &extract.FileError{Path: p, Err: err}
	}
	return pkgs, nil
}

// Crate is one crate a lock file or an executable names.
type Crate struct {
	Name, Version string
	// Kind is one of the Source* constants.
	Kind string
	// Source is the Cargo.lock source string verbatim
	// ("registry+https://…", "git+https://…#rev"); "" for path crates
	// and in cargo-auditable data, which names only the kind.
	Source string
	// Root marks the crate a cargo-auditable binary was built from.
	Root bool
}

func packages(crates []Crate, loc string) []*inventory.Package {
	pkgs := make([]*inventory.Package, 0, len(crates))
	for _, c := range crates {
		pkgs = append(pkgs, &inventory.Package{
			Name:          c.Name,
			Version:       c.Version,
			Type:          Type,
			SourceName:    c.Name,
			SourceVersion: c.Version,
			PURL:          PURL(c),
			Locations:     []inventory.Location{{Path: loc}},
		})
	}
	return pkgs
}

// PURL returns the crate's purl: pkg:cargo/<name>@<version> for a crates.io
// crate, with "source" and, when known, "vcs_url" or "repository_url"
// qualifiers otherwise.
func PURL(c Crate) string {
	var q map[string]string
	if c.Kind != SourceCratesIO {
		q = map[string]string{"source": c.Kind}
		loc := c.Source
		if i := strings.IndexByte(loc, '+'); i >= 0 {
			loc = loc[i+1:]
		}
		switch {
		case loc == "":
		case c.Kind == SourceGit:
			q["vcs_url"] = c.Source
		case c.Kind == SourceRegistry:
			q["repository_url"] = loc
		}
	}
	return packageurl.NewPackageURL(packageurl.TypeCargo, "", c.Name, c.Version,
		packageurl.QualifiersFromMap(q), "").ToString()
}

// sourceKind classifies a Cargo.lock source string.
func sourceKind(source string) string {
	switch {
	case source == "":
		return SourceLocal
	case source == "registry+https://github.com/rust-lang/crates.io-index",
		strings.TrimSuffix(source, "/") == "sparse+https://index.crates.io":
		return SourceCratesIO
	case strings.HasPrefix(source, "registry+"), strings.HasPrefix(source, "sparse+"):
		return SourceRegistry
	case strings.HasPrefix(source, "git+"):
		return SourceGit
	case strings.HasPrefix(source, "path+"):
		return SourceLocal
	}
	return SourceOther
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

// isLock reports whether p is a Cargo.lock outside Cargo's download caches
// ($CARGO_HOME/registry/src/... and $CARGO_HOME/git/checkouts/..., wherever
// CARGO_HOME is).
func isLock(p string) bool {
	if path.Base(p) != "Cargo.lock" {
		return false
	}
	dirs := strings.Split(path.Dir(p), "/")
	for i := 0; i+1 < len(dirs); i++ {
		if (dirs[i] == "registry" && dirs[i+1] == "src") || (dirs[i] == "git" && dirs[i+1] == "checkouts") {
			return false
		}
	}
	return true
}
