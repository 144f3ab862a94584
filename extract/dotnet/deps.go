package dotnet

import (
	"context"
	"encoding/json"
	"errors"
	"path"
	"sort"
	"strings"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// DepsSuffix ends the names of the dependency manifests Deps reads.
const DepsSuffix = ".deps.json"

// runtimePackPrefix starts the library names of runtime packs.
const runtimePackPrefix = "runtimepack."

// Deps reads the dependency manifests (<app>.deps.json) that the .NET SDK
// writes beside an application. The zero value is ready to use.
type Deps struct{}

// NewDeps returns the extractor of .NET dependency manifests.
func NewDeps() *Deps { return &Deps{} }

// Name implements extract.Extractor.
func (*Deps) Name() string { return "dotnet-deps" }

// Version implements extract.Extractor.
func (*Deps) Version() int { return 1 }

// Wants reports whether p is a <name>.deps.json.
func (*Deps) Wants(p string) bool {
	base := path.Base(p)
	return len(base) > len(DepsSuffix) && strings.HasSuffix(base, DepsSuffix)
}

// Extract walks in.FS and reads every wanted file. The scan calls
// ExtractFile instead.
func (e *Deps) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	return extract.WalkFiles(ctx, e, in)
}

// depsFile is the part of a deps.json read.
type depsFile struct {
	RuntimeTarget json.RawMessage                       `json:"runtimeTarget"`
	Targets       map[string]map[string]json.RawMessage `json:"targets"`
	Libraries     map[string]json.RawMessage            `json:"libraries"`
}

// targetEntry is the part of a library's entry under a target read.
type targetEntry struct {
	CompileOnly    bool                       `json:"compileOnly"`
	Runtime        map[string]json.RawMessage `json:"runtime"`
	Native         map[string]json.RawMessage `json:"native"`
	RuntimeTargets map[string]json.RawMessage `json:"runtimeTargets"`
	Resources      map[string]json.RawMessage `json:"resources"`
}

var errNoLibraries = errors.New(`no "libraries" object`)

// ExtractFile reads one deps.json. A file that is not a JSON object with a
// "libraries" object (and, when present, a "targets" object of objects),
// or that is larger than MaxFileSize, is a *extract.FileError naming it.
func (*Deps) ExtractFile(_ context.Context, in extract.Input, p string) ([]*inventory.Package, error) {
	data, err := read(in.FS, p)
	if data == nil {
		return nil, err
	}
	c := newCollector(p)
	return c.pkgs, extract.AsFileError(p, parseDeps(data, c))
}

func parseDeps(data []byte, c *collector) error {
	if firstByte(data) != '{' {
		return errors.New("not a JSON object")
	}
	var d depsFile
	if err := json.Unmarshal(data, &d); err != nil {
		return err
	}
	if d.Libraries == nil {
		return errNoLibraries
	}
	deployed := deployedLibraries(&d)
	keys := make([]string, 0, len(d.Libraries))
	for k := range d.Libraries {
		keys = append(keys, k)
	}
	// Map order is random; the file's order is not kept by encoding/json,
	// so the packages come sorted by library key.
	sort.Strings(keys)
	for _, key := range keys {
		var lib struct {
			Type json.RawMessage `json:"type"`
		}
		if firstByte(d.Libraries[key]) != '{' || json.Unmarshal(d.Libraries[key], &lib) != nil {
			continue
		}
		var typ string
		if json.Unmarshal(lib.Type, &typ) != nil {
			continue
		}
		i := strings.LastIndexByte(key, '/')
		if i <= 0 {
			continue
		}
		name, version := key[:i], key[i+1:]
		switch strings.ToLower(typ) {
		case "package":
		case "runtimepack":
			name = strings.TrimPrefix(name, runtimePackPrefix)
		default:
			continue
		}
		if deployed != nil && !deployed[key] {
			continue
		}
		c.add(name, version)
	}
	return nil
}

// deployedLibraries returns the library keys that the runtime target
// gives loaded assets, or nil when the file has no targets to tell.
func deployedLibraries(d *depsFile) map[string]bool {
	if len(d.Targets) == 0 {
		return nil
	}
	var rt string
	if firstByte(d.RuntimeTarget) == '{' {
		var o struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(d.RuntimeTarget, &o) == nil {
			rt = o.Name
		}
	} else {
		_ = json.Unmarshal(d.RuntimeTarget, &rt)
	}
	targets := d.Targets
	if t, ok := d.Targets[rt]; ok {
		targets = map[string]map[string]json.RawMessage{rt: t}
	}
	out := map[string]bool{}
	for _, t := range targets {
		for key, raw := range t {
			var e targetEntry
			if firstByte(raw) != '{' || json.Unmarshal(raw, &e) != nil || e.CompileOnly {
				continue
			}
			if hasAssets(e.Runtime) || hasAssets(e.Native) || hasAssets(e.RuntimeTargets) || hasAssets(e.Resources) {
				out[key] = true
			}
		}
	}
	return out
}

// hasAssets reports whether an asset list names a file other than NuGet's
// "_._" placeholder for "nothing for this framework".
func hasAssets(m map[string]json.RawMessage) bool {
	for file := range m {
		if path.Base(file) != "_._" {
			return true
		}
	}
	return false
}
