package store

import (
	"regexp"
	"strings"
)

// caseSensitive lists the ecosystems (namespace family before any ':')
// whose package names are compared exactly: Go module paths, Maven
// coordinates, RubyGems and a few others where case is significant.
var caseSensitive = map[string]bool{
	"go": true, "maven": true, "rubygems": true, "swifturl": true,
	"hackage": true, "cran": true, "bioconductor": true, "opam": true,
	"julia": true,
}

var pep503 = regexp.MustCompile(`[-_.]+`)

// NormalizePackage returns the key under which a package name is stored
// and looked up in namespace ns: PyPI names per PEP 503 (lower-case, runs
// of "-", "_", "." become "-"); names in the ecosystems listed as case
// sensitive (Go, Maven, RubyGems, ...) unchanged; everything else,
// including every distribution namespace, npm, NuGet, Packagist and
// crates.io, lower-cased.
func NormalizePackage(ns, name string) string {
	name = strings.TrimSpace(name)
	family := NormalizeNamespace(ns)
	if i := strings.IndexByte(family, ':'); i >= 0 {
		family = family[:i]
	}
	switch {
	case family == "pypi":
		return pep503.ReplaceAllString(strings.ToLower(name), "-")
	case caseSensitive[family]:
		return name
	}
	return strings.ToLower(name)
}

// NormalizeNamespace lower-cases and trims a namespace.
func NormalizeNamespace(ns string) string {
	return strings.ToLower(strings.TrimSpace(ns))
}
