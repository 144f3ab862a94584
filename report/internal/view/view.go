// Package view holds what lading's report formats share: finding-to-package
// lookups, per-layer counts, advisory links and short forms of digests and
// history instructions.
package view

import (
	"net/url"
	"strings"

	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/report"
)

// Packages finds the inventory package behind a finding.
type Packages struct {
	byPURL map[string]*inventory.Package
	byName map[string]*inventory.Package
}

// NewPackages indexes r's packages.
func NewPackages(r *report.Report) *Packages {
	idx := &Packages{byPURL: map[string]*inventory.Package{}, byName: map[string]*inventory.Package{}}
	for _, p := range r.Packages {
		if p == nil {
			continue
		}
		if p.PURL != "" {
			if _, ok := idx.byPURL[p.PURL]; !ok {
				idx.byPURL[p.PURL] = p
			}
		}
		k := p.Type + "\x00" + p.Name + "\x00" + p.Version
		if _, ok := idx.byName[k]; !ok {
			idx.byName[k] = p
		}
	}
	return idx
}

// For returns the package a finding is about, or nil.
func (idx *Packages) For(v report.Vulnerability) *inventory.Package {
	if p := idx.byPURL[v.PURL]; p != nil && v.PURL != "" {
		return p
	}
	return idx.byName[v.PackageType+"\x00"+v.PackageName+"\x00"+v.InstalledVersion]
}

// Path is the file a finding's package was found in ("" when unknown), as
// a path relative to the root of the image or directory.
func (idx *Packages) Path(v report.Vulnerability) string {
	p := idx.For(v)
	if p == nil || len(p.Locations) == 0 {
		return ""
	}
	return strings.TrimPrefix(p.Locations[0].Path, "/")
}

// LayerRow is one line of a per-layer breakdown.
type LayerRow struct {
	Index      int    // 1-based; 0 for the row of a directory scan
	DiffID     string // "" for a directory scan
	CreatedBy  string
	Packages   int
	Findings   int
	BySeverity map[string]int // every severity in report.Severities
}

// Layers counts, per layer of r (lowest first), the packages it brought and
// the findings about them. A directory scan, or packages and findings that
// name no known layer, get a row with no diff ID.
func Layers(r *report.Report) []LayerRow {
	var rows []LayerRow
	at := map[string]int{}
	for i, l := range r.Layers {
		at[l.DiffID] = len(rows)
		rows = append(rows, newRow(i+1, l.DiffID, l.CreatedBy))
	}
	other := -1
	row := func(layer string) *LayerRow {
		if i, ok := at[layer]; ok && layer != "" {
			return &rows[i]
		}
		if other < 0 {
			other = len(rows)
			rows = append(rows, newRow(0, "", ""))
		}
		return &rows[other]
	}
	for _, p := range r.Packages {
		if p != nil {
			row(p.Layer).Packages++
		}
	}
	for _, v := range r.Vulnerabilities {
		lr := row(v.Layer)
		lr.Findings++
		lr.BySeverity[severity(v.Severity)]++
	}
	return rows
}

func newRow(i int, diffID, createdBy string) LayerRow {
	m := map[string]int{}
	for _, s := range report.Severities {
		m[s] = 0
	}
	return LayerRow{Index: i, DiffID: diffID, CreatedBy: createdBy, BySeverity: m}
}

func severity(s string) string {
	if report.SeverityRank(s) == 0 {
		return "UNKNOWN"
	}
	return s
}

// Severity returns s when it is one of report.Severities, else UNKNOWN.
func Severity(s string) string { return severity(s) }

// ShortDigest drops the algorithm and keeps 12 hex digits.
func ShortDigest(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 {
		d = d[i+1:]
	}
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}

// Instruction shortens a history instruction for display: whitespace
// collapsed, the shell prefix and "#(nop)" dropped, at most n runes (0 for
// no limit).
func Instruction(createdBy string, n int) string {
	s := strings.Join(strings.Fields(createdBy), " ")
	s = strings.TrimPrefix(s, "/bin/sh -c ")
	s = strings.TrimPrefix(s, "#(nop) ")
	if r := []rune(s); n > 0 && len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

// AdvisoryURL is a page about a vulnerability ID: NVD for CVEs, GitHub for
// GHSAs, pkg.go.dev for Go's records, the distribution's tracker for its
// own advisories, osv.dev otherwise.
func AdvisoryURL(id string) string {
	esc := url.PathEscape(id)
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return "https://nvd.nist.gov/vuln/detail/" + esc
	case strings.HasPrefix(id, "GHSA-"):
		return "https://github.com/advisories/" + esc
	case strings.HasPrefix(id, "GO-"):
		return "https://pkg.go.dev/vuln/" + esc
	case strings.HasPrefix(id, "DSA-"), strings.HasPrefix(id, "DLA-"):
		return "https://security-tracker.debian.org/tracker/" + esc
	case strings.HasPrefix(id, "USN-"):
		return "https://ubuntu.com/security/notices/" + esc
	}
	return "https://osv.dev/vulnerability/" + esc
}
