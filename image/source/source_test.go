package source_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/internal/testutil"
)

func open(t *testing.T, ref string) *source.Image {
	t.Helper()
	img, err := source.Open(context.Background(), ref, source.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Open(%s): %v", ref, err)
	}
	t.Cleanup(img.Close)
	return img
}

func readLayers(t *testing.T, img *source.Image) int {
	t.Helper()
	layers, err := img.Image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	return len(layers)
}

// Facts from ../shared/fixtures/PROVENANCE.md §5.
func TestDockerArchives(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "images", "docker-archive")
	for _, tc := range []struct {
		ref    string
		layers int
	}{
		{"docker-archive:" + filepath.Join(dir, "trivy-alpine-311.tar.gz"), 1}, // gzip of a legacy save
		{"docker-archive:" + filepath.Join(dir, "gcr-hello-world-v25.tar"), 1}, // Docker 25 save with an OCI layout inside
		{"docker-archive:" + filepath.Join(dir, "gcr-whiteout_dir.tar"), 4},
		{"docker-archive:" + filepath.Join(dir, "gcr-test_bundle.tar") + ":test_image_1", 1},
		{filepath.Join(dir, "gcr-whiteout_image.tar"), 3}, // detected without a prefix
	} {
		t.Run(filepath.Base(tc.ref), func(t *testing.T) {
			img := open(t, tc.ref)
			if img.Kind != source.KindDockerArchive {
				t.Errorf("kind = %s", img.Kind)
			}
			if got := readLayers(t, img); got != tc.layers {
				t.Errorf("layers = %d, want %d", got, tc.layers)
			}
			if !strings.HasPrefix(img.ImageID, "sha256:") {
				t.Errorf("image id = %q", img.ImageID)
			}
		})
	}
	// Two images and no tag: ambiguous, a clear error.
	_, err := source.Open(context.Background(), "docker-archive:"+filepath.Join(dir, "gcr-test_bundle.tar"), source.Options{TempDir: t.TempDir()})
	if err == nil {
		t.Error("bundle without a tag opened without error")
	}
}

func TestOCILayout(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "images", "oci-layout", "gcr-test_index")
	// Tag "1" names an OCI image manifest in index.json.
	img := open(t, "oci-layout:"+dir+":1")
	if img.Digest != "sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650" {
		t.Errorf("digest = %s", img.Digest)
	}
	if n := readLayers(t, img); n < 1 {
		t.Errorf("no layers")
	}
	byDigest := open(t, "oci-layout:"+dir+"@sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650")
	if byDigest.ImageID != img.ImageID {
		t.Errorf("by digest: image id %s, by tag %s", byDigest.ImageID, img.ImageID)
	}

	// The same layout packed in a tar.
	tarPath := filepath.Join(t.TempDir(), "layout.tar")
	if out, err := exec.Command("tar", "-C", dir, "-cf", tarPath, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	fromTar := open(t, "oci-layout:"+tarPath+":1")
	if fromTar.Digest != img.Digest {
		t.Errorf("tar digest = %s, want %s", fromTar.Digest, img.Digest)
	}
	readLayers(t, fromTar)
}

func TestOCILayoutDigestMismatch(t *testing.T) {
	src := testutil.Shared(t, "fixtures", "images", "oci-layout", "gcr-test_index")
	dir := filepath.Join(t.TempDir(), "layout")
	if out, err := exec.Command("cp", "-r", src, dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	exec.Command("chmod", "-R", "u+w", dir).Run()
	img := open(t, "oci-layout:"+dir+":1")
	layers, err := img.Image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := layers[0].Digest()
	blob := filepath.Join(dir, "blobs", "sha256", d.Hex)
	b, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(blob, b, 0o644); err != nil {
		t.Fatal(err)
	}
	rc, err := layers[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, rc)
	if !errors.Is(err, source.ErrDigestMismatch) {
		t.Errorf("reading a corrupted blob: got %v, want a digest mismatch", err)
	}
}

func TestDirSource(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "alpine", "apk-db", "3.20.3")
	img := open(t, "dir:"+dir)
	if img.Kind != source.KindDir || img.Dir != dir || img.Image != nil {
		t.Errorf("got %+v", img)
	}
}
