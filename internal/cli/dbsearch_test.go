package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lading-dev/lading/internal/cli"
)

// searchJSON runs db search -f json on the database built from all of
// ../shared/vulndata.
func searchJSON(t *testing.T, q string, v any) {
	t.Helper()
	out, errOut, code := runCLI(t, "db", "search", "--db", testDB(t), "--cache-dir", t.TempDir(), "-f", "json", q)
	if code != 0 {
		t.Fatalf("db search %s: exit %d: %s", q, code, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

type searchedID struct {
	Query   string `json:"query"`
	Records []struct {
		NamedAs       string `json:"named_as"`
		Vulnerability struct {
			ID       string   `json:"id"`
			Source   string   `json:"source"`
			Summary  string   `json:"summary"`
			Severity string   `json:"severity"`
			Aliases  []string `json:"aliases"`
		} `json:"vulnerability"`
		Related    []string `json:"related"`
		Statements []struct {
			Namespace string `json:"namespace"`
			Package   string `json:"package"`
			Status    string `json:"status"`
			Fixed     string `json:"fixed"`
			Ranges    []struct {
				Type   string              `json:"type"`
				Events []map[string]string `json:"events"`
			} `json:"ranges"`
		} `json:"statements"`
	} `json:"records"`
}

// record finds source/id among the results.
func (r *searchedID) record(source, id string) int {
	for i, rec := range r.Records {
		if rec.Vulnerability.Source == source && rec.Vulnerability.ID == id {
			return i
		}
	}
	return -1
}

// Each fact below was read in the feed file named.
func TestDBSearchID(t *testing.T) {
	type stmt struct{ ns, pkg, status, fixed string }
	for _, tc := range []struct {
		query, source, id, namedAs string
		alias, summary             string
		stmts                      []stmt
	}{
		// alpine-secdb/v3.20/main.json: openssl secfixes "3.3.2-r1": [CVE-2024-9143].
		{query: "CVE-2024-9143", source: "alpine-secdb", id: "CVE-2024-9143", namedAs: "id",
			stmts: []stmt{{"alpine:3.20", "openssl", "fixed", "3.3.2-r1"}}},
		// Case does not matter.
		{query: "cve-2024-9143", source: "alpine-secdb", id: "CVE-2024-9143", namedAs: "id",
			stmts: []stmt{{"alpine:3.20", "openssl", "fixed", "3.3.2-r1"}}},
		// osv/npm/all.zip GHSA-29mw-wpgm-hmr9.json: alias CVE-2020-28500;
		// lodash and lodash-es fixed 4.17.21, lodash.trim and lodash.trimend
		// last_affected 4.5.1 (no fix: affected).
		{query: "GHSA-29mw-wpgm-hmr9", source: "osv", id: "GHSA-29mw-wpgm-hmr9", namedAs: "id", alias: "CVE-2020-28500",
			summary: "Regular Expression Denial of Service (ReDoS) in lodash",
			stmts: []stmt{{"npm", "lodash", "fixed", "4.17.21"}, {"npm", "lodash-es", "fixed", "4.17.21"},
				{"npm", "lodash.trim", "affected", ""}, {"npm", "lodash.trimend", "affected", ""}}},
		{query: "CVE-2020-28500", source: "osv", id: "GHSA-29mw-wpgm-hmr9", namedAs: "alias", alias: "CVE-2020-28500",
			stmts: []stmt{{"npm", "lodash", "fixed", "4.17.21"}}},
		// debian/security-tracker/data/DSA/list: DSA-5380-1 xorg-server,
		// {CVE-2023-1393}, [bullseye] - xorg-server 2:1.20.11-1+deb11u6.
		{query: "DSA-5380-1", source: "debian-dsa", id: "DSA-5380-1", namedAs: "id", alias: "CVE-2023-1393",
			stmts: []stmt{{"debian:11", "xorg-server", "fixed", "2:1.20.11-1+deb11u6"}}},
		// DSA-5139-1 openssl {CVE-2022-1292}: buster 1.1.1n-0+deb10u2,
		// bullseye 1.1.1n-0+deb11u2.
		{query: "CVE-2022-1292", source: "debian-dsa", id: "DSA-5139-1", namedAs: "alias", alias: "CVE-2022-1292",
			stmts: []stmt{{"debian:10", "openssl", "fixed", "1.1.1n-0+deb10u2"}, {"debian:11", "openssl", "fixed", "1.1.1n-0+deb11u2"}}},
		// DLA list: DLA-3008-1 openssl {CVE-2022-1292}, [stretch] 1.1.0l-1~deb9u6.
		{query: "CVE-2022-1292", source: "debian-dla", id: "DLA-3008-1", namedAs: "alias",
			stmts: []stmt{{"debian:9", "openssl", "fixed", "1.1.0l-1~deb9u6"}}},
		// osv/AlmaLinux:9/all.zip ALSA-2022:6224 lists CVE-2022-1292 as related.
		{query: "CVE-2022-1292", source: "osv", id: "ALSA-2022:6224", namedAs: "related",
			stmts: []stmt{{"almalinux:9", "openssl", "", ""}}},
		// osv/Ubuntu/usn-subset.zip USN-5402-1: upstream UBUNTU-CVE-2022-1292;
		// openssl fixed 1.1.1-1ubuntu2.1~18.04.17 (18.04), 3.0.2-0ubuntu1.1 (22.04).
		{query: "CVE-2022-1292", source: "osv", id: "USN-5402-1", namedAs: "related",
			stmts: []stmt{{"ubuntu:18.04", "openssl", "fixed", "1.1.1-1ubuntu2.1~18.04.17"}, {"ubuntu:22.04", "openssl", "fixed", "3.0.2-0ubuntu1.1"}}},
		{query: "USN-5402-1", source: "osv", id: "USN-5402-1", namedAs: "id",
			stmts: []stmt{{"ubuntu:18.04", "openssl1.0", "fixed", "1.0.2n-1ubuntu5.9"}, {"ubuntu:20.04", "openssl", "fixed", "1.1.1f-1ubuntu2.13"}}},
		// osv/crates.io/all.zip RUSTSEC-2016-0001: openssl, SEMVER [0.0.0-0, 0.9.0),
		// aliases CVE-2016-10931 and GHSA-34p9-f4q3-c4r7.
		{query: "RUSTSEC-2016-0001", source: "osv", id: "RUSTSEC-2016-0001", namedAs: "id", alias: "CVE-2016-10931",
			summary: "SSL/TLS MitM vulnerability due to insecure defaults",
			stmts:   []stmt{{"crates.io", "openssl", "fixed", ""}}}, // introduced "0.0.0-0", not "0": no single fixed version
		{query: "GHSA-34p9-f4q3-c4r7", source: "osv", id: "RUSTSEC-2016-0001", namedAs: "alias"},
		// osv/Go/all.zip GO-2020-0001: github.com/gin-gonic/gin fixed 1.6.0.
		{query: "GO-2020-0001", source: "osv", id: "GO-2020-0001", namedAs: "id", alias: "CVE-2020-36567",
			stmts: []stmt{{"go", "github.com/gin-gonic/gin", "fixed", "1.6.0"}}},
	} {
		t.Run(tc.query+"/"+tc.id, func(t *testing.T) {
			var r searchedID
			searchJSON(t, tc.query, &r)
			i := r.record(tc.source, tc.id)
			if i < 0 {
				t.Fatalf("no %s %s among %+v", tc.source, tc.id, r.Records)
			}
			rec := r.Records[i]
			if rec.NamedAs != tc.namedAs {
				t.Errorf("named as %q, want %q", rec.NamedAs, tc.namedAs)
			}
			if tc.alias != "" && !contains(rec.Vulnerability.Aliases, tc.alias) {
				t.Errorf("aliases %v lack %s", rec.Vulnerability.Aliases, tc.alias)
			}
			if tc.summary != "" && rec.Vulnerability.Summary != tc.summary {
				t.Errorf("summary %q", rec.Vulnerability.Summary)
			}
		next:
			for _, want := range tc.stmts {
				for _, st := range rec.Statements {
					if st.Namespace == want.ns && st.Package == want.pkg &&
						(want.status == "" || st.Status == want.status) && (want.status == "" || st.Fixed == want.fixed) {
						continue next
					}
				}
				t.Errorf("no statement %+v among %+v", want, rec.Statements)
			}
		})
	}

	// The table form says the same.
	out, errOut, code := runCLI(t, "db", "search", "--db", testDB(t), "--cache-dir", t.TempDir(), "GHSA-29mw-wpgm-hmr9")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"osv GHSA-29mw-wpgm-hmr9", "Aliases:", "CVE-2020-28500", "Severity:", "MEDIUM",
		"lodash.trimend", "ECOSYSTEM [0, 4.17.21)", "ECOSYSTEM [0, 4.5.1]"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// CVE enrichment: kev/known_exploited_vulnerabilities.json lists
	// CVE-2021-44228 (dateAdded 2021-12-10, ransomware use Known);
	// nvd 1.1 2018 rates CVE-2018-0001 CVSS 3.0 9.8 with CWE-416.
	var e struct {
		Enrichment struct {
			Severity string `json:"severity"`
			KEV      *struct {
				DateAdded  string `json:"dateAdded"`
				Ransomware string `json:"knownRansomwareCampaignUse"`
			} `json:"kev"`
			NVD *struct {
				CWEs []string `json:"cwes"`
				CVSS []struct {
					Version   string  `json:"version"`
					BaseScore float64 `json:"base_score"`
				} `json:"cvss"`
			} `json:"nvd"`
		} `json:"enrichment"`
	}
	searchJSON(t, "CVE-2021-44228", &e)
	if k := e.Enrichment.KEV; k == nil || k.DateAdded != "2021-12-10" || k.Ransomware != "Known" {
		t.Errorf("CVE-2021-44228 KEV entry %+v", k)
	}
	searchJSON(t, "CVE-2018-0001", &e)
	if n := e.Enrichment.NVD; n == nil || len(n.CVSS) == 0 || n.CVSS[0].Version != "3.0" || n.CVSS[0].BaseScore != 9.8 ||
		!contains(n.CWEs, "CWE-416") || e.Enrichment.Severity != "CRITICAL" {
		t.Errorf("CVE-2018-0001 NVD %+v, severity %q", n, e.Enrichment.Severity)
	}
	out, _, code = runCLI(t, "db", "search", "--db", testDB(t), "--cache-dir", t.TempDir(), "CVE-2021-44228")
	if code != 0 || !strings.Contains(out, "CISA KEV:") || !strings.Contains(out, "known exploited, added 2021-12-10") {
		t.Errorf("table for CVE-2021-44228:\n%s", out)
	}

	out, _, code = runCLI(t, "db", "search", "--db", testDB(t), "--cache-dir", t.TempDir(), "CVE-1900-0001")
	if code != 0 || !strings.Contains(out, "no record") {
		t.Errorf("unknown id: exit %d: %s", code, out)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type searchedPURL struct {
	Name       string `json:"name"`
	Note       string `json:"note"`
	Namespaces []struct {
		Namespace  string   `json:"namespace"`
		Names      []string `json:"names"`
		Statements []struct {
			VulnID  string `json:"vuln_id"`
			Package string `json:"package"`
			Status  string `json:"status"`
			Fixed   string `json:"fixed"`
		} `json:"statements"`
		Verdict *struct {
			Findings []struct {
				ID           string   `json:"id"`
				Aliases      []string `json:"aliases"`
				Status       string   `json:"status"`
				FixedVersion string   `json:"fixed_version"`
				Evidence     string   `json:"evidence"`
			} `json:"findings"`
			Unknowns []struct {
				Reason string `json:"reason"`
			} `json:"unknowns"`
		} `json:"verdict"`
	} `json:"namespaces"`
}

func TestDBSearchPURL(t *testing.T) {
	type finding struct{ id, status, fixed string }
	for _, tc := range []struct {
		purl       string
		ns         []string // namespaces searched, in order
		names      []string
		statements []string // vulnerability ids that must be among the statements
		findings   []finding
		exact      bool // findings are all there is
		note       string
		unknown    string // a reason among the unknowns
	}{
		// PROVENANCE.md §11: busybox 1.36.1-r29 on Alpine 3.20 lacks the
		// fixes for CVE-2024-58251 and CVE-2025-46394 (1.36.1-r31) and no
		// other (secdb v3.20 main.json).
		{purl: "pkg:apk/alpine/busybox@1.36.1-r29?arch=x86_64&distro=alpine-3.20.3", ns: []string{"alpine:3.20"}, names: []string{"busybox"},
			statements: []string{"CVE-2023-42364", "CVE-2021-42373", "ALPINE-13661"},
			findings:   []finding{{"CVE-2024-58251", "fixed", "1.36.1-r31"}, {"CVE-2025-46394", "fixed", "1.36.1-r31"}}, exact: true},
		// §11: busybox 1.35.0-r17 on 3.16 lacks CVE-2023-42366 (-r18).
		{purl: "pkg:apk/alpine/busybox@1.35.0-r17?distro=alpine-3.16", ns: []string{"alpine:3.16"},
			findings: []finding{{"CVE-2023-42366", "fixed", "1.35.0-r18"}}, exact: true},
		// Without a distro qualifier: every Alpine release the database has.
		{purl: "pkg:apk/alpine/busybox", ns: []string{"alpine:3.10", "alpine:3.11", "alpine:3.16", "alpine:3.20"}},
		// tracker-json (osv.dev mock): busybox CVE-2018-1000500, bookworm
		// open with urgency unimportant at 1:1.35.0-4.
		{purl: "pkg:deb/debian/busybox@1:1.35.0-4?distro=debian-12", ns: []string{"debian:12"},
			findings: []finding{{"CVE-2018-1000500", "unimportant", ""}}, exact: true},
		{purl: "pkg:deb/debian/busybox@1:1.35.0-4?distro=bookworm", ns: []string{"debian:12"},
			findings: []finding{{"CVE-2018-1000500", "unimportant", ""}}},
		// DSA list: DSA-5139-1 fixes CVE-2022-1292 in bullseye at
		// 1.1.1n-0+deb11u2, so 1.1.1n-0+deb11u1 is affected; the DSA is an
		// alias of the CVE finding.
		{purl: "pkg:deb/debian/openssl@1.1.1n-0+deb11u1?distro=debian-11", ns: []string{"debian:11"},
			statements: []string{"DSA-5139-1"}, findings: []finding{{"CVE-2022-1292", "fixed", "1.1.1n-0+deb11u2"}}},
		// A binary package named with its source package (upstream=).
		// USN-5402-1 fixes openssl at 1.1.1-1ubuntu2.1~18.04.17 in 18.04.
		{purl: "pkg:deb/ubuntu/libssl1.1@1.1.1-1ubuntu2.1~18.04.5?distro=ubuntu-18.04&upstream=openssl", ns: []string{"ubuntu:18.04"},
			names: []string{"openssl", "libssl1.1"}, statements: []string{"USN-5402-1"},
			findings: []finding{{"USN-5402-1", "fixed", "1.1.1-1ubuntu2.1~18.04.17"}}},
		// No data for Debian 12 openssl in the shared vulndata (PROVENANCE
		// §8: the DSA list predates bookworm).
		{purl: "pkg:deb/debian/openssl@3.0.11?distro=debian-12", ns: []string{"debian:12"}, exact: true},
		// Language packages, through match.Language. osv/npm/all.zip has five
		// lodash records; 4.17.15 is hit by three (PROVENANCE.md §13:
		// GHSA-29mw and GHSA-35jh fixed in 4.17.21, GHSA-p6mc in 4.17.20),
		// not by GHSA-4xc9 (4.17.11) nor GHSA-jf85 (4.17.12).
		{purl: "pkg:npm/lodash@4.17.15", ns: []string{"npm"}, names: []string{"lodash"},
			statements: []string{"GHSA-29mw-wpgm-hmr9", "GHSA-35jh-r3h4-6jhm", "GHSA-4xc9-xhrj-v574", "GHSA-jf85-cpcp-j695", "GHSA-p6mc-m468-83gw"},
			findings:   []finding{{"GHSA-29mw-wpgm-hmr9", "fixed", "4.17.21"}, {"GHSA-35jh-r3h4-6jhm", "fixed", "4.17.21"}, {"GHSA-p6mc-m468-83gw", "fixed", "4.17.20"}}, exact: true},
		// osv/PyPI: GHSA-h5c8 names jinja2 (fixed 3.1.3), GHSA-h75v names
		// Jinja2 (fixed 3.1.4): one package under PEP 503.
		{purl: "pkg:pypi/Jinja2@3.1.2", ns: []string{"pypi"}, statements: []string{"GHSA-h5c8-rqwp-cp95", "GHSA-h75v-3vvj-5mfj"},
			findings: []finding{{"GHSA-h5c8-rqwp-cp95", "fixed", "3.1.3"}, {"GHSA-h75v-3vvj-5mfj", "fixed", "3.1.4"}}, exact: true},
		// osv/Go: GO-2020-0001 (fixed 1.6.0) and GO-2021-0052 (1.7.7) are
		// behind v1.9.0; GO-2023-1737 ([1.3.1-0.2019…, 1.9.1)) is not.
		{purl: "pkg:golang/github.com/gin-gonic/gin@v1.9.0", ns: []string{"go"}, names: []string{"github.com/gin-gonic/gin"},
			statements: []string{"GO-2020-0001", "GO-2021-0052", "GO-2023-1737"},
			findings:   []finding{{"GO-2023-1737", "fixed", "1.9.1"}}, exact: true},
		// §13: log4j-core 2.14.1 is hit by all three Log4Shell-era records.
		{purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", ns: []string{"maven"}, names: []string{"org.apache.logging.log4j:log4j-core"},
			statements: []string{"GHSA-jfh8-c2jp-5v3q", "GHSA-7rjr-3q55-vv33", "GHSA-p6xc-xr62-6r2g"},
			findings:   []finding{{"GHSA-jfh8-c2jp-5v3q", "fixed", "2.15.0"}, {"GHSA-7rjr-3q55-vv33", "fixed", "2.16.0"}, {"GHSA-p6xc-xr62-6r2g", "fixed", "2.17.0"}}, exact: true},
		// §13: log4j-core 2.19.0 is hit by none of them.
		{purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.19.0", ns: []string{"maven"}, exact: true},
		// RUSTSEC-2016-0001: openssl [0.0.0-0, 0.9.0).
		{purl: "pkg:cargo/openssl@0.8.0", ns: []string{"crates.io"}, statements: []string{"RUSTSEC-2016-0001"},
			findings: []finding{{"RUSTSEC-2016-0001", "fixed", "0.9.0"}}},
		// A version the ecosystem's syntax refuses is not compared.
		{purl: "pkg:npm/lodash@not.a.version", ns: []string{"npm"}, exact: true, unknown: "not a valid SemVer version"},
		// Advisories but no matching for the type.
		{purl: "pkg:hex/plug@1.0.0", ns: []string{"hex"}, note: "does not match hex packages"},
	} {
		t.Run(tc.purl, func(t *testing.T) {
			var r searchedPURL
			searchJSON(t, tc.purl, &r)
			var got []string
			for _, n := range r.Namespaces {
				got = append(got, n.Namespace)
			}
			for _, want := range tc.ns {
				if !contains(got, want) {
					t.Fatalf("namespaces %v lack %s", got, want)
				}
			}
			if tc.note != "" && !strings.Contains(r.Note, tc.note) {
				t.Errorf("note %q", r.Note)
			}
			n := r.Namespaces[0]
			for i := range r.Namespaces {
				if r.Namespaces[i].Namespace == tc.ns[0] {
					n = r.Namespaces[i]
				}
			}
			if tc.names != nil && strings.Join(n.Names, ",") != strings.Join(tc.names, ",") {
				t.Errorf("names looked up %v, want %v", n.Names, tc.names)
			}
			var ids []string
			for _, st := range n.Statements {
				ids = append(ids, st.VulnID)
			}
			for _, want := range tc.statements {
				if !contains(ids, want) {
					t.Errorf("statements %v lack %s", ids, want)
				}
			}
			if tc.findings == nil && !tc.exact {
				return
			}
			if n.Verdict == nil {
				t.Fatal("no verdict")
			}
			if tc.unknown != "" && (len(n.Verdict.Unknowns) == 0 || !strings.Contains(n.Verdict.Unknowns[0].Reason, tc.unknown)) {
				t.Errorf("unknowns %+v, want %q", n.Verdict.Unknowns, tc.unknown)
			}
			if tc.exact && len(n.Verdict.Findings) != len(tc.findings) {
				t.Errorf("%d findings, want %d: %+v", len(n.Verdict.Findings), len(tc.findings), n.Verdict.Findings)
			}
		next:
			for _, want := range tc.findings {
				for _, f := range n.Verdict.Findings {
					if (f.ID == want.id || contains(f.Aliases, want.id)) && f.Status == want.status && f.FixedVersion == want.fixed {
						if f.Evidence == "" {
							t.Errorf("%s: no evidence", f.ID)
						}
						continue next
					}
				}
				t.Errorf("no finding %+v among %+v", want, n.Verdict.Findings)
			}
		})
	}

	out, errOut, code := runCLI(t, "db", "search", "--db", testDB(t), "--cache-dir", t.TempDir(), "pkg:apk/alpine/busybox@1.36.1-r29?distro=alpine-3.20")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"alpine:3.20: busybox", "MATCHES 1.36.1-r29", "2 vulnerabilities would be reported",
		"1.36.1-r29 < 1.36.1-r31 (alpine-secdb alpine:3.20 busybox)"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"pkg:", "pkg:docker/library/alpine@3.20", "pkg:deb/debian/x@1?distro=nowhere"} {
		_, errOut, code := runCLI(t, "db", "search", "--db", testDB(t), "--cache-dir", t.TempDir(), bad)
		if code != cli.ExitError {
			t.Errorf("%s: exit %d: %s", bad, code, errOut)
		}
	}
}
