package java_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/extract/java"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
)

// TestMatchMaven extracts the Debian jars and trivy's wars and shaded jar
// (fixtures PROVENANCE §4c) and matches them with match.Language against
// a database built from the 17 GHSA Maven records of vulndata
// PROVENANCE §13. The ranges, as the records state them:
//   - log4j-core: GHSA-jfh8 (CVE-2021-44228) [2.13.0,2.15.0), [0,2.3.1),
//     [2.4,2.12.2); GHSA-7rjr (CVE-2021-45046) [2.13.0,2.16.0), [0,2.12.2);
//     GHSA-p6xc (CVE-2021-45105) [2.4.0,2.12.3), [2.13.0,2.17.0), [0,2.3.1):
//     2.19.0 is in none;
//   - log4j:log4j: GHSA-65fg (CVE-2022-23305) and GHSA-f7vh (CVE-2022-23307)
//     last_affected 1.2.17, GHSA-fp5r (CVE-2021-4104) introduced 1.2.0 with
//     no fix, GHSA-w9p3 (CVE-2022-23302) introduced 0 with no fix: 1.2.17
//     (Debian's jar, read from its manifest, and gradle.war's) hits all four;
//   - jackson-databind: GHSA-jjjh (CVE-2022-42003) [2.4.0-rc1,2.12.7.1),
//     [2.13.0,2.13.4.1); GHSA-rgv9 (CVE-2022-42004) [0,2.13.4); GHSA-57j2
//     (CVE-2020-36518) [2.13.0,2.13.2.1), [0,2.12.6.1): 2.14.0 (Debian) is in
//     none, 2.9.10.6 (maven.war) in all three;
//   - commons-compress 1.19 (gradle.war): GHSA-4g9r (CVE-2024-25710)
//     [1.3,1.26.0) hits, GHSA-4265 (CVE-2024-26308) [1.21,1.26.0) does not;
//   - commons-text 1.10.0: GHSA-599f (CVE-2022-42889) [1.5,1.10.0), not hit;
//   - spring-beans 4.3.30.RELEASE (Debian, from its manifest): GHSA-36p3
//     (CVE-2022-22965) [0,5.2.20.RELEASE) hits;
//   - snakeyaml 1.33: GHSA-mjmj (CVE-2022-1471) [0,2.0) hits;
//   - guava 29.0-jre (in hadoop-shaded-guava): GHSA-7g45 (CVE-2023-2976)
//     [1.0,32.0.0) hits; GHSA-5mg8 (CVE-2020-8908) is last_affected 29.0,
//     and in Maven's order 29.0-jre comes after 29.0 (an unknown qualifier
//     sorts after the release), so it does not.
func TestMatchMaven(t *testing.T) {
	vulndata := testutil.Shared(t, "vulndata")
	fixtures := testutil.Shared(t, "fixtures", "java")
	db := filepath.Join(t.TempDir(), "advisories.db")
	if _, err := build.Build(context.Background(), db, []string{filepath.Join(vulndata, "osv", "Maven", "all.zip")}, build.Options{}); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var pkgs []*inventory.Package
	read := func(dir string, files ...string) {
		for _, f := range files {
			got, err := java.New().ExtractFile(context.Background(), extract.Input{FS: os.DirFS(dir), TempDir: t.TempDir()}, f)
			if err != nil {
				t.Fatal(err)
			}
			pkgs = append(pkgs, got...)
		}
	}
	read(filepath.Join(fixtures, "debian-bookworm", "usr", "share", "java"),
		"log4j-core.jar", "log4j-api.jar", "log4j-1.2-api.jar", "log4j-1.2-1.2.17.jar", "jackson-databind.jar",
		"jackson-core.jar", "jackson-annotations.jar", "spring3-core-3.x.jar", "spring3-beans-3.x.jar",
		"commons-text.jar", "snakeyaml.jar", "byte-buddy.jar")
	read(filepath.Join(fixtures, "trivy"), "maven.war", "gradle.war", "hadoop-shaded-guava-1.1.0-SNAPSHOT.jar")
	if len(pkgs) != 12+8+4+5 {
		t.Fatalf("%d packages, want 29", len(pkgs))
	}

	res, err := match.Language(context.Background(), s, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unknowns) != 0 {
		for _, u := range res.Unknowns {
			t.Errorf("unknown: %s %s %s: %s", u.Package.Name, u.Package.Version, u.VulnID, u.Reason)
		}
	}
	// Each finding as "name version GHSA-id @ location".
	var got []string
	for _, f := range res.Findings {
		var ghsa string
		for _, n := range append([]string{f.ID}, f.Aliases...) {
			if strings.HasPrefix(n, "GHSA-") {
				ghsa = n[:9]
			}
		}
		if f.Namespace != "maven" {
			t.Errorf("%s %s: namespace %q", f.PackageName, f.ID, f.Namespace)
		}
		got = append(got, f.PackageName+" "+f.InstalledVersion+" "+ghsa+" @ "+filepath.Base(f.Package.Locations[0].Path))
	}
	slices.Sort(got)
	want := []string{
		"com.fasterxml.jackson.core:jackson-databind 2.9.10.6 GHSA-57j2 @ jackson-databind-2.9.10.6.jar",
		"com.fasterxml.jackson.core:jackson-databind 2.9.10.6 GHSA-jjjh @ jackson-databind-2.9.10.6.jar",
		"com.fasterxml.jackson.core:jackson-databind 2.9.10.6 GHSA-rgv9 @ jackson-databind-2.9.10.6.jar",
		"com.google.guava:guava 29.0-jre GHSA-7g45 @ hadoop-shaded-guava-1.1.0-SNAPSHOT.jar",
		"log4j:log4j 1.2.17 GHSA-65fg @ log4j-1.2-1.2.17.jar",
		"log4j:log4j 1.2.17 GHSA-65fg @ log4j-1.2.17.jar",
		"log4j:log4j 1.2.17 GHSA-f7vh @ log4j-1.2-1.2.17.jar",
		"log4j:log4j 1.2.17 GHSA-f7vh @ log4j-1.2.17.jar",
		"log4j:log4j 1.2.17 GHSA-fp5r @ log4j-1.2-1.2.17.jar",
		"log4j:log4j 1.2.17 GHSA-fp5r @ log4j-1.2.17.jar",
		"log4j:log4j 1.2.17 GHSA-w9p3 @ log4j-1.2-1.2.17.jar",
		"log4j:log4j 1.2.17 GHSA-w9p3 @ log4j-1.2.17.jar",
		"org.apache.commons:commons-compress 1.19 GHSA-4g9r @ commons-compress-1.19.jar",
		"org.springframework:spring-beans 4.3.30.RELEASE GHSA-36p3 @ spring3-beans-3.x.jar",
		"org.yaml:snakeyaml 1.33 GHSA-mjmj @ snakeyaml.jar",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\ngot  %q\nwant %q", got, want)
	}
	// The negatives, spelled out.
	for _, no := range []string{
		"org.apache.logging.log4j:log4j-core 2.19.0 GHSA-jfh8", "org.apache.logging.log4j:log4j-core 2.19.0 GHSA-7rjr",
		"org.apache.logging.log4j:log4j-core 2.19.0 GHSA-p6xc", "com.fasterxml.jackson.core:jackson-databind 2.14.0 GHSA-jjjh",
		"com.fasterxml.jackson.core:jackson-databind 2.14.0 GHSA-rgv9", "com.fasterxml.jackson.core:jackson-databind 2.14.0 GHSA-57j2",
		"org.apache.commons:commons-compress 1.19 GHSA-4265", "org.apache.commons:commons-text 1.10.0 GHSA-599f",
		"com.google.guava:guava 29.0-jre GHSA-5mg8",
	} {
		for _, g := range got {
			if strings.HasPrefix(g, no+" ") {
				t.Errorf("unexpected finding %s", g)
			}
		}
	}
	// Findings carry the CVE as ID and fixed versions from the records.
	for _, f := range res.Findings {
		if f.PackageName == "org.springframework:spring-beans" && (f.ID != "CVE-2022-22965" || f.FixedVersion != "5.2.20.RELEASE") {
			t.Errorf("spring-beans: %s fixed %q", f.ID, f.FixedVersion)
		}
		if f.PackageName == "org.apache.commons:commons-compress" && (f.ID != "CVE-2024-25710" || f.FixedVersion != "1.26.0") {
			t.Errorf("commons-compress: %s fixed %q", f.ID, f.FixedVersion)
		}
	}
}
