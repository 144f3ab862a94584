package scan_test

import (
	"os"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/lading-dev/lading/extract"
)

// ordered hides that an extractor is self-contained, so that the scan runs
// it only in the ordered walk.
type ordered struct{ extract.FileExtractor }

type orderedWanter struct {
	ordered
	extract.FileWanter
}

// Self-contained extractors (Go binaries, jars) run on each file while its
// layer is read; what they find must be what the ordered walk finds, for a
// file a later layer replaces or removes too.
func TestSelfContainedEqualsOrdered(t *testing.T) {
	self, err := os.Executable() // a Go binary with build info
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	jar := readShared(t, "fixtures", "java", "debian-bookworm", "usr", "share", "java", "log4j-1.2-1.2.17.jar")
	base := tarLayer(t,
		tarFile{name: "etc/os-release", body: readShared(t, "fixtures", "alpine", "apk-db", "3.20.3", "etc", "os-release")},
		tarFile{name: "usr/bin/app", body: string(bin)},
		tarFile{name: "opt/lib/log4j.jar", body: jar},
		tarFile{name: "opt/lib/gone.jar", body: jar},
		tarFile{name: "opt/lib/broken.jar", body: "not a zip"},
	)
	// The upper layer replaces the binary by a jar under the same name,
	// removes gone.jar, and writes app2 twice (the second one counts).
	upper := tarLayer(t,
		tarFile{name: "usr/bin/app", body: jar},
		tarFile{name: "opt/lib/.wh.gone.jar"},
		tarFile{name: "usr/bin/app2", body: "#!/bin/sh\n"},
		tarFile{name: "usr/bin/app2", body: string(bin)},
	)
	img, err := mutate.AppendLayers(empty.Image, base, upper)
	if err != nil {
		t.Fatal(err)
	}
	dir := writeLayout(t, img)
	var plain []extract.Extractor
	n := 0
	for _, e := range allExtractors() {
		if _, ok := e.(extract.SelfContained); ok {
			n++
			fe := e.(extract.FileExtractor)
			if fw, ok := e.(extract.FileWanter); ok {
				e = orderedWanter{ordered{fe}, fw}
			} else {
				e = ordered{fe}
			}
		}
		plain = append(plain, e)
	}
	if n < 2 {
		t.Fatalf("%d self-contained extractors, want the Go binary and Java ones at least", n)
	}
	want := scanCached(t, dir, nil, plain).res
	got := scanCached(t, dir, nil, allExtractors()).res
	if a, b := resultJSON(t, got), resultJSON(t, want); a != b {
		t.Errorf("with self-contained extractors run early:\n%s\nwant (ordered walk only):\n%s", a, b)
	}
	types := map[string]int{}
	for _, p := range got.Packages {
		types[p.Type]++
		for _, l := range p.Locations {
			if l.Path == "opt/lib/gone.jar" {
				t.Errorf("package %s from a removed jar", p.Name)
			}
		}
	}
	if types["golang"] == 0 || types["maven"] == 0 {
		t.Errorf("package types %v, want Go modules and Maven packages", types)
	}
	broken := false
	for _, p := range got.Problems {
		if p.Path == "opt/lib/broken.jar" {
			broken = true
		}
	}
	if !broken {
		t.Errorf("problems %+v, want one naming opt/lib/broken.jar", got.Problems)
	}
}
