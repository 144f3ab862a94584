package kev

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/internal/testutil"
)

func readAll(t *testing.T, csvFile bool) (Catalog, []advisory.KEVEntry) {
	t.Helper()
	var out []advisory.KEVEntry
	sink := func(e advisory.KEVEntry) error {
		out = append(out, e)
		return nil
	}
	if csvFile {
		stats, err := ReadCSVFile(context.Background(), testutil.Shared(t, "vulndata", "kev", "known_exploited_vulnerabilities.csv"), sink)
		if err != nil || stats.Skipped != 0 || stats.Records != len(out) {
			t.Fatalf("csv: %+v, %v", stats, err)
		}
		return Catalog{}, out
	}
	cat, stats, err := ReadJSONFile(context.Background(), testutil.Shared(t, "vulndata", "kev", "known_exploited_vulnerabilities.json"), sink)
	if err != nil || stats.Skipped != 0 || stats.Records != len(out) {
		t.Fatalf("json: %+v, %v", stats, err)
	}
	return cat, out
}

// The catalogue of 2025-08-25 (PROVENANCE.md §9): count 1,404, and as
// many entries in the JSON and rows in the CSV, with the same fields
// (python3: csv.DictReader and json agree on every field of every CVE).
func TestReadRealCatalogue(t *testing.T) {
	cat, fromJSON := readAll(t, false)
	_, fromCSV := readAll(t, true)
	if cat.Count != 1404 || len(fromJSON) != cat.Count || len(fromCSV) != cat.Count {
		t.Fatalf("count %d, %d JSON entries, %d CSV rows", cat.Count, len(fromJSON), len(fromCSV))
	}
	if cat.Version != "2025.08.25" || cat.DateReleased != "2025-08-25T17:04:19.9796Z" || cat.Title != "CISA Catalog of Known Exploited Vulnerabilities" {
		t.Errorf("catalogue header: %+v", cat)
	}
	byCSV := map[string]advisory.KEVEntry{}
	for _, e := range fromCSV {
		byCSV[e.CVE] = e
	}
	known := 0
	for _, e := range fromJSON {
		if !reflect.DeepEqual(e, byCSV[e.CVE]) {
			t.Errorf("%s: JSON %+v\nCSV %+v", e.CVE, e, byCSV[e.CVE])
		}
		if e.RansomwareUse() {
			known++
		}
	}
	// knownRansomwareCampaignUse: 293 "Known", 1,111 "Unknown".
	if len(byCSV) != 1404 || known != 293 {
		t.Errorf("%d distinct CVEs in the CSV, %d with known ransomware use", len(byCSV), known)
	}

	var log4j advisory.KEVEntry
	for _, e := range fromJSON {
		if e.CVE == "CVE-2021-44228" {
			log4j = e
		}
	}
	want := advisory.KEVEntry{
		CVE: "CVE-2021-44228", VendorProject: "Apache", Product: "Log4j2",
		VulnerabilityName:          "Apache Log4j2 Remote Code Execution Vulnerability",
		DateAdded:                  "2021-12-10",
		ShortDescription:           "Apache Log4j2 contains a vulnerability where JNDI features do not protect against attacker-controlled JNDI-related endpoints, allowing for remote code execution.",
		RequiredAction:             "For all affected software assets for which updates exist, the only acceptable remediation actions are: 1) Apply updates; OR 2) remove affected assets from agency networks. Temporary mitigations using one of the measures provided at https://www.cisa.gov/uscert/ed-22-02-apache-log4j-recommended-mitigation-measures are only acceptable until updates are available.",
		DueDate:                    "2021-12-24",
		KnownRansomwareCampaignUse: "Known",
		Notes:                      "https://nvd.nist.gov/vuln/detail/CVE-2021-44228",
		CWEs:                       []string{"CWE-20", "CWE-400", "CWE-502"},
	}
	if !reflect.DeepEqual(log4j, want) {
		t.Errorf("CVE-2021-44228:\ngot  %+v\nwant %+v", log4j, want)
	}
	// The first entry: two CWEs, which the CSV writes as "CWE-59, CWE-436".
	if e := fromCSV[0]; e.CVE != "CVE-2025-48384" || strings.Join(e.CWEs, " ") != "CWE-59 CWE-436" || e.DueDate != "2025-09-15" || e.RansomwareUse() {
		t.Errorf("first CSV row: %+v", e)
	}
}

func TestReadJSONMalformed(t *testing.T) {
	sink := func(advisory.KEVEntry) error { return nil }
	for name, doc := range map[string]string{
		"not JSON":      "x",
		"no array":      `{"count": 0}`,
		"not an array":  `{"vulnerabilities": {}}`,
		"bad count":     `{"count": "many", "vulnerabilities": []}`,
		"cut":           `{"vulnerabilities": [{"cveID": "CVE-2021-44228"`,
		"trailing data": `{"vulnerabilities": []}]`,
	} {
		if _, _, err := ReadJSON(context.Background(), strings.NewReader(doc), sink); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	doc := `{"vulnerabilities": [{"cveID": "CVE-2021-44228", "cwes": ["CWE-20", " "]}, {"cveID": "not-a-cve"}, {"cveID": 7}, {"cveID": "CVE-2024-3273 "}]}`
	var got []advisory.KEVEntry
	cat, stats, err := ReadJSON(context.Background(), strings.NewReader(doc), func(e advisory.KEVEntry) error {
		got = append(got, e)
		return nil
	})
	if err != nil || stats.Records != 2 || stats.Skipped != 2 || cat.Count != -1 || got[1].CVE != "CVE-2024-3273" || len(got[0].CWEs) != 1 {
		t.Errorf("got %+v %+v %+v %v", cat, stats, got, err)
	}
	stop := errors.New("stop")
	if _, _, err := ReadJSON(context.Background(), strings.NewReader(doc), func(advisory.KEVEntry) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("sink error: %v", err)
	}
}

func TestReadCSVMalformed(t *testing.T) {
	sink := func(advisory.KEVEntry) error { return nil }
	if _, err := ReadCSV(context.Background(), strings.NewReader("cve,epss,percentile\nCVE-1999-0001,0.1,0.2\n"), sink); err == nil {
		t.Error("CSV without cveID: no error")
	}
	if _, err := ReadCSV(context.Background(), strings.NewReader("cveID,dateAdded\n\"CVE-2021-44228,2021"), sink); err == nil {
		t.Error("unterminated quote: no error")
	}
	stats, err := ReadCSV(context.Background(), strings.NewReader("\ufeffdateAdded,cveID\n2021-12-10,CVE-2021-44228\n2021-12-10\nx,y\n"), sink)
	if err != nil || stats.Records != 1 || stats.Skipped != 2 {
		t.Errorf("got %+v %v", stats, err)
	}
}

func FuzzReadJSON(f *testing.F) {
	f.Add([]byte(`{"title": "t", "catalogVersion": "2025.08.25", "count": 1, "vulnerabilities": [{"cveID": "CVE-2021-44228", "dateAdded": "2021-12-10", "cwes": ["CWE-20"]}]}`))
	f.Add([]byte(`{"vulnerabilities": [{"cveID": "CVE-2021-44228", "cwes": null}, {"cveID": 1}]}`))
	shared := os.Getenv(testutil.SharedEnv)
	if root, err := testutil.ModuleRoot(); shared == "" && err == nil {
		shared = filepath.Join(root, "..", "shared")
	}
	if raw, err := os.ReadFile(filepath.Join(shared, "vulndata", "kev", "known_exploited_vulnerabilities.json")); err == nil && len(raw) > 8192 {
		// A slice of the real catalogue: the header and the first entries.
		if i := bytes.Index(raw[4096:], []byte("},")); i > 0 {
			f.Add(append(append([]byte{}, raw[:4096+i+1]...), []byte("]}")...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		_, stats, err := ReadJSON(context.Background(), bytes.NewReader(data), func(e advisory.KEVEntry) error {
			n++
			if !cveID.MatchString(e.CVE) {
				t.Fatalf("entry with cveID %q handed on", e.CVE)
			}
			if _, err := json.Marshal(e); err != nil {
				t.Fatal(err)
			}
			return nil
		})
		if stats.Records != n {
			t.Fatalf("Records %d, handed on %d (err %v)", stats.Records, n, err)
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes\n" +
		"CVE-2024-8068,Citrix,\"Session Recording\",\"Citrix Session Recording Improper Privilege Management Vulnerability\",2025-08-25,\"d\",\"a\",2025-09-15,Unknown,\"n\",CWE-269\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		stats, _ := ReadCSV(context.Background(), bytes.NewReader(data), func(e advisory.KEVEntry) error {
			n++
			if !cveID.MatchString(e.CVE) {
				t.Fatalf("row with cveID %q handed on", e.CVE)
			}
			return nil
		})
		if stats.Records != n {
			t.Fatalf("Records %d, handed on %d", stats.Records, n)
		}
	})
}
