// Package friendsofphp reads the PHP Security Advisories Database
// (https://github.com/FriendsOfPHP/security-advisories): one YAML file
// per advisory and Composer package, <vendor>/<package>/<id>.yaml, with
// a title, a link, an optional CVE, the package reference
// ("composer://vendor/package") and branches, each a list of Composer
// constraints that together bound one range of affected versions.
package friendsofphp

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/advisory/feed/ghzip"
)

// Source is the Vulnerability.Source of every record this package reads.
const Source = "friendsofphp"

// Namespace is where the statements go (Composer packages, as OSV's
// "Packagist" ecosystem).
const Namespace = "packagist"

// Branch is one affected branch: the time its fix was released (often
// null) and the constraints, ANDed, that bound its affected versions.
type Branch struct {
	Name     string
	Versions []string
}

// Advisory is one advisory file.
type Advisory struct {
	Title     string
	Link      string
	CVE       string
	Reference string
	// ComposerRepository is false for packages not published on
	// packagist.org (the file's composer-repository: false).
	ComposerRepository bool
	Branches           []Branch
}

type rawAdvisory struct {
	Title              string    `yaml:"title"`
	Link               string    `yaml:"link"`
	CVE                string    `yaml:"cve"`
	Reference          string    `yaml:"reference"`
	ComposerRepository *bool     `yaml:"composer-repository"`
	Branches           yaml.Node `yaml:"branches"`
}

// Parse decodes one advisory file, keeping the branches in file order.
func Parse(data []byte) (*Advisory, error) {
	var raw rawAdvisory
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	a := &Advisory{
		Title: strings.TrimSpace(raw.Title), Link: strings.TrimSpace(raw.Link),
		CVE: strings.TrimSpace(raw.CVE), Reference: strings.TrimSpace(raw.Reference),
		ComposerRepository: raw.ComposerRepository == nil || *raw.ComposerRepository,
	}
	if a.Reference == "" {
		return nil, errors.New("no reference")
	}
	b := &raw.Branches
	if b.Kind != yaml.MappingNode || len(b.Content) == 0 {
		return nil, errors.New("branches is not a non-empty mapping")
	}
	for i := 0; i+1 < len(b.Content); i += 2 {
		var br struct {
			Versions []string `yaml:"versions"`
		}
		name := b.Content[i].Value
		if err := b.Content[i+1].Decode(&br); err != nil {
			return nil, fmt.Errorf("branch %q: %w", name, err)
		}
		vs := nonEmpty(br.Versions)
		if len(vs) == 0 {
			return nil, fmt.Errorf("branch %q lists no versions", name)
		}
		a.Branches = append(a.Branches, Branch{Name: name, Versions: vs})
	}
	return a, nil
}

var (
	cveID  = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)
	fileID = regexp.MustCompile(`^(GHSA(-[23456789cfghjmpqrvwx]{4}){3}|[A-Z]{2,}-?[0-9]{4}-[0-9]+(-[0-9]+)?)$`)
	ghsaID = regexp.MustCompile(`GHSA(-[23456789cfghjmpqrvwx]{4}){3}`)
)

// IDs returns the record id and aliases for an advisory read from file
// (<vendor>/<package>/<name>.yaml): the CVE when given; else the file
// name when it is an advisory id (GHSA-…, CVE-…, SilverStripe's
// SS-2018-004-1, Zend's ZF2015-09); else "friendsofphp:" + the path
// without ".yaml" (names such as 2017-05-15.yaml are dates, unique only
// per package). GHSA ids in the link, and the file name when it is an
// id other than the record id, are aliases.
func (a *Advisory) IDs(file string) (string, []string) {
	base := strings.TrimSuffix(path.Base(file), path.Ext(file))
	var id string
	switch {
	case cveID.MatchString(a.CVE):
		id = a.CVE
	case fileID.MatchString(base):
		id = base
	default:
		id = Source + ":" + strings.TrimSuffix(file, path.Ext(file))
	}
	var aliases []string
	if fileID.MatchString(base) && base != id {
		aliases = append(aliases, base)
	}
	if a.CVE != "" && a.CVE != id {
		aliases = append(aliases, a.CVE)
	}
	for _, g := range ghsaID.FindAllString(a.Link, -1) {
		if g != id {
			aliases = append(aliases, g)
		}
	}
	return id, dedupe(aliases)
}

// constraint is one Composer constraint split into operator and version.
type constraint struct{ op, version string }

var composerOps = []string{">=", "<=", "==", "!=", "<>", ">", "<", "=", "^", "~"}

func parseConstraint(s string) constraint {
	s = strings.TrimSpace(s)
	for _, o := range composerOps {
		if strings.HasPrefix(s, o) {
			return constraint{o, strings.TrimSpace(s[len(o):])}
		}
	}
	return constraint{"", s}
}

// branchEvents turns a branch's constraints into OSV events when they
// are at most one ">=" and at most one "<" or "<=" (the form every
// branch but a handful takes): introduced at the ">=" version (or "0"),
// then fixed at the "<" version or last_affected at the "<=" one. It
// reports false for anything else (">" lower bounds, "!=", "^", "~",
// wildcards, "||").
func branchEvents(vs []string) ([]advisory.Event, bool) {
	var lo, hi *constraint
	for _, s := range vs {
		c := parseConstraint(s)
		if c.version == "" || strings.ContainsAny(c.version, " ,|*") {
			return nil, false
		}
		switch c.op {
		case ">=":
			if lo != nil {
				return nil, false
			}
			lo = &c
		case "<", "<=":
			if hi != nil {
				return nil, false
			}
			hi = &c
		default:
			return nil, false
		}
	}
	ev := []advisory.Event{{Introduced: "0"}}
	if lo != nil {
		ev[0].Introduced = lo.version
	}
	switch {
	case hi == nil:
	case hi.op == "<":
		ev = append(ev, advisory.Event{Fixed: hi.version})
	default:
		ev = append(ev, advisory.Event{LastAffected: hi.version})
	}
	return ev, true
}

// bounded reports whether a branch has an upper bound, so that versions
// above it are not affected.
func bounded(vs []string) bool {
	for _, s := range vs {
		switch parseConstraint(s).op {
		case "<", "<=", "=", "==":
			return true
		}
	}
	return false
}

// Convert turns an advisory read from file (its path in the repository)
// into an Entry with one statement in namespace "packagist", for the
// package named by the reference without "composer://".
//
// The statement keeps each branch's constraints, joined with ", ", as one
// requirement of a Range of type advisory.RangeComposer. When every
// branch has the form [">=A", "<B"] (either bound may be missing, and "<="
// may stand for "<"), each branch is also an "ECOSYSTEM" range, and these
// come first: introduced A (or "0"), fixed B (last_affected B for "<=").
// Status is fixed when every branch is bounded above, affected otherwise;
// Fixed is set when the only branch is ["<B"].
func Convert(a *Advisory, file string) (feed.Entry, error) {
	pkg, ok := strings.CutPrefix(a.Reference, "composer://")
	pkg = strings.TrimSpace(pkg)
	if !ok || pkg == "" {
		return feed.Entry{}, fmt.Errorf("reference %q is not composer://vendor/package", a.Reference)
	}
	id, aliases := a.IDs(file)
	v := advisory.Vulnerability{
		ID: id, Aliases: aliases, Summary: a.Title, Source: Source,
		References: dedupe([]string{a.Link}),
	}
	st := advisory.Affected{VulnID: id, Namespace: Namespace, Ecosystem: "Packagist", Package: pkg, Source: Source}
	req := &advisory.Requirements{}
	var ranges []advisory.Range
	exact := true
	st.Status = advisory.StatusFixed
	for _, b := range a.Branches {
		req.Affected = append(req.Affected, strings.Join(b.Versions, ", "))
		if !bounded(b.Versions) {
			st.Status = advisory.StatusAffected
		}
		if ev, ok := branchEvents(b.Versions); ok {
			ranges = append(ranges, advisory.Range{Type: "ECOSYSTEM", Events: ev})
		} else {
			exact = false
		}
	}
	if exact {
		st.Ranges = ranges
		if len(ranges) == 1 {
			if ev := ranges[0].Events; len(ev) == 2 && ev[0].Introduced == "0" && ev[1].Fixed != "" {
				st.Fixed = ev[1].Fixed
			}
		}
	}
	st.Ranges = append(st.Ranges, advisory.Range{Type: advisory.RangeComposer, Requirements: req})
	return feed.Entry{Vuln: v, Affected: []advisory.Affected{st}}, nil
}

// isAdvisory reports whether a repository path is <vendor>/<package>/<id>.yaml
// (dot folders such as .github/ are not advisories).
func isAdvisory(p string) bool {
	parts := strings.Split(p, "/")
	if len(parts) != 3 || path.Ext(p) != ".yaml" {
		return false
	}
	for _, s := range parts {
		if s == "" || strings.HasPrefix(s, ".") {
			return false
		}
	}
	return true
}

// ReadZipFile reads a GitHub archive of the security-advisories
// repository and hands on one Entry per advisory file. Other files
// (README.md, LICENSE, composer.json, .github/) are passed over; an
// advisory that does not parse is counted as skipped with the file name.
// An archive in which none parses, a damaged zip and an entry over the
// size limit are errors naming the file (and entry).
func ReadZipFile(ctx context.Context, p string, sink feed.Sink) (feed.Stats, error) {
	return ghzip.Feed{
		Name: "friendsofphp", Noun: "advisory", Missing: "no advisory file (<vendor>/<package>/<id>.yaml) found",
		Pick: func(p string) (bool, string) { return isAdvisory(p), "" },
		Convert: func(p string, data []byte, _ *feed.Stats) (feed.Entry, error) {
			adv, err := Parse(data)
			if err != nil {
				return feed.Entry{}, err
			}
			return Convert(adv, p)
		},
	}.ReadFile(ctx, p, sink)
}

func nonEmpty(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func dedupe(in []string) []string {
	var out []string
	seen := map[string]bool{"": true}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
