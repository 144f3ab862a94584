package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lading-dev/lading/advisory"
)

// The enrichment tables hold per-CVE data that is not about packages:
// NVD records with their CVSS ratings, KEV entries and EPSS scores.
//
//   - nvd: one row per CVE (the newest record read: a higher
//     lastModified replaces an older row; an equal or older one is
//     dropped). rid is a writer-assigned id that nvd_cvss refers to.
//   - nvd_cvss: the ratings of one nvd row, in NVDRecord.CVSS order (seq).
//   - kev: one row per CVE; the entry read last wins.
//   - epss: one row per CVE; the score with the later score date wins
//     (the one read last among equal dates).
//   - enrichment_counts: rows per table, filled at build time for Status.
var enrichmentSchema = []string{
	`CREATE TABLE nvd (
		rid         INTEGER PRIMARY KEY,
		cve         TEXT NOT NULL,
		status      TEXT NOT NULL,
		rejected    INTEGER NOT NULL,
		published   TEXT NOT NULL,
		modified    TEXT NOT NULL,
		description TEXT NOT NULL,
		cwes        TEXT NOT NULL,
		severity    TEXT NOT NULL
	)`,
	`CREATE TABLE nvd_cvss (
		rid        INTEGER NOT NULL,
		seq        INTEGER NOT NULL,
		version    TEXT NOT NULL,
		vector     TEXT NOT NULL,
		base_score REAL NOT NULL,
		severity   TEXT NOT NULL,
		source     TEXT NOT NULL,
		is_primary INTEGER NOT NULL,
		PRIMARY KEY (rid, seq)
	) WITHOUT ROWID`,
	`CREATE TABLE kev (
		cve                TEXT PRIMARY KEY,
		vendor_project     TEXT NOT NULL,
		product            TEXT NOT NULL,
		vulnerability_name TEXT NOT NULL,
		date_added         TEXT NOT NULL,
		short_description  TEXT NOT NULL,
		required_action    TEXT NOT NULL,
		due_date           TEXT NOT NULL,
		ransomware         TEXT NOT NULL,
		notes              TEXT NOT NULL,
		cwes               TEXT NOT NULL
	) WITHOUT ROWID`,
	`CREATE TABLE epss (
		cve        TEXT PRIMARY KEY,
		score      REAL NOT NULL,
		percentile REAL NOT NULL,
		date       TEXT NOT NULL,
		model      TEXT NOT NULL
	) WITHOUT ROWID`,
	`CREATE TABLE enrichment_counts (
		kind     TEXT PRIMARY KEY,
		records  INTEGER NOT NULL,
		rejected INTEGER NOT NULL,
		latest   TEXT NOT NULL
	) WITHOUT ROWID`,
}

// enrichmentFinish runs once the rows are in: the CVE index and the
// counts Status reads.
var enrichmentFinish = []string{
	`CREATE UNIQUE INDEX nvd_by_cve ON nvd (cve)`,
	`INSERT INTO enrichment_counts SELECT 'nvd', count(*), coalesce(sum(rejected), 0), coalesce(max(modified), '') FROM nvd`,
	`INSERT INTO enrichment_counts SELECT 'kev', count(*), 0, coalesce(max(date_added), '') FROM kev`,
	`INSERT INTO enrichment_counts SELECT 'epss', count(*), 0, coalesce(max(date), '') FROM epss`,
}

const (
	sqlNVD     = `INSERT INTO nvd (rid, cve, status, rejected, published, modified, description, cwes, severity)`
	sqlNVDCVSS = `INSERT INTO nvd_cvss (rid, seq, version, vector, base_score, severity, source, is_primary)`
	sqlKEV     = `INSERT INTO kev (cve, vendor_project, product, vulnerability_name, date_added, short_description, required_action, due_date, ransomware, notes, cwes)`
	sqlKEVUp   = `ON CONFLICT (cve) DO UPDATE SET vendor_project = excluded.vendor_project, product = excluded.product,
		vulnerability_name = excluded.vulnerability_name, date_added = excluded.date_added,
		short_description = excluded.short_description, required_action = excluded.required_action,
		due_date = excluded.due_date, ransomware = excluded.ransomware, notes = excluded.notes, cwes = excluded.cwes`
	sqlEPSS   = `INSERT INTO epss (cve, score, percentile, date, model)`
	sqlEPSSUp = `ON CONFLICT (cve) DO UPDATE SET score = excluded.score, percentile = excluded.percentile,
		date = excluded.date, model = excluded.model WHERE excluded.date >= epss.date`
)

// enrichWriter is the Writer's state for the enrichment tables.
type enrichWriter struct {
	nvd, cvss, kev, epss *batch
	// latest maps a CVE to its stored nvd row and that row's modified
	// time, so a newer record can replace it.
	latest map[string]nvdRow
	// dead lists rids replaced by newer records, deleted at Finish.
	dead    []int64
	nextRID int64
	stats   EnrichmentWriteStats
}

type nvdRow struct {
	rid      int64
	modified int64 // UnixNano; math.MinInt64 for an unknown time
}

// EnrichmentWriteStats counts what AddNVD, AddKEV and AddEPSS were given.
type EnrichmentWriteStats struct {
	NVDRecords int // records passed to AddNVD
	NVDStale   int // records dropped because a newer (or equal) one was stored
	NVDNewer   int // stored records replaced by a newer one
	KEV        int // entries passed to AddKEV
	EPSS       int // scores passed to AddEPSS
}

func (e *enrichWriter) init() {
	if e.latest != nil {
		return
	}
	e.nvd = newBatch(sqlNVD, "", 9)
	e.cvss = newBatch(sqlNVDCVSS, "", 8)
	e.kev = newBatch(sqlKEV, sqlKEVUp, 11)
	e.epss = newBatch(sqlEPSS, sqlEPSSUp, 5)
	e.latest = map[string]nvdRow{}
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return -1 << 63
	}
	return t.UnixNano()
}

func normCVE(id string) string { return strings.ToUpper(strings.TrimSpace(id)) }

// AddNVD stores one NVD record. When the CVE is already stored, the
// record with the later Modified time is kept (the first one read on a
// tie).
func (w *Writer) AddNVD(ctx context.Context, r advisory.NVDRecord) error {
	if w.done {
		return errors.New("advisory store: writer already finished")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	e := &w.enr
	e.init()
	id := normCVE(r.CVE)
	if id == "" {
		return errors.New("advisory store: NVD record without a CVE id")
	}
	e.stats.NVDRecords++
	mod := unixNano(r.Modified)
	if old, ok := e.latest[id]; ok {
		if mod <= old.modified {
			e.stats.NVDStale++
			return nil
		}
		e.stats.NVDNewer++
		e.dead = append(e.dead, old.rid)
	}
	e.nextRID++
	rid := e.nextRID
	e.latest[id] = nvdRow{rid: rid, modified: mod}
	severity := ""
	if h, ok := advisory.HeadlineCVSS(r.CVSS); ok {
		severity = advisory.CVSSSeverity(h)
	}
	cwes := ""
	if len(r.CWEs) > 0 {
		cwes = strings.Join(r.CWEs, ",")
	}
	rejected := 0
	if r.Rejected {
		rejected = 1
	}
	if err := e.nvd.add(ctx, w.tx, rid, id, r.Status, rejected, formatTime(r.Published), formatTime(r.Modified),
		r.Description, cwes, severity); err != nil {
		return fmt.Errorf("advisory store: nvd %s: %w", id, err)
	}
	for i, c := range r.CVSS {
		primary := 0
		if c.Primary {
			primary = 1
		}
		if err := e.cvss.add(ctx, w.tx, rid, i, c.Version, c.Vector, c.BaseScore, c.Severity, c.Source, primary); err != nil {
			return fmt.Errorf("advisory store: nvd %s cvss: %w", id, err)
		}
	}
	return nil
}

// AddKEV stores one KEV entry; a later entry for the same CVE replaces
// an earlier one.
func (w *Writer) AddKEV(ctx context.Context, k advisory.KEVEntry) error {
	if w.done {
		return errors.New("advisory store: writer already finished")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w.enr.init()
	id := normCVE(k.CVE)
	if id == "" {
		return errors.New("advisory store: KEV entry without a CVE id")
	}
	w.enr.stats.KEV++
	cwes := ""
	if len(k.CWEs) > 0 {
		b, _ := json.Marshal(k.CWEs)
		cwes = string(b)
	}
	if err := w.enr.kev.add(ctx, w.tx, id, k.VendorProject, k.Product, k.VulnerabilityName, k.DateAdded,
		k.ShortDescription, k.RequiredAction, k.DueDate, k.KnownRansomwareCampaignUse, k.Notes, cwes); err != nil {
		return fmt.Errorf("advisory store: kev %s: %w", id, err)
	}
	return nil
}

// AddEPSS stores one EPSS score; for a CVE already stored, the score with
// the later (or equal) date replaces it.
func (w *Writer) AddEPSS(ctx context.Context, s advisory.EPSSScore) error {
	if w.done {
		return errors.New("advisory store: writer already finished")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w.enr.init()
	id := normCVE(s.CVE)
	if id == "" {
		return errors.New("advisory store: EPSS score without a CVE id")
	}
	w.enr.stats.EPSS++
	if err := w.enr.epss.add(ctx, w.tx, id, s.Score, s.Percentile, formatTime(s.Date), s.ModelVersion); err != nil {
		return fmt.Errorf("advisory store: epss %s: %w", id, err)
	}
	return nil
}

// EnrichmentStats returns what AddNVD, AddKEV and AddEPSS were given.
func (w *Writer) EnrichmentStats() EnrichmentWriteStats { return w.enr.stats }

// finish writes the queued rows, deletes replaced NVD rows and fills the
// index and counts; called inside the bulk-load transaction.
func (e *enrichWriter) finish(ctx context.Context, tx *sql.Tx) error {
	e.init()
	for _, b := range []*batch{e.nvd, e.cvss, e.kev, e.epss} {
		if err := b.flush(ctx, tx); err != nil {
			return fmt.Errorf("writing enrichment rows: %w", err)
		}
	}
	for _, rid := range e.dead {
		if _, err := tx.ExecContext(ctx, `DELETE FROM nvd WHERE rid = ?`, rid); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM nvd_cvss WHERE rid = ?`, rid); err != nil {
			return err
		}
	}
	e.latest, e.dead = nil, nil
	for _, q := range enrichmentFinish {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("finishing enrichment: %w", err)
		}
	}
	return nil
}

// EnrichmentCounts is what the enrichment tables hold.
type EnrichmentCounts struct {
	NVD         int `json:"nvd"`          // CVE records from NVD feeds
	NVDRejected int `json:"nvd_rejected"` // of which rejected
	// NVDModified is the latest lastModified among them.
	NVDModified time.Time `json:"nvd_modified,omitempty"`
	KEV         int       `json:"kev"` // KEV catalogue entries
	// KEVLatest is the latest dateAdded ("YYYY-MM-DD").
	KEVLatest string    `json:"kev_latest,omitempty"`
	EPSS      int       `json:"epss"` // EPSS scores
	EPSSDate  time.Time `json:"epss_date,omitempty"`
}

// EnrichmentCounts returns the counts made at build time.
func (s *Store) EnrichmentCounts(ctx context.Context) (EnrichmentCounts, error) {
	var c EnrichmentCounts
	rows, err := s.query(ctx, `SELECT kind, records, rejected, latest FROM enrichment_counts`)
	if err != nil {
		return c, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, latest string
		var n, rejected int
		if err := rows.Scan(&kind, &n, &rejected, &latest); err != nil {
			return c, fmt.Errorf("advisory store: %s: %w", s.path, err)
		}
		switch kind {
		case "nvd":
			c.NVD, c.NVDRejected, c.NVDModified = n, rejected, parseTime(latest)
		case "kev":
			c.KEV, c.KEVLatest = n, latest
		case "epss":
			c.EPSS, c.EPSSDate = n, parseTime(latest)
		}
	}
	return c, rows.Err()
}

// Enrichment returns what the database knows about one CVE: NVD's record
// with its CVSS ratings and headline severity, the KEV entry and the EPSS
// score. It returns nil when none of them has the CVE. The id is
// compared case-insensitively.
func (s *Store) Enrichment(ctx context.Context, cveID string) (*advisory.Enrichment, error) {
	id := normCVE(cveID)
	out := &advisory.Enrichment{CVE: id}
	found := false

	var rid int64
	var rec advisory.NVDRecord
	var rejected int
	var pub, mod, cwes string
	err := s.queryRow(ctx, `SELECT rid, cve, status, rejected, published, modified, description, cwes, severity
		FROM nvd WHERE cve = ?`, id).Scan(&rid, &rec.CVE, &rec.Status, &rejected, &pub, &mod, &rec.Description, &cwes, &out.Severity)
	switch {
	case err == nil:
		found = true
		rec.Rejected = rejected != 0
		rec.Published, rec.Modified = parseTime(pub), parseTime(mod)
		if cwes != "" {
			rec.CWEs = strings.Split(cwes, ",")
		}
		if rec.CVSS, err = s.cvss(ctx, rid); err != nil {
			return nil, err
		}
		out.NVD = &rec
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("advisory store: %s: nvd %s: %w", s.path, id, err)
	}

	var k advisory.KEVEntry
	var kevCWEs string
	err = s.queryRow(ctx, `SELECT cve, vendor_project, product, vulnerability_name, date_added, short_description,
		required_action, due_date, ransomware, notes, cwes FROM kev WHERE cve = ?`, id).Scan(&k.CVE, &k.VendorProject,
		&k.Product, &k.VulnerabilityName, &k.DateAdded, &k.ShortDescription, &k.RequiredAction, &k.DueDate,
		&k.KnownRansomwareCampaignUse, &k.Notes, &kevCWEs)
	switch {
	case err == nil:
		found = true
		if kevCWEs != "" {
			if err := json.Unmarshal([]byte(kevCWEs), &k.CWEs); err != nil {
				return nil, fmt.Errorf("advisory store: %s: kev %s cwes: %w", s.path, id, err)
			}
		}
		out.KEV = &k
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("advisory store: %s: kev %s: %w", s.path, id, err)
	}

	var e advisory.EPSSScore
	var date string
	err = s.queryRow(ctx, `SELECT cve, score, percentile, date, model FROM epss WHERE cve = ?`, id).
		Scan(&e.CVE, &e.Score, &e.Percentile, &date, &e.ModelVersion)
	switch {
	case err == nil:
		found = true
		e.Date = parseTime(date)
		out.EPSS = &e
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("advisory store: %s: epss %s: %w", s.path, id, err)
	}
	if !found {
		return nil, nil
	}
	return out, nil
}

func (s *Store) cvss(ctx context.Context, rid int64) ([]advisory.CVSS, error) {
	rows, err := s.query(ctx, `SELECT version, vector, base_score, severity, source, is_primary
		FROM nvd_cvss WHERE rid = ? ORDER BY seq`, rid)
	if err != nil {
		return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []advisory.CVSS
	for rows.Next() {
		var c advisory.CVSS
		var primary int
		if err := rows.Scan(&c.Version, &c.Vector, &c.BaseScore, &c.Severity, &c.Source, &primary); err != nil {
			return nil, fmt.Errorf("advisory store: %s: %w", s.path, err)
		}
		c.Primary = primary != 0
		out = append(out, c)
	}
	return out, rows.Err()
}
