package java

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// MaxLockSize is the largest Gradle lockfile read.
const MaxLockSize = 32 << 20

// GradleLock reads Gradle dependency lockfiles. The zero value is ready to
// use.
type GradleLock struct{}

var _ extract.FileExtractor = (*GradleLock)(nil)

// NewGradleLock returns the Gradle lockfile extractor.
func NewGradleLock() *GradleLock { return &GradleLock{} }

// Name implements extract.Extractor.
func (*GradleLock) Name() string { return "gradle-lock" }

// Version implements extract.Extractor.
func (*GradleLock) Version() int { return 1 }

// Wants reports whether p is gradle.lockfile, buildscript-gradle.lockfile,
// settings-gradle.lockfile, or a *.lockfile directly in a
// gradle/dependency-locks folder.
func (*GradleLock) Wants(p string) bool {
	switch base := path.Base(p); base {
	case "gradle.lockfile", "buildscript-gradle.lockfile", "settings-gradle.lockfile":
		return true
	default:
		dir := path.Dir(p)
		return strings.HasSuffix(base, ".lockfile") && len(base) > len(".lockfile") &&
			(dir == "gradle/dependency-locks" || strings.HasSuffix(dir, "/gradle/dependency-locks"))
	}
}

// Extract walks in.FS and reads every lockfile Wants picks. The scan calls
// ExtractFile instead.
func (e *GradleLock) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	return walkFS(ctx, in.FS, e.Wants, func(p string) ([]*inventory.Package, error) { return e.ExtractFile(ctx, in, p) })
}

// ExtractFile reads one lockfile. Lines that cannot be read are a
// *extract.FileError naming the file; the other lines are still reported.
func (*GradleLock) ExtractFile(ctx context.Context, in extract.Input, p string) ([]*inventory.Package, error) {
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
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxLockSize+1))
	if err != nil {
		return nil, &extract.FileError{Path: p, Err: err}
	}
	if len(data) > MaxLockSize {
		return nil, &extract.FileError{Path: p, Err: fmt.Errorf("larger than %d bytes", MaxLockSize)}
	}
	arts, err := ParseGradleLock(data)
	pkgs := make([]*inventory.Package, 0, len(arts))
	for _, a := range arts {
		pkgs = append(pkgs, a.pkg(p))
	}
	if err != nil {
		return pkgs, &extract.FileError{Path: p, Err: err}
	}
	return pkgs, nil
}

// ParseGradleLock reads a Gradle lockfile: one "group:artifact:version"
// per line, followed by "=" and the configurations that use it (the older
// per-configuration files have no "="). Blank lines,
// comments ('#') and the "empty=" line (configurations that lock nothing)
// are skipped. Each artifact is returned once. Lines that are not three
// valid coordinates are skipped and reported in the error by line number
// (the first maxLineErrors of them, then how many more).
func ParseGradleLock(data []byte) ([]Artifact, error) {
	var arts []Artifact
	var errs []error
	bad := 0
	fail := func(n int, coords string) {
		bad++
		if bad <= maxLineErrors {
			errs = append(errs, fmt.Errorf("line %d: %q is not group:artifact:version", n, coords))
		}
	}
	seen := map[Artifact]bool{}
	for n, raw := range splitLines(data) {
		line := strings.TrimSpace(text(raw))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		coords, _, _ := strings.Cut(line, "=")
		if coords == "empty" {
			continue
		}
		parts := strings.Split(coords, ":")
		if len(parts) != 3 {
			fail(n+1, coords)
			continue
		}
		a := Artifact{GroupID: parts[0], ArtifactID: parts[1], Version: cleanVersion(parts[2]), From: FromGradleLock}
		if !validID(a.GroupID) || !validID(a.ArtifactID) || a.Version == "" {
			fail(n+1, coords)
			continue
		}
		if !seen[a] {
			seen[a] = true
			arts = append(arts, a)
		}
	}
	if bad > maxLineErrors {
		errs = append(errs, fmt.Errorf("and %d more lines like these", bad-maxLineErrors))
	}
	return arts, errors.Join(errs...)
}

// maxLineErrors is how many unreadable lines ParseGradleLock names.
const maxLineErrors = 10
