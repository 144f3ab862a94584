package match

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	depsemver "deps.dev/util/semver"
	"github.com/google/osv-scalibr/semantic"
	packageurl "github.com/package-url/packageurl-go"
	"golang.org/x/mod/semver"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/inventory"
)

// develVersion is the version Go reports for a module that is not a
// release; see extract/gobinary.
const develVersion = "(devel)"

// langEcosystem is how one language ecosystem's packages are matched.
type langEcosystem struct {
	namespace string
	order     order
	normalize func(string) string
	// joinNS joins a purl namespace to a name lacking it ("" when names
	// never need it).
	joinNS string
	// requirements is the Range type of the feeds' own requirement
	// strings for this ecosystem, "" when none.
	requirements string
}

var (
	semverSyntax = regexp.MustCompile(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
		`(?:-(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?` +
		`(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$`)
	// pep440Syntax is PEP 440's version grammar (its public version
	// scheme with the normalisations the PEP allows), case-insensitive.
	pep440Syntax = regexp.MustCompile(`(?i)^v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*` +
		`(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?` +
		`(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?` +
		`(?:[-_.]?dev[-_.]?[0-9]*)?` +
		`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$`)
	gemSyntax      = regexp.MustCompile(`^[0-9]+(?:\.[0-9A-Za-z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$`)
	nugetSyntax    = regexp.MustCompile(`^[0-9]+(?:\.[0-9]+){0,3}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$`)
	composerSyntax = regexp.MustCompile(`^[vV]?[0-9]+(?:\.[0-9]+){0,3}(?:[._-]?(?:dev|alpha|a|beta|b|rc|RC|patch|pl|p|stable)(?:[._-]?[0-9]+)*)?(?:-dev)?$`)
	mavenSyntax    = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._+~-]*$`)
	pep503         = regexp.MustCompile(`[-_.]+`)
)

func validGo(v string) bool {
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	return semver.IsValid(v)
}

var langEcosystems = map[string]*langEcosystem{
	"golang": {namespace: "go", order: order{name: "Go module", ecosystem: "Go", valid: validGo}, normalize: exact},
	"cargo": {namespace: "crates.io", order: order{name: "SemVer", ecosystem: "crates.io", valid: semverSyntax.MatchString},
		normalize: strings.ToLower, requirements: advisory.RangeCargo},
	"npm": {namespace: "npm", order: order{name: "SemVer", ecosystem: "npm", valid: semverSyntax.MatchString},
		normalize: strings.ToLower, joinNS: "/"},
	"pypi": {namespace: "pypi", order: order{name: "PEP 440", ecosystem: "PyPI", valid: pep440Syntax.MatchString},
		normalize: func(s string) string { return pep503.ReplaceAllString(strings.ToLower(s), "-") }},
	"maven": {namespace: "maven", order: order{name: "Maven", ecosystem: "Maven", valid: mavenSyntax.MatchString},
		normalize: exact, joinNS: ":"},
	"gem": {namespace: "rubygems", order: order{name: "RubyGems", ecosystem: "RubyGems", valid: gemSyntax.MatchString},
		normalize: exact, requirements: advisory.RangeRubyGems},
	"composer": {namespace: "packagist", order: order{name: "Composer", ecosystem: "Packagist", valid: composerSyntax.MatchString},
		normalize: strings.ToLower, joinNS: "/", requirements: advisory.RangeComposer},
	"nuget": {namespace: "nuget", order: order{name: "NuGet", ecosystem: "NuGet", valid: nugetSyntax.MatchString},
		normalize: strings.ToLower},
}

func exact(s string) string { return s }

// LanguageTypes are the package types Language matches.
func LanguageTypes() []string {
	var out []string
	for t := range langEcosystems {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Language matches the packages of language ecosystems against the
// advisory statements of their ecosystem's namespace:
//
//	package type  namespace  version order (osv-scalibr semantic)  names compared
//	golang        go         Go (SemVer, leading "v")               exactly
//	cargo         crates.io  crates.io (SemVer)                     lower-cased
//	npm           npm        npm (SemVer)                           lower-cased
//	pypi          pypi       PyPI (PEP 440)                         PEP 503 normalised
//	maven         maven      Maven                                  exactly (group:artifact)
//	gem           rubygems   RubyGems                               exactly
//	composer      packagist  Packagist                              lower-cased (vendor/name)
//	nuget         nuget      NuGet                                  lower-cased
//
// A name is looked up as the feeds write it: an npm or Composer package
// whose name lacks its scope or vendor, and a Maven package whose name
// lacks its group, takes them from its purl's namespace.
//
// # Ranges
//
// OSV ranges of type SEMVER and ECOSYSTEM are both evaluated in the
// ecosystem's own order (the OSV schema's event rules: introduced, fixed,
// last_affected, limit); GIT ranges are about commits and are skipped; the
// versions list names affected versions exactly. In SemVer orders build
// metadata is ignored for precedence, so Go's "v2.0.0+incompatible" is
// 2.0.0. A pre-release is inside a range exactly when SemVer precedence
// puts it there: "introduced 0, fixed 2.0.0" contains 2.0.0-beta.1, and
// "introduced 2.0.0, fixed 2.0.5" does not. That is what GitHub's npm
// advisories mean by their ranges, which describe sets of published
// versions; node-semver's rule that a range matches a pre-release only of
// a version tuple the range itself names is for choosing what to install,
// and is not applied. Each installed version is checked against the
// ecosystem's version syntax first (semantic accepts any string); a
// version that fails is one Unknown with the reason.
//
// Feeds that keep a package manager's own requirement strings (RustSec's
// patched and unaffected Cargo requirements, rubysec's RubyGems
// requirements, FriendsOfPHP's Composer constraints; advisory.Requirements)
// are evaluated with that package manager's rules, pre-release rules
// included, and decide over ranges derived from them in the same
// statement; the derived ranges then only supply the fixed version. Cargo
// and RubyGems requirements are read with deps.dev's semver package;
// Composer constraints (comparisons joined by commas) are compared in
// Packagist order, with "<X" and ">=X" taken as Composer takes them, as
// "<X-dev" and ">=X-dev" when X names no stability, so that "<2.0.5"
// excludes 2.0.5's pre-releases. A statement's OS, architecture and
// function narrowing is not applied (the matcher does not know them), and
// RustSec's informational advisories (unmaintained, unsound, notice) are
// reported like the others, their kind named in the evidence.
//
// # Versions that are not releases
//
// A package whose version is empty, or "(devel)" (a Go main module built
// from a source tree or with a version made up from version control at
// build time, a module replaced by a local directory; see
// extract/gobinary), is never compared with ranges: when advisories about
// it exist, it becomes one Unknown (with no vulnerability ID) saying so;
// otherwise nothing is reported. A Cargo crate whose purl names another
// source than crates.io (a "source", "vcs_url" or "repository_url"
// qualifier: local paths, git, other registries; see extract/cargo) is not
// matched at all: crates.io advisories are about other code of that name.
//
// # One finding per vulnerability
//
// The records that matched one package are merged by the rules of the
// package documentation ("Merging aliases"): GO-2021-0113, whose aliases
// are CVE-2021-38561 and GHSA-ppp9-7jff-5vj2, and a GHSA record naming
// the same CVE, become one finding with ID CVE-2021-38561 and the other
// names as aliases. Withdrawn records report nothing.
//
// Packages of other types are passed over. Findings are sorted by package
// name, then ID.
func Language(ctx context.Context, r advisory.Reader, pkgs []*inventory.Package) (*Result, error) {
	if r == nil {
		return nil, errors.New("match: nil advisory reader")
	}
	records := map[string]*record{}
	matchers := map[string]*matcher{}
	res := &Result{}
	for _, p := range pkgs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if p == nil {
			continue
		}
		eco, ok := langEcosystems[p.Type]
		if !ok {
			continue
		}
		m := matchers[eco.namespace]
		if m == nil {
			m = &matcher{r: r, ns: eco.namespace, family: eco.namespace,
				statements: map[string][]advisory.Affected{}, records: records}
			matchers[eco.namespace] = m
		}
		fs, us, err := m.matchLanguage(ctx, p, eco)
		if err != nil {
			return nil, err
		}
		res.Findings = append(res.Findings, fs...)
		res.Unknowns = append(res.Unknowns, dropSettled(fs, us)...)
	}
	slices.SortStableFunc(res.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.PackageName, b.PackageName), cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.InstalledVersion, b.InstalledVersion), cmp.Compare(a.Package.PURL, b.Package.PURL),
			cmp.Compare(locationOf(a.Package), locationOf(b.Package)))
	})
	slices.SortStableFunc(res.Unknowns, func(a, b Unknown) int {
		return cmp.Or(cmp.Compare(a.Package.Name, b.Package.Name), cmp.Compare(a.VulnID, b.VulnID),
			cmp.Compare(a.Reason, b.Reason), cmp.Compare(locationOf(a.Package), locationOf(b.Package)))
	})
	for _, m := range matchers {
		res.Dismissals = append(res.Dismissals, m.dismissals...)
	}
	sortDismissals(res.Dismissals)
	return res, nil
}

func locationOf(p *inventory.Package) string {
	if len(p.Locations) > 0 {
		return p.Locations[0].Path
	}
	return ""
}

// lookupName is the name a language package is filed under in its
// ecosystem's feeds, normalised.
func lookupName(p *inventory.Package, eco *langEcosystem) string {
	name := p.Name
	if eco.joinNS != "" && !strings.Contains(name, eco.joinNS) && p.PURL != "" {
		if u, err := packageurl.FromString(p.PURL); err == nil && u.Namespace != "" {
			name = u.Namespace + eco.joinNS + name
		}
	}
	return eco.normalize(strings.TrimSpace(name))
}

// otherSource reports why a crate is not a crates.io crate, or "".
func otherSource(p *inventory.Package) string {
	if p.Type != "cargo" || p.PURL == "" {
		return ""
	}
	u, err := packageurl.FromString(p.PURL)
	if err != nil {
		return ""
	}
	q := u.Qualifiers.Map()
	for _, k := range []string{"source", "vcs_url", "repository_url"} {
		if q[k] != "" {
			return k + "=" + q[k]
		}
	}
	return ""
}

// matchLanguage evaluates every statement about p in its ecosystem.
func (m *matcher) matchLanguage(ctx context.Context, p *inventory.Package, eco *langEcosystem) ([]Finding, []Unknown, error) {
	if otherSource(p) != "" {
		return nil, nil, nil
	}
	name := lookupName(p, eco)
	if name == "" {
		return nil, nil, nil
	}
	stmts, err := m.affected(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	var live []*advisory.Affected
	for i := range stmts {
		st := &stmts[i]
		if eco.normalize(st.Package) != name {
			continue
		}
		rec, err := m.record(ctx, st.VulnID)
		if err != nil {
			return nil, nil, err
		}
		if !rec.withdrawn {
			live = append(live, st)
		} else {
			m.dismiss(p, eco.order, st, rec, p.Version)
		}
	}
	if len(live) == 0 {
		return nil, nil, nil
	}
	installed := strings.TrimSpace(p.Version)
	if installed == "" || installed == develVersion {
		why := "no version recorded"
		if installed == develVersion {
			why = "version (devel): built from a source tree or replaced by a local directory, not a published release"
		}
		return nil, []Unknown{{Package: p, Reason: fmt.Sprintf("%s; %s of %s in %s not evaluated",
			why, plural(countVulns(live), "advisory", "advisories"), name, eco.namespace)}}, nil
	}
	v, err := eco.order.parse(installed)
	if err != nil {
		return nil, []Unknown{{Package: p, Reason: fmt.Sprintf("%v; %s of %s in %s not evaluated",
			err, plural(countVulns(live), "advisory", "advisories"), name, eco.namespace)}}, nil
	}
	from := len(m.dismissals)
	var hits []hit
	var unknowns []Unknown
	for _, st := range live {
		rec := m.records[st.VulnID]
		vd, err := evaluateLanguage(eco, st, installed, v)
		if err != nil {
			unknowns = appendUnknown(unknowns, Unknown{Package: p, VulnID: st.VulnID,
				Reason: fmt.Sprintf("%v (%s)", err, m.where(st, rec))})
			continue
		}
		if vd != nil {
			hits = append(hits, hit{rec: rec, st: *st, verdict: vd,
				source: dataSource(st, rec), severity: severityOf(st, rec)})
		} else {
			m.dismiss(p, eco.order, st, rec, installed)
		}
	}
	m.forgetDismissalsOfHits(from, p, hits)
	var findings []Finding
	for _, g := range groupHits(hits) {
		findings = append(findings, m.finding(p, eco.order, g))
	}
	return findings, unknowns, nil
}

func countVulns(stmts []*advisory.Affected) int {
	ids := map[string]bool{}
	for _, st := range stmts {
		ids[st.VulnID] = true
	}
	return len(ids)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// evaluateLanguage applies one statement to an installed version that
// parsed as v. It returns nil when the statement does not make the version
// affected.
func evaluateLanguage(eco *langEcosystem, st *advisory.Affected, installed string, v semantic.Version) (*verdict, error) {
	switch st.Status {
	case advisory.StatusNotAffected:
		return nil, nil
	case advisory.StatusFixed, advisory.StatusAffected, advisory.StatusWillNotFix,
		advisory.StatusUnimportant, advisory.StatusEndOfLife, advisory.StatusUndetermined,
		advisory.StatusPostponed:
	default:
		return nil, fmt.Errorf("unrecognised status %q", st.Status)
	}
	if len(st.Ranges) == 0 && len(st.Versions) == 0 {
		return evaluate(eco.order, st, installed)
	}
	var reqs []advisory.Range
	var rangeErr error
	for _, r := range st.Ranges {
		switch r.Type {
		case advisory.RangeCargo, advisory.RangeRubyGems, advisory.RangeComposer:
			if r.Requirements == nil {
				continue
			}
			if r.Type != eco.requirements {
				rangeErr = fmt.Errorf("%s requirements cannot be evaluated for %s packages", r.Type, eco.namespace)
				continue
			}
			reqs = append(reqs, r)
		}
	}
	// TODO(language ecosystems): a statement holding requirement ranges
	// of several kinds, or several of one kind, is decided by the first
	// that evaluates; no feed writes more than one today.
	for _, r := range reqs {
		affected, fix, why, err := evaluateRequirements(r, installed)
		if err != nil {
			rangeErr = err
			continue
		}
		if !affected {
			return nil, nil
		}
		vd, _ := evaluateEvents(eco.order, st, installed, v)
		if vd == nil {
			// The statement's status says whether the feed knows a fix
			// (a patched requirement); the fixed version is the one the
			// requirements name, when it can be told.
			vd = &verdict{status: st.Status, evidence: installed + " " + why}
			if fix != "" {
				vd.status, vd.fixed = advisory.StatusFixed, fix
			}
		} else {
			vd.evidence += "; " + why
		}
		if r.Requirements.Informational != "" {
			vd.evidence += "; informational: " + r.Requirements.Informational
		}
		return vd, nil
	}
	vd, err := evaluateEvents(eco.order, st, installed, v)
	if vd != nil || err != nil {
		return vd, err
	}
	return nil, rangeErr
}

// evaluateEvents applies a statement's SEMVER and ECOSYSTEM ranges and its
// versions list, both in the ecosystem's order; GIT ranges and requirement
// ranges are passed over.
func evaluateEvents(o order, st *advisory.Affected, installed string, v semantic.Version) (*verdict, error) {
	var rangeErr error
	for _, r := range st.Ranges {
		switch r.Type {
		case "SEMVER", "ECOSYSTEM", "":
		case "GIT", advisory.RangeCargo, advisory.RangeRubyGems, advisory.RangeComposer:
			continue
		default:
			rangeErr = fmt.Errorf("range type %q cannot be compared in %s order", r.Type, o.name)
			continue
		}
		if len(r.Events) == 0 {
			continue
		}
		rm, err := matchRange(o, v, r.Events)
		if err != nil {
			rangeErr = err
			continue
		}
		if rm != nil {
			return rm.verdict(st.Status, installed), nil
		}
	}
	for _, s := range st.Versions {
		if s == installed || compareParsed(o, v, s) == 0 {
			return &verdict{
				status:   unfixed(st.Status),
				evidence: installed + " is listed among the affected versions",
			}, nil
		}
	}
	return nil, rangeErr
}

// evaluateRequirements applies a requirement range: for Cargo and
// RubyGems the version is affected when it satisfies none of the patched
// and unaffected requirements; for Composer when it satisfies any of the
// affected ones. why describes the decision for the evidence; fix is the
// version that fixes it when the requirements name one: the lowest
// version written in a patched requirement that is above the installed
// version and satisfies that requirement (Cargo, RubyGems), or the upper
// bound of the affected constraint the version satisfies (Composer).
func evaluateRequirements(r advisory.Range, installed string) (affected bool, fix, why string, err error) {
	req := r.Requirements
	switch r.Type {
	case advisory.RangeComposer:
		for _, c := range req.Affected {
			ok, upper, err := composerSatisfies(c, installed)
			if err != nil {
				return false, "", "", err
			}
			if ok {
				return true, upper, "satisfies the affected Composer constraint " + c, nil
			}
		}
		return false, "", "", nil
	case advisory.RangeCargo, advisory.RangeRubyGems:
		sys, kind := depsemver.Cargo, "Cargo"
		if r.Type == advisory.RangeRubyGems {
			sys, kind = depsemver.RubyGems, "RubyGems"
		}
		v, err := sys.Parse(installed)
		if err != nil {
			return false, "", "", fmt.Errorf("%q is not a valid %s version: %v", installed, kind, err)
		}
		not := append(append([]string(nil), req.Patched...), req.Unaffected...)
		var best *depsemver.Version
		for i, s := range not {
			c, err := sys.ParseConstraint(s)
			if err != nil {
				return false, "", "", fmt.Errorf("%s requirement %q: %v", kind, s, err)
			}
			if c.MatchVersion(v) {
				return false, "", "", nil
			}
			if i >= len(req.Patched) {
				continue
			}
			for _, w := range requirementVersions.FindAllString(s, -1) {
				fv, err := sys.Parse(w)
				if err != nil || fv.Compare(v) <= 0 || !c.MatchVersion(fv) {
					continue
				}
				if best == nil || fv.Compare(best) < 0 {
					best = fv
				}
			}
		}
		if best != nil {
			fix = best.String()
		}
		if len(not) == 0 {
			return true, "", "(" + kind + " requirements: no patched or unaffected versions)", nil
		}
		return true, fix, "satisfies none of the patched or unaffected " + kind + " requirements " + strings.Join(not, "; "), nil
	}
	return false, "", "", fmt.Errorf("range type %q cannot be evaluated", r.Type)
}

// requirementVersions finds the versions written in a requirement string.
var requirementVersions = regexp.MustCompile(`[0-9][0-9A-Za-z.+-]*`)

// composerComparison is one comparison of a Composer constraint.
var composerComparison = regexp.MustCompile(`^(>=|<=|==|!=|<>|>|<|=)?\s*(\S+)$`)

// composerStability matches a version naming a stability ("-beta2",
// "RC1", "-dev", "-p1").
var composerStability = regexp.MustCompile(`(?i)[._-]?(dev|alpha|a|beta|b|rc|patch|pl|p|stable)([._-]?[0-9]+)*$`)

// composerSatisfies evaluates one Composer constraint: comparisons joined
// by commas or spaces (AND), alternatives joined by "|" or "||" (OR).
// "<X" and ">=X" with X naming no stability mean "<X-dev" and ">=X-dev",
// as Composer reads them. upper is the bound of the satisfied
// alternative's "<" comparison, if it has one.
func composerSatisfies(constraint, installed string) (ok bool, upper string, err error) {
	o := langEcosystems["composer"].order
	for _, alt := range strings.Split(strings.ReplaceAll(constraint, "||", "|"), "|") {
		// An operator may stand apart from its version ("> = 1.0" is
		// not Composer, but ">= 1.0" is).
		fields := strings.FieldsFunc(alt, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
		var terms []string
		for i := 0; i < len(fields); i++ {
			f := fields[i]
			if strings.Trim(f, "<>=!") == "" && i+1 < len(fields) {
				f += fields[i+1]
				i++
			}
			terms = append(terms, f)
		}
		if len(terms) == 0 {
			return false, "", fmt.Errorf("empty Composer constraint in %q", constraint)
		}
		all, bound := true, ""
		for _, t := range terms {
			sat, err := composerCompare(o, t, installed)
			if err != nil {
				return false, "", fmt.Errorf("Composer constraint %q: %v", constraint, err)
			}
			if !sat {
				all = false
				break
			}
			if b, ok := strings.CutPrefix(t, "<"); ok && !strings.HasPrefix(b, "=") {
				bound = b
			}
		}
		if all {
			return true, bound, nil
		}
	}
	return false, "", nil
}

func composerCompare(o order, term, installed string) (bool, error) {
	if term == "*" {
		return true, nil
	}
	m := composerComparison.FindStringSubmatch(term)
	if m == nil {
		return false, fmt.Errorf("unreadable comparison %q", term)
	}
	op, bound := m[1], m[2]
	if (op == "<" || op == ">=") && !composerStability.MatchString(bound) {
		bound += "-dev"
	}
	if !o.valid(strings.TrimSuffix(bound, "-dev")) && !o.valid(bound) {
		return false, fmt.Errorf("%q is not a valid Composer version", m[2])
	}
	iv, err := o.parse(installed)
	if err != nil {
		return false, err
	}
	bv, err := semantic.Parse(bound, o.ecosystem)
	if err != nil {
		return false, err
	}
	c, err := iv.Compare(bv)
	if err != nil {
		return false, err
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	case ">=":
		return c >= 0, nil
	case "!=", "<>":
		return c != 0, nil
	}
	return c == 0, nil
}
