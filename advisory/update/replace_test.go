package update_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/advisory/update"
	"github.com/lading-dev/lading/internal/testutil"
)

// Readers keep working while builds and an update replace the database
// under them.
//
// Database A is built from the Alpine secdb for 3.16 and 3.20, database B
// from 3.20 only (alpine-secdb/v3.{16,20}/main.json): busybox has 31
// statements in alpine:3.20 in both, and 25 in alpine:3.16 in A, none in
// B. Four goroutines look both up, in a bounded loop, through a Store
// opened before the first replacement and through Stores opened fresh
// while the file is being replaced. Every lookup must succeed and return
// one of the two whole answers. A connection pinned to file A before the
// first rename still reads A's answer after it: on Linux an open SQLite
// file survives a rename over its name, since the open descriptor keeps
// the old inode.
func TestReadersDuringReplace(t *testing.T) {
	vd := testutil.Shared(t, "vulndata")
	v316 := filepath.Join(vd, "alpine-secdb", "v3.16")
	v320 := filepath.Join(vd, "alpine-secdb", "v3.20")
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "db", "lading.db")
	buildA := func() error { _, err := build.Build(ctx, dbPath, []string{v316, v320}, build.Options{}); return err }
	buildB := func() error { _, err := build.Build(ctx, dbPath, []string{v320}, build.Options{}); return err }
	if err := buildA(); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(dbPath)
	if err != nil {
		t.Fatal(err)
	}

	// A connection of its own, pinned, on file A.
	pinnedDB, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer pinnedDB.Close()
	pinned, err := pinnedDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer pinned.Close()
	count316 := func() (int, error) {
		var n int
		err := pinned.QueryRowContext(ctx, `SELECT count(*) FROM affected WHERE namespace = 'alpine:3.16' AND package_norm = 'busybox'`).Scan(&n)
		return n, err
	}
	if n, err := count316(); err != nil || n != 25 {
		t.Fatalf("pinned connection on A: %d, %v", n, err)
	}

	shared, err := store.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()

	check := func(s *store.Store) error {
		a320, err := s.Affected(ctx, "alpine:3.20", "busybox")
		if err != nil {
			return err
		}
		if len(a320) != 31 {
			return fmt.Errorf("alpine:3.20 busybox: %d statements, want 31", len(a320))
		}
		a316, err := s.Affected(ctx, "alpine:3.16", "busybox")
		if err != nil {
			return err
		}
		if len(a316) != 25 && len(a316) != 0 {
			return fmt.Errorf("alpine:3.16 busybox: %d statements, want 25 (A) or 0 (B)", len(a316))
		}
		return nil
	}

	var stop atomic.Bool
	var lookups, fresh, sawA, sawB atomic.Int64
	errs := make(chan error, 64)
	var wg sync.WaitGroup
	const maxIter = 20000
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < maxIter && !stop.Load(); i++ {
				s := shared
				if i%4 == g%4 {
					// A store opened now, on whichever file the name holds.
					var err error
					if s, err = store.Open(dbPath); err != nil {
						errs <- fmt.Errorf("open: %w", err)
						return
					}
					fresh.Add(1)
				}
				err := check(s)
				if err == nil {
					if st, e := s.Affected(ctx, "alpine:3.16", "busybox"); e == nil && len(st) == 25 {
						sawA.Add(1)
					} else if e == nil {
						sawB.Add(1)
					}
				}
				if s != shared {
					s.Close()
				}
				if err != nil {
					errs <- err
					return
				}
				lookups.Add(1)
				time.Sleep(time.Millisecond) // leave the builder some CPU
			}
		}(g)
	}

	// Replace the file six times: builds, then an update from a file://
	// mirror of the whole Alpine secdb (which has 3.16 again: answer A).
	replaced := 0
	for i := 0; i < 3; i++ {
		for _, f := range []func() error{buildB, buildA} {
			if err := f(); err != nil {
				t.Fatal(err)
			}
			replaced++
		}
	}
	if _, err := update.Update(ctx, dbPath, update.UpdateOptions{Mirror: "file://" + vd, Feeds: []string{"alpine-secdb"}, CacheDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	replaced++
	// Let readers run a little on the final file, then stop them.
	time.Sleep(50 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d replacements; %d lookups (%d through a store opened mid-way); answer A seen %d times, B %d times",
		replaced, lookups.Load(), fresh.Load(), sawA.Load(), sawB.Load())
	if lookups.Load() < 100 || sawB.Load() == 0 {
		t.Errorf("the readers did not overlap the replacements (%d lookups, B seen %d times)", lookups.Load(), sawB.Load())
	}

	after, err := os.Stat(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(before, after) {
		t.Fatal("the database file was never replaced")
	}
	// The pinned connection still reads file A, which no name points at
	// any more.
	if n, err := count316(); err != nil || n != 25 {
		t.Errorf("pinned connection after the replacements: %d, %v", n, err)
	}
	if err := check(shared); err != nil {
		t.Errorf("the store opened first, after the replacements: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(dbPath)); len(entries) != 1 {
		t.Errorf("%d entries beside the database", len(entries))
	}
}
