package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
	"github.com/lading-dev/lading/report"
)

func newExplainCmd(g *globals) *cobra.Command {
	var input, dbFile, pkg string
	cmd := &cobra.Command{
		Use:   "explain ID --input REPORT.json",
		Short: "Explain why a vulnerability is or is not reported for each package of a report",
		Long: `Explain one vulnerability (a CVE, or any advisory ID or alias) for the packages of a
lading JSON report: the advisory records that name it, and for each package that has an
advisory statement about it, why it is reported (the statement that matched, the version
comparison in the package manager's order, the file and the layer that brought the package)
or why not (fixed: the installed version has the fix; not affected: the distribution says so;
outside the affected ranges; withdrawn; ignored by an ignore rule or a VEX statement; left
out by --severity or --ignore-unfixed). Reasons a report does not record are worked out again
from the advisory database.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if input == "" {
				return fmt.Errorf("--input REPORT.json is required: a report written with --format json")
			}
			rep, err := report.ReadJSONFile(input)
			if err != nil {
				return fmt.Errorf("--input: %w", err)
			}
			path := dbFile
			if path == "" {
				cache, err := g.cache()
				if err != nil {
					return err
				}
				path = dbPath(cache)
			}
			db, err := openDB(path)
			if err != nil {
				return err
			}
			defer db.Close()
			return explainPackages(cmd.Context(), g.stdio.Out, db, rep, args[0], pkg)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&input, "input", "i", "", "the JSON report to explain (written by lading image or fs with --format json)")
	fl.StringVar(&dbFile, "db", "", "advisory database file (default: db/lading.db in the cache directory)")
	fl.StringVar(&pkg, "package", "", "explain only for packages of this name")
	return cmd
}

// explain writes why id is or is not reported for each package (the
// --explain flag of image and fs).
func explain(ctx context.Context, w io.Writer, db *store.Store, rep *report.Report, id string) error {
	return explainPackages(ctx, w, db, rep, id, "")
}

// Verdicts of an explanation, one per package.
const (
	verdictReported    = "REPORTED"
	verdictIgnored     = "NOT REPORTED: ignored"
	verdictVEX         = "NOT REPORTED: VEX"
	verdictFiltered    = "NOT REPORTED: filtered"
	verdictFixed       = "NOT REPORTED: fixed"
	verdictNotAffected = "NOT REPORTED: not affected"
	verdictWithdrawn   = "NOT REPORTED: withdrawn"
	verdictUndecided   = "NOT DECIDED: versions could not be compared"
	verdictElsewhere   = "NOT REPORTED: no statement for this release"
	verdictAbsent      = "NOT REPORTED: not in the report"
)

// explainer holds what one explanation reads.
type explainer struct {
	db  *store.Store
	rep *report.Report
	id  string
	// search is what the database holds about id: the records naming it
	// and their statements.
	search *IDResult
	// rematch is the matcher's result, again, for the packages the
	// statements name.
	rematch  *match.Result
	enricher *enricher
	layers   map[string]int
}

func explainPackages(ctx context.Context, w io.Writer, db *store.Store, rep *report.Report, id, only string) error {
	id = strings.TrimSpace(id)
	search, err := searchID(ctx, db, id)
	if err != nil {
		return fmt.Errorf("advisory database: %w", err)
	}
	e := &explainer{db: db, rep: rep, id: id, search: search, enricher: newEnricher(db), layers: map[string]int{}}
	for i, l := range rep.Layers {
		e.layers[l.DiffID] = i
	}
	e.header(w)

	pkgs := e.candidates(only)
	if e.rematch, err = rematch(ctx, db, rep.Target.OS, pkgs); err != nil {
		return err
	}
	if len(pkgs) == 0 && !e.anyInReport(only) {
		fmt.Fprintf(w, "\nNo package of %s is named in a statement about %s.\n", or(rep.Target.Ref, "the report"), id)
		return nil
	}
	shown := map[string]bool{}
	for _, v := range rep.Vulnerabilities {
		if named(id, v.ID, v.Aliases) && (only == "" || v.PackageName == only) {
			p := e.packageOf(v.PackageType, v.PackageName, v.InstalledVersion, v.PURL)
			e.reported(w, v, p)
			shown[pkgKey(v.PackageType, v.PackageName, v.InstalledVersion)] = true
		}
	}
	for _, ig := range rep.Ignored {
		k := pkgKey(ig.PackageType, ig.PackageName, ig.InstalledVersion)
		if named(id, ig.ID, ig.Aliases) && (only == "" || ig.PackageName == only) && !shown[k] {
			e.ignored(w, ig, e.packageOf(ig.PackageType, ig.PackageName, ig.InstalledVersion, ig.PURL))
			shown[k] = true
		}
	}
	for _, p := range pkgs {
		k := pkgKey(p.Type, p.Name, p.Version)
		if shown[k] {
			continue
		}
		shown[k] = true
		if err := e.notReported(ctx, w, p); err != nil {
			return err
		}
	}
	return nil
}

// header prints the advisory records that name the id, and NVD, KEV and
// EPSS for a CVE.
func (e *explainer) header(w io.Writer) {
	s := e.search
	if len(s.Records) == 0 && s.Enrichment == nil {
		fmt.Fprintf(w, "%s: the advisory database has no record with this ID or alias\n", e.id)
		return
	}
	fmt.Fprintf(w, "%s: %s in the advisory database\n", e.id, countNoun(len(s.Records), "record", "records"))
	for _, r := range s.Records {
		v := r.Vulnerability
		line := fmt.Sprintf("  %s %s", v.Source, v.ID)
		if r.NamedAs != "id" {
			line += " (names it as " + map[string]string{"alias": "an alias", "related": "related"}[r.NamedAs] + ")"
		}
		if t := or(v.Summary, v.Details); t != "" {
			line += ": " + oneLine(t, 140)
		}
		fmt.Fprintln(w, line)
		if len(v.Aliases) > 0 {
			fmt.Fprintf(w, "    aliases: %s\n", strings.Join(v.Aliases, ", "))
		}
		if !v.Withdrawn.IsZero() {
			fmt.Fprintf(w, "    withdrawn %s\n", v.Withdrawn.UTC().Format(time.DateOnly))
		}
	}
	writeEnrichment(w, s.Enrichment)
}

// candidates are the report's packages that some statement about the id
// names (by source or binary name), in report order.
func (e *explainer) candidates(only string) []*inventory.Package {
	names := map[string]bool{}
	for _, r := range e.search.Records {
		for _, st := range r.Statements {
			names[normName(st.Package)] = true
		}
	}
	var out []*inventory.Package
	for _, p := range e.rep.Packages {
		if only != "" && p.Name != only {
			continue
		}
		if names[normName(p.Name)] || (p.SourceName != "" && names[normName(p.SourceName)]) || names[normName(langPackageName(p))] {
			out = append(out, p)
		}
	}
	return out
}

func (e *explainer) anyInReport(only string) bool {
	for _, v := range e.rep.Vulnerabilities {
		if named(e.id, v.ID, v.Aliases) && (only == "" || v.PackageName == only) {
			return true
		}
	}
	for _, ig := range e.rep.Ignored {
		if named(e.id, ig.ID, ig.Aliases) && (only == "" || ig.PackageName == only) {
			return true
		}
	}
	return false
}

// rematch runs the matcher again on the packages.
func rematch(ctx context.Context, db *store.Store, d *inventory.Distro, pkgs []*inventory.Package) (*match.Result, error) {
	res := &match.Result{}
	if len(pkgs) == 0 {
		return res, nil
	}
	if d != nil {
		r, err := match.Distro(ctx, db, d, pkgs)
		if err != nil {
			return nil, fmt.Errorf("matching: %w", err)
		}
		res = r
	}
	r, err := match.Language(ctx, db, pkgs)
	if err != nil {
		return nil, fmt.Errorf("matching language packages: %w", err)
	}
	res.Findings = append(res.Findings, r.Findings...)
	res.Unknowns = append(res.Unknowns, r.Unknowns...)
	res.Dismissals = append(res.Dismissals, r.Dismissals...)
	return res, nil
}

func (e *explainer) reported(w io.Writer, v report.Vulnerability, p *inventory.Package) {
	fmt.Fprintf(w, "\n%s in %s %s: %s\n", v.ID, v.PackageName, v.InstalledVersion, verdictReported)
	if len(v.Aliases) > 0 {
		fmt.Fprintf(w, "  aliases:    %s\n", strings.Join(v.Aliases, ", "))
	}
	e.statements(w, v.Namespace, p)
	fmt.Fprintf(w, "  matched:    %s\n", v.Evidence)
	if v.FixedVersion != "" && p != nil {
		fmt.Fprintf(w, "  comparison: %s\n", e.comparison(p, v.InstalledVersion, v.FixedVersion))
	}
	fix := "no fixed version"
	if v.FixedVersion != "" {
		fix = "fixed in " + v.FixedVersion
	}
	fmt.Fprintf(w, "  status:     %s, %s\n", v.Status, fix)
	fmt.Fprintf(w, "  severity:   %s (%s)\n", v.Severity, severityWhy(v))
	if v.KEV {
		fmt.Fprintf(w, "  CISA KEV:   added %s\n", v.KEVDateAdded)
	}
	if v.EPSS != nil {
		fmt.Fprintf(w, "  EPSS:       %.5f (percentile %.5f)\n", v.EPSS.Score, v.EPSS.Percentile)
	}
	if v.New != nil {
		fmt.Fprintf(w, "  baseline:   %s\n", map[bool]string{true: "new: the baseline does not have it", false: "not new: the baseline has it"}[*v.New])
	}
	e.where(w, p, v.Layer, v.CreatedBy, v.Origin, v.DockerfileLine)
	e.otherStatements(w, p, v.ID, v.Aliases)
}

func (e *explainer) ignored(w io.Writer, ig report.Ignored, p *inventory.Package) {
	verdict := verdictIgnored
	if ig.Kind == "vex" {
		verdict = verdictVEX
	}
	fmt.Fprintf(w, "\n%s in %s %s: %s\n", ig.ID, ig.PackageName, ig.InstalledVersion, verdict)
	fmt.Fprintf(w, "  rule:       %s\n", ig.Rule)
	fmt.Fprintf(w, "  reason:     %s\n", ig.Reason)
	if ig.Expires != "" {
		fmt.Fprintf(w, "  expires:    %s\n", ig.Expires)
	}
	if f := e.refinding(p); f != nil {
		fmt.Fprintf(w, "  otherwise:  reported as %s, %s (%s)\n", f.Status, or(fixedIn(f.FixedVersion), "no fixed version"), f.Evidence)
	}
	if p != nil {
		e.where(w, p, p.Layer, p.CreatedBy, "", nil)
	}
}

// notReported explains a package the statements name that the report
// neither lists nor ignores.
func (e *explainer) notReported(ctx context.Context, w io.Writer, p *inventory.Package) error {
	head := func(verdict string) {
		fmt.Fprintf(w, "\n%s in %s %s: %s\n", e.id, p.Name, p.Version, verdict)
	}
	if f := e.refinding(p); f != nil {
		v := findingToReport(*f)
		vs := []report.Vulnerability{v}
		if err := e.enricher.enrich(ctx, vs); err != nil {
			return err
		}
		v = vs[0]
		head(verdictFiltered)
		fmt.Fprintf(w, "  why:        %s\n", e.filterReason(v))
		fmt.Fprintf(w, "  matched:    %s: %s, %s, severity %s\n", v.ID, v.Status, or(fixedIn(v.FixedVersion), "no fixed version"), v.Severity)
		fmt.Fprintf(w, "  evidence:   %s\n", v.Evidence)
		e.where(w, p, p.Layer, p.CreatedBy, "", nil)
		return nil
	}
	for _, u := range e.rematch.Unknowns {
		if u.Package == p && u.VulnID != "" && e.recordNamed(u.VulnID) {
			head(verdictUndecided)
			fmt.Fprintf(w, "  why:        %s\n", u.Reason)
			e.where(w, p, p.Layer, p.CreatedBy, "", nil)
			return nil
		}
	}
	var ds []match.Dismissal
	for _, d := range e.rematch.Dismissals {
		if d.Package == p && e.dismissalNamed(d) {
			ds = append(ds, d)
		}
	}
	if len(ds) == 0 {
		ns := e.namespacesFor(p)
		head(verdictElsewhere)
		fmt.Fprintf(w, "  why:        the statements about %s are for %s; this scan reads %s\n",
			or(p.SourceName, p.Name), strings.Join(ns, ", "), or(e.readNamespace(p), "no namespace (release unknown)"))
		return nil
	}
	head(dismissalVerdict(ds))
	for _, d := range ds {
		fmt.Fprintf(w, "  statement:  %s: %s\n", d.VulnID, e.dismissalWhy(d, p))
		fmt.Fprintf(w, "  evidence:   %s\n", d.Evidence)
		if d.Fixed != "" {
			fmt.Fprintf(w, "  comparison: %s\n", e.comparison(p, installedFor(p), d.Fixed))
		}
	}
	e.where(w, p, p.Layer, p.CreatedBy, "", nil)
	return nil
}

// dismissalVerdict names the strongest reason among a package's
// dismissals: withdrawn, then not affected, then fixed.
func dismissalVerdict(ds []match.Dismissal) string {
	reasons := map[match.DismissReason]bool{}
	for _, d := range ds {
		reasons[d.Reason] = true
	}
	switch {
	case reasons[match.DismissWithdrawn] && len(reasons) == 1:
		return verdictWithdrawn
	case reasons[match.DismissNotAffected] || reasons[match.DismissOutOfRange]:
		if !reasons[match.DismissFixed] {
			return verdictNotAffected
		}
	}
	return verdictFixed
}

func (e *explainer) dismissalWhy(d match.Dismissal, p *inventory.Package) string {
	switch d.Reason {
	case match.DismissFixed:
		if d.Fixed == "" {
			return "the installed version is past the last affected version"
		}
		return fmt.Sprintf("fixed in %s, which the installed version has", d.Fixed)
	case match.DismissNotAffected:
		return fmt.Sprintf("%s in %s is not affected (%s)", or(p.SourceName, p.Name), d.Namespace, d.DataSource)
	case match.DismissOutOfRange:
		return "the installed version is outside the affected versions"
	case match.DismissWithdrawn:
		for _, r := range e.search.Records {
			if r.Vulnerability.ID == d.VulnID && !r.Vulnerability.Withdrawn.IsZero() {
				return "the record was withdrawn on " + r.Vulnerability.Withdrawn.UTC().Format(time.DateOnly)
			}
		}
		return "the record was withdrawn"
	}
	return string(d.Reason)
}

// filterReason says which setting left a finding out of the report.
func (e *explainer) filterReason(v report.Vulnerability) string {
	pol := e.rep.Policy
	if pol == nil {
		return "the matcher reports it, but the report does not say which filters it was made with (--severity, --ignore-unfixed)"
	}
	if pol.IgnoreUnfixed && v.FixedVersion == "" {
		return "--ignore-unfixed: it has no fixed version"
	}
	if len(pol.Severities) > 0 && !slices.ContainsFunc(pol.Severities, func(s string) bool { return strings.EqualFold(s, v.Severity) }) {
		return fmt.Sprintf("--severity %s: its severity is %s", strings.Join(pol.Severities, ","), v.Severity)
	}
	built := ""
	if e.rep.Database != nil {
		built = " (built " + e.rep.Database.Built.UTC().Format(time.RFC3339) + ")"
	}
	return "the matcher reports it with this database, but the report was made without it: another advisory database" + built + " or lading version"
}

// statements prints the statements about the package in namespace ns
// from the records that name the vulnerability.
func (e *explainer) statements(w io.Writer, ns string, p *inventory.Package) {
	for _, r := range e.search.Records {
		for _, st := range r.Statements {
			if ns != "" && !strings.EqualFold(st.Namespace, ns) {
				continue
			}
			if p != nil && !packageNamed(p, st.Package) {
				continue
			}
			fmt.Fprintf(w, "  statement:  %s\n", describeStatement(st))
		}
	}
}

// otherStatements lists what the statements that did not report the
// package said (a DSA saying fixed beside a tracker entry saying open).
func (e *explainer) otherStatements(w io.Writer, p *inventory.Package, id string, aliases []string) {
	if p == nil {
		return
	}
	for _, d := range e.rematch.Dismissals {
		if d.Package == p && (d.Is(id) || slices.ContainsFunc(aliases, d.Is)) {
			fmt.Fprintf(w, "  also:       %s: %s (%s)\n", d.VulnID, e.dismissalWhy(d, p), d.Evidence)
		}
	}
}

// where prints the package's file, layer, instruction and origin.
func (e *explainer) where(w io.Writer, p *inventory.Package, layer, createdBy, origin string, line *int) {
	if p != nil {
		for _, l := range p.Locations {
			fmt.Fprintf(w, "  file:       %s%s\n", l.Path, e.layerRef(l.Layer, " in layer "))
		}
	}
	if layer != "" {
		fmt.Fprintf(w, "  layer:      %s\n", strings.TrimPrefix(e.layerRef(layer, ""), " "))
		if createdBy != "" {
			fmt.Fprintf(w, "  created by: %s\n", oneLine(createdBy, 160))
		}
	}
	if origin == "" && layer != "" {
		origin = e.originOf(layer)
	}
	if origin != "" {
		line := origin
		if b := e.rep.BaseImage; b != nil {
			line += fmt.Sprintf(" (base image: %s, told by %s: %s)", layerSpan(b.Layers), b.Method, b.Evidence)
		}
		fmt.Fprintf(w, "  origin:     %s\n", line)
	}
	if line != nil {
		df := "the Dockerfile"
		if e.rep.BaseImage != nil && e.rep.BaseImage.Dockerfile != "" {
			df = e.rep.BaseImage.Dockerfile
		}
		fmt.Fprintf(w, "  dockerfile: %s line %d\n", df, *line)
	}
}

func (e *explainer) layerRef(diffID, prefix string) string {
	if diffID == "" {
		return ""
	}
	if i, ok := e.layers[diffID]; ok {
		return fmt.Sprintf("%s%d of %d (%s)", prefix, i+1, len(e.rep.Layers), diffID)
	}
	return prefix + diffID
}

func (e *explainer) originOf(layer string) string {
	b := e.rep.BaseImage
	i, ok := e.layers[layer]
	if b == nil || !ok || b.Method == "none" {
		return ""
	}
	if i < b.Layers {
		return report.OriginBase
	}
	return report.OriginOwn
}

// comparison compares the installed version with a fixed version in the
// package manager's order.
func (e *explainer) comparison(p *inventory.Package, installed, fixed string) string {
	family := ""
	if e.rep.Target.OS != nil {
		family = e.rep.Target.OS.Family
	}
	what := "installed"
	if p.Type == inventory.TypeDeb && p.SourceVersion != "" {
		installed, what = p.SourceVersion, "installed source version"
	}
	order := match.OrderName(p.Type, family)
	c, err := match.CompareVersions(p.Type, family, installed, fixed)
	if err != nil {
		return fmt.Sprintf("%s %s vs fixed %s: not comparable (%v)", what, installed, fixed, err)
	}
	rel, verdict := "<", "lacks the fix"
	switch {
	case c == 0:
		rel, verdict = "=", "has the fix"
	case c > 0:
		rel, verdict = ">", "has the fix"
	}
	return fmt.Sprintf("%s %s %s fixed %s in %s order: the package %s", what, installed, rel, fixed, order, verdict)
}

func (e *explainer) refinding(p *inventory.Package) *match.Finding {
	if p == nil || e.rematch == nil {
		return nil
	}
	for i, f := range e.rematch.Findings {
		if f.Package == p && named(e.id, f.ID, f.Aliases) {
			return &e.rematch.Findings[i]
		}
	}
	return nil
}

// recordNamed reports whether a record ID is one of the records naming
// the explained id.
func (e *explainer) recordNamed(id string) bool {
	if strings.EqualFold(id, e.id) {
		return true
	}
	for _, r := range e.search.Records {
		if r.Vulnerability.ID == id {
			return true
		}
	}
	return false
}

func (e *explainer) dismissalNamed(d match.Dismissal) bool {
	return d.Is(e.id) || e.recordNamed(d.VulnID)
}

// namespacesFor lists the namespaces of the statements naming p.
func (e *explainer) namespacesFor(p *inventory.Package) []string {
	var out []string
	for _, r := range e.search.Records {
		for _, st := range r.Statements {
			if packageNamed(p, st.Package) && !slices.Contains(out, st.Namespace) {
				out = append(out, st.Namespace)
			}
		}
	}
	slices.Sort(out)
	return out
}

// readNamespace is the namespace the matcher reads for p.
func (e *explainer) readNamespace(p *inventory.Package) string {
	switch p.Type {
	case inventory.TypeDeb, inventory.TypeAPK, inventory.TypeRPM:
		if d := e.rep.Target.OS; d != nil {
			return distroNamespace(*d)
		}
		return ""
	}
	return p.Type + " ecosystem"
}

// packageOf finds a finding's package in the report.
func (e *explainer) packageOf(typ, name, version, purl string) *inventory.Package {
	for _, p := range e.rep.Packages {
		if purl != "" && p.PURL == purl {
			return p
		}
	}
	for _, p := range e.rep.Packages {
		if p.Type == typ && p.Name == name && (p.Version == version || strings.HasSuffix(version, p.Version)) {
			return p
		}
	}
	return nil
}

func describeStatement(st advisory.Affected) string {
	out := st.Source + " " + st.Namespace + " " + st.Package + " (" + st.VulnID + "): " + string(st.Status)
	if st.Fixed != "" {
		out += " in " + st.Fixed
	}
	if r := ranges(st); r != "-" {
		out += ", " + r
	}
	return out
}

func severityWhy(v report.Vulnerability) string {
	for _, s := range v.SeveritySources {
		if s.ID == "" && s.Severity == v.Severity {
			return "the rating of " + s.Source
		}
	}
	if v.CVSS != nil && v.Severity != advisory.SeverityUnknown {
		return fmt.Sprintf("no rating from %s; NVD's CVSS %s %.1f for %s", v.DataSource, v.CVSS.Version, v.CVSS.Score, v.CVSS.CVE)
	}
	return fmt.Sprintf("no rating from %s, and none from NVD", v.DataSource)
}

func installedFor(p *inventory.Package) string {
	if p.Type == inventory.TypeDeb && p.SourceVersion != "" {
		return p.SourceVersion
	}
	return p.Version
}

func fixedIn(v string) string {
	if v == "" {
		return ""
	}
	return "fixed in " + v
}

// named reports whether q is id or one of aliases, case-insensitively.
func named(q, id string, aliases []string) bool {
	if strings.EqualFold(q, id) {
		return true
	}
	return slices.ContainsFunc(aliases, func(a string) bool { return strings.EqualFold(q, a) })
}

func packageNamed(p *inventory.Package, name string) bool {
	n := normName(name)
	return n == normName(p.Name) || (p.SourceName != "" && n == normName(p.SourceName)) || n == normName(langPackageName(p))
}

// langPackageName is a language package's name with its purl namespace
// ("@babel/core", "org.apache:log4j" style names are compared whole).
func langPackageName(p *inventory.Package) string {
	if p.PURL == "" {
		return p.Name
	}
	rest, ok := strings.CutPrefix(p.PURL, "pkg:"+p.Type+"/")
	if !ok {
		return p.Name
	}
	if i := strings.IndexAny(rest, "@?#"); i >= 0 {
		rest = rest[:i]
	}
	if ns, name, ok := strings.Cut(rest, "/"); ok && !strings.Contains(name, "/") {
		sep := "/"
		if p.Type == "maven" {
			sep = ":"
		}
		return ns + sep + name
	}
	return p.Name
}

// normName compares package names loosely: lower case, with runs of "-",
// "_" and "." as one "-" (PyPI's rule; harmless elsewhere, since the
// names come from the same package's statements).
func normName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	var b strings.Builder
	sep := false
	for _, r := range s {
		if r == '-' || r == '_' || r == '.' {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		b.WriteRune(r)
	}
	return b.String()
}

// layerSpan names the lowest n layers: "layer 1", "layers 1-3", "no layers".
func layerSpan(n int) string {
	switch n {
	case 0:
		return "no layers"
	case 1:
		return "layer 1"
	}
	return fmt.Sprintf("layers 1-%d", n)
}

func pkgKey(typ, name, version string) string { return typ + "\x00" + name + "\x00" + version }

func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
