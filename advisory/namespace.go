package advisory

import "strings"

// Namespaces are how lading keys advisory statements: a lower-case
// distribution family and its release as the feeds number it
// ("alpine:3.20", "debian:12", "ubuntu:18.04", "almalinux:8"), or a
// lower-case language ecosystem ("go", "npm", "pypi", "crates.io", "maven").

var debianCodenames = map[string]string{
	"buzz": "1.1", "rex": "1.2", "bo": "1.3", "hamm": "2.0", "slink": "2.1",
	"potato": "2.2", "woody": "3.0", "sarge": "3.1", "etch": "4", "lenny": "5",
	"squeeze": "6", "wheezy": "7", "jessie": "8", "stretch": "9", "buster": "10",
	"bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14", "duke": "15",
	"sid": "unstable",
}

// DebianRelease maps a Debian code name to its major version ("bookworm" →
// "12", "sid" → "unstable"). It returns "" for an unknown name.
func DebianRelease(codename string) string {
	return debianCodenames[strings.ToLower(codename)]
}

// DebianCodename maps a Debian major version to its code name.
func DebianCodename(major string) string {
	for k, v := range debianCodenames {
		if v == major {
			return k
		}
	}
	return ""
}

// DistroNamespace returns the namespace for a distribution family and
// version as os-release gives them, e.g. ("alpine", "3.20.3") → "alpine:3.20",
// ("debian", "12.4") → "debian:12", ("ubuntu", "18.04") → "ubuntu:18.04".
func DistroNamespace(family, version string) string {
	family = strings.ToLower(family)
	switch family {
	case "alpine":
		version = majorMinor(version)
	case "debian", "almalinux", "rocky", "rhel", "centos", "ol", "amzn":
		version = major(version)
	}
	return family + ":" + version
}

// EcosystemNamespace returns the namespace for an OSV ecosystem string:
// "Alpine:v3.20" → "alpine:3.20", "Debian:12" → "debian:12",
// "Ubuntu:18.04:LTS" → "ubuntu:18.04", "Ubuntu:Pro:18.04:LTS" →
// "ubuntu-pro:18.04", "AlmaLinux:8" → "almalinux:8", "Rocky Linux:9" →
// "rocky:9", "PyPI" → "pypi".
func EcosystemNamespace(ecosystem string) string {
	parts := strings.Split(ecosystem, ":")
	name := parts[0]
	rest := parts[1:]
	switch name {
	case "Alpine":
		if len(rest) > 0 {
			return "alpine:" + strings.TrimPrefix(rest[0], "v")
		}
		return "alpine"
	case "Debian":
		if len(rest) > 0 {
			return "debian:" + rest[0]
		}
		return "debian"
	case "Ubuntu":
		fam := "ubuntu"
		if len(rest) > 0 && rest[0] == "Pro" {
			fam = "ubuntu-pro"
			rest = rest[1:]
			if len(rest) > 0 && rest[0] == "FIPS" {
				fam = "ubuntu-pro-fips"
				rest = rest[1:]
			}
		}
		if len(rest) > 0 {
			return fam + ":" + rest[0]
		}
		return fam
	case "AlmaLinux":
		if len(rest) > 0 {
			return "almalinux:" + major(rest[0])
		}
		return "almalinux"
	case "Rocky Linux":
		if len(rest) > 0 {
			return "rocky:" + major(rest[0])
		}
		return "rocky"
	}
	ns := strings.ToLower(name)
	if len(rest) > 0 {
		ns += ":" + strings.Join(rest, ":")
	}
	return ns
}

func major(v string) string {
	if i := strings.IndexByte(v, '.'); i >= 0 {
		return v[:i]
	}
	return v
}

func majorMinor(v string) string {
	v = strings.TrimPrefix(v, "v")
	first := strings.IndexByte(v, '.')
	if first < 0 {
		return v
	}
	if second := strings.IndexByte(v[first+1:], '.'); second >= 0 {
		return v[:first+1+second]
	}
	return v
}
