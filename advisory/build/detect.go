package build

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Format is a recognised input format.
type Format string

// Formats Build reads.
const (
	FormatOSVZip        Format = "osv-zip"
	FormatOSVRecord     Format = "osv-record"
	FormatAlpineSecdb   Format = "alpine-secdb"
	FormatDebianTracker Format = "debian-tracker-json"
	FormatDebianDSA     Format = "debian-dsa-list"
	FormatDebianDLA     Format = "debian-dla-list"
)

// errUnsupported marks a file Build recognises but does not read yet, or
// does not recognise at all; its message is the skip reason.
type errUnsupported struct{ reason string }

func (e errUnsupported) Error() string { return e.reason }

func skip(format string, args ...any) error {
	return errUnsupported{fmt.Sprintf(format, args...)}
}

var listHeader = regexp.MustCompile(`^\[\d{1,2} [A-Za-z]{3} \d{4}\]\s+(DSA|DLA)-\d+`)

// Detect tells the format of the file at p from its content and name.
// It returns an errUnsupported (a skip reason) for a file it does not
// read, and another error when the file cannot be read or is malformed
// in a way that shows it was meant to be a supported format.
func Detect(p string) (Format, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", err
	}
	head = head[:n]
	base := strings.ToLower(filepath.Base(p))
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return detectZip(f, p)
	case strings.HasSuffix(base, ".zip"):
		return "", fmt.Errorf("%s: named .zip but is not a zip file", p)
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}), bytes.HasPrefix(head, bzip2Magic), bytes.HasPrefix(head, zstdMagic):
		if format, ok, err := detectCompressedDistro(f, p, head); ok || err != nil {
			return format, err
		}
		if head[0] != 0x1f {
			return "", skip("compressed file of unknown content: format not recognised")
		}
		return detectGzip(f, p)
	case n == 0:
		return "", skip("empty file")
	case len(trimmed) > 0 && trimmed[0] == '{':
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return "", err
		}
		return detectJSON(f, p)
	case len(trimmed) > 0 && trimmed[0] == '<':
		return detectPlainXML(f, p)
	case len(trimmed) > 0 && trimmed[0] == '[' && (listHeader.Match(trimmed) || firstListHeader(head)):
		return listFormat(trimmed), nil
	case strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml"):
		return detectYAML(p)
	case strings.HasSuffix(base, ".csv"):
		return detectCSV(head)
	case strings.HasSuffix(base, ".md") || strings.HasSuffix(base, ".txt") || strings.HasPrefix(base, "license") || strings.HasPrefix(base, "readme"):
		return "", skip("documentation or licence text, not advisory data")
	}
	if firstListHeader(head) {
		return listFormat(bytes.TrimSpace(head)), nil
	}
	return "", skip("format not recognised")
}

// firstListHeader reports whether the first non-empty line is a DSA/DLA
// list header.
func firstListHeader(head []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(head))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		return listHeader.MatchString(line)
	}
	return false
}

func listFormat(head []byte) Format {
	if m := listHeader.FindSubmatch(bytes.TrimSpace(head)); m != nil && string(m[1]) == "DLA" {
		return FormatDebianDLA
	}
	return FormatDebianDSA
}

// detectZip tells an osv.dev all.zip (every entry a .json file at the
// root) from a GitHub branch archive (one top folder) and other zips.
func detectZip(f *os.File, p string) (Format, error) {
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return "", fmt.Errorf("%s: reading zip: %w", p, err)
	}
	var files, rootJSON int
	tops := map[string]bool{}
	for _, zf := range zr.File {
		name := strings.TrimPrefix(zf.Name, "./")
		if i := strings.IndexByte(name, '/'); i >= 0 {
			tops[name[:i]] = true
		}
		if zf.FileInfo().IsDir() {
			continue
		}
		files++
		if !strings.Contains(name, "/") && strings.EqualFold(path.Ext(name), ".json") {
			rootJSON++
		}
	}
	switch {
	case files > 0 && rootJSON == files:
		return FormatOSVZip, nil
	case len(tops) == 1 && rootJSON == 0:
		for top := range tops {
			if format, ok := detectBranchArchive(zr, top); ok {
				return format, nil
			}
			return "", skip("GitHub branch archive (%s/) of a repository lading does not read: format not recognised", top)
		}
	case files == 0:
		return "", skip("empty zip")
	}
	return "", skip("zip whose entries are not OSV JSON records at the root: format not yet supported")
}

// detectJSON looks at the first keys of a JSON object.
func detectJSON(r io.Reader, p string) (Format, error) {
	dec := json.NewDecoder(bufio.NewReader(r))
	if _, err := dec.Token(); err != nil {
		return "", fmt.Errorf("%s: invalid JSON: %w", p, err)
	}
	keys := map[string]bool{}
	for i := 0; i < 8 && dec.More(); i++ {
		tok, err := dec.Token()
		if err != nil {
			return "", fmt.Errorf("%s: invalid JSON: %w", p, err)
		}
		key, _ := tok.(string)
		if nvdJSONKey(key, keys) {
			return FormatNVDJSON, nil
		}
		if key == "notices" {
			return FormatUbuntuNotices, nil
		}
		keys[key] = true
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return "", fmt.Errorf("%s: invalid JSON: %w", p, err)
		}
		if i == 0 && looksLikeTrackerPackage(val) {
			return FormatDebianTracker, nil
		}
		if key == "document" && isVEXDocument(val) {
			return FormatRedHatVEX, nil
		}
		switch {
		case keys["distroversion"] || (keys["apkurl"] && keys["reponame"]):
			return FormatAlpineSecdb, nil
		case keys["id"] && (keys["affected"] || keys["modified"] || keys["schema_version"] || keys["aliases"]):
			return FormatOSVRecord, nil
		case keys["catalogVersion"] || keys["dateReleased"]:
			return FormatKEVJSON, nil
		case keys["CVE_Items"] || keys["CVE_data_type"] || (key == "format" && string(val) == `"NVD_CVE"`):
			return FormatNVDJSON, nil
		case keys["$schema"]:
			return "", skip("JSON schema, not advisory data")
		}
	}
	if len(keys) == 0 {
		// "{}" is a valid, empty tracker document.
		return FormatDebianTracker, nil
	}
	return "", skip("JSON document of unknown shape: format not recognised")
}

// looksLikeTrackerPackage reports whether v is a tracker package object:
// ids mapping to objects with "releases".
func looksLikeTrackerPackage(v json.RawMessage) bool {
	var m map[string]map[string]json.RawMessage
	if json.Unmarshal(v, &m) != nil || len(m) == 0 {
		return false
	}
	for _, e := range m {
		if _, ok := e["releases"]; !ok {
			return false
		}
	}
	return true
}

// detectYAML accepts a YAML secdb document.
func detectYAML(p string) (Format, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	var probe map[string]any
	if err := yaml.Unmarshal(data, &probe); err != nil {
		return "", fmt.Errorf("%s: invalid YAML: %w", p, err)
	}
	if _, ok := probe["distroversion"]; ok {
		return FormatAlpineSecdb, nil
	}
	if _, ok := probe["id"]; ok {
		return "", skip("OSV record in YAML: format not yet supported")
	}
	return "", skip("YAML document of unknown shape: format not recognised")
}

// IsUnsupported reports whether an error from Detect means "not a format
// Build reads" (a skip) rather than a read or parse failure, and gives
// the reason.
func IsUnsupported(err error) (reason string, ok bool) {
	var u errUnsupported
	if errors.As(err, &u) {
		return u.reason, true
	}
	return "", false
}
