// Package rustsec reads the RustSec advisory database in its native form
// (https://github.com/rustsec/advisory-db): one Markdown file per
// advisory whose first block is a ```toml front matter ([advisory],
// [versions], [affected]), followed by a "# Title" heading and the
// description. Files under crates/<crate>/ are about crates.io crates;
// files under rust/<component>/ are about the Rust toolchain (std,
// cargo, rustdoc).
//
// The front matter is decoded with github.com/BurntSushi/toml.
package rustsec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/advisory/feed/ghzip"
	"github.com/lading-dev/lading/advisory/feed/interval"
)

// Source is the Vulnerability.Source of every record this package reads.
const Source = "rustsec"

// Namespaces of the statements: crates.io crates, and the Rust toolchain
// components of rust/ (no crates.io crate is meant by "std" there).
const (
	NamespaceCrates    = "crates.io"
	NamespaceToolchain = "rust-toolchain"
)

// FrontMatter is the TOML block of an advisory.
type FrontMatter struct {
	Advisory struct {
		ID            string   `toml:"id"`
		Package       string   `toml:"package"`
		Date          any      `toml:"date"`
		URL           string   `toml:"url"`
		References    []string `toml:"references"`
		Categories    []string `toml:"categories"`
		Keywords      []string `toml:"keywords"`
		Aliases       []string `toml:"aliases"`
		Related       []string `toml:"related"`
		CVSS          string   `toml:"cvss"`
		Informational string   `toml:"informational"`
		Withdrawn     any      `toml:"withdrawn"`
		License       string   `toml:"license"`
	} `toml:"advisory"`
	Versions struct {
		Patched    []string `toml:"patched"`
		Unaffected []string `toml:"unaffected"`
	} `toml:"versions"`
	Affected struct {
		Functions map[string][]string `toml:"functions"`
		OS        []string            `toml:"os"`
		Arch      []string            `toml:"arch"`
	} `toml:"affected"`
}

// Advisory is one parsed advisory file.
type Advisory struct {
	FrontMatter
	// Title is the first Markdown heading; Description the text after it.
	Title       string
	Description string
}

// Parse reads one advisory file: the ```toml front matter, then Markdown.
func Parse(data []byte) (*Advisory, error) {
	text := strings.ReplaceAll(string(bytes.TrimPrefix(data, []byte("\ufeff"))), "\r\n", "\n")
	text = strings.TrimLeft(text, " \t\n")
	const open = "```toml\n"
	if !strings.HasPrefix(text, open) {
		return nil, errors.New("no ```toml front matter at the start")
	}
	text = text[len(open):]
	var fm, body string
	if strings.HasPrefix(text, "```") {
		body = text[3:]
	} else {
		end := strings.Index(text, "\n```")
		if end < 0 {
			return nil, errors.New("front matter is not closed by ```")
		}
		fm, body = text[:end+1], text[end+4:]
	}
	var a Advisory
	if _, err := toml.Decode(fm, &a.FrontMatter); err != nil {
		return nil, fmt.Errorf("front matter: %w", err)
	}
	if strings.TrimSpace(a.Advisory.ID) == "" {
		return nil, errors.New("front matter has no [advisory] id")
	}
	if strings.TrimSpace(a.Advisory.Package) == "" {
		return nil, errors.New("front matter has no [advisory] package")
	}
	a.Title, a.Description = splitTitle(body)
	return &a, nil
}

// splitTitle returns the first Markdown heading's text and the rest of
// the body with that line removed, both trimmed.
func splitTitle(body string) (string, string) {
	lines := strings.Split(body, "\n")
	inFence := false
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") {
			inFence = !inFence
			continue
		}
		if inFence || !strings.HasPrefix(t, "#") {
			continue
		}
		h := strings.TrimLeft(t, "#")
		if len(t)-len(h) > 6 || (h != "" && h[0] != ' ' && h[0] != '\t') {
			continue
		}
		title := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(h), "#"))
		rest := append(append([]string(nil), lines[:i]...), lines[i+1:]...)
		return title, strings.TrimSpace(strings.Join(rest, "\n"))
	}
	return "", strings.TrimSpace(body)
}

// dateLayouts are the date spellings of the front matter.
var dateLayouts = []string{"2006-01-02", time.RFC3339Nano, "2006-01-02T15:04:05"}

// parseDate reads a front-matter date: a string or a TOML date.
func parseDate(v any) (time.Time, error) {
	switch d := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return d.UTC(), nil
	case string:
		s := strings.TrimSpace(d)
		if s == "" {
			return time.Time{}, nil
		}
		for _, l := range dateLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("unreadable date %q", s)
	}
	return time.Time{}, fmt.Errorf("date of type %T", v)
}

// Convert turns an advisory into an Entry with one statement, in
// namespace ns ("crates.io" or "rust-toolchain").
//
// The statement keeps the requirement lists verbatim in a Range of type
// advisory.RangeCargo, with the [affected] table and the informational
// kind. When every requirement parses, the affected set (versions in none
// of patched and none of unaffected) is worked out in SemVer precedence
// order and a "SEMVER" range with its events comes first. Status follows
// interval.Status; Fixed is set when the affected versions are exactly
// those below one version.
func Convert(a *Advisory, ns string) (feed.Entry, error) {
	adv := a.Advisory
	v := advisory.Vulnerability{
		ID:      strings.TrimSpace(adv.ID),
		Aliases: dedupe(adv.Aliases),
		Summary: a.Title,
		Details: a.Description,
		Source:  Source,
	}
	var err error
	if v.Published, err = parseDate(adv.Date); err != nil {
		return feed.Entry{}, fmt.Errorf("date: %w", err)
	}
	if v.Withdrawn, err = parseDate(adv.Withdrawn); err != nil {
		return feed.Entry{}, fmt.Errorf("withdrawn: %w", err)
	}
	v.References = dedupe(append([]string{adv.URL}, adv.References...))
	var scores []advisory.Score
	if c := strings.TrimSpace(adv.CVSS); c != "" {
		scores = append(scores, advisory.Score{Type: cvssType(c), Score: c})
	}
	req := &advisory.Requirements{
		Patched:       nonEmpty(a.Versions.Patched),
		Unaffected:    nonEmpty(a.Versions.Unaffected),
		OS:            nonEmpty(a.Affected.OS),
		Arch:          nonEmpty(a.Affected.Arch),
		Informational: strings.TrimSpace(adv.Informational),
	}
	if len(a.Affected.Functions) > 0 {
		req.Functions = a.Affected.Functions
	}
	eco := "crates.io"
	if ns == NamespaceToolchain {
		eco = "rust"
	}
	st := advisory.Affected{
		VulnID:    v.ID,
		Namespace: ns,
		Ecosystem: eco,
		Package:   strings.TrimSpace(adv.Package),
		Source:    Source,
	}
	affected, exact := affectedSet(req.Patched, req.Unaffected)
	st.Status = interval.Status(affected, exact, len(req.Patched) > 0)
	if exact && len(affected) > 0 {
		if ev, ok := interval.Events(affected, successor); ok {
			st.Ranges = append(st.Ranges, advisory.Range{Type: "SEMVER", Events: ev})
			if len(ev) == 2 && ev[0].Introduced == "0" && ev[1].Fixed != "" {
				st.Fixed = ev[1].Fixed
			}
		}
	}
	st.Ranges = append(st.Ranges, advisory.Range{Type: advisory.RangeCargo, Requirements: req})
	return feed.Entry{
		Vuln: v, Affected: []advisory.Affected{st}, Scores: scores,
		Related: dedupe(adv.Related),
	}, nil
}

// affectedSet returns the versions in none of the requirements, and
// whether every requirement parsed.
func affectedSet(patched, unaffected []string) ([]interval.Interval, bool) {
	var not []interval.Interval
	for _, r := range append(append([]string(nil), patched...), unaffected...) {
		iv, err := Requirement(r)
		if err != nil {
			return nil, false
		}
		not = append(not, iv)
	}
	return interval.Complement(compareSemver, not), true
}

// cvssType names a CVSS vector's OSV severity type from its prefix.
func cvssType(vec string) string {
	switch {
	case strings.HasPrefix(vec, "CVSS:4."):
		return "CVSS_V4"
	case strings.HasPrefix(vec, "CVSS:3."):
		return "CVSS_V3"
	}
	return "CVSS_V2"
}

// namespaceFor maps a repository path to the statement namespace:
// crates/<crate>/<id>.md → crates.io, rust/<component>/<id>.md → the
// toolchain. It returns "" for other paths.
func namespaceFor(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) != 3 || path.Ext(p) != ".md" {
		return ""
	}
	switch parts[0] {
	case "crates":
		return NamespaceCrates
	case "rust":
		return NamespaceToolchain
	}
	return ""
}

// ReadZipFile reads a GitHub archive of the advisory-db repository and
// hands on one Entry per advisory (crates/**.md and rust/**.md). Other
// files (README.md, LICENSE.txt, LICENSES/) are passed over. An advisory
// that does not parse is counted as skipped with its file name; an
// archive in which none parses, a damaged zip and an entry over the size
// limit are errors naming the file (and entry).
func ReadZipFile(ctx context.Context, p string, sink feed.Sink) (feed.Stats, error) {
	return ghzip.Feed{
		Name: "rustsec", Noun: "advisory", Missing: "no advisory found under crates/ or rust/",
		Pick: func(p string) (bool, string) {
			dir, _, _ := strings.Cut(p, "/")
			if (dir != "crates" && dir != "rust") || strings.HasPrefix(path.Base(p), ".") {
				return false, ""
			}
			if namespaceFor(p) == "" {
				return true, "not an advisory file (<dir>/<package>/<id>.md)"
			}
			return true, ""
		},
		Convert: func(p string, data []byte, _ *feed.Stats) (feed.Entry, error) {
			adv, err := Parse(data)
			if err != nil {
				return feed.Entry{}, err
			}
			return Convert(adv, namespaceFor(p))
		},
	}.ReadFile(ctx, p, sink)
}

func nonEmpty(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func dedupe(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
