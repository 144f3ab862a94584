package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"

	"github.com/lading-dev/lading/advisory"
)

// ErrSchemaMismatch is wrapped by Open's error for a database written
// with another schema version.
var ErrSchemaMismatch = errors.New("advisory database schema version mismatch")

// Store reads a database file. It implements advisory.Reader and is safe
// for concurrent use.
type Store struct {
	path  string
	db    *sql.DB
	stmts stmts
}

var _ advisory.Reader = (*Store)(nil)

// Open opens the database at path read-only. It fails when the file is
// missing, is not a lading advisory database, or has a schema version
// other than SchemaVersion (the error wraps ErrSchemaMismatch and says to
// rebuild).
func Open(path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("advisory store: %w", err)
	}
	params := url.Values{}
	params.Set("mode", "ro")
	params.Add("_pragma", "query_only(1)")
	db, err := sql.Open("sqlite", fileURI(path, params))
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", path, err)
	}
	s := &Store{path: path, db: db}
	if err := s.checkVersion(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) checkVersion() error {
	var value string
	err := s.db.QueryRow(`SELECT value FROM meta WHERE key = ?`, metaSchemaVersion).Scan(&value)
	if err != nil {
		return fmt.Errorf("advisory store: %s is not a lading advisory database: %w", s.path, err)
	}
	v, err := strconv.Atoi(value)
	if err != nil {
		return fmt.Errorf("advisory store: %s: bad schema version %q", s.path, value)
	}
	if v != SchemaVersion {
		return fmt.Errorf("advisory store: %s has schema version %d, this lading reads version %d; rebuild it (lading db build or lading db update): %w",
			s.path, v, SchemaVersion, ErrSchemaMismatch)
	}
	return nil
}

// Path returns the file the store reads.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	s.closeStmts()
	return s.db.Close()
}

// Affected returns every statement about pkg in namespace ns, ordered by
// vulnerability id, source and insertion order. Names are compared after
// NormalizePackage, namespaces case-insensitively.
func (s *Store) Affected(ctx context.Context, ns, pkg string) ([]advisory.Affected, error) {
	ns = NormalizeNamespace(ns)
	rows, err := s.query(ctx, `SELECT vuln_id, namespace, ecosystem, package, status, fixed, severity, ranges, versions, source
		FROM affected WHERE namespace = ? AND package_norm = ? ORDER BY vuln_id, source, seq`, ns, NormalizePackage(ns, pkg))
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []advisory.Affected
	for rows.Next() {
		var a advisory.Affected
		var status, ranges, versions string
		if err := rows.Scan(&a.VulnID, &a.Namespace, &a.Ecosystem, &a.Package, &status, &a.Fixed, &a.Severity, &ranges, &versions, &a.Source); err != nil {
			return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
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
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	return out, nil
}

// sourcePriority orders sources when one id is published by several:
// the fullest record comes first.
var sourcePriority = map[string]int{
	"osv": 0, "debian-dsa": 1, "debian-dla": 2, "debian-tracker": 3, "alpine-secdb": 4,
}

// Vulnerability returns the record with this id, or nil when absent. When
// several sources carry the id (a CVE in both the Debian tracker and
// Alpine secdb), the one with text is preferred, then by source: osv,
// debian-dsa, debian-dla, debian-tracker, alpine-secdb.
func (s *Store) Vulnerability(ctx context.Context, id string) (*advisory.Vulnerability, error) {
	all, err := s.Vulnerabilities(ctx, id)
	if err != nil || len(all) == 0 {
		return nil, err
	}
	return &all[0], nil
}

// Vulnerabilities returns every source's record with this id, best first
// (see Vulnerability).
func (s *Store) Vulnerabilities(ctx context.Context, id string) ([]advisory.Vulnerability, error) {
	rows, err := s.query(ctx, `SELECT source, id, summary, details, severity, published, modified, withdrawn, refs
		FROM vulnerabilities WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	var out []advisory.Vulnerability
	for rows.Next() {
		var v advisory.Vulnerability
		var pub, mod, wd, refs string
		if err := rows.Scan(&v.Source, &v.ID, &v.Summary, &v.Details, &v.Severity, &pub, &mod, &wd, &refs); err != nil {
			rows.Close()
			return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
		}
		v.Published, v.Modified, v.Withdrawn = parseTime(pub), parseTime(mod), parseTime(wd)
		if refs != "" {
			if err := json.Unmarshal([]byte(refs), &v.References); err != nil {
				rows.Close()
				return nil, fmt.Errorf("advisory store: %s: %s references: %w", s.path, id, err)
			}
		}
		out = append(out, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ti, tj := out[i].Summary != "" || out[i].Details != "", out[j].Summary != "" || out[j].Details != ""
		if ti != tj {
			return ti
		}
		return rank(out[i].Source) < rank(out[j].Source)
	})
	for i := range out {
		aliases, err := s.related(ctx, out[i].Source, out[i].ID, "alias")
		if err != nil {
			return nil, err
		}
		out[i].Aliases = aliases
	}
	return out, nil
}

func rank(source string) int {
	if r, ok := sourcePriority[source]; ok {
		return r
	}
	return len(sourcePriority)
}

func (s *Store) related(ctx context.Context, source, id, kind string) ([]string, error) {
	rows, err := s.query(ctx, `SELECT alias FROM aliases WHERE source = ? AND vuln_id = ? AND kind = ? ORDER BY alias`, source, id, kind)
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Related returns the ids a record names as related (OSV "related" and
// "upstream"), from the record's source.
func (s *Store) Related(ctx context.Context, source, id string) ([]string, error) {
	return s.related(ctx, source, id, "related")
}

// IDsByAlias returns the ids (with their sources) of the records that list
// alias among their aliases, e.g. the DSAs and GHSAs naming a CVE.
func (s *Store) IDsByAlias(ctx context.Context, alias string) ([]SourceID, error) {
	rows, err := s.query(ctx, `SELECT source, vuln_id FROM aliases WHERE alias = ? AND kind = 'alias' ORDER BY source, vuln_id`, alias)
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []SourceID
	for rows.Next() {
		var x SourceID
		if err := rows.Scan(&x.Source, &x.ID); err != nil {
			return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// SourceID names one record.
type SourceID struct {
	Source string `json:"source"`
	ID     string `json:"id"`
}

// Scores returns the severity ratings kept verbatim (CVSS vectors, Ubuntu
// priorities) for the record source/id.
func (s *Store) Scores(ctx context.Context, source, id string) ([]advisory.Score, error) {
	rows, err := s.query(ctx, `SELECT type, score FROM scores WHERE source = ? AND vuln_id = ? ORDER BY type, score`, source, id)
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []advisory.Score
	for rows.Next() {
		var sc advisory.Score
		if err := rows.Scan(&sc.Type, &sc.Score); err != nil {
			return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}
