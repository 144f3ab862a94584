package rpm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// Berkeley DB hash database layout, as go-rpmdb's bdb package reads it.
const (
	bdbHashMagic      = 0x00061561
	bdbPageHeaderSize = 26
	bdbHashOffSize    = 12 // a HOFFPAGE entry: type, 3 unused, page number, length
	bdbPageHashOld    = 2  // unsorted hash page (rpm before 4.6)
	bdbPageHOFF       = 3  // value type: the value is in overflow pages
	bdbPageOverflow   = 7
	bdbPageHashMeta   = 8
	bdbPageHash       = 13
)

// bdbPageSizes are the page sizes Berkeley DB allows.
var bdbPageSizes = map[uint32]bool{512: true, 1024: true, 2048: true, 4096: true, 8192: true, 16384: true, 32768: true, 65536: true}

// checkBDB walks a Berkeley DB hash file the way go-rpmdb's reader does
// (every page from 0 to the last; on hash pages, every value that points
// to overflow pages; each chain of overflow pages) and checks every bound
// the reader does not: indexes inside the page, overflow chains made of
// overflow pages inside the file, without cycles, and package headers
// whose framing holds. The uint16 arithmetic the reader does on offsets
// must not wrap either.
func checkBDB(ctx context.Context, f *os.File, size int64) error {
	meta := make([]byte, 512)
	if _, err := f.ReadAt(meta, 0); err != nil {
		return fmt.Errorf("reading Berkeley DB metadata: %w", err)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if le.Uint32(meta[12:]) != bdbHashMagic {
		order = binary.BigEndian
	}
	if order.Uint32(meta[12:]) != bdbHashMagic {
		return errors.New("not a Berkeley DB hash database")
	}
	if meta[24] != 0 {
		return fmt.Errorf("encrypted Berkeley DB (algorithm %d)", meta[24])
	}
	if meta[25] != bdbPageHashMeta {
		return fmt.Errorf("Berkeley DB metadata page has type %d, want %d", meta[25], bdbPageHashMeta)
	}
	pageSize := order.Uint32(meta[20:])
	if !bdbPageSizes[pageSize] {
		return fmt.Errorf("Berkeley DB page size %d", pageSize)
	}
	last := order.Uint32(meta[32:])
	if need := (int64(last) + 1) * int64(pageSize); need > size {
		return fmt.Errorf("truncated Berkeley DB: %d pages of %d bytes need %d bytes, the file has %d", int64(last)+1, pageSize, need, size)
	}
	w := &bdbWalk{f: f, order: order, pageSize: int(pageSize), last: last}
	page := make([]byte, pageSize)
	for pg := uint32(0); pg <= last; pg++ {
		if pg%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := w.read(pg, page); err != nil {
			return err
		}
		if err := w.checkHashPage(pg, page); err != nil {
			return err
		}
		if pg == last {
			break // last may be the largest uint32
		}
	}
	return nil
}

type bdbWalk struct {
	f        *os.File
	order    binary.ByteOrder
	pageSize int
	last     uint32
}

func (w *bdbWalk) read(pg uint32, buf []byte) error {
	if _, err := w.f.ReadAt(buf, int64(pg)*int64(w.pageSize)); err != nil {
		return fmt.Errorf("reading Berkeley DB page %d: %w", pg, err)
	}
	return nil
}

// checkHashPage checks the values of one page, if it is a hash page.
func (w *bdbWalk) checkHashPage(pg uint32, page []byte) error {
	if t := page[25]; t != bdbPageHash && t != bdbPageHashOld {
		return nil
	}
	entries := int(w.order.Uint16(page[20:]))
	if entries%2 != 0 {
		return fmt.Errorf("Berkeley DB page %d: odd number of hash entries %d", pg, entries)
	}
	if end := bdbPageHeaderSize + 2*entries; end > w.pageSize || end > 0xffff {
		return fmt.Errorf("Berkeley DB page %d: %d hash entries do not fit", pg, entries)
	}
	// Entries are (key, value) index pairs; the values are the odd ones.
	for k := 0; k < entries/2; k++ {
		v := int(w.order.Uint16(page[bdbPageHeaderSize+4*k+2:]))
		if v >= w.pageSize {
			return fmt.Errorf("Berkeley DB page %d: value offset %d outside the page", pg, v)
		}
		if page[v] != bdbPageHOFF {
			continue
		}
		if v+bdbHashOffSize > w.pageSize || v+bdbHashOffSize > 0xffff {
			return fmt.Errorf("Berkeley DB page %d: overflow entry at %d outside the page", pg, v)
		}
		blob, err := w.overflow(w.order.Uint32(page[v+4:]))
		if err != nil {
			return fmt.Errorf("Berkeley DB page %d: %w", pg, err)
		}
		if err := checkHeader(blob); err != nil {
			return fmt.Errorf("Berkeley DB page %d: %w", pg, err)
		}
	}
	return nil
}

// overflow collects the value held in the chain of overflow pages that
// starts at page first.
func (w *bdbWalk) overflow(first uint32) ([]byte, error) {
	var value []byte
	seen := map[uint32]bool{}
	page := make([]byte, w.pageSize)
	for pg := first; pg != 0; {
		if pg > w.last {
			return nil, fmt.Errorf("overflow page %d beyond the last page %d", pg, w.last)
		}
		if seen[pg] {
			return nil, fmt.Errorf("overflow pages loop at page %d", pg)
		}
		seen[pg] = true
		if err := w.read(pg, page); err != nil {
			return nil, err
		}
		if page[25] != bdbPageOverflow {
			return nil, fmt.Errorf("page %d in an overflow chain has type %d", pg, page[25])
		}
		next := w.order.Uint32(page[16:])
		end := w.pageSize
		if next == 0 {
			end = bdbPageHeaderSize + int(w.order.Uint16(page[22:]))
			if end > w.pageSize || end > 0xffff {
				return nil, fmt.Errorf("overflow page %d: %d bytes used do not fit", pg, end-bdbPageHeaderSize)
			}
		}
		if len(value)+end-bdbPageHeaderSize >= maxHeaderSize {
			return nil, fmt.Errorf("value larger than %d bytes", maxHeaderSize)
		}
		value = append(value, page[bdbPageHeaderSize:end]...)
		pg = next
	}
	return value, nil
}
