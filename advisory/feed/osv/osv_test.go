package osv

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/internal/testutil"
)

// collect reads a zip and returns its entries by id.
func collect(t *testing.T, path string) (feed.Stats, map[string]feed.Entry) {
	t.Helper()
	got := map[string]feed.Entry{}
	stats, err := ReadZipFile(context.Background(), path, func(e feed.Entry) error {
		got[e.Vuln.ID] = e
		return nil
	})
	if err != nil {
		t.Fatalf("ReadZipFile(%s): %v", path, err)
	}
	return stats, got
}

func withdrawn(m map[string]feed.Entry) int {
	n := 0
	for _, e := range m {
		if !e.Vuln.Withdrawn.IsZero() {
			n++
		}
	}
	return n
}

// Counts from PROVENANCE.md §1, §2 and §6, re-checked with
// python3 zipfile/json over each all.zip (records, withdrawn, and the
// number of affected[] entries).
func TestRealZipCounts(t *testing.T) {
	cases := []struct {
		dir                          string
		records, withdrawn, affected int
	}{
		{"Go", 4291, 17, 6125},
		{"crates.io", 1206, 13, 1206},
		{"AlmaLinux:8", 3237, 0, 40838},
		{"AlmaLinux:9", 1783, 0, 24012},
		{"AlmaLinux:10", 660, 0, 6479},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			path := testutil.Shared(t, "vulndata", "osv", c.dir, "all.zip")
			stats, got := collect(t, path)
			if stats.Records != c.records || len(got) != c.records {
				t.Errorf("records: got %d (%d distinct), want %d", stats.Records, len(got), c.records)
			}
			if w := withdrawn(got); w != c.withdrawn {
				t.Errorf("withdrawn: got %d, want %d", w, c.withdrawn)
			}
			if stats.Statements != c.affected {
				t.Errorf("statements: got %d, want %d", stats.Statements, c.affected)
			}
			if stats.Skipped != 0 {
				t.Errorf("skipped %d: %v", stats.Skipped, stats.SkipNotes)
			}
		})
	}
}

// Facts read with `unzip -p osv/Go/all.zip GO-2020-0001.json` etc.
func TestRealGoRecords(t *testing.T) {
	_, got := collect(t, testutil.Shared(t, "vulndata", "osv", "Go", "all.zip"))

	e := got["GO-2020-0001"]
	if e.Vuln.Published.Format("2006-01-02") != "2021-04-14" {
		t.Errorf("published: got %v", e.Vuln.Published)
	}
	if !e.Vuln.Modified.IsZero() {
		t.Errorf("modified 0001-01-01 placeholder should read as zero, got %v", e.Vuln.Modified)
	}
	if strings.Join(e.Vuln.Aliases, ",") != "CVE-2020-36567,GHSA-6vm3-jj99-7229" {
		t.Errorf("aliases: got %v", e.Vuln.Aliases)
	}
	if len(e.Affected) != 1 {
		t.Fatalf("affected: got %d, want 1", len(e.Affected))
	}
	a := e.Affected[0]
	if a.Namespace != "go" || a.Package != "github.com/gin-gonic/gin" || a.Status != advisory.StatusFixed || a.Fixed != "1.6.0" {
		t.Errorf("GO-2020-0001 statement: got %+v", a)
	}
	if len(a.Ranges) != 1 || a.Ranges[0].Type != "SEMVER" || len(a.Ranges[0].Events) != 2 {
		t.Errorf("ranges kept: got %+v", a.Ranges)
	}

	// GO-2020-0036 (github.com/go-yaml/yaml): one range, introduced 0, no fix.
	// (Its gopkg.in/yaml.v2 entry is fixed in 2.2.8.)
	for _, a := range got["GO-2020-0036"].Affected {
		want, wantFixed := advisory.StatusAffected, ""
		if a.Package == "gopkg.in/yaml.v2" {
			want, wantFixed = advisory.StatusFixed, "2.2.8"
		}
		if a.Status != want || a.Fixed != wantFixed {
			t.Errorf("GO-2020-0036 %s: got status %q fixed %q, want %q %q", a.Package, a.Status, a.Fixed, want, wantFixed)
		}
	}
	// GO-2021-0068 toolchain: introduced 0, fixed 1.14.14, introduced
	// 1.15.0-0, fixed 1.15.7: fixed, but no single Fixed version.
	for _, a := range got["GO-2021-0068"].Affected {
		if a.Package == "toolchain" && (a.Status != advisory.StatusFixed || a.Fixed != "" || len(a.Ranges[0].Events) != 4) {
			t.Errorf("GO-2021-0068 toolchain: got %+v", a)
		}
	}
	// GO-2022-0617 is withdrawn on 2024-08-21T16:25:56Z.
	if w := got["GO-2022-0617"].Vuln.Withdrawn; w.Format("2006-01-02T15:04:05") != "2024-08-21T16:25:56" {
		t.Errorf("GO-2022-0617 withdrawn: got %v", w)
	}
}

// GHSA-8hc4-vh64-cxmj: database_specific.severity "HIGH", package "Axios"
// (npm); GHSA-h75v-3vvj-5mfj: "MODERATE" and a CVSS_V3 vector (unzip -p).
func TestRealGHSASeverity(t *testing.T) {
	_, npm := collect(t, testutil.Shared(t, "vulndata", "osv", "npm", "all.zip"))
	e := npm["GHSA-8hc4-vh64-cxmj"]
	if e.Vuln.Severity != advisory.SeverityHigh {
		t.Errorf("GHSA-8hc4 severity: got %q, want HIGH", e.Vuln.Severity)
	}
	if a := e.Affected[0]; a.Package != "Axios" || a.Namespace != "npm" || a.Fixed != "" || a.Status != advisory.StatusFixed {
		t.Errorf("GHSA-8hc4 statement: got %+v (introduced 1.3.2, so no single Fixed)", a)
	}
	_, pypi := collect(t, testutil.Shared(t, "vulndata", "osv", "PyPI", "all.zip"))
	e = pypi["GHSA-h75v-3vvj-5mfj"]
	if e.Vuln.Severity != advisory.SeverityMedium {
		t.Errorf("GHSA-h75v severity: got %q, want MEDIUM", e.Vuln.Severity)
	}
	want := advisory.Score{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N"}
	if len(e.Scores) != 1 || e.Scores[0] != want {
		t.Errorf("GHSA-h75v scores: got %v, want %v", e.Scores, want)
	}
	if a := e.Affected[0]; a.Namespace != "pypi" || a.Package != "Jinja2" || a.Fixed != "3.1.4" {
		t.Errorf("GHSA-h75v statement: got %+v", a)
	}
}

func TestUbuntuWordSeverity(t *testing.T) {
	rec, err := Parse([]byte(`{"id":"UBUNTU-CVE-2024-1","severity":[{"type":"Ubuntu","score":"medium"}],
	  "affected":[{"package":{"ecosystem":"Ubuntu:22.04:LTS","name":"openssl"},
	  "severity":[{"type":"Ubuntu","score":"high"}],
	  "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	e := Convert(rec, nil)
	if e.Vuln.Severity != advisory.SeverityMedium {
		t.Errorf("headline: got %q, want MEDIUM", e.Vuln.Severity)
	}
	a := e.Affected[0]
	if a.Severity != advisory.SeverityHigh || a.Namespace != "ubuntu:22.04" || a.Status != advisory.StatusAffected {
		t.Errorf("statement: got %+v", a)
	}
}

func writeZip(t *testing.T, entries map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestMalformedZips(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	nop := func(feed.Entry) error { return nil }

	// A truncated copy of a real zip: the central directory is gone.
	real, err := os.ReadFile(testutil.Shared(t, "vulndata", "osv", "crates.io", "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(dir, "truncated.zip")
	os.WriteFile(trunc, real[:len(real)/2], 0o644)
	if _, err := ReadZipFile(ctx, trunc, nop); err == nil || !strings.Contains(err.Error(), "truncated.zip") {
		t.Errorf("truncated zip: got %v, want an error naming the file", err)
	}

	// Entries with invalid JSON only.
	bad := filepath.Join(dir, "bad.zip")
	os.WriteFile(bad, writeZip(t, map[string]string{"X-1.json": "{not json"}), 0o644)
	if _, err := ReadZipFile(ctx, bad, nop); err == nil || !strings.Contains(err.Error(), "bad.zip") {
		t.Errorf("invalid JSON zip: got %v, want an error naming the file", err)
	}

	// One bad entry among good ones is skipped with its name.
	mixed := filepath.Join(dir, "mixed.zip")
	os.WriteFile(mixed, writeZip(t, map[string]string{
		"X-1.json": `{"id":"X-1","affected":[{"package":{"ecosystem":"npm","name":"a"}}]}`,
		"X-2.json": "{",
	}), 0o644)
	stats, err := ReadZipFile(ctx, mixed, nop)
	if err != nil || stats.Records != 1 || stats.Skipped != 1 || !strings.Contains(stats.SkipNotes[0], "X-2.json") {
		t.Errorf("mixed zip: got %+v, %v", stats, err)
	}

	// A zip with more entries than the limit (lowered for the test).
	defer func(n int) { maxEntries = n }(maxEntries)
	maxEntries = 1
	if _, err := ReadZipFile(ctx, mixed, nop); err == nil || !strings.Contains(err.Error(), "mixed.zip") || !strings.Contains(err.Error(), "limit") {
		t.Errorf("too many entries: got %v", err)
	}
	maxEntries = MaxEntries

	// An entry over the size limit is an error naming file and entry.
	big := filepath.Join(dir, "big.zip")
	os.WriteFile(big, writeZip(t, map[string]string{"BIG.json": strings.Repeat(" ", MaxEntrySize+1)}), 0o644)
	if _, err := ReadZipFile(ctx, big, nop); err == nil || !strings.Contains(err.Error(), "big.zip") || !strings.Contains(err.Error(), "BIG.json") {
		t.Errorf("oversized entry: got %v", err)
	}
}
