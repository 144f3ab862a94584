package build

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/internal/testutil"
)

// Records per file, from PROVENANCE.md: OSV records (§1, §2, §6, §13,
// §14), DSAs/DLAs (§8, §12), tracker CVE entries (§12); Alpine secdb fix
// entries per file (§7, §11) are compared with statements + skips.
var wantRecords = map[string]int{
	"osv/Go/all.zip":                                                4291,
	"osv/crates.io/all.zip":                                         1206,
	"osv/AlmaLinux:8/all.zip":                                       3237,
	"osv/AlmaLinux:9/all.zip":                                       1783,
	"osv/AlmaLinux:10/all.zip":                                      660,
	"osv/npm/all.zip":                                               28,
	"osv/Maven/all.zip":                                             17,
	"osv/PyPI/all.zip":                                              13,
	"osv/Ubuntu/usn-subset.zip":                                     30,
	"debian/security-tracker/data/DSA/list":                         5406,
	"debian/security-tracker/data/DLA/list":                         3534,
	"debian/tracker-json/anchore-vunnel-DSA":                        10,
	"debian/tracker-json/anchore-vunnel-debian.json":                6,
	"debian/tracker-json/aquasecurity-vuln-list-update-debian.json": 3,
	"debian/tracker-json/google-osv.dev-debian_security_tracker_mock.json": 4,
	// Native advisory repositories (§2–§5): advisory files per archive.
	"github/pypa/advisory-database/archive/refs/heads/main.zip":             2661,
	"github/rustsec/advisory-db/archive/refs/heads/main.zip":                1225,
	"github/rubysec/ruby-advisory-db/archive/refs/heads/master.zip":         1381,
	"github/FriendsOfPHP/security-advisories/archive/refs/heads/master.zip": 1592,
	// NVD CVE_Items per file (PROVENANCE.md §10; recounted with python3
	// over the gzip JSON) and KEV entries (§9: count 1,404; the CSV has
	// the same 1,404 rows).
	"nvd/feeds/json/cve/1.1/nvdcve-1.1-2002.json.gz": 6769, "nvd/feeds/json/cve/1.1/nvdcve-1.1-2003.json.gz": 1553,
	"nvd/feeds/json/cve/1.1/nvdcve-1.1-2004.json.gz": 2707, "nvd/feeds/json/cve/1.1/nvdcve-1.1-2005.json.gz": 4765,
	"nvd/feeds/json/cve/1.1/nvdcve-1.1-2006.json.gz": 7140, "nvd/feeds/json/cve/1.1/nvdcve-1.1-2007.json.gz": 6579,
	"nvd/feeds/json/cve/1.1/nvdcve-1.1-2008.json.gz": 7171, "nvd/feeds/json/cve/1.1/nvdcve-1.1-2009.json.gz": 5025,
	"nvd/feeds/json/cve/1.1/nvdcve-1.1-2010.json.gz": 5193, "nvd/feeds/json/cve/1.1/nvdcve-1.1-2011.json.gz": 4831,
	"nvd/feeds/json/cve/1.1/nvdcve-1.1-2012.json.gz": 5840, "nvd/feeds/json/cve/1.1/nvdcve-1.1-2013.json.gz": 6683,
	"nvd/feeds/json/cve/1.1/nvdcve-1.1-2014.json.gz": 8937, "nvd/feeds/json/cve/1.1/nvdcve-1.1-2015.json.gz": 8626,
	"nvd/feeds/json/cve/1.1/nvdcve-1.1-2016.json.gz": 10523, "nvd/feeds/json/cve/1.1/nvdcve-1.1-2017.json.gz": 16695,
	"nvd/feeds/json/cve/1.1/nvdcve-1.1-2018.json.gz": 16768, "nvd/feeds/json/cve/1.1/nvdcve-1.1-2023.json.gz": 44,
	"nvd/feeds/json/cve/1.1/nvdcve-1.1-modified.json.gz": 1632, "nvd/feeds/json/cve/1.1/nvdcve-1.1-recent.json.gz": 587,
	"kev/known_exploited_vulnerabilities.json": 1404, "kev/known_exploited_vulnerabilities.csv": 1404,
}

var wantSecdbEntries = map[string]int{
	"v3.3/main.yaml": 461, "v3.3/community.yaml": 0, "v3.4/main.yaml": 672, "v3.4/community.yaml": 14,
	"v3.5/main.yaml": 826, "v3.5/community.yaml": 102, "v3.6/main.yaml": 898, "v3.6/community.yaml": 219,
	"v3.7/main.yaml": 1078, "v3.7/community.yaml": 411, "v3.8/main.yaml": 1139, "v3.8/community.yaml": 485,
	"v3.9/main.yaml": 1121, "v3.9/community.yaml": 601, "v3.10/main.yaml": 1182, "v3.10/community.yaml": 720,
	"v3.11/main.yaml": 1204, "v3.11/community.yaml": 895, "v3.16/main.json": 66, "v3.20/main.json": 719,
}

// TestBuildAllVulndata builds from the whole shared folder: 63 files
// (PROVENANCE.md "Totals"), of which PROVENANCE.md and the KEV JSON
// schema are reported as skipped and the other 61 (20 secdb, 6 Debian, 9
// OSV zips, 20 NVD feeds, KEV JSON and CSV, 4 GitHub archives) are read.
func TestBuildAllVulndata(t *testing.T) {
	root := testutil.Shared(t, "vulndata")
	db := filepath.Join(t.TempDir(), "advisory.db")
	var log bytes.Buffer
	rep, err := BuildReport(context.Background(), db, []string{root}, Options{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built %s: %d bytes in %s; %+v", db, rep.Size, rep.Duration, rep.Store)

	if len(rep.Files) != 61 || len(rep.Skipped) != 2 {
		t.Errorf("read %d files and skipped %d, want 61 and 2\n%s", len(rep.Files), len(rep.Skipped), log.String())
	}
	skipWant := map[string]int{"JSON schema": 1, "documentation": 1}
	for prefix, want := range skipWant {
		n := 0
		for _, s := range rep.Skipped {
			if strings.Contains(s.Reason, prefix) {
				n++
			}
		}
		if n != want {
			t.Errorf("skipped files with %q: got %d, want %d", prefix, n, want)
		}
	}

	sumStatements := 0
	for _, f := range rep.Files {
		rel, _ := filepath.Rel(root, f.Path)
		rel = filepath.ToSlash(rel)
		sumStatements += f.Stats.Statements
		if want, ok := wantRecords[rel]; ok {
			if f.Stats.Records != want || f.Stats.Skipped != 0 {
				t.Errorf("%s: %d records, %d skipped; want %d, 0", rel, f.Stats.Records, f.Stats.Skipped, want)
			}
			continue
		}
		if want, ok := wantSecdbEntries[strings.TrimPrefix(rel, "alpine-secdb/")]; ok {
			// v3.6 main: heimdal 7.4.0-r0 has a null list (one skip, no entry).
			extra := 0
			if rel == "alpine-secdb/v3.6/main.yaml" {
				extra = 1
			}
			if f.Stats.Statements != want || f.Stats.Skipped != extra {
				t.Errorf("%s: %d statements, %d skipped; want %d, %d", rel, f.Stats.Statements, f.Stats.Skipped, want, extra)
			}
			continue
		}
		t.Errorf("unexpected file read: %s", rel)
	}

	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Metadata.Sources) != 61 || st.Metadata.SchemaVersion != store.SchemaVersion {
		t.Errorf("metadata: %d sources, schema %d", len(st.Metadata.Sources), st.Metadata.SchemaVersion)
	}
	// Distinct ids per source, counted with python3 over the files: OSV
	// 11,222 (49 AlmaLinux ids occur in two folders), 30 withdrawn (17 Go +
	// 13 crates.io); secdb 2,998 plus CVE-2018-16859, which occurs only
	// misspelt ("CVE 2018-16859", v3.9 main) and is repaired; DSA 5,407 (5,406 + DSA-5970-1 from
	// vunnel's excerpt, the other nine repeat the list); DLA 3,534;
	// tracker 11; pypa 2,661 (10 withdrawn), rustsec 1,225 (13
	// withdrawn), rubysec 1,306 (one CVE can name several gems),
	// friendsofphp 1,186 (likewise, across packages).
	want := map[string][2]int{
		"osv": {11222, 30}, "alpine-secdb": {2999, 0}, "debian-dsa": {5407, 0},
		"debian-dla": {3534, 0}, "debian-tracker": {11, 0},
		"pypa": {2661, 10}, "rustsec": {1225, 13}, "rubysec": {1306, 0}, "friendsofphp": {1186, 0},
	}
	for _, c := range st.Sources {
		w := want[c.Source]
		if c.Vulnerabilities != w[0] || c.Withdrawn != w[1] {
			t.Errorf("source %s: %d vulnerabilities, %d withdrawn; want %d, %d", c.Source, c.Vulnerabilities, c.Withdrawn, w[0], w[1])
		}
	}
	if len(st.Sources) != len(want) {
		t.Errorf("sources: got %+v", st.Sources)
	}
	// NVD: 128,068 items, 127,298 distinct CVEs, of which 8,013 are
	// rejected in their newest record (counted with python3 over the 20
	// feeds); KEV: 1,404 CVEs in both files.
	if e := st.Enrichment; e.NVD != 127298 || e.NVDRejected != 8013 || e.KEV != 1404 || e.EPSS != 0 {
		t.Errorf("enrichment counts: got %+v", e)
	}
	if st.Totals.Statements+rep.Store.Duplicates != sumStatements {
		t.Errorf("statements: %d stored + %d duplicates, want %d read", st.Totals.Statements, rep.Store.Duplicates, sumStatements)
	}

	// Spot checks through the Reader.
	ctx := context.Background()
	aff, err := s.Affected(ctx, "alpine:3.20", "openssl")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range aff {
		if a.VulnID == "CVE-2024-9143" && a.Fixed == "3.3.2-r1" {
			found = true
		}
	}
	if !found {
		t.Errorf("alpine:3.20 openssl: CVE-2024-9143 fixed 3.3.2-r1 missing among %d statements", len(aff))
	}
	aff, _ = s.Affected(ctx, "debian:12", "busybox")
	if len(aff) != 1 || aff[0].Status != advisory.StatusUnimportant || aff[0].VulnID != "CVE-2018-1000500" {
		t.Errorf("debian:12 busybox: got %+v", aff)
	}
	aff, _ = s.Affected(ctx, "pypi", "JINJA2")
	if len(aff) != 7 {
		t.Errorf("pypi jinja2: got %d statements, want 7 (osv: GHSA-h5c8 jinja2, GHSA-h75v Jinja2; pypa: 5 PYSEC records under vulns/jinja2/)", len(aff))
	}
	v, _ := s.Vulnerability(ctx, "DSA-5380-1")
	if v == nil || v.Source != "debian-dsa" || len(v.Aliases) != 1 || v.Aliases[0] != "CVE-2023-1393" {
		t.Errorf("DSA-5380-1: got %+v", v)
	}
	v, _ = s.Vulnerability(ctx, "GO-2022-0617")
	if v == nil || v.Withdrawn.IsZero() {
		t.Errorf("GO-2022-0617 should be withdrawn: %+v", v)
	}
	// Enrichment: CVE-2015-10011 has no CVSS in nvdcve-1.1-2015 (modified
	// 2023-01-03T13:26Z) and v3.1 9.8 CRITICAL in the modified feed
	// (2023-01-09T19:22Z), which wins; CVE-2021-44228 is in KEV but in none
	// of the 1.1 feeds here (2021 is missing).
	e, err := s.Enrichment(ctx, "CVE-2015-10011")
	if err != nil || e == nil || e.NVD == nil || e.Severity != advisory.SeverityCritical || len(e.NVD.CVSS) != 1 ||
		e.NVD.Modified.Format(time.RFC3339) != "2023-01-09T19:22:00Z" {
		t.Errorf("CVE-2015-10011 enrichment: %+v, %v", e, err)
	}
	e, _ = s.Enrichment(ctx, "CVE-2021-44228")
	if e == nil || e.NVD != nil || e.KEV == nil || e.KEV.DateAdded != "2021-12-10" || !e.KEV.RansomwareUse() {
		t.Errorf("CVE-2021-44228 enrichment: %+v", e)
	}
}

func TestBuildMalformedKeepsOld(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "advisory.db")
	good := testutil.Shared(t, "vulndata", "alpine-secdb", "v3.16", "main.json")
	if _, err := Build(context.Background(), db, []string{good}, Options{}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	real, err := os.ReadFile(testutil.Shared(t, "vulndata", "osv", "Go", "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"truncated.zip": real[:len(real)/3],
		"broken.json":   []byte(`{"distroversion": "v3.20", "packages": [ {"pkg": `),
		"garbage.yaml":  []byte("distroversion: v3.1\npackages: [\n  - {pkg: "),
		"tracker.json":  []byte(`{"busybox": {"CVE-1": {"releases": {"bookworm": {"status": "open"}}}}, "x": `),
	}
	for name, body := range cases {
		bad := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(bad, body, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Build(context.Background(), db, []string{good, bad}, Options{})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: got %v, want an error naming the file", name, err)
		}
		after, _ := os.ReadFile(db)
		if !bytes.Equal(before, after) {
			t.Errorf("%s: the previous database changed", name)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestBuildCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	db := filepath.Join(t.TempDir(), "advisory.db")
	if _, err := Build(ctx, db, []string{testutil.Shared(t, "vulndata", "osv", "Go", "all.zip")}, Options{}); err == nil {
		t.Error("cancelled build: got nil error")
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("cancelled build left %s", db)
	}
}
