package java_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/extract/java"
	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/scan"
)

// TestScanDebianLinks scans a root folder holding Debian's
// /usr/share/java (fixtures PROVENANCE §4c) with real links, as an image
// would. The layer walk follows links when opening and does not tell
// which paths are links, so each linked jar is read through both names;
// the scan's merge makes one package per name and version, whose
// locations are the link and the jar (in path order). Each of the 12 jars
// has one link (log4j-1.2.jar -> log4j-1.2-1.2.17.jar, spring3-beans.jar
// -> spring3-beans-3.x.jar, the others name the version).
func TestScanDebianLinks(t *testing.T) {
	fixtures := testutil.Shared(t, "fixtures")
	const rel = "java/debian-bookworm/usr/share/java"
	sums := map[string]bool{}
	f, err := os.Open(filepath.Join(fixtures, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if _, name, ok := strings.Cut(sc.Text(), "  "); ok {
			sums[strings.TrimPrefix(name, "./")] = true
		}
	}
	f.Close()

	root := t.TempDir()
	dst := filepath.Join(root, "usr", "share", "java")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(fixtures, rel))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		host := filepath.Join(fixtures, rel, e.Name())
		var target string
		if e.Type()&os.ModeSymlink != 0 {
			if target, err = os.Readlink(host); err != nil {
				t.Fatal(err)
			}
		} else if !sums[rel+"/"+e.Name()] {
			data, err := os.ReadFile(host)
			if err != nil {
				t.Fatal(err)
			}
			target = string(data)
		}
		if target != "" {
			if err := os.Symlink(target, filepath.Join(dst, e.Name())); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := os.ReadFile(host)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	res, err := scan.Run(context.Background(), &source.Image{Kind: source.KindDir, Dir: root}, scan.Options{
		Extractors: []extract.Extractor{java.New()}, TempDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 0 {
		t.Errorf("problems %+v", res.Problems)
	}
	var got []string
	for _, p := range res.Packages {
		var locs []string
		for _, l := range p.Locations {
			locs = append(locs, strings.TrimPrefix(l.Path, "usr/share/java/"))
		}
		got = append(got, p.Name+" "+p.Version+" @ "+strings.Join(locs, ","))
	}
	want := []string{
		"com.fasterxml.jackson.core:jackson-annotations 2.14.0 @ jackson-annotations-2.14.0.jar,jackson-annotations.jar",
		"com.fasterxml.jackson.core:jackson-core 2.14.1 @ jackson-core-2.14.1.jar,jackson-core.jar",
		"com.fasterxml.jackson.core:jackson-databind 2.14.0 @ jackson-databind-2.14.0.jar,jackson-databind.jar",
		"log4j:log4j 1.2.17 @ log4j-1.2-1.2.17.jar,log4j-1.2.jar",
		"net.bytebuddy:byte-buddy 1.12.21 @ byte-buddy-1.12.21.jar,byte-buddy.jar",
		"org.apache.commons:commons-text 1.10.0 @ commons-text-1.10.0.jar,commons-text.jar",
		"org.apache.logging.log4j:log4j-1.2-api 2.19.0 @ log4j-1.2-api-2.19.0.jar,log4j-1.2-api.jar",
		"org.apache.logging.log4j:log4j-api 2.19.0 @ log4j-api-2.19.0.jar,log4j-api.jar",
		"org.apache.logging.log4j:log4j-core 2.19.0 @ log4j-core-2.19.0.jar,log4j-core.jar",
		"org.springframework:spring-beans 4.3.30.RELEASE @ spring3-beans-3.x.jar,spring3-beans.jar",
		"org.springframework:spring-core 4.3.30.RELEASE @ spring3-core-3.x.jar,spring3-core.jar",
		"org.yaml:snakeyaml 1.33 @ snakeyaml-1.33.jar,snakeyaml.jar",
	}
	if !slices.Equal(got, want) {
		t.Errorf("packages:\ngot  %q\nwant %q", got, want)
	}
}
