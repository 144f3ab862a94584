package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
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
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PACKAGE\tINSTALLED\tVULNERABILITY\tSEVERITY\tSTATUS\tFIXED IN\tLAYER")
	prev := ""
	for _, v := range r.Vulnerabilities {
		pkg, inst := v.PackageName, v.InstalledVersion
		if pkg+"\x00"+inst == prev {
			pkg, inst = "", ""
		} else {
			prev = pkg + "\x00" + inst
		}
		sev := v.Severity
		if colour {
			// Pad before colouring so that tabwriter measures the text alone.
			sev = colours[v.Severity] + fmt.Sprintf("%-10s", v.Severity) + "\x1b[0m"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", pkg, inst, v.ID, sev, v.Status, dash(v.FixedVersion), layerLabel(v))
	}
	return tw.Flush()
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
