// Package cyclonedx writes a lading report as a CycloneDX 1.6 JSON BOM, and
// reads CycloneDX JSON BOMs that other tools wrote back into lading's
// inventory.
//
// The BOM's metadata names lading and the target (a container for an
// image); the operating system is an operating-system component, every
// package a library component with its purl as bom-ref and lading's facts
// the purl lacks (source package, layer diff ID, history instruction, the
// files that list it) as "lading:" properties (see report/sbom). The target
// depends on the OS and the language packages, the OS on its packages.
//
// Findings become the BOM's vulnerabilities, VEX style: findings that share
// an ID, status, fixed version, severity and data source are one entry
// whose affects name each package's bom-ref with its installed version
// ("affected") and the fixed version ("unaffected"); the analysis state is
// "exploitable" (the package is affected), or "in_triage" when the
// distribution has not decided, with the response "update" when a fix
// exists, "will_not_fix" or "can_not_fix" (end of life) when the
// distribution says so.
package cyclonedx

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/report/internal/view"
	"github.com/lading-dev/lading/report/sbom"
)

// SchemaURI is the schema a 1.6 BOM names.
const SchemaURI = "http://cyclonedx.org/schema/bom-1.6.schema.json"

// Bom-refs of the target and the operating system.
const (
	TargetRef = "lading:target"
	osRefPre  = "lading:os:"
)

// Write writes r as a CycloneDX 1.6 JSON BOM.
func Write(w io.Writer, r *report.Report) error {
	return cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).
		EncodeVersion(Build(r), cdx.SpecVersion1_6)
}

// Build turns r into a BOM.
func Build(r *report.Report) *cdx.BOM {
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	bom.JSONSchema = SchemaURI
	bom.SerialNumber = "urn:uuid:" + sbom.NewUUID()
	generated := r.Generated
	if generated.IsZero() {
		generated = time.Now()
	}
	version := r.Lading
	if version == "" {
		version = "dev"
	}
	target := targetComponent(r)
	bom.Metadata = &cdx.Metadata{
		Timestamp: generated.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: "lading", Version: version,
			ExternalReferences: &[]cdx.ExternalReference{{Type: cdx.ERTypeWebsite, URL: "https://github.com/lading-dev/lading"}},
		}}},
		Component: &target,
	}

	var comps []cdx.Component
	var topDeps, osDeps []string
	osRef := ""
	if d := r.Target.OS; d != nil && d.Family != "" {
		osRef = osRefPre + d.Family + "@" + d.Version
		c := cdx.Component{BOMRef: osRef, Type: cdx.ComponentTypeOS, Name: d.Family, Version: d.Version, Description: d.Name}
		if d.Codename != "" {
			c.Properties = &[]cdx.Property{{Name: sbom.PropOSCodename, Value: d.Codename}}
		}
		comps = append(comps, c)
		topDeps = append(topDeps, osRef)
	}
	refs := map[*inventory.Package]string{}
	used := map[string]bool{TargetRef: true, osRef: true}
	for i, p := range r.Packages {
		if p == nil {
			continue
		}
		ref := p.PURL
		if ref == "" {
			ref = fmt.Sprintf("lading:package:%d", i)
		}
		for n := 2; used[ref]; n++ {
			ref = fmt.Sprintf("%s#%d", p.PURL, n)
		}
		used[ref] = true
		refs[p] = ref
		comps = append(comps, packageComponent(p, ref))
		if osRef != "" && isOS(p.Type) {
			osDeps = append(osDeps, ref)
		} else {
			topDeps = append(topDeps, ref)
		}
	}
	bom.Components = &comps
	deps := []cdx.Dependency{{Ref: TargetRef, Dependencies: &topDeps}}
	if osRef != "" {
		deps = append(deps, cdx.Dependency{Ref: osRef, Dependencies: &osDeps})
	}
	bom.Dependencies = &deps
	if len(r.Vulnerabilities) > 0 {
		vulns := vulnerabilities(r, refs)
		bom.Vulnerabilities = &vulns
	}
	return bom
}

func isOS(t string) bool {
	return t == inventory.TypeDeb || t == inventory.TypeAPK || t == inventory.TypeRPM
}

func targetComponent(r *report.Report) cdx.Component {
	t := r.Target
	name := t.Name
	if name == "" {
		name = t.Ref
	}
	c := cdx.Component{BOMRef: TargetRef, Type: cdx.ComponentTypeContainer, Name: name}
	if t.Kind == "dir" {
		c.Type = cdx.ComponentTypeApplication
	}
	if t.Digest != "" {
		c.Version = t.Digest
	} else if t.ImageID != "" {
		c.Version = t.ImageID
	}
	if props := toProps(sbom.TargetProperties(r)); len(props) > 0 {
		c.Properties = &props
	}
	return c
}

func packageComponent(p *inventory.Package, ref string) cdx.Component {
	c := cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeLibrary, Name: p.Name, Version: p.Version, PackageURL: p.PURL}
	if len(p.Licenses) > 0 {
		lic := make(cdx.Licenses, 0, len(p.Licenses))
		for _, l := range p.Licenses {
			lic = append(lic, cdx.LicenseChoice{License: &cdx.License{Name: l}})
		}
		c.Licenses = &lic
	}
	if props := toProps(sbom.PackageProperties(p)); len(props) > 0 {
		c.Properties = &props
	}
	return c
}

func toProps(ps []sbom.Property) []cdx.Property {
	out := make([]cdx.Property, 0, len(ps))
	for _, p := range ps {
		out = append(out, cdx.Property{Name: p.Name, Value: p.Value})
	}
	return out
}

// Severity is the CycloneDX rating of a lading severity.
func Severity(s string) cdx.Severity {
	switch s {
	case "CRITICAL":
		return cdx.SeverityCritical
	case "HIGH":
		return cdx.SeverityHigh
	case "MEDIUM":
		return cdx.SeverityMedium
	case "LOW":
		return cdx.SeverityLow
	case "NEGLIGIBLE":
		return cdx.SeverityInfo
	}
	return cdx.SeverityUnknown
}

// Analysis is the VEX analysis of a lading status.
func Analysis(status string) (cdx.ImpactAnalysisState, []cdx.ImpactAnalysisResponse) {
	switch status {
	case "fixed":
		return cdx.IASExploitable, []cdx.ImpactAnalysisResponse{cdx.IARUpdate}
	case "will_not_fix":
		return cdx.IASExploitable, []cdx.ImpactAnalysisResponse{cdx.IARWillNotFix}
	case "end_of_life":
		return cdx.IASExploitable, []cdx.ImpactAnalysisResponse{cdx.IARCanNotFix}
	case "undetermined":
		return cdx.IASInTriage, nil
	}
	return cdx.IASExploitable, nil
}

func vulnerabilities(r *report.Report, refs map[*inventory.Package]string) []cdx.Vulnerability {
	pkgs := view.NewPackages(r)
	type group struct {
		v    report.Vulnerability
		refs []string
		vs   []report.Vulnerability
	}
	var order []string
	groups := map[string]*group{}
	for _, v := range r.Vulnerabilities {
		key := strings.Join([]string{v.ID, v.Status, v.FixedVersion, v.Severity, v.DataSource}, "\x00")
		g := groups[key]
		if g == nil {
			g = &group{v: v}
			groups[key] = g
			order = append(order, key)
		}
		ref := v.PURL
		if p := pkgs.For(v); p != nil && refs[p] != "" {
			ref = refs[p]
		}
		g.refs = append(g.refs, ref)
		g.vs = append(g.vs, v)
	}
	sort.SliceStable(order, func(i, j int) bool { return groups[order[i]].v.ID < groups[order[j]].v.ID })
	seenID := map[string]int{}
	out := make([]cdx.Vulnerability, 0, len(order))
	for _, key := range order {
		g := groups[key]
		v := g.v
		seenID[v.ID]++
		ref := "lading:vulnerability:" + v.ID
		if n := seenID[v.ID]; n > 1 {
			ref += fmt.Sprintf("#%d", n)
		}
		cv := cdx.Vulnerability{
			BOMRef:      ref,
			ID:          v.ID,
			Source:      &cdx.Source{Name: v.DataSource, URL: view.AdvisoryURL(v.ID)},
			Description: v.Title,
			Detail:      v.Evidence,
			Advisories:  &[]cdx.Advisory{{URL: view.AdvisoryURL(v.ID)}},
		}
		if len(v.Aliases) > 0 {
			var refs []cdx.VulnerabilityReference
			for _, a := range v.Aliases {
				refs = append(refs, cdx.VulnerabilityReference{ID: a, Source: &cdx.Source{URL: view.AdvisoryURL(a)}})
			}
			cv.References = &refs
		}
		ratings := ratings(v)
		cv.Ratings = &ratings
		var names []string
		affects := make([]cdx.Affects, 0, len(g.refs))
		for i, r := range g.refs {
			versions := []cdx.AffectedVersions{{Version: g.vs[i].InstalledVersion, Status: cdx.VulnerabilityStatusAffected}}
			if v.FixedVersion != "" {
				versions = append(versions, cdx.AffectedVersions{Version: v.FixedVersion, Status: cdx.VulnerabilityStatusNotAffected})
			}
			affects = append(affects, cdx.Affects{Ref: r, Range: &versions})
			names = append(names, g.vs[i].PackageName)
		}
		cv.Affects = &affects
		if v.FixedVersion != "" {
			cv.Recommendation = fmt.Sprintf("Upgrade %s to %s.", strings.Join(names, ", "), v.FixedVersion)
		}
		state, resp := Analysis(v.Status)
		cv.Analysis = &cdx.VulnerabilityAnalysis{State: state, Detail: fmt.Sprintf("%s: status %s according to %s", v.ID, v.Status, v.DataSource)}
		if len(resp) > 0 {
			cv.Analysis.Response = &resp
		}
		props := []cdx.Property{{Name: "lading:status", Value: v.Status}, {Name: "lading:severity", Value: view.Severity(v.Severity)}}
		if v.FixedVersion != "" {
			props = append(props, cdx.Property{Name: "lading:fixed_version", Value: v.FixedVersion})
		}
		if v.Namespace != "" {
			props = append(props, cdx.Property{Name: "lading:namespace", Value: v.Namespace})
		}
		if v.KEV {
			props = append(props, cdx.Property{Name: "lading:kev", Value: "true"})
		}
		if v.EPSS != nil {
			props = append(props, cdx.Property{Name: "lading:epss:score", Value: fmt.Sprintf("%g", v.EPSS.Score)})
		}
		cv.Properties = &props
		out = append(out, cv)
	}
	return out
}

func ratings(v report.Vulnerability) []cdx.VulnerabilityRating {
	var out []cdx.VulnerabilityRating
	for _, s := range v.SeveritySources {
		if strings.HasPrefix(s.Source, "nvd") && v.CVSS != nil {
			continue // the CVSS rating below says it with its score
		}
		out = append(out, cdx.VulnerabilityRating{Source: &cdx.Source{Name: s.Source}, Severity: Severity(s.Severity), Method: cdx.ScoringMethodOther})
	}
	if len(out) == 0 {
		out = append(out, cdx.VulnerabilityRating{Source: &cdx.Source{Name: v.DataSource}, Severity: Severity(v.Severity), Method: cdx.ScoringMethodOther})
	}
	if c := v.CVSS; c != nil {
		score := c.Score
		rt := cdx.VulnerabilityRating{Source: &cdx.Source{Name: c.Source}, Score: &score, Vector: c.Vector}
		switch {
		case strings.HasPrefix(c.Version, "4"):
			rt.Method = cdx.ScoringMethodCVSSv4
		case c.Version == "3.1":
			rt.Method = cdx.ScoringMethodCVSSv31
		case strings.HasPrefix(c.Version, "3"):
			rt.Method = cdx.ScoringMethodCVSSv3
		case strings.HasPrefix(c.Version, "2"):
			rt.Method = cdx.ScoringMethodCVSSv2
		default:
			rt.Method = cdx.ScoringMethodOther
		}
		out = append(out, rt)
	}
	return out
}

// Read reads a CycloneDX JSON BOM into an inventory (see report/sbom for
// how components become packages).
func Read(data []byte) (*sbom.Inventory, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, fmt.Errorf("reading CycloneDX BOM: %w", err)
	}
	if bom.BOMFormat != cdx.BOMFormat {
		return nil, fmt.Errorf("not a CycloneDX BOM (bomFormat %q)", bom.BOMFormat)
	}
	inv := sbom.New("CycloneDX " + bom.SpecVersion.String())
	if m := bom.Metadata; m != nil && m.Component != nil {
		c := m.Component
		name := c.Name
		if c.Group != "" {
			name = c.Group + "/" + name
		}
		inv.SetTarget(name, fromProps(c.Properties))
		if inv.Digest == "" && strings.HasPrefix(c.Version, "sha256:") {
			inv.Digest = c.Version
		}
		if c.Type == cdx.ComponentTypeOS {
			inv.SetOS(c.Name, c.Version, c.Description, prop(c.Properties, sbom.PropOSCodename))
		}
		if c.Components != nil {
			walk(inv, *c.Components)
		}
	}
	if bom.Components != nil {
		walk(inv, *bom.Components)
	}
	inv.Finish()
	return inv, nil
}

func walk(inv *sbom.Inventory, comps []cdx.Component) {
	for _, c := range comps {
		if c.Type == cdx.ComponentTypeOS {
			inv.SetOS(c.Name, c.Version, c.Description, prop(c.Properties, sbom.PropOSCodename))
		} else if c.PackageURL != "" || c.Type == cdx.ComponentTypeLibrary || c.Type == cdx.ComponentTypeFramework || c.Type == cdx.ComponentTypeApplication {
			sc := sbom.Component{Name: c.Name, Version: c.Version, PURL: c.PackageURL, Properties: fromProps(c.Properties)}
			if c.Licenses != nil {
				for _, l := range *c.Licenses {
					switch {
					case l.License != nil && l.License.ID != "":
						sc.Licenses = append(sc.Licenses, l.License.ID)
					case l.License != nil && l.License.Name != "":
						sc.Licenses = append(sc.Licenses, l.License.Name)
					case l.Expression != "":
						sc.Licenses = append(sc.Licenses, l.Expression)
					}
				}
			}
			inv.Add(sc)
		}
		if c.Components != nil {
			walk(inv, *c.Components)
		}
	}
}

func fromProps(ps *[]cdx.Property) []sbom.Property {
	if ps == nil {
		return nil
	}
	out := make([]sbom.Property, 0, len(*ps))
	for _, p := range *ps {
		out = append(out, sbom.Property{Name: p.Name, Value: p.Value})
	}
	return out
}

func prop(ps *[]cdx.Property, name string) string {
	if ps == nil {
		return ""
	}
	for _, p := range *ps {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}
