package update

import (
	"fmt"
	"strings"
)

// Upstream base URLs of the feeds.
const (
	OSVBase       = "https://osv-vulnerabilities.storage.googleapis.com/"
	AlpineBase    = "https://secdb.alpinelinux.org/"
	DebianTracker = "https://security-tracker.debian.org/tracker/data/json"
	DebianSalsa   = "https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/"
)

// DefaultOSVEcosystems is used when the OSV base publishes no
// ecosystems.txt: osv.dev's ecosystems (the main export of each, plus the
// AlmaLinux per-release folders of the older layout).
var DefaultOSVEcosystems = []string{
	"Go", "npm", "PyPI", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist",
	"Hex", "Pub", "Hackage", "CRAN", "SwiftURL", "GitHub Actions", "Bitnami",
	"AlmaLinux", "AlmaLinux:8", "AlmaLinux:9", "AlmaLinux:10", "Rocky Linux",
	"Ubuntu", "Debian", "Alpine", "Wolfi", "Chainguard", "MinimOS",
	"openSUSE", "SUSE", "Red Hat", "Photon OS", "Mageia", "openEuler",
	"Azure Linux", "Echo", "BellSoft Hardened Containers", "Linux", "Android",
	"OSS-Fuzz", "GHC",
}

// AlpineReleases are the secdb branches fetched: v3.2 … v3.22 and edge.
func AlpineReleases() []string {
	var out []string
	for minor := 2; minor <= 22; minor++ {
		out = append(out, fmt.Sprintf("v3.%d", minor))
	}
	return append(out, "edge")
}

// AlpineRepos are the secdb repositories fetched per branch.
var AlpineRepos = []string{"main", "community"}

// file is one feed file to fetch: its path in the mirror layout (which
// is also where it is stored in the download directory), its upstream
// URL, and the alternatives tried in order when it is not published.
type file struct {
	rel      string // mirror-layout path, e.g. "osv/AlmaLinux:8/all.zip"
	upstream string // full upstream URL
	feed     string // "osv", "alpine-secdb", "debian"
	fallback *file  // tried when this one is absent (secdb .json → .yaml)
}

// escapeSegment escapes a path segment for a URL, including ':' as %3A
// (OSV ecosystem folders such as "AlmaLinux:8").
func escapeSegment(s string) string {
	r := strings.NewReplacer(
		"%", "%25", " ", "%20", ":", "%3A", "?", "%3F", "#", "%23", "+", "%2B", "&", "%26",
	)
	return r.Replace(s)
}

// escapePath escapes each segment of a slash-separated path.
func escapePath(rel string) string {
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		parts[i] = escapeSegment(p)
	}
	return strings.Join(parts, "/")
}

func osvFile(eco string) file {
	return file{
		rel:      "osv/" + eco + "/all.zip",
		upstream: OSVBase + escapeSegment(eco) + "/all.zip",
		feed:     "osv",
	}
}

func alpineFiles() []file {
	var out []file
	for _, rel := range AlpineReleases() {
		for _, repo := range AlpineRepos {
			yaml := &file{
				rel:      "alpine-secdb/" + rel + "/" + repo + ".yaml",
				upstream: AlpineBase + rel + "/" + repo + ".yaml",
				feed:     "alpine-secdb",
			}
			out = append(out, file{
				rel:      "alpine-secdb/" + rel + "/" + repo + ".json",
				upstream: AlpineBase + rel + "/" + repo + ".json",
				feed:     "alpine-secdb",
				fallback: yaml,
			})
		}
	}
	return out
}

func debianFiles() []file {
	return []file{
		{rel: "debian/tracker/data/json", upstream: DebianTracker, feed: "debian"},
		{rel: "debian/security-tracker/data/DSA/list", upstream: DebianSalsa + "data/DSA/list", feed: "debian"},
		{rel: "debian/security-tracker/data/DLA/list", upstream: DebianSalsa + "data/DLA/list", feed: "debian"},
	}
}

// parseEcosystems reads ecosystems.txt: one ecosystem per line. A
// per-release name ("Debian:12", "AlmaLinux:8") is dropped when its main
// ecosystem ("Debian", "AlmaLinux") is listed too: osv.dev's main export
// already holds those records, and the per-release folders are legacy.
func parseEcosystems(data []byte) []string {
	all := readLines(data)
	listed := map[string]bool{}
	for _, e := range all {
		listed[e] = true
	}
	var out []string
	for _, e := range all {
		if i := strings.IndexByte(e, ':'); i > 0 && listed[e[:i]] {
			continue
		}
		out = append(out, e)
	}
	return out
}

func readLines(data []byte) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || seen[line] {
			continue
		}
		seen[line] = true
		out = append(out, line)
	}
	return out
}
