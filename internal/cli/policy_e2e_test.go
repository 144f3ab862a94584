package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/internal/cli"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/report"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// scanCode runs a scan with the test database and returns the decoded
// JSON report, standard error and the exit code.
func scanCode(t *testing.T, args ...string) (*report.Report, string, int) {
	t.Helper()
	args = append(args, "--format", "json", "--cache-dir", t.TempDir(), "--db", testDB(t), "--quiet")
	out, errOut, code := runCLI(t, args...)
	if code == cli.ExitError {
		t.Fatalf("lading %v: exit %d: %s", args, code, errOut)
	}
	return decodeReport(t, out), errOut, code
}

// findingKeys lists findings as "package id".
func findingKeys(vs []report.Vulnerability) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.PackageName+" "+v.ID)
	}
	slices.Sort(out)
	return out
}

func ignoredKeys(igs []report.Ignored) map[string]report.Ignored {
	out := map[string]report.Ignored{}
	for _, ig := range igs {
		out[ig.PackageName+" "+ig.ID] = ig
	}
	return out
}

// The Alpine 3.20.3 findings (alpine320Want, per binary package) with an
// ignore file: an id, a purl without a version, a purl with one, a path
// glob together with an id, and an expired entry that stops applying and
// is reported. Without --ignorefile the file in the working directory is
// read.
func TestIgnoreFile(t *testing.T) {
	archive, _ := alpineImage(t)
	all := scanJSON(t, "image", "docker-archive:"+archive)

	dir := t.TempDir()
	writeFile(t, dir, ".ladingignore.yaml", `ignore:
  - id: CVE-2024-9143
    reason: the low-level GF(2^m) API is not used
  - purl: pkg:apk/alpine/busybox
    reason: busybox applets are not run
    expires: 2999-12-31
  - purl: pkg:apk/alpine/ssl_client@1.36.1-r29
    reason: no TLS client use
  - path: lib/apk/db/*
    id: CVE-2026-6042
    reason: both fields must match
  - id: CVE-2025-26519
    reason: accepted until the end of January 2025
    expires: 2025-01-31
`)
	// The shared folder is found from the working directory; name it
	// before leaving.
	t.Setenv(testutil.SharedEnv, filepath.Dir(testutil.Shared(t, "vulndata")))
	t.Chdir(dir)
	r, errOut, code := scanCode(t, "image", "docker-archive:"+archive)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	want := map[string]string{
		"libcrypto3 CVE-2024-9143":  ".ladingignore.yaml line 2: id=CVE-2024-9143",
		"libssl3 CVE-2024-9143":     ".ladingignore.yaml line 2: id=CVE-2024-9143",
		"busybox CVE-2024-58251":    ".ladingignore.yaml line 4: purl=pkg:apk/alpine/busybox",
		"busybox CVE-2025-46394":    ".ladingignore.yaml line 4: purl=pkg:apk/alpine/busybox",
		"ssl_client CVE-2024-58251": ".ladingignore.yaml line 7: purl=pkg:apk/alpine/ssl_client@1.36.1-r29",
		"ssl_client CVE-2025-46394": ".ladingignore.yaml line 7: purl=pkg:apk/alpine/ssl_client@1.36.1-r29",
		"musl CVE-2026-6042":        ".ladingignore.yaml line 9: id=CVE-2026-6042 path=lib/apk/db/*",
		"musl-utils CVE-2026-6042":  ".ladingignore.yaml line 9: id=CVE-2026-6042 path=lib/apk/db/*",
	}
	got := ignoredKeys(r.Ignored)
	if len(got) != len(want) || r.Summary.Ignored != len(want) {
		t.Errorf("ignored %d (summary %d), want %d: %v", len(got), r.Summary.Ignored, len(want), findingKeysOfIgnored(r.Ignored))
	}
	for k, rule := range want {
		ig, ok := got[k]
		if !ok || ig.Rule != rule || ig.Kind != "ignorefile" || ig.Reason == "" {
			t.Errorf("%s: ignored as %+v, want rule %q", k, ig, rule)
		}
	}
	if got["busybox CVE-2024-58251"].Expires != "2999-12-31" {
		t.Errorf("expiry not recorded: %+v", got["busybox CVE-2024-58251"])
	}
	// busybox-binsh (same origin, other purl) keeps its findings.
	if len(r.Vulnerabilities) != len(all.Vulnerabilities)-len(want) {
		t.Errorf("%d findings kept of %d", len(r.Vulnerabilities), len(all.Vulnerabilities))
	}
	for _, k := range findingKeys(r.Vulnerabilities) {
		if _, ok := want[k]; ok {
			t.Errorf("%s still reported", k)
		}
	}
	expired := "ignore file .ladingignore.yaml line 12 (id=CVE-2025-26519) expired on 2025-01-31 and no longer applies; it matches 2 reported findings"
	if !slices.Contains(r.Warnings, expired) || !strings.Contains(errOut, "lading: warning: "+expired) {
		t.Errorf("expired entry: warnings %q, stderr %q", r.Warnings, errOut)
	}
	if !slices.Contains(findingKeys(r.Vulnerabilities), "musl CVE-2025-26519") {
		t.Error("the expired entry still applies to musl CVE-2025-26519")
	}
	if r.Policy == nil || r.Policy.IgnoreFile != ".ladingignore.yaml" {
		t.Errorf("policy %+v", r.Policy)
	}

	// --ignorefile names another file; a missing one is an error.
	other := writeFile(t, t.TempDir(), "rules.yaml", "ignore:\n  - id: CVE-2025-46394\n    reason: r\n")
	r, _, _ = scanCode(t, "image", "docker-archive:"+archive, "--ignorefile", other)
	if len(r.Ignored) != 3 { // busybox, busybox-binsh, ssl_client
		t.Errorf("--ignorefile: ignored %v", findingKeysOfIgnored(r.Ignored))
	}
	_, errOut, code = runCLI(t, "image", "docker-archive:"+archive, "--db", testDB(t), "--cache-dir", t.TempDir(), "--ignorefile", filepath.Join(dir, "none.yaml"))
	if code != cli.ExitError || !strings.Contains(errOut, "none.yaml") {
		t.Errorf("missing --ignorefile: exit %d, %q", code, errOut)
	}
	bad := writeFile(t, t.TempDir(), "bad.yaml", "ignore:\n  - id: CVE-2025-46394\n")
	_, errOut, code = runCLI(t, "image", "docker-archive:"+archive, "--db", testDB(t), "--cache-dir", t.TempDir(), "--ignorefile", bad)
	if code != cli.ExitError || !strings.Contains(errOut, "line 2: an entry needs a reason") {
		t.Errorf("entry without a reason: exit %d, %q", code, errOut)
	}
}

func findingKeysOfIgnored(igs []report.Ignored) []string {
	var out []string
	for k := range ignoredKeys(igs) {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Two VEX documents on the Alpine 3.20.3 image: OpenVEX (an image
// product with a subcomponent; a package product; an affected statement
// that suppresses nothing) and CycloneDX (a bom-ref, a purl ref, a
// version list, in_triage).
func TestVEX(t *testing.T) {
	archive, _ := alpineImage(t)
	dir := t.TempDir()
	openvex := writeFile(t, dir, "image.openvex.json", `{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/alpine-3.20.3",
  "author": "lading tests",
  "timestamp": "2026-01-01T00:00:00Z",
  "version": 1,
  "statements": [
    {"vulnerability": {"name": "CVE-2024-58251"},
     "products": [{"@id": "pkg:oci/alpine", "subcomponents": [{"@id": "pkg:apk/alpine/busybox@1.36.1-r29?arch=x86_64"}]}],
     "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
     "impact_statement": "netstat is not used"},
    {"vulnerability": {"name": "CVE-2024-12797"},
     "products": [{"@id": "pkg:apk/alpine/libssl3"}],
     "status": "fixed"},
    {"vulnerability": {"name": "CVE-2025-26519"},
     "products": [{"@id": "pkg:apk/alpine/musl"}],
     "status": "affected", "action_statement": "upgrade musl"}
  ]
}`)
	cdx := writeFile(t, dir, "vex.cdx.json", `{
  "bomFormat": "CycloneDX",
  "specVersion": "1.5",
  "version": 1,
  "components": [{"bom-ref": "bb", "type": "library", "name": "busybox-binsh", "purl": "pkg:apk/alpine/busybox-binsh@1.36.1-r29"}],
  "vulnerabilities": [
    {"id": "CVE-2025-46394", "analysis": {"state": "not_affected", "justification": "code_not_reachable"}, "affects": [{"ref": "bb"}]},
    {"id": "CVE-2026-6042", "analysis": {"state": "false_positive"}, "affects": [{"ref": "pkg:apk/alpine/musl-utils", "versions": [{"version": "1.2.5-r0", "status": "unaffected"}]}]},
    {"id": "CVE-2026-40200", "analysis": {"state": "resolved"}, "affects": [{"ref": "pkg:apk/alpine/musl-utils", "versions": [{"version": "1.2.4-r0", "status": "unaffected"}]}]},
    {"id": "CVE-2025-9230", "analysis": {"state": "in_triage"}, "affects": [{"ref": "pkg:apk/alpine/libssl3"}]}
  ]
}`)
	r, _, _ := scanCode(t, "image", "docker-archive:"+archive, "--vex", openvex, "--vex", cdx)
	want := map[string]string{
		"busybox CVE-2024-58251":       "VEX " + openvex + ": not_affected (vulnerable_code_not_in_execute_path): netstat is not used",
		"libssl3 CVE-2024-12797":       "VEX " + openvex + ": fixed",
		"busybox-binsh CVE-2025-46394": "VEX " + cdx + ": not_affected (code_not_reachable)",
		"musl-utils CVE-2026-6042":     "VEX " + cdx + ": false_positive",
	}
	got := ignoredKeys(r.Ignored)
	if len(got) != len(want) {
		t.Errorf("ignored %v", findingKeysOfIgnored(r.Ignored))
	}
	for k, reason := range want {
		if ig := got[k]; ig.Kind != "vex" || ig.Reason != reason {
			t.Errorf("%s: %+v, want reason %q", k, ig, reason)
		}
	}
	kept := findingKeys(r.Vulnerabilities)
	for _, k := range []string{"musl CVE-2025-26519", "libcrypto3 CVE-2024-12797", "musl-utils CVE-2026-40200", "libssl3 CVE-2025-9230", "ssl_client CVE-2024-58251"} {
		if !slices.Contains(kept, k) {
			t.Errorf("%s suppressed", k)
		}
	}
	if r.Policy == nil || len(r.Policy.VEX) != 2 {
		t.Errorf("policy %+v", r.Policy)
	}
	notVEX := writeFile(t, dir, "sbom.json", `{"spdxVersion": "SPDX-2.3"}`)
	_, errOut, code := runCLI(t, "image", "docker-archive:"+archive, "--db", testDB(t), "--cache-dir", t.TempDir(), "--vex", notVEX)
	if code != cli.ExitError || !strings.Contains(errOut, "neither OpenVEX") {
		t.Errorf("not a VEX document: exit %d, %q", code, errOut)
	}
}

// libcrypto11Layer is a layer whose apk database is Alpine 3.20.3's with
// 3.16.9's real libcrypto1.1 record appended, standing in for `apk add`.
func libcrypto11Layer(t *testing.T) v1.Layer {
	t.Helper()
	apkdb := testutil.Shared(t, "fixtures", "alpine", "apk-db")
	base, err := os.ReadFile(filepath.Join(apkdb, "3.20.3", "lib", "apk", "db", "installed"))
	if err != nil {
		t.Fatal(err)
	}
	return tarLayer(t, map[string]string{"lib/apk/db/installed": strings.TrimRight(string(base), "\n") + "\n\n" + libcrypto11Record(t) + "\n\n"})
}

func libcrypto11Record(t *testing.T) string {
	t.Helper()
	other, err := os.ReadFile(filepath.Join(testutil.Shared(t, "fixtures", "alpine", "apk-db"), "3.16.9", "lib", "apk", "db", "installed"))
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range strings.Split(string(other), "\n\n") {
		if strings.Contains(rec, "P:libcrypto1.1\n") {
			return strings.TrimSpace(rec)
		}
	}
	t.Fatal("no libcrypto1.1 record in the 3.16.9 database")
	return ""
}

// A baseline made from the Alpine 3.20.3 image: the same image with
// libcrypto1.1 added has new findings only on libcrypto1.1, and only they
// count for --exit-code and --fail-on.
func TestBaseline(t *testing.T) {
	base, _ := alpineImage(t)
	dir := t.TempDir()
	baseline := filepath.Join(dir, "baseline.json")
	if _, errOut, code := runCLI(t, "image", "docker-archive:"+base, "-f", "json", "-o", baseline, "--db", testDB(t), "--cache-dir", t.TempDir(), "-q"); code != 0 {
		t.Fatalf("baseline scan: %d %s", code, errOut)
	}
	grown, _ := alpineImage(t, libcrypto11Layer(t))

	r, errOut, code := scanCode(t, "image", "docker-archive:"+grown, "--baseline", baseline, "--exit-code", "5")
	if code != 5 {
		t.Errorf("new findings with --exit-code 5: exit %d (%s)", code, errOut)
	}
	fresh := 0
	for _, v := range r.Vulnerabilities {
		if v.New == nil {
			t.Fatalf("%s on %s not marked", v.ID, v.PackageName)
		}
		if *v.New != (v.PackageName == "libcrypto1.1") {
			t.Errorf("%s on %s: new=%v", v.ID, v.PackageName, *v.New)
		}
		if *v.New {
			fresh++
		}
	}
	if fresh == 0 || r.Summary.New == nil || *r.Summary.New != fresh {
		t.Errorf("%d new findings, summary %v", fresh, r.Summary.New)
	}
	// The baseline's own image: nothing is new, so nothing fails.
	r, _, code = scanCode(t, "image", "docker-archive:"+base, "--baseline", baseline, "--exit-code", "5", "--fail-on", "UNKNOWN")
	if code != 0 || r.Summary.New == nil || *r.Summary.New != 0 || len(r.Vulnerabilities) == 0 {
		t.Errorf("no new findings: exit %d, new %v, %d findings", code, r.Summary.New, len(r.Vulnerabilities))
	}
	// Without the baseline the same scan fails.
	if _, _, code = scanCode(t, "image", "docker-archive:"+base, "--exit-code", "5"); code != 5 {
		t.Errorf("without --baseline: exit %d", code)
	}
	notReport := writeFile(t, dir, "x.json", `{"schema": "something/else"}`)
	if _, errOut, code = runCLI(t, "image", "docker-archive:"+base, "--db", testDB(t), "--cache-dir", t.TempDir(), "--baseline", notReport); code != cli.ExitError || !strings.Contains(errOut, "--baseline") {
		t.Errorf("bad baseline: exit %d %q", code, errOut)
	}
}

// --fail-on on real findings: every Alpine secdb finding is UNKNOWN (the
// secdb rates nothing, NVD has no record of these CVEs); the Ubuntu 18.04
// base fixture has CRITICAL findings (NVD's rating of CVE-2017-12424 and
// CVE-2022-37434) and LOW ones.
func TestFailOn(t *testing.T) {
	archive, _ := alpineImage(t)
	ubuntu := testutil.Shared(t, "fixtures", "dpkg", "ubuntu-18.04-bionic-base")
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"image", "docker-archive:" + archive, "--fail-on", "LOW"}, 0},
		{[]string{"image", "docker-archive:" + archive, "--fail-on", "LOW", "--exit-code", "4"}, 0},
		{[]string{"image", "docker-archive:" + archive, "--fail-on", "unknown"}, 1},
		{[]string{"image", "docker-archive:" + archive, "--fail-on", "UNKNOWN", "--exit-code", "4"}, 4},
		{[]string{"fs", ubuntu, "--fail-on", "CRITICAL"}, 1},
		{[]string{"fs", ubuntu, "--fail-on", "HIGH", "--severity", "LOW"}, 0},
		{[]string{"fs", ubuntu, "--fail-on", "LOW", "--severity", "LOW", "--exit-code", "9"}, 9},
	} {
		_, errOut, code := scanCode(t, tc.args...)
		if code != tc.want {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args[2:], code, tc.want, errOut)
		}
	}
	_, errOut, code := runCLI(t, "fs", ubuntu, "--db", testDB(t), "--cache-dir", t.TempDir(), "--fail-on", "SEVERE")
	if code != cli.ExitError || !strings.Contains(errOut, "--fail-on") {
		t.Errorf("--fail-on SEVERE: exit %d %q", code, errOut)
	}
}

// The headline severity rule and the NVD and KEV fields on real data
// (Ubuntu 18.04 fixtures against the USN subset, NVD 1.1 feeds and the
// KEV catalogue of vulndata):
//   - zlib1g CVE-2018-25032: USN-5355-1 gives no priority, so NVD's
//     primary CVSS 3.1 rating (7.5, HIGH) decides;
//   - libsqlite3-0 USN-4394-1: Ubuntu rates it MEDIUM, which wins over
//     NVD's HIGH for CVE-2018-8740, and both are kept;
//   - sudo USN-4705-1 names CVE-2021-3156, in KEV since 2022-04-06.
func TestSeverityRuleAndEnrichment(t *testing.T) {
	find := func(r *report.Report, pkg, id string) *report.Vulnerability {
		for i, v := range r.Vulnerabilities {
			if v.PackageName == pkg && v.ID == id {
				return &r.Vulnerabilities[i]
			}
		}
		t.Fatalf("no %s finding on %s", id, pkg)
		return nil
	}
	r := scanJSON(t, "fs", testutil.Shared(t, "fixtures", "dpkg", "ubuntu-18.04-bionic-base"))
	z := find(r, "zlib1g", "CVE-2018-25032")
	if z.Severity != "HIGH" || z.CVSS == nil || z.CVSS.Score != 7.5 || z.CVSS.Version != "3.1" || z.CVSS.Source != "nvd@nist.gov" ||
		z.CVSS.Vector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H" {
		t.Errorf("zlib1g CVE-2018-25032: severity %s, cvss %+v", z.Severity, z.CVSS)
	}
	if len(z.SeveritySources) == 0 || z.SeveritySources[0].Source != "nvd" || z.KEV || z.EPSS != nil {
		t.Errorf("zlib1g sources %+v kev %v epss %v", z.SeveritySources, z.KEV, z.EPSS)
	}

	r = scanJSON(t, "fs", testutil.Shared(t, "fixtures", "dpkg", "ubuntu-18.04-bionic-texlive"))
	s := find(r, "libsqlite3-0", "USN-4394-1")
	var own, nvd string
	for _, src := range s.SeveritySources {
		if src.ID == "" {
			own = src.Source + " " + src.Severity
		}
		if src.Source == "nvd" && src.ID == "CVE-2018-8740" && strings.HasPrefix(src.Vector, "CVSS:3") {
			nvd = src.Severity
		}
	}
	if s.Severity != "MEDIUM" || own != "osv:Ubuntu MEDIUM" || nvd != "HIGH" || s.CVSS == nil {
		t.Errorf("libsqlite3-0: severity %s, own %q, nvd %q, sources %+v", s.Severity, own, nvd, s.SeveritySources)
	}
	sudo := find(r, "sudo", "USN-4705-1")
	if !sudo.KEV || sudo.KEVDateAdded != kevDateAdded(t, "CVE-2021-3156") {
		t.Errorf("sudo: kev %v %q", sudo.KEV, sudo.KEVDateAdded)
	}
	for _, v := range r.Vulnerabilities {
		if v.KEV && v.PackageName != "sudo" {
			t.Errorf("%s on %s in KEV", v.ID, v.PackageName)
		}
	}

	// --sort-by kev puts it first; severity orders by rank.
	r = scanJSON(t, "fs", testutil.Shared(t, "fixtures", "dpkg", "ubuntu-18.04-bionic-texlive"), "--sort-by", "kev")
	if v := r.Vulnerabilities[0]; v.PackageName != "sudo" || !v.KEV {
		t.Errorf("--sort-by kev: first %s on %s", v.ID, v.PackageName)
	}
	r = scanJSON(t, "fs", testutil.Shared(t, "fixtures", "dpkg", "ubuntu-18.04-bionic-texlive"), "--sort-by", "severity")
	for i := 1; i < len(r.Vulnerabilities); i++ {
		if report.SeverityRank(r.Vulnerabilities[i].Severity) > report.SeverityRank(r.Vulnerabilities[i-1].Severity) {
			t.Fatalf("--sort-by severity: %s after %s", r.Vulnerabilities[i].Severity, r.Vulnerabilities[i-1].Severity)
		}
	}
	r = scanJSON(t, "fs", testutil.Shared(t, "fixtures", "dpkg", "ubuntu-18.04-bionic-texlive"), "--sort-by", "id")
	if !slices.IsSortedFunc(r.Vulnerabilities, func(a, b report.Vulnerability) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("--sort-by id: not sorted by id")
	}
	if r.Policy == nil || r.Policy.SortBy != "id" {
		t.Errorf("policy %+v", r.Policy)
	}
	_, errOut, code := runCLI(t, "fs", ".", "--db", testDB(t), "--cache-dir", t.TempDir(), "--sort-by", "age")
	if code != cli.ExitError || !strings.Contains(errOut, "--sort-by") {
		t.Errorf("--sort-by age: exit %d %q", code, errOut)
	}
}

// kevDateAdded reads a CVE's dateAdded from the KEV catalogue in vulndata.
func kevDateAdded(t *testing.T, cve string) string {
	t.Helper()
	data, err := os.ReadFile(testutil.Shared(t, "vulndata", "kev", "known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cat struct {
		Vulnerabilities []struct {
			CVE       string `json:"cveID"`
			DateAdded string `json:"dateAdded"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(data, &cat); err != nil {
		t.Fatal(err)
	}
	for _, v := range cat.Vulnerabilities {
		if v.CVE == cve {
			return v.DateAdded
		}
	}
	t.Fatalf("%s not in the KEV catalogue", cve)
	return ""
}

// epssDB builds a small database from the USN subset and an EPSS file
// written here. vulndata has no EPSS file, so the scores are made up for
// the test (shaped like the real file: a comment line, then cve, epss,
// percentile).
func epssDB(t *testing.T) string {
	t.Helper()
	usn := testutil.Shared(t, "vulndata", "osv", "Ubuntu", "usn-subset.zip")
	dir := t.TempDir()
	csv := writeFile(t, dir, "epss_scores-2026-01-01.csv", "#model_version:v2025.03.14,score_date:2026-01-01T00:00:00+0000\ncve,epss,percentile\n"+
		"CVE-2022-37434,0.01000,0.80000\nCVE-2018-25032,0.20000,0.95000\nCVE-2017-12424,0.05000,0.90000\n")
	db := filepath.Join(dir, "lading.db")
	if _, err := build.Build(context.Background(), db, []string{usn, csv}, build.Options{}); err != nil {
		t.Fatalf("building the EPSS test database: %v", err)
	}
	return db
}

// EPSS scores reach the findings (the highest among a finding's CVEs) and
// order them with --sort-by epss.
func TestEPSS(t *testing.T) {
	db := epssDB(t)
	out, errOut, code := runCLI(t, "fs", testutil.Shared(t, "fixtures", "dpkg", "ubuntu-18.04-bionic-base"),
		"--db", db, "--cache-dir", t.TempDir(), "-q", "-f", "json", "--sort-by", "epss")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decodeReport(t, out)
	var got []string
	for _, v := range r.Vulnerabilities {
		if v.EPSS != nil {
			got = append(got, v.PackageName+" "+v.EPSS.CVE)
		}
	}
	want := []string{"zlib1g CVE-2018-25032", "login CVE-2017-12424", "passwd CVE-2017-12424", "zlib1g CVE-2022-37434"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") || len(r.Vulnerabilities) <= len(want) {
		t.Errorf("findings with EPSS, in order: %v, want %v first", got, want)
	}
	if e := r.Vulnerabilities[0].EPSS; e == nil || e.Score != 0.2 || e.Percentile != 0.95 || e.Date != "2026-01-01" {
		t.Errorf("first EPSS %+v", e)
	}
}
