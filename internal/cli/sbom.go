package cli

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/report/cyclonedx"
	"github.com/lading-dev/lading/report/sbom"
	"github.com/lading-dev/lading/report/spdx"
	"github.com/lading-dev/lading/scan"
)

// MaxSBOMSize bounds an SBOM file that sbom scan reads.
const MaxSBOMSize = 512 << 20

// KindSBOM is the target kind of a report made from an SBOM.
const KindSBOM = "sbom"

func newSBOMCmd(g *globals) *cobra.Command {
	var format, output, platform string
	var insecure bool
	var layerCache layerCacheFlags
	cmd := &cobra.Command{
		Use:   "sbom REF",
		Short: "Write the software bill of materials of an image or directory (CycloneDX or SPDX)",
		Long: `Write the inventory of an image or root filesystem as an SBOM: CycloneDX 1.6 JSON
(the default) or SPDX 2.3 JSON. No advisory database is read and nothing is
matched; REF is any reference lading image takes (see lading image --help).

lading sbom scan FILE matches an SBOM, lading's or another tool's, as a scan.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "cyclonedx", "spdx":
			default:
				return fmt.Errorf("--format %q: want cyclonedx or spdx", format)
			}
			if err := checkOutputFolder(output); err != nil {
				return err
			}
			return g.runSBOM(cmd, args[0], format, output, source.Options{Platform: platform, Insecure: insecure}, &layerCache)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&format, "format", "f", "cyclonedx", "SBOM format: cyclonedx (CycloneDX 1.6 JSON) or spdx (SPDX 2.3 JSON)")
	fl.StringVarP(&output, "output", "o", "", "write the SBOM to this file instead of standard output")
	fl.StringVar(&platform, "platform", "", "platform to pick from a multi-platform image, os/arch[/variant] (default linux/amd64)")
	fl.BoolVar(&insecure, "insecure", false, "allow plain HTTP to registries other than localhost")
	layerCache.add(fl)
	cmd.AddCommand(newSBOMScanCmd(g))
	return cmd
}

func (g *globals) runSBOM(cmd *cobra.Command, ref, format, output string, opts source.Options, lc *layerCacheFlags) error {
	ctx := cmd.Context()
	cache, err := g.cache()
	if err != nil {
		return err
	}
	tmp, cleanup, err := scan.TempDir(cache)
	if err != nil {
		return fmt.Errorf("scratch directory: %w", err)
	}
	defer cleanup()
	opts.TempDir = tmp
	img, err := source.Open(ctx, ref, opts)
	if err != nil {
		return err
	}
	defer img.Close()
	prog := newLayerProgress(g.bar)
	sopts := scanOptions(ctx, tmp)
	sopts.Progress = prog.layer
	if sopts.Cache, err = lc.cache(cache); err != nil {
		return err
	}
	inv, err := scan.Run(ctx, img, sopts)
	prog.done()
	if err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	rep := newReport(img, inv)
	if n := len(inv.Problems); n > 0 {
		w := fmt.Sprintf("%d files or entries could not be read; the SBOM may be incomplete", n)
		fmt.Fprintf(g.stdio.Err, "lading: warning: %s\n", w)
		rep.Warnings = append(rep.Warnings, w)
	}
	rep.Summarize()
	write := func(w io.Writer) error {
		if format == "spdx" {
			return spdx.Write(w, rep)
		}
		return cyclonedx.Write(w, rep)
	}
	if output != "" {
		return writeOutput(output, write)
	}
	return write(g.stdio.Out)
}

func newSBOMScanCmd(g *globals) *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan FILE",
		Short: "Match the packages of an SBOM (CycloneDX or SPDX JSON) against the advisory database",
		Long: `Read a CycloneDX or SPDX JSON SBOM, lading's or another tool's, and report the
known vulnerabilities of its packages as lading image does for an image.

Every component (SPDX: package) with a package URL is a package: deb, apk and
rpm purls are OS packages, matched against the release the operating-system
component names (or, failing that, the purls' distro qualifier); npm, pypi,
golang, maven, cargo, gem, composer and nuget purls are language packages.
Components without a purl, or with another purl type, are counted in a
warning. FILE "-" reads standard input.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.runSBOMScan(cmd, args[0], &f)
		},
	}
	f.register(cmd, false)
	return cmd
}

func (g *globals) runSBOMScan(cmd *cobra.Command, file string, f *scanFlags) error {
	if err := f.validate(); err != nil {
		return err
	}
	pol, err := f.policy.load(f)
	if err != nil {
		return err
	}
	// Read the SBOM before the database, so a bad file fails fast.
	inv, err := g.readSBOM(file)
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

	name := inv.Name
	if name == "" {
		name = file
	}
	img := &source.Image{Ref: file, Kind: KindSBOM, Name: name, Digest: inv.Digest, ImageID: inv.ImageID}
	res := &scan.Result{Distro: inv.Distro, Packages: inv.Packages}
	for i, l := range inv.Layers {
		res.Layers = append(res.Layers, scan.Layer{Index: i, DiffID: l.DiffID, Digest: l.Digest, Size: l.Size, CreatedBy: l.CreatedBy})
	}
	warnings := nonEmpty(staleWarning)
	if w := skippedWarning(inv); w != "" {
		fmt.Fprintf(g.stdio.Err, "lading: warning: %s\n", w)
		warnings = append(warnings, w)
	}
	return g.finishScan(ctx, db, img, res, f, pol, warnings)
}

// readSBOM reads and decodes an SBOM file ("-": standard input).
func (g *globals) readSBOM(file string) (*sbom.Inventory, error) {
	var r io.Reader
	if file == "-" {
		r = g.stdio.In
	} else {
		fh, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		r = fh
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxSBOMSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(data) > MaxSBOMSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, MaxSBOMSize)
	}
	kind, err := sbom.Detect(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var inv *sbom.Inventory
	if kind == sbom.CycloneDX {
		inv, err = cyclonedx.Read(data)
	} else {
		inv, err = spdx.Read(data)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return inv, nil
}

// skippedWarning counts the components an SBOM scan could not check.
func skippedWarning(inv *sbom.Inventory) string {
	if len(inv.Skipped) == 0 {
		return ""
	}
	reasons := map[string]int{}
	for _, s := range inv.Skipped {
		r := s.Reason
		if strings.HasPrefix(r, "purl type") {
			r = "a purl type lading does not match"
		} else if strings.HasPrefix(r, "unreadable purl") {
			r = "an unreadable purl"
		}
		reasons[r]++
	}
	var parts []string
	for r, n := range reasons {
		parts = append(parts, fmt.Sprintf("%d with %s", n, r))
	}
	sort.Strings(parts)
	return fmt.Sprintf("%d components of the %s SBOM were not checked for vulnerabilities (%s)", len(inv.Skipped), inv.Format, strings.Join(parts, ", "))
}

// nonEmpty is the list of the strings that are not "".
func nonEmpty(s ...string) []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
