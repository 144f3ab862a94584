package scan

import (
	"regexp"
	"strings"

	"github.com/lading-dev/lading/inventory"
)

// Some root filesystems carry a package database but no os-release file
// (trimmed images, extracted databases). The base-files package, which
// owns os-release on Debian and Ubuntu, still tells the release by its
// version, so lading falls back to it. Only releases whose base-files
// version maps to one release without doubt are listed.
var ubuntuBaseFiles = []struct {
	prefix, version, codename string
}{
	{"9.4ubuntu", "16.04", "xenial"},
	{"10.1ubuntu", "18.04", "bionic"},
	{"11ubuntu", "20.04", "focal"},
	{"12ubuntu", "22.04", "jammy"},
	{"13ubuntu", "24.04", "noble"},
}

var debianBaseFiles = regexp.MustCompile(`^(\d+)(\.\d+)*(\+deb\d+u\d+)?$`)

var debianCodenames = map[string]string{
	"7": "wheezy", "8": "jessie", "9": "stretch", "10": "buster", "11": "bullseye", "12": "bookworm", "13": "trixie",
}

// inferDistro guesses the distribution from the base-files package when no
// release file named it. It returns nil when there is no such package or
// its version is not one it knows.
func inferDistro(pkgs []*inventory.Package) *inventory.Distro {
	for _, p := range pkgs {
		if p.Type != inventory.TypeDeb || p.Name != "base-files" {
			continue
		}
		v := p.Version
		for _, u := range ubuntuBaseFiles {
			if strings.HasPrefix(v, u.prefix) {
				return &inventory.Distro{Family: "ubuntu", Version: u.version, Codename: u.codename,
					Name: "Ubuntu " + u.version + " (inferred from base-files " + v + ")"}
			}
		}
		if m := debianBaseFiles.FindStringSubmatch(v); m != nil {
			if code, ok := debianCodenames[m[1]]; ok {
				return &inventory.Distro{Family: "debian", Version: m[1], Codename: code,
					Name: "Debian " + m[1] + " (inferred from base-files " + v + ")"}
			}
		}
	}
	return nil
}
