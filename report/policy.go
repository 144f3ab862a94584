package report

// The types in this file describe what lading's policy, enrichment and
// attribution stages add to a report: ignored findings, the settings a
// report was filtered with, CVSS/KEV/EPSS data per finding and the base
// image split. docs/report-schema.md documents each field.

// Ignored is a finding left out of the report by an ignore rule or a VEX
// statement. It is counted, never silently dropped.
type Ignored struct {
	ID               string   `json:"id"`
	Aliases          []string `json:"aliases"`
	PackageName      string   `json:"package"`
	PackageType      string   `json:"package_type"`
	InstalledVersion string   `json:"installed_version"`
	PURL             string   `json:"purl"`
	Severity         string   `json:"severity"`
	// Kind is "ignorefile" or "vex".
	Kind string `json:"kind"`
	// Rule names the entry that matched: the ignore file and the entry's
	// line and fields, or the VEX document and statement.
	Rule string `json:"rule"`
	// Reason is the entry's reason, or for VEX the document, status and
	// justification.
	Reason string `json:"reason"`
	// Expires is the ignore entry's expiry date (YYYY-MM-DD), "" for none.
	Expires string `json:"expires,omitempty"`
}

// Policy records the settings a report was filtered and judged with, so
// that a later reader (lading explain --input) can tell why a finding is
// absent.
type Policy struct {
	Severities    []string `json:"severities"`
	IgnoreUnfixed bool     `json:"ignore_unfixed"`
	FailOn        string   `json:"fail_on,omitempty"`
	ExitCode      int      `json:"exit_code"`
	IgnoreFile    string   `json:"ignorefile,omitempty"`
	VEX           []string `json:"vex"`
	Baseline      string   `json:"baseline,omitempty"`
	SortBy        string   `json:"sort_by,omitempty"`
}

// CVSS is the NVD rating a finding's severity can fall back on.
type CVSS struct {
	Vector  string  `json:"vector"`
	Score   float64 `json:"score"`
	Version string  `json:"version"`
	// Source is who scored it: "nvd@nist.gov" or a CNA.
	Source string `json:"source"`
	// CVE is the CVE the rating is for (a finding may name several).
	CVE string `json:"cve"`
}

// EPSS is a finding's exploit prediction score.
type EPSS struct {
	CVE        string  `json:"cve"`
	Score      float64 `json:"score"`
	Percentile float64 `json:"percentile"`
	Date       string  `json:"date,omitempty"` // the score date, YYYY-MM-DD
}

// SeveritySource is one source's rating of a finding.
type SeveritySource struct {
	// Source is the feed of the matched statements ("alpine-secdb",
	// "debian-tracker", "osv:Ubuntu"), an advisory record's source
	// ("osv", "debian-dsa"), "nvd" for NVD's own CVSS ratings or
	// "nvd:SCORER" for a CNA's rating that NVD publishes.
	Source string `json:"source"`
	// ID is the advisory record or CVE the rating is for; "" for the
	// rating of the matched statements.
	ID       string `json:"id,omitempty"`
	Severity string `json:"severity"`
	Vector   string `json:"vector,omitempty"`
}

// Origins of a finding's package.
const (
	OriginBase = "base" // brought by a layer of the base image
	OriginOwn  = "own"  // brought by a layer built on top of it
)

// BaseImage says which of the image's layers are its base image's, and
// how lading told.
type BaseImage struct {
	// Name is the base image's name where the image or the Dockerfile
	// says it ("" otherwise).
	Name string `json:"name,omitempty"`
	// Layers is how many layers, lowest first, belong to the base.
	Layers int `json:"layers"`
	// Method is "dockerfile", "label", "history" or "none" (no split
	// could be made; findings then have no origin).
	Method string `json:"method"`
	// Evidence is the history entry or Dockerfile line that decided.
	Evidence   string `json:"evidence"`
	Dockerfile string `json:"dockerfile,omitempty"`
}
