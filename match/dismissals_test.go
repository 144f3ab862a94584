package match_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
)

func dismissalLines(ds []match.Dismissal) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Package.Name+" "+d.VulnID+" "+string(d.Reason)+" fixed="+d.Fixed+": "+d.Evidence)
	}
	return out
}

// Every statement of busyboxSecdb that reports nothing for busybox
// 1.36.1-r29 is dismissed with its reason: "0" is not affected, the fixes
// at or below the installed version are fixed (CVE-2023-42364 at exactly
// 1.36.1-r29), and the statements that became findings are not dismissed.
func TestDistroDismissals(t *testing.T) {
	r := &fakeReader{stmts: busyboxSecdb()}
	res, err := match.Distro(context.Background(), r, &inventory.Distro{Family: "alpine", Version: "3.20.3"},
		[]*inventory.Package{busybox320})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"busybox ALPINE-13661 fixed fixed=1.35.0-r7: 1.36.1-r29 >= 1.35.0-r7 (alpine-secdb alpine:3.20 busybox)",
		"busybox CVE-2021-42373 not_affected fixed=: 1.36.1-r29: not affected (alpine-secdb alpine:3.20 busybox)",
		"busybox CVE-2022-28391 fixed fixed=1.35.0-r7: 1.36.1-r29 >= 1.35.0-r7 (alpine-secdb alpine:3.20 busybox)",
		"busybox CVE-2023-42364 fixed fixed=1.36.1-r29: 1.36.1-r29 = 1.36.1-r29 (alpine-secdb alpine:3.20 busybox)",
		"busybox CVE-2023-42365 fixed fixed=1.36.1-r29: 1.36.1-r29 = 1.36.1-r29 (alpine-secdb alpine:3.20 busybox)",
	}
	got := dismissalLines(res.Dismissals)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("dismissals:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Findings) != 2 {
		t.Errorf("%d findings, want CVE-2024-58251 and CVE-2025-46394", len(res.Findings))
	}
	for _, d := range res.Dismissals {
		if d.Is("CVE-2024-58251") || d.Is("cve-2025-46394") {
			t.Errorf("a reported vulnerability is dismissed: %+v", d)
		}
	}
}

// OSV ranges: a version past a fixed event is fixed, one below the
// introduced event is outside the ranges, one past a last_affected event
// names it, a version list that does not name it is said so; a withdrawn
// record is withdrawn. The versions are Go module versions.
func TestLanguageDismissals(t *testing.T) {
	p := &inventory.Package{Name: "golang.org/x/text", Version: "v0.3.8", Type: "golang"}
	stmt := func(id string, events []advisory.Event, versions ...string) advisory.Affected {
		st := advisory.Affected{VulnID: id, Namespace: "go", Ecosystem: "Go", Package: "golang.org/x/text",
			Status: advisory.StatusFixed, Source: "osv", Versions: versions}
		if events != nil {
			st.Ranges = []advisory.Range{{Type: "SEMVER", Events: events}}
		}
		return st
	}
	r := &fakeReader{
		stmts: []advisory.Affected{
			stmt("GO-A", []advisory.Event{{Introduced: "0"}, {Fixed: "0.3.7"}}),
			stmt("GO-B", []advisory.Event{{Introduced: "0.4.0"}, {Fixed: "0.4.2"}}),
			stmt("GO-C", []advisory.Event{{Introduced: "0"}, {LastAffected: "0.3.5"}}),
			stmt("GO-D", nil, "0.3.6"),
			stmt("GO-E", []advisory.Event{{Introduced: "0"}}),
		},
		vulns: vulns(&advisory.Vulnerability{ID: "GO-E", Source: "osv", Withdrawn: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}),
	}
	res, err := match.Language(context.Background(), r, []*inventory.Package{p})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"golang.org/x/text GO-A fixed fixed=0.3.7: v0.3.8 >= 0.3.7 (osv:Go go golang.org/x/text)",
		"golang.org/x/text GO-B not_in_range fixed=: v0.3.8 is outside the affected ranges (osv:Go go golang.org/x/text)",
		"golang.org/x/text GO-C fixed fixed=: v0.3.8 > 0.3.5 (last affected) (osv:Go go golang.org/x/text)",
		"golang.org/x/text GO-D not_in_range fixed=: v0.3.8 is not among the affected versions (osv:Go go golang.org/x/text)",
		"golang.org/x/text GO-E withdrawn fixed=: the record is withdrawn (osv:Go go golang.org/x/text)",
	}
	got := dismissalLines(res.Dismissals)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("dismissals:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Findings) != 0 {
		t.Errorf("findings: %+v", res.Findings)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		typ, family, a, b, order string
		want                     int
	}{
		{"apk", "alpine", "1.36.1-r29", "1.36.1-r31", "apk", -1},
		{"deb", "debian", "1:1.2.11.dfsg-0ubuntu2", "1:1.2.11.dfsg-0ubuntu2.1", "dpkg", -1},
		{"", "alpine", "1.36.1-r29", "1.36.1-r29", "apk", 0},
		{"pypi", "", "2.0", "2.0.0rc1", "PEP 440", 1},
	} {
		if got := match.OrderName(tc.typ, tc.family); got != tc.order {
			t.Errorf("OrderName(%q, %q) = %q, want %q", tc.typ, tc.family, got, tc.order)
		}
		c, err := match.CompareVersions(tc.typ, tc.family, tc.a, tc.b)
		if err != nil || c != tc.want {
			t.Errorf("CompareVersions(%s %s, %s) = %d, %v; want %d", tc.typ, tc.a, tc.b, c, err, tc.want)
		}
	}
	if _, err := match.CompareVersions("bogus", "", "1", "2"); err == nil {
		t.Error("a type with no order compared")
	}
}
