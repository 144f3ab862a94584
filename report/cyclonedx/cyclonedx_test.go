package cyclonedx_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/report/cyclonedx"
	"github.com/lading-dev/lading/report/internal/reporttest"
	"github.com/lading-dev/lading/report/internal/schematest"
)

var schemaFiles = []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"}
var schemaIDs = []string{
	"http://cyclonedx.org/schema/bom-1.6.schema.json",
	"http://cyclonedx.org/schema/spdx.schema.json",
	"http://cyclonedx.org/schema/jsf-0.82.schema.json",
}

func TestSchemaFiles(t *testing.T) {
	want := map[string]string{
		"bom-1.6.schema.json":  "3e92dddbc30cf7f6a02b80f0942b1a4cfd4fb1c26f1dfc4310afa9d613cafb93",
		"spdx.schema.json":     "669315cee4265ad6d742e92d7afb062fb4847abe754d3ade544b7c40482d0a48",
		"jsf-0.82.schema.json": "a517f9e483e2252debd23d5c62edb72805b6d3932935a6ebb8196745052d2dc3",
	}
	for name, sum := range want {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.Sum256(b)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s changed", name)
		}
	}
}

func write(t *testing.T, r *report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := cyclonedx.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestValidatesAgainstSchema(t *testing.T) {
	sch := schematest.Compile(t, "testdata", schemaFiles, schemaIDs)
	schematest.Validate(t, sch, write(t, reporttest.Sample()))

	// An SBOM: no findings, a directory, no OS.
	r := reporttest.Sample()
	r.Vulnerabilities, r.Layers, r.Target.OS = nil, nil, nil
	r.Target.Kind, r.Target.Digest, r.Target.ImageID = "dir", "", ""
	r.Summarize()
	schematest.Validate(t, sch, write(t, r))
}

func TestDecodeRoundTrip(t *testing.T) {
	r := reporttest.Sample()
	out := write(t, r)
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(out), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 || bom.BOMFormat != "CycloneDX" || !strings.HasPrefix(bom.SerialNumber, "urn:uuid:") {
		t.Errorf("header: %v %q %q", bom.SpecVersion, bom.BOMFormat, bom.SerialNumber)
	}
	if m := bom.Metadata; m == nil || m.Component == nil || m.Component.Type != cdx.ComponentTypeContainer || m.Component.Name != "example.com/app:1.0" {
		t.Fatalf("metadata %+v", bom.Metadata)
	}
	// The OS and the 7 packages.
	comps := *bom.Components
	if len(comps) != 8 || comps[0].Type != cdx.ComponentTypeOS || comps[0].Name != "alpine" || comps[0].Version != "3.20.3" {
		t.Fatalf("%d components, first %+v", len(comps), comps[0])
	}
	refs := map[string]cdx.Component{}
	for _, c := range comps[1:] {
		if c.Type != cdx.ComponentTypeLibrary || c.PackageURL == "" || c.BOMRef != c.PackageURL {
			t.Errorf("component %+v", c)
		}
		refs[c.BOMRef] = c
		props := map[string]string{}
		for _, p := range *c.Properties {
			props[p.Name] = p.Value
		}
		if props["lading:layer:diff_id"] == "" || props["lading:layer:created_by"] == "" || props["lading:location:0:path"] == "" {
			t.Errorf("%s: properties %v", c.Name, props)
		}
	}
	if p := *refs["pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64&distro=alpine-3.20.3"].Properties; p[0].Value != "openssl" {
		t.Errorf("libcrypto3 source: %+v", p)
	}
	// 7 findings with 7 IDs: 7 entries, each affecting a component of the BOM.
	vulns := *bom.Vulnerabilities
	if len(vulns) != 7 {
		t.Fatalf("%d vulnerabilities", len(vulns))
	}
	byID := map[string]cdx.Vulnerability{}
	for _, v := range vulns {
		byID[v.ID] = v
		for _, a := range *v.Affects {
			if _, ok := refs[a.Ref]; !ok {
				t.Errorf("%s affects %q, not a component", v.ID, a.Ref)
			}
		}
	}
	lodash := byID["CVE-2021-23337"]
	if lodash.Analysis.State != cdx.IASExploitable || (*lodash.Analysis.Response)[0] != cdx.IARUpdate {
		t.Errorf("analysis %+v", lodash.Analysis)
	}
	vers := *(*lodash.Affects)[0].Range
	if len(vers) != 2 || vers[0].Version != "4.17.20" || vers[0].Status != cdx.VulnerabilityStatusAffected ||
		vers[1].Version != "4.17.21" || vers[1].Status != cdx.VulnerabilityStatusNotAffected {
		t.Errorf("versions %+v", vers)
	}
	var sevs []string
	for _, rt := range *lodash.Ratings {
		sevs = append(sevs, string(rt.Severity)+"/"+string(rt.Method))
	}
	if strings.Join(sevs, " ") != "high/other /CVSSv31" || (*lodash.References)[0].ID != "GHSA-35jh-r3h4-6jhm" {
		t.Errorf("ratings %v, references %+v", sevs, lodash.References)
	}
	if wnf := byID["CVE-2024-13176"]; (*wnf.Analysis.Response)[0] != cdx.IARWillNotFix || len(*(*wnf.Affects)[0].Range) != 1 {
		t.Errorf("will_not_fix: %+v", wnf.Analysis)
	}
	// A serial number per run.
	if bytes.Equal(out, write(t, r)) {
		t.Error("two runs wrote the same serial number")
	}
}

// Findings that differ only in the package they hit share one entry.
func TestGroupsPackages(t *testing.T) {
	r := reporttest.Sample()
	var v report.Vulnerability
	for _, f := range r.Vulnerabilities {
		if f.PackageName == "busybox" {
			v = f
		}
	}
	v.PackageName, v.PURL = "ssl_client", "pkg:apk/alpine/ssl_client@1.36.1-r29?arch=x86_64&distro=alpine-3.20.3"
	p := *r.Packages[0] // busybox
	p.Name, p.PURL = "ssl_client", v.PURL
	r.Packages = append(r.Packages, &p)
	r.Vulnerabilities = append(r.Vulnerabilities, v)
	r.Summarize()
	bom := cyclonedx.Build(r)
	n := 0
	for _, cv := range *bom.Vulnerabilities {
		if cv.ID == v.ID {
			n++
			if len(*cv.Affects) != 2 || !strings.Contains(cv.Recommendation, "busybox, ssl_client") {
				t.Errorf("affects %+v, %q", *cv.Affects, cv.Recommendation)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d entries for %s", n, v.ID)
	}
}

// What lading writes, it reads back as the same packages and OS.
func TestReadBack(t *testing.T) {
	r := reporttest.Sample()
	inv, err := cyclonedx.Read(write(t, r))
	if err != nil {
		t.Fatal(err)
	}
	if inv.Distro == nil || inv.Distro.Family != "alpine" || inv.Distro.Version != "3.20.3" {
		t.Errorf("distro %+v", inv.Distro)
	}
	if inv.Name != "example.com/app:1.0" || inv.Digest != r.Target.Digest || len(inv.Layers) != 2 || inv.Layers[1].CreatedBy != r.Layers[1].CreatedBy {
		t.Errorf("target %q %q, layers %+v", inv.Name, inv.Digest, inv.Layers)
	}
	if len(inv.Packages) != len(r.Packages) || len(inv.Skipped) != 0 {
		t.Fatalf("%d packages, skipped %+v", len(inv.Packages), inv.Skipped)
	}
	want := map[string]string{}
	for _, p := range r.Packages {
		want[p.PURL] = strings.Join([]string{p.Type, p.Name, p.Version, p.Arch, p.SourceName, p.SourceVersion, p.Layer, p.CreatedBy, p.Locations[0].Path}, "|")
	}
	for _, p := range inv.Packages {
		got := strings.Join([]string{p.Type, p.Name, p.Version, p.Arch, p.SourceName, p.SourceVersion, p.Layer, p.CreatedBy, p.Locations[0].Path}, "|")
		if got != want[p.PURL] {
			t.Errorf("read back\n %s\nwant\n %s", got, want[p.PURL])
		}
	}
}
