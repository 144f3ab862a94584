// Package template renders a lading report through a Go text/template the
// user writes (`--format template --template FILE`). The template's data is
// the report itself (*report.Report, the lading.report/v1 document): its Go
// field names are documented with the JSON fields in docs/report-schema.md
// (.Target.Ref, .Vulnerabilities, .Summary.BySeverity, ...).
//
// Besides text/template's own functions (printf, len, index, eq, html,
// js, urlquery, ...) a template can call:
//
//	join LIST SEP          strings.Join
//	upper, lower, trim     strings.ToUpper, ToLower, TrimSpace
//	replace S OLD NEW      strings.ReplaceAll
//	contains S SUB         strings.Contains
//	short DIGEST           the first 12 hex digits of a digest
//	instruction S N        a history instruction shortened to N runes (0: whole)
//	advisory ID            a web page about a vulnerability ID
//	severityRank SEV       5 for CRITICAL down to 0 for UNKNOWN
//	layers REPORT          per-layer rows: .Index .DiffID .CreatedBy .Packages .Findings .BySeverity
//	packagePath REPORT V   the file that lists finding V's package
//	json VALUE             VALUE as compact JSON
//	xml S, csv S, md S     S escaped for XML text or attributes, a CSV field, a Markdown table cell
//	now                    the current time (UTC)
package template

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/template"
	"time"

	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/report/internal/view"
	"github.com/lading-dev/lading/report/markdown"
)

// MaxSize bounds a template file.
const MaxSize = 1 << 20

// Funcs are the functions a template can call besides text/template's.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"join":         strings.Join,
		"upper":        strings.ToUpper,
		"lower":        strings.ToLower,
		"trim":         strings.TrimSpace,
		"replace":      strings.ReplaceAll,
		"contains":     strings.Contains,
		"short":        view.ShortDigest,
		"instruction":  view.Instruction,
		"advisory":     view.AdvisoryURL,
		"severityRank": report.SeverityRank,
		"layers":       view.Layers,
		"packagePath":  func(r *report.Report, v report.Vulnerability) string { return view.NewPackages(r).Path(v) },
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"xml": func(s string) (string, error) {
			var b bytes.Buffer
			err := xml.EscapeText(&b, []byte(s))
			return b.String(), err
		},
		"csv": func(s string) string {
			if strings.ContainsAny(s, ",\"\r\n") || strings.TrimSpace(s) != s {
				return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
			}
			return s
		},
		"md":  markdown.Escape,
		"now": func() time.Time { return time.Now().UTC() },
	}
}

// Parse parses a template's text; name appears in its error messages.
func Parse(name, text string) (*template.Template, error) {
	t, err := template.New(name).Funcs(Funcs()).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	return t, nil
}

// Load reads the --template value: "@FILE" or a path names a file; a value
// holding "{{" is the template text itself.
func Load(spec string) (*template.Template, error) {
	if spec == "" {
		return nil, errors.New("--format template needs --template FILE (or @FILE, or the template text)")
	}
	if !strings.HasPrefix(spec, "@") && strings.Contains(spec, "{{") {
		return Parse("--template", spec)
	}
	path := strings.TrimPrefix(spec, "@")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--template: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("--template %s: %w", path, err)
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("--template %s: larger than %d bytes", path, MaxSize)
	}
	return Parse(path, string(b))
}

// Write executes t with r as its data. The output is buffered, so a
// template that fails half way writes nothing.
func Write(w io.Writer, t *template.Template, r *report.Report) error {
	var b bytes.Buffer
	if err := t.Execute(&b, r); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}
