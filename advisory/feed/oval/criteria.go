package oval

import (
	"strings"

	"github.com/lading-dev/lading/advisory"
)

// pkgTest is what a package test says about one package.
type pkgTest struct {
	name string
	// fixed: versions below it are affected (evr "less than").
	fixed string
	// lastAffected: versions up to and including it are affected (evr
	// "less than or equal").
	lastAffected string
	// notAffected: SUSE's "<package> is not affected" (version equals 0).
	notAffected bool
}

// clause is one way a definition's criteria can be true: any of the
// products installed (SUSE release tests, as namespaces) with any of the
// package tests true.
type clause struct {
	products []string
	pkgs     []pkgTest
}

func (c clause) empty() bool { return len(c.products) == 0 && len(c.pkgs) == 0 }

// eval expands a criteria tree into clauses. An OR's leaves of one kind
// are kept together in one clause ("any of these products", "any of these
// packages"); an AND combines its children's clauses pairwise. Negated
// criteria, tests that are neither a product nor a package test (kernel
// live patch "none satisfy" checks, unknown test kinds) and dangling
// references add no constraint. ok is false when the expansion passes
// maxClauses.
func (p *parser) eval(c criteria, fl Flavor) ([]clause, bool) {
	if isTrue(c.Negate) {
		return []clause{{}}, true
	}
	var lists [][]clause
	for _, cr := range c.Criterions {
		lists = append(lists, []clause{p.leaf(cr, fl)})
	}
	for _, sub := range c.Criteria {
		l, ok := p.eval(sub, fl)
		if !ok {
			return nil, false
		}
		lists = append(lists, l)
	}
	if strings.EqualFold(strings.TrimSpace(c.Operator), "OR") {
		var out []clause
		var prods []string
		var pkgs []pkgTest
		for _, l := range lists {
			switch {
			case len(l) == 1 && l[0].empty():
			case len(l) == 1 && len(l[0].pkgs) == 0:
				prods = appendUnique(prods, l[0].products...)
			case len(l) == 1 && len(l[0].products) == 0:
				pkgs = append(pkgs, l[0].pkgs...)
			default:
				out = append(out, l...)
			}
			if len(out) > maxClauses {
				return nil, false
			}
		}
		if len(prods) > 0 {
			out = append(out, clause{products: prods})
		}
		if len(pkgs) > 0 {
			out = append(out, clause{pkgs: pkgs})
		}
		if len(out) == 0 {
			out = []clause{{}}
		}
		return out, true
	}
	// AND (and the rarer ONE and XOR, read as AND).
	out := []clause{{}}
	for _, l := range lists {
		if len(l) == 1 && l[0].empty() {
			continue
		}
		if len(out)*len(l) > maxClauses {
			return nil, false
		}
		next := make([]clause, 0, len(out)*len(l))
		for _, a := range out {
			for _, b := range l {
				next = append(next, clause{
					products: appendUnique(append([]string(nil), a.products...), b.products...),
					pkgs:     append(append([]pkgTest(nil), a.pkgs...), b.pkgs...),
				})
			}
		}
		out = next
	}
	return out, true
}

// leaf classifies one criterion's test.
func (p *parser) leaf(cr criterion, fl Flavor) clause {
	if isTrue(cr.Negate) {
		return clause{}
	}
	t, ok := p.refs.tests[cr.TestRef]
	if !ok || strings.EqualFold(t.check, "none satisfy") {
		return clause{}
	}
	name := p.refs.objects[t.object]
	st, ok := p.refs.states[t.state]
	if name == "" || !ok {
		return clause{}
	}
	if fl == FlavorSUSE && st.evr == "" && strings.EqualFold(st.versionOp, "equals") && st.version != "0" {
		if fam := releaseFamily(name); fam != "" && st.version != "" {
			return clause{products: []string{advisory.DistroNamespace(fam, st.version)}}
		}
		return clause{}
	}
	switch strings.ToLower(st.evrOp) {
	case "less than":
		if st.evr != "" {
			return clause{pkgs: []pkgTest{{name: name, fixed: trimZeroEpoch(st.evr)}}}
		}
	case "less than or equal":
		if st.evr != "" {
			return clause{pkgs: []pkgTest{{name: name, lastAffected: trimZeroEpoch(st.evr)}}}
		}
	}
	if fl == FlavorSUSE && st.evr == "" && strings.EqualFold(st.versionOp, "equals") && st.version == "0" {
		return clause{pkgs: []pkgTest{{name: name, notAffected: true}}}
	}
	return clause{}
}

// releaseFamily maps a SUSE release package (the object of a "<product>
// is installed" test) to the os-release family whose namespace it stands
// for. SLE modules and extensions are versioned with the service pack of
// the SLES they extend ("sle-module-basesystem-release is ==15.3"), so
// they name SLES releases too. It returns "" for a package that is not a
// release package lading reads (SUSE Manager, Storage, ...).
func releaseFamily(pkg string) string {
	p := strings.ToLower(pkg)
	switch p {
	case "sles-release", "sles-ltss-release", "sles_sap-release", "sle_hpc-release", "sle_hpc-ltss-release",
		"sles_bcl-release", "sle-ha-release":
		return "sles"
	case "sled-release":
		return "sled"
	case "opensuse-release", "opensuse-leap-release":
		return "opensuse-leap"
	case "sle-micro-release":
		return "sle-micro"
	}
	if strings.HasPrefix(p, "sle-module-") && strings.HasSuffix(p, "-release") {
		return "sles"
	}
	return ""
}

// trimZeroEpoch drops a leading "0:" (OVAL always writes the epoch; rpm
// prints an installed version without a zero epoch).
func trimZeroEpoch(evr string) string {
	return strings.TrimPrefix(strings.TrimSpace(evr), "0:")
}

func isTrue(s string) bool {
	s = strings.TrimSpace(s)
	return s == "true" || s == "1"
}

func appendUnique(list []string, items ...string) []string {
	for _, s := range items {
		if !contains(list, s) {
			list = append(list, s)
		}
	}
	return list
}
