package e2e

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/lading-dev/lading/image/source"
)

// TestDebianImage checks the Debian 12 image that DebianImage builds: the
// docker save archive opens as one layer holding var/lib/dpkg/status, and
// that file lists exactly what dpkg-query in the running image reports.
// The comparison with lading's dpkg extractor is to come.
func TestDebianImage(t *testing.T) {
	archive, pkgs := DebianImage(t)
	if v := pkgs["base-files"]; !strings.HasPrefix(v, "12.") {
		t.Errorf("base-files %q, want Debian 12's", v)
	}
	for _, p := range []string{"dpkg", "apt", "libc6", "bash"} {
		if pkgs[p] == "" {
			t.Errorf("dpkg-query does not list %s", p)
		}
	}

	img, err := source.Open(context.Background(), "docker-archive:"+archive, source.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if img.Kind != source.KindDockerArchive {
		t.Errorf("kind = %s", img.Kind)
	}
	layers, err := img.Image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%d layers, want 1", len(layers))
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var status []byte
	entries := 0
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		entries++
		if strings.TrimPrefix(hdr.Name, "./") == "var/lib/dpkg/status" {
			if status, err = io.ReadAll(tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		t.Fatal(err)
	}
	if status == nil {
		t.Fatalf("the layer's %d entries hold no var/lib/dpkg/status", entries)
	}

	// A plain reading of the status file, as a check on the archive (not
	// on an extractor): installed stanzas match dpkg-query one for one.
	installed := installedFromStatus(string(status))
	for p, v := range pkgs {
		if installed[p] != v {
			t.Errorf("%s: status file has %q, dpkg-query %q", p, installed[p], v)
		}
	}
	for p := range installed {
		if _, ok := pkgs[p]; !ok {
			t.Errorf("%s: in the status file, not in dpkg-query", p)
		}
	}
	t.Logf("%d packages, %d layer entries", len(pkgs), entries)
}

// installedFromStatus returns package → version for the stanzas of a dpkg
// status file whose Status is "install ok installed".
func installedFromStatus(s string) map[string]string {
	out := map[string]string{}
	for _, stanza := range strings.Split(s, "\n\n") {
		fields := map[string]string{}
		sc := bufio.NewScanner(strings.NewReader(stanza))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || line[0] == ' ' || line[0] == '\t' {
				continue
			}
			if k, v, ok := strings.Cut(line, ":"); ok {
				fields[k] = strings.TrimSpace(v)
			}
		}
		if fields["Package"] != "" && fields["Status"] == "install ok installed" {
			out[fields["Package"]] = fields["Version"]
		}
	}
	return out
}
