// Package pypa reads the PyPA advisory database
// (https://github.com/pypa/advisory-database): one OSV record per file,
// written in YAML, under vulns/<package>/<PYSEC-id>.yaml. Each YAML
// document is turned into the equivalent JSON and read with the OSV
// package's own decoder and conversion, so a PYSEC record gives the same
// statements as its JSON form in osv.dev's PyPI/all.zip, under source
// "pypa".
package pypa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/advisory/feed/ghzip"
	"github.com/lading-dev/lading/advisory/feed/osv"
)

// Source is the Vulnerability.Source of every record this package reads.
const Source = "pypa"

// Namespace is where the PyPI statements go (advisory.EcosystemNamespace
// of the records' "PyPI" ecosystem).
const Namespace = "pypi"

// Parse decodes one OSV record written in YAML.
func Parse(data []byte) (*osv.Record, error) {
	js, err := YAMLToJSON(data)
	if err != nil {
		return nil, err
	}
	return osv.Parse(js)
}

// Convert turns a record into an Entry with osv.Convert and marks it, and
// its statements, as source "pypa".
func Convert(r *osv.Record, stats *feed.Stats) feed.Entry {
	e := osv.Convert(r, stats)
	e.Vuln.Source = Source
	for i := range e.Affected {
		e.Affected[i].Source = Source
	}
	return e
}

// Limits on the YAML → JSON conversion: nesting depth, and the JSON size,
// at most 16 times the YAML's plus 64 KiB (aliases can make a small
// document expand without bound; real records shrink or stay the same).
const (
	maxDepth     = 256
	maxExpansion = 16
	expansionPad = 64 << 10
)

var errTooDeep = errors.New("YAML nested too deeply")

// YAMLToJSON converts one YAML document to JSON. Mappings become objects
// (keys must be scalars), sequences arrays, null scalars null, booleans
// true/false; every other scalar becomes a JSON string holding its text
// as written, so an unquoted version such as 2.10 keeps its trailing zero
// and timestamps keep their spelling (OSV has no numeric fields that
// lading reads).
func YAMLToJSON(data []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errors.New("not a YAML document")
	}
	w := &jsonWriter{limit: maxExpansion*len(data) + expansionPad}
	if err := w.write(doc.Content[0], 0); err != nil {
		return nil, err
	}
	return w.buf.Bytes(), nil
}

type jsonWriter struct {
	buf   bytes.Buffer
	limit int
}

func (w *jsonWriter) write(n *yaml.Node, depth int) error {
	buf := &w.buf
	if depth > maxDepth {
		return errTooDeep
	}
	if buf.Len() > w.limit {
		return fmt.Errorf("YAML expands to more than %d bytes of JSON", w.limit)
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return errors.New("YAML alias without a target")
		}
		return w.write(n.Alias, depth+1)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			for k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("YAML mapping key at line %d is not a scalar", k.Line)
			}
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k.Value)
			buf.WriteByte(':')
			if err := w.write(n.Content[i+1], depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := w.write(c, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			buf.WriteString("null")
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return fmt.Errorf("YAML boolean at line %d: %w", n.Line, err)
			}
			fmt.Fprint(buf, b)
		default:
			writeString(buf, n.Value)
		}
	default:
		return fmt.Errorf("unexpected YAML node kind %d at line %d", n.Kind, n.Line)
	}
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	buf.Write(b)
}

// isRecord reports whether a repository path holds a record:
// vulns/<package>/<id>.yaml (or .yml). Dot files (vulns/.id-allocator)
// and files outside vulns/ (LICENSE, README.md) are not records.
func isRecord(p string) (record, candidate bool) {
	if !strings.HasPrefix(p, "vulns/") || strings.HasPrefix(path.Base(p), ".") {
		return false, false
	}
	ext := strings.ToLower(path.Ext(p))
	return ext == ".yaml" || ext == ".yml", true
}

// ReadZipFile reads a GitHub archive of the advisory-database repository
// and hands on one Entry per record. Files that are not records are
// passed over; a file under vulns/ with another extension, and a record
// that does not parse, are counted as skipped with the file name. An
// archive in which no record parses, a damaged zip and an entry over the
// size limit are errors naming the file (and entry).
func ReadZipFile(ctx context.Context, p string, sink feed.Sink) (feed.Stats, error) {
	return ghzip.Feed{
		Name: "pypa", Noun: "record", Missing: "no record found under vulns/",
		Pick: func(p string) (bool, string) {
			rec, cand := isRecord(p)
			if cand && !rec {
				return true, "not a .yaml record"
			}
			return cand, ""
		},
		Convert: func(_ string, data []byte, stats *feed.Stats) (feed.Entry, error) {
			r, err := Parse(data)
			if err != nil {
				return feed.Entry{}, err
			}
			return Convert(r, stats), nil
		},
	}.ReadFile(ctx, p, sink)
}
