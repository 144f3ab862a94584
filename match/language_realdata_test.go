package match_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/extract/cargo"
	"github.com/lading-dev/lading/extract/gobinary"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
)

// languageStore builds an advisory database from the Go vulndb OSV dump
// and RustSec's OSV export (vulndata PROVENANCE §1 and §2).
func languageStore(t *testing.T) *store.Store {
	t.Helper()
	vulndata := testutil.Shared(t, "vulndata")
	db := filepath.Join(t.TempDir(), "advisories.db")
	if _, err := build.Build(context.Background(), db, []string{
		filepath.Join(vulndata, "osv", "Go", "all.zip"),
		filepath.Join(vulndata, "osv", "crates.io", "all.zip"),
	}, build.Options{}); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestLanguageRealData runs Language on real advisories (one database for
// the subtests) and packages extracted from real files.
func TestLanguageRealData(t *testing.T) {
	s := languageStore(t)
	t.Run("GoBinary", func(t *testing.T) { testLanguageGoBinary(t, s) })
	t.Run("Stdlib", func(t *testing.T) { testLanguageStdlib(t, s) })
	t.Run("Cargo", func(t *testing.T) { testLanguageCargo(t, s) })
}

// findingNames maps each finding to "package version ID [aliases]".
func findingNames(fs []match.Finding) []string {
	var out []string
	for _, f := range fs {
		s := f.PackageName + " " + f.InstalledVersion + " " + f.ID + " fixed=" + f.FixedVersion
		if len(f.Aliases) > 0 {
			s += " aka " + strings.Join(f.Aliases, ",")
		}
		out = append(out, s)
	}
	return out
}

// buildVulnApp builds a Go program requiring golang.org/x/text v0.3.0,
// replaced by v0.3.5, fetched from the module proxy. It skips (fails under
// LADING_REQUIRE_SHARED) when the proxy cannot be reached.
func buildVulnApp(t *testing.T, ldflags string) (bin, goVersion string) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/vulnapp\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.0\n\n" +
			"replace golang.org/x/text v0.3.0 => golang.org/x/text v0.3.5\n",
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"golang.org/x/text/language\"\n)\n\n" +
			"func main() { fmt.Println(language.Make(\"en-US\")) }\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	env := []string{"GOFLAGS=-mod=mod -buildvcs=false", "GOTOOLCHAIN=local", "GOWORK=off", "GO111MODULE=on", "CGO_ENABLED=0"}
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "GOFLAGS", "GOTOOLCHAIN", "GOWORK", "GO111MODULE", "CGO_ENABLED":
		default:
			env = append(env, kv)
		}
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(goCmd, args...)
		cmd.Dir, cmd.Env = dir, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return strings.TrimSpace(out.String()), err
	}
	if out, err := run("mod", "download", "golang.org/x/text@v0.3.5"); err != nil {
		testutil.Require(t, false, "cannot download golang.org/x/text v0.3.5 from the module proxy: "+out)
	}
	v, err := run("env", "GOVERSION")
	if err != nil {
		t.Fatal(v)
	}
	args := []string{"build", "-trimpath", "-o", "vulnapp"}
	if ldflags != "" {
		args = append(args, "-ldflags="+ldflags)
	}
	if out, err := run(append(args, ".")...); err != nil {
		t.Fatalf("go build: %s", out)
	}
	return filepath.Join(dir, "vulnapp"), v
}

// testLanguageGoBinary builds a Go program linking golang.org/x/text
// v0.3.5 (required as v0.3.0 and replaced), extracts its modules and
// matches them against the Go vulndb (vulndata/osv/Go/all.zip, vulndb @
// a752ea54, 2026-08-21). Facts checked in the records:
//   - GO-2021-0113 (aliases CVE-2021-38561, GHSA-ppp9-7jff-5vj2): SEMVER
//     introduced 0, fixed 0.3.7;
//   - GO-2022-1059 (CVE-2022-32149, GHSA-69ch-w2m2-3vjp): fixed 0.3.8;
//   - GO-2026-5970 (CVE-2026-56852): fixed 0.39.0;
//   - GO-2020-0015 (CVE-2020-14040, GHSA-5rcv-m4m3-hfh7): fixed 0.3.3, so
//     it would hit the required v0.3.0 but not the replacement v0.3.5.
//
// No stdlib record in the dump affects go1.26.8 (the latest fixes are for
// 1.26.2), so the toolchain's stdlib gives nothing; the main module is
// (devel) and has no advisories, so it gives nothing either.
func testLanguageGoBinary(t *testing.T, s *store.Store) {
	for _, ldflags := range []string{"", "-s -w"} {
		t.Run("ldflags="+ldflags, func(t *testing.T) {
			bin, goVersion := buildVulnApp(t, ldflags)
			data, err := os.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			fsys := fstest.MapFS{"usr/local/bin/vulnapp": {Data: data, Mode: 0o755}}
			pkgs, err := gobinary.New().ExtractFile(context.Background(), extract.Input{FS: fsys}, "usr/local/bin/vulnapp")
			if err != nil {
				t.Fatal(err)
			}
			res, err := match.Language(context.Background(), s, pkgs)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{
				"golang.org/x/text v0.3.5 CVE-2021-38561 fixed=0.3.7 aka GHSA-ppp9-7jff-5vj2,GO-2021-0113",
				"golang.org/x/text v0.3.5 CVE-2022-32149 fixed=0.3.8 aka GHSA-69ch-w2m2-3vjp,GO-2022-1059",
				"golang.org/x/text v0.3.5 CVE-2026-56852 fixed=0.39.0 aka GO-2026-5970",
			}
			if goVersion == "go1.26.8" {
				// Only for the toolchain whose stdlib was checked.
				checkBriefs(t, "findings", findingNames(res.Findings), want)
			} else {
				var xtext []string
				for _, f := range findingNames(res.Findings) {
					if strings.HasPrefix(f, "golang.org/x/text ") {
						xtext = append(xtext, f)
					}
				}
				checkBriefs(t, "x/text findings ("+goVersion+")", xtext, want)
			}
			checkBriefs(t, "unknowns", unknownBriefs(res.Unknowns), nil)
			for _, f := range res.Findings {
				if f.Namespace != "go" || f.DataSource != "osv:Go" || f.Package.Locations[0].Path != "usr/local/bin/vulnapp" {
					t.Errorf("%s: namespace %q, source %q, location %v", f.ID, f.Namespace, f.DataSource, f.Package.Locations)
				}
			}
		})
	}
}

// stdlib120 are the GO- records of vulndata/osv/Go/all.zip whose stdlib
// ranges contain 1.20.0 (worked out from the records' SEMVER events with
// a separate script; none is withdrawn). The list starts with the
// go1.20.1 security release (GO-2023-1568 … GO-2023-1571: introduced
// 1.20.0-0, fixed 1.20.1) and GO-2023-1621 (CVE-2023-24532, fixed 1.20.2).
var stdlib120 = []string{
	"GO-2023-1568", "GO-2023-1569", "GO-2023-1570", "GO-2023-1571", "GO-2023-1621", "GO-2023-1702",
	"GO-2023-1703", "GO-2023-1704", "GO-2023-1705", "GO-2023-1751", "GO-2023-1752", "GO-2023-1753",
	"GO-2023-1840", "GO-2023-1878", "GO-2023-1987", "GO-2023-2041", "GO-2023-2043", "GO-2023-2102",
	"GO-2023-2185", "GO-2023-2186", "GO-2023-2382", "GO-2024-2598", "GO-2024-2599", "GO-2024-2600",
	"GO-2024-2609", "GO-2024-2610", "GO-2024-2687", "GO-2024-2887", "GO-2024-2888", "GO-2024-2963",
	"GO-2024-3105", "GO-2024-3106", "GO-2024-3107", "GO-2025-3373", "GO-2025-3420", "GO-2025-3447",
	"GO-2025-3503", "GO-2025-3563", "GO-2025-3750", "GO-2025-3751", "GO-2025-3849", "GO-2025-3956",
	"GO-2025-4006", "GO-2025-4007", "GO-2025-4008", "GO-2025-4009", "GO-2025-4010", "GO-2025-4011",
	"GO-2025-4012", "GO-2025-4013", "GO-2025-4014", "GO-2025-4015", "GO-2025-4155", "GO-2025-4175",
	"GO-2026-4337", "GO-2026-4340", "GO-2026-4341", "GO-2026-4342", "GO-2026-4403", "GO-2026-4601",
	"GO-2026-4602", "GO-2026-4603", "GO-2026-4864", "GO-2026-4865", "GO-2026-4869", "GO-2026-4870",
	"GO-2026-4918", "GO-2026-4946", "GO-2026-4947", "GO-2026-4970", "GO-2026-4971", "GO-2026-4976",
	"GO-2026-4977", "GO-2026-4980", "GO-2026-4981", "GO-2026-4982", "GO-2026-4986", "GO-2026-5026",
	"GO-2026-5037", "GO-2026-5038", "GO-2026-5039", "GO-2026-5856", "GO-2026-5972", "GO-2026-6088",
	"GO-2026-6089", "GO-2026-6090", "GO-2026-6091", "GO-2026-6218",
}

// testLanguageStdlib matches the standard library: go1.26.8 (the toolchain
// here) against no record, and a synthetic go1.20 (stdlib v1.20.0) against
// the 88 records of stdlib120, each named by exactly one finding (as its
// ID or an alias) and no CVE reported twice.
func testLanguageStdlib(t *testing.T, s *store.Store) {
	std := func(goVersion string) *inventory.Package {
		v := gobinary.StdlibVersion(goVersion)
		return &inventory.Package{Name: gobinary.Stdlib, Version: v, Type: gobinary.Type, PURL: gobinary.PURL(gobinary.Stdlib, v),
			Locations: []inventory.Location{{Path: "usr/bin/app"}}}
	}
	res, err := match.Language(context.Background(), s, []*inventory.Package{std("go1.26.8")})
	if err != nil {
		t.Fatal(err)
	}
	checkBriefs(t, "go1.26.8", findingNames(res.Findings), nil)
	checkBriefs(t, "go1.26.8 unknowns", unknownBriefs(res.Unknowns), nil)

	res, err = match.Language(context.Background(), s, []*inventory.Package{std("go1.20")})
	if err != nil {
		t.Fatal(err)
	}
	checkBriefs(t, "go1.20 unknowns", unknownBriefs(res.Unknowns), nil)
	named := map[string]int{}
	for _, f := range res.Findings {
		for _, n := range append([]string{f.ID}, f.Aliases...) {
			named[n]++
		}
		// Each range's fix is the first release after 1.20.0 of a line
		// still supported when the fix came out (1.20.1, …, 1.25.13).
		if f.InstalledVersion != "v1.20.0" || f.Status != "fixed" || !strings.HasPrefix(f.FixedVersion, "1.2") || f.FixedVersion == "1.20.0" {
			t.Errorf("%s: installed %q, status %q, fixed %q", f.ID, f.InstalledVersion, f.Status, f.FixedVersion)
		}
	}
	var goIDs []string
	for n, c := range named {
		if strings.HasPrefix(n, "GO-") {
			goIDs = append(goIDs, n)
		}
		if c > 1 {
			t.Errorf("%s is named by %d findings", n, c)
		}
	}
	slices.Sort(goIDs)
	checkBriefs(t, "GO- records hitting stdlib v1.20.0", goIDs, stdlib120)

	got := findingNames(res.Findings)
	for _, w := range []string{
		"stdlib v1.20.0 CVE-2023-24532 fixed=1.20.2 aka GO-2023-1621",
		"stdlib v1.20.0 CVE-2022-41723 fixed=1.20.1 aka GHSA-vvpx-j8f3-3w6h,GO-2023-1571",
	} {
		if !slices.Contains(got, w) {
			t.Errorf("missing %q", w)
		}
	}
}

// testLanguageCargo matches the crates of trivy-ci-test/Cargo.lock
// (fixtures PROVENANCE §4e, 74 packages) against RustSec's OSV export
// (vulndata/osv/crates.io/all.zip, advisory-db osv branch @ 7fa931cb,
// 2026-08-21). The expected (crate, record) pairs were worked out from
// the records' SEMVER events with a separate script: 22 pairs over 9
// crates, none withdrawn. ammonia 1.9.0, for one, is below every fix of
// RUSTSEC-2019-0001 (fixed 2.1.0), RUSTSEC-2021-0074 (2.1.3),
// RUSTSEC-2025-0071 (3.3.1), RUSTSEC-2026-0193 (3.3.2) and
// RUSTSEC-2026-0213 (3.3.3), all introduced at 0.0.0-0.
func testLanguageCargo(t *testing.T, s *store.Store) {
	dir := testutil.Shared(t, "fixtures", "rust")
	pkgs, err := cargo.New().ExtractFile(context.Background(), extract.Input{FS: os.DirFS(dir)}, "trivy-ci-test/Cargo.lock")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 74 {
		t.Fatalf("got %d crates, want 74", len(pkgs))
	}
	res, err := match.Language(context.Background(), s, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	checkBriefs(t, "unknowns", unknownBriefs(res.Unknowns), nil)
	want := map[string][]string{
		"ammonia 1.9.0":        {"RUSTSEC-2019-0001", "RUSTSEC-2021-0074", "RUSTSEC-2025-0071", "RUSTSEC-2026-0193", "RUSTSEC-2026-0213"},
		"idna 0.1.5":           {"RUSTSEC-2024-0421"},
		"openssl 0.8.3":        {"RUSTSEC-2016-0001", "RUSTSEC-2023-0022", "RUSTSEC-2023-0023", "RUSTSEC-2023-0024", "RUSTSEC-2023-0044", "RUSTSEC-2023-0072", "RUSTSEC-2024-0357", "RUSTSEC-2025-0004"},
		"rand_core 0.4.0":      {"RUSTSEC-2019-0035"},
		"rand_os 0.1.3":        {"RUSTSEC-2025-0124"},
		"remove_dir_all 0.5.1": {"RUSTSEC-2023-0018"},
		"smallvec 0.6.9":       {"RUSTSEC-2018-0018", "RUSTSEC-2019-0009", "RUSTSEC-2019-0012", "RUSTSEC-2021-0003"},
		"tempdir 0.3.7":        {"RUSTSEC-2018-0017"},
	}
	got := map[string][]string{}
	for _, f := range res.Findings {
		k := f.PackageName + " " + f.InstalledVersion
		for _, n := range append([]string{f.ID}, f.Aliases...) {
			if strings.HasPrefix(n, "RUSTSEC-") {
				got[k] = append(got[k], n)
			}
		}
		if f.Namespace != "crates.io" || f.DataSource != "osv:crates.io" {
			t.Errorf("%s %s: namespace %q, source %q", k, f.ID, f.Namespace, f.DataSource)
		}
	}
	for k := range got {
		slices.Sort(got[k])
	}
	for k, ids := range want {
		if !slices.Equal(got[k], ids) {
			t.Errorf("%s: got %q, want %q", k, got[k], ids)
		}
	}
	for k := range got {
		if want[k] == nil {
			t.Errorf("unexpected findings for %s: %q", k, got[k])
		}
	}

	var ammonia []string
	for _, f := range findingNames(res.Findings) {
		if strings.HasPrefix(f, "ammonia ") {
			ammonia = append(ammonia, f)
		}
	}
	checkBriefs(t, "ammonia", ammonia, []string{
		"ammonia 1.9.0 CVE-2019-15542 fixed=2.1.0 aka GHSA-5hp8-35wj-m525,RUSTSEC-2019-0001",
		"ammonia 1.9.0 CVE-2021-38193 fixed=2.1.3 aka GHSA-5325-xw5m-phm3,RUSTSEC-2021-0074",
		"ammonia 1.9.0 CVE-2026-63430 fixed=3.3.2 aka GHSA-9jh8-v38h-cvhr,RUSTSEC-2026-0193",
		"ammonia 1.9.0 RUSTSEC-2025-0071 fixed=3.3.1 aka GHSA-mm7x-qfjj-5g2c",
		"ammonia 1.9.0 RUSTSEC-2026-0213 fixed=3.3.3 aka GHSA-m6mh-2hw2-555x",
	})

	// The cargo-auditable test binary holds only local crates: they are
	// not compared with crates.io advisories.
	elf := testutil.Shared(t, "fixtures", "rust", "cargo-auditable")
	data, err := os.ReadFile(filepath.Join(elf, "test.elf"))
	if err != nil {
		t.Fatal(err)
	}
	local, err := cargo.New().ExtractFile(context.Background(),
		extract.Input{FS: fstest.MapFS{"usr/bin/test": {Data: data, Mode: 0o755}}}, "usr/bin/test")
	if err != nil || len(local) != 2 {
		t.Fatalf("auditable binary: %d crates, %v", len(local), err)
	}
	res, err = match.Language(context.Background(), s, local)
	if err != nil || len(res.Findings)+len(res.Unknowns) != 0 {
		t.Errorf("local crates: %+v, %v", res, err)
	}
}
