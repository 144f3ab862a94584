package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// timeFormat is how times are stored: fixed-width UTC, so text order is
// time order; the zero time is stored as "".
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Writer builds a new database file in one transaction: Create, Add for
// every entry, AddSource for every input file, then Finish (or Abort).
// It is not safe for concurrent use.
type Writer struct {
	path    string
	db      *sql.DB
	tx      *sql.Tx
	vulns   *batch
	aliases *batch
	scores  *batch
	affect  *batch
	seen    map[[16]byte]struct{} // statements already written
	sources []advisory.SourceInfo
	stats   WriteStats
	enr     enrichWriter // NVD, KEV and EPSS rows (enrichment.go)
	done    bool
}

// WriteStats counts what a Writer stored.
type WriteStats struct {
	Entries    int // entries passed to Add
	Statements int // affected rows written
	Duplicates int // affected statements dropped as exact repeats
}

// Create makes a new, empty database at path, which must not exist, and
// starts the bulk-load transaction. Durability pragmas are off while
// loading: the file is meant to be a temporary file that the caller
// renames into place after Finish (see package build).
func Create(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("advisory store: %w", err)
	}
	f.Close()
	params := url.Values{}
	params.Add("_pragma", "journal_mode(OFF)")
	params.Add("_pragma", "synchronous(OFF)")
	params.Add("_pragma", "locking_mode(EXCLUSIVE)")
	params.Add("_pragma", "temp_store(MEMORY)")
	// 32 MiB of page cache: with the NVD tables the file passes 100 MB,
	// and a cache that holds all of it (128 MiB) doubled peak RSS to
	// ~270 MB without making the build faster.
	params.Add("_pragma", "cache_size(-32768)")
	db, err := sql.Open("sqlite", fileURI(path, params))
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	w := &Writer{
		path: path, db: db, seen: map[[16]byte]struct{}{},
		vulns:   newBatch(sqlVulnInsert, sqlVulnUpsert, 9),
		aliases: newBatch(sqlAlias, "", 4),
		scores:  newBatch(sqlScore, "", 4),
		affect:  newBatch(sqlAffected, "", 11),
	}
	if err := w.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("advisory store: %s: %w", path, err)
	}
	return w, nil
}

const (
	sqlVulnInsert = `INSERT INTO vulnerabilities (source, id, summary, details, severity, published, modified, withdrawn, refs)`
	// The upsert merges a record seen again (same source and id): the
	// newer modified time wins, empty fields are filled.
	sqlVulnUpsert = `ON CONFLICT (source, id) DO UPDATE SET
		  summary   = CASE WHEN excluded.summary <> '' AND (excluded.modified > vulnerabilities.modified OR vulnerabilities.summary = '') THEN excluded.summary ELSE vulnerabilities.summary END,
		  details   = CASE WHEN excluded.details <> '' AND (excluded.modified > vulnerabilities.modified OR vulnerabilities.details = '') THEN excluded.details ELSE vulnerabilities.details END,
		  severity  = CASE WHEN excluded.severity <> '' AND (excluded.modified > vulnerabilities.modified OR vulnerabilities.severity = '') THEN excluded.severity ELSE vulnerabilities.severity END,
		  refs      = CASE WHEN excluded.refs <> '' AND (excluded.modified > vulnerabilities.modified OR vulnerabilities.refs = '') THEN excluded.refs ELSE vulnerabilities.refs END,
		  published = CASE WHEN vulnerabilities.published = '' THEN excluded.published ELSE vulnerabilities.published END,
		  withdrawn = CASE WHEN excluded.modified > vulnerabilities.modified THEN excluded.withdrawn ELSE vulnerabilities.withdrawn END,
		  modified  = max(vulnerabilities.modified, excluded.modified)`
	sqlAlias    = `INSERT OR IGNORE INTO aliases (source, vuln_id, kind, alias)`
	sqlScore    = `INSERT OR IGNORE INTO scores (source, vuln_id, type, score)`
	sqlAffected = `INSERT INTO affected (source, vuln_id, namespace, package_norm, package, ecosystem, status, fixed, severity, ranges, versions)`
)

func (w *Writer) init() error {
	for _, q := range []string{
		"PRAGMA application_id = " + strconv.Itoa(applicationID),
		"PRAGMA user_version = " + strconv.Itoa(SchemaVersion),
	} {
		if _, err := w.db.Exec(q); err != nil {
			return err
		}
	}
	tx, err := w.db.Begin()
	if err != nil {
		return err
	}
	w.tx = tx
	for _, q := range append(append([]string{}, schema...), enrichmentSchema...) {
		if _, err := tx.Exec(q); err != nil {
			return fmt.Errorf("creating schema: %w", err)
		}
	}
	return nil
}

// Add stores one entry: the vulnerability (merged with an earlier record
// of the same source and id: the newer modified time wins, gaps are
// filled), its aliases, related ids and scores, and its statements
// (exact repeats of a statement already stored are dropped).
func (w *Writer) Add(ctx context.Context, e feed.Entry) error {
	if w.done {
		return errors.New("advisory store: writer already finished")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	v := e.Vuln
	if v.ID == "" || v.Source == "" {
		return fmt.Errorf("advisory store: entry without id or source")
	}
	w.stats.Entries++
	refs := ""
	if len(v.References) > 0 {
		b, _ := json.Marshal(v.References)
		refs = string(b)
	}
	if err := w.vulns.add(ctx, w.tx, v.Source, v.ID, v.Summary, v.Details, v.Severity,
		formatTime(v.Published), formatTime(v.Modified), formatTime(v.Withdrawn), refs); err != nil {
		return fmt.Errorf("advisory store: %s %s: %w", v.Source, v.ID, err)
	}
	for _, a := range v.Aliases {
		if a == "" || a == v.ID {
			continue
		}
		if err := w.aliases.add(ctx, w.tx, v.Source, v.ID, "alias", a); err != nil {
			return fmt.Errorf("advisory store: %s alias: %w", v.ID, err)
		}
	}
	for _, a := range e.Related {
		if a == "" || a == v.ID {
			continue
		}
		if err := w.aliases.add(ctx, w.tx, v.Source, v.ID, "related", a); err != nil {
			return fmt.Errorf("advisory store: %s related: %w", v.ID, err)
		}
	}
	for _, s := range e.Scores {
		if err := w.scores.add(ctx, w.tx, v.Source, v.ID, s.Type, s.Score); err != nil {
			return fmt.Errorf("advisory store: %s score: %w", v.ID, err)
		}
	}
	for _, a := range e.Affected {
		if err := w.addAffected(ctx, v, a); err != nil {
			return err
		}
	}
	return nil
}

func (w *Writer) addAffected(ctx context.Context, v advisory.Vulnerability, a advisory.Affected) error {
	source := a.Source
	if source == "" {
		source = v.Source
	}
	id := a.VulnID
	if id == "" {
		id = v.ID
	}
	ns := NormalizeNamespace(a.Namespace)
	ranges, versions := "", ""
	if len(a.Ranges) > 0 {
		b, _ := json.Marshal(a.Ranges)
		ranges = string(b)
	}
	if len(a.Versions) > 0 {
		b, _ := json.Marshal(a.Versions)
		versions = string(b)
	}
	row := []any{source, id, ns, NormalizePackage(ns, a.Package), a.Package, a.Ecosystem,
		string(a.Status), a.Fixed, a.Severity, ranges, versions}
	h := sha256.New()
	for _, f := range row {
		s := f.(string)
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	var key [16]byte
	copy(key[:], h.Sum(nil))
	if _, dup := w.seen[key]; dup {
		w.stats.Duplicates++
		return nil
	}
	w.seen[key] = struct{}{}
	if err := w.affect.add(ctx, w.tx, row...); err != nil {
		return fmt.Errorf("advisory store: %s %s statement: %w", source, id, err)
	}
	w.stats.Statements++
	return nil
}

// AddSource records one ingested input file in the metadata.
func (w *Writer) AddSource(info advisory.SourceInfo) {
	w.sources = append(w.sources, info)
}

// Stats returns what has been written so far.
func (w *Writer) Stats() WriteStats { return w.stats }

// Finish creates the indexes and count tables, writes the metadata
// (built time, schema version, sources), commits, and closes the file.
// The caller still has to fsync and rename it into place.
func (w *Writer) Finish(ctx context.Context, built time.Time) (*advisory.Metadata, error) {
	if w.done {
		return nil, errors.New("advisory store: writer already finished")
	}
	meta, err := w.finish(ctx, built)
	if err != nil {
		w.Abort()
		return nil, fmt.Errorf("advisory store: %s: %w", w.path, err)
	}
	return meta, nil
}

func (w *Writer) finish(ctx context.Context, built time.Time) (*advisory.Metadata, error) {
	for _, b := range []*batch{w.vulns, w.aliases, w.scores, w.affect} {
		if err := b.flush(ctx, w.tx); err != nil {
			return nil, fmt.Errorf("writing rows: %w", err)
		}
	}
	if err := w.enr.finish(ctx, w.tx); err != nil {
		return nil, err
	}
	for _, q := range append(append([]string{}, indexes...), counts...) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if _, err := w.tx.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("finishing: %w", err)
		}
	}
	meta := &advisory.Metadata{SchemaVersion: SchemaVersion, Built: built.UTC(), Sources: w.sources}
	for i, s := range w.sources {
		notes, _ := json.Marshal(s.SkipNotes)
		if _, err := w.tx.ExecContext(ctx, `INSERT INTO sources (seq, name, location, fetched, records, skipped, sha256, skip_notes)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, i, s.Name, s.Location, formatTime(s.Fetched), s.Records, s.Skipped, s.SHA256, string(notes)); err != nil {
			return nil, err
		}
	}
	for k, v := range map[string]string{
		metaSchemaVersion: strconv.Itoa(SchemaVersion),
		metaBuilt:         formatTime(meta.Built),
	} {
		if _, err := w.tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, k, v); err != nil {
			return nil, err
		}
	}
	if err := w.tx.Commit(); err != nil {
		return nil, err
	}
	w.tx = nil
	if _, err := w.db.ExecContext(ctx, "ANALYZE"); err != nil {
		return nil, err
	}
	w.done = true
	if err := w.db.Close(); err != nil {
		return nil, err
	}
	return meta, nil
}

// Abort rolls back and closes the writer; the caller removes the file.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	if w.tx != nil {
		w.tx.Rollback()
	}
	return w.db.Close()
}
