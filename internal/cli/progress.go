package cli

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/advisory/update"
	"github.com/lading-dev/lading/internal/progress"
	"github.com/lading-dev/lading/scan"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// startProgress sets up the progress line, once the flags are parsed:
// on standard error when progressOut allows it, and standard error then
// goes through the line, which is cleared before anything else is
// written there. Without a terminal g.bar stays nil and draws nothing.
func (g *globals) startProgress() {
	if g.bar != nil {
		return
	}
	f := g.progressOut()
	if f == nil {
		return
	}
	g.bar = progress.New(f, progress.Options{Width: func() int {
		w, _, err := term.GetSize(int(f.Fd()))
		if err != nil {
			return 0
		}
		return w
	}})
	g.stdio.Err = g.bar.Writer()
}

// layerProgress turns the layer events of a scan, which may come from
// several goroutines at once, into one line for all the layers: how many
// are done (and how many of those came from the cache), and the bytes read
// of the layers' stored size when every layer's size is known, else the
// bytes read. layers is only touched inside g.bar's Update, under its lock.
type layerProgress struct {
	bar    *progress.Bar
	layers []layerState
}

type layerState struct {
	seen, done, cached bool
	size, read         int64
}

func newLayerProgress(bar *progress.Bar) *layerProgress { return &layerProgress{bar: bar} }

// layer is a scan.Options.Progress.
func (p *layerProgress) layer(ev scan.LayerEvent) {
	if p.bar == nil || ev.Index < 0 {
		return
	}
	finished := false
	p.bar.Update(func(s *progress.State) {
		if ev.Count > len(p.layers) {
			p.layers = append(p.layers, make([]layerState, ev.Count-len(p.layers))...)
		}
		if ev.Index >= len(p.layers) {
			return
		}
		l := &p.layers[ev.Index]
		l.seen = true
		if ev.Size > 0 {
			l.size = ev.Size
		}
		l.read = max(l.read, ev.Read)
		if ev.Done {
			l.done, l.cached = true, ev.Cached
		}
		*s = p.state()
		finished = p.allDone()
	})
	if finished {
		p.bar.Flush()
	}
}

func (p *layerProgress) allDone() bool {
	for _, l := range p.layers {
		if !l.done {
			return false
		}
	}
	return len(p.layers) > 0
}

// state sums the layers. A layer done counts at its full size when that
// is known (a cached one was never read, and a read one may not have
// reported its last bytes); only bytes actually read make the rate.
func (p *layerProgress) state() progress.State {
	var s progress.State
	done, cached := 0, 0
	sized := true
	for _, l := range p.layers {
		if !l.seen || l.size <= 0 {
			sized = false
		}
		s.Total += l.size
		switch {
		case l.done && l.cached:
			done++
			cached++
			s.Done += max(l.size, l.read)
			s.Moved += l.read
		case l.done:
			done++
			s.Done += max(l.size, l.read)
			s.Moved += max(l.size, l.read)
		default:
			s.Done += l.read
			s.Moved += l.read
		}
	}
	if !sized {
		s.Total = 0
	}
	s.Label = fmt.Sprintf("layers %d/%d", done, len(p.layers))
	if cached > 0 {
		s.Label += fmt.Sprintf(" (%d cached)", cached)
	}
	return s
}

// done ends the line; the report follows on a clean line.
func (p *layerProgress) done() { p.bar.Clear() }

// transferProgress draws one download of db update at a time, naming its
// feed and file; nil when nothing is drawn.
func (g *globals) transferProgress() func(update.Transfer) {
	if g.bar == nil {
		return nil
	}
	return func(t update.Transfer) {
		st := progress.State{Label: transferLabel(t), Done: t.Read, Total: t.Total, Moved: t.Read}
		switch {
		case t.Done:
			// The log line that follows says how it went.
			g.bar.Clear()
		case t.Read == 0:
			g.bar.Reset(st)
		default:
			g.bar.Update(func(s *progress.State) { *s = st })
		}
	}
}

// transferLabel names a download: "[3/120] osv Go/all.zip".
func transferLabel(t update.Transfer) string {
	parts := strings.Split(t.File, "/")
	switch {
	case len(parts) == 7 && parts[0] == "github":
		// github/OWNER/REPO/archive/refs/heads/BRANCH.zip
		parts = []string{parts[2], parts[6]}
	case len(parts) > 1 && (parts[0] == t.Feed || parts[0] == "microsoft"):
		parts = parts[1:]
	}
	name := lastTwo(path.Join(parts...))
	label := t.Feed + " " + name
	if t.Count > 0 {
		label = fmt.Sprintf("[%d/%d] %s", t.Index+1, t.Count, label)
	}
	return label
}

// lastTwo keeps the last two segments of a slash-separated path: enough
// to tell feed files apart ("v3.20/main.json", "Go/all.zip",
// "2.0/nvdcve-2.0-2024.json.gz").
func lastTwo(p string) string {
	parts := strings.Split(p, "/")
	return path.Join(parts[max(0, len(parts)-2):]...)
}

// buildProgress draws how a database build advances through its input
// files; nil when nothing is drawn.
func (g *globals) buildProgress() func(build.Progress) {
	if g.bar == nil {
		return nil
	}
	return func(p build.Progress) {
		label := "writing the database"
		if p.File != "" {
			label = fmt.Sprintf("reading %d/%d %s", p.Index+1, p.Count, lastTwo(filepath.ToSlash(p.File)))
		}
		st := progress.State{Label: label, Done: p.Done, Total: p.Total, Moved: p.Done}
		g.bar.Update(func(s *progress.State) { *s = st })
		if p.File == "" {
			g.bar.Flush()
		}
	}
}

// blobProgress draws the transfer of a database artifact's blob; nil
// when nothing is drawn.
func (g *globals) blobProgress(label string) func(done, total int64) {
	if g.bar == nil {
		return nil
	}
	return func(done, total int64) {
		st := progress.State{Label: label, Done: done, Total: total, Moved: done}
		if done == 0 {
			g.bar.Reset(st)
			return
		}
		g.bar.Update(func(s *progress.State) { *s = st })
	}
}

// size writes a byte count in binary units.
func size(n int64) string { return progress.Bytes(n) }
