package store

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory"
)

// Values from real records: CVE-2015-10011 in nvdcve-1.1-2015.json.gz
// (no CVSS, modified 2023-01-03T13:26Z) and nvdcve-1.1-modified.json.gz
// (v3.1 9.8, modified 2023-01-09T19:22Z); CVE-2024-7029 in NVD's 2.0
// data (fkie-cad/nvd-json-data-feeds @ 1fb8b74c); CVE-2021-44228's KEV
// entry; the EPSS rows of 2025-01-01 for CVE-1999-0001.
func TestEnrichmentRoundTrip(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "db.sqlite")
	w, err := Create(p)
	if err != nil {
		t.Fatal(err)
	}
	d := func(y int, m time.Month, day, h, min int) time.Time {
		return time.Date(y, m, day, h, min, 0, 0, time.UTC)
	}
	older := advisory.NVDRecord{
		CVE: "CVE-2015-10011", Published: d(2023, 1, 2, 22, 15), Modified: d(2023, 1, 3, 13, 26),
		Description: "A vulnerability classified as problematic has been found in OpenDNS OpenResolve.",
	}
	newer := older
	newer.Modified = d(2023, 1, 9, 19, 22)
	newer.CWEs = []string{"CWE-116"}
	newer.CVSS = []advisory.CVSS{{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", BaseScore: 9.8,
		Severity: "CRITICAL", Source: advisory.NVDSource, Primary: true}}
	stale := newer
	stale.Modified = d(2022, 1, 1, 0, 0)
	stale.Description = "stale"
	ics := advisory.NVDRecord{
		CVE: "CVE-2024-7029", Status: "Undergoing Analysis", CWEs: []string{"CWE-77"},
		Published: time.Date(2024, 8, 2, 15, 16, 37, 163e6, time.UTC), Modified: time.Date(2024, 8, 30, 21, 15, 14, 420e6, time.UTC),
		Description: "Commands can be injected over the network and executed without authentication.",
		CVSS: []advisory.CVSS{
			{Version: "4.0", Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", BaseScore: 8.7, Severity: "HIGH", Source: "ics-cert@hq.dhs.gov"},
			{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", BaseScore: 8.8, Severity: "HIGH", Source: "ics-cert@hq.dhs.gov"},
		},
	}
	rejected := advisory.NVDRecord{CVE: "CVE-2018-0143", Status: "Rejected", Rejected: true, Modified: d(2023, 11, 7, 2, 50)}
	for _, r := range []advisory.NVDRecord{older, ics, newer, stale, rejected} {
		if err := w.AddNVD(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	kev := advisory.KEVEntry{CVE: "CVE-2021-44228", VendorProject: "Apache", Product: "Log4j2",
		VulnerabilityName: "Apache Log4j2 Remote Code Execution Vulnerability", DateAdded: "2021-12-10", DueDate: "2021-12-24",
		KnownRansomwareCampaignUse: "Known", Notes: "https://nvd.nist.gov/vuln/detail/CVE-2021-44228",
		CWEs: []string{"CWE-20", "CWE-400", "CWE-502"}}
	kevOld := kev
	kevOld.KnownRansomwareCampaignUse = "Unknown"
	for _, k := range []advisory.KEVEntry{kevOld, kev} { // the one read last wins
		if err := w.AddKEV(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	day := d(2025, 1, 1, 0, 0)
	for _, s := range []advisory.EPSSScore{
		{CVE: "CVE-1999-0001", Score: 0.00383, Percentile: 0.72779, Date: day, ModelVersion: "v2023.03.01"},
		{CVE: "cve-1999-0001", Score: 0.5, Percentile: 0.5, Date: d(2024, 1, 1, 0, 0), ModelVersion: "old"}, // older date: ignored
		{CVE: "CVE-2021-44228", Score: 0.9, Percentile: 0.99, Date: day},
	} {
		if err := w.AddEPSS(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if st := w.EnrichmentStats(); st != (EnrichmentWriteStats{NVDRecords: 5, NVDStale: 1, NVDNewer: 1, KEV: 2, EPSS: 3}) {
		t.Errorf("write stats %+v", st)
	}
	if _, err := w.Finish(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := w.AddNVD(ctx, ics); err == nil {
		t.Error("AddNVD after Finish: no error")
	}

	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e, err := s.Enrichment(ctx, "cve-2015-10011")
	if err != nil || e == nil || e.NVD == nil {
		t.Fatalf("CVE-2015-10011: %+v %v", e, err)
	}
	if !reflect.DeepEqual(*e.NVD, newer) || e.Severity != advisory.SeverityCritical || e.KEV != nil || e.EPSS != nil {
		t.Errorf("CVE-2015-10011: got %+v / %+v, want the newer record", e, e.NVD)
	}
	e, _ = s.Enrichment(ctx, "CVE-2024-7029")
	if e == nil || !reflect.DeepEqual(*e.NVD, ics) || e.Severity != advisory.SeverityHigh {
		t.Errorf("CVE-2024-7029: got %+v", e)
	}
	e, _ = s.Enrichment(ctx, "CVE-2021-44228")
	if e == nil || e.NVD != nil || !reflect.DeepEqual(*e.KEV, kev) || !e.InKEV() || !e.KEV.RansomwareUse() ||
		e.EPSS == nil || e.EPSS.Score != 0.9 || e.Description() != "" {
		t.Errorf("CVE-2021-44228: got %+v", e)
	}
	e, _ = s.Enrichment(ctx, "CVE-1999-0001")
	want := advisory.EPSSScore{CVE: "CVE-1999-0001", Score: 0.00383, Percentile: 0.72779, Date: day, ModelVersion: "v2023.03.01"}
	if e == nil || e.EPSS == nil || *e.EPSS != want {
		t.Errorf("CVE-1999-0001: got %+v", e)
	}
	e, _ = s.Enrichment(ctx, "CVE-2018-0143")
	if e == nil || !e.NVD.Rejected || e.Severity != "" || len(e.NVD.CVSS) != 0 {
		t.Errorf("CVE-2018-0143: got %+v", e)
	}
	if e, err := s.Enrichment(ctx, "CVE-2000-0000"); e != nil || err != nil {
		t.Errorf("unknown CVE: %+v %v", e, err)
	}
	st, err := s.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want2 := EnrichmentCounts{NVD: 3, NVDRejected: 1, NVDModified: d(2024, 8, 30, 21, 15).Add(14420 * time.Millisecond),
		KEV: 1, KEVLatest: "2021-12-10", EPSS: 2, EPSSDate: day}
	if st.Enrichment != want2 {
		t.Errorf("counts %+v, want %+v", st.Enrichment, want2)
	}
}

// A database without enrichment data answers nil and zero counts.
func TestEnrichmentEmpty(t *testing.T) {
	p := build(t)
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if e, err := s.Enrichment(context.Background(), "CVE-2021-44228"); e != nil || err != nil {
		t.Errorf("got %+v %v", e, err)
	}
	if c, err := s.EnrichmentCounts(context.Background()); err != nil || c != (EnrichmentCounts{}) {
		t.Errorf("counts %+v %v", c, err)
	}
}
