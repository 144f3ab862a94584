package scan_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/extract/list"
	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/osrelease"
	"github.com/lading-dev/lading/scan"
)

func run(t *testing.T, img *source.Image) *scan.Result {
	t.Helper()
	res, err := scan.Run(context.Background(), img, scan.Options{
		Extractors: list.OS(), DetectOS: osrelease.Detect, OSWants: osrelease.Wants, TempDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A root filesystem whose etc/os-release is an absolute link must be read
// inside the root, not on the host (this machine's /usr/lib/os-release is
// Debian's), and a corrupt rpm database is a recorded problem, not a
// failed scan.
func TestDirLinksStayInsideTheRoot(t *testing.T) {
	apkdb := testutil.Shared(t, "fixtures", "alpine", "apk-db", "3.20.3")
	root := t.TempDir()
	for _, d := range []string{"etc", "usr/lib", "lib/apk/db", "var/lib/rpm"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	release, err := os.ReadFile(filepath.Join(apkdb, "etc", "os-release"))
	if err != nil {
		t.Fatal(err)
	}
	installed, err := os.ReadFile(filepath.Join(apkdb, "lib", "apk", "db", "installed"))
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(root, "usr/lib/os-release"), release, 0o644))
	must(t, os.Symlink("/usr/lib/os-release", filepath.Join(root, "etc/os-release")))
	must(t, os.WriteFile(filepath.Join(root, "lib/apk/db/installed"), installed, 0o644))
	must(t, os.WriteFile(filepath.Join(root, "var/lib/rpm/rpmdb.sqlite"), []byte("not a database"), 0o644))

	res := run(t, &source.Image{Kind: source.KindDir, Dir: root})
	if res.Distro == nil || res.Distro.Family != "alpine" || res.Distro.Version != "3.20.3" {
		t.Errorf("distro %+v, want alpine 3.20.3 from inside the root", res.Distro)
	}
	if len(res.Packages) != 14 {
		t.Errorf("%d packages, want 14 (fixtures PROVENANCE §1b)", len(res.Packages))
	}
	found := false
	for _, p := range res.Problems {
		if p.Path == "var/lib/rpm/rpmdb.sqlite" && p.Error != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("problems %+v: want one naming var/lib/rpm/rpmdb.sqlite", res.Problems)
	}
}

// A real docker save of alpine:3.11: every package comes from its one
// layer and carries that layer's history instruction.
func TestArchiveWithHistoryAttribution(t *testing.T) {
	archive := testutil.Shared(t, "fixtures", "images", "docker-archive", "trivy-alpine-311.tar.gz")
	img, err := source.Open(context.Background(), "docker-archive:"+archive, source.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res := run(t, img)
	// PROVENANCE §5: alpine-release 3.11.5, 14 apk packages, musl 1.1.24-r2.
	if res.Distro == nil || res.Distro.Version != "3.11.5" || len(res.Packages) != 14 {
		t.Fatalf("distro %+v, %d packages", res.Distro, len(res.Packages))
	}
	if len(res.Layers) != 1 || !strings.Contains(res.Layers[0].CreatedBy, "ADD file:") {
		t.Errorf("layers %+v", res.Layers)
	}
	for _, p := range res.Packages {
		if p.Name == "musl" && p.Version != "1.1.24-r2" {
			t.Errorf("musl %s", p.Version)
		}
		if p.Layer != res.Layers[0].DiffID || p.CreatedBy != res.Layers[0].CreatedBy {
			t.Errorf("%s attributed to %q %q", p.Name, p.Layer, p.CreatedBy)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A package database that is a link to a file lading did not keep is a
// recorded problem naming the link, not a silent empty result.
func TestLinkedDatabaseIsAProblem(t *testing.T) {
	root := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(root, "lib/apk/db"), 0o755))
	must(t, os.MkdirAll(filepath.Join(root, "real"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "real/installed"), []byte("P:musl\nV:1.2.5-r0\n\n"), 0o644))
	must(t, os.Symlink("../../../real/installed", filepath.Join(root, "lib/apk/db/installed")))
	res := run(t, &source.Image{Kind: source.KindDir, Dir: root})
	if len(res.Problems) != 1 || res.Problems[0].Path != "lib/apk/db/installed" || !strings.Contains(res.Problems[0].Error, "../../../real/installed") {
		t.Errorf("problems %+v", res.Problems)
	}
}

// A link loop at a path more than one reader wants is one problem, not one
// per reader.
func TestProblemsAreNotRepeated(t *testing.T) {
	root := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(root, "app"), 0o755))
	must(t, os.Symlink("b.lock", filepath.Join(root, "app/a.lock")))
	must(t, os.Symlink("a.lock", filepath.Join(root, "app/b.lock")))
	res, err := scan.Run(context.Background(), &source.Image{Kind: source.KindDir, Dir: root},
		scan.Options{Extractors: []extract.Extractor{&lockExtractor{}, &lockExtractor{}}, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, p := range res.Problems {
		seen[p.Path+"\x00"+p.Error]++
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("%q recorded %d times", k, n)
		}
	}
	if seen["app/a.lock\x00too many levels of symbolic links"] != 1 || seen["app/b.lock\x00too many levels of symbolic links"] != 1 {
		t.Errorf("problems %+v, want each link of the loop named", res.Problems)
	}
}

// A scratch folder a killed scan left a day ago goes; a recent one stays.
func TestTempDirRemovesStaleScratch(t *testing.T) {
	cache := t.TempDir()
	old := filepath.Join(cache, "tmp", "scan-old")
	recent := filepath.Join(cache, "tmp", "scan-recent")
	for _, d := range []string{old, recent} {
		must(t, os.MkdirAll(d, 0o700))
		must(t, os.WriteFile(filepath.Join(d, "daemon-1.tar"), []byte("x"), 0o600))
	}
	day := time.Now().Add(-25 * time.Hour)
	must(t, os.Chtimes(old, day, day))
	dir, cleanup, err := scan.TempDir(cache)
	must(t, err)
	defer cleanup()
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("stale scratch folder still there: %v", err)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("recent scratch folder removed: %v", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Error(err)
	}
}
