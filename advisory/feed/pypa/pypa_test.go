package pypa

import (
	"context"
	"github.com/lading-dev/lading/advisory/feed/ghzip/ghziptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/internal/testutil"
)

func archive(t testing.TB) string {
	return testutil.Shared(t, "vulndata", "github", "pypa", "advisory-database", "archive", "refs", "heads", "main.zip")
}

func collect(t *testing.T, p string) (feed.Stats, map[string]feed.Entry) {
	t.Helper()
	got := map[string]feed.Entry{}
	stats, err := ReadZipFile(context.Background(), p, func(e feed.Entry) error {
		got[e.Vuln.ID] = e
		return nil
	})
	if err != nil {
		t.Fatalf("ReadZipFile: %v", err)
	}
	return stats, got
}

// PROVENANCE.md §3: 2,661 PYSEC records under vulns/<package>/, plus
// vulns/.id-allocator, LICENSE and README.md, which are not records and
// are passed over (not counted as skipped). Recounted with python3
// (zipfile + yaml): 10 withdrawn, one affected[] entry per record, all
// ecosystem PyPI; 202 records have a severity entry.
func TestRealArchive(t *testing.T) {
	stats, got := collect(t, archive(t))
	if stats.Records != 2661 || len(got) != 2661 || stats.Statements != 2661 || stats.Skipped != 0 {
		t.Fatalf("got %d records (%d distinct), %d statements, %d skipped %v; want 2661, 2661, 0",
			stats.Records, len(got), stats.Statements, stats.Skipped, stats.SkipNotes)
	}
	withdrawn, scored := 0, 0
	for id, e := range got {
		if !strings.HasPrefix(id, "PYSEC-") || e.Vuln.Source != Source {
			t.Errorf("%s: source %q", id, e.Vuln.Source)
		}
		if !e.Vuln.Withdrawn.IsZero() {
			withdrawn++
		}
		if len(e.Scores) > 0 {
			scored++
		}
		for _, a := range e.Affected {
			if a.Namespace != Namespace || a.Source != Source || a.Package == "" {
				t.Errorf("%s statement: %+v", id, a)
			}
		}
	}
	if withdrawn != 10 || scored != 202 {
		t.Errorf("withdrawn %d (want 10), with scores %d (want 202)", withdrawn, scored)
	}
}

// Facts read with `unzip -p main.zip advisory-database-main/vulns/<path>`.
func TestRealRecords(t *testing.T) {
	_, got := collect(t, archive(t))

	// jinja2/PYSEC-2019-217.yaml: quoted timestamps, introduced '0', fixed
	// 2.10.1, 31 versions ('2.0', 2.0rc1, '2.1', 2.1.1, '2.10', '2.2', … 2.9.6).
	e := got["PYSEC-2019-217"]
	a := e.Affected[0]
	if e.Vuln.Details != "In Pallets Jinja before 2.10.1, str.format_map allows a sandbox escape." ||
		strings.Join(e.Vuln.Aliases, ",") != "CVE-2019-10906,GHSA-462w-v97r-4m45" ||
		e.Vuln.Published.Format("2006-01-02T15:04:05Z07:00") != "2019-04-07T00:29:00Z" ||
		e.Vuln.Modified.Format("2006-01-02T15:04:05.000000Z07:00") != "2021-11-22T04:57:52.862665Z" ||
		len(e.Vuln.References) != 20 {
		t.Errorf("PYSEC-2019-217 record: %+v", e.Vuln)
	}
	if a.Package != "jinja2" || a.Status != advisory.StatusFixed || a.Fixed != "2.10.1" || len(a.Versions) != 31 ||
		a.Versions[0] != "2.0" || a.Versions[4] != "2.10" || a.Versions[5] != "2.2" || a.Versions[30] != "2.9.6" {
		t.Errorf("PYSEC-2019-217 statement: %+v", a)
	}

	// aiohttp/PYSEC-2023-120.yaml: unquoted timestamps; fixed 3.8.5.
	e = got["PYSEC-2023-120"]
	if e.Vuln.Modified.Format("2006-01-02T15:04:05.000000Z07:00") != "2023-07-24T14:58:05.562874Z" ||
		e.Vuln.Published.Format("2006-01-02T15:04:05Z07:00") != "2023-07-20T14:52:00Z" || e.Affected[0].Fixed != "3.8.5" {
		t.Errorf("PYSEC-2023-120: %+v %+v", e.Vuln, e.Affected[0])
	}

	// aiohttp/PYSEC-2022-43059.yaml: withdrawn '2023-11-08T00:54:24Z',
	// introduced '0' only, a CVSS 3.1 vector; versions start '0.1', 0.10.0.
	e = got["PYSEC-2022-43059"]
	a = e.Affected[0]
	if e.Vuln.Withdrawn.Format("2006-01-02T15:04:05Z07:00") != "2023-11-08T00:54:24Z" || a.Status != advisory.StatusAffected ||
		a.Versions[0] != "0.1" || a.Versions[1] != "0.10.0" ||
		len(e.Scores) != 1 || e.Scores[0] != (advisory.Score{Type: "CVSS_V3", Score: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H"}) {
		t.Errorf("PYSEC-2022-43059: %+v %+v %v", e.Vuln, a, e.Scores)
	}

	// cipherbcrypt/PYSEC-2024-55.yaml: modified 0001-01-01T00:00:00Z
	// (unquoted) reads as unknown; malicious package, introduced "0".
	e = got["PYSEC-2024-55"]
	if !e.Vuln.Modified.IsZero() || e.Affected[0].Status != advisory.StatusAffected || e.Affected[0].Package != "cipherbcrypt" {
		t.Errorf("PYSEC-2024-55: %+v %+v", e.Vuln, e.Affected[0])
	}
}

func TestYAMLToJSON(t *testing.T) {
	got, err := YAMLToJSON([]byte("id: X\nversions: [2.10, '2.0', 1]\nwhen: 2023-07-24T14:58:05Z\nn: ~\nb: true\nref: &r {a: 1}\nagain: *r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"X","versions":["2.10","2.0","1"],"when":"2023-07-24T14:58:05Z","n":null,"b":true,"ref":{"a":"1"},"again":{"a":"1"}}`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	for name, doc := range map[string]string{
		"not yaml":   "a: [b",
		"empty":      "",
		"bad bool":   "a: !!bool maybe",
		"map key":    "? {a: 1}\n: b\n",
		"deep":       strings.Repeat("[", 300) + strings.Repeat("]", 300),
		"alias bomb": "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]\n",
	} {
		if _, err := YAMLToJSON([]byte(doc)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestMalformedArchives(t *testing.T) {
	ctx := context.Background()
	nop := func(feed.Entry) error { return nil }
	good := "id: PYSEC-1\naffected:\n- package: {name: x, ecosystem: PyPI}\n"

	real, err := os.ReadFile(archive(t))
	if err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(t.TempDir(), "truncated.zip")
	os.WriteFile(trunc, real[:len(real)/2], 0o644)
	if _, err := ReadZipFile(ctx, trunc, nop); err == nil || !strings.Contains(err.Error(), "truncated.zip") {
		t.Errorf("truncated zip: %v", err)
	}

	p := ghziptest.WriteZip(t, "main.zip", map[string]string{
		"advisory-database-main/vulns/x/PYSEC-1.yaml": good,
		"advisory-database-main/vulns/y/PYSEC-2.yaml": "id: [",
		"advisory-database-main/vulns/y/PYSEC-3.yaml": "details: no id\n",
		"advisory-database-main/vulns/y/notes.txt":    "x",
		"advisory-database-main/vulns/.id-allocator":  "1",
		"advisory-database-main/README.md":            "readme",
	})
	stats, err := ReadZipFile(ctx, p, nop)
	notes := strings.Join(stats.SkipNotes, "|")
	if err != nil || stats.Records != 1 || stats.Skipped != 3 || !strings.Contains(notes, "vulns/y/PYSEC-2.yaml") || !strings.Contains(notes, "vulns/y/notes.txt") {
		t.Errorf("mixed archive: %+v, %v", stats, err)
	}
	p = ghziptest.WriteZip(t, "main.zip", map[string]string{"advisory-database-main/vulns/y/PYSEC-2.yaml": "id: ["})
	if _, err := ReadZipFile(ctx, p, nop); err == nil || !strings.Contains(err.Error(), "no record parses") {
		t.Errorf("nothing parses: %v", err)
	}
	p = ghziptest.WriteZip(t, "main.zip", map[string]string{"advisory-database-main/README.md": "x"})
	if _, err := ReadZipFile(ctx, p, nop); err == nil || !strings.Contains(err.Error(), "no record found") {
		t.Errorf("no records: %v", err)
	}
	p = ghziptest.WriteZip(t, "main.zip", map[string]string{"advisory-database-main/vulns/x/PYSEC-1.yaml": good + strings.Repeat("#", 16<<20)})
	if _, err := ReadZipFile(ctx, p, nop); err == nil || !strings.Contains(err.Error(), "main.zip") || !strings.Contains(err.Error(), "vulns/x/PYSEC-1.yaml") {
		t.Errorf("oversized entry: %v", err)
	}
}
