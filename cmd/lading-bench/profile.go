package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"time"

	"github.com/lading-dev/lading/internal/cli"
)

// profileScan runs one cold scan (with -profile-warm, one scan to fill the
// layer cache and then a profiled warm one) of the layout inside this process, the
// same command line the measured subprocess gets, with the CPU profiler on.
// The heap profile is written when the live heap is at its largest: a
// watcher reads the live heap every 10 ms and rewrites the profile each
// time it passes its previous peak by an eighth (the profile's
// inuse_space is then what was live at that peak, as of the last GC; its
// alloc_space counts every allocation up to then).
func profileScan(ctx context.Context, c *config, layoutDir, db string, out io.Writer) error {
	cache := filepath.Join(c.work, "cache-profile")
	if err := os.RemoveAll(cache); err != nil {
		return err
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	report := filepath.Join(c.work, "out", "profile.json")
	if err := os.MkdirAll(filepath.Dir(report), 0o755); err != nil {
		return err
	}
	args := []string{"image", "oci-layout:" + layoutDir, "--cache-dir", cache, "--db", db, "-q", "-f", "json", "-o", report}
	kind := "cold"
	if c.profileWarm {
		// Fill the layer cache first, unprofiled.
		if code := cli.Main(ctx, args, cli.Stdio{In: os.Stdin, Out: io.Discard, Err: os.Stderr}); code != 0 {
			return fmt.Errorf("in-process scan exited %d", code)
		}
		kind = "warm"
	}
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	var peak uint64
	stop := make(chan struct{})
	watched := make(chan error, 1)
	go func() {
		watched <- watchHeap(c.memProfile, stop, &peak)
	}()
	start := time.Now()
	code := cli.Main(ctx, args, cli.Stdio{In: os.Stdin, Out: io.Discard, Err: os.Stderr})
	wall := time.Since(start)
	if c.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if code != 0 {
		return fmt.Errorf("in-process scan exited %d", code)
	}
	close(stop)
	if err := <-watched; err != nil {
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(out, "in-process %s scan of %s: %.2fs wall, %s allocated in all, peak live heap %s, %d packages\n",
		kind, layoutDir, wall.Seconds(), mib(int64(ms.TotalAlloc)), mib(int64(peak)), countPackages(report))
	return nil
}

// watchHeap records the peak live heap until stop is closed and, when
// path is set, writes the heap profile at each new peak.
func watchHeap(path string, stop <-chan struct{}, peak *uint64) error {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var written uint64
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return nil
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			continue
		}
		live := sample[0].Value.Uint64()
		if live > *peak {
			*peak = live
		}
		if path == "" || live <= written+written/8 {
			continue
		}
		written = live
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
}
