// Package epss reads the daily EPSS score file
// (epss_scores-YYYY-MM-DD.csv.gz or epss_scores-current.csv.gz, gzip or
// already unpacked): a comment line
// "#model_version:v2025.03.14,score_date:2025-01-01T00:00:00+0000", then
// the header "cve,epss,percentile", then one row per CVE. Files from
// before February 2022 have no comment line; they read with a zero date.
package epss

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// Source names EPSS data in SourceInfo.Name.
const Source = "epss"

// Sink receives one score at a time; an error stops the reader.
type Sink func(advisory.EPSSScore) error

// Meta is the file's comment line.
type Meta struct {
	ModelVersion string
	ScoreDate    time.Time
	// Raw is the comment line without its "#".
	Raw string
}

var cveID = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

// ReadFile reads the EPSS file at path, gzip-compressed or not. See Read.
func ReadFile(ctx context.Context, path string, sink Sink) (Meta, feed.Stats, error) {
	r, err := feed.OpenMaybeGzip(path)
	if err != nil {
		return Meta{}, feed.Stats{}, fmt.Errorf("epss: %w", err)
	}
	defer r.Close()
	meta, stats, err := Read(ctx, r, sink)
	if err != nil {
		return meta, stats, fmt.Errorf("epss: %s: %w", path, err)
	}
	return meta, stats, nil
}

// Read reads an EPSS CSV from r (already decompressed). Every score
// carries the comment line's score_date and model_version. The header
// must name the columns cve, epss and percentile (in any order); a row
// whose CVE id, score or percentile is unreadable, or whose score or
// percentile lies outside 0–1, is counted as skipped.
func Read(ctx context.Context, r io.Reader, sink Sink) (Meta, feed.Stats, error) {
	var meta Meta
	var stats feed.Stats
	br := bufio.NewReaderSize(r, 1<<16)
	if b, err := br.Peek(1); err == nil && b[0] == '#' {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return meta, stats, err
		}
		meta = parseMeta(strings.TrimSpace(strings.TrimPrefix(line, "#")))
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return meta, stats, fmt.Errorf("invalid EPSS header: %w", err)
	}
	col := map[string]int{"cve": -1, "epss": -1, "percentile": -1}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if c, ok := col[h]; ok && c < 0 {
			col[h] = i
		}
	}
	for name, i := range col {
		if i < 0 {
			return meta, stats, fmt.Errorf("not an EPSS file: no %q column in the header %q", name, strings.Join(header, ","))
		}
	}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return meta, stats, err
			}
		}
		rec, err := cr.Read()
		if err == io.EOF {
			return meta, stats, nil
		}
		if err != nil {
			return meta, stats, fmt.Errorf("invalid EPSS CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		s, reason := score(rec, col)
		if reason != "" {
			stats.Skip(fmt.Sprintf("line %d: %s", line, reason))
			continue
		}
		s.Date, s.ModelVersion = meta.ScoreDate, meta.ModelVersion
		if err := sink(s); err != nil {
			return meta, stats, err
		}
		stats.Records++
	}
}

func score(rec []string, col map[string]int) (advisory.EPSSScore, string) {
	field := func(name string) string {
		if i := col[name]; i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	s := advisory.EPSSScore{CVE: field("cve")}
	if !cveID.MatchString(s.CVE) {
		return s, fmt.Sprintf("%q is not a CVE id", s.CVE)
	}
	var err error
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"epss", &s.Score}, {"percentile", &s.Percentile}} {
		v := field(f.name)
		*f.dst, err = strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(*f.dst) || *f.dst < 0 || *f.dst > 1 {
			return s, fmt.Sprintf("%s: %s %q is not a number from 0 to 1", s.CVE, f.name, v)
		}
	}
	return s, ""
}

// parseMeta reads "model_version:v2025.03.14,score_date:2025-01-01T00:00:00+0000".
func parseMeta(line string) Meta {
	m := Meta{Raw: line}
	for _, part := range strings.Split(line, ",") {
		k, v, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model_version":
			m.ModelVersion = strings.TrimSpace(v)
		case "score_date":
			m.ScoreDate = ParseDate(v)
		}
	}
	return m
}

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02",
}

// ParseDate reads a score_date ("2025-01-01T00:00:00+0000",
// "2026-03-28T12:55:00Z", "2026-07-15") as UTC; the zero time when it
// cannot.
func ParseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
