package rpm

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// SUSE NDB layout, as go-rpmdb's ndb package reads it: a 32-byte header,
// then SlotNPages pages of 256 16-byte slots (the first two slots' room is
// the header), each slot pointing at a blob of 16-byte blocks.
const (
	ndbHeaderMagic = 'R' | 'p'<<8 | 'm'<<16 | 'P'<<24
	ndbSlotMagic   = 'S' | 'l'<<8 | 'o'<<16 | 't'<<24
	ndbBlobMagic   = 'B' | 'l'<<8 | 'b'<<16 | 'S'<<24
	ndbSlotsPerPg  = 4096 / 16
	ndbMaxPages    = 2048 // go-rpmdb's limit
	ndbBlockSize   = 16
)

// checkNDB checks what go-rpmdb's NDB reader relies on: a header it
// accepts, slots inside the file, every slot with the slot magic (the
// reader prints to standard output otherwise), and for each used slot a
// blob header with the blob magic and the slot's package index, and blob
// data inside the file (the reader allocates the stated length) holding a
// well framed package header.
func checkNDB(ctx context.Context, f *os.File, size int64) error {
	hdr := make([]byte, 32)
	if _, err := f.ReadAt(hdr, 0); err != nil {
		return fmt.Errorf("reading NDB header: %w", err)
	}
	if le.Uint32(hdr) != ndbHeaderMagic || le.Uint32(hdr[4:]) != 0 {
		return errors.New("not an NDB database of version 0")
	}
	pages := le.Uint32(hdr[12:])
	if pages == 0 || pages > ndbMaxPages {
		return fmt.Errorf("NDB header gives %d slot pages", pages)
	}
	nslots := int64(pages)*ndbSlotsPerPg - 2
	if 32+nslots*16 > size {
		return fmt.Errorf("truncated NDB: %d slots do not fit in %d bytes", nslots, size)
	}
	slots := make([]byte, nslots*16)
	if _, err := f.ReadAt(slots, 32); err != nil {
		return fmt.Errorf("reading NDB slots: %w", err)
	}
	for i := int64(0); i < nslots; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		s := slots[i*16:]
		if le.Uint32(s) != ndbSlotMagic {
			return fmt.Errorf("NDB slot %d: bad magic %#x", i, le.Uint32(s))
		}
		pkgIndex := le.Uint32(s[4:])
		if pkgIndex == 0 {
			continue
		}
		if err := checkNDBBlob(f, size, pkgIndex, int64(le.Uint32(s[8:]))*ndbBlockSize); err != nil {
			return fmt.Errorf("NDB slot %d (package %d): %w", i, pkgIndex, err)
		}
	}
	return nil
}

func checkNDBBlob(f *os.File, size int64, pkgIndex uint32, off int64) error {
	if off+16 > size {
		return fmt.Errorf("blob at %d beyond the end of the file", off)
	}
	bh := make([]byte, 16)
	if _, err := f.ReadAt(bh, off); err != nil {
		return fmt.Errorf("reading blob header: %w", err)
	}
	if le.Uint32(bh) != ndbBlobMagic {
		return fmt.Errorf("blob at %d: bad magic %#x", off, le.Uint32(bh))
	}
	if got := le.Uint32(bh[4:]); got != pkgIndex {
		return fmt.Errorf("blob at %d is for package %d", off, got)
	}
	n := int64(le.Uint32(bh[12:]))
	if off+16+n > size || n >= maxHeaderSize {
		return fmt.Errorf("blob at %d: %d bytes do not fit", off, n)
	}
	blob := make([]byte, n)
	if _, err := f.ReadAt(blob, off+16); err != nil {
		return fmt.Errorf("reading blob: %w", err)
	}
	return checkHeader(blob)
}
