// Package markdown writes a lading report as GitHub-flavoured Markdown, for
// pull-request comments, CI job summaries ($GITHUB_STEP_SUMMARY) and wiki
// pages: a header, the counts by severity, the warnings, a per-layer table
// and the findings table. Table cells are escaped (pipes, backslashes,
// markup characters, line breaks), so package names and history
// instructions cannot break the layout or inject markup.
package markdown

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/report/internal/view"
)

// Escape makes s safe inside a table cell.
func Escape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '\\', '|', '*', '_', '`', '[', ']', '#', '~', '!':
			b.WriteByte('\\')
			b.WriteRune(c)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// code puts s in a code span, with a fence longer than any backtick run
// inside it; pipes are escaped (GitHub splits cells on them even there).
func code(s string) string {
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ").Replace(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// Write writes r as Markdown.
func Write(w io.Writer, r *report.Report) error {
	var b strings.Builder
	name := r.Target.Name
	if name == "" {
		name = r.Target.Ref
	}
	fmt.Fprintf(&b, "# Vulnerability report: %s\n\n", Escape(name))
	b.WriteString("| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| Target | %s |\n", code(r.Target.Ref))
	if d := r.Target.OS; d != nil && d.Family != "" {
		osName := d.Name
		if osName == "" {
			osName = d.Family + " " + d.Version
		}
		fmt.Fprintf(&b, "| Operating system | %s |\n", Escape(osName))
	}
	if r.Target.Digest != "" {
		fmt.Fprintf(&b, "| Digest | %s |\n", code(r.Target.Digest))
	}
	if !r.Generated.IsZero() {
		fmt.Fprintf(&b, "| Scanned | %s by lading %s |\n", r.Generated.UTC().Format("2006-01-02 15:04 UTC"), Escape(r.Lading))
	}
	if db := r.Database; db != nil {
		fmt.Fprintf(&b, "| Advisory database | built %s |\n", db.Built.UTC().Format(time.RFC3339))
	}
	b.WriteString("\n")

	var counts []string
	for _, s := range report.Severities {
		counts = append(counts, fmt.Sprintf("%s %d", s, r.Summary.BySeverity[s]))
	}
	fmt.Fprintf(&b, "**%d packages, %d findings** (%s)", r.Summary.Packages, r.Summary.Vulnerabilities, strings.Join(counts, ", "))
	if r.Summary.Ignored > 0 {
		fmt.Fprintf(&b, "; %d ignored", r.Summary.Ignored)
	}
	b.WriteString("\n\n")
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "> **Warning:** %s\n\n", Escape(wn))
	}
	if n := len(r.Unknowns); n > 0 {
		fmt.Fprintf(&b, "> %d package/advisory pairs could not be compared (versions lading could not parse); see the JSON report.\n\n", n)
	}
	if n := len(r.Problems); n > 0 {
		fmt.Fprintf(&b, "> %d files could not be read:", n)
		for _, p := range r.Problems {
			fmt.Fprintf(&b, " %s (%s);", code(p.Path), Escape(p.Error))
		}
		b.WriteString("\n\n")
	}

	rows := view.Layers(r)
	hasLayers := false
	for _, l := range rows {
		if l.DiffID != "" {
			hasLayers = true
		}
	}
	if hasLayers {
		b.WriteString("## By layer\n\n| # | Layer | Created by | Packages |")
		for _, s := range report.Severities {
			fmt.Fprintf(&b, " %s |", s)
		}
		b.WriteString(" Findings |\n|--:|---|---|--:|")
		for range report.Severities {
			b.WriteString("--:|")
		}
		b.WriteString("--:|\n")
		for _, l := range rows {
			idx, layer := "", "no layer recorded"
			if l.DiffID != "" {
				idx, layer = fmt.Sprint(l.Index), code(view.ShortDigest(l.DiffID))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %d |", idx, layer, code(view.Instruction(l.CreatedBy, 100)), l.Packages)
			for _, s := range report.Severities {
				fmt.Fprintf(&b, " %d |", l.BySeverity[s])
			}
			fmt.Fprintf(&b, " %d |\n", l.Findings)
		}
		b.WriteString("\n")
	}

	b.WriteString("## Findings\n\n")
	if len(r.Vulnerabilities) == 0 {
		b.WriteString("No findings survived the filters.\n")
	} else {
		b.WriteString("| Package | Installed | Vulnerability | Severity | Status | Fixed in |")
		if hasLayers {
			b.WriteString(" Layer |")
		}
		b.WriteString("\n|---|---|---|---|---|---|")
		if hasLayers {
			b.WriteString("---|")
		}
		b.WriteString("\n")
		for _, v := range r.Vulnerabilities {
			fixed := code(v.FixedVersion)
			if fixed == "" {
				fixed = "–"
			}
			vuln := fmt.Sprintf("[%s](%s)", Escape(v.ID), view.AdvisoryURL(v.ID))
			if v.Title != "" {
				vuln += "<br>" + Escape(v.Title)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |", Escape(v.PackageName), code(v.InstalledVersion), vuln,
				view.Severity(v.Severity), Escape(v.Status), fixed)
			if hasLayers {
				layer := "–"
				if v.Layer != "" {
					layer = code(view.ShortDigest(v.Layer))
					if v.CreatedBy != "" {
						layer += " " + code(view.Instruction(v.CreatedBy, 60))
					}
				}
				fmt.Fprintf(&b, " %s |", layer)
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
