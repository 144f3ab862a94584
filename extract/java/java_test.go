package java

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/inventory"
)

// brief is "name version @ location" for each package.
func briefs(pkgs []*inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		var locs []string
		for _, l := range p.Locations {
			locs = append(locs, l.Path)
		}
		out = append(out, p.Name+" "+p.Version+" @ "+strings.Join(locs, ","))
	}
	return out
}

func checkBriefs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\ngot  %q\nwant %q", what, got, want)
	}
}

// checkPackages checks the fields every package must have consistent:
// type, source name and version, and a purl that parses back to them.
func checkPackages(t *testing.T, pkgs []*inventory.Package) {
	t.Helper()
	for _, p := range pkgs {
		u, err := packageurl.FromString(p.PURL)
		if err != nil {
			t.Errorf("%s: purl %q: %v", p.Name, p.PURL, err)
			continue
		}
		name := u.Name
		if u.Namespace != "" {
			name = u.Namespace + ":" + u.Name
		}
		if p.Type != Type || u.Type != "maven" || name != p.Name || u.Version != p.Version ||
			p.SourceName != p.Name || p.SourceVersion != p.Version || len(p.Locations) != 1 {
			t.Errorf("package %+v, purl %s", p, p.PURL)
		}
	}
}

func extractFile(t *testing.T, fsys fs.FS, p string) []*inventory.Package {
	t.Helper()
	pkgs, err := New().ExtractFile(context.Background(), extract.Input{FS: fsys, TempDir: t.TempDir()}, p)
	if err != nil {
		t.Fatalf("ExtractFile(%s): %v", p, err)
	}
	checkPackages(t, pkgs)
	return pkgs
}

// TestDebianJars reads each real jar of Debian bookworm's /usr/share/java
// (fixtures PROVENANCE §4c) and checks its identity: pom.properties where
// the jar has one, the manifest for log4j 1.2.17 (Bundle-SymbolicName
// org.apache.log4j, Bundle-Version 1.2.17, no pom.properties) and for the
// Spring jars (Implementation-Title spring-core/spring-beans,
// Implementation-Version 4.3.30.RELEASE, while the file names say 3.x).
// byte-buddy embeds a relocated ASM without pom.properties: only
// byte-buddy is reported.
func TestDebianJars(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "java", "debian-bookworm")
	fsys := os.DirFS(dir)
	want := map[string]string{
		"log4j-core.jar":          "org.apache.logging.log4j:log4j-core 2.19.0",
		"log4j-api.jar":           "org.apache.logging.log4j:log4j-api 2.19.0",
		"log4j-1.2-api.jar":       "org.apache.logging.log4j:log4j-1.2-api 2.19.0",
		"log4j-1.2-1.2.17.jar":    "log4j:log4j 1.2.17",
		"jackson-databind.jar":    "com.fasterxml.jackson.core:jackson-databind 2.14.0",
		"jackson-core.jar":        "com.fasterxml.jackson.core:jackson-core 2.14.1",
		"jackson-annotations.jar": "com.fasterxml.jackson.core:jackson-annotations 2.14.0",
		"spring3-core-3.x.jar":    "org.springframework:spring-core 4.3.30.RELEASE",
		"spring3-beans-3.x.jar":   "org.springframework:spring-beans 4.3.30.RELEASE",
		"commons-text.jar":        "org.apache.commons:commons-text 1.10.0",
		"snakeyaml.jar":           "org.yaml:snakeyaml 1.33",
		"byte-buddy.jar":          "net.bytebuddy:byte-buddy 1.12.21",
	}
	for file, id := range want {
		p := "usr/share/java/" + file
		pkgs := extractFile(t, fsys, p)
		checkBriefs(t, file, briefs(pkgs), []string{id + " @ " + p})
	}
	// The purls, for two of them.
	for file, purl := range map[string]string{
		"log4j-1.2-1.2.17.jar":  "pkg:maven/log4j/log4j@1.2.17",
		"spring3-beans-3.x.jar": "pkg:maven/org.springframework/spring-beans@4.3.30.RELEASE",
	} {
		if got := extractFile(t, fsys, "usr/share/java/"+file)[0].PURL; got != purl {
			t.Errorf("%s: purl %s, want %s", file, got, purl)
		}
	}
}

// debianLinks returns the Debian jar folder as a MapFS with its links as
// links: the fixtures keep them either as real links or flattened into
// small files holding the target, which the fixtures' SHA256SUMS does not
// list (see internal/fixturefs).
func debianLinks(t *testing.T) (fstest.MapFS, map[string]string) {
	t.Helper()
	root := testutil.Shared(t, "fixtures")
	sums := map[string]bool{}
	f, err := os.Open(filepath.Join(root, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if _, name, ok := strings.Cut(sc.Text(), "  "); ok {
			sums[strings.TrimPrefix(name, "./")] = true
		}
	}
	const rel = "java/debian-bookworm/usr/share/java"
	entries, err := os.ReadDir(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	links := map[string]string{}
	for _, e := range entries {
		host := filepath.Join(root, rel, e.Name())
		name := "usr/share/java/" + e.Name()
		if e.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(host)
			if err != nil {
				t.Fatal(err)
			}
			links[name] = target
			m[name] = &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink | 0o777}
			continue
		}
		data, err := os.ReadFile(host)
		if err != nil {
			t.Fatal(err)
		}
		if !sums[rel+"/"+e.Name()] {
			links[name] = string(data)
			m[name] = &fstest.MapFile{Data: data, Mode: fs.ModeSymlink | 0o777}
			continue
		}
		m[name] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return m, links
}

// TestDebianLinks: Debian ships a versioned link beside most jars
// (log4j-core-2.19.0.jar -> log4j-core.jar; log4j-1.2.jar ->
// log4j-1.2-1.2.17.jar; spring3-beans.jar -> spring3-beans-3.x.jar). When
// the file system tells links apart, each jar is reported once, at its
// real path, and ExtractFile on a link gives nothing.
func TestDebianLinks(t *testing.T) {
	fsys, links := debianLinks(t)
	if len(links) != 12 {
		t.Fatalf("%d links, want 12: %v", len(links), links)
	}
	if links["usr/share/java/log4j-core-2.19.0.jar"] != "log4j-core.jar" {
		t.Errorf("log4j-core-2.19.0.jar links to %q", links["usr/share/java/log4j-core-2.19.0.jar"])
	}
	for l := range links {
		if pkgs, err := New().ExtractFile(context.Background(), extract.Input{FS: fsys}, l); len(pkgs) != 0 || err != nil {
			t.Errorf("%s: %v, %v", l, briefs(pkgs), err)
		}
	}
	pkgs, err := New().Extract(context.Background(), extract.Input{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	checkPackages(t, pkgs)
	got := briefs(pkgs)
	slices.Sort(got)
	checkBriefs(t, "Extract", got, []string{
		"com.fasterxml.jackson.core:jackson-annotations 2.14.0 @ usr/share/java/jackson-annotations.jar",
		"com.fasterxml.jackson.core:jackson-core 2.14.1 @ usr/share/java/jackson-core.jar",
		"com.fasterxml.jackson.core:jackson-databind 2.14.0 @ usr/share/java/jackson-databind.jar",
		"log4j:log4j 1.2.17 @ usr/share/java/log4j-1.2-1.2.17.jar",
		"net.bytebuddy:byte-buddy 1.12.21 @ usr/share/java/byte-buddy.jar",
		"org.apache.commons:commons-text 1.10.0 @ usr/share/java/commons-text.jar",
		"org.apache.logging.log4j:log4j-1.2-api 2.19.0 @ usr/share/java/log4j-1.2-api.jar",
		"org.apache.logging.log4j:log4j-api 2.19.0 @ usr/share/java/log4j-api.jar",
		"org.apache.logging.log4j:log4j-core 2.19.0 @ usr/share/java/log4j-core.jar",
		"org.springframework:spring-beans 4.3.30.RELEASE @ usr/share/java/spring3-beans-3.x.jar",
		"org.springframework:spring-core 4.3.30.RELEASE @ usr/share/java/spring3-core-3.x.jar",
		"org.yaml:snakeyaml 1.33 @ usr/share/java/snakeyaml.jar",
	})

	// A link to a file the extractor would not read (not named like an
	// archive) is read through.
	fsys["opt/app/lib.jar"] = &fstest.MapFile{Data: []byte("../../usr/share/java/jackson-core.jar.bak"), Mode: fs.ModeSymlink | 0o777}
	fsys["usr/share/java/jackson-core.jar.bak"] = fsys["usr/share/java/jackson-core.jar"]
	checkBriefs(t, "link to an unwanted name", briefs(extractFile(t, fsys, "opt/app/lib.jar")),
		[]string{"com.fasterxml.jackson.core:jackson-core 2.14.1 @ opt/app/lib.jar"})
}

// TestTrivyArchives reads the wars and the shaded jar of fixtures
// PROVENANCE §4c (trivy's test data): maven.war is com.example:web-app
// 1.0-SNAPSHOT with 7 Maven Central jars in WEB-INF/lib; gradle.war has no
// identity of its own (no pom.properties, a manifest with only
// Manifest-Version, a file name without version) and 4 jars;
// hadoop-shaded-guava embeds 5 pom.properties.
func TestTrivyArchives(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "java", "trivy")
	fsys := os.DirFS(dir)
	const lib = "!/WEB-INF/lib/"
	checkBriefs(t, "maven.war", briefs(extractFile(t, fsys, "maven.war")), []string{
		"com.example:web-app 1.0-SNAPSHOT @ maven.war",
		"org.glassfish:javax.el 3.0.0 @ maven.war" + lib + "javax.el-3.0.0.jar",
		"com.fasterxml.jackson.core:jackson-databind 2.9.10.6 @ maven.war" + lib + "jackson-databind-2.9.10.6.jar",
		"com.fasterxml.jackson.core:jackson-annotations 2.9.10 @ maven.war" + lib + "jackson-annotations-2.9.10.jar",
		"com.fasterxml.jackson.core:jackson-core 2.9.10 @ maven.war" + lib + "jackson-core-2.9.10.jar",
		"org.slf4j:slf4j-api 1.7.30 @ maven.war" + lib + "slf4j-api-1.7.30.jar",
		"com.cronutils:cron-utils 9.1.2 @ maven.war" + lib + "cron-utils-9.1.2.jar",
		"org.apache.commons:commons-lang3 3.11 @ maven.war" + lib + "commons-lang3-3.11.jar",
	})
	checkBriefs(t, "gradle.war", briefs(extractFile(t, fsys, "gradle.war")), []string{
		"commons-dbcp:commons-dbcp 1.4 @ gradle.war" + lib + "commons-dbcp-1.4.jar",
		"commons-pool:commons-pool 1.6 @ gradle.war" + lib + "commons-pool-1.6.jar",
		"log4j:log4j 1.2.17 @ gradle.war" + lib + "log4j-1.2.17.jar",
		"org.apache.commons:commons-compress 1.19 @ gradle.war" + lib + "commons-compress-1.19.jar",
	})
	const h = "hadoop-shaded-guava-1.1.0-SNAPSHOT.jar"
	checkBriefs(t, h, briefs(extractFile(t, fsys, h)), []string{
		"org.apache.hadoop.thirdparty:hadoop-shaded-guava 1.1.0-SNAPSHOT @ " + h,
		"com.google.j2objc:j2objc-annotations 1.3 @ " + h,
		"com.google.guava:guava 29.0-jre @ " + h,
		"com.google.guava:failureaccess 1.0.1 @ " + h,
		"com.google.guava:listenablefuture 9999.0-empty-to-avoid-conflict-with-guava @ " + h,
	})
}

// TestTomcat reads Debian's tomcat10 files (PROVENANCE §4c): sample.war
// holds no jar and tells no version of its own, so nothing is reported;
// the taglibs jars say 1.2.5 in pom.properties, 1.2.5-migrated-1.0.6 in
// their manifests and 1.2.5-migrated-0.0.1 in their file names, and are
// reported once each, with the pom.properties identity.
func TestTomcat(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "java", "debian-bookworm-tomcat10")
	fsys := os.DirFS(dir)
	pkgs, err := New().Extract(context.Background(), extract.Input{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	checkPackages(t, pkgs)
	const lib = "usr/share/tomcat10-examples/examples/WEB-INF/lib/"
	checkBriefs(t, "tomcat10", briefs(pkgs), []string{
		"org.apache.taglibs:taglibs-standard-impl 1.2.5 @ " + lib + "taglibs-standard-impl-1.2.5-migrated-0.0.1.jar",
		"org.apache.taglibs:taglibs-standard-spec 1.2.5 @ " + lib + "taglibs-standard-spec-1.2.5-migrated-0.0.1.jar",
	})
	if pkgs := extractFile(t, fsys, "usr/share/tomcat10-docs/docs/appdev/sample/sample.war"); len(pkgs) != 0 {
		t.Errorf("sample.war: %q", briefs(pkgs))
	}

	// What the manifest and the file name alone would say.
	for _, tc := range []struct{ file, want string }{
		// Bundle-SymbolicName org.apache.taglibs.standard-impl: group
		// org.apache.taglibs by the <group>.<suffix> rule.
		{"taglibs-standard-impl-1.2.5-migrated-0.0.1.jar", "org.apache.taglibs:taglibs-standard-impl 1.2.5-migrated-1.0.6 MANIFEST.MF"},
		// "org.apache.taglibs.taglibs-standard-spec;singleton=\n true",
		// wrapped in the middle of the parameter.
		{"taglibs-standard-spec-1.2.5-migrated-0.0.1.jar", "org.apache.taglibs:taglibs-standard-spec 1.2.5-migrated-1.0.6 MANIFEST.MF"},
	} {
		m := ParseManifest(readEntry(t, filepath.Join(dir, lib, tc.file), "META-INF/MANIFEST.MF"))
		a, ok := ManifestArtifact(m, tc.file)
		if got := a.Name() + " " + a.Version + " " + a.From; !ok || got != tc.want {
			t.Errorf("%s: manifest identity %q (%v), want %q", tc.file, got, ok, tc.want)
		}
		if _, v := ParseFileName(tc.file); v != "1.2.5-migrated-0.0.1" {
			t.Errorf("%s: file name version %q", tc.file, v)
		}
	}
}

// readEntry returns one entry of the zip archive at host path file;
// nested archives are named with NestSep.
func readEntry(t *testing.T, file, entry string) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range strings.Split(entry, NestSep) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		rc, err := zr.Open(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		data, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return data
}

// TestManifestRulesOnRealJars applies the manifest rules to the 11 Maven
// Central jars in trivy's wars, which also carry pom.properties, to show
// how far a manifest alone gets: 8 give the pom.properties coordinates;
// slf4j-api has no group (Bundle-SymbolicName "slf4j.api" names none);
// javax.el's bundle is com.sun.el.javax.el, so its group reads com.sun.el
// (Maven's is org.glassfish); jackson-annotations' title is a project
// name, so the file name gives the artifactId.
func TestManifestRulesOnRealJars(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "java", "trivy")
	for _, tc := range []struct{ war, jar, want string }{
		{"maven.war", "jackson-databind-2.9.10.6.jar", "com.fasterxml.jackson.core:jackson-databind 2.9.10.6"},
		{"maven.war", "jackson-annotations-2.9.10.jar", "com.fasterxml.jackson.core:jackson-annotations 2.9.10"},
		{"maven.war", "jackson-core-2.9.10.jar", "com.fasterxml.jackson.core:jackson-core 2.9.10"},
		{"maven.war", "commons-lang3-3.11.jar", "org.apache.commons:commons-lang3 3.11"},
		{"maven.war", "cron-utils-9.1.2.jar", "com.cronutils:cron-utils 9.1.2"},
		{"maven.war", "slf4j-api-1.7.30.jar", "slf4j-api 1.7.30"},
		{"maven.war", "javax.el-3.0.0.jar", "com.sun.el:javax.el 3.0.0"},
		{"gradle.war", "commons-dbcp-1.4.jar", "commons-dbcp:commons-dbcp 1.4"},
		{"gradle.war", "commons-pool-1.6.jar", "commons-pool:commons-pool 1.6"},
		{"gradle.war", "log4j-1.2.17.jar", "log4j:log4j 1.2.17"},
		{"gradle.war", "commons-compress-1.19.jar", "org.apache.commons:commons-compress 1.19"},
	} {
		m := ParseManifest(readEntry(t, filepath.Join(dir, tc.war), "WEB-INF/lib/"+tc.jar+NestSep+"META-INF/MANIFEST.MF"))
		a, ok := ManifestArtifact(m, tc.jar)
		if got := a.Name() + " " + a.Version; !ok || got != tc.want || a.From != FromManifest {
			t.Errorf("%s: %q from %s (%v), want %q", tc.jar, got, a.From, ok, tc.want)
		}
	}
}

func TestParseManifest(t *testing.T) {
	data := "\r\nManifest-Version: 1.0\r\nBundle-SymbolicName: org.apache.taglibs.taglibs-standard-spec;singleton=\r\n true\r\n" +
		"Implementation-Vendor: \r\nimplementation-title: spring-b\r\n eans\r\nExport-Package: a;version=\"1.0\",b;ver\n sion=\"2.0\"\n" +
		"no colon here\nBundle-Version: 1\rBundle-Version: 2\r\n\r\nName: org/x/\nImplementation-Version: 9.9\n"
	m := ParseManifest([]byte(data))
	for k, v := range map[string]string{
		"Manifest-Version":       "1.0",
		"bundle-symbolicname":    "org.apache.taglibs.taglibs-standard-spec;singleton=true",
		"Implementation-Vendor":  "",
		"IMPLEMENTATION-TITLE":   "spring-beans",
		"Export-Package":         `a;version="1.0",b;version="2.0"`,
		"Bundle-Version":         "2",
		"Implementation-Version": "",
	} {
		if got := m.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if _, ok := m["implementation-vendor"]; !ok {
		t.Error("empty Implementation-Vendor lost")
	}
	if m.Get("Name") != "" {
		t.Errorf("per-entry section read: %v", m)
	}
	if got := symbolicName(m); got != "org.apache.taglibs.taglibs-standard-spec" {
		t.Errorf("symbolic name %q", got)
	}
	// A wrapped line may split a UTF-8 sequence; Latin-1 is read as such.
	if m := ParseManifest([]byte("Implementation-Vendor: Caf\xc3\n \xa9\nBundle-Vendor: Caf\xe9\n")); m.Get("Implementation-Vendor") != "Café" || m.Get("Bundle-Vendor") != "Café" {
		t.Errorf("vendors %q", m)
	}
}

func TestParseProperties(t *testing.T) {
	data := "#Generated by Maven\r\n! other comment\n  groupId = com.example\nartifactId:web-app\n" +
		"version   1.0-\\\n    SNAPSHOT\nkey\\ with\\=escapes=a\\tb\\u00e9\\q\nempty\nlast=x\\"
	got := ParseProperties([]byte(data))
	want := map[string]string{
		"groupId":          "com.example",
		"artifactId":       "web-app",
		"version":          "1.0-SNAPSHOT",
		"key with=escapes": "a\tbéq",
		"empty":            "",
		"last":             "x",
	}
	if len(got) != len(want) {
		t.Errorf("got %q", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%q: %q, want %q", k, got[k], v)
		}
	}
}

func TestPOMArtifact(t *testing.T) {
	for _, tc := range []struct {
		entry, data string
		want        Artifact
		ok          bool
	}{
		{"META-INF/maven/g/a/pom.properties", "groupId=org.x\nartifactId=y\nversion=1.0\n", Artifact{"org.x", "y", "1.0", FromPOMProperties}, true},
		// Folder names stand in for missing keys.
		{"META-INF/maven/org.x/y/pom.properties", "version=2\n", Artifact{"org.x", "y", "2", FromPOMProperties}, true},
		// Placeholders and bad versions count as missing.
		{"META-INF/maven/org.x/y/pom.properties", "groupId=${g}\nversion=${project.version}\n", Artifact{"org.x", "y", "", FromPOMProperties}, true},
		{"META-INF/maven/org.x/y/pom.properties", "version=1 2\n", Artifact{"org.x", "y", "", FromPOMProperties}, true},
		{"META-INF/maven/pom.properties", "version=1\n", Artifact{}, false},
		{"META-INF/maven/a/b/c/pom.properties", "artifactId=x y\ngroupId=g\n", Artifact{}, false},
	} {
		got, ok := POMArtifact(tc.entry, []byte(tc.data))
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s %q: %+v %v, want %+v %v", tc.entry, tc.data, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseFileName(t *testing.T) {
	for _, tc := range []struct{ name, artifact, version string }{
		{"jackson-databind-2.9.10.6.jar", "jackson-databind", "2.9.10.6"},
		{"WEB-INF/lib/guava-29.0-jre.JAR", "guava", "29.0-jre"},
		{"commons-text.jar", "commons-text", ""},
		{"bcprov-jdk15on-1.70.jar", "bcprov-jdk15on", "1.70"},
		{"javax.el-3.0.0.jar", "javax.el", "3.0.0"},
		{"log4j-1.2-1.2.17.jar", "log4j", "1.2-1.2.17"},
		{"spring3-beans-3.x.jar", "spring3-beans", "3.x"},
		{"taglibs-standard-impl-1.2.5-migrated-0.0.1.jar", "taglibs-standard-impl", "1.2.5-migrated-0.0.1"},
		{"sample.war", "sample", ""},
		{"-1.0.jar", "", ""},
		{"my app-1.0.jar", "", ""},
	} {
		a, v := ParseFileName(tc.name)
		if a != tc.artifact || v != tc.version {
			t.Errorf("%s: %q %q, want %q %q", tc.name, a, v, tc.artifact, tc.version)
		}
	}
}

func TestManifestArtifact(t *testing.T) {
	for _, tc := range []struct {
		manifest, file, want string
	}{
		// Nothing but the file name.
		{"Manifest-Version: 1.0\n", "foo-1.2.jar", "foo 1.2 file name"},
		{"Manifest-Version: 1.0\n", "commons-io-2.4.jar", "commons-io:commons-io 2.4 file name"},
		{"Manifest-Version: 1.0\n", "foo.jar", ""},
		// Implementation-Version over Bundle-Version over the file name
		// over Specification-Version.
		{"Implementation-Version: 3\nBundle-Version: 2\n", "foo-1.jar", "foo 3 MANIFEST.MF"},
		{"Bundle-Version: 2\n", "foo-1.jar", "foo 2 MANIFEST.MF"},
		{"Specification-Version: 4\n", "foo-1.jar", "foo 1 file name"},
		{"Specification-Version: 4\n", "foo.jar", "foo 4 MANIFEST.MF"},
		// Bundle-SymbolicName rules and Implementation-Vendor-Id.
		{"Bundle-SymbolicName: org.example.foo-bar;singleton:=true\nBundle-Version: 1\n", "foo-bar.jar", "org.example:foo-bar 1 MANIFEST.MF"},
		{"Bundle-SymbolicName: org.example.foo.bar\nBundle-Version: 1\n", "foo-bar.jar", "org.example.foo:foo-bar 1 MANIFEST.MF"},
		{"Bundle-SymbolicName: foo.bar\nBundle-Version: 1\n", "foo-bar.jar", "foo-bar 1 MANIFEST.MF"},
		{"Implementation-Vendor-Id: org.example\nImplementation-Version: 1\n", "foo.jar", "org.example:foo 1 MANIFEST.MF"},
		{"Implementation-Vendor-Id: org.apache\nImplementation-Version: 1\n", "commons-email.jar", "commons-email 1 MANIFEST.MF"},
		// Title as artifactId only when it reads like one.
		{"Implementation-Title: Apache Log4j Core\nImplementation-Version: 2.19.0\nBundle-SymbolicName: org.apache.logging.log4j.core\n", "log4j-core.jar", "org.apache.logging.log4j:log4j-core 2.19.0 MANIFEST.MF"},
		{"Implementation-Title: spring-webmvc\nImplementation-Version: 5.3.17\n", "app-lib.jar", "org.springframework:spring-webmvc 5.3.17 MANIFEST.MF"},
	} {
		a, ok := ManifestArtifact(ParseManifest([]byte(tc.manifest)), tc.file)
		got := ""
		if ok {
			got = a.Name() + " " + a.Version + " " + a.From
		}
		if got != tc.want {
			t.Errorf("%q %s: %q, want %q", tc.manifest, tc.file, got, tc.want)
		}
	}
}

func TestWants(t *testing.T) {
	e, g := New(), NewGradleLock()
	for p, want := range map[string]bool{
		"usr/share/java/log4j.jar": true, "srv/app.WAR": true, "x.ear": true, "x.par": true,
		"var/jenkins_home/plugins/git.jpi": true, "plugins/x.hpi": true, "x.jar.bak": false, "jar": false,
		".jar": true, "x.zip": false, "x.rar": false,
	} {
		if e.Wants(p) != want {
			t.Errorf("archives: Wants(%s) = %v", p, !want)
		}
	}
	for p, want := range map[string]bool{
		"app/gradle.lockfile": true, "gradle.lockfile": true, "app/buildscript-gradle.lockfile": true,
		"settings-gradle.lockfile": true, "app/gradle/dependency-locks/compileClasspath.lockfile": true,
		"gradle/dependency-locks/x.lockfile": true, "app/dependency-locks/x.lockfile": false,
		"app/gradle/dependency-locks/.lockfile": false, "app/package.lockfile": false,
	} {
		if g.Wants(p) != want {
			t.Errorf("gradle: Wants(%s) = %v", p, !want)
		}
	}
}

// TestGradleLock reads trivy's gradle.lockfile (PROVENANCE §4c): junit
// 4.13 and hamcrest-core 1.3, and an "empty=" line.
func TestGradleLock(t *testing.T) {
	dir := testutil.Shared(t, "fixtures", "java", "trivy")
	data, err := os.ReadFile(filepath.Join(dir, "gradle.lockfile"))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"src/app/gradle.lockfile": {Data: data, Mode: 0o644}}
	pkgs, err := NewGradleLock().Extract(context.Background(), extract.Input{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	checkPackages(t, pkgs)
	checkBriefs(t, "gradle.lockfile", briefs(pkgs), []string{
		"junit:junit 4.13 @ src/app/gradle.lockfile",
		"org.hamcrest:hamcrest-core 1.3 @ src/app/gradle.lockfile",
	})
	if pkgs[0].PURL != "pkg:maven/junit/junit@4.13" {
		t.Errorf("purl %s", pkgs[0].PURL)
	}

	// The older per-configuration format, duplicates, and bad lines.
	arts, err := ParseGradleLock([]byte("# comment\n\norg.a:b:1.0\norg.a:b:1.0=x\nbad line\nx:y\nx:y:\nx y:z:1\n"))
	if want := []Artifact{{"org.a", "b", "1.0", FromGradleLock}}; !slices.Equal(arts, want) {
		t.Errorf("got %+v", arts)
	}
	for _, s := range []string{"line 5", "line 6", "line 7", "line 8"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("error %v does not name %s", err, s)
		}
	}
	fsys["bad/gradle.lockfile"] = &fstest.MapFile{Data: []byte("a:b:1\nnope\n")}
	pkgs, err = NewGradleLock().ExtractFile(context.Background(), extract.Input{FS: fsys}, "bad/gradle.lockfile")
	var fe *extract.FileError
	if len(pkgs) != 1 || !errors.As(err, &fe) || fe.Path != "bad/gradle.lockfile" {
		t.Errorf("bad lockfile: %q, %v", briefs(pkgs), err)
	}
	many := strings.Repeat("x\n", 50)
	if _, err := ParseGradleLock([]byte(many)); err == nil || !strings.Contains(err.Error(), "and 40 more lines") {
		t.Errorf("50 bad lines: %v", err)
	}
}
