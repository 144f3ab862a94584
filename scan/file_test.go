package scan_test

import (
	"archive/tar"
	"bytes"
	"context"
	"io/fs"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/scan"
)

// lockExtractor reports one package per line of every *.lock file; it
// stands in for the per-file language extractors.
type lockExtractor struct{ calls int }

func (*lockExtractor) Name() string        { return "lock" }
func (*lockExtractor) Version() int        { return 1 }
func (*lockExtractor) Wants(p string) bool { return strings.HasSuffix(p, ".lock") }
func (*lockExtractor) Extract(context.Context, extract.Input) ([]*inventory.Package, error) {
	panic("Extract called on a file extractor")
}
func (l *lockExtractor) ExtractFile(_ context.Context, in extract.Input, path string) ([]*inventory.Package, error) {
	l.calls++
	b, err := fs.ReadFile(in.FS, path)
	if err != nil {
		return nil, err
	}
	var out []*inventory.Package
	for _, line := range strings.Fields(string(b)) {
		out = append(out, &inventory.Package{Name: line, Version: "1", Type: "test", Locations: []inventory.Location{{Path: path}}})
	}
	return out, nil
}

func layerOf(t *testing.T, files map[string]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (ioReadCloser, error) { return nopCloser{bytes.NewReader(b)}, nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestFileExtractorsFollowTheLayers(t *testing.T) {
	img, err := mutate.Append(empty.Image,
		mutate.Addendum{Layer: layerOf(t, map[string]string{"app/a.lock": "left-pad", "app/b.lock": "lodash"}), History: v1.History{CreatedBy: "COPY . /app"}},
		mutate.Addendum{Layer: layerOf(t, map[string]string{"app/.wh.a.lock": ""}), History: v1.History{CreatedBy: "RUN rm app/a.lock"}},
		mutate.Addendum{Layer: layerOf(t, map[string]string{"app/b.lock": "lodash express"}), History: v1.History{CreatedBy: "RUN npm install express"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	ex := &lockExtractor{}
	res, err := scan.Run(context.Background(), &source.Image{Image: img}, scan.Options{Extractors: []extract.Extractor{ex}, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Packages {
		got = append(got, p.Name+"@"+p.CreatedBy)
	}
	// a.lock was removed; b.lock's current version comes from layer 3.
	if want := "express@RUN npm install express lodash@RUN npm install express"; strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
	if ex.calls != 3 {
		t.Errorf("ExtractFile called %d times, want once per file version (3)", ex.calls)
	}
}
