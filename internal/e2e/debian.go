// Package e2e holds end-to-end tests that run lading on real images built
// on this machine, and the helpers that build those images. They need the
// Docker Engine and what .ci/run prepares (see the LADING_* variables).
package e2e

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/internal/testutil"
)

// DebianRootfsEnv names the Debian 12 (bookworm) minbase root filesystem
// tarball that .ci/run builds once with debootstrap and caches.
const DebianRootfsEnv = "LADING_DEBIAN_ROOTFS_TAR"

// DebianImage imports the Debian 12 root filesystem at $LADING_DEBIAN_ROOTFS_TAR
// into the Docker Engine as a one-layer image, saves it with `docker save`
// to a tar in t.TempDir(), and asks the image itself what is installed:
// `docker run --rm --network none IMAGE dpkg-query -W -f '${Package} ${Version}\n'`.
// It returns the archive's path and that ground truth (package → version).
// The image is removed from the engine when the test ends.
//
// It skips the test (fails it under LADING_REQUIRE_SHARED) without the
// tarball or a Docker Engine. Each call costs a few seconds (import, save
// and run of a ~160 MB image).
func DebianImage(t testing.TB) (archivePath string, dpkgQuery map[string]string) {
	t.Helper()
	rootfs := os.Getenv(DebianRootfsEnv)
	testutil.Require(t, rootfs != "", DebianRootfsEnv+" is not set: .ci/run builds the Debian 12 rootfs tarball and sets it")
	_, err := os.Stat(rootfs)
	testutil.Require(t, err == nil, DebianRootfsEnv+": "+rootfs+" not found")
	out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput()
	testutil.Require(t, err == nil, "no Docker Engine: docker info: "+strings.TrimSpace(string(out)))

	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	ref := "lading-e2e/debian:bookworm-" + hex.EncodeToString(b)
	run(t, "docker", "import", rootfs, ref)
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", ref).Run() })

	archivePath = filepath.Join(t.TempDir(), "debian-bookworm.tar")
	run(t, "docker", "save", "-o", archivePath, ref)

	stdout := run(t, "docker", "run", "--rm", "--network", "none", ref,
		"dpkg-query", "-W", "-f", "${Package} ${Version}\n")
	dpkgQuery = map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	for sc.Scan() {
		pkg, version, ok := strings.Cut(sc.Text(), " ")
		if !ok || pkg == "" {
			t.Fatalf("dpkg-query printed %q", sc.Text())
		}
		dpkgQuery[pkg] = version
	}
	if len(dpkgQuery) == 0 {
		t.Fatal("dpkg-query listed no packages")
	}
	return archivePath, dpkgQuery
}

// run runs a command and returns its standard output; it fails the test
// with the standard error when the command fails.
func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}
