package cli_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/internal/cli"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/report"
)

// --db-max-age and --db-stale on a database built (by the clock) ten days
// ago from the USN subset, scanning the Ubuntu 18.04 dpkg fixture, which
// those USNs hit 16 times (PROVENANCE.md §14).
func TestDBMaxAge(t *testing.T) {
	vd := testutil.Shared(t, "vulndata")
	rootfs := testutil.Shared(t, "fixtures", "dpkg", "ubuntu-18.04-bionic-base")
	db := filepath.Join(t.TempDir(), "old.db")
	built := time.Now().Add(-10 * 24 * time.Hour).UTC()
	if _, err := build.Build(context.Background(), db, []string{filepath.Join(vd, "osv", "Ubuntu")},
		build.Options{Now: func() time.Time { return built }}); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	scan := func(t *testing.T, extra ...string) (*report.Report, string, int) {
		t.Helper()
		args := append([]string{"fs", rootfs, "--db", db, "--cache-dir", cache, "--quiet", "-f", "json"}, extra...)
		out, errOut, code := runCLI(t, args...)
		if code != 0 {
			return nil, errOut, code
		}
		var r report.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if r.Warnings == nil || !strings.Contains(out, `"warnings": [`) {
			t.Errorf("the report has no warnings array:\n%s", out)
		}
		if len(r.Vulnerabilities) == 0 {
			t.Error("no findings")
		}
		return &r, errOut, code
	}

	for _, tc := range []struct {
		name string
		args []string
		warn bool
	}{
		{"no limit by default", nil, false},
		{"0 is no limit", []string{"--db-max-age", "0"}, false},
		{"younger than 11d", []string{"--db-max-age", "11d"}, false},
		{"younger than 241h", []string{"--db-max-age", "241h"}, false},
		{"older than 5d", []string{"--db-max-age", "5d"}, true},
		{"older than 72h", []string{"--db-max-age", "72h", "--db-stale", "warn"}, true},
		{"older than 1d12h", []string{"--db-max-age", "1d12h"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, errOut, code := scan(t, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			// Other warnings (coverage) may be there too; look at ours.
			warnings := ageWarnings(r.Warnings)
			if !tc.warn {
				if len(warnings) != 0 || strings.Contains(errOut, "--db-max-age") {
					t.Errorf("warnings %q, stderr %q", r.Warnings, errOut)
				}
				return
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], "more than --db-max-age "+tc.args[1]) ||
				!strings.Contains(warnings[0], built.Format(time.RFC3339)) || !strings.Contains(warnings[0], "10d0h ago") {
				t.Errorf("warnings %q", r.Warnings)
			}
			if !strings.Contains(errOut, "lading: warning: the advisory database ") || !strings.Contains(errOut, "lading db update") {
				t.Errorf("stderr %q", errOut)
			}
			if r.Database == nil || r.Database.AgeHours < 239 || r.Database.AgeHours > 241 {
				t.Errorf("database %+v", r.Database)
			}
		})
	}

	t.Run("fail", func(t *testing.T) {
		out, errOut, code := runCLI(t, "fs", rootfs, "--db", db, "--cache-dir", cache, "--quiet",
			"--db-max-age", "5d", "--db-stale", "fail", "--exit-code", "3")
		if code != cli.ExitError || out != "" {
			t.Errorf("exit %d, stdout %q", code, out)
		}
		if !strings.Contains(errOut, "more than --db-max-age 5d") || !strings.Contains(errOut, "--db-stale fail") {
			t.Errorf("stderr %q", errOut)
		}
	})
	t.Run("fail within the age", func(t *testing.T) {
		r, errOut, code := scan(t, "--db-max-age", "30d", "--db-stale", "fail")
		if code != 0 || len(ageWarnings(r.Warnings)) != 0 {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
	t.Run("table", func(t *testing.T) {
		out, errOut, code := runCLI(t, "fs", rootfs, "--db", db, "--cache-dir", cache, "--quiet", "--db-max-age", "5d")
		if code != 0 || !strings.Contains(out, "Database: built") || !strings.Contains(errOut, "warning:") {
			t.Errorf("exit %d\n%s\n%s", code, out, errOut)
		}
	})
	for _, bad := range [][]string{
		{"--db-max-age", "5x"}, {"--db-max-age", "-3h"}, {"--db-max-age", "d"}, {"--db-stale", "maybe"},
	} {
		_, errOut, code := runCLI(t, append([]string{"fs", rootfs, "--db", db, "--cache-dir", cache, "--quiet"}, bad...)...)
		if code != cli.ExitError || !strings.Contains(errOut, bad[0]) {
			t.Errorf("%v: exit %d: %s", bad, code, errOut)
		}
	}
}

func ageWarnings(ws []string) []string {
	var out []string
	for _, w := range ws {
		if strings.Contains(w, "--db-max-age") {
			out = append(out, w)
		}
	}
	return out
}
