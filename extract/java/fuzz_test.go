package java

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/extract"
)

// fuzzFixtures is the fixtures/java folder, found without skipping: fuzz
// seeds are optional.
func fuzzFixtures() string {
	if d := os.Getenv("LADING_SHARED"); d != "" {
		return filepath.Join(d, "fixtures", "java")
	}
	return filepath.Join("..", "..", "..", "shared", "fixtures", "java")
}

// fixtureEntries returns the MANIFEST.MF and pom.properties entries of the
// small fixture archives (and of the jars nested in the wars), as
// (entry name, data) pairs.
func fixtureEntries() (names []string, datas [][]byte) {
	root := fuzzFixtures()
	var visit func(data []byte)
	visit = func(data []byte) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for _, f := range zr.File {
			if !isPOMProperties(f.Name) && f.Name != "META-INF/MANIFEST.MF" && !IsArchiveName(f.Name) {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				continue
			}
			b, err := io.ReadAll(io.LimitReader(rc, 8<<20))
			rc.Close()
			if err != nil {
				continue
			}
			if IsArchiveName(f.Name) {
				visit(b)
				continue
			}
			names, datas = append(names, f.Name), append(datas, b)
		}
	}
	for _, p := range []string{
		"trivy/maven.war", "trivy/gradle.war", "trivy/hadoop-shaded-guava-1.1.0-SNAPSHOT.jar",
		"debian-bookworm/usr/share/java/log4j-1.2-1.2.17.jar", "debian-bookworm/usr/share/java/spring3-beans-3.x.jar",
		"debian-bookworm-tomcat10/usr/share/tomcat10-examples/examples/WEB-INF/lib/taglibs-standard-spec-1.2.5-migrated-0.0.1.jar",
	} {
		if data, err := os.ReadFile(filepath.Join(root, p)); err == nil {
			visit(data)
		}
	}
	return names, datas
}

// checkArtifact fails unless a has valid ids, a usable version (or none)
// and a purl that parses back to it.
func checkArtifact(t *testing.T, a Artifact) {
	t.Helper()
	if !validID(a.ArtifactID) || (a.GroupID != "" && !validID(a.GroupID)) || cleanVersion(a.Version) != a.Version {
		t.Fatalf("bad artifact %+v", a)
	}
	u, err := packageurl.FromString(PURL(a))
	if err != nil {
		t.Fatalf("purl %q: %v", PURL(a), err)
	}
	if u.Type != Type || u.Namespace != a.GroupID || u.Name != a.ArtifactID || u.Version != a.Version {
		t.Fatalf("purl %q for %+v", PURL(a), a)
	}
}

// FuzzParseManifest feeds arbitrary bytes as a MANIFEST.MF. Parsing must
// not panic; names are lower case without line breaks; values are valid
// UTF-8 without line breaks; an identity told from it is valid.
func FuzzParseManifest(f *testing.F) {
	names, datas := fixtureEntries()
	for i, n := range names {
		if n == "META-INF/MANIFEST.MF" {
			f.Add(datas[i][:min(len(datas[i]), 4<<10)], "x-1.0.jar")
		}
	}
	f.Add([]byte("Implementation-Title: spring-beans\r\nImplementation-Version: 4.3.30.RELEASE\r\n\r\nName: a\r\n"), "spring3-beans-3.x.jar")
	f.Add([]byte("Bundle-SymbolicName: org.apache.taglibs.taglibs-standard-spec;singleton=\n true\nBundle-Version: 1.2.5\n"), "taglibs-standard-spec.jar")
	f.Fuzz(func(t *testing.T, data []byte, file string) {
		m := ParseManifest(data)
		for k, v := range m {
			if k != strings.ToLower(k) || strings.ContainsAny(k, "\r\n") || k == "" {
				t.Fatalf("bad name %q", k)
			}
			if !utf8.ValidString(v) || strings.ContainsAny(v, "\r\n") {
				t.Fatalf("bad value %q", v)
			}
		}
		if a, ok := ManifestArtifact(m, file); ok {
			checkArtifact(t, a)
			if a.Version == "" || (a.From != FromManifest && a.From != FromFileName) {
				t.Fatalf("identity %+v", a)
			}
		}
	})
}

// FuzzPOMProperties feeds arbitrary bytes as a pom.properties under an
// arbitrary entry name. It must not panic, and an artifact it gives must
// be valid.
func FuzzPOMProperties(f *testing.F) {
	names, datas := fixtureEntries()
	for i, n := range names {
		if isPOMProperties(n) {
			f.Add(n, datas[i])
		}
	}
	f.Add("META-INF/maven/g/a/pom.properties", []byte("groupId = g\\\n  x\nartifactId:a\\u0041\nversion ${v}\n"))
	f.Fuzz(func(t *testing.T, entry string, data []byte) {
		props := ParseProperties(data)
		for k, v := range props {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				t.Fatalf("invalid UTF-8: %q=%q", k, v)
			}
		}
		if a, ok := POMArtifact(entry, data); ok {
			checkArtifact(t, a)
		}
	})
}

// FuzzParseGradleLock feeds arbitrary bytes as a gradle.lockfile.
func FuzzParseGradleLock(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join(fuzzFixtures(), "trivy", "gradle.lockfile")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("a:b:1\r\nempty=x\n# c\nx:y:z:1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		arts, _ := ParseGradleLock(data)
		seen := map[Artifact]bool{}
		for _, a := range arts {
			checkArtifact(t, a)
			if a.GroupID == "" || a.Version == "" || seen[a] {
				t.Fatalf("artifact %+v (seen %v)", a, seen[a])
			}
			seen[a] = true
		}
	})
}

// FuzzArchive feeds arbitrary bytes as a war through ExtractFile, with
// small limits. It must not panic; every package must be valid and found
// at the war or inside it; every error must be a *extract.FileError
// naming the war or something inside it; the temporary directory must be
// left empty.
func FuzzArchive(f *testing.F) {
	root := fuzzFixtures()
	for _, p := range []string{
		"trivy/hadoop-shaded-guava-1.1.0-SNAPSHOT.jar",
		"debian-bookworm-tomcat10/usr/share/tomcat10-docs/docs/appdev/sample/sample.war",
	} {
		if data, err := os.ReadFile(filepath.Join(root, p)); err == nil {
			f.Add(data)
		}
	}
	inner := buildZip(f, pom("org.example", "inner", "1"), entry{name: "META-INF/MANIFEST.MF", data: []byte("Implementation-Version: 1\n")})
	f.Add(buildZip(f, pom("org.example", "outer", "2"),
		entry{name: "WEB-INF/lib/inner-1.jar", data: inner},
		entry{name: "WEB-INF/lib/stored-1.jar", data: inner, store: true},
		entry{name: "WEB-INF/lib/deep.war", data: buildZip(f, entry{name: "lib/inner-1.jar", data: inner})}))
	f.Add([]byte{})
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	lim := Limits{MaxDepth: 4, MaxEntries: 10_000, MaxInflated: 16 << 20, MaxEntrySize: 1 << 20,
		MaxNestedSize: 4 << 20, MemNested: 64 << 10, MaxMemory: 256 << 10}
	tmp := f.TempDir() // one per fuzzing process, which runs inputs one at a time
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"srv/f.war": {Data: data}}
		pkgs, err := (&Extractor{Limits: lim}).ExtractFile(context.Background(), extract.Input{FS: fsys, TempDir: tmp}, "srv/f.war")
		checkPackages(t, pkgs)
		for _, p := range pkgs {
			if len(p.Locations) != 1 || !(p.Locations[0].Path == "srv/f.war" || strings.HasPrefix(p.Locations[0].Path, "srv/f.war"+NestSep)) {
				t.Fatalf("location %v", p.Locations)
			}
			if p.Type != Type || p.PURL == "" {
				t.Fatalf("package %+v", p)
			}
		}
		if err != nil {
			var errs []error
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			} else {
				errs = []error{err}
			}
			for _, e := range errs {
				var fe *extract.FileError
				if !errors.As(e, &fe) || !(fe.Path == "srv/f.war" || strings.HasPrefix(fe.Path, "srv/f.war"+NestSep)) {
					t.Fatalf("error %v", e)
				}
			}
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Fatalf("left in TempDir: %v", left)
		}
	})
}
