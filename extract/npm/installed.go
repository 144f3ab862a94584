package npm

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"path"
	"strings"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// Installed reads the package.json of each package installed in a
// node_modules folder. The zero value is ready to use.
type Installed struct{}

// NewInstalled returns the extractor of installed npm packages.
func NewInstalled() *Installed { return &Installed{} }

// Name implements extract.Extractor.
func (*Installed) Name() string { return "npm-installed" }

// Version implements extract.Extractor.
func (*Installed) Version() int { return 1 }

// Wants reports whether p is the package.json of a package folder directly
// inside a node_modules folder: node_modules/<name>/package.json or
// node_modules/@<scope>/<name>/package.json, at any depth (nested
// node_modules, pnpm's node_modules/.pnpm/<id>/node_modules/<name>, global
// installs in usr/local/lib/node_modules). Folder names starting with "."
// (.bin, .cache) are not packages.
func (*Installed) Wants(p string) bool {
	dir, ok := strings.CutSuffix(p, "/package.json")
	if !ok {
		return false
	}
	parent, name := path.Split(dir)
	if name == "" || name[0] == '.' || name[0] == '@' {
		return false
	}
	parent = strings.TrimSuffix(parent, "/")
	if up, scope := path.Split(parent); strings.HasPrefix(scope, "@") && len(scope) > 1 {
		parent = strings.TrimSuffix(up, "/")
	}
	return parent == "node_modules" || strings.HasSuffix(parent, "/node_modules")
}

// Extract walks in.FS and reads every wanted package.json. The scan calls
// ExtractFile instead.
func (e *Installed) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	return extract.WalkFiles(ctx, e, in)
}

// manifest holds the package.json fields read. They are decoded one by one
// so that an odd type in one field (a number for a version, an object for
// a licence) does not make the whole file unreadable.
type manifest struct {
	Name     json.RawMessage `json:"name"`
	Version  json.RawMessage `json:"version"`
	License  json.RawMessage `json:"license"`
	Licenses json.RawMessage `json:"licenses"`
}

// ExtractFile reads one package.json. A file without a string name and
// version gives no package; one that is not a JSON object, or is larger
// than MaxFileSize, is a *extract.FileError.
func (*Installed) ExtractFile(_ context.Context, in extract.Input, p string) ([]*inventory.Package, error) {
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
	pkg, err := parseManifest(data)
	if err != nil {
		return nil, extract.AsFileError(p, err)
	}
	if pkg == nil {
		return nil, nil
	}
	name, version, licenses := pkg.name, pkg.version, pkg.licenses
	if !validName(name) || !validVersion(version) {
		return nil, nil
	}
	return []*inventory.Package{newPackage(name, version, p, licenses)}, nil
}

type parsedManifest struct {
	name, version string
	licenses      []string
}

// parseManifest decodes a package.json. It returns nil without error when
// the name or version is missing or not a string.
func parseManifest(data []byte) (*parsedManifest, error) {
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	name, ok1 := jsonString(m.Name)
	version, ok2 := jsonString(m.Version)
	if !ok1 || !ok2 {
		return nil, nil
	}
	return &parsedManifest{name: strings.TrimSpace(name), version: strings.TrimSpace(version), licenses: licenses(m.License, m.Licenses)}, nil
}

// jsonString decodes raw as a string.
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// licenses reads the "license" field (an SPDX expression, or the old
// {"type": ...} object) and, when it is absent, the deprecated "licenses"
// list of strings or {"type": ...} objects.
func licenses(license, list json.RawMessage) []string {
	if l := licenseName(license); l != "" {
		return []string{l}
	}
	var items []json.RawMessage
	if len(list) == 0 || json.Unmarshal(list, &items) != nil {
		if l := licenseName(list); l != "" {
			return []string{l}
		}
		return nil
	}
	var out []string
	for _, it := range items {
		if l := licenseName(it); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func licenseName(raw json.RawMessage) string {
	if s, ok := jsonString(raw); ok {
		return strings.TrimSpace(s)
	}
	var obj struct {
		Type json.RawMessage `json:"type"`
	}
	if len(raw) > 0 && raw[0] == '{' && json.Unmarshal(raw, &obj) == nil {
		if s, ok := jsonString(obj.Type); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}
