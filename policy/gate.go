package policy

import (
	"fmt"
	"strings"

	"github.com/lading-dev/lading/report"
)

// Gate turns a report into an exit code.
type Gate struct {
	// FailOn, when set, is the least severity that fails: only a finding
	// at least this severe does (UNKNOWN ranks lowest, so --fail-on
	// UNKNOWN fails on any finding).
	FailOn string
	// ExitCode is the code to exit with; with FailOn set and ExitCode 0,
	// the code is 1.
	ExitCode int
}

// ParseSeverity checks a severity name and returns it upper-cased.
func ParseSeverity(s string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	for _, v := range report.Severities {
		if u == v {
			return u, nil
		}
	}
	return "", fmt.Errorf("unknown severity %q (want %s)", s, strings.Join(report.Severities, ", "))
}

// Counts reports whether a finding counts for the exit code: with a
// baseline, only new findings do.
func Counts(v *report.Vulnerability) bool { return v.New == nil || *v.New }

// Exit returns the exit code for the report's findings, and the finding
// that decided it (nil for 0).
func (g Gate) Exit(r *report.Report) (int, *report.Vulnerability) {
	code := g.ExitCode
	if g.FailOn != "" && code == 0 {
		code = 1
	}
	if code == 0 {
		return 0, nil
	}
	least := report.SeverityRank(g.FailOn)
	for i := range r.Vulnerabilities {
		v := &r.Vulnerabilities[i]
		if !Counts(v) {
			continue
		}
		if g.FailOn == "" || report.SeverityRank(v.Severity) >= least {
			return code, v
		}
	}
	return 0, nil
}
