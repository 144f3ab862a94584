package gobinary

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/lading-dev/lading/internal/testutil"
)

// The test program requires golang.org/x/text v0.3.0 and replaces it with
// v0.3.5, so the binary's build information reads
//
//	dep golang.org/x/text v0.3.0
//	=>  golang.org/x/text v0.3.5 h1:…
const (
	testGoMod = `module example.com/vulnapp

go 1.21

require golang.org/x/text v0.3.0

replace golang.org/x/text v0.3.0 => golang.org/x/text v0.3.5
`
	testMain = `package main

import (
	"fmt"

	"golang.org/x/text/language"
)

func main() { fmt.Println(language.Make("en-US")) }
`
)

// builtBinaries are the test program built three ways.
type builtBinaries struct {
	dir string
	// plain is built with -trimpath, stripped with -trimpath -ldflags="-s
	// -w", stamped with version control stamping from a git checkout
	// (one commit, no tags).
	plain, stripped, stamped string
	// goVersion is the toolchain's version ("go1.26.8").
	goVersion string
}

var (
	buildOnce sync.Once
	built     *builtBinaries
	buildSkip string // why the binaries could not be built: proxy unreachable
	buildErr  string // a failure that is not the proxy's
)

// goCommand returns the go command of the toolchain running the test.
func goCommand() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func goEnv(extraFlags string) []string {
	env := []string{"GOFLAGS=-mod=mod " + extraFlags, "GOTOOLCHAIN=local", "GOWORK=off", "GO111MODULE=on", "CGO_ENABLED=0"}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOFLAGS", "GOTOOLCHAIN", "GOWORK", "GO111MODULE", "CGO_ENABLED":
			continue
		}
		env = append(env, kv)
	}
	return env
}

func run(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// buildTestBinaries builds the test program once per test binary. The
// module golang.org/x/text v0.3.5 comes from the module proxy (GOPROXY as
// set, default proxy.golang.org); when it cannot be downloaded the tests
// that need the binaries are skipped, or fail under LADING_REQUIRE_SHARED.
func buildTestBinaries(t *testing.T) *builtBinaries {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lading-gobinary-")
		if err != nil {
			buildErr = err.Error()
			return
		}
		b := &builtBinaries{dir: dir}
		goCmd := goCommand()
		env := goEnv("-buildvcs=false")
		for name, body := range map[string]string{"go.mod": testGoMod, "main.go": testMain} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				buildErr = err.Error()
				return
			}
		}
		if out, err := run(dir, env, goCmd, "mod", "download", "golang.org/x/text@v0.3.5"); err != nil {
			buildSkip = "cannot download golang.org/x/text v0.3.5 from the module proxy: " + strings.TrimSpace(out)
			return
		}
		v, err := run(dir, env, goCmd, "env", "GOVERSION")
		if err != nil {
			buildErr = v
			return
		}
		b.goVersion = strings.TrimSpace(v)
		for _, bld := range []struct {
			out  *string
			name string
			args []string
		}{
			{&b.plain, "app", []string{"build", "-trimpath", "-o", "app", "."}},
			{&b.stripped, "app-stripped", []string{"build", "-trimpath", "-ldflags=-s -w", "-o", "app-stripped", "."}},
		} {
			if out, err := run(dir, env, goCmd, bld.args...); err != nil {
				buildErr = "go " + strings.Join(bld.args, " ") + ": " + out
				return
			}
			*bld.out = filepath.Join(dir, bld.name)
		}
		// A build in a git checkout stamps the main module's version
		// from version control: with no tag, a pseudo-version.
		if git, err := exec.LookPath("git"); err == nil {
			src := filepath.Join(dir, "checkout")
			os.Mkdir(src, 0o755)
			for _, name := range []string{"go.mod", "go.sum", "main.go"} {
				data, _ := os.ReadFile(filepath.Join(dir, name))
				os.WriteFile(filepath.Join(src, name), data, 0o644)
			}
			genv := append(goEnv("-buildvcs=true"), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
				"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
			for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"commit", "-q", "-m", "test"}} {
				if out, err := run(src, genv, git, args...); err != nil {
					buildErr = "git " + args[0] + ": " + out
					return
				}
			}
			if out, err := run(src, genv, goCmd, "build", "-o", "app-stamped", "."); err != nil {
				buildErr = "stamped build: " + out
				return
			}
			b.stamped = filepath.Join(src, "app-stamped")
		}
		built = b
	})
	if buildErr != "" {
		t.Fatal(buildErr)
	}
	if buildSkip != "" {
		testutil.Require(t, false, buildSkip)
	}
	return built
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built != nil {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}
