// Package html writes a lading report as one standalone HTML page: inline
// CSS, an inline SVG bar chart of the findings by severity, a per-layer
// breakdown (layer, instruction, packages it brought, findings by severity)
// and the findings table. It loads nothing from the network and runs no
// script, so it can be mailed, archived as a CI artefact or opened offline.
//
// Elements a test or a script can count on: svg#severity-chart holds one
// g.bar per severity with data-severity and data-count; table#layers has
// one body row per layer (tr[data-layer]); table#findings one body row per
// finding (tr[data-id]).
package html

import (
	_ "embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"
	"time"

	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/report/internal/view"
)

//go:embed report.html.tmpl
var pageSource string

var page = htmltemplate.Must(htmltemplate.New("report").Funcs(htmltemplate.FuncMap{
	"short":       view.ShortDigest,
	"instruction": view.Instruction,
	"advisory":    view.AdvisoryURL,
	"lower":       strings.ToLower,
	"severity":    view.Severity,
	"time":        func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"hours":       hours,
	"dash": func(s string) string {
		if s == "" {
			return "–"
		}
		return s
	},
}).Parse(pageSource))

// Bar is one bar of the severity chart.
type Bar struct {
	Severity string
	Count    int
	Y, Width int // position and length in the SVG's user units
}

// Chart geometry, in SVG user units.
const (
	chartLabel  = 110 // width of the severity labels
	chartBarMax = 420 // longest bar
	chartRow    = 30  // height of a row
	chartBar    = 20  // height of a bar
)

type data struct {
	R         *report.Report
	Bars      []Bar
	ChartW    int
	ChartH    int
	Label     int
	BarH      int
	Layers    []view.LayerRow
	Sevs      []string
	HasLayers bool
}

// Bars lays out the severity chart of r: every severity in order, each
// bar as long as its count relative to the largest.
func Bars(r *report.Report) []Bar {
	most := 0
	for _, s := range report.Severities {
		most = max(most, r.Summary.BySeverity[s])
	}
	bars := make([]Bar, 0, len(report.Severities))
	for i, s := range report.Severities {
		n := r.Summary.BySeverity[s]
		w := 0
		if most > 0 {
			w = n * chartBarMax / most
			if n > 0 && w < 2 {
				w = 2
			}
		}
		bars = append(bars, Bar{Severity: s, Count: n, Y: i*chartRow + 5, Width: w})
	}
	return bars
}

// Write writes r as a standalone HTML page.
func Write(w io.Writer, r *report.Report) error {
	d := data{
		R:      r,
		Bars:   Bars(r),
		ChartW: chartLabel + chartBarMax + 60,
		ChartH: len(report.Severities)*chartRow + 10,
		Label:  chartLabel,
		BarH:   chartBar,
		Layers: view.Layers(r),
		Sevs:   report.Severities,
	}
	for _, l := range d.Layers {
		if l.DiffID != "" {
			d.HasLayers = true
		}
	}
	return page.Execute(w, d)
}

func hours(h float64) string {
	switch {
	case h >= 48:
		return fmt.Sprintf("%d days", int(h/24))
	case h >= 1:
		return fmt.Sprintf("%d hours", int(h))
	}
	return fmt.Sprintf("%d minutes", int(h*60))
}
