package rpm_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/extract/rpm"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
)

// Amazon Linux 2023's database (fixtures PROVENANCE §2) lists the files of
// its python3 packages; a Python distribution found in one of their
// metadata folders is the OS package's, not a PyPI package of its own.
func TestOwnedFiles(t *testing.T) {
	root := testutil.Shared(t, "fixtures", "rpm", "amazonlinux2023")
	owners, err := rpm.OwnedFiles(context.Background(), os.DirFS(root), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if owners["usr/bin/curl"] != "curl-minimal" {
		t.Errorf("usr/bin/curl owned by %q, want curl-minimal", owners["usr/bin/curl"])
	}
	var meta string
	for f, pkg := range owners {
		if strings.HasSuffix(f, ".dist-info/METADATA") || strings.HasSuffix(f, ".egg-info/PKG-INFO") {
			meta = f
			t.Logf("%s owned by %s", f, pkg)
			break
		}
	}
	if meta == "" {
		t.Fatal("no Python metadata file in the database's file lists")
	}
	owned := &inventory.Package{Name: "x", Version: "1", Type: "pypi", Locations: []inventory.Location{{Path: meta}}}
	pipped := &inventory.Package{Name: "y", Version: "1", Type: "pypi", Locations: []inventory.Location{{Path: filepath.Join("usr/local/lib/python3.9/site-packages/y-1.dist-info", "METADATA")}}}
	kept := rpm.DropOwned(context.Background(), os.DirFS(root), t.TempDir(), []*inventory.Package{owned, pipped})
	if len(kept) != 1 || kept[0] != pipped {
		t.Errorf("kept %v, want only the pip-installed package", kept)
	}
}
