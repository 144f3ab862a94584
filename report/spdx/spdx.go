// Package spdx writes a lading report as an SPDX 2.3 JSON document, and
// reads SPDX JSON documents that other tools wrote back into lading's
// inventory.
//
// The document DESCRIBES one package for the target (purpose CONTAINER for
// an image, APPLICATION for a directory), which CONTAINS the operating
// system (purpose OPERATING_SYSTEM) and the language packages; the
// operating system CONTAINS its packages. Every package (purpose LIBRARY)
// has its purl as a PACKAGE-MANAGER external reference, its source package
// as sourceInfo ("built package from: NAME VERSION") and lading's other
// facts (layer diff ID, history instruction, the files that list it) as
// annotations "lading:NAME=VALUE" (see report/sbom). SPDX 2.3 has no
// vulnerability section: a finding is a SECURITY "advisory" reference on
// its package, commented with its status, severity and fixed version. The
// document namespace holds a random UUID, so every run names a new one.
package spdx

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/report/internal/view"
	"github.com/lading-dev/lading/report/sbom"
)

// NamespacePrefix starts every document namespace lading writes.
const NamespacePrefix = "https://github.com/lading-dev/lading/spdx/"

// Element IDs (without "SPDXRef-") of the target and the operating system.
const (
	TargetID = "Target"
	OSID     = "OperatingSystem"
)

const noAssertion = "NOASSERTION"

// PurposeOS is the operating system's primaryPackagePurpose as the SPDX
// 2.3 JSON schema spells it. The specification's text writes
// OPERATING-SYSTEM, and some tools write that; the schema, which SPDX
// holds to be the authority on the JSON form, allows only the underscore.
// Read accepts both.
const PurposeOS = "OPERATING_SYSTEM"

// Write writes r as an SPDX 2.3 JSON document.
func Write(w io.Writer, r *report.Report) error {
	return spdxjson.Write(Build(r), w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false))
}

// Build turns r into an SPDX 2.3 document.
func Build(r *report.Report) *v2_3.Document {
	generated := r.Generated
	if generated.IsZero() {
		generated = time.Now()
	}
	created := generated.UTC().Format(time.RFC3339)
	version := r.Lading
	if version == "" {
		version = "dev"
	}
	tool := "lading-" + version
	annotate := func(props []sbom.Property) []v2_3.Annotation {
		var out []v2_3.Annotation
		for _, p := range props {
			out = append(out, v2_3.Annotation{
				Annotator:         common.Annotator{AnnotatorType: "Tool", Annotator: tool},
				AnnotationDate:    created,
				AnnotationType:    "OTHER",
				AnnotationComment: p.Name + "=" + p.Value,
			})
		}
		return out
	}

	name := r.Target.Name
	if name == "" {
		name = r.Target.Ref
	}
	doc := &v2_3.Document{
		SPDXVersion:       v2_3.Version,
		DataLicense:       v2_3.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: NamespacePrefix + url.PathEscape(name) + "-" + sbom.NewUUID(),
		CreationInfo: &v2_3.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: tool}},
			Created:  created,
		},
	}
	target := &v2_3.Package{
		PackageName:             name,
		PackageSPDXIdentifier:   TargetID,
		PackageDownloadLocation: noAssertion,
		FilesAnalyzed:           false,
		PrimaryPackagePurpose:   "CONTAINER",
		Annotations:             annotate(sbom.TargetProperties(r)),
	}
	if r.Target.Kind == "dir" {
		target.PrimaryPackagePurpose = "APPLICATION"
	}
	if r.Target.Digest != "" {
		target.PackageVersion = r.Target.Digest
	} else if r.Target.ImageID != "" {
		target.PackageVersion = r.Target.ImageID
	}
	doc.Packages = append(doc.Packages, target)
	rel := func(a, typ, b string) {
		doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
			RefA: common.MakeDocElementID("", a), RefB: common.MakeDocElementID("", b), Relationship: typ,
		})
	}
	rel("DOCUMENT", common.TypeRelationshipDescribe, TargetID)

	hasOS := false
	if d := r.Target.OS; d != nil && d.Family != "" {
		hasOS = true
		osPkg := &v2_3.Package{
			PackageName:             d.Family,
			PackageSPDXIdentifier:   OSID,
			PackageVersion:          d.Version,
			PackageDownloadLocation: noAssertion,
			PackageDescription:      d.Name,
			PrimaryPackagePurpose:   PurposeOS,
		}
		if d.Codename != "" {
			osPkg.Annotations = annotate([]sbom.Property{{Name: sbom.PropOSCodename, Value: d.Codename}})
		}
		doc.Packages = append(doc.Packages, osPkg)
		rel(TargetID, common.TypeRelationshipContains, OSID)
	}

	pkgs := view.NewPackages(r)
	findings := map[*inventory.Package][]report.Vulnerability{}
	for _, v := range r.Vulnerabilities {
		if p := pkgs.For(v); p != nil {
			findings[p] = append(findings[p], v)
		}
	}
	used := map[string]bool{TargetID: true, OSID: true}
	for _, p := range r.Packages {
		if p == nil {
			continue
		}
		id := elementID(p, used)
		sp := &v2_3.Package{
			PackageName:             p.Name,
			PackageSPDXIdentifier:   common.ElementID(id),
			PackageVersion:          p.Version,
			PackageDownloadLocation: noAssertion,
			FilesAnalyzed:           false,
			PackageSourceInfo:       sbom.SourceInfo(p),
			PackageLicenseConcluded: noAssertion,
			PackageLicenseDeclared:  noAssertion,
			PackageCopyrightText:    noAssertion,
			PrimaryPackagePurpose:   "LIBRARY",
			Annotations:             annotate(sbom.PackageProperties(p)),
		}
		if len(p.Licenses) > 0 {
			sp.PackageLicenseComments = "licences as the package's metadata records them: " + strings.Join(p.Licenses, "; ")
		}
		if p.PURL != "" {
			sp.PackageExternalReferences = append(sp.PackageExternalReferences, &v2_3.PackageExternalReference{
				Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: p.PURL,
			})
		}
		for _, v := range findings[p] {
			comment := fmt.Sprintf("%s: %s, severity %s", v.ID, v.Status, view.Severity(v.Severity))
			if v.FixedVersion != "" {
				comment += ", fixed in " + v.FixedVersion
			}
			comment += " (" + v.DataSource + ")"
			sp.PackageExternalReferences = append(sp.PackageExternalReferences, &v2_3.PackageExternalReference{
				Category: common.CategorySecurity, RefType: common.TypeSecurityAdvisory, Locator: view.AdvisoryURL(v.ID),
				ExternalRefComment: comment,
			})
		}
		doc.Packages = append(doc.Packages, sp)
		parent := TargetID
		if hasOS && (p.Type == inventory.TypeDeb || p.Type == inventory.TypeAPK || p.Type == inventory.TypeRPM) {
			parent = OSID
		}
		rel(parent, common.TypeRelationshipContains, id)
	}
	return doc
}

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// elementID makes an SPDX element ID (letters, digits, "." and "-") for p
// that no other element has.
func elementID(p *inventory.Package, used map[string]bool) string {
	base := "Package-" + strings.Trim(idUnsafe.ReplaceAllString(p.Type+"-"+p.Name+"-"+p.Version, "-"), "-")
	id := base
	for n := 2; used[id]; n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	used[id] = true
	return id
}

// Read reads an SPDX JSON document (2.1 to 2.3) into an inventory (see
// report/sbom for how packages become lading's).
func Read(data []byte) (*sbom.Inventory, error) {
	doc, err := spdxjson.Read(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("reading SPDX document: %w", err)
	}
	return fromDocument(doc), nil
}

func fromDocument(doc *spdx.Document) *sbom.Inventory {
	inv := sbom.New(doc.SPDXVersion)
	described := map[common.ElementID]bool{}
	for _, r := range doc.Relationships {
		if r == nil {
			continue
		}
		switch r.Relationship {
		case common.TypeRelationshipDescribe:
			if r.RefA.ElementRefID == "DOCUMENT" {
				described[r.RefB.ElementRefID] = true
			}
		case common.TypeRelationshipDescribeBy:
			if r.RefB.ElementRefID == "DOCUMENT" {
				described[r.RefA.ElementRefID] = true
			}
		}
	}
	targetSet := false
	for _, p := range doc.Packages {
		if p == nil {
			continue
		}
		props := annotations(p.Annotations)
		if p.PrimaryPackagePurpose == PurposeOS || p.PrimaryPackagePurpose == "OPERATING-SYSTEM" {
			codename := ""
			for _, pr := range props {
				if pr.Name == sbom.PropOSCodename {
					codename = pr.Value
				}
			}
			inv.SetOS(p.PackageName, p.PackageVersion, p.PackageDescription, codename)
			continue
		}
		purl := ""
		for _, ref := range p.PackageExternalReferences {
			if ref != nil && ref.RefType == common.TypePackageManagerPURL &&
				(ref.Category == common.CategoryPackageManager || ref.Category == "PACKAGE_MANAGER") {
				purl = ref.Locator
				break
			}
		}
		if described[p.PackageSPDXIdentifier] && !targetSet {
			targetSet = true
			inv.SetTarget(p.PackageName, props)
			if inv.Digest == "" && strings.HasPrefix(p.PackageVersion, "sha256:") {
				inv.Digest = p.PackageVersion
			}
			if purl == "" {
				continue
			}
		}
		c := sbom.Component{Name: p.PackageName, Version: p.PackageVersion, PURL: purl, Properties: props, SourceInfo: p.PackageSourceInfo}
		if l := p.PackageLicenseDeclared; l != "" && l != noAssertion && l != "NONE" {
			c.Licenses = []string{l}
		}
		inv.Add(c)
	}
	inv.Finish()
	return inv
}

// annotations reads the "NAME=VALUE" annotations lading writes; others are
// ignored.
func annotations(as []v2_3.Annotation) []sbom.Property {
	var out []sbom.Property
	for _, a := range as {
		name, value, ok := strings.Cut(a.AnnotationComment, "=")
		if ok && strings.HasPrefix(name, "lading:") {
			out = append(out, sbom.Property{Name: name, Value: value})
		}
	}
	return out
}
