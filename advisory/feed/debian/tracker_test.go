package debian

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/internal/testutil"
)

func readTracker(t *testing.T, name string) (feed.Stats, map[string]feed.Entry) {
	t.Helper()
	path := testutil.Shared(t, "vulndata", "debian", "tracker-json", name)
	got := map[string]feed.Entry{}
	stats, err := ReadTrackerFile(context.Background(), path, func(e feed.Entry) error {
		pkg := ""
		if len(e.Affected) > 0 {
			pkg = e.Affected[0].Package
		}
		got[pkg+"/"+e.Vuln.ID] = e
		return nil
	})
	if err != nil {
		t.Fatalf("ReadTrackerFile(%s): %v", path, err)
	}
	return stats, got
}

// Statuses read with python3 json from
// google-osv.dev-debian_security_tracker_mock.json (PROVENANCE.md §12).
func TestRealTrackerOSVMock(t *testing.T) {
	stats, got := readTracker(t, "google-osv.dev-debian_security_tracker_mock.json")
	// 2 packages, 4 CVE entries, 5 releases each.
	if stats.Records != 4 || stats.Statements != 20 || stats.Skipped != 0 {
		t.Errorf("got %+v, want 4 records, 20 statements", stats)
	}
	busybox := got["busybox/CVE-2018-1000500"]
	want := map[string]advisory.Status{
		"debian:12":       advisory.StatusUnimportant, // open, unimportant
		"debian:11":       advisory.StatusUnimportant,
		"debian:10":       advisory.StatusEndOfLife,   // open, end-of-life
		"debian:unstable": advisory.StatusUnimportant, // sid
		"debian:13":       advisory.StatusUnimportant, // trixie
	}
	for ns, st := range want {
		a := find(busybox, ns, "busybox")
		if a == nil || a.Status != st {
			t.Errorf("busybox %s: got %+v, want %s", ns, a, st)
		}
	}
	if a := find(busybox, "debian:12", "busybox"); a == nil || a.Severity != advisory.SeverityNegligible || a.Ecosystem != "bookworm" {
		t.Errorf("busybox bookworm: got %+v", a)
	}
	// apparmor CVE-2014-1424: resolved, fixed_version "0" everywhere.
	if a := find(got["apparmor/CVE-2014-1424"], "debian:12", "apparmor"); a == nil || a.Status != advisory.StatusNotAffected {
		t.Errorf("apparmor CVE-2014-1424 bookworm: got %+v", a)
	}
	// CVE-2016-1585: bookworm open/unimportant, sid resolved 3.0.12-1.
	e := got["apparmor/CVE-2016-1585"]
	if a := find(e, "debian:unstable", "apparmor"); a == nil || a.Status != advisory.StatusFixed || a.Fixed != "3.0.12-1" {
		t.Errorf("apparmor CVE-2016-1585 sid: got %+v", a)
	}
	// CVE-2017-6507: resolved 2.11.0-3, urgency "not yet assigned".
	if a := find(got["apparmor/CVE-2017-6507"], "debian:12", "apparmor"); a == nil || a.Fixed != "2.11.0-3" || a.Severity != advisory.SeverityUnknown {
		t.Errorf("apparmor CVE-2017-6507 bookworm: got %+v", a)
	}
	if busybox.Vuln.Details == "" || busybox.Vuln.Source != SourceTracker {
		t.Errorf("busybox vuln: got %+v", busybox.Vuln)
	}
}

// anchore-vunnel-debian.json: 5 packages, 6 CVE entries; chromium-browser
// has "releases": []; prototypejs CVE-2008-7220 urgency "high**";
// chromium CVE-2022-0456 buster open end-of-life, bookworm resolved
// 98.0.4758.80-1.
func TestRealTrackerVunnel(t *testing.T) {
	stats, got := readTracker(t, "anchore-vunnel-debian.json")
	if stats.Records != 6 || stats.Skipped != 0 {
		t.Errorf("got %+v, want 6 records", stats)
	}
	if e, ok := got["/CVE-2022-0358"]; !ok || len(e.Affected) != 0 {
		t.Errorf("chromium-browser CVE-2022-0358 with releases []: got %+v, %v", e, ok)
	}
	if a := find(got["prototypejs/CVE-2008-7220"], "debian:9", "prototypejs"); a == nil || a.Severity != advisory.SeverityHigh || a.Fixed != "1.6.0.2-1" {
		t.Errorf("prototypejs stretch: got %+v", a)
	}
	if a := find(got["txt2man/CVE-2013-1444"], "debian:8", "txt2man"); a == nil || a.Severity != advisory.SeverityLow {
		t.Errorf("txt2man jessie (low**): got %+v", a)
	}
	e := got["chromium/CVE-2022-0456"]
	if a := find(e, "debian:10", "chromium"); a == nil || a.Status != advisory.StatusEndOfLife {
		t.Errorf("chromium buster: got %+v", a)
	}
	if a := find(e, "debian:12", "chromium"); a == nil || a.Status != advisory.StatusFixed || a.Fixed != "98.0.4758.80-1" {
		t.Errorf("chromium bookworm: got %+v", a)
	}
}

// aquasecurity-vuln-list-update-debian.json: 2 packages, 3 CVE entries,
// 5 releases each, no bookworm.
func TestRealTrackerVulnList(t *testing.T) {
	stats, _ := readTracker(t, "aquasecurity-vuln-list-update-debian.json")
	if stats.Records != 3 || stats.Statements != 15 {
		t.Errorf("got %+v, want 3 records, 15 statements", stats)
	}
}

func TestTrackerOpenVariants(t *testing.T) {
	doc := `{"pkg": {"CVE-1": {"releases": {
	  "bookworm": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "ignored"},
	  "bullseye": {"status": "open", "urgency": "medium", "nodsa": "x", "nodsa_reason": "postponed"},
	  "buster": {"status": "open", "urgency": "high"},
	  "trixie": {"status": "undetermined", "urgency": "not yet assigned"},
	  "narnia": {"status": "open"}}}}}`
	var got feed.Entry
	stats, err := ReadTracker(context.Background(), strings.NewReader(doc), func(e feed.Entry) error { got = e; return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]advisory.Status{
		"debian:12": advisory.StatusWillNotFix, "debian:11": advisory.StatusPostponed,
		"debian:10": advisory.StatusAffected, "debian:13": advisory.StatusUndetermined,
	}
	for ns, st := range want {
		if a := find(got, ns, "pkg"); a == nil || a.Status != st {
			t.Errorf("%s: got %+v, want %s", ns, a, st)
		}
	}
	if stats.Skipped != 1 {
		t.Errorf("unknown code name: got %d skipped, want 1", stats.Skipped)
	}
}

func TestTrackerMalformed(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"trunc.json": `{"busybox": {"CVE-1": {"releases": {`,
		"array.json": `[1, 2]`,
		"empty.json": ``,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := ReadTrackerFile(context.Background(), p, func(feed.Entry) error { return nil }); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: got %v, want an error naming the file", name, err)
		}
	}
}

// genTracker writes a tracker document of n packages to w without ever
// holding it whole, as the ~50 MB real export would be read.
func genTracker(w *io.PipeWriter, n int) {
	bw := bufio.NewWriter(w)
	bw.WriteString("{")
	for i := 0; i < n; i++ {
		if i > 0 {
			bw.WriteString(",")
		}
		fmt.Fprintf(bw, `"pkg%d": {"CVE-2024-%d": {"description": "d", "scope": "local", "releases": {"bookworm": {"status": "resolved", "repositories": {"bookworm": "1.0-1"}, "fixed_version": "1.0-%d", "urgency": "low"}, "sid": {"status": "open", "repositories": {"sid": "1.0-1"}, "urgency": "unimportant"}}}}`, i, i, i)
	}
	bw.WriteString("}")
	bw.Flush()
	w.Close()
}

func TestTrackerStreams(t *testing.T) {
	const n = 50000
	r, w := io.Pipe()
	go genTracker(w, n)
	count := 0
	stats, err := ReadTracker(context.Background(), r, func(e feed.Entry) error {
		count++
		if len(e.Affected) != 2 {
			return fmt.Errorf("%s: %d statements", e.Vuln.ID, len(e.Affected))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != n || stats.Statements != 2*n {
		t.Errorf("got %d entries, %d statements; want %d, %d", count, stats.Statements, n, 2*n)
	}
}

// An entry under a blank package name or id cannot be looked up; each is
// one skip, and the rest of the document still reads (found by
// FuzzReadTracker's seeds).
func TestTrackerBlankNames(t *testing.T) {
	doc := `{"": {"CVE-1": {"releases": {"sid": {"status": "open"}}}, "CVE-2": {}},
	  "p": {" ": {"releases": {"sid": {"status": "open"}}}, "CVE-3": {"releases": {"sid": {"status": "open"}}}}}`
	var got []feed.Entry
	stats, err := ReadTracker(context.Background(), strings.NewReader(doc), func(e feed.Entry) error { got = append(got, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Vuln.ID != "CVE-3" || stats.Skipped != 2 {
		t.Errorf("got %+v, stats %+v; want only CVE-3 and 2 skipped", got, stats)
	}
}
