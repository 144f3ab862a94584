// Package amazon reads the Amazon Linux security advisories (ALAS) from the
// updateinfo.xml(.gz) of an Amazon Linux 2 or 2023 package repository (the
// file repodata/repomd.xml names as "updateinfo") into lading's advisory
// types.
//
// An updateinfo document is <updates> holding one <update> per advisory:
//
//	<update type="security" ...>
//	  <id>ALAS2023-2023-360</id> <title>...</title>
//	  <issued date="2023-09-27 21:05:00"/> <updated date="..."/>
//	  <severity>Important</severity> <description>...</description>
//	  <references><reference href="..." id="CVE-2023-4733" type="cve"/></references>
//	  <pkglist><collection short="amazon-linux-2023">
//	    <package name="vim-minimal" epoch="2" version="9.0.1882"
//	             release="1.amzn2023.0.1" arch="x86_64">...</package>
//	  </collection></pkglist>
//	</update>
//
// The document is read as a stream, one <update> at a time.
package amazon

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// Source is the Vulnerability.Source of every record this package reads.
const Source = "amazon-alas"

// MaxDecompressedSize bounds how much XML a (gzip-compressed) file may
// expand to: 4 GiB. The real files are a few tens of MB.
const MaxDecompressedSize int64 = 4 << 30

// Update is one <update> element.
type Update struct {
	Type        string      `xml:"type,attr"`
	Status      string      `xml:"status,attr"`
	ID          string      `xml:"id"`
	Title       string      `xml:"title"`
	Issued      dateAttr    `xml:"issued"`
	Updated     dateAttr    `xml:"updated"`
	Severity    string      `xml:"severity"`
	Description string      `xml:"description"`
	References  []Reference `xml:"references>reference"`
	Collections []struct {
		Short    string    `xml:"short,attr"`
		Name     string    `xml:"name"`
		Packages []Package `xml:"package"`
	} `xml:"pkglist>collection"`
}

type dateAttr struct {
	Date string `xml:"date,attr"`
}

// Reference is one <reference> of an update.
type Reference struct {
	Href  string `xml:"href,attr"`
	ID    string `xml:"id,attr"`
	Title string `xml:"title,attr"`
	Type  string `xml:"type,attr"`
}

// Package is one <package> of an update's package list.
type Package struct {
	Name    string `xml:"name,attr"`
	Epoch   string `xml:"epoch,attr"`
	Version string `xml:"version,attr"`
	Release string `xml:"release,attr"`
	Arch    string `xml:"arch,attr"`
}

// EVR returns the package's epoch:version-release, the epoch left out when
// it is empty or 0 (rpm's own spelling of an installed version).
func (p Package) EVR() string {
	v := p.Version
	if p.Release != "" {
		v += "-" + p.Release
	}
	if e := strings.TrimSpace(p.Epoch); e != "" && e != "0" {
		v = e + ":" + v
	}
	return v
}

var (
	// ALAS2023-2023-360, ALAS2-2023-2255, ALAS2KERNEL-5.10-2023-039,
	// ALAS2022-2022-001: the release is the number after "ALAS".
	idRE   = regexp.MustCompile(`^ALAS(2023|2022|2)[A-Z0-9.-]*-\d{4}-\d+$`)
	cveRE  = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)
	distRE = regexp.MustCompile(`\.amzn(2023|2022|2)\b`)
)

// Release returns the Amazon Linux release ("2023", "2") an update is for:
// from the advisory id, else the collection's short name
// ("amazon-linux-2023"), else the ".amzn2023" tag of its packages' release.
// It returns "" when none says.
func Release(u *Update) string {
	if m := idRE.FindStringSubmatch(strings.TrimSpace(u.ID)); m != nil {
		return m[1]
	}
	for _, c := range u.Collections {
		switch strings.TrimSpace(c.Short) {
		case "amazon-linux-2023":
			return "2023"
		case "amazon-linux-2022":
			return "2022"
		case "amazon-linux-2", "amzn2-core":
			return "2"
		}
	}
	for _, c := range u.Collections {
		for _, p := range c.Packages {
			if m := distRE.FindStringSubmatch(p.Release); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

// Namespace returns the lading namespace of an Amazon Linux release:
// os-release says ID=amzn with VERSION_ID "2023" or "2", so "2023" →
// "amzn:2023" and "2" → "amzn:2".
func Namespace(release string) string {
	return advisory.DistroNamespace("amzn", release)
}

// ReadFile reads the updateinfo document at path, plain or gzip-compressed.
func ReadFile(ctx context.Context, path string, sink feed.Sink) (feed.Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return feed.Stats{}, fmt.Errorf("amazon: %w", err)
	}
	defer f.Close()
	stats, err := Read(ctx, f, sink)
	if err != nil {
		return stats, fmt.Errorf("amazon: %s: %w", path, err)
	}
	return stats, nil
}

// Read parses an updateinfo document, decompressing it first when it
// starts with the gzip magic. Each security update becomes one Entry (its
// CVEs as aliases) with one fixed statement per binary package name; other
// update types (bugfix, enhancement) are passed over. An update that names
// no release or no package is counted as skipped.
func Read(ctx context.Context, r io.Reader, sink feed.Sink) (feed.Stats, error) {
	var stats feed.Stats
	br := bufio.NewReader(r)
	in := io.Reader(br)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return stats, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		in = zr
	}
	lim := &limitedReader{r: in, n: MaxDecompressedSize}
	dec := xml.NewDecoder(lim)
	dec.Strict = true
	rootSeen := false
	for {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if lim.over {
				return stats, fmt.Errorf("larger than %d bytes uncompressed", MaxDecompressedSize)
			}
			return stats, fmt.Errorf("invalid XML: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !rootSeen {
			if se.Name.Local != "updates" {
				return stats, fmt.Errorf("not an updateinfo document: root element <%s>", se.Name.Local)
			}
			rootSeen = true
			continue
		}
		if se.Name.Local != "update" {
			if err := dec.Skip(); err != nil {
				return stats, fmt.Errorf("invalid XML: %w", err)
			}
			continue
		}
		start := dec.InputOffset()
		var u Update
		if err := dec.DecodeElement(&u, &se); err != nil {
			return stats, fmt.Errorf("invalid XML in <update> at byte %d: %w", start, err)
		}
		e, ok := Convert(&u, &stats)
		if !ok {
			continue
		}
		if err := stats.Emit(sink, e); err != nil {
			return stats, err
		}
	}
	if !rootSeen {
		return stats, errors.New("not an updateinfo document: no <updates> element")
	}
	return stats, nil
}

// Convert turns one update into an Entry. ok is false for an update that
// is not a security advisory (not counted) or that cannot be used (counted
// in stats as skipped, with the reason).
func Convert(u *Update, stats *feed.Stats) (e feed.Entry, ok bool) {
	id := strings.TrimSpace(u.ID)
	if t := strings.ToLower(strings.TrimSpace(u.Type)); t != "" && t != "security" {
		return e, false
	}
	if id == "" {
		stats.Skip("update without an id")
		return e, false
	}
	rel := Release(u)
	if rel == "" {
		stats.Skip(fmt.Sprintf("%s: no Amazon Linux release in the id, collection or package releases", id))
		return e, false
	}
	ns := Namespace(rel)
	sev := feed.SeverityWord(u.Severity)
	v := advisory.Vulnerability{
		ID: id, Source: Source, Severity: sev,
		Summary:   strings.TrimSpace(u.Title),
		Details:   strings.TrimSpace(u.Description),
		Published: parseDate(u.Issued.Date),
		Modified:  parseDate(u.Updated.Date),
	}
	for _, ref := range u.References {
		if c := strings.ToUpper(strings.TrimSpace(ref.ID)); strings.EqualFold(ref.Type, "cve") && cveRE.MatchString(c) && !contains(v.Aliases, c) {
			v.Aliases = append(v.Aliases, c)
		}
		if h := strings.TrimSpace(ref.Href); h != "" && !contains(v.References, h) {
			v.References = append(v.References, h)
		}
	}
	fixed := map[string]string{} // binary name → EVR
	for _, c := range u.Collections {
		for _, p := range c.Packages {
			name := strings.TrimSpace(p.Name)
			if name == "" || strings.TrimSpace(p.Version) == "" {
				stats.Skip(fmt.Sprintf("%s: package without a name or version", id))
				continue
			}
			// Debug symbols are never what an image runs; they would only
			// double the statements.
			if strings.HasSuffix(name, "-debuginfo") || strings.HasSuffix(name, "-debugsource") {
				continue
			}
			evr := p.EVR()
			if prev, dup := fixed[name]; dup && prev != evr {
				// Architectures of one advisory carry one version; should
				// they differ, the later one is kept and the difference noted.
				stats.Skip(fmt.Sprintf("%s: %s listed at %s and %s", id, name, prev, evr))
			}
			fixed[name] = evr
		}
	}
	if len(fixed) == 0 {
		stats.Skip(fmt.Sprintf("%s: no package", id))
		return e, false
	}
	names := make([]string, 0, len(fixed))
	for n := range fixed {
		names = append(names, n)
	}
	sort.Strings(names)
	e.Vuln = v
	for _, n := range names {
		e.Affected = append(e.Affected, advisory.Affected{
			VulnID: id, Namespace: ns, Ecosystem: "Amazon Linux " + rel, Package: n,
			Status: advisory.StatusFixed, Fixed: fixed[n], Severity: sev, Source: Source,
		})
	}
	return e, true
}

// parseDate reads the dates updateinfo uses ("2023-09-27 21:05:00",
// "2018-01-18 22:39", "2023-09-27"), as UTC; an unknown form gives the
// zero time.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", time.RFC3339} {
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

// limitedReader reads at most n bytes and then reports an error, noting
// that the limit was hit.
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
