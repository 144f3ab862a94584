package feed

import (
	"strings"

	"github.com/lading-dev/lading/advisory"
)

// SeverityWord maps a feed's severity word ("HIGH", "moderate",
// "Important", Ubuntu's "medium", Debian's "low**") to a Severity*
// constant. It returns "" for a word it does not know, so callers can tell
// "no headline" from an explicit "unknown".
func SeverityWord(w string) string {
	w = strings.ToLower(strings.TrimRight(strings.TrimSpace(w), "*"))
	switch w {
	case "critical":
		return advisory.SeverityCritical
	case "high", "important":
		return advisory.SeverityHigh
	case "medium", "moderate":
		return advisory.SeverityMedium
	case "low":
		return advisory.SeverityLow
	case "negligible", "unimportant":
		return advisory.SeverityNegligible
	case "unknown", "untriaged", "not yet assigned":
		return advisory.SeverityUnknown
	}
	return ""
}

// severityRank orders the Severity* constants, highest last.
var severityRank = map[string]int{
	"":                          0,
	advisory.SeverityUnknown:    1,
	advisory.SeverityNegligible: 2,
	advisory.SeverityLow:        3,
	advisory.SeverityMedium:     4,
	advisory.SeverityHigh:       5,
	advisory.SeverityCritical:   6,
}

// MaxSeverity returns the higher of two Severity* constants.
func MaxSeverity(a, b string) string {
	if severityRank[b] > severityRank[a] {
		return b
	}
	return a
}
