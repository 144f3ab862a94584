package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/lading-dev/lading/internal/testutil"
)

// TestMain lets the test binary stand in for lading-bench when the harness
// re-executes itself to measure the floor.
func TestMain(m *testing.M) {
	if os.Getenv(runEnv) != "" {
		os.Exit(runChild())
	}
	if dir := os.Getenv(floorEnv); dir != "" {
		os.Exit(floorChild(dir))
	}
	os.Exit(m.Run())
}

// TestHarnessShort runs the whole harness once on tiny inputs (a synthetic
// root filesystem, 2,000 small files, a database of the KEV catalogue
// only) and checks that every figure is there. It asserts no timings.
func TestHarnessShort(t *testing.T) {
	fixtures := testutil.Shared(t, "fixtures")
	kev := testutil.Shared(t, "vulndata", "kev", "known_exploited_vulnerabilities.json")
	work := t.TempDir()
	c, err := parseFlags([]string{"-short", "-files", "2000", "-work", work, "-fixtures", fixtures, "-vulndata", kev, "-progress", "never"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), c, &out); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	b, err := os.ReadFile(filepath.Join(work, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res results
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if res.Large == nil || len(res.Large.Layers) != 5 || res.Large.Uncompressed <= 0 {
		t.Fatalf("large image: %+v", res.Large)
	}
	if res.Sibling == nil || len(res.Sibling.Layers) != 5 || res.Sibling.Layers[0].Digest != res.Large.Layers[0].Digest ||
		res.Sibling.Layers[4].Digest == res.Large.Layers[4].Digest {
		t.Fatalf("sibling image: %+v, want the large image's layers but the last", res.Sibling)
	}
	if res.Many == nil || res.Many.Entries < 2000 {
		t.Fatalf("many-files image: %+v", res.Many)
	}
	want := []string{"floor", "cold", "warm", "warm-sbom", "shared", "floor-many", "many-files"}
	if len(res.Measurements) != len(want) {
		t.Fatalf("%d measurements, want %d", len(res.Measurements), len(want))
	}
	for i, m := range res.Measurements {
		if m.Name != want[i] {
			t.Errorf("measurement %d is %q, want %q", i, m.Name, want[i])
		}
		for what, v := range map[string]float64{"wall": m.WallSec, "CPU": m.CPUSec, "peak RSS": float64(m.PeakRSS),
			"wall ratio": m.WallRatio, "CPU ratio": m.CPURatio, "RSS ratio": m.RSSRatio} {
			if !(v > 0) {
				t.Errorf("%s: %s is %v", m.Name, what, v)
			}
		}
	}
	for _, m := range res.Measurements[1:5] {
		if m.Packages == 0 {
			t.Errorf("%s scan found no packages", m.Name)
		}
	}
}

// TestInputsReproducible builds the many-files image twice and compares
// the layer digests.
func TestInputsReproducible(t *testing.T) {
	a, err := writeImage(filepath.Join(t.TempDir(), "a"), "many", millionLayers(300), func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	b, err := writeImage(filepath.Join(t.TempDir(), "b"), "many", millionLayers(300), func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	if a.Layers[0].Digest != b.Layers[0].Digest {
		t.Errorf("digests differ: %s, %s", a.Layers[0].Digest, b.Layers[0].Digest)
	}
}
