// Package ubuntu reads Ubuntu Security Notices as the ubuntu.com security
// API publishes them (https://ubuntu.com/security/notices.json, whose
// response is {"notices": [...], "offset", "limit", "total_results"}) into
// lading's advisory types. The shape is the API's own marshmallow schemas
// (canonical/ubuntu-com-security-api, webapp/schemas.py: NoticesAPISchema,
// NoticeAPIDetailedSchema, NoticePackage):
//
//	{"id": "USN-4414-2", "title": ..., "summary": ..., "description": ...,
//	 "published": "2020-07-06T21:28:23.982632", "is_hidden": false,
//	 "cves_ids": ["CVE-2020-10711", ...],
//	 "cves": [{"id": "CVE-2020-10711", "priority": "medium", ...}, ...],
//	 "references": [...],
//	 "releases": [{"codename": "bionic", "version": "18.04", ...}],
//	 "release_packages": {"bionic": [{"name": "linux-gcp-4.15",
//	     "version": "4.15.0-1078.88", "is_source": true, "pocket": "security",
//	     "package_type": "deb", ...}], ...}}
//
// The document is read as a stream, one notice at a time; a file may
// hold one API page or many pages' notices in one "notices" array.
package ubuntu

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// Source is the Vulnerability.Source of every record this package reads.
const Source = "ubuntu-notices"

// Notice is one notices[] element.
type Notice struct {
	ID              string                     `json:"id"`
	Title           string                     `json:"title"`
	Summary         string                     `json:"summary"`
	Description     string                     `json:"description"`
	Published       string                     `json:"published"`
	IsHidden        flexBool                   `json:"is_hidden"`
	Type            string                     `json:"type"`
	CVEsIDs         []string                   `json:"cves_ids"`
	CVEs            []cveRef                   `json:"cves"`
	References      []string                   `json:"references"`
	Releases        []Release                  `json:"releases"`
	ReleasePackages map[string][]NoticePackage `json:"release_packages"`
}

// Release is one releases[] element.
type Release struct {
	Codename string `json:"codename"`
	Version  string `json:"version"`
}

// NoticePackage is one package of a release in release_packages.
type NoticePackage struct {
	Name        string   `json:"name"`
	Version     string   `json:"version"`
	IsSource    flexBool `json:"is_source"`
	Pocket      string   `json:"pocket"`
	PackageType string   `json:"package_type"`
}

// cveRef is a cves[] element: an object with the CVE's id and Ubuntu
// priority (the API's detailed schema), or a bare id (the import schema).
type cveRef struct {
	ID       string
	Priority string
}

func (c *cveRef) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		c.ID = s
		return nil
	}
	var o struct {
		ID       string `json:"id"`
		Priority string `json:"priority"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	c.ID, c.Priority = o.ID, o.Priority
	return nil
}

// flexBool accepts true/false and their string spellings ("false" is what
// the API's own test fixtures write).
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		*f = flexBool(x)
	case string:
		*f = flexBool(strings.EqualFold(x, "true"))
	case nil:
		*f = false
	default:
		return fmt.Errorf("not a boolean: %s", b)
	}
	return nil
}

var (
	usnRE = regexp.MustCompile(`^USN-\d{1,5}-\d{1,2}$`)
	cveRE = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)
)

// ubuntuReleases maps code names to versions, for notices whose releases
// list does not name a code name of release_packages.
var ubuntuReleases = map[string]string{
	"warty": "4.10", "hoary": "5.04", "breezy": "5.10", "dapper": "6.06", "edgy": "6.10",
	"feisty": "7.04", "gutsy": "7.10", "hardy": "8.04", "intrepid": "8.10", "jaunty": "9.04",
	"karmic": "9.10", "lucid": "10.04", "maverick": "10.10", "natty": "11.04", "oneiric": "11.10",
	"precise": "12.04", "quantal": "12.10", "raring": "13.04", "saucy": "13.10", "trusty": "14.04",
	"utopic": "14.10", "vivid": "15.04", "wily": "15.10", "xenial": "16.04", "yakkety": "16.10",
	"zesty": "17.04", "artful": "17.10", "bionic": "18.04", "cosmic": "18.10", "disco": "19.04",
	"eoan": "19.10", "focal": "20.04", "groovy": "20.10", "hirsute": "21.04", "impish": "21.10",
	"jammy": "22.04", "kinetic": "22.10", "lunar": "23.04", "mantic": "23.10", "noble": "24.04",
	"oracular": "24.10", "plucky": "25.04", "questing": "25.10",
}

// ReleaseVersion maps an Ubuntu code name to its version ("jammy" →
// "22.04"); "" when unknown.
func ReleaseVersion(codename string) string {
	return ubuntuReleases[strings.ToLower(strings.TrimSpace(codename))]
}

// Namespace returns the namespace of a fix published in pocket for an
// Ubuntu version: the ordinary pockets ("security", "updates", none) give
// ubuntu:<version>; Ubuntu Pro pockets (esm-infra, esm-apps, soss,
// ros-esm) ubuntu-pro:<version>; FIPS pockets ubuntu-pro-fips:<version>.
// lading's matcher reads only ubuntu:<version>, so a fix available only
// through Ubuntu Pro does not count as fixed for an ordinary image.
func Namespace(version, pocket string) string {
	p := strings.ToLower(strings.TrimSpace(pocket))
	switch {
	case p == "" || p == "security" || p == "updates" || p == "release" || p == "proposed":
		return "ubuntu:" + version
	case strings.HasPrefix(p, "fips"):
		return "ubuntu-pro-fips:" + version
	}
	return "ubuntu-pro:" + version
}

// ReadFile reads the notices document at path.
func ReadFile(ctx context.Context, path string, sink feed.Sink) (feed.Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return feed.Stats{}, fmt.Errorf("ubuntu: %w", err)
	}
	defer f.Close()
	stats, err := Read(ctx, f, sink)
	if err != nil {
		return stats, fmt.Errorf("ubuntu: %s: %w", path, err)
	}
	return stats, nil
}

// Read parses a notices document: a JSON object whose "notices" array is
// decoded one element at a time; its other keys (offset, limit,
// total_results) are passed over. Each USN becomes one Entry (its CVEs as
// related ids, as osv.dev's USN records give them as upstream).
func Read(ctx context.Context, r io.Reader, sink feed.Sink) (feed.Stats, error) {
	var stats feed.Stats
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	tok, err := dec.Token()
	if err != nil {
		return stats, fmt.Errorf("invalid JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return stats, errors.New("not a notices document: want a JSON object")
	}
	sawNotices := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return stats, fmt.Errorf("invalid JSON: %w", err)
		}
		key, _ := tok.(string)
		if key != "notices" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return stats, fmt.Errorf("invalid JSON: %w", err)
			}
			continue
		}
		sawNotices = true
		tok, err = dec.Token()
		if err != nil {
			return stats, fmt.Errorf("invalid JSON: %w", err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			if tok == nil { // "notices": null
				continue
			}
			return stats, errors.New(`"notices" is not an array`)
		}
		for i := 0; dec.More(); i++ {
			if err := ctx.Err(); err != nil {
				return stats, err
			}
			var n Notice
			if err := dec.Decode(&n); err != nil {
				return stats, fmt.Errorf("notice %d: invalid JSON: %w", i, err)
			}
			e, ok := Convert(&n, &stats)
			if !ok {
				continue
			}
			if err := stats.Emit(sink, e); err != nil {
				return stats, err
			}
		}
		if _, err := dec.Token(); err != nil {
			return stats, fmt.Errorf("invalid JSON: %w", err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return stats, fmt.Errorf("invalid JSON: %w", err)
	}
	if !sawNotices {
		return stats, errors.New(`not a notices document: no "notices" array`)
	}
	return stats, nil
}

// Convert turns one notice into an Entry: per release of release_packages,
// a fixed statement for each source package at its version (the version
// dpkg's source version is compared with); binary packages are stated
// only for a release that lists no source package. Packages that are not
// debs (snaps, Python or Go packages) are passed over. Notices that are
// not USNs (Livepatch LSNs) or are hidden are counted as skipped.
func Convert(n *Notice, stats *feed.Stats) (feed.Entry, bool) {
	var e feed.Entry
	id := strings.TrimSpace(n.ID)
	switch {
	case id == "":
		stats.Skip("notice without an id")
		return e, false
	case !usnRE.MatchString(id):
		stats.Skip(fmt.Sprintf("%s: not a USN", id))
		return e, false
	case bool(n.IsHidden):
		stats.Skip(fmt.Sprintf("%s: hidden notice", id))
		return e, false
	}
	versions := map[string]string{}
	for _, r := range n.Releases {
		if c, v := strings.ToLower(strings.TrimSpace(r.Codename)), strings.TrimSpace(r.Version); c != "" && v != "" {
			versions[c] = v
		}
	}
	sev := ""
	var cves []string
	for _, c := range n.CVEs {
		sev = feed.MaxSeverity(sev, feed.SeverityWord(c.Priority))
		if id := strings.ToUpper(strings.TrimSpace(c.ID)); cveRE.MatchString(id) && !contains(cves, id) {
			cves = append(cves, id)
		}
	}
	for _, c := range n.CVEsIDs {
		if id := strings.ToUpper(strings.TrimSpace(c)); cveRE.MatchString(id) && !contains(cves, id) {
			cves = append(cves, id)
		}
	}
	sort.Strings(cves)

	codenames := make([]string, 0, len(n.ReleasePackages))
	for c := range n.ReleasePackages {
		codenames = append(codenames, c)
	}
	sort.Strings(codenames)
	type key struct{ ns, pkg string }
	fixed := map[key]string{}
	var keys []key
	for _, code := range codenames {
		lc := strings.ToLower(strings.TrimSpace(code))
		ver := versions[lc]
		if ver == "" {
			ver = ReleaseVersion(lc)
		}
		if ver == "" {
			stats.Skip(fmt.Sprintf("%s: unknown release %q", id, code))
			continue
		}
		pkgs := n.ReleasePackages[code]
		hasSource := false
		for _, p := range pkgs {
			if bool(p.IsSource) && isDeb(p) {
				hasSource = true
			}
		}
		for _, p := range pkgs {
			name, v := strings.TrimSpace(p.Name), strings.TrimSpace(p.Version)
			if !isDeb(p) || bool(p.IsSource) != hasSource {
				continue
			}
			if name == "" || v == "" {
				stats.Skip(fmt.Sprintf("%s %s: package without a name or version", id, code))
				continue
			}
			k := key{Namespace(ver, p.Pocket), name}
			if prev, ok := fixed[k]; ok {
				if prev != v {
					stats.Skip(fmt.Sprintf("%s %s: %s listed at %s and %s", id, code, name, prev, v))
				}
				continue
			}
			fixed[k] = v
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		stats.Skip(fmt.Sprintf("%s: no deb package", id))
		return e, false
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].ns != keys[j].ns {
			return keys[i].ns < keys[j].ns
		}
		return keys[i].pkg < keys[j].pkg
	})
	e.Vuln = advisory.Vulnerability{
		ID: id, Source: Source, Severity: sev,
		Summary:    strings.TrimSpace(n.Title),
		Details:    strings.TrimSpace(n.Description),
		Published:  parseTime(n.Published),
		References: []string{"https://ubuntu.com/security/notices/" + id},
	}
	if e.Vuln.Details == "" {
		e.Vuln.Details = strings.TrimSpace(n.Summary)
	}
	for _, r := range n.References {
		if r = strings.TrimSpace(r); r != "" && !contains(e.Vuln.References, r) {
			e.Vuln.References = append(e.Vuln.References, r)
		}
	}
	e.Related = cves
	for _, k := range keys {
		e.Affected = append(e.Affected, advisory.Affected{
			VulnID: id, Namespace: k.ns, Ecosystem: ecosystemOf(k.ns), Package: k.pkg,
			Status: advisory.StatusFixed, Fixed: fixed[k], Severity: sev, Source: Source,
		})
	}
	return e, true
}

// ecosystemOf spells a namespace as osv.dev spells Ubuntu ecosystems
// ("ubuntu:22.04" → "Ubuntu:22.04", "ubuntu-pro:16.04" → "Ubuntu:Pro:16.04").
func ecosystemOf(ns string) string {
	fam, ver, _ := strings.Cut(ns, ":")
	switch fam {
	case "ubuntu-pro":
		return "Ubuntu:Pro:" + ver
	case "ubuntu-pro-fips":
		return "Ubuntu:Pro:FIPS:" + ver
	}
	return "Ubuntu:" + ver
}

// isDeb reports whether a notice package is a deb (package_type "deb", or
// none given, as in older notices).
func isDeb(p NoticePackage) bool {
	t := strings.ToLower(strings.TrimSpace(p.PackageType))
	return t == "" || t == "deb"
}

// parseTime reads the API's timestamps ("2020-07-06T21:28:23.982632",
// without a zone, and RFC 3339 forms) as UTC.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
