package java

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// Limits bound the work done on one archive file and everything nested in
// it. A zero field takes its value from DefaultLimits.
type Limits struct {
	// MaxDepth is how deep archives nested in archives are opened: the
	// file itself is depth 0, a jar in its WEB-INF/lib depth 1. A nested
	// archive below MaxDepth is not opened; it is a *extract.FileError.
	MaxDepth int
	// MaxEntries is the most entries the file and all archives nested in
	// it may hold together, counted from each archive's end-of-directory
	// record before its directory is read.
	MaxEntries int64
	// MaxInflated is the most bytes read out of entries for one file:
	// every pom.properties and MANIFEST.MF inflated, and every nested
	// archive opened (inflated, or its size when it is stored and read in
	// place).
	MaxInflated int64
	// MaxEntrySize is the largest MANIFEST.MF or pom.properties read
	// (inflated size).
	MaxEntrySize int64
	// MaxNestedSize is the largest nested archive opened (inflated size).
	MaxNestedSize int64
	// MemNested is the largest compressed nested archive inflated into
	// memory; larger ones are inflated into a temporary file under
	// extract.Input.TempDir. At most MaxMemory bytes of nested archives
	// are held in memory at once; beyond that they go to temporary files
	// too. Without a TempDir every compressed nested archive is inflated
	// into memory, within MaxMemory, and one that does not fit is a
	// *extract.FileError.
	MemNested int64
	MaxMemory int64
}

// DefaultLimits are the limits an Extractor applies when its Limits field
// (or one of its fields) is zero.
var DefaultLimits = Limits{
	MaxDepth:      16,
	MaxEntries:    2_000_000,
	MaxInflated:   2 << 30,
	MaxEntrySize:  4 << 20,
	MaxNestedSize: 512 << 20,
	MemNested:     8 << 20,
	MaxMemory:     64 << 20,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxInflated <= 0 {
		l.MaxInflated = d.MaxInflated
	}
	if l.MaxEntrySize <= 0 {
		l.MaxEntrySize = d.MaxEntrySize
	}
	if l.MaxNestedSize <= 0 {
		l.MaxNestedSize = d.MaxNestedSize
	}
	if l.MemNested <= 0 {
		l.MemNested = d.MemNested
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = d.MaxMemory
	}
	return l
}

// NestSep joins an archive's location to the name of an entry inside it
// in Location paths and FileError paths:
// "srv/app.war!/WEB-INF/lib/jackson-databind-2.9.10.6.jar".
const NestSep = "!/"

// errBudget marks the errors that end the walk of a whole file.
var errBudget = errors.New("walk of the file stopped")

// walker reads one archive file and what is nested in it.
type walker struct {
	ctx     context.Context
	lim     Limits
	tempDir string

	entries  int64 // entries seen, all levels
	inflated int64 // bytes read out of entries, all levels
	memory   int64 // bytes of nested archives held in memory now

	pkgs []*inventory.Package
	seen map[string]bool // name, version and location of each package
	errs []error
	stop bool // a budget ran out or ctx was cancelled
}

func newWalker(ctx context.Context, lim Limits, tempDir string) *walker {
	return &walker{ctx: ctx, lim: lim.withDefaults(), tempDir: tempDir, seen: map[string]bool{}}
}

func (w *walker) fail(loc string, err error) {
	w.errs = append(w.errs, &extract.FileError{Path: loc, Err: err})
	if errors.Is(err, errBudget) {
		w.stop = true
	}
}

func (w *walker) add(a Artifact, loc string) {
	k := a.Name() + "\x00" + a.Version + "\x00" + loc
	if w.seen[k] {
		return
	}
	w.seen[k] = true
	w.pkgs = append(w.pkgs, a.pkg(loc))
}

// archive reads the archive at loc (size bytes through ra), whose file
// name is name, at nesting depth depth.
func (w *walker) archive(ra io.ReaderAt, size int64, loc, name string, depth int) {
	if w.stop {
		return
	}
	if err := w.ctx.Err(); err != nil {
		w.stop = true
		return
	}
	if size == 0 {
		w.fail(loc, errors.New("empty file, not a zip archive"))
		return
	}
	// The declared count is checked before zip.NewReader reads the
	// directory (and allocates for it), the real one after.
	declared, _ := entryCount(ra, size)
	if !w.count(loc, declared) {
		return
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		w.fail(loc, fmt.Errorf("not a readable zip archive: %w", err))
		return
	}
	fastInflate(zr)
	if n := uint64(len(zr.File)); n > declared && !w.count(loc, n-declared) {
		return
	}

	var poms, nested []*zip.File
	var manifest *zip.File
	for _, f := range zr.File {
		switch {
		case f.FileInfo().IsDir():
		case isPOMProperties(f.Name):
			poms = append(poms, f)
		case strings.EqualFold(f.Name, "META-INF/MANIFEST.MF"):
			if manifest == nil {
				manifest = f
			}
		case IsArchiveName(path.Base(f.Name)):
			nested = append(nested, f)
		}
	}

	var found []Artifact
	for _, f := range poms {
		data, err := w.metadata(f)
		if err != nil {
			w.fail(loc, fmt.Errorf("%s: %w", f.Name, err))
			if w.stop {
				return
			}
			continue
		}
		if a, ok := POMArtifact(f.Name, data); ok {
			found = append(found, a)
		}
	}
	// The archive's own identity from its manifest and file name is
	// wanted when no pom.properties names the file: none at all, or only
	// those of what a shaded jar embeds.
	own := true
	for _, a := range found {
		if fileMatches(name, a.ArtifactID) {
			own = false
		}
	}
	if own {
		var m Manifest
		if manifest != nil {
			data, err := w.metadata(manifest)
			if err != nil {
				w.fail(loc, fmt.Errorf("%s: %w", manifest.Name, err))
				if w.stop {
					return
				}
			} else {
				m = ParseManifest(data)
			}
		}
		if a, ok := ManifestArtifact(m, name); ok && !hasArtifact(found, a.ArtifactID) {
			found = append([]Artifact{a}, found...)
		}
	}
	for _, a := range found {
		w.add(a, loc)
	}

	for _, f := range nested {
		if w.stop {
			return
		}
		inner := loc + NestSep + f.Name
		if depth+1 > w.lim.MaxDepth {
			w.fail(inner, fmt.Errorf("not opened: nested %d archives deep, the limit is %d", depth+1, w.lim.MaxDepth))
			continue
		}
		w.nested(ra, size, f, inner, depth+1)
	}
}

// count adds n entries to those seen, or fails loc when that passes
// MaxEntries.
func (w *walker) count(loc string, n uint64) bool {
	left := w.lim.MaxEntries - w.entries
	if n > uint64(left) {
		w.fail(loc, fmt.Errorf("%w: holds %d entries, more than the %d left of the %d allowed for one file and what it nests",
			errBudget, n, left, w.lim.MaxEntries))
		return false
	}
	w.entries += int64(n)
	return true
}

func hasArtifact(found []Artifact, artifactID string) bool {
	for _, a := range found {
		if a.ArtifactID == artifactID {
			return true
		}
	}
	return false
}

// metadata inflates a pom.properties or MANIFEST.MF entry.
func (w *walker) metadata(f *zip.File) ([]byte, error) {
	if f.UncompressedSize64 > uint64(w.lim.MaxEntrySize) {
		return nil, fmt.Errorf("inflates to %d bytes, more than the %d read", f.UncompressedSize64, w.lim.MaxEntrySize)
	}
	limit := min(w.lim.MaxEntrySize, w.lim.MaxInflated-w.inflated)
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	w.inflated += int64(len(data))
	if int64(len(data)) > limit {
		if limit < w.lim.MaxEntrySize {
			return nil, fmt.Errorf("%w: more than the limit of %d bytes read for one file and what it nests", errBudget, w.lim.MaxInflated)
		}
		return nil, fmt.Errorf("inflates to more than the %d bytes read", w.lim.MaxEntrySize)
	}
	if err != nil {
		return nil, fmt.Errorf("inflating: %w", err)
	}
	return data, nil
}

// nested opens the archive entry f of the archive read through parent
// (parentSize bytes) and reads it at depth.
func (w *walker) nested(parent io.ReaderAt, parentSize int64, f *zip.File, loc string, depth int) {
	declared := f.UncompressedSize64
	if declared > uint64(w.lim.MaxNestedSize) {
		w.fail(loc, fmt.Errorf("not opened: inflates to %d bytes, more than the %d allowed for a nested archive", declared, w.lim.MaxNestedSize))
		return
	}
	left := w.lim.MaxInflated - w.inflated
	if declared > uint64(left) {
		w.fail(loc, fmt.Errorf("%w: not opened: its %d bytes would pass the limit of %d bytes read for one file and what it nests", errBudget, declared, w.lim.MaxInflated))
		return
	}
	name := path.Base(f.Name)

	// A stored (uncompressed) archive, as Spring Boot keeps BOOT-INF/lib,
	// is read in place.
	if f.Method == zip.Store && f.CompressedSize64 == declared {
		off, err := f.DataOffset()
		if err != nil {
			w.fail(loc, err)
			return
		}
		if off < 0 || off > parentSize || int64(declared) > parentSize-off {
			w.fail(loc, errors.New("entry data lies outside the archive"))
			return
		}
		w.inflated += int64(declared)
		w.archive(io.NewSectionReader(parent, off, int64(declared)), int64(declared), loc, name, depth)
		return
	}

	inMemory := int64(declared) <= w.lim.MemNested || w.tempDir == ""
	if inMemory && w.memory+int64(declared) <= w.lim.MaxMemory {
		data, err := w.inflate(f, int64(declared), nil)
		if err != nil {
			w.fail(loc, err)
			return
		}
		w.memory += int64(len(data))
		w.archive(bytes.NewReader(data), int64(len(data)), loc, name, depth)
		w.memory -= int64(len(data))
		return
	}
	if w.tempDir == "" {
		w.fail(loc, fmt.Errorf("not opened: inflates to %d bytes, more than the memory left for nested archives (%d of %d), and there is no temporary directory",
			declared, w.lim.MaxMemory-w.memory, w.lim.MaxMemory))
		return
	}
	tmp, err := os.CreateTemp(w.tempDir, "nested-*.zip")
	if err != nil {
		w.fail(loc, err)
		return
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if _, err := w.inflate(f, int64(declared), tmp); err != nil {
		w.fail(loc, err)
		return
	}
	w.archive(tmp, int64(declared), loc, name, depth)
}

// inflate reads the entry f, of declared inflated size, into memory (to
// == nil) or into to.
func (w *walker) inflate(f *zip.File, declared int64, to io.Writer) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// archive/zip refuses to read past the declared size; the limit is a
	// second guard.
	lr := io.LimitReader(rc, declared+1)
	var data []byte
	var n int64
	if to == nil {
		data = make([]byte, 0, declared)
		buf := bytes.NewBuffer(data)
		n, err = io.Copy(buf, lr)
		data = buf.Bytes()
	} else {
		n, err = io.Copy(to, lr)
	}
	w.inflated += n
	if err != nil {
		return nil, fmt.Errorf("inflating: %w", err)
	}
	if n != declared {
		return nil, fmt.Errorf("inflates to %d bytes, its header says %d", n, declared)
	}
	return data, nil
}

// entryCount reads the number of entries a zip archive's end of central
// directory record declares (from the zip64 record when there is one). It
// reports false when no such record is found; zip.NewReader then reports
// the archive as unreadable.
func entryCount(ra io.ReaderAt, size int64) (uint64, bool) {
	const (
		endLen       = 22
		locatorLen   = 20
		zip64EndLen  = 56
		maxCommentSz = 1<<16 - 1
	)
	if size < endLen {
		return 0, false
	}
	n := min(size, endLen+maxCommentSz)
	buf := make([]byte, n)
	if _, err := ra.ReadAt(buf, size-n); err != nil && !errors.Is(err, io.EOF) {
		return 0, false
	}
	at := -1
	for i := len(buf) - endLen; i >= 0; i-- {
		if buf[i] == 'P' && buf[i+1] == 'K' && buf[i+2] == 5 && buf[i+3] == 6 {
			comment := int(binary.LittleEndian.Uint16(buf[i+20:]))
			if i+endLen+comment <= len(buf) {
				at = i
				break
			}
		}
	}
	if at < 0 {
		return 0, false
	}
	end := buf[at:]
	count := uint64(binary.LittleEndian.Uint16(end[10:]))
	if count != 0xffff && binary.LittleEndian.Uint32(end[12:]) != 0xffffffff && binary.LittleEndian.Uint32(end[16:]) != 0xffffffff {
		return count, true
	}
	// zip64: the locator sits just before the end record.
	endOff := size - n + int64(at)
	if endOff < locatorLen {
		return count, true
	}
	loc := make([]byte, locatorLen)
	if _, err := ra.ReadAt(loc, endOff-locatorLen); err != nil || !bytes.Equal(loc[:4], []byte("PK\x06\x07")) {
		return count, true
	}
	recOff := binary.LittleEndian.Uint64(loc[8:])
	if size < zip64EndLen || recOff > uint64(size-zip64EndLen) {
		return count, true
	}
	rec := make([]byte, zip64EndLen)
	if _, err := ra.ReadAt(rec, int64(recOff)); err != nil || !bytes.Equal(rec[:4], []byte("PK\x06\x06")) {
		return count, true
	}
	return binary.LittleEndian.Uint64(rec[32:]), true
}
