package layer

import (
	"archive/tar"
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// A record is one layer read once: every tar entry, in order, as a compact
// operation (its kind, name, mode, size and link target), with the
// contents of the wanted files inline after their entry. Reading a layer
// into a record needs no tree, so several layers can be read at once; the
// tree then replays the records in layer order. A record also serves as
// the layer's entry in the layer cache, with the contents that only
// per-file extractors read left out.
//
// Layout: recordMagic, then operations until opEnd. An operation is a kind
// byte; the name as the length it shares with the previous name (uvarint)
// and the rest (uvarint length, bytes); the mode (uvarint); then by kind:
// the size (uvarint) and, for opFile, that many bytes of contents; the link
// target; or a message. opEnd carries the entry count.
const recordMagic = "lading-layer-record/1\n"

type opKind byte

const (
	opEnd opKind = iota
	opDir
	opSymlink
	opHardlink
	opFile     // wanted regular file, contents inline
	opFileGone // wanted regular file whose contents were left out of the cache
	opSkip     // regular file that is not wanted
	opOther    // device, FIFO and the like
	opProblem  // refused entry: message
	opFailed   // wanted regular file whose contents could not be kept: message
)

type recordWriter struct {
	w    *bufio.Writer
	prev string
	buf  [binary.MaxVarintLen64]byte
	err  error
}

func newRecordWriter(w io.Writer) *recordWriter {
	rw := &recordWriter{w: bufio.NewWriterSize(w, 64<<10)}
	rw.w.WriteString(recordMagic)
	return rw
}

func (rw *recordWriter) uvarint(v uint64) {
	n := binary.PutUvarint(rw.buf[:], v)
	rw.w.Write(rw.buf[:n])
}

func (rw *recordWriter) str(s string) {
	rw.uvarint(uint64(len(s)))
	rw.w.WriteString(s)
}

func (rw *recordWriter) op(kind opKind, name string, mode int64) {
	rw.w.WriteByte(byte(kind))
	shared := 0
	for shared < len(name) && shared < len(rw.prev) && name[shared] == rw.prev[shared] {
		shared++
	}
	rw.uvarint(uint64(shared))
	rw.str(name[shared:])
	rw.uvarint(uint64(uint32(mode)))
	rw.prev = name
}

func (rw *recordWriter) end(entries int) error {
	rw.w.WriteByte(byte(opEnd))
	rw.uvarint(uint64(entries))
	return rw.w.Flush()
}

// ReadStats describes a layer read into a record.
type ReadStats struct {
	Entries int
	// Contents is the total size of the wanted files' contents written.
	Contents int64
}

// ReadLayer reads one layer, an uncompressed tar stream, to its end (past
// the tar end marker, so that a digest check sees every byte) and writes
// its record to w. Entries that are refused become problems in the record;
// a stream that cannot be read to its end, or that holds more than
// MaxLayerBytes or MaxEntries, is an error. maxContents bounds the total of
// wanted contents written (past it, files become problems).
func ReadLayer(ctx context.Context, r io.Reader, w io.Writer, wants Wants, fileWants FileWants, limits Limits, maxContents int64) (ReadStats, error) {
	limits = limits.withDefaults()
	var st ReadStats
	rw := newRecordWriter(w)
	cr := &countingReader{r: r, limit: limits.MaxLayerBytes}
	tr := tar.NewReader(cr)
	for {
		if st.Entries%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if _, err := io.Copy(io.Discard, cr); err != nil {
				return st, fmt.Errorf("reading past the tar end marker: %w", err)
			}
			if err := rw.end(st.Entries); err != nil {
				return st, fmt.Errorf("writing the layer record: %w", err)
			}
			return st, nil
		}
		if err != nil {
			return st, fmt.Errorf("reading tar entry %d: %w", st.Entries+1, err)
		}
		st.Entries++
		if st.Entries > limits.MaxEntries {
			return st, fmt.Errorf("layer has more than %d entries", limits.MaxEntries)
		}
		if len(hdr.Name) > limits.MaxPathLen {
			rw.op(opProblem, hdr.Name[:min(64, len(hdr.Name))]+"…", 0)
			rw.str(fmt.Sprintf("entry name is %d bytes long, more than %d", len(hdr.Name), limits.MaxPathLen))
			continue
		}
		name, err := CleanName(hdr.Name)
		if err != nil {
			rw.op(opProblem, hdr.Name, 0)
			rw.str(err.Error())
			continue
		}
		if name == "" {
			continue // the root directory itself
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			rw.op(opDir, name, hdr.Mode)
		case tar.TypeSymlink:
			rw.op(opSymlink, name, hdr.Mode)
			rw.str(hdr.Linkname)
		case tar.TypeLink:
			rw.op(opHardlink, name, hdr.Mode)
			rw.str(hdr.Linkname)
		case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
			whiteout := strings.HasPrefix(path.Base(name), whiteoutPrefix)
			want := !whiteout && wants(name)
			if !want && !whiteout && fileWants != nil {
				want = fileWants(name, hdr.FileInfo().Mode(), hdr.Size)
			}
			if !want {
				rw.op(opSkip, name, hdr.Mode)
				rw.uvarint(uint64(max(hdr.Size, 0)))
				continue
			}
			var why string
			switch {
			case hdr.Size > limits.MaxFileSize:
				why = fmt.Sprintf("file is %d bytes, more than the limit of %d kept for analysis", hdr.Size, limits.MaxFileSize)
			case st.Contents+hdr.Size > maxContents:
				why = fmt.Sprintf("keeping %d more bytes would pass the limit of %d bytes kept for analysis", hdr.Size, maxContents)
			}
			if why != "" {
				rw.op(opFailed, name, hdr.Mode)
				rw.str(why)
				continue
			}
			rw.op(opFile, name, hdr.Mode)
			rw.uvarint(uint64(hdr.Size))
			n, err := io.CopyN(rw.w, tr, hdr.Size)
			st.Contents += n
			if err != nil {
				if errors.Is(err, ErrLayerTooLarge) {
					return st, fmt.Errorf("%s: %w", name, err)
				}
				return st, fmt.Errorf("%s: reading contents (%d of %d bytes): %w", name, n, hdr.Size, err)
			}
		default:
			rw.op(opOther, name, hdr.Mode)
		}
		if rw.err != nil {
			return st, rw.err
		}
	}
}

// RecordEntry is one operation of a record, as ScanRecord shows it.
type RecordEntry struct {
	Name string
	// Regular is set for regular files, Wanted for those whose contents
	// were kept (or left out of the cache), Contents for those whose
	// contents the record holds.
	Regular, Wanted, Contents bool
	Mode                      fs.FileMode
	Size                      int64
	// Offset is where the contents start in the record, when it holds them.
	Offset int64
}

// recordReader reads a record's operations in order from an io.ReaderAt,
// skipping over contents without reading them.
type recordReader struct {
	src  io.ReaderAt
	size int64
	sr   *io.SectionReader
	br   *bufio.Reader
	pos  int64
	prev []byte
}

func newRecordReader(src io.ReaderAt, size int64) (*recordReader, error) {
	rr := &recordReader{src: src, size: size, sr: io.NewSectionReader(src, 0, size)}
	rr.br = bufio.NewReaderSize(rr.sr, 64<<10)
	magic := make([]byte, len(recordMagic))
	if _, err := io.ReadFull(rr.br, magic); err != nil || string(magic) != recordMagic {
		return nil, errors.New("not a layer record")
	}
	rr.pos = int64(len(recordMagic))
	return rr, nil
}

func (rr *recordReader) ReadByte() (byte, error) {
	b, err := rr.br.ReadByte()
	if err == nil {
		rr.pos++
	}
	return b, err
}

func (rr *recordReader) uvarint() (uint64, error) {
	return binary.ReadUvarint(rr)
}

// maxRecordString bounds a name, link or message in a record: anything
// longer is damage, not data.
const maxRecordString = 1 << 20

func (rr *recordReader) bytes() ([]byte, error) {
	n, err := rr.uvarint()
	if err != nil {
		return nil, err
	}
	if n > maxRecordString || int64(n) > rr.size-rr.pos {
		return nil, errors.New("string too long")
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(rr.br, b); err != nil {
		return nil, err
	}
	rr.pos += int64(n)
	return b, nil
}

func (rr *recordReader) skip(n int64) error {
	if n < 0 || n > rr.size-rr.pos {
		return errors.New("damaged layer record: contents run past its end")
	}
	if n <= int64(rr.br.Buffered()) {
		rr.br.Discard(int(n))
		rr.pos += n
		return nil
	}
	rr.pos += n
	if _, err := rr.sr.Seek(rr.pos, io.SeekStart); err != nil {
		return err
	}
	rr.br.Reset(rr.sr)
	return nil
}

// recOp is one decoded operation.
type recOp struct {
	kind    opKind
	name    string
	mode    int64
	size    int64
	offset  int64 // of the contents, for opFile
	text    string
	entries int // for opEnd
}

func (rr *recordReader) next() (recOp, error) {
	var op recOp
	k, err := rr.ReadByte()
	if err != nil {
		return op, fmt.Errorf("damaged layer record: %w", unexpected(err))
	}
	op.kind = opKind(k)
	if op.kind == opEnd {
		n, err := rr.uvarint()
		if err != nil {
			return op, fmt.Errorf("damaged layer record: %w", unexpected(err))
		}
		op.entries = int(min(n, 1<<40))
		return op, nil
	}
	if op.kind > opFailed {
		return op, fmt.Errorf("damaged layer record: unknown operation %d", k)
	}
	shared, err := rr.uvarint()
	if err != nil {
		return op, fmt.Errorf("damaged layer record: %w", unexpected(err))
	}
	if shared > uint64(len(rr.prev)) {
		return op, errors.New("damaged layer record: bad name")
	}
	rest, err := rr.bytes()
	if err != nil {
		return op, fmt.Errorf("damaged layer record: %w", unexpected(err))
	}
	rr.prev = append(rr.prev[:shared], rest...)
	op.name = string(rr.prev)
	mode, err := rr.uvarint()
	if err != nil {
		return op, fmt.Errorf("damaged layer record: %w", unexpected(err))
	}
	op.mode = int64(uint32(mode))
	switch op.kind {
	case opFile, opFileGone, opSkip:
		s, err := rr.uvarint()
		if err != nil || s > 1<<62 {
			return op, fmt.Errorf("damaged layer record: bad size")
		}
		op.size = int64(s)
		if op.kind == opFile {
			op.offset = rr.pos
			if err := rr.skip(op.size); err != nil {
				return op, err
			}
		}
	case opSymlink, opHardlink, opProblem, opFailed:
		b, err := rr.bytes()
		if err != nil {
			return op, fmt.Errorf("damaged layer record: %w", unexpected(err))
		}
		op.text = string(b)
	}
	return op, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ScanRecord calls fn for each entry of a record, in order, and returns
// the entry count its end gives.
func ScanRecord(src io.ReaderAt, size int64, fn func(RecordEntry) error) (int, error) {
	rr, err := newRecordReader(src, size)
	if err != nil {
		return 0, err
	}
	for {
		op, err := rr.next()
		if err != nil {
			return 0, err
		}
		if op.kind == opEnd {
			return op.entries, nil
		}
		e := RecordEntry{Name: op.name, Mode: fs.FileMode(op.mode) & fs.ModePerm, Size: op.size}
		switch op.kind {
		case opFile:
			e.Regular, e.Wanted, e.Contents, e.Offset = true, true, true, op.offset
		case opFileGone, opFailed:
			e.Regular, e.Wanted = true, true
		case opSkip:
			e.Regular = true
		default:
			continue
		}
		if err := fn(e); err != nil {
			return 0, err
		}
	}
}

// CopyRecord writes to w a copy of the record in src that keeps the
// contents of the wanted files for which keep is true and leaves out the
// others' (they are replayed as kept files that cannot be opened). It
// returns the bytes written.
func CopyRecord(w io.Writer, src io.ReaderAt, size int64, keep func(name string) bool) error {
	rr, err := newRecordReader(src, size)
	if err != nil {
		return err
	}
	rw := newRecordWriter(w)
	for {
		op, err := rr.next()
		if err != nil {
			return err
		}
		switch op.kind {
		case opEnd:
			return rw.end(op.entries)
		case opFile:
			if !keep(op.name) {
				rw.op(opFileGone, op.name, op.mode)
				rw.uvarint(uint64(op.size))
				continue
			}
			rw.op(opFile, op.name, op.mode)
			rw.uvarint(uint64(op.size))
			if _, err := io.Copy(rw.w, io.NewSectionReader(src, op.offset, op.size)); err != nil {
				return err
			}
		case opFileGone, opSkip:
			rw.op(op.kind, op.name, op.mode)
			rw.uvarint(uint64(op.size))
		case opSymlink, opHardlink, opProblem, opFailed:
			rw.op(op.kind, op.name, op.mode)
			rw.str(op.text)
		default:
			rw.op(op.kind, op.name, op.mode)
		}
	}
}

// RecordFile returns a file system holding only the regular file e of the
// record in src, read from the record; every other name does not exist.
func RecordFile(src io.ReaderAt, e RecordEntry) fs.FS {
	return recordFile{src: src, e: e}
}

type recordFile struct {
	src io.ReaderAt
	e   RecordEntry
}

func (r recordFile) Open(name string) (fs.File, error) {
	if name != r.e.Name || !r.e.Contents {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	n := &node{kind: KindFile, size: r.e.Size, mode: uint32(r.e.Mode)}
	return &file{info: fileInfo{name: path.Base(name), n: n}, r: io.NewSectionReader(r.src, r.e.Offset, r.e.Size)}, nil
}
