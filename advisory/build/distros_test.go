package build

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func TestDetectDistroFormats(t *testing.T) {
	gz := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.Bytes()
	}
	zst := func(b []byte) []byte {
		var out bytes.Buffer
		w, _ := zstd.NewWriter(&out)
		w.Write(b)
		w.Close()
		return out.Bytes()
	}
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "2023/cve-2023-1.json", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg})
	tw.Write([]byte("{}"))
	tw.Close()
	suse := `<?xml version="1.0"?><oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"><generator/><definitions><definition id="oval:org.opensuse.security:def:1"/></definitions></oval_definitions>`
	mariner := `<oval_definitions><generator><oval:product_name xmlns:oval="x">CBL-Mariner OVAL Definition Generator</oval:product_name></generator><definitions/></oval_definitions>`
	for _, tt := range []struct {
		name string
		data []byte
		want Format
		skip string // a skip reason fragment, when not read
	}{
		{"cve-2023-38545.json", []byte(`{"document": {"category": "csaf_vex", "title": "x"}, "product_tree": {}}`), FormatRedHatVEX, ""},
		{"rhsa.json", []byte(`{"document": {"category": "csaf_security_advisory"}}`), "", "unknown shape"},
		{"csaf_vex_2025-01-01.tar.zst", zst(tb.Bytes()), FormatRedHatVEXArchive, ""},
		{"other.zst", zst([]byte("hello")), "", "compressed file of unknown content"},
		{"updateinfo.xml", []byte(`<?xml version="1.0"?>` + "\n<updates><update/></updates>"), FormatAmazonUpdateinfo, ""},
		{"abc-updateinfo.xml.gz", gz(`<updates/>`), FormatAmazonUpdateinfo, ""},
		{"suse.linux.enterprise.server.15.xml", []byte(suse), FormatSUSEOVAL, ""},
		{"suse.linux.enterprise.server.15.xml.gz", gz(suse), FormatSUSEOVAL, ""},
		{"cbl-mariner-2.0-oval.xml", []byte(mariner), FormatAzureLinuxOVAL, ""},
		{"com.ubuntu.jammy.usn.oval.xml", []byte(`<oval_definitions><definitions><definition id="oval:com.ubuntu.jammy:def:1"/></definitions></oval_definitions>`), "", "not SUSE's or Microsoft's"},
		{"pom.xml", []byte(`<project/>`), "", "<project>"},
		{"notices.json", []byte(`{"notices": [], "total_results": 0}`), FormatUbuntuNotices, ""},
		{"nvdcve-2.0-2024.json.gz", gz(`{"resultsPerPage": 1, "format": "NVD_CVE", "vulnerabilities": []}`), FormatNVDJSON, ""},
	} {
		p := filepath.Join(t.TempDir(), tt.name)
		if err := os.WriteFile(p, tt.data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Detect(p)
		if tt.skip != "" {
			reason, ok := IsUnsupported(err)
			if !ok || !strings.Contains(reason, tt.skip) {
				t.Errorf("%s: got %q, %v; want a skip %q", tt.name, got, err, tt.skip)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	// Malformed XML that starts like a feed is an error naming the file.
	p := filepath.Join(t.TempDir(), "broken.xml")
	os.WriteFile(p, []byte("<"), 0o644)
	if _, err := Detect(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("broken.xml: %v", err)
	}
}
