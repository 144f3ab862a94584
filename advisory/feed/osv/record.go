// Package osv reads OSV records (https://ossf.github.io/osv-schema/), one
// JSON document per record, and the all.zip dumps osv.dev publishes per
// ecosystem, and converts them to lading's advisory types.
package osv

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Record is an OSV record as published; fields lading does not use are
// left out.
type Record struct {
	SchemaVersion    string          `json:"schema_version"`
	ID               string          `json:"id"`
	Aliases          []string        `json:"aliases"`
	Related          []string        `json:"related"`
	Upstream         []string        `json:"upstream"`
	Summary          string          `json:"summary"`
	Details          string          `json:"details"`
	Severity         []Severity      `json:"severity"`
	Published        string          `json:"published"`
	Modified         string          `json:"modified"`
	Withdrawn        string          `json:"withdrawn"`
	Affected         []Affected      `json:"affected"`
	References       []Reference     `json:"references"`
	DatabaseSpecific json.RawMessage `json:"database_specific"`
}

// Severity is one OSV severity entry: a CVSS vector or, for type
// "Ubuntu", a priority word.
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Package names the affected package.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl"`
}

// Affected is one entry of a record's affected list.
type Affected struct {
	Package           Package         `json:"package"`
	Severity          []Severity      `json:"severity"`
	Ranges            []Range         `json:"ranges"`
	Versions          []string        `json:"versions"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific"`
	DatabaseSpecific  json.RawMessage `json:"database_specific"`
}

// Range is one affected range.
type Range struct {
	Type   string  `json:"type"`
	Repo   string  `json:"repo"`
	Events []Event `json:"events"`
}

// Event is one range event; one field is set.
type Event struct {
	Introduced   string `json:"introduced"`
	Fixed        string `json:"fixed"`
	LastAffected string `json:"last_affected"`
	Limit        string `json:"limit"`
}

// Reference is one link.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Parse decodes one OSV JSON record. It fails on invalid JSON and on a
// record without an id.
func Parse(data []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("invalid OSV JSON: %w", err)
	}
	if strings.TrimSpace(r.ID) == "" {
		return nil, fmt.Errorf("OSV record has no id")
	}
	return &r, nil
}

// timeLayouts are the timestamp spellings seen in OSV feeds: RFC 3339
// with or without fractions, and occasionally without a zone.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02",
}

// parseTime parses an OSV timestamp; an empty or unreadable one, and the
// "0001-01-01T00:00:00Z" placeholder, give the zero time.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() <= 1 {
				return time.Time{}
			}
			return t.UTC()
		}
	}
	return time.Time{}
}
