package policy

import (
	"strings"

	packageurl "github.com/package-url/packageurl-go"
)

// purlMatches reports whether a package URL matches a pattern purl: the
// same type, namespace and name (case-insensitively), the same version
// when the pattern names one, and for each qualifier both name, the same
// value. A pattern without a version matches every version; qualifiers
// only one side has are not compared, so "pkg:apk/alpine/busybox" matches
// "pkg:apk/alpine/busybox@1.36.1-r29?arch=x86_64&distro=alpine-3.20.3".
func purlMatches(pattern, purl string) bool {
	p, err := packageurl.FromString(pattern)
	if err != nil {
		return false
	}
	u, err := packageurl.FromString(purl)
	if err != nil {
		return false
	}
	if !strings.EqualFold(p.Type, u.Type) || !strings.EqualFold(p.Namespace, u.Namespace) ||
		!strings.EqualFold(p.Name, u.Name) {
		return false
	}
	if p.Version != "" && p.Version != u.Version {
		return false
	}
	uq := u.Qualifiers.Map()
	for k, v := range p.Qualifiers.Map() {
		if w, ok := uq[k]; ok && w != v {
			return false
		}
	}
	return true
}

// validPURL reports whether s parses as a package URL.
func validPURL(s string) bool {
	_, err := packageurl.FromString(s)
	return err == nil
}
