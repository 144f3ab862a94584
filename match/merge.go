package match

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/inventory"
)

// record is what the matcher uses of a vulnerability record.
type record struct {
	id string
	// names are the ID and the aliases; a name holding spaces (secdb's
	// "CVE-2020-11501 GNUTLS-SA-2020-03-31") counts as several.
	names []string
	// cves are the distinct CVEs the names refer to, sorted.
	cves      []string
	severity  string
	source    string
	withdrawn bool
}

func (m *matcher) record(ctx context.Context, id string) (*record, error) {
	if rec, ok := m.records[id]; ok {
		return rec, nil
	}
	v, err := m.r.Vulnerability(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("match: reading %s: %w", id, err)
	}
	rec := &record{id: id}
	names := []string{id}
	if v != nil {
		names = append(names, v.Aliases...)
		rec.severity, rec.source, rec.withdrawn = v.Severity, v.Source, !v.Withdrawn.IsZero()
		related, err := m.related(ctx, v)
		if err != nil {
			return nil, err
		}
		names = append(names, related...)
	}
	for _, n := range names {
		for _, f := range strings.Fields(n) {
			if !slices.Contains(rec.names, f) {
				rec.names = append(rec.names, f)
			}
			if c := cveOf(f); c != "" && !slices.Contains(rec.cves, c) {
				rec.cves = append(rec.cves, c)
			}
		}
	}
	if len(rec.names) == 0 {
		rec.names = []string{id}
	}
	slices.Sort(rec.cves)
	m.records[id] = rec
	return rec, nil
}

// relatedReader is an optional ability of an advisory.Reader: the ids a
// record names as related or upstream (OSV "related" and "upstream"). The
// advisory store has it.
type relatedReader interface {
	Related(ctx context.Context, source, id string) ([]string, error)
}

// related returns the CVEs a distribution advisory names as related or
// upstream: AlmaLinux ALSAs list the CVEs they fix only under "related",
// USNs only under "upstream" (UBUNTU-CVE-*). They count as the advisory's
// names. A record named after a CVE keeps only its aliases, since what it
// calls related is another vulnerability.
func (m *matcher) related(ctx context.Context, v *advisory.Vulnerability) ([]string, error) {
	rr, ok := m.r.(relatedReader)
	if !ok || cveOf(v.ID) != "" {
		return nil, nil
	}
	ids, err := rr.Related(ctx, v.Source, v.ID)
	if err != nil {
		return nil, fmt.Errorf("match: reading what %s names as related: %w", v.ID, err)
	}
	var cves []string
	for _, id := range ids {
		if cveOf(id) != "" {
			cves = append(cves, id)
		}
	}
	return cves, nil
}

var cvePattern = regexp.MustCompile(`(?:^|-)(CVE-[0-9]{4}-[0-9]{4,})$`)

// cveOf returns the CVE a name refers to: the name itself, or the CVE a
// per-CVE distribution record is named after ("UBUNTU-CVE-2019-1547",
// "DEBIAN-CVE-2021-3449"); "" for other names.
func cveOf(name string) string {
	if m := cvePattern.FindStringSubmatch(name); m != nil {
		return m[1]
	}
	return ""
}

// group is the hits that become one finding.
type group struct {
	id    string
	names []string
	recs  []string // IDs of the records whose hits are in hits
	hits  []hit
}

func (g *group) take(rec *record, hits []hit) {
	if !slices.Contains(g.recs, rec.id) {
		g.recs = append(g.recs, rec.id)
		g.hits = append(g.hits, hits...)
	}
}

// groupHits merges the hits of one package into one group per
// vulnerability; the rule is described in the package documentation.
func groupHits(hits []hit) []*group {
	byRec := map[string][]hit{}
	var recs []*record
	for _, h := range hits {
		if _, ok := byRec[h.rec.id]; !ok {
			recs = append(recs, h.rec)
		}
		byRec[h.rec.id] = append(byRec[h.rec.id], h)
	}
	slices.SortFunc(recs, func(a, b *record) int {
		return cmp.Or(cmp.Compare(mergeOrder(a), mergeOrder(b)), cmp.Compare(a.id, b.id))
	})

	var groups []*group
	byName := map[string]*group{}
	newGroup := func(id string) *group {
		g := &group{id: id}
		groups = append(groups, g)
		return g
	}
	add := func(g *group, names ...string) {
		for _, n := range names {
			if !slices.Contains(g.names, n) {
				g.names = append(g.names, n)
			}
			if byName[n] == nil {
				byName[n] = g
			}
		}
	}
	for _, rec := range recs {
		hs := byRec[rec.id]
		switch len(rec.cves) {
		case 1:
			c := rec.cves[0]
			g := byName[c]
			if g == nil {
				g = newGroup(c)
			}
			add(g, c)
			add(g, rec.names...)
			g.take(rec, hs)
		case 0:
			var g *group
			for _, n := range rec.names {
				if g = byName[n]; g != nil {
					break
				}
			}
			if g == nil {
				g = newGroup(rec.names[0])
			}
			add(g, rec.names...)
			g.take(rec, hs)
		default:
			own := namesFor(rec, "")
			var rest []string
			for _, c := range rec.cves {
				g := byName[c]
				if g == nil {
					rest = append(rest, c)
					continue
				}
				add(g, own...)
				add(g, namesFor(rec, c)...)
				g.take(rec, hs)
			}
			if len(rest) == 0 {
				continue
			}
			g := newGroup(rec.names[0])
			if len(rest) == 1 {
				g.id = rest[0]
			}
			add(g, own...)
			for _, c := range rest {
				add(g, c)
				add(g, namesFor(rec, c)...)
			}
			g.take(rec, hs)
		}
	}
	return groups
}

// mergeOrder puts records naming one CVE first, then those naming none,
// then bundles naming several.
func mergeOrder(r *record) int {
	switch len(r.cves) {
	case 1:
		return 0
	case 0:
		return 1
	}
	return 2
}

// namesFor returns rec's names that refer to CVE c, or with c == "" those
// that refer to no CVE.
func namesFor(rec *record, c string) []string {
	var out []string
	for _, n := range rec.names {
		if cveOf(n) == c {
			out = append(out, n)
		}
	}
	return out
}

// finding turns a group into a Finding: the most severe status, the
// highest fixed version, the highest severity (feed.MaxSeverity's order),
// and every statement in the evidence.
func (m *matcher) finding(p *inventory.Package, o order, g *group) Finding {
	slices.SortStableFunc(g.hits, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.rec.id, b.rec.id), cmp.Compare(a.st.Package, b.st.Package))
	})
	var (
		status           = g.hits[0].verdict.status
		fixed, severity  string
		sources, parts   []string
		statuses, fixeds []string
	)
	for _, h := range g.hits {
		v := h.verdict
		if statusRank(v.status) < statusRank(status) {
			status = v.status
		}
		if v.fixed != "" && (fixed == "" || compareOr(o, v.fixed, fixed) > 0) {
			fixed = v.fixed
		}
		severity = feed.MaxSeverity(severity, h.severity)
		sources = appendNew(sources, h.source)
		statuses = appendNew(statuses, string(v.status))
		if v.fixed != "" {
			fixeds = appendNew(fixeds, v.fixed)
		}
		part := v.evidence + " (" + m.where(&h.st, h.rec) + ")"
		if len(g.hits) > 1 {
			part = h.rec.id + ": " + part
		}
		parts = append(parts, part)
	}
	if len(statuses) > 1 {
		parts = append(parts, fmt.Sprintf("status %s is the most severe of %s", status, strings.Join(statuses, ", ")))
	}
	if len(fixeds) > 1 {
		parts = append(parts, "highest fixed version "+fixed)
	}
	slices.Sort(sources)

	var aliases []string
	for _, n := range g.names {
		if n != g.id {
			aliases = append(aliases, n)
		}
	}
	slices.Sort(aliases)

	installed := p.Version
	if o.name == rpmOrder.name {
		installed = rpmEVR(p)
	}
	return Finding{
		ID:               g.id,
		Aliases:          aliases,
		Package:          p,
		PackageName:      p.Name,
		InstalledVersion: installed,
		FixedVersion:     fixed,
		Status:           status,
		Severity:         severity,
		Namespace:        m.ns,
		DataSource:       strings.Join(sources, ","),
		Layer:            layerOf(p),
		Evidence:         strings.Join(parts, "; "),
	}
}

// statusRank orders statuses from most to least severe: a fix the package
// lacks, then confirmed-affected verdicts, then those the distribution
// rates low, then untriaged.
func statusRank(s advisory.Status) int {
	switch s {
	case advisory.StatusFixed:
		return 0
	case advisory.StatusAffected:
		return 1
	case advisory.StatusPostponed:
		return 2
	case advisory.StatusWillNotFix:
		return 3
	case advisory.StatusEndOfLife:
		return 4
	case advisory.StatusUnimportant:
		return 5
	}
	return 6
}

// compareOr compares two advisory versions, by string when either does not
// parse (both were parsed before they became fixed versions).
func compareOr(o order, a, b string) int {
	if c, err := o.compare(a, b); err == nil {
		return c
	}
	return strings.Compare(a, b)
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
