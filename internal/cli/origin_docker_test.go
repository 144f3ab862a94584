package cli_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/report"
)

// dockerCmd runs the docker CLI, failing the test on error.
func dockerCmd(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// An image built by the Docker Engine from a Dockerfile: the official
// Alpine 3.20.3 minirootfs imported as the base, then a COPY of 3.16.9's
// real libcrypto1.1 apk record and a RUN that appends it to the apk
// database (standing in for `apk add`). With --dockerfile, the base is
// the imported layer, libcrypto1.1's findings are the image's own and
// point at the RUN line; without it, the import in the history still
// tells the base.
func TestOriginFromDockerBuild(t *testing.T) {
	out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput()
	testutil.Require(t, err == nil, "no Docker Engine: docker info: "+strings.TrimSpace(string(out)))

	tag := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	base, own := "lading-test/origin-base:"+tag, "lading-test/origin-own:"+tag
	rootfs := testutil.Shared(t, "fixtures", "alpine", "minirootfs", "alpine-minirootfs-3.20.3-x86_64.tar.gz")
	dockerCmd(t, "import", rootfs, base)
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", own, base).Run() })

	ctxDir := t.TempDir()
	writeFile(t, ctxDir, "libcrypto1.1.record", libcrypto11Record(t)+"\n\n")
	dockerfile := writeFile(t, ctxDir, "Dockerfile", `# The base: Alpine 3.20.3, imported from the official minirootfs.
FROM `+base+`
LABEL org.example.purpose="lading origin test"
COPY libcrypto1.1.record /tmp/record
RUN cat /tmp/record >> /lib/apk/db/installed \
    && rm /tmp/record
ENV LADING_TEST=1
`)
	dockerCmd(t, "build", "-q", "-t", own, ctxDir)
	archive := filepath.Join(t.TempDir(), "own.tar")
	dockerCmd(t, "save", "-o", archive, own)

	r := scanJSON(t, "image", "docker-archive:"+archive, "--dockerfile", dockerfile)
	if b := r.BaseImage; b == nil || b.Method != "dockerfile" || b.Layers != 1 || b.Name != base ||
		b.Evidence != dockerfile+" line 2: FROM "+base || b.Dockerfile != dockerfile {
		t.Fatalf("base image %+v", r.BaseImage)
	}
	if len(r.Layers) != 3 {
		t.Fatalf("%d layers, want the import, the COPY and the RUN", len(r.Layers))
	}
	own11, base320 := 0, 0
	for _, v := range r.Vulnerabilities {
		switch v.PackageName {
		case "libcrypto1.1":
			own11++
			if v.Origin != report.OriginOwn || v.DockerfileLine == nil || *v.DockerfileLine != 5 || v.Layer != r.Layers[2].DiffID ||
				!strings.Contains(v.CreatedBy, "cat /tmp/record >> /lib/apk/db/installed") {
				t.Errorf("libcrypto1.1 %s: origin %q, line %v, layer %s, created_by %q", v.ID, v.Origin, v.DockerfileLine, v.Layer, v.CreatedBy)
			}
		default:
			base320++
			if v.Origin != report.OriginBase || v.DockerfileLine != nil || v.Layer != r.Layers[0].DiffID {
				t.Errorf("%s %s: origin %q, line %v, layer %s", v.PackageName, v.ID, v.Origin, v.DockerfileLine, v.Layer)
			}
		}
	}
	if own11 == 0 || base320 == 0 {
		t.Fatalf("%d findings on libcrypto1.1, %d on the base", own11, base320)
	}

	// The explanation of a libcrypto1.1 finding names the Dockerfile line.
	var id string
	for _, v := range r.Vulnerabilities {
		if v.PackageName == "libcrypto1.1" {
			id = v.ID
			break
		}
	}
	text, errOut, code := runCLI(t, "image", "docker-archive:"+archive, "--dockerfile", dockerfile, "--explain", id,
		"--db", testDB(t), "--cache-dir", t.TempDir(), "-q")
	b := block(t, text, id+" in libcrypto1.1 1.1.1w-r1: REPORTED")
	wantLines(t, b, "dockerfile: "+dockerfile+" line 5", "origin:     own (base image: layer 1, told by dockerfile: "+dockerfile+" line 2: FROM "+base+")",
		"created by: /bin/sh -c cat /tmp/record >> /lib/apk/db/installed")
	if code != 0 {
		t.Errorf("--explain: exit %d %s", code, errOut)
	}

	// Without --dockerfile the import tells the same split, with no lines.
	r = scanJSON(t, "image", "docker-archive:"+archive)
	if b := r.BaseImage; b == nil || b.Method != "history" || b.Layers != 1 {
		t.Errorf("history split %+v", b)
	}
	for _, v := range r.Vulnerabilities {
		if want := map[bool]string{true: "own", false: "base"}[v.PackageName == "libcrypto1.1"]; v.Origin != want || v.DockerfileLine != nil {
			t.Errorf("%s %s: origin %q, line %v", v.PackageName, v.ID, v.Origin, v.DockerfileLine)
		}
	}

	// A Dockerfile the image was not built from: a warning, and the split
	// from the history.
	other := writeFile(t, t.TempDir(), "Dockerfile", "FROM "+base+"\nRUN apk add --no-cache curl\n")
	r, errOut, _ = scanCode(t, "image", "docker-archive:"+archive, "--dockerfile", other)
	if r.BaseImage == nil || r.BaseImage.Method != "history" || len(r.Warnings) == 0 ||
		!strings.Contains(errOut, "the image history does not follow "+other) {
		t.Errorf("mismatched Dockerfile: base %+v, warnings %q, stderr %q", r.BaseImage, r.Warnings, errOut)
	}
}
