// Package junit writes a lading report as JUnit XML, the test-result format
// CI servers (Jenkins, GitLab, Azure Pipelines, GitHub actions that publish
// test results) display: one test suite for the target, one test case per
// package, and a failure on each package that findings survived the
// filters for. A package without findings is a passing test, so the count
// of tests is the count of packages checked.
//
// A test case's classname is the package type ("apk", "deb", "npm", ...),
// its name "NAME@VERSION" and its file the file that lists the package. A
// failure's type is the most severe of the package's findings, its message
// counts them, and its text has one line per finding: ID, severity, status,
// fixed version, layer and instruction.
package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/report/internal/view"
)

// TestSuites is the document's root element.
type TestSuites struct {
	XMLName   xml.Name    `xml:"testsuites"`
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Suites    []TestSuite `xml:"testsuite"`
}

// TestSuite is the target.
type TestSuite struct {
	Name       string     `xml:"name,attr"`
	Tests      int        `xml:"tests,attr"`
	Failures   int        `xml:"failures,attr"`
	Errors     int        `xml:"errors,attr"`
	Skipped    int        `xml:"skipped,attr"`
	Time       string     `xml:"time,attr"`
	Timestamp  string     `xml:"timestamp,attr,omitempty"`
	Hostname   string     `xml:"hostname,attr,omitempty"`
	Properties []Property `xml:"properties>property,omitempty"`
	Cases      []TestCase `xml:"testcase"`
	SystemOut  string     `xml:"system-out,omitempty"`
}

// Property is a name and value of the suite.
type Property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// TestCase is one package.
type TestCase struct {
	ClassName string   `xml:"classname,attr"`
	Name      string   `xml:"name,attr"`
	File      string   `xml:"file,attr,omitempty"`
	Time      string   `xml:"time,attr"`
	Failure   *Failure `xml:"failure,omitempty"`
}

// Failure lists a package's findings.
type Failure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// Build turns r into JUnit test suites.
func Build(r *report.Report) TestSuites {
	pkgs := view.NewPackages(r)
	byPkg := map[*inventory.Package][]report.Vulnerability{}
	orphans := map[string][]report.Vulnerability{}
	var orphanKeys []string
	for _, v := range r.Vulnerabilities {
		if p := pkgs.For(v); p != nil {
			byPkg[p] = append(byPkg[p], v)
			continue
		}
		k := v.PackageType + "\x00" + v.PackageName + "\x00" + v.InstalledVersion
		if orphans[k] == nil {
			orphanKeys = append(orphanKeys, k)
		}
		orphans[k] = append(orphans[k], v)
	}
	ts := ""
	if !r.Generated.IsZero() {
		ts = r.Generated.UTC().Format("2006-01-02T15:04:05")
	}
	name := r.Target.Ref
	suite := TestSuite{Name: name, Time: "0", Timestamp: ts}
	prop := func(n, v string) {
		if v != "" {
			suite.Properties = append(suite.Properties, Property{n, v})
		}
	}
	prop("lading.version", r.Lading)
	prop("target.ref", r.Target.Ref)
	prop("target.name", r.Target.Name)
	prop("target.digest", r.Target.Digest)
	if d := r.Target.OS; d != nil {
		prop("target.os", strings.TrimSpace(d.Family+" "+d.Version))
	}
	if r.Database != nil {
		prop("database.built", r.Database.Built.UTC().Format(time.RFC3339))
	}
	for _, s := range report.Severities {
		prop("findings."+strings.ToLower(s), fmt.Sprint(r.Summary.BySeverity[s]))
	}

	sorted := append([]*inventory.Package(nil), r.Packages...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Version < b.Version
	})
	for _, p := range sorted {
		if p == nil {
			continue
		}
		tc := TestCase{ClassName: p.Type, Name: p.Name + "@" + p.Version, Time: "0"}
		if len(p.Locations) > 0 {
			tc.File = strings.TrimPrefix(p.Locations[0].Path, "/")
		}
		tc.Failure = failure(byPkg[p])
		suite.Cases = append(suite.Cases, tc)
	}
	for _, k := range orphanKeys {
		vs := orphans[k]
		suite.Cases = append(suite.Cases, TestCase{ClassName: vs[0].PackageType, Name: vs[0].PackageName + "@" + vs[0].InstalledVersion, Time: "0", Failure: failure(vs)})
	}
	for _, c := range suite.Cases {
		suite.Tests++
		if c.Failure != nil {
			suite.Failures++
		}
	}
	var out []string
	out = append(out, r.Warnings...)
	for _, p := range r.Problems {
		out = append(out, fmt.Sprintf("could not read %s: %s", p.Path, p.Error))
	}
	if len(out) > 0 {
		suite.SystemOut = strings.Join(out, "\n")
	}
	return TestSuites{Name: "lading", Tests: suite.Tests, Failures: suite.Failures, Time: "0", Timestamp: ts, Suites: []TestSuite{suite}}
}

func failure(vs []report.Vulnerability) *Failure {
	if len(vs) == 0 {
		return nil
	}
	top := vs[0].Severity
	counts := map[string]int{}
	var ids []string
	var text strings.Builder
	for _, v := range vs {
		sev := view.Severity(v.Severity)
		if report.SeverityRank(sev) > report.SeverityRank(view.Severity(top)) {
			top = sev
		}
		counts[sev]++
		ids = append(ids, v.ID)
		fixed := v.FixedVersion
		if fixed == "" {
			fixed = "no fix yet"
		} else {
			fixed = "fixed in " + fixed
		}
		fmt.Fprintf(&text, "%s %s %s, %s (%s)", v.ID, sev, v.Status, fixed, v.DataSource)
		if v.Layer != "" {
			fmt.Fprintf(&text, " layer %s", view.ShortDigest(v.Layer))
			if v.CreatedBy != "" {
				fmt.Fprintf(&text, " %s", view.Instruction(v.CreatedBy, 100))
			}
		}
		fmt.Fprintf(&text, " %s\n", view.AdvisoryURL(v.ID))
	}
	var parts []string
	for _, s := range report.Severities {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, counts[s]))
		}
	}
	noun := "vulnerabilities"
	if len(vs) == 1 {
		noun = "vulnerability"
	}
	return &Failure{
		Type:    view.Severity(top),
		Message: fmt.Sprintf("%d %s (%s): %s", len(vs), noun, strings.Join(parts, ", "), strings.Join(ids, ", ")),
		Text:    text.String(),
	}
}

// Write writes r as JUnit XML.
func Write(w io.Writer, r *report.Report) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(Build(r)); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
