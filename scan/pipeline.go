package scan

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/layer"
)

// prepared is one layer made ready for the ordered walk: read into a
// record, or found in the layer cache.
type prepared struct {
	done chan struct{}
	err  error
	src  io.ReaderAt
	size int64
	// hit is set when the record came from the layer cache.
	hit *cacheHit
	// reuse holds per-file extractors' results from the cache that are
	// still valid, also when the layer had to be read again.
	reuse map[string]*cachedResult
	// pre holds what self-contained extractors found in the layer's
	// files while it was read.
	pre *preResults
	// file is the open file src reads from, if any.
	file *os.File
}

// image reads the layers of img. Layers are read (decompressed, their
// tar walked, the wanted files' contents written to a record) several at
// once, by up to Workers goroutines, ahead of the walk; the walk replays
// the records into the squashed tree in layer order and runs the
// extractors. Each layer is read once, as a stream.
func (r *runner) image(ctx context.Context, img v1.Image, storesBlobs bool) error {
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("listing layers: %w", err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("reading image config: %w", err)
	}
	history := layerHistory(cfg, len(layers))
	diffIDs := make([]string, len(layers))
	for i, l := range layers {
		info := Layer{Index: i, CreatedBy: history[i]}
		// The config (itself checked against its digest) names each
		// layer's diff ID; asking a compressed layer for it would inflate
		// and hash the whole layer once more before the walk reads it.
		if len(cfg.RootFS.DiffIDs) == len(layers) {
			info.DiffID = cfg.RootFS.DiffIDs[i].String()
		} else if d, err := l.DiffID(); err == nil {
			info.DiffID = d.String()
		}
		if storesBlobs {
			// Archives and Engine exports hold layers uncompressed; asking
			// them for a blob digest or size would compress the whole layer
			// only to describe a blob that exists nowhere.
			if d, err := l.Digest(); err == nil {
				info.Digest = d.String()
			}
			if s, err := l.Size(); err == nil {
				info.Size = s
			}
		}
		diffIDs[i] = info.DiffID
		r.layers = append(r.layers, info)
	}
	if r.opts.Progress != nil {
		// Every layer's size up front, so that a progress bar knows the
		// total before the first layer is read.
		for i, info := range r.layers {
			r.opts.Progress(LayerEvent{Index: i, Count: len(layers), DiffID: info.DiffID, Size: info.Size})
		}
	}
	var chain []string
	var sig string
	if r.opts.Cache != nil {
		// A layer stored as a blob (registry, layout) is named by its
		// blob's digest, which every read checks: an image whose config
		// claims another layer's diff ID cannot pass its own layer off
		// as that one, nor be given that one's results. Layers of
		// archives and Engine exports are named by their diff IDs, which
		// are checked by reading them (see prepare).
		ids := make([]string, len(diffIDs))
		for i := range ids {
			if ids[i] = r.layers[i].Digest; ids[i] == "" {
				ids[i] = diffIDs[i]
			}
		}
		chain = chainIDs(ids)
		sig = cacheSignature(r.opts)
	}

	workers := r.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	preps := make([]*prepared, len(layers))
	for i := range preps {
		preps[i] = &prepared{done: make(chan struct{})}
	}
	// ahead bounds the layers read but not yet walked. Their records are
	// on disk, within Limits.MaxSpilled, so it is loose: a small layer
	// above a large one must not wait for the large one to be walked
	// before it is read. sem bounds the goroutines reading.
	ahead := make(chan struct{}, max(4*workers, 16))
	sem := make(chan struct{}, workers)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range layers {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				defer func() { <-sem }()
				var chainID string
				if chain != nil {
					chainID = chain[i]
				}
				r.prepare(ctx, i, len(layers), layers[i], storesBlobs, chainID, sig, preps[i])
				close(preps[i].done)
			}(i)
		}
	}()

	for i := range layers {
		p := preps[i]
		select {
		case <-p.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if p.err != nil {
			return r.layerError(i, p.err)
		}
		res, err := r.tree.Replay(ctx, i, p.src, p.size, r.wants, r.fileWants)
		if err != nil {
			return r.layerError(i, err)
		}
		ran, err := r.extract(ctx, i, res, p.reuse, p.pre)
		if err != nil {
			return err
		}
		if chain != nil && p.hit == nil {
			h := cacheHeader{ChainID: chain[i], DiffID: diffIDs[i], Written: time.Now().UTC(), Results: ran}
			for _, c := range p.reuse {
				h.Results = append(h.Results, *c)
			}
			// The cache only saves work: a scan whose cache cannot be
			// written is still a whole scan.
			r.opts.Cache.write(chain[i], sig, h, p.src, p.size, r.persist)
		}
		if res.Kept == 0 && p.file != nil {
			// Nothing in the tree reads from this record: close it now,
			// so that thousands of layers do not hold thousands of files.
			r.release(p.file)
		}
		<-ahead
		if r.opts.Progress != nil {
			info := r.layers[i]
			r.opts.Progress(LayerEvent{Index: i, Count: len(layers), DiffID: info.DiffID, Size: info.Size,
				Read: info.Size, Cached: p.hit != nil, Done: true})
		}
	}
	if r.opts.Cache != nil {
		// Also after a scan that wrote nothing: the bound may have been
		// lowered since.
		r.opts.Cache.Evict()
	}
	return nil
}

func (r *runner) layerError(i int, err error) error {
	// Name the stored blob too, where there is one: it is the file to look
	// at in a layout, the URL path in a registry.
	info := r.layers[i]
	id := info.DiffID
	switch {
	case info.Digest != "" && id != "":
		id += ", blob " + info.Digest
	case info.Digest != "":
		id = "blob " + info.Digest
	}
	return fmt.Errorf("layer %d (%s): %w", i+1, id, err)
}

// persist tells whether a kept file's contents go into the layer cache:
// those that the whole-view readers (OS detection, package databases)
// read. Per-file extractors' files are represented by their results.
func (r *runner) persist(name string) bool {
	if r.opts.OSWants != nil && r.opts.OSWants(name) {
		return true
	}
	for _, e := range r.opts.Extractors {
		if _, perFile := e.(extract.FileExtractor); !perFile && e.Wants(name) {
			return true
		}
	}
	return false
}

// prepare makes layer i ready for the walk: from the layer cache when it
// holds a valid entry, else by reading the layer into a scratch record.
func (r *runner) prepare(ctx context.Context, i, count int, l v1.Layer, storesBlobs bool, chainID, sig string, p *prepared) {
	info := r.layers[i]
	if chainID != "" && !r.noCacheRead {
		if hit, err := r.opts.Cache.open(chainID, sig); err == nil && hit != nil {
			reuse, complete := r.checkHit(hit)
			p.reuse = reuse
			if complete && !storesBlobs {
				// An archive's layer is named by the diff ID its config
				// claims: hash the layer (no need to walk it) to hold the
				// archive to that claim before taking the cached results.
				if err := verifyUncompressed(l); err != nil {
					hit.f.Close()
					p.err = err
					return
				}
			}
			if complete {
				r.keepOpen(hit.f, false)
				p.hit, p.src, p.size, p.file = hit, hit.record, hit.record.Size(), hit.f
				return
			}
			hit.f.Close()
		}
	}
	if r.opts.Progress != nil {
		r.opts.Progress(LayerEvent{Index: i, Count: count, DiffID: info.DiffID, Size: info.Size})
	}
	var progress func(int64)
	if r.opts.Progress != nil {
		var last time.Time
		progress = func(n int64) {
			if now := time.Now(); now.Sub(last) >= 50*time.Millisecond {
				last = now
				r.opts.Progress(LayerEvent{Index: i, Count: count, DiffID: info.DiffID, Size: info.Size, Read: n})
			}
		}
	}
	rc, err := uncompressed(l, storesBlobs, progress)
	if err != nil {
		p.err = err
		return
	}
	defer rc.Close()
	limit := r.opts.Limits.MaxSpilled
	if limit <= 0 {
		limit = layer.DefaultLimits.MaxSpilled
	}
	var w io.Writer
	var f *os.File
	var buf bytes.Buffer
	if r.opts.TempDir != "" {
		f, err = os.CreateTemp(r.opts.TempDir, "layer-*.rec")
		if err != nil {
			p.err = fmt.Errorf("layer record: %w", err)
			return
		}
		r.keepOpen(f, true)
		w = f
	} else {
		w = &buf
		limit = r.opts.Limits.MaxCaptured
		if limit <= 0 {
			limit = layer.DefaultLimits.MaxCaptured
		}
	}
	st, err := layer.ReadLayer(ctx, rc, w, r.wants, r.fileWants, r.opts.Limits, limit-r.contents.Load())
	if err != nil {
		p.err = err
		return
	}

	r.contents.Add(st.Contents)
	// Drain what follows the tar end marker so that a digest check on the
	// compressed stream sees every byte.
	if d, ok := rc.(*decompressed); ok {
		err = d.Drain()
	} else {
		_, err = io.Copy(io.Discard, rc)
	}
	if err != nil {
		p.err = err
		return
	}
	if c, ok := rc.(interface{ count() int64 }); ok && r.opts.Progress != nil {
		// The last count, which the throttle may have held back.
		r.opts.Progress(LayerEvent{Index: i, Count: count, DiffID: info.DiffID, Size: info.Size, Read: c.count()})
	}
	if f != nil {
		size, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			p.err = fmt.Errorf("layer record: %w", err)
			return
		}
		p.src, p.size, p.file = f, size, f
	} else {
		p.src, p.size = bytes.NewReader(buf.Bytes()), int64(buf.Len())
	}
	p.err = r.preExtract(ctx, i, p)
}

// preResults are what self-contained extractors found in a layer's files
// while it was read, by extractor and path.
type preResults struct {
	src   io.ReaderAt
	found map[string]map[string]preResult
}

type preResult struct {
	offset   int64 // of the contents in the record: the version of the file read
	pkgs     []*inventory.Package
	problems []Problem
}

// lookup returns what extractor found in the file at name, when the tree
// holds at name the very file it read.
func (p *preResults) lookup(tree *layer.Tree, extractor, name string) (preResult, bool) {
	if p == nil {
		return preResult{}, false
	}
	pr, ok := p.found[extractor][name]
	if !ok {
		return preResult{}, false
	}
	src, off, ok := tree.RecordOffset(name)
	if !ok || src != p.src || off != pr.offset {
		return preResult{}, false
	}
	return pr, true
}

// preExtract runs the self-contained per-file extractors on the regular
// files of layer i they want, each file alone, while other layers are
// still being read: the walk, which runs in layer order, then takes their
// results instead of running them.
func (r *runner) preExtract(ctx context.Context, i int, p *prepared) error {
	var sc []extract.FileExtractor
	for _, e := range r.opts.Extractors {
		if s, ok := e.(extract.SelfContained); ok && p.reuse[e.Name()] == nil {
			sc = append(sc, s)
		}
	}
	if len(sc) == 0 {
		return nil
	}
	// The last entry of a name is the one the layer leaves.
	last := map[string]layer.RecordEntry{}
	var order []string
	_, err := layer.ScanRecord(p.src, p.size, func(ent layer.RecordEntry) error {
		if !ent.Contents {
			delete(last, ent.Name)
			return nil
		}
		for _, e := range sc {
			if wantsEntry(e, ent) {
				if _, seen := last[ent.Name]; !seen {
					order = append(order, ent.Name)
				}
				last[ent.Name] = ent
				return nil
			}
		}
		delete(last, ent.Name)
		return nil
	})
	if err != nil {
		return err
	}
	pre := &preResults{src: p.src, found: map[string]map[string]preResult{}}
	layerOf := func(string) int { return i }
	for _, name := range order {
		ent, ok := last[name]
		if !ok {
			continue
		}
		in := extract.Input{FS: layer.RecordFile(p.src, ent), TempDir: r.opts.TempDir}
		for _, e := range sc {
			if !wantsEntry(e, ent) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			pkgs, err := e.ExtractFile(ctx, in, name)
			pr := preResult{offset: ent.Offset, pkgs: pkgs}
			if err != nil {
				pr.problems = r.errProblems(nil, e.Name(), i, err, layerOf)
			}
			if pre.found[e.Name()] == nil {
				pre.found[e.Name()] = map[string]preResult{}
			}
			pre.found[e.Name()][name] = pr
		}
	}
	p.pre = pre
	return nil
}

func wantsEntry(e extract.FileExtractor, ent layer.RecordEntry) bool {
	if e.Wants(ent.Name) {
		return true
	}
	fw, ok := e.(extract.FileWanter)
	return ok && fw.WantsFile(ent.Name, ent.Mode, ent.Size)
}

// verifyUncompressed reads a layer of an archive or Engine export to its
// end; the source checks its bytes against the diff ID there.
func verifyUncompressed(l v1.Layer) error {
	rc, err := l.Uncompressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}

// checkHit sorts a cache entry's per-file results into those still valid
// (the extractor's version is unchanged) and tells whether the entry is
// complete: every per-file extractor either has valid results or wants no
// file of the layer.
func (r *runner) checkHit(hit *cacheHit) (map[string]*cachedResult, bool) {
	byName := map[string]*cachedResult{}
	for j := range hit.header.Results {
		byName[hit.header.Results[j].Extractor] = &hit.header.Results[j]
	}
	reuse := map[string]*cachedResult{}
	var missing []extract.FileExtractor
	for _, e := range r.opts.Extractors {
		fe, ok := e.(extract.FileExtractor)
		if !ok {
			continue
		}
		if c := byName[e.Name()]; c != nil && c.Version == e.Version() {
			reuse[e.Name()] = c
			continue
		}
		missing = append(missing, fe)
	}
	if len(missing) == 0 {
		return reuse, true
	}
	errWanted := fmt.Errorf("wanted")
	_, err := layer.ScanRecord(hit.record, hit.record.Size(), func(ent layer.RecordEntry) error {
		for _, e := range missing {
			if e.Wants(ent.Name) {
				return errWanted
			}
			if fw, ok := e.(extract.FileWanter); ok && fw.WantsFile(ent.Name, ent.Mode, ent.Size) {
				return errWanted
			}
		}
		return nil
	})
	return reuse, err == nil
}

func (r *runner) keepOpen(f *os.File, scratch bool) {
	r.mu.Lock()
	if scratch {
		r.scratch = append(r.scratch, f)
	} else {
		r.open = append(r.open, f)
	}
	r.mu.Unlock()
}

// release closes f, a record or cache entry nothing reads any more, and
// removes it if it is a scratch record.
func (r *runner) release(f *os.File) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, g := range r.scratch {
		if g == f {
			f.Close()
			os.Remove(f.Name())
			r.scratch = append(r.scratch[:i], r.scratch[i+1:]...)
			return
		}
	}
	for i, g := range r.open {
		if g == f {
			f.Close()
			r.open = append(r.open[:i], r.open[i+1:]...)
			return
		}
	}
}

// closeFiles closes the records and cache entries the tree read from,
// removing the scratch records.
func (r *runner) closeFiles() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.open {
		f.Close()
	}
	for _, f := range r.scratch {
		f.Close()
		os.Remove(f.Name())
	}
	r.open, r.scratch = nil, nil
}
