package rpm

import (
	"strconv"
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/inventory"
)

// toPackage turns one database entry into a package, or nil for the
// gpg-pubkey pseudo-packages that hold imported signing keys.
func toPackage(info *pkgInfo, dbPath string, d *inventory.Distro) *inventory.Package {
	if info.Name == "" || info.Name == "gpg-pubkey" || info.Version == "" {
		return nil
	}
	evr := info.Version
	if info.Release != "" {
		evr += "-" + info.Release
	}
	epoch := info.EpochNum()
	version := evr
	if epoch > 0 {
		version = strconv.Itoa(epoch) + ":" + evr
	}
	srcName, srcVersion, ok := parseSourceRPM(info.SourceRpm)
	if !ok {
		srcName, srcVersion = info.Name, version
	}
	p := &inventory.Package{
		Name:          info.Name,
		Version:       version,
		Type:          inventory.TypeRPM,
		Arch:          info.Arch,
		SourceName:    srcName,
		SourceVersion: srcVersion,
		Epoch:         epoch,
		Release:       info.Release,
		Modularity:    info.Modularitylabel,
		Vendor:        info.Vendor,
		PURL:          purl(info, evr, epoch, d),
		Locations:     []inventory.Location{{Path: dbPath}},
	}
	if info.License != "" {
		p.Licenses = []string{info.License}
	}
	return p
}

// parseSourceRPM splits a source rpm file name,
// "curl-8.0.1-1.amzn2023.0.1.src.rpm", into the source package name
// ("curl") and its version-release ("8.0.1-1.amzn2023.0.1"). Source rpm
// file names carry no epoch, so neither does the source version; the
// binary package's Version and Epoch have it.
func parseSourceRPM(s string) (name, version string, ok bool) {
	base, found := strings.CutSuffix(s, ".src.rpm")
	if !found {
		base, found = strings.CutSuffix(s, ".nosrc.rpm")
	}
	if !found {
		return "", "", false
	}
	r := strings.LastIndexByte(base, '-')
	if r <= 0 {
		return "", "", false
	}
	v := strings.LastIndexByte(base[:r], '-')
	if v <= 0 || v+1 == r || r+1 == len(base) {
		return "", "", false
	}
	return base[:v], base[v+1:], true
}

// familyNamespaces maps a distribution family to the purl namespace of its
// packages where the two differ (Red Hat's own SBOMs say pkg:rpm/redhat).
var familyNamespaces = map[string]string{
	"rhel":                "redhat",
	"ol":                  "oracle",
	"sles":                "suse",
	"sle-micro":           "suse",
	"sle-micro-rancher":   "suse",
	"sl-micro":            "suse",
	"opensuse-leap":       "opensuse",
	"opensuse-tumbleweed": "opensuse",
}

// vendorNamespaces maps the start of an rpm Vendor to a namespace, for
// when the distribution is unknown.
var vendorNamespaces = []struct{ prefix, ns string }{
	{"Red Hat", "redhat"},
	{"Amazon", "amzn"},
	{"SUSE", "suse"},
	{"openSUSE", "opensuse"},
	{"CentOS", "centos"},
	{"Fedora", "fedora"},
	{"AlmaLinux", "almalinux"},
	{"Rocky", "rocky"},
	{"Oracle", "oracle"},
	{"Microsoft", "microsoft"},
	{"VMware", "photon"},
}

// namespace is the purl namespace: from the distribution family, else
// from the package's vendor, else none.
func namespace(info *pkgInfo, d *inventory.Distro) string {
	if d != nil && d.Family != "" {
		if ns, ok := familyNamespaces[d.Family]; ok {
			return ns
		}
		return d.Family
	}
	for _, v := range vendorNamespaces {
		if strings.HasPrefix(info.Vendor, v.prefix) {
			return v.ns
		}
	}
	return ""
}

// purl builds pkg:rpm/<namespace>/<name>@<version>-<release>?arch=<arch>&epoch=<epoch>&distro=<family>-<version>;
// the epoch is a qualifier (only when not 0), as the purl spec has it for rpm.
func purl(info *pkgInfo, evr string, epoch int, d *inventory.Distro) string {
	q := map[string]string{}
	if info.Arch != "" {
		q["arch"] = info.Arch
	}
	if epoch > 0 {
		q["epoch"] = strconv.Itoa(epoch)
	}
	if d != nil && d.Family != "" && d.Version != "" {
		q["distro"] = d.Family + "-" + d.Version
	}
	return packageurl.NewPackageURL(packageurl.TypeRPM, namespace(info, d), info.Name, evr,
		packageurl.QualifiersFromMap(q), "").ToString()
}
