// Package php finds PHP packages managed by Composer: the ones pinned by
// composer.lock and the ones installed in a vendor folder, which Composer
// lists in <vendor>/composer/installed.json.
//
// Two per-file extractors (extract.FileExtractor) share the work: Lock
// reads composer.lock, Installed reads installed.json.
//
// Packages are reported with package type "composer", the type
// match.Language matches against the "packagist" namespace (FriendsOfPHP
// and GitHub advisories), named "vendor/package" as Composer names them,
// with purl pkg:composer/<vendor>/<package>@<version> (vendor and name
// lower-cased, as the purl specification has it for Composer).
//
// Choices that decide what is reported:
//   - Versions are reported as the files write them: Composer's "pretty"
//     version, which for a release is its tag ("v1.27.0" for
//     symfony/polyfill-intl-idn, "6.5.8" for guzzlehttp/guzzle). That is
//     the version composer show, Packagist's pages and the lockfile print.
//     A leading "v" does not change what is matched: Composer normalises
//     it away before comparing ("version_normalized" is "1.27.0.0"), and
//     so do match.Language's Packagist order and FriendsOfPHP constraint
//     evaluation, so v1.27.0 is compared as 1.27.0. Branch versions
//     ("dev-main", "2.x-dev") are reported too; they name no release and
//     the matcher says so.
//   - Both "packages" and "packages-dev" of composer.lock are reported,
//     and every package of installed.json whatever its "dev-package-names"
//     say: inventory.Package has no field to mark them, and a lockfile
//     does not say whether composer install ran with --no-dev.
//   - Packages installed from a folder (dist type "path", Composer's path
//     repositories) are the project's own code and are skipped.
//   - composer.lock files inside a vendor folder (vendor/<vendor>/<name>/
//     composer.lock, which some packages publish) are not read: they pin
//     their authors' development set-up, not what is installed.
//   - The "platform" requirements (php, ext-*) are not packages.
package php

import (
	"bytes"
	"context"
	"encoding/json"
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

// Type is the package type of Composer packages, in reports and purls.
const Type = "composer"

// MaxFileSize is the largest composer.lock or installed.json read; a
// larger one is reported as a *extract.FileError.
const MaxFileSize = 64 << 20

// File names read.
const (
	ComposerLock  = "composer.lock"
	InstalledJSON = "installed.json"
)

// Lock reads composer.lock files. The zero value is ready to use.
type Lock struct{}

// NewLock returns the extractor of composer.lock files.
func NewLock() *Lock { return &Lock{} }

// Name implements extract.Extractor.
func (*Lock) Name() string { return "composer-lock" }

// Version implements extract.Extractor.
func (*Lock) Version() int { return 1 }

// Wants reports whether p is a composer.lock outside the package folders
// of a vendor folder.
func (*Lock) Wants(p string) bool {
	return path.Base(p) == ComposerLock && !inVendorPackage(p)
}

// Extract walks in.FS and reads every wanted file. The scan calls
// ExtractFile instead.
func (e *Lock) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	return extract.WalkFiles(ctx, e, in)
}

// ExtractFile reads one composer.lock. A file that is not a JSON object,
// whose "packages" or "packages-dev" is not a list, or that is larger
// than MaxFileSize, is a *extract.FileError naming it.
func (*Lock) ExtractFile(_ context.Context, in extract.Input, p string) ([]*inventory.Package, error) {
	data, err := read(in.FS, p)
	if data == nil {
		return nil, err
	}
	var lock struct {
		Packages    json.RawMessage `json:"packages"`
		PackagesDev json.RawMessage `json:"packages-dev"`
	}
	if err := decodeObject(data, &lock); err != nil {
		return nil, extract.AsFileError(p, err)
	}
	c := newCollector(p)
	err1 := c.addList("packages", lock.Packages)
	err2 := c.addList("packages-dev", lock.PackagesDev)
	return c.pkgs, extract.AsFileError(p, errors.Join(err1, err2))
}

// Installed reads the installed.json Composer keeps in the composer folder
// of a vendor folder. The zero value is ready to use.
type Installed struct{}

// NewInstalled returns the extractor of installed Composer packages.
func NewInstalled() *Installed { return &Installed{} }

// Name implements extract.Extractor.
func (*Installed) Name() string { return "composer-installed" }

// Version implements extract.Extractor.
func (*Installed) Version() int { return 1 }

// Wants reports whether p is <dir>/composer/installed.json: Composer
// writes it in the "composer" folder of the vendor folder, which is
// "vendor" unless the project's config names another.
func (*Installed) Wants(p string) bool {
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	return base == InstalledJSON && path.Base(dir) == "composer" && dir != "composer"
}

// Extract walks in.FS and reads every wanted file. The scan calls
// ExtractFile instead.
func (e *Installed) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	return extract.WalkFiles(ctx, e, in)
}

// ExtractFile reads one installed.json: Composer 1 writes a list of
// packages, Composer 2 an object whose "packages" is that list. Any other
// JSON, or a file larger than MaxFileSize, is a *extract.FileError naming
// it.
func (*Installed) ExtractFile(_ context.Context, in extract.Input, p string) ([]*inventory.Package, error) {
	data, err := read(in.FS, p)
	if data == nil {
		return nil, err
	}
	c := newCollector(p)
	switch firstByte(data) {
	case '[':
		err = c.addList("", data)
	case '{':
		var doc struct {
			Packages json.RawMessage `json:"packages"`
		}
		if err = decodeObject(data, &doc); err == nil {
			if len(doc.Packages) == 0 {
				err = errors.New(`no "packages" list`)
			} else {
				err = c.addList("packages", doc.Packages)
			}
		}
	default:
		err = errors.New("not a JSON list or object")
	}
	return c.pkgs, extract.AsFileError(p, err)
}

// composerPackage is the part of a package entry read.
type composerPackage struct {
	Name    json.RawMessage `json:"name"`
	Version json.RawMessage `json:"version"`
	License json.RawMessage `json:"license"`
	Dist    json.RawMessage `json:"dist"`
}

// collector gathers the packages of one file, each name and version once,
// in the order first seen.
type collector struct {
	loc  string
	seen map[string]bool
	pkgs []*inventory.Package
}

func newCollector(loc string) *collector { return &collector{loc: loc, seen: map[string]bool{}} }

// addList reads a JSON list of package entries. A missing or null list is
// empty; anything else that is not a list is an error naming key. Entries
// that are not objects, or lack a string name and version, are skipped.
func (c *collector) addList(key string, raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var entries []json.RawMessage
	if firstByte(raw) != '[' || json.Unmarshal(raw, &entries) != nil {
		if key == "" {
			return errors.New("not a JSON list of packages")
		}
		return fmt.Errorf("%q is not a list", key)
	}
	for _, e := range entries {
		var cp composerPackage
		if firstByte(e) != '{' || json.Unmarshal(e, &cp) != nil {
			continue
		}
		name, ok1 := jsonString(cp.Name)
		version, ok2 := jsonString(cp.Version)
		if !ok1 || !ok2 || isPathDist(cp.Dist) {
			continue
		}
		c.add(strings.TrimSpace(name), strings.TrimSpace(version), licenses(cp.License))
	}
	return nil
}

func (c *collector) add(name, version string, licenses []string) {
	if !validName(name) || !validVersion(version) {
		return
	}
	k := strings.ToLower(name) + "@" + version
	if c.seen[k] {
		return
	}
	c.seen[k] = true
	vendor, pkg, _ := strings.Cut(name, "/")
	c.pkgs = append(c.pkgs, &inventory.Package{
		Name:          name,
		Version:       version,
		Type:          Type,
		SourceName:    name,
		SourceVersion: version,
		PURL:          packageurl.NewPackageURL(packageurl.TypeComposer, strings.ToLower(vendor), strings.ToLower(pkg), version, nil, "").ToString(),
		Licenses:      licenses,
		Locations:     []inventory.Location{{Path: c.loc}},
	})
}

// isPathDist reports whether a "dist" object has type "path".
func isPathDist(raw json.RawMessage) bool {
	var d struct {
		Type json.RawMessage `json:"type"`
	}
	if firstByte(raw) != '{' || json.Unmarshal(raw, &d) != nil {
		return false
	}
	t, _ := jsonString(d.Type)
	return t == "path"
}

// licenses reads "license": a list of SPDX identifiers or expressions (what
// Composer writes) or, in hand-edited files, one string.
func licenses(raw json.RawMessage) []string {
	if s, ok := jsonString(raw); ok {
		if s = strings.TrimSpace(s); s != "" {
			return []string{s}
		}
		return nil
	}
	var items []json.RawMessage
	if firstByte(raw) != '[' || json.Unmarshal(raw, &items) != nil {
		return nil
	}
	var out []string
	for _, it := range items {
		if s, ok := jsonString(it); ok && strings.TrimSpace(s) != "" {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}

// validName reports whether name is "vendor/package": two non-empty parts
// free of spaces, control characters and further slashes. Composer's own
// rule (lower-case letters, digits and separators) is stricter; this only
// keeps out what cannot be a name at all.
func validName(name string) bool {
	vendor, pkg, ok := strings.Cut(name, "/")
	if !ok || vendor == "" || pkg == "" || strings.Contains(pkg, "/") || len(name) > 256 {
		return false
	}
	for _, r := range name {
		if r <= 0x20 || r == 0x7f || r == '@' || r == '?' || r == '#' || r == '%' {
			return false
		}
	}
	return true
}

// validVersion reports whether v can be a version: not empty, no spaces or
// control characters.
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

// inVendorPackage reports whether p lies in a package folder of a vendor
// folder: vendor/<vendor>/<name>/... .
func inVendorPackage(p string) bool {
	parts := strings.Split(p, "/")
	for i := 0; i+3 < len(parts); i++ {
		if parts[i] == "vendor" {
			return true
		}
	}
	return false
}

var errNotObject = errors.New("not a JSON object")

// decodeObject decodes data, which must be a JSON object, into v.
func decodeObject(data []byte, v any) error {
	if firstByte(data) != '{' {
		return errNotObject
	}
	return json.Unmarshal(data, v)
}

// firstByte is the first byte of data that is not JSON white space, or 0.
func firstByte(data []byte) byte {
	s := strings.TrimLeft(string(data), " \t\r\n")
	if s == "" {
		return 0
	}
	return s[0]
}

// jsonString decodes raw as a string.
func jsonString(raw json.RawMessage) (string, bool) {
	if firstByte(raw) != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// readFile reads the regular file name of at most MaxFileSize bytes. A
// directory or other non-regular file gives (nil, nil).
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
	// Files written on Windows may start with a byte order mark, which
	// encoding/json refuses.
	if d, ok := bytes.CutPrefix(data, []byte("\ufeff")); ok {
		return d, nil
	}
	return data, nil
}

// read reads p for ExtractFile: a missing file or a directory gives
// (nil, nil), any other failure a *extract.FileError.
func read(fsys fs.FS, p string) ([]byte, error) {
	data, err := readFile(fsys, p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, extract.AsFileError(p, err)
	}
	return data, nil
}
