package oval_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/advisory/feed/oval"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/extract/rpm"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
)

// findings builds a database from one file, reads the rpm fixture dir
// and returns the findings as "package installed id fixed status".
func findings(t *testing.T, name, doc string, want build.Format, fixture string, d *inventory.Distro) []string {
	t.Helper()
	fixtures := testutil.Shared(t, "fixtures")
	ctx := context.Background()
	dir := t.TempDir()
	in := filepath.Join(dir, name)
	if err := os.WriteFile(in, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "advisory.db")
	rep, err := build.BuildReport(ctx, db, []string{in}, build.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 || rep.Files[0].Format != want {
		t.Fatalf("build read %+v, skipped %+v", rep.Files, rep.Skipped)
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pkgs, err := rpm.New().Extract(ctx, extract.Input{FS: os.DirFS(filepath.Join(fixtures, "rpm", fixture)), Distro: d, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := match.Distro(ctx, s, d, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unknowns) != 0 {
		t.Errorf("unknowns %+v", res.Unknowns)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.PackageName+" "+f.InstalledVersion+" "+f.ID+" "+f.FixedVersion+" "+string(f.Status)+" "+f.Severity)
	}
	return got
}

// CBL-Mariner 2.0 fixture: curl and curl-libs 7.76.0-6.cm2 (source curl).
// The real definitions: CVE-2021-22945 is fixed in 7.82.0-1.cm2 (reported
// for both binaries through the source name), CVE-2021-22925 in
// 7.76.0-5.cm2 (not reported), CVE-2010-4226 never applied to cpio.
func TestEndToEndMariner(t *testing.T) {
	got := findings(t, "cbl-mariner-2.0-oval.xml", oval.Mariner2, build.FormatAzureLinuxOVAL, "cbl-mariner-2.0",
		&inventory.Distro{Family: "mariner", Version: "2.0"})
	want := []string{
		"curl 7.76.0-6.cm2 CVE-2021-22945 7.82.0-1.cm2 fixed CRITICAL",
		"curl-libs 7.76.0-6.cm2 CVE-2021-22945 7.82.0-1.cm2 fixed CRITICAL",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
}

// sle15Doc is synthetic, in the layout of SUSE's OVAL files (see
// oval_test.go): for SLES 15 SP3 (sles-release ==15.3) libz1 is fixed in
// 1.2.11-3.24.1, above the fixture's 1.2.11-3.21.1 (reported), and bash in
// 4.4-19.3.1, below its 4.4-19.6.1 (not reported); the SLES 15 SP2 fix of
// glibc is for another release (not reported on 15.3).
const sle15Doc = `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5">
 <definitions>
  <definition id="oval:org.opensuse.security:def:299900001" version="1" class="vulnerability">
   <metadata><title>CVE-2999-0001</title><advisory><severity>Important</severity></advisory></metadata>
   <criteria operator="AND">
    <criterion test_ref="oval:org.opensuse.security:tst:1" comment="SUSE Linux Enterprise Server 15 SP3 is installed"/>
    <criteria operator="OR">
     <criterion test_ref="oval:org.opensuse.security:tst:10" comment="libz1-1.2.11-3.24.1 is installed"/>
     <criterion test_ref="oval:org.opensuse.security:tst:11" comment="bash-4.4-19.3.1 is installed"/>
    </criteria>
   </criteria>
  </definition>
  <definition id="oval:org.opensuse.security:def:299900002" version="1" class="vulnerability">
   <metadata><title>CVE-2999-0002</title><advisory><severity>Low</severity></advisory></metadata>
   <criteria operator="AND">
    <criterion test_ref="oval:org.opensuse.security:tst:2" comment="SUSE Linux Enterprise Server 15 SP2 is installed"/>
    <criterion test_ref="oval:org.opensuse.security:tst:12" comment="glibc-2.31-99.1 is installed"/>
   </criteria>
  </definition>
 </definitions>
 <tests>
  <rpminfo_test id="oval:org.opensuse.security:tst:1" check="at least one" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><object object_ref="oval:org.opensuse.security:obj:1"/><state state_ref="oval:org.opensuse.security:ste:1"/></rpminfo_test>
  <rpminfo_test id="oval:org.opensuse.security:tst:2" check="at least one" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><object object_ref="oval:org.opensuse.security:obj:1"/><state state_ref="oval:org.opensuse.security:ste:2"/></rpminfo_test>
  <rpminfo_test id="oval:org.opensuse.security:tst:10" check="at least one" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><object object_ref="oval:org.opensuse.security:obj:10"/><state state_ref="oval:org.opensuse.security:ste:10"/></rpminfo_test>
  <rpminfo_test id="oval:org.opensuse.security:tst:11" check="at least one" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><object object_ref="oval:org.opensuse.security:obj:11"/><state state_ref="oval:org.opensuse.security:ste:11"/></rpminfo_test>
  <rpminfo_test id="oval:org.opensuse.security:tst:12" check="at least one" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><object object_ref="oval:org.opensuse.security:obj:12"/><state state_ref="oval:org.opensuse.security:ste:12"/></rpminfo_test>
 </tests>
 <objects>
  <rpminfo_object id="oval:org.opensuse.security:obj:1" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><name>sles-release</name></rpminfo_object>
  <rpminfo_object id="oval:org.opensuse.security:obj:10" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><name>libz1</name></rpminfo_object>
  <rpminfo_object id="oval:org.opensuse.security:obj:11" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><name>bash</name></rpminfo_object>
  <rpminfo_object id="oval:org.opensuse.security:obj:12" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><name>glibc</name></rpminfo_object>
 </objects>
 <states>
  <rpminfo_state id="oval:org.opensuse.security:ste:1" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><version operation="equals">15.3</version></rpminfo_state>
  <rpminfo_state id="oval:org.opensuse.security:ste:2" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><version operation="equals">15.2</version></rpminfo_state>
  <rpminfo_state id="oval:org.opensuse.security:ste:10" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><evr datatype="evr_string" operation="less than">0:1.2.11-3.24.1</evr></rpminfo_state>
  <rpminfo_state id="oval:org.opensuse.security:ste:11" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><evr datatype="evr_string" operation="less than">0:4.4-19.3.1</evr></rpminfo_state>
  <rpminfo_state id="oval:org.opensuse.security:ste:12" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><evr datatype="evr_string" operation="less than">0:2.31-99.1</evr></rpminfo_state>
 </states>
</oval_definitions>`

// SLE 15 BCI fixture (sles-release 15.3-55.4.1); os-release of SLES 15 SP3
// says ID="sles" VERSION_ID="15.3".
func TestEndToEndSLES(t *testing.T) {
	got := findings(t, "suse.linux.enterprise.server.15.xml", sle15Doc, build.FormatSUSEOVAL, "sle15-bci",
		&inventory.Distro{Family: "sles", Version: "15.3"})
	want := []string{"libz1 1.2.11-3.21.1 CVE-2999-0001 1.2.11-3.24.1 fixed HIGH"}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
}
