package java

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Manifest is the main section of a JAR manifest (META-INF/MANIFEST.MF):
// its attributes by name, the names lower-cased (manifest attribute names
// are case-insensitive). Per-entry sections, which follow the first blank
// line, are not kept.
type Manifest map[string]string

// Get returns the value of the attribute name (any case), "" when absent.
func (m Manifest) Get(name string) string { return m[strings.ToLower(name)] }

// ParseManifest reads the main section of a manifest. Lines end in CR LF,
// LF or CR; a line that starts with one space continues the previous
// value (the JAR format wraps lines at 72 bytes, in the middle of words);
// blank lines before the first attribute are skipped and the next blank
// line ends the section. Values have surrounding white space removed.
// Lines without a colon are ignored, and when a name repeats the last
// value is kept. A leading UTF-8 byte order mark is dropped; bytes that
// are not UTF-8 are read as ISO-8859-1.
func ParseManifest(data []byte) Manifest {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	m := Manifest{}
	var name string
	var val bytes.Buffer // raw bytes: a wrapped line may split a UTF-8 sequence
	flush := func() {
		if name != "" {
			m[name] = strings.TrimSpace(text(val.Bytes()))
		}
		name = ""
		val.Reset()
	}
	started := false
	for len(data) > 0 {
		var line []byte
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			line, data = data, nil
		} else {
			line = data[:i]
			if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			data = data[i+1:]
		}
		if len(line) == 0 {
			if started {
				break
			}
			continue
		}
		started = true
		if line[0] == ' ' {
			if name != "" {
				val.Write(line[1:])
			}
			continue
		}
		flush()
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		key := strings.ToLower(strings.TrimSpace(text(k)))
		if key == "" {
			continue
		}
		name = key
		val.Write(v)
	}
	flush()
	return m
}

// text returns b as a string, reading it as ISO-8859-1 when it is not
// valid UTF-8.
func text(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
