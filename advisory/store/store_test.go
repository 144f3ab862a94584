package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

func build(t *testing.T, entries ...feed.Entry) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "db.sqlite")
	w, err := Create(p)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, e := range entries {
		if err := w.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	w.AddSource(advisory.SourceInfo{Name: "osv", Location: "x.zip", Records: len(entries), Skipped: 1, SkipNotes: []string{"why"}})
	if _, err := w.Finish(ctx, time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	fixedIn := advisory.Range{Type: "ECOSYSTEM", Events: []advisory.Event{{Introduced: "0"}, {Fixed: "3.1.4"}}}
	p := build(t,
		feed.Entry{
			Vuln: advisory.Vulnerability{ID: "GHSA-1", Source: "osv", Aliases: []string{"CVE-1"}, Summary: "s",
				Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), References: []string{"https://x"}},
			Affected: []advisory.Affected{
				{VulnID: "GHSA-1", Namespace: "pypi", Ecosystem: "PyPI", Package: "Jinja2", Status: advisory.StatusFixed, Fixed: "3.1.4", Ranges: []advisory.Range{fixedIn}, Source: "osv"},
				{VulnID: "GHSA-1", Namespace: "pypi", Ecosystem: "PyPI", Package: "Jinja2", Status: advisory.StatusFixed, Fixed: "3.1.4", Ranges: []advisory.Range{fixedIn}, Source: "osv"},
			},
			Scores: []advisory.Score{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N"}},
		},
		// An older copy of the same record does not overwrite the text.
		feed.Entry{Vuln: advisory.Vulnerability{ID: "GHSA-1", Source: "osv", Summary: "old",
			Modified: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}},
		feed.Entry{
			Vuln:     advisory.Vulnerability{ID: "CVE-1", Source: "alpine-secdb"},
			Affected: []advisory.Affected{{VulnID: "CVE-1", Namespace: "alpine:3.20", Package: "OpenSSL", Status: advisory.StatusNotAffected, Source: "alpine-secdb"}},
		},
		feed.Entry{
			Vuln:     advisory.Vulnerability{ID: "CVE-1", Source: "debian-tracker", Details: "text"},
			Affected: []advisory.Affected{{VulnID: "CVE-1", Namespace: "debian:12", Package: "openssl", Status: advisory.StatusAffected, Severity: "LOW", Source: "debian-tracker"}},
		},
	)
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// PEP 503: "jinja2" and "JINJA2" match "Jinja2".
	for _, name := range []string{"jinja2", "JINJA2", "Jinja2"} {
		got, err := s.Affected(ctx, "pypi", name)
		if err != nil || len(got) != 1 {
			t.Fatalf("Affected(pypi, %s): got %d statements (%v), want 1 (duplicate dropped)", name, len(got), err)
		}
		if got[0].Fixed != "3.1.4" || len(got[0].Ranges) != 1 || got[0].Ranges[0].Events[1].Fixed != "3.1.4" {
			t.Errorf("statement: got %+v", got[0])
		}
	}
	if got, _ := s.Affected(ctx, "ALPINE:3.20", "openssl"); len(got) != 1 || got[0].Status != advisory.StatusNotAffected || got[0].Package != "OpenSSL" {
		t.Errorf("alpine openssl: got %+v", got)
	}
	v, err := s.Vulnerability(ctx, "GHSA-1")
	if err != nil || v == nil || v.Summary != "s" || len(v.Aliases) != 1 || v.References[0] != "https://x" {
		t.Errorf("GHSA-1: got %+v, %v", v, err)
	}
	// CVE-1: the tracker's record has text, so it wins over secdb's.
	if v, _ := s.Vulnerability(ctx, "CVE-1"); v == nil || v.Source != "debian-tracker" {
		t.Errorf("CVE-1: got %+v", v)
	}
	if v, _ := s.Vulnerability(ctx, "nope"); v != nil {
		t.Errorf("absent id: got %+v", v)
	}
	if ids, _ := s.IDsByAlias(ctx, "CVE-1"); len(ids) != 1 || ids[0].ID != "GHSA-1" {
		t.Errorf("IDsByAlias: got %v", ids)
	}
	if sc, _ := s.Scores(ctx, "osv", "GHSA-1"); len(sc) != 1 || sc[0].Score != "CVSS:3.1/AV:N" {
		t.Errorf("scores: got %v", sc)
	}
	st, err := s.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Metadata.SchemaVersion != SchemaVersion || len(st.Metadata.Sources) != 1 || st.Metadata.Sources[0].SkipNotes[0] != "why" {
		t.Errorf("metadata: got %+v", st.Metadata)
	}
	if st.Totals.Vulnerabilities != 3 || st.Totals.Statements != 3 || len(st.Sources) != 3 || len(st.Namespaces) != 3 {
		t.Errorf("status: got %+v", st)
	}
}

func TestNormalizePackage(t *testing.T) {
	cases := []struct{ ns, in, want string }{
		{"pypi", "Foo.Bar__baz", "foo-bar-baz"},
		{"npm", "Axios", "axios"},
		{"go", "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"},
		{"maven", "Org.X:Y", "Org.X:Y"},
		{"debian:12", "LibFoo", "libfoo"},
		{"crates.io", "Serde", "serde"},
	}
	for _, c := range cases {
		if got := NormalizePackage(c.ns, c.in); got != c.want {
			t.Errorf("NormalizePackage(%q, %q): got %q, want %q", c.ns, c.in, got, c.want)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	p := build(t)
	// Rewrite the schema version with a plain writable connection.
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE meta SET value = '999' WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(p)
	if !errors.Is(err, ErrSchemaMismatch) || !strings.Contains(err.Error(), "999") {
		t.Errorf("schema mismatch: got %v", err)
	}

	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("hello, not sqlite"), 0o644)
	if _, err := Open(junk); err == nil || !strings.Contains(err.Error(), "junk.db") {
		t.Errorf("junk file: got %v", err)
	}
	missing := filepath.Join(t.TempDir(), "missing.db")
	if _, err := Open(missing); err == nil {
		t.Errorf("missing file: got nil error")
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("Open created %s", missing)
	}
	// Create refuses to overwrite.
	if _, err := Create(p); err == nil {
		t.Errorf("Create over an existing file: got nil error")
	}
}

func TestReadOnly(t *testing.T) {
	p := build(t)
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.db.Exec(`DELETE FROM meta`); err == nil {
		t.Errorf("write through a read-only store succeeded")
	}
}

func TestConcurrentReads(t *testing.T) {
	var entries []feed.Entry
	for i := 0; i < 50; i++ {
		id := "CVE-" + strings.Repeat("1", i%5+1)
		entries = append(entries, feed.Entry{
			Vuln: advisory.Vulnerability{ID: id, Source: "alpine-secdb"},
			Affected: []advisory.Affected{{VulnID: id, Namespace: "alpine:3.20", Package: "pkg" + string(rune('a'+i%3)),
				Status: advisory.StatusFixed, Fixed: "1.0-r" + strings.Repeat("0", i+1), Source: "alpine-secdb"}},
		})
	}
	s, err := Open(build(t, entries...))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 20; i++ {
				got, err := s.Affected(context.Background(), "alpine:3.20", "PKGA")
				if err == nil && len(got) != 17 {
					err = errors.New("wrong statement count")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
