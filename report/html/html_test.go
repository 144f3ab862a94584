package html_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/report/html"
	"github.com/lading-dev/lading/report/internal/reporttest"
)

func render(t *testing.T, r *report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := html.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func find(n *xhtml.Node, match func(*xhtml.Node) bool) []*xhtml.Node {
	var out []*xhtml.Node
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func byID(root *xhtml.Node, id string) *xhtml.Node {
	if ns := find(root, func(n *xhtml.Node) bool { return attr(n, "id") == id }); len(ns) == 1 {
		return ns[0]
	}
	return nil
}

func text(n *xhtml.Node) string {
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func bodyRows(table *xhtml.Node) []*xhtml.Node {
	return find(table, func(n *xhtml.Node) bool { return n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody" })
}

// checkDOM checks a document, as parsed or as a browser rendered it,
// against the report it was written from.
func checkDOM(t *testing.T, doc []byte, r *report.Report) {
	t.Helper()
	root, err := xhtml.Parse(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	chart := byID(root, "severity-chart")
	if chart == nil || chart.Data != "svg" {
		t.Fatalf("no svg#severity-chart")
	}
	bars := find(chart, func(n *xhtml.Node) bool { return n.Data == "g" && attr(n, "class") == "bar" })
	if len(bars) != len(report.Severities) {
		t.Fatalf("%d bars, want %d", len(bars), len(report.Severities))
	}
	widest := 0.0
	for i, b := range bars {
		sev := report.Severities[i]
		n, _ := strconv.Atoi(attr(b, "data-count"))
		if attr(b, "data-severity") != sev || n != r.Summary.BySeverity[sev] {
			t.Errorf("bar %d: %s %s, want %s %d", i, attr(b, "data-severity"), attr(b, "data-count"), sev, r.Summary.BySeverity[sev])
		}
		rects := find(b, func(n *xhtml.Node) bool { return n.Data == "rect" })
		if len(rects) != 1 {
			t.Fatalf("bar %s: %d rects", sev, len(rects))
		}
		w, err := strconv.ParseFloat(attr(rects[0], "width"), 64)
		if err != nil || (n == 0) != (w == 0) {
			t.Errorf("bar %s: count %d, width %q", sev, n, attr(rects[0], "width"))
		}
		widest = max(widest, w)
	}
	if r.Summary.Vulnerabilities > 0 && widest != 420 {
		t.Errorf("the longest bar is %v wide, want 420", widest)
	}

	layers := byID(root, "layers")
	if layers == nil {
		t.Fatal("no table#layers")
	}
	rows := bodyRows(layers)
	wantRows := len(r.Layers)
	if wantRows == 0 {
		wantRows = 1
	}
	if len(rows) != wantRows {
		t.Fatalf("%d layer rows, want %d", len(rows), wantRows)
	}
	for i, l := range r.Layers {
		pk, fi := 0, map[string]int{}
		for _, p := range r.Packages {
			if p.Layer == l.DiffID {
				pk++
			}
		}
		for _, v := range r.Vulnerabilities {
			if v.Layer == l.DiffID {
				fi[v.Severity]++
			}
		}
		row := rows[i]
		if attr(row, "data-layer") != l.DiffID || attr(row, "data-packages") != strconv.Itoa(pk) {
			t.Errorf("layer row %d: %s packages %s, want %s %d", i, attr(row, "data-layer"), attr(row, "data-packages"), l.DiffID, pk)
		}
		for _, td := range find(row, func(n *xhtml.Node) bool { return n.Data == "td" && attr(n, "data-severity") != "" }) {
			if got := strings.TrimSpace(text(td)); got != strconv.Itoa(fi[attr(td, "data-severity")]) {
				t.Errorf("layer %d %s: %s, want %d", i, attr(td, "data-severity"), got, fi[attr(td, "data-severity")])
			}
		}
	}

	if len(r.Vulnerabilities) > 0 {
		findings := byID(root, "findings")
		if findings == nil {
			t.Fatal("no table#findings")
		}
		rows = bodyRows(findings)
		if len(rows) != len(r.Vulnerabilities) {
			t.Fatalf("%d finding rows, want %d", len(rows), len(r.Vulnerabilities))
		}
		for i, v := range r.Vulnerabilities {
			if attr(rows[i], "data-id") != v.ID || !strings.Contains(text(rows[i]), v.PackageName) {
				t.Errorf("finding row %d: %q %q", i, attr(rows[i], "data-id"), text(rows[i]))
			}
		}
	} else if byID(root, "no-findings") == nil {
		t.Error("no findings, and no sentence saying so")
	}
	// Nothing the page would fetch or run.
	for _, n := range find(root, func(n *xhtml.Node) bool {
		return n.Data == "script" || n.Data == "link" || n.Data == "img" || n.Data == "iframe" || attr(n, "src") != ""
	}) {
		t.Errorf("external or active element <%s>", n.Data)
	}
	// Names that look like markup stay text.
	if len(find(root, func(n *xhtml.Node) bool { return n.Data == "b" || n.Data == "c" })) > 0 {
		t.Error("a package name or instruction was rendered as markup")
	}
	if ps := byID(root, "package-count"); ps == nil || text(ps) != strconv.Itoa(r.Summary.Packages) {
		t.Error("package count")
	}
}

func TestStructure(t *testing.T) {
	r := reporttest.Sample()
	out := render(t, r)
	checkDOM(t, out, r)
	if !bytes.Contains(out, []byte("a|b&lt;c&gt;&amp;d")) {
		t.Error("the odd package name is not escaped")
	}

	// A directory scan without findings.
	r = reporttest.Sample()
	r.Layers, r.Vulnerabilities = nil, nil
	for _, p := range r.Packages {
		p.Layer = ""
	}
	r.Summarize()
	checkDOM(t, render(t, r), r)
}

// The page as a browser renders it: headless Chromium's DOM has the chart's
// bars and both tables with the right counts.
func TestChromiumRendersIt(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	testutil.Require(t, bin != "", "chromium not installed (apt-get install chromium; .ci/run installs it)")
	r := reporttest.Sample()
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, render(t, r), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"), "--dump-dom", "file://"+file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	if !bytes.Contains(dom, []byte(`id="severity-chart"`)) {
		t.Fatalf("chromium's DOM has no chart:\n%.2000s\n%s", dom, stderr.String())
	}
	checkDOM(t, dom, r)
}
