package ubuntu

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// page is one notices.json page in the API's response shape
// (canonical/ubuntu-com-security-api webapp/schemas.py at commit
// 01659852750a9f9fce7db3330521e66ece5e8ac3: NoticesAPISchema with
// NoticeAPIDetailedSchema notices; webapp/utils.py stream_notices writes
// "notices" first, then offset, limit and total_results).
//
// The first notice carries the values of the real USN-4414-2 as the API's
// repository keeps it (scripts/payloads/usn-4414-2.json at commit
// acff59db901ffe81cd0135f09eb9253202b04166): id, title, summary, published
// time, CVEs, the first paragraph of its description and its bionic and
// trusty packages. The second notice is synthetic and exercises what the
// real one does not: CVE priorities, Ubuntu Pro and FIPS pockets, a
// release with binary packages only, a snap, is_source as a string, and a
// code name missing from "releases". The third is a Livepatch notice.
const page = `{"notices":[
{
  "cves_ids": ["CVE-2020-10711", "CVE-2020-12770"],
  "cves": [{"id": "CVE-2020-10711"}, {"id": "CVE-2020-12770"}],
  "description": "It was discovered that the network block device (nbd) implementation in the\nLinux kernel did not properly check for error conditions in some\nsituations. An attacker could possibly use this to cause a denial of service\n(system crash). (CVE-2019-16089)\n",
  "id": "USN-4414-2",
  "instructions": "After a standard system update you need to reboot your computer to make\nall the necessary changes.\n",
  "is_hidden": false,
  "published": "2020-07-06T21:28:23.982632",
  "references": [],
  "release_packages": {
    "bionic": [
      {"description": "Linux kernel for Google Cloud Platform (GCP) systems", "is_source": true, "name": "linux-gcp-4.15", "version": "4.15.0-1078.88"},
      {"description": "Linux kernel for Google Container Engine (GKE) systems", "is_source": true, "name": "linux-gke-4.15", "version": "4.15.0-1064.67"}
    ],
    "trusty": [
      {"description": "Linux kernel for Microsoft Azure Cloud systems", "is_source": true, "name": "linux-azure", "version": "4.15.0-1091.101~14.04.1"}
    ]
  },
  "releases": [{"codename": "bionic", "version": "18.04", "support_tag": "LTS"}, {"codename": "trusty", "version": "14.04", "support_tag": "ESM"}],
  "summary": "linux, linux-aws, linux-aws-hwe, linux-azure, linux-azure-4.15, linux-gcp, linux-gcp-4.15, linux-gke-4.15, linux-hwe, linux-kvm, linux-oem, linux-oracle, linux-raspi2, linux-snapdragon vulnerabilities",
  "title": "Linux kernel vulnerabilities",
  "type": "USN"
},
{
  "id": "USN-9999-1", "title": "zlib vulnerability", "published": "2024-01-02T03:04:05",
  "cves_ids": ["cve-2018-25032"], "cves": [{"id": "CVE-2018-25032", "priority": "medium"}, {"id": "CVE-2022-37434", "priority": "high"}],
  "references": ["https://example.org/zlib"],
  "releases": [{"codename": "focal", "version": "20.04"}],
  "release_packages": {
    "focal": [
      {"name": "zlib", "version": "1:1.2.11.dfsg-2ubuntu1.3", "is_source": "true", "pocket": "security", "package_type": "deb"},
      {"name": "zlib1g", "version": "1:1.2.11.dfsg-2ubuntu1.3", "is_source": "false", "pocket": "security", "package_type": "deb"},
      {"name": "zlib-snap", "version": "1.0", "is_source": true, "package_type": "snap"}
    ],
    "xenial": [{"name": "zlib", "version": "1:1.2.8.dfsg-2ubuntu4.3+esm1", "is_source": true, "pocket": "esm-infra"}],
    "jammy": [
      {"name": "zlib1g", "version": "1:1.2.11.dfsg-2ubuntu9.2", "is_source": false},
      {"name": "zlib1g-dev", "version": "1:1.2.11.dfsg-2ubuntu9.2", "is_source": false, "pocket": "fips-updates"}
    ]
  }
},
{"id": "LSN-0099-1", "release_packages": {"jammy": [{"name": "aws", "version": "5.15.0-1000", "is_source": true}]}}
],"offset":0,"limit":100,"total_results":3}`

func readString(t *testing.T, doc string) (feed.Stats, map[string]feed.Entry) {
	t.Helper()
	got := map[string]feed.Entry{}
	stats, err := Read(context.Background(), strings.NewReader(doc), func(e feed.Entry) error {
		got[e.Vuln.ID] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return stats, got
}

func briefs(e feed.Entry) string {
	var out []string
	for _, a := range e.Affected {
		out = append(out, a.Namespace+" "+a.Package+" "+a.Fixed+" "+a.Ecosystem)
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

func TestRealNotice(t *testing.T) {
	stats, got := readString(t, page)
	if stats.Records != 2 || stats.Skipped != 1 || !strings.Contains(stats.SkipNotes[0], "LSN-0099-1: not a USN") {
		t.Fatalf("stats %+v", stats)
	}
	e := got["USN-4414-2"]
	v := e.Vuln
	if v.Source != Source || v.Summary != "Linux kernel vulnerabilities" || v.Severity != "" ||
		!strings.HasPrefix(v.Details, "It was discovered that the network block device (nbd)") ||
		!v.Published.Equal(time.Date(2020, 7, 6, 21, 28, 23, 982632000, time.UTC)) || !v.Modified.IsZero() {
		t.Errorf("record %+v", v)
	}
	if strings.Join(v.References, ",") != "https://ubuntu.com/security/notices/USN-4414-2" || len(v.Aliases) != 0 {
		t.Errorf("references %v aliases %v", v.References, v.Aliases)
	}
	if strings.Join(e.Related, ",") != "CVE-2020-10711,CVE-2020-12770" {
		t.Errorf("related %v", e.Related)
	}
	want := "ubuntu:14.04 linux-azure 4.15.0-1091.101~14.04.1 Ubuntu:14.04; " +
		"ubuntu:18.04 linux-gcp-4.15 4.15.0-1078.88 Ubuntu:18.04; ubuntu:18.04 linux-gke-4.15 4.15.0-1064.67 Ubuntu:18.04"
	if g := briefs(e); g != want {
		t.Errorf("statements:\n got %s\nwant %s", g, want)
	}
	for _, a := range e.Affected {
		if a.VulnID != "USN-4414-2" || a.Status != advisory.StatusFixed || a.Source != Source || a.Severity != "" || len(a.Ranges) != 0 {
			t.Errorf("statement %+v", a)
		}
	}
}

func TestSyntheticNotice(t *testing.T) {
	_, got := readString(t, page)
	e := got["USN-9999-1"]
	// The highest CVE priority rates the notice and its statements.
	if e.Vuln.Severity != advisory.SeverityHigh || strings.Join(e.Related, ",") != "CVE-2018-25032,CVE-2022-37434" {
		t.Errorf("record %+v related %v", e.Vuln, e.Related)
	}
	if strings.Join(e.Vuln.References, ",") != "https://ubuntu.com/security/notices/USN-9999-1,https://example.org/zlib" {
		t.Errorf("references %v", e.Vuln.References)
	}
	// focal: the source package only (zlib1g is its binary); xenial
	// (missing from "releases", known code name): an esm-infra fix is
	// Ubuntu Pro; jammy lists binaries only, one in a FIPS pocket.
	want := "ubuntu-pro-fips:22.04 zlib1g-dev 1:1.2.11.dfsg-2ubuntu9.2 Ubuntu:Pro:FIPS:22.04; " +
		"ubuntu-pro:16.04 zlib 1:1.2.8.dfsg-2ubuntu4.3+esm1 Ubuntu:Pro:16.04; " +
		"ubuntu:20.04 zlib 1:1.2.11.dfsg-2ubuntu1.3 Ubuntu:20.04; " +
		"ubuntu:22.04 zlib1g 1:1.2.11.dfsg-2ubuntu9.2 Ubuntu:22.04"
	if g := briefs(e); g != want {
		t.Errorf("statements:\n got %s\nwant %s", g, want)
	}
	for _, a := range e.Affected {
		if a.Severity != advisory.SeverityHigh {
			t.Errorf("statement severity %+v", a)
		}
	}
}

func TestSkips(t *testing.T) {
	doc := `{"offset": 0, "notices": [
{"id": "USN-1-1", "is_hidden": true, "release_packages": {"focal": [{"name": "a", "version": "1", "is_source": true}]}},
{"id": "USN-2-1", "release_packages": {"nosuch": [{"name": "a", "version": "1", "is_source": true}]}},
{"id": "USN-3-1", "release_packages": {"focal": [{"name": "a", "version": "", "is_source": true}]}},
{"id": "", "release_packages": {}}
], "total_results": 4}`
	stats, got := readString(t, doc)
	if len(got) != 0 {
		t.Errorf("got %v", got)
	}
	for _, want := range []string{"USN-1-1: hidden", `USN-2-1: unknown release "nosuch"`, "USN-2-1: no deb package",
		"USN-3-1 focal: package without a name or version", "notice without an id"} {
		found := false
		for _, n := range stats.SkipNotes {
			found = found || strings.Contains(n, want)
		}
		if !found {
			t.Errorf("no skip note %q in %q", want, stats.SkipNotes)
		}
	}
}

func TestNamespace(t *testing.T) {
	for _, tt := range []struct{ ver, pocket, want string }{
		{"22.04", "", "ubuntu:22.04"}, {"22.04", "security", "ubuntu:22.04"}, {"22.04", "updates", "ubuntu:22.04"},
		{"16.04", "esm-infra", "ubuntu-pro:16.04"}, {"20.04", "esm-apps", "ubuntu-pro:20.04"}, {"20.04", "soss", "ubuntu-pro:20.04"},
		{"20.04", "fips", "ubuntu-pro-fips:20.04"}, {"20.04", "fips-updates", "ubuntu-pro-fips:20.04"},
	} {
		if got := Namespace(tt.ver, tt.pocket); got != tt.want {
			t.Errorf("Namespace(%s, %s) = %s, want %s", tt.ver, tt.pocket, got, tt.want)
		}
	}
	if ReleaseVersion("Noble") != "24.04" || ReleaseVersion("bionic") != "18.04" || ReleaseVersion("nope") != "" {
		t.Error("ReleaseVersion")
	}
}

func TestMalformed(t *testing.T) {
	dir := t.TempDir()
	for name, doc := range map[string]string{
		"array.json":     `[{"id": "USN-1-1"}]`,
		"nonotices.json": `{"offset": 0}`,
		"truncated.json": page[:len(page)/2],
		"badnotice.json": `{"notices": [{"id": 5}]}`,
		"notarray.json":  `{"notices": {"id": "USN-1-1"}}`,
		"badbool.json":   `{"notices": [{"id": "USN-1-1", "is_hidden": 3}]}`,
		"empty.json":     ``,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadFile(context.Background(), p, func(feed.Entry) error { return nil })
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: got %v, want an error naming the file", name, err)
		}
	}
	// "notices": null is an empty page.
	if _, err := Read(context.Background(), strings.NewReader(`{"notices": null}`), func(feed.Entry) error { return nil }); err != nil {
		t.Errorf("null notices: %v", err)
	}
}

// FuzzRead: never a panic; every statement is well formed.
func FuzzRead(f *testing.F) {
	f.Add([]byte(page))
	f.Add([]byte(`{"notices":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Read(context.Background(), bytes.NewReader(data), func(e feed.Entry) error {
			if !usnRE.MatchString(e.Vuln.ID) || len(e.Affected) == 0 {
				t.Fatalf("bad entry %+v", e)
			}
			for _, a := range e.Affected {
				if a.Package == "" || a.Fixed == "" || !strings.HasPrefix(a.Namespace, "ubuntu") {
					t.Fatalf("bad statement %+v", a)
				}
			}
			return nil
		})
	})
}
