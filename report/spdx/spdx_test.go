package spdx_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdxlib"

	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/report/internal/reporttest"
	"github.com/lading-dev/lading/report/internal/schematest"
	"github.com/lading-dev/lading/report/spdx"
)

func write(t *testing.T, r *report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := spdx.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var idSyntax = regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.-]+$`)

// The stored schema is the published file, byte for byte.
func TestSchemaFile(t *testing.T) {
	b, err := os.ReadFile("testdata/spdx-schema-2.3.json")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != "ca7fd7cc2c8107c3b6b5976058bb72363e8c072f0e446609d4fe7234860c2894" {
		t.Errorf("schema file changed: sha256 %s", got)
	}
}

func TestValidatesAgainstSchema(t *testing.T) {
	sch := schematest.Compile(t, "testdata", []string{"spdx-schema-2.3.json"}, []string{"http://spdx.org/rdf/terms/2.3"})
	schematest.Validate(t, sch, write(t, reporttest.Sample()))
	r := reporttest.Sample()
	r.Target.Kind, r.Target.OS, r.Layers, r.Vulnerabilities = "dir", nil, nil, nil
	r.Summarize()
	schematest.Validate(t, sch, write(t, r))

	// The schema does check: the purpose as the specification's text spells
	// it is refused.
	hyphen := bytes.Replace(write(t, reporttest.Sample()), []byte(`"OPERATING_SYSTEM"`), []byte(`"OPERATING-SYSTEM"`), 1)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(hyphen))
	if err != nil {
		t.Fatal(err)
	}
	if sch.Validate(inst) == nil {
		t.Error("OPERATING-SYSTEM validated")
	}
}

// Other tools write the operating system's purpose as the specification's
// text spells it.
func TestReadsBothOSPurposes(t *testing.T) {
	out := write(t, reporttest.Sample())
	for _, purpose := range []string{"OPERATING_SYSTEM", "OPERATING-SYSTEM"} {
		doc := bytes.Replace(out, []byte(`"OPERATING_SYSTEM"`), []byte(`"`+purpose+`"`), 1)
		inv, err := spdx.Read(doc)
		if err != nil {
			t.Fatal(err)
		}
		if inv.Distro == nil || inv.Distro.Family != "alpine" {
			t.Errorf("%s: distro %+v", purpose, inv.Distro)
		}
	}
}

func TestParsesAndValidates(t *testing.T) {
	r := reporttest.Sample()
	out := write(t, r)
	doc, err := spdxjson.Read(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("tools-golang cannot read it: %v", err)
	}
	if err := spdxlib.ValidateDocument(doc); err != nil {
		t.Errorf("tools-golang says invalid: %v", err)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.DataLicense != "CC0-1.0" || !strings.HasPrefix(doc.DocumentNamespace, spdx.NamespacePrefix) {
		t.Errorf("header %q %q %q", doc.SPDXVersion, doc.DataLicense, doc.DocumentNamespace)
	}
	if len(doc.CreationInfo.Creators) != 1 || doc.CreationInfo.Creators[0].Creator != "lading-1.2.3" {
		t.Errorf("creators %+v", doc.CreationInfo.Creators)
	}
	// The target, the OS and the 7 packages.
	if len(doc.Packages) != 9 {
		t.Fatalf("%d packages", len(doc.Packages))
	}
	ids := map[string]bool{}
	purls := 0
	advisories := 0
	for _, p := range doc.Packages {
		id := "SPDXRef-" + string(p.PackageSPDXIdentifier)
		if !idSyntax.MatchString(id) || ids[id] {
			t.Errorf("element ID %q", id)
		}
		ids[id] = true
		if p.PackageDownloadLocation == "" {
			t.Errorf("%s: no downloadLocation", p.PackageName)
		}
		for _, ref := range p.PackageExternalReferences {
			switch ref.RefType {
			case "purl":
				purls++
				if ref.Category != "PACKAGE-MANAGER" {
					t.Errorf("purl category %q", ref.Category)
				}
			case "advisory":
				advisories++
				if !strings.HasPrefix(ref.Locator, "https://") || ref.ExternalRefComment == "" {
					t.Errorf("advisory ref %+v", ref)
				}
			}
		}
		if p.PackageName == "libcrypto3" && p.PackageSourceInfo != "built package from: openssl 3.3.2-r0" {
			t.Errorf("libcrypto3 sourceInfo %q", p.PackageSourceInfo)
		}
	}
	if purls != 7 || advisories != 7 {
		t.Errorf("%d purls, %d advisories; want 7 and 7", purls, advisories)
	}
	rels := map[string]int{}
	for _, rel := range doc.Relationships {
		rels[string(rel.RefA.ElementRefID)+" "+rel.Relationship]++
	}
	// DOCUMENT DESCRIBES the target; the target CONTAINS the OS and the 4
	// language packages; the OS CONTAINS the 3 apk packages.
	if rels["DOCUMENT DESCRIBES"] != 1 || rels["Target CONTAINS"] != 5 || rels["OperatingSystem CONTAINS"] != 3 {
		t.Errorf("relationships %v", rels)
	}
	// A new namespace on every run.
	again, _ := spdxjson.Read(bytes.NewReader(write(t, r)))
	if again.DocumentNamespace == doc.DocumentNamespace {
		t.Error("two runs, one namespace")
	}
}

func TestReadBack(t *testing.T) {
	r := reporttest.Sample()
	inv, err := spdx.Read(write(t, r))
	if err != nil {
		t.Fatal(err)
	}
	if inv.Format != "SPDX-2.3" || inv.Distro == nil || inv.Distro.Family != "alpine" || inv.Distro.Version != "3.20.3" {
		t.Errorf("format %q, distro %+v", inv.Format, inv.Distro)
	}
	if inv.Name != "example.com/app:1.0" || inv.Ref != r.Target.Ref || len(inv.Layers) != 2 {
		t.Errorf("target %q %q, layers %+v", inv.Name, inv.Ref, inv.Layers)
	}
	if len(inv.Packages) != 7 || len(inv.Skipped) != 0 {
		t.Fatalf("%d packages, skipped %+v", len(inv.Packages), inv.Skipped)
	}
	want := map[string]string{}
	for _, p := range r.Packages {
		want[p.PURL] = strings.Join([]string{p.Type, p.Name, p.Version, p.SourceName, p.SourceVersion, p.Layer, p.CreatedBy, p.Locations[0].Path}, "|")
	}
	for _, p := range inv.Packages {
		got := strings.Join([]string{p.Type, p.Name, p.Version, p.SourceName, p.SourceVersion, p.Layer, p.CreatedBy, p.Locations[0].Path}, "|")
		if got != want[p.PURL] {
			t.Errorf("read back\n %s\nwant\n %s", got, want[p.PURL])
		}
	}
}

// A directory scan with no OS: packages hang off the target.
func TestDirectory(t *testing.T) {
	r := reporttest.Sample()
	r.Target.Kind, r.Target.OS, r.Layers, r.Vulnerabilities = "dir", nil, nil, nil
	r.Summarize()
	doc, err := spdxjson.Read(bytes.NewReader(write(t, r)))
	if err != nil {
		t.Fatal(err)
	}
	if err := spdxlib.ValidateDocument(doc); err != nil {
		t.Error(err)
	}
	if doc.Packages[0].PrimaryPackagePurpose != "APPLICATION" || len(doc.Packages) != 8 || len(doc.Relationships) != 8 {
		t.Errorf("%d packages (target %s), %d relationships", len(doc.Packages), doc.Packages[0].PrimaryPackagePurpose, len(doc.Relationships))
	}
}
