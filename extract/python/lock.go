package python

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// Lockfile names read by Lock, besides requirements files and
// pylock.<name>.toml.
const (
	PoetryLock  = "poetry.lock"
	PipfileLock = "Pipfile.lock"
	UVLock      = "uv.lock"
	PyLock      = "pylock.toml"
)

// Lock reads requirements files and Python lockfiles. The zero value is
// ready to use.
type Lock struct{}

// NewLock returns the extractor of Python requirements and lockfiles.
func NewLock() *Lock { return &Lock{} }

// Name implements extract.Extractor.
func (*Lock) Name() string { return "python-lock" }

// Version implements extract.Extractor.
func (*Lock) Version() int { return 1 }

// Wants reports whether p is a poetry.lock, Pipfile.lock, uv.lock,
// pylock.toml or pylock.<name>.toml, or a requirements file: a *.txt file
// whose name starts with "requirement" (requirements.txt,
// requirements-dev.txt) or that sits in a folder named "requirements".
// Files inside site-packages and dist-packages are not wanted.
func (*Lock) Wants(p string) bool {
	if fileKind(p) == kindNone {
		return false
	}
	return !inSitePackages(p)
}

type kind int

const (
	kindNone kind = iota
	kindRequirements
	kindPoetry
	kindPipfile
	kindUV
	kindPyLock
)

func fileKind(p string) kind {
	base := path.Base(p)
	switch base {
	case PoetryLock:
		return kindPoetry
	case PipfileLock:
		return kindPipfile
	case UVLock:
		return kindUV
	case PyLock:
		return kindPyLock
	}
	if strings.HasPrefix(base, "pylock.") && strings.HasSuffix(base, ".toml") && len(base) > len("pylock..toml") {
		return kindPyLock
	}
	if strings.HasSuffix(base, ".txt") && (strings.HasPrefix(base, "requirement") || path.Base(path.Dir(p)) == "requirements") {
		return kindRequirements
	}
	return kindNone
}

// Extract walks in.FS and reads every wanted file. The scan calls
// ExtractFile instead.
func (e *Lock) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	return extract.WalkFiles(ctx, e, in)
}

// ExtractFile reads one requirements file or lockfile, choosing the format
// by its name. A file that cannot be parsed, or is larger than
// MaxFileSize, is a *extract.FileError naming it.
func (e *Lock) ExtractFile(_ context.Context, in extract.Input, p string) ([]*inventory.Package, error) {
	data, err := readFile(in.FS, p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, extract.AsFileError(p, err)
	}
	if data == nil {
		return nil, nil
	}
	c := newCollector(p)
	switch fileKind(p) {
	case kindRequirements:
		return e.requirements(in.FS, p, data, c)
	case kindPoetry:
		err = parsePoetry(data, c)
	case kindPipfile:
		err = parsePipfile(data, c)
	case kindUV:
		err = parseUV(data, c)
	case kindPyLock:
		err = parsePyLock(data, c)
	}
	return c.pkgs, extract.AsFileError(p, err)
}

// requirements reads a requirements file and checks its includes: one that
// is present and wanted is read on its own, any other is reported.
func (e *Lock) requirements(fsys fs.FS, p string, data []byte, c *collector) ([]*inventory.Package, error) {
	reqs, includes := parseRequirements(data)
	for _, r := range reqs {
		c.add(r.name, r.version)
	}
	var errs []error
	for _, inc := range includes {
		target := path.Join(path.Dir(p), inc)
		if !strings.Contains(inc, "://") && !path.IsAbs(inc) && !strings.HasPrefix(target, "../") && target != ".." && e.Wants(target) {
			if st, err := fs.Stat(fsys, target); err == nil && st.Mode().IsRegular() {
				continue
			}
		}
		errs = append(errs, &extract.FileError{Path: p, Err: &UnresolvedIncludeError{Include: inc}})
	}
	return c.pkgs, errors.Join(errs...)
}

// poetry.lock, lock-version 1.x and 2.x alike: [[package]] tables with
// name, version and an optional [package.source].
type poetryLock struct {
	Package []struct {
		Name    string `toml:"name"`
		Version string `toml:"version"`
		Source  struct {
			Type string `toml:"type"`
		} `toml:"source"`
	} `toml:"package"`
}

// parsePoetry reports every package but those from a local folder
// (source type "directory").
func parsePoetry(data []byte, c *collector) error {
	var lock poetryLock
	if err := toml.Unmarshal(data, &lock); err != nil {
		return err
	}
	for _, p := range lock.Package {
		if p.Source.Type != "directory" {
			c.add(p.Name, p.Version)
		}
	}
	return nil
}

// Pipfile.lock: "default" and "develop" maps from name to an entry whose
// version is written "==1.2.3".
type pipfileLock struct {
	Default map[string]pipfileEntry `json:"default"`
	Develop map[string]pipfileEntry `json:"develop"`
}

type pipfileEntry struct {
	Version json.RawMessage `json:"version"`
}

// parsePipfile reports the pinned entries of default, then develop.
// Entries without a "==" version (editable, VCS, path) are skipped.
func parsePipfile(data []byte, c *collector) error {
	var lock pipfileLock
	if err := json.Unmarshal(data, &lock); err != nil {
		return err
	}
	for _, section := range []map[string]pipfileEntry{lock.Default, lock.Develop} {
		names := make([]string, 0, len(section))
		for n := range section {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			var v string
			if json.Unmarshal(section[n].Version, &v) != nil {
				continue
			}
			v = strings.TrimSpace(v)
			if rest, ok := strings.CutPrefix(v, "==="); ok {
				c.add(n, rest)
			} else if rest, ok := strings.CutPrefix(v, "=="); ok {
				c.add(n, rest)
			}
		}
	}
	return nil
}

// uv.lock: [[package]] tables with name, version and a source table whose
// single key says where the package came from.
type uvLock struct {
	Package []struct {
		Name    string         `toml:"name"`
		Version string         `toml:"version"`
		Source  map[string]any `toml:"source"`
	} `toml:"package"`
}

// parseUV reports every package but the project's own: sources editable,
// virtual (the project and workspace members) and directory.
func parseUV(data []byte, c *collector) error {
	var lock uvLock
	if err := toml.Unmarshal(data, &lock); err != nil {
		return err
	}
	for _, p := range lock.Package {
		_, editable := p.Source["editable"]
		_, virtual := p.Source["virtual"]
		_, dir := p.Source["directory"]
		if !editable && !virtual && !dir {
			c.add(p.Name, p.Version)
		}
	}
	return nil
}

// pylock.toml (PEP 751): [[packages]] tables with name, an optional
// version, and one of vcs, directory, archive, sdist or wheels.
type pyLock struct {
	Packages []struct {
		Name      string         `toml:"name"`
		Version   string         `toml:"version"`
		Directory map[string]any `toml:"directory"`
	} `toml:"packages"`
}

// parsePyLock reports every package with a version that is not a local
// folder. A name listed several times (one entry per environment marker)
// is reported once per version.
func parsePyLock(data []byte, c *collector) error {
	var lock pyLock
	if err := toml.Unmarshal(data, &lock); err != nil {
		return err
	}
	for _, p := range lock.Packages {
		if p.Directory == nil {
			c.add(p.Name, p.Version)
		}
	}
	return nil
}
