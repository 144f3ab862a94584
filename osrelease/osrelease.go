// Package osrelease tells which operating system a root filesystem holds,
// from etc/os-release and, when that is missing, from the older
// distribution specific release files.
package osrelease

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/lading-dev/lading/inventory"
)

// Paths of the files Detect reads, relative to the root.
const (
	etcOSRelease    = "etc/os-release"
	usrLibOSRelease = "usr/lib/os-release"
	alpineRelease   = "etc/alpine-release"
	debianVersion   = "etc/debian_version"
	lsbRelease      = "etc/lsb-release"
	suseRelease     = "etc/SuSE-release"
)

// rpmReleaseFiles are the "<Name> release <version> (<codename>)" files of
// the Red Hat family, most specific first: Oracle Linux, for one, ships an
// etc/redhat-release that names Red Hat Enterprise Linux, so its own
// oracle-release must be read before it.
var rpmReleaseFiles = []struct {
	path   string
	family string // family when the text names no known distribution
}{
	{"etc/almalinux-release", "almalinux"},
	{"etc/rocky-release", "rocky"},
	{"etc/oracle-release", "ol"},
	{"etc/centos-release", "centos"},
	{"etc/fedora-release", "fedora"},
	{"etc/mariner-release", "mariner"},
	{"etc/system-release", ""},
	{"etc/redhat-release", ""},
}

// maxFileSize bounds how much of a release file is read; real ones are a
// few hundred bytes.
const maxFileSize = 64 << 10

var wanted = func() map[string]bool {
	m := map[string]bool{
		etcOSRelease: true, usrLibOSRelease: true, alpineRelease: true,
		debianVersion: true, lsbRelease: true, suseRelease: true,
	}
	for _, f := range rpmReleaseFiles {
		m[f.path] = true
	}
	return m
}()

// Version changes whenever Detect or Wants would give another result for
// the same files; layer caches keep it in their key.
const Version = 1

// Wants reports whether Detect may read the file at path (slash separated,
// relative to the root, no leading slash).
func Wants(path string) bool { return wanted[path] }

// Detect identifies the distribution of the root filesystem fsys. Sources,
// in order: etc/os-release, usr/lib/os-release, etc/alpine-release,
// etc/lsb-release, etc/debian_version, the Red Hat family release files and
// etc/SuSE-release. The first that names a distribution wins; for Debian and
// Ubuntu a missing code name is then filled in from the other files or from
// the known releases. Detect returns nil, nil when nothing is recognised.
// Files that exist but cannot be read are reported in the error, joined,
// next to whatever the other files told.
func Detect(fsys fs.FS) (*inventory.Distro, error) {
	r := &reader{fsys: fsys}
	d := r.fromOSRelease()
	if d == nil {
		d = r.fromOtherFiles()
	}
	if d != nil {
		r.fillCodename(d)
	}
	return d, errors.Join(r.errs...)
}

// reader reads release files from one filesystem and keeps the errors.
type reader struct {
	fsys fs.FS
	errs []error
}

// read returns the first maxFileSize bytes of the regular file at name, or
// false when there is no such file.
func (r *reader) read(name string) ([]byte, bool) {
	f, err := r.fsys.Open(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.errs = append(r.errs, fmt.Errorf("%s: %w", name, err))
		}
		return nil, false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, false
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize))
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s: %w", name, err))
		return nil, false
	}
	return data, true
}

func (r *reader) fromOSRelease() *inventory.Distro {
	for _, name := range []string{etcOSRelease, usrLibOSRelease} {
		data, ok := r.read(name)
		if !ok {
			continue
		}
		if d := fromOSReleaseData(data); d != nil {
			return d
		}
	}
	return nil
}

// fromOSReleaseData turns os-release contents into a Distro, or nil when
// they carry no ID.
func fromOSReleaseData(data []byte) *inventory.Distro {
	kv := parse(data)
	if kv["ID"] == "" {
		return nil
	}
	d := &inventory.Distro{
		Family:   family(kv["ID"], kv["NAME"]),
		Version:  kv["VERSION_ID"],
		Codename: codenameWord(kv["VERSION_CODENAME"]),
		Name:     kv["PRETTY_NAME"],
	}
	if d.Name == "" {
		d.Name = kv["NAME"]
	}
	if d.Codename == "" {
		d.Codename = codenameWord(kv["UBUNTU_CODENAME"])
	}
	if d.Codename == "" && (d.Family == "debian" || d.Family == "ubuntu") {
		d.Codename = codenameFromVersion(kv["VERSION"])
	}
	return d
}

func (r *reader) fromOtherFiles() *inventory.Distro {
	if data, ok := r.read(alpineRelease); ok {
		if v := firstLine(data); v != "" {
			return &inventory.Distro{Family: "alpine", Version: v}
		}
	}
	if data, ok := r.read(lsbRelease); ok {
		if d := fromLSBRelease(data); d != nil {
			return d
		}
	}
	if data, ok := r.read(debianVersion); ok {
		if d := fromDebianVersion(data); d != nil {
			return d
		}
	}
	for _, f := range rpmReleaseFiles {
		if data, ok := r.read(f.path); ok {
			if d := fromRPMRelease(data, f.family); d != nil {
				return d
			}
		}
	}
	if data, ok := r.read(suseRelease); ok {
		return fromSUSERelease(data)
	}
	return nil
}

// fillCodename completes the code name of a Debian or Ubuntu release from
// the other release files, then from the table of known releases.
func (r *reader) fillCodename(d *inventory.Distro) {
	if d.Codename != "" {
		return
	}
	switch d.Family {
	case "ubuntu":
		if data, ok := r.read(lsbRelease); ok {
			kv := parse(data)
			if family(kv["DISTRIB_ID"], "") == "ubuntu" {
				d.Codename = codenameWord(kv["DISTRIB_CODENAME"])
			}
		}
		if d.Codename == "" {
			d.Codename = ubuntuCodenames[d.Version]
		}
	case "debian":
		d.Codename = debianCodenames[major(d.Version)]
		if d.Codename == "" && d.Version == "" {
			if data, ok := r.read(debianVersion); ok {
				if dv := fromDebianVersion(data); dv != nil {
					d.Version, d.Codename = dv.Version, dv.Codename
				}
			}
		}
	}
}
