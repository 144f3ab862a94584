package store

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/lading-dev/lading/advisory"
)

// Status describes a database: its metadata and what it holds.
type Status struct {
	Path       string            `json:"path"`
	Size       int64             `json:"size"`
	Metadata   advisory.Metadata `json:"metadata"`
	Sources    []SourceCount     `json:"sources"`
	Namespaces []NamespaceCount  `json:"namespaces"`
	Totals     SourceCount       `json:"totals"`
	Enrichment EnrichmentCounts  `json:"enrichment"` // NVD, KEV and EPSS rows
}

// SourceCount is what one feed contributed.
type SourceCount struct {
	Source          string `json:"source"`
	Vulnerabilities int    `json:"vulnerabilities"`
	Withdrawn       int    `json:"withdrawn"`
	Statements      int    `json:"statements"`
}

// NamespaceCount is what one feed says about one namespace.
type NamespaceCount struct {
	Namespace       string `json:"namespace"`
	Source          string `json:"source"`
	Statements      int    `json:"statements"`
	Packages        int    `json:"packages"`
	Vulnerabilities int    `json:"vulnerabilities"`
}

// Metadata returns when and from what the database was built.
func (s *Store) Metadata(ctx context.Context) (*advisory.Metadata, error) {
	m := &advisory.Metadata{}
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM meta`)
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
		}
		switch k {
		case metaSchemaVersion:
			m.SchemaVersion, _ = strconv.Atoi(v)
		case metaBuilt:
			m.Built = parseTime(v)
		}
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT name, location, fetched, records, skipped, sha256, skip_notes FROM sources ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var si advisory.SourceInfo
		var fetched, notes string
		if err := rows.Scan(&si.Name, &si.Location, &fetched, &si.Records, &si.Skipped, &si.SHA256, &notes); err != nil {
			return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
		}
		si.Fetched = parseTime(fetched)
		if notes != "" && notes != "null" {
			if err := json.Unmarshal([]byte(notes), &si.SkipNotes); err != nil {
				return nil, fmt.Errorf("advisory store: %s: skip notes: %w", s.path, err)
			}
		}
		m.Sources = append(m.Sources, si)
	}
	return m, rows.Err()
}

// Status returns the metadata with per-source and per-namespace counts
// (computed when the database was built).
func (s *Store) Status(ctx context.Context) (*Status, error) {
	m, err := s.Metadata(ctx)
	if err != nil {
		return nil, err
	}
	st := &Status{Path: s.path, Metadata: *m, Totals: SourceCount{Source: "all"}}
	if fi, err := os.Stat(s.path); err == nil {
		st.Size = fi.Size()
	}
	if st.Enrichment, err = s.EnrichmentCounts(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT source, vulnerabilities, withdrawn, statements FROM source_counts ORDER BY source`)
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	for rows.Next() {
		var c SourceCount
		if err := rows.Scan(&c.Source, &c.Vulnerabilities, &c.Withdrawn, &c.Statements); err != nil {
			rows.Close()
			return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
		}
		st.Sources = append(st.Sources, c)
		st.Totals.Vulnerabilities += c.Vulnerabilities
		st.Totals.Withdrawn += c.Withdrawn
		st.Totals.Statements += c.Statements
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT namespace, source, statements, packages, vulnerabilities FROM namespace_counts ORDER BY namespace, source`)
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c NamespaceCount
		if err := rows.Scan(&c.Namespace, &c.Source, &c.Statements, &c.Packages, &c.Vulnerabilities); err != nil {
			return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
		}
		st.Namespaces = append(st.Namespaces, c)
	}
	return st, rows.Err()
}
