package debian

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

func readList(t *testing.T, path string) (feed.Stats, map[string]feed.Entry, map[string]int) {
	t.Helper()
	got := map[string]feed.Entry{}
	perNS := map[string]int{}
	stats, err := ReadListFile(context.Background(), path, func(e feed.Entry) error {
		got[e.Vuln.ID] = e
		for _, a := range e.Affected {
			perNS[a.Namespace]++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ReadListFile(%s): %v", path, err)
	}
	return stats, got, perNS
}

func find(e feed.Entry, ns, pkg string) *advisory.Affected {
	for i, a := range e.Affected {
		if a.Namespace == ns && a.Package == pkg {
			return &e.Affected[i]
		}
	}
	return nil
}

// PROVENANCE.md §8: 5,406 DSAs; bullseye 410, buster 623, stretch 740
// fix lines. `grep -cP '^\s+\[' DSA/list` gives 6,988 release lines (6,926
// with a version, 55 <not-affected>, 4 <end-of-life>, 3 <unfixed>).
func TestRealDSAList(t *testing.T) {
	stats, got, perNS := readList(t, testutil.Shared(t, "vulndata", "debian", "security-tracker", "data", "DSA", "list"))
	if stats.Records != 5406 || len(got) != 5406 {
		t.Errorf("records: got %d (%d distinct), want 5406", stats.Records, len(got))
	}
	if stats.Statements != 6988 || stats.Skipped != 0 {
		t.Errorf("statements %d skipped %d (%v), want 6988, 0", stats.Statements, stats.Skipped, stats.SkipNotes)
	}
	for ns, want := range map[string]int{"debian:11": 410, "debian:10": 623, "debian:9": 740} {
		if perNS[ns] != want {
			t.Errorf("%s: got %d statements, want %d", ns, perNS[ns], want)
		}
	}
	// [29 Mar 2023] DSA-5380-1 xorg-server / {CVE-2023-1393} /
	// [bullseye] - xorg-server 2:1.20.11-1+deb11u6
	e := got["DSA-5380-1"]
	if e.Vuln.Source != SourceDSA || strings.Join(e.Vuln.Aliases, " ") != "CVE-2023-1393" || e.Vuln.Published.Format("2006-01-02") != "2023-03-29" {
		t.Errorf("DSA-5380-1: got %+v", e.Vuln)
	}
	if a := find(e, "debian:11", "xorg-server"); a == nil || a.Status != advisory.StatusFixed || a.Fixed != "2:1.20.11-1+deb11u6" || a.Ecosystem != "bullseye" {
		t.Errorf("DSA-5380-1 bullseye: got %+v", e.Affected)
	}
	// DSA-2808-2 openjpeg: squeeze 1.3+dfsg-4+squeeze3, wheezy 1.3+dfsg-4.8.
	e = got["DSA-2808-2"]
	if a := find(e, "debian:6", "openjpeg"); a == nil || a.Fixed != "1.3+dfsg-4+squeeze3" {
		t.Errorf("DSA-2808-2 squeeze: got %+v", e.Affected)
	}
	if a := find(e, "debian:7", "openjpeg"); a == nil || a.Fixed != "1.3+dfsg-4.8" {
		t.Errorf("DSA-2808-2 wheezy: got %+v", e.Affected)
	}
	// DSA-2275-1: [lenny] - openoffice.org <not-affected> (Vulnerable code not present)
	if a := find(got["DSA-2275-1"], "debian:5", "openoffice.org"); a == nil || a.Status != advisory.StatusNotAffected {
		t.Errorf("DSA-2275-1 lenny: got %+v", got["DSA-2275-1"].Affected)
	}
	// DSA-3281-1 is a key-change notice with no release lines.
	if e := got["DSA-3281-1"]; len(e.Affected) != 0 || e.Vuln.ID == "" {
		t.Errorf("DSA-3281-1: got %+v", e)
	}
}

// §8: 3,534 DLAs; 3,535 release lines, one of them
// "[squeeze] - virtualbox-ose <end-of-life>" (DLA-372-1).
func TestRealDLAList(t *testing.T) {
	stats, got, _ := readList(t, testutil.Shared(t, "vulndata", "debian", "security-tracker", "data", "DLA", "list"))
	if stats.Records != 3534 || stats.Statements != 3535 || stats.Skipped != 0 {
		t.Errorf("got %+v, want 3534 records, 3535 statements", stats)
	}
	if a := find(got["DLA-372-1"], "debian:6", "virtualbox-ose"); a == nil || a.Status != advisory.StatusEndOfLife || a.Source != SourceDLA {
		t.Errorf("DLA-372-1: got %+v", got["DLA-372-1"])
	}
	// [01 Apr 2023] DLA-3380-1 firmware-nonfree, 11 CVEs,
	// [buster] - firmware-nonfree 20190114+really20220913-0+deb10u1
	e := got["DLA-3380-1"]
	if len(e.Vuln.Aliases) != 11 || find(e, "debian:10", "firmware-nonfree").Fixed != "20190114+really20220913-0+deb10u1" {
		t.Errorf("DLA-3380-1: got %+v", e)
	}
}

// §12: vunnel's 10-entry excerpt, indented with 8 spaces, ending with
// DSA-5970-1 "[bookworm] - sope 5.8.0-1+deb12u1".
func TestRealVunnelDSA(t *testing.T) {
	stats, got, _ := readList(t, testutil.Shared(t, "vulndata", "debian", "tracker-json", "anchore-vunnel-DSA"))
	if stats.Records != 10 || stats.Skipped != 0 {
		t.Errorf("got %+v, want 10 records", stats)
	}
	if a := find(got["DSA-5970-1"], "debian:12", "sope"); a == nil || a.Fixed != "5.8.0-1+deb12u1" {
		t.Errorf("DSA-5970-1: got %+v", got["DSA-5970-1"])
	}
	// DSA-140 libpng lists libpng and libpng3 for woody.
	if find(got["DSA-140"], "debian:3.0", "libpng3") == nil {
		t.Errorf("DSA-140: got %+v", got["DSA-140"])
	}
}

func TestListLiberal(t *testing.T) {
	in := "junk before\n[01 Jan 2024] DSA-9999-1 foo - security update\n" +
		"\t{CVE-2024-0001}\n" +
		"\t[bookworm] - foo 1.0-1\n" +
		"        [narnia] - foo 1.0-2\n" +
		"\t[trixie] - foo <weird>\n" +
		"\tgibberish\n" +
		"\tNOTE: whatever\n"
	var got []feed.Entry
	stats, err := ReadList(context.Background(), strings.NewReader(in), func(e feed.Entry) error {
		got = append(got, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].Affected) != 1 || stats.Skipped != 4 {
		t.Errorf("got %+v, stats %+v; want 1 statement, 4 skipped", got, stats)
	}

	dir := t.TempDir()
	p := filepath.Join(dir, "list")
	os.WriteFile(p, []byte("not a list at all\n"), 0o644)
	if _, err := ReadListFile(context.Background(), p, func(feed.Entry) error { return nil }); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("garbage list: got %v, want an error naming the file", err)
	}
}
