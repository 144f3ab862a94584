package rustsec

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
	"github.com/lading-dev/lading/advisory/feed/osv"
	"github.com/lading-dev/lading/internal/testutil"
)

func archive(t testing.TB) string {
	return testutil.Shared(t, "vulndata", "github", "rustsec", "advisory-db", "archive", "refs", "heads", "main.zip")
}

func collect(t *testing.T, p string) (feed.Stats, map[string]feed.Entry) {
	t.Helper()
	got := map[string]feed.Entry{}
	stats, err := ReadZipFile(context.Background(), p, func(e feed.Entry) error {
		if _, dup := got[e.Vuln.ID]; dup {
			t.Errorf("id %s handed on twice", e.Vuln.ID)
		}
		got[e.Vuln.ID] = e
		return nil
	})
	if err != nil {
		t.Fatalf("ReadZipFile: %v", err)
	}
	return stats, got
}

func eventsJSON(r advisory.Range) string {
	b, _ := json.Marshal(r.Events)
	return string(b)
}

// reqOf returns the CARGO range's requirements (always the last range).
func reqOf(t *testing.T, a advisory.Affected) *advisory.Requirements {
	t.Helper()
	last := a.Ranges[len(a.Ranges)-1]
	if last.Type != advisory.RangeCargo || last.Requirements == nil || len(last.Events) != 0 {
		t.Fatalf("%s: last range is not a CARGO requirements range: %+v", a.VulnID, last)
	}
	return last.Requirements
}

// PROVENANCE.md §2: 1,225 advisories (crates/ and rust/). Counts of the
// front-matter fields recounted with python3 (zipfile + tomllib) over the
// archive: 1,205 under crates/, 20 under rust/; 13 withdrawn;
// informational unmaintained 267, unsound 203, notice 6; [affected]
// functions in 260, os in 27, arch in 7; cvss 363 CVSS:3 and 57 CVSS:4.
// Nothing is skipped.
func TestRealArchive(t *testing.T) {
	stats, got := collect(t, archive(t))
	if stats.Records != 1225 || len(got) != 1225 || stats.Statements != 1225 || stats.Skipped != 0 {
		t.Fatalf("got %d records (%d distinct), %d statements, %d skipped %v; want 1225, 1225, 0",
			stats.Records, len(got), stats.Statements, stats.Skipped, stats.SkipNotes)
	}
	c := map[string]int{}
	for _, e := range got {
		a := e.Affected[0]
		c["ns "+a.Namespace]++
		if !e.Vuln.Withdrawn.IsZero() {
			c["withdrawn"]++
		}
		r := reqOf(t, a)
		if r.Informational != "" {
			c[r.Informational]++
		}
		if len(r.Functions) > 0 {
			c["functions"]++
		}
		if len(r.OS) > 0 {
			c["os"]++
		}
		if len(r.Arch) > 0 {
			c["arch"]++
		}
		for _, s := range e.Scores {
			c[s.Type]++
		}
		if a.Source != Source || e.Vuln.Source != Source || e.Vuln.Summary == "" || e.Vuln.Published.IsZero() {
			t.Errorf("%s: source %q/%q, summary %q, published %v", e.Vuln.ID, a.Source, e.Vuln.Source, e.Vuln.Summary, e.Vuln.Published)
		}
		// Every requirement of the real data parses, so every statement
		// that affects something has a derived SEMVER range.
		if a.Status != advisory.StatusNotAffected && (len(a.Ranges) != 2 || a.Ranges[0].Type != "SEMVER") {
			t.Errorf("%s: no derived SEMVER range: %+v", e.Vuln.ID, a.Ranges)
		}
	}
	want := map[string]int{
		"ns crates.io": 1205, "ns rust-toolchain": 20, "withdrawn": 13,
		"unmaintained": 267, "unsound": 203, "notice": 6,
		"functions": 260, "os": 27, "arch": 7, "CVSS_V3": 363, "CVSS_V4": 57,
	}
	for k, n := range want {
		if c[k] != n {
			t.Errorf("%s: got %d, want %d", k, c[k], n)
		}
	}
}

// Facts read with `unzip -p main.zip advisory-db-main/<path>`.
func TestRealRecords(t *testing.T) {
	_, got := collect(t, archive(t))

	// crates/smallvec/RUSTSEC-2021-0003.md
	e := got["RUSTSEC-2021-0003"]
	a := e.Affected[0]
	if e.Vuln.Summary != "Buffer overflow in SmallVec::insert_many" ||
		!strings.HasPrefix(e.Vuln.Details, "A bug in the `SmallVec::insert_many` method") ||
		e.Vuln.Published.Format("2006-01-02") != "2021-01-08" ||
		strings.Join(e.Vuln.Aliases, ",") != "CVE-2021-25900,GHSA-43w2-9j62-hq99" ||
		strings.Join(e.Vuln.References, ",") != "https://github.com/servo/rust-smallvec/issues/252" {
		t.Errorf("RUSTSEC-2021-0003 record: %+v", e.Vuln)
	}
	if len(e.Scores) != 1 || e.Scores[0] != (advisory.Score{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}) {
		t.Errorf("RUSTSEC-2021-0003 scores: %v", e.Scores)
	}
	if a.Namespace != "crates.io" || a.Package != "smallvec" || a.Status != advisory.StatusFixed || a.Fixed != "" ||
		eventsJSON(a.Ranges[0]) != `[{"introduced":"0.6.3"},{"fixed":"0.6.14"},{"introduced":"1.0.0"},{"fixed":"1.6.1"}]` {
		t.Errorf("RUSTSEC-2021-0003 statement: %+v", a)
	}
	r := reqOf(t, a)
	fn := r.Functions["smallvec::SmallVec::insert_many"]
	if strings.Join(r.Patched, "|") != ">= 0.6.14, < 1.0.0|>= 1.6.1" || strings.Join(r.Unaffected, "|") != "< 0.6.3" ||
		strings.Join(fn, "|") != ">= 0.6.3, < 0.6.14|>= 1.0.0, < 1.6.1" || r.Informational != "" {
		t.Errorf("RUSTSEC-2021-0003 requirements: %+v", r)
	}

	// rust/std/CVE-2021-28875.md: a toolchain advisory, patched >= 1.50.0,
	// unaffected < 1.20.0.
	a = got["CVE-2021-28875"].Affected[0]
	if a.Namespace != NamespaceToolchain || a.Package != "std" || a.Status != advisory.StatusFixed ||
		eventsJSON(a.Ranges[0]) != `[{"introduced":"1.20.0"},{"fixed":"1.50.0"}]` {
		t.Errorf("CVE-2021-28875: %+v", a)
	}

	// crates/ansi_term/RUSTSEC-2021-0139.md: unmaintained, patched = [].
	a = got["RUSTSEC-2021-0139"].Affected[0]
	if a.Status != advisory.StatusAffected || eventsJSON(a.Ranges[0]) != `[{"introduced":"0"}]` ||
		reqOf(t, a).Informational != "unmaintained" || got["RUSTSEC-2021-0139"].Vuln.Summary != "ansi_term is Unmaintained" {
		t.Errorf("RUSTSEC-2021-0139: %+v", a)
	}

	// crates/libpulse-binding/RUSTSEC-2020-0055.md: withdrawn 2020-10-22,
	// unaffected = ["> 0"], which Cargo reads as >= 1.0.0.
	e = got["RUSTSEC-2020-0055"]
	a = e.Affected[0]
	if e.Vuln.Withdrawn.Format("2006-01-02") != "2020-10-22" || a.Status != advisory.StatusFixed || a.Fixed != "1.0.0" {
		t.Errorf("RUSTSEC-2020-0055: withdrawn %v, %+v", e.Vuln.Withdrawn, a)
	}
}

// normalise rewrites RustSec's OSV export conventions to lading's:
// "introduced 0.0.0-0" is "introduced 0"; "fixed <successor of v>" is
// "last_affected v"; an empty pair (introduced X, fixed X) is dropped.
func normalise(ev []advisory.Event) string {
	var out []advisory.Event
	for i := 0; i < len(ev); i++ {
		e := ev[i]
		if e.Introduced != "" && i+1 < len(ev) && ev[i+1].Fixed == e.Introduced {
			i++
			continue
		}
		if e.Introduced == "0.0.0-0" {
			e.Introduced = "0"
		}
		out = append(out, e)
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func lastAffectedAsFixed(ev []advisory.Event) []advisory.Event {
	out := append([]advisory.Event(nil), ev...)
	for i, e := range out {
		if e.LastAffected != "" {
			if s, ok := successor(e.LastAffected); ok {
				out[i] = advisory.Event{Fixed: s}
			}
		}
	}
	return out
}

// The SEMVER ranges derived from the native requirement lists agree with
// RustSec's own OSV export of the same advisories (osv/crates.io/all.zip,
// §2, 1,205 ids in common) once conventions are aligned (normalise).
// One advisory differs, on purpose: RUSTSEC-2020-0055 has unaffected =
// ["> 0"], which Cargo reads as ">= 1.0.0" (a partial version) and the
// export as "> 0.0.0".
func TestAgreesWithOSVExport(t *testing.T) {
	_, native := collect(t, archive(t))
	export := map[string]feed.Entry{}
	_, err := osv.ReadZipFile(context.Background(), testutil.Shared(t, "vulndata", "osv", "crates.io", "all.zip"), func(e feed.Entry) error {
		export[e.Vuln.ID] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	common, differ := 0, []string{}
	for id, e := range native {
		o, ok := export[id]
		if !ok {
			continue
		}
		common++
		a, oa := e.Affected[0], o.Affected[0]
		mine := normalise(lastAffectedAsFixed(a.Ranges[0].Events))
		theirs := normalise(oa.Ranges[0].Events)
		if mine != theirs || a.Status != oa.Status || a.Package != oa.Package || a.Namespace != oa.Namespace {
			differ = append(differ, id)
			t.Logf("%s: native %s %s, export %s %s", id, mine, a.Status, theirs, oa.Status)
		}
	}
	if common != 1205 || strings.Join(differ, ",") != "RUSTSEC-2020-0055" {
		t.Errorf("%d ids in common (want 1205); differing: %v (want only RUSTSEC-2020-0055)", common, differ)
	}
}

func TestRequirement(t *testing.T) {
	for req, want := range map[string]string{
		">= 1.2.3":           "[1.2.3,)",
		"< 0.6.3":            "(,0.6.3)",
		"^1.2.3":             "[1.2.3,2.0.0-0)",
		"1.2.3":              "[1.2.3,2.0.0-0)",
		"^0.2.3":             "[0.2.3,0.3.0-0)",
		"^0.0.3":             "[0.0.3,0.0.4-0)",
		"^0.0":               "[0.0.0,0.1.0-0)",
		"^0":                 "[0.0.0,1.0.0-0)",
		"~1.2.3":             "[1.2.3,1.3.0-0)",
		"~1":                 "[1.0.0,2.0.0-0)",
		"=1.2.3":             "[1.2.3,1.2.3]",
		"=1.2":               "[1.2.0,1.3.0-0)",
		"1.2.*":              "[1.2.0,1.3.0-0)",
		"*":                  "(,)",
		"> 1.2.3":            "(1.2.3,)",
		"> 1.2":              "[1.3.0,)",
		"> 0":                "[1.0.0,)",
		"<= 1.2.3":           "(,1.2.3]",
		"<= 1.2":             "(,1.3.0-0)",
		">= 0.6.14, < 1.0.0": "[0.6.14,1.0.0)",
		">= 1.0.0-alpha.1":   "[1.0.0-alpha.1,)",
		">= 2, < 1":          "empty",
	} {
		iv, err := Requirement(req)
		if err != nil {
			t.Errorf("%q: %v", req, err)
			continue
		}
		got := "empty"
		if !iv.Empty(compareSemver) {
			got = map[bool]string{true: "[", false: "("}[iv.Lo.Inclusive] + iv.Lo.Version + "," + iv.Hi.Version + map[bool]string{true: "]", false: ")"}[iv.Hi.Inclusive]
		}
		if got != want {
			t.Errorf("%q: got %s, want %s", req, got, want)
		}
	}
	for _, bad := range []string{"", ">=", "1.2.3.4", "01.2", ">= 1.*", "1.2-beta", "1.*.3", "a.b", ">= 1.2.3-", "18446744073709551616"} {
		if _, err := Requirement(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if _, err := Requirement("^18446744073709551615"); err == nil {
		t.Errorf("caret bump past the largest major: no error")
	}
}

func TestParse(t *testing.T) {
	a, err := Parse([]byte("\ufeff```toml\r\n[advisory]\r\nid = \"RUSTSEC-0000-0000\"\r\npackage = \"x\"\r\ndate = 2021-01-02\r\n\r\n[versions]\r\npatched = [\">= 1\"]\r\n```\r\n\r\nSome text first.\r\n\r\n```rust\r\n# not a heading\r\n```\r\n## The title ##\r\n\r\nDetails.\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Convert(a, NamespaceCrates)
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "The title" || !strings.HasPrefix(a.Description, "Some text first.") || !strings.HasSuffix(a.Description, "Details.") ||
		e.Vuln.Published.Format("2006-01-02") != "2021-01-02" || e.Affected[0].Fixed != "1.0.0" {
		t.Errorf("got %+v / %+v", a, e)
	}
	for name, doc := range map[string]string{
		"no front matter":  "# Title\n",
		"not closed":       "```toml\n[advisory]\nid = \"X\"\n",
		"bad toml":         "```toml\n[advisory\n```\n",
		"no id":            "```toml\n[advisory]\npackage = \"x\"\n```\n",
		"no package":       "```toml\n[advisory]\nid = \"X\"\n```\n",
		"patched a string": "```toml\n[advisory]\nid = \"X\"\npackage = \"x\"\n[versions]\npatched = \">= 1\"\n```\n",
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A requirement that does not parse keeps the statement, without a
	// derived range, fixed because a patched requirement exists.
	a, _ = Parse([]byte("```toml\n[advisory]\nid = \"X\"\npackage = \"x\"\n[versions]\npatched = [\">= one\"]\n```\n# T\n"))
	e, _ = Convert(a, NamespaceCrates)
	if st := e.Affected[0]; st.Status != advisory.StatusFixed || len(st.Ranges) != 1 || st.Ranges[0].Type != advisory.RangeCargo {
		t.Errorf("unparsable requirement: %+v", st)
	}
	a, _ = Parse([]byte("```toml\n[advisory]\nid = \"X\"\npackage = \"x\"\ndate = \"yesterday\"\n[versions]\npatched = []\n```\n"))
	if _, err := Convert(a, NamespaceCrates); err == nil {
		t.Errorf("unreadable date: no error")
	}
}

func TestMalformedArchives(t *testing.T) {
	ctx := context.Background()
	nop := func(feed.Entry) error { return nil }
	good := "```toml\n[advisory]\nid = \"RUSTSEC-1\"\npackage = \"x\"\n[versions]\npatched = []\n```\n# T\n"

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
		"advisory-db-main/crates/x/RUSTSEC-1.md": good,
		"advisory-db-main/crates/y/RUSTSEC-2.md": "no front matter",
		"advisory-db-main/crates/y/notes.txt":    "x",
		"advisory-db-main/README.md":             "readme",
	})
	stats, err := ReadZipFile(ctx, p, nop)
	if err != nil || stats.Records != 1 || stats.Skipped != 2 || !strings.Contains(strings.Join(stats.SkipNotes, "|"), "crates/y/RUSTSEC-2.md") {
		t.Errorf("mixed archive: %+v, %v", stats, err)
	}

	p = ghziptest.WriteZip(t, "main.zip", map[string]string{"advisory-db-main/crates/y/RUSTSEC-2.md": "no front matter"})
	if _, err := ReadZipFile(ctx, p, nop); err == nil || !strings.Contains(err.Error(), "no advisory parses") {
		t.Errorf("nothing parses: %v", err)
	}
	p = ghziptest.WriteZip(t, "main.zip", map[string]string{"advisory-db-main/crates/x/RUSTSEC-1.md": good, "other-main/x": ""})
	if _, err := ReadZipFile(ctx, p, nop); err == nil || !strings.Contains(err.Error(), "main.zip") {
		t.Errorf("two top folders: %v", err)
	}
	p = ghziptest.WriteZip(t, "main.zip", map[string]string{"advisory-db-main/crates/x/RUSTSEC-1.md": good + strings.Repeat(" ", 16<<20)})
	if _, err := ReadZipFile(ctx, p, nop); err == nil || !strings.Contains(err.Error(), "main.zip") || !strings.Contains(err.Error(), "crates/x/RUSTSEC-1.md") {
		t.Errorf("oversized entry: %v", err)
	}
}
