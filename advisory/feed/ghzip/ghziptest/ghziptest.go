// Package ghziptest writes small GitHub-archive-shaped zips for the tests
// of the feeds that ghzip reads.
package ghziptest

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// WriteZip writes a zip named file holding entries (name → body) into
// t.TempDir() and returns its path.
func WriteZip(t testing.TB, file string, entries map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
