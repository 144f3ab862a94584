package build

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/internal/testutil"
)

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

// The enrichment formats are told apart by content, compressed or not.
func TestDetectEnrichment(t *testing.T) {
	vulndata := testutil.Shared(t, "vulndata")
	nvd20 := `{"resultsPerPage": 1, "startIndex": 0, "totalResults": 1, "format": "NVD_CVE", "version": "2.0", "timestamp": "2024-09-01T00:00:00.000", "vulnerabilities": [{"cve": {"id": "CVE-2024-7029"}}]}`
	// The item array first: recognised from its key without reading it.
	nvd20ArrayFirst := `{"totalResults": 1, "vulnerabilities": [{"cve": {"id": "CVE-2024-7029"}}], "format": "NVD_CVE"}`
	epss := "#model_version:v2023.03.01,score_date:2025-01-01T00:00:00+0000\ncve,epss,percentile\nCVE-1999-0001,0.00383,0.72779\n"
	dir := t.TempDir()
	cases := map[string]struct {
		body []byte
		want Format
		skip string // substring of the skip reason
	}{
		"nvdcve-2.0-2024.json.gz":                     {body: gzipped(t, nvd20), want: FormatNVDJSON},
		"nvdcve-2.0-2024.json":                        {body: []byte(nvd20), want: FormatNVDJSON},
		"api-response.json":                           {body: []byte(nvd20ArrayFirst), want: FormatNVDJSON},
		"epss_scores-current.csv.gz":                  {body: gzipped(t, epss), want: FormatEPSSCSV},
		"epss_scores-2025-01-01.csv":                  {body: []byte(epss), want: FormatEPSSCSV},
		"v1.csv":                                      {body: []byte("cve,epss,percentile\nCVE-1999-0001,0.1,0.2\n"), want: FormatEPSSCSV},
		"osv-record.json.gz":                          {body: gzipped(t, `{"id": "GHSA-1", "modified": "2024-01-01T00:00:00Z"}`), skip: "only NVD feeds and EPSS scores are read compressed"},
		"notes.txt.gz":                                {body: gzipped(t, "hello"), skip: "gzip file of unknown content"},
		"other.csv":                                   {body: []byte("a,b\n1,2\n"), skip: "CSV file: format not recognised"},
		"known_exploited_vulnerabilities_schema.json": {body: []byte(`{"$schema": "x", "title": "CISA Catalog"}`), skip: "JSON schema"},
	}
	for name, c := range cases {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, c.body, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Detect(p)
		reason, unsupported := IsUnsupported(err)
		switch {
		case c.skip != "" && (!unsupported || !strings.Contains(reason, c.skip)):
			t.Errorf("%s: got %q, %v; want a skip with %q", name, got, err, c.skip)
		case c.skip == "" && (err != nil || got != c.want):
			t.Errorf("%s: got %q, %v; want %q", name, got, err, c.want)
		}
	}
	for rel, want := range map[string]Format{
		"nvd/feeds/json/cve/1.1/nvdcve-1.1-2002.json.gz":   FormatNVDJSON,
		"nvd/feeds/json/cve/1.1/nvdcve-1.1-recent.json.gz": FormatNVDJSON,
		"kev/known_exploited_vulnerabilities.json":         FormatKEVJSON,
		"kev/known_exploited_vulnerabilities.csv":          FormatKEVCSV,
	} {
		if got, err := Detect(filepath.Join(vulndata, filepath.FromSlash(rel))); err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", rel, got, err, want)
		}
	}
	// A file named like an NVD feed whose gzip header is broken is an
	// error, not a skip.
	bad := filepath.Join(dir, "nvdcve-1.1-2019.json.gz")
	os.WriteFile(bad, []byte{0x1f, 0x8b, 0, 0, 0}, 0o644)
	if _, err := Detect(bad); err == nil {
		t.Error("broken gzip named nvdcve-*: no error")
	} else if _, skip := IsUnsupported(err); skip {
		t.Errorf("broken gzip named nvdcve-*: a skip (%v)", err)
	}
}

// A feed file cut short fails the build and leaves the old database.
func TestBuildTruncatedNVDKeepsOld(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "advisory.db")
	kev := testutil.Shared(t, "vulndata", "kev", "known_exploited_vulnerabilities.json")
	if _, err := Build(context.Background(), db, []string{kev}, Options{}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(db)
	real, err := os.ReadFile(testutil.Shared(t, "vulndata", "nvd", "feeds", "json", "cve", "1.1", "nvdcve-1.1-2003.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "nvdcve-1.1-2003.json.gz")
	os.WriteFile(cut, real[:len(real)/2], 0o644)
	if _, err := Build(context.Background(), db, []string{kev, cut}, Options{}); err == nil || !strings.Contains(err.Error(), cut) {
		t.Errorf("truncated feed: got %v, want an error naming %s", err, cut)
	}
	after, _ := os.ReadFile(db)
	if !bytes.Equal(before, after) {
		t.Error("the previous database changed")
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, _ := s.EnrichmentCounts(context.Background())
	if c.KEV != 1404 || c.NVD != 0 {
		t.Errorf("counts %+v", c)
	}
}
