// Package oval reads OVAL vulnerability definitions (OVAL 5, linux
// rpminfo tests) as SUSE and Microsoft publish them into lading's advisory
// types:
//
//   - SUSE Linux Enterprise and openSUSE Leap
//     (https://ftp.suse.com/pub/projects/security/oval/<product>.xml[.gz|.bz2]):
//     one definition per CVE whose criteria pair "product is installed"
//     tests (an rpminfo test of a *-release package with a version equal to
//     "15.3") with package tests ("openssl-1_1 is <1.1.1d-150200.11.47.1",
//     an rpminfo state with evr "less than"; "kernel-default is not
//     affected", a version equal to 0).
//   - CBL-Mariner and Azure Linux
//     (github.com/microsoft/AzureLinuxVulnerabilityData,
//     cbl-mariner-2.0-oval.xml, azurelinux-3.0-oval.xml): one definition
//     per CVE and package, one rpminfo test whose state is an evr "less
//     than" (fixed) or "less than or equal" (affected up to that version).
//
// An OVAL file puts its definitions first and the tests, objects and
// states they refer to after them, and the real files are hundreds of MB,
// so the file is read twice as a token stream: first the tests, objects
// and states are collected (a few small maps), then each definition is
// decoded on its own, resolved and handed on.
package oval

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/google/osv-scalibr/semantic"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// Vulnerability.Source of the records read, by publisher.
const (
	SourceSUSE       = "suse-oval"
	SourceAzureLinux = "azurelinux-oval"
)

// MaxDecompressedSize bounds how much XML one file may expand to: 8 GiB.
// The largest real file (SUSE Linux Enterprise 15, all products) is well
// under 2 GiB uncompressed.
const MaxDecompressedSize int64 = 8 << 30

// maxClauses bounds the product × package combinations one definition's
// criteria may expand to before it is skipped as not understood.
const maxClauses = 100_000

// Flavor is the publisher of an OVAL file, told from its definition ids.
type Flavor int

// Publishers.
const (
	FlavorUnknown Flavor = iota
	FlavorSUSE
	FlavorMicrosoft
)

func flavorOf(id string) Flavor {
	switch {
	case strings.HasPrefix(id, "oval:org.opensuse.security:"):
		return FlavorSUSE
	case strings.HasPrefix(id, "oval:com.microsoft."):
		return FlavorMicrosoft
	}
	return FlavorUnknown
}

// Source returns the Vulnerability.Source of a flavor's records.
func (f Flavor) Source() string {
	if f == FlavorMicrosoft {
		return SourceAzureLinux
	}
	return SourceSUSE
}

// ReadFile reads the OVAL file at path (plain, gzip or bzip2). The file is
// opened twice. For Microsoft files the release comes from the file name
// (cbl-mariner-2.0-oval.xml → mariner:2.0, azurelinux-3.0-oval.xml →
// azurelinux:3.0), else from the dist tag of the fixed versions (".cm2",
// ".azl3").
func ReadFile(ctx context.Context, path string, sink feed.Sink) (feed.Stats, error) {
	open := func() (io.ReadCloser, error) { return os.Open(path) }
	stats, err := Read(ctx, open, filepath.Base(path), sink)
	if err != nil {
		return stats, fmt.Errorf("oval: %s: %w", path, err)
	}
	return stats, nil
}

// ReadBytes is Read over an in-memory document.
func ReadBytes(ctx context.Context, data []byte, name string, sink feed.Sink) (feed.Stats, error) {
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return Read(ctx, open, name, sink)
}

// Read parses an OVAL document that open returns (twice). name is the
// file's base name, used to tell a Microsoft file's release.
func Read(ctx context.Context, open func() (io.ReadCloser, error), name string, sink feed.Sink) (feed.Stats, error) {
	var stats feed.Stats
	refs, err := readRefs(ctx, open)
	if err != nil {
		return stats, err
	}
	p := &parser{refs: refs, fileNS: microsoftNamespace(name, refs)}
	err = withDecoder(open, func(dec *xml.Decoder, lim *limitedReader) error {
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return xmlError(err, lim)
			}
			se, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			switch se.Name.Local {
			case "oval_definitions", "definitions":
				continue
			case "definition":
			default:
				// tests, objects, states, generator: read in the first pass.
				if err := dec.Skip(); err != nil {
					return xmlError(err, lim)
				}
				continue
			}
			var d definition
			if err := dec.DecodeElement(&d, &se); err != nil {
				return fmt.Errorf("invalid XML in a <definition>: %w", xmlError(err, lim))
			}
			e, ok := p.convert(&d, &stats)
			if !ok {
				continue
			}
			if err := stats.Emit(sink, e); err != nil {
				return err
			}
		}
	})
	return stats, err
}

// refs are the tests, objects and states of a file.
type refs struct {
	root    bool
	tests   map[string]test
	objects map[string]string // id → package name
	states  map[string]state
	// distTag is the first dist tag seen in a state's evr (".cm2").
	distTag string
}

type test struct {
	object, state, check string
}

type state struct {
	evrOp, evr         string
	versionOp, version string
}

// readRefs is the first pass: everything but the definitions.
func readRefs(ctx context.Context, open func() (io.ReadCloser, error)) (*refs, error) {
	r := &refs{tests: map[string]test{}, objects: map[string]string{}, states: map[string]state{}}
	intern := map[string]string{}
	in := func(s string) string {
		if v, ok := intern[s]; ok {
			return v
		}
		intern[s] = s
		return s
	}
	err := withDecoder(open, func(dec *xml.Decoder, lim *limitedReader) error {
		first := true
		n := 0
		for {
			n++
			if n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return xmlError(err, lim)
			}
			se, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			if first {
				if se.Name.Local != "oval_definitions" {
					return fmt.Errorf("not an OVAL definitions document: root element <%s>", se.Name.Local)
				}
				first = false
				r.root = true
				continue
			}
			switch se.Name.Local {
			case "definitions", "generator":
				if err := dec.Skip(); err != nil {
					return xmlError(err, lim)
				}
			case "rpminfo_test":
				var t rpmTest
				if err := dec.DecodeElement(&t, &se); err != nil {
					return xmlError(err, lim)
				}
				st := ""
				if len(t.States) > 0 {
					st = in(t.States[0].Ref)
				}
				r.tests[t.ID] = test{object: in(t.Object.Ref), state: st, check: in(t.Check)}
			case "rpminfo_object":
				var o rpmObject
				if err := dec.DecodeElement(&o, &se); err != nil {
					return xmlError(err, lim)
				}
				r.objects[o.ID] = in(strings.TrimSpace(o.Name))
			case "rpminfo_state":
				var s rpmState
				if err := dec.DecodeElement(&s, &se); err != nil {
					return xmlError(err, lim)
				}
				st := state{
					evrOp: in(strings.TrimSpace(s.EVR.Op)), evr: in(strings.TrimSpace(s.EVR.Value)),
					versionOp: in(strings.TrimSpace(s.Version.Op)), version: in(strings.TrimSpace(s.Version.Value)),
				}
				r.states[s.ID] = st
				if r.distTag == "" {
					if m := distTagRE.FindStringSubmatch(st.evr); m != nil {
						r.distTag = m[0]
					}
				}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if !r.root {
		return nil, errors.New("not an OVAL definitions document: no <oval_definitions> element")
	}
	return r, nil
}

type rpmTest struct {
	ID     string `xml:"id,attr"`
	Check  string `xml:"check,attr"`
	Object struct {
		Ref string `xml:"object_ref,attr"`
	} `xml:"object"`
	States []struct {
		Ref string `xml:"state_ref,attr"`
	} `xml:"state"`
}

type rpmObject struct {
	ID   string `xml:"id,attr"`
	Name string `xml:"name"`
}

type opValue struct {
	Op    string `xml:"operation,attr"`
	Value string `xml:",chardata"`
}

type rpmState struct {
	ID      string  `xml:"id,attr"`
	EVR     opValue `xml:"evr"`
	Version opValue `xml:"version"`
}

type definition struct {
	ID       string   `xml:"id,attr"`
	Class    string   `xml:"class,attr"`
	Metadata metadata `xml:"metadata"`
	Criteria criteria `xml:"criteria"`
}

type metadata struct {
	Title      string `xml:"title"`
	References []struct {
		Source string `xml:"source,attr"`
		RefID  string `xml:"ref_id,attr"`
		RefURL string `xml:"ref_url,attr"`
	} `xml:"reference"`
	Description string `xml:"description"`
	// SUSE
	Advisory struct {
		Severity string   `xml:"severity"`
		Issued   dateAttr `xml:"issued"`
		Updated  dateAttr `xml:"updated"`
		CVEs     []struct {
			CVSS3 string `xml:"cvss3,attr"`
			CVSS4 string `xml:"cvss4,attr"`
		} `xml:"cve"`
	} `xml:"advisory"`
	// Microsoft
	Severity     string `xml:"severity"`
	Patchable    string `xml:"patchable"`
	AdvisoryDate string `xml:"advisory_date"`
	AdvisoryID   string `xml:"advisory_id"`
}

type dateAttr struct {
	Date string `xml:"date,attr"`
}

type criteria struct {
	Operator   string      `xml:"operator,attr"`
	Negate     string      `xml:"negate,attr"`
	Criteria   []criteria  `xml:"criteria"`
	Criterions []criterion `xml:"criterion"`
}

type criterion struct {
	TestRef string `xml:"test_ref,attr"`
	Negate  string `xml:"negate,attr"`
	Comment string `xml:"comment,attr"`
}

var (
	cveRE = regexp.MustCompile(`CVE-\d{4}-\d{4,}`)
	// ".cm2", ".azl3" at the end of a release.
	distTagRE = regexp.MustCompile(`\.(cm|azl)(\d+)$`)
	// cbl-mariner-2.0-oval.xml, azurelinux-3.0-oval.xml(.gz|.bz2).
	msFileRE = regexp.MustCompile(`^(cbl-mariner|azurelinux)-(\d+\.\d+)-oval\.xml(?:\.gz|\.bz2)?$`)
	// SUSE-SU-2021:1210-1, openSUSE-SU-2021:0579-1, SUSE-IU-2021:442-1.
	suseAdvisoryRE = regexp.MustCompile(`^(?:open)?SUSE-[A-Z]{2}-\d{4}:\d+-\d+$`)
)

// microsoftNamespace is the namespace of a Microsoft file: from its name,
// else from the dist tag of its fixed versions; "" when neither tells.
func microsoftNamespace(name string, r *refs) string {
	if m := msFileRE.FindStringSubmatch(strings.ToLower(name)); m != nil {
		fam := "mariner"
		if m[1] == "azurelinux" {
			fam = "azurelinux"
		}
		return advisory.DistroNamespace(fam, m[2])
	}
	if m := distTagRE.FindStringSubmatch(r.distTag); m != nil {
		if m[1] == "cm" {
			return advisory.DistroNamespace("mariner", m[2]+".0")
		}
		return advisory.DistroNamespace("azurelinux", m[2]+".0")
	}
	return ""
}

type parser struct {
	refs   *refs
	fileNS string
}

// convert resolves one definition into an Entry.
func (p *parser) convert(d *definition, stats *feed.Stats) (feed.Entry, bool) {
	var e feed.Entry
	fl := flavorOf(d.ID)
	if fl == FlavorUnknown {
		stats.Skip(fmt.Sprintf("%s: definition id of an unknown publisher", d.ID))
		return e, false
	}
	if c := strings.TrimSpace(d.Class); c != "" && c != "vulnerability" {
		stats.Skip(fmt.Sprintf("%s: class %q, not a vulnerability", d.ID, c))
		return e, false
	}
	id := vulnID(d)
	if id == "" {
		stats.Skip(fmt.Sprintf("%s: names no CVE", d.ID))
		return e, false
	}
	m := &d.Metadata
	sev := feed.SeverityWord(m.Advisory.Severity)
	if fl == FlavorMicrosoft {
		sev = feed.SeverityWord(m.Severity)
	}
	v := advisory.Vulnerability{
		ID: id, Source: fl.Source(), Severity: sev,
		Details: strings.TrimSpace(m.Description),
	}
	if fl == FlavorMicrosoft {
		v.Summary = strings.TrimSpace(m.Title)
		v.Published = parseDate(m.AdvisoryDate)
	} else {
		v.Published = parseDate(m.Advisory.Issued.Date)
		v.Modified = parseDate(m.Advisory.Updated.Date)
	}
	for _, r := range m.References {
		if u := strings.TrimSpace(r.RefURL); u != "" && !contains(v.References, u) {
			v.References = append(v.References, u)
		}
		if rid := strings.TrimSpace(r.RefID); suseAdvisoryRE.MatchString(rid) && !contains(e.Related, rid) {
			e.Related = append(e.Related, rid)
		}
	}
	for _, c := range m.Advisory.CVEs {
		for typ, raw := range map[string]string{"CVSS_V3": c.CVSS3, "CVSS_V4": c.CVSS4} {
			// "7/CVSS:3.1/AV:L/...": base score, then the vector.
			if _, vec, ok := strings.Cut(strings.TrimSpace(raw), "/"); ok && strings.HasPrefix(vec, "CVSS:") {
				s := advisory.Score{Type: typ, Score: vec}
				if !containsScore(e.Scores, s) {
					e.Scores = append(e.Scores, s)
				}
			}
		}
	}
	sort.Slice(e.Scores, func(i, j int) bool { return e.Scores[i].Type+e.Scores[i].Score < e.Scores[j].Type+e.Scores[j].Score })

	clauses, ok := p.eval(d.Criteria, fl)
	if !ok {
		stats.Skip(fmt.Sprintf("%s %s: criteria expand to more than %d combinations", d.ID, id, maxClauses))
		return e, false
	}
	notApplicable := fl == FlavorMicrosoft && strings.EqualFold(strings.TrimSpace(m.Patchable), "Not Applicable")
	stmts := map[[2]string]*advisory.Affected{}
	for _, c := range clauses {
		nss := c.products
		if fl == FlavorMicrosoft {
			if p.fileNS == "" {
				continue
			}
			nss = []string{p.fileNS}
		}
		for _, ns := range nss {
			for _, pt := range c.pkgs {
				a := advisory.Affected{
					VulnID: id, Namespace: ns, Ecosystem: ecosystemOf(ns), Package: pt.name,
					Severity: sev, Source: fl.Source(),
				}
				switch {
				case pt.notAffected || notApplicable:
					a.Status = advisory.StatusNotAffected
				case pt.lastAffected != "":
					a.Status = advisory.StatusAffected
					a.Ranges = []advisory.Range{{Type: "ECOSYSTEM", Events: []advisory.Event{{Introduced: "0"}, {LastAffected: pt.lastAffected}}}}
				default:
					a.Status = advisory.StatusFixed
					a.Fixed = pt.fixed
				}
				key := [2]string{ns, pt.name}
				if prev := stmts[key]; prev == nil || better(&a, prev) {
					stmts[key] = &a
				}
			}
		}
	}
	if len(stmts) == 0 {
		if fl == FlavorMicrosoft && p.fileNS == "" {
			stats.Skip(fmt.Sprintf("%s %s: release unknown (file name and dist tags say none)", d.ID, id))
		} else {
			stats.Skip(fmt.Sprintf("%s %s: no package statement under a known release", d.ID, id))
		}
		return e, false
	}
	keys := make([][2]string, 0, len(stmts))
	for k := range stmts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	e.Vuln = v
	for _, k := range keys {
		e.Affected = append(e.Affected, *stmts[k])
	}
	return e, true
}

// vulnID is the CVE a definition is about: in its title ("CVE-2021-29154",
// "CVE-2023-4738 affecting package vim 9.0.1562-2"), else in a CVE
// reference ("Mitre CVE-2021-29154").
func vulnID(d *definition) string {
	if c := cveRE.FindString(d.Metadata.Title); c != "" {
		return c
	}
	for _, r := range d.Metadata.References {
		if strings.EqualFold(r.Source, "CVE") {
			if c := cveRE.FindString(r.RefID); c != "" {
				return c
			}
		}
	}
	return ""
}

// better reports whether a should replace b for one package in one
// release: a fixed statement beats the others, and the higher fix wins
// (an LTSS or point-release fix above the general one); affected beats
// not affected.
func better(a, b *advisory.Affected) bool {
	rank := func(x *advisory.Affected) int {
		switch x.Status {
		case advisory.StatusFixed:
			return 2
		case advisory.StatusAffected:
			return 1
		}
		return 0
	}
	if rank(a) != rank(b) {
		return rank(a) > rank(b)
	}
	if a.Status == advisory.StatusFixed {
		return compareRPM(a.Fixed, b.Fixed) > 0
	}
	return false
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

func ecosystemOf(ns string) string {
	fam, ver, _ := strings.Cut(ns, ":")
	switch fam {
	case "sles":
		return "SUSE Linux Enterprise " + ver
	case "sled":
		return "SUSE Linux Enterprise Desktop " + ver
	case "opensuse-leap":
		return "openSUSE Leap " + ver
	case "sle-micro":
		return "SUSE Linux Enterprise Micro " + ver
	case "mariner":
		return "CBL-Mariner " + ver
	case "azurelinux":
		return "Azure Linux " + ver
	}
	return ns
}

// parseDate reads "2021-04-30" (SUSE) and "2023-09-27T18:02:50Z"
// (Microsoft); another form gives the zero time.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
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

// withDecoder opens the document, undoes gzip or bzip2 compression (told
// by its magic bytes), and runs fn over an XML decoder reading at most
// MaxDecompressedSize bytes.
func withDecoder(open func() (io.ReadCloser, error), fn func(*xml.Decoder, *limitedReader) error) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 1<<16)
	var in io.Reader = br
	magic, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		in = zr
	case bytes.Equal(magic, []byte("BZh")):
		in = bzip2.NewReader(br)
	}
	lim := &limitedReader{r: in, n: MaxDecompressedSize}
	dec := xml.NewDecoder(lim)
	return fn(dec, lim)
}

func xmlError(err error, lim *limitedReader) error {
	if lim.over {
		return fmt.Errorf("larger than %d bytes uncompressed", MaxDecompressedSize)
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid XML: %w", err)
	}
	return err
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
