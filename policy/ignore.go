package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/lading-dev/lading/report"
)

// DefaultIgnoreFile is the ignore file read from the working directory
// when --ignorefile is not given.
const DefaultIgnoreFile = ".ladingignore.yaml"

// IgnoreFile is a parsed ignore file:
//
//	ignore:
//	  - id: CVE-2024-9143          # the finding's ID or any alias
//	    reason: the GF(2^m) API is not used
//	    expires: 2026-12-31         # optional; applies through this day (UTC)
//	  - purl: pkg:apk/alpine/busybox  # with or without @version
//	    reason: replaced at runtime
//	  - path: usr/lib/python3*/site-packages/**  # a package location glob
//	    reason: test fixtures only
//
// An entry needs a reason and at least one of id, purl and path; when it
// names several, all must match.
type IgnoreFile struct {
	Path  string
	Rules []IgnoreRule
}

// IgnoreRule is one entry of an ignore file.
type IgnoreRule struct {
	ID, PURL, Path string
	Reason         string
	// Expires is the expiry as written ("" for none); the rule stops
	// applying at expiry (the day after a date, in UTC).
	Expires string
	expiry  time.Time
	// Line is the entry's line in the file.
	Line int
}

// LoadIgnoreFile reads an ignore file. With required false, a missing
// file is no file: it returns nil and no error.
func LoadIgnoreFile(path string, required bool) (*IgnoreFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if !required && errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("ignore file: %w", err)
	}
	return ParseIgnoreFile(path, data)
}

// ParseIgnoreFile parses an ignore file's content; name is used in
// messages.
func ParseIgnoreFile(name string, data []byte) (*IgnoreFile, error) {
	f := &IgnoreFile{Path: name}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("ignore file %s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return f, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("ignore file %s: line %d: want a mapping with an \"ignore\" list", name, root.Line)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "ignore" {
			return nil, fmt.Errorf("ignore file %s: line %d: unknown key %q (want \"ignore\")", name, k.Line, k.Value)
		}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			continue
		}
		if v.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("ignore file %s: line %d: \"ignore\" must be a list", name, v.Line)
		}
		for _, e := range v.Content {
			r, err := parseRule(e)
			if err != nil {
				return nil, fmt.Errorf("ignore file %s: line %d: %w", name, e.Line, err)
			}
			f.Rules = append(f.Rules, r)
		}
	}
	return f, nil
}

func parseRule(n *yaml.Node) (IgnoreRule, error) {
	r := IgnoreRule{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return r, errors.New("an entry must be a mapping of id, purl, path, reason and expires")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return r, fmt.Errorf("%s must be a single value", k.Value)
		}
		val := strings.TrimSpace(v.Value)
		switch k.Value {
		case "id":
			r.ID = val
		case "purl":
			if !validPURL(val) {
				return r, fmt.Errorf("purl %q is not a package URL", val)
			}
			r.PURL = val
		case "path":
			if !validGlob(val) {
				return r, fmt.Errorf("path %q is not a valid glob", val)
			}
			r.Path = val
		case "reason":
			r.Reason = val
		case "expires":
			t, err := parseExpiry(val)
			if err != nil {
				return r, err
			}
			r.Expires, r.expiry = val, t
		default:
			return r, fmt.Errorf("unknown field %q (want id, purl, path, reason, expires)", k.Value)
		}
	}
	if r.ID == "" && r.PURL == "" && r.Path == "" {
		return r, errors.New("an entry needs at least one of id, purl and path")
	}
	if r.Reason == "" {
		return r, errors.New("an entry needs a reason")
	}
	return r, nil
}

// parseExpiry reads a date (the rule applies through that day, UTC) or an
// RFC 3339 time, and returns the first instant the rule no longer applies.
func parseExpiry(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.AddDate(0, 0, 1), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("expires %q: want a date (YYYY-MM-DD) or an RFC 3339 time", s)
}

// Expired reports whether the rule no longer applies at now.
func (r IgnoreRule) Expired(now time.Time) bool {
	return !r.expiry.IsZero() && !now.Before(r.expiry)
}

// String names the rule by its fields: "id=CVE-2024-9143 path=usr/**".
func (r IgnoreRule) String() string {
	var parts []string
	for _, kv := range [][2]string{{"id", r.ID}, {"purl", r.PURL}, {"path", r.Path}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	return strings.Join(parts, " ")
}

// Matches reports whether the rule covers finding v of a package found at
// the given locations.
func (r IgnoreRule) Matches(v *report.Vulnerability, locations []string) bool {
	if r.ID != "" && !namedAs(v.ID, v.Aliases, r.ID) {
		return false
	}
	if r.PURL != "" && (v.PURL == "" || !purlMatches(r.PURL, v.PURL)) {
		return false
	}
	if r.Path != "" {
		found := false
		for _, l := range locations {
			if globMatch(r.Path, l) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// namedAs reports whether id (case-insensitively) is the finding's ID or
// one of its aliases.
func namedAs(id string, aliases []string, name string) bool {
	if strings.EqualFold(id, name) {
		return true
	}
	for _, a := range aliases {
		if strings.EqualFold(a, name) {
			return true
		}
	}
	return false
}
