package sarif_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/report/internal/reporttest"
	"github.com/lading-dev/lading/report/internal/schematest"
	"github.com/lading-dev/lading/report/sarif"
)

const schemaID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// The stored schema is the published file, byte for byte.
func TestSchemaFile(t *testing.T) {
	b, err := os.ReadFile("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); len(b) != 112768 || got != "ddddcccbf95c7c50c037b5b07eff4140556278ca574ff374db46786b5fce7949" {
		t.Errorf("schema file changed: %d bytes, sha256 %s", len(b), got)
	}
}

type sarifLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID                   string `json:"id"`
					HelpURI              string `json:"helpUri"`
					Help                 struct{ Text, Markdown string }
					DefaultConfiguration struct{ Level string }
					Properties           map[string]any `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ToolExecutionNotifications []struct{ Level string } `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string } `json:"artifactLocation"`
				} `json:"physicalLocation"`
				LogicalLocations []struct{ Name, Kind string } `json:"logicalLocations"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Properties          map[string]any    `json:"properties"`
		} `json:"results"`
	} `json:"runs"`
}

func write(t *testing.T, r *report.Report) ([]byte, sarifLog) {
	t.Helper()
	var buf bytes.Buffer
	if err := sarif.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	var l sarifLog
	if err := json.Unmarshal(buf.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), l
}

func TestValidatesAgainstSchema(t *testing.T) {
	sch := schematest.Compile(t, "testdata", []string{"sarif-schema-2.1.0.json"}, []string{schemaID})
	out, _ := write(t, reporttest.Sample())
	schematest.Validate(t, sch, out)

	// A report with no findings, and one of a directory (no layers).
	empty := reporttest.Sample()
	empty.Vulnerabilities = nil
	empty.Summarize()
	out, _ = write(t, empty)
	schematest.Validate(t, sch, out)

	dir := reporttest.Sample()
	dir.Target.Kind, dir.Target.Ref, dir.Layers = "dir", "dir:/srv/root fs", nil
	for i := range dir.Vulnerabilities {
		dir.Vulnerabilities[i].Layer, dir.Vulnerabilities[i].CreatedBy = "", ""
	}
	out, _ = write(t, dir)
	schematest.Validate(t, sch, out)

	// The validator does catch a broken log.
	broken := bytes.Replace(out, []byte(`"level": "error"`), []byte(`"level": "fatal"`), 1)
	if bytes.Equal(broken, out) {
		t.Fatal("no error-level result to break")
	}
	if err := validateErr(sch, broken); err == nil {
		t.Error("a result with level \"fatal\" validated")
	}
}

func TestRulesResultsAndLocations(t *testing.T) {
	r := reporttest.Sample()
	_, l := write(t, r)
	if l.Version != "2.1.0" || len(l.Runs) != 1 || l.Runs[0].Tool.Driver.Name != "lading" {
		t.Fatalf("log header: %+v", l)
	}
	run := l.Runs[0]
	// 7 findings, 7 distinct IDs.
	if len(run.Results) != 7 || len(run.Tool.Driver.Rules) != 7 {
		t.Fatalf("%d results, %d rules", len(run.Results), len(run.Tool.Driver.Rules))
	}
	wantLevel := map[string]string{"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note", "NEGLIGIBLE": "note", "UNKNOWN": "warning"}
	for i, res := range run.Results {
		v := r.Vulnerabilities[i]
		rule := run.Tool.Driver.Rules[res.RuleIndex]
		if res.RuleID != v.ID || rule.ID != v.ID {
			t.Errorf("result %d: rule %s / %s, want %s", i, res.RuleID, rule.ID, v.ID)
		}
		if res.Level != wantLevel[v.Severity] {
			t.Errorf("%s (%s): level %s", v.ID, v.Severity, res.Level)
		}
		if got := res.PartialFingerprints[sarif.FingerprintKey]; got != sarif.Fingerprint(v.ID, v.PackageName, v.InstalledVersion) || len(got) != 64 {
			t.Errorf("%s: fingerprint %q", v.ID, got)
		}
		loc := res.Locations[0]
		if len(loc.LogicalLocations) != 1 || loc.LogicalLocations[0].Name != v.Layer || loc.LogicalLocations[0].Kind != "layer" {
			t.Errorf("%s: logical locations %+v", v.ID, loc.LogicalLocations)
		}
		if res.Properties["layer"] != v.Layer || res.Properties["createdBy"] != v.CreatedBy {
			t.Errorf("%s: properties %+v", v.ID, res.Properties)
		}
		if !strings.Contains(res.Message.Text, v.PackageName+" "+v.InstalledVersion) {
			t.Errorf("%s: message %q", v.ID, res.Message.Text)
		}
	}
	uris := map[string]string{}
	for i, res := range run.Results {
		uris[r.Vulnerabilities[i].PackageName] = res.Locations[0].PhysicalLocation.ArtifactLocation.URI
	}
	for pkg, want := range map[string]string{
		"busybox":         "lib/apk/db/installed",
		"Jinja2":          "usr/lib/python3/dist-packages/Jinja2-3.1.2.dist-info/METADATA",
		"@babel/traverse": "srv/app/node_modules/@babel/traverse/package.json",
		"a|b<c>&d":        "srv/app/node_modules/a%7Cb%3Cc%3E&d/package.json",
	} {
		if uris[pkg] != want {
			t.Errorf("%s: uri %q, want %q", pkg, uris[pkg], want)
		}
	}
	// security-severity: the CVSS score when it is in the severity's band
	// (lodash 7.2 HIGH), the band's middle otherwise (libcrypto3's 4.3 is
	// not LOW), none for UNKNOWN.
	sev := map[string]any{}
	for _, rule := range run.Tool.Driver.Rules {
		sev[rule.ID] = rule.Properties["security-severity"]
		if !strings.HasPrefix(rule.HelpURI, "https://") || !strings.Contains(rule.Help.Markdown, "| Package |") {
			t.Errorf("%s: help %q %q", rule.ID, rule.HelpURI, rule.Help.Markdown)
		}
	}
	for id, want := range map[string]any{"CVE-2021-23337": "7.2", "CVE-2024-9143": "2.0", "CVE-2023-45133": "9.5", "CVE-2024-22195": "5.5", "CVE-2024-58251": nil} {
		if sev[id] != want {
			t.Errorf("%s: security-severity %v, want %v", id, sev[id], want)
		}
	}
	if n := len(run.Invocations[0].ToolExecutionNotifications); n != 2 {
		t.Errorf("%d notifications, want the warning and the problem", n)
	}
}

// A finding keeps its fingerprint across scans; another version of the
// package is another finding.
func TestFingerprintsStable(t *testing.T) {
	_, a := write(t, reporttest.Sample())
	r := reporttest.Sample()
	r.Generated = r.Generated.Add(48 * 3600e9)
	r.Vulnerabilities[0].Layer = "sha256:ffff"
	_, b := write(t, r)
	for i := range a.Runs[0].Results {
		if a.Runs[0].Results[i].PartialFingerprints[sarif.FingerprintKey] != b.Runs[0].Results[i].PartialFingerprints[sarif.FingerprintKey] {
			t.Errorf("result %d: fingerprint changed between scans", i)
		}
	}
	if sarif.Fingerprint("CVE-1", "p", "1.0") == sarif.Fingerprint("CVE-1", "p", "1.1") {
		t.Error("another version, same fingerprint")
	}
}
