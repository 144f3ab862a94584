package update

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/lading-dev/lading/advisory/build"
)

// Small synthetic documents in each feed's format (the parsers' own tests
// hold the real-record inputs).
const (
	testVEX = `{"document": {"category": "csaf_vex", "tracking": {"id": "CVE-2999-0001"}},
 "product_tree": {"branches": [{"category": "vendor", "name": "Red Hat", "branches": [
   {"category": "product_name", "name": "RHEL 9", "product": {"product_id": "BaseOS-9", "product_identification_helper": {"cpe": "cpe:/o:redhat:enterprise_linux:9::baseos"}}},
   {"category": "product_version", "name": "curl", "product": {"product_id": "curl-0:1-1.el9.src", "product_identification_helper": {"purl": "pkg:rpm/redhat/curl@1-1.el9?arch=src"}}}]}],
  "relationships": [{"category": "default_component_of", "full_product_name": {"product_id": "BaseOS-9:curl-0:1-1.el9.src"}, "product_reference": "curl-0:1-1.el9.src", "relates_to_product_reference": "BaseOS-9"}]},
 "vulnerabilities": [{"cve": "CVE-2999-0001", "product_status": {"fixed": ["BaseOS-9:curl-0:1-1.el9.src"]}}]}`
	testUpdateinfo = `<updates><update type="security"><id>ALAS2023-2999-001</id>
 <pkglist><collection short="amazon-linux-2023"><package name="curl-minimal" epoch="0" version="8.0.1" release="1.amzn2023.0.9" arch="x86_64"/></collection></pkglist></update></updates>`
	testOVAL = `<oval_definitions><definitions>
 <definition id="oval:com.microsoft.cbl-mariner:def:1" class="vulnerability"><metadata><title>CVE-2999-0002 affecting package curl</title></metadata>
  <criteria><criterion test_ref="oval:com.microsoft.cbl-mariner:tst:1"/></criteria></definition></definitions>
 <tests><rpminfo_test id="oval:com.microsoft.cbl-mariner:tst:1"><object object_ref="o"/><state state_ref="s"/></rpminfo_test></tests>
 <objects><rpminfo_object id="o"><name>curl</name></rpminfo_object></objects>
 <states><rpminfo_state id="s"><evr operation="less than">0:7.82.0-1.cm2</evr></rpminfo_state></states></oval_definitions>`
	testSUSE = `<oval_definitions><definitions>
 <definition id="oval:org.opensuse.security:def:1" class="vulnerability"><metadata><title>CVE-2999-0003</title></metadata>
  <criteria operator="AND"><criterion test_ref="p"/><criterion test_ref="k"/></criteria></definition></definitions>
 <tests><rpminfo_test id="p"><object object_ref="po"/><state state_ref="ps"/></rpminfo_test><rpminfo_test id="k"><object object_ref="ko"/><state state_ref="ks"/></rpminfo_test></tests>
 <objects><rpminfo_object id="po"><name>sles-release</name></rpminfo_object><rpminfo_object id="ko"><name>libz1</name></rpminfo_object></objects>
 <states><rpminfo_state id="ps"><version operation="equals">15.3</version></rpminfo_state><rpminfo_state id="ks"><evr operation="less than">0:1.2.11-3.24.1</evr></rpminfo_state></states></oval_definitions>`
	testRepomd = `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>1</revision>
 <data type="primary"><location href="repodata/aaaa-primary.xml.gz"/></data>
 <data type="updateinfo"><location href="repodata/bbbb-updateinfo.xml.gz"/></data></repomd>`
)

func notice(n int) string {
	return fmt.Sprintf(`{"id": "USN-%d-1", "release_packages": {"jammy": [{"name": "zlib", "version": "1:1.2.11.dfsg-2ubuntu9.%d", "is_source": true}]}}`, 9000+n, n)
}

func gzipped(t testing.TB, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func vexArchive(t testing.TB) []byte {
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "2999/cve-2999-0001.json", Mode: 0o644, Size: int64(len(testVEX)), Typeflag: tar.TypeReg})
	tw.Write([]byte(testVEX))
	tw.Close()
	var zb bytes.Buffer
	zw, err := zstd.NewWriter(&zb)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(tb.Bytes())
	zw.Close()
	return zb.Bytes()
}

// mirrorTree writes the distribution feeds in the mirror layout.
func mirrorTree(t *testing.T) string {
	root := t.TempDir()
	for rel, data := range map[string][]byte{
		"redhat/csaf/v2/vex/archive_latest.txt":                          []byte("csaf_vex_2999-01-02.tar.zst\n"),
		"redhat/csaf/v2/vex/csaf_vex_2999-01-02.tar.zst":                 vexArchive(t),
		"amazon/al2023/updateinfo.xml.gz":                                gzipped(t, testUpdateinfo),
		"suse/oval/suse.linux.enterprise.server.15.xml.gz":               gzipped(t, testSUSE),
		"microsoft/AzureLinuxVulnerabilityData/cbl-mariner-2.0-oval.xml": []byte(testOVAL),
		"ubuntu/security/notices.json":                                   []byte(`{"notices": [` + notice(1) + `,` + notice(2) + `]}`),
	} {
		p := filepath.Join(root, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

var distroFeeds = []string{"redhat", "amazon", "suse", "azurelinux", "ubuntu"}

func formats(rep *Report) map[build.Format]int {
	m := map[build.Format]int{}
	for _, f := range rep.Build.Files {
		m[f.Format] += f.Stats.Records
	}
	return m
}

func TestDistroFeedsFromMirror(t *testing.T) {
	root := mirrorTree(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "advisory.db")
	rep, err := UpdateReport(context.Background(), db, UpdateOptions{Mirror: srv.URL, CacheDir: t.TempDir(), Client: srv.Client(), Feeds: distroFeeds})
	if err != nil {
		t.Fatal(err)
	}
	got := formats(rep)
	want := map[build.Format]int{
		build.FormatRedHatVEXArchive: 1, build.FormatAmazonUpdateinfo: 1, build.FormatSUSEOVAL: 1,
		build.FormatAzureLinuxOVAL: 1, build.FormatUbuntuNotices: 2,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("records by format: got %v, want %v", got, want)
	}
	// Not on the mirror: AL2, SLES 12, Azure Linux 3.0 and Mariner 1.0.
	var absent []string
	for _, u := range rep.NotPublished {
		absent = append(absent, strings.TrimPrefix(u, srv.URL+"/"))
	}
	sort.Strings(absent)
	wantAbsent := []string{
		"amazon/al2/updateinfo.xml", "amazon/al2/updateinfo.xml.gz",
		"microsoft/AzureLinuxVulnerabilityData/azurelinux-3.0-oval.xml", "microsoft/AzureLinuxVulnerabilityData/cbl-mariner-1.0-oval.xml",
		"suse/oval/suse.linux.enterprise.server.12.xml.gz",
	}
	if strings.Join(absent, " ") != strings.Join(wantAbsent, " ") {
		t.Errorf("not published:\n got %v\nwant %v", absent, wantAbsent)
	}
	for _, si := range rep.Build.Metadata.Sources {
		if !strings.HasPrefix(si.Location, srv.URL+"/") {
			t.Errorf("source location %q", si.Location)
		}
	}
}

// upstreamFake answers the upstream URLs from memory and records them.
type upstreamFake struct {
	mu    sync.Mutex
	asked []string
	files map[string][]byte
	// status overrides the answer for a URL.
	status map[string]int
}

func (u *upstreamFake) RoundTrip(req *http.Request) (*http.Response, error) {
	u.mu.Lock()
	u.asked = append(u.asked, req.URL.String())
	u.mu.Unlock()
	code := http.StatusOK
	data, ok := u.files[req.URL.String()]
	if c, set := u.status[req.URL.String()]; set {
		code = c
	} else if !ok {
		code = http.StatusNotFound
	}
	if code != http.StatusOK {
		data = nil
	}
	return &http.Response{StatusCode: code, Status: fmt.Sprintf("%d", code), ContentLength: int64(len(data)),
		Body: io.NopCloser(bytes.NewReader(data)), Header: http.Header{}, Request: req}, nil
}

func upstreamFiles(t *testing.T) map[string][]byte {
	repo := "https://cdn.amazonlinux.com/al2023/core/guids/0123/x86_64/"
	page := func(off int) string {
		return fmt.Sprintf("%s?order=oldest&limit=%d&offset=%d", UbuntuNoticesURL, UbuntuNoticesPage, off)
	}
	return map[string][]byte{
		RedHatVEXBase + "archive_latest.txt":                    []byte("csaf_vex_2999-01-02.tar.zst"),
		RedHatVEXBase + "csaf_vex_2999-01-02.tar.zst":           vexArchive(t),
		AmazonRepos[0].MirrorList:                               []byte(repo + "\n"),
		repo + "repodata/repomd.xml":                            []byte(testRepomd),
		repo + "repodata/bbbb-updateinfo.xml.gz":                gzipped(t, testUpdateinfo),
		SUSEOVALBase + "suse.linux.enterprise.server.15.xml.gz": gzipped(t, testSUSE),
		AzureLinuxOVALBase + "cbl-mariner-2.0-oval.xml":         []byte(testOVAL),
		// Two pages: the API says 3 notices in all.
		page(0): []byte(`{"notices": [` + notice(1) + `,` + notice(2) + `], "offset": 0, "limit": 100, "total_results": 3}`),
		page(2): []byte(`{"notices": [` + notice(3) + `], "offset": 2, "limit": 100, "total_results": 3}`),
	}
}

func TestDistroFeedsUpstream(t *testing.T) {
	up := &upstreamFake{files: upstreamFiles(t)}
	db := filepath.Join(t.TempDir(), "advisory.db")
	cache := t.TempDir()
	rep, err := UpdateReport(context.Background(), db, UpdateOptions{Client: &http.Client{Transport: up}, CacheDir: cache, Feeds: distroFeeds})
	if err != nil {
		t.Fatal(err)
	}
	got := formats(rep)
	if got[build.FormatUbuntuNotices] != 3 || got[build.FormatAmazonUpdateinfo] != 1 || got[build.FormatRedHatVEXArchive] != 1 ||
		got[build.FormatSUSEOVAL] != 1 || got[build.FormatAzureLinuxOVAL] != 1 {
		t.Errorf("records by format: %v", got)
	}
	for _, want := range []string{
		"https://security.access.redhat.com/data/csaf/v2/vex/archive_latest.txt",
		"https://security.access.redhat.com/data/csaf/v2/vex/csaf_vex_2999-01-02.tar.zst",
		"https://cdn.amazonlinux.com/al2023/core/mirrors/latest/x86_64/mirror.list",
		"https://cdn.amazonlinux.com/al2023/core/guids/0123/x86_64/repodata/repomd.xml",
		"https://cdn.amazonlinux.com/al2023/core/guids/0123/x86_64/repodata/bbbb-updateinfo.xml.gz",
		"https://cdn.amazonlinux.com/2/core/latest/x86_64/mirror.list",
		"https://ftp.suse.com/pub/projects/security/oval/suse.linux.enterprise.server.15.xml.gz",
		"https://ftp.suse.com/pub/projects/security/oval/suse.linux.enterprise.server.12.xml.gz",
		"https://raw.githubusercontent.com/microsoft/AzureLinuxVulnerabilityData/main/azurelinux-3.0-oval.xml",
		"https://raw.githubusercontent.com/microsoft/AzureLinuxVulnerabilityData/main/cbl-mariner-2.0-oval.xml",
		"https://ubuntu.com/security/notices.json?order=oldest&limit=100&offset=0",
		"https://ubuntu.com/security/notices.json?order=oldest&limit=100&offset=2",
	} {
		found := false
		for _, a := range up.asked {
			found = found || a == want
		}
		if !found {
			t.Errorf("no request for %s", want)
		}
	}
	for _, si := range rep.Build.Metadata.Sources {
		if si.Name == "ubuntu-notices" && si.Location != UbuntuNoticesURL {
			t.Errorf("ubuntu source location %q", si.Location)
		}
	}
	emptyDir(t, cache)
}

// Failures keep the old database: a bad archive name, a repomd without
// updateinfo, a failing second notices page, a file that does not parse.
func TestDistroFeedFailures(t *testing.T) {
	for name, change := range map[string]func(m map[string][]byte, st map[string]int){
		"archive name": func(m map[string][]byte, _ map[string]int) {
			m[RedHatVEXBase+"archive_latest.txt"] = []byte("../../etc/passwd")
		},
		"repomd": func(m map[string][]byte, _ map[string]int) {
			m["https://cdn.amazonlinux.com/al2023/core/guids/0123/x86_64/repodata/repomd.xml"] = []byte(`<repomd><data type="primary"/></repomd>`)
		},
		"mirror.list": func(m map[string][]byte, _ map[string]int) {
			m[AmazonRepos[0].MirrorList] = []byte("ftp://example.org/x\n")
		},
		"notices page": func(_ map[string][]byte, st map[string]int) {
			st[fmt.Sprintf("%s?order=oldest&limit=%d&offset=2", UbuntuNoticesURL, UbuntuNoticesPage)] = 500
		},
		"missing page": func(m map[string][]byte, _ map[string]int) {
			delete(m, fmt.Sprintf("%s?order=oldest&limit=%d&offset=2", UbuntuNoticesURL, UbuntuNoticesPage))
		},
		"bad oval": func(m map[string][]byte, _ map[string]int) {
			m[AzureLinuxOVALBase+"cbl-mariner-2.0-oval.xml"] = []byte(testOVAL[:100])
		},
	} {
		t.Run(name, func(t *testing.T) {
			up := &upstreamFake{files: upstreamFiles(t), status: map[string]int{}}
			change(up.files, up.status)
			db := filepath.Join(t.TempDir(), "advisory.db")
			if err := os.WriteFile(db, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := UpdateReport(context.Background(), db, UpdateOptions{Client: &http.Client{Transport: up}, CacheDir: t.TempDir(), Feeds: distroFeeds})
			if err == nil {
				t.Fatal("update succeeded")
			}
			if data, _ := os.ReadFile(db); string(data) != "old" {
				t.Errorf("database replaced after %v", err)
			}
		})
	}
}

// A notices API that is not published (first page 404) leaves the feed
// out, like any absent file.
func TestUbuntuNotPublished(t *testing.T) {
	files := upstreamFiles(t)
	delete(files, fmt.Sprintf("%s?order=oldest&limit=%d&offset=0", UbuntuNoticesURL, UbuntuNoticesPage))
	up := &upstreamFake{files: files}
	rep, err := UpdateReport(context.Background(), filepath.Join(t.TempDir(), "a.db"), UpdateOptions{Client: &http.Client{Transport: up}, CacheDir: t.TempDir(), Feeds: []string{"ubuntu", "suse"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := formats(rep)[build.FormatUbuntuNotices]; ok {
		t.Errorf("ubuntu read: %v", formats(rep))
	}
	found := false
	for _, u := range rep.NotPublished {
		found = found || strings.Contains(u, "notices.json?order=oldest")
	}
	if !found {
		t.Errorf("not published %v", rep.NotPublished)
	}
}

func TestUpdateinfoHref(t *testing.T) {
	if h, err := updateinfoHref([]byte(testRepomd)); err != nil || h != "repodata/bbbb-updateinfo.xml.gz" {
		t.Errorf("got %q, %v", h, err)
	}
	for _, bad := range []string{
		`<repomd><data type="updateinfo"><location href="https://evil.example/x.gz"/></data></repomd>`,
		`<repomd><data type="updateinfo"><location href="../../x.gz"/></data></repomd>`,
		`<repomd><data type="updateinfo"><location href="/abs.gz"/></data></repomd>`,
		`<repomd>`,
	} {
		if h, err := updateinfoHref([]byte(bad)); err == nil {
			t.Errorf("%s: accepted %q", bad, h)
		}
	}
}
