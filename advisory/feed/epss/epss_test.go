package epss

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory"
)

// The comment line, header and first three rows of EPSS's file for
// 2025-01-01 (empiricalsec/epss_scores, 2025/epss_scores-2025-01-01.csv.gz,
// as quoted from "gunzip -c | head -5" in a public survey of the data;
// the file itself is binary and could not be read here).
const real20250101 = "#model_version:v2023.03.01,score_date:2025-01-01T00:00:00+0000\n" +
	"cve,epss,percentile\n" +
	"CVE-1999-0001,0.00383,0.72779\n" +
	"CVE-1999-0002,0.01328,0.85717\n" +
	"CVE-1999-0003,0.04409,0.92305\n"

func collect(t *testing.T, r func(Sink) (Meta, error)) (Meta, []advisory.EPSSScore) {
	t.Helper()
	var out []advisory.EPSSScore
	m, err := r(func(s advisory.EPSSScore) error {
		out = append(out, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m, out
}

func TestReadRealRows(t *testing.T) {
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	want := []advisory.EPSSScore{
		{CVE: "CVE-1999-0001", Score: 0.00383, Percentile: 0.72779, Date: day, ModelVersion: "v2023.03.01"},
		{CVE: "CVE-1999-0002", Score: 0.01328, Percentile: 0.85717, Date: day, ModelVersion: "v2023.03.01"},
		{CVE: "CVE-1999-0003", Score: 0.04409, Percentile: 0.92305, Date: day, ModelVersion: "v2023.03.01"},
	}
	check := func(name string, m Meta, got []advisory.EPSSScore) {
		if m.ModelVersion != "v2023.03.01" || !m.ScoreDate.Equal(day) || len(got) != len(want) {
			t.Fatalf("%s: meta %+v, %d scores", name, m, len(got))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: row %d: got %+v, want %+v", name, i, got[i], want[i])
			}
		}
	}
	m, got := collect(t, func(s Sink) (Meta, error) {
		m, stats, err := Read(context.Background(), strings.NewReader(real20250101), s)
		if stats.Records != 3 || stats.Skipped != 0 {
			t.Errorf("stats %+v", stats)
		}
		return m, err
	})
	check("plain", m, got)

	// The same, gzip-compressed on disk as EPSS publishes it.
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(real20250101))
	zw.Close()
	p := filepath.Join(t.TempDir(), "epss_scores-2025-01-01.csv.gz")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	m, got = collect(t, func(s Sink) (Meta, error) {
		m, _, err := ReadFile(context.Background(), p, s)
		return m, err
	})
	check("gzip", m, got)
}

// Files before 2022-02-04 (EPSS v1) have no comment line; columns are
// found by name.
func TestReadWithoutComment(t *testing.T) {
	m, got := collect(t, func(s Sink) (Meta, error) {
		m, _, err := Read(context.Background(), strings.NewReader("percentile,cve,epss\r\n0.72779,CVE-1999-0001,0.00383\r\n"), s)
		return m, err
	})
	if !m.ScoreDate.IsZero() || len(got) != 1 || got[0].Score != 0.00383 || got[0].Percentile != 0.72779 || !got[0].Date.IsZero() {
		t.Errorf("got %+v %+v", m, got)
	}
}

func TestReadBadRows(t *testing.T) {
	doc := "#model_version:v2025.03.14,score_date:2026-03-28T12:55:00Z\ncve,epss,percentile\n" +
		"CVE-1999-0001,0.01025,0.77197\n" +
		"CVE-1999-0002,NaN,0.5\n" +
		"CVE-1999-0003,1.5,0.5\n" +
		"not-a-cve,0.1,0.1\n" +
		"CVE-1999-0004,0.1\n" +
		"CVE-1999-0005,-0.1,0.2\n"
	m, stats, err := Read(context.Background(), strings.NewReader(doc), func(advisory.EPSSScore) error { return nil })
	if err != nil || stats.Records != 1 || stats.Skipped != 5 || !m.ScoreDate.Equal(time.Date(2026, 3, 28, 12, 55, 0, 0, time.UTC)) {
		t.Errorf("got %+v %+v %v", m, stats, err)
	}
	for name, doc := range map[string]string{
		"empty":      "",
		"no header":  "#model_version:v1\n",
		"other CSV":  "cveID,vendorProject\nCVE-2021-44228,Apache\n",
		"bad quotes": "cve,epss,percentile\n\"CVE-1999-0001,0.1,0.1\n",
	} {
		if _, _, err := Read(context.Background(), strings.NewReader(doc), func(advisory.EPSSScore) error { return nil }); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2025-01-01T00:00:00+0000": time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		"2026-03-28T12:55:00Z":     time.Date(2026, 3, 28, 12, 55, 0, 0, time.UTC),
		"2026-07-15":               time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC),
		"soon":                     {},
	} {
		if got := ParseDate(in); !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v, want %v", in, got, want)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(real20250101))
	f.Add([]byte("cve,epss,percentile\nCVE-1999-0001,1e-3,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		_, stats, _ := Read(context.Background(), bytes.NewReader(data), func(s advisory.EPSSScore) error {
			n++
			if s.Score < 0 || s.Score > 1 || s.Percentile < 0 || s.Percentile > 1 || !cveID.MatchString(s.CVE) {
				t.Fatalf("bad score handed on: %+v", s)
			}
			return nil
		})
		if stats.Records != n {
			t.Fatalf("Records %d, handed on %d", stats.Records, n)
		}
	})
}
