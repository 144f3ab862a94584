package alpine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/internal/testutil"
)

func read(t *testing.T, path string) (feed.Stats, map[string]feed.Entry) {
	t.Helper()
	got := map[string]feed.Entry{}
	stats, err := ReadFile(context.Background(), path, func(e feed.Entry) error {
		got[e.Vuln.ID] = e
		return nil
	})
	if err != nil {
		t.Fatalf("ReadFile(%s): %v", path, err)
	}
	return stats, got
}

func statement(e feed.Entry, pkg, fixed string) *advisory.Affected {
	for i, a := range e.Affected {
		if a.Package == pkg && a.Fixed == fixed {
			return &e.Affected[i]
		}
	}
	return nil
}

// PROVENANCE.md §11: v3.20 main is 28 packages with 719 fix→id entries;
// python3 json over the file gives 703 distinct ids.
func TestRealV320(t *testing.T) {
	stats, got := read(t, testutil.Shared(t, "vulndata", "alpine-secdb", "v3.20", "main.json"))
	if stats.Statements != 719 || stats.Records != 703 || stats.Skipped != 0 {
		t.Errorf("got %d statements, %d ids, %d skipped; want 719, 703, 0", stats.Statements, stats.Records, stats.Skipped)
	}
	// openssl: "3.3.2-r1": ["CVE-2024-9143"].
	a := statement(got["CVE-2024-9143"], "openssl", "3.3.2-r1")
	if a == nil || a.Status != advisory.StatusFixed || a.Namespace != "alpine:3.20" || a.Ecosystem != "Alpine:v3.20" {
		t.Errorf("CVE-2024-9143 openssl: got %+v", got["CVE-2024-9143"].Affected)
	}
	// openssl: "0": [CVE-2022-1292, CVE-2022-2068, CVE-2022-2274,
	// CVE-2023-0466, CVE-2023-4807] — not affected in 3.20.
	for _, id := range []string{"CVE-2022-1292", "CVE-2022-2068", "CVE-2022-2274", "CVE-2023-0466", "CVE-2023-4807"} {
		found := false
		for _, a := range got[id].Affected {
			if a.Package == "openssl" {
				found = true
				if a.Status != advisory.StatusNotAffected || a.Fixed != "" {
					t.Errorf("%s openssl: got %+v, want not_affected", id, a)
				}
			}
		}
		if !found {
			t.Errorf("%s: no openssl statement", id)
		}
	}
	// gnutls "3.6.13-r0": ["CVE-2020-11501 GNUTLS-SA-2020-03-31"].
	e := got["CVE-2020-11501"]
	if len(e.Vuln.Aliases) != 1 || e.Vuln.Aliases[0] != "GNUTLS-SA-2020-03-31" || statement(e, "gnutls", "3.6.13-r0") == nil {
		t.Errorf("CVE-2020-11501: got %+v", e)
	}
	// busybox "1.35.0-r7": ["ALPINE-13661", "CVE-2022-28391"].
	if statement(got["ALPINE-13661"], "busybox", "1.35.0-r7") == nil {
		t.Errorf("ALPINE-13661: got %+v", got["ALPINE-13661"])
	}
	// busybox "1.36.1-r31": CVE-2024-58251 and CVE-2025-46394 (§11 findings).
	for _, id := range []string{"CVE-2024-58251", "CVE-2025-46394"} {
		if statement(got[id], "busybox", "1.36.1-r31") == nil {
			t.Errorf("%s: got %+v", id, got[id])
		}
	}
}

// §11: v3.16 main, 5 packages, 66 entries, 66 distinct ids; busybox
// 1.35.0-r18 fixes CVE-2023-42366 and musl 1.2.3-r4 CVE-2025-26519.
func TestRealV316(t *testing.T) {
	stats, got := read(t, testutil.Shared(t, "vulndata", "alpine-secdb", "v3.16", "main.json"))
	if stats.Statements != 66 || stats.Records != 66 {
		t.Errorf("got %d statements, %d ids; want 66, 66", stats.Statements, stats.Records)
	}
	if statement(got["CVE-2023-42366"], "busybox", "1.35.0-r18") == nil {
		t.Errorf("CVE-2023-42366: got %+v", got["CVE-2023-42366"])
	}
	if a := statement(got["CVE-2025-26519"], "musl", "1.2.3-r4"); a == nil || a.Namespace != "alpine:3.16" {
		t.Errorf("CVE-2025-26519: got %+v", got["CVE-2025-26519"])
	}
}

// PROVENANCE.md §7: v3.11 main.yaml has 175 packages and 1,204 fix
// entries (1,124 distinct ids per python3 yaml; the entry
// "CVE-????-?????  XSA-295" of xen 4.12.1-r0 is read as XSA-295); v3.6
// main has 898 and one null list (heimdal 7.4.0-r0), counted as skipped.
// Misspelt ids are repaired: v3.9 main ansible 2.7.3-r0 "CVE 2018-16859",
// v3.9 community openjdk7 7.211.2.6.17-r0 "CVE_2019-2426".
func TestRealYAML(t *testing.T) {
	stats, got := read(t, testutil.Shared(t, "vulndata", "alpine-secdb", "v3.11", "main.yaml"))
	if stats.Statements != 1204 || stats.Records != 1124 || stats.Skipped != 0 {
		t.Errorf("v3.11: got %+v", stats)
	}
	pkgs := map[string]bool{}
	for _, e := range got {
		for _, a := range e.Affected {
			pkgs[a.Package] = true
			if a.Namespace != "alpine:3.11" {
				t.Fatalf("namespace: got %q", a.Namespace)
			}
		}
	}
	if len(pkgs) != 175 {
		t.Errorf("packages: got %d, want 175", len(pkgs))
	}
	stats, _ = read(t, testutil.Shared(t, "vulndata", "alpine-secdb", "v3.6", "main.yaml"))
	if stats.Statements != 898 || stats.Skipped != 1 || !strings.Contains(stats.SkipNotes[0], "heimdal") {
		t.Errorf("v3.6: got %+v", stats)
	}
	for _, c := range []struct{ file, id, pkg, fixed string }{
		{"main.yaml", "CVE-2018-16859", "ansible", "2.7.3-r0"},
		{"community.yaml", "CVE-2019-2426", "openjdk7", "7.211.2.6.17-r0"},
	} {
		stats, got := read(t, testutil.Shared(t, "vulndata", "alpine-secdb", "v3.9", c.file))
		if stats.Skipped != 0 || statement(got[c.id], c.pkg, c.fixed) == nil {
			t.Errorf("v3.9 %s %s: got %+v, %+v", c.file, c.id, stats, got[c.id])
		}
	}
	// v3.3 community has "packages:" and nothing else.
	stats, _ = read(t, testutil.Shared(t, "vulndata", "alpine-secdb", "v3.3", "community.yaml"))
	if stats.Records != 0 || stats.Skipped != 0 {
		t.Errorf("v3.3 community: got %+v", stats)
	}
}

func TestMalformed(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"garbage.yaml": "packages: [\n  - {pkg: ",
		"text.yaml":    "just some words\n",
		"bad.json":     `{"distroversion": "v3.20", "packages": [`,
		"nover.json":   `{"packages": []}`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		_, err := ReadFile(context.Background(), p, func(feed.Entry) error { return nil })
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: got %v, want an error naming the file", name, err)
		}
	}
}

// A secfixes version that is blank is neither "0" nor a fix: its ids are
// one skip, not fixed statements without a version (found by FuzzDecode,
// testdata/fuzz/FuzzDecode/047ae4027371cf67).
func TestBlankVersion(t *testing.T) {
	doc, err := Decode([]byte("distroversion: v3.20\npackages:\n- pkg:\n    name: a\n    secfixes:\n      ' ': [CVE-1, CVE-2]\n      1.0-r0: [CVE-3]\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []feed.Entry
	stats, err := Convert(context.Background(), doc, func(e feed.Entry) error { got = append(got, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Vuln.ID != "CVE-3" || got[0].Affected[0].Fixed != "1.0-r0" || stats.Skipped != 1 {
		t.Errorf("got %+v, stats %+v; want only CVE-3 fixed in 1.0-r0 and 1 skipped", got, stats)
	}
}
