package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

var colours = map[string]string{
	"CRITICAL": "\x1b[1;31m", "HIGH": "\x1b[31m", "MEDIUM": "\x1b[33m",
	"LOW": "\x1b[34m", "NEGLIGIBLE": "\x1b[2m", "UNKNOWN": "\x1b[2m",
}

// WriteTable writes the report for a person: a header, then one row per
// finding grouped by package. colour adds severity colours (terminals only).
func WriteTable(w io.Writer, r *Report, colour bool) error {
	var b strings.Builder
	target := r.Target.Ref
	if r.Target.OS != nil && r.Target.OS.Family != "" {
		target += fmt.Sprintf(" (%s %s)", r.Target.OS.Family, r.Target.OS.Version)
	}
	fmt.Fprintf(&b, "Target:   %s\n", target)
	if r.Target.Digest != "" {
		fmt.Fprintf(&b, "Digest:   %s\n", r.Target.Digest)
	}
	fmt.Fprintf(&b, "Packages: %d", r.Summary.Packages)
	if n := len(r.Layers); n > 0 && r.Layers[0].DiffID != "" {
		fmt.Fprintf(&b, " in %d layers", n)
	}
	b.WriteString("\n")
	if r.Database != nil {
		fmt.Fprintf(&b, "Database: built %s (%s old)\n", r.Database.Built.UTC().Format(time.RFC3339), age(r.Database.AgeHours))
	}
	var counts []string
	for _, s := range Severities {
		if n := r.Summary.BySeverity[s]; n > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", s, n))
		}
	}
	fmt.Fprintf(&b, "Vulnerabilities: %d", r.Summary.Vulnerabilities)
	if len(counts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(counts, ", "))
	}
	b.WriteString("\n")
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "Warning: %s\n", w)
	}
	if n := len(r.Ignored); n > 0 {
		fmt.Fprintf(&b, "Ignored: %d (by ignore rules or VEX statements; see --format json)\n", n)
	}
	if r.Summary.New != nil {
		fmt.Fprintf(&b, "New since the baseline: %d\n", *r.Summary.New)
	}
	if len(r.Unknowns) > 0 {
		fmt.Fprintf(&b, "Not compared: %d (versions that could not be parsed; see --format json)\n", len(r.Unknowns))
	}
	if len(r.Problems) > 0 {
		fmt.Fprintf(&b, "Problems: %d files could not be read:\n", len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  %s: %s\n", p.Path, p.Error)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if len(r.Vulnerabilities) == 0 {
		return nil
	}
	rows := [][]string{{"PACKAGE", "INSTALLED", "VULNERABILITY", "SEVERITY", "STATUS", "FIXED IN", "LAYER"}}
	prev := ""
	for _, v := range r.Vulnerabilities {
		pkg, inst := v.PackageName, v.InstalledVersion
		if pkg+"\x00"+inst == prev {
			pkg, inst = "", ""
		} else {
			prev = pkg + "\x00" + inst
		}
		rows = append(rows, []string{pkg, inst, v.ID, v.Severity, v.Status, dash(v.FixedVersion), layerLabel(v)})
	}
	return writeRows(w, rows, colour)
}

// writeRows lays rows out in columns two spaces apart. Widths are measured
// on the plain text, and colour (severity column only) is added after
// padding, so escape codes never shift a column.
func writeRows(w io.Writer, rows [][]string, colour bool) error {
	const sevCol = 3
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	b.WriteString("\n")
	for ri, row := range rows {
		for i, cell := range row {
			pad := ""
			if i < len(row)-1 {
				pad = strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)+2)
			}
			if colour && ri > 0 && i == sevCol && colours[cell] != "" {
				cell = colours[cell] + cell + "\x1b[0m"
			}
			b.WriteString(cell + pad)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func layerLabel(v Vulnerability) string {
	if v.Layer == "" {
		return "-"
	}
	id := strings.TrimPrefix(v.Layer, "sha256:")
	if len(id) > 12 {
		id = id[:12]
	}
	if v.CreatedBy == "" {
		return id
	}
	cb := strings.Join(strings.Fields(v.CreatedBy), " ")
	cb = strings.TrimPrefix(cb, "/bin/sh -c ")
	cb = strings.TrimPrefix(cb, "#(nop) ")
	if len(cb) > 48 {
		cb = cb[:47] + "…"
	}
	return id + " " + cb
}

func age(hours float64) string {
	d := time.Duration(hours * float64(time.Hour)).Round(time.Minute)
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	if d >= time.Hour {
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dm", int(d.Minutes()))
}
