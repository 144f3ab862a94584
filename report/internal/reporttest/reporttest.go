// Package reporttest builds the report the format tests render: an image
// of two layers with OS and language packages, findings of every severity
// and names that need escaping in HTML, Markdown and XML.
package reporttest

import (
	"time"

	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/report"
)

// Layer diff IDs of the sample image.
const (
	Layer1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	Layer2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

// Sample returns a fresh sample report, summarized.
func Sample() *report.Report {
	base := "/bin/sh -c #(nop) ADD file:alpine-minirootfs-3.20.3-x86_64.tar.gz in / "
	own := "RUN npm ci && pip install 'Jinja2<3.2' # <b>&</b>"
	apk := func(name, version, origin string) *inventory.Package {
		return &inventory.Package{
			Name: name, Version: version, Type: inventory.TypeAPK, Arch: "x86_64",
			SourceName: origin, SourceVersion: version,
			PURL:      "pkg:apk/alpine/" + name + "@" + version + "?arch=x86_64&distro=alpine-3.20.3",
			Licenses:  []string{"GPL-2.0-only"},
			Locations: []inventory.Location{{Path: "lib/apk/db/installed", Layer: Layer1}},
			Layer:     Layer1, CreatedBy: base,
		}
	}
	busybox := apk("busybox", "1.36.1-r29", "busybox")
	libcrypto := apk("libcrypto3", "3.3.2-r0", "openssl")
	zlib := apk("zlib", "1.3.1-r1", "zlib")
	lodash := &inventory.Package{
		Name: "lodash", Version: "4.17.20", Type: "npm", SourceName: "lodash", SourceVersion: "4.17.20",
		PURL:      "pkg:npm/lodash@4.17.20",
		Locations: []inventory.Location{{Path: "srv/app/node_modules/lodash/package.json", Layer: Layer2}},
		Layer:     Layer2, CreatedBy: own,
	}
	babel := &inventory.Package{
		Name: "@babel/traverse", Version: "7.22.5", Type: "npm", SourceName: "@babel/traverse", SourceVersion: "7.22.5",
		PURL:      "pkg:npm/%40babel/traverse@7.22.5",
		Locations: []inventory.Location{{Path: "srv/app/node_modules/@babel/traverse/package.json", Layer: Layer2}},
		Layer:     Layer2, CreatedBy: own,
	}
	jinja := &inventory.Package{
		Name: "Jinja2", Version: "3.1.2", Type: "pypi", SourceName: "Jinja2", SourceVersion: "3.1.2",
		PURL:      "pkg:pypi/jinja2@3.1.2",
		Locations: []inventory.Location{{Path: "usr/lib/python3/dist-packages/Jinja2-3.1.2.dist-info/METADATA", Layer: Layer2}},
		Layer:     Layer2, CreatedBy: own,
	}
	odd := &inventory.Package{
		Name: "a|b<c>&d", Version: "1.0.0", Type: "npm", SourceName: "a|b<c>&d", SourceVersion: "1.0.0",
		PURL:      "pkg:npm/a%7Cb%3Cc%3E%26d@1.0.0",
		Locations: []inventory.Location{{Path: "srv/app/node_modules/a|b<c>&d/package.json", Layer: Layer2}},
		Layer:     Layer2, CreatedBy: own,
	}
	vuln := func(p *inventory.Package, id, sev, status, fixed string) report.Vulnerability {
		return report.Vulnerability{
			ID: id, Aliases: []string{}, PackageName: p.Name, PackageType: p.Type, PURL: p.PURL, SourceName: p.SourceName,
			InstalledVersion: p.Version, FixedVersion: fixed, Status: status, Severity: sev,
			Layer: p.Layer, CreatedBy: p.CreatedBy, DataSource: "osv:npm", Evidence: p.Version + " < " + fixed,
		}
	}
	v1 := vuln(busybox, "CVE-2024-58251", "UNKNOWN", "fixed", "1.36.1-r31")
	v1.DataSource, v1.Namespace = "alpine-secdb", "alpine:3.20"
	v2 := vuln(libcrypto, "CVE-2024-9143", "LOW", "fixed", "3.3.2-r1")
	v2.DataSource, v2.Namespace = "alpine-secdb", "alpine:3.20"
	v2.CVSS = &report.CVSS{Score: 4.3, Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:L/A:N", Source: "nvd@nist.gov", CVE: "CVE-2024-9143"}
	v3 := vuln(lodash, "CVE-2021-23337", "HIGH", "fixed", "4.17.21")
	v3.Aliases = []string{"GHSA-35jh-r3h4-6jhm"}
	v3.Title = "Command Injection in lodash"
	v3.CVSS = &report.CVSS{Score: 7.2, Version: "3.1", Source: "nvd@nist.gov", CVE: "CVE-2021-23337"}
	v4 := vuln(babel, "CVE-2023-45133", "CRITICAL", "fixed", "7.23.2")
	v4.Aliases = []string{"GHSA-67hx-6x53-jw92"}
	v4.Title = "Babel vulnerable to arbitrary code execution when compiling specifically crafted malicious code"
	v5 := vuln(jinja, "CVE-2024-22195", "MEDIUM", "fixed", "3.1.3")
	v5.DataSource = "osv:PyPI"
	v5.Aliases = []string{"GHSA-h5c8-rqwp-cp95"}
	v6 := vuln(odd, "GHSA-xxxx-<b>-yyyy", "NEGLIGIBLE", "affected", "")
	v7 := vuln(libcrypto, "CVE-2024-13176", "MEDIUM", "will_not_fix", "")
	v7.DataSource = "alpine-secdb"

	r := &report.Report{
		Schema:    report.Schema,
		Generated: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC),
		Lading:    "1.2.3",
		Target: report.Target{
			Ref: "docker-archive:/tmp/app.tar", Kind: "docker-archive", Name: "example.com/app:1.0",
			Digest:  "sha256:abababababababababababababababababababababababababababababababab",
			ImageID: "sha256:cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
			OS:      &inventory.Distro{Family: "alpine", Version: "3.20.3", Name: "Alpine Linux v3.20"},
		},
		Database: &report.Database{SchemaVersion: 3, Built: time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC), AgeHours: 36},
		Layers: []report.Layer{
			{DiffID: Layer1, Digest: "sha256:aaaa", Size: 3_600_000, CreatedBy: base},
			{DiffID: Layer2, Digest: "sha256:bbbb", Size: 1_200, CreatedBy: own},
		},
		Packages:        []*inventory.Package{busybox, libcrypto, zlib, lodash, babel, jinja, odd},
		Vulnerabilities: []report.Vulnerability{v1, v2, v3, v4, v5, v6, v7},
		Warnings:        []string{"the advisory database is 36 hours old <check>"},
		Problems:        []report.Problem{{Path: "var/lib/rpm/Packages", Layer: Layer1, Error: "truncated"}},
	}
	r.Summarize()
	return r
}
