package match

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/inventory"
)

// Finding is one vulnerability of one installed package.
type Finding struct {
	// ID is the primary name: the CVE when exactly one CVE names the
	// vulnerability, else the advisory record's own ID. Aliases holds every
	// other name, sorted.
	ID      string
	Aliases []string

	Package          *inventory.Package
	PackageName      string // the binary package's name
	InstalledVersion string // the binary package's version (epoch:version-release for rpm)
	// FixedVersion is the version that fixes it, as the feed states it (a
	// source version for Debian and Ubuntu); "" when no fix is known.
	FixedVersion string

	// Status is advisory.StatusFixed when a fix exists that the installed
	// version lacks, else the distribution's verdict (affected,
	// will_not_fix, unimportant, end_of_life, postponed, undetermined).
	Status advisory.Status
	// Severity is one of the advisory.Severity* constants.
	Severity string

	Namespace string // e.g. "alpine:3.20"
	// DataSource names the feeds the deciding statements came from, sorted
	// and comma separated: "alpine-secdb", "osv:Ubuntu",
	// "debian-dsa,debian-tracker".
	DataSource string
	Layer      string // diff ID of the layer that brought the package
	// Evidence says which statements matched and by which comparison, e.g.
	// "1.36.1-r29 < 1.36.1-r31 (alpine-secdb alpine:3.20 busybox)".
	Evidence string
}

// Unknown is a package whose exposure to a vulnerability could not be
// decided, usually because a version could not be parsed. It is reported,
// never taken for "not vulnerable".
type Unknown struct {
	Package *inventory.Package
	VulnID  string // "" when nothing about the package could be decided
	Reason  string
}

// Result is what Distro found.
type Result struct {
	Findings []Finding
	Unknowns []Unknown
	// Dismissals are the statements that reported nothing, with why
	// (see dismissals.go); sorted by package, then vulnerability.
	Dismissals []Dismissal
}

// Distro matches the OS packages of distribution d against the advisory
// statements r holds for d's release. Packages of other types (language
// packages) are passed over. Findings are sorted by package name, then ID.
func Distro(ctx context.Context, r advisory.Reader, d *inventory.Distro, pkgs []*inventory.Package) (*Result, error) {
	if r == nil || d == nil {
		return nil, errors.New("match: nil advisory reader or distro")
	}
	m := &matcher{
		r:          r,
		ns:         namespace(d),
		family:     strings.ToLower(d.Family),
		statements: map[string][]advisory.Affected{},
		records:    map[string]*record{},
	}
	res := &Result{}
	for _, p := range pkgs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if p == nil {
			continue
		}
		o, ok := orderFor(p.Type, m.family)
		if !ok {
			continue
		}
		if m.ns == "" {
			res.Unknowns = append(res.Unknowns, Unknown{Package: p,
				Reason: fmt.Sprintf("release of %s unknown: no advisories can be chosen", d.Family)})
			continue
		}
		fs, us, err := m.matchPackage(ctx, p, o)
		if err != nil {
			return nil, err
		}
		res.Findings = append(res.Findings, fs...)
		res.Unknowns = append(res.Unknowns, dropSettled(fs, us)...)
	}
	slices.SortStableFunc(res.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.PackageName, b.PackageName), cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Package.Arch, b.Package.Arch), cmp.Compare(a.InstalledVersion, b.InstalledVersion))
	})
	slices.SortStableFunc(res.Unknowns, func(a, b Unknown) int {
		return cmp.Or(cmp.Compare(a.Package.Name, b.Package.Name), cmp.Compare(a.VulnID, b.VulnID),
			cmp.Compare(a.Reason, b.Reason))
	})
	res.Dismissals = m.dismissals
	sortDismissals(res.Dismissals)
	return res, nil
}

// namespace returns the advisory namespace of d's release. Ubuntu point
// releases ("18.04.6") share their release's namespace; a Debian image
// with only a code name is numbered from it. It returns "" when the release
// cannot be told.
func namespace(d *inventory.Distro) string {
	family, version := strings.ToLower(d.Family), d.Version
	if version == "" && family == "debian" {
		version = advisory.DebianRelease(d.Codename)
	}
	if version == "" {
		return ""
	}
	if family == "ubuntu" {
		if parts := strings.SplitN(version, ".", 3); len(parts) == 3 {
			version = parts[0] + "." + parts[1]
		}
	}
	return advisory.DistroNamespace(family, version)
}

// matcher holds what one Distro call has read, since binary packages of one
// source ask for the same statements and records.
type matcher struct {
	r          advisory.Reader
	ns, family string
	statements map[string][]advisory.Affected // by package name
	records    map[string]*record             // by vulnerability ID
	dismissals []Dismissal
}

// hit is one statement that made one package affected.
type hit struct {
	rec      *record
	st       advisory.Affected
	verdict  *verdict
	source   string // DataSource spelling of the statement's feed
	severity string
}

// matchPackage evaluates every statement about p, first under the name its
// feeds use, then under its other name for vulnerabilities the first name
// said nothing about.
func (m *matcher) matchPackage(ctx context.Context, p *inventory.Package, o order) ([]Finding, []Unknown, error) {
	from := len(m.dismissals)
	var hits []hit
	var unknowns []Unknown
	decided := map[string]bool{} // vulnerabilities stated under an earlier name
	for _, l := range lookups(p, o) {
		stmts, err := m.affected(ctx, l.name)
		if err != nil {
			return nil, nil, err
		}
		stated := map[string]bool{}
		for i := range stmts {
			st := &stmts[i]
			if decided[st.VulnID] {
				continue
			}
			stated[st.VulnID] = true
			rec, err := m.record(ctx, st.VulnID)
			if err != nil {
				return nil, nil, err
			}
			if rec.withdrawn {
				m.dismiss(p, o, st, rec, l.version)
				continue
			}
			v, err := evaluate(o, st, l.version)
			if err != nil {
				unknowns = appendUnknown(unknowns, Unknown{Package: p, VulnID: st.VulnID,
					Reason: fmt.Sprintf("%v (%s)", err, m.where(st, rec))})
				continue
			}
			if v != nil {
				hits = append(hits, hit{rec: rec, st: *st, verdict: v,
					source: dataSource(st, rec), severity: severityOf(st, rec)})
			} else {
				m.dismiss(p, o, st, rec, l.version)
			}
		}
		for id := range stated {
			decided[id] = true
		}
	}
	m.forgetDismissalsOfHits(from, p, hits)
	var findings []Finding
	for _, g := range groupHits(hits) {
		findings = append(findings, m.finding(p, o, g))
	}
	return findings, unknowns, nil
}

// affected returns the statements about name in the release's namespace.
// Statements for another namespace (an Ubuntu Pro or another release's
// record the store handed back) are dropped.
func (m *matcher) affected(ctx context.Context, name string) ([]advisory.Affected, error) {
	if stmts, ok := m.statements[name]; ok {
		return stmts, nil
	}
	all, err := m.r.Affected(ctx, m.ns, name)
	if err != nil {
		return nil, fmt.Errorf("match: reading advisories for %s in %s: %w", name, m.ns, err)
	}
	var stmts []advisory.Affected
	for _, st := range all {
		ns := st.Namespace
		if ns == "" && st.Ecosystem != "" {
			ns = advisory.EcosystemNamespace(st.Ecosystem)
		}
		if ns == "" || strings.EqualFold(ns, m.ns) {
			stmts = append(stmts, st)
		}
	}
	m.statements[name] = stmts
	return stmts, nil
}

// where names a statement for evidence and reasons:
// "alpine-secdb alpine:3.20 busybox".
func (m *matcher) where(st *advisory.Affected, rec *record) string {
	return dataSource(st, rec) + " " + cmp.Or(st.Namespace, m.ns) + " " + st.Package
}

// dataSource spells a statement's feed; OSV statements name their
// ecosystem ("osv:Ubuntu", "osv:AlmaLinux").
func dataSource(st *advisory.Affected, rec *record) string {
	src := cmp.Or(st.Source, rec.source, "unknown")
	if src == "osv" && st.Ecosystem != "" {
		eco, _, _ := strings.Cut(st.Ecosystem, ":")
		src += ":" + eco
	}
	return src
}

// severityOf is the statement's rating, else the record's, else UNKNOWN.
// Ratings are Severity* constants (the feeds normalise them).
func severityOf(st *advisory.Affected, rec *record) string {
	for _, s := range []string{st.Severity, rec.severity} {
		if s != "" && s != advisory.SeverityUnknown {
			return s
		}
	}
	return advisory.SeverityUnknown
}

func appendUnknown(us []Unknown, u Unknown) []Unknown {
	for _, x := range us {
		if x.VulnID == u.VulnID && x.Reason == u.Reason {
			return us
		}
	}
	return append(us, u)
}

func layerOf(p *inventory.Package) string {
	if p.Layer != "" {
		return p.Layer
	}
	for _, l := range p.Locations {
		if l.Layer != "" {
			return l.Layer
		}
	}
	return ""
}
