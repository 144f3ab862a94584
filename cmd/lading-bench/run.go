package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/klauspost/compress/gzip"
	"golang.org/x/term"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// floorEnv, when set in the environment, makes this program (or its test
// binary) run the floor over the layout it names and exit.
const floorEnv = "LADING_BENCH_FLOOR"

// Targets from the performance issue.
const (
	targetColdRatio = 1.15
	targetWarmRatio = 0.10
	targetLargeRSS  = 60 << 20
	targetManyRSS   = 120 << 20
)

// measurement is one measured subprocess.
type measurement struct {
	Name      string  `json:"name"`
	Image     string  `json:"image"`
	WallSec   float64 `json:"wall_seconds"`
	UserSec   float64 `json:"user_seconds"`
	SysSec    float64 `json:"system_seconds"`
	CPUSec    float64 `json:"cpu_seconds"`
	PeakRSS   int64   `json:"peak_rss_bytes"`
	WallRatio float64 `json:"wall_ratio_to_floor"`
	CPURatio  float64 `json:"cpu_ratio_to_floor"`
	RSSRatio  float64 `json:"rss_ratio_to_floor"`
	Target    string  `json:"target,omitempty"`
	Meets     *bool   `json:"meets_target,omitempty"`
	Packages  int     `json:"packages,omitempty"`
}

// results is the JSON the harness writes.
type results struct {
	Started      time.Time      `json:"started"`
	Short        bool           `json:"short"`
	Machine      machine        `json:"machine"`
	Lading       string         `json:"lading_binary"`
	Revision     string         `json:"lading_revision,omitempty"`
	Large        *imageInfo     `json:"large_image"`
	Many         *imageInfo     `json:"many_files_image"`
	Sibling      *imageInfo     `json:"sibling_image"`
	Measurements []*measurement `json:"measurements"`
}

type machine struct {
	CPUs        int    `json:"cpus"`
	GOOS        string `json:"goos"`
	GOARCH      string `json:"goarch"`
	GoVersion   string `json:"go_version"`
	Kernel      string `json:"kernel,omitempty"`
	LoadBefore  string `json:"loadavg_before,omitempty"`
	LoadAfter   string `json:"loadavg_after,omitempty"`
	MemTotalKiB int64  `json:"mem_total_kib,omitempty"`
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// moduleRoot is the directory of the go.mod the go command sees from here.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module; run from the lading checkout")
	}
	return filepath.Dir(mod), nil
}

func run(ctx context.Context, c *config, out io.Writer) error {
	progress := func(format string, args ...any) {
		if c.progress {
			fmt.Fprintf(os.Stderr, format+"\n", args...)
		}
	}
	res := &results{Started: time.Now().UTC(), Short: c.short, Machine: hostMachine()}
	if err := os.MkdirAll(c.work, 0o755); err != nil {
		return err
	}
	if c.debianRootfs != "" {
		if _, err := os.Stat(c.debianRootfs); err != nil {
			return fmt.Errorf("-debian-rootfs: %w", err)
		}
	}
	for _, p := range []string{c.fixtures, c.vulndata} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%w (see -fixtures and -vulndata)", err)
		}
	}

	bin := c.ladingBin
	if bin == "" {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		bin = filepath.Join(c.work, "bin", "lading")
		progress("building lading into %s", bin)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/lading")
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./cmd/lading: %v\n%s", err, b)
		}
	}
	binKey, err := fileSHA256(bin)
	if err != nil {
		return err
	}
	res.Lading, res.Revision = bin, revision(bin)
	if res.Revision == "" && c.ladingBin == "" {
		// No VCS stamp (GOFLAGS=-buildvcs=false, or git refused the
		// checkout): ask git about the checkout the binary was built from.
		if root, err := moduleRoot(); err == nil {
			if b, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty=+modified").Output(); err == nil {
				res.Revision = strings.TrimSpace(string(b))
			}
		}
	}

	db := filepath.Join(c.work, "db", "lading.db")
	if err := buildDB(ctx, bin, db, c.vulndata, binKey, progress); err != nil {
		return err
	}

	progress("building the images in %s", c.work)
	res.Large, err = buildImage(filepath.Join(c.work, "large"), "large",
		inputKey("large-v2", fileKey(c.debianRootfs), c.fixtures, c.repeat, c.short, binKey, runtime.Version()),
		func() []layerSpec { return largeLayers(c, bin) }, progress)
	if err != nil {
		return fmt.Errorf("large image: %w", err)
	}
	// sibling shares the large image's layers but the last (the Go
	// binaries), which it replaces by a small layer of its own: a
	// registry's images built on one base.
	res.Sibling, err = buildImage(filepath.Join(c.work, "sibling"), "sibling",
		inputKey("sibling-v1", fileKey(c.debianRootfs), c.fixtures, c.repeat, c.short, binKey, runtime.Version()),
		func() []layerSpec {
			specs := largeLayers(c, bin)
			return append(specs[:len(specs)-1], siblingLayer())
		}, progress)
	if err != nil {
		return fmt.Errorf("sibling image: %w", err)
	}
	res.Many, err = buildImage(filepath.Join(c.work, "many"), "many",
		inputKey("many-v1", c.files), func() []layerSpec { return millionLayers(c.files) }, progress)
	if err != nil {
		return fmt.Errorf("many-files image: %w", err)
	}

	if c.cpuProfile != "" || c.memProfile != "" {
		img := res.Large
		if c.profileImage == "many" {
			img = res.Many
		}
		return profileScan(ctx, c, img.Layout, db, out)
	}

	self, err := os.Executable()
	if err != nil {
		return err
	}
	floor := func(name string, img *imageInfo) (*measurement, error) {
		var n floorOutput
		m, err := best(c.runs, func() (*measurement, error) {
			cmd := exec.CommandContext(ctx, self)
			cmd.Env = append(os.Environ(), floorEnv+"="+img.Layout)
			var stdout bytes.Buffer
			cmd.Stdout = &stdout
			m, err := measure(name, cmd)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(stdout.Bytes(), &n); err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
			if n.Bytes != img.Uncompressed {
				return nil, fmt.Errorf("%s: read %d bytes, the layers hold %d", name, n.Bytes, img.Uncompressed)
			}
			return m, nil
		})
		return m, err
	}
	scan := func(name string, img *imageInfo, cache string) (*measurement, error) {
		report := filepath.Join(c.work, "out", name+".json")
		if err := os.MkdirAll(filepath.Dir(report), 0o755); err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, bin, "image", "oci-layout:"+img.Layout, "--cache-dir", cache,
			"--db", db, "-q", "-f", "json", "-o", report)
		m, err := measure(name, cmd)
		if err != nil {
			return nil, err
		}
		m.Packages = countPackages(report)
		return m, nil
	}
	// inventory is the warm scan without matching: lading sbom reads the
	// same layers (from the layer cache) and writes the inventory only.
	inventory := func(name string, img *imageInfo, cache string) (*measurement, error) {
		out := filepath.Join(c.work, "out", name+".cdx.json")
		cmd := exec.CommandContext(ctx, bin, "sbom", "oci-layout:"+img.Layout, "--cache-dir", cache, "-q", "-o", out)
		m, err := measure(name, cmd)
		if err != nil {
			return nil, err
		}
		m.Packages = countComponents(out)
		return m, nil
	}
	freshCache := func(name string) (string, error) {
		dir := filepath.Join(c.work, "cache-"+name)
		if err := os.RemoveAll(dir); err != nil {
			return "", err
		}
		return dir, os.MkdirAll(dir, 0o755)
	}

	progress("floor: decompressing the large image's %d layers", len(res.Large.Layers))
	floorLarge, err := floor("floor", res.Large)
	if err != nil {
		return err
	}
	var cold, warm, warmInv, shared *measurement
	for i := 0; i < c.runs; i++ {
		cache, err := freshCache("large")
		if err != nil {
			return err
		}
		progress("cold scan of the large image (run %d/%d)", i+1, c.runs)
		m, err := scan("cold", res.Large, cache)
		if err != nil {
			return err
		}
		if cold == nil || m.WallSec < cold.WallSec {
			cold = m
		}
		progress("warm scan of the large image (run %d/%d)", i+1, c.runs)
		if m, err = scan("warm", res.Large, cache); err != nil {
			return err
		}
		if warm == nil || m.WallSec < warm.WallSec {
			warm = m
		}
		progress("warm inventory (lading sbom) of the large image (run %d/%d)", i+1, c.runs)
		if m, err = inventory("warm-sbom", res.Large, cache); err != nil {
			return err
		}
		if warmInv == nil || m.WallSec < warmInv.WallSec {
			warmInv = m
		}
		progress("scan of the sibling image, sharing all but its last layer (run %d/%d)", i+1, c.runs)
		if m, err = scan("shared", res.Sibling, cache); err != nil {
			return err
		}
		if shared == nil || m.WallSec < shared.WallSec {
			shared = m
		}
	}
	progress("floor: decompressing the many-files image")
	floorMany, err := floor("floor-many", res.Many)
	if err != nil {
		return err
	}
	progress("scan of the many-files image (%d files)", c.files)
	many, err := best(c.runs, func() (*measurement, error) {
		cache, err := freshCache("many")
		if err != nil {
			return nil, err
		}
		return scan("many-files", res.Many, cache)
	})
	if err != nil {
		return err
	}

	floorLarge.Image, cold.Image, warm.Image, warmInv.Image, shared.Image = "large", "large", "large", "large", "sibling"
	floorMany.Image, many.Image = "many", "many"
	ratios(floorLarge, floorLarge, cold, warm, warmInv, shared)
	ratios(floorMany, floorMany, many)
	cold.judge(fmt.Sprintf("wall <= %.2fx floor, RSS <= 60 MiB", targetColdRatio),
		cold.WallRatio <= targetColdRatio && cold.PeakRSS <= targetLargeRSS)
	warm.judge(fmt.Sprintf("wall < %.2fx floor, RSS <= 60 MiB", targetWarmRatio),
		warm.WallRatio < targetWarmRatio && warm.PeakRSS <= targetLargeRSS)
	many.judge("RSS <= 120 MiB", many.PeakRSS <= targetManyRSS)
	warmInv.judge(fmt.Sprintf("inventory wall < %.2fx floor", targetWarmRatio), warmInv.WallRatio < targetWarmRatio)
	shared.judge("reads only its own layer", shared.WallRatio < cold.WallRatio/2)
	res.Measurements = []*measurement{floorLarge, cold, warm, warmInv, shared, floorMany, many}
	res.Machine.LoadAfter = loadavg()

	printTable(out, res)
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.jsonOut), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(c.jsonOut, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "figures written to %s\n", c.jsonOut)
	return nil
}

func (m *measurement) judge(target string, ok bool) {
	m.Target, m.Meets = target, &ok
}

// best runs f n times and keeps the fastest run.
func best(n int, f func() (*measurement, error)) (*measurement, error) {
	var b *measurement
	for i := 0; i < n; i++ {
		m, err := f()
		if err != nil {
			return nil, err
		}
		if b == nil || m.WallSec < b.WallSec {
			b = m
		}
	}
	return b, nil
}

// runEnv and rusageEnv make this program (or its test binary) a runner:
// it starts the command in its arguments, waits for it and writes the
// command's wall time, CPU time and peak RSS as JSON to the rusageEnv file.
//
// The runner is there for the peak RSS: Go starts a child with
// CLONE_VM|CLONE_VFORK, and Linux carries the high-water RSS of the memory
// the child shared before exec into the child's maxrss, so a command this
// harness started directly would report at least the harness's own peak
// (hundreds of MiB after it wrote the many-files image). The runner is a
// fresh, small process, so what it starts reports its own peak, or the
// runner's few MiB when that is larger.
const (
	runEnv    = "LADING_BENCH_RUN"
	rusageEnv = "LADING_BENCH_RUSAGE"
)

type usage struct {
	WallSec float64 `json:"wall_seconds"`
	UserSec float64 `json:"user_seconds"`
	SysSec  float64 `json:"system_seconds"`
	MaxRSS  int64   `json:"max_rss_bytes"`
}

// runChild is the runner.
func runChild() int {
	out := os.Getenv(rusageEnv)
	if len(os.Args) < 2 || out == "" {
		fmt.Fprintln(os.Stderr, "lading-bench runner: no command or no "+rusageEnv)
		return 2
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, runEnv+"=") && !strings.HasPrefix(kv, rusageEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "lading-bench runner:", err)
		return 2
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	u := usage{WallSec: wall.Seconds(), UserSec: cmd.ProcessState.UserTime().Seconds(), SysSec: cmd.ProcessState.SystemTime().Seconds()}
	if ru != nil {
		u.MaxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	b, _ := json.Marshal(u)
	if werr := os.WriteFile(out, b, 0o644); werr != nil {
		fmt.Fprintln(os.Stderr, "lading-bench runner:", werr)
		return 2
	}
	return cmd.ProcessState.ExitCode()
}

// measure runs cmd through the runner and reads its wall time, CPU time
// and peak RSS.
func measure(name string, cmd *exec.Cmd) (*measurement, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "lading-bench-rusage-*.json")
	if err != nil {
		return nil, err
	}
	f.Close()
	defer os.Remove(f.Name())
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(env, runEnv+"=1", rusageEnv+"="+f.Name())
	cmd.Args = append([]string{self}, append([]string{cmd.Path}, cmd.Args[1:]...)...)
	cmd.Path = self
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %s: %v\n%s", name, strings.Join(cmd.Args[1:], " "), err, tail(stderr.String(), 2000))
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		return nil, err
	}
	var u usage
	if err := json.Unmarshal(b, &u); err != nil {
		return nil, fmt.Errorf("%s: runner: %v", name, err)
	}
	if u.MaxRSS == 0 {
		return nil, fmt.Errorf("%s: no resource usage on %s", name, runtime.GOOS)
	}
	return &measurement{Name: name, WallSec: u.WallSec, UserSec: u.UserSec, SysSec: u.SysSec,
		CPUSec: u.UserSec + u.SysSec, PeakRSS: u.MaxRSS}, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

func ratios(floor *measurement, ms ...*measurement) {
	for _, m := range ms {
		m.WallRatio = m.WallSec / floor.WallSec
		m.CPURatio = m.CPUSec / floor.CPUSec
		m.RSSRatio = float64(m.PeakRSS) / float64(floor.PeakRSS)
	}
}

func printTable(out io.Writer, res *results) {
	fmt.Fprintf(out, "large image: %d layers, %s compressed, %s uncompressed, %d entries\n",
		len(res.Large.Layers), mib(res.Large.Compressed), mib(res.Large.Uncompressed), res.Large.Entries)
	fmt.Fprintf(out, "many-files image: %s compressed, %s uncompressed, %d entries\n",
		mib(res.Many.Compressed), mib(res.Many.Uncompressed), res.Many.Entries)
	if res.Revision != "" {
		fmt.Fprintf(out, "lading: %s\n", res.Revision)
	}
	fmt.Fprintf(out, "machine: %d CPUs, %s, load average %s before, %s after\n\n",
		res.Machine.CPUs, res.Machine.GoVersion, res.Machine.LoadBefore, res.Machine.LoadAfter)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\timage\twall\tCPU\tpeak RSS\twall/floor\tCPU/floor\tRSS/floor\ttarget\t")
	for _, m := range res.Measurements {
		target := ""
		if m.Meets != nil {
			verdict := "MISSED"
			if *m.Meets {
				verdict = "met"
			}
			target = m.Target + ": " + verdict
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2fs\t%.2fs\t%s\t%.2fx\t%.2fx\t%.2fx\t%s\t\n", m.Name, m.Image, m.WallSec, m.CPUSec,
			mib(m.PeakRSS), m.WallRatio, m.CPURatio, m.RSSRatio, target)
	}
	tw.Flush()
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// countPackages reads the number of packages from a JSON report; 0 when
// it cannot tell.
// countComponents counts the components of a CycloneDX SBOM.
func countComponents(sbom string) int {
	b, err := os.ReadFile(sbom)
	if err != nil {
		return 0
	}
	var doc struct {
		Components []json.RawMessage `json:"components"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return 0
	}
	return len(doc.Components)
}

func countPackages(report string) int {
	b, err := os.ReadFile(report)
	if err != nil {
		return 0
	}
	var doc struct {
		Packages []json.RawMessage `json:"packages"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return 0
	}
	return len(doc.Packages)
}

// revision is the VCS revision go build stamped into the binary, with
// "+modified" when the checkout had uncommitted changes.
func revision(bin string) string {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return ""
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+modified"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev + modified
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// buildDB builds the advisory database with the lading under test, unless
// the one there was built by the same binary from the same feeds.
func buildDB(ctx context.Context, bin, db, vulndata, binKey string, progress func(string, ...any)) error {
	key := inputKey("db-v1", vulndata, fileKey(vulndata), binKey)
	stamp := db + ".key"
	if b, err := os.ReadFile(stamp); err == nil && string(b) == key {
		if _, err := os.Stat(db); err == nil {
			return nil
		}
	}
	progress("building the advisory database from %s", vulndata)
	if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil {
		return err
	}
	cache := filepath.Join(filepath.Dir(db), "cache")
	cmd := exec.CommandContext(ctx, bin, "--cache-dir", cache, "-q", "db", "build", "--db", db, vulndata)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("lading db build: %v\n%s", err, b)
	}
	return os.WriteFile(stamp, []byte(key), 0o644)
}

func hostMachine() machine {
	m := machine{CPUs: runtime.NumCPU(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, GoVersion: runtime.Version(), LoadBefore: loadavg()}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		fmt.Sscanf(string(b), "MemTotal: %d kB", &m.MemTotalKiB)
	}
	return m
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// floorOutput is what the floor child prints.
type floorOutput struct {
	Layers int   `json:"layers"`
	Bytes  int64 `json:"bytes"`
}

// floorChild decompresses every layer of the first image in the layout at
// dir, one goroutine per layer, and prints how many bytes it read.
func floorChild(dir string) int {
	n, err := floorRead(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lading-bench floor:", err)
		return 1
	}
	b, _ := json.Marshal(n)
	fmt.Println(string(b))
	return 0
}

func floorRead(dir string) (floorOutput, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return floorOutput{}, err
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return floorOutput{}, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return floorOutput{}, err
	}
	if len(im.Manifests) == 0 {
		return floorOutput{}, errors.New("empty layout")
	}
	man, err := p.Image(im.Manifests[0].Digest)
	if err != nil {
		return floorOutput{}, err
	}
	m, err := man.Manifest()
	if err != nil {
		return floorOutput{}, err
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int64
		first error
	)
	for _, l := range m.Layers {
		wg.Add(1)
		go func(d v1.Hash) {
			defer wg.Done()
			n, err := gunzipDiscard(p, d)
			mu.Lock()
			defer mu.Unlock()
			total += n
			if err != nil && first == nil {
				first = err
			}
		}(l.Digest)
	}
	wg.Wait()
	return floorOutput{Layers: len(m.Layers), Bytes: total}, first
}

func gunzipDiscard(p layout.Path, d v1.Hash) (int64, error) {
	rc, err := p.Blob(d)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		return 0, err
	}
	defer zr.Close()
	return io.Copy(io.Discard, zr)
}
