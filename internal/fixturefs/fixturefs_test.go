package fixturefs

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/lading-dev/lading/internal/testutil"
)

func TestResolveStaysInRoot(t *testing.T) {
	tr := newTree()
	tr.files["usr/lib/os-release"] = []byte("ID=x\n")
	tr.links["etc/os-release"] = "../usr/lib/os-release"
	tr.links["etc/abs"] = "/usr/lib/os-release"
	tr.links["etc/climb"] = "../../../../../usr/lib/os-release"
	tr.links["lib"] = "usr/lib"
	tr.links["etc/viadir"] = "/lib/os-release"
	tr.links["loop1"] = "loop2"
	tr.links["loop2"] = "loop1"
	m, err := tr.mapFS()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"etc/os-release", "etc/abs", "etc/climb", "etc/viadir"} {
		data, err := fs.ReadFile(m, name)
		if err != nil || string(data) != "ID=x\n" {
			t.Errorf("%s: got %q, %v, want %q", name, data, err, "ID=x\n")
		}
	}
	if _, err := fs.Stat(m, "loop1"); err == nil {
		t.Errorf("loop1: got a file, want none")
	}
}

func TestRealLinksInDir(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "usr/lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "usr/lib/os-release"), []byte("ID=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// An absolute link must resolve inside root, not to the host's file.
	if err := os.Symlink("/usr/lib/os-release", filepath.Join(root, "etc/os-release")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	m := Dir(t, root)
	data, err := fs.ReadFile(m, "etc/os-release")
	if err != nil || string(data) != "ID=y\n" {
		t.Errorf("got %q, %v, want %q", data, err, "ID=y\n")
	}
}

func TestFlattenedLinkInFixture(t *testing.T) {
	root := testutil.Shared(t, "fixtures", "dpkg", "ubuntu-20.04-focal-base-armhf")
	m := Dir(t, root)
	got, err := fs.ReadFile(m, "etc/os-release")
	if err != nil {
		t.Fatal(err)
	}
	want, err := fs.ReadFile(m, "usr/lib/os-release")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("etc/os-release: got %q, want the contents of usr/lib/os-release %q", got, want)
	}
	// A listed regular file stays as it is.
	data, err := fs.ReadFile(m, "etc/debian_version")
	if err != nil || string(data) != "bullseye/sid\n" {
		t.Errorf("etc/debian_version: got %q, %v, want %q", data, err, "bullseye/sid\n")
	}
}
