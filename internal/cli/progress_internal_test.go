package cli

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory/update"
	"github.com/lading-dev/lading/internal/progress"
	"github.com/lading-dev/lading/scan"
)

const mib = 1 << 20

// stillBar draws on buf with a clock that never moves: the first state at
// once, later ones only when flushed.
func stillBar(buf *bytes.Buffer) *progress.Bar {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return progress.New(buf, progress.Options{
		Now: func() time.Time { return t0 }, After: func(time.Duration, func()) {}, Width: func() int { return 100 },
	})
}

func TestLayerProgressSums(t *testing.T) {
	var buf bytes.Buffer
	p := newLayerProgress(stillBar(&buf))
	sizes := []int64{10 * mib, 20 * mib, 30 * mib, 40 * mib, 65 * mib}
	ev := func(i int, read int64, done, cached bool) {
		p.layer(scan.LayerEvent{Index: i, Count: len(sizes), DiffID: "sha256:0", Size: sizes[i], Read: read, Done: done, Cached: cached})
	}
	ev(0, 0, false, false)
	ev(1, 0, false, false)
	// Not every layer has said its size yet: no total.
	if s := p.state(); s.Total != 0 || s.Label != "layers 0/5" {
		t.Errorf("two layers announced: %+v", s)
	}
	ev(2, 0, false, false)
	ev(3, 0, false, false)
	ev(4, 0, false, false)
	ev(0, 0, true, true) // from the cache: done at its full size, never read
	ev(1, 0, true, true)
	ev(2, 12*mib, false, false)
	ev(2, 30*mib, true, false)
	ev(3, 20*mib+mib/10, false, false)
	ev(3, 5*mib, false, false) // late and out of order: the count never goes back
	want := progress.State{Label: "layers 3/5 (2 cached)", Done: 80*mib + mib/10, Total: 165 * mib, Moved: 50*mib + mib/10}
	if s := p.state(); s != want {
		t.Errorf("state = %+v, want %+v", s, want)
	}
	p.bar.Flush()
	if got, want := buf.String()[strings.LastIndex(buf.String(), "\r"):],
		"\r\x1b[Klayers 3/5 (2 cached) [================>                 ] 80.1 MiB/165.0 MiB"; got != want {
		t.Errorf("line:\n got %q\nwant %q", got, want)
	}

	// A layer done without reporting its last bytes counts at its size,
	// and the last Done draws the line at once.
	ev(3, 0, true, false)
	ev(4, 0, true, false)
	if got, want := buf.String()[strings.LastIndex(buf.String(), "\r"):],
		"\r\x1b[Klayers 5/5 (2 cached) [==================================] 165.0 MiB/165.0 MiB"; got != want {
		t.Errorf("final line:\n got %q\nwant %q", got, want)
	}
	p.done()
	if !strings.HasSuffix(buf.String(), "\r\x1b[K") {
		t.Errorf("not cleared: %q", buf.String())
	}
}

// Layers of a docker archive have no stored size: the line shows the
// bytes read and no bar.
func TestLayerProgressWithoutSizes(t *testing.T) {
	var buf bytes.Buffer
	p := newLayerProgress(stillBar(&buf))
	p.layer(scan.LayerEvent{Index: 0, Count: 2})
	if got := buf.String(); got != "\r\x1b[Klayers 0/2" {
		t.Errorf("first line %q", got)
	}
	p.layer(scan.LayerEvent{Index: 0, Count: 2, Read: 3 * mib})
	p.layer(scan.LayerEvent{Index: 0, Count: 2, Read: 7 * mib, Done: true})
	p.layer(scan.LayerEvent{Index: 1, Count: 2, Read: mib})
	if s, want := p.state(), (progress.State{Label: "layers 1/2", Done: 8 * mib, Moved: 8 * mib}); s != want {
		t.Errorf("state = %+v, want %+v", s, want)
	}
}

// Events from several goroutines at once, as the scan sends them when it
// reads layers side by side (run with -race).
func TestLayerProgressConcurrent(t *testing.T) {
	var buf bytes.Buffer
	p := newLayerProgress(progress.New(&buf, progress.Options{Width: func() int { return 100 }}))
	const n, chunk, steps = 6, 64 << 10, 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.layer(scan.LayerEvent{Index: i, Count: n, Size: chunk * steps})
			for s := 1; s <= steps; s++ {
				p.layer(scan.LayerEvent{Index: i, Count: n, Size: chunk * steps, Read: int64(s * chunk)})
			}
			p.layer(scan.LayerEvent{Index: i, Count: n, Size: chunk * steps, Read: chunk * steps, Done: true, Cached: i == 0})
		}()
	}
	wg.Wait()
	p.bar.Update(func(s *progress.State) {
		if want := (progress.State{Label: "layers 6/6 (1 cached)", Done: n * chunk * steps, Total: n * chunk * steps, Moved: n * chunk * steps}); *s != want {
			t.Errorf("state = %+v, want %+v", *s, want)
		}
	})
	p.done()
	if out := buf.String(); !strings.Contains(out, "layers 6/6 (1 cached) [====") || !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("drawn:\n%q", out[max(0, len(out)-300):])
	}
}

func TestTransferLabel(t *testing.T) {
	for _, tc := range []struct {
		t    update.Transfer
		want string
	}{
		{update.Transfer{Feed: "osv", File: "osv/Go/all.zip", Index: 2, Count: 120}, "[3/120] osv Go/all.zip"},
		{update.Transfer{Feed: "alpine-secdb", File: "alpine-secdb/v3.20/main.json", Index: 0, Count: 1}, "[1/1] alpine-secdb v3.20/main.json"},
		{update.Transfer{Feed: "nvd", File: "nvd/feeds/json/cve/2.0/nvdcve-2.0-2024.json.gz", Index: 9, Count: 40}, "[10/40] nvd 2.0/nvdcve-2.0-2024.json.gz"},
		{update.Transfer{Feed: "pypa", File: "github/pypa/advisory-database/archive/refs/heads/main.zip", Index: 0, Count: 4}, "[1/4] pypa advisory-database/main.zip"},
		{update.Transfer{Feed: "osv", File: "osv/ecosystems.txt"}, "osv ecosystems.txt"},
		{update.Transfer{Feed: "azurelinux", File: "microsoft/AzureLinuxVulnerabilityData/azurelinux-3.0-oval.xml", Count: 3}, "[1/3] azurelinux AzureLinuxVulnerabilityData/azurelinux-3.0-oval.xml"},
	} {
		if got := transferLabel(tc.t); got != tc.want {
			t.Errorf("transferLabel(%s) = %q, want %q", tc.t.File, got, tc.want)
		}
	}
}
