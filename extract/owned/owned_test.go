package owned

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/extract/python"
	"github.com/lading-dev/lading/internal/fixturefs"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
)

const site = "/usr/lib/python3/dist-packages/"

// debianOwners maps each Debian bookworm package of PROVENANCE.md 4b to
// the metadata folders it ships.
var debianOwners = map[string][]string{
	"python3-requests":     {"requests-2.28.1.egg-info"},
	"python3-urllib3":      {"urllib3-1.26.12.egg-info"},
	"python3-jinja2":       {"Jinja2-3.1.2.egg-info"},
	"python3-markupsafe":   {"MarkupSafe-2.1.2.egg-info"},
	"python3-cryptography": {"cryptography-38.0.4.dist-info", "cryptography.egg-info"},
	"python3-yaml":         {"PyYAML-6.0.dist-info"},
	"python3-idna":         {"idna-3.3.egg-info"},
	"python3-certifi":      {"certifi-2022.9.24.egg-info"},
	"python3-six":          {"six-1.16.0.egg-info"},
}

// withLists adds to fsys a dpkg file list for each package, in dpkg's
// form ("/." first, then every folder and file, absolute), made from the
// fixture's own files. The lists are written here: the fixtures hold the
// metadata folders but no dpkg database.
func withLists(fsys fstest.MapFS, owners map[string][]string) {
	for pkg, dirs := range owners {
		lines := []string{"/.", "/usr", "/usr/lib", "/usr/lib/python3", strings.TrimSuffix(site, "/")}
		for _, d := range dirs {
			lines = append(lines, site+d)
			for name := range fsys {
				if strings.HasPrefix("/"+name, site+d+"/") {
					lines = append(lines, "/"+name)
				}
			}
		}
		fsys["var/lib/dpkg/info/"+pkg+".list"] = &fstest.MapFile{Data: []byte(strings.Join(lines, "\n") + "\n")}
	}
}

func debs(names ...string) []*inventory.Package {
	var out []*inventory.Package
	for _, n := range names {
		out = append(out, &inventory.Package{Name: n, Version: "1", Type: inventory.TypeDeb, Arch: "all"})
	}
	return out
}

func names(pkgs []*inventory.Package) string {
	var s []string
	for _, p := range pkgs {
		s = append(s, p.Name)
	}
	return strings.Join(s, " ")
}

func TestDebianPythonOwned(t *testing.T) {
	fsys := fixturefs.Dir(t, testutil.Shared(t, "fixtures", "python", "debian-bookworm-dist-packages"))
	withLists(fsys, debianOwners)
	// A pip-installed distribution no OS package owns.
	fsys["usr/local/lib/python3.11/dist-packages/requests-2.32.3.dist-info/METADATA"] = &fstest.MapFile{Data: []byte("Name: requests\nVersion: 2.32.3\n")}
	lang, err := python.NewInstalled().Extract(context.Background(), extract.Input{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	if len(lang) != 10 {
		t.Fatalf("got %d Python packages, want 9 + 1", len(lang))
	}
	var osPkgs []*inventory.Package
	for pkg := range debianOwners {
		osPkgs = append(osPkgs, debs(pkg)...)
	}
	kept, owned, err := Partition(fsys, osPkgs, lang)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept[0].Version != "2.32.3" {
		t.Errorf("kept %v, want only the pip-installed requests 2.32.3", names(kept))
	}
	want := map[string]string{
		"requests": "python3-requests", "urllib3": "python3-urllib3", "Jinja2": "python3-jinja2",
		"MarkupSafe": "python3-markupsafe", "cryptography": "python3-cryptography", "PyYAML": "python3-yaml",
		"idna": "python3-idna", "certifi": "python3-certifi", "six": "python3-six",
	}
	for _, o := range owned {
		if want[o.Package.Name] != o.Owner.Name {
			t.Errorf("%s owned by %s, want %s", o.Package.Name, o.Owner.Name, want[o.Package.Name])
		}
		delete(want, o.Package.Name)
	}
	if len(want) != 0 {
		t.Errorf("not dropped: %v", want)
	}
	if got := DropOSOwned(fsys, osPkgs, lang); len(got) != 1 {
		t.Errorf("DropOSOwned kept %s", names(got))
	}

	// A file list left by a package that is no longer installed (not in
	// the OS inventory) owns nothing.
	var fewer []*inventory.Package
	for _, p := range osPkgs {
		if p.Name != "python3-six" {
			fewer = append(fewer, p)
		}
	}
	kept = DropOSOwned(fsys, fewer, lang)
	if names(kept) != "requests six" && names(kept) != "six requests" {
		t.Errorf("with python3-six not installed, kept %s", names(kept))
	}
}

func TestOwnershipRules(t *testing.T) {
	lang := []*inventory.Package{
		// Listed under /lib on a merged-/usr system.
		{Name: "a", Version: "1", Type: python.Type, Locations: []inventory.Location{{Path: "usr/lib/python3/dist-packages/a-1.dist-info/METADATA"}}},
		// Only its metadata folder is listed.
		{Name: "b", Version: "1", Type: python.Type, Locations: []inventory.Location{{Path: "usr/lib/python3/dist-packages/b-1.egg-info/PKG-INFO"}}},
		// A folder that is no metadata folder is not enough.
		{Name: "c", Version: "1", Type: python.Type, Locations: []inventory.Location{{Path: "usr/lib/python3/dist-packages/c.egg-info"}}},
		// Two locations, one owned: kept.
		{Name: "d", Version: "1", Type: "npm", Locations: []inventory.Location{{Path: "usr/share/nodejs/d/package.json"}, {Path: "app/package-lock.json"}}},
		// Owned through the multi-arch list name.
		{Name: "e", Version: "1", Type: "npm", Locations: []inventory.Location{{Path: "usr/lib/x86_64-linux-gnu/node_modules/e/package.json"}}},
		// Owned by a distroless md5sums file.
		{Name: "f", Version: "1", Type: python.Type, Locations: []inventory.Location{{Path: "usr/lib/python3.11/f-1.dist-info/METADATA"}}},
		// No location.
		{Name: "g", Version: "1", Type: python.Type},
		// OS packages are never dropped.
		{Name: "h", Version: "1", Type: inventory.TypeDeb, Locations: []inventory.Location{{Path: "usr/lib/python3/dist-packages/h-1.dist-info/METADATA"}}},
	}
	fsys := fstest.MapFS{
		"var/lib/dpkg/info/python3-a.list":         {Data: []byte("/.\n/lib/python3/dist-packages/a-1.dist-info/METADATA\n/usr/lib/python3/dist-packages/h-1.dist-info/METADATA\n")},
		"var/lib/dpkg/info/python3-b.list":         {Data: []byte("/usr/lib/python3/dist-packages/b-1.egg-info\n/usr/lib/python3/dist-packages\n")},
		"var/lib/dpkg/info/node-d.list":            {Data: []byte("/usr/share/nodejs/d/package.json\n")},
		"var/lib/dpkg/info/node-e:amd64.list":      {Data: []byte("/usr/lib/x86_64-linux-gnu/node_modules/e/package.json\r\n")},
		"var/lib/dpkg/status.d/py":                 {Data: []byte("Package: python3-f\nVersion: 1\nArchitecture: all\n")},
		"var/lib/dpkg/status.d/py.md5sums":         {Data: []byte("0123456789abcdef0123456789abcdef  usr/lib/python3.11/f-1.dist-info/METADATA\n")},
		"var/lib/dpkg/info/python3-c.list":         {Data: []byte("/usr/lib/python3/dist-packages\n")},
		"var/lib/dpkg/info/not-installed.list":     {Data: []byte("/usr/lib/python3/dist-packages/g\n")},
		"usr/lib/python3/dist-packages/c.egg-info": {Data: []byte("Name: c\nVersion: 1\n")},
	}
	osPkgs := debs("python3-a", "python3-b", "python3-c", "node-d", "python3-f", "h")
	osPkgs = append(osPkgs, &inventory.Package{Name: "node-e", Version: "1", Type: inventory.TypeDeb, Arch: "amd64"})
	kept, owned, err := Partition(fsys, osPkgs, lang)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(kept); got != "c d g h" {
		t.Errorf("kept %s, want c d g h", got)
	}
	var got []string
	for _, o := range owned {
		got = append(got, o.Package.Name+"<"+o.Owner.Name)
	}
	if strings.Join(got, " ") != "a<python3-a b<python3-b e<node-e f<python3-f" {
		t.Errorf("owned %v", got)
	}
	// CRLF line ends are tolerated (node-e); nothing without OS packages.
	if kept, owned, err := Partition(fsys, nil, lang); len(kept) != len(lang) || owned != nil || err != nil {
		t.Errorf("no OS packages: kept %d, owned %v, %v", len(kept), owned, err)
	}
}

func TestUnreadableListKeepsPackages(t *testing.T) {
	lang := []*inventory.Package{{Name: "a", Version: "1", Type: python.Type, Locations: []inventory.Location{{Path: "usr/lib/python3/dist-packages/a-1.dist-info/METADATA"}}}}
	fsys := fstest.MapFS{
		"var/lib/dpkg/info/python3-a.list": {Data: []byte(strings.Repeat("x", maxLine+1) + "\n/usr/lib/python3/dist-packages/a-1.dist-info/METADATA\n")},
	}
	kept, _, err := Partition(fsys, debs("python3-a"), lang)
	var fe *extract.FileError
	if !errors.As(err, &fe) || fe.Path != "var/lib/dpkg/info/python3-a.list" {
		t.Errorf("got %v, want a FileError for the list", err)
	}
	if len(kept) != 1 {
		t.Errorf("kept %d, want 1", len(kept))
	}
}

func TestExtractor(t *testing.T) {
	e := New()
	for p, want := range map[string]bool{
		"var/lib/dpkg/info/python3-yaml.list":       true,
		"var/lib/dpkg/info/libc6:amd64.list":        true,
		"var/lib/dpkg/status.d/base.md5sums":        true,
		"var/lib/dpkg/info/.list":                   false,
		"var/lib/dpkg/info/python3-yaml.md5sums":    false,
		"var/lib/dpkg/info/x/y.list":                false,
		"var/lib/dpkg/status.d/base":                false,
		"var/lib/dpkg/status":                       false,
		"usr/var/lib/dpkg/info/python3-yaml.list":   false,
		"var/lib/dpkg/info/python3-yaml.list.dpkg-": false,
	} {
		if got := e.Wants(p); got != want {
			t.Errorf("Wants(%q) = %v, want %v", p, got, want)
		}
	}
	if pkgs, err := e.Extract(context.Background(), extract.Input{FS: fstest.MapFS{}}); pkgs != nil || err != nil {
		t.Errorf("Extract: %v, %v", pkgs, err)
	}
	if e.Name() == "" || e.Version() < 1 {
		t.Error("name or version")
	}
}
