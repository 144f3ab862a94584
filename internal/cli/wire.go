package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/extract/list"
	"github.com/lading-dev/lading/extract/owned"
	"github.com/lading-dev/lading/extract/rpm"
	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
	"github.com/lading-dev/lading/osrelease"
	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/scan"
)

// openDB opens the advisory database, or says how to get one.
func openDB(path string) (*store.Store, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no advisory database at %s: run `lading db update` (downloads the public feeds) or `lading db build PATH...` (from feed files you have)", path)
	}
	db, err := store.Open(path)
	if err != nil {
		return nil, fmt.Errorf("advisory database %s: %w", path, err)
	}
	return db, nil
}

// extractors is the list of extractors a scan runs.
func extractors() []extract.Extractor {
	exs := append(list.OS(), list.Language()...)
	// Keeps dpkg's file lists, so that language packages the OS owns are
	// reported once, under the OS package.
	return append(exs, owned.New())
}

func scanOptions(ctx context.Context, tmp string) scan.Options {
	return scan.Options{
		Extractors: extractors(),
		DetectOS:   osrelease.Detect,
		OSWants:    osrelease.Wants,
		OSVersion:  osrelease.Version,
		TempDir:    tmp,
		Owned: func(fsys fs.FS, osPkgs, other []*inventory.Package) []*inventory.Package {
			other = owned.DropOSOwned(fsys, osPkgs, other)
			for _, p := range osPkgs {
				if p.Type == inventory.TypeRPM {
					return rpm.DropOwned(ctx, fsys, tmp, other)
				}
			}
			return other
		},
	}
}

// buildReport matches the inventory against the database, gives each
// finding its title and what NVD, KEV and EPSS say of it, and assembles
// the report. With a layer cache, the matching results of an inventory
// seen before against the same database come from it.
func buildReport(ctx context.Context, db *store.Store, img *source.Image, inv *scan.Result, cache *scan.LayerCache) (*report.Report, error) {
	rep := newReport(img, inv)
	meta, err := db.Metadata(ctx)
	if err != nil {
		return nil, fmt.Errorf("advisory database: %w", err)
	}
	rep.Database = &report.Database{
		SchemaVersion: meta.SchemaVersion,
		Built:         meta.Built,
		AgeHours:      time.Since(meta.Built).Hours(),
	}
	key := ""
	if cache != nil {
		key = matchKey(db, meta, inv.Distro, inv.Packages)
	}
	if m := readMatched(cache, key); m != nil {
		rep.Vulnerabilities, rep.Unknowns = m.Vulnerabilities, m.Unknowns
	} else {
		if err := matchInventory(ctx, db, inv, rep); err != nil {
			return nil, err
		}
		writeMatched(cache, key, &matched{Vulnerabilities: rep.Vulnerabilities, Unknowns: rep.Unknowns})
	}
	rep.Summarize()
	return rep, nil
}

// matchInventory puts in rep the findings and undecided packages of the
// inventory, each finding with its title and enrichment.
func matchInventory(ctx context.Context, db *store.Store, inv *scan.Result, rep *report.Report) error {
	if inv.Distro != nil && len(inv.Packages) > 0 {
		res, err := match.Distro(ctx, db, inv.Distro, inv.Packages)
		if err != nil {
			return fmt.Errorf("matching: %w", err)
		}
		addMatches(rep, res)
	}
	if len(inv.Packages) > 0 {
		res, err := match.Language(ctx, db, inv.Packages)
		if err != nil {
			return fmt.Errorf("matching language packages: %w", err)
		}
		addMatches(rep, res)
	}
	if err := fillTitles(ctx, db, rep); err != nil {
		return err
	}
	// Enrichment sets the headline severity the filters read.
	if err := newEnricher(db).enrich(ctx, rep.Vulnerabilities); err != nil {
		return fmt.Errorf("advisory database: %w", err)
	}
	return nil
}

// fillTitles gives each finding the summary of its advisory record (of its
// ID, else of the first alias that has one).
func fillTitles(ctx context.Context, db *store.Store, rep *report.Report) error {
	cache := map[string]string{}
	summary := func(id string) (string, error) {
		if s, ok := cache[id]; ok {
			return s, nil
		}
		recs, err := db.Vulnerabilities(ctx, id)
		if err != nil {
			return "", err
		}
		s := ""
		for _, r := range recs {
			if r.Summary != "" {
				s = r.Summary
				break
			}
		}
		cache[id] = s
		return s, nil
	}
	for i := range rep.Vulnerabilities {
		v := &rep.Vulnerabilities[i]
		for _, id := range append([]string{v.ID}, v.Aliases...) {
			s, err := summary(id)
			if err != nil {
				return fmt.Errorf("advisory database: %w", err)
			}
			if s != "" {
				v.Title = s
				break
			}
		}
	}
	return nil
}

func addMatches(rep *report.Report, res *match.Result) {
	for _, f := range res.Findings {
		rep.Vulnerabilities = append(rep.Vulnerabilities, findingToReport(f))
	}
	for _, u := range res.Unknowns {
		rep.Unknowns = append(rep.Unknowns, report.Unknown{
			PackageName: u.Package.Name, InstalledVersion: u.Package.Version, ID: u.VulnID, Reason: u.Reason,
		})
	}
}

func findingToReport(f match.Finding) report.Vulnerability {
	v := report.Vulnerability{
		ID:               f.ID,
		Aliases:          f.Aliases,
		PackageName:      f.PackageName,
		InstalledVersion: f.InstalledVersion,
		FixedVersion:     f.FixedVersion,
		Status:           string(f.Status),
		Severity:         f.Severity,
		Layer:            f.Layer,
		DataSource:       f.DataSource,
		Namespace:        f.Namespace,
		Evidence:         f.Evidence,
	}
	if v.Aliases == nil {
		v.Aliases = []string{}
	}
	// Go advisories write module versions without the "v" the modules
	// themselves carry; print both the same way.
	if f.Package != nil && f.Package.Type == "golang" && strings.HasPrefix(v.InstalledVersion, "v") && v.FixedVersion != "" && !strings.HasPrefix(v.FixedVersion, "v") {
		v.FixedVersion = "v" + v.FixedVersion
	}
	if p := f.Package; p != nil {
		v.PackageType = p.Type
		v.PURL = p.PURL
		v.SourceName = p.SourceName
		v.CreatedBy = p.CreatedBy
	}
	return v
}

// coverageWarnings says what a report of no findings would otherwise hide:
// that nothing was recognised, that the database knows nothing of the
// distribution, or that files could not be read.
func coverageWarnings(ctx context.Context, db *store.Store, inv *scan.Result) []string {
	var out []string
	osPkgs := 0
	for _, p := range inv.Packages {
		switch p.Type {
		case inventory.TypeDeb, inventory.TypeAPK, inventory.TypeRPM:
			osPkgs++
		}
	}
	switch {
	case len(inv.Packages) == 0:
		out = append(out, "no packages were found, so nothing was checked for vulnerabilities")
	case inv.Distro == nil && osPkgs > 0:
		out = append(out, fmt.Sprintf("no operating system was recognised, so the %d OS packages were not checked for vulnerabilities", osPkgs))
	case inv.Distro != nil && osPkgs > 0:
		ns := advisory.DistroNamespace(inv.Distro.Family, inv.Distro.Version)
		if known, err := namespaceKnown(ctx, db, ns); err == nil && !known {
			out = append(out, fmt.Sprintf("the advisory database holds no advisories for %s (%s %s), so its %d OS packages were not checked; update the database or check its sources with `lading db status`", ns, inv.Distro.Family, inv.Distro.Version, osPkgs))
		}
	}
	if n := len(inv.Problems); n > 0 {
		out = append(out, fmt.Sprintf("%d files or entries could not be read; the findings may be incomplete (see problems)", n))
	}
	return out
}

func namespaceKnown(ctx context.Context, db *store.Store, ns string) (bool, error) {
	st, err := db.Status(ctx)
	if err != nil {
		return false, err
	}
	for _, n := range st.Namespaces {
		if n.Namespace == ns && n.Statements > 0 {
			return true, nil
		}
	}
	return false, nil
}
