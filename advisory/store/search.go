package store

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/lading-dev/lading/advisory"
)

// Naming is a record that names an id: as its own id ("id"), among its
// aliases ("alias"), or as related or upstream ("related").
type Naming struct {
	Source string `json:"source"`
	ID     string `json:"id"`
	Kind   string `json:"kind"`
}

// RecordsNaming returns every record that has name as its id, an alias or
// a related id, in that order, then by source and id. The name is compared
// exactly first; when nothing matches, case-insensitively (so
// "cve-2024-9143" finds CVE-2024-9143, at the cost of a scan). A CVE id
// also finds the records that name it through a feed's own prefix, as a
// USN names UBUNTU-CVE-2022-1292 upstream.
func (s *Store) RecordsNaming(ctx context.Context, name string) ([]Naming, error) {
	name = strings.TrimSpace(name)
	out, err := s.recordsNaming(ctx, name, "")
	if err != nil || len(out) > 0 {
		return out, err
	}
	return s.recordsNaming(ctx, name, " COLLATE NOCASE")
}

var cveID = regexp.MustCompile(`(?i)^CVE-\d{4}-\d+$`)

func (s *Store) recordsNaming(ctx context.Context, name, collate string) ([]Naming, error) {
	q := `SELECT source, id, 'id' FROM vulnerabilities WHERE id = ?` + collate + `
		UNION
		SELECT source, vuln_id, CASE kind WHEN 'alias' THEN 'alias' ELSE 'related' END FROM aliases WHERE alias = ?` + collate
	args := []any{name, name}
	if cveID.MatchString(name) {
		// LIKE is case-insensitive for ASCII; "_" must not be a wildcard.
		q += `
		UNION
		SELECT source, vuln_id, CASE kind WHEN 'alias' THEN 'alias' ELSE 'related' END FROM aliases WHERE alias LIKE ? ESCAPE '\'`
		args = append(args, "%-"+strings.ReplaceAll(name, "_", `\_`))
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []Naming
	for rows.Next() {
		var n Naming
		if err := rows.Scan(&n.Source, &n.ID, &n.Kind); err != nil {
			return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	kindRank := map[string]int{"id": 0, "alias": 1, "related": 2}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if kindRank[a.Kind] != kindRank[b.Kind] {
			return kindRank[a.Kind] < kindRank[b.Kind]
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.ID < b.ID
	})
	return dedupeNamings(out), nil
}

// dedupeNamings keeps the first (strongest) naming of each record.
func dedupeNamings(ns []Naming) []Naming {
	seen := map[[2]string]bool{}
	out := ns[:0]
	for _, n := range ns {
		k := [2]string{n.Source, n.ID}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, n)
	}
	return out
}

// Record returns source's record with this id, with its aliases, or nil
// when there is none.
func (s *Store) Record(ctx context.Context, source, id string) (*advisory.Vulnerability, error) {
	all, err := s.Vulnerabilities(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].Source == source {
			return &all[i], nil
		}
	}
	return nil, nil
}

// StatementsOf returns every statement the records give, grouped by
// record in the order of the records, each group in namespace, package and
// insertion order. It reads the statement table once.
func (s *Store) StatementsOf(ctx context.Context, records []SourceID) ([][]advisory.Affected, error) {
	out := make([][]advisory.Affected, len(records))
	if len(records) == 0 {
		return out, nil
	}
	index := map[SourceID]int{}
	var ids []any
	seenID := map[string]bool{}
	for i, r := range records {
		index[r] = i
		if !seenID[r.ID] {
			seenID[r.ID] = true
			ids = append(ids, r.ID)
		}
	}
	q := `SELECT vuln_id, namespace, ecosystem, package, status, fixed, severity, ranges, versions, source
		FROM affected WHERE vuln_id IN (?` + strings.Repeat(",?", len(ids)-1) + `) ORDER BY namespace, package_norm, seq`
	rows, err := s.query(ctx, q, ids...)
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var a advisory.Affected
		var status, ranges, versions string
		if err := rows.Scan(&a.VulnID, &a.Namespace, &a.Ecosystem, &a.Package, &status, &a.Fixed, &a.Severity, &ranges, &versions, &a.Source); err != nil {
			return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
		}
		i, ok := index[SourceID{Source: a.Source, ID: a.VulnID}]
		if !ok {
			continue
		}
		a.Status = advisory.Status(status)
		if ranges != "" {
			if err := json.Unmarshal([]byte(ranges), &a.Ranges); err != nil {
				return nil, fmt.Errorf("advisory store: %s: %s ranges: %w", s.path, a.VulnID, err)
			}
		}
		if versions != "" {
			if err := json.Unmarshal([]byte(versions), &a.Versions); err != nil {
				return nil, fmt.Errorf("advisory store: %s: %s versions: %w", s.path, a.VulnID, err)
			}
		}
		out[i] = append(out[i], a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	return out, nil
}

// Namespaces returns every namespace the database has statements for,
// sorted.
func (s *Store) Namespaces(ctx context.Context) ([]string, error) {
	rows, err := s.query(ctx, `SELECT DISTINCT namespace FROM namespace_counts ORDER BY namespace`)
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ns string
		if err := rows.Scan(&ns); err != nil {
			return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
		}
		out = append(out, ns)
	}
	return out, rows.Err()
}
