package progress_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lading-dev/lading/internal/progress"
)

const (
	clr = "\r\x1b[K"
	MiB = 1 << 20
)

// clock is a fake clock with timers that fire when it is advanced.
type clock struct {
	mu     sync.Mutex
	t      time.Time
	timers []timer
}

type timer struct {
	at time.Time
	f  func()
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) After(d time.Duration, f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timers = append(c.timers, timer{c.t.Add(d), f})
}

// Advance moves the clock on and runs the timers that are due, in order.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	var due []func()
	rest := c.timers[:0]
	for _, tm := range c.timers {
		if !tm.at.After(c.t) {
			due = append(due, tm.f)
		} else {
			rest = append(rest, tm)
		}
	}
	c.timers = rest
	c.mu.Unlock()
	for _, f := range due {
		f()
	}
}

func newBar(w io.Writer, c *clock, width int) *progress.Bar {
	return progress.New(w, progress.Options{Now: c.Now, After: c.After, Width: func() int { return width }})
}

// take returns what was written since the last take.
func take(buf *bytes.Buffer) string {
	s := buf.String()
	buf.Reset()
	return s
}

func TestRender(t *testing.T) {
	// 80.1 MiB of 165.0 MiB at 92.4 MiB/s: 84.9 MiB left, 0.92 s.
	layers := progress.State{Label: "layers 3/5", Done: 84_000_000, Total: 165 * MiB, Moved: 84_000_000}
	rate := 92.4 * MiB
	nvd := progress.State{Label: "[3/120] nvd 2.0/nvdcve-2.0-2024.json.gz", Done: 12 * MiB, Total: 20 * MiB}
	for _, tc := range []struct {
		name     string
		s        progress.State
		rate     float64
		haveRate bool
		width    int
		want     string
	}{
		{"80 columns", layers, rate, true, 80,
			"layers 3/5 [============>            ] 80.1 MiB/165.0 MiB  92.4 MiB/s  ETA 1s"},
		{"60 columns", layers, rate, true, 60,
			"layers 3/5 [==>  ] 80.1 MiB/165.0 MiB  92.4 MiB/s  ETA 1s"},
		{"wide: the bar stops at 40", layers, rate, true, 200,
			"layers 3/5 [===================>                    ] 80.1 MiB/165.0 MiB  92.4 MiB/s  ETA 1s"},
		{"narrow: estimate and rate give way to the bar", layers, rate, true, 40,
			"layers 3/5 [===>   ] 80.1 MiB/165.0 MiB"},
		{"very narrow: the line is cut", layers, rate, true, 20,
			"layers 3/5 80.1 MiB"},
		{"no rate yet: the bar keeps its width", layers, 0, false, 80,
			"layers 3/5 [============>            ] 80.1 MiB/165.0 MiB"},
		{"long label shortened for the bar", nvd, 5 * MiB, true, 80,
			"[3/120] nvd 2…-2024.json.gz [======>   ] 12.0 MiB/20.0 MiB  5.0 MiB/s  ETA 2s"},
		{"unknown total", progress.State{Label: "layers 1/2", Done: 12 * MiB, Moved: 12 * MiB}, 3 * MiB, true, 80,
			"layers 1/2 12.0 MiB  3.0 MiB/s"},
		{"unknown total, nothing yet", progress.State{Label: "layers 0/2"}, 0, true, 80,
			"layers 0/2"},
		{"stalled: no estimate", layers, 0, true, 80,
			"layers 3/5 [============>            ] 80.1 MiB/165.0 MiB  0 B/s"},
		{"complete", progress.State{Label: "x", Done: 3 * MiB, Total: 3 * MiB}, MiB, true, 40,
			"x [========] 3.0 MiB/3.0 MiB  1.0 MiB/s"},
		{"no label", progress.State{Done: 1536, Total: 3072}, 0, false, 30,
			"[=====>    ] 1.5 KiB/3.0 KiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := progress.Render(tc.s, tc.rate, tc.haveRate, tc.width)
			if got != tc.want {
				t.Errorf("Render:\n got %q\nwant %q", got, tc.want)
			}
			if n := len([]rune(got)); n >= tc.width {
				t.Errorf("%d columns, want fewer than %d", n, tc.width)
			}
		})
	}
}

func TestUnits(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", MiB: "1.0 MiB",
		84_000_000: "80.1 MiB", 5 << 30: "5.0 GiB", 3 << 40: "3.0 TiB",
	} {
		if got := progress.Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
	if got := progress.Rate(92.4 * MiB); got != "92.4 MiB/s" {
		t.Errorf("Rate = %q", got)
	}
	if got := progress.Rate(-1); got != "0 B/s" {
		t.Errorf("Rate(-1) = %q", got)
	}
	for d, want := range map[time.Duration]string{
		0: "0s", 400 * time.Millisecond: "1s", 59 * time.Second: "59s", time.Minute: "1m00s",
		125 * time.Second: "2m05s", 62 * time.Minute: "1h02m", 100 * time.Hour: "99h+",
	} {
		if got := progress.ETA(d); got != want {
			t.Errorf("ETA(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestBarThrottlesAndClears(t *testing.T) {
	c := newClock()
	var buf bytes.Buffer
	b := newBar(&buf, c, 60)

	// The first state is drawn at once, with no rate yet.
	b.Reset(progress.State{Label: "get", Total: 10 * MiB})
	if got, want := take(&buf), clr+"get [>             ] 0 B/10.0 MiB"; got != want {
		t.Fatalf("first draw:\n got %q\nwant %q", got, want)
	}

	// A change 50 ms later waits for the interval...
	c.Advance(50 * time.Millisecond)
	b.Update(func(s *progress.State) { s.Done, s.Moved = MiB, MiB })
	if got := take(&buf); got != "" {
		t.Fatalf("drawn within the interval: %q", got)
	}
	// ...and is drawn when it is over, with the rate over those 100 ms.
	c.Advance(50 * time.Millisecond)
	if got, want := take(&buf), clr+"get [=>            ] 1.0 MiB/10.0 MiB  10.0 MiB/s  ETA 1s"; got != want {
		t.Fatalf("second draw:\n got %q\nwant %q", got, want)
	}

	// Flush draws the last state at once: 2 MiB in 130 ms.
	b.Update(func(s *progress.State) { s.Done, s.Moved = 2*MiB, 2*MiB })
	c.Advance(30 * time.Millisecond)
	if got := take(&buf); got != "" {
		t.Fatalf("drawn within the interval: %q", got)
	}
	b.Flush()
	if got, want := take(&buf), clr+"get [==>           ] 2.0 MiB/10.0 MiB  15.4 MiB/s  ETA 1s"; got != want {
		t.Fatalf("flush:\n got %q\nwant %q", got, want)
	}
	b.Flush()
	if got := take(&buf); got != "" {
		t.Fatalf("a flush with nothing new wrote %q", got)
	}

	// Clear erases the line; the redraw scheduled before it is dropped,
	// and a second Clear has nothing to erase.
	b.Clear()
	if got := take(&buf); got != clr {
		t.Fatalf("clear wrote %q", got)
	}
	c.Advance(time.Second)
	b.Clear()
	if got := take(&buf); got != "" {
		t.Fatalf("after the clear: %q", got)
	}

	// After a Clear the next state is drawn when the interval allows.
	b.Reset(progress.State{Label: "next"})
	if got := take(&buf); got != clr+"next" {
		t.Fatalf("after the clear: %q", got)
	}
	b.Clear()
	b.Reset(progress.State{Label: "soon after"})
	if got := take(&buf); got != clr {
		t.Fatalf("a clear and a new state at once: %q", got)
	}
	c.Advance(100 * time.Millisecond)
	if got := take(&buf); got != clr+"soon after" {
		t.Fatalf("the new state: %q", got)
	}
}

func TestBarAtMostTenRedrawsASecond(t *testing.T) {
	c := newClock()
	var buf bytes.Buffer
	b := newBar(&buf, c, 80)
	for i := range 1000 {
		b.Update(func(s *progress.State) { s.Label, s.Done, s.Moved = "n", int64(i+1)*1024, int64(i+1)*1024 })
		c.Advance(time.Millisecond)
	}
	// A change every millisecond for a second is drawn at 0, 100, ...,
	// 900 ms, and the last one, at 999 ms, by the redraw scheduled for
	// 1000 ms.
	lines := strings.Split(take(&buf), clr)[1:]
	if len(lines) != 11 {
		t.Fatalf("%d redraws from 0 to 1000 ms, want 11:\n%q", len(lines), lines)
	}
	for i, want := range map[int]string{0: "n 1.0 KiB", 1: "n 100.0 KiB  990.0 KiB/s", 10: "n 1000.0 KiB  999.0 KiB/s"} {
		if lines[i] != want {
			t.Errorf("redraw %d = %q, want %q", i, lines[i], want)
		}
	}
	c.Advance(time.Second)
	if got := take(&buf); got != "" {
		t.Errorf("redrawn with nothing new: %q", got)
	}
}

func TestBarRateWindow(t *testing.T) {
	c := newClock()
	var buf bytes.Buffer
	b := newBar(&buf, c, 80)
	var moved int64
	set := func(s *progress.State) { s.Label, s.Done, s.Moved = "read", moved, moved }
	// 1 MiB every 100 ms for a second: 10 MiB/s.
	for range 10 {
		b.Update(set)
		c.Advance(100 * time.Millisecond)
		moved += MiB
	}
	take(&buf)
	b.Update(set)
	if got, want := take(&buf), clr+"read 10.0 MiB  10.0 MiB/s"; got != want {
		t.Fatalf("steady:\n got %q\nwant %q", got, want)
	}
	// Nothing for two seconds: the rate falls to nothing...
	c.Advance(2 * time.Second)
	b.Update(set)
	if got, want := take(&buf), clr+"read 10.0 MiB  0 B/s"; got != want {
		t.Fatalf("stalled:\n got %q\nwant %q", got, want)
	}
	// ...and what comes next is averaged over the window: 512 KiB in the
	// 2.1 s since the newest draw at least 2 s old.
	c.Advance(100 * time.Millisecond)
	moved += MiB / 2
	b.Update(set)
	if got, want := take(&buf), clr+"read 10.5 MiB  243.8 KiB/s"; got != want {
		t.Fatalf("resumed:\n got %q\nwant %q", got, want)
	}
	// Reset measures afresh: no rate until an interval has passed.
	b.Reset(progress.State{Label: "other", Done: 5, Moved: 5})
	c.Advance(100 * time.Millisecond)
	if got, want := take(&buf), clr+"other 5 B"; got != want {
		t.Fatalf("reset:\n got %q\nwant %q", got, want)
	}
}

func TestBarWriterClearsTheLine(t *testing.T) {
	c := newClock()
	var buf bytes.Buffer
	b := newBar(&buf, c, 80)
	w := b.Writer()
	b.Reset(progress.State{Label: "layers 0/1"})
	take(&buf)

	// A warning erases the line and is written whole; the line comes back
	// below it once the interval is over.
	fmt.Fprintf(w, "lading: warning: %s\n", "old database")
	if got, want := take(&buf), clr+"lading: warning: old database\n"; got != want {
		t.Fatalf("warning:\n got %q\nwant %q", got, want)
	}
	c.Advance(100 * time.Millisecond)
	if got, want := take(&buf), clr+"layers 0/1"; got != want {
		t.Fatalf("after the warning:\n got %q\nwant %q", got, want)
	}

	// A line written in pieces is held until it ends; meanwhile nothing
	// is drawn over it.
	io.WriteString(w, "downloaded ")
	b.Update(func(s *progress.State) { s.Label = "layers 1/1" })
	c.Advance(time.Second)
	if got := take(&buf); got != "" {
		t.Fatalf("partial line: %q", got)
	}
	io.WriteString(w, "x\nand y")
	if got, want := take(&buf), clr+"downloaded x\n"; got != want {
		t.Fatalf("completed line:\n got %q\nwant %q", got, want)
	}
	// Clear writes out what is left of a partial line.
	b.Clear()
	if got, want := take(&buf), "and y"; got != want {
		t.Fatalf("clear:\n got %q\nwant %q", got, want)
	}
	// With no line drawn, a write goes straight through.
	io.WriteString(w, "lading: done\n")
	if got, want := take(&buf), "lading: done\n"; got != want {
		t.Fatalf("no line:\n got %q\nwant %q", got, want)
	}
}

func TestNilWriterDrawsNothing(t *testing.T) {
	b := progress.New(nil, progress.Options{})
	if b != nil {
		t.Fatalf("New(nil) = %v, want nil", b)
	}
	b.Reset(progress.State{Label: "x", Total: 1})
	b.Update(func(s *progress.State) { t.Error("Update called fn on a nil Bar") })
	b.Flush()
	b.Clear()
	if w := b.Writer(); w != nil {
		t.Errorf("Writer() = %#v, want nil", w)
	}
}

func TestBarConcurrent(t *testing.T) {
	var buf bytes.Buffer
	b := progress.New(&buf, progress.Options{Width: func() int { return 80 }})
	w := b.Writer()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				b.Update(func(s *progress.State) { s.Label = "n"; s.Done++; s.Moved++; s.Total = 4000 })
				if i%100 == 0 {
					fmt.Fprintf(w, "goroutine %d at %d\n", g, i)
				}
			}
		}()
	}
	wg.Wait()
	b.Flush()
	b.Clear()
	out := buf.String()
	if !strings.Contains(out, "] 3.9 KiB/3.9 KiB") {
		t.Errorf("the final state (4000 of 4000 bytes) was not drawn:\n%q", out)
	}
	if !strings.HasSuffix(out, clr) {
		t.Errorf("the line was not cleared at the end: %q", out[max(0, len(out)-100):])
	}
	for g := range 8 {
		for i := 0; i < 500; i += 100 {
			if !strings.Contains(out, fmt.Sprintf("%sgoroutine %d at %d\n", clr, g, i)) && !strings.Contains(out, fmt.Sprintf("\ngoroutine %d at %d\n", g, i)) {
				t.Errorf("line %d/%d missing or not on a line of its own", g, i)
			}
		}
	}
}
