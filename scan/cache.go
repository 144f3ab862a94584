package scan

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
	"github.com/lading-dev/lading/layer"
)

// LayerCache keeps what reading each layer gave, so that a layer seen
// before is not read again. An entry is keyed by a chain of the layer's
// digest and those of every layer below it, chained as the OCI image spec
// chains diff IDs (what an extractor finds in a layer can depend on the
// layers below, the distribution release for one): blob digests for
// layers stored as blobs, which every read checks, diff IDs for the others,
// which a hit checks by hashing the layer. It is also keyed by the versions
// of the extractors
// that read whole views (package databases, os-release), whose files the
// entry keeps. It holds the layer's entries (names, kinds, links,
// whiteouts), the contents of those whole-view files, and each per-file
// extractor's results for the files the layer brought, under that
// extractor's version: a new version of one per-file extractor re-runs
// only that extractor, and re-reads only the layers holding a file it
// wants.
//
// Entries are written to a temporary name and renamed into place, and end
// with a checksum, so that several lading processes can share the
// directory: a reader sees a whole entry or none, and a damaged entry is
// a miss (and removed). The directory is kept under MaxBytes by removing
// the entries used least recently.
type LayerCache struct {
	Dir string
	// MaxBytes bounds the directory (default 2 GiB).
	MaxBytes int64
}

// DefaultLayerCacheBytes is LayerCache.MaxBytes when it is zero.
const DefaultLayerCacheBytes = 2 << 30

const (
	cacheMagic  = "lading-layer-cache/1\n"
	cacheFormat = 2
	trailerSize = 8 + 4 + 8 // header length, CRC-32C, total length
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// cacheHeader is the JSON part of an entry.
type cacheHeader struct {
	ChainID string         `json:"chain_id"`
	DiffID  string         `json:"diff_id"`
	Written time.Time      `json:"written"`
	Results []cachedResult `json:"results"`
}

// cachedResult is one per-file extractor's findings in one layer.
type cachedResult struct {
	Extractor string                          `json:"extractor"`
	Version   int                             `json:"version"`
	Files     map[string][]*inventory.Package `json:"files,omitempty"`
	Problems  []Problem                       `json:"problems,omitempty"`
	// ProblemLayers are the problems' layer indexes in the image: the
	// image that reads the entry may name its layers otherwise.
	ProblemLayers []int `json:"problem_layers,omitempty"`
}

// chainIDs chains layer digests as the OCI image spec chains diff IDs:
// Chain(L0) = ID(L0), Chain(Ln) = SHA-256(Chain(Ln-1) + " " + ID(Ln)). It
// returns nil when a digest is missing.
func chainIDs(ids []string) []string {
	out := make([]string, len(ids))
	for i, d := range ids {
		if d == "" {
			return nil
		}
		if i == 0 {
			out[i] = d
			continue
		}
		sum := sha256.Sum256([]byte(out[i-1] + " " + d))
		out[i] = "sha256:" + hex.EncodeToString(sum[:])
	}
	return out
}

// cacheSignature names what an entry depends on besides the chain ID: the
// format, the limits that decide which entries and files are kept, and the
// whole-view extractors (whose wanted files an entry holds).
func cacheSignature(opts Options) string {
	l := opts.Limits
	var b strings.Builder
	fmt.Fprintf(&b, "format=%d limits=%d,%d,%d,%d os=%d", cacheFormat, l.MaxFileSize, l.MaxEntries, l.MaxPathLen, l.MaxLayerBytes, opts.OSVersion)
	for _, e := range opts.Extractors {
		if _, perFile := e.(extract.FileExtractor); !perFile {
			fmt.Fprintf(&b, " %s=%d", e.Name(), e.Version())
		}
	}
	return b.String()
}

func (c *LayerCache) path(chainID, sig string) string {
	sum := sha256.Sum256([]byte(chainID + "\x00" + sig))
	return filepath.Join(c.Dir, hex.EncodeToString(sum[:]))
}

// cacheHit is an entry opened for replay.
type cacheHit struct {
	f      *os.File
	record *io.SectionReader
	header cacheHeader
}

// open returns the entry for the chain ID, or nil when there is none or
// it is damaged (then it is removed).
func (c *LayerCache) open(chainID, sig string) (*cacheHit, error) {
	p := c.path(chainID, sig)
	// Non-blocking, so that a FIFO put at an entry's name cannot hang the
	// scan; anything but a regular file there is a miss.
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, nil
	}
	hit, err := readEntry(f, chainID)
	if err == nil {
		// The checksum guards against damage on disk; the record's own
		// structure is checked too, so that a damaged entry is a miss
		// rather than a failed scan.
		_, err = layer.ScanRecord(hit.record, hit.record.Size(), func(layer.RecordEntry) error { return nil })
	}
	if err != nil {
		f.Close()
		os.Remove(p)
		return nil, nil
	}
	now := time.Now()
	os.Chtimes(p, now, now) // least recently used is judged by mtime
	return hit, nil
}

func readEntry(f *os.File, chainID string) (*cacheHit, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size < int64(len(cacheMagic))+trailerSize {
		return nil, errors.New("short entry")
	}
	var tr [trailerSize]byte
	if _, err := f.ReadAt(tr[:], size-trailerSize); err != nil {
		return nil, err
	}
	hlen := int64(binary.LittleEndian.Uint64(tr[0:8]))
	sum := binary.LittleEndian.Uint32(tr[8:12])
	total := int64(binary.LittleEndian.Uint64(tr[12:20]))
	if total != size || hlen <= 0 || int64(len(cacheMagic))+hlen > size-trailerSize {
		return nil, errors.New("bad trailer")
	}
	h := crc32.New(castagnoli)
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, size-trailerSize+8)); err != nil {
		return nil, err
	}
	if h.Sum32() != sum {
		return nil, errors.New("checksum mismatch")
	}
	magic := make([]byte, len(cacheMagic))
	if _, err := f.ReadAt(magic, 0); err != nil || string(magic) != cacheMagic {
		return nil, errors.New("bad magic")
	}
	hb := make([]byte, hlen)
	if _, err := f.ReadAt(hb, int64(len(cacheMagic))); err != nil {
		return nil, err
	}
	hit := &cacheHit{f: f}
	if err := json.Unmarshal(hb, &hit.header); err != nil {
		return nil, err
	}
	if hit.header.ChainID != chainID {
		return nil, errors.New("entry of another layer")
	}
	// A checksum can be made to match; what the scan goes on to use is
	// checked too.
	for _, r := range hit.header.Results {
		for _, pkgs := range r.Files {
			for _, p := range pkgs {
				if p == nil {
					return nil, errors.New("an empty package in a result")
				}
			}
		}
	}
	start := int64(len(cacheMagic)) + hlen
	hit.record = io.NewSectionReader(f, start, size-trailerSize-start)
	return hit, nil
}

// write stores the entry for a layer just read: its header and a copy of
// its record keeping the contents of the files keep names.
func (c *LayerCache) write(chainID, sig string, h cacheHeader, record io.ReaderAt, recordSize int64, keep func(string) bool) error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(c.Dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly once renamed
	crc := crc32.New(castagnoli)
	cw := &countWriter{w: io.MultiWriter(f, crc)}
	bw := bufio.NewWriterSize(cw, 64<<10)
	bw.WriteString(cacheMagic)
	bw.Write(hb)
	if err := layer.CopyRecord(bw, record, recordSize, keep); err != nil {
		f.Close()
		return err
	}
	var hl [8]byte
	binary.LittleEndian.PutUint64(hl[:], uint64(len(hb)))
	bw.Write(hl[:])
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	var tail [12]byte
	binary.LittleEndian.PutUint32(tail[0:4], crc.Sum32())
	binary.LittleEndian.PutUint64(tail[4:12], uint64(cw.n+12))
	if _, err := f.Write(tail[:]); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), c.path(chainID, sig))
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Evict removes the entries used least recently until the directory holds
// at most MaxBytes, and temporary files a crashed writer left more than an
// hour ago.
func (c *LayerCache) Evict() error {
	limit := c.MaxBytes
	if limit <= 0 {
		limit = DefaultLayerCacheBytes
	}
	ents, err := os.ReadDir(c.Dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	type entry struct {
		path string
		size int64
		mod  time.Time
	}
	var all []entry
	var total int64
	for _, d := range ents {
		info, err := d.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		p := filepath.Join(c.Dir, d.Name())
		if strings.HasPrefix(d.Name(), ".tmp-") {
			if time.Since(info.ModTime()) > time.Hour {
				os.Remove(p)
			}
			continue
		}
		all = append(all, entry{p, info.Size(), info.ModTime()})
		total += info.Size()
	}
	if total <= limit {
		return nil
	}
	sort.Slice(all, func(a, b int) bool { return all[a].mod.Before(all[b].mod) })
	for _, e := range all {
		if total <= limit {
			break
		}
		if err := os.Remove(e.path); err == nil || errors.Is(err, os.ErrNotExist) {
			total -= e.size
		}
	}
	return nil
}

// A side entry is a small value another stage keeps beside the layer
// entries, under the same bound and eviction (the report stage keeps its
// matching results so). Its file holds a magic line, the key, the value and
// a CRC-32C of all three; it is named after a SHA-256 of the key.
const (
	sideMagic   = "lading-side/1\n"
	sidePrefix  = "side-"
	maxSideSize = 32 << 20
)

func (c *LayerCache) sidePath(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.Dir, sidePrefix+hex.EncodeToString(sum[:]))
}

// ReadSide returns the value stored under key, or nil when there is none.
// A damaged entry, or one of another key, is a miss and is removed.
func (c *LayerCache) ReadSide(key string) []byte {
	p := c.sidePath(key)
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	head := int64(len(sideMagic)) + 8 + int64(len(key))
	if st.Size() < head+4 || st.Size() > maxSideSize {
		os.Remove(p)
		return nil
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil
	}
	body, tail := b[:len(b)-4], b[len(b)-4:]
	klen := binary.LittleEndian.Uint64(body[len(sideMagic):])
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(tail) ||
		string(body[:len(sideMagic)]) != sideMagic || klen != uint64(len(key)) ||
		string(body[len(sideMagic)+8:head]) != key {
		os.Remove(p)
		return nil
	}
	now := time.Now()
	os.Chtimes(p, now, now)
	return body[head:]
}

// WriteSide stores value under key, replacing what was there.
func (c *LayerCache) WriteSide(key string, value []byte) error {
	if int64(len(sideMagic)+8+len(key)+len(value)+4) > maxSideSize {
		return fmt.Errorf("layer cache: a side entry of %d bytes is over the %d-byte limit", len(value), maxSideSize)
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(c.Dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly once renamed
	b := make([]byte, 0, len(sideMagic)+8+len(key)+len(value)+4)
	b = append(b, sideMagic...)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(key)))
	b = append(b, key...)
	b = append(b, value...)
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), c.sidePath(key))
}
