package view_test

import (
	"testing"

	"github.com/lading-dev/lading/report/internal/reporttest"
	"github.com/lading-dev/lading/report/internal/view"
)

func TestLayers(t *testing.T) {
	r := reporttest.Sample()
	rows := view.Layers(r)
	if len(rows) != 2 || rows[0].Packages != 3 || rows[1].Packages != 4 || rows[0].Findings != 3 || rows[1].Findings != 4 ||
		rows[1].BySeverity["CRITICAL"] != 1 || rows[0].BySeverity["UNKNOWN"] != 1 {
		t.Errorf("rows %+v", rows)
	}
	// A finding whose layer is not one of the image's gets a row of its own.
	r.Vulnerabilities[0].Layer = "sha256:elsewhere"
	rows = view.Layers(r)
	if len(rows) != 3 || rows[2].DiffID != "" || rows[2].Findings != 1 || rows[2].Index != 0 {
		t.Errorf("rows %+v", rows)
	}
}

func TestPath(t *testing.T) {
	r := reporttest.Sample()
	idx := view.NewPackages(r)
	for _, v := range r.Vulnerabilities {
		if idx.Path(v) == "" {
			t.Errorf("%s %s: no path", v.ID, v.PackageName)
		}
	}
}

func TestShortForms(t *testing.T) {
	if got := view.ShortDigest("sha256:0123456789abcdef"); got != "0123456789ab" {
		t.Error(got)
	}
	if got := view.Instruction("/bin/sh -c #(nop)  ADD   file:x in / ", 0); got != "ADD file:x in /" {
		t.Errorf("%q", got)
	}
	if got := view.Instruction("RUN apk add --no-cache curl", 10); got != "RUN apk a…" {
		t.Errorf("%q", got)
	}
	for id, want := range map[string]string{
		"CVE-2024-9143":       "https://nvd.nist.gov/vuln/detail/CVE-2024-9143",
		"GHSA-35jh-r3h4-6jhm": "https://github.com/advisories/GHSA-35jh-r3h4-6jhm",
		"GO-2021-0113":        "https://pkg.go.dev/vuln/GO-2021-0113",
		"DSA-5000-1":          "https://security-tracker.debian.org/tracker/DSA-5000-1",
		"ALSA-2024:1234":      "https://osv.dev/vulnerability/ALSA-2024:1234",
	} {
		if got := view.AdvisoryURL(id); got != want {
			t.Errorf("%s: %s", id, got)
		}
	}
}
