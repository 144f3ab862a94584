package npm

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/internal/fixturefs"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
)

// lockv3 is the fixture of PROVENANCE.md section 4a made by a real npm
// install: package.json, package-lock.json, node_modules/.package-lock.json
// and 69 node_modules/**/package.json.
func lockv3(t *testing.T) fstest.MapFS {
	t.Helper()
	return fixturefs.Dir(t, testutil.Shared(t, "fixtures", "npm", "npm-lockv3-advisories"))
}

func trivyFile(t *testing.T, elem ...string) fstest.MapFS {
	t.Helper()
	data, err := os.ReadFile(testutil.Shared(t, append([]string{"fixtures", "npm", "trivy-lockfiles"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{"app/" + lockName(elem[len(elem)-1]): {Data: data}}
}

// lockName maps the fixture file names to the names the extractor reads.
func lockName(base string) string {
	switch {
	case strings.HasPrefix(base, "package-lock"):
		return PackageLock
	case strings.HasPrefix(base, "pnpm-lock"):
		return PnpmLock
	}
	return base
}

func extractAll(t *testing.T, e extract.Extractor, fsys fs.FS) []*inventory.Package {
	t.Helper()
	pkgs, err := e.Extract(context.Background(), extract.Input{FS: fsys})
	if err != nil {
		t.Fatalf("%s: %v", e.Name(), err)
	}
	return pkgs
}

// byName maps name → versions (sorted) → packages.
func byName(pkgs []*inventory.Package) map[string][]*inventory.Package {
	m := map[string][]*inventory.Package{}
	for _, p := range pkgs {
		m[p.Name] = append(m[p.Name], p)
	}
	for _, ps := range m {
		sort.Slice(ps, func(i, j int) bool { return ps[i].Version < ps[j].Version })
	}
	return m
}

func versions(ps []*inventory.Package) string {
	var v []string
	for _, p := range ps {
		v = append(v, p.Version)
	}
	return strings.Join(v, ",")
}

// checkVersions asserts "name=v1,v2; ..." against the packages.
func checkVersions(t *testing.T, label string, pkgs []*inventory.Package, want string) {
	t.Helper()
	m := byName(pkgs)
	for _, kv := range strings.Split(want, "; ") {
		name, v, _ := strings.Cut(kv, "=")
		if got := versions(m[name]); got != v {
			t.Errorf("%s: %s: got versions %q, want %q", label, name, got, v)
		}
	}
}

func checkWellFormed(t *testing.T, label string, pkgs []*inventory.Package, loc string) {
	t.Helper()
	seen := map[string]bool{}
	for _, p := range pkgs {
		if p.Type != Type || p.SourceName != p.Name || p.SourceVersion != p.Version {
			t.Errorf("%s: %+v", label, *p)
		}
		if len(p.Locations) != 1 || (loc != "" && p.Locations[0].Path != loc) {
			t.Errorf("%s: %s@%s: got locations %v, want %s", label, p.Name, p.Version, p.Locations, loc)
		}
		k := p.Name + "@" + p.Version + "@" + p.Locations[0].Path
		if seen[k] {
			t.Errorf("%s: %s reported twice", label, k)
		}
		seen[k] = true
	}
}

const (
	lockv3Direct     = "lodash=4.17.15; minimist=1.2.0; node-fetch=2.6.0; axios=0.21.0; jsonwebtoken=8.5.1; express=4.17.1"
	lockv3Transitive = "follow-redirects=1.16.3; qs=6.7.0; body-parser=1.19.0; send=0.17.1; cookie=0.4.0; path-to-regexp=0.1.7; semver=5.7.3; debug=2.6.9"
	// The three copies of ms: top level, and nested in jsonwebtoken and send.
	lockv3Ms = "ms=2.0.0,2.1.1,2.1.3"
)

func TestInstalledTree(t *testing.T) {
	pkgs := extractAll(t, NewInstalled(), lockv3(t))
	if len(pkgs) != 69 {
		t.Errorf("got %d installed packages, want 69", len(pkgs))
	}
	checkWellFormed(t, "installed", pkgs, "")
	checkVersions(t, "installed", pkgs, lockv3Direct+"; "+lockv3Transitive+"; "+lockv3Ms)
	m := byName(pkgs)
	if p := m["fixture-npm-vulnerable"]; p != nil {
		t.Errorf("the project's own package.json was reported: %v", p[0])
	}
	// Each copy of ms is its own package at its own path.
	wantMs := map[string]string{
		"node_modules/ms/package.json":                           "2.0.0",
		"node_modules/jsonwebtoken/node_modules/ms/package.json": "2.1.3",
		"node_modules/send/node_modules/ms/package.json":         "2.1.1",
	}
	for _, p := range m["ms"] {
		if wantMs[p.Locations[0].Path] != p.Version {
			t.Errorf("ms %s at %s", p.Version, p.Locations[0].Path)
		}
		delete(wantMs, p.Locations[0].Path)
	}
	if len(wantMs) != 0 {
		t.Errorf("ms copies missing: %v", wantMs)
	}
	for _, p := range pkgs {
		if want := "node_modules/"; !strings.HasPrefix(p.Locations[0].Path, want) || !strings.HasSuffix(p.Locations[0].Path, "/package.json") {
			t.Errorf("%s: location %s", p.Name, p.Locations[0].Path)
		}
	}
	checkLicences(t, "installed", pkgs)
	if p := m["lodash"][0]; p.PURL != "pkg:npm/lodash@4.17.15" {
		t.Errorf("lodash purl %s", p.PURL)
	}
}

// checkLicences asserts the licence facts of PROVENANCE.md 4a: MIT except
// buffer-equal-constant-time and qs (BSD-3-Clause), ecdsa-sig-formatter
// (Apache-2.0), inherits, semver and setprototypeof (ISC).
func checkLicences(t *testing.T, label string, pkgs []*inventory.Package) {
	t.Helper()
	other := map[string]string{
		"buffer-equal-constant-time": "BSD-3-Clause", "qs": "BSD-3-Clause", "ecdsa-sig-formatter": "Apache-2.0",
		"inherits": "ISC", "semver": "ISC", "setprototypeof": "ISC",
	}
	for _, p := range pkgs {
		want := "MIT"
		if l, ok := other[p.Name]; ok {
			want = l
		}
		if strings.Join(p.Licenses, " ") != want {
			t.Errorf("%s: %s: got licences %v, want %s", label, p.Name, p.Licenses, want)
		}
	}
}

func TestLockfileV3(t *testing.T) {
	fsys := lockv3(t)
	pkgs := extractAll(t, NewLock(), fsys)
	if len(pkgs) != 69 {
		t.Errorf("got %d lockfile packages, want 69", len(pkgs))
	}
	checkWellFormed(t, "lockfile v3", pkgs, "package-lock.json")
	checkVersions(t, "lockfile v3", pkgs, lockv3Direct+"; "+lockv3Transitive+"; "+lockv3Ms)
	checkLicences(t, "lockfile v3", pkgs)

	// The hidden lockfile is not wanted (see the package comment); parsed
	// anyway, it lists exactly the installed packages, so reading it would
	// only repeat them.
	if NewLock().Wants("node_modules/.package-lock.json") || NewInstalled().Wants("node_modules/.package-lock.json") {
		t.Error("node_modules/.package-lock.json is wanted")
	}
	c := newCollector("node_modules/.package-lock.json")
	if err := parsePackageLock(fsys["node_modules/.package-lock.json"].Data, c); err != nil {
		t.Fatal(err)
	}
	installed := extractAll(t, NewInstalled(), fsys)
	if got, want := nameVersions(c.pkgs), nameVersions(installed); got != want {
		t.Errorf("hidden lockfile lists %s\ninstalled tree has %s", got, want)
	}
}

func nameVersions(pkgs []*inventory.Package) string {
	var s []string
	for _, p := range pkgs {
		s = append(s, p.Name+"@"+p.Version)
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}

func TestTrivyPackageLocks(t *testing.T) {
	// v1: 28 top-level dependencies, 33 entries with the nested ones, of
	// which debug 2.6.9 and ms 2.0.0 appear twice: 31 packages. v2: 33
	// "packages" entries besides the root, the same 31 packages.
	v1 := trivyFile(t, "package-lock_v1.json")
	var raw struct {
		Dependencies map[string]json.RawMessage `json:"dependencies"`
		Packages     map[string]json.RawMessage `json:"packages"`
	}
	if err := json.Unmarshal(v1["app/package-lock.json"].Data, &raw); err != nil || len(raw.Dependencies) != 28 {
		t.Errorf("v1: %d top-level dependencies, %v; want 28", len(raw.Dependencies), err)
	}
	p1 := extractAll(t, NewLock(), v1)
	v2 := trivyFile(t, "package-lock_v2.json")
	raw.Packages = nil
	if err := json.Unmarshal(v2["app/package-lock.json"].Data, &raw); err != nil || len(raw.Packages) != 34 {
		t.Errorf("v2: %d packages entries, %v; want 33 + root", len(raw.Packages), err)
	}
	p2 := extractAll(t, NewLock(), v2)
	for label, pkgs := range map[string][]*inventory.Package{"v1": p1, "v2": p2} {
		if len(pkgs) != 31 {
			t.Errorf("%s: got %d packages, want 31", label, len(pkgs))
		}
		checkWellFormed(t, label, pkgs, "app/package-lock.json")
		// debug 2.5.2 and ms 0.7.2 are dev, asap and promise optional:
		// reported all the same.
		checkVersions(t, label, pkgs, "debug=2.5.2,2.6.9; ms=0.7.2,1.0.0,2.0.0; asap=2.0.6; promise=8.3.0; body-parser=1.18.3; @babel/helper-string-parser=7.19.4")
	}
	if nameVersions(p1) != nameVersions(p2) {
		t.Errorf("v1 and v2 differ:\n%s\n%s", nameVersions(p1), nameVersions(p2))
	}
	if p := byName(p1)["@babel/helper-string-parser"][0]; p.PURL != "pkg:npm/%40babel/helper-string-parser@7.19.4" {
		t.Errorf("scoped purl %s", p.PURL)
	}
}

func TestTrivyYarn(t *testing.T) {
	v1 := extractAll(t, NewLock(), trivyFile(t, "yarn-v1", "yarn.lock"))
	if len(v1) != 18 {
		t.Errorf("yarn v1: got %d packages, want 18", len(v1))
	}
	checkWellFormed(t, "yarn v1", v1, "app/yarn.lock")
	checkVersions(t, "yarn v1", v1, "@babel/helper-regex=7.4.4; ansi-regex=2.1.1,3.0.0; js-tokens=4.0.0; lodash=4.17.11; safer-buffer=2.1.2; string-width=2.1.1; wide-align=1.1.3; whatwg-fetch=3.0.0")

	// 18 entries; code@workspace:. is the project; the fsevents patch
	// entry stands for fsevents 2.1.3 (the lock has no plain entry for it).
	berry := extractAll(t, NewLock(), trivyFile(t, "yarn-berry", "yarn.lock"))
	if len(berry) != 17 {
		t.Errorf("yarn berry: got %d packages, want 17", len(berry))
	}
	checkWellFormed(t, "yarn berry", berry, "app/yarn.lock")
	checkVersions(t, "yarn berry", berry, "abbrev=1.1.1; fsevents=2.1.3; @types/color-name=1.1.1; color-convert=1.9.3,2.0.1; node-gyp=7.1.0; code=")

	nm := extractAll(t, NewLock(), trivyFile(t, "yarn-berry-node-modules", "yarn.lock"))
	if got := nameVersions(nm); got != "is-callable@1.2.7 is-number@6.0.0 is-odd@3.0.1" {
		t.Errorf("yarn berry (4 entries, one workspace): got %s", got)
	}
}

func TestTrivyPnpm(t *testing.T) {
	for _, c := range []struct {
		file            string
		entries, count  int
		version         string
		versionsPresent string
	}{
		{"pnpm-lock_many.yaml", 134, 134, "5.4", "@babel/runtime=7.18.3; debug=4.3.4; mocha=10.0.0; react=18.1.0; chalk=4.1.2,5.0.1"},
		{"pnpm-lock_v6_with_dev.yaml", 85, 85, "6.0", "@babel/runtime=7.22.3; debug=4.3.4; mocha=10.0.0; react=18.1.0"},
		// package1 is a folder of the project (resolution type directory).
		{"pnpm-lock_v9.yaml", 22, 21, "9.0", "@babel/helper-string-parser=7.24.1; debug=4.3.4,4.3.5; lodash=4.17.21; asynckit=0.4.0; is-negative=2.0.1; ms=2.0.0,2.1.2; package1="},
	} {
		fsys := trivyFile(t, c.file)
		var doc struct {
			LockfileVersion string               `yaml:"lockfileVersion"`
			Packages        map[string]yaml.Node `yaml:"packages"`
			Snapshots       map[string]yaml.Node `yaml:"snapshots"`
		}
		if err := yaml.Unmarshal(fsys["app/pnpm-lock.yaml"].Data, &doc); err != nil || len(doc.Packages) != c.entries || doc.LockfileVersion != c.version {
			t.Errorf("%s: lockfileVersion %s, %d packages, %v", c.file, doc.LockfileVersion, len(doc.Packages), err)
		}
		pkgs := extractAll(t, NewLock(), fsys)
		if len(pkgs) != c.count {
			t.Errorf("%s: got %d packages, want %d", c.file, len(pkgs), c.count)
		}
		checkWellFormed(t, c.file, pkgs, "app/pnpm-lock.yaml")
		checkVersions(t, c.file, pkgs, c.versionsPresent)
		if c.version == "9.0" && len(doc.Snapshots) != 22 {
			t.Errorf("%s: %d snapshots, want 22", c.file, len(doc.Snapshots))
		}
	}
}

func TestWants(t *testing.T) {
	inst, lock := NewInstalled(), NewLock()
	for p, want := range map[string]bool{
		"node_modules/a/package.json":                                  true,
		"app/node_modules/@s/a/package.json":                           true,
		"node_modules/a/node_modules/b/package.json":                   true,
		"usr/local/lib/node_modules/npm/package.json":                  true,
		"node_modules/.pnpm/a@1.0.0/node_modules/a/package.json":       true,
		"node_modules/.pnpm/@s+a@1.0.0/node_modules/@s/a/package.json": true,
		"package.json":                       false,
		"app/package.json":                   false,
		"node_modules/package.json":          false,
		"node_modules/@s/package.json":       false,
		"node_modules/a/lib/package.json":    false,
		"node_modules/a/test/x/package.json": false,
		"node_modules/.bin/package.json":     false,
		"node_modules/@/a/package.json":      false,
		"xnode_modules/a/package.json":       false,
		"node_modules/a/package.json.bak":    false,
		"node_modules/.package-lock.json":    false,
	} {
		if got := inst.Wants(p); got != want {
			t.Errorf("Installed.Wants(%q) = %v, want %v", p, got, want)
		}
	}
	for p, want := range map[string]bool{
		"package-lock.json":                true,
		"srv/app/npm-shrinkwrap.json":      true,
		"srv/app/yarn.lock":                true,
		"pnpm-lock.yaml":                   true,
		"node_modules/.package-lock.json":  false,
		"node_modules/a/package-lock.json": false,
		"app/node_modules/a/yarn.lock":     false,
		"app/node_modules/.pnpm/lock.yaml": false,
		"package-lock.json.orig":           false,
		"app/pnpm-lock.yml":                false,
	} {
		if got := lock.Wants(p); got != want {
			t.Errorf("Lock.Wants(%q) = %v, want %v", p, got, want)
		}
	}
}

func extractFile(t *testing.T, e extract.FileExtractor, name, data string) ([]*inventory.Package, error) {
	t.Helper()
	return e.ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{name: {Data: []byte(data)}}}, name)
}

func got(pkgs []*inventory.Package) string {
	var s []string
	for _, p := range pkgs {
		s = append(s, p.Name+"@"+p.Version)
	}
	return strings.Join(s, " ")
}

func TestManifestRules(t *testing.T) {
	for _, c := range []struct{ data, want, lic string }{
		{`{"name":"a","version":"1.0.0","license":"MIT"}`, "a@1.0.0", "MIT"},
		{`{"name":"@s/a","version":" 2.0.0 ","license":{"type":"ISC","url":"x"}}`, "@s/a@2.0.0", "ISC"},
		{`{"name":"b","version":"1.0.0","licenses":[{"type":"MIT"},{"type":"Apache-2.0"}]}`, "b@1.0.0", "MIT,Apache-2.0"},
		{`{"name":"b","version":"1.0.0","licenses":"BSD"}`, "b@1.0.0", "BSD"},
		{`{"name":"b","version":"1.0.0","license":7}`, "b@1.0.0", ""},
		{`{"name":"c"}`, "", ""},
		{`{"version":"1.0.0"}`, "", ""},
		{`{"name":"c","version":1}`, "", ""},
		{`{"name":"bad name","version":"1"}`, "", ""},
		{`{"name":"c","version":""}`, "", ""},
		{`{"name":"a/b","version":"1"}`, "", ""},
	} {
		pkgs, err := extractFile(t, NewInstalled(), "node_modules/x/package.json", c.data)
		if err != nil {
			t.Errorf("%s: %v", c.data, err)
		}
		if g := got(pkgs); g != c.want {
			t.Errorf("%s: got %q, want %q", c.data, g, c.want)
		}
		if len(pkgs) == 1 && strings.Join(pkgs[0].Licenses, ",") != c.lic {
			t.Errorf("%s: got licences %v, want %s", c.data, pkgs[0].Licenses, c.lic)
		}
	}
	for _, bad := range []string{`{"name":`, `[1,2]`, ``, `nul`} {
		_, err := extractFile(t, NewInstalled(), "node_modules/x/package.json", bad)
		var fe *extract.FileError
		if !errors.As(err, &fe) || fe.Path != "node_modules/x/package.json" {
			t.Errorf("%q: got %v, want a FileError naming the file", bad, err)
		}
	}
}

func TestPackageLockRules(t *testing.T) {
	lock := `{"lockfileVersion":3,"packages":{
		"": {"name":"root","version":"1.0.0"},
		"node_modules/a": {"version":"1.0.0","dev":true},
		"node_modules/b": {"version":"2.0.0","optional":true,"license":"MIT"},
		"node_modules/alias": {"name":"real","version":"3.0.0"},
		"node_modules/@s/c": {"version":"4.0.0","devOptional":true},
		"node_modules/a/node_modules/b": {"version":"2.0.0"},
		"node_modules/d/node_modules/@s/e": {"version":"5.0.0"},
		"node_modules/ws": {"resolved":"packages/ws","link":true},
		"packages/ws": {"name":"ws-pkg","version":"0.1.0"},
		"packages/ws/node_modules/f": {"version":"6.0.0"},
		"node_modules/g": {"version":"git+ssh://git@github.com/x/g.git#abc"},
		"node_modules/h": {},
		"xnode_modules/i": {"version":"1.0.0"}
	}}`
	pkgs, err := extractFile(t, NewLock(), "package-lock.json", lock)
	if err != nil {
		t.Fatal(err)
	}
	if g, want := nameVersions(pkgs), "@s/c@4.0.0 @s/e@5.0.0 a@1.0.0 b@2.0.0 f@6.0.0 real@3.0.0"; g != want {
		t.Errorf("got %s, want %s", g, want)
	}
	v1 := `{"lockfileVersion":1,"dependencies":{
		"a": {"version":"1.0.0","dependencies":{"b":{"version":"2.0.0","dependencies":{"c":{"version":"3.0.0"}}}}},
		"alias": {"version":"npm:@s/real@4.0.0"},
		"git": {"version":"github:x/y#abc"},
		"local": {"version":"file:../local"},
		"b": {"version":"2.0.0","dev":true}
	}}`
	pkgs, err = extractFile(t, NewLock(), "npm-shrinkwrap.json", v1)
	if err != nil {
		t.Fatal(err)
	}
	if g, want := nameVersions(pkgs), "@s/real@4.0.0 a@1.0.0 b@2.0.0 c@3.0.0"; g != want {
		t.Errorf("v1: got %s, want %s", g, want)
	}
}

func TestDeepNesting(t *testing.T) {
	const depth = 3000
	var b strings.Builder
	b.WriteString(`{"lockfileVersion":1,"dependencies":`)
	for i := 0; i < depth; i++ {
		b.WriteString(`{"p":{"version":"1.0.0","dependencies":`)
	}
	b.WriteString(`{}`)
	for i := 0; i < depth; i++ {
		b.WriteString(`}}`)
	}
	b.WriteString(`}`)
	pkgs, err := extractFile(t, NewLock(), "package-lock.json", b.String())
	if err != nil || len(pkgs) != 1 {
		t.Errorf("deep v1 tree: got %d packages, %v", len(pkgs), err)
	}
	y := "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    x: " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n"
	pkgs, err = extractFile(t, NewLock(), "pnpm-lock.yaml", y)
	if err != nil || got(pkgs) != "a@1.0.0" {
		t.Errorf("deep pnpm value: got %s, %v", got(pkgs), err)
	}
}

func TestYarnRules(t *testing.T) {
	v1 := `# yarn lockfile v1

"@s/a@^1.0.0", "@s/a@^1.2.0":
  version "1.2.3"
  dependencies:
    version "9.9.9"

b@1, b@^1.0.0:
  version "1.0.5"

alias@npm:real@^2:
  version "2.0.1"

"loc@file:../loc":
  version "0.0.1"

"tar@file:vendor/tar-1.0.0.tgz":
  version "1.0.0"

"c@https://example.org/c.tgz":
  version "3.1.0"

noversion@^1:
  resolved "x"
`
	pkgs, err := extractFile(t, NewLock(), "yarn.lock", v1)
	if err != nil {
		t.Fatal(err)
	}
	if g, want := got(pkgs), "@s/a@1.2.3 b@1.0.5 real@2.0.1 tar@1.0.0 c@3.1.0"; g != want {
		t.Errorf("v1: got %s, want %s", g, want)
	}
	berry := `__metadata:
  version: 8
  cacheKey: 10c0

"a@npm:^1.0.0, a@npm:^1.1.0":
  version: 1.10.0
  resolution: "a@npm:1.10.0"

"alias@npm:real@^2":
  version: 2.0.0
  resolution: "real@npm:2.0.0"

"b@npm:1.0.0":
  version: 1.0.0
  resolution: "b@npm:1.0.0"

"b@patch:b@npm%3A1.0.0#~/.yarn/patches/b.patch::locator=w%40workspace%3A.":
  version: 1.0.0
  resolution: "b@patch:b@npm%3A1.0.0#~/.yarn/patches/b.patch::version=1.0.0&hash=abc&locator=w%40workspace%3A."

"w@workspace:.":
  version: 0.0.0-use.local
  resolution: "w@workspace:."

"l@link:../l::locator=w%40workspace%3A.":
  version: 0.0.0-use.local
  resolution: "l@link:../l::locator=w%40workspace%3A."

"p@portal:../p::locator=w%40workspace%3A.":
  version: 1.0.0
  resolution: "p@portal:../p::locator=w%40workspace%3A."

"g@https://github.com/x/g.git#commit=abc":
  version: 4.0.0
  resolution: "g@https://github.com/x/g.git#commit=abc"

"@s/d@npm:^5":
  version: 5.0.0
  resolution: "@s/d@npm:5.0.0"
`
	pkgs, err = extractFile(t, NewLock(), "yarn.lock", berry)
	if err != nil {
		t.Fatal(err)
	}
	if g, want := nameVersions(pkgs), "@s/d@5.0.0 a@1.10.0 b@1.0.0 g@4.0.0 real@2.0.0"; g != want {
		t.Errorf("berry: got %s, want %s", g, want)
	}
}

func TestPnpmRules(t *testing.T) {
	v5 := `lockfileVersion: 5.3
packages:
  /a/1.0.0:
    dev: true
  /@s/b/2.0.0_react@18.2.0+react-dom@18.2.0:
    dev: false
  /c/3.0.0_@types+react@18.0.0:
    dev: false
  github.com/x/d/abc:
    name: d
    version: 4.0.0
  /e/5.0.0:
    resolution: {directory: ../e, type: directory}
`
	pkgs, err := extractFile(t, NewLock(), "pnpm-lock.yaml", v5)
	if err != nil {
		t.Fatal(err)
	}
	if g, want := got(pkgs), "@s/b@2.0.0 a@1.0.0 c@3.0.0 d@4.0.0"; g != want {
		t.Errorf("5.x: got %s, want %s", g, want)
	}
	v6 := `lockfileVersion: '6.1'
packages:
  /@s/b@2.0.0(react@18.2.0)(react-dom@18.2.0):
    dev: false
  /a@1.0.0:
    dev: true
  /alias@1.0.0:
    name: real
    version: 1.0.0
`
	pkgs, err = extractFile(t, NewLock(), "pnpm-lock.yaml", v6)
	if err != nil {
		t.Fatal(err)
	}
	if g, want := got(pkgs), "@s/b@2.0.0 a@1.0.0 real@1.0.0"; g != want {
		t.Errorf("6.x: got %s, want %s", g, want)
	}
	// pnpm 10 with managed package manager versions: two documents.
	multi := `---
lockfileVersion: '9.0'
importers:
  .:
    configDependencies: {}
    packageManagerDependencies:
      pnpm:
        specifier: 10.x
        version: 10.13.1
packages:
  pnpm@10.13.1:
    resolution: {integrity: sha512-x}
snapshots:
  pnpm@10.13.1: {}
---
lockfileVersion: '9.0'
packages:
  a@1.0.0:
    resolution: {integrity: sha512-y}
snapshots:
  a@1.0.0: {}
  b@2.0.0(a@1.0.0): {}
`
	pkgs, err = extractFile(t, NewLock(), "pnpm-lock.yaml", multi)
	if err != nil {
		t.Fatal(err)
	}
	if g, want := got(pkgs), "pnpm@10.13.1 a@1.0.0 b@2.0.0"; g != want {
		t.Errorf("two documents: got %s, want %s", g, want)
	}
	_, err = extractFile(t, NewLock(), "pnpm-lock.yaml", "lockfileVersion: '9.0'\n---\npackages: [\n")
	var fe *extract.FileError
	if !errors.As(err, &fe) || fe.Path != "pnpm-lock.yaml" || !strings.Contains(err.Error(), "document 2") {
		t.Errorf("bad second document: got %v", err)
	}
}

func TestInvalidFiles(t *testing.T) {
	for name, data := range map[string]string{
		"a/package-lock.json":   `{"packages": {"node_modules/a": {"version": "1"}`,
		"a/npm-shrinkwrap.json": `"just a string"`,
		"a/yarn.lock":           "# yarn lockfile v1\n\nthis is not a key\n",
		"b/yarn.lock":           "__metadata:\n  version: 6\n\"a@npm:1\": [\n",
		"a/pnpm-lock.yaml":      "packages:\n  a@1: {\n",
		"b/pnpm-lock.yaml":      "packages: [1, 2]\n",
	} {
		_, err := extractFile(t, NewLock(), name, data)
		var fe *extract.FileError
		if !errors.As(err, &fe) || fe.Path != name {
			t.Errorf("%s: got %v, want a *extract.FileError naming the file", name, err)
		}
	}
	// A directory at a wanted path, and a missing file, give nothing.
	fsys := fstest.MapFS{"x/package-lock.json/y": {Data: []byte("{}")}}
	for _, p := range []string{"x/package-lock.json", "nothere/yarn.lock"} {
		if pkgs, err := NewLock().ExtractFile(context.Background(), extract.Input{FS: fsys}, p); pkgs != nil || err != nil {
			t.Errorf("%s: got %v, %v", p, pkgs, err)
		}
	}
}

// bigFS has one file that says it is larger than MaxFileSize.
type bigFS struct{}

type bigFile struct{}

func (bigFS) Open(string) (fs.File, error) { return bigFile{}, nil }
func (bigFile) Stat() (fs.FileInfo, error) { return bigInfo{}, nil }
func (bigFile) Read([]byte) (int, error)   { return 0, errors.New("must not be read") }
func (bigFile) Close() error               { return nil }

type bigInfo struct{}

func (bigInfo) Name() string       { return "package-lock.json" }
func (bigInfo) Size() int64        { return MaxFileSize + 1 }
func (bigInfo) Mode() fs.FileMode  { return 0o644 }
func (bigInfo) ModTime() time.Time { return time.Time{} }
func (bigInfo) IsDir() bool        { return false }
func (bigInfo) Sys() any           { return nil }

func TestTooLarge(t *testing.T) {
	for _, e := range []extract.FileExtractor{NewLock(), NewInstalled()} {
		_, err := e.ExtractFile(context.Background(), extract.Input{FS: bigFS{}}, "app/package-lock.json")
		var fe *extract.FileError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "larger than") {
			t.Errorf("%s: got %v, want a FileError for the size", e.Name(), err)
		}
	}
}

// TestFixtureNamesUnchanged guards the file names trivyFile maps.
func TestFixtureNamesUnchanged(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "npm", "trivy-lockfiles")
	for _, f := range []string{"package-lock_v1.json", "package-lock_v2.json", "pnpm-lock_many.yaml", "pnpm-lock_v6_with_dev.yaml", "pnpm-lock_v9.yaml", "yarn-v1/yarn.lock", "yarn-berry/yarn.lock", "yarn-berry-node-modules/yarn.lock"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}
