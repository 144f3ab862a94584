package cargo

import (
	"bytes"
	"compress/zlib"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// SectionName is the section cargo-auditable writes.
const SectionName = ".dep-v0"

// Limits on the cargo-auditable data read from one executable.
const (
	maxSection = 16 << 20 // compressed
	maxJSON    = 64 << 20 // decompressed
)

// auditable is cargo-auditable's JSON (format 0).
type auditable struct {
	Packages []auditablePackage `json:"packages"`
}

type auditablePackage struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Source  string `json:"source"`
	Kind    string `json:"kind"` // "runtime" (the default) or "build"
	Root    bool   `json:"root"`
}

// ReadAuditable returns the crates recorded in an executable's ".dep-v0"
// section, build dependencies left out. A file that is not an ELF, PE or
// Mach-O executable with that section gives no crates and no error.
func ReadAuditable(r io.ReaderAt) ([]Crate, error) {
	sec, err := depSection(r)
	if sec == nil || err != nil {
		return nil, err
	}
	return decodeAuditable(sec)
}

// depSection returns a reader over the compressed section, or nil.
func depSection(r io.ReaderAt) (*io.SectionReader, error) {
	var head [4]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return nil, nil
	}
	var size uint64
	var open func() io.ReadSeeker
	switch {
	case bytes.Equal(head[:], []byte("\x7fELF")):
		f, err := elf.NewFile(r)
		if err != nil {
			return nil, nil
		}
		s := f.Section(SectionName)
		if s == nil || s.Type == elf.SHT_NOBITS {
			return nil, nil
		}
		if s.Flags&elf.SHF_COMPRESSED != 0 {
			return nil, fmt.Errorf("section %s is ELF-compressed, which cargo-auditable never writes", SectionName)
		}
		size, open = s.Size, s.Open
	case bytes.HasPrefix(head[:], []byte("MZ")):
		f, err := pe.NewFile(r)
		if err != nil {
			return nil, nil
		}
		s := f.Section(SectionName)
		if s == nil {
			return nil, nil
		}
		// The raw data is padded to the file alignment; the virtual
		// size is what the linker wrote, when it is the smaller one.
		size = uint64(s.Size)
		if s.VirtualSize != 0 && uint64(s.VirtualSize) < size {
			size = uint64(s.VirtualSize)
		}
		open = s.Open
	default:
		f, err := macho.NewFile(r)
		if err != nil {
			return nil, nil
		}
		s := f.Section(SectionName)
		if s == nil {
			return nil, nil
		}
		size, open = s.Size, s.Open
	}
	if size > maxSection {
		return nil, fmt.Errorf("section %s is %d bytes, more than %d", SectionName, size, maxSection)
	}
	data, err := io.ReadAll(io.LimitReader(open(), int64(size)))
	if err != nil {
		return nil, fmt.Errorf("reading section %s: %w", SectionName, err)
	}
	if uint64(len(data)) < size {
		return nil, fmt.Errorf("section %s is cut short: %d of %d bytes (truncated file?)", SectionName, len(data), size)
	}
	return io.NewSectionReader(bytes.NewReader(data), 0, int64(len(data))), nil
}

// decodeAuditable inflates and decodes the section.
func decodeAuditable(sec io.Reader) ([]Crate, error) {
	zr, err := zlib.NewReader(sec)
	if err != nil {
		return nil, fmt.Errorf("section %s: %w", SectionName, err)
	}
	defer zr.Close()
	raw, err := io.ReadAll(io.LimitReader(zr, maxJSON+1))
	if err != nil {
		return nil, fmt.Errorf("section %s: decompressing: %w", SectionName, err)
	}
	if len(raw) > maxJSON {
		return nil, fmt.Errorf("section %s: more than %d bytes decompressed", SectionName, maxJSON)
	}
	var doc auditable
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("section %s: %w", SectionName, err)
	}
	var crates []Crate
	var errs []error
	for i, p := range doc.Packages {
		if p.Kind == "build" {
			continue
		}
		if p.Name == "" || p.Version == "" {
			errs = append(errs, fmt.Errorf("section %s: package %d has no name or version", SectionName, i))
			continue
		}
		crates = append(crates, Crate{Name: p.Name, Version: p.Version, Kind: auditableKind(p.Source), Root: p.Root})
	}
	return crates, errors.Join(errs...)
}

// auditableKind maps cargo-auditable's source field to a Source* kind.
func auditableKind(s string) string {
	switch s {
	case "crates.io":
		return SourceCratesIO
	case "local", "git", "registry":
		return s
	}
	return SourceOther
}
