package template_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/report/internal/reporttest"
	"github.com/lading-dev/lading/report/template"
)

func run(t *testing.T, spec string) string {
	t.Helper()
	tmpl, err := template.Load(spec)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := template.Write(&buf, tmpl, reporttest.Sample()); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestCSVTemplate(t *testing.T) {
	out := run(t, "@testdata/findings.csv.tmpl")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, out)
	}
	r := reporttest.Sample()
	if len(recs) != 1+len(r.Vulnerabilities) {
		t.Fatalf("%d records\n%s", len(recs), out)
	}
	for i, v := range r.Vulnerabilities {
		rec := recs[i+1]
		if rec[0] != v.PackageName || rec[2] != v.ID || rec[5] != v.FixedVersion {
			t.Errorf("record %d: %v", i, rec)
		}
	}
	if recs[1][7] != "srv/app/node_modules/@babel/traverse/package.json" {
		t.Errorf("file %q", recs[1][7])
	}
}

func TestSummaryTemplate(t *testing.T) {
	// A path without "@" names a file too.
	out := run(t, filepath.Join("testdata", "summary.tmpl"))
	want := "docker-archive:/tmp/app.tar (alpine 3.20.3): 7 findings in 7 packages\n" +
		"layer 1 111111111111 ADD file:alpine-minirootfs-3.…: 3 packages, 3 findings, 0 critical\n" +
		"layer 2 222222222222 RUN npm ci && pip install 'Ji…: 4 packages, 4 findings, 1 critical\n" +
		"CRITICAL CVE-2023-45133 @babel/traverse https://nvd.nist.gov/vuln/detail/CVE-2023-45133\n" +
		"HIGH CVE-2021-23337 lodash https://nvd.nist.gov/vuln/detail/CVE-2021-23337\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestInlineAndFunctions(t *testing.T) {
	out := run(t, `{{json .Summary.BySeverity}} {{xml "a<b&c"}} {{md "x|y"}} {{join (index .Vulnerabilities 0).Aliases ";"}}`)
	want := `{"CRITICAL":1,"HIGH":1,"LOW":1,"MEDIUM":2,"NEGLIGIBLE":1,"UNKNOWN":1} a&lt;b&amp;c x\|y GHSA-67hx-6x53-jw92`
	if out != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

func TestErrors(t *testing.T) {
	if _, err := template.Load(""); err == nil {
		t.Error("empty --template accepted")
	}
	if _, err := template.Load("@/nonexistent.tmpl"); err == nil {
		t.Error("missing file accepted")
	}
	if _, err := template.Load("{{.Target.Ref"); err == nil || !strings.Contains(err.Error(), "template") {
		t.Errorf("unclosed action: %v", err)
	}
	// A field the report lacks fails, and nothing is written.
	tmpl, err := template.Load("partial {{.NoSuchField}}")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := template.Write(&buf, tmpl, reporttest.Sample()); err == nil || buf.Len() != 0 {
		t.Errorf("err %v, wrote %q", err, buf.String())
	}
	big := filepath.Join(t.TempDir(), "big.tmpl")
	os.WriteFile(big, bytes.Repeat([]byte("x"), template.MaxSize+1), 0o644)
	if _, err := template.Load("@" + big); err == nil {
		t.Error("oversized template accepted")
	}
}
