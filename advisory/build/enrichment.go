package build

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/advisory/feed/epss"
	"github.com/lading-dev/lading/advisory/feed/kev"
	"github.com/lading-dev/lading/advisory/feed/nvd"
	"github.com/lading-dev/lading/advisory/store"
)

// Enrichment formats: per-CVE data that is not about packages, written
// to the store's enrichment tables.
const (
	// FormatNVDJSON is an NVD JSON 1.1 or 2.0 data feed or a CVE API 2.0
	// response, gzip-compressed or not.
	FormatNVDJSON Format = "nvd-json"
	// FormatKEVJSON and FormatKEVCSV are CISA's KEV catalogue.
	FormatKEVJSON Format = "kev-json"
	FormatKEVCSV  Format = "kev-csv"
	// FormatEPSSCSV is an EPSS daily score file, gzip-compressed or not.
	FormatEPSSCSV Format = "epss-csv"
)

// detectGzip looks inside a gzip file: NVD JSON feeds and EPSS score
// files are read compressed; anything else is skipped.
func detectGzip(f *os.File, p string) (Format, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	base := strings.ToLower(filepath.Base(p))
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		if strings.HasPrefix(base, "nvdcve-") || strings.HasPrefix(base, "epss_scores") {
			return "", fmt.Errorf("%s: reading gzip: %w", p, err)
		}
		return "", skip("gzip file of unknown content: format not recognised")
	}
	defer zr.Close()
	br := bufio.NewReaderSize(zr, 4096)
	head, err := br.Peek(4096)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull && len(head) == 0 {
		return "", fmt.Errorf("%s: reading gzip: %w", p, err)
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		format, err := detectJSON(br, p)
		if err != nil {
			if _, ok := IsUnsupported(err); ok {
				return "", skip("gzip-compressed JSON: %v", err)
			}
			return "", err
		}
		if format != FormatNVDJSON {
			return "", skip("gzip-compressed %s document: only NVD feeds and EPSS scores are read compressed", format)
		}
		return format, nil
	case looksLikeEPSS(trimmed):
		return FormatEPSSCSV, nil
	}
	return "", skip("gzip file of unknown content: format not recognised")
}

// detectCSV tells the KEV CSV export and EPSS scores from other CSV.
func detectCSV(head []byte) (Format, error) {
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if looksLikeEPSS(trimmed) {
		return FormatEPSSCSV, nil
	}
	first, _, _ := bytes.Cut(trimmed, []byte("\n"))
	if bytes.Contains(first, []byte("cveID")) && bytes.Contains(first, []byte("vendorProject")) {
		return FormatKEVCSV, nil
	}
	return "", skip("CSV file: format not recognised")
}

// looksLikeEPSS reports whether text starts like an EPSS score file: the
// "#model_version:" comment or the "cve,epss" header.
func looksLikeEPSS(text []byte) bool {
	return bytes.HasPrefix(text, []byte("#model_version:")) || bytes.HasPrefix(text, []byte("#score_date:")) ||
		bytes.HasPrefix(text, []byte("cve,epss"))
}

// nvdJSONKey recognises an NVD feed from a top-level key before its value
// is read, so that the detector never decodes the item array: "CVE_Items"
// (1.1) or "vulnerabilities" after the 2.0 response fields.
func nvdJSONKey(key string, keys map[string]bool) bool {
	switch key {
	case "CVE_Items":
		return true
	case "vulnerabilities":
		return keys["resultsPerPage"] || keys["totalResults"] || keys["format"] || keys["timestamp"]
	}
	return false
}

// ingestEnrichment reads one enrichment file into w.
func ingestEnrichment(ctx context.Context, w *store.Writer, p string, format Format) (string, feed.Stats, error) {
	switch format {
	case FormatNVDJSON:
		stats, _, err := nvd.ReadFile(ctx, p, func(r advisory.NVDRecord) error { return w.AddNVD(ctx, r) })
		return nvd.Source, stats, err
	case FormatKEVJSON:
		_, stats, err := kev.ReadJSONFile(ctx, p, func(k advisory.KEVEntry) error { return w.AddKEV(ctx, k) })
		return kev.Source, stats, err
	case FormatKEVCSV:
		stats, err := kev.ReadCSVFile(ctx, p, func(k advisory.KEVEntry) error { return w.AddKEV(ctx, k) })
		return kev.Source, stats, err
	case FormatEPSSCSV:
		_, stats, err := epss.ReadFile(ctx, p, func(s advisory.EPSSScore) error { return w.AddEPSS(ctx, s) })
		return epss.Source, stats, err
	}
	return "", feed.Stats{}, fmt.Errorf("%s: no reader for format %q", p, format)
}
