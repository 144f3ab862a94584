package ubuntu_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/extract/dpkg"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
)

// Synthetic notices in the API's shape (see notices_test.go) for zlib, the
// source of the Ubuntu 18.04 fixture's zlib1g 1:1.2.11.dfsg-0ubuntu2:
// USN-9001-1 fixes it above that version (reported for zlib1g), USN-9002-1
// below it (not reported), USN-9003-1 only in Ubuntu Pro (esm-infra, not
// read for an ordinary image) and USN-9004-1 in another release.
const notices = `{"notices": [
 {"id": "USN-9001-1", "cves_ids": ["CVE-2999-0001"], "cves": [{"id": "CVE-2999-0001", "priority": "medium"}],
  "releases": [{"codename": "bionic", "version": "18.04"}],
  "release_packages": {"bionic": [{"name": "zlib", "version": "1:1.2.11.dfsg-0ubuntu2.1", "is_source": true, "pocket": "security"}]}},
 {"id": "USN-9002-1", "cves_ids": ["CVE-2999-0002"],
  "release_packages": {"bionic": [{"name": "zlib", "version": "1:1.2.11.dfsg-0ubuntu1", "is_source": true}]}},
 {"id": "USN-9003-1", "cves_ids": ["CVE-2999-0003"],
  "release_packages": {"bionic": [{"name": "zlib", "version": "1:1.2.11.dfsg-0ubuntu2.2+esm1", "is_source": true, "pocket": "esm-infra"}]}},
 {"id": "USN-9004-1", "cves_ids": ["CVE-2999-0004"],
  "release_packages": {"focal": [{"name": "zlib", "version": "1:9.9", "is_source": true}]}}
], "offset": 0, "limit": 100, "total_results": 4}`

func TestEndToEndBionic(t *testing.T) {
	fixtures := testutil.Shared(t, "fixtures")
	ctx := context.Background()
	dir := t.TempDir()
	in := filepath.Join(dir, "notices.json")
	if err := os.WriteFile(in, []byte(notices), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "advisory.db")
	rep, err := build.BuildReport(ctx, db, []string{in}, build.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 || rep.Files[0].Format != build.FormatUbuntuNotices || rep.Files[0].Stats.Records != 4 {
		t.Fatalf("build read %+v, skipped %+v", rep.Files, rep.Skipped)
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := &inventory.Distro{Family: "ubuntu", Version: "18.04", Codename: "bionic"}
	pkgs, err := dpkg.New().Extract(ctx, extract.Input{FS: os.DirFS(filepath.Join(fixtures, "dpkg", "ubuntu-18.04-bionic-base")), Distro: d})
	if err != nil {
		t.Fatal(err)
	}
	res, err := match.Distro(ctx, s, d, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.PackageName+" "+f.InstalledVersion+" "+f.ID+" "+f.FixedVersion+" "+string(f.Status)+" "+f.Severity+" "+f.DataSource)
	}
	want := []string{"zlib1g 1:1.2.11.dfsg-0ubuntu2 CVE-2999-0001 1:1.2.11.dfsg-0ubuntu2.1 fixed MEDIUM ubuntu-notices"}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
}
