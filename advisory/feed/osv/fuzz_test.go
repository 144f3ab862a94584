package osv

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/internal/testutil"
)

// seedZips names the shared OSV dumps real seed records are taken from.
var seedZips = [][]string{
	{"Go", "all.zip"}, {"crates.io", "all.zip"}, {"AlmaLinux:9", "all.zip"},
	{"npm", "all.zip"}, {"PyPI", "all.zip"}, {"Maven", "all.zip"}, {"Ubuntu", "usn-subset.zip"},
}

// realRecords returns up to n records of at most maxSize bytes from each
// shared OSV dump, read with archive/zip, as (name, JSON). Larger records
// are passed over: big seeds slow every execution and minimisation.
func realRecords(f *testing.F, n int, maxSize uint64) [][2]string {
	var out [][2]string
	for _, elem := range seedZips {
		zr, err := zip.OpenReader(testutil.Shared(f, append([]string{"vulndata", "osv"}, elem...)...))
		if err != nil {
			f.Fatal(err)
		}
		taken := 0
		for _, zf := range zr.File {
			if taken == n {
				break
			}
			if zf.UncompressedSize64 > maxSize {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				f.Fatal(err)
			}
			var buf bytes.Buffer
			_, err = buf.ReadFrom(rc)
			rc.Close()
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, [2]string{zf.Name, buf.String()})
			taken++
		}
		zr.Close()
	}
	return out
}

// zipOf writes entries (name, body) into a zip; a name ending in "/" is a
// directory, and store selects no compression.
func zipOf(f *testing.F, store bool, entries ...[2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		method := zip.Deflate
		if store {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e[0], Method: method})
		if err != nil {
			f.Fatal(err)
		}
		if _, err := w.Write([]byte(e[1])); err != nil {
			f.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

// Hand-written records for what the real dumps lack: an affected entry
// without a package, odd timestamps, raw severity objects of every shape,
// a cves_map, repeated aliases and scores, GIT ranges beside others.
var edgeRecords = []string{
	`{"id":"X-1"}`,
	`{"id":" ","affected":[]}`,
	`{"id":"X-2","aliases":["A"," A ","","A"],"related":["R"],"upstream":["R","U"],"modified":"0001-01-01T00:00:00Z","published":"2024-01-02","withdrawn":"2024-01-02T03:04:05.123456789"}`,
	`{"id":"X-3","severity":[{"type":"Ubuntu","score":"high"},{"type":"CVSS_V3","score":""}],"database_specific":{"severity":7},
	  "affected":[{"package":{"ecosystem":"","name":"a"}},{"package":{"ecosystem":"npm","name":""}},
	  {"package":{"ecosystem":"Ubuntu:Pro:FIPS:20.04:LTS","name":"b"},"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N"}],
	   "ecosystem_specific":[],"database_specific":{"cves_map":{"cves":[{"severity":[{"type":"Ubuntu","score":"medium"}]},{"severity":null}]}},
	   "ranges":[{"type":"GIT","repo":"r","events":[{"introduced":"0"},{"fixed":"abc"}]},{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0"}]}]}]}`,
	`{"id":"X-4","affected":[{"package":{"ecosystem":"Alpine:v3.20","name":"c"},"versions":["1"],"ecosystem_specific":{"severity":"CRITICAL"},
	  "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1"},{"fixed":"2"},{"introduced":"3"},{"last_affected":"4"},{"limit":"*"}]}]}]}`,
	`{"id":"X-5","affected":[{"package":{"ecosystem":"Debian:12","name":"d"},"database_specific":{"severity":"moderate"},"ranges":[{"type":"GIT","events":[{"fixed":"x"}]}]}],"database_specific":"LOW"}`,
	`{"id":"X-6","affected":null,"references":[{"type":"WEB","url":""},{"url":"https://x"}],"severity":null,"database_specific":null}`,
	`[{"id":"X-7"}]`,
	`{"id":"X-8","id":"X-9","affected":[{"package":{"ecosystem":"Rocky Linux:9.2","name":"e"},"ranges":[{"events":[{"introduced":"0","fixed":"1"}]}]}]}`,
}

// FuzzParse: any input either fails to parse (and gives no record) or
// gives a record with an id that re-marshals to JSON which parses again to
// the same record, and converts into an entry of that id whose statements
// name a package, an ecosystem and a namespace and whose fixed version,
// when set, goes with the fixed status.
func FuzzParse(f *testing.F) {
	for _, r := range realRecords(f, 5, 16<<10) {
		f.Add([]byte(r[1]))
	}
	for _, s := range edgeRecords {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			if r != nil {
				t.Fatalf("Parse returned a record and the error %v", err)
			}
			return
		}
		if r == nil || strings.TrimSpace(r.ID) == "" {
			t.Fatalf("Parse gave %+v without an error", r)
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("re-marshalling a parsed record: %v", err)
		}
		r2, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parsing %s: %v", out, err)
		}
		if out2, err := json.Marshal(r2); err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("round trip is not stable:\n%s\n%s (%v)", out, out2, err)
		}

		var stats feed.Stats
		e := Convert(r, &stats)
		checkEntry(t, e)
		if e.Vuln.ID != r.ID {
			t.Fatalf("entry id %q, record id %q", e.Vuln.ID, r.ID)
		}
		if len(e.Affected)+stats.Skipped != len(r.Affected) {
			t.Fatalf("%d statements and %d skipped from %d affected entries", len(e.Affected), stats.Skipped, len(r.Affected))
		}
		if len(Scores(r)) != len(e.Scores) {
			t.Fatalf("Scores gives %d, the entry %d", len(Scores(r)), len(e.Scores))
		}
	})
}

// checkEntry checks what every converted entry must satisfy.
func checkEntry(t *testing.T, e feed.Entry) {
	t.Helper()
	if strings.TrimSpace(e.Vuln.ID) == "" || e.Vuln.Source != Source {
		t.Fatalf("entry: %+v", e.Vuln)
	}
	if e.Vuln.Severity != "" && feed.SeverityWord(e.Vuln.Severity) != e.Vuln.Severity {
		t.Fatalf("headline severity %q is not a severity word", e.Vuln.Severity)
	}
	for _, list := range [][]string{e.Vuln.Aliases, e.Related} {
		seen := map[string]bool{}
		for _, s := range list {
			if s == "" || s != strings.TrimSpace(s) || seen[s] {
				t.Fatalf("alias or related id %q is empty, untrimmed or repeated in %q", s, list)
			}
			seen[s] = true
		}
	}
	seen := map[advisory.Score]bool{}
	for _, s := range e.Scores {
		if s.Score == "" || seen[s] {
			t.Fatalf("score %+v is empty or repeated", s)
		}
		seen[s] = true
	}
	for _, a := range e.Affected {
		if a.VulnID != e.Vuln.ID || a.Package == "" || a.Ecosystem == "" || a.Namespace == "" || a.Source != Source {
			t.Fatalf("statement: %+v", a)
		}
		switch a.Status {
		case advisory.StatusFixed:
		case advisory.StatusAffected:
			if a.Fixed != "" {
				t.Fatalf("affected statement with a fixed version: %+v", a)
			}
		default:
			t.Fatalf("status %q", a.Status)
		}
	}
}

// errStop is what the sink of FuzzReadZip's second pass returns.
var errStop = errors.New("stop")

// FuzzReadZip: any bytes read as a zip either fail or hand on entries that
// pass checkEntry, counted right in the stats; a zip that yields records
// and no error, read again with a sink that refuses the first entry,
// stops there with the sink's error.
func FuzzReadZip(f *testing.F) {
	// Small records only: each execution inflates and decodes them all.
	recs := realRecords(f, 1, 2<<10)
	f.Add(zipOf(f, false, recs[:4]...))
	f.Add(zipOf(f, true, recs[4:]...))
	f.Add(zipOf(f, false,
		[2]string{"dir/", ""}, [2]string{"README.md", "x"}, [2]string{"X-1.JSON", edgeRecords[3]},
		[2]string{"X-2.json", "{"}, [2]string{"X-3.json", edgeRecords[4]}))
	f.Add(zipOf(f, true, [2]string{"a.json", "[]"}))
	f.Add(zipOf(f, false))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		var got []feed.Entry
		stats, err := ReadZip(ctx, bytes.NewReader(data), int64(len(data)), "fuzz.zip", func(e feed.Entry) error {
			got = append(got, e)
			return nil
		})
		if err != nil && !strings.Contains(err.Error(), "fuzz.zip") {
			t.Fatalf("error does not name the file: %v", err)
		}
		statements := 0
		for _, e := range got {
			checkEntry(t, e)
			statements += len(e.Affected)
		}
		if stats.Records != len(got) || stats.Statements != statements {
			t.Fatalf("stats %d records, %d statements; sink saw %d, %d", stats.Records, stats.Statements, len(got), statements)
		}
		if err == nil && stats.Records == 0 && stats.Skipped > 0 {
			t.Fatalf("only skipped entries and no error: %v", stats.SkipNotes)
		}
		if err != nil || len(got) == 0 {
			return
		}
		stats, err = ReadZip(ctx, bytes.NewReader(data), int64(len(data)), "fuzz.zip", func(feed.Entry) error { return errStop })
		if !errors.Is(err, errStop) || stats.Records != 1 {
			t.Fatalf("sink error: got %v after %d records", err, stats.Records)
		}
	})
}
