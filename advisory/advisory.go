// Package advisory holds the nouns of lading's advisory data: vulnerability
// records as the feeds publish them, and the per-package statements ("this
// package in this release is fixed in X", "not affected", ...) that the
// matcher compares installed versions with.
package advisory

import (
	"context"
	"time"
)

// Status is what a feed says about one package in one release.
type Status string

// Statuses, normalised across feeds.
const (
	// StatusFixed: versions before Fixed are affected (or, for OSV records,
	// the versions inside Ranges are affected).
	StatusFixed Status = "fixed"
	// StatusAffected: affected and no fix published yet (Debian "open",
	// Ubuntu "needed", an OSV range with no fixed event).
	StatusAffected Status = "affected"
	// StatusNotAffected: the release's package is not affected (Debian
	// "not-affected", an Alpine secfixes entry "0").
	StatusNotAffected Status = "not_affected"
	// StatusWillNotFix: affected, and the distribution decided not to fix it
	// (Debian no-dsa "ignored", Ubuntu "ignored").
	StatusWillNotFix Status = "will_not_fix"
	// StatusUnimportant: affected, but the distribution rates it as not
	// worth a fix (Debian urgency "unimportant").
	StatusUnimportant Status = "unimportant"
	// StatusEndOfLife: the package is no longer supported in the release.
	StatusEndOfLife Status = "end_of_life"
	// StatusUndetermined: the distribution has not yet triaged it.
	StatusUndetermined Status = "undetermined"
	// StatusPostponed: affected; the fix will come with a later point release
	// (Debian no-dsa "postponed").
	StatusPostponed Status = "postponed"
)

// Severity levels, as reported.
const (
	SeverityCritical   = "CRITICAL"
	SeverityHigh       = "HIGH"
	SeverityMedium     = "MEDIUM"
	SeverityLow        = "LOW"
	SeverityNegligible = "NEGLIGIBLE"
	SeverityUnknown    = "UNKNOWN"
)

// Vulnerability is one advisory record.
type Vulnerability struct {
	ID        string    `json:"id"`
	Aliases   []string  `json:"aliases,omitempty"`
	Summary   string    `json:"summary,omitempty"`
	Details   string    `json:"details,omitempty"`
	Severity  string    `json:"severity,omitempty"` // one of the Severity* constants, or ""
	Published time.Time `json:"published,omitempty"`
	Modified  time.Time `json:"modified,omitempty"`
	Withdrawn time.Time `json:"withdrawn,omitempty"`
	// Source names the feed: "osv", "alpine-secdb", "debian-tracker",
	// "debian-dsa", "debian-dla".
	Source     string   `json:"source"`
	References []string `json:"references,omitempty"`
}

// Event is one OSV range event; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Range is one OSV range ("ECOSYSTEM", "SEMVER" or "GIT"), or a feed's
// own requirement strings (Type RangeCargo, RangeRubyGems or
// RangeComposer, with Requirements set and no Events; see requirements.go).
type Range struct {
	Type         string        `json:"type"`
	Events       []Event       `json:"events"`
	Requirements *Requirements `json:"requirements,omitempty"`
}

// Affected is one statement about one package in one namespace.
type Affected struct {
	VulnID string `json:"vuln_id"`
	// Namespace says which versions of which distribution or ecosystem the
	// statement is about; see Namespace.
	Namespace string `json:"namespace"`
	// Ecosystem is the feed's own spelling ("Ubuntu:18.04:LTS",
	// "Alpine:v3.20", "bookworm").
	Ecosystem string `json:"ecosystem"`
	// Package is the package name as the feed spells it; for distributions
	// it is the source package (Debian, Ubuntu, Alpine origin) or the binary
	// package where the feed names binaries (RPM-based OSV records).
	Package string `json:"package"`
	Status  Status `json:"status"`
	// Fixed is the first fixed version when Status is StatusFixed and the
	// feed states a single fix (secdb, Debian). Empty otherwise.
	Fixed string `json:"fixed,omitempty"`
	// Ranges are the OSV ranges when the feed gives ranges; Versions the
	// OSV explicit version list.
	Ranges   []Range  `json:"ranges,omitempty"`
	Versions []string `json:"versions,omitempty"`
	// Severity is a per-package rating where the feed gives one (Debian
	// urgency, Ubuntu priority), normalised to a Severity* constant.
	Severity string `json:"severity,omitempty"`
	// Source is the feed, as in Vulnerability.Source.
	Source string `json:"source"`
}

// Reader is what the matcher needs from the advisory store.
type Reader interface {
	// Affected returns every statement about pkg in namespace ns, in a
	// stable order. pkg is compared as the store normalised it.
	Affected(ctx context.Context, ns, pkg string) ([]Affected, error)
	// Vulnerability returns the record with this ID, or nil when absent.
	Vulnerability(ctx context.Context, id string) (*Vulnerability, error)
	// Metadata describes the database (when it was built, from what).
	Metadata(ctx context.Context) (*Metadata, error)
}

// Metadata describes a built database.
type Metadata struct {
	SchemaVersion int          `json:"schema_version"`
	Built         time.Time    `json:"built"`
	Sources       []SourceInfo `json:"sources"`
}

// SourceInfo is one ingested feed file.
type SourceInfo struct {
	Name      string    `json:"name"`     // "osv", "alpine-secdb", ...
	Location  string    `json:"location"` // URL or path it was read from
	Fetched   time.Time `json:"fetched"`
	Records   int       `json:"records"`
	Skipped   int       `json:"skipped"`
	SHA256    string    `json:"sha256,omitempty"`
	SkipNotes []string  `json:"skip_notes,omitempty"`
}
