package bench

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/extract/list"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
)

// BenchmarkBuild builds the advisory database from all of the shared
// vulndata, into a new file each time; besides ns/op it reports the
// database's size and what it holds.
func BenchmarkBuild(b *testing.B) {
	vd := testutil.Shared(b, "vulndata")
	dir := b.TempDir()
	var rep *build.Report
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		rep, err = build.BuildReport(context.Background(), filepath.Join(dir, "lading.db"), []string{vd}, build.Options{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(rep.Size), "db-bytes")
	b.ReportMetric(float64(rep.Store.Statements), "statements")
	b.ReportMetric(float64(rep.Store.Entries), "records")
	b.ReportMetric(float64(len(rep.Files)), "files-read")
}

// fixture is a package database among the shared fixtures, and the
// vulndata namespace its names are looked up in.
type fixture struct {
	dir    string // under ../shared/fixtures
	distro inventory.Distro
}

// fixtures lists every dpkg, apk and rpm database of the shared fixtures.
// The dpkg and apk ones are looked up in their own release's namespace
// (ubuntu:18.04, ubuntu:20.04, debian:10, alpine:3.x: some of those
// releases have data in vulndata, some have none, as in real use). The
// rpm ones (Amazon Linux 2023, CBL-Mariner 2.0, SLE 15, UBI 8) are looked
// up in the AlmaLinux namespaces, the Red Hat family data vulndata holds:
// UBI 8 in almalinux:8, the others in almalinux:9.
func fixtures(b testing.TB) []fixture {
	fx := []fixture{
		{"dpkg/ubuntu-18.04-bionic-base", inventory.Distro{Family: "ubuntu", Version: "18.04"}},
		{"dpkg/ubuntu-18.04-bionic-texlive", inventory.Distro{Family: "ubuntu", Version: "18.04"}},
		{"dpkg/ubuntu-20.04-focal-armhf-extended", inventory.Distro{Family: "ubuntu", Version: "20.04"}},
		{"dpkg/ubuntu-20.04-focal-base-armhf", inventory.Distro{Family: "ubuntu", Version: "20.04"}},
		{"dpkg/debian-10-postgresql-snippet", inventory.Distro{Family: "debian", Version: "10"}},
		{"rpm/amazonlinux2023", inventory.Distro{Family: "almalinux", Version: "9"}},
		{"rpm/cbl-mariner-2.0", inventory.Distro{Family: "almalinux", Version: "9"}},
		{"rpm/sle15-bci", inventory.Distro{Family: "almalinux", Version: "9"}},
		{"rpm/ubi8-libuuid-bdb", inventory.Distro{Family: "almalinux", Version: "8"}},
	}
	apkDir := testutil.Shared(b, "fixtures", "alpine", "apk-db")
	entries, err := os.ReadDir(apkDir)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range entries {
		v := e.Name()
		if strings.HasPrefix(v, "edge") {
			v = "edge"
		}
		fx = append(fx, fixture{"alpine/apk-db/" + e.Name(), inventory.Distro{Family: "alpine", Version: v}})
	}
	return fx
}

// group is packages of one distro, for match.Distro.
type group struct {
	distro inventory.Distro
	pkgs   []*inventory.Package
}

// lookup is one store.Affected call: a namespace and the name the matcher
// would ask for first (the source package for deb and apk, the binary
// name for rpm).
type lookup struct{ ns, name string }

// packageSet reads every fixture's packages and draws 1,000 of them,
// taking one from each fixture in turn so that every database is
// represented. It returns them grouped by distro and as lookups.
func packageSet(b testing.TB, n int) ([]group, []lookup) {
	var queues [][]*inventory.Package
	var distros []inventory.Distro
	for _, f := range fixtures(b) {
		root := testutil.Shared(b, append([]string{"fixtures"}, strings.Split(f.dir, "/")...)...)
		var pkgs []*inventory.Package
		for _, e := range list.OS() {
			ps, _ := e.Extract(context.Background(), extract.Input{FS: os.DirFS(root), TempDir: b.TempDir()})
			pkgs = append(pkgs, ps...)
		}
		sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].Key() < pkgs[j].Key() })
		queues = append(queues, pkgs)
		distros = append(distros, f.distro)
	}
	byDistro := map[inventory.Distro]*group{}
	var order []inventory.Distro
	var lookups []lookup
	taken := 0
	for round := 0; taken < n; round++ {
		progress := false
		for i, q := range queues {
			if round >= len(q) || taken == n {
				continue
			}
			progress = true
			p := q[round]
			d := distros[i]
			g, ok := byDistro[d]
			if !ok {
				g = &group{distro: d}
				byDistro[d] = g
				order = append(order, d)
			}
			g.pkgs = append(g.pkgs, p)
			name := p.SourceName
			if p.Type == inventory.TypeRPM || name == "" {
				name = p.Name
			}
			ns := d.Family + ":" + d.Version
			if d.Family == "alpine" && d.Version != "edge" {
				parts := strings.SplitN(d.Version, ".", 3)
				ns = "alpine:" + parts[0] + "." + parts[1]
			}
			lookups = append(lookups, lookup{ns, name})
			taken++
		}
		if !progress {
			b.Fatalf("the fixtures hold only %d packages, want %d", taken, n)
		}
	}
	var groups []group
	for _, d := range order {
		groups = append(groups, *byDistro[d])
	}
	return groups, lookups
}

var (
	dbOnce sync.Once
	dbPath string
	dbErr  error
)

// fullDB builds the database from all of vulndata once.
func fullDB(b testing.TB) string {
	vd := testutil.Shared(b, "vulndata")
	dbOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lading-bench-")
		if err != nil {
			dbErr = err
			return
		}
		dbPath = filepath.Join(dir, "lading.db")
		_, dbErr = build.Build(context.Background(), dbPath, []string{vd}, build.Options{})
	})
	if dbErr != nil {
		b.Fatal(dbErr)
	}
	return dbPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dbPath != "" {
		os.RemoveAll(filepath.Dir(dbPath))
	}
	os.Exit(code)
}

// BenchmarkLookup1000 looks up 1,000 real packages from the fixtures'
// dpkg, apk and rpm databases: once as 1,000 store.Affected calls, once
// through match.Distro (which also reads each matched record and compares
// versions). The metrics count the statements read and the findings.
func BenchmarkLookup1000(b *testing.B) {
	groups, lookups := packageSet(b, 1000)
	s, err := store.Open(fullDB(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	b.Run("Affected", func(b *testing.B) {
		var stmts, hits int
		for i := 0; i < b.N; i++ {
			stmts, hits = 0, 0
			for _, l := range lookups {
				st, err := s.Affected(ctx, l.ns, l.name)
				if err != nil {
					b.Fatal(err)
				}
				stmts += len(st)
				if len(st) > 0 {
					hits++
				}
			}
		}
		b.ReportMetric(float64(len(lookups)), "lookups")
		b.ReportMetric(float64(hits), "names-with-statements")
		b.ReportMetric(float64(stmts), "statements")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lookups)), "ns/lookup")
	})
	b.Run("MatchDistro", func(b *testing.B) {
		var findings, unknowns, pkgs int
		for i := 0; i < b.N; i++ {
			findings, unknowns, pkgs = 0, 0, 0
			for _, g := range groups {
				d := g.distro
				res, err := match.Distro(ctx, s, &d, g.pkgs)
				if err != nil {
					b.Fatal(err)
				}
				findings += len(res.Findings)
				unknowns += len(res.Unknowns)
				pkgs += len(g.pkgs)
			}
		}
		b.ReportMetric(float64(pkgs), "packages")
		b.ReportMetric(float64(findings), "findings")
		b.ReportMetric(float64(unknowns), "unknowns")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*pkgs), "ns/package")
	})
}

// The package set is what the benchmark says: 1,000 packages from every
// fixture database, with their namespaces.
func TestPackageSet(t *testing.T) {
	groups, lookups := packageSet(t, 1000)
	if len(lookups) != 1000 {
		t.Fatalf("%d lookups", len(lookups))
	}
	n := 0
	types := map[string]int{}
	for _, g := range groups {
		n += len(g.pkgs)
		for _, p := range g.pkgs {
			types[p.Type]++
		}
	}
	if n != 1000 || types["deb"] == 0 || types["apk"] == 0 || types["rpm"] == 0 {
		t.Errorf("%d packages by type %v", n, types)
	}
	t.Logf("%d packages by type %v in %d distro groups", n, types, len(groups))
}
