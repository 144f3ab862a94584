package osv

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// Source is the Vulnerability.Source of every record this package reads.
const Source = "osv"

// Convert turns a record into an Entry: one Vulnerability and one Affected
// statement per affected package entry, with Namespace =
// advisory.EcosystemNamespace(ecosystem). Affected entries without an
// ecosystem or name cannot be keyed and are counted in stats as skipped.
// Scores returns the record's severity entries verbatim.
func Convert(r *Record, stats *feed.Stats) feed.Entry {
	v := advisory.Vulnerability{
		ID:        r.ID,
		Aliases:   dedupe(r.Aliases),
		Summary:   r.Summary,
		Details:   r.Details,
		Published: parseTime(r.Published),
		Modified:  parseTime(r.Modified),
		Withdrawn: parseTime(r.Withdrawn),
		Source:    Source,
	}
	for _, ref := range r.References {
		if ref.URL != "" {
			v.References = append(v.References, ref.URL)
		}
	}
	headline := wordSeverity(r.DatabaseSpecific)
	if headline == "" {
		headline = ubuntuSeverity(r.Severity)
	}
	var affected []advisory.Affected
	var aggregate string
	for i, a := range r.Affected {
		if a.Package.Ecosystem == "" || a.Package.Name == "" {
			if stats != nil {
				stats.Skip(r.ID + ": affected[" + strconv.Itoa(i) + "] has no package ecosystem/name")
			}
			continue
		}
		st := convertAffected(r.ID, a)
		aggregate = feed.MaxSeverity(aggregate, st.Severity)
		affected = append(affected, st)
	}
	if headline == "" {
		headline = aggregate
	}
	v.Severity = headline
	return feed.Entry{
		Vuln: v, Affected: affected, Scores: Scores(r),
		Related: dedupe(append(append([]string(nil), r.Related...), r.Upstream...)),
	}
}

// Scores returns the record's top-level severity entries, then each
// affected entry's, without repeats.
func Scores(r *Record) []advisory.Score {
	var out []advisory.Score
	seen := map[advisory.Score]bool{}
	add := func(ss []Severity) {
		for _, s := range ss {
			sc := advisory.Score{Type: s.Type, Score: s.Score}
			if s.Score == "" || seen[sc] {
				continue
			}
			seen[sc] = true
			out = append(out, sc)
		}
	}
	add(r.Severity)
	for _, a := range r.Affected {
		add(a.Severity)
	}
	return out
}

func convertAffected(id string, a Affected) advisory.Affected {
	st := advisory.Affected{
		VulnID:    id,
		Namespace: advisory.EcosystemNamespace(a.Package.Ecosystem),
		Ecosystem: a.Package.Ecosystem,
		Package:   a.Package.Name,
		Versions:  a.Versions,
		Source:    Source,
	}
	for _, rg := range a.Ranges {
		out := advisory.Range{Type: rg.Type}
		for _, e := range rg.Events {
			out.Events = append(out.Events, advisory.Event{
				Introduced: e.Introduced, Fixed: e.Fixed,
				LastAffected: e.LastAffected, Limit: e.Limit,
			})
		}
		st.Ranges = append(st.Ranges, out)
	}
	st.Status = rangeStatus(a.Ranges)
	if st.Status == advisory.StatusFixed {
		st.Fixed = singleFix(a.Ranges)
	}
	sev := wordSeverity(a.EcosystemSpecific)
	if sev == "" {
		sev = wordSeverity(a.DatabaseSpecific)
	}
	if sev == "" {
		sev = ubuntuSeverity(a.Severity)
	}
	if sev == "" {
		sev = cvesMapSeverity(a.DatabaseSpecific)
	}
	st.Severity = sev
	return st
}

// cvesMapSeverity reads the Ubuntu priorities that USN records give per
// CVE in affected[].database_specific.cves_map.cves[].severity, and returns
// the highest: a notice fixes all its CVEs at once, so its finding carries
// the priority of the worst of them.
func cvesMapSeverity(raw json.RawMessage) string {
	if len(raw) == 0 || raw[0] != '{' {
		return ""
	}
	var obj struct {
		CVEsMap struct {
			CVEs []struct {
				Severity []Severity `json:"severity"`
			} `json:"cves"`
		} `json:"cves_map"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	best := ""
	for _, c := range obj.CVEsMap.CVEs {
		best = feed.MaxSeverity(best, ubuntuSeverity(c.Severity))
	}
	return best
}

// rangeStatus is StatusFixed when every version range (GIT ranges are
// ignored when others exist) has a fixed event, StatusAffected otherwise
// (a range without a fix, or only an explicit versions list).
func rangeStatus(ranges []Range) advisory.Status {
	var considered []Range
	for _, r := range ranges {
		if r.Type != "GIT" {
			considered = append(considered, r)
		}
	}
	if len(considered) == 0 {
		considered = ranges
	}
	if len(considered) == 0 {
		return advisory.StatusAffected
	}
	for _, r := range considered {
		hasFix := false
		for _, e := range r.Events {
			if e.Fixed != "" {
				hasFix = true
			}
		}
		if !hasFix {
			return advisory.StatusAffected
		}
	}
	return advisory.StatusFixed
}

// singleFix returns the fixed version when there is exactly one range made
// of exactly `introduced: "0"` and one fixed event, else "".
func singleFix(ranges []Range) string {
	if len(ranges) != 1 || len(ranges[0].Events) != 2 {
		return ""
	}
	var intro, fixed string
	var nIntro, nFixed int
	for _, e := range ranges[0].Events {
		if e.Introduced != "" {
			intro = e.Introduced
			nIntro++
		}
		if e.Fixed != "" {
			fixed = e.Fixed
			nFixed++
		}
	}
	if nIntro != 1 || nFixed != 1 || intro != "0" {
		return ""
	}
	return fixed
}

// wordSeverity reads a "severity" word from a database_specific or
// ecosystem_specific object, e.g. GHSA's {"severity": "MODERATE"}.
func wordSeverity(raw json.RawMessage) string {
	if len(raw) == 0 || raw[0] != '{' {
		return ""
	}
	var obj struct {
		Severity json.RawMessage `json:"severity"`
	}
	if json.Unmarshal(raw, &obj) != nil || len(obj.Severity) == 0 {
		return ""
	}
	var word string
	if json.Unmarshal(obj.Severity, &word) != nil {
		return ""
	}
	return feed.SeverityWord(word)
}

// ubuntuSeverity maps a severity entry of type "Ubuntu" (a priority word
// such as "medium") to a Severity* constant.
func ubuntuSeverity(ss []Severity) string {
	for _, s := range ss {
		if strings.EqualFold(s.Type, "Ubuntu") {
			if w := feed.SeverityWord(s.Score); w != "" {
				return w
			}
		}
	}
	return ""
}

func dedupe(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
