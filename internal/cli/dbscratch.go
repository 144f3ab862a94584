package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/lading-dev/lading/internal/scratch"
)

// updateScratch makes the directory db update downloads into: a new
// directory under the cache's tmp directory, locked for as long as the
// update runs. It first removes the ones that updates killed part way
// left there (older than this process and no longer locked), so a SIGKILL
// costs disk space only until the next update. done removes the directory.
func updateScratch(cache string) (dir string, done func(), err error) {
	base := filepath.Join(cache, "tmp")
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", nil, fmt.Errorf("scratch directory: %w", err)
	}
	scratch.CleanStale(base, "update-*")
	dir, lock, err := scratch.MkdirTemp(base, "update-")
	if err != nil {
		return "", nil, fmt.Errorf("scratch directory: %w", err)
	}
	return dir, func() {
		os.RemoveAll(dir)
		lock.Release()
	}, nil
}
