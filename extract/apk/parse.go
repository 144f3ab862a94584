package apk

import (
	"bytes"
	"context"
)

// record is what the extractor reads of one package in the database.
type record struct {
	name, version, arch, origin, license string
}

// parseRecords reads apk's installed database: "K:value" lines, one record
// per package, records separated by blank lines. A "P:" line while the
// current record already has a name starts a new record, so that a missing
// blank line does not merge two packages. A repeated key keeps its first
// value; other lines are ignored. fn is called for each record that has a
// name. The context is checked every few thousand lines.
func parseRecords(ctx context.Context, data []byte, fn func(record)) error {
	var cur record
	flush := func() {
		if cur.name != "" {
			fn(cur)
		}
		cur = record{}
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
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			flush()
			continue
		}
		if len(line) < 2 || line[1] != ':' {
			continue
		}
		value := string(bytes.TrimSpace(line[2:]))
		switch line[0] {
		case 'P':
			if cur.name != "" {
				flush()
			}
			cur.name = value
		case 'V':
			setOnce(&cur.version, value)
		case 'A':
			setOnce(&cur.arch, value)
		case 'o':
			setOnce(&cur.origin, value)
		case 'L':
			setOnce(&cur.license, value)
		}
	}
	flush()
	return nil
}

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}
