package policy

import (
	"path"
	"strings"
)

// globMatch matches a slash-separated path against a pattern: each
// segment as path.Match has it ("*", "?", "[...]" within one segment),
// and a "**" segment for any number of segments, none included. Leading
// slashes are ignored on both sides, so "/usr/lib/**" and "usr/lib/**"
// are the same pattern.
func globMatch(pattern, name string) bool {
	return matchSegments(splitPath(pattern), splitPath(name))
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func matchSegments(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			rest := pat[1:]
			for i := 0; i <= len(name); i++ {
				if matchSegments(rest, name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], name[0]); err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// validGlob reports whether every segment of the pattern is well formed.
func validGlob(pattern string) bool {
	for _, seg := range splitPath(pattern) {
		if _, err := path.Match(seg, ""); err != nil {
			return false
		}
	}
	return pattern != ""
}
