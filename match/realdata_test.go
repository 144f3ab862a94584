package match_test

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
	"github.com/lading-dev/lading/extract/apk"
	"github.com/lading-dev/lading/extract/dpkg"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
)

// TestRealFeeds runs the whole path on real data: the USN subset and the
// Alpine secdb subsets built into an advisory database, the fixtures'
// package databases read by the extractors, and Distro between them. The
// expected sets are the findings PROVENANCE.md lists, which its authors
// computed with dpkg --compare-versions and an apk comparator.
func TestRealFeeds(t *testing.T) {
	vulndata := testutil.Shared(t, "vulndata")
	fixtures := testutil.Shared(t, "fixtures")
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "advisories.db")
	inputs := []string{
		filepath.Join(vulndata, "osv", "Ubuntu", "usn-subset.zip"),
		filepath.Join(vulndata, "alpine-secdb", "v3.20", "main.json"),
		filepath.Join(vulndata, "alpine-secdb", "v3.16", "main.json"),
	}
	if _, err := build.Build(ctx, db, inputs, build.Options{}); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	tests := []struct {
		dir    string
		distro inventory.Distro
		ex     extract.Extractor
		// count is how many distinct advisories of the given prefix hit
		// (vulndata PROVENANCE §14: USNs per dpkg fixture).
		prefix string
		count  int
		// want are (package, ID) pairs that must be found; absent pairs that
		// must not.
		want, absent []string
	}{
		{
			dir: "dpkg/ubuntu-18.04-bionic-base", distro: inventory.Distro{Family: "ubuntu", Version: "18.04"},
			ex: dpkg.New(), prefix: "USN-", count: 16,
			// zlib1g maps to source zlib; the deinstalled git must not fire.
			want:   []string{"zlib1g CVE-2018-25032", "libsystemd0 USN-5013-1", "libpcre3 USN-5425-1", "libgnutls30 USN-5550-1"},
			absent: []string{"git CVE-2022-24765"},
		},
		{
			dir: "dpkg/ubuntu-18.04-bionic-texlive", distro: inventory.Distro{Family: "ubuntu", Version: "18.04"},
			ex: dpkg.New(), prefix: "USN-", count: 29,
			want: []string{"libssl1.1 USN-4376-1", "openssl USN-4376-1", "git CVE-2022-24765", "libsystemd0 USN-5013-1"},
		},
		{
			dir: "dpkg/ubuntu-20.04-focal-base-armhf", distro: inventory.Distro{Family: "ubuntu", Version: "20.04"},
			ex: dpkg.New(), prefix: "USN-", count: 15,
		},
		{
			dir: "dpkg/ubuntu-20.04-focal-armhf-extended", distro: inventory.Distro{Family: "ubuntu", Version: "20.04"},
			ex: dpkg.New(), prefix: "USN-", count: 23,
		},
		{
			// §11: busybox → CVE-2024-58251, CVE-2025-46394; musl → 3 CVEs;
			// openssl → 22 CVEs; zlib and apk-tools → none.
			dir: "alpine/apk-db/3.20.3", distro: inventory.Distro{Family: "alpine", Version: "3.20.3"},
			ex: apk.New(), prefix: "CVE-", count: 2 + 3 + 22,
			want: []string{"busybox CVE-2024-58251", "busybox CVE-2025-46394", "ssl_client CVE-2024-58251",
				"musl CVE-2025-26519", "libcrypto3 CVE-2024-9143", "libssl3 CVE-2024-9143"},
		},
		{
			// §11: busybox 1.35.0-r17 → CVE-2023-42366; musl 1.2.3-r3 →
			// CVE-2025-26519; openssl 1.1.1w-r1, zlib, apk-tools → none.
			dir: "alpine/apk-db/3.16.9", distro: inventory.Distro{Family: "alpine", Version: "3.16.9"},
			ex: apk.New(), prefix: "CVE-", count: 2,
			want: []string{"busybox CVE-2023-42366", "musl CVE-2025-26519"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			pkgs, err := tt.ex.Extract(ctx, extract.Input{FS: os.DirFS(filepath.Join(fixtures, tt.dir)), Distro: &tt.distro})
			if err != nil {
				t.Fatal(err)
			}
			res, err := match.Distro(ctx, s, &tt.distro, pkgs)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Unknowns) > 0 {
				t.Errorf("got unknowns %q, want none", unknownBriefs(res.Unknowns))
			}
			var advisories, pairs []string
			for _, f := range res.Findings {
				pairs = append(pairs, f.PackageName+" "+f.ID)
				for _, name := range append([]string{f.ID}, f.Aliases...) {
					if strings.HasPrefix(name, tt.prefix) && !slices.Contains(advisories, name) {
						advisories = append(advisories, name)
					}
				}
			}
			if len(advisories) != tt.count {
				slices.Sort(advisories)
				t.Errorf("got %d %s advisories %q, want %d", len(advisories), tt.prefix, advisories, tt.count)
			}
			for _, p := range tt.want {
				if !slices.Contains(pairs, p) {
					t.Errorf("got no %s among %q", p, pairs)
				}
			}
			for _, p := range tt.absent {
				if slices.Contains(pairs, p) {
					t.Errorf("got %s, want it absent", p)
				}
			}
		})
	}
}
