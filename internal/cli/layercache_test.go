package cli

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "1000": 1000, "512MiB": 512 << 20, "2GiB": 2 << 30, "1.5GB": 1_500_000_000, "64K": 64 << 10, " 3 MB ": 3_000_000,
	} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "lots", "-1GiB", "1e30", "GiB", "NaN", "nan", "Inf", "0.5", "1e-9", "8EiB", "100000000000G"} {
		if _, err := parseBytes(bad); err == nil {
			t.Errorf("parseBytes(%q) succeeded", bad)
		} else if !strings.Contains(err.Error(), strconv.Quote(bad)) {
			t.Errorf("parseBytes(%q): %v does not quote the input", bad, err)
		}
	}
}
