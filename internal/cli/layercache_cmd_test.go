package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lading-dev/lading/internal/cli"
)

// A second scan of the Alpine 3.20.3 image with the same cache directory
// takes its layer from the layer cache and writes the same report (but for
// the times); --no-layer-cache neither reads nor fills the cache.
func TestLayerCacheCommand(t *testing.T) {
	archive, _ := alpineImage(t)
	cache := t.TempDir()
	db := testDB(t)
	scan := func(extra ...string) string {
		args := append([]string{"image", "docker-archive:" + archive, "--format", "json", "--cache-dir", cache, "--db", db, "--quiet"}, extra...)
		out, errOut, code := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("lading %v: exit %d: %s", args, code, errOut)
		}
		return timesRE.ReplaceAllString(out, `"TIME"`)
	}
	entries := func() int {
		ents, _ := os.ReadDir(filepath.Join(cache, "layers"))
		return len(ents)
	}
	plain := scan("--no-layer-cache")
	if n := entries(); n != 0 {
		t.Errorf("--no-layer-cache wrote %d cache entries", n)
	}
	cold := scan()
	if n := entries(); n != 1 {
		t.Errorf("%d cache entries after a scan of a one-layer image, want 1", n)
	}
	warm := scan()
	if cold != plain || warm != plain {
		t.Errorf("reports differ with the layer cache:\nwithout:\n%s\ncold:\n%s\nwarm:\n%s", plain, cold, warm)
	}
	if _, errOut, code := runCLI(t, "image", "docker-archive:"+archive, "--cache-dir", cache, "--db", db, "--layer-cache-size", "lots"); code != cli.ExitError || !strings.Contains(errOut, "--layer-cache-size") {
		t.Errorf("a bad --layer-cache-size: exit %d, %q", code, errOut)
	}
}

var timesRE = regexp.MustCompile(`"(generated|age_hours)": ?("[^"]*"|[0-9.e+-]+)`)

// An --output in a folder that does not exist fails before the scan.
func TestOutputFolderCheckedFirst(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "r.json")
	_, errOut, code := runCLI(t, "image", "oci-layout:/nonexistent", "--cache-dir", t.TempDir(), "-o", missing)
	if code != cli.ExitError || !strings.Contains(errOut, "--output") || strings.Contains(errOut, "nonexistent") {
		t.Errorf("exit %d, %q; want exit 2 naming --output before the image is opened", code, errOut)
	}
}
