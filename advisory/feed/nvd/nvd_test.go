package nvd

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/internal/testutil"
)

// Per 1.1 feed: CVE_Items, records whose English description starts
// "** REJECT **", and CVSS v3.0, v3.1 and v2 ratings. Counted with
// python3 (json + gzip) over ../shared/vulndata/nvd/feeds/json/cve/1.1;
// the items match PROVENANCE.md §10 and CVE_data_numberOfCVEs, and
// v3.0 + v3.1 match its "with CVSS v3" column.
var want11 = map[string]struct{ items, rejected, v30, v31, v2 int }{
	"2002":     {6769, 100, 2, 6, 6669},
	"2003":     {1553, 50, 2, 3, 1503},
	"2004":     {2707, 63, 3, 2, 2644},
	"2005":     {4765, 141, 3, 9, 4624},
	"2006":     {7140, 149, 5, 6, 6991},
	"2007":     {6579, 122, 7, 13, 6455},
	"2008":     {7171, 170, 7, 13, 7001},
	"2009":     {5025, 122, 18, 38, 4901},
	"2010":     {5193, 153, 20, 154, 5038},
	"2011":     {4831, 228, 37, 236, 4602},
	"2012":     {5840, 416, 70, 269, 5419},
	"2013":     {6683, 530, 114, 474, 6146},
	"2014":     {8937, 569, 686, 417, 8320},
	"2015":     {8626, 663, 1973, 551, 7933},
	"2016":     {10523, 1277, 8021, 1009, 9219},
	"2017":     {16695, 2160, 12858, 1666, 14498},
	"2018":     {16768, 1082, 13813, 1858, 15654},
	"2023":     {44, 0, 0, 1, 0},
	"modified": {1632, 18, 0, 1159, 304},
	"recent":   {587, 18, 0, 116, 0},
}

func TestRead11AllFeeds(t *testing.T) {
	dir := testutil.Shared(t, "vulndata", "nvd", "feeds", "json", "cve", "1.1")
	total := 0
	for name, want := range want11 {
		p := filepath.Join(dir, "nvdcve-1.1-"+name+".json.gz")
		var rejected, v30, v31, v2 int
		stats, format, err := ReadFile(context.Background(), p, func(r advisory.NVDRecord) error {
			if r.Rejected {
				rejected++
			}
			for _, c := range r.CVSS {
				if !c.Primary || c.Source != advisory.NVDSource {
					t.Errorf("%s: 1.1 rating not NVD's primary: %+v", r.CVE, c)
				}
				switch c.Version {
				case advisory.CVSSv30:
					v30++
				case advisory.CVSSv31:
					v31++
				case advisory.CVSSv2:
					v2++
				}
			}
			if r.Modified.IsZero() || r.Published.IsZero() {
				t.Errorf("%s: times not read: %+v", r.CVE, r)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		total += stats.Records
		if format != Format11 || stats.Records != want.items || stats.Skipped != 0 || rejected != want.rejected ||
			v30 != want.v30 || v31 != want.v31 || v2 != want.v2 {
			t.Errorf("%s: format %s, %d records (%d skipped), %d rejected, v3.0 %d, v3.1 %d, v2 %d; want %+v",
				name, format, stats.Records, stats.Skipped, rejected, v30, v31, v2, want)
		}
	}
	if total != 128068 {
		t.Errorf("total %d items, want 128,068", total)
	}
}

// CVE-2018-0001 as nvdcve-1.1-2018.json.gz gives it.
func TestRead11Record(t *testing.T) {
	p := testutil.Shared(t, "vulndata", "nvd", "feeds", "json", "cve", "1.1", "nvdcve-1.1-2018.json.gz")
	var got *advisory.NVDRecord
	_, _, err := ReadFile(context.Background(), p, func(r advisory.NVDRecord) error {
		if r.CVE == "CVE-2018-0001" {
			got = &r
		}
		return nil
	})
	if err != nil || got == nil {
		t.Fatalf("CVE-2018-0001 not read: %v", err)
	}
	want := advisory.NVDRecord{
		CVE:       "CVE-2018-0001",
		Published: time.Date(2018, 1, 10, 22, 29, 0, 0, time.UTC),
		Modified:  time.Date(2018, 2, 23, 2, 29, 0, 0, time.UTC),
		CWEs:      []string{"CWE-416"},
		CVSS: []advisory.CVSS{
			{Version: "3.0", Vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", BaseScore: 9.8, Severity: "CRITICAL", Source: "nvd@nist.gov", Primary: true},
			{Version: "2.0", Vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P", BaseScore: 7.5, Severity: "HIGH", Source: "nvd@nist.gov", Primary: true},
		},
	}
	if !strings.HasPrefix(got.Description, "A remote, unauthenticated attacker may be able to execute code by exploiting a use-after-free defect found in older versions of PHP") ||
		!strings.HasSuffix(got.Description, "15.1X53 versions prior to 15.1X53-D70.") {
		t.Errorf("description: %q", got.Description)
	}
	got.Description = ""
	if !equalRecord(*got, want) {
		t.Errorf("got %+v\nwant %+v", *got, want)
	}
	h, _ := advisory.HeadlineCVSS(got.CVSS)
	if advisory.CVSSSeverity(h) != advisory.SeverityCritical {
		t.Errorf("headline %+v", h)
	}
}

func equalRecord(a, b advisory.NVDRecord) bool {
	if a.CVE != b.CVE || a.Status != b.Status || a.Rejected != b.Rejected || !a.Published.Equal(b.Published) ||
		!a.Modified.Equal(b.Modified) || a.Description != b.Description || strings.Join(a.CWEs, ",") != strings.Join(b.CWEs, ",") ||
		len(a.CVSS) != len(b.CVSS) {
		return false
	}
	for i := range a.CVSS {
		if a.CVSS[i] != b.CVSS[i] {
			return false
		}
	}
	return true
}

// A year feed (77 MB of JSON for 2018) is read as a stream: the live heap
// stays a small fraction of the document.
func TestRead11Streams(t *testing.T) {
	p := testutil.Shared(t, "vulndata", "nvd", "feeds", "json", "cve", "1.1", "nvdcve-1.1-2018.json.gz")
	var peak uint64
	var ms runtime.MemStats
	n := 0
	_, _, err := ReadFile(context.Background(), p, func(advisory.NVDRecord) error {
		if n++; n%2000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak {
				peak = ms.HeapAlloc
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if peak > 16<<20 {
		t.Errorf("live heap reached %d bytes while streaming a 77 MB feed", peak)
	}
	t.Logf("peak live heap %d KiB", peak>>10)
}

// The 2.0 sample holds four records of NVD's 2.0 data as published in
// fkie-cad/nvd-json-data-feeds (CVE-2021-44228 @ 7791f18b, CVE-2024-7029
// @ 1fb8b74c, CVE-2024-3273 @ 07a876b9, CVE-2018-0143 @ 0c245865),
// trimmed (fewer configurations and references, the Spanish text cut,
// some v4.0 "NOT_DEFINED" fields dropped) inside a feed envelope written
// for the test.
func TestRead20Sample(t *testing.T) {
	got := map[string]advisory.NVDRecord{}
	var order []string
	stats, format, err := ReadFile(context.Background(), filepath.Join("testdata", "nvdcve-2.0-sample.json"), func(r advisory.NVDRecord) error {
		got[r.CVE] = r
		order = append(order, r.CVE)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if format != Format20 || stats.Records != 4 || stats.Skipped != 0 || strings.Join(order, " ") != "CVE-2021-44228 CVE-2024-7029 CVE-2024-3273 CVE-2018-0143" {
		t.Fatalf("format %s, stats %+v, order %v", format, stats, order)
	}
	nvd := advisory.NVDSource
	cases := []struct {
		rec      advisory.NVDRecord
		desc     string // prefix
		headline string
	}{
		{advisory.NVDRecord{
			CVE: "CVE-2021-44228", Status: "Modified",
			Published: time.Date(2021, 12, 10, 10, 15, 9, 143e6, time.UTC), Modified: time.Date(2023, 4, 3, 20, 15, 7, 173e6, time.UTC),
			CWEs: []string{"CWE-20", "CWE-400", "CWE-502", "CWE-917"},
			CVSS: []advisory.CVSS{
				{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", BaseScore: 10.0, Severity: "CRITICAL", Source: nvd, Primary: true},
				{Version: "2.0", Vector: "AV:N/AC:M/Au:N/C:C/I:C/A:C", BaseScore: 9.3, Severity: "HIGH", Source: nvd, Primary: true},
			},
		}, "Apache Log4j2 2.0-beta9 through 2.15.0 (excluding security releases", advisory.SeverityCritical},
		// Only the CNA's (secondary) scores: the v4.0 one is the headline.
		{advisory.NVDRecord{
			CVE: "CVE-2024-7029", Status: "Undergoing Analysis",
			Published: time.Date(2024, 8, 2, 15, 16, 37, 163e6, time.UTC), Modified: time.Date(2024, 8, 30, 21, 15, 14, 420e6, time.UTC),
			CWEs: []string{"CWE-77"},
			CVSS: []advisory.CVSS{
				{Version: "4.0", Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X", BaseScore: 8.7, Severity: "HIGH", Source: "ics-cert@hq.dhs.gov"},
				{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", BaseScore: 8.8, Severity: "HIGH", Source: "ics-cert@hq.dhs.gov"},
			},
		}, "Commands can be injected over the network", advisory.SeverityHigh},
		// NVD's primary v3.1 first, then the CNA's v3.1 and v2.
		{advisory.NVDRecord{
			CVE: "CVE-2024-3273", Status: "Analyzed",
			Published: time.Date(2024, 4, 4, 1, 15, 50, 387e6, time.UTC), Modified: time.Date(2024, 8, 14, 19, 31, 37, 420e6, time.UTC),
			CWEs: []string{"CWE-77"},
			CVSS: []advisory.CVSS{
				{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", BaseScore: 9.8, Severity: "CRITICAL", Source: nvd, Primary: true},
				{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L", BaseScore: 7.3, Severity: "HIGH", Source: "cna@vuldb.com"},
				{Version: "2.0", Vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P", BaseScore: 7.5, Severity: "HIGH", Source: "cna@vuldb.com"},
			},
		}, "** UNSUPPORTED WHEN ASSIGNED ** A vulnerability, which was classified as critical", advisory.SeverityCritical},
		{advisory.NVDRecord{
			CVE: "CVE-2018-0143", Status: "Rejected", Rejected: true,
			Published: time.Date(2019, 3, 21, 15, 28, 19, 963e6, time.UTC), Modified: time.Date(2023, 11, 7, 2, 50, 58, 707e6, time.UTC),
		}, "Rejected reason: DO NOT USE THIS CANDIDATE NUMBER.", ""},
	}
	for _, c := range cases {
		r := got[c.rec.CVE]
		if !strings.HasPrefix(r.Description, c.desc) {
			t.Errorf("%s description: %q", r.CVE, r.Description)
		}
		r.Description = ""
		if !equalRecord(r, c.rec) {
			t.Errorf("%s:\ngot  %+v\nwant %+v", c.rec.CVE, r, c.rec)
		}
		sev := ""
		if h, ok := advisory.HeadlineCVSS(r.CVSS); ok {
			sev = advisory.CVSSSeverity(h)
		}
		if sev != c.headline {
			t.Errorf("%s headline %q, want %q", r.CVE, sev, c.headline)
		}
	}
}

// The same document compressed reads the same; a CVE API 2.0 response
// (the same envelope) too.
func TestRead20Gzip(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "nvdcve-2.0-sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(raw)
	zw.Close()
	p := filepath.Join(t.TempDir(), "nvdcve-2.0-2024.json.gz")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	stats, format, err := ReadFile(context.Background(), p, func(advisory.NVDRecord) error { return nil })
	if err != nil || stats.Records != 4 || format != Format20 {
		t.Errorf("gzip: %+v %s %v", stats, format, err)
	}
	// Cut short: an error, not a silent partial read.
	if err := os.WriteFile(p, b.Bytes()[:b.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadFile(context.Background(), p, func(advisory.NVDRecord) error { return nil }); err == nil {
		t.Error("truncated gzip: no error")
	}
}

func TestReadMalformed(t *testing.T) {
	sink := func(advisory.NVDRecord) error { return nil }
	for name, doc := range map[string]string{
		"not JSON":      "<html>",
		"no items":      `{"CVE_data_type": "CVE"}`,
		"array":         `[]`,
		"items object":  `{"CVE_Items": {}}`,
		"two arrays":    `{"CVE_Items": [], "vulnerabilities": []}`,
		"trailing data": `{"CVE_Items": []} {}`,
		"cut":           `{"vulnerabilities": [{"cve": {"id": "CVE-2024-1"`,
	} {
		if _, _, err := Read(context.Background(), strings.NewReader(doc), sink); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Items that cannot be used are skipped, the rest read.
	doc := `{"vulnerabilities": [{"cve": {"id": "CVE-2024-1", "metrics": {"cvssMetricV31": [{"cvssData": {"baseScore": "high"}}]}}},
		{"cve": {}}, {"cve": {"id": "CVE-2024-2"}}]}`
	stats, _, err := Read(context.Background(), strings.NewReader(doc), sink)
	if err != nil || stats.Records != 1 || stats.Skipped != 2 {
		t.Errorf("skips: %+v %v", stats, err)
	}
	// A sink error stops the reader.
	stop := errors.New("stop")
	_, _, err = Read(context.Background(), strings.NewReader(doc), func(advisory.NVDRecord) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("sink error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Read(ctx, strings.NewReader(doc), sink); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2018-01-10T22:29Z":           time.Date(2018, 1, 10, 22, 29, 0, 0, time.UTC),
		"2021-12-10T10:15:09.143":     time.Date(2021, 12, 10, 10, 15, 9, 143e6, time.UTC),
		"2021-12-10T10:15:09Z":        time.Date(2021, 12, 10, 10, 15, 9, 0, time.UTC),
		"2021-12-10T12:15:09.5+02:00": time.Date(2021, 12, 10, 10, 15, 9, 5e8, time.UTC),
		"":                            {},
		"yesterday":                   {},
	} {
		if got := ParseTime(in); !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, want %v", in, got, want)
		}
	}
}

func FuzzRead(f *testing.F) {
	if raw, err := os.ReadFile(filepath.Join("testdata", "nvdcve-2.0-sample.json")); err == nil {
		f.Add(raw)
	}
	f.Add([]byte(`{"CVE_data_type": "CVE", "CVE_Items": [{"cve": {"CVE_data_meta": {"ID": "CVE-2018-0001"},
		"problemtype": {"problemtype_data": [{"description": [{"lang": "en", "value": "CWE-416"}]}]},
		"description": {"description_data": [{"lang": "en", "value": "** REJECT ** x"}]}},
		"impact": {"baseMetricV3": {"cvssV3": {"version": "3.0", "vectorString": "CVSS:3.0/AV:N", "baseScore": 9.8, "baseSeverity": "CRITICAL"}},
		"baseMetricV2": {"cvssV2": {"vectorString": "AV:N", "baseScore": 7.5}, "severity": "HIGH"}},
		"publishedDate": "2018-01-10T22:29Z", "lastModifiedDate": "2018-02-23T02:29Z"}]}`))
	f.Add([]byte(`{"vulnerabilities": [{"cve": {"id": "CVE-1", "metrics": {"cvssMetricV40": [{"type": "Secondary", "cvssData": {"vectorString": "x"}}]}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var recs []advisory.NVDRecord
		stats, format, err := Read(context.Background(), bytes.NewReader(data), func(r advisory.NVDRecord) error {
			recs = append(recs, r)
			return nil
		})
		if stats.Records != len(recs) {
			t.Fatalf("Records %d, handed on %d", stats.Records, len(recs))
		}
		if err == nil && format == "" {
			t.Fatal("no error and no format")
		}
		for _, r := range recs {
			if r.CVE == "" {
				t.Fatal("record without id")
			}
			for i := 1; i < len(r.CVSS); i++ {
				if advisory.CVSSLess(r.CVSS[i], r.CVSS[i-1]) {
					t.Fatalf("ratings out of order: %+v", r.CVSS)
				}
			}
		}
	})
}

// ReadFile decodes ahead on a second goroutine: a sink error or a
// cancelled context still stops it, and it does not outlive the call.
func TestReadFileStops(t *testing.T) {
	p := testutil.Shared(t, "vulndata", "nvd", "feeds", "json", "cve", "1.1", "nvdcve-1.1-2003.json.gz")
	before := runtime.NumGoroutine()
	stop := errors.New("stop")
	n := 0
	stats, _, err := ReadFile(context.Background(), p, func(advisory.NVDRecord) error {
		if n++; n == 1000 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || stats.Records != 999 || n != 1000 {
		t.Errorf("sink error: %v, %d records handed on, sink called %d times", err, stats.Records, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	_, _, err = ReadFile(ctx, p, func(advisory.NVDRecord) error {
		if n++; n == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n >= 1553 {
		t.Errorf("cancelled: %v after %d records", err, n)
	}
	var order []string
	_, _, err = ReadFile(context.Background(), p, func(r advisory.NVDRecord) error {
		order = append(order, r.CVE)
		return nil
	})
	if err != nil || len(order) != 1553 || order[0] != "CVE-2003-0001" {
		t.Errorf("full read: %v, %d records, first %v", err, len(order), order[:1])
	}
	time.Sleep(10 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before, %d after", before, after)
	}
}
