package dpkg

import (
	"bytes"
	"context"
	"strings"
)

// paragraph is one deb822 stanza: the fields dpkg records for one package,
// by lower-case field name. Only the fields the extractor reads are kept.
type paragraph map[string]string

// keptFields are the fields paragraphs keep.
var keptFields = map[string]bool{
	"package": true, "version": true, "architecture": true, "source": true, "status": true,
}

// invalidField marks a paragraph in which one of the kept fields, all of
// them single-line in deb822, has continuation lines. Such a paragraph is
// not used.
const invalidField = "\x00invalid"

// parseParagraphs splits deb822 data into paragraphs and calls fn for each,
// in order. Paragraphs are separated by lines that are empty or hold only
// spaces and tabs. A line starting with a space or tab continues the
// previous field, whatever it looks like (so a description line
// " Note: x" is never a field); a line starting with '#' is a comment; any
// other line is "Name: value", and a line without a colon is ignored. Field
// names are matched without regard to case; a repeated field keeps its first
// value. The context is checked every few thousand lines.
func parseParagraphs(ctx context.Context, data []byte, fn func(paragraph)) error {
	var cur paragraph
	var last string // lower-case name of the field being continued
	flush := func() {
		if cur != nil {
			fn(cur)
		}
		cur, last = nil, ""
	}
	for n := 0; len(data) > 0; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(bytes.Trim(line, " \t")) == 0 {
			flush()
			continue
		}
		switch line[0] {
		case ' ', '\t':
			if keptFields[last] {
				cur[invalidField] = last
			}
			continue
		case '#':
			continue
		}
		if cur == nil {
			cur = paragraph{}
		}
		name, value, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			last = ""
			continue
		}
		last = strings.ToLower(string(bytes.TrimSpace(name)))
		if !keptFields[last] {
			continue
		}
		if _, seen := cur[last]; seen {
			last = "" // a repeated field and its continuation lines are dropped
			continue
		}
		cur[last] = string(bytes.TrimSpace(value))
	}
	flush()
	return nil
}
