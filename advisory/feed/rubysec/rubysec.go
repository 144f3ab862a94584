// Package rubysec reads the Ruby Advisory Database
// (https://github.com/rubysec/ruby-advisory-db, the bundler-audit
// format): one YAML file per advisory, gems/<gem>/<id>.yml for RubyGems
// packages and rubies/<engine>/<id>.yml for Ruby implementations (ruby,
// jruby, mruby, ...).
package rubysec

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/advisory/feed/ghzip"
	"github.com/lading-dev/lading/advisory/feed/interval"
)

// Source is the Vulnerability.Source of every record this package reads.
const Source = "rubysec"

// Namespaces: gems go to "rubygems" (package = gem name); Ruby
// implementations to "ruby-engine" (package = engine name: "ruby",
// "jruby", "mruby", "mrubyc", "rbx"), versions being the engine's.
const (
	NamespaceGems    = "rubygems"
	NamespaceEngines = "ruby-engine"
)

// Advisory is one advisory file. Every scalar is read as written
// (cve: 2020-8164 stays "2020-8164", cvss_v3: 7.5 stays "7.5").
type Advisory struct {
	Gem                string              `yaml:"gem"`
	Engine             string              `yaml:"engine"`
	Framework          string              `yaml:"framework"`
	Platform           string              `yaml:"platform"`
	Library            string              `yaml:"library"`
	CVE                string              `yaml:"cve"`
	GHSA               string              `yaml:"ghsa"`
	OSVDB              string              `yaml:"osvdb"`
	URL                string              `yaml:"url"`
	Title              string              `yaml:"title"`
	Date               string              `yaml:"date"`
	Description        string              `yaml:"description"`
	Notes              string              `yaml:"notes"`
	CVSSv2             string              `yaml:"cvss_v2"`
	CVSSv3             string              `yaml:"cvss_v3"`
	CVSSv4             string              `yaml:"cvss_v4"`
	PatchedVersions    []string            `yaml:"patched_versions"`
	UnaffectedVersions []string            `yaml:"unaffected_versions"`
	Related            map[string][]string `yaml:"related"`
}

// Parse decodes one advisory file.
func Parse(data []byte) (*Advisory, error) {
	var a Advisory
	if err := yaml.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	if strings.TrimSpace(a.Gem) == "" && strings.TrimSpace(a.Engine) == "" {
		return nil, errors.New("neither gem nor engine is given")
	}
	return &a, nil
}

// prefixed returns id with prefix ("CVE-") added unless present.
func prefixed(prefix, id string) string {
	id = strings.TrimSpace(id)
	if id == "" {
		return ""
	}
	if strings.HasPrefix(strings.ToUpper(id), prefix) {
		return prefix + id[len(prefix):]
	}
	return prefix + id
}

var idLike = regexp.MustCompile(`^(CVE|GHSA|OSVDB)-[0-9A-Za-z-]+$`)

// IDs returns the record id and its aliases: CVE-<cve> when a CVE is
// given, else GHSA-<ghsa>, else OSVDB-<osvdb>, else the file name
// without .yml; the other ids given (and the file name, when it is an
// id of one of those kinds) are aliases.
func (a *Advisory) IDs(file string) (string, []string) {
	base := strings.TrimSuffix(strings.TrimSuffix(path.Base(file), ".yml"), ".yaml")
	var ids []string
	for _, id := range []string{prefixed("CVE-", a.CVE), prefixed("GHSA-", a.GHSA), prefixed("OSVDB-", a.OSVDB)} {
		if id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return base, nil
	}
	if idLike.MatchString(base) {
		ids = append(ids, base)
	}
	return ids[0], dedupe(ids[1:], ids[0])
}

// Convert turns an advisory read from file (its path in the repository,
// for the id fallback) into an Entry with one statement in namespace ns.
//
// The statement keeps patched_versions and unaffected_versions verbatim
// in a Range of type advisory.RangeRubyGems. When every requirement is
// one interval (no "!="), the affected set (versions in none of them) is
// worked out in RubyGems order, and when each of its lower bounds is
// inclusive an "ECOSYSTEM" range with its events comes first. Status
// follows interval.Status; Fixed is set when the affected versions are
// exactly those below one version.
func Convert(a *Advisory, file, ns string) (feed.Entry, error) {
	id, aliases := a.IDs(file)
	if id == "" {
		return feed.Entry{}, fmt.Errorf("no advisory ID: no cve, ghsa or osvdb, and the file name %q gives none", file)
	}
	v := advisory.Vulnerability{
		ID:      id,
		Aliases: aliases,
		Summary: strings.TrimSpace(a.Title),
		Details: strings.TrimSpace(a.Description),
		Source:  Source,
	}
	if d := strings.TrimSpace(a.Date); d != "" {
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			return feed.Entry{}, fmt.Errorf("unreadable date %q", d)
		}
		v.Published = t
	}
	v.References = dedupe(append([]string{a.URL}, a.Related["url"]...), "")
	var related []string
	for _, r := range a.Related["cve"] {
		related = append(related, prefixed("CVE-", r))
	}
	for _, r := range a.Related["ghsa"] {
		related = append(related, prefixed("GHSA-", r))
	}
	for _, r := range a.Related["osvdb"] {
		related = append(related, prefixed("OSVDB-", r))
	}
	var scores []advisory.Score
	for _, s := range []struct{ typ, val string }{
		{"CVSS_V2_BASE_SCORE", a.CVSSv2}, {"CVSS_V3_BASE_SCORE", a.CVSSv3}, {"CVSS_V4_BASE_SCORE", a.CVSSv4},
	} {
		if val := strings.TrimSpace(s.val); val != "" {
			scores = append(scores, advisory.Score{Type: s.typ, Score: val})
		}
	}
	pkg, eco := strings.TrimSpace(a.Gem), "RubyGems"
	if ns == NamespaceEngines {
		pkg, eco = strings.TrimSpace(a.Engine), NamespaceEngines
	}
	if pkg == "" {
		return feed.Entry{}, fmt.Errorf("no package name for namespace %s", ns)
	}
	req := &advisory.Requirements{
		Patched:    nonEmpty(a.PatchedVersions),
		Unaffected: nonEmpty(a.UnaffectedVersions),
	}
	st := advisory.Affected{VulnID: id, Namespace: ns, Ecosystem: eco, Package: pkg, Source: Source}
	affected, known := affectedSet(req.Patched, req.Unaffected)
	st.Status = interval.Status(affected, known, len(req.Patched) > 0)
	if known && len(affected) > 0 {
		if ev, ok := interval.Events(affected, nil); ok {
			st.Ranges = append(st.Ranges, advisory.Range{Type: "ECOSYSTEM", Events: ev})
			if len(ev) == 2 && ev[0].Introduced == "0" && ev[1].Fixed != "" {
				st.Fixed = ev[1].Fixed
			}
		}
	}
	st.Ranges = append(st.Ranges, advisory.Range{Type: advisory.RangeRubyGems, Requirements: req})
	return feed.Entry{
		Vuln: v, Affected: []advisory.Affected{st}, Scores: scores,
		Related: dedupe(related, id),
	}, nil
}

// affectedSet returns the versions in none of the requirements, and
// whether every requirement is one interval.
func affectedSet(patched, unaffected []string) ([]interval.Interval, bool) {
	var not []interval.Interval
	for _, r := range append(append([]string(nil), patched...), unaffected...) {
		iv, err := Requirement(r)
		if err != nil {
			return nil, false
		}
		not = append(not, iv)
	}
	return interval.Complement(compareGem, not), true
}

// namespaceFor maps gems/<gem>/<id>.yml and rubies/<engine>/<id>.yml to
// their namespace, and other paths to "".
func namespaceFor(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) != 3 || (path.Ext(p) != ".yml" && path.Ext(p) != ".yaml") {
		return ""
	}
	switch parts[0] {
	case "gems":
		return NamespaceGems
	case "rubies":
		return NamespaceEngines
	}
	return ""
}

// ReadZipFile reads a GitHub archive of the ruby-advisory-db repository
// and hands on one Entry per advisory (gems/**.yml, rubies/**.yml). Other
// files (README.md, LICENSE.txt) are passed over; a file under gems/ or
// rubies/ that is not <dir>/<name>/<id>.yml, and an advisory that does
// not parse, are counted as skipped with the file name. An archive in
// which none parses, a damaged zip and an entry over the size limit are
// errors naming the file (and entry).
func ReadZipFile(ctx context.Context, p string, sink feed.Sink) (feed.Stats, error) {
	return ghzip.Feed{
		Name: "rubysec", Noun: "advisory", Missing: "no advisory found under gems/ or rubies/",
		Pick: func(p string) (bool, string) {
			dir, _, _ := strings.Cut(p, "/")
			if (dir != "gems" && dir != "rubies") || strings.HasPrefix(path.Base(p), ".") {
				return false, ""
			}
			if namespaceFor(p) == "" {
				return true, "not an advisory file (<dir>/<name>/<id>.yml)"
			}
			return true, ""
		},
		Convert: func(p string, data []byte, _ *feed.Stats) (feed.Entry, error) {
			adv, err := Parse(data)
			if err != nil {
				return feed.Entry{}, err
			}
			return Convert(adv, p, namespaceFor(p))
		},
	}.ReadFile(ctx, p, sink)
}

func nonEmpty(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// dedupe drops blanks, repeats and self.
func dedupe(in []string, self string) []string {
	var out []string
	seen := map[string]bool{self: true, "": true}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
