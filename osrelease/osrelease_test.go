package osrelease

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lading-dev/lading/internal/fixturefs"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
)

func check(t *testing.T, label string, fsys fstest.MapFS, want inventory.Distro) {
	t.Helper()
	got, err := Detect(fsys)
	if err != nil {
		t.Errorf("%s: Detect: %v", label, err)
		return
	}
	if got == nil {
		t.Errorf("%s: got nil, want %+v", label, want)
		return
	}
	if *got != want {
		t.Errorf("%s: got %+v, want %+v", label, *got, want)
	}
}

// Expected values below were read from the fixture files themselves.

func TestClaircoreAlpine(t *testing.T) {
	base := testutil.Shared(t, "fixtures", "os-release", "claircore", "alpine")
	for dir, version := range map[string]string{
		"3.3": "3.3.3", "3.4": "3.4.6", "3.5": "3.5.3", "3.6": "3.6.5", "3.7": "3.7.3",
		"3.8": "3.8.5", "3.9": "3.9.6", "3.10": "3.10.9", "3.11": "3.11.13", "3.12": "3.12.9",
		"3.13": "3.13.7", "3.14": "3.14.3", "3.15": "3.15.0", "3.16": "3.16.0", "3.17": "3.17.5",
		"3.18": "3.18.4", "edge": "3.19_alpha20230901",
	} {
		name := "Alpine Linux v" + dir
		if dir == "edge" {
			name = "Alpine Linux edge"
		}
		check(t, dir, fixturefs.Dir(t, filepath.Join(base, dir)),
			inventory.Distro{Family: "alpine", Version: version, Name: name})
	}
}

func TestClaircoreDebian(t *testing.T) {
	base := testutil.Shared(t, "fixtures", "os-release", "claircore", "debian")
	codenames := map[string]string{"7": "wheezy", "8": "jessie", "9": "stretch", "10": "buster", "11": "bullseye", "12": "bookworm"}
	for v, code := range codenames {
		check(t, "dist/"+v, fixturefs.Dir(t, filepath.Join(base, "dist", v)),
			inventory.Distro{Family: "debian", Version: v, Codename: code, Name: "Debian GNU/Linux " + v + " (" + code + ")"})
	}
	// Distroless: PRETTY_NAME "Distroless", no VERSION_CODENAME; the code
	// name comes from VERSION="Debian GNU/Linux 11 (bullseye)".
	for _, v := range []string{"9", "10", "11"} {
		check(t, "distroless/"+v, fixturefs.Dir(t, filepath.Join(base, "distroless_dist", v)),
			inventory.Distro{Family: "debian", Version: v, Codename: codenames[v], Name: "Distroless"})
	}
}

func TestClaircoreUbuntu(t *testing.T) {
	base := testutil.Shared(t, "fixtures", "os-release", "claircore", "ubuntu")
	cases := []struct{ version, codename, name string }{
		{"10.04", "lucid", "Ubuntu 10.04 LTS"}, // lsb-release only
		{"12.04", "precise", "Ubuntu precise (12.04.5 LTS)"},
		{"12.10", "quantal", "Ubuntu quantal (12.10)"},
		{"13.04", "raring", "Ubuntu 13.04"},
		{"13.10", "saucy", "Ubuntu 13.10"},
		{"14.04", "trusty", "Ubuntu 14.04.6 LTS"},
		{"14.10", "utopic", "Ubuntu 14.10"},
		{"15.04", "vivid", "Ubuntu 15.04"},
		{"15.10", "wily", "Ubuntu 15.10"},
		{"16.04", "xenial", "Ubuntu 16.04.7 LTS"},
		{"16.10", "yakkety", "Ubuntu 16.10"},
		{"17.04", "zesty", "Ubuntu 17.04"},
		{"17.10", "artful", "Ubuntu 17.10"},
		{"18.04", "bionic", "Ubuntu 18.04.6 LTS"},
		{"18.10", "cosmic", "Ubuntu 18.10"},
		{"19.04", "disco", "Ubuntu 19.04"},
		{"19.10", "eoan", "Ubuntu 19.10"},
		{"20.04", "focal", "Ubuntu 20.04.4 LTS"},
		{"20.10", "groovy", "Ubuntu 20.10"},
		{"21.04", "hirsute", "Ubuntu 21.04"},
		{"21.10", "impish", "Ubuntu 21.10"},
		{"22.04", "jammy", "Ubuntu 22.04 LTS"},
		{"22.10", "kinetic", "Ubuntu Kinetic Kudu (development branch)"},
		{"23.04", "lunar", "Ubuntu 23.04"},
		{"23.10", "mantic", "Ubuntu Mantic Minotaur (development branch)"},
	}
	for _, c := range cases {
		fsys := fixturefs.Dir(t, filepath.Join(base, "dist", c.version))
		want := inventory.Distro{Family: "ubuntu", Version: c.version, Codename: c.codename, Name: c.name}
		check(t, c.version, fsys, want)
		// Each source alone must give the same code name: os-release alone
		// (12.04-15.10 have it only inside VERSION), and lsb-release alone.
		if _, ok := fsys["etc/os-release"]; ok {
			alone := fstest.MapFS{"etc/os-release": fsys["etc/os-release"]}
			check(t, c.version+" os-release alone", alone, want)
			lsb := fstest.MapFS{"etc/lsb-release": fsys["etc/lsb-release"]}
			lsbName := parse(fsys["etc/lsb-release"].Data)["DISTRIB_DESCRIPTION"]
			check(t, c.version+" lsb-release alone", lsb,
				inventory.Distro{Family: "ubuntu", Version: c.version, Codename: c.codename, Name: lsbName})
		}
	}
	// claircore keeps a Debian 11 os-release under ubuntu as a negative case.
	check(t, "negative-debian-11", fixturefs.Dir(t, filepath.Join(base, "negative-debian-11")),
		inventory.Distro{Family: "debian", Version: "11", Codename: "bullseye", Name: "Debian GNU/Linux 11 (bullseye)"})
}

func TestTrivyOSRelease(t *testing.T) {
	base := testutil.Shared(t, "fixtures", "os-release", "trivy", "release")
	cases := map[string]inventory.Distro{
		"activestate":         {Family: "activestate", Version: "1.0"},
		"alma":                {Family: "almalinux", Version: "9.4", Name: "AlmaLinux 9.4 (Seafoam Ocelot)"},
		"alpine":              {Family: "alpine", Version: "3.15.4", Name: "Alpine Linux v3.15"},
		"azurelinux-3.0":      {Family: "azurelinux", Version: "3.0", Name: "Microsoft Azure Linux 3.0"},
		"bottlerocket":        {Family: "bottlerocket", Version: "1.34.0", Name: "Bottlerocket OS 1.34.0 (aws-ecs-2)"},
		"centos":              {Family: "centos", Version: "7", Name: "CentOS Linux 7 (Core)"},
		"centos-stream":       {Family: "centos", Version: "8", Name: "CentOS Stream 8"},
		"fedora":              {Family: "fedora", Version: "42", Name: "Fedora Linux 42 (Container Image)"},
		"mariner-1.0":         {Family: "mariner", Version: "1.0", Name: "CBL-Mariner/Linux"},
		"mariner-2.0":         {Family: "mariner", Version: "2.0", Name: "CBL-Mariner/Linux"},
		"minimos":             {Family: "minimos", Version: "20241031", Name: "MinimOS"},
		"opensuseleap-15.2.1": {Family: "opensuse-leap", Version: "15.2.1", Name: "openSUSE Leap 15.2.1 Beta"},
		"opensuseleap-42.3":   {Family: "opensuse-leap", Version: "42.3", Name: "openSUSE Leap 42.3"},
		"opensusetumbleweed":  {Family: "opensuse-tumbleweed", Version: "20220412", Name: "openSUSE Tumbleweed"},
		"oracle":              {Family: "ol", Version: "8.10", Name: "Oracle Linux Server 8.10"},
		"photon":              {Family: "photon", Version: "4.0", Name: "VMware Photon OS/Linux"},
		"rhel":                {Family: "rhel", Version: "9.4", Name: "Red Hat Enterprise Linux 9.4 (Plow)"},
		"rocky":               {Family: "rocky", Version: "9.3", Name: "Rocky Linux 9.3 (Blue Onyx)"},
		"slemicro":            {Family: "sle-micro", Version: "5.3", Name: "SUSE Linux Enterprise Micro 5.3"},
		"slemicro-rancher":    {Family: "sle-micro-rancher", Version: "5.4", Name: "SUSE Linux Enterprise Micro for Rancher 5.4"},
		"slemicro6.0":         {Family: "sl-micro", Version: "6.0", Name: "SUSE Linux Micro 6.0"},
		"sles":                {Family: "sles", Version: "15.3", Name: "SUSE Linux Enterprise Server 15 SP3"},
	}
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(cases) {
		t.Errorf("got %d files in %s, want %d: a new fixture needs a case", len(entries), base, len(cases))
	}
	for file, want := range cases {
		data, err := os.ReadFile(filepath.Join(base, file))
		if err != nil {
			t.Fatal(err)
		}
		// Both places os-release(5) names.
		check(t, file+" etc", fstest.MapFS{"etc/os-release": {Data: data}}, want)
		check(t, file+" usr/lib", fstest.MapFS{"usr/lib/os-release": {Data: data}}, want)
	}
}

func TestTrivyReleaseFiles(t *testing.T) {
	base := testutil.Shared(t, "fixtures", "os-release", "trivy")
	cases := []struct {
		file string // under base
		at   string // where it goes in the root
		want inventory.Distro
	}{
		{"redhatbase/alma/almalinux-release", "etc/almalinux-release", inventory.Distro{Family: "almalinux", Version: "8.4", Name: "AlmaLinux release 8.4 (Electric Cheetah)"}},
		{"redhatbase/centos/centos-release", "etc/centos-release", inventory.Distro{Family: "centos", Version: "7.6.1810", Name: "CentOS Linux release 7.6.1810 (Core)"}},
		{"redhatbase/fedora_29/fedora-release", "etc/fedora-release", inventory.Distro{Family: "fedora", Version: "29", Name: "Fedora release 29 (Twenty Nine)"}},
		{"redhatbase/oracle_7/oracle-release", "etc/oracle-release", inventory.Distro{Family: "ol", Version: "7.6", Name: "Oracle Linux Server release 7.6"}},
		{"redhatbase/redhat_6/redhat-release", "etc/redhat-release", inventory.Distro{Family: "rhel", Version: "6.2", Name: "Red Hat Linux release 6.2 (Zoot)"}},
		{"redhatbase/rocky/rocky-release", "etc/rocky-release", inventory.Distro{Family: "rocky", Version: "8.4", Name: "Rocky Linux release 8.4 (Green Obsidian)"}},
		{"debian/debian_9/etc/debian_version", "etc/debian_version", inventory.Distro{Family: "debian", Version: "9", Codename: "stretch"}},
		{"debian/debian_sid/etc/debian_version", "etc/debian_version", inventory.Distro{Family: "debian", Codename: "buster"}},
		{"ubuntu/lsb-release", "etc/lsb-release", inventory.Distro{Family: "ubuntu", Version: "18.04", Codename: "bionic", Name: "Ubuntu 18.04.2 LTS"}},
	}
	for _, c := range cases {
		data, err := os.ReadFile(filepath.Join(base, c.file))
		if err != nil {
			t.Fatal(err)
		}
		check(t, c.file, fstest.MapFS{c.at: {Data: data}}, c.want)
	}
}

func TestOracleBeforeRedHat(t *testing.T) {
	// Oracle Linux 7 ships both; redhat-release names RHEL.
	fsys := fstest.MapFS{
		"etc/oracle-release": {Data: []byte("Oracle Linux Server release 7.6\n")},
		"etc/redhat-release": {Data: []byte("Red Hat Enterprise Linux Server release 7.6 (Maipo)\n")},
	}
	check(t, "oracle 7", fsys, inventory.Distro{Family: "ol", Version: "7.6", Name: "Oracle Linux Server release 7.6"})
}

func TestOtherReleaseFiles(t *testing.T) {
	cases := []struct {
		at, data string
		want     inventory.Distro
	}{
		{"etc/system-release", "Amazon Linux release 2 (Karoo)\n", inventory.Distro{Family: "amzn", Version: "2", Name: "Amazon Linux release 2 (Karoo)"}},
		{"etc/system-release", "Amazon Linux AMI release 2018.03\n", inventory.Distro{Family: "amzn", Version: "2018.03", Name: "Amazon Linux AMI release 2018.03"}},
		{"etc/mariner-release", "CBL-Mariner 2.0.20240123\nBUILD_NUMBER=x\n", inventory.Distro{Family: "mariner", Version: "2.0", Name: "CBL-Mariner 2.0.20240123"}},
		{"etc/SuSE-release", "SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\nPATCHLEVEL = 3\n", inventory.Distro{Family: "sles", Version: "12.3", Name: "SUSE Linux Enterprise Server 12 (x86_64)"}},
		{"etc/SuSE-release", "openSUSE 42.3 (x86_64)\nVERSION = 42.3\nCODENAME = Malachite\n", inventory.Distro{Family: "opensuse-leap", Version: "42.3", Name: "openSUSE 42.3 (x86_64)"}},
		{"etc/redhat-release", "Something Else 1.0\n", inventory.Distro{}},
	}
	for _, c := range cases {
		got, err := Detect(fstest.MapFS{c.at: {Data: []byte(c.data)}})
		if err != nil {
			t.Errorf("%s: %v", c.data, err)
		}
		if c.want == (inventory.Distro{}) {
			if got != nil {
				t.Errorf("%q: got %+v, want nil", c.data, *got)
			}
			continue
		}
		if got == nil || *got != c.want {
			t.Errorf("%q: got %+v, want %+v", c.data, got, c.want)
		}
	}
}

func TestFocalArmhfRootfs(t *testing.T) {
	// etc/os-release is a link to ../usr/lib/os-release.
	fsys := fixturefs.Dir(t, testutil.Shared(t, "fixtures", "dpkg", "ubuntu-20.04-focal-base-armhf"))
	want := inventory.Distro{Family: "ubuntu", Version: "20.04", Codename: "focal", Name: "Ubuntu 20.04 LTS"}
	check(t, "focal armhf", fsys, want)
	// With the link gone, usr/lib/os-release alone.
	delete(fsys, "etc/os-release")
	check(t, "focal armhf usr/lib", fsys, want)
	// With no os-release at all, lsb-release wins over debian_version
	// ("bullseye/sid" on Ubuntu 20.04).
	delete(fsys, "usr/lib/os-release")
	check(t, "focal armhf lsb", fsys, want)
}

func TestDistrolessRootfs(t *testing.T) {
	base := testutil.Shared(t, "fixtures", "dpkg", "distroless-static-debian11")
	want := inventory.Distro{Family: "debian", Version: "11", Codename: "bullseye", Name: "Distroless"}
	check(t, "rootfs-extract", fixturefs.Dir(t, filepath.Join(base, "rootfs-extract")), want)
	check(t, "rootfs tar", fixturefs.Tar(t, filepath.Join(base, "static-debian11-rootfs.tar.gz")), want)
}

func TestAlpineAPKDBFolders(t *testing.T) {
	base := testutil.Shared(t, "fixtures", "alpine", "apk-db")
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 16 {
		t.Errorf("got %d releases, want 16", len(entries))
	}
	for _, e := range entries {
		fsys := fixturefs.Dir(t, filepath.Join(base, e.Name()))
		version := strings.TrimSpace(string(fsys["etc/alpine-release"].Data))
		if !strings.HasPrefix(e.Name(), "edge") && version != e.Name() {
			t.Errorf("%s: alpine-release says %q", e.Name(), version)
		}
		name := "Alpine Linux v" + version[:strings.LastIndexByte(version, '.')]
		if strings.HasPrefix(e.Name(), "edge") {
			name = "Alpine Linux edge" // os-release is a link to ../usr/lib/os-release
			if version != "3.21.0_alpha20240923" {
				t.Errorf("edge: got %q, want 3.21.0_alpha20240923", version)
			}
		}
		check(t, e.Name(), fsys, inventory.Distro{Family: "alpine", Version: version, Name: name})
		delete(fsys, "etc/os-release")
		delete(fsys, "usr/lib/os-release")
		check(t, e.Name()+" alpine-release", fsys, inventory.Distro{Family: "alpine", Version: version})
	}
}

func TestAlpineMinirootfs(t *testing.T) {
	base := testutil.Shared(t, "fixtures", "alpine", "minirootfs")
	for _, v := range []string{"3.6.5", "3.16.9", "3.20.3"} {
		fsys := fixturefs.Tar(t, filepath.Join(base, "alpine-minirootfs-"+v+"-x86_64.tar.gz"))
		check(t, v, fsys, inventory.Distro{Family: "alpine", Version: v, Name: "Alpine Linux v" + v[:strings.LastIndexByte(v, '.')]})
	}
}

func TestNothingRecognised(t *testing.T) {
	for _, fsys := range []fstest.MapFS{
		{},
		{"etc/os-release": {Data: []byte("NAME=nothing\n")}},
		{"etc/os-release": {Data: []byte("\x00\x01garbage")}},
		{"etc/debian_version": {Data: []byte("not a version\n")}},
		{"etc/os-release": {Mode: fs.ModeDir | 0o755}}, // a directory
	} {
		got, err := Detect(fsys)
		if got != nil || err != nil {
			t.Errorf("got %+v, %v, want nil, nil", got, err)
		}
	}
}

func TestDebianWithoutVersionID(t *testing.T) {
	// Debian testing: os-release has no VERSION_ID.
	fsys := fstest.MapFS{
		"etc/os-release":     {Data: []byte("PRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\nNAME=\"Debian GNU/Linux\"\nID=debian\n")},
		"etc/debian_version": {Data: []byte("trixie/sid\n")},
	}
	check(t, "testing", fsys, inventory.Distro{Family: "debian", Codename: "trixie", Name: "Debian GNU/Linux trixie/sid"})
}

func TestParseQuoting(t *testing.T) {
	got := parse([]byte("# comment\nA=plain\nB=\"double \\\"q\\\" \\$x \\\\ \\n\"\nC='single \\ x'\nD=un\\ quoted\nE=\"x\" # trailing\n  F = bad\nG=\"unterminated\n3H=x\nI=\r\n"))
	want := map[string]string{
		"A": "plain",
		"B": `double "q" $x \ \n`,
		"C": `single \ x`,
		"D": "un quoted",
		"E": "x",
		"G": "unterminated",
		"I": "",
	}
	if len(got) != len(want) {
		t.Errorf("got %d keys %v, want %d", len(got), got, len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
}

func TestWants(t *testing.T) {
	for _, p := range []string{"etc/os-release", "usr/lib/os-release", "etc/alpine-release", "etc/debian_version",
		"etc/lsb-release", "etc/redhat-release", "etc/centos-release", "etc/fedora-release", "etc/system-release",
		"etc/almalinux-release", "etc/rocky-release", "etc/oracle-release", "etc/SuSE-release", "etc/mariner-release"} {
		if !Wants(p) {
			t.Errorf("Wants(%q): got false, want true", p)
		}
	}
	for _, p := range []string{"/etc/os-release", "etc/os-release.d", "etc/issue", "var/lib/dpkg/status"} {
		if Wants(p) {
			t.Errorf("Wants(%q): got true, want false", p)
		}
	}
}
