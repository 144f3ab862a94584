package redhat_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/advisory/feed/redhat"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/extract/rpm"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
)

// vex builds a synthetic VEX document (the layout of the real ones in
// vex_test.go) for util-linux, the source rpm of the UBI 8 fixture's only
// package, libuuid 2.32.1-42.el8_8: fixed in RHEL 8 BaseOS at evr,
// affected with no fix planned in RHEL 9.
func vex(id, evr string) string {
	return strings.NewReplacer("{ID}", id, "{EVR}", evr).Replace(`{
 "document": {"category": "csaf_vex", "aggregate_severity": {"text": "Moderate"}, "tracking": {"id": "{ID}"}},
 "product_tree": {
  "branches": [{"category": "vendor", "name": "Red Hat", "branches": [
   {"category": "product_family", "name": "Red Hat Enterprise Linux", "branches": [
    {"category": "product_name", "name": "Red Hat Enterprise Linux BaseOS (v. 8)", "product": {"name": "Red Hat Enterprise Linux BaseOS (v. 8)", "product_id": "BaseOS-8.10.0.Z.MAIN", "product_identification_helper": {"cpe": "cpe:/o:redhat:enterprise_linux:8::baseos"}}},
    {"category": "product_name", "name": "Red Hat Enterprise Linux 9", "product": {"name": "Red Hat Enterprise Linux 9", "product_id": "red_hat_enterprise_linux_9", "product_identification_helper": {"cpe": "cpe:/o:redhat:enterprise_linux:9"}}}
   ]},
   {"category": "product_version", "name": "util-linux", "product": {"name": "util-linux", "product_id": "util-linux", "product_identification_helper": {"purl": "pkg:rpm/redhat/util-linux?arch=src"}}},
   {"category": "architecture", "name": "src", "branches": [
    {"category": "product_version", "name": "util-linux-0:{EVR}.src", "product": {"name": "util-linux-0:{EVR}.src", "product_id": "util-linux-0:{EVR}.src", "product_identification_helper": {"purl": "pkg:rpm/redhat/util-linux@{EVR}?arch=src"}}}
   ]}
  ]}],
  "relationships": [
   {"category": "default_component_of", "full_product_name": {"product_id": "BaseOS-8.10.0.Z.MAIN:util-linux-0:{EVR}.src"}, "product_reference": "util-linux-0:{EVR}.src", "relates_to_product_reference": "BaseOS-8.10.0.Z.MAIN"},
   {"category": "default_component_of", "full_product_name": {"product_id": "red_hat_enterprise_linux_9:util-linux"}, "product_reference": "util-linux", "relates_to_product_reference": "red_hat_enterprise_linux_9"}
  ]
 },
 "vulnerabilities": [{"cve": "{ID}",
  "product_status": {"fixed": ["BaseOS-8.10.0.Z.MAIN:util-linux-0:{EVR}.src"], "known_affected": ["red_hat_enterprise_linux_9:util-linux"]},
  "remediations": [{"category": "vendor_fix", "url": "https://access.redhat.com/errata/RHSA-2999:0001", "product_ids": ["BaseOS-8.10.0.Z.MAIN:util-linux-0:{EVR}.src"]},
                   {"category": "no_fix_planned", "details": "Will not fix", "product_ids": ["red_hat_enterprise_linux_9:util-linux"]}],
  "threats": [{"category": "impact", "details": "Important", "product_ids": ["BaseOS-8.10.0.Z.MAIN:util-linux-0:{EVR}.src"]}]
 }]
}`)
}

// The UBI 8 fixture's libuuid 2.32.1-42.el8_8 (source util-linux): a fix
// in 2.32.1-44.el8_9 is reported (through the source rpm name), one in
// 2.32.1-39.el8_7 is not, and RHEL 9's statement is not read for RHEL 8.
// The two documents go in as a csaf_vex tar.zst archive.
func TestEndToEndRHEL8(t *testing.T) {
	fixtures := testutil.Shared(t, "fixtures")
	ctx := context.Background()
	dir := t.TempDir()
	in := filepath.Join(dir, "csaf_vex_2999-01-01.tar.zst")
	if err := os.WriteFile(in, redhat.TarZst(t, map[string]string{
		"2999/cve-2999-0001.json": vex("CVE-2999-0001", "2.32.1-44.el8_9"),
		"2999/cve-2999-0002.json": vex("CVE-2999-0002", "2.32.1-39.el8_7"),
	}), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "advisory.db")
	rep, err := build.BuildReport(ctx, db, []string{in}, build.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 || rep.Files[0].Format != build.FormatRedHatVEXArchive || rep.Files[0].Stats.Records != 2 {
		t.Fatalf("build read %+v, skipped %+v", rep.Files, rep.Skipped)
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := &inventory.Distro{Family: "rhel", Version: "8.8"}
	pkgs, err := rpm.New().Extract(ctx, extract.Input{FS: os.DirFS(filepath.Join(fixtures, "rpm", "ubi8-libuuid-bdb")), Distro: d, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := match.Distro(ctx, s, d, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.PackageName+" "+f.InstalledVersion+" "+f.ID+" "+f.FixedVersion+" "+string(f.Status)+" "+f.Severity)
	}
	want := []string{"libuuid 2.32.1-42.el8_8 CVE-2999-0001 2.32.1-44.el8_9 fixed HIGH"}
	if !slices.Equal(got, want) || len(res.Unknowns) != 0 {
		t.Errorf("findings:\n got %q\nwant %q\nunknowns %+v", got, want, res.Unknowns)
	}
}
