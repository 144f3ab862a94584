package gobinary

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"io"
	"regexp"
	"runtime/debug"
	"strings"

	"golang.org/x/mod/module"

	"github.com/lading-dev/lading/inventory"
)

// readBinary reads the build information of a possible Go executable.
func readBinary(r io.ReaderAt, size int64, p string) ([]*inventory.Package, error) {
	bi, err := buildinfo.Read(r)
	if err != nil {
		if goMarked(r, size) {
			return nil, fileError(p, "Go executable whose build information cannot be read (truncated or damaged?): %v", err)
		}
		return nil, nil
	}
	return binaryPackages(bi, p), nil
}

// binaryPackages turns build information into packages: the main module,
// the dependencies (as replaced) and the standard library.
func binaryPackages(bi *buildinfo.BuildInfo, p string) []*inventory.Package {
	var pkgs []*inventory.Package
	if m := bi.Main; m.Path != "" && m.Path != "command-line-arguments" {
		version, stamped := mainVersion(m)
		pkg := newPackage(m.Path, version, p)
		if stamped != "" {
			pkg.SourceVersion = stamped
		}
		pkgs = append(pkgs, pkg)
	}
	for _, d := range bi.Deps {
		if d == nil {
			continue
		}
		name, version := depVersion(d)
		if name == "" {
			continue
		}
		pkgs = append(pkgs, newPackage(name, version, p))
	}
	if v := StdlibVersion(bi.GoVersion); v != "" {
		pkgs = append(pkgs, newPackage(Stdlib, v, p))
	}
	return pkgs
}

// mainVersion returns the version to report for a binary's main module
// and, when that is Devel because the go command stamped a version from
// version control, the stamped version. See the package documentation.
func mainVersion(m debug.Module) (version, stamped string) {
	v := m.Version
	switch {
	case v == "" || v == Devel:
		return Devel, ""
	case strings.HasSuffix(v, "+dirty"):
		return Devel, v
	case module.IsPseudoVersion(v) && m.Sum == "":
		// Built from a checkout: the pseudo-version was made up from
		// the commit and whatever tags the checkout had.
		return Devel, v
	}
	return v, ""
}

// depVersion returns the module a dependency line stands for: its
// replacement when there is one, and Devel for a replacement by a local
// directory (which has no version).
func depVersion(d *debug.Module) (name, version string) {
	if r := d.Replace; r != nil {
		if r.Version == "" {
			return d.Path, Devel
		}
		return r.Path, r.Version
	}
	if d.Version == "" {
		return d.Path, Devel
	}
	return d.Path, d.Version
}

// goRelease matches a Go release tag without its "go" prefix: "1.21.3",
// "1.20", "1.22rc1", "1.9.2beta2".
var goRelease = regexp.MustCompile(`^([1-9][0-9]*)\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?(?:(rc|beta)([1-9][0-9]*))?$`)

// StdlibVersion maps the toolchain version recorded in a binary to the
// standard library's module version in the Go vulnerability database's
// form: "go1.21.3" → "v1.21.3", "go1.20" → "v1.20.0", "go1.22rc1" →
// "v1.22.0-rc.1". Anything after the first space (" X:boringcrypto") is an
// annotation and ignored. A development toolchain ("devel …") gives Devel;
// another string that is not a Go release gives the string without its
// "go" prefix, which the matcher reports as an unparsable version. An
// empty string gives "".
func StdlibVersion(goVersion string) string {
	s := strings.TrimSpace(goVersion)
	if s == "" {
		return ""
	}
	if strings.HasPrefix(s, "devel") {
		return Devel
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimPrefix(s, "go")
	m := goRelease.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	patch := m[3]
	if patch == "" {
		patch = "0"
	}
	v := "v" + m[1] + "." + m[2] + "." + patch
	if m[4] != "" {
		v += "-" + m[4] + "." + m[5]
	}
	return v
}

// goMarked reports whether an executable whose build information could
// not be read still shows the marks of the Go linker: the Go build ID (an
// ELF note named "Go", or the "\xff Go build ID: " string other formats
// carry at the start of their text) within the first 64 KiB, or, when the
// headers parse, the sections the Go linker writes.
func goMarked(r io.ReaderAt, size int64) bool {
	head := make([]byte, min(size, 64<<10))
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	if !executableMagic(head) {
		return false
	}
	if bytes.Contains(head, []byte("\xff Go build ID: \"")) || hasGoNote(head) {
		return true
	}
	if f, err := elf.NewFile(r); err == nil {
		for _, s := range []string{".go.buildinfo", ".gopclntab", ".note.go.buildid"} {
			if f.Section(s) != nil {
				return true
			}
		}
		return false
	}
	if f, err := macho.NewFile(r); err == nil {
		for _, s := range []string{"__go_buildinfo", "__gopclntab"} {
			if f.Section(s) != nil {
				return true
			}
		}
	}
	return false
}

// executableMagic reports whether data starts like an ELF, PE or Mach-O
// file.
func executableMagic(data []byte) bool {
	for _, m := range [][]byte{
		[]byte("\x7fELF"), []byte("MZ"),
		{0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf},
		{0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe},
		{0xca, 0xfe, 0xba, 0xbe},
	} {
		if bytes.HasPrefix(data, m) {
			return true
		}
	}
	return false
}

// hasGoNote looks for the ELF note the Go linker writes for the build ID:
// name size 4, type 4 (ELF_NOTE_GOBUILDID_TAG), name "Go\x00\x00", in
// either byte order.
func hasGoNote(data []byte) bool {
	for _, tag := range [][]byte{
		{4, 0, 0, 0}, // little-endian
		{0, 0, 0, 4}, // big-endian
	} {
		pat := append(append([]byte(nil), tag...), "Go\x00\x00"...)
		for off := 0; ; {
			i := bytes.Index(data[off:], pat)
			if i < 0 {
				break
			}
			at := off + i
			// The type word is preceded by the descriptor size and,
			// before it, the name size, both 4-byte words.
			if at >= 8 && bytes.Equal(data[at-8:at-4], tag) {
				return true
			}
			off = at + 1
		}
	}
	return false
}
