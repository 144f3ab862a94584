package cli_test

import (
	"archive/tar"
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lading-dev/lading/advisory/build"
	"github.com/lading-dev/lading/internal/testutil"
)

// dirLayer packs the tree at src into a layer under prefix, following the
// fixture's files (the shared folder stores its few links as files).
func dirLayer(t *testing.T, src, prefix string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		name := filepath.ToSlash(filepath.Join(prefix, rel))
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return tw.WriteHeader(&tar.Header{Name: name + "/", Mode: 0o755, Typeflag: tar.TypeDir})
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: int64(info.Mode().Perm()), Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = tw.Write(body)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (ioReadCloser, error) { return nopCloser{bytes.NewReader(b)}, nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// goApp builds a program that needs golang.org/x/text v0.3.5 (through a
// replace of v0.3.0), fetched from the Go module proxy.
func goApp(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/vulnapp\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.0\n\nreplace golang.org/x/text v0.3.0 => golang.org/x/text v0.3.5\n",
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"golang.org/x/text/language\"\n)\n\nfunc main() { fmt.Println(language.Make(\"en-US\")) }\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	env := append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOTOOLCHAIN=local", "GOWORK=off", "CGO_ENABLED=0")
	dl := exec.Command(goCmd, "mod", "download", "golang.org/x/text@v0.3.5")
	dl.Dir, dl.Env = dir, env
	if out, err := dl.CombinedOutput(); err != nil {
		testutil.Require(t, false, "cannot fetch golang.org/x/text v0.3.5 from the module proxy: "+string(out))
	}
	bld := exec.Command(goCmd, "build", "-trimpath", "-o", "out/vulnapp", ".")
	bld.Dir, bld.Env = dir, env
	if out, err := bld.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return filepath.Join(dir, "out")
}

var (
	langDBOnce sync.Once
	langDB     string
	langDBErr  error
)

// languageDB is a database of the Go, npm, PyPI and Maven OSV zips.
func languageDB(t *testing.T) string {
	t.Helper()
	osv := testutil.Shared(t, "vulndata", "osv")
	langDBOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lading-lang-db-")
		if err != nil {
			langDBErr = err
			return
		}
		langDB = filepath.Join(dir, "lading.db")
		var inputs []string
		for _, eco := range []string{"Go", "npm", "PyPI", "Maven"} {
			inputs = append(inputs, filepath.Join(osv, eco, "all.zip"))
		}
		_, langDBErr = build.Build(context.Background(), langDB, inputs, build.Options{})
	})
	if langDBErr != nil {
		t.Fatal(langDBErr)
	}
	return langDB
}

// An image carrying a Go binary with a vulnerable dependency, an installed
// npm tree with its lockfile, Python site-packages and a war reports the
// advisories that apply to them, each once.
func TestLanguageImage(t *testing.T) {
	npmDir := testutil.Shared(t, "fixtures", "npm", "npm-lockv3-advisories")
	pyDir := testutil.Shared(t, "fixtures", "python", "debian-bookworm-dist-packages")
	war := testutil.Shared(t, "fixtures", "java", "trivy", "maven.war")
	warDir := t.TempDir()
	warBytes, err := os.ReadFile(war)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(warDir, "app.war"), warBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	db := languageDB(t)
	goBin := goApp(t)

	img, err := mutate.Append(empty.Image,
		mutate.Addendum{Layer: dirLayer(t, goBin, "usr/local/bin"), History: v1.History{CreatedBy: "COPY vulnapp /usr/local/bin/"}},
		mutate.Addendum{Layer: dirLayer(t, npmDir, "srv/app"), History: v1.History{CreatedBy: "RUN npm ci"}},
		mutate.Addendum{Layer: dirLayer(t, pyDir, ""), History: v1.History{CreatedBy: "RUN pip install"}},
		mutate.Addendum{Layer: dirLayer(t, warDir, "opt/tomcat/webapps"), History: v1.History{CreatedBy: "COPY app.war /opt/tomcat/webapps/"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "lang.tar")
	if err := tarball.WriteToFile(archive, nil, img); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "image", "docker-archive:"+archive, "--format", "json", "--cache-dir", t.TempDir(), "--db", db, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decodeReport(t, out)

	// A record with one range that cannot be compared and one that
	// matches (node-fetch GHSA-r683: ranges from "1.0" and from "0") is a
	// finding, not also an unknown.
	if len(r.Unknowns) != 0 {
		t.Errorf("unknowns: %+v", r.Unknowns)
	}
	byEco := map[string]map[string]bool{}
	seen := map[string]bool{}
	for _, v := range r.Vulnerabilities {
		key := v.PackageName + "@" + v.InstalledVersion + " " + v.ID
		if seen[key] {
			t.Errorf("reported twice: %s", key)
		}
		seen[key] = true
		for _, a := range v.Aliases {
			if seen[v.PackageName+"@"+v.InstalledVersion+" "+a] {
				t.Errorf("%s reported again under alias %s", key, a)
			}
		}
		if byEco[v.PackageType] == nil {
			byEco[v.PackageType] = map[string]bool{}
		}
		for _, id := range append([]string{v.ID}, v.Aliases...) {
			if strings.HasPrefix(id, "GHSA-") || strings.HasPrefix(id, "GO-") {
				byEco[v.PackageType][v.PackageName+" "+id] = true
			}
		}
	}

	// golang.org/x/text v0.3.5: GO-2021-0113 (fixed 0.3.7), GO-2022-1059
	// (fixed 0.3.8), GO-2026-5970 (fixed 0.39.0), from
	// ../shared/vulndata/osv/Go/all.zip; GO-2020-0015 (fixed 0.3.3) must not
	// appear, since the binary holds the replacement v0.3.5.
	for _, v := range r.Vulnerabilities {
		if v.PackageType == "golang" && !strings.HasPrefix(v.FixedVersion, "v") {
			t.Errorf("%s: fixed version %q is written without the v its installed %q has", v.ID, v.FixedVersion, v.InstalledVersion)
		}
	}
	assertSet(t, "golang", byEco["golang"], []string{
		"golang.org/x/text GO-2021-0113", "golang.org/x/text GHSA-ppp9-7jff-5vj2",
		"golang.org/x/text GO-2022-1059", "golang.org/x/text GHSA-69ch-w2m2-3vjp",
		"golang.org/x/text GO-2026-5970",
	})
	// npm: 20 of the 28 GHSA records hit the tree (vulndata PROVENANCE §13).
	npmIDs := map[string]bool{}
	for k := range byEco["npm"] {
		npmIDs[strings.Fields(k)[1]] = true
	}
	if len(npmIDs) != 20 {
		t.Errorf("%d npm GHSAs, want 20: %v", len(npmIDs), npmIDs)
	}
	// PyPI: all 13 records hit the bookworm versions (each record's range
	// read from ../shared/vulndata/osv/PyPI/all.zip against requests 2.28.1,
	// urllib3 1.26.12, Jinja2 3.1.2, cryptography 38.0.4, idna 3.3, certifi
	// 2022.9.24).
	assertSet(t, "pypi", byEco["pypi"], []string{
		"urllib3 GHSA-34jh-p97f-mpxf", "urllib3 GHSA-g4mx-q9vg-27p4", "urllib3 GHSA-v845-jxx5-vc9f",
		"cryptography GHSA-3ww4-gg4f-jr7f", "cryptography GHSA-6vqw-3v5j-54x4", "cryptography GHSA-w7pp-m8wf-vj6r",
		"certifi GHSA-43fp-rhv2-5gv8", "certifi GHSA-xqr8-7jwr-rhp7",
		"requests GHSA-9wx4-h78v-vm56", "requests GHSA-j8r2-6x86-q33q",
		"Jinja2 GHSA-h5c8-rqwp-cp95", "Jinja2 GHSA-h75v-3vvj-5mfj",
		"idna GHSA-jjg7-2v4v-x38h",
	})
	// maven.war bundles jackson-databind 2.9.10.6 (fixtures PROVENANCE
	// §4c), hit by GHSA-jjjh-jjxp-wpff, GHSA-rgv9-q543-rqg4 and
	// GHSA-57j2-w4cx-62h2 (vulndata PROVENANCE §13); none of the war's other
	// jars has a record in osv/Maven/all.zip.
	assertSet(t, "maven", byEco["maven"], []string{
		"com.fasterxml.jackson.core:jackson-databind GHSA-jjjh-jjxp-wpff",
		"com.fasterxml.jackson.core:jackson-databind GHSA-rgv9-q543-rqg4",
		"com.fasterxml.jackson.core:jackson-databind GHSA-57j2-w4cx-62h2",
	})
	// The GHSA records carry summaries; findings show them as titles.
	for _, v := range r.Vulnerabilities {
		if v.PackageType == "npm" && v.Title == "" {
			t.Errorf("%s on %s has no title", v.ID, v.PackageName)
		}
	}
	// Findings carry the layer and step that brought the package.
	for _, v := range r.Vulnerabilities {
		want := map[string]string{"golang": "COPY vulnapp /usr/local/bin/", "npm": "RUN npm ci", "pypi": "RUN pip install", "maven": "COPY app.war /opt/tomcat/webapps/"}[v.PackageType]
		if v.CreatedBy != want {
			t.Errorf("%s on %s: created_by %q, want %q", v.ID, v.PackageName, v.CreatedBy, want)
		}
	}
}

func assertSet(t *testing.T, what string, got map[string]bool, want []string) {
	t.Helper()
	var g []string
	for k := range got {
		g = append(g, k)
	}
	sort.Strings(g)
	sort.Strings(want)
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s findings:\n%s\nwant:\n%s", what, strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
}
