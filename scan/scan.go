// Package scan runs the inventory stage of lading: it streams an image's
// layers, in order and once each, into a squashed tree, runs the extractors
// whenever a layer changed the files they read, and attributes each package
// to the layer, and the history instruction, that brought it.
package scan

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/layer"
)

// Options configure an inventory run.
type Options struct {
	// Extractors are run on the files they want.
	Extractors []extract.Extractor
	// DetectOS identifies the distribution from the kept files; OSWants
	// names the files it reads.
	DetectOS func(fs.FS) (*inventory.Distro, error)
	OSWants  func(string) bool
	// TempDir is scratch space inside the cache directory.
	TempDir string
	// Limits bound the layer walk.
	Limits layer.Limits
	// Progress, when set, is told about each layer when its reading
	// starts, as its bytes are read, and when it is done. It may be called
	// from several goroutines at once, and often: it must be safe for
	// concurrent use and cheap (throttle any drawing).
	Progress func(ev LayerEvent)
	// Owned, when set, is given the final file view, the OS packages and
	// the other packages, and returns the other packages that the OS
	// package manager does not own (a Python module installed by dpkg is
	// reported under its Debian package, not again as a PyPI one).
	Owned func(fsys fs.FS, osPkgs, other []*inventory.Package) []*inventory.Package
	// OSVersion changes whenever DetectOS or OSWants would give another
	// result for the same files; it is part of the layer cache's key.
	OSVersion int
	// Cache, when set, keeps what each layer gave for later scans.
	Cache *LayerCache
	// Workers bounds how many layers are read at once (default GOMAXPROCS).
	Workers int
}

// LayerEvent reports progress through the layers.
type LayerEvent struct {
	Index, Count int
	DiffID       string
	// Size is the layer's stored size (the compressed blob), when known:
	// archives and Engine exports hold layers whose blob size is not.
	Size int64
	// Read counts the bytes of the layer read so far: blob bytes when
	// Size is known, tar bytes otherwise.
	Read int64
	// Cached is set on the Done event of a layer whose results came from
	// the layer cache instead of its bytes.
	Cached bool
	Done   bool
}

// Layer describes one layer of the scanned image.
type Layer struct {
	Index     int    `json:"-"`
	DiffID    string `json:"diff_id"`
	Digest    string `json:"digest,omitempty"`
	Size      int64  `json:"size,omitempty"`
	CreatedBy string `json:"created_by"`
}

// Problem is a file or entry that could not be read; the scan went on.
type Problem struct {
	Path  string `json:"path"`
	Layer string `json:"layer,omitempty"`
	Error string `json:"error"`
}

// Result is the inventory of an image or directory.
type Result struct {
	Distro   *inventory.Distro
	Layers   []Layer
	Packages []*inventory.Package
	Problems []Problem
}

// Run builds the inventory of img.
func Run(ctx context.Context, img *source.Image, opts Options) (*Result, error) {
	res, err := run(ctx, img, opts, false)
	if errors.Is(err, errNeedContents) {
		// A file of a layer read from the cache was needed in full (a
		// link from a new layer to a lockfile below, say): read every
		// layer again, filling the cache as usual.
		res, err = run(ctx, img, opts, true)
	}
	return res, err
}

// errNeedContents stops a run that met a file whose contents the layer
// cache left out.
var errNeedContents = errors.New("a file's contents are not in the layer cache")

func run(ctx context.Context, img *source.Image, opts Options, noCacheRead bool) (*Result, error) {
	if opts.Limits.SpillDir == "" {
		opts.Limits.SpillDir = opts.TempDir
	}
	r := &runner{opts: opts, tree: layer.NewTree(opts.Limits), since: map[string]map[string]int{},
		last: map[string][]*inventory.Package{}, files: map[string]map[string]fileResult{}, noCacheRead: noCacheRead}
	defer r.tree.Close()
	defer r.closeFiles()
	if img.Image == nil {
		if err := r.dir(ctx, img.Dir); err != nil {
			return nil, err
		}
	} else if err := r.image(ctx, img.Image, img.Kind == source.KindRegistry || img.Kind == source.KindOCILayout); err != nil {
		return nil, err
	}
	return r.finish(ctx), nil
}

type runner struct {
	opts   Options
	tree   *layer.Tree
	layers []Layer
	distro *inventory.Distro
	// since maps extractor → package key → index of the layer from which
	// on the package has been present unchanged.
	since map[string]map[string]int
	last  map[string][]*inventory.Package
	// files holds, per file extractor, what each file gave.
	files    map[string]map[string]fileResult
	problems []Problem

	// contents counts the wanted files' bytes in scratch records.
	contents atomic.Int64
	// noCacheRead is set for a second run after a first one met a file
	// whose contents the layer cache had left out.
	noCacheRead bool
	mu          sync.Mutex
	open        []*os.File // layer cache entries being read
	scratch     []*os.File // scratch records
}

type fileResult struct {
	layer int
	pkgs  []*inventory.Package
}

func (r *runner) wants(name string) bool {
	if r.opts.OSWants != nil && r.opts.OSWants(name) {
		return true
	}
	for _, e := range r.opts.Extractors {
		if e.Wants(name) {
			return true
		}
	}
	return false
}

func (r *runner) fileWants(name string, mode fs.FileMode, size int64) bool {
	for _, e := range r.opts.Extractors {
		if fw, ok := e.(extract.FileWanter); ok && fw.WantsFile(name, mode, size) {
			return true
		}
	}
	return false
}

func (r *runner) dir(ctx context.Context, root string) error {
	r.layers = []Layer{{Index: 0}}
	res, err := r.tree.ApplyDirFiles(ctx, 0, root, r.wants, r.fileWants)
	if err != nil {
		return err
	}
	_, err = r.extract(ctx, 0, res, nil, nil)
	return err
}

// layerHistory maps each layer to the history instruction that created it:
// the history entries that are not marked empty_layer, in order.
func layerHistory(cfg *v1.ConfigFile, n int) []string {
	out := make([]string, n)
	if cfg == nil {
		return out
	}
	var steps []string
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			steps = append(steps, strings.TrimSpace(h.CreatedBy))
		}
	}
	if len(steps) != n {
		// A history that does not line up with the layers names nothing
		// reliably; leave it out rather than guess.
		return out
	}
	return steps
}

// extract runs the extractors after layer i was applied. reuse holds
// per-file extractors' results for this layer from the layer cache, which
// are taken instead of running them; the results of those that ran are
// returned for the cache.
func (r *runner) extract(ctx context.Context, i int, res layer.Applied, reuse map[string]*cachedResult, pre *preResults) ([]cachedResult, error) {
	if !res.Touched && i > 0 {
		return nil, nil
	}
	if r.opts.DetectOS != nil {
		d, err := r.opts.DetectOS(r.tree)
		if err != nil {
			r.problem("os-release", i, err)
		}
		if d != nil {
			r.distro = d
		}
	}
	for _, p := range res.Paths {
		if why := r.tree.Unreadable(p); why != "" {
			r.problem(p, i, errors.New(why))
		}
	}
	in := extract.Input{FS: r.tree, Distro: r.distro, TempDir: r.opts.TempDir}
	var ran []cachedResult
	for _, e := range r.opts.Extractors {
		if fe, ok := e.(extract.FileExtractor); ok {
			if c := reuse[e.Name()]; c != nil {
				r.reuseFiles(i, fe, c, res)
				continue
			}
			c, err := r.extractFiles(ctx, i, fe, in, res, pre)
			if err != nil {
				return nil, err
			}
			ran = append(ran, c)
			continue
		}
		if !r.concerns(e, res) && i > 0 {
			continue
		}
		pkgs, err := e.Extract(ctx, in)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
			if errors.Is(err, layer.ErrGone) {
				return nil, errNeedContents
			}
			r.fileErrors(e.Name(), i, err)
		}
		r.record(e.Name(), i, pkgs)
	}
	r.releaseFiles(res)
	return ran, nil
}

// extractFiles runs a per-file extractor on each wanted file the layer
// wrote, then lets the tree drop the file's contents unless another
// extractor reads it as part of a whole.
func (r *runner) extractFiles(ctx context.Context, i int, e extract.FileExtractor, in extract.Input, res layer.Applied, pre *preResults) (cachedResult, error) {
	c := cachedResult{Extractor: e.Name(), Version: e.Version()}
	results := r.results(e.Name())
	_, picksByMode := e.(extract.FileWanter)
	problemsBefore := len(r.problems)
	for _, p := range res.Paths {
		if !e.Wants(p) && !picksByMode {
			continue
		}
		if err := ctx.Err(); err != nil {
			return c, err
		}
		var pkgs []*inventory.Package
		if pr, ok := pre.lookup(r.tree, e.Name(), p); ok {
			// Found while the layer was read: the same file, read alone.
			pkgs = pr.pkgs
			r.problems = append(r.problems, pr.problems...)
		} else {
			var err error
			pkgs, err = e.ExtractFile(ctx, in, p)
			if errors.Is(err, layer.ErrGone) {
				return c, errNeedContents
			}
			if err != nil {
				r.fileErrors(e.Name(), i, err)
			}
		}
		if len(pkgs) > 0 {
			results[p] = fileResult{layer: i, pkgs: pkgs}
			if r.opts.Cache != nil {
				if c.Files == nil {
					c.Files = map[string][]*inventory.Package{}
				}
				c.Files[p] = clonePackages(pkgs)
			}
		} else {
			delete(results, p)
		}
	}
	c.Problems = append(c.Problems, r.problems[problemsBefore:]...)
	for _, p := range c.Problems {
		c.ProblemLayers = append(c.ProblemLayers, r.layerIndex(p.Layer))
	}
	return c, nil
}

// reuseFiles takes a per-file extractor's results for layer i from the
// layer cache, as extractFiles would have found them.
func (r *runner) reuseFiles(i int, e extract.FileExtractor, c *cachedResult, res layer.Applied) {
	results := r.results(e.Name())
	_, picksByMode := e.(extract.FileWanter)
	for _, p := range res.Paths {
		if !e.Wants(p) && !picksByMode {
			continue
		}
		if pkgs := c.Files[p]; len(pkgs) > 0 {
			results[p] = fileResult{layer: i, pkgs: clonePackages(pkgs)}
		} else {
			delete(results, p)
		}
	}
	for j, p := range c.Problems {
		if j < len(c.ProblemLayers) && c.ProblemLayers[j] >= 0 && c.ProblemLayers[j] < len(r.layers) {
			p.Layer = r.layers[c.ProblemLayers[j]].DiffID
		}
		r.problems = append(r.problems, p)
	}
}

func (r *runner) results(extractor string) map[string]fileResult {
	results := r.files[extractor]
	if results == nil {
		results = map[string]fileResult{}
		r.files[extractor] = results
	}
	return results
}

// clonePackages copies packages deeply enough that the report's edits to
// one copy (layers, locations) leave the other alone.
func clonePackages(pkgs []*inventory.Package) []*inventory.Package {
	out := make([]*inventory.Package, len(pkgs))
	for i, p := range pkgs {
		c := *p
		c.Licenses = slices.Clone(p.Licenses)
		c.Locations = slices.Clone(p.Locations)
		out[i] = &c
	}
	return out
}

// releaseFiles frees the contents of files that only per-file extractors
// wanted, once they have all read them.
func (r *runner) releaseFiles(res layer.Applied) {
	for _, p := range res.Paths {
		if !r.wants(p) {
			r.tree.Release(p)
		}
	}
}

func (r *runner) concerns(e extract.Extractor, res layer.Applied) bool {
	if res.Removed {
		return true
	}
	for _, p := range res.Paths {
		if e.Wants(p) {
			return true
		}
	}
	return false
}

// record keeps the packages an extractor saw after layer i and, for each,
// the first layer of the run of layers in which it has been present.
func (r *runner) record(name string, i int, pkgs []*inventory.Package) {
	prev := r.since[name]
	next := make(map[string]int, len(pkgs))
	for _, p := range pkgs {
		k := p.Key()
		if s, ok := prev[k]; ok {
			next[k] = s
		} else {
			next[k] = i
		}
	}
	r.since[name] = next
	r.last[name] = pkgs
}

func (r *runner) fileErrors(extractor string, i int, err error) {
	r.problems = r.errProblems(r.problems, extractor, i, err, func(outer string) int {
		at := r.tree.Layer(outer)
		if at < 0 {
			// A link that cannot be followed (a loop): the layer of the
			// link itself, else the layer being read.
			if at = r.tree.EntryLayer(outer); at < 0 {
				at = i
			}
		}
		return at
	})
}

// errProblems appends to out the problems err stands for; layerOf tells
// the layer of a file an error names.
func (r *runner) errProblems(out []Problem, extractor string, i int, err error, layerOf func(string) int) []Problem {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		for _, e := range joined.Unwrap() {
			out = r.errProblems(out, extractor, i, e, layerOf)
		}
		return out
	}
	var fe *extract.FileError
	if errors.As(err, &fe) {
		// A file inside an archive ("app.war!/WEB-INF/lib/x.jar") is in the
		// layer of the archive.
		outer, _, _ := strings.Cut(fe.Path, "!/")
		return append(out, r.newProblem(fe.Path, layerOf(outer), fe.Err))
	}
	return append(out, r.newProblem(extractor, i, err))
}

func (r *runner) problem(path string, layerIndex int, err error) {
	r.problems = append(r.problems, r.newProblem(path, layerIndex, err))
}

func (r *runner) newProblem(path string, layerIndex int, err error) Problem {
	p := Problem{Path: path, Error: err.Error()}
	if layerIndex >= 0 && layerIndex < len(r.layers) {
		p.Layer = r.layers[layerIndex].DiffID
	}
	return p
}

func (r *runner) finish(ctx context.Context) *Result {
	res := &Result{Distro: r.distro, Layers: r.layers}
	for _, p := range r.tree.Problems {
		r.problem(p.Path, p.Layer, p.Err)
	}
	// Several extractors may fail on the same file for the same reason
	// (a link loop at a path two of them want); report it once.
	seen := map[Problem]bool{}
	for _, p := range r.problems {
		if !seen[p] {
			seen[p] = true
			res.Problems = append(res.Problems, p)
		}
	}
	for _, e := range r.opts.Extractors {
		if res.Distro == nil {
			res.Distro = inferDistro(r.last[e.Name()])
		}
	}
	if res.Distro != nil && r.distro == nil {
		// The release was inferred from the packages: read them again
		// knowing it, so that their purls name the distribution.
		r.distro = res.Distro
		in := extract.Input{FS: r.tree, Distro: r.distro, TempDir: r.opts.TempDir}
		for _, e := range r.opts.Extractors {
			if _, perFile := e.(extract.FileExtractor); perFile || len(r.last[e.Name()]) == 0 {
				continue
			}
			if pkgs, err := e.Extract(ctx, in); err == nil {
				r.last[e.Name()] = pkgs
			}
		}
	}
	for _, e := range r.opts.Extractors {
		since := r.since[e.Name()]
		for _, p := range r.last[e.Name()] {
			if s, ok := since[p.Key()]; ok && s < len(r.layers) {
				p.Layer = r.layers[s].DiffID
				p.CreatedBy = r.layers[s].CreatedBy
			}
			for j := range p.Locations {
				if li := r.tree.Layer(p.Locations[j].Path); li >= 0 && li < len(r.layers) {
					p.Locations[j].Layer = r.layers[li].DiffID
				}
			}
			res.Packages = append(res.Packages, p)
		}
	}
	osPkgs := res.Packages
	var other []*inventory.Package
	merged := map[string]*inventory.Package{}
	for _, e := range r.opts.Extractors {
		paths := make([]string, 0, len(r.files[e.Name()]))
		for path := range r.files[e.Name()] {
			paths = append(paths, path)
		}
		sort.Strings(paths)
		for _, path := range paths {
			fr := r.files[e.Name()][path]
			// A later layer may have removed or replaced the file.
			if r.tree.EntryLayer(path) != fr.layer {
				continue
			}
			for _, p := range fr.pkgs {
				p.Layer = r.layers[fr.layer].DiffID
				p.CreatedBy = r.layers[fr.layer].CreatedBy
				for j := range p.Locations {
					if p.Locations[j].Layer == "" {
						p.Locations[j].Layer = p.Layer
					}
				}
				// The same package found twice (installed and in a lockfile,
				// or in two lockfiles) is one package with two locations;
				// it keeps the earliest layer that brought it.
				k := p.Type + "\x00" + p.Name + "\x00" + p.Version
				if first, ok := merged[k]; ok {
					first.Locations = append(first.Locations, p.Locations...)
					if fr.layer < r.layerIndex(first.Layer) {
						first.Layer, first.CreatedBy = p.Layer, p.CreatedBy
					}
					continue
				}
				merged[k] = p
				other = append(other, p)
			}
		}
	}
	if r.opts.Owned != nil && len(osPkgs) > 0 && len(other) > 0 {
		other = r.opts.Owned(r.tree, osPkgs, other)
	}
	res.Packages = append(res.Packages, other...)
	sort.SliceStable(res.Packages, func(a, b int) bool {
		pa, pb := res.Packages[a], res.Packages[b]
		if pa.Type != pb.Type {
			return pa.Type < pb.Type
		}
		if pa.Name != pb.Name {
			return pa.Name < pb.Name
		}
		if pa.Version != pb.Version {
			return pa.Version < pb.Version
		}
		return firstPath(pa) < firstPath(pb)
	})
	return res
}

// staleScratch is how long a scratch folder is left untouched before a
// later scan removes it.
const staleScratch = 24 * time.Hour

// TempDir makes a scratch directory under cacheDir for one run, and
// removes those that scans killed a day or more ago left behind.
func TempDir(cacheDir string) (string, func(), error) {
	base := cacheDir + "/tmp"
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", nil, err
	}
	// A scan that was killed (SIGKILL, a power cut) leaves its scratch
	// folder; one untouched for a day belongs to no running scan.
	if ents, err := os.ReadDir(base); err == nil {
		for _, e := range ents {
			if info, err := e.Info(); err == nil && e.IsDir() && strings.HasPrefix(e.Name(), "scan-") &&
				time.Since(info.ModTime()) > staleScratch {
				os.RemoveAll(filepath.Join(base, e.Name()))
			}
		}
	}
	dir, err := os.MkdirTemp(base, "scan-*")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

func (r *runner) layerIndex(diffID string) int {
	for i, l := range r.layers {
		if l.DiffID == diffID {
			return i
		}
	}
	return len(r.layers)
}

func firstPath(p *inventory.Package) string {
	if len(p.Locations) == 0 {
		return ""
	}
	return p.Locations[0].Path
}
