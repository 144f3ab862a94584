// Package report holds lading's report document (schema lading.report/v1)
// and writes it as a table or as JSON. The JSON form is the contract CI jobs
// and the server rely on; docs/report-schema.md documents every field.
package report

import (
	"sort"
	"strings"
	"time"

	"github.com/lading-dev/lading/inventory"
)

// Schema is the value of the report's "schema" field.
const Schema = "lading.report/v1"

// Report is one scan's result.
type Report struct {
	Schema          string               `json:"schema"`
	Generated       time.Time            `json:"generated"`
	Lading          string               `json:"lading_version"`
	Target          Target               `json:"target"`
	Database        *Database            `json:"database,omitempty"`
	Layers          []Layer              `json:"layers"`
	Packages        []*inventory.Package `json:"packages"`
	Vulnerabilities []Vulnerability      `json:"vulnerabilities"`
	Unknowns        []Unknown            `json:"unknowns"`
	Problems        []Problem            `json:"problems"`
	// Warnings are things a reader of the findings should know, such as an
	// advisory database older than --db-max-age.
	Warnings []string `json:"warnings"`
	// Ignored are findings left out by an ignore rule or a VEX statement.
	Ignored []Ignored `json:"ignored"`
	// BaseImage is the base/own layer split (nil for a directory scan).
	BaseImage *BaseImage `json:"base_image,omitempty"`
	// Policy is what the report was filtered and judged with.
	Policy  *Policy `json:"policy,omitempty"`
	Summary Summary `json:"summary"`
}

// Target is what was scanned.
type Target struct {
	Ref     string            `json:"ref"`
	Kind    string            `json:"kind"`
	Name    string            `json:"name"`
	Digest  string            `json:"digest"`
	ImageID string            `json:"image_id"`
	OS      *inventory.Distro `json:"os"`
}

// Database says which advisory data the findings come from.
type Database struct {
	SchemaVersion int       `json:"schema_version"`
	Built         time.Time `json:"built"`
	AgeHours      float64   `json:"age_hours"`
}

// Layer is one image layer.
type Layer struct {
	DiffID    string `json:"diff_id"`
	Digest    string `json:"digest,omitempty"`
	Size      int64  `json:"size,omitempty"`
	CreatedBy string `json:"created_by"`
}

// Vulnerability is one finding: a vulnerability affecting one package.
type Vulnerability struct {
	ID               string   `json:"id"`
	Aliases          []string `json:"aliases"`
	PackageName      string   `json:"package_name"`
	PackageType      string   `json:"package_type"`
	PURL             string   `json:"purl"`
	SourceName       string   `json:"source_name,omitempty"`
	InstalledVersion string   `json:"installed_version"`
	FixedVersion     string   `json:"fixed_version"`
	Status           string   `json:"status"`
	Severity         string   `json:"severity"`
	Layer            string   `json:"layer"`
	CreatedBy        string   `json:"created_by"`
	DataSource       string   `json:"data_source"`
	Namespace        string   `json:"namespace,omitempty"`
	Title            string   `json:"title,omitempty"`
	Evidence         string   `json:"evidence,omitempty"`

	// SeveritySources is every source's rating; Severity is chosen from
	// them by the rule in docs/report-schema.md.
	SeveritySources []SeveritySource `json:"severity_sources"`
	CVSS            *CVSS            `json:"cvss"`
	KEV             bool             `json:"kev"`
	KEVDateAdded    string           `json:"kev_date_added,omitempty"`
	EPSS            *EPSS            `json:"epss"`
	// Origin is OriginBase, OriginOwn, or "" when the split is unknown;
	// DockerfileLine the line of the instruction that made the layer
	// (with --dockerfile).
	Origin         string `json:"origin"`
	DockerfileLine *int   `json:"dockerfile_line"`
	// New is set with --baseline: whether the baseline lacked the finding.
	New *bool `json:"new"`
}

// Unknown is a package whose version could not be compared with an
// advisory; it is neither reported vulnerable nor assumed safe.
type Unknown struct {
	PackageName      string `json:"package_name"`
	InstalledVersion string `json:"installed_version"`
	ID               string `json:"id"`
	Reason           string `json:"reason"`
}

// Problem is a file that could not be read; the scan went on without it.
type Problem struct {
	Path  string `json:"path"`
	Layer string `json:"layer,omitempty"`
	Error string `json:"error"`
}

// Summary counts what the report holds.
type Summary struct {
	Packages        int            `json:"packages"`
	Vulnerabilities int            `json:"vulnerabilities"`
	BySeverity      map[string]int `json:"by_severity"`
	Ignored         int            `json:"ignored"`
	// New counts the findings a baseline lacks (nil without --baseline).
	New *int `json:"new,omitempty"`
}

// Severities in order, most severe first.
var Severities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "NEGLIGIBLE", "UNKNOWN"}

// SeverityRank orders severities; higher is more severe, UNKNOWN is 0.
func SeverityRank(s string) int {
	for i, v := range Severities {
		if v == s {
			return len(Severities) - 1 - i
		}
	}
	return 0
}

// Filter says which findings a report keeps.
type Filter struct {
	// Severities, when not empty, keeps only findings of these severities.
	Severities []string
	// IgnoreUnfixed drops findings with no fixed version to upgrade to.
	IgnoreUnfixed bool
}

// Apply drops the findings the filter excludes and recounts the summary.
func (f Filter) Apply(r *Report) {
	keep := r.Vulnerabilities[:0]
	for _, v := range r.Vulnerabilities {
		if f.IgnoreUnfixed && v.FixedVersion == "" {
			continue
		}
		if len(f.Severities) > 0 && !contains(f.Severities, v.Severity) {
			continue
		}
		keep = append(keep, v)
	}
	r.Vulnerabilities = keep
	r.Summarize()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Summarize fills in Summary and puts findings in their report order: by
// package, then severity (most severe first), then ID.
func (r *Report) Summarize() {
	sort.SliceStable(r.Vulnerabilities, func(i, j int) bool {
		a, b := r.Vulnerabilities[i], r.Vulnerabilities[j]
		if a.PackageName != b.PackageName {
			return a.PackageName < b.PackageName
		}
		if a.InstalledVersion != b.InstalledVersion {
			return a.InstalledVersion < b.InstalledVersion
		}
		if ra, rb := SeverityRank(a.Severity), SeverityRank(b.Severity); ra != rb {
			return ra > rb
		}
		return a.ID < b.ID
	})
	r.Summary = Summary{Packages: len(r.Packages), Vulnerabilities: len(r.Vulnerabilities), BySeverity: map[string]int{}}
	for _, s := range Severities {
		r.Summary.BySeverity[s] = 0
	}
	for i, v := range r.Vulnerabilities {
		r.Summary.BySeverity[v.Severity]++
		if v.SeveritySources == nil {
			r.Vulnerabilities[i].SeveritySources = []SeveritySource{}
		}
	}
	r.Summary.Ignored = len(r.Ignored)
	if r.Policy != nil && r.Policy.Baseline != "" {
		n := 0
		for _, v := range r.Vulnerabilities {
			if v.New != nil && *v.New {
				n++
			}
		}
		r.Summary.New = &n
	}
	if r.Ignored == nil {
		r.Ignored = []Ignored{}
	}
	if r.Vulnerabilities == nil {
		r.Vulnerabilities = []Vulnerability{}
	}
	if r.Unknowns == nil {
		r.Unknowns = []Unknown{}
	}
	if r.Problems == nil {
		r.Problems = []Problem{}
	}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
	if r.Packages == nil {
		r.Packages = []*inventory.Package{}
	}
	if r.Layers == nil {
		r.Layers = []Layer{}
	}
}
