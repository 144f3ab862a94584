package sbom_test

import (
	"strings"
	"testing"

	"github.com/lading-dev/lading/report/sbom"
)

func TestAddByPURL(t *testing.T) {
	inv := sbom.New("test")
	for _, c := range []sbom.Component{
		// Syft writes the source package as the purl's upstream qualifier.
		{Name: "libcrypto3", Version: "3.3.2-r0", PURL: "pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64&upstream=openssl&distro=alpine-3.20.3"},
		{Name: "libc6", Version: "2.36-9+deb12u4", PURL: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&upstream=glibc&distro=debian-12"},
		{Name: "libgcc-s1", PURL: "pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&upstream=gcc-12%4012.2.0-14&distro=debian-12"},
		{Name: "curl", PURL: "pkg:rpm/redhat/curl@7.76.1-26.el9?arch=x86_64&epoch=1&upstream=curl-7.76.1-26.el9.src.rpm&distro=rhel-9.3"},
		// Trivy writes it as properties.
		{Name: "libssl3", PURL: "pkg:apk/alpine/libssl3@3.3.2-r0?arch=x86_64&distro=3.20.3",
			Properties: []sbom.Property{{"aquasecurity:trivy:SrcName", "openssl"}, {"aquasecurity:trivy:SrcVersion", "3.3.2-r0"}, {"aquasecurity:trivy:LayerDiffID", "sha256:aa"}}},
		// An SPDX source info.
		{Name: "ssl_client", PURL: "pkg:apk/alpine/ssl_client@1.36.1-r29", SourceInfo: "built package from: busybox 1.36.1-r29"},
		// Language packages: names as lading writes them.
		{Name: "Jinja2", Version: "3.1.2", PURL: "pkg:pypi/jinja2@3.1.2"},
		{Name: "traverse", Version: "7.22.5", PURL: "pkg:npm/%40babel/traverse@7.22.5"},
		{Name: "log4j-core", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
		{Name: "golang.org/x/text", PURL: "pkg:golang/golang.org/x/text@v0.3.5"},
		{Name: "monolog/monolog", PURL: "pkg:composer/monolog/monolog@1.0.0"},
		{Name: "Newtonsoft.Json", PURL: "pkg:nuget/Newtonsoft.Json@12.0.1"},
		// The same package twice is one package with both locations.
		{Name: "lodash", PURL: "pkg:npm/lodash@4.17.20", Properties: []sbom.Property{{"lading:location:0:path", "a/package.json"}}},
		{Name: "lodash", PURL: "pkg:npm/lodash@4.17.20", Properties: []sbom.Property{{"lading:location:0:path", "b/package.json"}}},
		// Skipped.
		{Name: "app", Version: "1"},
		{Name: "alpine", PURL: "pkg:oci/alpine@sha256%3Aabc"},
		{Name: "x", PURL: "not a purl"},
		{Name: "noversion", PURL: "pkg:npm/noversion"},
	} {
		inv.Add(c)
	}
	inv.Finish()
	got := map[string]string{}
	for _, p := range inv.Packages {
		got[p.Type+" "+p.Name] = p.Version + " " + p.SourceName + " " + p.SourceVersion + " " + p.Layer
	}
	want := map[string]string{
		"apk libcrypto3":      "3.3.2-r0 openssl 3.3.2-r0 ",
		"apk libssl3":         "3.3.2-r0 openssl 3.3.2-r0 sha256:aa",
		"apk ssl_client":      "1.36.1-r29 busybox 1.36.1-r29 ",
		"deb libc6":           "2.36-9+deb12u4 glibc 2.36-9+deb12u4 ",
		"deb libgcc-s1":       "12.2.0-14 gcc-12 12.2.0-14 ",
		"rpm curl":            "1:7.76.1-26.el9 curl 7.76.1-26.el9 ",
		"pypi Jinja2":         "3.1.2 Jinja2 3.1.2 ",
		"npm @babel/traverse": "7.22.5 @babel/traverse 7.22.5 ",
		"maven org.apache.logging.log4j:log4j-core": "2.14.1 org.apache.logging.log4j:log4j-core 2.14.1 ",
		"golang golang.org/x/text":                  "v0.3.5 golang.org/x/text v0.3.5 ",
		"composer monolog/monolog":                  "1.0.0 monolog/monolog 1.0.0 ",
		"nuget Newtonsoft.Json":                     "12.0.1 Newtonsoft.Json 12.0.1 ",
		"npm lodash":                                "4.17.20 lodash 4.17.20 ",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("packages %v", got)
	}
	for _, p := range inv.Packages {
		if p.Name == "lodash" && len(p.Locations) != 2 {
			t.Errorf("lodash locations %+v", p.Locations)
		}
		if p.Name == "curl" && (p.Epoch != 1 || p.Release != "26.el9") {
			t.Errorf("curl epoch %d release %q", p.Epoch, p.Release)
		}
	}
	var reasons []string
	for _, s := range inv.Skipped {
		reasons = append(reasons, s.Name+": "+s.Reason)
	}
	if len(reasons) != 4 || !strings.Contains(strings.Join(reasons, "\n"), `purl type "oci"`) {
		t.Errorf("skipped:\n%s", strings.Join(reasons, "\n"))
	}
	// Several releases are named by purls; the most named wins
	// (alpine-3.20.3 twice, debian-12 twice, rhel-9.3 once; a tie goes to
	// the first in sort order).
	if inv.Distro == nil || inv.Distro.Family != "alpine" || inv.Distro.Version != "3.20.3" {
		t.Errorf("distro %+v", inv.Distro)
	}
}

func TestOSComponentWins(t *testing.T) {
	inv := sbom.New("test")
	inv.Add(sbom.Component{PURL: "pkg:apk/alpine/musl@1.2.5-r0?distro=alpine-3.20.3"})
	inv.SetOS("Alpine Linux", "3.20.2", "", "")
	inv.Finish()
	if inv.Distro.Family != "alpine" || inv.Distro.Version != "3.20.2" {
		t.Errorf("distro %+v", inv.Distro)
	}
	inv = sbom.New("test")
	inv.Add(sbom.Component{PURL: "pkg:deb/debian/bash@5.2.15-2?distro=debian-bookworm"})
	inv.Finish()
	if inv.Distro.Family != "debian" || inv.Distro.Codename != "bookworm" || inv.Distro.Version != "" {
		t.Errorf("distro %+v", inv.Distro)
	}
}

func TestDetect(t *testing.T) {
	for in, want := range map[string]string{
		`{"bomFormat": "CycloneDX", "specVersion": "1.5"}`:  sbom.CycloneDX,
		` {"spdxVersion": "SPDX-2.3"}`:                      sbom.SPDX,
		`{"schema": "lading.report/v1"}`:                    "error",
		`<bom xmlns="http://cyclonedx.org/schema/bom/1.6">`: "error",
		"SPDXVersion: SPDX-2.3\n":                           "error",
		``:                                                  "error",
	} {
		got, err := sbom.Detect([]byte(in))
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("%q: %s (%v), want %s", in, got, err, want)
		}
	}
}

func TestNewUUID(t *testing.T) {
	a, b := sbom.NewUUID(), sbom.NewUUID()
	if a == b || len(a) != 36 || a[14] != '4' || !strings.Contains("89ab", string(a[19])) {
		t.Errorf("%s %s", a, b)
	}
}
