package python

import (
	"bufio"
	"bytes"
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

// MaxHeaderSize bounds the header part of a METADATA or PKG-INFO file
// (the body, the long description, is not read). Real headers are a few
// kilobytes; a licence text pasted into License: can make them tens.
const MaxHeaderSize = 8 << 20

// Installed reads the metadata of installed distributions. The zero value
// is ready to use.
type Installed struct{}

// NewInstalled returns the extractor of installed Python distributions.
func NewInstalled() *Installed { return &Installed{} }

// Name implements extract.Extractor.
func (*Installed) Name() string { return "python-installed" }

// Version implements extract.Extractor.
func (*Installed) Version() int { return 1 }

// Wants reports whether p is <x>.dist-info/METADATA, <x>.egg-info/PKG-INFO,
// <x>.egg/EGG-INFO/PKG-INFO or a file named <x>.egg-info (a PKG-INFO by
// another name, as distutils installed it and Debian still ships it).
// Folders named <x>.egg-info are wanted too, as the walk cannot tell them
// from files by name; ExtractFile ignores them.
func (*Installed) Wants(p string) bool {
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	switch base {
	case "METADATA":
		return metadataDir(dir, ".dist-info")
	case "PKG-INFO":
		if path.Base(dir) == "EGG-INFO" {
			return metadataDir(path.Dir(dir), ".egg")
		}
		return metadataDir(dir, ".egg-info")
	}
	return metadataDir(p, ".egg-info")
}

// metadataDir reports whether the last element of p is <x><suffix> with a
// non-empty x.
func metadataDir(p, suffix string) bool {
	b := path.Base(p)
	return len(b) > len(suffix) && strings.HasSuffix(b, suffix)
}

// Extract walks in.FS and reads every wanted metadata file. The scan calls
// ExtractFile instead.
func (e *Installed) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	return extract.WalkFiles(ctx, e, in)
}

// ExtractFile reads one metadata file. A file without Name or Version
// gives no package, as does an egg-info that a dist-info beside it
// describes as well (see the package comment).
func (*Installed) ExtractFile(_ context.Context, in extract.Input, p string) ([]*inventory.Package, error) {
	m, err := readMetadata(in.FS, p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, extract.AsFileError(p, err)
	}
	if m == nil || !validName(m.name) || !validVersion(m.version) {
		return nil, nil
	}
	if egg := eggInfo(p); egg != "" && hasDistInfo(in.FS, path.Dir(egg), m) {
		return nil, nil
	}
	return []*inventory.Package{newPackage(m.name, m.version, p, m.licenses())}, nil
}

// eggInfo returns the *.egg-info file or folder p belongs to, or "".
func eggInfo(p string) string {
	if strings.HasSuffix(p, ".egg-info") {
		return p
	}
	if d := path.Dir(p); strings.HasSuffix(d, ".egg-info") {
		return d
	}
	return ""
}

// hasDistInfo reports whether dir holds a *.dist-info folder whose
// METADATA has m's normalised name and version, or, when that METADATA is
// listed but cannot be read, whose folder name is <name>-<version>.
func hasDistInfo(fsys fs.FS, dir string, m *metadata) bool {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return false
	}
	want := Normalize(m.name)
	for _, e := range ents {
		stem, ok := strings.CutSuffix(e.Name(), ".dist-info")
		if !ok || !strings.HasPrefix(Normalize(stem), want+"-") {
			continue
		}
		other, err := readMetadata(fsys, path.Join(dir, e.Name(), "METADATA"))
		if err != nil || other == nil {
			// A METADATA that is there but cannot be read (the walk may
			// have let go of its contents): go by the folder name,
			// <name>-<version>. A dist-info without METADATA reports
			// nothing and hides nothing.
			if hasEntry(fsys, path.Join(dir, e.Name()), "METADATA") && Normalize(stem) == Normalize(m.name+"-"+m.version) {
				return true
			}
			continue
		}
		if Normalize(other.name) == want && other.version == m.version {
			return true
		}
	}
	return false
}

// hasEntry reports whether the folder dir lists name.
func hasEntry(fsys fs.FS, dir, name string) bool {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if e.Name() == name {
			return true
		}
	}
	return false
}

// metadata is what is read from the headers of a METADATA or PKG-INFO.
type metadata struct {
	name, version       string
	license, expression string
	classifiers         []string
}

// licenses picks the licence: License-Expression (metadata 2.4), then a
// one-line License other than UNKNOWN, then the last part of each
// "License ::" classifier ("License :: OSI Approved :: MIT License" gives
// "MIT License").
func (m *metadata) licenses() []string {
	if m.expression != "" {
		return []string{m.expression}
	}
	if l := strings.TrimSpace(m.license); l != "" && !strings.Contains(l, "\n") && len(l) <= 200 && !strings.EqualFold(l, "UNKNOWN") {
		return []string{l}
	}
	var out []string
	for _, c := range m.classifiers {
		parts := strings.Split(c, "::")
		if len(parts) < 2 || strings.TrimSpace(parts[0]) != "License" {
			continue
		}
		if l := strings.TrimSpace(parts[len(parts)-1]); l != "" && l != "OSI Approved" {
			out = append(out, l)
		}
	}
	return out
}

// readMetadata reads the headers of the metadata file p. A directory or
// non-regular file gives (nil, nil).
func readMetadata(fsys fs.FS, p string) (*metadata, error) {
	f, err := fsys.Open(p)
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
	return parseMetadata(f)
}

// parseMetadata reads RFC 822 style headers up to the first empty line
// (the body, or EOF). A line starting with a space or tab continues the
// header before it. A line with no colon ends the headers too: what
// follows is not metadata. Header names are matched without regard to
// case, the first Name and Version win.
func parseMetadata(r io.Reader) (*metadata, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, MaxHeaderSize+1), 64<<10)
	var m metadata
	var key string
	var val strings.Builder
	read := 0
	commit := func() {
		if key == "" {
			return
		}
		v := strings.TrimSpace(val.String())
		switch strings.ToLower(key) {
		case "name":
			if m.name == "" {
				m.name = v
			}
		case "version":
			if m.version == "" {
				m.version = v
			}
		case "license":
			if m.license == "" {
				m.license = v
			}
		case "license-expression":
			if m.expression == "" {
				m.expression = v
			}
		case "classifier":
			m.classifiers = append(m.classifiers, v)
		}
		key = ""
		val.Reset()
	}
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A very long line: read the rest of it.
			rest, err2 := br.ReadBytes('\n')
			line = append(append([]byte{}, line...), rest...)
			err = err2
		}
		read += len(line)
		if read > MaxHeaderSize {
			return nil, fmt.Errorf("metadata headers larger than %d bytes", MaxHeaderSize)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(bytes.TrimSpace(line)) == 0 {
			if len(line) == 0 || key == "" || errors.Is(err, io.EOF) {
				break // the empty line before the body, or the end
			}
		}
		switch {
		case len(line) > 0 && (line[0] == ' ' || line[0] == '\t'):
			if key != "" && val.Len() < MaxHeaderSize {
				val.WriteByte('\n')
				val.Write(bytes.TrimSpace(line))
			}
		default:
			commit()
			k, v, ok := bytes.Cut(line, []byte(":"))
			if !ok || len(bytes.TrimSpace(k)) == 0 || bytes.ContainsAny(k, " \t") {
				err = io.EOF // not a header: the headers are over
				break
			}
			key = string(k)
			val.Write(bytes.TrimSpace(v))
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	commit()
	return &m, nil
}
