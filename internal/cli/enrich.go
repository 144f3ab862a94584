package cli

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/report"
)

// cveName matches a CVE id, or a per-CVE record named after one
// ("UBUNTU-CVE-2019-1547"), capturing the CVE.
var cveName = regexp.MustCompile(`(?i)(?:^|-)(CVE-[0-9]{4}-[0-9]{4,})$`)

// enricher adds what the database knows about each finding's CVEs and
// advisory records, reading each id once.
type enricher struct {
	db      *store.Store
	cves    map[string]*advisory.Enrichment
	records map[string][]report.SeveritySource
}

func newEnricher(db *store.Store) *enricher {
	return &enricher{db: db, cves: map[string]*advisory.Enrichment{}, records: map[string][]report.SeveritySource{}}
}

// enrich fills each finding's severity_sources, NVD cvss, kev and epss,
// and applies the headline severity rule (docs/report-schema.md): the
// rating the matched distribution or ecosystem statements give (what the
// matcher put in Severity) first, then the NVD severity, else UNKNOWN. A
// finding naming several CVEs (a USN or DSA bundle) takes the most severe
// NVD rating among them, is in KEV when any of them is, and takes the
// highest EPSS score.
func (e *enricher) enrich(ctx context.Context, vs []report.Vulnerability) error {
	for i := range vs {
		if err := e.one(ctx, &vs[i]); err != nil {
			return err
		}
	}
	return nil
}

func (e *enricher) one(ctx context.Context, v *report.Vulnerability) error {
	own := v.Severity
	if own == "" {
		own = advisory.SeverityUnknown
	}
	sources := []report.SeveritySource{}
	if own != advisory.SeverityUnknown {
		sources = append(sources, report.SeveritySource{Source: v.DataSource, Severity: own})
	}
	names := append([]string{v.ID}, v.Aliases...)
	feeds := feedsOf(v.DataSource)
	for _, n := range names {
		rs, err := e.recordRatings(ctx, n)
		if err != nil {
			return err
		}
		for _, r := range rs {
			// A CVE's id is shared by every feed's record of it; only
			// the feeds the finding came from rate this package.
			if feeds[r.Source] {
				sources = append(sources, r)
			}
		}
	}
	nvdSeverity := ""
	for _, c := range cvesOf(names) {
		en, err := e.enrichment(ctx, c)
		if err != nil {
			return err
		}
		if en == nil {
			continue
		}
		if en.NVD != nil && !en.NVD.Rejected {
			for _, r := range en.NVD.CVSS {
				src := "nvd"
				if r.Source != "" && r.Source != advisory.NVDSource {
					src = "nvd:" + r.Source
				}
				sources = append(sources, report.SeveritySource{Source: src, ID: c, Severity: advisory.CVSSSeverity(r), Vector: r.Vector})
			}
			if h, ok := advisory.HeadlineCVSS(en.NVD.CVSS); ok && en.Severity != "" &&
				(v.CVSS == nil || report.SeverityRank(en.Severity) > report.SeverityRank(nvdSeverity)) {
				nvdSeverity = en.Severity
				v.CVSS = &report.CVSS{Vector: h.Vector, Score: h.BaseScore, Version: h.Version, Source: h.Source, CVE: c}
			}
		}
		if en.KEV != nil && (!v.KEV || en.KEV.DateAdded < v.KEVDateAdded) {
			v.KEV, v.KEVDateAdded = true, en.KEV.DateAdded
		}
		if s := en.EPSS; s != nil && (v.EPSS == nil || s.Score > v.EPSS.Score) {
			v.EPSS = &report.EPSS{CVE: c, Score: s.Score, Percentile: s.Percentile}
			if !s.Date.IsZero() {
				v.EPSS.Date = s.Date.UTC().Format(time.DateOnly)
			}
		}
	}
	v.SeveritySources = sources
	switch {
	case own != advisory.SeverityUnknown:
		v.Severity = own
	case nvdSeverity != "":
		v.Severity = nvdSeverity
	default:
		v.Severity = advisory.SeverityUnknown
	}
	return nil
}

// recordRatings returns the ratings the advisory records named id give,
// one per record that rates it, with its first CVSS vector.
func (e *enricher) recordRatings(ctx context.Context, id string) ([]report.SeveritySource, error) {
	if rs, ok := e.records[id]; ok {
		return rs, nil
	}
	recs, err := e.db.Vulnerabilities(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []report.SeveritySource
	for _, r := range recs {
		scores, err := e.db.Scores(ctx, r.Source, r.ID)
		if err != nil {
			return nil, err
		}
		vector := ""
		for _, s := range scores {
			if strings.HasPrefix(s.Type, "CVSS") && strings.Contains(s.Score, "/") {
				vector = s.Score
				break
			}
		}
		if (r.Severity == "" || r.Severity == advisory.SeverityUnknown) && vector == "" {
			continue
		}
		sev := r.Severity
		if sev == "" {
			sev = advisory.SeverityUnknown
		}
		out = append(out, report.SeveritySource{Source: r.Source, ID: r.ID, Severity: sev, Vector: vector})
	}
	e.records[id] = out
	return out, nil
}

func (e *enricher) enrichment(ctx context.Context, cve string) (*advisory.Enrichment, error) {
	if en, ok := e.cves[cve]; ok {
		return en, nil
	}
	en, err := e.db.Enrichment(ctx, cve)
	if err != nil {
		return nil, err
	}
	e.cves[cve] = en
	return en, nil
}

// feedsOf reads a finding's data_source ("osv:Ubuntu",
// "debian-dsa,debian-tracker") as the set of record sources.
func feedsOf(dataSource string) map[string]bool {
	out := map[string]bool{}
	for _, s := range strings.Split(dataSource, ",") {
		src, _, _ := strings.Cut(strings.TrimSpace(s), ":")
		out[src] = true
	}
	return out
}

// cvesOf returns the distinct CVEs a finding's names refer to, in order.
func cvesOf(names []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		if m := cveName.FindStringSubmatch(n); m != nil {
			c := strings.ToUpper(m[1])
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}
