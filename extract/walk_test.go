package extract_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// lockAndExec picks *.lock by name and executables by mode; a file named
// bad.lock fails.
type lockAndExec struct{}

func (lockAndExec) Name() string        { return "t" }
func (lockAndExec) Version() int        { return 1 }
func (lockAndExec) Wants(p string) bool { return strings.HasSuffix(p, ".lock") }
func (lockAndExec) WantsFile(_ string, m fs.FileMode, _ int64) bool {
	return m&0o111 != 0
}
func (lockAndExec) Extract(context.Context, extract.Input) ([]*inventory.Package, error) {
	return nil, nil
}
func (lockAndExec) ExtractFile(_ context.Context, _ extract.Input, p string) ([]*inventory.Package, error) {
	if strings.HasSuffix(p, "bad.lock") {
		return nil, extract.AsFileError(p, errors.New("broken"))
	}
	return []*inventory.Package{{Name: p}}, nil
}

func TestWalkFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"app/a.lock":     {Data: []byte("x")},
		"app/bad.lock":   {Data: []byte("x")},
		"usr/bin/tool":   {Data: []byte("x"), Mode: 0o755},
		"etc/motd":       {Data: []byte("x"), Mode: 0o644},
		"app/sub/c.lock": {Data: []byte("x")},
	}
	pkgs, err := extract.WalkFiles(context.Background(), lockAndExec{}, extract.Input{FS: fsys})
	var names []string
	for _, p := range pkgs {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "app/a.lock app/sub/c.lock usr/bin/tool" {
		t.Errorf("read %q", got)
	}
	var fe *extract.FileError
	if !errors.As(err, &fe) || fe.Path != "app/bad.lock" {
		t.Errorf("error %v, want a FileError for app/bad.lock", err)
	}
	if again := extract.AsFileError("other", err); !errors.As(again, &fe) || fe.Path != "app/bad.lock" {
		t.Errorf("AsFileError re-wrapped a FileError: %v", again)
	}
}
