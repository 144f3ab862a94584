// Package kev reads CISA's Known Exploited Vulnerabilities catalogue:
// the JSON document (known_exploited_vulnerabilities.json: "title",
// "catalogVersion", "dateReleased", "count", "vulnerabilities") and the
// CSV export (known_exploited_vulnerabilities.csv), which has one column
// per entry field with the same names.
package kev

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// Source names KEV data in SourceInfo.Name.
const Source = "kev"

// Sink receives one entry at a time; an error stops the reader.
type Sink func(advisory.KEVEntry) error

// Catalog is the JSON document's header. The CSV export has none.
type Catalog struct {
	Title        string `json:"title"`
	Version      string `json:"catalogVersion"`
	DateReleased string `json:"dateReleased"`
	// Count is the document's own "count", -1 when absent.
	Count int `json:"count"`
}

var cveID = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

// ReadJSONFile reads the JSON catalogue at path. See ReadJSON.
func ReadJSONFile(ctx context.Context, path string, sink Sink) (Catalog, feed.Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return Catalog{Count: -1}, feed.Stats{}, fmt.Errorf("kev: %w", err)
	}
	defer f.Close()
	cat, stats, err := ReadJSON(ctx, f, sink)
	if err != nil {
		return cat, stats, fmt.Errorf("kev: %s: %w", path, err)
	}
	return cat, stats, nil
}

// ReadJSON decodes the catalogue from r, one entry of "vulnerabilities"
// at a time. An entry whose cveID is not a CVE id, or that has a field of
// the wrong JSON type, is counted as skipped.
func ReadJSON(ctx context.Context, r io.Reader, sink Sink) (Catalog, feed.Stats, error) {
	cat := Catalog{Count: -1}
	var stats feed.Stats
	dec := json.NewDecoder(r)
	if tok, err := dec.Token(); err != nil {
		return cat, stats, fmt.Errorf("invalid JSON: %w", err)
	} else if d, ok := tok.(json.Delim); !ok || d != '{' {
		return cat, stats, fmt.Errorf("invalid KEV catalogue: want an object, got %v", tok)
	}
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return cat, stats, fmt.Errorf("invalid JSON: %w", err)
		}
		key, _ := tok.(string)
		var dst any
		switch key {
		case "vulnerabilities":
			if seen {
				return cat, stats, errors.New("invalid KEV catalogue: a second \"vulnerabilities\" array")
			}
			seen = true
			if err := readEntries(ctx, dec, &stats, sink); err != nil {
				return cat, stats, err
			}
			continue
		case "title":
			dst = &cat.Title
		case "catalogVersion":
			dst = &cat.Version
		case "dateReleased":
			dst = &cat.DateReleased
		case "count":
			dst = &cat.Count
		default:
			dst = new(json.RawMessage)
		}
		if err := dec.Decode(dst); err != nil {
			return cat, stats, fmt.Errorf("invalid KEV catalogue field %q: %w", key, err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return cat, stats, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return cat, stats, errors.New("invalid JSON: data after the document")
	}
	if !seen {
		return cat, stats, errors.New("not a KEV catalogue: no \"vulnerabilities\"")
	}
	return cat, stats, nil
}

func readEntries(ctx context.Context, dec *json.Decoder, stats *feed.Stats, sink Sink) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("invalid KEV catalogue: \"vulnerabilities\" is not an array")
	}
	for n := 0; dec.More(); n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var e advisory.KEVEntry
		err := dec.Decode(&e)
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			stats.Skip(fmt.Sprintf("entry %d (%s): %v", n, e.CVE, err))
			continue
		}
		if err != nil {
			return fmt.Errorf("invalid JSON in entry %d: %w", n, err)
		}
		if err := emit(clean(e), fmt.Sprintf("entry %d", n), stats, sink); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	return nil
}

func emit(e advisory.KEVEntry, where string, stats *feed.Stats, sink Sink) error {
	if !cveID.MatchString(e.CVE) {
		stats.Skip(fmt.Sprintf("%s: cveID %q is not a CVE id", where, e.CVE))
		return nil
	}
	if err := sink(e); err != nil {
		return err
	}
	stats.Records++
	return nil
}

// clean trims the fields and drops empty CWE ids.
func clean(e advisory.KEVEntry) advisory.KEVEntry {
	for _, p := range []*string{&e.CVE, &e.VendorProject, &e.Product, &e.VulnerabilityName, &e.DateAdded,
		&e.ShortDescription, &e.RequiredAction, &e.DueDate, &e.KnownRansomwareCampaignUse, &e.Notes} {
		*p = strings.TrimSpace(*p)
	}
	var cwes []string
	for _, c := range e.CWEs {
		if c = strings.TrimSpace(c); c != "" {
			cwes = append(cwes, c)
		}
	}
	e.CWEs = cwes
	return e
}

// ReadCSVFile reads the CSV export at path. See ReadCSV.
func ReadCSVFile(ctx context.Context, path string, sink Sink) (feed.Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return feed.Stats{}, fmt.Errorf("kev: %w", err)
	}
	defer f.Close()
	stats, err := ReadCSV(ctx, f, sink)
	if err != nil {
		return stats, fmt.Errorf("kev: %s: %w", path, err)
	}
	return stats, nil
}

// ReadCSV reads the CSV export from r. Columns are found by their header
// names (cveID is required); "cwes" holds the ids separated by commas. A
// row whose cveID is not a CVE id is counted as skipped.
func ReadCSV(ctx context.Context, r io.Reader, sink Sink) (feed.Stats, error) {
	var stats feed.Stats
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return stats, fmt.Errorf("invalid KEV CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	if _, ok := col["cveID"]; !ok {
		return stats, errors.New("not a KEV CSV: no cveID column")
	}
	for {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		rec, err := cr.Read()
		if err == io.EOF {
			return stats, nil
		}
		if err != nil {
			return stats, fmt.Errorf("invalid KEV CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		e := advisory.KEVEntry{
			CVE: get("cveID"), VendorProject: get("vendorProject"), Product: get("product"),
			VulnerabilityName: get("vulnerabilityName"), DateAdded: get("dateAdded"),
			ShortDescription: get("shortDescription"), RequiredAction: get("requiredAction"),
			DueDate: get("dueDate"), KnownRansomwareCampaignUse: get("knownRansomwareCampaignUse"),
			Notes: get("notes"), CWEs: strings.Split(get("cwes"), ","),
		}
		if err := emit(clean(e), fmt.Sprintf("line %d", line), &stats, sink); err != nil {
			return stats, err
		}
	}
}
