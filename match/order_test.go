package match

import (
	"testing"

	"github.com/lading-dev/lading/inventory"
)

// Every pair below is a real version string from ../shared. The expected
// sign of each dpkg pair was checked with `dpkg --compare-versions` (dpkg
// 1.21, Debian 12) and of each rpm pair with rpm 4.18's rpm.vercmp; the apk
// pairs follow apk-tools' order (suffixes alpha < beta < pre < rc < none <
// cvs < svn < git < hg < p, then -rN numerically), as in osv-scalibr's
// alpine vectors generated with apk ("1.2 < 1.2_git1").
func TestOrderCompare(t *testing.T) {
	tests := []struct {
		name string
		o    order
		a, b string
		want int
	}{
		// fixtures/dpkg/ubuntu-18.04-bionic-base (git, deinstalled) and
		// -texlive (git) against USN-5376-1's 18.04 fix.
		{"deb epoch, newer upstream", dpkgOrder, "1:2.20.1-2+deb10u3", "1:2.17.1-1ubuntu0.10", 1},
		{"deb revision numeric", dpkgOrder, "1:2.17.1-1ubuntu0.7", "1:2.17.1-1ubuntu0.10", -1},
		// texlive libssl1.1 against USN-4376-1's fix; ~ sorts before all.
		{"deb tilde backport", dpkgOrder, "1.1.1-1ubuntu2.1~18.04.5", "1.1.1-1ubuntu2.1~18.04.6", -1},
		{"deb tilde below release", dpkgOrder, "1.1.1-1ubuntu2.1~18.04.5", "1.1.1-1ubuntu2.1", -1},
		// zlib1g 1:… against a version without epoch: the epoch wins.
		{"deb epoch beats upstream", dpkgOrder, "1:1.2.11.dfsg-0ubuntu2", "1.2.13.dfsg-1", 1},
		{"deb tilde upstream", dpkgOrder, "0.0~r131-2ubuntu3", "0.0~r131-2ubuntu3.1", -1},
		{"deb equal", dpkgOrder, "1:1.35.0-4", "1:1.35.0-4", 0},
		// fixtures/alpine/apk-db/3.20.3 busybox against secdb v3.20.
		{"apk release numeric", apkOrder, "1.36.1-r29", "1.36.1-r31", -1},
		{"apk release equal", apkOrder, "1.36.1-r29", "1.36.1-r29", 0},
		// apk-db/3.19.4 musl against secdb v3.20's musl fix, and against
		// the same version without the _git suffix.
		{"apk git snapshot below next", apkOrder, "1.2.4_git20230717-r4", "1.2.5-r1", -1},
		{"apk git above plain", apkOrder, "1.2.4_git20230717-r4", "1.2.4-r4", 1},
		{"apk pre below release", apkOrder, "1.2.2_pre2-r0", "1.2.5-r0", -1},
		// apk-db/edge-20240923 alpine-release against its release.
		{"apk alpha below release", apkOrder, "3.21.0_alpha20240923", "3.21.0", -1},
		// AlmaLinux 9 openssl-libs fixes (ALSA-2023:3722, ALSA-2024:0310,
		// ALSA-2024:2447, ALSA-2024:9333, ALSA-2025:1330).
		{"rpm equal", rpmOrder, "1:3.0.7-16.el9_2", "1:3.0.7-16.el9_2", 0},
		{"rpm release numeric", rpmOrder, "1:3.0.7-6.el9_2", "1:3.0.7-16.el9_2", -1},
		{"rpm release dist", rpmOrder, "1:3.0.7-27.el9", "1:3.0.7-25.el9_3", 1},
		{"rpm release suffix", rpmOrder, "1:3.2.2-6.el9_5", "1:3.2.2-6.el9_5.1", -1},
		{"rpm missing epoch is 0", rpmOrder, "3.5.5-4.el9_8", "1:3.0.7-25.el9_3", -1},
		{"rpm explicit epoch 0", rpmOrder, "0:3.0.7-25.el9_3", "3.0.7-25.el9_3", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.o.compare(tt.a, tt.b)
			if err != nil {
				t.Fatalf("compare(%q, %q): %v", tt.a, tt.b, err)
			}
			if got != tt.want {
				t.Errorf("compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// The semantic parsers accept these; the package managers do not.
func TestOrderRejects(t *testing.T) {
	tests := []struct {
		o order
		v string
	}{
		{dpkgOrder, ""},
		{dpkgOrder, "abc"},                  // dpkg: version number does not start with digit
		{dpkgOrder, "1.1.1-"},               // empty revision
		{dpkgOrder, "x:1.0"},                // non-numeric epoch
		{dpkgOrder, "1.0 beta"},             // space
		{apkOrder, ""},                      //
		{apkOrder, "latest"},                // not a version
		{apkOrder, "1.36.1-r29-r1"},         // two release parts
		{apkOrder, "1.36.1_foo-r1"},         // unknown suffix
		{rpmOrder, ""},                      //
		{rpmOrder, "(none):3.0.7-16.el9_2"}, // rpm -q's empty %{EPOCH}
		{rpmOrder, "3.0.7-16-el9"},          // hyphen inside release
	}
	for _, tt := range tests {
		if _, err := tt.o.parse(tt.v); err == nil {
			t.Errorf("%s parse(%q): got no error, want one", tt.o.name, tt.v)
		}
	}
}

func TestLookups(t *testing.T) {
	tests := []struct {
		name string
		p    *inventory.Package
		o    order
		want []lookup
	}{
		{
			// fixtures/dpkg/ubuntu-18.04-bionic-texlive: libssl1.1, Source: openssl.
			name: "deb binary to source",
			p: &inventory.Package{Name: "libssl1.1", Version: "1.1.1-1ubuntu2.1~18.04.5", Type: "deb",
				SourceName: "openssl", SourceVersion: "1.1.1-1ubuntu2.1~18.04.5"},
			o: dpkgOrder,
			want: []lookup{{"openssl", "1.1.1-1ubuntu2.1~18.04.5"},
				{"libssl1.1", "1.1.1-1ubuntu2.1~18.04.5"}},
		},
		{
			// Same fixture: bsdutils, Source: util-linux (2.31.1-0.4ubuntu3.6),
			// Version: 1:2.31.1-0.4ubuntu3.6 — the source version is compared.
			name: "deb source version differs",
			p: &inventory.Package{Name: "bsdutils", Version: "1:2.31.1-0.4ubuntu3.6", Type: "deb",
				SourceName: "util-linux", SourceVersion: "2.31.1-0.4ubuntu3.6"},
			o: dpkgOrder,
			want: []lookup{{"util-linux", "2.31.1-0.4ubuntu3.6"},
				{"bsdutils", "1:2.31.1-0.4ubuntu3.6"}},
		},
		{
			name: "deb without source",
			p:    &inventory.Package{Name: "git", Version: "1:2.17.1-1ubuntu0.7", Type: "deb"},
			o:    dpkgOrder,
			want: []lookup{{"git", "1:2.17.1-1ubuntu0.7"}},
		},
		{
			// fixtures/alpine/apk-db/3.20.3: ssl_client, o:busybox.
			name: "apk subpackage to origin",
			p: &inventory.Package{Name: "ssl_client", Version: "1.36.1-r29", Type: "apk",
				SourceName: "busybox", SourceVersion: "1.36.1-r29"},
			o:    apkOrder,
			want: []lookup{{"busybox", "1.36.1-r29"}, {"ssl_client", "1.36.1-r29"}},
		},
		{
			// AlmaLinux 9 openssl-libs at ALSA-2023:3722's fix, epoch and
			// release held apart and the source given as SOURCERPM.
			name: "rpm binary first, epoch and release joined",
			p: &inventory.Package{Name: "openssl-libs", Version: "3.0.7", Release: "16.el9_2", Epoch: 1,
				Type: "rpm", SourceName: "openssl-3.0.7-16.el9_2.src.rpm"},
			o:    rpmOrder,
			want: []lookup{{"openssl-libs", "1:3.0.7-16.el9_2"}, {"openssl", "1:3.0.7-16.el9_2"}},
		},
		{
			name: "rpm full EVR in Version",
			p: &inventory.Package{Name: "openssl-libs", Version: "1:3.0.7-16.el9_2", Release: "16.el9_2",
				Epoch: 1, Type: "rpm", SourceName: "openssl"},
			o:    rpmOrder,
			want: []lookup{{"openssl-libs", "1:3.0.7-16.el9_2"}, {"openssl", "1:3.0.7-16.el9_2"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lookups(tt.p, tt.o)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestNamespace(t *testing.T) {
	tests := []struct {
		d    inventory.Distro
		want string
	}{
		// fixtures/alpine/apk-db/3.20.3/etc/os-release: VERSION_ID=3.20.3.
		{inventory.Distro{Family: "alpine", Version: "3.20.3"}, "alpine:3.20"},
		{inventory.Distro{Family: "ubuntu", Version: "18.04"}, "ubuntu:18.04"},
		{inventory.Distro{Family: "ubuntu", Version: "18.04.6"}, "ubuntu:18.04"},
		{inventory.Distro{Family: "debian", Version: "11.1"}, "debian:11"},
		{inventory.Distro{Family: "debian", Codename: "bookworm"}, "debian:12"},
		// os-release/trivy: rocky 9.3, alma 9.4.
		{inventory.Distro{Family: "rocky", Version: "9.3"}, "rocky:9"},
		{inventory.Distro{Family: "almalinux", Version: "9.4"}, "almalinux:9"},
		{inventory.Distro{Family: "ubuntu"}, ""},
	}
	for _, tt := range tests {
		if got := namespace(&tt.d); got != tt.want {
			t.Errorf("namespace(%+v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
