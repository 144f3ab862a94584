// Package scratch makes temporary files and directories that a later run
// can tell apart from ones still in use. The process that makes one holds
// an advisory lock (flock) on it for as long as it needs it; the kernel
// drops that lock when the process dies, however it dies (SIGKILL, OOM
// killer, power cut). CleanStale removes the entries that are older than
// the current process and that nobody holds locked: what a killed run left
// behind.
package scratch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// started approximates when this process began: package initialisation.
var started = time.Now()

// Started returns when this process began (when this package was
// initialised).
func Started() time.Time { return started }

// Lock is a held lock on a scratch entry.
type Lock struct{ f *os.File }

// Release drops the lock. It is safe to call more than once.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// MkdirTemp is os.MkdirTemp, returning the directory locked: keep the Lock
// until the directory is removed.
func MkdirTemp(dir, pattern string) (string, *Lock, error) {
	path, err := os.MkdirTemp(dir, pattern)
	if err != nil {
		return "", nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		os.RemoveAll(path)
		return "", nil, err
	}
	if err := lock(f); err != nil {
		f.Close()
		os.RemoveAll(path)
		return "", nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return path, &Lock{f: f}, nil
}

// CreateTemp is os.CreateTemp with the file locked through the returned
// descriptor: the lock lasts until the file is closed, so close it only
// after renaming or removing it.
func CreateTemp(dir, pattern string) (*os.File, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	if err := lock(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("locking %s: %w", f.Name(), err)
	}
	return f, nil
}

// CleanStale removes the entries of dir whose names match pattern
// (filepath.Match syntax) when they were last modified before this process
// started (with a second's margin) and no live process holds them locked. It returns the paths
// removed. A missing dir is not an error; an entry that cannot be removed
// is left and reported in the error, after the others were tried.
func CleanStale(dir, pattern string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// File times come from a coarse kernel clock (a few milliseconds), so
	// an entry made just after this process started can look older than
	// it; a second's margin keeps such an entry out.
	cutoff := started.Add(-time.Second)
	var removed []string
	var errs []error
	for _, e := range entries {
		if ok, _ := filepath.Match(pattern, e.Name()); !ok {
			continue
		}
		path := filepath.Join(dir, e.Name())
		fi, err := os.Lstat(path)
		if err != nil || !fi.ModTime().Before(cutoff) || fi.Mode()&fs.ModeSymlink != 0 {
			continue
		}
		gone, err := removeIfUnlocked(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if gone {
			removed = append(removed, path)
		}
	}
	return removed, errors.Join(errs...)
}

// removeIfUnlocked takes the entry's lock without waiting and, when it
// gets it, removes the entry while holding it.
func removeIfUnlocked(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	defer f.Close()
	free, err := tryLock(f)
	if err != nil || !free {
		return false, err
	}
	if err := os.RemoveAll(path); err != nil {
		return false, fmt.Errorf("removing stale %s: %w", path, err)
	}
	return true, nil
}
