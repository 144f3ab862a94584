package dotnet

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// File names read by Lock. Windows file names are case-insensitive, so
// they are compared without regard to case.
const (
	PackagesLock   = "packages.lock.json"
	PackagesConfig = "packages.config"
)

// Lock reads NuGet lock files (packages.lock.json) and package lists
// (packages.config). The zero value is ready to use.
type Lock struct{}

// NewLock returns the extractor of packages.lock.json and packages.config
// files.
func NewLock() *Lock { return &Lock{} }

// Name implements extract.Extractor.
func (*Lock) Name() string { return "nuget-lock" }

// Version implements extract.Extractor.
func (*Lock) Version() int { return 1 }

// Wants reports whether p is a packages.lock.json or packages.config.
func (*Lock) Wants(p string) bool {
	base := path.Base(p)
	return strings.EqualFold(base, PackagesLock) || strings.EqualFold(base, PackagesConfig)
}

// Extract walks in.FS and reads every wanted file. The scan calls
// ExtractFile instead.
func (e *Lock) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	return extract.WalkFiles(ctx, e, in)
}

// ExtractFile reads one file, choosing the format by its name. A
// packages.lock.json that is not a JSON object whose "dependencies" maps
// target frameworks to objects, a packages.config that is not XML with a
// <packages> root, or a file larger than MaxFileSize, is a
// *extract.FileError naming it.
func (*Lock) ExtractFile(_ context.Context, in extract.Input, p string) ([]*inventory.Package, error) {
	data, err := read(in.FS, p)
	if data == nil {
		return nil, err
	}
	c := newCollector(p)
	base := path.Base(p)
	switch {
	case strings.EqualFold(base, PackagesLock):
		err = parsePackagesLock(data, c)
	case strings.EqualFold(base, PackagesConfig):
		err = parsePackagesConfig(data, c)
	default:
		return nil, nil
	}
	return c.pkgs, extract.AsFileError(p, err)
}

// lockEntry is one package of one target framework in packages.lock.json.
type lockEntry struct {
	Type     json.RawMessage `json:"type"`
	Resolved json.RawMessage `json:"resolved"`
}

// parsePackagesLock reads packages.lock.json: "dependencies" maps each
// target framework (".NETCoreApp,Version=v5.0", "net8.0/linux-x64") to
// the packages resolved for it, by id.
func parsePackagesLock(data []byte, c *collector) error {
	if firstByte(data) != '{' {
		return errors.New("not a JSON object")
	}
	var lock struct {
		Dependencies map[string]map[string]json.RawMessage `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return err
	}
	if lock.Dependencies == nil {
		return errors.New(`no "dependencies" object`)
	}
	frameworks := make([]string, 0, len(lock.Dependencies))
	for fw := range lock.Dependencies {
		frameworks = append(frameworks, fw)
	}
	sort.Strings(frameworks)
	for _, fw := range frameworks {
		deps := lock.Dependencies[fw]
		ids := make([]string, 0, len(deps))
		for id := range deps {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			var e lockEntry
			if firstByte(deps[id]) != '{' || json.Unmarshal(deps[id], &e) != nil {
				continue
			}
			var typ, resolved string
			if json.Unmarshal(e.Type, &typ) == nil && strings.EqualFold(typ, "Project") {
				continue
			}
			if json.Unmarshal(e.Resolved, &resolved) != nil {
				continue
			}
			c.add(id, resolved)
		}
	}
	return nil
}

// parsePackagesConfig reads packages.config: a <packages> root holding
// one <package id="..." version="..."/> per package.
func parsePackagesConfig(data []byte, c *collector) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	// Encodings other than UTF-8 are declared now and then (utf-16 files
	// are refused by the decoder before this is asked); the attributes
	// read are ASCII in any of them.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	depth := 0
	root := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1:
				if t.Name.Local != "packages" {
					return fmt.Errorf("root element <%s>, not <packages>", t.Name.Local)
				}
				root = true
			case depth == 2 && t.Name.Local == "package":
				var id, version string
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "id":
						id = a.Value
					case "version":
						version = a.Value
					}
				}
				c.add(id, version)
			}
		case xml.EndElement:
			depth--
		}
	}
	if !root {
		return errors.New("no <packages> element")
	}
	return nil
}
