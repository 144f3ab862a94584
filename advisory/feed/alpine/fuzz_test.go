package alpine

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/internal/testutil"
)

// FuzzDecode: any input either fails to decode (and gives no document) or
// gives a document with a distroversion that converts without error into
// entries in strictly increasing id order, each statement accounted for
// (every id of every package is a statement or a skip; a blank version
// is one skip), and that
// re-marshals to JSON which decodes and converts to the same entries.
func FuzzDecode(f *testing.F) {
	for _, s := range []struct {
		path []string
		max  int
	}{
		{[]string{"v3.16", "main.json"}, 8 << 10},
		{[]string{"v3.20", "main.json"}, 6 << 10}, // cut: invalid JSON
		{[]string{"v3.11", "main.yaml"}, 1536},
		{[]string{"v3.9", "main.yaml"}, 600}, // "CVE 2018-16859" on line 27
		{[]string{"v3.3", "community.yaml"}, 1 << 10},
	} {
		data, err := os.ReadFile(testutil.Shared(f, append([]string{"vulndata", "alpine-secdb"}, s.path...)...))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), s.max)])
	}
	f.Add([]byte("distroversion: edge\npackages:\n- pkg:\n    name: ' x '\n    secfixes:\n      ' 0 ': [CVE-1-1, 'CVE_2019-2426 XSA-1 XSA-1', 'CVE-????-?????  XSA-295']\n      1.0: ~\n      2: ['', '??']\n- pkg: {secfixes: {1: [CVE-2]}}\n"))
	f.Add([]byte("distroversion: &v v3.1\nreponame: *v\npackages: &p []\narchs: *p\n"))
	f.Add([]byte(`  {"distroversion":" v3.20 ","packages":[{"pkg":{"name":"a","secfixes":{"1-r0":["CVE-1 GHSA-x","CVE-1"],"0":null}}},{"pkg":null},{}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Decode(data)
		if err != nil {
			if doc != nil {
				t.Fatalf("Decode returned a document and the error %v", err)
			}
			return
		}
		if doc == nil || strings.TrimSpace(doc.DistroVersion) == "" {
			t.Fatalf("Decode gave %+v without an error", doc)
		}
		entries, stats := convertAll(t, doc)
		want := 0
		for _, p := range doc.Packages {
			if strings.TrimSpace(p.Pkg.Name) == "" {
				want++
				continue
			}
			for ver, ids := range p.Pkg.Secfixes {
				if strings.TrimSpace(ver) == "" {
					want++ // one skip for the lot
					continue
				}
				want += max(len(ids), 1)
			}
		}
		if stats.Statements+stats.Skipped != want {
			t.Fatalf("%d statements and %d skipped, want %d in all", stats.Statements, stats.Skipped, want)
		}
		ns := Namespace(doc.DistroVersion)
		for i, e := range entries {
			if i > 0 && entries[i-1].Vuln.ID >= e.Vuln.ID {
				t.Fatalf("ids out of order: %q then %q", entries[i-1].Vuln.ID, e.Vuln.ID)
			}
			if !idLike.MatchString(e.Vuln.ID) || e.Vuln.Source != Source || len(e.Affected) == 0 {
				t.Fatalf("entry: %+v", e)
			}
			for j, a := range e.Vuln.Aliases {
				if !idLike.MatchString(a) || a == e.Vuln.ID || contains(e.Vuln.Aliases[:j], a) {
					t.Fatalf("alias %q of %q", a, e.Vuln.ID)
				}
			}
			for _, a := range e.Affected {
				if a.VulnID != e.Vuln.ID || a.Namespace != ns || a.Source != Source ||
					a.Package == "" || a.Package != strings.TrimSpace(a.Package) {
					t.Fatalf("statement: %+v", a)
				}
				switch {
				case a.Status == advisory.StatusNotAffected && a.Fixed == "":
				case a.Status == advisory.StatusFixed && a.Fixed != "" && a.Fixed == strings.TrimSpace(a.Fixed):
				default:
					t.Fatalf("status %q with fixed %q", a.Status, a.Fixed)
				}
			}
		}

		js, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("re-marshalling: %v", err)
		}
		doc2, err := Decode(js)
		if err != nil {
			t.Fatalf("decoding the re-marshalled %s: %v", js, err)
		}
		entries2, stats2 := convertAll(t, doc2)
		if !reflect.DeepEqual(entries, entries2) || !reflect.DeepEqual(stats, stats2) {
			t.Fatalf("the re-marshalled document converts differently:\n%+v\n%+v", entries, entries2)
		}
	})
}

// convertAll converts doc, which must not fail, and collects the entries.
func convertAll(t *testing.T, doc *Document) ([]feed.Entry, feed.Stats) {
	t.Helper()
	var entries []feed.Entry
	stats, err := Convert(context.Background(), doc, func(e feed.Entry) error {
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	if stats.Records != len(entries) {
		t.Fatalf("%d records counted, %d handed on", stats.Records, len(entries))
	}
	return entries, stats
}
