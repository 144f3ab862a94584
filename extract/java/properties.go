package java

import (
	"bytes"
	"strconv"
	"strings"
)

// ParseProperties reads a Java properties file (pom.properties is one) the
// way java.util.Properties.load does, for what pom.properties files hold:
// lines end in CR LF, LF or CR; leading white space is skipped; a line
// whose first other character is '#' or '!' is a comment; a line ending in
// an odd number of backslashes continues on the next line (whose leading
// white space is dropped); the key ends at the first unescaped '=', ':' or
// white space, and one '=' or ':' with white space around it separates it
// from the value. Escapes \t \n \r \f and \uXXXX are decoded and any other
// escaped character stands for itself. Bytes that are not UTF-8 are read
// as ISO-8859-1 (the encoding Properties.load assumes). A key that repeats
// keeps its last value.
func ParseProperties(data []byte) map[string]string {
	props := map[string]string{}
	lines := splitLines(data)
	for i := 0; i < len(lines); i++ {
		line := trimLeftWS(lines[i])
		if len(line) == 0 || line[0] == '#' || line[0] == '!' {
			continue
		}
		logical := append([]byte(nil), line...)
		for continues(logical) && i+1 < len(lines) {
			logical = logical[:len(logical)-1]
			i++
			logical = append(logical, trimLeftWS(lines[i])...)
		}
		if continues(logical) {
			// A continuation at the end of the file continues into nothing.
			logical = logical[:len(logical)-1]
		}
		k, v := splitProperty(logical)
		props[unescape(k)] = unescape(v)
	}
	return props
}

func splitLines(data []byte) [][]byte {
	var lines [][]byte
	for len(data) > 0 {
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			lines = append(lines, data)
			break
		}
		lines = append(lines, data[:i])
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	return lines
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

func trimLeftWS(b []byte) []byte {
	for len(b) > 0 && isWS(b[0]) {
		b = b[1:]
	}
	return b
}

// continues reports whether line ends in an odd number of backslashes.
func continues(line []byte) bool {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitProperty splits a logical line into its raw (still escaped) key and
// value.
func splitProperty(line []byte) (key, value []byte) {
	end := len(line)
	sepIsWS := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '\\' {
			i++
			continue
		}
		if c == '=' || c == ':' {
			end = i
			break
		}
		if isWS(c) {
			end, sepIsWS = i, true
			break
		}
	}
	key = line[:end]
	if end == len(line) {
		return key, nil
	}
	rest := line[end+1:]
	if sepIsWS {
		rest = trimLeftWS(rest)
		if len(rest) > 0 && (rest[0] == '=' || rest[0] == ':') {
			rest = rest[1:]
		}
	}
	return key, trimLeftWS(rest)
}

func unescape(b []byte) string {
	s := text(b)
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			out.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			out.WriteByte('\t')
		case 'n':
			out.WriteByte('\n')
		case 'r':
			out.WriteByte('\r')
		case 'f':
			out.WriteByte('\f')
		case 'u':
			if i+4 < len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+5], 16, 16); err == nil {
					out.WriteRune(rune(r))
					i += 4
					continue
				}
			}
			out.WriteByte('u')
		default:
			out.WriteByte(s[i])
		}
	}
	return out.String()
}
