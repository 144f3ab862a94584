// Package nvd reads NVD's CVE data: the retired JSON 1.1 data feeds
// (nvdcve-1.1-<year>.json.gz, with "CVE_Items"), the JSON 2.0 data feeds
// (nvdcve-2.0-<year>.json.gz) and CVE API 2.0 responses, both of which
// hold "vulnerabilities": [{"cve": {...}}]. Files may be gzip-compressed
// or not. A file is read as a stream, one CVE item at a time; a year feed
// decompresses to tens of megabytes and is never held whole.
//
// Kept per CVE: id, published and last-modified times, the 2.0
// vulnStatus, whether it was rejected, the first English description, the
// CWE ids, and every CVSS v2/v3.0/v3.1/v4.0 rating (vector, base score,
// severity, source, primary or secondary). CPE configurations and
// references are not kept.
package nvd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// Source names NVD data in SourceInfo.Name.
const Source = "nvd"

// Format tells the two JSON layouts apart.
type Format string

// Layouts Read understands.
const (
	Format11 Format = "1.1" // {"CVE_data_type": ..., "CVE_Items": [...]}
	Format20 Format = "2.0" // {"format": "NVD_CVE", "vulnerabilities": [{"cve": ...}]}
)

// Sink receives one record at a time; an error stops the reader.
type Sink func(advisory.NVDRecord) error

// ReadFile reads the NVD JSON file at path, gzip-compressed or not. See
// Read. Decompressing and decoding run on a second goroutine, a few
// batches of records ahead of sink, so that the JSON work (most of the
// cost of a 1.1 year feed) overlaps with what sink does with each record;
// sink is still called on the caller's goroutine, one record at a time.
func ReadFile(ctx context.Context, path string, sink Sink) (feed.Stats, Format, error) {
	r, err := feed.OpenMaybeGzip(path)
	if err != nil {
		return feed.Stats{}, "", fmt.Errorf("nvd: %w", err)
	}
	defer r.Close()
	stats, format, err := readAhead(ctx, r, sink)
	if err != nil {
		return stats, format, fmt.Errorf("nvd: %s: %w", path, err)
	}
	return stats, format, nil
}

// readAhead is Read with the decoding on its own goroutine.
func readAhead(ctx context.Context, r io.Reader, sink Sink) (feed.Stats, Format, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	const batchSize = 128
	batches := make(chan []advisory.NVDRecord, 4)
	type result struct {
		stats  feed.Stats
		format Format
		err    error
	}
	done := make(chan result, 1)
	go func() {
		var buf []advisory.NVDRecord
		send := func() error {
			select {
			case batches <- buf:
				buf = make([]advisory.NVDRecord, 0, batchSize)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		stats, format, err := Read(ctx, r, func(rec advisory.NVDRecord) error {
			buf = append(buf, rec)
			if len(buf) == batchSize {
				return send()
			}
			return nil
		})
		if err == nil && len(buf) > 0 {
			err = send()
		}
		close(batches)
		done <- result{stats, format, err}
	}()
	var sinkErr error
	handed := 0
	for b := range batches {
		for _, rec := range b {
			if sinkErr != nil {
				break
			}
			if sinkErr = sink(rec); sinkErr != nil {
				cancel()
			} else {
				handed++
			}
		}
	}
	res := <-done
	if sinkErr != nil {
		res.stats.Records = handed
		return res.stats, res.format, sinkErr
	}
	return res.stats, res.format, res.err
}

// Read decodes one NVD JSON document from r (already decompressed; see
// feed.MaybeGzip) and hands each CVE to sink. The outer object is walked
// token by token; each item of "CVE_Items" (1.1) or "vulnerabilities"
// (2.0) is decoded on its own. An item without a CVE id, or with a field
// of the wrong JSON type, is counted as skipped; a document that is not
// valid JSON, or has neither array, is an error.
func Read(ctx context.Context, r io.Reader, sink Sink) (feed.Stats, Format, error) {
	var stats feed.Stats
	var format Format
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return stats, "", err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return stats, format, fmt.Errorf("invalid JSON: %w", err)
		}
		key, _ := tok.(string)
		switch key {
		case "CVE_Items", "vulnerabilities":
			if format != "" {
				return stats, format, fmt.Errorf("invalid NVD feed: a second item array %q", key)
			}
			format = Format11
			if key == "vulnerabilities" {
				format = Format20
			}
			if err := readItems(ctx, dec, format, &stats, sink); err != nil {
				return stats, format, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return stats, format, fmt.Errorf("invalid JSON in %q: %w", key, err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return stats, format, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return stats, format, errors.New("invalid JSON: data after the document")
	}
	if format == "" {
		return stats, "", errors.New("not an NVD CVE feed: neither \"CVE_Items\" nor \"vulnerabilities\"")
	}
	return stats, format, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("invalid NVD feed: want %q, got %v", want, tok)
	}
	return nil
}

func readItems(ctx context.Context, dec *json.Decoder, format Format, stats *feed.Stats, sink Sink) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	for n := 0; dec.More(); n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var rec advisory.NVDRecord
		var err error
		if format == Format11 {
			var it item11
			err = dec.Decode(&it)
			rec = it.record()
		} else {
			var it item20
			err = dec.Decode(&it)
			rec = it.Cve.record()
		}
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr):
			// The decoder has consumed the whole item; the rest of the
			// file is still readable.
			stats.Skip(fmt.Sprintf("item %d (%s): %v", n, rec.CVE, err))
			continue
		case err != nil:
			return fmt.Errorf("invalid JSON in item %d: %w", n, err)
		case rec.CVE == "":
			stats.Skip(fmt.Sprintf("item %d: no CVE id", n))
			continue
		}
		if err := sink(rec); err != nil {
			return err
		}
		stats.Records++
	}
	_, err := dec.Token() // ']'
	if err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	return nil
}

type langValue struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

// item11 is the part of a JSON 1.1 CVE_Items entry that is kept.
type item11 struct {
	CVE struct {
		Meta struct {
			ID string `json:"ID"`
		} `json:"CVE_data_meta"`
		Problemtype struct {
			Data []struct {
				Description []langValue `json:"description"`
			} `json:"problemtype_data"`
		} `json:"problemtype"`
		Description struct {
			Data []langValue `json:"description_data"`
		} `json:"description"`
	} `json:"cve"`
	Impact struct {
		V3 *struct {
			CVSS cvssData `json:"cvssV3"`
		} `json:"baseMetricV3"`
		V2 *struct {
			CVSS     cvssData `json:"cvssV2"`
			Severity string   `json:"severity"`
		} `json:"baseMetricV2"`
	} `json:"impact"`
	Published string `json:"publishedDate"`
	Modified  string `json:"lastModifiedDate"`
}

type cvssData struct {
	Version      string  `json:"version"`
	VectorString string  `json:"vectorString"`
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
}

func (it *item11) record() advisory.NVDRecord {
	rec := advisory.NVDRecord{
		CVE:         strings.TrimSpace(it.CVE.Meta.ID),
		Published:   ParseTime(it.Published),
		Modified:    ParseTime(it.Modified),
		Description: english(it.CVE.Description.Data),
	}
	rec.Rejected = strings.HasPrefix(rec.Description, "** REJECT **")
	for _, pt := range it.CVE.Problemtype.Data {
		rec.CWEs = addCWEs(rec.CWEs, pt.Description)
	}
	if v3 := it.Impact.V3; v3 != nil && v3.CVSS.VectorString != "" {
		rec.CVSS = append(rec.CVSS, rating(v3.CVSS, v3Version(v3.CVSS), "", advisory.NVDSource, true))
	}
	if v2 := it.Impact.V2; v2 != nil && v2.CVSS.VectorString != "" {
		rec.CVSS = append(rec.CVSS, rating(v2.CVSS, advisory.CVSSv2, v2.Severity, advisory.NVDSource, true))
	}
	sortCVSS(rec.CVSS)
	return rec
}

// v3Version reads "3.0" or "3.1" from the data, else from the vector's
// "CVSS:3.x/" prefix.
func v3Version(c cvssData) string {
	switch {
	case c.Version == advisory.CVSSv30 || c.Version == advisory.CVSSv31:
		return c.Version
	case strings.HasPrefix(c.VectorString, "CVSS:3.1/"):
		return advisory.CVSSv31
	}
	return advisory.CVSSv30
}

// item20 is one element of "vulnerabilities".
type item20 struct {
	Cve cve20 `json:"cve"`
}

type cve20 struct {
	ID           string      `json:"id"`
	Published    string      `json:"published"`
	LastModified string      `json:"lastModified"`
	VulnStatus   string      `json:"vulnStatus"`
	Descriptions []langValue `json:"descriptions"`
	Metrics      struct {
		V40 []metric20 `json:"cvssMetricV40"`
		V31 []metric20 `json:"cvssMetricV31"`
		V30 []metric20 `json:"cvssMetricV30"`
		V2  []metric20 `json:"cvssMetricV2"`
	} `json:"metrics"`
	Weaknesses []struct {
		Description []langValue `json:"description"`
	} `json:"weaknesses"`
}

type metric20 struct {
	Source string   `json:"source"`
	Type   string   `json:"type"`
	Data   cvssData `json:"cvssData"`
	// BaseSeverity is where v2 metrics carry the rating word.
	BaseSeverity string `json:"baseSeverity"`
}

func (c *cve20) record() advisory.NVDRecord {
	rec := advisory.NVDRecord{
		CVE:         strings.TrimSpace(c.ID),
		Status:      strings.TrimSpace(c.VulnStatus),
		Published:   ParseTime(c.Published),
		Modified:    ParseTime(c.LastModified),
		Description: english(c.Descriptions),
	}
	rec.Rejected = strings.EqualFold(rec.Status, "Rejected")
	for _, w := range c.Weaknesses {
		rec.CWEs = addCWEs(rec.CWEs, w.Description)
	}
	for _, set := range []struct {
		version string
		list    []metric20
	}{{advisory.CVSSv40, c.Metrics.V40}, {advisory.CVSSv31, c.Metrics.V31}, {advisory.CVSSv30, c.Metrics.V30}, {advisory.CVSSv2, c.Metrics.V2}} {
		for _, m := range set.list {
			if m.Data.VectorString == "" {
				continue
			}
			rec.CVSS = append(rec.CVSS, rating(m.Data, set.version, m.BaseSeverity, m.Source, strings.EqualFold(m.Type, "Primary")))
		}
	}
	sortCVSS(rec.CVSS)
	return rec
}

func rating(d cvssData, version, outerSeverity, source string, primary bool) advisory.CVSS {
	sev := strings.ToUpper(strings.TrimSpace(d.BaseSeverity))
	if sev == "" {
		sev = strings.ToUpper(strings.TrimSpace(outerSeverity))
	}
	return advisory.CVSS{
		Version: version, Vector: strings.TrimSpace(d.VectorString), BaseScore: d.BaseScore,
		Severity: sev, Source: strings.TrimSpace(source), Primary: primary,
	}
}

func sortCVSS(c []advisory.CVSS) {
	sort.SliceStable(c, func(i, j int) bool { return advisory.CVSSLess(c[i], c[j]) })
}

// english returns the first English text, or "".
func english(list []langValue) string {
	for _, d := range list {
		if strings.EqualFold(d.Lang, "en") {
			return strings.TrimSpace(d.Value)
		}
	}
	return ""
}

var cweID = regexp.MustCompile(`^CWE-[0-9]+$`)

// addCWEs appends the CWE ids among list that out lacks.
func addCWEs(out []string, list []langValue) []string {
	for _, d := range list {
		v := strings.TrimSpace(d.Value)
		if !cweID.MatchString(v) {
			continue
		}
		dup := false
		for _, have := range out {
			if have == v {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out
}

// timeLayouts are the timestamp spellings of the feeds: 1.1
// ("2018-01-10T22:29Z"), 2.0 ("2021-12-10T10:15:09.143", UTC without a
// zone) and RFC 3339.
var timeLayouts = []string{
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05.999999999",
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02",
}

// ParseTime reads an NVD timestamp as UTC; it returns the zero time for
// "" or an unknown spelling.
func ParseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
