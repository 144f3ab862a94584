package scan_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/scan"
)

// Layers of an OCI layout are decompressed by lading itself; the blob's
// digest is still checked over every byte, so a blob changed on disk
// fails the scan instead of being read.
func TestLayoutBlobDigestCheckedWhenScanned(t *testing.T) {
	src := testutil.Shared(t, "fixtures", "images", "oci-layout", "gcr-test_index")
	dir := filepath.Join(t.TempDir(), "layout")
	if out, err := exec.Command("cp", "-r", src, dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	exec.Command("chmod", "-R", "u+w", dir).Run()
	ctx := context.Background()

	img, err := source.Open(ctx, "oci-layout:"+dir+":1", source.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scan.Run(ctx, img, scan.Options{TempDir: t.TempDir()}); err != nil {
		t.Fatalf("intact layout: %v", err)
	}
	img.Close()

	img, err = source.Open(ctx, "oci-layout:"+dir+":1", source.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	layers, _ := img.Image.Layers()
	d, _ := layers[0].Digest()
	blob := filepath.Join(dir, "blobs", "sha256", d.Hex)
	b, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-5] ^= 0x01 // inside the gzip trailer: the tar itself may still read
	if err := os.WriteFile(blob, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = scan.Run(ctx, img, scan.Options{TempDir: t.TempDir()})
	if err == nil || !(strings.Contains(err.Error(), "digest") || strings.Contains(err.Error(), "checksum")) {
		t.Errorf("corrupted blob: got %v, want a digest or checksum error", err)
	}
}
