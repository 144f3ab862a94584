package policy

import (
	"fmt"
	"time"

	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/report"
)

// Options are the policy inputs of one scan.
type Options struct {
	Ignore   *IgnoreFile
	VEX      []*VEXDocument
	Baseline *Baseline
	// Now decides which ignore rules have expired; zero means time.Now.
	Now time.Time
}

// Apply moves the findings an ignore rule or a VEX statement covers from
// r.Vulnerabilities to r.Ignored, marks the others new or not against the
// baseline, and re-summarizes the report. Ignore rules are tried first,
// in file order, then the VEX documents in the order given; the first
// that covers a finding is recorded. A rule past its expiry applies to
// nothing; each is named in a warning, which Apply appends to r.Warnings
// and returns.
func Apply(r *report.Report, o Options) []string {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	locs := locationIndex(r.Packages)
	image := []string{r.Target.Digest, r.Target.ImageID}

	var live, expired []IgnoreRule
	if o.Ignore != nil {
		for _, rule := range o.Ignore.Rules {
			if rule.Expired(now) {
				expired = append(expired, rule)
			} else {
				live = append(live, rule)
			}
		}
	}
	wouldMatch := make([]int, len(expired))

	keep := r.Vulnerabilities[:0]
	for _, v := range r.Vulnerabilities {
		l := locs.of(&v)
		for i, rule := range expired {
			if rule.Matches(&v, l) {
				wouldMatch[i]++
			}
		}
		if ig := ignoredBy(&v, l, o.Ignore, live, o.VEX, image); ig != nil {
			r.Ignored = append(r.Ignored, *ig)
			continue
		}
		if o.Baseline != nil {
			isNew := !o.Baseline.Has(&v)
			v.New = &isNew
		}
		keep = append(keep, v)
	}
	r.Vulnerabilities = keep

	var warnings []string
	for i, rule := range expired {
		w := fmt.Sprintf("ignore file %s line %d (%s) expired on %s and no longer applies", o.Ignore.Path, rule.Line, rule, rule.Expires)
		if n := wouldMatch[i]; n > 0 {
			w += fmt.Sprintf("; it matches %d reported %s", n, plural(n, "finding", "findings"))
		}
		warnings = append(warnings, w)
	}
	r.Warnings = append(r.Warnings, warnings...)
	r.Summarize()
	return warnings
}

func ignoredBy(v *report.Vulnerability, locations []string, f *IgnoreFile, rules []IgnoreRule, docs []*VEXDocument, image []string) *report.Ignored {
	ig := &report.Ignored{ID: v.ID, Aliases: v.Aliases, PackageName: v.PackageName, PackageType: v.PackageType,
		InstalledVersion: v.InstalledVersion, PURL: v.PURL, Severity: v.Severity}
	if ig.Aliases == nil {
		ig.Aliases = []string{}
	}
	for _, rule := range rules {
		if rule.Matches(v, locations) {
			ig.Kind = "ignorefile"
			ig.Rule = fmt.Sprintf("%s line %d: %s", f.Path, rule.Line, rule)
			ig.Reason, ig.Expires = rule.Reason, rule.Expires
			return ig
		}
	}
	for _, d := range docs {
		st := d.Decide(v.ID, v.Aliases, v.PURL, v.InstalledVersion, image)
		if st != nil && st.Suppresses(v.InstalledVersion) {
			ig.Kind = "vex"
			ig.Rule = fmt.Sprintf("%s (%s) statement %d", d.Path, d.Format, st.Index)
			ig.Reason = "VEX " + d.Path + ": " + st.Describe()
			return ig
		}
	}
	return nil
}

// locations finds a finding's package to read its locations.
type locations struct {
	byPURL map[string][]*inventory.Package
	byName map[string][]*inventory.Package
}

func locationIndex(pkgs []*inventory.Package) *locations {
	l := &locations{byPURL: map[string][]*inventory.Package{}, byName: map[string][]*inventory.Package{}}
	for _, p := range pkgs {
		if p == nil {
			continue
		}
		if p.PURL != "" {
			l.byPURL[p.PURL] = append(l.byPURL[p.PURL], p)
		}
		k := packageKey(p.Type, p.Name, p.Version)
		l.byName[k] = append(l.byName[k], p)
	}
	return l
}

// of returns the paths of the files that list the finding's package.
func (l *locations) of(v *report.Vulnerability) []string {
	cands := l.byPURL[v.PURL]
	if len(cands) == 0 {
		cands = l.byName[packageKey(v.PackageType, v.PackageName, v.InstalledVersion)]
	}
	var out []string
	for _, p := range cands {
		for _, loc := range p.Locations {
			out = append(out, loc.Path)
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
