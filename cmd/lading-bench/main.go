// Command lading-bench measures lading's scans against the decompression
// floor. It builds its inputs reproducibly (an OCI layout of a Debian root
// filesystem plus layers of npm, Python, Java and Go content, and an image
// of one layer of many small files), then runs:
//
//   - the floor: every layer of an image decompressed at once, one
//     goroutine per layer, with klauspost/compress/gzip, the bytes
//     discarded;
//   - a cold scan: `lading image oci-layout:...` with a new, empty cache
//     directory;
//   - a warm scan: the same command again, with the same cache directory;
//   - the scan of the many-small-files image, beside its own floor.
//
// Each runs as a subprocess and is measured for wall time, user+system CPU
// and peak RSS. The figures are printed as a table with ratios to the
// floor and written as JSON. Run it from the module root:
//
//	go run ./cmd/lading-bench                # full: Debian rootfs, 1,000,000 files
//	go run ./cmd/lading-bench -short         # small inputs, as CI runs it
//
// With -cpuprofile or -memprofile it instead runs one cold scan of the
// large image (or, with -profile-image many, of the many-files image)
// inside this process and writes the profiles.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

func main() {
	if os.Getenv(runEnv) != "" {
		os.Exit(runChild())
	}
	if dir := os.Getenv(floorEnv); dir != "" {
		os.Exit(floorChild(dir))
	}
	c, err := parseFlags(os.Args[1:])
	if err != nil {
		if err == flag.ErrHelp {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "lading-bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "lading-bench:", err)
		stop()
		os.Exit(1)
	}
}

// config is what the flags set.
type config struct {
	short        bool
	work         string
	debianRootfs string
	fixtures     string
	vulndata     string
	files        int
	repeat       int
	runs         int
	ladingBin    string
	jsonOut      string
	cpuProfile   string
	memProfile   string
	profileImage string
	profileWarm  bool
	progress     bool
}

func parseFlags(args []string) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("lading-bench", flag.ContinueOnError)
	cache, _ := os.UserCacheDir()
	shared := os.Getenv("LADING_SHARED")
	if shared == "" {
		if root, err := moduleRoot(); err == nil {
			shared = filepath.Join(root, "..", "shared")
		}
	}
	fs.BoolVar(&c.short, "short", false, "small inputs (a synthetic root filesystem, 20,000 small files, one copy of each fixture); what CI runs")
	fs.StringVar(&c.work, "work", "", "work directory for the generated images, the database, the binary and the results (default lading-bench, or lading-bench-short with -short, in the user cache directory)")
	fs.StringVar(&c.debianRootfs, "debian-rootfs", os.Getenv("LADING_DEBIAN_ROOTFS_TAR"), "the Debian root filesystem tarball for the first layer (default $LADING_DEBIAN_ROOTFS_TAR; ignored with -short; empty: a synthetic one)")
	fs.StringVar(&c.fixtures, "fixtures", filepath.Join(shared, "fixtures"), "the shared fixtures directory")
	fs.StringVar(&c.vulndata, "vulndata", filepath.Join(shared, "vulndata"), "feed files or directories the advisory database is built from")
	fs.IntVar(&c.files, "files", 0, "small files in the many-files image (default 1,000,000; 20,000 with -short)")
	fs.IntVar(&c.repeat, "repeat", 0, "copies of each fixture tree in the large image (default 4; 1 with -short)")
	fs.IntVar(&c.runs, "runs", 1, "measure each step this many times and keep the fastest")
	fs.StringVar(&c.ladingBin, "lading", "", "lading binary to measure (default: built from this module into the work directory)")
	fs.StringVar(&c.jsonOut, "json", "", "write the figures here (default results.json in the work directory)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "run one cold scan in this process (see -profile-image) and write a CPU profile here")
	fs.StringVar(&c.memProfile, "memprofile", "", "run one cold scan in this process (see -profile-image) and write a heap profile, taken at the peak live heap, here")
	fs.BoolVar(&c.profileWarm, "profile-warm", false, "with -cpuprofile or -memprofile: fill the layer cache with one scan, then profile a warm scan")
	fs.StringVar(&c.profileImage, "profile-image", "large", "the image -cpuprofile and -memprofile scan: large or many")
	progress := fs.String("progress", "auto", "progress lines on standard error: auto (only on a terminal), always or never")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if c.files == 0 {
		c.files = 1_000_000
		if c.short {
			c.files = 20_000
		}
	}
	if c.repeat == 0 {
		c.repeat = 4
		if c.short {
			c.repeat = 1
		}
	}
	if c.short {
		c.debianRootfs = ""
	}
	if c.work == "" {
		c.work = filepath.Join(cache, "lading-bench")
		if c.short {
			c.work += "-short"
		}
	}
	if c.files < 1 || c.repeat < 1 || c.runs < 1 {
		return nil, fmt.Errorf("-files, -repeat and -runs must be positive")
	}
	switch *progress {
	case "auto":
		c.progress = isTerminal(os.Stderr)
	case "always":
		c.progress = true
	case "never":
	default:
		return nil, fmt.Errorf("-progress: auto, always or never, not %q", *progress)
	}
	if c.profileImage != "large" && c.profileImage != "many" {
		return nil, fmt.Errorf("-profile-image: large or many, not %q", c.profileImage)
	}
	if c.jsonOut == "" {
		c.jsonOut = filepath.Join(c.work, "results.json")
	}
	return c, nil
}
