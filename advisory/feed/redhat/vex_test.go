package redhat

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// curlVEX carries values of Red Hat's real VEX file for CVE-2023-38545
// (https://security.access.redhat.com/data/csaf/v2/vex/2023/cve-2023-38545.json),
// as quay/claircore keeps it (rhel/vex/testdata/cve-2023-38545.json at
// commit 2b9fdc0b7b933f97694d81f47bf367578f2ce7bf): document header and
// tracking dates, the RHEL 8, RHEL 9 (BaseOS/AppStream 9.3 z-stream, 9.2
// EUS under the main CPE, 9.0 EUS) and Satellite 6.14 products with their
// CPEs, unfixed components (curl, curl.src, libcurl, libcurl-minimal) and
// fixed builds (curl 7.76.1-26.el9_3.2, 7.76.1-23.el9_2.4,
// 7.76.1-14.el9_0.9), the vendor_fix remediations (RHSA-2023:6745 of
// 2023-11-07, RHSA-2023:5763), the workaround text and the "Important"
// impact. The excerpt read did not show which status lists the RHEL 8
// components; known_not_affected is used here (RHEL 8 ships curl 7.61).
const curlVEX = `{
  "document": {
    "aggregate_severity": {"namespace": "https://access.redhat.com/security/updates/classification/", "text": "Important"},
    "category": "csaf_vex",
    "csaf_version": "2.0",
    "references": [{"category": "self", "summary": "Canonical URL", "url": "https://security.access.redhat.com/data/csaf/v2/vex/2023/cve-2023-38545.json"}],
    "title": "curl: heap based buffer overflow in the SOCKS5 proxy handshake",
    "tracking": {
      "current_release_date": "2025-11-21T14:31:32+00:00",
      "id": "CVE-2023-38545",
      "initial_release_date": "2023-10-11T00:00:00+00:00",
      "status": "final",
      "version": "3"
    }
  },
  "product_tree": {
    "branches": [{
      "category": "vendor", "name": "Red Hat",
      "branches": [
        {"category": "product_family", "name": "Red Hat Enterprise Linux 8", "branches": [
          {"category": "product_name", "name": "Red Hat Enterprise Linux 8", "product": {"name": "Red Hat Enterprise Linux 8", "product_id": "red_hat_enterprise_linux_8", "product_identification_helper": {"cpe": "cpe:/o:redhat:enterprise_linux:8"}}}
        ]},
        {"category": "product_family", "name": "Red Hat Satellite 6", "branches": [
          {"category": "product_name", "name": "Red Hat Satellite 6.14 for RHEL 8", "product": {"name": "Red Hat Satellite 6.14 for RHEL 8", "product_id": "8Base-satellite-6.14", "product_identification_helper": {"cpe": "cpe:/a:redhat:satellite:6.14::el8"}}}
        ]},
        {"category": "product_family", "name": "Red Hat Enterprise Linux", "branches": [
          {"category": "product_name", "name": "Red Hat Enterprise Linux AppStream (v. 9)", "product": {"name": "Red Hat Enterprise Linux AppStream (v. 9)", "product_id": "AppStream-9.3.0.Z.MAIN", "product_identification_helper": {"cpe": "cpe:/a:redhat:enterprise_linux:9::appstream"}}},
          {"category": "product_name", "name": "Red Hat Enterprise Linux BaseOS (v. 9)", "product": {"name": "Red Hat Enterprise Linux BaseOS (v. 9)", "product_id": "BaseOS-9.3.0.Z.MAIN", "product_identification_helper": {"cpe": "cpe:/o:redhat:enterprise_linux:9::baseos"}}},
          {"category": "product_name", "name": "Red Hat Enterprise Linux BaseOS (v. 9)", "product": {"name": "Red Hat Enterprise Linux BaseOS (v. 9)", "product_id": "BaseOS-9.2.0.Z.MAIN.EUS", "product_identification_helper": {"cpe": "cpe:/o:redhat:enterprise_linux:9::baseos"}}},
          {"category": "product_name", "name": "Red Hat Enterprise Linux BaseOS EUS (v.9.0)", "product": {"name": "Red Hat Enterprise Linux BaseOS EUS (v.9.0)", "product_id": "BaseOS-9.0.0.Z.EUS", "product_identification_helper": {"cpe": "cpe:/o:redhat:rhel_eus:9.0::baseos"}}}
        ]},
        {"category": "product_version", "name": "libcurl", "product": {"name": "libcurl", "product_id": "libcurl", "product_identification_helper": {"purl": "pkg:rpm/redhat/libcurl"}}},
        {"category": "product_version", "name": "curl.src", "product": {"name": "curl.src", "product_id": "curl.src", "product_identification_helper": {"purl": "pkg:rpm/redhat/curl?arch=src"}}},
        {"category": "product_version", "name": "curl", "product": {"name": "curl", "product_id": "curl", "product_identification_helper": {"purl": "pkg:rpm/redhat/curl"}}},
        {"category": "product_version", "name": "libcurl-minimal", "product": {"name": "libcurl-minimal", "product_id": "libcurl-minimal", "product_identification_helper": {"purl": "pkg:rpm/redhat/libcurl-minimal"}}},
        {"category": "architecture", "name": "src", "branches": [
          {"category": "product_version", "name": "curl-0:7.76.1-26.el9_3.2.src", "product": {"name": "curl-0:7.76.1-26.el9_3.2.src", "product_id": "curl-0:7.76.1-26.el9_3.2.src", "product_identification_helper": {"purl": "pkg:rpm/redhat/curl@7.76.1-26.el9_3.2?arch=src"}}},
          {"category": "product_version", "name": "curl-0:7.76.1-23.el9_2.4.src", "product": {"name": "curl-0:7.76.1-23.el9_2.4.src", "product_id": "curl-0:7.76.1-23.el9_2.4.src", "product_identification_helper": {"purl": "pkg:rpm/redhat/curl@7.76.1-23.el9_2.4?arch=src"}}},
          {"category": "product_version", "name": "curl-0:7.76.1-14.el9_0.9.src", "product": {"name": "curl-0:7.76.1-14.el9_0.9.src", "product_id": "curl-0:7.76.1-14.el9_0.9.src", "product_identification_helper": {"purl": "pkg:rpm/redhat/curl@7.76.1-14.el9_0.9?arch=src"}}}
        ]},
        {"category": "architecture", "name": "x86_64", "branches": [
          {"category": "product_version", "name": "curl-minimal-0:7.76.1-26.el9_3.2.x86_64", "product": {"name": "curl-minimal-0:7.76.1-26.el9_3.2.x86_64", "product_id": "curl-minimal-0:7.76.1-26.el9_3.2.x86_64", "product_identification_helper": {"purl": "pkg:rpm/redhat/curl-minimal@7.76.1-26.el9_3.2?arch=x86_64"}}},
          {"category": "product_version", "name": "libcurl-0:7.76.1-26.el9_3.2.x86_64", "product": {"name": "libcurl-0:7.76.1-26.el9_3.2.x86_64", "product_id": "libcurl-0:7.76.1-26.el9_3.2.x86_64", "product_identification_helper": {"purl": "pkg:rpm/redhat/libcurl@7.76.1-26.el9_3.2?arch=x86_64"}}}
        ]}
      ]
    }],
    "relationships": [
      {"category": "default_component_of", "full_product_name": {"name": "curl-0:7.76.1-26.el9_3.2.src as a component of Red Hat Enterprise Linux BaseOS (v. 9)", "product_id": "BaseOS-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.src"}, "product_reference": "curl-0:7.76.1-26.el9_3.2.src", "relates_to_product_reference": "BaseOS-9.3.0.Z.MAIN"},
      {"category": "default_component_of", "full_product_name": {"name": "curl-minimal-0:7.76.1-26.el9_3.2.x86_64 as a component of Red Hat Enterprise Linux BaseOS (v. 9)", "product_id": "BaseOS-9.3.0.Z.MAIN:curl-minimal-0:7.76.1-26.el9_3.2.x86_64"}, "product_reference": "curl-minimal-0:7.76.1-26.el9_3.2.x86_64", "relates_to_product_reference": "BaseOS-9.3.0.Z.MAIN"},
      {"category": "default_component_of", "full_product_name": {"name": "libcurl-0:7.76.1-26.el9_3.2.x86_64 as a component of Red Hat Enterprise Linux BaseOS (v. 9)", "product_id": "BaseOS-9.3.0.Z.MAIN:libcurl-0:7.76.1-26.el9_3.2.x86_64"}, "product_reference": "libcurl-0:7.76.1-26.el9_3.2.x86_64", "relates_to_product_reference": "BaseOS-9.3.0.Z.MAIN"},
      {"category": "default_component_of", "full_product_name": {"name": "curl-0:7.76.1-26.el9_3.2.src as a component of Red Hat Enterprise Linux AppStream (v. 9)", "product_id": "AppStream-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.src"}, "product_reference": "curl-0:7.76.1-26.el9_3.2.src", "relates_to_product_reference": "AppStream-9.3.0.Z.MAIN"},
      {"category": "default_component_of", "full_product_name": {"name": "curl-0:7.76.1-23.el9_2.4.src as a component of Red Hat Enterprise Linux BaseOS (v. 9)", "product_id": "BaseOS-9.2.0.Z.MAIN.EUS:curl-0:7.76.1-23.el9_2.4.src"}, "product_reference": "curl-0:7.76.1-23.el9_2.4.src", "relates_to_product_reference": "BaseOS-9.2.0.Z.MAIN.EUS"},
      {"category": "default_component_of", "full_product_name": {"name": "curl-0:7.76.1-14.el9_0.9.src as a component of Red Hat Enterprise Linux BaseOS EUS (v.9.0)", "product_id": "BaseOS-9.0.0.Z.EUS:curl-0:7.76.1-14.el9_0.9.src"}, "product_reference": "curl-0:7.76.1-14.el9_0.9.src", "relates_to_product_reference": "BaseOS-9.0.0.Z.EUS"},
      {"category": "default_component_of", "full_product_name": {"name": "curl as a component of Red Hat Enterprise Linux 8", "product_id": "red_hat_enterprise_linux_8:curl"}, "product_reference": "curl", "relates_to_product_reference": "red_hat_enterprise_linux_8"},
      {"category": "default_component_of", "full_product_name": {"name": "curl.src as a component of Red Hat Enterprise Linux 8", "product_id": "red_hat_enterprise_linux_8:curl.src"}, "product_reference": "curl.src", "relates_to_product_reference": "red_hat_enterprise_linux_8"},
      {"category": "default_component_of", "full_product_name": {"name": "libcurl as a component of Red Hat Enterprise Linux 8", "product_id": "red_hat_enterprise_linux_8:libcurl"}, "product_reference": "libcurl", "relates_to_product_reference": "red_hat_enterprise_linux_8"},
      {"category": "default_component_of", "full_product_name": {"name": "libcurl-minimal as a component of Red Hat Enterprise Linux 8", "product_id": "red_hat_enterprise_linux_8:libcurl-minimal"}, "product_reference": "libcurl-minimal", "relates_to_product_reference": "red_hat_enterprise_linux_8"}
    ]
  },
  "vulnerabilities": [{
    "acknowledgments": [{"names": ["Jay Satiro"]}],
    "cve": "CVE-2023-38545",
    "cwe": {"id": "CWE-119", "name": "Improper Restriction of Operations within the Bounds of a Memory Buffer"},
    "discovery_date": "2023-10-03T00:00:00+00:00",
    "product_status": {
      "fixed": [
        "AppStream-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.src",
        "BaseOS-9.0.0.Z.EUS:curl-0:7.76.1-14.el9_0.9.src",
        "BaseOS-9.2.0.Z.MAIN.EUS:curl-0:7.76.1-23.el9_2.4.src",
        "BaseOS-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.src",
        "BaseOS-9.3.0.Z.MAIN:curl-minimal-0:7.76.1-26.el9_3.2.x86_64",
        "BaseOS-9.3.0.Z.MAIN:libcurl-0:7.76.1-26.el9_3.2.x86_64"
      ],
      "known_not_affected": [
        "red_hat_enterprise_linux_8:curl",
        "red_hat_enterprise_linux_8:curl.src",
        "red_hat_enterprise_linux_8:libcurl",
        "red_hat_enterprise_linux_8:libcurl-minimal"
      ]
    },
    "references": [{"category": "self", "summary": "Canonical URL", "url": "https://access.redhat.com/security/cve/CVE-2023-38545"}],
    "remediations": [
      {"category": "vendor_fix", "details": "For details on how to apply this update, which includes the changes described in this advisory, refer to:\n\nhttps://access.redhat.com/articles/11258",
       "product_ids": ["BaseOS-9.2.0.Z.MAIN.EUS:curl-0:7.76.1-23.el9_2.4.src"], "url": "https://access.redhat.com/errata/RHSA-2023:5763"},
      {"category": "vendor_fix", "date": "2023-11-07T10:27:03+00:00", "details": "For details on how to apply this update, which includes the changes described in this advisory, refer to:\n\nhttps://access.redhat.com/articles/11258",
       "product_ids": ["AppStream-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.src", "BaseOS-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.src", "BaseOS-9.3.0.Z.MAIN:curl-minimal-0:7.76.1-26.el9_3.2.x86_64", "BaseOS-9.3.0.Z.MAIN:libcurl-0:7.76.1-26.el9_3.2.x86_64"],
       "url": "https://access.redhat.com/errata/RHSA-2023:6745"},
      {"category": "workaround", "details": "To avoid this issue, we recommend you do not use ` + "`CURLPROXY_SOCKS5_HOSTNAME`" + ` proxies with curl. Also do not set a proxy environment variable to socks5h://",
       "product_ids": ["BaseOS-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.src"]}
    ],
    "threats": [{"category": "impact", "details": "Important", "product_ids": [
      "BaseOS-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.src", "red_hat_enterprise_linux_8:curl"
    ]}],
    "title": "curl: heap based buffer overflow in the SOCKS5 proxy handshake"
  }]
}`

// kernelVEX carries the values Red Hat's CSAF-VEX guide quotes from the
// VEX file for CVE-2023-20593 (RedHatProductSecurity/security-data-guidelines,
// docs/csaf-vex.md): aggregate severity "moderate", tracking dates, the
// RHEL 6 product and its unfixed kernel component (known_not_affected),
// the fixed kernel-0:3.10.0-693.112.1.el7.src of "Red Hat Enterprise Linux
// Server AUS (v. 7.4)" (product 7Server-7.4.AUS), the description and
// summary notes, the CVSS 3.1 vector and a "Moderate" impact with no
// product ids. The AUS product's CPE is not quoted by the guide; Red Hat's
// rhel_aus form is used. The RHEL 7 component and its no_fix_planned
// remediation ("Will not fix", a detail the guide lists) are added here to
// test that mapping.
const kernelVEX = `{
  "document": {
    "aggregate_severity": {"namespace": "https://access.redhat.com/security/updates/classification/", "text": "moderate"},
    "category": "csaf_vex",
    "csaf_version": "2.0",
    "title": "hw: amd: Cross-Process Information Leak",
    "tracking": {"id": "CVE-2023-20593", "initial_release_date": "2023-07-25T06:30:00+00:00", "current_release_date": "2024-09-13T20:58:30+00:00", "status": "final", "version": "3"}
  },
  "product_tree": {
    "branches": [{"category": "vendor", "name": "Red Hat", "branches": [
      {"category": "product_family", "name": "Red Hat Enterprise Linux 6", "branches": [
        {"category": "product_name", "name": "Red Hat Enterprise Linux 6", "product": {"name": "Red Hat Enterprise Linux 6", "product_id": "red_hat_enterprise_linux_6", "product_identification_helper": {"cpe": "cpe:/o:redhat:enterprise_linux:6"}}}
      ]},
      {"category": "product_family", "name": "Red Hat Enterprise Linux 7", "branches": [
        {"category": "product_name", "name": "Red Hat Enterprise Linux 7", "product": {"name": "Red Hat Enterprise Linux 7", "product_id": "red_hat_enterprise_linux_7", "product_identification_helper": {"cpe": "cpe:/o:redhat:enterprise_linux:7"}}},
        {"category": "product_name", "name": "Red Hat Enterprise Linux Server AUS (v. 7.4)", "product": {"name": "Red Hat Enterprise Linux Server AUS (v. 7.4)", "product_id": "7Server-7.4.AUS", "product_identification_helper": {"cpe": "cpe:/o:redhat:rhel_aus:7.4::server"}}}
      ]},
      {"category": "product_version", "name": "kernel", "product": {"name": "kernel", "product_id": "kernel", "product_identification_helper": {"purl": "pkg:rpm/redhat/kernel?arch=src"}}},
      {"category": "architecture", "name": "src", "branches": [
        {"category": "product_version", "name": "kernel-0:3.10.0-693.112.1.el7.src", "product": {"name": "kernel-0:3.10.0-693.112.1.el7.src", "product_id": "kernel-0:3.10.0-693.112.1.el7.src", "product_identification_helper": {"purl": "pkg:rpm/redhat/kernel@3.10.0-693.112.1.el7?arch=src"}}}
      ]}
    ]}],
    "relationships": [
      {"category": "default_component_of", "full_product_name": {"name": "kernel as a component of Red Hat Enterprise Linux 6", "product_id": "red_hat_enterprise_linux_6:kernel"}, "product_reference": "kernel", "relates_to_product_reference": "red_hat_enterprise_linux_6"},
      {"category": "default_component_of", "full_product_name": {"name": "kernel as a component of Red Hat Enterprise Linux 7", "product_id": "red_hat_enterprise_linux_7:kernel"}, "product_reference": "kernel", "relates_to_product_reference": "red_hat_enterprise_linux_7"},
      {"category": "default_component_of", "full_product_name": {"name": "kernel-0:3.10.0-693.112.1.el7.src as a component of Red Hat Enterprise Linux Server AUS (v. 7.4)", "product_id": "7Server-7.4.AUS:kernel-0:3.10.0-693.112.1.el7.src"}, "product_reference": "kernel-0:3.10.0-693.112.1.el7.src", "relates_to_product_reference": "7Server-7.4.AUS"}
    ]
  },
  "vulnerabilities": [{
    "cve": "CVE-2023-20593",
    "cwe": {"id": "CWE-1239", "name": "Improper Zeroization of Hardware Register"},
    "discovery_date": "2023-05-31T00:00:00+00:00",
    "notes": [
      {"category": "description", "text": "A flaw was found in hw, in “Zen 2” CPUs. This issue may allow an attacker to access sensitive information under specific microarchitectural circumstances.", "title": "Vulnerability description"},
      {"category": "summary", "text": "hw: amd: Cross-Process Information Leak", "title": "Vulnerability summary"}
    ],
    "product_status": {
      "fixed": ["7Server-7.4.AUS:kernel-0:3.10.0-693.112.1.el7.src"],
      "known_affected": ["red_hat_enterprise_linux_7:kernel"],
      "known_not_affected": ["red_hat_enterprise_linux_6:kernel"]
    },
    "references": [
      {"category": "self", "summary": "Canonical URL", "url": "https://access.redhat.com/security/cve/CVE-2023-20593"},
      {"category": "external", "summary": "RHBZ#2217845", "url": "https://bugzilla.redhat.com/show_bug.cgi?id=2217845"}
    ],
    "release_date": "2023-07-24T00:00:00+00:00",
    "remediations": [
      {"category": "vendor_fix", "details": "For details on how to apply this update, which includes the changes described in this advisory, refer to:\n\nhttps://access.redhat.com/articles/11258\n\nThe system must be rebooted for this update to take effect.", "product_ids": ["7Server-7.4.AUS:kernel-0:3.10.0-693.112.1.el7.src"]},
      {"category": "no_fix_planned", "details": "Will not fix", "product_ids": ["red_hat_enterprise_linux_7:kernel"]}
    ],
    "scores": [{"cvss_v3": {"attackComplexity": "LOW", "attackVector": "LOCAL", "baseScore": 6.5, "baseSeverity": "MEDIUM", "vectorString": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:N/A:N", "version": "3.1"}, "products": []}],
    "threats": [{"category": "impact", "details": "Moderate", "product_ids": []}],
    "title": "hw: amd: Cross-Process Information Leak"
  }]
}`

func convertString(t *testing.T, doc string) (feed.Stats, []feed.Entry) {
	t.Helper()
	var got []feed.Entry
	var stats feed.Stats
	err := readDocument(context.Background(), strings.NewReader(doc), &stats, func(e feed.Entry) error {
		got = append(got, e)
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
		s := a.Namespace + " " + a.Package + " " + string(a.Status)
		if a.Fixed != "" {
			s += " " + a.Fixed
		}
		out = append(out, s+" "+a.Severity)
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

func TestCurlMapping(t *testing.T) {
	stats, got := convertString(t, curlVEX)
	if len(got) != 1 || stats.Skipped != 0 {
		t.Fatalf("got %d entries, %+v", len(got), stats)
	}
	e := got[0]
	v := e.Vuln
	if v.ID != "CVE-2023-38545" || v.Source != Source || v.Severity != advisory.SeverityHigh ||
		v.Summary != "curl: heap based buffer overflow in the SOCKS5 proxy handshake" || v.Details != "" ||
		!v.Published.Equal(time.Date(2023, 10, 11, 0, 0, 0, 0, time.UTC)) ||
		!v.Modified.Equal(time.Date(2025, 11, 21, 14, 31, 32, 0, time.UTC)) {
		t.Errorf("record %+v", v)
	}
	if strings.Join(v.References, " ") != "https://security.access.redhat.com/data/csaf/v2/vex/2023/cve-2023-38545.json https://access.redhat.com/security/cve/CVE-2023-38545" {
		t.Errorf("references %v", v.References)
	}
	if strings.Join(e.Related, ",") != "RHSA-2023:5763,RHSA-2023:6745" || len(e.Scores) != 0 {
		t.Errorf("related %v scores %v", e.Related, e.Scores)
	}
	// rhel:9: the source rpm, at the highest fix of the main-CPE builds
	// (9.3 z-stream over 9.2 EUS); its binaries are not stated apart. The
	// 9.0 EUS build (rhel_eus CPE) and Satellite are not RHEL main streams.
	// rhel:8: not affected, curl.src and curl folded into one statement.
	want := "rhel:8 curl not_affected HIGH; rhel:8 libcurl not_affected HIGH; rhel:8 libcurl-minimal not_affected HIGH; " +
		"rhel:9 curl fixed 7.76.1-26.el9_3.2 HIGH"
	if g := briefs(e); g != want {
		t.Errorf("statements:\n got %s\nwant %s", g, want)
	}
	for _, a := range e.Affected {
		if a.VulnID != "CVE-2023-38545" || a.Source != Source || len(a.Ranges) != 0 ||
			(a.Namespace == "rhel:9" && a.Ecosystem != "Red Hat Enterprise Linux 9") {
			t.Errorf("statement %+v", a)
		}
	}
}

func TestKernelMapping(t *testing.T) {
	_, got := convertString(t, kernelVEX)
	if len(got) != 1 {
		t.Fatalf("got %d entries", len(got))
	}
	e := got[0]
	v := e.Vuln
	if v.ID != "CVE-2023-20593" || v.Severity != advisory.SeverityMedium || v.Summary != "hw: amd: Cross-Process Information Leak" ||
		!strings.HasPrefix(v.Details, "A flaw was found in hw, in “Zen 2” CPUs.") ||
		!v.Published.Equal(time.Date(2023, 7, 24, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("record %+v", v)
	}
	if len(e.Scores) != 1 || e.Scores[0] != (advisory.Score{Type: "CVSS_V3", Score: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:N/A:N"}) {
		t.Errorf("scores %v", e.Scores)
	}
	// The AUS fix is not a main stream; no_fix_planned → will_not_fix;
	// the document-level "Moderate" threat rates every statement.
	if g := briefs(e); g != "rhel:6 kernel not_affected MEDIUM; rhel:7 kernel will_not_fix MEDIUM" {
		t.Errorf("statements %s", g)
	}
	if len(e.Related) != 0 {
		t.Errorf("related %v (the vendor_fix has no URL)", e.Related)
	}
}

func TestRemediationStatuses(t *testing.T) {
	for details, want := range map[string]advisory.Status{"Deferred": advisory.StatusPostponed, "Affected": advisory.StatusAffected} {
		doc := strings.Replace(kernelVEX, `"category": "no_fix_planned", "details": "Will not fix"`, `"category": "none_available", "details": "`+details+`"`, 1)
		_, got := convertString(t, doc)
		for _, a := range got[0].Affected {
			if a.Namespace == "rhel:7" && a.Status != want {
				t.Errorf("none_available %q: got %s, want %s", details, a.Status, want)
			}
		}
	}
	doc := strings.Replace(kernelVEX, `"known_affected"`, `"under_investigation"`, 1)
	_, got := convertString(t, doc)
	if g := briefs(got[0]); !strings.Contains(g, "rhel:7 kernel undetermined") {
		t.Errorf("under_investigation: %s", g)
	}
}

// A module-stream build (a nodejs fix whose release names the module) is
// not stated: the statement would hold for every stream.
func TestModuleBuildsNotRead(t *testing.T) {
	doc := strings.NewReplacer(
		"pkg:rpm/redhat/curl@7.76.1-26.el9_3.2?arch=src", "pkg:rpm/redhat/curl@7.76.1-26.module+el9.3.0+1+abc?arch=src",
	).Replace(curlVEX)
	_, got := convertString(t, doc)
	if g := briefs(got[0]); strings.Contains(g, "rhel:9 curl fixed 7.76.1-26") {
		t.Errorf("module build stated: %s", g)
	}
	if g := briefs(got[0]); !strings.Contains(g, "rhel:9 curl fixed 7.76.1-23.el9_2.4") {
		t.Errorf("the non-module build should remain: %s", g)
	}
}

func TestNamespace(t *testing.T) {
	for cpe, want := range map[string]string{
		"cpe:/o:redhat:enterprise_linux:8::baseos":    "rhel:8",
		"cpe:/a:redhat:enterprise_linux:9::appstream": "rhel:9",
		"cpe:/o:redhat:enterprise_linux:7":            "rhel:7",
		"cpe:/a:redhat:enterprise_linux:8::crb":       "rhel:8",
		"cpe:/o:redhat:rhel_eus:9.0::baseos":          "",
		"cpe:/a:redhat:satellite:6.14::el8":           "",
		"cpe:/a:redhat:enterprise_linux:x::appstream": "",
		"cpe:2.3:o:redhat:enterprise_linux:8":         "",
		"":                                            "",
	} {
		if got := Namespace(cpe); got != want {
			t.Errorf("Namespace(%q) = %q, want %q", cpe, got, want)
		}
	}
}

func TestParsePURL(t *testing.T) {
	for in, want := range map[string]component{
		"pkg:rpm/redhat/openssl@1.1.1k-7.el8_6?arch=src&epoch=1":                         {"openssl", "1:1.1.1k-7.el8_6", "src", false},
		"pkg:rpm/redhat/curl@7.76.1-26.el9_3.2?arch=src":                                 {"curl", "7.76.1-26.el9_3.2", "src", false},
		"pkg:rpm/redhat/kernel?arch=src":                                                 {"kernel", "", "src", false},
		"pkg:rpm/redhat/libcurl":                                                         {"libcurl", "", "", false},
		"pkg:rpm/redhat/gcc-c%2B%2B@8.5.0-4.el8?arch=x86_64&epoch=0":                     {"gcc-c++", "8.5.0-4.el8", "x86_64", false},
		"pkg:rpm/redhat/nodejs?rpmmod=nodejs:18":                                         {"nodejs", "", "", true},
		"pkg:rpm/redhat/nodejs@22.23.2-2.module+el9.8.0+24958+80b2ac6e?arch=src&epoch=1": {"nodejs", "1:22.23.2-2.module+el9.8.0+24958+80b2ac6e", "src", true},
	} {
		got, ok := parsePURL(in)
		if !ok || got != want {
			t.Errorf("parsePURL(%q) = %+v %v, want %+v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"pkg:oci/ubi8", "pkg:rpm/redhat/", "pkg:rpm/redhat/x@", "not a purl"} {
		if _, ok := parsePURL(bad); ok {
			t.Errorf("parsePURL(%q) accepted", bad)
		}
	}
}

// tarZst packs members into a zstd-compressed tar.
func tarZst(t testing.TB, members map[string]string) []byte {
	t.Helper()
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	names := make([]string, 0, len(members))
	for n := range members {
		names = append(names, n)
	}
	sort.Strings(names)
	tw.WriteHeader(&tar.Header{Name: "2023/", Typeflag: tar.TypeDir, Mode: 0o755})
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(members[n])), Typeflag: tar.TypeReg})
		tw.Write([]byte(members[n]))
	}
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

func TestArchive(t *testing.T) {
	p := filepath.Join(t.TempDir(), "csaf_vex_2025-11-22.tar.zst")
	data := tarZst(t, map[string]string{
		"2023/cve-2023-38545.json": curlVEX,
		"2023/cve-2023-20593.json": kernelVEX,
		"index.txt":                "2023/cve-2023-38545.json\n",
	})
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var ids []string
	stats, err := ReadFile(context.Background(), p, func(e feed.Entry) error {
		ids = append(ids, e.Vuln.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids, ",") != "CVE-2023-20593,CVE-2023-38545" || stats.Records != 2 || stats.Skipped != 1 {
		t.Errorf("ids %v, stats %+v", ids, stats)
	}
}

func TestMalformed(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"bad.json":      []byte(`{"document": {"category": "csaf_vex"`),
		"advisory.json": []byte(`{"document": {"category": "csaf_security_advisory"}}`),
		"bad.tar.zst":   tarZst(t, map[string]string{"2023/cve-2023-1.json": "{"}),
		"empty.tar.zst": tarZst(t, nil),
		"junk.tar.zst":  append(append([]byte{}, zstdMagic...), "junk"...),
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadFile(context.Background(), p, func(feed.Entry) error { return nil })
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: got %v, want an error naming the file", name, err)
		}
		if name == "bad.tar.zst" && !strings.Contains(err.Error(), "2023/cve-2023-1.json") {
			t.Errorf("%s: %v does not name the member", name, err)
		}
	}
}

func TestIsVEXHeader(t *testing.T) {
	if !IsVEXHeader([]byte(`{"category":"csaf_vex","title":"x"}`)) || IsVEXHeader([]byte(`{"category":"csaf_base"}`)) || IsVEXHeader([]byte(`[`)) {
		t.Error("IsVEXHeader")
	}
}

// FuzzDocument: never a panic; every statement is well formed.
func FuzzDocument(f *testing.F) {
	f.Add([]byte(curlVEX))
	f.Add([]byte(kernelVEX))
	f.Fuzz(func(t *testing.T, data []byte) {
		var stats feed.Stats
		_ = readDocument(context.Background(), bytes.NewReader(data), &stats, func(e feed.Entry) error {
			if e.Vuln.ID == "" || len(e.Affected) == 0 {
				t.Fatalf("bad entry %+v", e)
			}
			for _, a := range e.Affected {
				if a.Package == "" || !strings.HasPrefix(a.Namespace, "rhel:") || (a.Status == advisory.StatusFixed) != (a.Fixed != "") {
					t.Fatalf("bad statement %+v", a)
				}
			}
			return nil
		})
	})
}
