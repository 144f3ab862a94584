package rpm

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

var (
	le = binary.LittleEndian
	be = binary.BigEndian
)

// maxHeaderSize is rpm's limit on one package header (headerMaxbytes).
const maxHeaderSize = 256 << 20

// rpm header tag data types, and the tags that open a region.
const (
	typeString      = 6
	typeStringArray = 8
	typeI18NString  = 9
	typeMax         = 9
	tagHeaderImage  = 61
	tagHeaderImmut  = 63
)

// typeSizes are the sizes of the fixed-size tag data types (rpm's
// typeSizes); 0 for the string types.
var typeSizes = [typeMax + 1]int64{0, 1, 1, 2, 4, 8, 0, 1, 0, 0}

// checkHeader checks one package header blob the way rpm's own
// hdrblobInit and hdrblobVerifyInfo do, before go-rpmdb sees it:
//   - an index count il >= 1 and a data length dl >= 0 (big endian int32),
//     then il 16-byte index entries and dl bytes of data, all inside the
//     blob (go-rpmdb allocates il entries before checking anything);
//   - each entry after the region tag has a known type, and its data lies
//     inside the data area, after the previous entry's data (rpm's "previous
//     data must not overlap"), with every string of a string type ending
//     in a NUL there. go-rpmdb loses that last check: given an
//     unterminated string array it scans the same bytes once per claimed
//     string, up to four billion times.
//
// The walk is linear in the blob's size.
func checkHeader(blob []byte) error {
	if len(blob) < 8 {
		return fmt.Errorf("package header of %d bytes", len(blob))
	}
	il := int64(int32(be.Uint32(blob)))
	dl := int64(int32(be.Uint32(blob[4:])))
	if il < 1 || dl < 0 {
		return fmt.Errorf("package header with %d index entries and %d data bytes", il, dl)
	}
	dataStart := 8 + 16*il
	if n := dataStart + dl; n > int64(len(blob)) || n >= maxHeaderSize {
		return fmt.Errorf("package header of %d bytes says it holds %d", len(blob), n)
	}
	index, data := blob[8:dataStart], blob[dataStart:dataStart+dl]
	first := int64(0)
	if tag := int32(be.Uint32(index)); tag >= tagHeaderImage && tag <= tagHeaderImmut {
		first = 1
	}
	end := int64(0)
	for i := first; i < il; i++ {
		e := index[16*i:]
		typ, off, count := be.Uint32(e[4:]), int64(int32(be.Uint32(e[8:]))), be.Uint32(e[12:])
		if typ > typeMax {
			return fmt.Errorf("package header entry %d: type %d", i, typ)
		}
		if off < end || off > dl {
			return fmt.Errorf("package header entry %d: data at %d overlaps or lies outside %d..%d", i, off, end, dl)
		}
		n := dataLength(data[off:], typ, count)
		if n <= 0 {
			return fmt.Errorf("package header entry %d: %d items of type %d do not fit", i, count, typ)
		}
		end = off + n
	}
	return nil
}

// dataLength is the length of count items of type typ at the start of
// data, or -1 when they do not fit or a string is not terminated.
func dataLength(data []byte, typ, count uint32) int64 {
	switch typ {
	case typeString, typeStringArray, typeI18NString:
		if typ == typeString && count != 1 {
			return -1
		}
		pos := int64(0)
		for c := uint32(0); c < count; c++ {
			i := bytes.IndexByte(data[pos:], 0)
			if i < 0 {
				return -1
			}
			pos += int64(i) + 1
		}
		return pos
	default:
		n := typeSizes[typ] * int64(count)
		if n > int64(len(data)) {
			return -1
		}
		return n
	}
}
