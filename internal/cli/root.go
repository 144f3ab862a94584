// Package cli is lading's command line: one file per command, each built
// on the library packages and testable through Main with its own stdio.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/lading-dev/lading/internal/progress"
)

// Exit codes. A scan that ran exits 0, or the --exit-code value when a
// finding survived the filters; anything that kept the scan from running
// exits ExitError.
const (
	ExitOK    = 0
	ExitError = 2
)

// Version is set at build time with -ldflags "-X ...cli.Version=...".
var Version = "dev"

// Stdio is where a command reads and writes.
type Stdio struct {
	In       io.Reader
	Out, Err io.Writer
}

type globals struct {
	cacheDir string
	quiet    bool
	stdio    Stdio
	exitCode int // set by a command that wants a non-zero exit without an error
	// bar is the progress line on standard error, nil when none is drawn
	// (see progressOut); set up once the flags are parsed.
	bar *progress.Bar
}

// Main runs lading with args and returns the process exit code.
func Main(ctx context.Context, args []string, stdio Stdio) int {
	g := &globals{stdio: stdio}
	root := newRoot(g)
	root.SetArgs(args)
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	err := root.ExecuteContext(ctx)
	g.bar.Clear()
	if err != nil {
		fmt.Fprintf(stdio.Err, "lading: %v\n", err)
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return ExitError
	}
	return g.exitCode
}

type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:           "lading",
		Short:         "Scan container images for OS packages and the known vulnerabilities that affect them",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
		PersistentPreRun: func(*cobra.Command, []string) {
			g.startProgress()
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.cacheDir, "cache-dir", "", "directory for everything lading keeps: advisory database, caches, scratch files (default $LADING_CACHE_DIR, else the user cache directory + /lading)")
	pf.BoolVarP(&g.quiet, "quiet", "q", false, "print no progress")
	root.AddCommand(newImageCmd(g), newFSCmd(g), newDBCmd(g), newExplainCmd(g), newSBOMCmd(g))
	return root
}

// cache returns the cache directory, creating it.
func (g *globals) cache() (string, error) {
	dir := g.cacheDir
	if dir == "" {
		dir = os.Getenv("LADING_CACHE_DIR")
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no cache directory: set --cache-dir or LADING_CACHE_DIR: %w", err)
		}
		dir = filepath.Join(base, "lading")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", fmt.Errorf("cache directory %s: %w", abs, err)
	}
	return abs, nil
}

// dbPath is where the advisory database lives inside the cache.
func dbPath(cache string) string { return filepath.Join(cache, "db", "lading.db") }

// progressOut returns where progress goes: standard error when it is a
// terminal that is not TERM=dumb and --quiet is not set, else nowhere.
func (g *globals) progressOut() *os.File {
	if g.quiet || os.Getenv("TERM") == "dumb" {
		return nil
	}
	if f, ok := g.stdio.Err.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return f
	}
	return nil
}
