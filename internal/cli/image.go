package cli

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/policy"
	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/scan"
)

type scanFlags struct {
	format        string
	output        string
	severity      string
	ignoreUnfixed bool
	exitCode      int
	platform      string
	insecure      bool
	dbPath        string
	dbMaxAge      string
	dbStale       string
	policy        policyFlags
	layerCache    layerCacheFlags
	formatFlags
}

func (f *scanFlags) register(cmd *cobra.Command, image bool) {
	fl := cmd.Flags()
	fl.StringVarP(&f.format, "format", "f", "table", formatUsage)
	f.formatFlags.register(cmd)
	fl.StringVarP(&f.output, "output", "o", "", "write the report to this file instead of standard output")
	fl.StringVar(&f.severity, "severity", "", "report only these severities, comma separated (CRITICAL,HIGH,MEDIUM,LOW,NEGLIGIBLE,UNKNOWN)")
	fl.BoolVar(&f.ignoreUnfixed, "ignore-unfixed", false, "leave out vulnerabilities that have no fixed version yet")
	fl.IntVar(&f.exitCode, "exit-code", 0, "exit with this code when a vulnerability survives the filters (errors exit 2)")
	fl.StringVar(&f.dbPath, "db", "", "advisory database file (default: db/lading.db in the cache directory)")
	fl.StringVar(&f.dbMaxAge, "db-max-age", "0", "oldest advisory database to scan with, e.g. 72h or 5d; 0 means no limit")
	fl.StringVar(&f.dbStale, "db-stale", "warn", "what an older database does: warn (on standard error and in the report's warnings) or fail (exit 2)")
	if image {
		fl.StringVar(&f.platform, "platform", "", "platform to pick from a multi-platform image, os/arch[/variant] (default linux/amd64)")
		fl.BoolVar(&f.insecure, "insecure", false, "allow plain HTTP to registries other than localhost")
		f.layerCache.add(fl)
	}
	f.policy.register(cmd, image)
}

func (f *scanFlags) validate() error {
	if err := f.checkFormat(); err != nil {
		return err
	}
	if f.exitCode == ExitError {
		return fmt.Errorf("--exit-code %d is the code for errors; choose another", ExitError)
	}
	if f.exitCode < 0 || f.exitCode > 125 {
		return fmt.Errorf("--exit-code %d: want 0 to 125", f.exitCode)
	}
	if _, err := parseMaxAge(f.dbMaxAge); err != nil {
		return err
	}
	if err := checkOutputFolder(f.output); err != nil {
		return err
	}
	switch f.dbStale {
	case "warn", "fail":
	default:
		return fmt.Errorf("--db-stale %q: want warn or fail", f.dbStale)
	}
	for _, s := range f.severities() {
		if report.SeverityRank(s) == 0 && s != "UNKNOWN" {
			return fmt.Errorf("--severity: unknown severity %q", s)
		}
	}
	return f.policy.validate()
}

func (f *scanFlags) severities() []string {
	var out []string
	for _, s := range strings.Split(f.severity, ",") {
		if s = strings.ToUpper(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func newImageCmd(g *globals) *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "image REF",
		Short: "Scan a container image",
		Long: `Scan a container image for OS packages and the known vulnerabilities that affect them.

REF is one of:
  docker-archive:PATH[:REPO:TAG]   a docker save tarball (plain or gzip)
  oci-layout:PATH[:TAG|@DIGEST]    an OCI image layout directory or tar
  docker:NAME[:TAG]                an image in the local Docker Engine
  registry:NAME[:TAG|@DIGEST]      an image in a registry (credentials from ~/.docker/config.json)
  dir:PATH                         a root filesystem directory
  PATH or NAME[:TAG]               an existing path is opened as one of the above;
                                   a name is looked up in the Docker Engine, then its registry`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.runScan(cmd, args[0], &f)
		},
	}
	f.register(cmd, true)
	return cmd
}

func newFSCmd(g *globals) *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "fs PATH",
		Short: "Scan a root filesystem directory",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.runScan(cmd, "dir:"+strings.TrimPrefix(args[0], "dir:"), &f)
		},
	}
	f.register(cmd, false)
	return cmd
}

func (g *globals) runScan(cmd *cobra.Command, ref string, f *scanFlags) error {
	if err := f.validate(); err != nil {
		return err
	}
	pol, err := f.policy.load(f)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	cache, err := g.cache()
	if err != nil {
		return err
	}
	db, staleWarning, err := g.openScanDB(ctx, cache, f)
	if err != nil {
		return err
	}
	defer db.Close()

	tmp, cleanup, err := scan.TempDir(cache)
	if err != nil {
		return fmt.Errorf("scratch directory: %w", err)
	}
	defer cleanup()

	img, err := source.Open(ctx, ref, source.Options{Platform: f.platform, TempDir: tmp, Insecure: f.insecure})
	if err != nil {
		return err
	}
	defer img.Close()

	prog := newLayerProgress(g.bar)
	opts := scanOptions(ctx, tmp)
	opts.Progress = prog.layer
	if opts.Cache, err = f.layerCache.cache(cache); err != nil {
		return err
	}
	inv, err := scan.Run(ctx, img, opts)
	prog.done()
	if err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	return g.finishScan(ctx, db, img, inv, f, pol, nonEmpty(staleWarning))
}

// openScanDB opens the advisory database a scan matches against and
// checks its age; the warning it returns (already printed) goes in the
// report.
func (g *globals) openScanDB(ctx context.Context, cache string, f *scanFlags) (*store.Store, string, error) {
	path := f.dbPath
	if path == "" {
		path = dbPath(cache)
	}
	db, err := openDB(path)
	if err != nil {
		return nil, "", err
	}
	staleWarning, err := checkFreshness(ctx, db, f)
	if err != nil {
		db.Close()
		return nil, "", err
	}
	if staleWarning != "" {
		fmt.Fprintf(g.stdio.Err, "lading: warning: %s\n", staleWarning)
	}
	return db, staleWarning, nil
}

// finishScan matches an inventory, judges the report by the policy, writes
// it and sets the exit code: what image, fs and sbom scan share once they
// have an inventory. warnings, already printed, go in the report first.
func (g *globals) finishScan(ctx context.Context, db *store.Store, img *source.Image, inv *scan.Result, f *scanFlags, pol *policySet, warnings []string) error {
	cacheDir, err := g.cache()
	if err != nil {
		return err
	}
	lc, err := f.layerCache.cache(cacheDir)
	if err != nil {
		return err
	}
	rep, err := buildReport(ctx, db, img, inv, lc)
	if err != nil {
		return err
	}
	rep.Warnings = append(rep.Warnings, warnings...)
	for _, w := range coverageWarnings(ctx, db, inv) {
		// A table on standard output shows its warnings itself.
		if f.format != "table" || f.output != "" {
			fmt.Fprintf(g.stdio.Err, "lading: warning: %s\n", w)
		}
		rep.Warnings = append(rep.Warnings, w)
	}
	judged, err := pol.judge(img, rep, report.Filter{Severities: f.severities(), IgnoreUnfixed: f.ignoreUnfixed}, f.policy.sortBy)
	if err != nil {
		return err
	}
	for _, w := range judged {
		fmt.Fprintf(g.stdio.Err, "lading: warning: %s\n", w)
	}

	if f.policy.explain != "" {
		if f.output != "" {
			if err := g.writeReport(rep, f); err != nil {
				return err
			}
		}
		if err := explain(ctx, g.stdio.Out, db, rep, f.policy.explain); err != nil {
			return err
		}
	} else if err := g.writeReport(rep, f); err != nil {
		return err
	}
	g.exitCode, _ = policy.Gate{FailOn: f.policy.failOn, ExitCode: f.exitCode}.Exit(rep)
	return nil
}

func (g *globals) writeReport(rep *report.Report, f *scanFlags) error {
	var w io.Writer = g.stdio.Out
	if f.output != "" {
		return writeOutput(f.output, func(w io.Writer) error { return renderReport(w, rep, f, false) })
	}
	colour := false
	if file, ok := w.(*os.File); ok && isTerminal(file) && os.Getenv("NO_COLOR") == "" {
		colour = true
	}
	return renderReport(w, rep, f, colour)
}

// checkOutputFolder fails when --output names a file in a folder that does
// not exist: found before a scan rather than after it.
func checkOutputFolder(output string) error {
	if output == "" || output == "-" {
		return nil
	}
	dir := filepath.Dir(output)
	if st, err := os.Stat(dir); err != nil {
		return fmt.Errorf("--output %s: the folder %s does not exist", output, dir)
	} else if !st.IsDir() {
		return fmt.Errorf("--output %s: %s is not a folder", output, dir)
	}
	return nil
}

// writeOutput writes a report to path. A regular file (or a path that does
// not exist yet) is written beside itself and renamed into place, so a
// failed write never leaves half a report where a good one stood; the new
// file keeps the old one's permissions, or gets 0644. Anything else — a
// device such as /dev/stdout, a FIFO, a link to one — is written in place,
// never replaced. A directory is refused.
func writeOutput(path string, write func(io.Writer) error) error {
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return fmt.Errorf("--output %s: is a directory", path)
		}
		if !fi.Mode().IsRegular() {
			out, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return fmt.Errorf("--output: %w", err)
			}
			if err := write(out); err != nil {
				out.Close()
				return fmt.Errorf("writing %s: %w", path, err)
			}
			return out.Close()
		}
		mode = fi.Mode().Perm()
	}
	// Follow a link to a regular file, so the link stays a link.
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), ".lading-report-*")
	if err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func newReport(img *source.Image, inv *scan.Result) *report.Report {
	rep := &report.Report{
		Schema:    report.Schema,
		Generated: time.Now().UTC(),
		Lading:    Version,
		Target:    report.Target{Ref: img.Ref, Kind: img.Kind, Name: img.Name, Digest: img.Digest, ImageID: img.ImageID, OS: inv.Distro},
		Packages:  inv.Packages,
	}
	for _, l := range inv.Layers {
		if l.DiffID == "" && img.Image == nil {
			continue
		}
		rep.Layers = append(rep.Layers, report.Layer{DiffID: l.DiffID, Digest: l.Digest, Size: l.Size, CreatedBy: l.CreatedBy})
	}
	for _, p := range inv.Problems {
		rep.Problems = append(rep.Problems, report.Problem(p))
	}
	return rep
}
