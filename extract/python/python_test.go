package python

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/internal/fixturefs"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
)

const distPackages = "usr/lib/python3/dist-packages/"

func extractAll(t *testing.T, e extract.Extractor, fsys fs.FS) []*inventory.Package {
	t.Helper()
	pkgs, err := e.Extract(context.Background(), extract.Input{FS: fsys})
	if err != nil {
		t.Fatalf("%s: %v", e.Name(), err)
	}
	return pkgs
}

func list(pkgs []*inventory.Package) string {
	var s []string
	for _, p := range pkgs {
		s = append(s, p.Name+"@"+p.Version)
	}
	return strings.Join(s, " ")
}

func sortedList(pkgs []*inventory.Package) string {
	var s []string
	for _, p := range pkgs {
		s = append(s, p.Name+"@"+p.Version)
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}

// TestDebianDistPackages checks PROVENANCE.md 4b: nine distributions from
// ten metadata folders, cryptography having both a dist-info and an
// egg-info; names as spelled, versions without Debian's suffixes, and the
// licences the metadata gives.
func TestDebianDistPackages(t *testing.T) {
	fsys := fixturefs.Dir(t, testutil.Shared(t, "fixtures", "python", "debian-bookworm-dist-packages"))
	dirs, err := fs.ReadDir(fsys, strings.TrimSuffix(distPackages, "/"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != 10 {
		t.Errorf("%d metadata folders, want 10", len(dirs))
	}
	pkgs := extractAll(t, NewInstalled(), fsys)
	want := map[string]struct{ version, licence, purl, loc string }{
		"requests":     {"2.28.1", "Apache 2.0", "pkg:pypi/requests@2.28.1", "requests-2.28.1.egg-info/PKG-INFO"},
		"urllib3":      {"1.26.12", "MIT", "pkg:pypi/urllib3@1.26.12", "urllib3-1.26.12.egg-info/PKG-INFO"},
		"Jinja2":       {"3.1.2", "BSD-3-Clause", "pkg:pypi/jinja2@3.1.2", "Jinja2-3.1.2.egg-info/PKG-INFO"},
		"MarkupSafe":   {"2.1.2", "BSD-3-Clause", "pkg:pypi/markupsafe@2.1.2", "MarkupSafe-2.1.2.egg-info/PKG-INFO"},
		"cryptography": {"38.0.4", "BSD-3-Clause OR Apache-2.0", "pkg:pypi/cryptography@38.0.4", "cryptography-38.0.4.dist-info/METADATA"},
		"PyYAML":       {"6.0", "MIT", "pkg:pypi/pyyaml@6.0", "PyYAML-6.0.dist-info/METADATA"},
		"idna":         {"3.3", "BSD-3-Clause", "pkg:pypi/idna@3.3", "idna-3.3.egg-info/PKG-INFO"},
		"certifi":      {"2022.9.24", "MPL-2.0", "pkg:pypi/certifi@2022.9.24", "certifi-2022.9.24.egg-info/PKG-INFO"},
		"six":          {"1.16.0", "MIT", "pkg:pypi/six@1.16.0", "six-1.16.0.egg-info/PKG-INFO"},
	}
	if len(pkgs) != 9 {
		t.Errorf("got %d packages (%s), want 9", len(pkgs), list(pkgs))
	}
	for _, p := range pkgs {
		w, ok := want[p.Name]
		if !ok {
			t.Errorf("unexpected %s", p.Name)
			continue
		}
		delete(want, p.Name)
		if p.Version != w.version || strings.Join(p.Licenses, "|") != w.licence || p.PURL != w.purl || p.Type != Type ||
			len(p.Locations) != 1 || p.Locations[0].Path != distPackages+w.loc || p.SourceName != p.Name || p.SourceVersion != p.Version {
			t.Errorf("%s: got %+v, want %+v", p.Name, *p, w)
		}
	}
	if len(want) != 0 {
		t.Errorf("missing: %v", want)
	}

	// The egg-info of cryptography read on its own gives nothing, because
	// the dist-info beside it describes the same distribution; without the
	// dist-info it gives cryptography.
	egg := distPackages + "cryptography.egg-info/PKG-INFO"
	if got, err := NewInstalled().ExtractFile(context.Background(), extract.Input{FS: fsys}, egg); err != nil || len(got) != 0 {
		t.Errorf("egg-info beside the dist-info: got %s, %v", list(got), err)
	}
	alone := fstest.MapFS{egg: fsys[egg]}
	if got, err := NewInstalled().ExtractFile(context.Background(), extract.Input{FS: alone}, egg); err != nil || list(got) != "cryptography@38.0.4" {
		t.Errorf("egg-info alone: got %s, %v", list(got), err)
	}
}

func TestEggInfoDedupRules(t *testing.T) {
	meta := func(name, version string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n\nbody\n")}
	}
	fsys := fstest.MapFS{
		// Same distribution, spelled differently: reported once.
		"site/zope_interface-5.0.dist-info/METADATA": meta("zope.interface", "5.0"),
		"site/zope.interface-5.0-py3.11.egg-info":    meta("Zope.Interface", "5.0"),
		// Different versions: both reported.
		"site/foo-2.0.dist-info/METADATA": meta("foo", "2.0"),
		"site/foo-1.0.egg-info/PKG-INFO":  meta("foo", "1.0"),
		// A dist-info whose name only starts like the egg's: no effect.
		"site/foo_bar-1.0.dist-info/METADATA": meta("foo-bar", "1.0"),
		"site/foo-1.0-py3.egg-info":           meta("foo", "1.0"),
		// Same name and version in another folder: both reported.
		"other/foo-2.0.egg-info/PKG-INFO": meta("foo", "2.0"),
		// An egg.
		"site/bar-3.0-py3.11.egg/EGG-INFO/PKG-INFO": meta("bar", "3.0"),
		// A folder named like an egg-info file holds only other files.
		"site/baz.egg-info/top_level.txt": {Data: []byte("baz\n")},
	}
	pkgs := extractAll(t, NewInstalled(), fsys)
	if got, want := sortedList(pkgs), "bar@3.0 foo-bar@1.0 foo@1.0 foo@1.0 foo@2.0 foo@2.0 zope.interface@5.0"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// A dist-info without METADATA hides nothing; one whose METADATA is
	// listed but cannot be opened (the layer walk let go of it) is judged
	// by its folder name.
	released := releasedFS{MapFS: fstest.MapFS{
		"s/qux-1.0.dist-info/RECORD":         {Data: []byte("x")},
		"s/qux-1.0.egg-info/PKG-INFO":        meta("qux", "1.0"),
		"s/Quux_X-2.0.dist-info/METADATA":    meta("quux-x", "2.0"),
		"s/quux_x-2.0-py3.11.egg-info":       meta("quux.x", "2.0"),
		"s/Quux_X-2.0.dist-info/INSTALLER":   {Data: []byte("pip")},
		"s/quux_x-2.0-py3.11.egg-info-extra": {Data: []byte("-")},
	}, hide: "s/Quux_X-2.0.dist-info/METADATA"}
	for p, want := range map[string]string{"s/qux-1.0.egg-info/PKG-INFO": "qux@1.0", "s/quux_x-2.0-py3.11.egg-info": ""} {
		got, err := NewInstalled().ExtractFile(context.Background(), extract.Input{FS: released}, p)
		if err != nil || list(got) != want {
			t.Errorf("%s: got %s, %v; want %q", p, list(got), err, want)
		}
	}
	// The egg-info folder itself is wanted (the walk cannot tell) and gives nothing.
	if !NewInstalled().Wants("site/baz.egg-info") {
		t.Error("egg-info folder path not wanted")
	}
	if got, err := NewInstalled().ExtractFile(context.Background(), extract.Input{FS: fsys}, "site/baz.egg-info"); got != nil || err != nil {
		t.Errorf("egg-info folder: got %v, %v", got, err)
	}
}

// releasedFS lists hide in its folder but cannot open it, as the layer
// tree does with a file whose contents it let go.
type releasedFS struct {
	fstest.MapFS
	hide string
}

func (r releasedFS) Open(name string) (fs.File, error) {
	if name == r.hide {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return r.MapFS.Open(name)
}

func TestMetadataHeaders(t *testing.T) {
	for _, c := range []struct{ data, want, lic string }{
		{"Metadata-Version: 2.1\r\nName: A_b\r\nVersion: 1.0\r\nLicense: MIT\r\n\r\nName: body\r\n", "A_b@1.0", "MIT"},
		{"Name: a\nVersion: 1!2.0.post1+local\nLicense: Copyright (c) x\n        All rights reserved.\nClassifier: License :: OSI Approved :: BSD License\n\n", "a@1!2.0.post1+local", "BSD License"},
		{"Name: a\nVersion: 1.0\nLicense: UNKNOWN\nLicense-Expression: MIT OR Apache-2.0\n", "a@1.0", "MIT OR Apache-2.0"},
		{"Name: a\nVersion: 1.0\nLicense: UNKNOWN\n", "a@1.0", ""},
		{"name: a\nVERSION: 1.0", "a@1.0", ""},
		{"Name: a\n\nVersion: 1.0\n", "", ""},
		{"Name: a\nThis is no header\nVersion: 1.0\n", "", ""},
		{"Name: a\nVersion: \n", "", ""},
		{"Name: not a name\nVersion: 1.0\n", "", ""},
		{"Name: a\nVersion: 1.0 beta\n", "", ""},
		{"", "", ""},
		{"\x00\x01\x02", "", ""},
	} {
		name := "s/x.dist-info/METADATA"
		pkgs, err := NewInstalled().ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{name: {Data: []byte(c.data)}}}, name)
		if err != nil {
			t.Errorf("%q: %v", c.data, err)
		}
		if got := list(pkgs); got != c.want {
			t.Errorf("%q: got %q, want %q", c.data, got, c.want)
		}
		if len(pkgs) == 1 && strings.Join(pkgs[0].Licenses, "|") != c.lic {
			t.Errorf("%q: got licences %v, want %q", c.data, pkgs[0].Licenses, c.lic)
		}
	}
	// Headers larger than MaxHeaderSize are refused; a large body is not read.
	big := "Name: a\nVersion: 1\nLicense: " + strings.Repeat("x", MaxHeaderSize) + "\n\n"
	_, err := NewInstalled().ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{"x.egg-info": {Data: []byte(big)}}}, "x.egg-info")
	var fe *extract.FileError
	if !errors.As(err, &fe) || fe.Path != "x.egg-info" {
		t.Errorf("huge headers: got %v", err)
	}
	body := "Name: a\nVersion: 1\n\n" + strings.Repeat("y\n", MaxHeaderSize)
	if pkgs, err := NewInstalled().ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{"x.egg-info": {Data: []byte(body)}}}, "x.egg-info"); err != nil || list(pkgs) != "a@1" {
		t.Errorf("large body: got %s, %v", list(pkgs), err)
	}
}

func lockfile(t *testing.T, src, as string) fstest.MapFS {
	t.Helper()
	data, err := os.ReadFile(testutil.Shared(t, "fixtures", "python", "lockfiles", src))
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{as: {Data: data}}
}

func extractLock(t *testing.T, fsys fstest.MapFS, name string) []*inventory.Package {
	t.Helper()
	pkgs, err := NewLock().ExtractFile(context.Background(), extract.Input{FS: fsys}, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, p := range pkgs {
		if p.Type != Type || len(p.Locations) != 1 || p.Locations[0].Path != name || p.PURL != "pkg:pypi/"+Normalize(p.Name)+"@"+p.Version {
			t.Errorf("%s: %+v", name, *p)
		}
	}
	return pkgs
}

func TestPoetry(t *testing.T) {
	const want = "atomicwrites@1.4.1 attrs@25.1.0 click@8.1.8 colorama@0.4.6 flask@1.0.3 itsdangerous@2.2.0 jinja2@3.1.5 markupsafe@3.0.2 more-itertools@10.6.0 packaging@24.2 pluggy@0.13.1 py@1.11.0 pytest@5.4.3 wcwidth@0.2.13 werkzeug@3.1.3"
	for file, lockVersion := range map[string]string{"poetry_flask.lock": "1.1", "poetry_v2_flask.lock": "2.1"} {
		fsys := lockfile(t, file, "app/poetry.lock")
		var meta struct {
			Metadata struct {
				LockVersion string `toml:"lock-version"`
			} `toml:"metadata"`
		}
		if _, err := toml.Decode(string(fsys["app/poetry.lock"].Data), &meta); err != nil || meta.Metadata.LockVersion != lockVersion {
			t.Errorf("%s: lock-version %q, %v; want %s", file, meta.Metadata.LockVersion, err, lockVersion)
		}
		pkgs := extractLock(t, fsys, "app/poetry.lock")
		if len(pkgs) != 15 || list(pkgs) != want {
			t.Errorf("%s: got %d: %s", file, len(pkgs), list(pkgs))
		}
	}
}

func TestPipfileLock(t *testing.T) {
	sections := func(fsys fstest.MapFS, name string) (int, int) {
		var raw struct{ Default, Develop map[string]json.RawMessage }
		if err := json.Unmarshal(fsys[name].Data, &raw); err != nil {
			t.Fatal(err)
		}
		return len(raw.Default), len(raw.Develop)
	}
	many := lockfile(t, "Pipfile_many.lock", "Pipfile.lock")
	if d, v := sections(many, "Pipfile.lock"); d != 24 || v != 0 {
		t.Errorf("Pipfile_many: default %d develop %d, want 24 and 0", d, v)
	}
	pkgs := extractLock(t, many, "Pipfile.lock")
	if len(pkgs) != 24 {
		t.Errorf("Pipfile_many: got %d packages, want 24", len(pkgs))
	}
	if !strings.Contains(" "+list(pkgs)+" ", " awscli@1.16.147 ") {
		t.Errorf("Pipfile_many: no awscli 1.16.147 (written ==1.16.147): %s", list(pkgs))
	}

	// default 55 (one of them, django-postgres-extra, an editable git
	// checkout without a version) and develop 37, six of which (urllib3,
	// python-dateutil, pyyaml, pytz, pycodestyle, six) are in default with
	// the same version: 54 + 37 - 6 = 85 packages.
	ci := lockfile(t, "trivy-ci-test/Pipfile.lock", "srv/Pipfile.lock")
	if d, v := sections(ci, "srv/Pipfile.lock"); d != 55 || v != 37 {
		t.Errorf("trivy-ci-test: default %d develop %d, want 55 and 37", d, v)
	}
	pkgs = extractLock(t, ci, "srv/Pipfile.lock")
	if len(pkgs) != 85 {
		t.Errorf("trivy-ci-test: got %d packages, want 85", len(pkgs))
	}
	got := " " + list(pkgs) + " "
	for _, w := range []string{"django@2.0.9", "celery@4.3.0", "urllib3@1.24.1", "six@1.12.0", "autopep8@1.4.3"} {
		if !strings.Contains(got, " "+w+" ") {
			t.Errorf("trivy-ci-test: %s missing", w)
		}
	}
	if strings.Contains(got, "django-postgres-extra") {
		t.Error("trivy-ci-test: the editable git checkout was reported")
	}
}

func TestUVLock(t *testing.T) {
	fsys := lockfile(t, "uv_normal.lock", "uv.lock")
	var raw struct {
		Version int              `toml:"version"`
		Package []map[string]any `toml:"package"`
	}
	if _, err := toml.Decode(string(fsys["uv.lock"].Data), &raw); err != nil || raw.Version != 1 || len(raw.Package) != 21 {
		t.Errorf("uv.lock: version %d, %d packages, %v", raw.Version, len(raw.Package), err)
	}
	// 21 [[package]]; "normal" is the project itself (source virtual).
	pkgs := extractLock(t, fsys, "uv.lock")
	if len(pkgs) != 20 || strings.Contains(list(pkgs), "normal@") {
		t.Errorf("got %d: %s", len(pkgs), list(pkgs))
	}
	for _, w := range []string{"requests@2.32.0", "httpx@0.28.1", "typing-extensions@4.12.2", "urllib3@2.2.3"} {
		if !strings.Contains(" "+list(pkgs)+" ", " "+w+" ") {
			t.Errorf("%s missing", w)
		}
	}
}

func TestPyLock(t *testing.T) {
	fsys := lockfile(t, "pylock.toml", "pylock.toml")
	var raw struct {
		LockVersion string           `toml:"lock-version"`
		Packages    []map[string]any `toml:"packages"`
	}
	if _, err := toml.Decode(string(fsys["pylock.toml"].Data), &raw); err != nil || raw.LockVersion != "1.0" || len(raw.Packages) != 10 {
		t.Errorf("pylock.toml: lock-version %q, %d packages, %v", raw.LockVersion, len(raw.Packages), err)
	}
	// ham 3.0.0 has two entries (one per marker): nine packages.
	pkgs := extractLock(t, fsys, "pylock.toml")
	if got := list(pkgs); got != "attrs@25.4.0 certifi@2025.10.5 charset-normalizer@3.4.3 idna@3.10 requests@2.32.5 urllib3@2.5.0 spam@1.0.0 spam@1.1.0 ham@3.0.0" {
		t.Errorf("got %s", got)
	}
}

func TestRequirementsFixtures(t *testing.T) {
	for file, want := range map[string]string{
		"requirements_flask.txt":      "click@8.0.0 Flask@2.0.0 itsdangerous@2.0.0 Jinja2@3.0.0 MarkupSafe@2.0.0 Werkzeug@2.0.0",
		"requirements_hash.txt":       "FooProject@1.2 Jinja2@3.0.0",
		"requirements_operator.txt":   "Django@2.3.4 SomeProject@5.4",
		"requirement_exstras.txt":     "pyjwt@2.1.0 celery@4.4.7",
		"requirements_compatible.txt": "",
	} {
		fsys := lockfile(t, "requirements/"+file, "app/"+file)
		if got := list(extractLock(t, fsys, "app/"+file)); got != want {
			t.Errorf("%s: got %q, want %q", file, got, want)
		}
	}
}

func TestRequirementsRules(t *testing.T) {
	req := `# comment
-i https://pypi.example/simple
--extra-index-url https://x
-c constraints.txt
-e .
-e git+https://github.com/x/y.git#egg=y
./local/pkg
https://example.org/z-1.0.tar.gz
name @ https://example.org/n.whl
a==1.0  # pinned
b===2.0
c[x,y] == 3.0 ; python_version >= "3.8"
d==4.0 \
    --hash=sha256:abc \
    --hash=sha256:def
e==5.*
f==1.0,<2
g>=1.0
h~=1.0
i!=1.0
j
k==${K_VERSION}
A_B.c==6.0
l (==7.0)
-r requirements-base.txt
--requirement=missing.txt
-r ../outside.txt
--requirement https://example.org/r.txt
-rshort.txt
`
	fsys := fstest.MapFS{
		"app/requirements.txt":      {Data: []byte(req)},
		"app/requirements-base.txt": {Data: []byte("m==8.0\n")},
		"app/short.txt":             {Data: []byte("n==9.0\n")},
	}
	pkgs, err := NewLock().ExtractFile(context.Background(), extract.Input{FS: fsys}, "app/requirements.txt")
	if got, want := list(pkgs), "a@1.0 b@2.0 c@3.0 d@4.0 A_B.c@6.0"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if pkgs[4].PURL != "pkg:pypi/a-b-c@6.0" {
		t.Errorf("purl %s", pkgs[4].PURL)
	}
	// requirements-base.txt is read on its own; the others are reported.
	var includes []string
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		t.Fatalf("got %v, want joined errors", err)
	}
	for _, e := range joined.Unwrap() {
		var fe *extract.FileError
		var ue *UnresolvedIncludeError
		if !errors.As(e, &fe) || fe.Path != "app/requirements.txt" || !errors.As(e, &ue) {
			t.Errorf("error %v", e)
			continue
		}
		includes = append(includes, ue.Include)
	}
	if got, want := strings.Join(includes, " "), "missing.txt ../outside.txt https://example.org/r.txt short.txt"; got != want {
		t.Errorf("unresolved includes: got %s, want %s", got, want)
	}
	all := extractAll(t, NewLock(), fstest.MapFS{"app/requirements-base.txt": fsys["app/requirements-base.txt"]})
	if list(all) != "m@8.0" {
		t.Errorf("base: %s", list(all))
	}
}

func TestWants(t *testing.T) {
	inst, lock := NewInstalled(), NewLock()
	for p, want := range map[string]bool{
		"usr/lib/python3/dist-packages/a-1.dist-info/METADATA":            true,
		"usr/lib/python3.11/site-packages/a-1.egg-info/PKG-INFO":          true,
		"usr/lib/python3/dist-packages/a-1.egg-info":                      true,
		"opt/venv/lib/python3.12/site-packages/a-1.egg/EGG-INFO/PKG-INFO": true,
		"a.dist-info/METADATA":                                            true,
		".dist-info/METADATA":                                             false,
		"a-1.dist-info/RECORD":                                            false,
		"a-1.egg-info/requires.txt":                                       false,
		"a-1.dist-info/METADATA/x":                                        false,
		"EGG-INFO/PKG-INFO":                                               false,
		"x/EGG-INFO/PKG-INFO":                                             false,
		"a-1.dist-info/PKG-INFO":                                          false,
		"usr/share/doc/a/PKG-INFO":                                        false,
		".egg-info":                                                       false,
	} {
		if got := inst.Wants(p); got != want {
			t.Errorf("Installed.Wants(%q) = %v, want %v", p, got, want)
		}
	}
	for p, want := range map[string]bool{
		"app/requirements.txt":       true,
		"requirements-dev.txt":       true,
		"app/requirements/base.txt":  true,
		"app/requirement_extras.txt": true,
		"app/poetry.lock":            true,
		"Pipfile.lock":               true,
		"uv.lock":                    true,
		"pylock.toml":                true,
		"pylock.dev.toml":            true,
		"pylock..toml":               false,
		"Pipfile":                    false,
		"pyproject.toml":             false,
		"requirements.in":            false,
		"app/constraints.txt":        false,
		"usr/lib/python3/dist-packages/x/requirements.txt": false,
		"venv/lib/python3.12/site-packages/x/poetry.lock":  false,
	} {
		if got := lock.Wants(p); got != want {
			t.Errorf("Lock.Wants(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestInvalidLockfiles(t *testing.T) {
	for name, data := range map[string]string{
		"a/poetry.lock":  "[[package]\nname = 'x'\n",
		"b/poetry.lock":  "[[package]]\nname = 'x'\nversion = 1\n",
		"a/Pipfile.lock": `{"default": {"a": {"version": "==1"}}`,
		"b/Pipfile.lock": `[]`,
		"a/uv.lock":      "version = 1\n[[package]]\nname = \"a\"\nname = \"b\"\n",
		"a/pylock.toml":  "packages = 3\n",
	} {
		_, err := NewLock().ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{name: {Data: []byte(data)}}}, name)
		var fe *extract.FileError
		if !errors.As(err, &fe) || fe.Path != name {
			t.Errorf("%s: got %v, want a *extract.FileError naming the file", name, err)
		}
	}
	if pkgs, err := NewLock().ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{"uv.lock/x": {}}}, "uv.lock"); pkgs != nil || err != nil {
		t.Errorf("folder: got %v, %v", pkgs, err)
	}
}

// bigFS has one file that says it is larger than MaxFileSize.
type bigFS struct{}
type bigFile struct{}
type bigInfo struct{}

func (bigFS) Open(string) (fs.File, error) { return bigFile{}, nil }
func (bigFile) Stat() (fs.FileInfo, error) { return bigInfo{}, nil }
func (bigFile) Read([]byte) (int, error)   { return 0, errors.New("must not be read") }
func (bigFile) Close() error               { return nil }
func (bigInfo) Name() string               { return "uv.lock" }
func (bigInfo) Size() int64                { return MaxFileSize + 1 }
func (bigInfo) Mode() fs.FileMode          { return 0o644 }
func (bigInfo) ModTime() time.Time         { return time.Time{} }
func (bigInfo) IsDir() bool                { return false }
func (bigInfo) Sys() any                   { return nil }

func TestTooLarge(t *testing.T) {
	_, err := NewLock().ExtractFile(context.Background(), extract.Input{FS: bigFS{}}, "uv.lock")
	var fe *extract.FileError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("got %v", err)
	}
}

// TestNormalize checks that names are normalised as the advisory store
// does it, so that lookups find them.
func TestNormalize(t *testing.T) {
	for _, n := range []string{"PyYAML", "zope.interface", "A__b-.C", "typing_extensions", " Jinja2 "} {
		if got, want := Normalize(n), store.NormalizePackage("PyPI", n); got != want {
			t.Errorf("Normalize(%q) = %q, store has %q", n, got, want)
		}
	}
}
