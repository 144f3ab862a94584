package cli

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/lading-dev/lading/advisory/oci"
)

// newDBPushCmds returns db push and db pull.
func newDBPushCmds(g *globals) []*cobra.Command {
	return []*cobra.Command{newDBPushCmd(g), newDBPullCmd(g)}
}

func newDBPushCmd(g *globals) *cobra.Command {
	var path string
	var insecure bool
	cmd := &cobra.Command{
		Use:   "push REGISTRY/REPO:TAG",
		Short: "Upload the database to a registry as an OCI artifact",
		Long: `Upload the advisory database to a registry as an OCI artifact (artifact type
` + oci.ArtifactType + `): the database's metadata as the config, and the
SQLite file compressed with zstd as its one layer. Credentials come from
~/.docker/config.json ($DOCKER_CONFIG); localhost and 127.0.0.1 are spoken to
over plain HTTP, other registries only with --insecure.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := g.dbTarget(path)
			if err != nil {
				return err
			}
			db, err := openDB(p) // says how to get a database when there is none
			if err != nil {
				return err
			}
			db.Close()
			cache, err := g.cache()
			if err != nil {
				return err
			}
			res, err := oci.Push(cmd.Context(), p, args[0], oci.Options{
				Insecure: insecure, TempDir: filepath.Join(cache, "tmp"), Log: g.logOut(),
				Progress: g.blobProgress("uploading " + args[0]),
			})
			g.bar.Clear()
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdio.Out, "pushed %s (%s, schema %d, built %s) to %s@%s (%s compressed)\n",
				p, size(res.DBSize), res.Metadata.SchemaVersion, res.Metadata.Built.UTC().Format(time.RFC3339),
				res.Ref, res.Digest, size(res.Size))
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "db", "", "database file to push (default: db/lading.db in the cache directory)")
	cmd.Flags().BoolVar(&insecure, "insecure", false, "allow plain HTTP to registries other than localhost")
	return cmd
}

func newDBPullCmd(g *globals) *cobra.Command {
	var path string
	var insecure bool
	cmd := &cobra.Command{
		Use:   "pull REGISTRY/REPO:TAG",
		Short: "Download a database that `lading db push` uploaded, and install it",
		Long: `Download an advisory database artifact that ` + "`lading db push`" + ` uploaded and install
it. An artifact of another type, or holding a database schema this lading
does not read, is refused before the download. The database is checked
against its digests, decompressed beside the current one, opened and checked,
and only then renamed over it; any failure leaves the current database as it
was.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := g.dbTarget(path)
			if err != nil {
				return err
			}
			res, err := oci.Pull(cmd.Context(), args[0], p, oci.Options{
				Insecure: insecure, Log: g.logOut(), Progress: g.blobProgress("downloading " + args[0]),
			})
			g.bar.Clear()
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdio.Out, "pulled %s@%s into %s (%s, schema %d, built %s)\n",
				res.Ref, res.Digest, p, size(res.DBSize), res.Metadata.SchemaVersion, res.Metadata.Built.UTC().Format(time.RFC3339))
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "db", "", "database file to write (default: db/lading.db in the cache directory)")
	cmd.Flags().BoolVar(&insecure, "insecure", false, "allow plain HTTP to registries other than localhost")
	return cmd
}
