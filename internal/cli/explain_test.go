package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/internal/cli"
	"github.com/lading-dev/lading/internal/testutil"
)

// reportFile scans with the test database and writes the JSON report to
// a file, for lading explain --input.
func reportFile(t *testing.T, args ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.json")
	args = append(args, "-f", "json", "-o", path, "--db", testDB(t), "--cache-dir", t.TempDir(), "-q")
	if _, errOut, code := runCLI(t, args...); code == cli.ExitError {
		t.Fatalf("lading %v: %s", args, errOut)
	}
	return path
}

func explainOut(t *testing.T, args ...string) string {
	t.Helper()
	args = append([]string{"explain"}, append(args, "--db", testDB(t), "--cache-dir", t.TempDir())...)
	out, errOut, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("lading %v: exit %d: %s", args, code, errOut)
	}
	return out
}

// block returns the part of an explanation about one package.
func block(t *testing.T, out, head string) string {
	t.Helper()
	i := strings.Index(out, "\n"+head)
	if i < 0 {
		t.Fatalf("no %q in:\n%s", head, out)
	}
	b := out[i+1:]
	if j := strings.Index(b, "\n\n"); j >= 0 {
		b = b[:j]
	}
	return b
}

func wantLines(t *testing.T, b string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(b, l) {
			t.Errorf("missing %q in:\n%s", l, b)
		}
	}
}

// Explanations on the Alpine 3.20.3 image (secdb v3.20, PROVENANCE §11):
// a reported finding, a fix the installed version has (CVE-2023-42364 is
// fixed in busybox 1.36.1-r29, the installed version), a "0" secfixes
// entry (zlib CVE-2023-45853: not affected), an ignore rule, a VEX
// statement and a --severity filter.
func TestExplainAlpine(t *testing.T) {
	archive, diffIDs := alpineImage(t)
	rep := reportFile(t, "image", "docker-archive:"+archive)

	out := explainOut(t, "CVE-2024-58251", "--input", rep)
	wantLines(t, out, "CVE-2024-58251: 1 record in the advisory database", "  alpine-secdb CVE-2024-58251")
	b := block(t, out, "CVE-2024-58251 in busybox 1.36.1-r29: REPORTED")
	wantLines(t, b,
		"statement:  alpine-secdb alpine:3.20 busybox (CVE-2024-58251): fixed in 1.36.1-r31",
		"matched:    1.36.1-r29 < 1.36.1-r31 (alpine-secdb alpine:3.20 busybox)",
		"comparison: installed 1.36.1-r29 < fixed 1.36.1-r31 in apk order: the package lacks the fix",
		"status:     fixed, fixed in 1.36.1-r31",
		"severity:   UNKNOWN (no rating from alpine-secdb, and none from NVD)",
		"file:       lib/apk/db/installed in layer 1 of 1 ("+diffIDs[0].String()+")",
		"created by: /bin/sh -c #(nop) ADD file:alpine-minirootfs-3.20.3-x86_64.tar.gz in /",
		"origin:     base (base image: layer 1, told by history:")
	for _, other := range []string{"busybox-binsh", "ssl_client"} {
		block(t, out, "CVE-2024-58251 in "+other+" 1.36.1-r29: REPORTED")
	}

	out = explainOut(t, "cve-2023-42364", "--input", rep, "--package", "busybox")
	b = block(t, out, "cve-2023-42364 in busybox 1.36.1-r29: NOT REPORTED: fixed")
	wantLines(t, b,
		"statement:  CVE-2023-42364: fixed in 1.36.1-r29, which the installed version has",
		"evidence:   1.36.1-r29 = 1.36.1-r29 (alpine-secdb alpine:3.20 busybox)",
		"comparison: installed 1.36.1-r29 = fixed 1.36.1-r29 in apk order: the package has the fix",
		"file:       lib/apk/db/installed")
	if strings.Contains(out, "ssl_client") {
		t.Errorf("--package busybox explained ssl_client:\n%s", out)
	}

	out = explainOut(t, "CVE-2023-45853", "--input", rep)
	b = block(t, out, "CVE-2023-45853 in zlib 1.3.1-r1: NOT REPORTED: not affected")
	wantLines(t, b, "statement:  CVE-2023-45853: zlib in alpine:3.20 is not affected (alpine-secdb)",
		"evidence:   1.3.1-r1: not affected (alpine-secdb alpine:3.20 zlib)")

	out = explainOut(t, "CVE-1999-0001", "--input", rep)
	wantLines(t, out, "CVE-1999-0001: 0 records in the advisory database", "NVD:", "No package of docker-archive:")

	// Ignored by a rule, suppressed by VEX, filtered by --severity.
	dir := t.TempDir()
	ign := writeFile(t, dir, "ignore.yaml", "ignore:\n  - id: CVE-2024-9143\n    reason: the GF(2^m) API is not used\n")
	vex := writeFile(t, dir, "v.json", `{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
		{"vulnerability": {"name": "CVE-2025-26519"}, "products": ["pkg:apk/alpine/musl"], "status": "not_affected",
		 "justification": "vulnerable_code_not_present"}]}`)
	rep = reportFile(t, "image", "docker-archive:"+archive, "--ignorefile", ign, "--vex", vex, "--severity", "CRITICAL,HIGH,MEDIUM,LOW,NEGLIGIBLE")
	// --severity leaves out every (UNKNOWN) finding: nothing is left to
	// ignore, and the explanation says which filter it was.
	out = explainOut(t, "CVE-2024-9143", "--input", rep)
	b = block(t, out, "CVE-2024-9143 in libcrypto3 3.3.2-r0: NOT REPORTED: filtered")
	wantLines(t, b, "why:        --severity CRITICAL,HIGH,MEDIUM,LOW,NEGLIGIBLE: its severity is UNKNOWN",
		"matched:    CVE-2024-9143: fixed, fixed in 3.3.2-r1, severity UNKNOWN")

	rep = reportFile(t, "image", "docker-archive:"+archive, "--ignorefile", ign, "--vex", vex)
	out = explainOut(t, "CVE-2024-9143", "--input", rep)
	b = block(t, out, "CVE-2024-9143 in libssl3 3.3.2-r0: NOT REPORTED: ignored")
	wantLines(t, b, "rule:       "+ign+" line 2: id=CVE-2024-9143", "reason:     the GF(2^m) API is not used",
		"otherwise:  reported as fixed, fixed in 3.3.2-r1 (3.3.2-r0 < 3.3.2-r1 (alpine-secdb alpine:3.20 openssl))")
	out = explainOut(t, "CVE-2025-26519", "--input", rep)
	b = block(t, out, "CVE-2025-26519 in musl 1.2.5-r0: NOT REPORTED: VEX")
	wantLines(t, b, "rule:       "+vex+" (OpenVEX) statement 1", "reason:     VEX "+vex+": not_affected (vulnerable_code_not_present)")
	block(t, out, "CVE-2025-26519 in musl-utils 1.2.5-r0: REPORTED")

	// --explain on the scan itself prints the explanation instead of the
	// report, and still writes the report with --output.
	reportPath := filepath.Join(t.TempDir(), "r.json")
	stdout, errOut, code := runCLI(t, "image", "docker-archive:"+archive, "--explain", "CVE-2023-42364", "-o", reportPath, "-f", "json",
		"--db", testDB(t), "--cache-dir", t.TempDir(), "-q")
	if code != 0 {
		t.Fatalf("--explain: exit %d %s", code, errOut)
	}
	block(t, stdout, "CVE-2023-42364 in busybox 1.36.1-r29: NOT REPORTED: fixed")
	if strings.Contains(stdout, `"schema"`) {
		t.Error("--explain also printed the report")
	}
	if data, err := os.ReadFile(reportPath); err != nil || !strings.Contains(string(data), `"schema": "lading.report/v1"`) {
		t.Errorf("--explain -o: report not written (%v)", err)
	}
}

// A withdrawn record and a version outside the ranges, with language
// packages: Debian 12's python3 dist-packages (jinja2, cryptography) and
// an aiohttp 3.8.1 dist-info written here. PYSEC-2022-43059 (aiohttp,
// every version) was withdrawn on 2023-11-08; PYSEC-2023-112 is about
// cryptography 40.0.0 to 41.0.2, and the fixture has 38.0.4; PYSEC-2021-62
// is fixed in 3.2.1.
func TestExplainLanguage(t *testing.T) {
	root := t.TempDir()
	dist := filepath.Join(root, "usr", "lib", "python3", "dist-packages")
	if err := os.CopyFS(root, os.DirFS(testutil.Shared(t, "fixtures", "python", "debian-bookworm-dist-packages"))); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dist, "aiohttp-3.8.1.dist-info"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dist, "aiohttp-3.8.1.dist-info"), "METADATA", "Metadata-Version: 2.1\nName: aiohttp\nVersion: 3.8.1\n")
	rep := reportFile(t, "fs", root)

	out := explainOut(t, "PYSEC-2022-43059", "--input", rep)
	wantLines(t, out, "pypa PYSEC-2022-43059:", "withdrawn 2023-11-08")
	b := block(t, out, "PYSEC-2022-43059 in aiohttp 3.8.1: NOT REPORTED: withdrawn")
	wantLines(t, b, "statement:  PYSEC-2022-43059: the record was withdrawn on 2023-11-08",
		"file:       usr/lib/python3/dist-packages/aiohttp-3.8.1.dist-info/METADATA")

	out = explainOut(t, "PYSEC-2023-112", "--input", rep)
	b = block(t, out, "PYSEC-2023-112 in cryptography 38.0.4: NOT REPORTED: not affected")
	wantLines(t, b, "the installed version is outside the affected versions")

	out = explainOut(t, "PYSEC-2021-62", "--input", rep)
	b = block(t, out, "PYSEC-2021-62 in cryptography 38.0.4: NOT REPORTED: fixed")
	wantLines(t, b, "fixed in 3.2.1, which the installed version has",
		"comparison: installed 38.0.4 > fixed 3.2.1 in PEP 440 order: the package has the fix")

	out = explainOut(t, "CVE-2023-50782", "--input", rep)
	b = block(t, out, "CVE-2023-50782 in cryptography 38.0.4: REPORTED")
	wantLines(t, b, "aliases:    GHSA-3ww4-gg4f-jr7f", "comparison: installed 38.0.4 < fixed 42.0.0 in PEP 440 order: the package lacks the fix")

	_, errOut, code := runCLI(t, "explain", "CVE-2023-50782", "--db", testDB(t), "--cache-dir", t.TempDir())
	if code != cli.ExitError || !strings.Contains(errOut, "--input") {
		t.Errorf("no --input: exit %d %q", code, errOut)
	}
}
