package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	texttemplate "text/template"

	"github.com/spf13/cobra"

	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/report/cyclonedx"
	"github.com/lading-dev/lading/report/html"
	"github.com/lading-dev/lading/report/junit"
	"github.com/lading-dev/lading/report/markdown"
	"github.com/lading-dev/lading/report/sarif"
	"github.com/lading-dev/lading/report/spdx"
	reporttemplate "github.com/lading-dev/lading/report/template"
)

// reportFormats are the values of --format on the scanning commands.
var reportFormats = []string{"table", "json", "sarif", "cyclonedx", "spdx", "html", "junit", "markdown", "template"}

const formatUsage = "report format: table, json, sarif, cyclonedx, spdx, html, junit, markdown or template (with --template)"

// formatFlags are the report format's own flags.
type formatFlags struct {
	template string
	tmpl     *texttemplate.Template
}

func (ff *formatFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&ff.template, "template", "", "with --format template: the Go text/template to render the report with, @FILE or FILE (or the template text itself when it holds \"{{\")")
}

// checkFormat validates --format and loads --template, so that a bad
// template fails before anything is scanned.
func (f *scanFlags) checkFormat() error {
	if !slices.Contains(reportFormats, f.format) {
		return fmt.Errorf("--format %q: want %s", f.format, strings.Join(reportFormats, ", "))
	}
	if f.format != "template" {
		if f.formatFlags.template != "" {
			return fmt.Errorf("--template is read only with --format template")
		}
		return nil
	}
	t, err := reporttemplate.Load(f.formatFlags.template)
	if err != nil {
		return err
	}
	f.formatFlags.tmpl = t
	return nil
}

// renderReport writes rep in the format f names; colour applies to the
// table only.
func renderReport(w io.Writer, rep *report.Report, f *scanFlags, colour bool) error {
	switch f.format {
	case "json":
		return report.WriteJSON(w, rep)
	case "sarif":
		return sarif.Write(w, rep)
	case "cyclonedx":
		return cyclonedx.Write(w, rep)
	case "spdx":
		return spdx.Write(w, rep)
	case "html":
		return html.Write(w, rep)
	case "junit":
		return junit.Write(w, rep)
	case "markdown":
		return markdown.Write(w, rep)
	case "template":
		return reporttemplate.Write(w, f.formatFlags.tmpl, rep)
	}
	return report.WriteTable(w, rep, colour)
}
