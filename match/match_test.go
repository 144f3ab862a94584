package match_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
)

// Package facts come from ../shared/fixtures (PROVENANCE.md §1 Alpine apk-db,
// §3 dpkg status files); advisory facts from ../shared/vulndata
// (PROVENANCE.md §7/§11 Alpine secdb, §8 Debian DSA/DLA lists, §12 tracker
// JSON, §6 AlmaLinux OSV, §14 Ubuntu USN OSV). Each case names its source.

var (
	// fixtures/alpine/apk-db/3.20.3/lib/apk/db/installed.
	busybox320   = &inventory.Package{Name: "busybox", Version: "1.36.1-r29", Type: "apk", SourceName: "busybox", SourceVersion: "1.36.1-r29", Layer: "sha256:base"}
	sslClient320 = &inventory.Package{Name: "ssl_client", Version: "1.36.1-r29", Type: "apk", SourceName: "busybox", SourceVersion: "1.36.1-r29", Layer: "sha256:ssl"}
	musl320      = &inventory.Package{Name: "musl", Version: "1.2.5-r0", Type: "apk", SourceName: "musl", SourceVersion: "1.2.5-r0", Layer: "sha256:base"}

	// fixtures/dpkg/ubuntu-18.04-bionic-texlive/var/lib/dpkg/status.
	libssl1804  = &inventory.Package{Name: "libssl1.1", Version: "1.1.1-1ubuntu2.1~18.04.5", Type: "deb", SourceName: "openssl", SourceVersion: "1.1.1-1ubuntu2.1~18.04.5"}
	openssl1804 = &inventory.Package{Name: "openssl", Version: "1.1.1-1ubuntu2.1~18.04.5", Type: "deb", SourceName: "openssl", SourceVersion: "1.1.1-1ubuntu2.1~18.04.5"}
	git1804     = &inventory.Package{Name: "git", Version: "1:2.17.1-1ubuntu0.7", Type: "deb", SourceName: "git", SourceVersion: "1:2.17.1-1ubuntu0.7"}
	zlib1804    = &inventory.Package{Name: "zlib1g", Version: "1:1.2.11.dfsg-0ubuntu2", Type: "deb", SourceName: "zlib", SourceVersion: "1:1.2.11.dfsg-0ubuntu2"}
	passwd1804  = &inventory.Package{Name: "passwd", Version: "1:4.5-1ubuntu2", Type: "deb", SourceName: "shadow", SourceVersion: "1:4.5-1ubuntu2"}
	cacerts1804 = &inventory.Package{Name: "ca-certificates", Version: "20180409", Type: "deb"}
)

// busyboxSecdb is secdb v3.20 main.json's busybox entry, in part: "0"
// (not affected), 1.35.0-r7, 1.36.1-r29 and 1.36.1-r31.
func busyboxSecdb() []advisory.Affected {
	stmts := []advisory.Affected{{VulnID: "CVE-2021-42373", Namespace: "alpine:3.20", Package: "busybox",
		Status: advisory.StatusNotAffected, Source: "alpine-secdb"}}
	stmts = append(stmts, fixedIn("alpine-secdb", "alpine:3.20", "busybox", "1.35.0-r7", "ALPINE-13661", "CVE-2022-28391")...)
	stmts = append(stmts, fixedIn("alpine-secdb", "alpine:3.20", "busybox", "1.36.1-r29", "CVE-2023-42364", "CVE-2023-42365")...)
	return append(stmts, fixedIn("alpine-secdb", "alpine:3.20", "busybox", "1.36.1-r31", "CVE-2024-58251", "CVE-2025-46394")...)
}

// muslSecdb is secdb v3.20 main.json's musl entry, in part.
func muslSecdb() []advisory.Affected {
	stmts := fixedIn("alpine-secdb", "alpine:3.20", "musl", "1.2.2_pre2-r0", "CVE-2020-28928")
	stmts = append(stmts, fixedIn("alpine-secdb", "alpine:3.20", "musl", "1.2.5-r1", "CVE-2025-26519")...)
	stmts = append(stmts, fixedIn("alpine-secdb", "alpine:3.20", "musl", "1.2.5-r2", "CVE-2026-6042")...)
	return append(stmts, fixedIn("alpine-secdb", "alpine:3.20", "musl", "1.2.5-r3", "CVE-2026-40200")...)
}

// ubuntuUSNs are the Ubuntu:18.04:LTS entries of USN-4376-1, USN-5089-1,
// USN-5254-1, USN-5355-1, USN-5376-1 and USN-5570-1
// (vulndata/osv/Ubuntu/usn-subset.zip),
// plus USN-4376-1's 16.04 entry, which an 18.04 image must not see. The
// records' "aliases" are empty; their CVEs are in "upstream" (UBUNTU-CVE-*),
// which the OSV feed stores as related ids.
func ubuntuUSNs() *fakeReader {
	usn4376 := osvFixed("USN-4376-1", "Ubuntu:18.04:LTS", "openssl", "1.1.1-1ubuntu2.1~18.04.6")
	usn4376.Versions = []string{"1.1.1-1ubuntu2.1~18.04.3", "1.1.1-1ubuntu2.1~18.04.4", "1.1.1-1ubuntu2.1~18.04.5"}
	usn4376.Severity = advisory.SeverityLow // cves_map: Ubuntu priority "low" for all four CVEs
	return &fakeReader{
		stmts: []advisory.Affected{
			usn4376,
			osvFixed("USN-4376-1", "Ubuntu:16.04:LTS", "openssl", "1.0.2g-1ubuntu4.16"),
			osvFixed("USN-5089-1", "Ubuntu:18.04:LTS", "ca-certificates", "20210119~18.04.2"),
			osvFixed("USN-5254-1", "Ubuntu:18.04:LTS", "shadow", "1:4.5-1ubuntu2.2"),
			osvFixed("USN-5355-1", "Ubuntu:18.04:LTS", "zlib", "1:1.2.11.dfsg-0ubuntu2.1"),
			osvFixed("USN-5376-1", "Ubuntu:18.04:LTS", "git", "1:2.17.1-1ubuntu0.10"),
			osvFixed("USN-5570-1", "Ubuntu:18.04:LTS", "zlib", "1:1.2.11.dfsg-0ubuntu2.2"),
		},
		vulns: vulns(
			&advisory.Vulnerability{ID: "USN-4376-1", Source: "osv"},
			&advisory.Vulnerability{ID: "USN-5089-1", Source: "osv"},
			&advisory.Vulnerability{ID: "USN-5254-1", Source: "osv"},
			&advisory.Vulnerability{ID: "USN-5355-1", Source: "osv"},
			&advisory.Vulnerability{ID: "USN-5376-1", Source: "osv"},
			&advisory.Vulnerability{ID: "USN-5570-1", Source: "osv"},
		),
		related: map[string][]string{
			"USN-4376-1": {"UBUNTU-CVE-2019-1547", "UBUNTU-CVE-2019-1549", "UBUNTU-CVE-2019-1551", "UBUNTU-CVE-2019-1563"},
			// USN-5089-1's upstream is empty.
			"USN-5254-1": {"UBUNTU-CVE-2017-12424", "UBUNTU-CVE-2018-7169"},
			"USN-5355-1": {"UBUNTU-CVE-2018-25032"},
			"USN-5376-1": {"UBUNTU-CVE-2022-24765"},
			"USN-5570-1": {"UBUNTU-CVE-2022-37434"},
		},
	}
}

// debianOpenSSL holds DSA/list's buster lines for openssl (DSA-4807-1
// 1.1.1d-0+deb10u4, DSA-4855-1 1.1.1d-0+deb10u5, DSA-4875-1
// 1.1.1d-0+deb10u6) and tracker statements for CVE-2021-3449 and
// CVE-2021-23840. The tracker's data/CVE/list is not in vulndata (§8 GAP);
// its buster fix for a DSA-fixed CVE is the DSA's version, used here.
func debianOpenSSL() *fakeReader {
	var stmts []advisory.Affected
	stmts = append(stmts, fixedIn("debian-dsa", "debian:10", "openssl", "1.1.1d-0+deb10u4", "DSA-4807-1")...)
	stmts = append(stmts, fixedIn("debian-dsa", "debian:10", "openssl", "1.1.1d-0+deb10u5", "DSA-4855-1")...)
	stmts = append(stmts, fixedIn("debian-dsa", "debian:10", "openssl", "1.1.1d-0+deb10u6", "DSA-4875-1")...)
	stmts = append(stmts, fixedIn("debian-tracker", "debian:10", "openssl", "1.1.1d-0+deb10u5", "CVE-2021-23840")...)
	stmts = append(stmts, fixedIn("debian-tracker", "debian:10", "openssl", "1.1.1d-0+deb10u6", "CVE-2021-3449")...)
	return &fakeReader{stmts: stmts, vulns: vulns(
		&advisory.Vulnerability{ID: "DSA-4807-1", Source: "debian-dsa", Aliases: []string{"CVE-2020-1971"}},
		&advisory.Vulnerability{ID: "DSA-4855-1", Source: "debian-dsa", Aliases: []string{"CVE-2019-1551", "CVE-2021-23840", "CVE-2021-23841"}},
		&advisory.Vulnerability{ID: "DSA-4875-1", Source: "debian-dsa", Aliases: []string{"CVE-2021-3449"}},
		&advisory.Vulnerability{ID: "CVE-2021-23840", Source: "debian-tracker"},
		&advisory.Vulnerability{ID: "CVE-2021-3449", Source: "debian-tracker"},
	)}
}

// debianExpat holds DLA/list's stretch lines for expat: DLA-2904-1 (ten
// CVEs, 2.2.0-2+deb9u4) and DLA-2935-1 (five CVEs, 2.2.0-2+deb9u5); both
// name CVE-2022-23852.
func debianExpat() *fakeReader {
	stmts := fixedIn("debian-dla", "debian:9", "expat", "2.2.0-2+deb9u4", "DLA-2904-1")
	stmts = append(stmts, fixedIn("debian-dla", "debian:9", "expat", "2.2.0-2+deb9u5", "DLA-2935-1")...)
	return &fakeReader{stmts: stmts, vulns: vulns(
		&advisory.Vulnerability{ID: "DLA-2904-1", Source: "debian-dla", Aliases: []string{
			"CVE-2021-45960", "CVE-2021-46143", "CVE-2022-22822", "CVE-2022-22823", "CVE-2022-22824",
			"CVE-2022-22825", "CVE-2022-22826", "CVE-2022-22827", "CVE-2022-23852", "CVE-2022-23990"}},
		&advisory.Vulnerability{ID: "DLA-2935-1", Source: "debian-dla", Aliases: []string{
			"CVE-2022-23852", "CVE-2022-25235", "CVE-2022-25236", "CVE-2022-25313", "CVE-2022-25315"}},
	)}
}

// almaOpenSSL holds AlmaLinux:9 records ALSA-2023:3722, ALSA-2024:0310 and
// ALSA-2024:2447 for openssl and openssl-libs (each record lists both). The
// records name their CVEs only under "related"; the summary's Red Hat
// rating ("Moderate:", "Low:") is the severity.
func almaOpenSSL() *fakeReader {
	var stmts []advisory.Affected
	for _, pkg := range []string{"openssl", "openssl-libs"} {
		stmts = append(stmts,
			osvFixed("ALSA-2023:3722", "AlmaLinux:9", pkg, "1:3.0.7-16.el9_2"),
			osvFixed("ALSA-2024:0310", "AlmaLinux:9", pkg, "1:3.0.7-25.el9_3"),
			osvFixed("ALSA-2024:2447", "AlmaLinux:9", pkg, "1:3.0.7-27.el9"))
	}
	return &fakeReader{stmts: stmts,
		vulns: vulns(
			&advisory.Vulnerability{ID: "ALSA-2023:3722", Source: "osv", Severity: advisory.SeverityMedium},
			&advisory.Vulnerability{ID: "ALSA-2024:0310", Source: "osv", Severity: advisory.SeverityMedium},
			&advisory.Vulnerability{ID: "ALSA-2024:2447", Source: "osv", Severity: advisory.SeverityLow},
		),
		related: map[string][]string{
			"ALSA-2023:3722": {"CVE-2023-2650", "CVE-2023-0464", "CVE-2023-0465", "CVE-2023-0466", "CVE-2023-1255"},
			"ALSA-2024:0310": {"CVE-2023-5363"},
			"ALSA-2024:2447": {"CVE-2023-2975", "CVE-2023-3446", "CVE-2023-3817", "CVE-2023-5678", "CVE-2023-6129", "CVE-2023-6237", "CVE-2024-0727"},
		},
	}
}

func TestDistro(t *testing.T) {
	tests := []struct {
		name         string
		distro       inventory.Distro
		pkgs         []*inventory.Package
		reader       *fakeReader
		want         []string
		wantUnknowns []string
	}{
		{
			// PROVENANCE §11: 3.20.3 busybox 1.36.1-r29 → CVE-2024-58251 and
			// CVE-2025-46394 (fixed in -r31); musl 1.2.5-r0 → 3 CVEs. The
			// -r29 fixes are equal (not affected), "0" is not_affected.
			// ssl_client (origin busybox) gets its own findings.
			name:   "alpine 3.20.3 secdb",
			distro: inventory.Distro{Family: "alpine", Version: "3.20.3"},
			pkgs: []*inventory.Package{busybox320, sslClient320, musl320,
				{Name: "lodash", Version: "4.17.15", Type: "npm"}},
			reader: &fakeReader{stmts: append(busyboxSecdb(), muslSecdb()...)},
			want: []string{
				`busybox 1.36.1-r29 CVE-2024-58251 fixed="1.36.1-r31" fixed UNKNOWN alpine-secdb`,
				`busybox 1.36.1-r29 CVE-2025-46394 fixed="1.36.1-r31" fixed UNKNOWN alpine-secdb`,
				`musl 1.2.5-r0 CVE-2025-26519 fixed="1.2.5-r1" fixed UNKNOWN alpine-secdb`,
				`musl 1.2.5-r0 CVE-2026-40200 fixed="1.2.5-r3" fixed UNKNOWN alpine-secdb`,
				`musl 1.2.5-r0 CVE-2026-6042 fixed="1.2.5-r2" fixed UNKNOWN alpine-secdb`,
				`ssl_client 1.36.1-r29 CVE-2024-58251 fixed="1.36.1-r31" fixed UNKNOWN alpine-secdb`,
				`ssl_client 1.36.1-r29 CVE-2025-46394 fixed="1.36.1-r31" fixed UNKNOWN alpine-secdb`,
			},
		},
		{
			// PROVENANCE §14: bionic-texlive is hit by these USNs once its
			// binaries are mapped to source packages. A USN naming one CVE
			// is reported under it; USN-4376-1 and USN-5254-1 name several
			// and USN-5089-1 none, so they stand under their own IDs.
			name:   "ubuntu 18.04 texlive USNs",
			distro: inventory.Distro{Family: "ubuntu", Version: "18.04"},
			pkgs:   []*inventory.Package{libssl1804, openssl1804, git1804, zlib1804, passwd1804, cacerts1804},
			reader: ubuntuUSNs(),
			want: []string{
				`ca-certificates 20180409 USN-5089-1 fixed="20210119~18.04.2" fixed UNKNOWN osv:Ubuntu`,
				`git 1:2.17.1-1ubuntu0.7 CVE-2022-24765 fixed="1:2.17.1-1ubuntu0.10" fixed UNKNOWN osv:Ubuntu aka UBUNTU-CVE-2022-24765,USN-5376-1`,
				`libssl1.1 1.1.1-1ubuntu2.1~18.04.5 USN-4376-1 fixed="1.1.1-1ubuntu2.1~18.04.6" fixed LOW osv:Ubuntu aka CVE-2019-1547,CVE-2019-1549,CVE-2019-1551,CVE-2019-1563,UBUNTU-CVE-2019-1547,UBUNTU-CVE-2019-1549,UBUNTU-CVE-2019-1551,UBUNTU-CVE-2019-1563`,
				`openssl 1.1.1-1ubuntu2.1~18.04.5 USN-4376-1 fixed="1.1.1-1ubuntu2.1~18.04.6" fixed LOW osv:Ubuntu aka CVE-2019-1547,CVE-2019-1549,CVE-2019-1551,CVE-2019-1563,UBUNTU-CVE-2019-1547,UBUNTU-CVE-2019-1549,UBUNTU-CVE-2019-1551,UBUNTU-CVE-2019-1563`,
				`passwd 1:4.5-1ubuntu2 USN-5254-1 fixed="1:4.5-1ubuntu2.2" fixed UNKNOWN osv:Ubuntu aka CVE-2017-12424,CVE-2018-7169,UBUNTU-CVE-2017-12424,UBUNTU-CVE-2018-7169`,
				`zlib1g 1:1.2.11.dfsg-0ubuntu2 CVE-2018-25032 fixed="1:1.2.11.dfsg-0ubuntu2.1" fixed UNKNOWN osv:Ubuntu aka UBUNTU-CVE-2018-25032,USN-5355-1`,
				`zlib1g 1:1.2.11.dfsg-0ubuntu2 CVE-2022-37434 fixed="1:1.2.11.dfsg-0ubuntu2.2" fixed UNKNOWN osv:Ubuntu aka UBUNTU-CVE-2022-37434,USN-5570-1`,
			},
		},
		{
			// PROVENANCE §14: bionic-base lists git 1:2.20.1-2+deb10u3
			// (deinstalled); even if it reached the matcher it is above
			// USN-5376-1's fix 1:2.17.1-1ubuntu0.10.
			name:   "ubuntu 18.04 git above fix",
			distro: inventory.Distro{Family: "ubuntu", Version: "18.04"},
			pkgs: []*inventory.Package{{Name: "git", Version: "1:2.20.1-2+deb10u3", Type: "deb",
				SourceName: "git", SourceVersion: "1:2.20.1-2+deb10u3"}},
			reader: ubuntuUSNs(),
		},
		{
			// USN-5254-1 covers 16.04 only under Ubuntu:Pro:16.04:LTS (fixed
			// 1:4.2-3.1ubuntu5.5+esm1); 1:4.2-3.1ubuntu5.4 is the last of
			// its versions list. A store that ignores the namespace must not
			// make a plain 16.04 image match a Pro statement.
			name:   "ubuntu pro statements never match",
			distro: inventory.Distro{Family: "ubuntu", Version: "16.04"},
			pkgs: []*inventory.Package{{Name: "passwd", Version: "1:4.2-3.1ubuntu5.4", Type: "deb",
				SourceName: "shadow", SourceVersion: "1:4.2-3.1ubuntu5.4"}},
			reader: &fakeReader{anyNamespace: true, stmts: []advisory.Affected{
				osvFixed("USN-5254-1", "Ubuntu:Pro:16.04:LTS", "shadow", "1:4.2-3.1ubuntu5.5+esm1"),
				osvFixed("USN-5254-1", "Ubuntu:Pro:14.04:LTS", "shadow", "1:4.1.5.1-1ubuntu9.5+esm1"),
			}},
		},
		{
			// DSA-4875-1 names only CVE-2021-3449: merged with the tracker's
			// record. DSA-4855-1 names three CVEs: folded into the tracker's
			// CVE-2021-23840, the other two stay under DSA-4855-1.
			// DSA-4807-1's fix equals the installed version.
			name:   "debian 10 DSA and tracker merged",
			distro: inventory.Distro{Family: "debian", Version: "10"},
			pkgs: []*inventory.Package{{Name: "libssl1.1", Version: "1.1.1d-0+deb10u4", Type: "deb",
				SourceName: "openssl", SourceVersion: "1.1.1d-0+deb10u4"}},
			reader: debianOpenSSL(),
			want: []string{
				`libssl1.1 1.1.1d-0+deb10u4 CVE-2021-23840 fixed="1.1.1d-0+deb10u5" fixed UNKNOWN debian-dsa,debian-tracker aka DSA-4855-1`,
				`libssl1.1 1.1.1d-0+deb10u4 CVE-2021-3449 fixed="1.1.1d-0+deb10u6" fixed UNKNOWN debian-dsa,debian-tracker aka DSA-4875-1`,
				`libssl1.1 1.1.1d-0+deb10u4 DSA-4855-1 fixed="1.1.1d-0+deb10u5" fixed UNKNOWN debian-dsa aka CVE-2019-1551,CVE-2021-23841`,
			},
		},
		{
			// 2.2.0-2+deb9u3 is DSA/list's stretch expat fix before the DLAs.
			// DLA-2935-1 re-fixed CVE-2022-23852, so DLA-2904-1's finding
			// needs the higher of the two fixes.
			name:   "debian 9 DLAs sharing a CVE",
			distro: inventory.Distro{Family: "debian", Version: "9.13"},
			pkgs: []*inventory.Package{{Name: "libexpat1", Version: "2.2.0-2+deb9u3", Type: "deb",
				SourceName: "expat", SourceVersion: "2.2.0-2+deb9u3"}},
			reader: debianExpat(),
			want: []string{
				`libexpat1 2.2.0-2+deb9u3 DLA-2904-1 fixed="2.2.0-2+deb9u5" fixed UNKNOWN debian-dla aka CVE-2021-45960,CVE-2021-46143,CVE-2022-22822,CVE-2022-22823,CVE-2022-22824,CVE-2022-22825,CVE-2022-22826,CVE-2022-22827,CVE-2022-23852,CVE-2022-23990,DLA-2935-1`,
				`libexpat1 2.2.0-2+deb9u3 DLA-2935-1 fixed="2.2.0-2+deb9u5" fixed UNKNOWN debian-dla aka CVE-2022-25235,CVE-2022-25236,CVE-2022-25313,CVE-2022-25315`,
			},
		},
		{
			// tracker-json/google-osv.dev-…json, bookworm: busybox
			// CVE-2018-1000500 open/unimportant (repository 1:1.35.0-4);
			// apparmor 3.0.8-3: CVE-2016-1585 open/unimportant, CVE-2014-1424
			// resolved "0" (not affected), CVE-2017-6507 fixed 2.11.0-3.
			name:   "debian 12 tracker statuses",
			distro: inventory.Distro{Family: "debian", Version: "12"},
			pkgs: []*inventory.Package{
				{Name: "busybox", Version: "1:1.35.0-4", Type: "deb", SourceName: "busybox", SourceVersion: "1:1.35.0-4"},
				{Name: "apparmor", Version: "3.0.8-3", Type: "deb", SourceName: "apparmor", SourceVersion: "3.0.8-3"},
			},
			reader: &fakeReader{stmts: []advisory.Affected{
				{VulnID: "CVE-2018-1000500", Namespace: "debian:12", Package: "busybox", Status: advisory.StatusUnimportant, Source: "debian-tracker"},
				{VulnID: "CVE-2016-1585", Namespace: "debian:12", Package: "apparmor", Status: advisory.StatusUnimportant, Source: "debian-tracker"},
				{VulnID: "CVE-2014-1424", Namespace: "debian:12", Package: "apparmor", Status: advisory.StatusNotAffected, Source: "debian-tracker"},
				{VulnID: "CVE-2017-6507", Namespace: "debian:12", Package: "apparmor", Status: advisory.StatusFixed, Fixed: "2.11.0-3", Source: "debian-tracker"},
			}},
			want: []string{
				`apparmor 3.0.8-3 CVE-2016-1585 fixed="" unimportant UNKNOWN debian-tracker`,
				`busybox 1:1.35.0-4 CVE-2018-1000500 fixed="" unimportant UNKNOWN debian-tracker`,
			},
		},
		{
			// tracker-json/anchore-vunnel-debian.json: chromium CVE-2022-0456
			// buster open, urgency end-of-life; buster-security repository
			// 90.0.4430.212-1~deb10u1.
			name:   "debian 10 end of life",
			distro: inventory.Distro{Family: "debian", Codename: "buster"},
			pkgs: []*inventory.Package{{Name: "chromium", Version: "90.0.4430.212-1~deb10u1", Type: "deb",
				SourceName: "chromium", SourceVersion: "90.0.4430.212-1~deb10u1"}},
			reader: &fakeReader{stmts: []advisory.Affected{{VulnID: "CVE-2022-0456", Namespace: "debian:10",
				Package: "chromium", Status: advisory.StatusEndOfLife, Source: "debian-tracker"}}},
			want: []string{`chromium 90.0.4430.212-1~deb10u1 CVE-2022-0456 fixed="" end_of_life UNKNOWN debian-tracker`},
		},
		{
			// ALSA records name binary packages: openssl-libs matches by its
			// own name and epoch:version-release; the same records under
			// the source name "openssl" add nothing. 1:3.0.7-16.el9_2 is
			// ALSA-2023:3722's fix, so that record does not match.
			name:   "almalinux 9 rpm",
			distro: inventory.Distro{Family: "almalinux", Version: "9.4"},
			pkgs: []*inventory.Package{{Name: "openssl-libs", Version: "3.0.7", Release: "16.el9_2", Epoch: 1,
				Type: "rpm", SourceName: "openssl-3.0.7-16.el9_2.src.rpm"}},
			reader: almaOpenSSL(),
			want: []string{
				`openssl-libs 1:3.0.7-16.el9_2 ALSA-2024:2447 fixed="1:3.0.7-27.el9" fixed LOW osv:AlmaLinux aka CVE-2023-2975,CVE-2023-3446,CVE-2023-3817,CVE-2023-5678,CVE-2023-6129,CVE-2023-6237,CVE-2024-0727`,
				`openssl-libs 1:3.0.7-16.el9_2 CVE-2023-5363 fixed="1:3.0.7-25.el9_3" fixed MEDIUM osv:AlmaLinux aka ALSA-2024:0310`,
			},
		},
		{
			// No distribution record in vulndata is withdrawn (grep count 0
			// in the AlmaLinux and Ubuntu zips); the date is set here.
			name:   "withdrawn record",
			distro: inventory.Distro{Family: "alpine", Version: "3.20.3"},
			pkgs:   []*inventory.Package{busybox320},
			reader: &fakeReader{stmts: busyboxSecdb(), vulns: vulns(&advisory.Vulnerability{ID: "CVE-2024-58251",
				Source: "alpine-secdb", Withdrawn: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)})},
			want: []string{`busybox 1.36.1-r29 CVE-2025-46394 fixed="1.36.1-r31" fixed UNKNOWN alpine-secdb`},
		},
		{
			// An installed version that is no apk version, and a malformed
			// fixed version, are Unknowns; not_affected needs no version.
			name:   "unparsable versions",
			distro: inventory.Distro{Family: "alpine", Version: "3.20.3"},
			pkgs: []*inventory.Package{
				{Name: "busybox", Version: "latest", Type: "apk", SourceName: "busybox"},
				musl320,
			},
			reader: &fakeReader{stmts: []advisory.Affected{
				busyboxSecdb()[0], busyboxSecdb()[5],
				{VulnID: "CVE-2025-26519", Namespace: "alpine:3.20", Package: "musl", Status: advisory.StatusFixed,
					Fixed: "1.2.5-r1-r1", Source: "alpine-secdb"},
			}},
			wantUnknowns: []string{
				`busybox CVE-2024-58251: "latest" is not a valid apk version (alpine-secdb alpine:3.20 busybox)`,
				`musl CVE-2025-26519: "1.2.5-r1-r1" is not a valid apk version (alpine-secdb alpine:3.20 musl)`,
			},
		},
		{
			name:         "release unknown",
			distro:       inventory.Distro{Family: "ubuntu"},
			pkgs:         []*inventory.Package{git1804},
			reader:       ubuntuUSNs(),
			wantUnknowns: []string{`git : release of ubuntu unknown: no advisories can be chosen`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := match.Distro(context.Background(), tt.reader, &tt.distro, tt.pkgs)
			if err != nil {
				t.Fatal(err)
			}
			if got := briefs(res.Findings); !slices.Equal(got, tt.want) {
				t.Errorf("findings:\ngot  %q\nwant %q", got, tt.want)
			}
			if got := unknownBriefs(res.Unknowns); !slices.Equal(got, tt.wantUnknowns) {
				t.Errorf("unknowns:\ngot  %q\nwant %q", got, tt.wantUnknowns)
			}
		})
	}
}

// The statuses without a fixed version are reported whatever the installed
// version. The tracker excerpt has busybox CVE-2018-1000500 as unimportant
// in bookworm (tracker-json/google-osv.dev-…json); the other statuses have
// no example in vulndata and are put on the same statement here.
func TestDistroStatuses(t *testing.T) {
	for _, status := range []advisory.Status{advisory.StatusAffected, advisory.StatusWillNotFix,
		advisory.StatusUnimportant, advisory.StatusEndOfLife, advisory.StatusPostponed, advisory.StatusUndetermined} {
		t.Run(string(status), func(t *testing.T) {
			r := &fakeReader{stmts: []advisory.Affected{{VulnID: "CVE-2018-1000500", Namespace: "debian:12",
				Package: "busybox", Status: status, Severity: advisory.SeverityNegligible, Source: "debian-tracker"}}}
			pkgs := []*inventory.Package{{Name: "busybox", Version: "1:1.35.0-4", Type: "deb"}}
			res, err := match.Distro(context.Background(), r, &inventory.Distro{Family: "debian", Version: "12"}, pkgs)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{`busybox 1:1.35.0-4 CVE-2018-1000500 fixed="" ` + string(status) + ` NEGLIGIBLE debian-tracker`}
			if got := briefs(res.Findings); !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
			wantEvidence := "1:1.35.0-4: " + string(status) + ", no fixed version (debian-tracker debian:12 busybox)"
			if got := res.Findings[0].Evidence; got != wantEvidence {
				t.Errorf("got %q, want %q", got, wantEvidence)
			}
		})
	}
}

func TestDistroEvidenceAndLayer(t *testing.T) {
	r := &fakeReader{stmts: busyboxSecdb()}
	res, err := match.Distro(context.Background(), r, &inventory.Distro{Family: "alpine", Version: "3.20.3"},
		[]*inventory.Package{busybox320, sslClient320})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 4 {
		t.Fatalf("got %d findings, want 4", len(res.Findings))
	}
	f := res.Findings[0]
	if want := "1.36.1-r29 < 1.36.1-r31 (alpine-secdb alpine:3.20 busybox)"; f.Evidence != want {
		t.Errorf("got %q, want %q", f.Evidence, want)
	}
	if f.Package != busybox320 || f.Layer != "sha256:base" || f.Namespace != "alpine:3.20" {
		t.Errorf("got package %p layer %q namespace %q, want %p sha256:base alpine:3.20",
			f.Package, f.Layer, f.Namespace, busybox320)
	}
	// ssl_client is its own package from its own layer.
	if got := res.Findings[2]; got.Package != sslClient320 || got.Layer != "sha256:ssl" {
		t.Errorf("got %s from %q, want ssl_client from sha256:ssl", got.PackageName, got.Layer)
	}
}

func TestDistroMergedEvidence(t *testing.T) {
	tests := []struct {
		name     string
		distro   inventory.Distro
		pkg      *inventory.Package
		reader   *fakeReader
		id, want string
	}{
		{
			name:   "DSA and tracker agree",
			distro: inventory.Distro{Family: "debian", Version: "10"},
			pkg: &inventory.Package{Name: "libssl1.1", Version: "1.1.1d-0+deb10u4", Type: "deb",
				SourceName: "openssl", SourceVersion: "1.1.1d-0+deb10u4"},
			reader: debianOpenSSL(),
			id:     "CVE-2021-3449",
			want: "CVE-2021-3449: 1.1.1d-0+deb10u4 < 1.1.1d-0+deb10u6 (debian-tracker debian:10 openssl); " +
				"DSA-4875-1: 1.1.1d-0+deb10u4 < 1.1.1d-0+deb10u6 (debian-dsa debian:10 openssl)",
		},
		{
			name:   "highest fix explained",
			distro: inventory.Distro{Family: "debian", Version: "9"},
			pkg: &inventory.Package{Name: "libexpat1", Version: "2.2.0-2+deb9u3", Type: "deb",
				SourceName: "expat", SourceVersion: "2.2.0-2+deb9u3"},
			reader: debianExpat(),
			id:     "DLA-2904-1",
			want: "DLA-2904-1: 2.2.0-2+deb9u3 < 2.2.0-2+deb9u4 (debian-dla debian:9 expat); " +
				"DLA-2935-1: 2.2.0-2+deb9u3 < 2.2.0-2+deb9u5 (debian-dla debian:9 expat); " +
				"highest fixed version 2.2.0-2+deb9u5",
		},
		{
			// The ALSA statement under the source name "openssl" is not
			// evaluated again for openssl-libs.
			name:   "binary name first, no duplicate from source name",
			distro: inventory.Distro{Family: "almalinux", Version: "9"},
			pkg: &inventory.Package{Name: "openssl-libs", Version: "1:3.0.7-16.el9_2", Type: "rpm",
				SourceName: "openssl"},
			reader: almaOpenSSL(),
			id:     "CVE-2023-5363",
			want:   "1:3.0.7-16.el9_2 < 1:3.0.7-25.el9_3 (osv:AlmaLinux almalinux:9 openssl-libs)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := match.Distro(context.Background(), tt.reader, &tt.distro, []*inventory.Package{tt.pkg})
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(res.Findings, func(f match.Finding) bool { return f.ID == tt.id })
			if i < 0 {
				t.Fatalf("no finding %s in %q", tt.id, briefs(res.Findings))
			}
			if got := res.Findings[i].Evidence; got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// The statuses of one vulnerability's statements are combined: a fix the
// package lacks wins over a verdict without a fix.
func TestDistroMergedStatus(t *testing.T) {
	// DSA-4875-1 says buster is fixed in 1.1.1d-0+deb10u6; a tracker
	// statement still open (postponed) for the same CVE is the situation
	// between a DSA and the tracker catching up.
	r := debianOpenSSL()
	for i, st := range r.stmts {
		if st.VulnID == "CVE-2021-3449" {
			r.stmts[i].Status, r.stmts[i].Fixed = advisory.StatusPostponed, ""
		}
	}
	pkg := &inventory.Package{Name: "libssl1.1", Version: "1.1.1d-0+deb10u4", Type: "deb",
		SourceName: "openssl", SourceVersion: "1.1.1d-0+deb10u4"}
	res, err := match.Distro(context.Background(), r, &inventory.Distro{Family: "debian", Version: "10"}, []*inventory.Package{pkg})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(res.Findings, func(f match.Finding) bool { return f.ID == "CVE-2021-3449" })
	if i < 0 {
		t.Fatalf("no CVE-2021-3449 in %q", briefs(res.Findings))
	}
	f := res.Findings[i]
	if f.Status != advisory.StatusFixed || f.FixedVersion != "1.1.1d-0+deb10u6" {
		t.Errorf("got %s %q, want fixed 1.1.1d-0+deb10u6", f.Status, f.FixedVersion)
	}
	if want := "status fixed is the most severe of postponed, fixed"; !strings.HasSuffix(f.Evidence, want) {
		t.Errorf("got %q, want it to end with %q", f.Evidence, want)
	}
}

func TestDistroAsksOnlyItsNamespace(t *testing.T) {
	r := ubuntuUSNs()
	_, err := match.Distro(context.Background(), r, &inventory.Distro{Family: "ubuntu", Version: "18.04"},
		[]*inventory.Package{libssl1804, openssl1804, zlib1804})
	if err != nil {
		t.Fatal(err)
	}
	// Source names are asked once however many binaries share them, then
	// each binary name that differs from its source.
	want := []string{"ubuntu:18.04 openssl", "ubuntu:18.04 libssl1.1", "ubuntu:18.04 zlib", "ubuntu:18.04 zlib1g"}
	if !slices.Equal(r.asked, want) {
		t.Errorf("got %q, want %q", r.asked, want)
	}
}

func TestDistroReaderError(t *testing.T) {
	boom := errors.New("database is locked")
	r := &fakeReader{err: boom}
	_, err := match.Distro(context.Background(), r, &inventory.Distro{Family: "alpine", Version: "3.20.3"},
		[]*inventory.Package{busybox320})
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want %v", err, boom)
	}
}

func TestDistroCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := match.Distro(ctx, &fakeReader{}, &inventory.Distro{Family: "alpine", Version: "3.20.3"},
		[]*inventory.Package{busybox320})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want %v", err, context.Canceled)
	}
}

// Without the optional Related ability an ALSA names no CVE and is
// reported under its own ID.
func TestDistroWithoutRelated(t *testing.T) {
	r := struct{ advisory.Reader }{almaOpenSSL()}
	pkg := &inventory.Package{Name: "openssl-libs", Version: "1:3.0.7-16.el9_2", Type: "rpm", SourceName: "openssl"}
	res, err := match.Distro(context.Background(), r, &inventory.Distro{Family: "almalinux", Version: "9"}, []*inventory.Package{pkg})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`openssl-libs 1:3.0.7-16.el9_2 ALSA-2024:0310 fixed="1:3.0.7-25.el9_3" fixed MEDIUM osv:AlmaLinux`,
		`openssl-libs 1:3.0.7-16.el9_2 ALSA-2024:2447 fixed="1:3.0.7-27.el9" fixed LOW osv:AlmaLinux`,
	}
	if got := briefs(res.Findings); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// Severity: the statement's rating, else the record's, else UNKNOWN. The
// tracker rates busybox CVE-2018-1000500 "unimportant" in bookworm
// (NEGLIGIBLE); its feed maps "not yet assigned" to UNKNOWN; NVD rates the
// CVE HIGH (nvdcve-1.1-2018, CVSS v3 baseSeverity).
func TestDistroSeverity(t *testing.T) {
	tests := []struct {
		name             string
		stmt, vuln, want string
	}{
		{"statement wins", advisory.SeverityNegligible, advisory.SeverityHigh, advisory.SeverityNegligible},
		{"unknown statement falls back", advisory.SeverityUnknown, advisory.SeverityHigh, advisory.SeverityHigh},
		{"no rating at all", "", "", advisory.SeverityUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &fakeReader{
				stmts: []advisory.Affected{{VulnID: "CVE-2018-1000500", Namespace: "debian:12", Package: "busybox",
					Status: advisory.StatusUnimportant, Severity: tt.stmt, Source: "debian-tracker"}},
				vulns: vulns(&advisory.Vulnerability{ID: "CVE-2018-1000500", Source: "debian-tracker", Severity: tt.vuln}),
			}
			pkgs := []*inventory.Package{{Name: "busybox", Version: "1:1.35.0-4", Type: "deb"}}
			res, err := match.Distro(context.Background(), r, &inventory.Distro{Family: "debian", Version: "12"}, pkgs)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Findings) != 1 || res.Findings[0].Severity != tt.want {
				t.Errorf("got %q, want severity %s", briefs(res.Findings), tt.want)
			}
		})
	}
}
