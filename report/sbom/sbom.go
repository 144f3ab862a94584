// Package sbom is what lading's SBOM formats (report/cyclonedx,
// report/spdx) share: the properties lading writes beside each package and
// the target, and the way back from a document someone else produced to
// lading's inventory, by each package's purl.
//
// # Reading
//
// A component (CycloneDX) or package (SPDX) with a purl becomes an
// inventory package of the purl's type:
//
//	deb, apk, rpm                         OS packages; the purl's "distro" qualifier names the release
//	npm, pypi, golang, maven, cargo,      language packages
//	gem, composer, nuget
//
// Anything else, and anything without a purl, is listed in
// Inventory.Skipped. The name is the component's own when it is the purl's
// name (compared as the ecosystem compares names), else the purl's (with
// its namespace joined as lading names packages: "@scope/name",
// "vendor/name", "group:artifact", "module/path"); the version is the
// purl's, with an rpm "epoch" qualifier put in front. The source package
// comes from lading's own properties, Trivy's SrcName/SrcVersion
// properties, the purl's "upstream" qualifier (as Syft writes it) or an
// SPDX "built package from: NAME VERSION" source info, in that order.
//
// The operating system is the operating-system component (SPDX: the
// package whose purpose is OPERATING_SYSTEM, or OPERATING-SYSTEM as some
// tools write it), else the most common "distro" qualifier of the OS
// packages' purls.
package sbom

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/report"
)

// Property names lading writes (CycloneDX properties, SPDX annotations
// "NAME=VALUE").
const (
	PropSourceName    = "lading:package:source_name"
	PropSourceVersion = "lading:package:source_version"
	PropModularity    = "lading:package:modularity_label"
	PropVendor        = "lading:package:vendor"
	PropLayer         = "lading:layer:diff_id"
	PropCreatedBy     = "lading:layer:created_by"
	// Locations are numbered: lading:location:0:path, lading:location:0:layer.
	PropLocation = "lading:location"

	PropTargetRef     = "lading:target:ref"
	PropTargetKind    = "lading:target:kind"
	PropTargetDigest  = "lading:target:digest"
	PropTargetImageID = "lading:target:image_id"
	// Image layers are numbered from 0, lowest first:
	// lading:image:layer:0:diff_id, ...:digest, ...:size, ...:created_by.
	PropImageLayer = "lading:image:layer"
	PropOSCodename = "lading:os:codename"
)

// Property is a name and a value.
type Property struct{ Name, Value string }

// PackageProperties are the facts about p that a purl does not carry.
func PackageProperties(p *inventory.Package) []Property {
	var out []Property
	add := func(name, value string) {
		if value != "" {
			out = append(out, Property{name, value})
		}
	}
	add(PropSourceName, p.SourceName)
	add(PropSourceVersion, p.SourceVersion)
	add(PropModularity, p.Modularity)
	add(PropVendor, p.Vendor)
	add(PropLayer, p.Layer)
	add(PropCreatedBy, p.CreatedBy)
	for i, l := range p.Locations {
		add(fmt.Sprintf("%s:%d:path", PropLocation, i), l.Path)
		add(fmt.Sprintf("%s:%d:layer", PropLocation, i), l.Layer)
	}
	return out
}

// TargetProperties describe what was scanned and its layers.
func TargetProperties(r *report.Report) []Property {
	var out []Property
	add := func(name, value string) {
		if value != "" {
			out = append(out, Property{name, value})
		}
	}
	add(PropTargetRef, r.Target.Ref)
	add(PropTargetKind, r.Target.Kind)
	add(PropTargetDigest, r.Target.Digest)
	add(PropTargetImageID, r.Target.ImageID)
	for i, l := range r.Layers {
		pre := fmt.Sprintf("%s:%d:", PropImageLayer, i)
		add(pre+"diff_id", l.DiffID)
		add(pre+"digest", l.Digest)
		if l.Size > 0 {
			add(pre+"size", strconv.FormatInt(l.Size, 10))
		}
		add(pre+"created_by", l.CreatedBy)
	}
	return out
}

// SourceInfo is the SPDX sourceInfo sentence for p's source package, ""
// when p is its own source.
func SourceInfo(p *inventory.Package) string {
	if p.SourceName == "" || (p.SourceName == p.Name && p.SourceVersion == p.Version) {
		return ""
	}
	s := "built package from: " + p.SourceName
	if p.SourceVersion != "" {
		s += " " + p.SourceVersion
	}
	return s
}

// Component is one package of an SBOM as a reader found it.
type Component struct {
	Name, Version, PURL string
	// Properties, in the document's order (CycloneDX properties, SPDX
	// annotations of the form NAME=VALUE).
	Properties []Property
	// SourceInfo is SPDX's sourceInfo.
	SourceInfo string
	Licenses   []string
}

func (c Component) prop(names ...string) string {
	for _, n := range names {
		for _, p := range c.Properties {
			if p.Name == n {
				return p.Value
			}
		}
	}
	return ""
}

// Skipped is a component that was not turned into a package.
type Skipped struct {
	Name, Version, PURL string
	Reason              string
}

// Inventory is what an SBOM lists, as lading's inventory.
type Inventory struct {
	// Format is "CycloneDX 1.6", "SPDX-2.3", ...
	Format string
	// Name and Digest describe the SBOM's subject where it says them.
	Name, Ref, Kind, Digest, ImageID string
	Distro                           *inventory.Distro
	Layers                           []report.Layer
	Packages                         []*inventory.Package
	Skipped                          []Skipped

	seen     map[string]*inventory.Package
	purlOSes map[string]int
}

// New starts an inventory of a document in format.
func New(format string) *Inventory {
	return &Inventory{Format: format, seen: map[string]*inventory.Package{}, purlOSes: map[string]int{}}
}

var osTypes = map[string]string{
	packageurl.TypeDebian: inventory.TypeDeb,
	packageurl.TypeApk:    inventory.TypeAPK,
	packageurl.TypeRPM:    inventory.TypeRPM,
}

// joiners says how a language purl's namespace joins its name in lading's
// package names; a type missing here takes the name alone.
var joiners = map[string]string{
	"npm": "/", "composer": "/", "golang": "/", "maven": ":",
	"pypi": "", "gem": "", "cargo": "", "nuget": "",
}

var pep503 = regexp.MustCompile(`[-_.]+`)

func sameName(typ, a, b string) bool {
	if typ == "pypi" {
		return pep503.ReplaceAllString(strings.ToLower(a), "-") == pep503.ReplaceAllString(strings.ToLower(b), "-")
	}
	return strings.EqualFold(a, b)
}

// Add turns c into a package, or records why not. Components naming the
// same package (type, name, version and architecture) are merged.
func (inv *Inventory) Add(c Component) {
	skip := func(reason string) {
		inv.Skipped = append(inv.Skipped, Skipped{Name: c.Name, Version: c.Version, PURL: c.PURL, Reason: reason})
	}
	if c.PURL == "" {
		skip("no purl")
		return
	}
	pu, err := packageurl.FromString(c.PURL)
	if err != nil {
		skip("unreadable purl: " + err.Error())
		return
	}
	q := pu.Qualifiers.Map()
	p := &inventory.Package{Arch: q["arch"]}
	if t, ok := osTypes[pu.Type]; ok {
		p.Type = t
		p.Name = pu.Name
		if c.Name != "" && sameName(pu.Type, c.Name, pu.Name) {
			p.Name = c.Name
		}
		p.Version = pu.Version
		if t == inventory.TypeRPM && p.Version != "" {
			if e, err := strconv.Atoi(q["epoch"]); err == nil && e > 0 && !strings.Contains(p.Version, ":") {
				p.Epoch = e
				p.Version = q["epoch"] + ":" + p.Version
			}
			if i := strings.LastIndexByte(pu.Version, '-'); i >= 0 {
				p.Release = pu.Version[i+1:]
			}
		}
		if d := q["distro"]; d != "" {
			// "3.20.3" alone (as Trivy writes it for apk) takes the
			// namespace as the family.
			if !strings.Contains(d, "-") && pu.Namespace != "" {
				d = pu.Namespace + "-" + d
			}
			inv.purlOSes[d]++
		}
	} else if join, ok := joiners[pu.Type]; ok {
		p.Type = pu.Type
		full := pu.Name
		if pu.Namespace != "" && join != "" {
			full = pu.Namespace + join + pu.Name
		}
		p.Name = full
		if c.Name != "" && sameName(pu.Type, c.Name, full) {
			p.Name = c.Name
		}
		p.Version = pu.Version
	} else {
		skip(fmt.Sprintf("purl type %q is not matched by lading", pu.Type))
		return
	}
	if p.Version == "" {
		p.Version = c.Version
	}
	if p.Name == "" || p.Version == "" {
		skip("no name or version")
		return
	}
	p.PURL = c.PURL
	p.SourceName, p.SourceVersion = source(c, pu, q, p)
	p.Modularity = c.prop(PropModularity, "aquasecurity:trivy:Modularitylabel")
	p.Vendor = c.prop(PropVendor)
	p.Layer = c.prop(PropLayer, "aquasecurity:trivy:LayerDiffID")
	p.CreatedBy = c.prop(PropCreatedBy)
	p.Licenses = c.Licenses
	for i := 0; ; i++ {
		pre := fmt.Sprintf("%s:%d:", PropLocation, i)
		path := c.prop(pre + "path")
		if path == "" {
			break
		}
		p.Locations = append(p.Locations, inventory.Location{Path: path, Layer: c.prop(pre + "layer")})
	}
	key := p.Key()
	if prev, ok := inv.seen[key]; ok {
		prev.Locations = append(prev.Locations, p.Locations...)
		return
	}
	inv.seen[key] = p
	inv.Packages = append(inv.Packages, p)
}

// source finds the source package a component names.
func source(c Component, pu packageurl.PackageURL, q map[string]string, p *inventory.Package) (string, string) {
	if n := c.prop(PropSourceName); n != "" {
		return n, or(c.prop(PropSourceVersion), p.Version)
	}
	if n := c.prop("aquasecurity:trivy:SrcName"); n != "" {
		v := c.prop("aquasecurity:trivy:SrcVersion")
		if r := c.prop("aquasecurity:trivy:SrcRelease"); r != "" && v != "" {
			v += "-" + r
		}
		if e := c.prop("aquasecurity:trivy:SrcEpoch"); e != "" && e != "0" && v != "" && p.Type != inventory.TypeRPM {
			v = e + ":" + v
		}
		return n, or(v, p.Version)
	}
	if up := q["upstream"]; up != "" {
		if p.Type == inventory.TypeRPM {
			if n, v, ok := splitSourceRPM(up); ok {
				return n, v
			}
		}
		n, v, _ := strings.Cut(up, "@")
		if n != "" {
			return n, or(v, p.Version)
		}
	}
	if rest, ok := strings.CutPrefix(c.SourceInfo, "built package from: "); ok {
		f := strings.Fields(rest)
		if len(f) >= 1 {
			v := p.Version
			if len(f) >= 2 {
				v = f[1]
			}
			return f[0], v
		}
	}
	return p.Name, p.Version
}

// splitSourceRPM splits "curl-8.0.1-1.el9.src.rpm" into "curl" and
// "8.0.1-1.el9".
func splitSourceRPM(s string) (string, string, bool) {
	base, ok := strings.CutSuffix(s, ".src.rpm")
	if !ok {
		return "", "", false
	}
	i := strings.LastIndexByte(base, '-')
	if i <= 0 {
		return "", "", false
	}
	j := strings.LastIndexByte(base[:i], '-')
	if j <= 0 {
		return "", "", false
	}
	return base[:j], base[j+1:], true
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// familyNames maps the OS names other tools write to os-release IDs.
var familyNames = map[string]string{
	"redhat": "rhel", "red hat enterprise linux": "rhel", "amazon": "amzn", "amazon linux": "amzn",
	"opensuse.leap": "opensuse-leap", "opensuse.tumbleweed": "opensuse-tumbleweed", "suse linux enterprise server": "sles",
	"cbl-mariner": "mariner", "oracle": "ol", "alma": "almalinux", "rocky linux": "rocky",
	"alpine linux": "alpine", "debian gnu/linux": "debian",
}

// SetOS records the operating-system component.
func (inv *Inventory) SetOS(name, version, description, codename string) {
	fam := strings.ToLower(strings.TrimSpace(name))
	if f, ok := familyNames[fam]; ok {
		fam = f
	}
	if fam == "" {
		return
	}
	inv.Distro = &inventory.Distro{Family: fam, Version: version, Name: description, Codename: codename}
}

// SetTarget reads the subject's properties (lading's own).
func (inv *Inventory) SetTarget(name string, props []Property) {
	c := Component{Properties: props}
	inv.Name = name
	inv.Ref = c.prop(PropTargetRef)
	inv.Kind = c.prop(PropTargetKind)
	inv.Digest = c.prop(PropTargetDigest)
	inv.ImageID = c.prop(PropTargetImageID)
	for i := 0; ; i++ {
		pre := fmt.Sprintf("%s:%d:", PropImageLayer, i)
		id := c.prop(pre + "diff_id")
		if id == "" {
			break
		}
		size, _ := strconv.ParseInt(c.prop(pre+"size"), 10, 64)
		inv.Layers = append(inv.Layers, report.Layer{DiffID: id, Digest: c.prop(pre + "digest"), Size: size, CreatedBy: c.prop(pre + "created_by")})
	}
}

// Finish settles the operating system (from the OS packages' purls when no
// component named it) and orders the packages.
func (inv *Inventory) Finish() {
	if inv.Distro == nil && len(inv.purlOSes) > 0 {
		best, n := "", 0
		for d, c := range inv.purlOSes {
			if c > n || (c == n && d < best) {
				best, n = d, c
			}
		}
		if i := strings.LastIndexByte(best, '-'); i > 0 {
			fam, rel := best[:i], best[i+1:]
			if f, ok := familyNames[fam]; ok {
				fam = f
			}
			d := &inventory.Distro{Family: fam}
			if rel != "" && (rel[0] < '0' || rel[0] > '9') {
				d.Codename = rel
			} else {
				d.Version = rel
			}
			inv.Distro = d
		}
	}
	sort.SliceStable(inv.Packages, func(i, j int) bool {
		a, b := inv.Packages[i], inv.Packages[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Version < b.Version
	})
}

// Formats Detect tells apart.
const (
	CycloneDX = "cyclonedx"
	SPDX      = "spdx"
)

// Detect says whether data is a CycloneDX or an SPDX JSON document.
func Detect(data []byte) (string, error) {
	var head struct {
		BOMFormat   string `json:"bomFormat"`
		SPDXVersion string `json:"spdxVersion"`
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if bytes.HasPrefix(trimmed, []byte("<")) {
			return "", errors.New("an XML document: only CycloneDX JSON and SPDX JSON are read")
		}
		if bytes.HasPrefix(trimmed, []byte("SPDXVersion:")) {
			return "", errors.New("an SPDX tag-value document: only SPDX JSON is read")
		}
		return "", errors.New("not a JSON document")
	}
	if err := json.Unmarshal(trimmed, &head); err != nil {
		return "", fmt.Errorf("not a JSON document: %w", err)
	}
	switch {
	case head.BOMFormat == "CycloneDX":
		return CycloneDX, nil
	case strings.HasPrefix(head.SPDXVersion, "SPDX-"):
		return SPDX, nil
	}
	return "", errors.New(`neither a CycloneDX document ("bomFormat": "CycloneDX") nor an SPDX one ("spdxVersion")`)
}

// NewUUID returns a random (version 4) UUID, for serial numbers and
// document namespaces that must differ on every run.
func NewUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
