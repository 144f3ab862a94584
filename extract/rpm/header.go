package rpm

import (
	"encoding/binary"
	"fmt"
)

var (
	le = binary.LittleEndian
	be = binary.BigEndian
)

// maxHeaderSize is rpm's limit on one package header (headerMaxbytes).
const maxHeaderSize = 256 << 20

// checkHeader checks the framing of one package header blob: an index
// count il >= 1 and a data length dl >= 0 (both big endian int32), then il
// 16-byte index entries and dl bytes of data, all inside the blob. go-rpmdb
// allocates il entries before checking anything, so a bogus count must not
// reach it.
func checkHeader(blob []byte) error {
	if len(blob) < 8 {
		return fmt.Errorf("package header of %d bytes", len(blob))
	}
	il := int64(int32(be.Uint32(blob)))
	dl := int64(int32(be.Uint32(blob[4:])))
	if il < 1 || dl < 0 {
		return fmt.Errorf("package header with %d index entries and %d data bytes", il, dl)
	}
	if n := 8 + 16*il + dl; n > int64(len(blob)) || n >= maxHeaderSize {
		return fmt.Errorf("package header of %d bytes says it holds %d", len(blob), n)
	}
	return nil
}
