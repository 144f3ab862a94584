package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/santhosh-tekuri/jsonschema/v6"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/report/junit"
)

// alpineDB builds a database of the Alpine secdb alone, what Alpine
// 3.20.3's packages are matched against: a second's work, where testDB
// builds all of vulndata.
func alpineDB(t *testing.T) string {
	t.Helper()
	secdb := testutil.Shared(t, "vulndata", "alpine-secdb")
	file := filepath.Join(t.TempDir(), "lading.db")
	if _, err := build.Build(context.Background(), file, []string{secdb}, build.Options{}); err != nil {
		t.Fatal(err)
	}
	return file
}

// findingSet is what an SBOM scan must reproduce of an image scan: each
// finding's ID, package, installed and fixed version.
func findingSet(r *report.Report) []string {
	var out []string
	for _, v := range r.Vulnerabilities {
		out = append(out, strings.Join([]string{v.ID, v.PackageName, v.InstalledVersion, v.FixedVersion}, " "))
	}
	sort.Strings(out)
	return out
}

// sbomRoundTrip writes the image's SBOM in each format with lading sbom,
// scans it with lading sbom scan and compares the findings with the image
// scan's.
func sbomRoundTrip(t *testing.T, archive, db string) {
	t.Helper()
	cache := t.TempDir()
	out, errOut, code := runCLI(t, "image", "docker-archive:"+archive, "--format", "json", "--cache-dir", cache, "--db", db, "--quiet")
	if code != 0 {
		t.Fatalf("image scan: exit %d: %s", code, errOut)
	}
	img := decodeReport(t, out)
	want := findingSet(img)
	if len(want) == 0 {
		t.Fatal("the image scan found nothing to compare")
	}
	t.Logf("image scan: %d packages, %d findings", img.Summary.Packages, len(want))
	for _, format := range []string{"cyclonedx", "spdx"} {
		t.Run(format, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "sbom."+format+".json")
			// No --db: writing an SBOM needs no database.
			if _, errOut, code := runCLI(t, "sbom", "docker-archive:"+archive, "--format", format, "--output", file, "--cache-dir", cache, "--quiet"); code != 0 {
				t.Fatalf("lading sbom: exit %d: %s", code, errOut)
			}
			out, errOut, code := runCLI(t, "sbom", "scan", file, "--format", "json", "--cache-dir", cache, "--db", db, "--quiet")
			if code != 0 {
				t.Fatalf("lading sbom scan: exit %d: %s", code, errOut)
			}
			got := decodeReport(t, out)
			if g := findingSet(got); strings.Join(g, "\n") != strings.Join(want, "\n") {
				t.Errorf("sbom scan findings (%d):\n%s\nimage scan findings (%d):\n%s", len(g), strings.Join(g, "\n"), len(want), strings.Join(want, "\n"))
			}
			if got.Target.Kind != "sbom" || got.Target.Ref != file || got.Summary.Packages != img.Summary.Packages {
				t.Errorf("target %+v, %d packages (image: %d)", got.Target, got.Summary.Packages, img.Summary.Packages)
			}
			if (img.Target.OS == nil) != (got.Target.OS == nil) || (img.Target.OS != nil && *img.Target.OS != *got.Target.OS) {
				t.Errorf("os %+v, image %+v", got.Target.OS, img.Target.OS)
			}
			// lading's own SBOMs carry the layers and each package's layer.
			if len(got.Layers) != len(img.Layers) {
				t.Errorf("%d layers, image %d", len(got.Layers), len(img.Layers))
			}
			layers := map[string]string{}
			for _, v := range img.Vulnerabilities {
				layers[v.PackageName+" "+v.ID] = v.Layer + " " + v.CreatedBy
			}
			for _, v := range got.Vulnerabilities {
				if layers[v.PackageName+" "+v.ID] != v.Layer+" "+v.CreatedBy {
					t.Errorf("%s %s: layer %s %q", v.PackageName, v.ID, v.Layer, v.CreatedBy)
				}
			}
		})
	}
}

// The Alpine 3.20.3 image, its SBOM in CycloneDX and SPDX, and lading sbom
// scan of each: the same findings as scanning the image.
func TestSBOMScanAlpine(t *testing.T) {
	archive, _ := alpineImage(t)
	sbomRoundTrip(t, archive, alpineDB(t))
}

// The language image of TestLanguageImage (a Go binary, an npm tree,
// Python site-packages): the same findings from its SBOMs.
func TestSBOMScanLanguageImage(t *testing.T) {
	npmDir := testutil.Shared(t, "fixtures", "npm", "npm-lockv3-advisories")
	pyDir := testutil.Shared(t, "fixtures", "python", "debian-bookworm-dist-packages")
	db := languageDB(t)
	goBin := goApp(t)
	img, err := mutate.Append(empty.Image,
		mutate.Addendum{Layer: dirLayer(t, goBin, "usr/local/bin"), History: v1.History{CreatedBy: "COPY vulnapp /usr/local/bin/"}},
		mutate.Addendum{Layer: dirLayer(t, npmDir, "srv/app"), History: v1.History{CreatedBy: "RUN npm ci"}},
		mutate.Addendum{Layer: dirLayer(t, pyDir, ""), History: v1.History{CreatedBy: "RUN pip install"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "lang.tar")
	if err := tarball.WriteToFile(archive, nil, img); err != nil {
		t.Fatal(err)
	}
	sbomRoundTrip(t, archive, db)
}

// Every --format of image and fs writes what its format's readers take,
// to standard output and to --output.
func TestReportFormats(t *testing.T) {
	archive, _ := alpineImage(t)
	db := alpineDB(t)
	cache := t.TempDir()
	scanAs := func(args ...string) []byte {
		t.Helper()
		args = append([]string{"image", "docker-archive:" + archive, "--cache-dir", cache, "--db", db, "--quiet"}, args...)
		out, errOut, code := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("lading %v: exit %d: %s", args, code, errOut)
		}
		return []byte(out)
	}
	ref := decodeReport(t, string(scanAs("--format", "json")))
	n := len(ref.Vulnerabilities)

	// SARIF: valid against the OASIS schema, a result per finding.
	root, err := testutil.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	schemaFile, err := os.Open(filepath.Join(root, "report", "sarif", "testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	schemaDoc, err := jsonschema.UnmarshalJSON(schemaFile)
	schemaFile.Close()
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const sarifID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	if err := c.AddResource(sarifID, schemaDoc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(sarifID)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "out.sarif")
	scanAs("--format", "sarif", "--output", file)
	sarifOut, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(sarifOut))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("SARIF: %v", err)
	}
	var sl struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	json.Unmarshal(sarifOut, &sl)
	if len(sl.Runs) != 1 || len(sl.Runs[0].Results) != n || sl.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != "lib/apk/db/installed" {
		t.Errorf("SARIF: %d results, want %d, pointing at lib/apk/db/installed", len(sl.Runs[0].Results), n)
	}

	// CycloneDX: decodes, the OS and 14 packages, every finding's package
	// affected.
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(scanAs("--format", "cyclonedx")), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatalf("CycloneDX: %v", err)
	}
	affected := 0
	for _, v := range *bom.Vulnerabilities {
		affected += len(*v.Affects)
	}
	if len(*bom.Components) != 15 || affected != n {
		t.Errorf("CycloneDX: %d components, %d affects; want 15 and %d", len(*bom.Components), affected, n)
	}

	// SPDX: tools-golang reads it; an advisory reference per finding.
	doc, err := spdxjson.Read(bytes.NewReader(scanAs("--format", "spdx")))
	if err != nil {
		t.Fatalf("SPDX: %v", err)
	}
	advisories := 0
	for _, p := range doc.Packages {
		for _, r := range p.PackageExternalReferences {
			if r.RefType == "advisory" {
				advisories++
			}
		}
	}
	if len(doc.Packages) != 16 || advisories != n {
		t.Errorf("SPDX: %d packages, %d advisories; want 16 and %d", len(doc.Packages), advisories, n)
	}

	// JUnit: 14 tests, a failure per affected package.
	var suites junit.TestSuites
	if err := xml.Unmarshal(scanAs("--format", "junit"), &suites); err != nil {
		t.Fatalf("JUnit: %v", err)
	}
	pkgs := map[string]bool{}
	for _, v := range ref.Vulnerabilities {
		pkgs[v.PackageName] = true
	}
	if suites.Tests != 14 || suites.Failures != len(pkgs) {
		t.Errorf("JUnit: %d tests, %d failures; want 14 and %d", suites.Tests, suites.Failures, len(pkgs))
	}

	// HTML, Markdown and a template.
	if h := string(scanAs("--format", "html")); strings.Count(h, `<g class="bar"`) != 6 || strings.Count(h, "<tr data-id=") != n {
		t.Errorf("HTML: %d bars, %d finding rows", strings.Count(h, `<g class="bar"`), strings.Count(h, "<tr data-id="))
	}
	if md := string(scanAs("--format", "markdown")); !strings.Contains(md, "findings** (") || strings.Count(md, "](https://") != n {
		t.Errorf("Markdown: %d links, want %d", strings.Count(md, "](https://"), n)
	}
	tmpl := filepath.Join(t.TempDir(), "ids.tmpl")
	os.WriteFile(tmpl, []byte("{{range .Vulnerabilities}}{{.ID}}\n{{end}}"), 0o644)
	if ids := strings.Fields(string(scanAs("--format", "template", "--template", "@"+tmpl))); len(ids) != n {
		t.Errorf("template: %d IDs, want %d", len(ids), n)
	}
	if got := string(scanAs("--format", "template", "--template", "{{.Summary.Vulnerabilities}}")); got != strconv.Itoa(n) {
		t.Errorf("inline template: %q", got)
	}

	// Refusals: exit 2 before anything is scanned.
	for _, args := range [][]string{
		{"--format", "xml"},
		{"--format", "template"},
		{"--format", "template", "--template", "@/nonexistent.tmpl"},
		{"--format", "json", "--template", "x.tmpl"},
	} {
		all := append([]string{"image", "docker-archive:/nonexistent.tar", "--cache-dir", cache, "--db", db, "--quiet"}, args...)
		if _, errOut, code := runCLI(t, all...); code != 2 || strings.Contains(errOut, "nonexistent.tar") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
}

// An SBOM someone else wrote: components without purls or of purl types
// lading does not match are counted in a warning, the rest are matched.
func TestSBOMScanForeignDocument(t *testing.T) {
	db := alpineDB(t)
	doc := `{
  "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
  "metadata": {"component": {"type": "container", "name": "example/alpine", "version": "sha256:0123"}},
  "components": [
    {"type": "operating-system", "name": "alpine", "version": "3.20.3"},
    {"type": "library", "name": "libcrypto3", "version": "3.3.2-r0", "purl": "pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64&upstream=openssl&distro=alpine-3.20.3"},
    {"type": "library", "name": "musl", "version": "1.2.5-r0", "purl": "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"},
    {"type": "library", "name": "notes", "version": "1"},
    {"type": "library", "name": "thing", "version": "1.0", "purl": "pkg:generic/thing@1.0"}
  ]
}`
	file := filepath.Join(t.TempDir(), "foreign.cdx.json")
	os.WriteFile(file, []byte(doc), 0o644)
	out, errOut, code := runCLI(t, "sbom", "scan", file, "--format", "json", "--cache-dir", t.TempDir(), "--db", db, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decodeReport(t, out)
	byPkg := map[string]int{}
	for _, v := range r.Vulnerabilities {
		byPkg[v.PackageName]++
	}
	// libcrypto3 is matched through its origin openssl (22 fixes above
	// 3.3.2-r0), musl through itself (3); see alpine320Want.
	if byPkg["libcrypto3"] != 22 || byPkg["musl"] != 3 || len(byPkg) != 2 {
		t.Errorf("findings per package %v", byPkg)
	}
	want := "2 components of the CycloneDX 1.5 SBOM were not checked for vulnerabilities (1 with a purl type lading does not match, 1 with no purl)"
	if len(r.Warnings) == 0 || r.Warnings[0] != want || !strings.Contains(errOut, want) {
		t.Errorf("warnings %q, stderr %q", r.Warnings, errOut)
	}
	if r.Target.Name != "example/alpine" || r.Target.Digest != "sha256:0123" {
		t.Errorf("target %+v", r.Target)
	}

	// Not an SBOM at all.
	bad := filepath.Join(t.TempDir(), "report.json")
	os.WriteFile(bad, []byte(`{"schema": "lading.report/v1"}`), 0o644)
	if _, errOut, code := runCLI(t, "sbom", "scan", bad, "--cache-dir", t.TempDir(), "--db", db, "--quiet"); code != 2 || !strings.Contains(errOut, "neither a CycloneDX") {
		t.Errorf("a report as SBOM: exit %d, %q", code, errOut)
	}
	// lading sbom takes cyclonedx or spdx only.
	if _, errOut, code := runCLI(t, "sbom", "dir:/nonexistent", "--format", "json", "--cache-dir", t.TempDir(), "--quiet"); code != 2 || !strings.Contains(errOut, "want cyclonedx or spdx") {
		t.Errorf("sbom --format json: exit %d, %q", code, errOut)
	}
}
