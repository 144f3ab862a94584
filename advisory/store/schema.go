// Package store keeps lading's advisory database: one SQLite file (pure-Go
// driver github.com/glebarez/go-sqlite) written in one transaction by a
// Writer and read by a Store, which implements advisory.Reader.
package store

import (
	"net/url"
	"strings"

	// Registers the "sqlite" database/sql driver.
	_ "github.com/glebarez/go-sqlite"
)

// SchemaVersion is the layout version this code writes and reads. Open
// refuses a file with another version; bump it on any incompatible change.
// There are no migrations: the database is always rebuilt from the feeds.
// Version 2 added the enrichment tables (enrichment.go).
const SchemaVersion = 2

// applicationID marks the SQLite file as a lading advisory database
// (PRAGMA application_id; "LADV").
const applicationID = 0x4c414456

// schema creates the tables. Secondary indexes are in indexes, created
// after the bulk insert.
var schema = []string{
	`CREATE TABLE meta (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	) WITHOUT ROWID`,
	`CREATE TABLE sources (
		seq        INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		location   TEXT NOT NULL,
		fetched    TEXT NOT NULL,
		records    INTEGER NOT NULL,
		skipped    INTEGER NOT NULL,
		sha256     TEXT NOT NULL,
		skip_notes TEXT NOT NULL
	)`,
	`CREATE TABLE vulnerabilities (
		source    TEXT NOT NULL,
		id        TEXT NOT NULL,
		summary   TEXT NOT NULL,
		details   TEXT NOT NULL,
		severity  TEXT NOT NULL,
		published TEXT NOT NULL,
		modified  TEXT NOT NULL,
		withdrawn TEXT NOT NULL,
		refs      TEXT NOT NULL,
		UNIQUE (source, id)
	)`,
	`CREATE TABLE aliases (
		source  TEXT NOT NULL,
		vuln_id TEXT NOT NULL,
		kind    TEXT NOT NULL,
		alias   TEXT NOT NULL,
		PRIMARY KEY (source, vuln_id, kind, alias)
	) WITHOUT ROWID`,
	`CREATE TABLE scores (
		source  TEXT NOT NULL,
		vuln_id TEXT NOT NULL,
		type    TEXT NOT NULL,
		score   TEXT NOT NULL,
		PRIMARY KEY (source, vuln_id, type, score)
	) WITHOUT ROWID`,
	`CREATE TABLE affected (
		seq          INTEGER PRIMARY KEY,
		source       TEXT NOT NULL,
		vuln_id      TEXT NOT NULL,
		namespace    TEXT NOT NULL,
		package_norm TEXT NOT NULL,
		package      TEXT NOT NULL,
		ecosystem    TEXT NOT NULL,
		status       TEXT NOT NULL,
		fixed        TEXT NOT NULL,
		severity     TEXT NOT NULL,
		ranges       TEXT NOT NULL,
		versions     TEXT NOT NULL
	)`,
	`CREATE TABLE source_counts (
		source          TEXT PRIMARY KEY,
		vulnerabilities INTEGER NOT NULL,
		withdrawn       INTEGER NOT NULL,
		statements      INTEGER NOT NULL
	) WITHOUT ROWID`,
	`CREATE TABLE namespace_counts (
		namespace       TEXT NOT NULL,
		source          TEXT NOT NULL,
		statements      INTEGER NOT NULL,
		packages        INTEGER NOT NULL,
		vulnerabilities INTEGER NOT NULL,
		PRIMARY KEY (namespace, source)
	) WITHOUT ROWID`,
}

// indexes are created once the rows are in.
var indexes = []string{
	`CREATE INDEX affected_by_package ON affected (namespace, package_norm)`,
	`CREATE INDEX vulnerabilities_by_id ON vulnerabilities (id)`,
	`CREATE INDEX aliases_by_alias ON aliases (alias)`,
}

// counts fills the count tables that Status reads.
var counts = []string{
	`INSERT INTO source_counts
	 SELECT v.source, count(*), sum(v.withdrawn <> ''),
	        coalesce((SELECT count(*) FROM affected a WHERE a.source = v.source), 0)
	 FROM vulnerabilities v GROUP BY v.source`,
	`INSERT INTO namespace_counts
	 SELECT namespace, source, count(*), count(DISTINCT package_norm), count(DISTINCT vuln_id)
	 FROM affected GROUP BY namespace, source`,
}

// Meta keys.
const (
	metaSchemaVersion = "schema_version"
	metaBuilt         = "built"
)

// fileURI turns a path into an SQLite URI filename with query params,
// escaping the characters URI parsing would take as delimiters.
func fileURI(path string, params url.Values) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(path) + "?" + params.Encode()
}
