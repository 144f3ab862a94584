package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	packageurl "github.com/package-url/packageurl-go"
	"github.com/spf13/cobra"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
)

func newDBSearchCmd(g *globals) *cobra.Command {
	var path, format string
	cmd := &cobra.Command{
		Use:   "search ID|PURL",
		Short: "Show what the database says about a vulnerability id or a package",
		Long: `Show what the advisory database says about a vulnerability or a package.

With an id (CVE-2024-9143, GHSA-29mw-wpgm-hmr9, DSA-5380-1, USN-5402-1,
ALSA-2024:0001, RUSTSEC-2023-0001, ...): every record that has it as its id,
an alias or a related id, with its source, summary, severity and aliases,
and every statement it makes (namespace, package, status, fixed version,
ranges).

With a package URL: the statements about that package in the matching
namespace, from the distro qualifier (pkg:deb/debian/openssl@3.0.11?distro=debian-12,
pkg:apk/alpine/busybox@1.36.1-r29?distro=alpine-3.20) or, without one, in
every release of that distribution the database knows. With a version, OS
packages are put through the matcher and each vulnerability that would be
reported is listed with the comparison that decided it. Language packages
(pkg:golang, pkg:npm, pkg:pypi, pkg:cargo, pkg:maven, pkg:gem,
pkg:composer, pkg:nuget) are looked up in their ecosystem and, with a
version, matched the same way.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("--format %q: want table or json", format)
			}
			p, err := g.dbTarget(path)
			if err != nil {
				return err
			}
			db, err := openDB(p)
			if err != nil {
				return err
			}
			defer db.Close()
			ctx := cmd.Context()
			q := strings.TrimSpace(args[0])
			if strings.HasPrefix(q, "pkg:") {
				res, err := searchPURL(ctx, db, q)
				if err != nil {
					return err
				}
				if format == "json" {
					return writeJSON(g.stdio.Out, res)
				}
				return res.writeTable(g.stdio.Out)
			}
			res, err := searchID(ctx, db, q)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(g.stdio.Out, res)
			}
			return res.writeTable(g.stdio.Out)
		},
	}
	cmd.Flags().StringVar(&path, "db", "", "database file (default: db/lading.db in the cache directory)")
	cmd.Flags().StringVarP(&format, "format", "f", "table", "table or json")
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// IDResult is db search's answer for an id.
type IDResult struct {
	Query   string     `json:"query"`
	Kind    string     `json:"kind"` // "id"
	Records []IDRecord `json:"records"`
	// Enrichment is what NVD, the CISA KEV catalogue and EPSS say about a
	// CVE id; absent when none of them names it.
	Enrichment *advisory.Enrichment `json:"enrichment,omitempty"`
}

// IDRecord is one record naming the id, with its statements.
type IDRecord struct {
	// NamedAs says how the record names the query: "id", "alias" or
	// "related" (OSV related/upstream).
	NamedAs       string                 `json:"named_as"`
	Vulnerability advisory.Vulnerability `json:"vulnerability"`
	Related       []string               `json:"related"`
	Scores        []advisory.Score       `json:"scores"`
	Statements    []advisory.Affected    `json:"statements"`
}

func searchID(ctx context.Context, db *store.Store, id string) (*IDResult, error) {
	namings, err := db.RecordsNaming(ctx, id)
	if err != nil {
		return nil, err
	}
	res := &IDResult{Query: id, Kind: "id", Records: []IDRecord{}}
	var ids []store.SourceID
	for _, n := range namings {
		v, err := db.Record(ctx, n.Source, n.ID)
		if err != nil {
			return nil, err
		}
		if v == nil {
			// A statement or alias without its record; show what there is.
			v = &advisory.Vulnerability{Source: n.Source, ID: n.ID}
		}
		rel, err := db.Related(ctx, n.Source, n.ID)
		if err != nil {
			return nil, err
		}
		sc, err := db.Scores(ctx, n.Source, n.ID)
		if err != nil {
			return nil, err
		}
		res.Records = append(res.Records, IDRecord{NamedAs: n.Kind, Vulnerability: *v, Related: nonNil(rel), Scores: nonNilScores(sc)})
		ids = append(ids, store.SourceID{Source: n.Source, ID: n.ID})
	}
	stmts, err := db.StatementsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range res.Records {
		res.Records[i].Statements = stmts[i]
		if res.Records[i].Statements == nil {
			res.Records[i].Statements = []advisory.Affected{}
		}
	}
	if cveQuery.MatchString(id) {
		if res.Enrichment, err = db.Enrichment(ctx, id); err != nil {
			return nil, err
		}
	}
	return res, nil
}

var cveQuery = regexp.MustCompile(`(?i)^CVE-\d{4}-\d+$`)

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilScores(s []advisory.Score) []advisory.Score {
	if s == nil {
		return []advisory.Score{}
	}
	return s
}

func (r *IDResult) writeTable(w io.Writer) error {
	if len(r.Records) == 0 && r.Enrichment == nil {
		_, err := fmt.Fprintf(w, "%s: no record in the database has this id or alias\n", r.Query)
		return err
	}
	fmt.Fprintf(w, "%s: %d record(s)\n", r.Query, len(r.Records))
	writeEnrichment(w, r.Enrichment)
	for _, rec := range r.Records {
		v := rec.Vulnerability
		fmt.Fprintf(w, "\n%s %s", v.Source, v.ID)
		if rec.NamedAs != "id" {
			fmt.Fprintf(w, " (names %s as %s)", r.Query, map[string]string{"alias": "an alias", "related": "related"}[rec.NamedAs])
		}
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		if v.Summary != "" {
			fmt.Fprintf(tw, "  Summary:\t%s\n", oneLine(v.Summary, 160))
		} else if v.Details != "" {
			fmt.Fprintf(tw, "  Details:\t%s\n", oneLine(v.Details, 160))
		}
		fmt.Fprintf(tw, "  Severity:\t%s\n", or(v.Severity, "(none)"))
		for _, s := range rec.Scores {
			fmt.Fprintf(tw, "  Score:\t%s %s\n", s.Type, s.Score)
		}
		if len(v.Aliases) > 0 {
			fmt.Fprintf(tw, "  Aliases:\t%s\n", strings.Join(v.Aliases, ", "))
		}
		if len(rec.Related) > 0 {
			fmt.Fprintf(tw, "  Related:\t%s\n", strings.Join(rec.Related, ", "))
		}
		if t := dates(v); t != "" {
			fmt.Fprintf(tw, "  Dates:\t%s\n", t)
		}
		if !v.Withdrawn.IsZero() {
			fmt.Fprintf(tw, "  Withdrawn:\t%s\n", v.Withdrawn.UTC().Format(time.RFC3339))
		}
		tw.Flush()
		if len(rec.Statements) == 0 {
			fmt.Fprintln(w, "  (no package statements)")
			continue
		}
		writeStatements(w, rec.Statements, false, nil)
	}
	return nil
}

// writeEnrichment prints the NVD, KEV and EPSS lines of a CVE.
func writeEnrichment(w io.Writer, e *advisory.Enrichment) {
	if e == nil {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	if n := e.NVD; n != nil {
		line := or(e.Severity, "no CVSS rating")
		if len(n.CVSS) > 0 {
			c := n.CVSS[0]
			line += fmt.Sprintf(" (CVSS %s %.1f %s)", c.Version, c.BaseScore, c.Vector)
		}
		if n.Rejected {
			line += ", rejected"
		}
		if len(n.CWEs) > 0 {
			line += ", " + strings.Join(n.CWEs, " ")
		}
		fmt.Fprintf(tw, "  NVD:\t%s\n", line)
		if n.Description != "" {
			fmt.Fprintf(tw, "  \t%s\n", oneLine(n.Description, 160))
		}
	}
	if k := e.KEV; k != nil {
		line := "known exploited, added " + k.DateAdded
		if k.KnownRansomwareCampaignUse == "Known" {
			line += ", used in ransomware campaigns"
		}
		fmt.Fprintf(tw, "  CISA KEV:\t%s (%s %s)\n", line, k.VendorProject, k.Product)
	}
	if p := e.EPSS; p != nil {
		fmt.Fprintf(tw, "  EPSS:\t%.5f (percentile %.5f) on %s\n", p.Score, p.Percentile, p.Date.UTC().Format("2006-01-02"))
	}
}

// writeStatements prints statements as an indented table. For a purl
// search (forPackage) it shows each statement's vulnerability and source
// and, with a verdict, whether the version given matched it; for an id
// search, each statement's namespace.
func writeStatements(w io.Writer, stmts []advisory.Affected, forPackage bool, v *PURLVerdict) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	if !forPackage {
		fmt.Fprintln(tw, "  NAMESPACE\tPACKAGE\tSTATUS\tFIXED\tSEVERITY\tRANGES")
		for _, st := range stmts {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", st.Namespace, st.Package, st.Status, or(st.Fixed, "-"), or(st.Severity, "-"), ranges(st))
		}
		return
	}
	head := "  VULNERABILITY\tSOURCE\tPACKAGE\tSTATUS\tFIXED\tSEVERITY\tRANGES"
	matched, unknown := map[string]bool{}, map[string]bool{}
	if v != nil {
		head += "\tMATCHES " + v.Version
		for _, f := range v.Findings {
			matched[f.ID] = true
			for _, a := range f.Aliases {
				matched[a] = true
			}
		}
		for _, u := range v.Unknowns {
			unknown[u.ID] = true
		}
	}
	fmt.Fprintln(tw, head)
	for _, st := range stmts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s", st.VulnID, st.Source, st.Package, st.Status, or(st.Fixed, "-"), or(st.Severity, "-"), ranges(st))
		if v != nil {
			m := "no"
			switch {
			case matched[st.VulnID]:
				m = "yes"
			case unknown[st.VulnID]:
				m = "not compared"
			}
			fmt.Fprintf(tw, "\t%s", m)
		}
		fmt.Fprintln(tw)
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

func dates(v advisory.Vulnerability) string {
	var parts []string
	if !v.Published.IsZero() && v.Published.Year() > 1 {
		parts = append(parts, "published "+v.Published.UTC().Format("2006-01-02"))
	}
	if !v.Modified.IsZero() && v.Modified.Year() > 1 {
		parts = append(parts, "modified "+v.Modified.UTC().Format("2006-01-02"))
	}
	return strings.Join(parts, ", ")
}

// ranges prints OSV ranges compactly: "ECOSYSTEM [0, 1.2.3)", "SEMVER
// [1.0.0, 1.4.1]" for last_affected, plus "+N versions" for an explicit
// list.
func ranges(st advisory.Affected) string {
	var parts []string
	for _, r := range st.Ranges {
		var spans []string
		lo := ""
		open := false
		for _, e := range r.Events {
			switch {
			case e.Introduced != "":
				if open {
					spans = append(spans, "["+lo+", …)")
				}
				lo, open = e.Introduced, true
			case e.Fixed != "":
				spans = append(spans, "["+or(lo, "0")+", "+e.Fixed+")")
				open = false
			case e.LastAffected != "":
				spans = append(spans, "["+or(lo, "0")+", "+e.LastAffected+"]")
				open = false
			case e.Limit != "":
				spans = append(spans, "["+or(lo, "0")+", limit "+e.Limit+")")
				open = false
			}
		}
		if open {
			spans = append(spans, "["+lo+", …)")
		}
		parts = append(parts, r.Type+" "+strings.Join(spans, " "))
	}
	if n := len(st.Versions); n > 0 {
		parts = append(parts, "+"+strconv.Itoa(n)+" versions")
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}

// PURLResult is db search's answer for a package URL.
type PURLResult struct {
	Query   string `json:"query"`
	Kind    string `json:"kind"` // "purl"
	Type    string `json:"type"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// Namespaces are the advisory namespaces searched, each with its
	// statements and, for an OS package with a version, the verdict.
	Namespaces []PURLNamespace `json:"namespaces"`
	// Note explains what was not done (a purl type lading has advisories
	// for but does not match versions of, no namespace for a distribution).
	Note string `json:"note,omitempty"`
}

// PURLNamespace is what one namespace says about the package.
type PURLNamespace struct {
	Namespace string `json:"namespace"`
	// Names are the package names looked up, in the matcher's order
	// (source package first for deb and apk).
	Names      []string            `json:"names"`
	Statements []advisory.Affected `json:"statements"`
	// Verdict is set when a version was given (for an OS package or a
	// language package of a type match.Language handles).
	Verdict *PURLVerdict `json:"verdict,omitempty"`
}

// PURLVerdict is what the matcher decides for the given version.
type PURLVerdict struct {
	Version  string        `json:"version"`
	Findings []PURLFinding `json:"findings"`
	Unknowns []PURLUnknown `json:"unknowns"`
	// Distro is the release matched, for an OS package.
	Distro *inventory.Distro `json:"distro,omitempty"`
}

// PURLFinding is one vulnerability the matcher would report.
type PURLFinding struct {
	ID           string   `json:"id"`
	Aliases      []string `json:"aliases"`
	Status       string   `json:"status"`
	FixedVersion string   `json:"fixed_version"`
	Severity     string   `json:"severity"`
	DataSource   string   `json:"data_source"`
	Evidence     string   `json:"evidence"`
}

// PURLUnknown is a statement the matcher could not compare.
type PURLUnknown struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// osPURL says how a purl type maps to a package type and distributions.
var osPURLTypes = map[string]string{
	packageurl.TypeDebian: inventory.TypeDeb,
	packageurl.TypeApk:    inventory.TypeAPK,
	packageurl.TypeRPM:    inventory.TypeRPM,
}

// langNamespaces maps a language purl type to lading's namespace for its
// ecosystem (advisory.EcosystemNamespace of the OSV ecosystem).
var langNamespaces = map[string]string{
	packageurl.TypeGolang:   "go",
	packageurl.TypeNPM:      "npm",
	packageurl.TypePyPi:     "pypi",
	packageurl.TypeCargo:    "crates.io",
	packageurl.TypeMaven:    "maven",
	packageurl.TypeGem:      "rubygems",
	packageurl.TypeComposer: "packagist",
	packageurl.TypeNuget:    "nuget",
	packageurl.TypeHex:      "hex",
	packageurl.TypePub:      "pub",
	packageurl.TypeHackage:  "hackage",
	packageurl.TypeCran:     "cran",
	packageurl.TypeSwift:    "swifturl",
}

// purlFamilies maps a purl namespace (the vendor) to the os-release family
// where the two differ.
var purlFamilies = map[string]string{
	"redhat": "rhel", "oracle": "ol", "suse": "sles", "opensuse": "opensuse-leap",
}

func searchPURL(ctx context.Context, db *store.Store, raw string) (*PURLResult, error) {
	p, err := packageurl.FromString(raw)
	if err != nil {
		return nil, fmt.Errorf("package URL %q: %w", raw, err)
	}
	res := &PURLResult{Query: raw, Kind: "purl", Type: p.Type, Version: p.Version, Namespaces: []PURLNamespace{}}
	if pkgType, ok := osPURLTypes[p.Type]; ok {
		return searchOSPURL(ctx, db, p, pkgType, res)
	}
	ns, ok := langNamespaces[p.Type]
	if !ok {
		return nil, fmt.Errorf("package URL type %q: lading keeps no advisories for it (OS types: deb, apk, rpm; language types: golang, npm, pypi, cargo, maven, gem, composer, nuget, ...)", p.Type)
	}
	res.Name = langName(p, raw)
	stmts, err := db.Affected(ctx, ns, res.Name)
	if err != nil {
		return nil, err
	}
	pn := PURLNamespace{Namespace: ns, Names: []string{res.Name}, Statements: nonNilStmts(stmts)}
	if p.Version != "" {
		if slices.Contains(match.LanguageTypes(), p.Type) {
			name := p.Name
			if p.Type == packageurl.TypeGolang {
				name = res.Name // the whole module path, as written
			}
			pkg := &inventory.Package{Name: name, Version: p.Version, Type: p.Type, PURL: raw}
			r, err := match.Language(ctx, db, []*inventory.Package{pkg})
			if err != nil {
				return nil, err
			}
			pn.Verdict = toVerdict(r, p.Version, nil)
		} else {
			res.Note = fmt.Sprintf("lading does not match %s packages against versions yet: the statements above are not compared with %s", p.Type, p.Version)
		}
	}
	res.Namespaces = append(res.Namespaces, pn)
	return res, nil
}

var golangRaw = regexp.MustCompile(`^pkg:golang/([^@?#]+)`)

// langName is the package's name as the ecosystem's advisories spell it.
func langName(p packageurl.PackageURL, raw string) string {
	switch p.Type {
	case packageurl.TypeGolang:
		// The purl library lower-cases golang names; module paths are case
		// sensitive, so take the path as written.
		if m := golangRaw.FindStringSubmatch(raw); m != nil {
			if s, err := url.PathUnescape(m[1]); err == nil {
				return strings.Trim(s, "/")
			}
		}
		return strings.Trim(p.Namespace+"/"+p.Name, "/")
	case packageurl.TypeMaven:
		if p.Namespace != "" {
			return p.Namespace + ":" + p.Name
		}
	case packageurl.TypeNPM, packageurl.TypeComposer:
		if p.Namespace != "" {
			return p.Namespace + "/" + p.Name
		}
	}
	return p.Name
}

func nonNilStmts(s []advisory.Affected) []advisory.Affected {
	if s == nil {
		return []advisory.Affected{}
	}
	return s
}

func searchOSPURL(ctx context.Context, db *store.Store, p packageurl.PackageURL, pkgType string, res *PURLResult) (*PURLResult, error) {
	q := p.Qualifiers.Map()
	res.Name = p.Name
	family := strings.ToLower(p.Namespace)
	if f, ok := purlFamilies[family]; ok {
		family = f
	}
	if family == "" {
		family = map[string]string{inventory.TypeDeb: "debian", inventory.TypeAPK: "alpine"}[pkgType]
	}
	if family == "" {
		return nil, fmt.Errorf("package URL %q names no distribution (pkg:rpm/<vendor>/...)", res.Query)
	}
	var distros []inventory.Distro
	if dq := q["distro"]; dq != "" {
		d, err := distroQualifier(family, dq)
		if err != nil {
			return nil, err
		}
		distros = append(distros, d)
	} else {
		all, err := db.Namespaces(ctx)
		if err != nil {
			return nil, err
		}
		for _, ns := range all {
			if rel, ok := strings.CutPrefix(ns, family+":"); ok {
				distros = append(distros, inventory.Distro{Family: family, Version: rel})
			}
		}
	}
	pkg := &inventory.Package{
		Name: p.Name, Version: p.Version, Type: pkgType, Arch: q["arch"],
		SourceName: p.Name, SourceVersion: p.Version, PURL: res.Query,
	}
	// Source package, where the purl names it (upstream= is what several
	// SBOM tools write; "name version" or just a name).
	if up := or(q["upstream"], q["source"]); up != "" {
		name, ver, _ := strings.Cut(up, " ")
		pkg.SourceName = name
		if ver != "" && pkgType == inventory.TypeDeb {
			pkg.SourceVersion = ver
		}
	}
	if e := q["epoch"]; e != "" && pkgType == inventory.TypeRPM {
		if n, err := strconv.Atoi(e); err == nil {
			pkg.Epoch = n
		}
	}
	names := []string{pkg.SourceName}
	if pkg.SourceName != pkg.Name {
		names = append(names, pkg.Name)
	}
	for _, d := range distros {
		ns := distroNamespace(d)
		pn := PURLNamespace{Namespace: ns, Names: names, Statements: []advisory.Affected{}}
		for _, n := range names {
			stmts, err := db.Affected(ctx, ns, n)
			if err != nil {
				return nil, err
			}
			pn.Statements = append(pn.Statements, stmts...)
		}
		if p.Version != "" {
			v, err := verdict(ctx, db, d, pkg)
			if err != nil {
				return nil, err
			}
			pn.Verdict = v
		}
		res.Namespaces = append(res.Namespaces, pn)
	}
	if len(distros) == 0 {
		res.Note = fmt.Sprintf("the database has no namespace for %s; give distro=%s-<version> to name one", family, family)
	}
	return res, nil
}

// distroQualifier reads a purl distro qualifier: "debian-12",
// "alpine-3.20.3", "ubuntu-22.04", "almalinux-8", a bare version ("12"),
// or a Debian code name ("bookworm").
func distroQualifier(family, q string) (inventory.Distro, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	if i := strings.LastIndexByte(q, '-'); i > 0 && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
		return inventory.Distro{Family: q[:i], Version: q[i+1:]}, nil
	}
	if q[0] >= '0' && q[0] <= '9' {
		return inventory.Distro{Family: family, Version: q}, nil
	}
	if rel := advisory.DebianRelease(q); rel != "" && family == "debian" {
		return inventory.Distro{Family: family, Version: rel, Codename: q}, nil
	}
	return inventory.Distro{}, fmt.Errorf("distro qualifier %q: want <family>-<version> such as debian-12 or alpine-3.20", q)
}

// distroNamespace is the namespace the matcher reads for d (Ubuntu point
// releases share their release's).
func distroNamespace(d inventory.Distro) string {
	v := d.Version
	if d.Family == "ubuntu" {
		if parts := strings.SplitN(v, ".", 3); len(parts) == 3 {
			v = parts[0] + "." + parts[1]
		}
	}
	return advisory.DistroNamespace(d.Family, v)
}

func verdict(ctx context.Context, db *store.Store, d inventory.Distro, pkg *inventory.Package) (*PURLVerdict, error) {
	r, err := match.Distro(ctx, db, &d, []*inventory.Package{pkg})
	if err != nil {
		return nil, err
	}
	return toVerdict(r, pkg.Version, &d), nil
}

// toVerdict turns the matcher's result for one package into the answer.
func toVerdict(r *match.Result, version string, d *inventory.Distro) *PURLVerdict {
	v := &PURLVerdict{Version: version, Distro: d, Findings: []PURLFinding{}, Unknowns: []PURLUnknown{}}
	for _, f := range r.Findings {
		v.Findings = append(v.Findings, PURLFinding{
			ID: f.ID, Aliases: nonNil(f.Aliases), Status: string(f.Status), FixedVersion: f.FixedVersion,
			Severity: f.Severity, DataSource: f.DataSource, Evidence: f.Evidence,
		})
	}
	for _, u := range r.Unknowns {
		v.Unknowns = append(v.Unknowns, PURLUnknown{ID: u.VulnID, Reason: u.Reason})
	}
	sort.SliceStable(v.Findings, func(i, j int) bool { return v.Findings[i].ID < v.Findings[j].ID })
	return v
}

func (r *PURLResult) writeTable(w io.Writer) error {
	fmt.Fprintf(w, "%s\n", r.Query)
	if len(r.Namespaces) == 0 && r.Note != "" {
		fmt.Fprintf(w, "%s\n", r.Note)
		return nil
	}
	for _, ns := range r.Namespaces {
		fmt.Fprintf(w, "\n%s: %s — %d statement(s)\n", ns.Namespace, strings.Join(ns.Names, ", "), len(ns.Statements))
		if len(ns.Statements) > 0 {
			writeStatements(w, ns.Statements, true, ns.Verdict)
		}
		if v := ns.Verdict; v != nil {
			fmt.Fprintf(w, "\n  %s %s in %s: %d vulnerabilit%s would be reported", r.Name, v.Version, ns.Namespace, len(v.Findings), plural(len(v.Findings), "y", "ies"))
			if len(v.Findings) == 0 {
				fmt.Fprintln(w)
			} else {
				fmt.Fprintln(w, ":")
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "  ID\tSTATUS\tFIXED IN\tSEVERITY\tWHY")
				for _, f := range v.Findings {
					id := f.ID
					if len(f.Aliases) > 0 {
						id += " (" + strings.Join(f.Aliases, ", ") + ")"
					}
					fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", id, f.Status, or(f.FixedVersion, "-"), f.Severity, f.Evidence)
				}
				tw.Flush()
			}
			for _, u := range v.Unknowns {
				fmt.Fprintf(w, "  not compared: %s: %s\n", or(u.ID, "-"), u.Reason)
			}
		}
	}
	if r.Note != "" {
		fmt.Fprintf(w, "\n%s\n", r.Note)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
