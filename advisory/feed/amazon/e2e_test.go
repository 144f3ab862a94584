package amazon_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/extract/rpm"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
)

// The Amazon Linux 2023 rpm database in the shared fixtures
// (PROVENANCE.md §2) has curl-minimal and libcurl-minimal
// 8.0.1-1.amzn2023.0.1, built from the source rpm curl. The advisories
// below are synthetic (year 2999), in the updateinfo layout, with the
// binary names AL2023 advisories list:
//
//   - 001 fixes curl-minimal and libcurl-minimal above the installed build:
//     reported for both;
//   - 002 fixes them at the installed build: not reported;
//   - 003 is an older fix (7.87.0): not reported;
//   - 004 names only the full "curl" binary, above the installed build:
//     reported through the source rpm name curl;
//   - 005 is an Amazon Linux 2 advisory: not read for AL2023.
const updateinfo = `<?xml version="1.0" encoding="UTF-8"?>
<updates>
 <update type="security"><id>ALAS2023-2999-001</id><severity>Important</severity>
  <references><reference id="CVE-2999-0001" type="cve" href="https://example.org/CVE-2999-0001"/></references>
  <pkglist><collection short="amazon-linux-2023">
   <package name="curl-minimal" epoch="0" version="8.0.1" release="1.amzn2023.0.2" arch="x86_64"/>
   <package name="libcurl-minimal" epoch="0" version="8.0.1" release="1.amzn2023.0.2" arch="x86_64"/>
  </collection></pkglist></update>
 <update type="security"><id>ALAS2023-2999-002</id><severity>Medium</severity>
  <pkglist><collection short="amazon-linux-2023">
   <package name="curl-minimal" epoch="0" version="8.0.1" release="1.amzn2023.0.1" arch="x86_64"/>
  </collection></pkglist></update>
 <update type="security"><id>ALAS2023-2999-003</id><severity>Low</severity>
  <pkglist><collection short="amazon-linux-2023">
   <package name="curl-minimal" epoch="0" version="7.87.0" release="2.amzn2023.0.2" arch="x86_64"/>
  </collection></pkglist></update>
 <update type="security"><id>ALAS2023-2999-004</id><severity>Critical</severity>
  <pkglist><collection short="amazon-linux-2023">
   <package name="curl" epoch="0" version="8.0.1" release="1.amzn2023.0.3" arch="x86_64"/>
  </collection></pkglist></update>
 <update type="security"><id>ALAS2-2999-005</id><severity>Critical</severity>
  <pkglist><collection short="amazon-linux-2">
   <package name="curl-minimal" epoch="0" version="9.0" release="1.amzn2" arch="x86_64"/>
  </collection></pkglist></update>
</updates>`

func TestEndToEndAL2023(t *testing.T) {
	fixtures := testutil.Shared(t, "fixtures")
	ctx := context.Background()
	dir := t.TempDir()
	in := filepath.Join(dir, "amazon", "al2023", "updateinfo.xml")
	os.MkdirAll(filepath.Dir(in), 0o755)
	if err := os.WriteFile(in, []byte(updateinfo), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "advisory.db")
	rep, err := build.BuildReport(ctx, db, []string{in}, build.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 || rep.Files[0].Format != build.FormatAmazonUpdateinfo || rep.Files[0].Stats.Records != 5 {
		t.Fatalf("build read %+v", rep.Files)
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := &inventory.Distro{Family: "amzn", Version: "2023"}
	pkgs, err := rpm.New().Extract(ctx, extract.Input{FS: os.DirFS(filepath.Join(fixtures, "rpm", "amazonlinux2023")), Distro: d, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := match.Distro(ctx, s, d, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.PackageName+" "+f.InstalledVersion+" "+f.ID+" "+f.FixedVersion+" "+f.Severity)
	}
	want := []string{
		"curl-minimal 8.0.1-1.amzn2023.0.1 ALAS2023-2999-004 8.0.1-1.amzn2023.0.3 CRITICAL",
		"curl-minimal 8.0.1-1.amzn2023.0.1 CVE-2999-0001 8.0.1-1.amzn2023.0.2 HIGH",
		"libcurl-minimal 8.0.1-1.amzn2023.0.1 ALAS2023-2999-004 8.0.1-1.amzn2023.0.3 CRITICAL",
		"libcurl-minimal 8.0.1-1.amzn2023.0.1 CVE-2999-0001 8.0.1-1.amzn2023.0.2 HIGH",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
	if len(res.Unknowns) != 0 {
		t.Errorf("unknowns %+v", res.Unknowns)
	}
}
