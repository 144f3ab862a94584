package update

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/internal/testutil"
)

// The upstream URLs of the enrichment feeds: NVD 2.0 year feeds up to the
// build year, each falling back to its retired 1.1 name, KEV and EPSS.
func TestUpdateEnrichmentUpstreamURLs(t *testing.T) {
	up := &upstream{root: testutil.Shared(t, "vulndata")}
	db := filepath.Join(t.TempDir(), "advisory.db")
	now := func() time.Time { return time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC) }
	rep, err := UpdateReport(context.Background(), db, UpdateOptions{
		Client: &http.Client{Transport: up}, CacheDir: t.TempDir(), Now: now,
		Feeds: []string{"alpine-secdb", "nvd", "kev", "epss"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Downloaded) != 1 {
		t.Errorf("downloaded %v", rep.Downloaded)
	}
	seen := map[string]bool{}
	for _, u := range up.urls {
		seen[u] = true
	}
	for _, want := range []string{
		"https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-2002.json.gz",
		"https://nvd.nist.gov/feeds/json/cve/1.1/nvdcve-1.1-2002.json.gz",
		"https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-2026.json.gz",
		"https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-modified.json.gz",
		"https://nvd.nist.gov/feeds/json/cve/1.1/nvdcve-1.1-recent.json.gz",
		"https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",
		"https://epss.empiricalsecurity.com/epss_scores-current.csv.gz",
	} {
		if !seen[want] {
			t.Errorf("no request for %s", want)
		}
	}
	if seen["https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-2027.json.gz"] {
		t.Error("asked for a year after the build year")
	}
	// 2002 … 2026 plus modified and recent, in both formats, KEV, EPSS.
	if n := 2 * (2026 - 2002 + 1 + 2); len(rep.NotPublished) < n+2 {
		t.Errorf("%d URLs not published, want at least %d", len(rep.NotPublished), n+2)
	}
}

// CVE-2021-44228 as NVD's 2.0 data gives it (fkie-cad/nvd-json-data-feeds
// CVE-2021/CVE-2021-442xx/CVE-2021-44228.json @ 7791f18b: dates, status,
// English description, both metrics and the weaknesses verbatim;
// configurations, references and the CISA fields left out) inside a 2.0
// feed envelope written for this test.
const log4shell20 = `{"resultsPerPage": 1, "startIndex": 0, "totalResults": 1, "format": "NVD_CVE", "version": "2.0",
 "timestamp": "2023-04-04T00:00:00.000",
 "vulnerabilities": [{"cve": {
  "id": "CVE-2021-44228", "sourceIdentifier": "security@apache.org",
  "published": "2021-12-10T10:15:09.143", "lastModified": "2023-04-03T20:15:07.173", "vulnStatus": "Modified",
  "descriptions": [{"lang": "en", "value": "Apache Log4j2 2.0-beta9 through 2.15.0 (excluding security releases 2.12.2, 2.12.3, and 2.3.1) JNDI features used in configuration, log messages, and parameters do not protect against attacker controlled LDAP and other JNDI related endpoints. An attacker who can control log messages or log message parameters can execute arbitrary code loaded from LDAP servers when message lookup substitution is enabled. From log4j 2.15.0, this behavior has been disabled by default. From version 2.16.0 (along with 2.12.2, 2.12.3, and 2.3.1), this functionality has been completely removed. Note that this vulnerability is specific to log4j-core and does not affect log4net, log4cxx, or other Apache Logging Services projects."}],
  "metrics": {
   "cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary", "cvssData": {"version": "3.1",
     "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "baseScore": 10.0, "baseSeverity": "CRITICAL"},
     "exploitabilityScore": 3.9, "impactScore": 6.0}],
   "cvssMetricV2": [{"source": "nvd@nist.gov", "type": "Primary", "cvssData": {"version": "2.0",
     "vectorString": "AV:N/AC:M/Au:N/C:C/I:C/A:C", "baseScore": 9.3}, "baseSeverity": "HIGH",
     "exploitabilityScore": 8.6, "impactScore": 10.0}]},
  "weaknesses": [{"source": "security@apache.org", "type": "Primary", "description": [{"lang": "en", "value": "CWE-20"}, {"lang": "en", "value": "CWE-400"}, {"lang": "en", "value": "CWE-502"}]},
   {"source": "nvd@nist.gov", "type": "Secondary", "description": [{"lang": "en", "value": "CWE-917"}]}]}}]}`

// The first lines of EPSS's file for 2025-01-01
// (empiricalsec/epss_scores 2025/epss_scores-2025-01-01.csv.gz, as a
// public survey quotes its "gunzip -c | head -5").
const epss20250101 = "#model_version:v2023.03.01,score_date:2025-01-01T00:00:00+0000\n" +
	"cve,epss,percentile\n" +
	"CVE-1999-0001,0.00383,0.72779\n" +
	"CVE-1999-0002,0.01328,0.85717\n" +
	"CVE-1999-0003,0.04409,0.92305\n"

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// An HTTP mirror with a 2.0 feed for 2021, the real 1.1 feed for 2002
// (through the fallback), the real KEV catalogue and an EPSS file: update
// reads all three enrichment feeds into the database.
func TestUpdateEnrichmentFromMirror(t *testing.T) {
	root := testutil.Shared(t, "vulndata")
	files := http.FileServer(http.Dir(root))
	nvd2021, epssGz := gz(t, log4shell20), gz(t, epss20250101)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/nvd/feeds/json/cve/2.0/nvdcve-2.0-2021.json.gz":
			w.Write(nvd2021)
		case "/epss/epss_scores-current.csv.gz":
			w.Write(epssGz)
		case "/nvd/feeds/json/cve/1.1/nvdcve-1.1-2002.json.gz", "/kev/known_exploited_vulnerabilities.json":
			files.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "advisory.db")
	cache := t.TempDir()
	rep, err := UpdateReport(context.Background(), db, UpdateOptions{
		Mirror: srv.URL, CacheDir: cache, Client: srv.Client(), Feeds: []string{"nvd", "kev", "epss"},
		Now: func() time.Time { return time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	emptyDir(t, cache)
	if len(rep.Downloaded) != 4 {
		t.Errorf("downloaded %v, want 4 files", rep.Downloaded)
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
	// 6,769 CVE_Items in the 2002 feed (PROVENANCE.md §10) + 1; 1,404 KEV
	// entries; 3 EPSS rows.
	if e := st.Enrichment; e.NVD != 6770 || e.KEV != 1404 || e.EPSS != 3 ||
		!e.EPSSDate.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("enrichment counts: %+v", e)
	}
	e, err := s.Enrichment(context.Background(), "CVE-2021-44228")
	if err != nil || e == nil || e.NVD == nil || e.KEV == nil {
		t.Fatalf("CVE-2021-44228: %+v, %v", e, err)
	}
	if e.Severity != "CRITICAL" || e.NVD.Status != "Modified" || !strings.HasPrefix(e.Description(), "Apache Log4j2 2.0-beta9") ||
		e.KEV.DateAdded != "2021-12-10" || !e.KEV.RansomwareUse() || e.EPSS != nil {
		t.Errorf("CVE-2021-44228: %+v / %+v / %+v", e, e.NVD, e.KEV)
	}
	e, err = s.Enrichment(context.Background(), "CVE-1999-0001")
	if err != nil || e == nil || e.NVD == nil || e.EPSS == nil || e.KEV != nil {
		t.Fatalf("CVE-1999-0001: %+v, %v", e, err)
	}
	if e.EPSS.Score != 0.00383 || e.EPSS.Percentile != 0.72779 || e.EPSS.ModelVersion != "v2023.03.01" {
		t.Errorf("CVE-1999-0001 EPSS: %+v", e.EPSS)
	}
	for _, si := range st.Metadata.Sources {
		if _, err := os.Stat(si.Location); err == nil || !strings.HasPrefix(si.Location, srv.URL) {
			t.Errorf("source location %q is not the mirror URL", si.Location)
		}
	}
}
