package policy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/policy"
	"github.com/lading-dev/lading/report"
)

// sampleReport holds findings shaped like lading's on the Alpine 3.20.3
// minirootfs (busybox, openssl's libcrypto3) and a PyPI package.
func sampleReport() *report.Report {
	r := &report.Report{Schema: report.Schema, Target: report.Target{Digest: "sha256:aaaa", ImageID: "sha256:bbbb"}}
	r.Packages = []*inventory.Package{
		{Name: "busybox", Version: "1.36.1-r29", Type: "apk", PURL: "pkg:apk/alpine/busybox@1.36.1-r29?arch=x86_64&distro=alpine-3.20.3",
			Locations: []inventory.Location{{Path: "lib/apk/db/installed"}}},
		{Name: "libcrypto3", Version: "3.3.2-r0", Type: "apk", PURL: "pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64&distro=alpine-3.20.3",
			Locations: []inventory.Location{{Path: "lib/apk/db/installed"}}},
		{Name: "jinja2", Version: "2.10", Type: "pypi", PURL: "pkg:pypi/jinja2@2.10",
			Locations: []inventory.Location{{Path: "usr/lib/python3.12/site-packages/Jinja2-2.10.dist-info/METADATA"}}},
	}
	r.Vulnerabilities = []report.Vulnerability{
		{ID: "CVE-2024-58251", PackageName: "busybox", PackageType: "apk", InstalledVersion: "1.36.1-r29", PURL: r.Packages[0].PURL, Severity: "UNKNOWN", FixedVersion: "1.36.1-r31"},
		{ID: "CVE-2024-9143", PackageName: "libcrypto3", PackageType: "apk", InstalledVersion: "3.3.2-r0", PURL: r.Packages[1].PURL, Severity: "MEDIUM", FixedVersion: "3.3.2-r1"},
		{ID: "CVE-2024-12797", PackageName: "libcrypto3", PackageType: "apk", InstalledVersion: "3.3.2-r0", PURL: r.Packages[1].PURL, Severity: "HIGH", FixedVersion: "3.3.3-r0"},
		{ID: "CVE-2019-10906", Aliases: []string{"GHSA-462w-v97r-4m45", "PYSEC-2019-217"}, PackageName: "jinja2", PackageType: "pypi",
			InstalledVersion: "2.10", PURL: r.Packages[2].PURL, Severity: "HIGH", FixedVersion: "2.10.1"},
	}
	r.Summarize()
	return r
}

func ids(vs []report.Vulnerability) string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return strings.Join(out, " ")
}

func TestIgnoreFile(t *testing.T) {
	f, err := policy.ParseIgnoreFile(".ladingignore.yaml", []byte(`# rules
ignore:
  - id: ghsa-462w-v97r-4m45
    reason: sandboxed templates are not used
  - purl: pkg:apk/alpine/busybox
    reason: busybox is replaced at runtime
    expires: 2099-12-31
  - path: usr/lib/**/site-packages/**
    id: CVE-2000-0001
    reason: both fields must match, so this matches nothing
  - purl: pkg:apk/alpine/libcrypto3@3.3.2-r0
    id: CVE-2024-12797
    reason: expired long ago
    expires: 2025-01-31
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rules) != 4 || f.Rules[0].Line != 3 || f.Rules[3].Line != 11 {
		t.Fatalf("rules %+v", f.Rules)
	}
	r := sampleReport()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	warnings := policy.Apply(r, policy.Options{Ignore: f, Now: now})
	if got := ids(r.Vulnerabilities); got != "CVE-2024-12797 CVE-2024-9143" {
		t.Errorf("kept %s", got)
	}
	if len(r.Ignored) != 2 || r.Summary.Ignored != 2 {
		t.Fatalf("ignored %+v", r.Ignored)
	}
	byID := map[string]report.Ignored{}
	for _, ig := range r.Ignored {
		byID[ig.ID] = ig
	}
	if ig := byID["CVE-2019-10906"]; ig.Kind != "ignorefile" || ig.Rule != ".ladingignore.yaml line 3: id=ghsa-462w-v97r-4m45" ||
		ig.Reason != "sandboxed templates are not used" || ig.PackageName != "jinja2" {
		t.Errorf("alias rule: %+v", ig)
	}
	if ig := byID["CVE-2024-58251"]; ig.Expires != "2099-12-31" || !strings.Contains(ig.Rule, "purl=pkg:apk/alpine/busybox") {
		t.Errorf("purl rule: %+v", ig)
	}
	want := "ignore file .ladingignore.yaml line 11 (id=CVE-2024-12797 purl=pkg:apk/alpine/libcrypto3@3.3.2-r0) expired on 2025-01-31 and no longer applies; it matches 1 reported finding"
	if len(warnings) != 1 || warnings[0] != want || len(r.Warnings) != 1 {
		t.Errorf("warnings %q, want %q", warnings, want)
	}

	// The last day of a date still applies.
	r = sampleReport()
	policy.Apply(r, policy.Options{Ignore: f, Now: time.Date(2025, 1, 31, 23, 59, 0, 0, time.UTC)})
	if got := ids(r.Vulnerabilities); got != "CVE-2024-9143" {
		t.Errorf("on the expiry day kept %s", got)
	}
}

func TestIgnorePathGlob(t *testing.T) {
	f, err := policy.ParseIgnoreFile("x.yaml", []byte("ignore:\n  - path: /usr/lib/python3.*/site-packages/**\n    reason: vendored\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := sampleReport()
	policy.Apply(r, policy.Options{Ignore: f})
	if len(r.Ignored) != 1 || r.Ignored[0].ID != "CVE-2019-10906" {
		t.Errorf("ignored %+v", r.Ignored)
	}
}

func TestIgnoreFileErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"ignore:\n  - id: CVE-1\n", "line 2: an entry needs a reason"},
		{"ignore:\n  - reason: x\n", "needs at least one of id, purl and path"},
		{"ignore:\n  - id: CVE-1\n    reason: x\n    until: 2025-01-01\n", `unknown field "until"`},
		{"ignore:\n  - id: CVE-1\n    reason: x\n    expires: next week\n", `expires "next week"`},
		{"ignore:\n  - purl: busybox\n    reason: x\n", "not a package URL"},
		{"ignore:\n  - path: \"[\"\n    reason: x\n", "not a valid glob"},
		{"rules: []\n", `unknown key "rules"`},
		{"- id: x\n", "want a mapping"},
	} {
		_, err := policy.ParseIgnoreFile("f.yaml", []byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.body, err, tc.want)
		}
	}
	if f, err := policy.ParseIgnoreFile("f.yaml", nil); err != nil || len(f.Rules) != 0 {
		t.Errorf("empty file: %v %+v", err, f)
	}
	if f, err := policy.LoadIgnoreFile(filepath.Join(t.TempDir(), "none.yaml"), false); f != nil || err != nil {
		t.Errorf("missing optional file: %v %v", f, err)
	}
	if _, err := policy.LoadIgnoreFile(filepath.Join(t.TempDir(), "none.yaml"), true); err == nil {
		t.Error("missing --ignorefile accepted")
	}
}

// An OpenVEX v0.2.0 document: the image product with a subcomponent
// (matching the image digest), a package product without a version, a
// later statement overriding an earlier one, an affected statement that
// suppresses nothing.
const openVEXDoc = `{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/1",
  "author": "lading tests",
  "timestamp": "2026-01-01T00:00:00Z",
  "version": 1,
  "statements": [
    {
      "vulnerability": {"@id": "https://nvd.nist.gov/vuln/detail/CVE-2024-58251", "name": "CVE-2024-58251"},
      "products": [{"@id": "pkg:oci/app@sha256%3Aaaaa", "subcomponents": [{"@id": "pkg:apk/alpine/busybox@1.36.1-r29"}]}],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path",
      "impact_statement": "netstat is not run"
    },
    {
      "vulnerability": {"name": "CVE-2024-9143"},
      "products": [{"@id": "pkg:apk/alpine/libcrypto3", "identifiers": {"purl": "pkg:apk/alpine/libcrypto3"}}],
      "status": "not_affected",
      "justification": "vulnerable_code_not_present",
      "timestamp": "2026-01-02T00:00:00Z"
    },
    {
      "vulnerability": {"name": "CVE-2024-9143"},
      "products": ["pkg:apk/alpine/libcrypto3"],
      "status": "under_investigation",
      "timestamp": "2026-01-01T12:00:00Z"
    },
    {
      "vulnerability": {"name": "PYSEC-2019-217"},
      "products": [{"@id": "pkg:pypi/jinja2@2.10"}],
      "status": "affected",
      "action_statement": "upgrade"
    }
  ]
}`

func TestOpenVEX(t *testing.T) {
	doc, err := policy.ParseVEX("app.openvex.json", []byte(openVEXDoc))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Format != policy.FormatOpenVEX || len(doc.Statements) != 4 {
		t.Fatalf("%+v", doc)
	}
	r := sampleReport()
	policy.Apply(r, policy.Options{VEX: []*policy.VEXDocument{doc}})
	if got := ids(r.Vulnerabilities); got != "CVE-2019-10906 CVE-2024-12797" {
		t.Errorf("kept %s", got)
	}
	want := map[string]string{
		"CVE-2024-58251": "VEX app.openvex.json: not_affected (vulnerable_code_not_in_execute_path): netstat is not run",
		"CVE-2024-9143":  "VEX app.openvex.json: not_affected (vulnerable_code_not_present)",
	}
	for _, ig := range r.Ignored {
		if ig.Kind != "vex" || want[ig.ID] != ig.Reason {
			t.Errorf("%s: %+v", ig.ID, ig)
		}
	}
	// Another image's digest: the subcomponent statement does not apply.
	r = sampleReport()
	r.Target.Digest, r.Target.ImageID = "sha256:cccc", "sha256:dddd"
	policy.Apply(r, policy.Options{VEX: []*policy.VEXDocument{doc}})
	if len(r.Ignored) != 1 || r.Ignored[0].ID != "CVE-2024-9143" {
		t.Errorf("another image: ignored %+v", r.Ignored)
	}

	// v0.0.1: vulnerability and products as strings.
	old := `{"@context": "https://openvex.dev/ns", "statements": [{"vulnerability": "CVE-2024-12797",
		"products": ["pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64"], "status": "fixed"}]}`
	doc, err = policy.ParseVEX("old.json", []byte(old))
	if err != nil {
		t.Fatal(err)
	}
	r = sampleReport()
	policy.Apply(r, policy.Options{VEX: []*policy.VEXDocument{doc}})
	if len(r.Ignored) != 1 || r.Ignored[0].ID != "CVE-2024-12797" || r.Ignored[0].Rule != "old.json (OpenVEX) statement 1" {
		t.Errorf("v0.0.1: ignored %+v", r.Ignored)
	}
}

// A CycloneDX 1.5 VEX BOM: affects by bom-ref, by BOM-Link and by purl;
// states not_affected, false_positive, resolved, exploitable; a version
// list that names another version.
const cdxDoc = `{
  "bomFormat": "CycloneDX",
  "specVersion": "1.5",
  "version": 1,
  "components": [
    {"bom-ref": "busybox-ref", "type": "application", "name": "busybox", "purl": "pkg:apk/alpine/busybox@1.36.1-r29"}
  ],
  "vulnerabilities": [
    {"id": "CVE-2024-58251", "analysis": {"state": "false_positive", "detail": "not built in"},
     "affects": [{"ref": "busybox-ref"}]},
    {"id": "GHSA-462w-v97r-4m45", "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
     "affects": [{"ref": "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg:pypi/jinja2", "versions": [{"version": "2.10", "status": "unaffected"}]}]},
    {"id": "CVE-2024-9143", "analysis": {"state": "resolved"},
     "affects": [{"ref": "pkg:apk/alpine/libcrypto3", "versions": [{"version": "3.3.1-r0", "status": "unaffected"}]}]},
    {"id": "CVE-2024-12797", "analysis": {"state": "exploitable"}, "affects": [{"ref": "pkg:apk/alpine/libcrypto3"}]},
    {"id": "CVE-2000-0001", "affects": [{"ref": "busybox-ref"}]}
  ]
}`

func TestCycloneDXVEX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bom.cdx.json")
	if err := os.WriteFile(path, []byte(cdxDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := policy.LoadVEX(path)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Format != policy.FormatCycloneDX || len(doc.Statements) != 4 {
		t.Fatalf("%d statements (the one without analysis is left out)", len(doc.Statements))
	}
	r := sampleReport()
	policy.Apply(r, policy.Options{VEX: []*policy.VEXDocument{doc}})
	if got := ids(r.Vulnerabilities); got != "CVE-2024-12797 CVE-2024-9143" {
		t.Errorf("kept %s", got)
	}
	for _, ig := range r.Ignored {
		if !strings.HasPrefix(ig.Reason, "VEX "+path+": ") {
			t.Errorf("reason %q", ig.Reason)
		}
	}
}

func TestVEXErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"statements": []}`, "neither OpenVEX"},
		{`not json`, "not JSON"},
		{`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-1"}, "products": ["pkg:apk/a/b"], "status": "maybe"}]}`, `unknown status "maybe"`},
		{`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "https://example.com/x"}], "status": "fixed"}]}`, "no product by package URL"},
		{`{"bomFormat": "CycloneDX", "vulnerabilities": [{"id": "CVE-1", "analysis": {"state": "fine"}, "affects": [{"ref": "pkg:apk/a/b"}]}]}`, `unknown analysis state "fine"`},
	} {
		_, err := policy.ParseVEX("v.json", []byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.body, err, tc.want)
		}
	}
}

func writeReport(t *testing.T, r *report.Report) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "baseline.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := report.WriteJSON(f, r); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBaselineAndGate(t *testing.T) {
	old := sampleReport()
	// The baseline lacked CVE-2024-12797, and named Jinja2's finding by
	// its GHSA (a database that chose another name).
	var kept []report.Vulnerability
	for _, v := range old.Vulnerabilities {
		switch v.ID {
		case "CVE-2024-12797":
			continue
		case "CVE-2019-10906":
			v.ID, v.Aliases = "GHSA-462w-v97r-4m45", []string{"CVE-2019-10906"}
		}
		kept = append(kept, v)
	}
	old.Vulnerabilities = kept
	b, err := policy.LoadBaseline(writeReport(t, old))
	if err != nil {
		t.Fatal(err)
	}
	r := sampleReport()
	r.Policy = &report.Policy{Baseline: b.Path}
	policy.Apply(r, policy.Options{Baseline: b})
	var fresh []string
	for _, v := range r.Vulnerabilities {
		if v.New == nil {
			t.Fatalf("%s not marked", v.ID)
		}
		if *v.New {
			fresh = append(fresh, v.ID)
		}
	}
	if strings.Join(fresh, " ") != "CVE-2024-12797" || r.Summary.New == nil || *r.Summary.New != 1 {
		t.Errorf("new: %v, summary %v", fresh, r.Summary.New)
	}

	for _, tc := range []struct {
		gate policy.Gate
		want int
	}{
		{policy.Gate{}, 0},
		{policy.Gate{ExitCode: 4}, 4},                     // the new HIGH counts
		{policy.Gate{FailOn: "HIGH"}, 1},                  // CVE-2024-12797 is HIGH and new
		{policy.Gate{FailOn: "CRITICAL", ExitCode: 4}, 0}, // nothing critical
	} {
		if got, _ := tc.gate.Exit(r); got != tc.want {
			t.Errorf("%+v: exit %d, want %d", tc.gate, got, tc.want)
		}
	}
	// Without the new HIGH finding only old findings remain: nothing counts.
	r.Vulnerabilities = r.Vulnerabilities[:0:0]
	for _, v := range sampleReport().Vulnerabilities {
		if v.ID != "CVE-2024-12797" {
			no := false
			v.New = &no
			r.Vulnerabilities = append(r.Vulnerabilities, v)
		}
	}
	if got, _ := (policy.Gate{FailOn: "LOW", ExitCode: 4}).Exit(r); got != 0 {
		t.Errorf("only old findings: exit %d", got)
	}
	// Without a baseline every finding counts; UNKNOWN ranks lowest.
	r = sampleReport()
	if got, v := (policy.Gate{FailOn: "UNKNOWN"}).Exit(r); got != 1 || v == nil {
		t.Errorf("--fail-on UNKNOWN: %d", got)
	}
	if _, err := policy.LoadBaseline(writeReport(t, &report.Report{Schema: "other"})); err == nil {
		t.Error("a baseline of another schema accepted")
	}
	if s, err := policy.ParseSeverity("high"); s != "HIGH" || err != nil {
		t.Errorf("ParseSeverity: %q %v", s, err)
	}
	if _, err := policy.ParseSeverity("severe"); err == nil {
		t.Error("ParseSeverity accepted severe")
	}
}

func TestSort(t *testing.T) {
	r := sampleReport()
	for i, v := range r.Vulnerabilities {
		switch v.ID {
		case "CVE-2024-58251":
			r.Vulnerabilities[i].EPSS = &report.EPSS{Score: 0.9}
		case "CVE-2024-9143":
			r.Vulnerabilities[i].EPSS = &report.EPSS{Score: 0.1}
			r.Vulnerabilities[i].KEV, r.Vulnerabilities[i].KEVDateAdded = true, "2025-01-01"
		}
	}
	for by, want := range map[string]string{
		"severity": "CVE-2019-10906 CVE-2024-12797 CVE-2024-9143 CVE-2024-58251",
		"epss":     "CVE-2024-58251 CVE-2024-9143 CVE-2019-10906 CVE-2024-12797",
		"kev":      "CVE-2024-9143 CVE-2019-10906 CVE-2024-12797 CVE-2024-58251",
		"package":  "CVE-2024-58251 CVE-2019-10906 CVE-2024-12797 CVE-2024-9143",
		"id":       "CVE-2019-10906 CVE-2024-12797 CVE-2024-58251 CVE-2024-9143",
	} {
		vs := append([]report.Vulnerability(nil), r.Vulnerabilities...)
		if err := policy.Sort(vs, by); err != nil {
			t.Fatal(err)
		}
		if got := ids(vs); got != want {
			t.Errorf("--sort-by %s: %s, want %s", by, got, want)
		}
	}
	if err := policy.Sort(r.Vulnerabilities, "age"); err == nil {
		t.Error("--sort-by age accepted")
	}
}
