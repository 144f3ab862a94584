// Package redhat reads Red Hat's CSAF VEX documents (one per CVE,
// https://security.access.redhat.com/data/csaf/v2/vex/<year>/cve-YYYY-NNNN.json,
// and the csaf_vex_<date>.tar.zst archive of all of them) into lading's
// advisory types.
//
// A VEX document's product tree names Red Hat products by CPE
// ("cpe:/o:redhat:enterprise_linux:9::baseos") and components by purl
// ("pkg:rpm/redhat/curl@7.76.1-26.el9_3.2?arch=src"); relationships join
// them into product ids ("BaseOS-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.src")
// that each vulnerability's product_status lists as fixed, known_affected,
// known_not_affected or under_investigation. Remediations say how an
// affected product stands (no_fix_planned, none_available) and which RHSA
// fixed it; threats give Red Hat's impact rating.
//
// Only Red Hat Enterprise Linux main streams are read: products whose CPE
// is cpe:/[ao]:redhat:enterprise_linux:<major>[...], giving namespace
// rhel:<major>. Extended-support streams (rhel_eus, rhel_aus, rhel_tus,
// rhel_e4s) and layered products (Satellite, OpenShift, JBoss ...) cannot be
// told apart in an image's os-release and are left out, and so are
// module-stream builds (nodejs:18, nodejs:20), whose stream an installed
// rpm does not name.
package redhat

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/google/osv-scalibr/semantic"
	"github.com/klauspost/compress/zstd"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// Source is the Vulnerability.Source of every record this package reads.
const Source = "redhat-vex"

// MaxDocumentSize bounds one VEX document read into memory: 1 GiB (the
// largest real ones, kernel CVEs, are tens of MB).
const MaxDocumentSize = 1 << 30

// MaxArchiveSize bounds how much an archive may expand to: 64 GiB.
const MaxArchiveSize int64 = 64 << 30

// zstdMagic starts a zstd frame.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// Document is the part of a CSAF VEX document lading reads.
type Document struct {
	Document struct {
		AggregateSeverity struct {
			Text string `json:"text"`
		} `json:"aggregate_severity"`
		Category   string `json:"category"`
		Title      string `json:"title"`
		References []struct {
			Category string `json:"category"`
			URL      string `json:"url"`
		} `json:"references"`
		Tracking struct {
			ID                 string `json:"id"`
			CurrentReleaseDate string `json:"current_release_date"`
			InitialReleaseDate string `json:"initial_release_date"`
		} `json:"tracking"`
	} `json:"document"`
	ProductTree struct {
		Branches      []Branch       `json:"branches"`
		Relationships []Relationship `json:"relationships"`
	} `json:"product_tree"`
	Vulnerabilities []Vulnerability `json:"vulnerabilities"`
}

// Branch is one node of the product tree.
type Branch struct {
	Category string   `json:"category"`
	Name     string   `json:"name"`
	Product  *Product `json:"product"`
	Branches []Branch `json:"branches"`
}

// Product is a product_name or product_version leaf.
type Product struct {
	Name      string `json:"name"`
	ProductID string `json:"product_id"`
	Helper    struct {
		CPE  string `json:"cpe"`
		PURL string `json:"purl"`
	} `json:"product_identification_helper"`
}

// Relationship joins a component to a product.
type Relationship struct {
	Category        string `json:"category"`
	FullProductName struct {
		ProductID string `json:"product_id"`
	} `json:"full_product_name"`
	ProductReference string `json:"product_reference"`
	RelatesTo        string `json:"relates_to_product_reference"`
}

// Vulnerability is one vulnerabilities[] element.
type Vulnerability struct {
	CVE   string `json:"cve"`
	Title string `json:"title"`
	Notes []struct {
		Category string `json:"category"`
		Text     string `json:"text"`
	} `json:"notes"`
	DiscoveryDate string              `json:"discovery_date"`
	ReleaseDate   string              `json:"release_date"`
	ProductStatus map[string][]string `json:"product_status"`
	References    []struct {
		URL string `json:"url"`
	} `json:"references"`
	Remediations []struct {
		Category   string   `json:"category"`
		Details    string   `json:"details"`
		URL        string   `json:"url"`
		ProductIDs []string `json:"product_ids"`
	} `json:"remediations"`
	Scores []struct {
		V2 *struct {
			VectorString string `json:"vectorString"`
		} `json:"cvss_v2"`
		V3 *struct {
			VectorString string `json:"vectorString"`
		} `json:"cvss_v3"`
		V4 *struct {
			VectorString string `json:"vectorString"`
		} `json:"cvss_v4"`
	} `json:"scores"`
	Threats []struct {
		Category   string   `json:"category"`
		Details    string   `json:"details"`
		ProductIDs []string `json:"product_ids"`
	} `json:"threats"`
}

// IsVEXHeader reports whether raw, the value of a document's "document"
// key, is a CSAF VEX header.
func IsVEXHeader(raw []byte) bool {
	var h struct {
		Category string `json:"category"`
	}
	return json.Unmarshal(raw, &h) == nil && h.Category == "csaf_vex"
}

// IsArchive reports whether head (the first bytes of a file) starts a
// zstd stream, as the csaf_vex_<date>.tar.zst archive does.
func IsArchive(head []byte) bool { return bytes.HasPrefix(head, zstdMagic) }

// ReadFile reads a VEX document, or a .tar.zst archive of them, at path.
func ReadFile(ctx context.Context, p string, sink feed.Sink) (feed.Stats, error) {
	f, err := os.Open(p)
	if err != nil {
		return feed.Stats{}, fmt.Errorf("redhat: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	head, _ := br.Peek(len(zstdMagic))
	var stats feed.Stats
	if IsArchive(head) {
		err = ReadArchive(ctx, br, &stats, sink)
	} else {
		err = readDocument(ctx, io.LimitReader(br, MaxDocumentSize+1), &stats, sink)
	}
	if err != nil {
		return stats, fmt.Errorf("redhat: %s: %w", p, err)
	}
	return stats, nil
}

// ReadArchive reads a zstd-compressed tar of VEX documents, one member at
// a time. Members that are not .json files are counted as skipped.
func ReadArchive(ctx context.Context, r io.Reader, stats *feed.Stats, sink feed.Sink) error {
	zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30), zstd.WithDecoderLowmem(true))
	if err != nil {
		return fmt.Errorf("zstd: %w", err)
	}
	defer zr.Close()
	lim := &limitedReader{r: zr, n: MaxArchiveSize}
	tr := tar.NewReader(lim)
	members := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if lim.over {
				return fmt.Errorf("archive larger than %d bytes uncompressed", MaxArchiveSize)
			}
			return fmt.Errorf("reading archive: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		members++
		if !strings.HasSuffix(h.Name, ".json") {
			stats.Skip(fmt.Sprintf("%s: not a .json member", h.Name))
			continue
		}
		if h.Size > MaxDocumentSize {
			return fmt.Errorf("%s: %d bytes, over the %d-byte limit", h.Name, h.Size, MaxDocumentSize)
		}
		if err := readDocument(ctx, tr, stats, sink); err != nil {
			if lim.over {
				return fmt.Errorf("archive larger than %d bytes uncompressed", MaxArchiveSize)
			}
			return fmt.Errorf("%s: %w", h.Name, err)
		}
	}
	if members == 0 {
		return errors.New("archive holds no file")
	}
	return nil
}

func readDocument(ctx context.Context, r io.Reader, stats *feed.Stats, sink feed.Sink) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(data) > MaxDocumentSize {
		return fmt.Errorf("larger than %d bytes", MaxDocumentSize)
	}
	var doc Document
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("invalid CSAF JSON: %w", err)
	}
	if doc.Document.Category != "csaf_vex" {
		return fmt.Errorf("not a CSAF VEX document (category %q)", doc.Document.Category)
	}
	for _, e := range Convert(&doc, stats) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := stats.Emit(sink, e); err != nil {
			return err
		}
	}
	return nil
}

// component is a package the product tree names by purl.
type component struct {
	name, evr, arch string
	// module marks a build of a module stream (an "rpmmod" qualifier, or
	// ".module+" in the release). Streams of one package (nodejs:18,
	// nodejs:20) have their own fixes, and an installed rpm does not say
	// its stream, so these components are not read.
	module bool
}

// Convert turns a VEX document into entries, one per vulnerability that
// makes at least one statement about a RHEL package.
//
// For each RHEL release (rhel:8, rhel:9) and package:
//   - fixed: the source rpm ("arch=src") of a fixed build is stated fixed
//     at its epoch:version-release; when several builds of one release fix
//     it (a z-stream and a later minor release), the highest version is
//     kept. A build listed without its source rpm is stated under its
//     binary names instead.
//   - known_affected: will_not_fix when a no_fix_planned remediation
//     names the product, postponed when a none_available one says
//     "Deferred", else affected.
//   - known_not_affected: not_affected. under_investigation: undetermined.
//
// A fixed statement wins over any other about the same package (or a
// binary of a fixed build) in that release; of the others, affected, then
// postponed, will_not_fix, undetermined and not_affected.
func Convert(doc *Document, stats *feed.Stats) []feed.Entry {
	products := map[string]*Product{}
	var walk func(bs []Branch, depth int)
	walk = func(bs []Branch, depth int) {
		if depth > 64 {
			return
		}
		for i := range bs {
			if p := bs[i].Product; p != nil && p.ProductID != "" {
				products[p.ProductID] = p
			}
			walk(bs[i].Branches, depth+1)
		}
	}
	walk(doc.ProductTree.Branches, 0)
	rels := map[string]Relationship{}
	for _, r := range doc.ProductTree.Relationships {
		if r.FullProductName.ProductID != "" {
			rels[r.FullProductName.ProductID] = r
		}
	}
	var out []feed.Entry
	for i := range doc.Vulnerabilities {
		if e, ok := convertVuln(doc, &doc.Vulnerabilities[i], products, rels, stats); ok {
			out = append(out, e)
		}
	}
	return out
}

// resolve turns a full product id into its namespace and component.
func resolve(pid string, products map[string]*Product, rels map[string]Relationship) (ns string, c component, ok bool) {
	r, found := rels[pid]
	if !found {
		return "", c, false
	}
	plat, comp := products[r.RelatesTo], products[r.ProductReference]
	if plat == nil || comp == nil {
		return "", c, false
	}
	ns = Namespace(plat.Helper.CPE)
	if ns == "" {
		return "", c, false
	}
	c, ok = parsePURL(comp.Helper.PURL)
	if c.module {
		return "", c, false
	}
	return ns, c, ok
}

type stmtKey struct{ ns, pkg string }

func convertVuln(doc *Document, v *Vulnerability, products map[string]*Product, rels map[string]Relationship, stats *feed.Stats) (feed.Entry, bool) {
	var e feed.Entry
	id := strings.TrimSpace(v.CVE)
	if id == "" {
		id = strings.TrimSpace(doc.Document.Tracking.ID)
	}
	if id == "" {
		stats.Skip("vulnerability without a cve or tracking id")
		return e, false
	}
	// Remediations and threats per product id.
	remedy := map[string]string{} // product id → status for known_affected
	var related []string
	for _, r := range v.Remediations {
		st := advisory.Status("")
		switch r.Category {
		case "no_fix_planned":
			st = advisory.StatusWillNotFix
		case "none_available":
			st = advisory.StatusAffected
			if strings.EqualFold(strings.TrimSpace(r.Details), "Deferred") {
				st = advisory.StatusPostponed
			}
		case "vendor_fix":
			if rhsa := advisoryID(r.URL); rhsa != "" && !contains(related, rhsa) {
				related = append(related, rhsa)
			}
		}
		if st != "" {
			for _, pid := range r.ProductIDs {
				remedy[pid] = string(st)
			}
		}
	}
	docSev := feed.SeverityWord(doc.Document.AggregateSeverity.Text)
	threat := map[string]string{}
	for _, t := range v.Threats {
		if t.Category != "impact" {
			continue
		}
		s := feed.SeverityWord(t.Details)
		if len(t.ProductIDs) == 0 {
			docSev = feed.MaxSeverity(docSev, s)
		}
		for _, pid := range t.ProductIDs {
			threat[pid] = s
		}
	}

	type build struct {
		ns, platform, evr string
		src               string
		binaries          []string
		sev               string
	}
	builds := map[string]*build{} // platform product + evr
	stmts := map[stmtKey]*advisory.Affected{}
	sevOf := func(pid string) string {
		if s := threat[pid]; s != "" {
			return s
		}
		return docSev
	}
	put := func(a advisory.Affected) {
		k := stmtKey{a.Namespace, a.Package}
		if prev := stmts[k]; prev == nil || better(&a, prev) {
			stmts[k] = &a
		}
	}
	mk := func(ns, pkg string, st advisory.Status, sev string) advisory.Affected {
		return advisory.Affected{VulnID: id, Namespace: ns, Ecosystem: ecosystemOf(ns), Package: pkg,
			Status: st, Severity: sev, Source: Source}
	}
	for _, pid := range v.ProductStatus["fixed"] {
		ns, c, ok := resolve(pid, products, rels)
		if !ok {
			continue
		}
		if c.evr == "" {
			stats.Skip(fmt.Sprintf("%s: fixed product %s has no version", id, pid))
			continue
		}
		key := rels[pid].RelatesTo + "\x00" + c.evr
		b := builds[key]
		if b == nil {
			b = &build{ns: ns, platform: rels[pid].RelatesTo, evr: c.evr}
			builds[key] = b
		}
		b.sev = feed.MaxSeverity(b.sev, sevOf(pid))
		if c.arch == "src" {
			b.src = c.name
		} else if !contains(b.binaries, c.name) {
			b.binaries = append(b.binaries, c.name)
		}
	}
	fixedNames := map[stmtKey]bool{}
	for _, b := range builds {
		names := b.binaries
		if b.src != "" {
			names = []string{b.src}
		}
		for _, n := range names {
			a := mk(b.ns, n, advisory.StatusFixed, b.sev)
			a.Fixed = b.evr
			put(a)
		}
		for _, n := range append([]string{b.src}, b.binaries...) {
			if n != "" {
				fixedNames[stmtKey{b.ns, n}] = true
			}
		}
	}
	for _, list := range []struct {
		key    string
		status advisory.Status
	}{
		{"known_affected", advisory.StatusAffected},
		{"under_investigation", advisory.StatusUndetermined},
		{"known_not_affected", advisory.StatusNotAffected},
	} {
		for _, pid := range v.ProductStatus[list.key] {
			ns, c, ok := resolve(pid, products, rels)
			if !ok || fixedNames[stmtKey{ns, c.name}] {
				continue
			}
			st := list.status
			if r := remedy[pid]; r != "" && st == advisory.StatusAffected {
				st = advisory.Status(r)
			}
			put(mk(ns, c.name, st, sevOf(pid)))
		}
	}
	if len(stmts) == 0 {
		return e, false
	}
	keys := make([]stmtKey, 0, len(stmts))
	for k := range stmts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].ns != keys[j].ns {
			return keys[i].ns < keys[j].ns
		}
		return keys[i].pkg < keys[j].pkg
	})
	rec := advisory.Vulnerability{
		ID: id, Source: Source, Severity: docSev,
		Summary:   strings.TrimSpace(v.Title),
		Published: parseTime(v.ReleaseDate),
		Modified:  parseTime(doc.Document.Tracking.CurrentReleaseDate),
	}
	if rec.Summary == "" {
		rec.Summary = strings.TrimSpace(doc.Document.Title)
	}
	if rec.Published.IsZero() {
		rec.Published = parseTime(doc.Document.Tracking.InitialReleaseDate)
	}
	for _, n := range v.Notes {
		if n.Category == "description" {
			rec.Details = strings.TrimSpace(n.Text)
			break
		}
	}
	for _, r := range doc.Document.References {
		if u := strings.TrimSpace(r.URL); r.Category == "self" && u != "" {
			rec.References = append(rec.References, u)
		}
	}
	for _, r := range v.References {
		if u := strings.TrimSpace(r.URL); u != "" && !contains(rec.References, u) {
			rec.References = append(rec.References, u)
		}
	}
	e.Vuln = rec
	sort.Strings(related)
	e.Related = related
	for _, s := range v.Scores {
		for _, x := range []struct {
			typ string
			vec *struct {
				VectorString string `json:"vectorString"`
			}
		}{{"CVSS_V2", s.V2}, {"CVSS_V3", s.V3}, {"CVSS_V4", s.V4}} {
			if x.vec == nil || strings.TrimSpace(x.vec.VectorString) == "" {
				continue
			}
			sc := advisory.Score{Type: x.typ, Score: strings.TrimSpace(x.vec.VectorString)}
			if !containsScore(e.Scores, sc) {
				e.Scores = append(e.Scores, sc)
			}
		}
	}
	for _, k := range keys {
		e.Affected = append(e.Affected, *stmts[k])
	}
	return e, true
}

var statusRank = map[advisory.Status]int{
	advisory.StatusFixed: 5, advisory.StatusAffected: 4, advisory.StatusPostponed: 3,
	advisory.StatusWillNotFix: 2, advisory.StatusUndetermined: 1, advisory.StatusNotAffected: 0,
}

// better reports whether statement a should replace b for one package in
// one release.
func better(a, b *advisory.Affected) bool {
	if statusRank[a.Status] != statusRank[b.Status] {
		return statusRank[a.Status] > statusRank[b.Status]
	}
	if a.Status == advisory.StatusFixed {
		return compareRPM(a.Fixed, b.Fixed) > 0
	}
	return severityRank(a.Severity) > severityRank(b.Severity)
}

func severityRank(s string) int {
	for i, x := range []string{advisory.SeverityUnknown, advisory.SeverityNegligible, advisory.SeverityLow,
		advisory.SeverityMedium, advisory.SeverityHigh, advisory.SeverityCritical} {
		if x == s {
			return i + 1
		}
	}
	return 0
}

// compareRPM compares two epoch:version-release strings in rpm order,
// falling back to byte order when one does not parse.
func compareRPM(a, b string) int {
	va, err1 := semantic.Parse(a, "Red Hat")
	vb, err2 := semantic.Parse(b, "Red Hat")
	if err1 == nil && err2 == nil {
		if c, err := va.Compare(vb); err == nil {
			return c
		}
	}
	return strings.Compare(a, b)
}

// Namespace maps a RHEL product CPE to its namespace:
// "cpe:/o:redhat:enterprise_linux:9::baseos" and
// "cpe:/a:redhat:enterprise_linux:8::appstream" → "rhel:9", "rhel:8";
// "cpe:/o:redhat:enterprise_linux:7" → "rhel:7". Any other product
// (rhel_eus, satellite, openshift, ...) gives "".
func Namespace(cpe string) string {
	rest, ok := strings.CutPrefix(strings.TrimSpace(cpe), "cpe:/")
	if !ok {
		return ""
	}
	parts := strings.Split(rest, ":")
	if len(parts) < 4 || (parts[0] != "o" && parts[0] != "a") || parts[1] != "redhat" || parts[2] != "enterprise_linux" {
		return ""
	}
	ver := parts[3]
	if ver == "" || strings.Trim(strings.SplitN(ver, ".", 2)[0], "0123456789") != "" {
		return ""
	}
	return advisory.DistroNamespace("rhel", ver)
}

func ecosystemOf(ns string) string {
	_, ver, _ := strings.Cut(ns, ":")
	return "Red Hat Enterprise Linux " + ver
}

// parsePURL reads an rpm purl: "pkg:rpm/redhat/openssl@1.1.1k-7.el8_6?arch=src&epoch=1"
// gives openssl, "1:1.1.1k-7.el8_6", "src"; an unfixed component
// ("pkg:rpm/redhat/kernel?arch=src", "pkg:rpm/redhat/libcurl") has no evr.
func parsePURL(s string) (component, bool) {
	var c component
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "pkg:rpm/")
	if !ok {
		return c, false
	}
	rest, _, _ = strings.Cut(rest, "#")
	rest, query, _ := strings.Cut(rest, "?")
	rest, version, hasVersion := strings.Cut(rest, "@")
	name := rest
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		name = rest[i+1:]
	}
	name, err := url.PathUnescape(name)
	if err != nil || name == "" {
		return c, false
	}
	c.name = name
	q, _ := url.ParseQuery(query)
	c.arch = q.Get("arch")
	c.module = q.Get("rpmmod") != ""
	if hasVersion {
		v, err := url.PathUnescape(version)
		if err != nil || v == "" {
			return c, false
		}
		if ep := q.Get("epoch"); ep != "" && ep != "0" {
			v = ep + ":" + v
		}
		c.evr = v
		c.module = c.module || strings.Contains(v, ".module+") || strings.Contains(v, ".module_")
	}
	return c, true
}

// advisoryID takes "RHSA-2023:6745" from an errata URL.
func advisoryID(u string) string {
	base := path.Base(strings.TrimRight(strings.TrimSpace(u), "/"))
	for _, p := range []string{"RHSA-", "RHBA-", "RHEA-"} {
		if strings.HasPrefix(base, p) {
			return base
		}
	}
	return ""
}

func parseTime(s string) time.Time {
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
		return t.UTC()
	}
	return time.Time{}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsScore(list []advisory.Score, s advisory.Score) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// limitedReader reads at most n bytes, then fails and notes it.
type limitedReader struct {
	r    io.Reader
	n    int64
	over bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		l.over = true
		return 0, errors.New("size limit reached")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
