package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/lading-dev/lading/scan"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// progress draws one status line on a terminal; with a nil writer it does
// nothing, so piped output stays clean.
type progress struct {
	w     io.Writer
	start time.Time
}

func newProgress(w io.Writer) *progress { return &progress{w: w, start: time.Now()} }

func (p *progress) layer(ev scan.LayerEvent) {
	if p.w == nil {
		return
	}
	state := "reading"
	if ev.Done {
		state = "read"
	}
	id := strings.TrimPrefix(ev.DiffID, "sha256:")
	if len(id) > 12 {
		id = id[:12]
	}
	fmt.Fprintf(p.w, "\r\x1b[Klayer %d/%d %s %s (%s) %s", ev.Index+1, ev.Count, id, state, size(ev.Size), time.Since(p.start).Round(100*time.Millisecond))
}

func (p *progress) line(format string, args ...any) {
	if p.w == nil {
		return
	}
	fmt.Fprintf(p.w, "\r\x1b[K"+format, args...)
}

func (p *progress) done() {
	if p.w == nil {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
