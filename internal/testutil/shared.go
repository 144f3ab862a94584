// Package testutil finds the real data that lading's tests read in place:
// the shared folder beside the checkout, with its vulndata/ and fixtures/.
package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// RequireEnv, when set to a non-empty value other than "0", turns a missing
// shared folder into a test failure instead of a skip. .ci/run sets it.
const RequireEnv = "LADING_REQUIRE_SHARED"

// SharedEnv names the shared folder; its default is ../shared beside the
// module root.
const SharedEnv = "LADING_SHARED"

// Shared returns the path of the shared folder joined with elem, or skips
// the test (fails it under LADING_REQUIRE_SHARED) when it is absent.
func Shared(t testing.TB, elem ...string) string {
	t.Helper()
	dir := os.Getenv(SharedEnv)
	if dir == "" {
		root, err := ModuleRoot()
		if err != nil {
			t.Fatalf("finding module root: %v", err)
		}
		dir = filepath.Join(root, "..", "shared")
	}
	p := filepath.Join(append([]string{dir}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		msg := "shared test data not found at " + p + " (set " + SharedEnv + " to the folder holding vulndata/ and fixtures/)"
		if v := os.Getenv(RequireEnv); v != "" && v != "0" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// ModuleRoot walks up from the working directory to the folder holding
// go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// Require fails (under LADING_REQUIRE_SHARED) or skips the test with msg.
// Use it for other missing prerequisites, such as a Docker Engine or a
// registry that .ci/run starts.
func Require(t testing.TB, ok bool, msg string) {
	t.Helper()
	if ok {
		return
	}
	if v := os.Getenv(RequireEnv); v != "" && v != "0" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
