package npm

import (
	"bytes"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// parseYarnLock reads a yarn.lock: the YAML format of Yarn 2 and later
// ("berry", recognised by its top-level __metadata key) or the v1 format.
func parseYarnLock(data []byte, c *collector) error {
	if isBerry(data) {
		return parseBerry(data, c)
	}
	return parseYarnV1(data, c)
}

// isBerry reports whether a top-level "__metadata:" key starts a line.
func isBerry(data []byte) bool {
	return bytes.HasPrefix(data, []byte("__metadata:")) || bytes.Contains(data, []byte("\n__metadata:"))
}

// parseYarnV1 reads the Yarn 1 lockfile format: blocks that start with an
// unindented line listing the specs they resolve, separated by ", " and
// quoted when needed, ending in ":"
//
//	"@babel/helper-regex@^7.0.0", "@babel/helper-regex@^7.4.4":
//	  version "7.4.4"
//	  resolved "https://..."
//
// followed by indented fields. Only the two-space "version" field is read.
func parseYarnV1(data []byte, c *collector) error {
	var specs []string
	var version string
	flush := func() {
		if specs != nil && version != "" {
			if name := yarnV1Name(specs[0]); name != "" {
				c.add(name, version, nil)
			}
		}
		specs, version = nil, ""
	}
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			flush()
			key, ok := strings.CutSuffix(line, ":")
			if !ok {
				return fmt.Errorf("line %d: not a yarn.lock entry: %q", n+1, shorten(line))
			}
			s, err := splitSpecs(key)
			if err != nil {
				return fmt.Errorf("line %d: %w", n+1, err)
			}
			specs = s
			continue
		}
		if specs == nil || !strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "   ") {
			continue
		}
		field, value, _ := strings.Cut(trimmed, " ")
		if field == "version" {
			version = unquoteYarn(strings.TrimSpace(value))
		}
	}
	flush()
	return nil
}

// splitSpecs splits the key line of a v1 entry into its specs.
func splitSpecs(key string) ([]string, error) {
	var out []string
	for key != "" {
		key = strings.TrimLeft(key, " ")
		var spec string
		if strings.HasPrefix(key, `"`) {
			end := closingQuote(key)
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote in %q", shorten(key))
			}
			spec = unquoteYarn(key[:end+1])
			key = key[end+1:]
		} else {
			i := strings.IndexByte(key, ',')
			if i < 0 {
				i = len(key)
			}
			spec = strings.TrimSpace(key[:i])
			key = key[i:]
		}
		out = append(out, spec)
		key = strings.TrimLeft(key, " ")
		if key != "" {
			if key[0] != ',' {
				return nil, fmt.Errorf("unexpected %q after a spec", shorten(key))
			}
			key = key[1:]
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty entry key")
	}
	return out, nil
}

// closingQuote returns the index of the quote that closes the string
// starting at s[0], or -1.
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

func unquoteYarn(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
		return s[1 : len(s)-1]
	}
	return s
}

// yarnV1Name returns the package a v1 spec resolves to: the part before
// the range, or, for an alias "x@npm:y@^1", y. Specs of local folders
// (link:, portal:, workspace:, file: other than a tarball) give "".
func yarnV1Name(spec string) string {
	name, rng := splitNameVersion(spec)
	if alias, ok := strings.CutPrefix(rng, "npm:"); ok {
		if strings.HasPrefix(alias, "@") || strings.Contains(alias, "@") {
			n, _ := splitNameVersion(alias)
			return n
		}
		return alias
	}
	if localRef(rng) {
		return ""
	}
	return name
}

// localRef reports whether a spec range names a folder of the project
// rather than a package: link:, portal:, workspace: and file: paths that
// are not tarballs.
func localRef(rng string) bool {
	proto, rest, ok := strings.Cut(rng, ":")
	if !ok {
		return false
	}
	switch proto {
	case "link", "portal", "workspace":
		return true
	case "file":
		return !isTarball(rest)
	}
	return false
}

func isTarball(p string) bool {
	p = strings.ToLower(p)
	return strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tar.gz") || strings.HasSuffix(p, ".tar")
}

// berryEntry is an entry of a Yarn 2+ lockfile. Fields are strings so that
// a version such as 1.10 keeps its spelling.
type berryEntry struct {
	Version    string `yaml:"version"`
	Resolution string `yaml:"resolution"`
}

// parseBerry reads a Yarn 2+ lockfile, a YAML mapping from descriptor lists
// ("abbrev@npm:1, abbrev@npm:^1.0.0") to entries whose "resolution"
// ("abbrev@npm:1.1.1") names the package.
func parseBerry(data []byte, c *collector) error {
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return err
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		if k != "__metadata" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		node := doc[k]
		if node.Kind != yaml.MappingNode {
			continue
		}
		var e berryEntry
		if err := node.Decode(&e); err != nil {
			return fmt.Errorf("entry %q: %w", shorten(k), err)
		}
		res := e.Resolution
		if res == "" {
			res, _, _ = strings.Cut(k, ",")
		}
		if name, ok := berryPackage(strings.TrimSpace(res)); ok && e.Version != "0.0.0-use.local" {
			c.add(name, e.Version, nil)
		}
	}
	return nil
}

// berryPackage returns the package a Yarn 2+ locator resolves to. npm:
// locators, and remote ones (git, http, tarballs), name their package;
// workspace:, link: and portal: locators and file: folders are the
// project's own code; a patch: locator stands for the package it patches,
// which it carries URL-escaped ("fsevents@patch:fsevents@npm%3A2.1.3#...").
func berryPackage(locator string) (string, bool) {
	for range 4 { // patches of patches are not made; stop all the same
		name, ref := splitNameVersion(locator)
		proto, rest, ok := strings.Cut(ref, ":")
		if !ok {
			return name, true // a bare range is an npm one
		}
		switch proto {
		case "workspace", "link", "portal":
			return "", false
		case "file":
			return name, isTarball(strings.SplitN(rest, "#", 2)[0])
		case "patch":
			inner, _, _ := strings.Cut(rest, "#")
			u, err := url.PathUnescape(inner)
			if err != nil {
				return "", false
			}
			locator = u
			continue
		}
		return name, true
	}
	return "", false
}

// shorten cuts s for an error message.
func shorten(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
