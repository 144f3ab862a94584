package amazon

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// al2023Vim carries the values of a real Amazon Linux 2023 advisory,
// ALAS2023-2023-360 (vim), as aquasecurity/vuln-list stores its updateinfo
// entry (amazon/2023/ALAS2023-2023-360.json at commit
// e0c65825b1de21b21dfe368bde3407426dff90ed): id, title, issued and updated
// dates, severity, the first CVE paragraph of the description, three of its
// eight CVE references and a subset of its packages (epoch 2, version
// 9.0.1882, release 1.amzn2023.0.1). The element layout is updateinfo's.
const al2023Vim = `<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update type="security" status="final">
    <id>ALAS2023-2023-360</id>
    <title>Amazon Linux 2023 - ALAS2023-2023-360: Important priority package update for vim</title>
    <issued date="2023-09-27 21:05:00"/>
    <updated date="2023-10-03 20:50:00"/>
    <severity>Important</severity>
    <description>Package updates are available for Amazon Linux 2023 that fix the following vulnerabilities:
CVE-2023-4781:
	Heap-based Buffer Overflow in GitHub repository vim/vim prior to 9.0.1873.
</description>
    <references>
      <reference href="http://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2023-4733" id="CVE-2023-4733" type="cve"/>
      <reference href="http://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2023-4734" id="CVE-2023-4734" type="cve"/>
      <reference href="http://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2023-4781" id="CVE-2023-4781" type="cve"/>
    </references>
    <pkglist>
      <collection short="amazon-linux-2023">
        <name>Amazon Linux 2023</name>
        <package name="vim-minimal" epoch="2" version="9.0.1882" release="1.amzn2023.0.1" arch="x86_64">
          <filename>Packages/vim-minimal-9.0.1882-1.amzn2023.0.1.x86_64.rpm</filename>
        </package>
        <package name="vim-minimal-debuginfo" epoch="2" version="9.0.1882" release="1.amzn2023.0.1" arch="x86_64">
          <filename>Packages/vim-minimal-debuginfo-9.0.1882-1.amzn2023.0.1.x86_64.rpm</filename>
        </package>
        <package name="vim-debugsource" epoch="2" version="9.0.1882" release="1.amzn2023.0.1" arch="x86_64"/>
        <package name="xxd" epoch="2" version="9.0.1882" release="1.amzn2023.0.1" arch="x86_64"/>
        <package name="vim-common" epoch="2" version="9.0.1882" release="1.amzn2023.0.1" arch="x86_64"/>
        <package name="vim-minimal" epoch="2" version="9.0.1882" release="1.amzn2023.0.1" arch="aarch64"/>
        <package name="vim-data" epoch="2" version="9.0.1882" release="1.amzn2023.0.1" arch="noarch"/>
      </collection>
    </pkglist>
  </update>
  <update type="bugfix" status="final">
    <id>ALAS2023-2023-999</id>
    <pkglist><collection short="amazon-linux-2023">
      <package name="bash" epoch="0" version="5.2.15" release="1.amzn2023.0.9" arch="x86_64"/>
    </collection></pkglist>
  </update>
</updates>
`

// al2Curl carries the values of a real Amazon Linux 2 advisory,
// ALAS2-2018-951 (curl), as quoted from the AL2 updateinfo.xml.gz in
// aquasecurity's vuln-list-update documentation (packages curl, libcurl,
// libcurl-devel and curl-debuginfo at 7.55.1-9.amzn2.0.1, epoch 0, in the
// "amazon-linux-2" collection). Its severity word is AL2's lower case.
const al2Curl = `<updates>
<update type="security">
  <id>ALAS2-2018-951</id>
  <title>ALAS2-2018-951: important priority package update for curl</title>
  <severity>important</severity>
  <pkglist>
    <collection short="amazon-linux-2"><name>Amazon Linux 2</name>
      <package name="curl" version="7.55.1" release="9.amzn2.0.1" epoch="0" arch="x86_64"><filename>Packages/curl-7.55.1-9.amzn2.0.1.x86_64.rpm</filename></package>
      <package name="libcurl" version="7.55.1" release="9.amzn2.0.1" epoch="0" arch="x86_64"/>
      <package name="libcurl-devel" version="7.55.1" release="9.amzn2.0.1" epoch="0" arch="x86_64"/>
      <package name="curl-debuginfo" version="7.55.1" release="9.amzn2.0.1" epoch="0" arch="x86_64"/>
    </collection>
  </pkglist>
</update>
</updates>`

func readString(t *testing.T, doc string) (feed.Stats, []feed.Entry) {
	t.Helper()
	var got []feed.Entry
	stats, err := Read(context.Background(), strings.NewReader(doc), func(e feed.Entry) error {
		got = append(got, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return stats, got
}

func TestAL2023Mapping(t *testing.T) {
	stats, got := readString(t, al2023Vim)
	if len(got) != 1 || stats.Records != 1 || stats.Skipped != 0 {
		t.Fatalf("got %d entries, stats %+v; want the security update only", len(got), stats)
	}
	e := got[0]
	v := e.Vuln
	if v.ID != "ALAS2023-2023-360" || v.Source != Source || v.Severity != advisory.SeverityHigh ||
		v.Summary != "Amazon Linux 2023 - ALAS2023-2023-360: Important priority package update for vim" {
		t.Errorf("record: %+v", v)
	}
	if !strings.HasPrefix(v.Details, "Package updates are available") || !strings.Contains(v.Details, "vim/vim prior to 9.0.1873.") {
		t.Errorf("details: %q", v.Details)
	}
	if want := time.Date(2023, 9, 27, 21, 5, 0, 0, time.UTC); !v.Published.Equal(want) {
		t.Errorf("published %v, want %v", v.Published, want)
	}
	if want := time.Date(2023, 10, 3, 20, 50, 0, 0, time.UTC); !v.Modified.Equal(want) {
		t.Errorf("modified %v, want %v", v.Modified, want)
	}
	if strings.Join(v.Aliases, ",") != "CVE-2023-4733,CVE-2023-4734,CVE-2023-4781" {
		t.Errorf("aliases %v", v.Aliases)
	}
	if len(v.References) != 3 || v.References[0] != "http://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2023-4733" {
		t.Errorf("references %v", v.References)
	}
	// Binary names, sorted, each once (x86_64 and aarch64 vim-minimal are
	// one statement); debuginfo and debugsource left out.
	var names []string
	for _, a := range e.Affected {
		names = append(names, a.Package)
		want := advisory.Affected{VulnID: "ALAS2023-2023-360", Namespace: "amzn:2023", Ecosystem: "Amazon Linux 2023",
			Package: a.Package, Status: advisory.StatusFixed, Fixed: "2:9.0.1882-1.amzn2023.0.1",
			Severity: advisory.SeverityHigh, Source: Source}
		if a.VulnID != want.VulnID || a.Namespace != want.Namespace || a.Ecosystem != want.Ecosystem ||
			a.Status != want.Status || a.Fixed != want.Fixed || a.Severity != want.Severity || a.Source != want.Source ||
			len(a.Ranges) != 0 || len(a.Versions) != 0 {
			t.Errorf("statement %+v, want %+v", a, want)
		}
	}
	if strings.Join(names, ",") != "vim-common,vim-data,vim-minimal,xxd" {
		t.Errorf("packages %v", names)
	}
}

func TestAL2Mapping(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(al2Curl))
	zw.Close()
	stats, got := readString(t, buf.String())
	if len(got) != 1 || stats.Statements != 3 {
		t.Fatalf("got %+v, stats %+v", got, stats)
	}
	e := got[0]
	if e.Vuln.ID != "ALAS2-2018-951" || e.Vuln.Severity != advisory.SeverityHigh || len(e.Vuln.Aliases) != 0 ||
		!e.Vuln.Published.IsZero() || !e.Vuln.Modified.IsZero() {
		t.Errorf("record %+v", e.Vuln)
	}
	for _, a := range e.Affected {
		// Epoch 0 is left out, as rpm prints an installed version.
		if a.Namespace != "amzn:2" || a.Fixed != "7.55.1-9.amzn2.0.1" || a.Ecosystem != "Amazon Linux 2" {
			t.Errorf("statement %+v", a)
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2023-09-27 21:05:00": time.Date(2023, 9, 27, 21, 5, 0, 0, time.UTC),
		"2018-02-21 18:03":    time.Date(2018, 2, 21, 18, 3, 0, 0, time.UTC),
		" 2024-01-02 ":        time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
		"yesterday":           {},
	} {
		if got := parseDate(in); !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRelease(t *testing.T) {
	for _, tt := range []struct {
		u    Update
		want string
	}{
		{Update{ID: "ALAS2023-2023-360"}, "2023"},
		{Update{ID: "ALAS2-2023-2255"}, "2"},
		{Update{ID: "ALAS2KERNEL-5.10-2023-039"}, "2"},
		{Update{ID: "ALAS2022-2022-001"}, "2022"},
		{Update{ID: "ALAS-2018-1000"}, ""},
		{Update{ID: "X", Collections: []struct {
			Short    string    `xml:"short,attr"`
			Name     string    `xml:"name"`
			Packages []Package `xml:"package"`
		}{{Short: "amazon-linux-2023"}}}, "2023"},
		{Update{ID: "X", Collections: []struct {
			Short    string    `xml:"short,attr"`
			Name     string    `xml:"name"`
			Packages []Package `xml:"package"`
		}{{Packages: []Package{{Release: "3.amzn2.0.1"}}}}}, "2"},
	} {
		if got := Release(&tt.u); got != tt.want {
			t.Errorf("Release(%s): got %q, want %q", tt.u.ID, got, tt.want)
		}
	}
}

func TestSkips(t *testing.T) {
	doc := `<updates>
<update type="security"><id>ALAS-2018-1000</id><pkglist><collection><package name="a" version="1" release="1.amzn1" arch="x86_64"/></collection></pkglist></update>
<update type="security"><id>ALAS2023-2024-001</id></update>
<update type="security"><pkglist/></update>
</updates>`
	stats, got := readString(t, doc)
	if len(got) != 0 || stats.Skipped != 3 || len(stats.SkipNotes) != 3 {
		t.Errorf("got %d entries, %+v", len(got), stats)
	}
	if !strings.Contains(stats.SkipNotes[0], "ALAS-2018-1000") || !strings.Contains(stats.SkipNotes[1], "no package") {
		t.Errorf("notes %q", stats.SkipNotes)
	}
}

func TestMalformed(t *testing.T) {
	dir := t.TempDir()
	for name, doc := range map[string]string{
		"broken.xml":    "<updates><update><id>ALAS2023-1</id>",
		"wrongroot.xml": "<repomd><data/></repomd>",
		"empty.xml":     "",
		"badgzip.gz":    "\x1f\x8b\x08\x00garbage",
		"mismatch.xml":  "<updates><update><id>x</pkglist></update></updates>",
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
}

func TestSinkError(t *testing.T) {
	stop := context.Canceled
	_, err := Read(context.Background(), strings.NewReader(al2023Vim), func(feed.Entry) error { return stop })
	if err != stop {
		t.Errorf("got %v, want the sink's error", err)
	}
}

// FuzzRead feeds arbitrary documents: Read must return an error or
// entries whose statements are well formed, never panic.
func FuzzRead(f *testing.F) {
	f.Add([]byte(al2023Vim))
	f.Add([]byte(al2Curl))
	f.Add([]byte("<updates><update type=\"security\"><id>ALAS2-1</id></update></updates>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Read(context.Background(), bytes.NewReader(data), func(e feed.Entry) error {
			if e.Vuln.ID == "" || e.Vuln.Source != Source || len(e.Affected) == 0 {
				t.Fatalf("bad entry %+v", e)
			}
			for _, a := range e.Affected {
				if a.Package == "" || a.Fixed == "" || a.Status != advisory.StatusFixed || !strings.HasPrefix(a.Namespace, "amzn:") {
					t.Fatalf("bad statement %+v", a)
				}
			}
			return nil
		})
	})
}
