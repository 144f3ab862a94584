// Package sarif writes a lading report as a SARIF 2.1.0 log, the format
// code-scanning services (GitHub code scanning, Azure DevOps, GitLab) take
// in: one rule per vulnerability ID, one result per finding.
//
// Rules carry help text (the advisory link and a table of the packages
// affected), a default level and the "security-severity" property code
// scanning ranks alerts by. Results point at the file that records the
// package (its package database, lockfile or metadata file, relative to the
// image or directory root); for an image they also name the layer that
// brought the package, as a logical location and in their properties.
// partialFingerprints are stable per (ID, package, installed version), so a
// finding keeps its alert across scans.
package sarif

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/report/internal/view"
)

// SchemaURI is the published schema the log names in "$schema".
const SchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// FingerprintKey names lading's entry in a result's partialFingerprints.
const FingerprintKey = "ladingFinding/v1"

// InformationURI is where the driver says to learn about lading.
const InformationURI = "https://github.com/lading-dev/lading"

type log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []run  `json:"runs"`
}

type run struct {
	Tool        tool           `json:"tool"`
	Invocations []invocation   `json:"invocations"`
	Results     []result       `json:"results"`
	ColumnKind  string         `json:"columnKind"`
	Properties  map[string]any `json:"properties,omitempty"`
}

type tool struct {
	Driver driver `json:"driver"`
}

type driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri"`
	Rules          []rule `json:"rules"`
}

type message struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type rule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     message        `json:"shortDescription"`
	FullDescription      message        `json:"fullDescription"`
	HelpURI              string         `json:"helpUri"`
	Help                 message        `json:"help"`
	DefaultConfiguration config         `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type config struct {
	Level string `json:"level"`
}

type invocation struct {
	ExecutionSuccessful        bool           `json:"executionSuccessful"`
	EndTimeUTC                 string         `json:"endTimeUtc,omitempty"`
	ToolExecutionNotifications []notification `json:"toolExecutionNotifications,omitempty"`
}

type notification struct {
	Level   string  `json:"level"`
	Message message `json:"message"`
}

type result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Kind                string            `json:"kind"`
	Level               string            `json:"level"`
	Message             message           `json:"message"`
	Locations           []location        `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties"`
}

type location struct {
	PhysicalLocation physicalLocation  `json:"physicalLocation"`
	LogicalLocations []logicalLocation `json:"logicalLocations,omitempty"`
	Message          *message          `json:"message,omitempty"`
}

type physicalLocation struct {
	ArtifactLocation artifactLocation `json:"artifactLocation"`
	Region           region           `json:"region"`
}

type artifactLocation struct {
	URI string `json:"uri"`
}

// region: code scanning wants one; a package database has no line for a
// package that lading records, so it is the file's first line.
type region struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type logicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind"`
}

// Level is the SARIF level of a severity: error for CRITICAL and HIGH,
// warning for MEDIUM and for UNKNOWN (an unrated finding is not played
// down), note for LOW and NEGLIGIBLE.
func Level(severity string) string {
	switch severity {
	case "CRITICAL", "HIGH":
		return "error"
	case "LOW", "NEGLIGIBLE":
		return "note"
	}
	return "warning"
}

// bands are the CVSS score ranges of the severities, as code scanning reads
// "security-severity" (over 9.0 critical, 7.0 to 8.9 high, 4.0 to 6.9
// medium, 0.1 to 3.9 low), and the score used when a finding has no CVSS
// score in its band.
var bands = map[string]struct{ lo, hi, rep float64 }{
	"CRITICAL":   {9.0, 10.0, 9.5},
	"HIGH":       {7.0, 8.99, 8.0},
	"MEDIUM":     {4.0, 6.99, 5.5},
	"LOW":        {0.1, 3.99, 2.0},
	"NEGLIGIBLE": {0.1, 3.99, 0.5},
}

// SecuritySeverity is the "security-severity" of a finding: its CVSS score
// when that falls in the band of its severity, else a score in the middle of
// the band; "" for UNKNOWN (code scanning then goes by the level).
func SecuritySeverity(v report.Vulnerability) string {
	b, ok := bands[v.Severity]
	if !ok {
		return ""
	}
	score := b.rep
	if v.CVSS != nil && v.CVSS.Score >= b.lo && v.CVSS.Score <= b.hi {
		score = v.CVSS.Score
	}
	return strconv.FormatFloat(score, 'f', 1, 64)
}

// Fingerprint is a finding's partial fingerprint: a hash of its ID, package
// name and installed version, so it is the same in every scan that finds
// the same thing.
func Fingerprint(id, pkg, version string) string {
	sum := sha256.Sum256([]byte(id + "\x00" + pkg + "\x00" + version))
	return hex.EncodeToString(sum[:])
}

// Write writes r as a SARIF 2.1.0 log.
func Write(w io.Writer, r *report.Report) error {
	l := Build(r)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(l)
}

// Build turns r into the log Write encodes.
func Build(r *report.Report) any {
	pkgs := view.NewPackages(r)
	byID := map[string][]report.Vulnerability{}
	var ids []string
	for _, v := range r.Vulnerabilities {
		if _, ok := byID[v.ID]; !ok {
			ids = append(ids, v.ID)
		}
		byID[v.ID] = append(byID[v.ID], v)
	}
	sort.Strings(ids)
	index := map[string]int{}
	rules := make([]rule, 0, len(ids))
	for i, id := range ids {
		index[id] = i
		rules = append(rules, newRule(id, byID[id]))
	}
	results := make([]result, 0, len(r.Vulnerabilities))
	for _, v := range r.Vulnerabilities {
		results = append(results, newResult(r, pkgs, v, index[v.ID]))
	}
	inv := invocation{ExecutionSuccessful: true}
	if !r.Generated.IsZero() {
		inv.EndTimeUTC = r.Generated.UTC().Format(time.RFC3339)
	}
	for _, w := range r.Warnings {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, notification{Level: "warning", Message: message{Text: w}})
	}
	for _, p := range r.Problems {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
			notification{Level: "warning", Message: message{Text: fmt.Sprintf("could not read %s: %s", p.Path, p.Error)}})
	}
	props := map[string]any{"target": r.Target, "summary": r.Summary}
	if r.Database != nil {
		props["database"] = r.Database
	}
	return log{
		Schema:  SchemaURI,
		Version: "2.1.0",
		Runs: []run{{
			Tool:        tool{Driver: driver{Name: "lading", Version: r.Lading, InformationURI: InformationURI, Rules: rules}},
			Invocations: []invocation{inv},
			Results:     results,
			ColumnKind:  "unicodeCodePoints",
			Properties:  props,
		}},
	}
}

func newRule(id string, vs []report.Vulnerability) rule {
	// The rule takes the most severe rating among its findings.
	top := vs[0]
	for _, v := range vs[1:] {
		if report.SeverityRank(v.Severity) > report.SeverityRank(top.Severity) ||
			(v.Severity == top.Severity && v.CVSS != nil && (top.CVSS == nil || v.CVSS.Score > top.CVSS.Score)) {
			top = v
		}
	}
	var names []string
	seen := map[string]bool{}
	for _, v := range vs {
		if !seen[v.PackageName] {
			seen[v.PackageName] = true
			names = append(names, v.PackageName)
		}
	}
	short := fmt.Sprintf("%s in %s", id, strings.Join(names, ", "))
	full := short
	if top.Title != "" {
		short = id + ": " + top.Title
		full = top.Title
	}
	link := view.AdvisoryURL(id)

	var text, md strings.Builder
	fmt.Fprintf(&text, "%s\nSeverity: %s\n", full, view.Severity(top.Severity))
	if len(top.Aliases) > 0 {
		fmt.Fprintf(&text, "Also known as: %s\n", strings.Join(top.Aliases, ", "))
	}
	fmt.Fprintf(&text, "Advisory: %s\nAffected packages:\n", link)
	fmt.Fprintf(&md, "**[%s](%s)**: %s\n\nSeverity: **%s**", id, link, mdEscape(full), view.Severity(top.Severity))
	if len(top.Aliases) > 0 {
		fmt.Fprintf(&md, "; also known as %s", mdEscape(strings.Join(top.Aliases, ", ")))
	}
	md.WriteString("\n\n| Package | Installed | Fixed in | Status | Layer |\n|---|---|---|---|---|\n")
	for _, v := range vs {
		fixed := v.FixedVersion
		if fixed == "" {
			fixed = "no fix yet"
		}
		layer := ""
		if v.Layer != "" {
			layer = view.ShortDigest(v.Layer)
			if v.CreatedBy != "" {
				layer += " " + view.Instruction(v.CreatedBy, 60)
			}
		}
		fmt.Fprintf(&text, "  %s %s: %s (%s)", v.PackageName, v.InstalledVersion, fixed, v.Status)
		if layer != "" {
			fmt.Fprintf(&text, ", layer %s", layer)
		}
		text.WriteString("\n")
		fmt.Fprintf(&md, "| %s | %s | %s | %s | %s |\n", mdEscape(v.PackageName), mdEscape(v.InstalledVersion),
			mdEscape(fixed), mdEscape(v.Status), mdEscape(layer))
	}
	tags := []string{"security", "vulnerability", strings.ToLower(view.Severity(top.Severity))}
	props := map[string]any{"tags": tags, "precision": "very-high"}
	if s := SecuritySeverity(top); s != "" {
		props["security-severity"] = s
	}
	return rule{
		ID:                   id,
		Name:                 ruleName(id),
		ShortDescription:     message{Text: short},
		FullDescription:      message{Text: full},
		HelpURI:              link,
		Help:                 message{Text: strings.TrimSpace(text.String()), Markdown: md.String()},
		DefaultConfiguration: config{Level: Level(top.Severity)},
		Properties:           props,
	}
}

// ruleName is an identifier a person can read: the ID without punctuation,
// "CVE20249143".
func ruleName(id string) string {
	var b strings.Builder
	for _, c := range id {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func newResult(r *report.Report, pkgs *view.Packages, v report.Vulnerability, ruleIndex int) result {
	var msg strings.Builder
	fmt.Fprintf(&msg, "Package %s %s is affected by %s (severity %s, status %s)", v.PackageName, v.InstalledVersion, v.ID, view.Severity(v.Severity), v.Status)
	if v.FixedVersion != "" {
		fmt.Fprintf(&msg, "; fixed in %s", v.FixedVersion)
	} else {
		msg.WriteString("; no fixed version yet")
	}
	msg.WriteString(".")
	if v.Layer != "" {
		fmt.Fprintf(&msg, " Layer %s", v.Layer)
		if v.CreatedBy != "" {
			fmt.Fprintf(&msg, " (%s)", view.Instruction(v.CreatedBy, 120))
		}
		msg.WriteString(".")
	}
	path := pkgs.Path(v)
	loc := location{PhysicalLocation: physicalLocation{
		ArtifactLocation: artifactLocation{URI: uri(path, r.Target)},
		Region:           region{StartLine: 1, StartColumn: 1, EndLine: 1, EndColumn: 1},
	}}
	if v.Layer != "" {
		loc.LogicalLocations = []logicalLocation{{
			Name:               v.Layer,
			FullyQualifiedName: r.Target.Ref + "@" + v.Layer,
			Kind:               "layer",
		}}
	}
	props := map[string]any{
		"package":          v.PackageName,
		"packageType":      v.PackageType,
		"purl":             v.PURL,
		"installedVersion": v.InstalledVersion,
		"fixedVersion":     v.FixedVersion,
		"status":           v.Status,
		"severity":         view.Severity(v.Severity),
		"dataSource":       v.DataSource,
	}
	if v.Layer != "" {
		props["layer"] = v.Layer
		props["createdBy"] = v.CreatedBy
	}
	if len(v.Aliases) > 0 {
		props["aliases"] = v.Aliases
	}
	if s := SecuritySeverity(v); s != "" {
		props["security-severity"] = s
	}
	return result{
		RuleID:              v.ID,
		RuleIndex:           ruleIndex,
		Kind:                "fail",
		Level:               Level(v.Severity),
		Message:             message{Text: msg.String()},
		Locations:           []location{loc},
		PartialFingerprints: map[string]string{FingerprintKey: Fingerprint(v.ID, v.PackageName, v.InstalledVersion)},
		Properties:          props,
	}
}

// uri makes a relative URI reference of a path inside the scanned root,
// each segment escaped; a package with no recorded file points at the
// target itself.
func uri(path string, t report.Target) string {
	if path == "" {
		path = t.Name
		if path == "" {
			path = t.Ref
		}
		path = strings.TrimPrefix(path, "/")
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	u := strings.Join(segs, "/")
	// A colon in the first segment would read as a scheme.
	if first, _, _ := strings.Cut(u, "/"); strings.Contains(first, ":") {
		u = "./" + u
	}
	return u
}

func mdEscape(s string) string {
	r := strings.NewReplacer("|", "\\|", "\n", " ", "*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}
