package match

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/google/osv-scalibr/semantic"

	"github.com/lading-dev/lading/inventory"
)

// order is one package manager's version order. semantic accepts nearly any
// string (its apk and rpm parsers never fail, its dpkg parser fails only on
// a non-numeric epoch) and then compares junk in some arbitrary way, so each
// order first checks the syntax its package manager accepts. A version that
// fails the check is reported as an Unknown instead of being compared.
type order struct {
	name      string // "dpkg", "apk", "rpm", for messages
	ecosystem string // semantic's ecosystem name
	valid     func(string) bool
}

var (
	dpkgOrder = order{name: "dpkg", ecosystem: "Debian", valid: validDpkg}
	apkOrder  = order{name: "apk", ecosystem: "Alpine", valid: apkSyntax.MatchString}
	rpmOrder  = order{name: "rpm", ecosystem: "Red Hat", valid: rpmSyntax.MatchString}
)

var (
	// dpkgSyntax: [epoch:]upstream[-revision], upstream starting with a
	// digit (deb-version(7)); the revision is checked in validDpkg.
	dpkgSyntax = regexp.MustCompile(`^(?:[0-9]+:)?[0-9][A-Za-z0-9.+~-]*$`)
	// apkSyntax: apk-tools' version grammar: numbers, an optional letter,
	// suffixes, an optional ~hash and an optional -rN.
	apkSyntax = regexp.MustCompile(`^[0-9]+(?:\.[0-9]+)*[a-z]?(?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]*)*(?:~[0-9a-f]+)?(?:-r[0-9]+)?$`)
	// rpmSyntax: [epoch:]version[-release], neither part holding a hyphen.
	rpmSyntax = regexp.MustCompile(`^(?:[0-9]+:)?[A-Za-z0-9._+~^]+(?:-[A-Za-z0-9._+~^]+)?$`)
)

func validDpkg(v string) bool {
	// A trailing hyphen would leave an empty revision.
	return dpkgSyntax.MatchString(v) && !strings.HasSuffix(v, "-")
}

// parse checks v against the package manager's syntax and parses it.
func (o order) parse(v string) (semantic.Version, error) {
	if !o.valid(v) {
		return nil, fmt.Errorf("%q is not a valid %s version", v, o.name)
	}
	sv, err := semantic.Parse(v, o.ecosystem)
	if err != nil {
		return nil, fmt.Errorf("%q is not a valid %s version: %w", v, o.name, err)
	}
	return sv, nil
}

// compare returns the sign of a-b. Both strings are checked; the error says
// which side failed.
func (o order) compare(a, b string) (int, error) {
	av, err := o.parse(a)
	if err != nil {
		return 0, err
	}
	bv, err := o.parse(b)
	if err != nil {
		return 0, err
	}
	return av.Compare(bv)
}

// orderFor picks the version order for a package by its type, falling back
// to the distribution family when the type is empty. ok is false for
// packages that are not OS packages (language packages are matched
// elsewhere).
func orderFor(pkgType, family string) (o order, ok bool) {
	switch pkgType {
	case inventory.TypeDeb:
		return dpkgOrder, true
	case inventory.TypeAPK:
		return apkOrder, true
	case inventory.TypeRPM:
		return rpmOrder, true
	case "":
		switch family {
		case "debian", "ubuntu":
			return dpkgOrder, true
		case "alpine", "wolfi", "chainguard":
			return apkOrder, true
		case "rhel", "centos", "almalinux", "rocky", "ol", "amzn", "fedora",
			"mariner", "azurelinux", "photon", "sles", "opensuse-leap":
			return rpmOrder, true
		}
	}
	return order{}, false
}

// lookup is one name to query the advisory store by and the version to
// compare with what it returns.
type lookup struct {
	name, version string
}

// lookups returns the names a package is known by in the feeds, the first
// being the one its distribution's feeds use:
//   - deb: the source package and source version (Debian and Ubuntu
//     advisories are about source packages), then the binary name with the
//     binary version;
//   - apk: the origin with the package version (secdb fixes are per origin,
//     and a subpackage carries its origin's version), then the binary name;
//   - rpm: the binary name with epoch:version-release (AlmaLinux and Rocky
//     OSV records name binary packages), then the source rpm name with the
//     same EVR.
func lookups(p *inventory.Package, o order) []lookup {
	var first lookup
	switch o.name {
	case "dpkg":
		first = lookup{name: or(p.SourceName, p.Name), version: or(p.SourceVersion, p.Version)}
	case "apk":
		first = lookup{name: or(p.SourceName, p.Name), version: p.Version}
	case "rpm":
		evr := rpmEVR(p)
		first = lookup{name: p.Name, version: evr}
		if src := rpmSourceName(p.SourceName); src != "" && src != p.Name {
			return []lookup{first, {name: src, version: evr}}
		}
		return []lookup{first}
	}
	if first.name == p.Name {
		return []lookup{first}
	}
	return []lookup{first, {name: p.Name, version: p.Version}}
}

// rpmEVR returns epoch:version-release for an rpm package, whether the
// extractor put the epoch and release into Version or only into Epoch and
// Release.
func rpmEVR(p *inventory.Package) string {
	v := p.Version
	if p.Release != "" && !strings.HasSuffix(v, "-"+p.Release) {
		v += "-" + p.Release
	}
	if p.Epoch > 0 && !hasEpoch(v) {
		v = strconv.Itoa(p.Epoch) + ":" + v
	}
	return v
}

func hasEpoch(v string) bool {
	e, _, ok := strings.Cut(v, ":")
	if !ok || e == "" {
		return false
	}
	_, err := strconv.ParseUint(e, 10, 64)
	return err == nil
}

// rpmSourceName returns the name of a source rpm, given either the name or
// the SOURCERPM file name ("openssl-3.0.7-25.el9_3.src.rpm" → "openssl").
func rpmSourceName(s string) string {
	for _, ext := range []string{".src.rpm", ".nosrc.rpm"} {
		if base, ok := strings.CutSuffix(s, ext); ok {
			// Drop -release, then -version.
			for range 2 {
				if i := strings.LastIndexByte(base, '-'); i > 0 {
					base = base[:i]
				}
			}
			return base
		}
	}
	return s
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
