package source_test

// Daemon tests use the real Docker Engine on this machine: images are made
// with `docker import` from the shared Alpine minirootfs and removed after.

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/internal/testutil"
)

func requireDocker(t *testing.T) {
	t.Helper()
	out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput()
	testutil.Require(t, err == nil, "no Docker Engine: docker info: "+strings.TrimSpace(string(out)))
}

func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// dockerImport imports a root filesystem tarball into the engine as ref and
// removes it when the test ends. It returns the image ID.
func dockerImport(t *testing.T, tarball, ref string) string {
	t.Helper()
	id := docker(t, "import", tarball, ref)
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", ref).Run() })
	return id
}

func TestDaemon(t *testing.T) {
	requireDocker(t)
	ref := "lading-test/alpine-daemon:" + uniqueTag(t)
	id := dockerImport(t, alpineRootfs(t), ref)
	if !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("docker import printed %q, want an image id", id)
	}

	for _, r := range []string{"docker:" + ref, ref, "docker:" + id} {
		t.Run(r, func(t *testing.T) {
			img := openOpts(t, r, source.Options{})
			if img.Kind != source.KindDocker {
				t.Errorf("kind = %s, want %s (the engine is asked first)", img.Kind, source.KindDocker)
			}
			if img.ImageID != id {
				t.Errorf("image id = %s, docker import made %s", img.ImageID, id)
			}
			if img.Ref != r {
				t.Errorf("ref = %s", img.Ref)
			}
			cfg, err := img.Image.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if cfg.OS != "linux" {
				t.Errorf("config os = %q", cfg.OS)
			}
			files := onlyLayerFiles(t, img)
			if _, ok := files["lib/apk/db/installed"]; !ok {
				t.Errorf("layer has no lib/apk/db/installed (%d entries)", len(files))
			}
			checkAlpine(t, files)
		})
	}
}

func TestDaemonAbsent(t *testing.T) {
	requireDocker(t)
	ref := "lading-test/absent:" + uniqueTag(t)
	_, err := source.Open(context.Background(), "docker:"+ref, source.Options{TempDir: t.TempDir()})
	if !errors.Is(err, source.ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
	if err != nil && !strings.Contains(err.Error(), ref) {
		t.Errorf("error %q does not name %s", err, ref)
	}
}

// A bare name is looked up in the engine first, then in its registry. The
// tests name only the local registry, so nothing leaves this machine.
func TestDaemonThenRegistry(t *testing.T) {
	requireDocker(t)
	reg := requireRegistry(t)
	dockerConfig(t, nil)

	// In the engine and in the registry, as different images: the engine's.
	both := reg + "/lading-test/both:" + uniqueTag(t)
	id := dockerImport(t, alpineRootfs(t), both)
	pushed := push(t, both, imageOf(t, "linux/amd64", false, tarLayer(t, map[string]string{"etc/where": "registry"})))
	img := openOpts(t, both, source.Options{})
	if img.Kind != source.KindDocker || img.ImageID != id {
		t.Errorf("%s: kind %s, id %s; want the engine's %s", both, img.Kind, img.ImageID, id)
	}

	// Only in the registry.
	exec.Command("docker", "rmi", "-f", both).Run()
	img = openOpts(t, both, source.Options{})
	if img.Kind != source.KindRegistry || img.Digest != pushed.String() {
		t.Errorf("%s: kind %s, digest %s; want the registry's %s", both, img.Kind, img.Digest, pushed)
	}
	if got := onlyLayerFiles(t, img)["etc/where"]; got != "registry" {
		t.Errorf("etc/where = %q", got)
	}

	// In neither: one error that tells both.
	absent := reg + "/lading-test/absent:" + uniqueTag(t)
	_, err := source.Open(context.Background(), absent, source.Options{TempDir: t.TempDir()})
	if err == nil {
		t.Fatal("opened an image that is nowhere")
	}
	for _, want := range []string{absent, "Docker Engine", "registry"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
