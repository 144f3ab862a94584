package match

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/semantic"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/inventory"
)

// DismissReason says why a statement about an installed package reported
// nothing.
type DismissReason string

// Reasons a statement is dismissed.
const (
	// DismissFixed: the installed version is at or above the statement's
	// fixed version (or above its last affected version).
	DismissFixed DismissReason = "fixed"
	// DismissNotAffected: the feed says the release's package is not
	// affected (Debian "not-affected", an Alpine secfixes "0" entry, an
	// OSV or VEX not_affected status).
	DismissNotAffected DismissReason = "not_affected"
	// DismissOutOfRange: the installed version is outside every affected
	// range and not in the versions list (for example below the version
	// that introduced the flaw), or satisfies a feed's own patched or
	// unaffected requirement.
	DismissOutOfRange DismissReason = "not_in_range"
	// DismissWithdrawn: the advisory record was withdrawn.
	DismissWithdrawn DismissReason = "withdrawn"
)

// Dismissal is one advisory statement about an installed package that the
// matcher read and did not turn into a finding, with the reason. A finding
// about the same vulnerability may still come from another statement (a
// DSA that says fixed beside a tracker entry that says open); Dismissals
// say only what each statement decided.
type Dismissal struct {
	Package *inventory.Package
	// VulnID is the ID of the record the statement belongs to; Names are
	// that record's ID, aliases and the CVEs it names, as the matcher
	// merges them.
	VulnID string
	Names  []string
	Reason DismissReason
	// Fixed is the fix the installed version already has, for
	// DismissFixed; "" when only a last affected version is known.
	Fixed string
	// Status is the statement's status as the feed gives it.
	Status     advisory.Status
	Namespace  string // e.g. "alpine:3.20"
	DataSource string // e.g. "alpine-secdb", "osv:Ubuntu"
	// Evidence is the comparison or verdict and the statement it came
	// from, e.g. "1.36.1-r29 >= 1.36.1-r29 (alpine-secdb alpine:3.20
	// busybox)".
	Evidence string
}

// Is reports whether the dismissed record goes by id (case-insensitively):
// its ID, an alias or a CVE it names.
func (d Dismissal) Is(id string) bool {
	if strings.EqualFold(d.VulnID, id) {
		return true
	}
	for _, n := range d.Names {
		if strings.EqualFold(n, id) {
			return true
		}
	}
	return false
}

// dismiss records why statement st about p reported nothing; installed is
// the version the statement was compared with.
func (m *matcher) dismiss(p *inventory.Package, o order, st *advisory.Affected, rec *record, installed string) {
	d := Dismissal{
		Package:    p,
		VulnID:     st.VulnID,
		Names:      slices.Clone(rec.names),
		Status:     st.Status,
		Namespace:  cmp.Or(st.Namespace, m.ns),
		DataSource: dataSource(st, rec),
	}
	var why string
	switch {
	case rec.withdrawn:
		d.Reason, why = DismissWithdrawn, "the record is withdrawn"
	case st.Status == advisory.StatusNotAffected:
		d.Reason, why = DismissNotAffected, installed+": not affected"
	case len(st.Ranges) == 0 && len(st.Versions) == 0 && st.Fixed != "":
		d.Reason, d.Fixed, why = DismissFixed, st.Fixed, installed+" >= "+st.Fixed
		if c, err := o.compare(installed, st.Fixed); err == nil && c == 0 {
			why = installed + " = " + st.Fixed
		}
	default:
		d.Reason, d.Fixed, why = outsideRanges(o, st, installed)
	}
	d.Evidence = why + " (" + m.where(st, rec) + ")"
	m.dismissals = append(m.dismissals, d)
}

// outsideRanges says why an installed version is outside a statement's
// ranges and versions list: a fixed (or last affected) event at or below
// it closes the range that opened before it, or no range opens below it.
func outsideRanges(o order, st *advisory.Affected, installed string) (DismissReason, string, string) {
	v, err := o.parse(installed)
	if err != nil {
		return DismissOutOfRange, "", installed + " is outside the affected ranges"
	}
	var reqs []string
	for _, r := range st.Ranges {
		if r.Requirements != nil {
			reqs = append(reqs, r.Requirements.Patched...)
			reqs = append(reqs, r.Requirements.Unaffected...)
			continue
		}
		if r.Type == "GIT" {
			continue
		}
		if fixed, last := closingEvent(o, v, r.Events); fixed != "" {
			return DismissFixed, fixed, installed + " >= " + fixed
		} else if last != "" {
			return DismissFixed, "", installed + " > " + last + " (last affected)"
		}
	}
	if len(reqs) > 0 {
		return DismissOutOfRange, "", installed + " satisfies a patched or unaffected requirement: " + strings.Join(reqs, "; ")
	}
	if len(st.Ranges) == 0 && len(st.Versions) > 0 {
		return DismissOutOfRange, "", installed + " is not among the affected versions"
	}
	return DismissOutOfRange, "", installed + " is outside the affected ranges"
}

// closingEvent returns the fixed or last_affected event that ends, at or
// below v, the range interval v would otherwise be in.
func closingEvent(o order, v semantic.Version, raw []advisory.Event) (fixed, lastAffected string) {
	events, err := sortedEvents(o, raw)
	if err != nil {
		return "", ""
	}
	open := false
	for _, e := range events {
		c := e.cmp(v)
		switch {
		case e.Introduced != "" && c >= 0:
			open, fixed, lastAffected = true, "", ""
		case e.Fixed != "" && c >= 0 && open:
			open, fixed = false, e.Fixed
		case e.LastAffected != "" && c > 0 && open:
			open, lastAffected = false, e.LastAffected
		}
	}
	return fixed, lastAffected
}

func sortDismissals(ds []Dismissal) {
	slices.SortStableFunc(ds, func(a, b Dismissal) int {
		return cmp.Or(cmp.Compare(a.Package.Name, b.Package.Name), cmp.Compare(a.Package.Version, b.Package.Version),
			cmp.Compare(a.VulnID, b.VulnID), cmp.Compare(a.DataSource, b.DataSource))
	})
}

// OrderName names the version order a package of this type is compared
// in ("apk", "dpkg", "rpm", "SemVer", "PEP 440", ...); family is the
// distribution's, used when the type is empty. It returns "" for a type
// the matcher does not compare.
func OrderName(pkgType, family string) string {
	if o, ok := orderOf(pkgType, family); ok {
		return o.name
	}
	return ""
}

// CompareVersions returns the sign of a-b in the order OrderName names.
func CompareVersions(pkgType, family, a, b string) (int, error) {
	o, ok := orderOf(pkgType, family)
	if !ok {
		return 0, fmt.Errorf("no version order for package type %q", pkgType)
	}
	return o.compare(a, b)
}

func orderOf(pkgType, family string) (order, bool) {
	if eco, ok := langEcosystems[pkgType]; ok {
		return eco.order, true
	}
	return orderFor(pkgType, strings.ToLower(family))
}
