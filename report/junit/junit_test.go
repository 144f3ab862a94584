package junit_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/lading-dev/lading/report/internal/reporttest"
	"github.com/lading-dev/lading/report/junit"
)

func TestParsesAndCounts(t *testing.T) {
	r := reporttest.Sample()
	var buf bytes.Buffer
	if err := junit.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	// Well-formed: a strict decoder reads it through.
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, buf.String())
		}
	}
	var got junit.TestSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	// 7 packages; zlib has no finding, the 6 others fail.
	if got.Tests != 7 || got.Failures != 6 || len(got.Suites) != 1 {
		t.Fatalf("testsuites: %d tests, %d failures, %d suites", got.Tests, got.Failures, len(got.Suites))
	}
	s := got.Suites[0]
	if s.Tests != 7 || s.Failures != 6 || len(s.Cases) != 7 || s.Name != r.Target.Ref {
		t.Errorf("suite %q: %d tests, %d failures, %d cases", s.Name, s.Tests, s.Failures, len(s.Cases))
	}
	failures, findings := 0, 0
	cases := map[string]junit.TestCase{}
	for _, c := range s.Cases {
		cases[c.Name] = c
		if c.Failure != nil {
			failures++
			findings += strings.Count(c.Failure.Text, "\n")
		}
	}
	if failures != s.Failures || findings != len(r.Vulnerabilities) {
		t.Errorf("%d failing cases, %d finding lines; want %d and %d", failures, findings, s.Failures, len(r.Vulnerabilities))
	}
	if c := cases["zlib@1.3.1-r1"]; c.Failure != nil || c.ClassName != "apk" || c.File != "lib/apk/db/installed" {
		t.Errorf("zlib: %+v", c)
	}
	lc := cases["libcrypto3@3.3.2-r0"]
	if lc.Failure == nil || lc.Failure.Type != "MEDIUM" || !strings.HasPrefix(lc.Failure.Message, "2 vulnerabilities (MEDIUM 1, LOW 1)") {
		t.Errorf("libcrypto3: %+v", lc.Failure)
	}
	if c := cases["a|b<c>&d@1.0.0"]; c.Failure == nil || !strings.Contains(c.Failure.Text, "GHSA-xxxx-<b>-yyyy") {
		t.Errorf("escaped names did not survive: %+v", c)
	}
	if !strings.Contains(s.SystemOut, "36 hours old") {
		t.Errorf("system-out %q", s.SystemOut)
	}
	props := map[string]string{}
	for _, p := range s.Properties {
		props[p.Name] = p.Value
	}
	if props["findings.medium"] != "2" || props["target.os"] != "alpine 3.20.3" {
		t.Errorf("properties %v", props)
	}
}

func TestNoFindings(t *testing.T) {
	r := reporttest.Sample()
	r.Vulnerabilities = nil
	r.Summarize()
	var got junit.TestSuites
	var buf bytes.Buffer
	junit.Write(&buf, r)
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Tests != 7 || got.Failures != 0 {
		t.Errorf("%d tests, %d failures", got.Tests, got.Failures)
	}
}
