package match_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
)

// normReader is a fakeReader that compares package names as the advisory
// store does (store.NormalizePackage on both sides).
type normReader struct{ *fakeReader }

func (n normReader) Affected(_ context.Context, ns, pkg string) ([]advisory.Affected, error) {
	var out []advisory.Affected
	for _, st := range n.stmts {
		if st.Namespace == ns && store.NormalizePackage(ns, st.Package) == store.NormalizePackage(ns, pkg) {
			out = append(out, st)
		}
	}
	return out, nil
}

func introduced(v string) advisory.Event   { return advisory.Event{Introduced: v} }
func fixed(v string) advisory.Event        { return advisory.Event{Fixed: v} }
func lastAffected(v string) advisory.Event { return advisory.Event{LastAffected: v} }

func semverRange(events ...advisory.Event) advisory.Range {
	return advisory.Range{Type: "SEMVER", Events: events}
}

func osvStatement(id, eco, pkg string, ranges ...advisory.Range) advisory.Affected {
	st := advisory.Affected{VulnID: id, Namespace: advisory.EcosystemNamespace(eco), Ecosystem: eco,
		Package: pkg, Status: advisory.StatusFixed, Source: "osv", Ranges: ranges}
	for _, r := range ranges {
		hasFix := false
		for _, e := range r.Events {
			hasFix = hasFix || e.Fixed != ""
		}
		if !hasFix {
			st.Status = advisory.StatusAffected
		}
	}
	return st
}

func golangPkg(name, version string) *inventory.Package {
	return &inventory.Package{Name: name, Version: version, Type: "golang", PURL: "pkg:golang/" + name + "@" + version,
		Locations: []inventory.Location{{Path: "usr/local/bin/app"}}}
}

func languageMatch(t *testing.T, r advisory.Reader, pkgs ...*inventory.Package) *match.Result {
	t.Helper()
	res, err := match.Language(context.Background(), r, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func checkBriefs(t *testing.T, label string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: got\n\t%s\nwant\n\t%s", label, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// TestLanguageGoAliases: a GO- record and a GHSA record about the same CVE
// (as osv.dev's Go dump holds both; GO-2021-0113's aliases are
// CVE-2021-38561 and GHSA-ppp9-7jff-5vj2 in vulndata/osv/Go/all.zip) give
// one finding that lists every name; a withdrawn record nothing; GIT
// ranges are ignored.
func TestLanguageGoAliases(t *testing.T) {
	r := &fakeReader{
		stmts: []advisory.Affected{
			osvStatement("GO-2021-0113", "Go", "golang.org/x/text", semverRange(introduced("0"), fixed("0.3.7"))),
			osvStatement("GHSA-ppp9-7jff-5vj2", "Go", "golang.org/x/text", semverRange(introduced("0"), fixed("0.3.7"))),
			osvStatement("GO-2099-0001", "Go", "golang.org/x/text", semverRange(introduced("0"), fixed("0.4.0"))),
			osvStatement("GO-2099-0002", "Go", "golang.org/x/text",
				advisory.Range{Type: "GIT", Events: []advisory.Event{introduced("0"), fixed("383b2e75a7a4198c42f8f87833eefb772868a56f")}}),
			osvStatement("GO-2099-0003", "Go", "Golang.org/x/text", semverRange(introduced("0"), fixed("0.4.0"))),
		},
		vulns: vulns(
			&advisory.Vulnerability{ID: "GO-2021-0113", Aliases: []string{"CVE-2021-38561", "GHSA-ppp9-7jff-5vj2"}, Source: "osv"},
			&advisory.Vulnerability{ID: "GHSA-ppp9-7jff-5vj2", Aliases: []string{"CVE-2021-38561", "GO-2021-0113"}, Source: "osv", Severity: advisory.SeverityHigh},
			&advisory.Vulnerability{ID: "GO-2099-0001", Source: "osv", Withdrawn: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
			&advisory.Vulnerability{ID: "GO-2099-0002", Source: "osv"},
			&advisory.Vulnerability{ID: "GO-2099-0003", Source: "osv"},
		),
	}
	res := languageMatch(t, r, golangPkg("golang.org/x/text", "v0.3.5"))
	checkBriefs(t, "findings", briefs(res.Findings), []string{
		`golang.org/x/text v0.3.5 CVE-2021-38561 fixed="0.3.7" fixed HIGH osv:Go aka GHSA-ppp9-7jff-5vj2,GO-2021-0113`,
	})
	checkBriefs(t, "unknowns", unknownBriefs(res.Unknowns), nil)
	if f := res.Findings[0]; f.Namespace != "go" || !strings.Contains(f.Evidence, "v0.3.5 < 0.3.7") {
		t.Errorf("namespace %q, evidence %q", f.Namespace, f.Evidence)
	}

	// +incompatible is build metadata: v2.0.0+incompatible is 2.0.0.
	r = &fakeReader{
		stmts: []advisory.Affected{osvStatement("GO-2099-0004", "Go", "github.com/docker/docker",
			semverRange(introduced("0"), fixed("20.10.11+incompatible")))},
		vulns: vulns(&advisory.Vulnerability{ID: "GO-2099-0004", Aliases: []string{"CVE-2099-0004"}, Source: "osv"}),
	}
	res = languageMatch(t, r, golangPkg("github.com/docker/docker", "v20.10.7+incompatible"),
		golangPkg("github.com/docker/docker", "v20.10.11+incompatible"))
	checkBriefs(t, "incompatible", briefs(res.Findings), []string{
		`github.com/docker/docker v20.10.7+incompatible CVE-2099-0004 fixed="20.10.11+incompatible" fixed UNKNOWN osv:Go aka GO-2099-0004`,
	})
}

// TestLanguageDevel: (devel) and empty versions are not compared: an
// Unknown when advisories exist, nothing otherwise. Unparsable versions
// are Unknowns with the reason.
func TestLanguageDevel(t *testing.T) {
	r := &fakeReader{
		stmts: []advisory.Affected{
			osvStatement("GO-2099-0010", "Go", "example.com/app", semverRange(introduced("0"), fixed("1.2.0"))),
			osvStatement("GO-2099-0011", "Go", "example.com/app", semverRange(introduced("1.0.0"))),
		},
		vulns: vulns(&advisory.Vulnerability{ID: "GO-2099-0010", Source: "osv"}, &advisory.Vulnerability{ID: "GO-2099-0011", Source: "osv"}),
	}
	res := languageMatch(t, r,
		golangPkg("example.com/app", "(devel)"),
		golangPkg("example.com/app", ""),
		golangPkg("example.com/app", "1.0.0.0"),
		golangPkg("example.com/other", "(devel)"),
	)
	checkBriefs(t, "findings", briefs(res.Findings), nil)
	checkBriefs(t, "unknowns", unknownBriefs(res.Unknowns), []string{
		`example.com/app : "1.0.0.0" is not a valid Go module version; 2 advisories of example.com/app in go not evaluated`,
		`example.com/app : no version recorded; 2 advisories of example.com/app in go not evaluated`,
		`example.com/app : version (devel): built from a source tree or replaced by a local directory, not a published release; 2 advisories of example.com/app in go not evaluated`,
	})
}

// TestLanguagePrerelease: npm pre-releases are inside a range exactly
// when SemVer precedence puts them there.
func TestLanguagePrerelease(t *testing.T) {
	r := &fakeReader{
		stmts: []advisory.Affected{
			osvStatement("GHSA-0000-0000-0001", "npm", "left-pad", advisory.Range{Type: "ECOSYSTEM", Events: []advisory.Event{introduced("0"), fixed("2.0.0")}}),
			osvStatement("GHSA-0000-0000-0002", "npm", "left-pad", advisory.Range{Type: "ECOSYSTEM", Events: []advisory.Event{introduced("2.0.0"), fixed("2.0.5")}}),
			osvStatement("GHSA-0000-0000-0003", "npm", "left-pad", advisory.Range{Type: "ECOSYSTEM", Events: []advisory.Event{introduced("1.0.0"), lastAffected("1.5.0")}}),
		},
		vulns: vulns(&advisory.Vulnerability{ID: "GHSA-0000-0000-0001", Source: "osv"}, &advisory.Vulnerability{ID: "GHSA-0000-0000-0002", Source: "osv"},
			&advisory.Vulnerability{ID: "GHSA-0000-0000-0003", Source: "osv"}),
	}
	npm := func(v string) *inventory.Package {
		return &inventory.Package{Name: "left-pad", Version: v, Type: "npm"}
	}
	res := languageMatch(t, r, npm("2.0.0-beta.1"), npm("2.0.1-rc.1"), npm("1.5.0"), npm("1.5.1-alpha"), npm("2.0.5"))
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.InstalledVersion+" "+f.ID)
	}
	slices.Sort(got)
	checkBriefs(t, "prerelease", got, []string{
		"1.5.0 GHSA-0000-0000-0001",
		"1.5.0 GHSA-0000-0000-0003",
		"1.5.1-alpha GHSA-0000-0000-0001", // 1.5.1-alpha > 1.5.0: past last_affected
		"2.0.0-beta.1 GHSA-0000-0000-0001",
		"2.0.1-rc.1 GHSA-0000-0000-0002",
	})
}

// TestLanguageNames: names are compared per ecosystem, and scopes, vendors
// and groups come from the purl when the name lacks them.
func TestLanguageNames(t *testing.T) {
	st := func(id, eco, pkg string) advisory.Affected {
		return osvStatement(id, eco, pkg, advisory.Range{Type: "ECOSYSTEM", Events: []advisory.Event{introduced("0"), fixed("99.0.0")}})
	}
	r := normReader{&fakeReader{
		stmts: []advisory.Affected{
			st("PYSEC-0000-1", "PyPI", "zope.interface"),
			st("GHSA-0000-0000-0011", "npm", "@babel/traverse"),
			st("GHSA-0000-0000-0012", "Maven", "org.apache.logging.log4j:log4j-core"),
			st("GHSA-0000-0000-0013", "Packagist", "guzzlehttp/guzzle"),
			st("GHSA-0000-0000-0014", "NuGet", "Newtonsoft.Json"),
			st("GHSA-0000-0000-0015", "RubyGems", "Rack"), // RubyGems names are case-sensitive
			st("GO-0000-0016", "Go", "github.com/Masterminds/goutils"),
		},
		vulns: vulns(),
	}}
	pkgs := []*inventory.Package{
		{Name: "Zope_Interface", Version: "5.0", Type: "pypi"},
		{Name: "traverse", Version: "7.0.0", Type: "npm", PURL: "pkg:npm/%40babel/traverse@7.0.0"},
		{Name: "log4j-core", Version: "2.14.1", Type: "maven", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
		{Name: "Guzzle", Version: "6.5.8", Type: "composer", PURL: "pkg:composer/guzzlehttp/guzzle@6.5.8"},
		{Name: "newtonsoft.json", Version: "12.0.1", Type: "nuget"},
		{Name: "rack", Version: "2.0.0", Type: "gem"},
		{Name: "github.com/masterminds/goutils", Version: "v1.0.0", Type: "golang"},
		{Name: "github.com/Masterminds/goutils", Version: "v1.0.0", Type: "golang"},
		{Name: "zope.interface", Version: "5.0", Type: "deb"}, // not a language package
	}
	res := languageMatch(t, r, pkgs...)
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.PackageName+" "+f.ID+" "+f.Namespace)
	}
	checkBriefs(t, "names", got, []string{
		"Guzzle GHSA-0000-0000-0013 packagist",
		"Zope_Interface PYSEC-0000-1 pypi",
		"github.com/Masterminds/goutils GO-0000-0016 go",
		"log4j-core GHSA-0000-0000-0012 maven",
		"newtonsoft.json GHSA-0000-0000-0014 nuget",
		"traverse GHSA-0000-0000-0011 npm",
	})
	checkBriefs(t, "unknowns", unknownBriefs(res.Unknowns), nil)
}

// TestLanguageVersions: the versions list, and versions that fail their
// ecosystem's syntax.
func TestLanguageVersions(t *testing.T) {
	listed := advisory.Affected{VulnID: "PYSEC-0000-2", Namespace: "pypi", Ecosystem: "PyPI", Package: "requests",
		Status: advisory.StatusAffected, Source: "osv", Versions: []string{"2.28.0", "2.28.1"}}
	r := &fakeReader{stmts: []advisory.Affected{listed}, vulns: vulns()}
	pypi := func(v string) *inventory.Package {
		return &inventory.Package{Name: "requests", Version: v, Type: "pypi"}
	}
	res := languageMatch(t, r, pypi("2.28.1"), pypi("2.28.01"), pypi("2.28.2"), pypi("not a version"))
	checkBriefs(t, "findings", briefs(res.Findings), []string{
		`requests 2.28.01 PYSEC-0000-2 fixed="" affected UNKNOWN osv:PyPI`,
		`requests 2.28.1 PYSEC-0000-2 fixed="" affected UNKNOWN osv:PyPI`,
	})
	checkBriefs(t, "unknowns", unknownBriefs(res.Unknowns), []string{
		`requests : "not a version" is not a valid PEP 440 version; 1 advisory of requests in pypi not evaluated`,
	})
}

// TestLanguageCrateSources: crates from other sources than crates.io are
// not matched.
func TestLanguageCrateSources(t *testing.T) {
	r := &fakeReader{
		stmts: []advisory.Affected{osvStatement("RUSTSEC-2099-0001", "crates.io", "library_crate", semverRange(introduced("0.0.0-0"), fixed("1.0.0")))},
		vulns: vulns(&advisory.Vulnerability{ID: "RUSTSEC-2099-0001", Source: "osv"}),
	}
	crate := func(purl string) *inventory.Package {
		return &inventory.Package{Name: "library_crate", Version: "0.1.0", Type: "cargo", PURL: purl}
	}
	res := languageMatch(t, r,
		crate("pkg:cargo/library_crate@0.1.0"),
		crate("pkg:cargo/library_crate@0.1.0?source=local"),
		crate("pkg:cargo/library_crate@0.1.0?source=git&vcs_url=git%2Bhttps:%2F%2Fexample.com%2Fx"),
		crate("pkg:cargo/library_crate@0.1.0?repository_url=https:%2F%2Fregistry.example.com&source=registry"),
	)
	checkBriefs(t, "findings", briefs(res.Findings), []string{
		`library_crate 0.1.0 RUSTSEC-2099-0001 fixed="1.0.0" fixed UNKNOWN osv:crates.io`,
	})
	if res.Findings[0].Package.PURL != "pkg:cargo/library_crate@0.1.0" {
		t.Errorf("matched %s", res.Findings[0].Package.PURL)
	}
}

// TestLanguageRequirements: requirement strings (advisory.Requirements)
// decide with the package manager's rules, over ranges derived from them.
func TestLanguageRequirements(t *testing.T) {
	cargoReq := advisory.Affected{VulnID: "RUSTSEC-2099-0002", Namespace: "crates.io", Ecosystem: "crates.io", Package: "smallvec",
		Status: advisory.StatusFixed, Fixed: "", Source: "rustsec",
		Ranges: []advisory.Range{
			semverRange(introduced("0.6.3"), fixed("0.6.10"), introduced("1.0.0"), fixed("1.6.1")),
			{Type: advisory.RangeCargo, Requirements: &advisory.Requirements{Patched: []string{">= 0.6.10, < 1.0.0", ">= 1.6.1"}, Unaffected: []string{"< 0.6.3"}}},
		}}
	unmaintained := advisory.Affected{VulnID: "RUSTSEC-2099-0003", Namespace: "crates.io", Ecosystem: "crates.io", Package: "smallvec",
		Status: advisory.StatusAffected, Source: "rustsec",
		Ranges: []advisory.Range{{Type: advisory.RangeCargo, Requirements: &advisory.Requirements{Informational: "unmaintained"}}}}
	gem := advisory.Affected{VulnID: "CVE-2099-0004", Namespace: "rubygems", Ecosystem: "RubyGems", Package: "rails",
		Status: advisory.StatusFixed, Source: "rubysec",
		Ranges: []advisory.Range{{Type: advisory.RangeRubyGems, Requirements: &advisory.Requirements{Patched: []string{"~> 5.2.4, >= 5.2.4.3", ">= 6.0.3.1"}}}}}
	composer := advisory.Affected{VulnID: "CVE-2099-0005", Namespace: "packagist", Ecosystem: "Packagist", Package: "symfony/http-kernel",
		Status: advisory.StatusFixed, Fixed: "", Source: "friendsofphp",
		Ranges: []advisory.Range{{Type: advisory.RangeComposer, Requirements: &advisory.Requirements{Affected: []string{">=2.0.0, <2.0.5", ">=3.0.0,<3.1.2"}}}}}
	wrongKind := advisory.Affected{VulnID: "GHSA-0000-0000-0006", Namespace: "npm", Ecosystem: "npm", Package: "lodash",
		Status: advisory.StatusFixed, Source: "x",
		Ranges: []advisory.Range{{Type: advisory.RangeCargo, Requirements: &advisory.Requirements{Patched: []string{">= 1.0.0"}}}}}
	r := &fakeReader{stmts: []advisory.Affected{cargoReq, unmaintained, gem, composer, wrongKind}, vulns: vulns()}
	pkgs := []*inventory.Package{
		{Name: "smallvec", Version: "0.6.9", Type: "cargo"},
		{Name: "smallvec", Version: "0.6.10", Type: "cargo"},
		{Name: "smallvec", Version: "0.6.2", Type: "cargo"},
		// SemVer precedence puts 1.6.1-rc.1 below 1.6.1, inside the
		// derived range; Cargo's ">= 1.6.1" does not match it either,
		// so it is affected both ways. 1.7.0-rc.1 is above 1.6.1 by
		// precedence, but Cargo matches a pre-release only against a
		// comparator of the same major.minor.patch: it satisfies no
		// patched requirement and RustSec counts it affected.
		{Name: "smallvec", Version: "1.7.0-rc.1", Type: "cargo"},
		{Name: "rails", Version: "5.2.4.2", Type: "gem"},
		{Name: "rails", Version: "5.2.4.3", Type: "gem"},
		{Name: "rails", Version: "6.0.3", Type: "gem"},
		{Name: "symfony/http-kernel", Version: "2.0.4", Type: "composer"},
		{Name: "symfony/http-kernel", Version: "v2.0.5-beta1", Type: "composer"}, // "<2.0.5" is "<2.0.5-dev"
		{Name: "symfony/http-kernel", Version: "2.0.0-RC1", Type: "composer"},    // ">=2.0.0" is ">=2.0.0-dev"
		{Name: "symfony/http-kernel", Version: "3.1.2", Type: "composer"},
		{Name: "lodash", Version: "0.9.0", Type: "npm"},
	}
	res := languageMatch(t, r, pkgs...)
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.PackageName+" "+f.InstalledVersion+" "+f.ID+" "+string(f.Status)+" fixed="+f.FixedVersion)
	}
	slices.Sort(got)
	checkBriefs(t, "findings", got, []string{
		"rails 5.2.4.2 CVE-2099-0004 fixed fixed=5.2.4.3",
		"rails 6.0.3 CVE-2099-0004 fixed fixed=6.0.3.1",
		"smallvec 0.6.10 RUSTSEC-2099-0003 affected fixed=",
		"smallvec 0.6.2 RUSTSEC-2099-0003 affected fixed=",
		"smallvec 0.6.9 RUSTSEC-2099-0002 fixed fixed=0.6.10",
		"smallvec 0.6.9 RUSTSEC-2099-0003 affected fixed=",
		"smallvec 1.7.0-rc.1 RUSTSEC-2099-0002 fixed fixed=",
		"smallvec 1.7.0-rc.1 RUSTSEC-2099-0003 affected fixed=",
		"symfony/http-kernel 2.0.0-RC1 CVE-2099-0005 fixed fixed=2.0.5",
		"symfony/http-kernel 2.0.4 CVE-2099-0005 fixed fixed=2.0.5",
	})
	for _, f := range res.Findings {
		if f.ID == "RUSTSEC-2099-0003" && !strings.Contains(f.Evidence, "informational: unmaintained") {
			t.Errorf("evidence %q", f.Evidence)
		}
	}
	checkBriefs(t, "unknowns", unknownBriefs(res.Unknowns), []string{
		`lodash GHSA-0000-0000-0006: CARGO requirements cannot be evaluated for npm packages (x npm lodash)`,
	})
}
