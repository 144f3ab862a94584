package rubysec

import (
	"context"
	"encoding/json"
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
	return testutil.Shared(t, "vulndata", "github", "rubysec", "ruby-advisory-db", "archive", "refs", "heads", "master.zip")
}

// collect returns the entries keyed by id and file order (one id can
// come from several files, one per gem).
func collect(t *testing.T, p string) (feed.Stats, map[string][]feed.Entry) {
	t.Helper()
	got := map[string][]feed.Entry{}
	stats, err := ReadZipFile(context.Background(), p, func(e feed.Entry) error {
		got[e.Vuln.ID] = append(got[e.Vuln.ID], e)
		return nil
	})
	if err != nil {
		t.Fatalf("ReadZipFile: %v", err)
	}
	return stats, got
}

// entryFor returns the entry with id about pkg.
func entryFor(t *testing.T, got map[string][]feed.Entry, id, pkg string) feed.Entry {
	t.Helper()
	for _, e := range got[id] {
		if e.Affected[0].Package == pkg {
			return e
		}
	}
	t.Fatalf("no entry %s for %s", id, pkg)
	return feed.Entry{}
}

func reqOf(t *testing.T, a advisory.Affected) *advisory.Requirements {
	t.Helper()
	last := a.Ranges[len(a.Ranges)-1]
	if last.Type != advisory.RangeRubyGems || last.Requirements == nil {
		t.Fatalf("%s: last range is not a RUBYGEMS requirements range: %+v", a.VulnID, last)
	}
	return last.Requirements
}

func eventsJSON(r advisory.Range) string {
	b, _ := json.Marshal(r.Events)
	return string(b)
}

// PROVENANCE.md §4: 1,381 advisories, gems/ (1,234) and rubies/ (147:
// ruby 92, mruby 42, jruby 9, mrubyc 3, rbx 1), nothing skipped. Counted
// with python3 (zipfile + yaml): ids CVE 1,253, GHSA-only 69, OSVDB-only
// 59, 1,306 distinct ids. Derived ranges: 14 advisories have a
// requirement whose complement starts at an exclusive bound ("<= x" in
// unaffected_versions, "= x" patched), which no OSV event says exactly in
// RubyGems order, so they keep the requirement strings only. Two are
// not_affected because their own lists cover every version:
// gems/ckeditor/CVE-2021-32808.yml (unaffected "< 5.1.2", patched
// ">= 5.1.2") and gems/cron_parser/CVE-2019-15224.yml (unaffected
// "< 1.0.12", "> 1.0.13", "< 0.1.4", "> 0.1.4").
func TestRealArchive(t *testing.T) {
	stats, got := collect(t, archive(t))
	if stats.Records != 1381 || stats.Statements != 1381 || stats.Skipped != 0 || len(got) != 1306 {
		t.Fatalf("got %d records (%d distinct ids), %d statements, %d skipped %v; want 1381 (1306), 1381, 0",
			stats.Records, len(got), stats.Statements, stats.Skipped, stats.SkipNotes)
	}
	c := map[string]int{}
	for id, es := range got {
		for _, e := range es {
			a := e.Affected[0]
			c["ns "+a.Namespace]++
			if a.Namespace == NamespaceEngines {
				c["engine "+a.Package]++
			}
			c[strings.SplitN(id, "-", 2)[0]]++
			c[string(a.Status)]++
			if len(a.Ranges) == 1 {
				c["requirements only"]++
			}
			reqOf(t, a)
		}
	}
	want := map[string]int{
		"ns rubygems": 1234, "ns ruby-engine": 147, "engine ruby": 92, "engine mruby": 42, "engine jruby": 9,
		"engine mrubyc": 3, "engine rbx": 1, "CVE": 1253, "GHSA": 69, "OSVDB": 59,
		"requirements only": 14, "not_affected": 2,
	}
	for k, n := range want {
		if c[k] != n {
			t.Errorf("%s: got %d, want %d", k, c[k], n)
		}
	}
	for id, gem := range map[string]string{"CVE-2021-32808": "ckeditor", "CVE-2019-15224": "cron_parser"} {
		if s := entryFor(t, got, id, gem).Affected[0].Status; s != advisory.StatusNotAffected {
			t.Errorf("%s %s: status %s, want not_affected", id, gem, s)
		}
	}
}

// Facts read with `unzip -p master.zip ruby-advisory-db-master/<path>`.
func TestRealRecords(t *testing.T) {
	_, got := collect(t, archive(t))

	// gems/actionpack/CVE-2020-8164.yml: cve 2020-8164, ghsa
	// 8727-m6gj-mc37, cvss_v3 7.5, unaffected "< 4.0.0", patched
	// "~> 5.2.4, >= 5.2.4.3" and ">= 6.0.3.1".
	e := entryFor(t, got, "CVE-2020-8164", "actionpack")
	a := e.Affected[0]
	if strings.Join(e.Vuln.Aliases, ",") != "GHSA-8727-m6gj-mc37" || e.Vuln.Summary != "Possible Strong Parameters Bypass in ActionPack" ||
		e.Vuln.Published.Format("2006-01-02") != "2020-05-18" || !strings.HasPrefix(e.Vuln.Details, "There is a strong parameters bypass vector in ActionPack.") ||
		len(e.Scores) != 1 || e.Scores[0] != (advisory.Score{Type: "CVSS_V3_BASE_SCORE", Score: "7.5"}) {
		t.Errorf("CVE-2020-8164 record: %+v %v", e.Vuln, e.Scores)
	}
	r := reqOf(t, a)
	if a.Namespace != NamespaceGems || a.Ecosystem != "RubyGems" || a.Status != advisory.StatusFixed || a.Fixed != "" ||
		strings.Join(r.Patched, "|") != "~> 5.2.4, >= 5.2.4.3|>= 6.0.3.1" || strings.Join(r.Unaffected, "|") != "< 4.0.0" ||
		eventsJSON(a.Ranges[0]) != `[{"introduced":"4.0.0"},{"fixed":"5.2.4.3"},{"introduced":"5.3"},{"fixed":"6.0.3.1"}]` {
		t.Errorf("CVE-2020-8164 statement: %+v %+v", a, r)
	}

	// rubies/ruby/CVE-2005-1992.yml: engine ruby, patched ">= 1.8.2-r2",
	// the url repeated in related.url (10 urls).
	e = got["CVE-2005-1992"][0]
	a = e.Affected[0]
	if a.Namespace != NamespaceEngines || a.Package != "ruby" || a.Fixed != "1.8.2-r2" || len(e.Vuln.References) != 10 ||
		e.Vuln.References[0] != "https://nvd.nist.gov/vuln/detail/CVE-2005-1992" || strings.Join(e.Vuln.Aliases, ",") != "GHSA-vf66-crpm-448h" ||
		e.Scores[0] != (advisory.Score{Type: "CVSS_V2_BASE_SCORE", Score: "7.5"}) {
		t.Errorf("CVE-2005-1992: %+v %+v", e.Vuln, a)
	}

	// gems/activejob/GHSA-mpwp-4h2m-765c.yml: no cve; ghsa and osvdb
	// 112347; cvss_v4 6.6.
	e = got["GHSA-mpwp-4h2m-765c"][0]
	if strings.Join(e.Vuln.Aliases, ",") != "OSVDB-112347" || e.Scores[0] != (advisory.Score{Type: "CVSS_V4_BASE_SCORE", Score: "6.6"}) ||
		e.Affected[0].Fixed != "4.2.0.beta2" {
		t.Errorf("GHSA-mpwp-4h2m-765c: %+v %v %+v", e.Vuln, e.Scores, e.Affected[0])
	}

	// gems/activeresource/OSVDB-95749.yml: osvdb only.
	if e = got["OSVDB-95749"][0]; e.Affected[0].Package != "activeresource" || e.Affected[0].Fixed != "2.2.0" || len(e.Vuln.Aliases) != 0 {
		t.Errorf("OSVDB-95749: %+v %+v", e.Vuln, e.Affected[0])
	}

	// gems/action_text-trix/GHSA-53g2-mvcc-q9x3.yml: cve 2026-73428 is the
	// id, the file name's GHSA an alias.
	if e = got["CVE-2026-73428"][0]; strings.Join(e.Vuln.Aliases, ",") != "GHSA-53g2-mvcc-q9x3" {
		t.Errorf("CVE-2026-73428 aliases: %v", e.Vuln.Aliases)
	}

	// gems/actionpack/CVE-2012-3424.yml: unaffected ">= 2.3.5, <= 2.3.14"
	// leaves an affected range starting after 2.3.14: no exact event, so
	// only the requirement strings are stored; osvdb 84243 and ghsa
	// 92w9-2pqw-rhjj are aliases.
	e = entryFor(t, got, "CVE-2012-3424", "actionpack")
	a = e.Affected[0]
	if len(a.Ranges) != 1 || a.Status != advisory.StatusFixed || strings.Join(reqOf(t, a).Patched, "|") != "~> 3.0.16|~> 3.1.7|>= 3.2.7" ||
		strings.Join(e.Vuln.Aliases, ",") != "GHSA-92w9-2pqw-rhjj,OSVDB-84243" {
		t.Errorf("CVE-2012-3424: %+v %v", a, e.Vuln.Aliases)
	}
}

func TestRequirement(t *testing.T) {
	for req, want := range map[string]string{
		"~> 5.2.4, >= 5.2.4.3": "[5.2.4.3,5.3)",
		"~> 5":                 "[5,6)",
		"~> 1.0.0.rc1":         "[1.0.0.rc1,1.1)",
		">= 2.3.5, <= 2.3.14":  "[2.3.5,2.3.14]",
		"1.2":                  "[1.2,1.2]",
		"= 2.2.10":             "[2.2.10,2.2.10]",
		"> 0.1.4":              "(0.1.4,)",
		"< 4.0.0":              "(,4.0.0)",
	} {
		iv, err := Requirement(req)
		if err != nil {
			t.Errorf("%q: %v", req, err)
			continue
		}
		got := map[bool]string{true: "[", false: "("}[iv.Lo.Inclusive] + iv.Lo.Version + "," + iv.Hi.Version + map[bool]string{true: "]", false: ")"}[iv.Hi.Inclusive]
		if got != want {
			t.Errorf("%q: got %s, want %s", req, got, want)
		}
	}
	for _, bad := range []string{"", "!= 1.0", ">= ", "~> .1", ">= 1..2", "~> a"} {
		if _, err := Requirement(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestMalformedArchives(t *testing.T) {
	ctx := context.Background()
	nop := func(feed.Entry) error { return nil }
	good := "gem: g\ncve: 2020-1\npatched_versions: ['>= 1']\n"

	real, err := os.ReadFile(archive(t))
	if err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(t.TempDir(), "truncated.zip")
	os.WriteFile(trunc, real[:len(real)/2], 0o644)
	if _, err := ReadZipFile(ctx, trunc, nop); err == nil || !strings.Contains(err.Error(), "truncated.zip") {
		t.Errorf("truncated zip: %v", err)
	}
	p := ghziptest.WriteZip(t, "master.zip", map[string]string{
		"ruby-advisory-db-master/gems/g/CVE-2020-1.yml": good,
		"ruby-advisory-db-master/gems/g/CVE-2020-2.yml": "gem: [",
		"ruby-advisory-db-master/gems/g/CVE-2020-3.yml": "title: no gem\n",
		"ruby-advisory-db-master/gems/g/CVE-2020-4.yml": "gem: g\ndate: soon\n",
		"ruby-advisory-db-master/gems/stray.yml":        good,
		"ruby-advisory-db-master/README.md":             "readme",
	})
	stats, err := ReadZipFile(ctx, p, nop)
	notes := strings.Join(stats.SkipNotes, "|")
	if err != nil || stats.Records != 1 || stats.Skipped != 4 || !strings.Contains(notes, "gems/g/CVE-2020-2.yml") || !strings.Contains(notes, "gems/stray.yml") {
		t.Errorf("mixed archive: %+v, %v", stats, err)
	}
	p = ghziptest.WriteZip(t, "master.zip", map[string]string{"ruby-advisory-db-master/gems/g/CVE-2020-2.yml": "gem: ["})
	if _, err := ReadZipFile(ctx, p, nop); err == nil || !strings.Contains(err.Error(), "no advisory parses") {
		t.Errorf("nothing parses: %v", err)
	}
	p = ghziptest.WriteZip(t, "master.zip", map[string]string{"ruby-advisory-db-master/gems/g/CVE-2020-1.yml": good + strings.Repeat("#", 16<<20)})
	if _, err := ReadZipFile(ctx, p, nop); err == nil || !strings.Contains(err.Error(), "master.zip") || !strings.Contains(err.Error(), "gems/g/CVE-2020-1.yml") {
		t.Errorf("oversized entry: %v", err)
	}
}

// An advisory with no cve, ghsa or osvdb, in a file whose name gives no
// ID either (".yml"), is refused rather than stored without an ID; the
// file name serves when it does give one. Found by FuzzParse.
func TestNoID(t *testing.T) {
	a, err := Parse([]byte("gem: rack\npatched_versions:\n  - \">= 2.0\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Convert(a, "gems/rack/.yml", NamespaceGems); err == nil || !strings.Contains(err.Error(), "no advisory ID") {
		t.Errorf("Convert of an advisory without an ID: %v", err)
	}
	e, err := Convert(a, "gems/rack/CVE-2099-0001.yml", NamespaceGems)
	if err != nil || e.Vuln.ID != "CVE-2099-0001" {
		t.Errorf("Convert with the ID in the file name: %+v, %v", e.Vuln, err)
	}
}
