package ruby

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// Lockfile names read by Lock.
const (
	GemfileLock = "Gemfile.lock"
	GemsLocked  = "gems.locked"
)

// Lock reads Bundler's lockfiles. The zero value is ready to use.
type Lock struct{}

// NewLock returns the extractor of Bundler lockfiles.
func NewLock() *Lock { return &Lock{} }

// Name implements extract.Extractor.
func (*Lock) Name() string { return "gem-lock" }

// Version implements extract.Extractor.
func (*Lock) Version() int { return 1 }

// Wants reports whether p is a Gemfile.lock or gems.locked outside the
// folder of an installed gem.
func (*Lock) Wants(p string) bool {
	switch path.Base(p) {
	case GemfileLock, GemsLocked:
		return !inInstalledGem(p)
	}
	return false
}

// Extract walks in.FS and reads every wanted lockfile. The scan calls
// ExtractFile instead.
func (e *Lock) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	return extract.WalkFiles(ctx, e, in)
}

// ExtractFile reads one lockfile. A file that is not a Bundler lockfile
// (binary data, no lockfile section), has a spec line that cannot be read,
// or is larger than MaxFileSize, is a *extract.FileError naming it; the
// gems read before and after a bad line are still returned.
func (*Lock) ExtractFile(_ context.Context, in extract.Input, p string) ([]*inventory.Package, error) {
	data, err := read(in.FS, p)
	if data == nil {
		return nil, err
	}
	specs, err := parseGemfileLock(data)
	var pkgs []*inventory.Package
	for _, s := range specs {
		pkgs = append(pkgs, newPackage(s.name, s.version, p, nil))
	}
	return pkgs, extract.AsFileError(p, err)
}

// lockSpec is one gem of a GEM section.
type lockSpec struct {
	name, version, platform string
}

// lockSections are the top-level headings Bundler writes.
var lockSections = map[string]bool{
	"GEM": true, "GIT": true, "PATH": true, "PLUGIN SOURCE": true,
	"PLATFORMS": true, "DEPENDENCIES": true, "RUBY VERSION": true,
	"BUNDLED WITH": true, "CHECKSUMS": true,
}

var errNotLockfile = errors.New("not a Bundler lockfile: no GEM, GIT, PATH, PLATFORMS or DEPENDENCIES section")

// parseGemfileLock reads the specs of the GEM sections, each name and
// version once, in the order written. Headings are lines at column 0;
// inside a source section "  specs:" opens the list of resolved gems, one
// "    name (version[-platform])" line each, their own dependencies being
// indented by six spaces.
func parseGemfileLock(data []byte) ([]lockSpec, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, errors.New("binary data, not a Bundler lockfile")
	}
	var (
		specs   []lockSpec
		seen    = map[string]bool{}
		section string
		inSpecs bool
		known   bool
		text    bool
		bad     []string
	)
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		text = true
		if line[0] != ' ' {
			section, inSpecs = strings.TrimSpace(line), false
			if lockSections[section] {
				known = true
			}
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case indent == 2:
			inSpecs = strings.TrimSpace(line) == "specs:"
		case indent == 4 && inSpecs && section == "GEM":
			s, ok := parseSpecLine(line[4:])
			if !ok {
				if len(bad) < 3 {
					bad = append(bad, fmt.Sprintf("line %d: %q", n+1, truncate(line, 80)))
				}
				continue
			}
			if k := s.name + "@" + s.version; !seen[k] {
				seen[k] = true
				specs = append(specs, s)
			}
		}
	}
	if !known && text {
		return specs, errNotLockfile
	}
	if len(bad) > 0 {
		return specs, fmt.Errorf("unreadable spec %s", strings.Join(bad, ", "))
	}
	return specs, nil
}

// parseSpecLine reads "name (version)" or "name (version-platform)".
func parseSpecLine(s string) (lockSpec, bool) {
	name, rest, ok := strings.Cut(s, " (")
	if !ok || !strings.HasSuffix(rest, ")") {
		return lockSpec{}, false
	}
	rest = strings.TrimSuffix(rest, ")")
	version, platform, _ := strings.Cut(rest, "-")
	if !validName(name) || !validVersion(version) {
		return lockSpec{}, false
	}
	return lockSpec{name: name, version: version, platform: platform}, true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
