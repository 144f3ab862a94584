package php

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/match"
)

// happyLock serves fixtures/php/composer_happy.lock (PROVENANCE.md §4e)
// as app/composer.lock.
func happyLock(t *testing.T) fstest.MapFS {
	t.Helper()
	data, err := os.ReadFile(testutil.Shared(t, "fixtures", "php", "composer_happy.lock"))
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{"app/composer.lock": {Data: data}}
}

func brief(pkgs []*inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+" "+p.Version+" "+strings.Join(p.Licenses, ","))
	}
	return out
}

func TestComposerLockFixture(t *testing.T) {
	pkgs, err := NewLock().ExtractFile(context.Background(), extract.Input{FS: happyLock(t)}, "app/composer.lock")
	if err != nil {
		t.Fatal(err)
	}
	// 8 packages and 2 packages-dev; the licences as the file writes
	// them (lists, and a plain string in two entries).
	want := []string{
		"guzzlehttp/guzzle 6.5.8 MIT",
		"guzzlehttp/promises 1.5.2 MIT",
		"guzzlehttp/psr7 1.9.0 MIT",
		"psr/http-message 1.0.1 MIT",
		"ralouphie/getallheaders 3.0.3 MIT",
		"symfony/polyfill-intl-idn v1.27.0 MIT",
		"symfony/polyfill-intl-normalizer v1.27.0 MIT",
		"symfony/polyfill-php72 v1.27.0 MIT or BSD-2-Clause",
		"pear/log 1.13.3 MIT",
		"pear/pear_exception v1.0.2 BSD-2-Clause",
	}
	if got := brief(pkgs); !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	for _, p := range pkgs {
		if p.Type != "composer" || p.PURL != "pkg:composer/"+p.Name+"@"+p.Version || len(p.Locations) != 1 || p.Locations[0].Path != "app/composer.lock" {
			t.Errorf("bad package %+v", *p)
		}
	}
}

func TestInstalledJSONFixture(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "php")
	p := "vendor/composer/installed.json"
	if !NewInstalled().Wants(p) {
		t.Fatalf("Wants(%q) = false", p)
	}
	pkgs, err := NewInstalled().ExtractFile(context.Background(), extract.Input{FS: os.DirFS(dir)}, p)
	if err != nil {
		t.Fatal(err)
	}
	// Composer 2 format, 3 packages.
	want := []string{"guzzlehttp/psr7 1.8.3 MIT", "psr/http-message 1.1 MIT", "ralouphie/getallheaders 3.0.3 MIT"}
	if got := brief(pkgs); !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if pkgs[0].PURL != "pkg:composer/guzzlehttp/psr7@1.8.3" || pkgs[0].Locations[0].Path != p {
		t.Errorf("got %+v", *pkgs[0])
	}
}

func TestInstalledJSONComposer1(t *testing.T) {
	// Composer 1 writes a plain list. A path-repository package is the
	// project's own code; a duplicate is given once; entries without a
	// string name and version are skipped.
	data := `[
	  {"name": "monolog/monolog", "version": "1.25.1", "license": ["MIT"]},
	  {"name": "Acme/Local", "version": "dev-main", "dist": {"type": "path", "url": "../local"}},
	  {"name": "monolog/monolog", "version": "1.25.1"},
	  {"name": "bad", "version": "1.0"},
	  {"name": "a/b", "version": 2},
	  "junk",
	  {"name": "Vendor/Mixed", "version": "dev-feature/x"}
	]`
	p := "srv/lib/vendor/composer/installed.json"
	pkgs, err := NewInstalled().ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{p: {Data: []byte("\ufeff" + data)}}}, p)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"monolog/monolog 1.25.1 MIT", "Vendor/Mixed dev-feature/x "}
	if got := brief(pkgs); !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if pkgs[1].PURL != "pkg:composer/vendor/mixed@dev-feature%2Fx" {
		t.Errorf("purl %q", pkgs[1].PURL)
	}
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		e    extract.FileExtractor
		path string
		data string
	}{
		{NewLock(), "app/composer.lock", "not json"},
		{NewLock(), "app/composer.lock", "[]"},
		{NewLock(), "app/composer.lock", `{"packages": {"a/b": "1.0"}}`},
		{NewLock(), "app/composer.lock", `{"packages": [`},
		{NewLock(), "app/composer.lock", ""},
		{NewInstalled(), "vendor/composer/installed.json", `{"dev": true}`},
		{NewInstalled(), "vendor/composer/installed.json", `"x"`},
		{NewInstalled(), "vendor/composer/installed.json", `{"packages": 3}`},
		{NewInstalled(), "vendor/composer/installed.json", `[1, 2`},
	} {
		pkgs, err := tc.e.ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{tc.path: {Data: []byte(tc.data)}}}, tc.path)
		var fe *extract.FileError
		if !errors.As(err, &fe) || fe.Path != tc.path || len(pkgs) != 0 {
			t.Errorf("%s %q: got %d packages, error %v; want a FileError naming the file", tc.e.Name(), tc.data, len(pkgs), err)
		}
	}
}

func TestWants(t *testing.T) {
	lock, inst := NewLock(), NewInstalled()
	for p, want := range map[string]bool{
		"app/composer.lock":                     true,
		"composer.lock":                         true,
		"var/www/vendor-app/composer.lock":      true,
		"app/vendor/acme/lib/composer.lock":     false,
		"app/composer.json":                     false,
		"app/vendor/composer/installed.json":    false,
		"app/vendor/acme/lib/sub/composer.lock": false,
	} {
		if got := lock.Wants(p); got != want {
			t.Errorf("Lock.Wants(%q) = %v, want %v", p, got, want)
		}
	}
	for p, want := range map[string]bool{
		"app/vendor/composer/installed.json": true,
		"app/lib/composer/installed.json":    true,
		"composer/installed.json":            false,
		"app/vendor/composer/installed.php":  false,
		"app/vendor/acme/lib/installed.json": false,
	} {
		if got := inst.Wants(p); got != want {
			t.Errorf("Installed.Wants(%q) = %v, want %v", p, got, want)
		}
	}
}

// TestMatchFriendsOfPHP runs composer_happy.lock through match.Language on
// a database built from the FriendsOfPHP archive (vulndata PROVENANCE §5,
// security-advisories @ 73745a61). Read from the archive with unzip -p:
//   - guzzlehttp/guzzle/CVE-2026-55568.yaml and CVE-2026-55767.yaml: one
//     branch, versions ['<7.12.1']: 6.5.8 is affected. CVE-2022-31090 and
//     CVE-2022-31091 ('>=4', '<6.5.8' on the 6.x branch), CVE-2022-31042
//     and CVE-2022-31043 ('<6.5.7'), CVE-2022-29248 ('<6.5.6') and
//     CVE-2016-5385 ('>=6', '<6.2.1'): 6.5.8 is fixed, the first two at the
//     boundary;
//   - guzzlehttp/psr7/CVE-2023-29197.yaml (1.9 branch '<1.9.1'),
//     CVE-2026-48998 and CVE-2026-49214 ('<2.10.2'), CVE-2026-55766
//     ('<2.12.1'): 1.9.0 is affected; CVE-2022-24775 (1.x '<1.8.4'): fixed;
//   - symfony/polyfill-intl-idn/CVE-2026-46644.yaml ('>=1.17.1',
//     '<1.38.1'): v1.27.0, written with its "v", is affected.
//
// No other package of the lockfile has a record in the archive.
func TestMatchFriendsOfPHP(t *testing.T) {
	zip := testutil.Shared(t, "vulndata", "github", "FriendsOfPHP", "security-advisories", "archive", "refs", "heads", "master.zip")
	db := filepath.Join(t.TempDir(), "advisories.db")
	if _, err := build.Build(context.Background(), db, []string{zip}, build.Options{}); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pkgs, err := NewLock().ExtractFile(context.Background(), extract.Input{FS: happyLock(t)}, "app/composer.lock")
	if err != nil {
		t.Fatal(err)
	}
	res, err := match.Language(context.Background(), s, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unknowns) != 0 {
		t.Errorf("unknowns: %+v", res.Unknowns)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.PackageName+" "+f.InstalledVersion+" "+f.ID+" fixed="+f.FixedVersion+" "+f.Namespace+" "+f.DataSource)
	}
	want := []string{
		"guzzlehttp/guzzle 6.5.8 CVE-2026-55568 fixed=7.12.1 packagist friendsofphp",
		"guzzlehttp/guzzle 6.5.8 CVE-2026-55767 fixed=7.12.1 packagist friendsofphp",
		"guzzlehttp/psr7 1.9.0 CVE-2023-29197 fixed=1.9.1 packagist friendsofphp",
		"guzzlehttp/psr7 1.9.0 CVE-2026-48998 fixed=2.10.2 packagist friendsofphp",
		"guzzlehttp/psr7 1.9.0 CVE-2026-49214 fixed=2.10.2 packagist friendsofphp",
		"guzzlehttp/psr7 1.9.0 CVE-2026-55766 fixed=2.12.1 packagist friendsofphp",
		"symfony/polyfill-intl-idn v1.27.0 CVE-2026-46644 fixed=1.38.1 packagist friendsofphp",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("findings:\n got  %q\n want %q", got, want)
	}
}
