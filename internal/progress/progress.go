// Package progress draws one line of progress on a terminal: a label, a
// bar, bytes done of the total in binary units, a rate smoothed over the
// last couple of seconds and an estimate of the time left, redrawn in
// place and at most every Interval.
//
// A Bar is safe for concurrent use. A nil *Bar, which New returns for a
// nil writer, draws nothing and costs nothing, so callers need not check
// whether progress is wanted.
package progress

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Defaults for Options.
const (
	DefaultInterval = 100 * time.Millisecond
	DefaultWindow   = 2 * time.Second
	DefaultWidth    = 80
)

// The bar's inner width is kept between these bounds; below minBar
// columns it is left out.
const (
	minBar = 5
	maxBar = 40
	// barGoal is the bar width a long label is shortened to leave room for.
	barGoal = 10
	// minLabel is what a long label is shortened to, at the least, before
	// the rest of the line gives way.
	minLabel = 16
)

// clearLine moves to the start of the line and erases it.
const clearLine = "\r\x1b[K"

// Options tunes a Bar.
type Options struct {
	// Now reads the clock; nil means time.Now.
	Now func() time.Time
	// Width gives the terminal's width in columns; nil, or a result of 0
	// or less, means DefaultWidth. It is asked at every redraw, so a
	// resized terminal is followed.
	Width func() int
	// Interval is the least time between two redraws; 0 means
	// DefaultInterval.
	Interval time.Duration
	// Window is how far back the rate looks; 0 means DefaultWindow.
	Window time.Duration
	// After runs f once d has passed, on a goroutine of its own; nil means
	// time.AfterFunc. A change that comes too soon after a redraw is drawn
	// by such a call once the interval is over.
	After func(d time.Duration, f func())
}

// State is what the line shows.
type State struct {
	// Label comes first: what is being worked on.
	Label string
	// Done counts the bytes done; it fills the bar.
	Done int64
	// Total is the bytes to do; 0 or less when unknown, and the line then
	// shows Done and the rate, with no bar and no estimate.
	Total int64
	// Moved counts the bytes actually read or transferred, from which the
	// rate is measured. It differs from Done when some of the work was
	// skipped (a layer found in a cache counts as done without being read).
	Moved int64
}

// Bar draws a State on one line of a terminal.
type Bar struct {
	w        io.Writer
	now      func() time.Time
	width    func() int
	after    func(time.Duration, func())
	interval time.Duration
	window   time.Duration

	mu       sync.Mutex
	state    State
	active   bool      // a state is set and not cleared
	shown    string    // the text on screen, "" when none
	drawn    time.Time // when the line was last drawn
	drewOnce bool      // drawn at least once
	samples  []sample  // (time, Moved) at each draw, oldest first
	partial  []byte    // a line written through Writer, not yet ended
	tail     int       // the widest text after the bar since the last Reset
	pending  bool      // a later redraw is scheduled
	gen      int       // counts Clears, so that a redraw scheduled before one is dropped
}

type sample struct {
	t     time.Time
	moved int64
}

// New returns a Bar drawing on w, or nil when w is nil.
func New(w io.Writer, opts Options) *Bar {
	if w == nil {
		return nil
	}
	b := &Bar{w: w, now: opts.Now, width: opts.Width, after: opts.After, interval: opts.Interval, window: opts.Window}
	if b.now == nil {
		b.now = time.Now
	}
	if b.after == nil {
		b.after = func(d time.Duration, f func()) { time.AfterFunc(d, f) }
	}
	if b.interval <= 0 {
		b.interval = DefaultInterval
	}
	if b.window <= 0 {
		b.window = DefaultWindow
	}
	return b
}

// Reset starts a new piece of work: the state is replaced and the rate
// measured afresh. The line is redrawn when Interval has passed since
// the last redraw.
func (b *Bar) Reset(s State) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.state = s
	b.active = true
	b.samples = b.samples[:0]
	b.tail = 0
	b.drawIfDue()
}

// Update changes the state with fn, called with the Bar locked (so
// concurrent callers see each other's changes in order; fn must not call
// the Bar), and redraws the line when Interval has passed since the last
// redraw.
func (b *Bar) Update(fn func(*State)) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	fn(&b.state)
	b.active = true
	if b.state.Moved < lastMoved(b.samples) {
		b.samples = b.samples[:0]
	}
	b.drawIfDue()
}

// Flush redraws the line now, whatever the interval, when its text has
// changed: the final redraw of a piece of work.
func (b *Bar) Flush() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.active {
		b.draw(b.now())
	}
}

// Clear erases the line and forgets the state; nothing is drawn again
// until the next Reset or Update, and that no sooner than Interval after
// the last redraw. A partial line written through Writer is written out.
func (b *Bar) Clear() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.erase()
	if len(b.partial) > 0 {
		b.w.Write(b.partial)
		b.partial = b.partial[:0]
	}
	b.active = false
	b.state = State{}
	b.samples = b.samples[:0]
	b.tail = 0
	b.pending = false
	b.gen++
}

// Writer returns a writer for other output to the same terminal, such as
// warnings and log lines: the progress line is erased before them, and
// drawn again below them once Interval has passed since the last redraw.
// Text is passed on a whole line at a time. For a nil Bar it returns nil.
func (b *Bar) Writer() io.Writer {
	if b == nil {
		return nil
	}
	return lineWriter{b}
}

type lineWriter struct{ b *Bar }

func (lw lineWriter) Write(p []byte) (int, error) {
	b := lw.b
	b.mu.Lock()
	defer b.mu.Unlock()
	end := bytes.LastIndexByte(p, '\n') + 1
	if end == 0 {
		b.partial = append(b.partial, p...)
		return len(p), nil
	}
	b.erase()
	var err error
	if len(b.partial) > 0 {
		_, err = b.w.Write(append(b.partial, p[:end]...))
		b.partial = b.partial[:0]
	} else {
		_, err = b.w.Write(p[:end])
	}
	b.partial = append(b.partial, p[end:]...)
	if b.active {
		b.drawIfDue()
	}
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// erase clears the line when something is drawn on it.
func (b *Bar) erase() {
	if b.shown != "" {
		io.WriteString(b.w, clearLine)
		b.shown = ""
	}
}

// drawIfDue redraws the line now when Interval has passed since the last
// redraw, else once it has.
func (b *Bar) drawIfDue() {
	now := b.now()
	if wait := b.interval - now.Sub(b.drawn); b.drewOnce && wait > 0 {
		if !b.pending {
			b.pending = true
			gen := b.gen
			b.after(wait, func() { b.scheduled(gen) })
		}
		return
	}
	b.draw(now)
}

func (b *Bar) scheduled(gen int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if gen != b.gen {
		return
	}
	b.pending = false
	if b.active {
		b.drawIfDue()
	}
}

func (b *Bar) draw(now time.Time) {
	if len(b.partial) > 0 {
		// Someone is part way through a line of their own.
		return
	}
	rate, ok := b.rate(now)
	text, tail := render(b.state, rate, ok, b.columns(), b.tail)
	b.tail = max(b.tail, tail)
	b.drawn = now
	b.drewOnce = true
	b.samples = append(b.samples, sample{now, b.state.Moved})
	if text == b.shown {
		return
	}
	io.WriteString(b.w, clearLine+text)
	b.shown = text
}

// rate is the bytes per second moved over the window, measured from the
// oldest sample that the window still needs.
func (b *Bar) rate(now time.Time) (float64, bool) {
	cut := now.Add(-b.window)
	drop := 0
	for drop+1 < len(b.samples) && !b.samples[drop+1].t.After(cut) {
		drop++
	}
	b.samples = append(b.samples[:0], b.samples[drop:]...)
	if len(b.samples) == 0 {
		return 0, false
	}
	base := b.samples[0]
	dt := now.Sub(base.t)
	if dt < b.interval {
		return 0, false
	}
	return float64(b.state.Moved-base.moved) / dt.Seconds(), true
}

func lastMoved(s []sample) int64 {
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1].moved
}

func (b *Bar) columns() int {
	if b.width != nil {
		if w := b.width(); w > 0 {
			return w
		}
	}
	return DefaultWidth
}

// Render lays out the line for s in fewer than width columns: the label,
// then, when the total is known, a bar and done/total, else the bytes
// done (once there are some), then the rate (when known) and the time
// left. What does not fit gives way in turn: the bar narrows, the label
// is shortened (to no less than 16 columns), then the estimate and then
// the rate are left out; the bar is left out while not even 5 columns
// are free for it, and last the line is cut.
//
// While a rate or an estimate is still to come, room is kept for them,
// so that the bar does not narrow when they appear.
func Render(s State, rate float64, haveRate bool, width int) string {
	line, _ := render(s, rate, haveRate, width, 0)
	return line
}

// rateSlot is the room kept after the counts for a rate and an estimate.
const rateSlot = len("  999.9 MiB/s  ETA 9s")

// render is Render keeping at least reserve columns for the text after
// the bar (when that leaves room for a bar), and also returns that text's
// width: a Bar passes the widest it has drawn since its last Reset, so
// that its bar keeps its width from one redraw to the next.
func render(s State, rate float64, haveRate bool, width, reserve int) (string, int) {
	room := width - 1 // the last column would make some terminals wrap
	known := s.Total > 0
	counts := Bytes(s.Done)
	if known {
		counts += "/" + Bytes(s.Total)
		// Room for done as wide as the total, and for a rate and an estimate.
		reserve = max(reserve, 2+2*width1(Bytes(s.Total))+rateSlot)
	}
	var rateText, eta string
	if !known && s.Done == 0 {
		// Nothing counted yet, nor anything to count towards.
		counts, haveRate = "", false
	}
	if haveRate {
		rateText = Rate(rate)
		if known && rate > 0 && s.Done < s.Total {
			secs := float64(s.Total-s.Done) / rate
			eta = ETA(time.Duration(min(secs, 100*3600) * float64(time.Second)))
		}
	}
	tail := func() string {
		var t string
		if counts != "" {
			t = " " + counts
		}
		if rateText != "" {
			t += "  " + rateText
		}
		if eta != "" {
			t += "  ETA " + eta
		}
		return t
	}
	label := s.Label
	join := func(parts ...string) string { return strings.TrimLeft(strings.Join(parts, ""), " ") }
	for {
		t := tail()
		tw := width1(t)
		if known {
			n := room - width1(label) - max(tw, reserve) - 3
			if n < minBar {
				n = room - width1(label) - tw - 3
			}
			if n >= minBar {
				return join(label, " [", bar(s.Done, s.Total, min(n, maxBar)), "]", t), tw
			}
			if width1(label) > minLabel {
				label = shorten(label, max(minLabel, room-max(tw, reserve)-3-barGoal))
				continue
			}
		}
		if width1(label)+tw <= room {
			return join(label, t), tw
		}
		switch {
		case width1(label) > minLabel:
			label = shorten(label, max(minLabel, room-width1(t)))
		case eta != "":
			eta = ""
		case rateText != "":
			rateText = ""
		default:
			return cut(join(label, t), room), tw
		}
	}
}

// bar draws done/total in n columns: '=' for what is done, '>' at the
// front, spaces for the rest.
func bar(done, total int64, n int) string {
	done = max(0, min(done, total))
	fill := int(float64(done) / float64(total) * float64(n))
	if fill >= n {
		return strings.Repeat("=", n)
	}
	return strings.Repeat("=", fill) + ">" + strings.Repeat(" ", n-fill-1)
}

// Bytes writes n bytes in binary units: "512 B", "1.5 KiB", "80.1 MiB",
// "2.0 GiB".
func Bytes(n int64) string {
	switch {
	case n >= 1<<40:
		return fmt.Sprintf("%.1f TiB", float64(n)/(1<<40))
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Rate writes a rate in bytes per second: "92.4 MiB/s".
func Rate(perSecond float64) string {
	if perSecond < 0 || math.IsNaN(perSecond) {
		perSecond = 0
	}
	return Bytes(int64(math.Min(perSecond, math.MaxInt64/2))) + "/s"
}

// ETA writes a time left, rounded up to the second: "7s", "2m05s",
// "1h02m"; beyond 99 hours it is "99h+".
func ETA(d time.Duration) string {
	s := int64(math.Ceil(d.Seconds()))
	switch {
	case s >= 99*3600:
		return "99h+"
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}

// width1 counts columns as runes: the line holds no wide characters
// lading writes itself.
func width1(s string) int { return utf8.RuneCountInString(s) }

// shorten keeps s's start and end around a "…" in n columns.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n < 2 {
		return string(r[:max(n, 0)])
	}
	head := (n - 1) / 2
	tail := n - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

// cut keeps the first n columns of s.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:max(n, 0)])
}
