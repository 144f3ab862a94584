package cli

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/scan"
)

// layerCacheFlags choose the layer cache of the commands that scan
// images.
type layerCacheFlags struct {
	off  bool
	size string
}

func (f *layerCacheFlags) add(fs *pflag.FlagSet) {
	fs.BoolVar(&f.off, "no-layer-cache", false, "read every layer, neither using nor filling the layer cache")
	fs.StringVar(&f.size, "layer-cache-size", "2GiB", "bound of the layer cache (<cache-dir>/layers); the entries used least recently go first")
}

// cache returns the layer cache in the cache directory, or nil when it is
// turned off.
func (f *layerCacheFlags) cache(cacheDir string) (*scan.LayerCache, error) {
	if f.off || f.size == "" { // "" when the command has no such flags
		return nil, nil
	}
	n, err := parseBytes(f.size)
	if err != nil {
		return nil, fmt.Errorf("--layer-cache-size: %w", err)
	}
	if n == 0 {
		return nil, nil
	}
	return &scan.LayerCache{Dir: filepath.Join(cacheDir, "layers"), MaxBytes: n}, nil
}

// parseBytes reads a size such as "512MiB", "2GiB", "1.5GB" or "1000000".
func parseBytes(in string) (int64, error) {
	s := strings.TrimSpace(in)
	units := []struct {
		suffix string
		mult   float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
	}
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("%q is not a size (examples: 512MiB, 2GiB, 0 to turn the cache off)", in)
	}
	if v*mult > 1<<62 {
		return 0, fmt.Errorf("%q is more than 4 EiB", in)
	}
	if v > 0 && v*mult < 1 {
		return 0, fmt.Errorf("%q is less than a byte (0 turns the cache off)", in)
	}
	return int64(v * mult), nil
}
