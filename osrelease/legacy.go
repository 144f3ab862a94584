package osrelease

import (
	"regexp"
	"strings"

	"github.com/lading-dev/lading/inventory"
)

// fromLSBRelease reads etc/lsb-release (Ubuntu before os-release, and
// derivatives): DISTRIB_ID, DISTRIB_RELEASE, DISTRIB_CODENAME,
// DISTRIB_DESCRIPTION.
func fromLSBRelease(data []byte) *inventory.Distro {
	kv := parse(data)
	if kv["DISTRIB_ID"] == "" {
		return nil
	}
	d := &inventory.Distro{
		Family:   family(kv["DISTRIB_ID"], ""),
		Version:  kv["DISTRIB_RELEASE"],
		Codename: codenameWord(kv["DISTRIB_CODENAME"]),
		Name:     kv["DISTRIB_DESCRIPTION"],
	}
	return d
}

// debianVersionRE matches etc/debian_version: a release number ("11.1",
// "9.8", "7.11") or "<codename>/sid" for testing and unstable.
var debianVersionRE = regexp.MustCompile(`^(?:([0-9]+)(?:\.[0-9]+)*|([a-z]+)/sid)$`)

// fromDebianVersion reads etc/debian_version. A number gives the major
// version (as os-release's VERSION_ID has it) and its code name;
// "bullseye/sid" gives the code name only, since testing and unstable have
// no release number.
func fromDebianVersion(data []byte) *inventory.Distro {
	m := debianVersionRE.FindStringSubmatch(firstLine(data))
	switch {
	case m == nil:
		return nil
	case m[1] != "":
		return &inventory.Distro{Family: "debian", Version: m[1], Codename: debianCodenames[m[1]]}
	default:
		return &inventory.Distro{Family: "debian", Codename: m[2]}
	}
}

// rpmDistros maps the start of a Red Hat family release line to its family.
var rpmDistros = []struct{ prefix, family string }{
	{"AlmaLinux", "almalinux"},
	{"Rocky Linux", "rocky"},
	{"Oracle Linux", "ol"},
	{"CentOS", "centos"},
	{"Fedora", "fedora"},
	{"CBL-Mariner", "mariner"},
	{"Common Base Linux Mariner", "mariner"},
	{"Microsoft Azure Linux", "azurelinux"},
	{"Amazon Linux", "amzn"},
	{"Red Hat", "rhel"},
	{"Scientific Linux", "scientific"},
	{"VMware Photon", "photon"},
}

// releaseVersionRE finds the version in a release line: after the word
// "release" ("CentOS Linux release 7.6.1810 (Core)"), or the first number
// ("CBL-Mariner 2.0.20240123").
var (
	releaseVersionRE = regexp.MustCompile(`\brelease\s+([0-9][0-9A-Za-z._-]*)`)
	firstNumberRE    = regexp.MustCompile(`\b([0-9]+(?:\.[0-9]+)*)\b`)
)

// fromRPMRelease reads a "<Name> release <version> (<codename>)" file. The
// family comes from the text, or is fallback when the text names no known
// distribution; with neither, the file is not used. "Red Hat Linux" (the
// pre-2003 distribution) is taken as rhel too: only the prefix is compared.
func fromRPMRelease(data []byte, fallback string) *inventory.Distro {
	line := firstLine(data)
	if line == "" {
		return nil
	}
	fam := fallback
	for _, r := range rpmDistros {
		if strings.HasPrefix(line, r.prefix) {
			fam = r.family
			break
		}
	}
	if fam == "" {
		return nil
	}
	var version string
	if m := releaseVersionRE.FindStringSubmatch(line); m != nil {
		version = m[1]
	} else if m := firstNumberRE.FindStringSubmatch(line); m != nil {
		version = m[1]
	}
	if fam == "mariner" || fam == "azurelinux" {
		// mariner-release has the build date as third part
		// ("2.0.20240123"); os-release's VERSION_ID is "2.0".
		if parts := strings.SplitN(version, ".", 3); len(parts) == 3 {
			version = parts[0] + "." + parts[1]
		}
	}
	return &inventory.Distro{Family: fam, Version: version, Name: line}
}

// fromSUSERelease reads the old etc/SuSE-release: a title line, then
// "VERSION = 12" and "PATCHLEVEL = 3" lines. The version is written as
// os-release writes it: "12.3", or "12" for patch level 0.
func fromSUSERelease(data []byte) *inventory.Distro {
	lines := strings.Split(string(data), "\n")
	title := strings.TrimSpace(lines[0])
	var version, patch string
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "VERSION":
			version = strings.TrimSpace(v)
		case "PATCHLEVEL":
			patch = strings.TrimSpace(v)
		}
	}
	var fam string
	switch {
	case strings.HasPrefix(title, "SUSE Linux Enterprise"):
		fam = "sles"
	case strings.HasPrefix(title, "openSUSE"):
		fam = "opensuse"
		if strings.HasPrefix(version, "42.") || strings.HasPrefix(version, "15.") {
			fam = "opensuse-leap"
		}
	default:
		return nil
	}
	if version == "" {
		if m := firstNumberRE.FindStringSubmatch(title); m != nil {
			version = m[1]
		}
	}
	if patch != "" && patch != "0" && !strings.Contains(version, ".") {
		version += "." + patch
	}
	return &inventory.Distro{Family: fam, Version: version, Name: title}
}
