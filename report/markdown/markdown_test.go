package markdown_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/lading-dev/lading/report/internal/reporttest"
	"github.com/lading-dev/lading/report/markdown"
)

// cells splits a table row on the pipes that are not escaped.
func cells(row string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row):
			cur.WriteByte(row[i])
			cur.WriteByte(row[i+1])
			i++
		case row[i] == '|':
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(row[i])
		}
	}
	return out[1:] // before the first pipe
}

func TestTables(t *testing.T) {
	r := reporttest.Sample()
	var buf bytes.Buffer
	if err := markdown.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "**7 packages, 7 findings** (CRITICAL 1, HIGH 1, MEDIUM 2, LOW 1, NEGLIGIBLE 1, UNKNOWN 1)") {
		t.Errorf("summary line missing:\n%s", out)
	}
	// Every table row has as many cells as its header.
	sections := strings.Split(out, "\n## ")
	var layerRows, findingRows int
	for _, sec := range sections {
		var width int
		for _, line := range strings.Split(sec, "\n") {
			if !strings.HasPrefix(line, "|") {
				width = 0
				continue
			}
			n := len(cells(line))
			if width == 0 {
				width = n
				continue
			}
			if n != width {
				t.Errorf("row has %d cells, header %d: %s", n, width, line)
			}
			if strings.HasPrefix(line, "|--") || strings.HasPrefix(line, "|---") {
				continue
			}
			switch {
			case strings.HasPrefix(sec, "By layer"):
				layerRows++
			case strings.HasPrefix(sec, "Findings"):
				findingRows++
			}
		}
	}
	if layerRows != 2 || findingRows != 7 {
		t.Errorf("%d layer rows, %d finding rows; want 2 and 7\n%s", layerRows, findingRows, out)
	}
	// Markup in names stays text: outside code spans (which show their
	// content literally) no tag is left.
	outside := regexp.MustCompile("`[^`]*`").ReplaceAllString(out, "")
	if strings.Contains(outside, "<b>") || strings.Contains(outside, "<c>") {
		t.Errorf("unescaped markup:\n%s", out)
	}
	if !strings.Contains(out, `a\|b&lt;c&gt;&amp;d`) {
		t.Errorf("odd package name not escaped:\n%s", out)
	}
	if !strings.Contains(out, "[CVE-2021-23337](https://nvd.nist.gov/vuln/detail/CVE-2021-23337)") {
		t.Errorf("no advisory link:\n%s", out)
	}
}

func TestEscape(t *testing.T) {
	if got := markdown.Escape("a|b*c_d`e\nf<g>"); got != "a\\|b\\*c\\_d\\`e f&lt;g&gt;" {
		t.Errorf("%q", got)
	}
}
