package osrelease

import (
	"strings"
)

// parse reads os-release(5) style KEY=value lines (os-release, lsb-release).
// Blank lines and lines starting with '#' are skipped, as are lines whose key
// is not a shell variable name. Values follow shell quoting: double quotes
// (with \" \\ \$ \` escapes), single quotes (no escapes), and backslash
// escapes outside quotes; unquoted whitespace ends the value. A repeated key
// keeps its last value, as sourcing the file in a shell would.
func parse(data []byte) map[string]string {
	kv := map[string]string{}
	for line := range strings.SplitSeq(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok || !isVarName(key) {
			continue
		}
		kv[key] = unquote(val)
	}
	return kv
}

// isVarName reports whether s is a shell variable name.
func isVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// unquote evaluates the shell quoting of one assignment value.
func unquote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '"':
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				b.WriteByte(s[i])
				i++
			}
			i++ // the closing quote, if any
		case '\'':
			i++
			j := strings.IndexByte(s[i:], '\'')
			if j < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			b.WriteString(s[i : i+j])
			i += j + 1
		case '\\':
			if i+1 < len(s) {
				b.WriteByte(s[i+1])
			}
			i += 2
		case ' ', '\t':
			return b.String()
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// firstLine returns the first line of data, trimmed.
func firstLine(data []byte) string {
	s, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimSpace(s)
}

// major returns the part of a version before the first dot.
func major(v string) string {
	m, _, _ := strings.Cut(v, ".")
	return m
}
