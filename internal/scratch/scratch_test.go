package scratch

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestCleanStale(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock")
	}
	dir := t.TempDir()
	old := started.Add(-time.Hour)
	future := time.Now().Add(time.Hour)

	held, lk, err := MkdirTemp(dir, "work-")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(held, "part"), []byte("x"), 0o644)
	abandoned, lk2, err := MkdirTemp(dir, "work-")
	if err != nil {
		t.Fatal(err)
	}
	lk2.Release()
	fresh, lk3, err := MkdirTemp(dir, "work-")
	if err != nil {
		t.Fatal(err)
	}
	lk3.Release() // unlocked, but newer than this process: someone else's
	os.Chtimes(fresh, future, future)
	f, err := CreateTemp(dir, "file-")
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "keep-me")
	os.WriteFile(other, nil, 0o644)
	for _, p := range []string{held, abandoned, f.Name(), other} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}

	removed, err := CleanStale(dir, "work-*")
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != abandoned {
		t.Errorf("removed %v, want only %s", removed, abandoned)
	}
	for _, p := range []string{held, fresh, other, f.Name()} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	// A locked file survives; once its holder closes it, it goes.
	if removed, _ := CleanStale(dir, "file-*"); len(removed) != 0 {
		t.Errorf("removed a locked file: %v", removed)
	}
	f.Close()
	if removed, _ := CleanStale(dir, "file-*"); len(removed) != 1 {
		t.Errorf("closed file not removed: %v", removed)
	}
	lk.Release()
	os.Chtimes(held, old, old)
	if removed, _ := CleanStale(dir, "work-*"); len(removed) != 1 || removed[0] != held {
		t.Errorf("released directory: removed %v", removed)
	}
	if removed, err := CleanStale(filepath.Join(dir, "absent"), "*"); err != nil || removed != nil {
		t.Errorf("missing dir: %v %v", removed, err)
	}
}
