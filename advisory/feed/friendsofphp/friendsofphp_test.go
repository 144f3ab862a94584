package friendsofphp

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
	return testutil.Shared(t, "vulndata", "github", "FriendsOfPHP", "security-advisories", "archive", "refs", "heads", "master.zip")
}

// collect returns the entries keyed by id then package (a CVE can be
// filed under several packages).
func collect(t *testing.T, p string) (feed.Stats, map[string]map[string]feed.Entry) {
	t.Helper()
	got := map[string]map[string]feed.Entry{}
	stats, err := ReadZipFile(context.Background(), p, func(e feed.Entry) error {
		if got[e.Vuln.ID] == nil {
			got[e.Vuln.ID] = map[string]feed.Entry{}
		}
		got[e.Vuln.ID][e.Affected[0].Package] = e
		return nil
	})
	if err != nil {
		t.Fatalf("ReadZipFile: %v", err)
	}
	return stats, got
}

func rangesJSON(rs []advisory.Range) string {
	var evs [][]advisory.Event
	for _, r := range rs {
		if r.Type == "ECOSYSTEM" {
			evs = append(evs, r.Events)
		}
	}
	b, _ := json.Marshal(evs)
	return string(b)
}

func reqOf(t *testing.T, a advisory.Affected) *advisory.Requirements {
	t.Helper()
	last := a.Ranges[len(a.Ranges)-1]
	if last.Type != advisory.RangeComposer || last.Requirements == nil {
		t.Fatalf("%s: last range is not a COMPOSER requirements range: %+v", a.VulnID, last)
	}
	return last.Requirements
}

// PROVENANCE.md §5: 1,592 advisories (<vendor>/<package>/*.yaml), none
// skipped. Counted with python3 (zipfile + yaml): 1,160 with a CVE, 125
// more named by an advisory id (GHSA-…, SS-…, ZF…, one CVE-… file with
// cve: ~), 307 named by date and given a path id; 1,186 distinct ids.
// Every branch has an upper bound, so every statement is fixed. 7
// advisories have a branch with a ">" lower bound (drupal core and
// drupal/drupal CVE-2019-6342, amphp/artax CVE-2016-5385, livewire
// 2020-09-22-1, silverstripe/framework SS-2015-028-1, SS-2016-002-1,
// SS-2016-003-1), which no OSV event says exactly: they keep the
// constraints only.
func TestRealArchive(t *testing.T) {
	stats, got := collect(t, archive(t))
	n := 0
	c := map[string]int{}
	for id, byPkg := range got {
		for _, e := range byPkg {
			n++
			a := e.Affected[0]
			switch {
			case strings.HasPrefix(id, Source+":"):
				c["path id"]++
			case strings.HasPrefix(id, "CVE-"):
				c["CVE"]++
			default:
				c["file id"]++
			}
			c[string(a.Status)]++
			if len(a.Ranges) == 1 {
				c["constraints only"]++
			}
			if a.Namespace != Namespace || a.Ecosystem != "Packagist" || a.Source != Source || !strings.Contains(a.Package, "/") {
				t.Errorf("%s: %+v", id, a)
			}
			if r := reqOf(t, a); len(r.Affected) == 0 || len(r.Patched) != 0 {
				t.Errorf("%s: requirements %+v", id, r)
			}
		}
	}
	if stats.Records != 1592 || stats.Statements != 1592 || stats.Skipped != 0 || n != 1592 || len(got) != 1186 {
		t.Fatalf("got %d records (%d collected, %d distinct ids), %d statements, %d skipped %v; want 1592, 1186 ids, 0 skipped",
			stats.Records, n, len(got), stats.Statements, stats.Skipped, stats.SkipNotes)
	}
	want := map[string]int{"CVE": 1161, "file id": 124, "path id": 307, "fixed": 1592, "constraints only": 7}
	for k, w := range want {
		if c[k] != w {
			t.Errorf("%s: got %d, want %d", k, c[k], w)
		}
	}
}

// Facts read with `unzip -p master.zip security-advisories-master/<path>`.
func TestRealRecords(t *testing.T) {
	_, got := collect(t, archive(t))

	// symfony/http-kernel/CVE-2019-18887.yaml: 16 branches from
	// ['>=2.2.0', '<2.3.0'] to ['>=4.3.0', '<4.3.8'].
	e := got["CVE-2019-18887"]["symfony/http-kernel"]
	a := e.Affected[0]
	if e.Vuln.Summary != "CVE-2019-18887: Use constant time comparison in UriSigner" ||
		strings.Join(e.Vuln.References, ",") != "https://symfony.com/cve-2019-18887" || len(e.Vuln.Aliases) != 0 {
		t.Errorf("CVE-2019-18887 record: %+v", e.Vuln)
	}
	r := reqOf(t, a)
	if len(a.Ranges) != 17 || a.Status != advisory.StatusFixed || a.Fixed != "" || len(r.Affected) != 16 ||
		r.Affected[0] != ">=2.2.0, <2.3.0" || r.Affected[15] != ">=4.3.0, <4.3.8" ||
		!strings.HasPrefix(rangesJSON(a.Ranges), `[[{"introduced":"2.2.0"},{"fixed":"2.3.0"}],[{"introduced":"2.3.0"},{"fixed":"2.4.0"}],`) ||
		!strings.HasSuffix(rangesJSON(a.Ranges), `[{"introduced":"4.3.0"},{"fixed":"4.3.8"}]]`) {
		t.Errorf("CVE-2019-18887 statement: %+v", a)
	}

	// 3f/pygmentize/2017-05-15.yaml: cve ~, one branch ['<1.2'].
	e = got["friendsofphp:3f/pygmentize/2017-05-15"]["3f/pygmentize"]
	if a = e.Affected[0]; a.Fixed != "1.2" || e.Vuln.Summary != "Remote Code Execution" {
		t.Errorf("3f/pygmentize 2017-05-15: %+v %+v", e.Vuln, a)
	}

	// amphp/http/CVE-2024-2653.yaml: ['>=2.0.0', '<=2.1.0'] and
	// [ '<=1.7.2' ]; the link names GHSA-qjfw-cvjf-f4fm.
	e = got["CVE-2024-2653"]["amphp/http"]
	a = e.Affected[0]
	if strings.Join(e.Vuln.Aliases, ",") != "GHSA-qjfw-cvjf-f4fm" || a.Status != advisory.StatusFixed ||
		rangesJSON(a.Ranges) != `[[{"introduced":"2.0.0"},{"last_affected":"2.1.0"}],[{"introduced":"0"},{"last_affected":"1.7.2"}]]` {
		t.Errorf("CVE-2024-2653: %+v %+v", e.Vuln, a)
	}

	// silverstripe/framework/SS-2015-028-1.yaml: cve ~, so the file name
	// is the id; its 3.3.x branch is ['>3.2', '<3.3.0'].
	e = got["SS-2015-028-1"]["silverstripe/framework"]
	a = e.Affected[0]
	if len(a.Ranges) != 1 || strings.Join(reqOf(t, a).Affected, "|") != ">=3.1.0, <3.1.17|>=3.2.0, <3.2.2|>3.2, <3.3.0" {
		t.Errorf("SS-2015-028-1: %+v", a)
	}

	// web-token/jwt-framework/GHSA-5739-39v2-5754.yaml and
	// web-token/jwt-library/GHSA-5739-39v2-5754.yaml: one id, two packages.
	if byPkg := got["GHSA-5739-39v2-5754"]; len(byPkg) != 2 || byPkg["web-token/jwt-framework"].Affected[0].Ranges[0].Events[1].Fixed != "3.4.10" {
		t.Errorf("GHSA-5739-39v2-5754: %+v", byPkg)
	}
}

func TestParse(t *testing.T) {
	a, err := Parse([]byte("title: T\nlink: https://x/GHSA-2wwr-9x6f-88gp\ncve: ~\nbranches:\n  b:\n    time: ~\n    versions: ['>=1.0', '<1.5']\n  a:\n    versions: ['<0.9']\nreference: composer://v/p\ncomposer-repository: false\n"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Convert(a, "v/p/2020-01-01.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if e.Vuln.ID != "friendsofphp:v/p/2020-01-01" || strings.Join(e.Vuln.Aliases, ",") != "GHSA-2wwr-9x6f-88gp" || a.ComposerRepository ||
		a.Branches[0].Name != "b" || rangesJSON(e.Affected[0].Ranges) != `[[{"introduced":"1.0"},{"fixed":"1.5"}],[{"introduced":"0"},{"fixed":"0.9"}]]` {
		t.Errorf("got %+v %+v", a, e)
	}
	a, _ = Parse([]byte("title: T\nbranches:\n  m:\n    versions: ['>=1.0']\nreference: composer://v/p\n"))
	if e, _ := Convert(a, "v/p/CVE-2020-1234.yaml"); e.Vuln.ID != "CVE-2020-1234" || e.Affected[0].Status != advisory.StatusAffected {
		t.Errorf("open branch: %+v", e)
	}
	for name, doc := range map[string]string{
		"not yaml":       "title: [",
		"no reference":   "title: T\nbranches: {m: {versions: ['<1']}}\n",
		"no branches":    "title: T\nreference: composer://v/p\n",
		"empty versions": "title: T\nreference: composer://v/p\nbranches: {m: {versions: []}}\n",
		"versions map":   "title: T\nreference: composer://v/p\nbranches: {m: {versions: {a: b}}}\n",
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	a, _ = Parse([]byte("title: T\nbranches: {m: {versions: ['<1']}}\nreference: https://example.com/p\n"))
	if _, err := Convert(a, "v/p/x.yaml"); err == nil {
		t.Errorf("reference without composer://: no error")
	}
}

func TestMalformedArchives(t *testing.T) {
	ctx := context.Background()
	nop := func(feed.Entry) error { return nil }
	good := "title: T\nbranches: {m: {versions: ['<1']}}\nreference: composer://v/p\n"

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
		"security-advisories-master/v/p/CVE-2020-1.yaml":      good,
		"security-advisories-master/v/p/CVE-2020-2.yaml":      "title: [",
		"security-advisories-master/.github/workflows/x.yaml": "on: push",
		"security-advisories-master/composer.json":            "{}",
		"security-advisories-master/README.md":                "readme",
	})
	stats, err := ReadZipFile(ctx, p, nop)
	if err != nil || stats.Records != 1 || stats.Skipped != 1 || !strings.Contains(stats.SkipNotes[0], "v/p/CVE-2020-2.yaml") {
		t.Errorf("mixed archive: %+v, %v", stats, err)
	}
	p = ghziptest.WriteZip(t, "master.zip", map[string]string{"security-advisories-master/README.md": "readme"})
	if _, err := ReadZipFile(ctx, p, nop); err == nil || !strings.Contains(err.Error(), "no advisory file") {
		t.Errorf("no advisories: %v", err)
	}
	p = ghziptest.WriteZip(t, "master.zip", map[string]string{"security-advisories-master/v/p/CVE-2020-1.yaml": good + strings.Repeat("#", 16<<20)})
	if _, err := ReadZipFile(ctx, p, nop); err == nil || !strings.Contains(err.Error(), "master.zip") || !strings.Contains(err.Error(), "v/p/CVE-2020-1.yaml") {
		t.Errorf("oversized entry: %v", err)
	}
}
