package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/lading-dev/lading/report"
)

// SortKeys are the orders --sort-by accepts.
var SortKeys = []string{"severity", "epss", "kev", "package", "id"}

// Sort orders findings:
//
//	severity  most severe first, then KEV entries, then higher EPSS
//	epss      highest EPSS score first (none last), then severity
//	kev       KEV entries first (most recently added first), then severity, then EPSS
//	package   by package name and version, then most severe first (the default order)
//	id        by vulnerability ID, then package
//
// Ties fall back to package, installed version and ID.
func Sort(vs []report.Vulnerability, by string) error {
	var key func(a, b *report.Vulnerability) int
	switch by {
	case "severity":
		key = func(a, b *report.Vulnerability) int {
			return cmp.Or(bySeverity(a, b), byKEV(a, b), byEPSS(a, b))
		}
	case "epss":
		key = func(a, b *report.Vulnerability) int { return cmp.Or(byEPSS(a, b), bySeverity(a, b)) }
	case "kev":
		key = func(a, b *report.Vulnerability) int {
			return cmp.Or(byKEV(a, b), -cmp.Compare(a.KEVDateAdded, b.KEVDateAdded), bySeverity(a, b), byEPSS(a, b))
		}
	case "package", "":
		key = func(a, b *report.Vulnerability) int {
			return cmp.Or(cmp.Compare(a.PackageName, b.PackageName), cmp.Compare(a.InstalledVersion, b.InstalledVersion),
				bySeverity(a, b))
		}
	case "id":
		key = func(a, b *report.Vulnerability) int { return cmp.Compare(a.ID, b.ID) }
	default:
		return fmt.Errorf("--sort-by %q: want one of %s", by, strings.Join(SortKeys, ", "))
	}
	slices.SortStableFunc(vs, func(a, b report.Vulnerability) int {
		return cmp.Or(key(&a, &b), cmp.Compare(a.PackageName, b.PackageName),
			cmp.Compare(a.InstalledVersion, b.InstalledVersion), cmp.Compare(a.ID, b.ID))
	})
	return nil
}

func bySeverity(a, b *report.Vulnerability) int {
	return -cmp.Compare(report.SeverityRank(a.Severity), report.SeverityRank(b.Severity))
}

func byKEV(a, b *report.Vulnerability) int {
	switch {
	case a.KEV == b.KEV:
		return 0
	case a.KEV:
		return -1
	}
	return 1
}

func byEPSS(a, b *report.Vulnerability) int {
	switch {
	case a.EPSS == nil && b.EPSS == nil:
		return 0
	case a.EPSS == nil:
		return 1
	case b.EPSS == nil:
		return -1
	}
	return -cmp.Compare(a.EPSS.Score, b.EPSS.Score)
}
