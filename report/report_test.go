package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lading-dev/lading/report"
)

func sample() *report.Report {
	r := &report.Report{Schema: report.Schema, Target: report.Target{Ref: "x"}}
	r.Vulnerabilities = []report.Vulnerability{
		{ID: "CVE-2", PackageName: "b", InstalledVersion: "1", Severity: "LOW", Status: "fixed", FixedVersion: "2"},
		{ID: "CVE-1", PackageName: "b", InstalledVersion: "1", Severity: "HIGH", Status: "affected"},
		{ID: "CVE-3", PackageName: "a", InstalledVersion: "1", Severity: "UNKNOWN", Status: "will_not_fix"},
	}
	r.Summarize()
	return r
}

func TestSummarizeOrdersAndCounts(t *testing.T) {
	r := sample()
	var got []string
	for _, v := range r.Vulnerabilities {
		got = append(got, v.PackageName+"/"+v.ID)
	}
	// By package, then most severe first.
	if want := "a/CVE-3 b/CVE-1 b/CVE-2"; strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}
	if r.Summary.Vulnerabilities != 3 || r.Summary.BySeverity["HIGH"] != 1 || r.Summary.BySeverity["CRITICAL"] != 0 {
		t.Errorf("summary %+v", r.Summary)
	}
}

func TestFilter(t *testing.T) {
	r := sample()
	report.Filter{IgnoreUnfixed: true}.Apply(r)
	if len(r.Vulnerabilities) != 1 || r.Vulnerabilities[0].ID != "CVE-2" || r.Summary.Vulnerabilities != 1 {
		t.Errorf("ignore-unfixed kept %+v", r.Vulnerabilities)
	}
	r = sample()
	report.Filter{Severities: []string{"high", "LOW"}}.Apply(r)
	if len(r.Vulnerabilities) != 2 {
		t.Errorf("severity filter kept %+v", r.Vulnerabilities)
	}
}

func TestJSONHasEveryTopLevelField(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	// The fields docs/report-schema.md promises at the top level.
	for _, k := range []string{"schema", "generated", "lading_version", "target", "layers", "packages", "vulnerabilities", "unknowns", "problems", "summary"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	v := m["vulnerabilities"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "aliases", "package_name", "installed_version", "fixed_version", "status", "severity", "layer", "data_source"} {
		if _, ok := v[k]; !ok {
			t.Errorf("vulnerability lacks %q", k)
		}
	}
}

func TestTableGroupsByPackageAndColoursOnlyWhenAsked(t *testing.T) {
	var plain, coloured bytes.Buffer
	if err := report.WriteTable(&plain, sample(), false); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("escape codes without colour")
	}
	lines := strings.Split(plain.String(), "\n")
	var rows []string
	for _, l := range lines {
		if strings.Contains(l, "CVE-") {
			rows = append(rows, l)
		}
	}
	if len(rows) != 3 || !strings.HasPrefix(rows[2], " ") {
		t.Errorf("the second finding of package b should not repeat its name:\n%s", plain.String())
	}
	if err := report.WriteTable(&coloured, sample(), true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(coloured.String(), "\x1b[31mHIGH") {
		t.Error("no colour for HIGH")
	}
}
