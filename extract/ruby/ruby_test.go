package ruby

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

// fixture reads fixtures/ruby/<name> (PROVENANCE.md §4e) and serves it as
// app/<as>.
func fixture(t *testing.T, name, as string) fstest.MapFS {
	t.Helper()
	data, err := os.ReadFile(testutil.Shared(t, "fixtures", "ruby", name))
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{"app/" + as: {Data: data}}
}

// brief lists "name version" of each package, in order.
func brief(pkgs []*inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+" "+p.Version)
	}
	return out
}

func extractLock(t *testing.T, fsys fstest.MapFS, p string) []*inventory.Package {
	t.Helper()
	pkgs, err := NewLock().ExtractFile(context.Background(), extract.Input{FS: fsys}, p)
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func TestGemfileLockFixtures(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		// 7 specs, BUNDLED WITH 1.17.2.
		{"Gemfile_normal.lock", []string{"coderay 1.1.2", "concurrent-ruby 1.1.5", "dotenv 2.7.2", "faker 1.9.3",
			"i18n 1.6.0", "method_source 0.9.2", "pry 0.12.2"}},
		// 8 specs, BUNDLED WITH 2.3.7.
		{"Gemfile_bundler2.lock", []string{"coderay 1.1.3", "concurrent-ruby 1.1.10", "dotenv 2.7.6", "faker 2.21.0",
			"i18n 1.10.0", "json 2.6.2", "method_source 1.0.0", "pry 0.14.1"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			pkgs := extractLock(t, fixture(t, tc.file, GemfileLock), "app/Gemfile.lock")
			if got := brief(pkgs); !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			for _, p := range pkgs {
				if p.Type != "gem" || p.PURL != "pkg:gem/"+p.Name+"@"+p.Version || p.Licenses != nil ||
					len(p.Locations) != 1 || p.Locations[0].Path != "app/Gemfile.lock" ||
					p.SourceName != p.Name || p.SourceVersion != p.Version {
					t.Errorf("bad package %+v", *p)
				}
				if p.Name == "bundler" {
					t.Errorf("BUNDLED WITH reported as a package: %+v", *p)
				}
			}
		})
	}
}

func TestGemfileLockSources(t *testing.T) {
	lock := `GIT
  remote: https://github.com/rails/rails.git
  revision: 0123456789abcdef0123456789abcdef01234567
  branch: main
  specs:
    rails (7.2.0.alpha)
      actionpack (= 7.2.0.alpha)

PATH
  remote: .
  specs:
    myapp (0.1.0)
      rack (>= 2)

GEM
  remote: https://rubygems.org/
  specs:
    nokogiri (1.13.6-arm64-darwin)
      racc (~> 1.4)
    nokogiri (1.13.6-x86_64-linux)
      racc (~> 1.4)
    rack (2.2.3)
    racc (1.6.0)

GEM
  remote: https://gems.example.com/
  specs:
    private-gem (1.0.0.pre.rc1)

PLATFORMS
  arm64-darwin-21
  x86_64-linux

DEPENDENCIES
  myapp!
  nokogiri (~> 1.13)
  rails!

CHECKSUMS
  rack (2.2.3) sha256=0123

RUBY VERSION
   ruby 3.1.2p20

BUNDLED WITH
   2.3.7
`
	fsys := fstest.MapFS{"srv/gems.locked": {Data: []byte("\ufeff" + strings.ReplaceAll(lock, "\n", "\r\n"))}}
	got := brief(extractLock(t, fsys, "srv/gems.locked"))
	want := []string{"nokogiri 1.13.6", "rack 2.2.3", "racc 1.6.0", "private-gem 1.0.0.pre.rc1"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestGemfileLockMalformed(t *testing.T) {
	for name, data := range map[string]string{
		"not a lockfile": "hello world\n",
		"binary":         "GEM\n  specs:\n    a (1.0)\x00\n",
		"bad spec":       "GEM\n  remote: https://rubygems.org/\n  specs:\n    good (1.0)\n    broken\n    worse (not a version)\n",
	} {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{"app/Gemfile.lock": {Data: []byte(data)}}
			pkgs, err := NewLock().ExtractFile(context.Background(), extract.Input{FS: fsys}, "app/Gemfile.lock")
			var fe *extract.FileError
			if !errors.As(err, &fe) || fe.Path != "app/Gemfile.lock" {
				t.Fatalf("error %v is not a FileError naming app/Gemfile.lock", err)
			}
			if name == "bad spec" && !slices.Equal(brief(pkgs), []string{"good 1.0"}) {
				t.Errorf("got %q, want the readable spec", brief(pkgs))
			}
			if name == "bad spec" && !strings.Contains(err.Error(), "line 5") {
				t.Errorf("error %v does not name line 5", err)
			}
		})
	}
	// An empty file is no error and has no gems.
	pkgs, err := NewLock().ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{"Gemfile.lock": {Data: []byte("\n\n")}}}, "Gemfile.lock")
	if err != nil || len(pkgs) != 0 {
		t.Fatalf("empty file: %v, %d packages", err, len(pkgs))
	}
}

func TestGemspecFixture(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "ruby")
	pkgs, err := NewInstalled().ExtractFile(context.Background(), extract.Input{FS: os.DirFS(dir)}, "specifications/normal00.gemspec")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 {
		t.Fatalf("got %d packages", len(pkgs))
	}
	p := pkgs[0]
	if p.Name != "rake" || p.Version != "13.0.3" || p.PURL != "pkg:gem/rake@13.0.3" || !slices.Equal(p.Licenses, []string{"MIT"}) ||
		p.Locations[0].Path != "specifications/normal00.gemspec" {
		t.Fatalf("got %+v", *p)
	}
}

func TestGemspecForms(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       string // "name version licences"
	}{
		{"old quoting", "Gem::Specification.new do |s|\n  s.name = %q{rack}\n  s.version = \"1.1.0\"\n  s.licenses = %w[MIT Ruby]\nend\n", "rack 1.1.0 MIT,Ruby"},
		{"spec variable", "Gem::Specification.new { |spec|\n  spec.name    = 'a-b_c.d'\n  spec.version = Gem::Version.new(\"2.0.0.beta1\")\n  spec.license = \"Apache-2.0\".freeze # why\n}\n", "a-b_c.d 2.0.0.beta1 Apache-2.0"},
		{"other variable ignored", "x.name = \"wrong\"\nGem::Specification.new do |s|\n  s.name = \"right\".freeze\n  s.version = \"1\"\n  s.name = \"later\"\nend\n", "right 1 "},
		{"computed version, stub line", "# -*- encoding: utf-8 -*-\n# stub: json 2.6.1 ruby lib\nGem::Specification.new do |s|\n  s.name = \"json\"\n  s.version = JSON::VERSION\nend\n", "json 2.6.1 "},
		{"stub only", "# stub: rexml 3.2.5 ruby lib\n", "rexml 3.2.5 "},
		{"escapes", "Gem::Specification.new do |s|\n  s.name = \"q\\\"x\"\n  s.version = \"1.0\"\nend\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := parseGemspec([]byte(tc.text))
			if tc.want == "" {
				if err == nil {
					t.Fatalf("got %+v, want an error", *spec)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := spec.name + " " + spec.version + " " + strings.Join(spec.licenses, ","); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGemspecMalformed(t *testing.T) {
	for name, text := range map[string]string{
		"not ruby":      "{\"name\": \"x\"}",
		"interpolation": "Gem::Specification.new do |s|\n  s.name = \"a#{1}\"\n  s.version = \"1.0\"\nend\n",
		"bad version":   "Gem::Specification.new do |s|\n  s.name = \"a\"\n  s.version = \"one\"\nend\n",
		"binary":        "\x00\x01",
	} {
		t.Run(name, func(t *testing.T) {
			p := "usr/lib/ruby/gems/3.1.0/specifications/a-1.0.gemspec"
			pkgs, err := NewInstalled().ExtractFile(context.Background(), extract.Input{FS: fstest.MapFS{p: {Data: []byte(text)}}}, p)
			var fe *extract.FileError
			if !errors.As(err, &fe) || fe.Path != p || len(pkgs) != 0 {
				t.Fatalf("got %d packages, error %v; want a FileError naming %s", len(pkgs), err, p)
			}
		})
	}
}

func TestWants(t *testing.T) {
	lock, inst := NewLock(), NewInstalled()
	for p, want := range map[string]bool{
		"app/Gemfile.lock":             true,
		"Gemfile.lock":                 true,
		"srv/gems.locked":              true,
		"app/Gemfile":                  false,
		"srv/gems/my-app/Gemfile.lock": true,
		"usr/lib/ruby/gems/3.1.0/gems/rake-13.0.3/Gemfile.lock":                 false,
		"vendor/bundle/ruby/3.1.0/bundler/gems/rails-0123456789ab/Gemfile.lock": false,
	} {
		if got := lock.Wants(p); got != want {
			t.Errorf("Lock.Wants(%q) = %v, want %v", p, got, want)
		}
	}
	for p, want := range map[string]bool{
		"usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.3.gemspec":        true,
		"usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec": true,
		"vendor/bundle/ruby/3.1.0/specifications/rack-2.2.3.gemspec":        true,
		"usr/lib/ruby/gems/3.1.0/gems/rake-13.0.3/rake.gemspec":             false,
		"app/myapp.gemspec": false,
		"usr/lib/ruby/gems/3.1.0/specifications/.gemspec":                     false,
		"usr/lib/ruby/gems/3.1.0/specifications/default/x/json-2.6.1.gemspec": false,
	} {
		if got := inst.Wants(p); got != want {
			t.Errorf("Installed.Wants(%q) = %v, want %v", p, got, want)
		}
	}
}

// TestMatchRubySec runs the gems of both Gemfile.lock fixtures and the
// rake gemspec through match.Language on a database built from the
// rubysec archive (vulndata PROVENANCE §4, ruby-advisory-db @ 8cfcc07c).
// Read from the archive with unzip -p:
//   - gems/concurrent-ruby/CVE-2026-54904.yml, CVE-2026-54905.yml and
//     CVE-2026-54906.yml: patched_versions ">= 1.3.7", nothing unaffected,
//     so concurrent-ruby 1.1.5 and 1.1.10 are both affected by all three;
//   - gems/json/CVE-2025-27788.yml (unaffected "< 2.10.0"), CVE-2026-33210
//     ("< 2.14.0"), CVE-2026-54696 ("< 2.9.0"), CVE-2026-71847
//     ("< 2.20.0"): json 2.6.2 is unaffected; CVE-2013-0269 (">= 1.7.7"),
//     CVE-2020-10663 (">= 2.3.0") and OSVDB-101157 (">= 1.1.0"): patched;
//   - gems/i18n/CVE-2013-4492.yml (">= 0.6.6"), CVE-2014-10077
//     (">= 0.8.0"): i18n 1.6.0 and 1.10.0 are patched;
//   - gems/rake/CVE-2020-8130.yml (">= 12.3.3"): rake 13.0.3 is patched.
//
// The other gems have no rubysec record.
func TestMatchRubySec(t *testing.T) {
	zip := testutil.Shared(t, "vulndata", "github", "rubysec", "ruby-advisory-db", "archive", "refs", "heads", "master.zip")
	db := filepath.Join(t.TempDir(), "advisories.db")
	if _, err := build.Build(context.Background(), db, []string{zip}, build.Options{}); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var pkgs []*inventory.Package
	for _, f := range []string{"Gemfile_normal.lock", "Gemfile_bundler2.lock"} {
		pkgs = append(pkgs, extractLock(t, fixture(t, f, GemfileLock), "app/Gemfile.lock")...)
	}
	gs, err := NewInstalled().ExtractFile(context.Background(), extract.Input{FS: os.DirFS(testutil.Shared(t, "fixtures", "ruby"))}, "specifications/normal00.gemspec")
	if err != nil {
		t.Fatal(err)
	}
	pkgs = append(pkgs, gs...)

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
	var want []string
	for _, v := range []string{"1.1.10", "1.1.5"} {
		for _, id := range []string{"CVE-2026-54904", "CVE-2026-54905", "CVE-2026-54906"} {
			want = append(want, "concurrent-ruby "+v+" "+id+" fixed=1.3.7 rubygems rubysec")
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("findings:\n got  %q\n want %q", got, want)
	}
}
