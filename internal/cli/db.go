package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/advisory/update"
)

func newDBCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Build, update and inspect the advisory database",
	}
	cmd.AddCommand(newDBBuildCmd(g), newDBUpdateCmd(g), newDBStatusCmd(g))
	cmd.AddCommand(append(newDBPushCmds(g), newDBSearchCmd(g))...)
	return cmd
}

func (g *globals) dbTarget(flag string) (string, error) {
	path := flag
	if path == "" {
		cache, err := g.cache()
		if err != nil {
			return "", err
		}
		path = dbPath(cache)
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("database directory: %w", err)
	}
	return path, nil
}

// logOut is where database builds and updates report each file: standard
// error on a terminal (above the progress line), nowhere when piped or
// --quiet.
func (g *globals) logOut() io.Writer { return g.bar.Writer() }

func newDBBuildCmd(g *globals) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "build PATH...",
		Short: "Build the database from feed files in their upstream formats (files or directories)",
		Long: `Build the advisory database from feed files in their upstream formats: OSV
all.zip files, Alpine secdb documents (JSON or YAML), the Debian security
tracker JSON and the DSA/DLA lists, and for per-CVE enrichment the NVD JSON
1.1 and 2.0 feeds, the CISA KEV catalogue (JSON or CSV) and EPSS score files
(gzip or not). Directories are walked; files in other formats are listed as
skipped. The new database replaces the old one only
once it is complete.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := g.dbTarget(out)
			if err != nil {
				return err
			}
			rep, err := build.BuildReport(cmd.Context(), path, args, build.Options{Log: g.logOut(), Progress: g.buildProgress()})
			g.bar.Clear()
			if err != nil {
				return err
			}
			w := g.stdio.Out
			fmt.Fprintf(w, "built %s (%s) in %s from %d files\n", path, size(rep.Size), rep.Duration.Round(10*time.Millisecond), len(rep.Files))
			for _, s := range rep.Skipped {
				fmt.Fprintf(w, "skipped %s: %s\n", s.Path, s.Reason)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "db", "", "database file to write (default: db/lading.db in the cache directory)")
	return cmd
}

func newDBUpdateCmd(g *globals) *cobra.Command {
	var out, mirror string
	var feeds []string
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download the public feeds and rebuild the database",
		Long: `Download the advisory feeds from their upstream URLs (osv.dev's bucket, the
Alpine secdb, the Debian security tracker, NVD, CISA KEV, EPSS) or from a mirror laid out the same
way, and rebuild the database. A failed or partial download leaves the
current database in place.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := g.dbTarget(out)
			if err != nil {
				return err
			}
			cache, err := g.cache()
			if err != nil {
				return err
			}
			scratchDir, done, err := updateScratch(cache)
			if err != nil {
				return err
			}
			defer done()
			for _, f := range feeds {
				if !slices.Contains(feedNames, f) {
					return fmt.Errorf("--feeds: unknown feed %q (feeds: %s)", f, strings.Join(feedNames, ", "))
				}
			}
			rep, err := update.UpdateReport(cmd.Context(), path, update.UpdateOptions{
				Mirror: mirror, CacheDir: scratchDir, Feeds: feeds, Log: g.logOut(),
				Progress: g.transferProgress(), BuildProgress: g.buildProgress(),
			})
			g.bar.Clear()
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdio.Out, "updated %s from %d files (%d not published by the source)\n", path, len(rep.Downloaded), len(rep.NotPublished))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "db", "", "database file to write (default: db/lading.db in the cache directory)")
	cmd.Flags().StringVar(&mirror, "mirror", "", "base URL of a mirror (http://, https:// or file://) laid out like ../shared/vulndata")
	cmd.Flags().StringSliceVar(&feeds, "feeds", nil, "build from only these feeds: osv, alpine-secdb, debian, pypa, rustsec, rubysec, friendsofphp, redhat, amazon, suse, azurelinux, ubuntu, nvd, kev, epss (default all)")
	return cmd
}

// feedNames are the feeds `db update --feeds` can name.
var feedNames = []string{"osv", "alpine-secdb", "debian", "pypa", "rustsec", "rubysec", "friendsofphp",
	"redhat", "amazon", "suse", "azurelinux", "ubuntu", "nvd", "kev", "epss"}

func newDBStatusCmd(g *globals) *cobra.Command {
	var path, format string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what the database holds: sources, dates, counts, schema",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("--format %q: want table or json", format)
			}
			p, err := g.dbTarget(path)
			if err != nil {
				return err
			}
			db, err := openDB(p)
			if err != nil {
				return err
			}
			defer db.Close()
			st, err := db.Status(cmd.Context())
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(g.stdio.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			w := tabwriter.NewWriter(g.stdio.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "Database:\t%s (%s)\n", st.Path, size(st.Size))
			fmt.Fprintf(w, "Schema:\t%d\n", st.Metadata.SchemaVersion)
			fmt.Fprintf(w, "Built:\t%s (%s old)\n", st.Metadata.Built.UTC().Format(time.RFC3339), time.Since(st.Metadata.Built).Round(time.Minute))
			fmt.Fprintln(w, "\nSOURCE\tVULNERABILITIES\tWITHDRAWN\tSTATEMENTS")
			for _, s := range st.Sources {
				fmt.Fprintf(w, "%s\t%d\t%d\t%d\n", s.Source, s.Vulnerabilities, s.Withdrawn, s.Statements)
			}
			fmt.Fprintf(w, "total\t%d\t%d\t%d\n", st.Totals.Vulnerabilities, st.Totals.Withdrawn, st.Totals.Statements)
			day := func(t time.Time) string {
				if t.IsZero() {
					return "-"
				}
				return t.UTC().Format("2006-01-02")
			}
			e := st.Enrichment
			fmt.Fprintln(w, "\nENRICHMENT\tRECORDS\tLATEST")
			fmt.Fprintf(w, "nvd\t%d (%d rejected)\t%s\n", e.NVD, e.NVDRejected, day(e.NVDModified))
			fmt.Fprintf(w, "kev\t%d\t%s\n", e.KEV, e.KEVLatest)
			fmt.Fprintf(w, "epss\t%d\t%s\n", e.EPSS, day(e.EPSSDate))
			fmt.Fprintln(w, "\nFILE\tRECORDS\tSKIPPED\tFETCHED")
			for _, s := range st.Metadata.Sources {
				fmt.Fprintf(w, "%s\t%d\t%d\t%s\n", s.Location, s.Records, s.Skipped, s.Fetched.UTC().Format(time.RFC3339))
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&path, "db", "", "database file (default: db/lading.db in the cache directory)")
	cmd.Flags().StringVarP(&format, "format", "f", "table", "table or json")
	return cmd
}
