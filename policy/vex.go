package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
)

// VEX formats.
const (
	FormatOpenVEX   = "OpenVEX"
	FormatCycloneDX = "CycloneDX"
)

// VEX statuses, as OpenVEX names them; CycloneDX analysis states are
// mapped onto them (not_affected and false_positive are not_affected,
// resolved and resolved_with_pedigree are fixed, exploitable is affected,
// in_triage is under_investigation).
const (
	VEXNotAffected        = "not_affected"
	VEXFixed              = "fixed"
	VEXAffected           = "affected"
	VEXUnderInvestigation = "under_investigation"
)

// VEXDocument is one VEX document's statements.
type VEXDocument struct {
	Path   string
	Format string
	// Statements are in the order they take effect: a later statement
	// about the same vulnerability and product replaces an earlier one.
	Statements []VEXStatement
}

// VEXStatement says what one vulnerability means for some products.
type VEXStatement struct {
	// Index is the statement's 1-based position in the document
	// (OpenVEX statements[], CycloneDX vulnerabilities[]).
	Index int
	// Names are the vulnerability's name and aliases.
	Names []string
	// Products are the package URLs the statement is about. Image are the
	// images (pkg:oci, pkg:docker) a statement names as products, with
	// the packages in them as subcomponents (in Products).
	Products []string
	Images   []string
	// AllOfImage is set when an image product has no subcomponents: the
	// statement covers every package of that image.
	AllOfImage bool
	// Versions, when not empty, limits the statement to these installed
	// versions (CycloneDX affects[].versions), each with its own status.
	Versions map[string]string
	// Status is one of the VEX* statuses; State is the document's own word.
	Status, State string
	Justification string
	// Detail is the impact statement or analysis detail.
	Detail    string
	timestamp time.Time
}

// LoadVEX reads a VEX document, OpenVEX or CycloneDX, told apart by
// content.
func LoadVEX(path string) (*VEXDocument, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--vex: %w", err)
	}
	return ParseVEX(path, data)
}

// ParseVEX parses a VEX document's content; name is used in messages.
func ParseVEX(name string, data []byte) (*VEXDocument, error) {
	var probe struct {
		Context   any    `json:"@context"`
		BOMFormat string `json:"bomFormat"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("VEX document %s: not JSON: %w", name, err)
	}
	var doc *VEXDocument
	var err error
	switch {
	case strings.Contains(fmt.Sprint(probe.Context), "openvex"):
		doc, err = parseOpenVEX(data)
	case probe.BOMFormat == "CycloneDX":
		doc, err = parseCycloneDX(data)
	default:
		return nil, fmt.Errorf("VEX document %s: neither OpenVEX (an @context naming openvex) nor CycloneDX (bomFormat CycloneDX)", name)
	}
	if err != nil {
		return nil, fmt.Errorf("VEX document %s: %w", name, err)
	}
	doc.Path = name
	return doc, nil
}

// sortByTime puts the statements in the order they take effect: by
// timestamp, document order among equals.
func (d *VEXDocument) sortByTime() {
	sort.SliceStable(d.Statements, func(i, j int) bool {
		return d.Statements[i].timestamp.Before(d.Statements[j].timestamp)
	})
}

// OpenVEX, https://github.com/openvex/spec: statements name a
// vulnerability (a string in v0.0.1, an object with name and aliases
// later) and products (strings, or objects with @id, identifiers.purl and
// subcomponents).
type openVEX struct {
	Timestamp  string `json:"timestamp"`
	Statements []struct {
		Vulnerability   json.RawMessage   `json:"vulnerability"`
		Products        []json.RawMessage `json:"products"`
		Subcomponents   []json.RawMessage `json:"subcomponents"`
		Status          string            `json:"status"`
		Justification   string            `json:"justification"`
		ImpactStatement string            `json:"impact_statement"`
		StatusNotes     string            `json:"status_notes"`
		Timestamp       string            `json:"timestamp"`
		LastUpdated     string            `json:"last_updated"`
	} `json:"statements"`
}

type openVEXComponent struct {
	ID          string `json:"@id"`
	Identifiers struct {
		PURL string `json:"purl"`
	} `json:"identifiers"`
	Subcomponents []json.RawMessage `json:"subcomponents"`
}

func parseOpenVEX(data []byte) (*VEXDocument, error) {
	var d openVEX
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	doc := &VEXDocument{Format: FormatOpenVEX}
	docTime := parseTimestamp(d.Timestamp)
	for i, s := range d.Statements {
		st := VEXStatement{Index: i + 1, State: s.Status, Justification: s.Justification,
			Detail: firstOf(s.ImpactStatement, s.StatusNotes), timestamp: docTime}
		switch s.Status {
		case VEXNotAffected, VEXFixed, VEXAffected, VEXUnderInvestigation:
			st.Status = s.Status
		default:
			return nil, fmt.Errorf("statement %d: unknown status %q", i+1, s.Status)
		}
		if t := parseTimestamp(firstOf(s.LastUpdated, s.Timestamp)); !t.IsZero() {
			st.timestamp = t
		}
		names, err := openVEXNames(s.Vulnerability)
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", i+1, err)
		}
		st.Names = names
		// v0.0.1 put subcomponents beside the products.
		shared, err := componentIDs(s.Subcomponents)
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", i+1, err)
		}
		for _, raw := range s.Products {
			c, err := openVEXProduct(raw)
			if err != nil {
				return nil, fmt.Errorf("statement %d: %w", i+1, err)
			}
			subs, err := componentIDs(c.Subcomponents)
			if err != nil {
				return nil, fmt.Errorf("statement %d: %w", i+1, err)
			}
			subs = append(subs, shared...)
			for _, id := range []string{c.ID, c.Identifiers.PURL} {
				switch {
				case !strings.HasPrefix(id, "pkg:"):
				case isImagePURL(id):
					st.Images = append(st.Images, id)
					if len(subs) == 0 {
						st.AllOfImage = true
					}
				case len(subs) == 0:
					st.Products = append(st.Products, id)
				}
			}
			st.Products = append(st.Products, subs...)
		}
		if len(st.Names) == 0 || (len(st.Products) == 0 && !st.AllOfImage) {
			return nil, fmt.Errorf("statement %d names no vulnerability or no product by package URL", i+1)
		}
		doc.Statements = append(doc.Statements, st)
	}
	doc.sortByTime()
	return doc, nil
}

func openVEXNames(raw json.RawMessage) ([]string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return nonEmpty(lastSegment(s)), nil
	}
	var v struct {
		ID      string   `json:"@id"`
		Name    string   `json:"name"`
		Aliases []string `json:"aliases"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, errors.New("vulnerability is neither a name nor an object")
	}
	return nonEmpty(append([]string{v.Name, lastSegment(v.ID)}, v.Aliases...)...), nil
}

func openVEXProduct(raw json.RawMessage) (openVEXComponent, error) {
	var c openVEXComponent
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		c.ID = s
		return c, nil
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, errors.New("a product is neither a string nor an object")
	}
	return c, nil
}

// componentIDs returns the package URLs of subcomponents.
func componentIDs(raws []json.RawMessage) ([]string, error) {
	var out []string
	for _, raw := range raws {
		c, err := openVEXProduct(raw)
		if err != nil {
			return nil, err
		}
		for _, id := range []string{c.ID, c.Identifiers.PURL} {
			if strings.HasPrefix(id, "pkg:") {
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// CycloneDX VEX (a BOM with vulnerabilities; specification 1.4 on):
// vulnerabilities[].analysis.state and affects[].ref, a bom-ref of a
// component (in this BOM, or a BOM-Link into another) or a package URL.
type cdxComponent struct {
	BOMRef     string         `json:"bom-ref"`
	PURL       string         `json:"purl"`
	Components []cdxComponent `json:"components"`
}

type cycloneDX struct {
	Metadata struct {
		Timestamp string        `json:"timestamp"`
		Component *cdxComponent `json:"component"`
	} `json:"metadata"`
	Components      []cdxComponent `json:"components"`
	Vulnerabilities []struct {
		ID         string `json:"id"`
		References []struct {
			ID string `json:"id"`
		} `json:"references"`
		Analysis *struct {
			State         string `json:"state"`
			Justification string `json:"justification"`
			Detail        string `json:"detail"`
			LastUpdated   string `json:"lastUpdated"`
		} `json:"analysis"`
		Affects []struct {
			Ref      string `json:"ref"`
			Versions []struct {
				Version string `json:"version"`
				Range   string `json:"range"`
				Status  string `json:"status"`
			} `json:"versions"`
		} `json:"affects"`
	} `json:"vulnerabilities"`
}

var cdxStates = map[string]string{
	"not_affected": VEXNotAffected, "false_positive": VEXNotAffected,
	"resolved": VEXFixed, "resolved_with_pedigree": VEXFixed,
	"exploitable": VEXAffected, "in_triage": VEXUnderInvestigation,
}

func parseCycloneDX(data []byte) (*VEXDocument, error) {
	var b cycloneDX
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, err
	}
	refs := map[string]string{}
	var index func([]cdxComponent)
	index = func(cs []cdxComponent) {
		for _, c := range cs {
			if c.BOMRef != "" && c.PURL != "" {
				refs[c.BOMRef] = c.PURL
			}
			index(c.Components)
		}
	}
	if c := b.Metadata.Component; c != nil {
		index([]cdxComponent{*c})
	}
	index(b.Components)

	doc := &VEXDocument{Format: FormatCycloneDX}
	docTime := parseTimestamp(b.Metadata.Timestamp)
	for i, v := range b.Vulnerabilities {
		if v.Analysis == nil || v.Analysis.State == "" {
			continue // no analysis: says nothing about exploitability
		}
		st := VEXStatement{Index: i + 1, State: v.Analysis.State, Justification: v.Analysis.Justification,
			Detail: v.Analysis.Detail, timestamp: docTime}
		var ok bool
		if st.Status, ok = cdxStates[v.Analysis.State]; !ok {
			return nil, fmt.Errorf("vulnerability %d: unknown analysis state %q", i+1, v.Analysis.State)
		}
		if t := parseTimestamp(v.Analysis.LastUpdated); !t.IsZero() {
			st.timestamp = t
		}
		st.Names = []string{v.ID}
		for _, r := range v.References {
			st.Names = append(st.Names, r.ID)
		}
		st.Names = nonEmpty(st.Names...)
		for _, a := range v.Affects {
			p := resolveRef(a.Ref, refs)
			if p == "" {
				continue
			}
			if isImagePURL(p) {
				st.Images, st.AllOfImage = append(st.Images, p), true
				continue
			}
			st.Products = append(st.Products, p)
			for _, ver := range a.Versions {
				if ver.Version == "" {
					continue // vers ranges are not evaluated
				}
				if st.Versions == nil {
					st.Versions = map[string]string{}
				}
				st.Versions[ver.Version] = ver.Status
			}
		}
		if len(st.Names) == 0 || (len(st.Products) == 0 && !st.AllOfImage) {
			return nil, fmt.Errorf("vulnerability %d names no id or no affected component with a package URL", i+1)
		}
		doc.Statements = append(doc.Statements, st)
	}
	doc.sortByTime()
	return doc, nil
}

// resolveRef turns an affects ref into a package URL: a bom-ref of this
// BOM's components, the fragment of a BOM-Link
// ("urn:cdx:SERIAL/VERSION#REF"), or a package URL itself.
func resolveRef(ref string, refs map[string]string) string {
	if p, ok := refs[ref]; ok {
		return p
	}
	if strings.HasPrefix(ref, "urn:cdx:") {
		if _, frag, ok := strings.Cut(ref, "#"); ok {
			if f, err := url.PathUnescape(frag); err == nil {
				frag = f
			}
			return resolveRef(frag, refs)
		}
	}
	if strings.HasPrefix(ref, "pkg:") {
		return ref
	}
	return ""
}

// Covers reports whether the statement is about finding name(s) in the
// package with this purl and installed version, inside the image with
// these identities (manifest digest, image ID).
func (s *VEXStatement) Covers(id string, aliases []string, purl, installed string, image []string) bool {
	named := false
	for _, n := range s.Names {
		if namedAs(id, aliases, n) {
			named = true
			break
		}
	}
	if !named {
		return false
	}
	if len(s.Images) > 0 && !s.imageMatches(image) {
		return false
	}
	if s.AllOfImage {
		return true
	}
	for _, p := range s.Products {
		if purl != "" && purlMatches(p, purl) {
			return s.Versions == nil || s.Versions[installed] != ""
		}
	}
	return false
}

// Suppresses reports whether the statement, covering a finding, removes
// it: not_affected or fixed, and for a version list, a listed status
// other than affected.
func (s *VEXStatement) Suppresses(installed string) bool {
	if s.Status != VEXNotAffected && s.Status != VEXFixed {
		return false
	}
	if s.Versions != nil {
		st := s.Versions[installed]
		return st != "" && st != "affected"
	}
	return true
}

// imageMatches reports whether one of the statement's image products is
// the scanned image: an image purl without a version names any image; one
// with a version (a digest) must name the manifest digest or image ID.
func (s *VEXStatement) imageMatches(image []string) bool {
	for _, p := range s.Images {
		v := purlVersion(p)
		if v == "" {
			return true
		}
		for _, id := range image {
			if id != "" && strings.EqualFold(strings.TrimPrefix(v, "sha256:"), strings.TrimPrefix(id, "sha256:")) {
				return true
			}
		}
	}
	return false
}

// Decide returns the statement that decides about a finding: the last
// covering one in effect order, or nil.
func (d *VEXDocument) Decide(id string, aliases []string, purl, installed string, image []string) *VEXStatement {
	var last *VEXStatement
	for i := range d.Statements {
		if d.Statements[i].Covers(id, aliases, purl, installed, image) {
			last = &d.Statements[i]
		}
	}
	return last
}

// Describe says what a statement decided, for an ignored entry's reason.
func (s *VEXStatement) Describe() string {
	out := s.State
	if s.Justification != "" {
		out += " (" + s.Justification + ")"
	}
	if s.Detail != "" {
		out += ": " + s.Detail
	}
	return out
}

func isImagePURL(p string) bool {
	return strings.HasPrefix(p, "pkg:oci/") || strings.HasPrefix(p, "pkg:docker/")
}

func purlVersion(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if i := strings.LastIndex(p, "@"); i >= 0 && !strings.Contains(p[i:], "/") {
		v, err := url.PathUnescape(p[i+1:])
		if err != nil {
			return p[i+1:]
		}
		return v
	}
	return ""
}

func parseTimestamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	return t
}

// lastSegment turns a vulnerability URL ("https://nvd.nist.gov/vuln/
// detail/CVE-2023-1234") into its last path segment; a plain name is kept.
func lastSegment(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" {
		return path.Base(u.Path)
	}
	return s
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" && s != "." && s != "/" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
