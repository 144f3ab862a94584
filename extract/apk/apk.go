// Package apk reads the packages installed on Alpine Linux (and other apk
// based distributions) from apk's database, lib/apk/db/installed.
package apk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

const installedFile = "lib/apk/db/installed"

// MaxFileSize is the largest database read.
const MaxFileSize = 256 << 20

// Extractor reads lib/apk/db/installed. The zero value is ready to use.
type Extractor struct{}

// New returns an apk extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "apk" }

// Version implements extract.Extractor.
func (*Extractor) Version() int { return 1 }

// Wants reports whether path is lib/apk/db/installed.
func (*Extractor) Wants(path string) bool { return path == installedFile }

// Extract reads lib/apk/db/installed from in.FS. A database that cannot be
// read is reported as a *extract.FileError.
func (e *Extractor) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	data, err := readFile(in.FS, installedFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &extract.FileError{Path: installedFile, Err: err}
	}
	var pkgs []*inventory.Package
	err = parseRecords(ctx, data, func(r record) {
		if r.name == "" || r.version == "" {
			return
		}
		src := r.origin
		if src == "" {
			src = r.name
		}
		p := &inventory.Package{
			Name:          r.name,
			Version:       r.version,
			Type:          inventory.TypeAPK,
			Arch:          r.arch,
			SourceName:    src,
			SourceVersion: r.version,
			PURL:          purl(r.name, r.version, r.arch, in.Distro),
			Locations:     []inventory.Location{{Path: installedFile}},
		}
		if r.license != "" {
			p.Licenses = []string{r.license}
		}
		pkgs = append(pkgs, p)
	})
	return pkgs, err
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

// purl builds pkg:apk/<namespace>/<name>@<version>?arch=<arch>&distro=<family>-<version>.
// The namespace is the distribution family, "alpine" when it is unknown.
// The name is lower-cased, as the purl spec has it for apk.
func purl(name, version, arch string, d *inventory.Distro) string {
	ns := "alpine"
	q := map[string]string{}
	if arch != "" {
		q["arch"] = arch
	}
	if d != nil && d.Family != "" {
		ns = d.Family
		if d.Version != "" {
			q["distro"] = d.Family + "-" + d.Version
		}
	}
	return packageurl.NewPackageURL(packageurl.TypeApk, ns, strings.ToLower(name), version,
		packageurl.QualifiersFromMap(q), "").ToString()
}
