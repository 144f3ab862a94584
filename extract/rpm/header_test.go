package rpm

import (
	"encoding/binary"
	"testing"
	"time"
)

// header builds a package header blob from (tag, type, offset, count)
// entries and a data area.
func header(data []byte, entries ...[4]uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(entries)))
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	for _, e := range entries {
		for _, v := range e {
			b = binary.BigEndian.AppendUint32(b, v)
		}
	}
	return append(b, data...)
}

// ndbWith wraps one header blob in a minimal NDB database: one slot page
// whose first slot holds package 1.
func ndbWith(blob []byte) []byte {
	const slots = ndbSlotsPerPg - 2
	blobOff := 32 + slots*16
	b := make([]byte, blobOff+16+len(blob))
	le.PutUint32(b, ndbHeaderMagic)
	le.PutUint32(b[12:], 1)
	for i := 0; i < slots; i++ {
		le.PutUint32(b[32+16*i:], ndbSlotMagic)
	}
	le.PutUint32(b[32+4:], 1)
	le.PutUint32(b[32+8:], uint32(blobOff/ndbBlockSize))
	le.PutUint32(b[blobOff:], ndbBlobMagic)
	le.PutUint32(b[blobOff+4:], 1)
	le.PutUint32(b[blobOff+12:], uint32(len(blob)))
	copy(b[blobOff+16:], blob)
	return b
}

func TestCheckHeader(t *testing.T) {
	const name, version, basenames = 1000, 1001, 1117
	cases := []struct {
		label string
		blob  []byte
		ok    bool
	}{
		{"valid", header([]byte("curl\x001.0\x00"), [4]uint32{name, typeString, 0, 1}, [4]uint32{version, typeString, 5, 1}), true},
		{"string array", header([]byte("a\x00b\x00"), [4]uint32{basenames, typeStringArray, 0, 2}), true},
		{"overlap", header([]byte("curl\x001.0\x00"), [4]uint32{name, typeString, 0, 1}, [4]uint32{version, typeString, 2, 1}), false},
		{"unterminated string", header([]byte("curl"), [4]uint32{name, typeString, 0, 1}), false},
		{"4 billion strings", header([]byte("a\x00bbbb"), [4]uint32{basenames, typeStringArray, 0, 0xffffffff}), false},
		{"type 10", header([]byte("abcd"), [4]uint32{name, 10, 0, 1}), false},
		{"int32 array too long", header([]byte("abcdefgh"), [4]uint32{name, 4, 0, 3}), false},
		{"offset outside", header([]byte("a\x00"), [4]uint32{name, typeString, 5, 1}), false},
		{"negative offset", header([]byte("a\x00"), [4]uint32{name, typeString, 0xfffffff0, 1}), false},
		{"short", []byte{0, 0, 0, 1}, false},
		{"no entries", header(nil), false},
		{"entries beyond blob", header(nil, [4]uint32{name, typeString, 0, 1})[:12], false},
	}
	for _, c := range cases {
		if err := checkHeader(c.blob); (err == nil) != c.ok {
			t.Errorf("%s: got %v, want ok=%v", c.label, err, c.ok)
		}
	}
}

// TestUnterminatedStringArray is the fuzzer's find: go-rpmdb spends
// count × size steps on a string array whose strings do not end. The
// header must be refused before go-rpmdb parses it.
func TestUnterminatedStringArray(t *testing.T) {
	data := make([]byte, 64<<10)
	for i := range data {
		data[i] = 'x'
	}
	blob := header(data, [4]uint32{1117, typeStringArray, 0, 0xffffffff})
	start := time.Now()
	_, err := extractRoot(t, writeRoot(t, "Packages.db", ndbWith(blob)))
	wantFileError(t, "unterminated string array", err, "var/lib/rpm/Packages.db")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestNDBWithCraftedHeader checks the NDB builder on a header go-rpmdb
// accepts: the package comes out.
func TestNDBWithCraftedHeader(t *testing.T) {
	blob := header([]byte("curl\x001.0\x001\x00x86_64\x00"),
		[4]uint32{1000, typeString, 0, 1}, [4]uint32{1001, typeString, 5, 1},
		[4]uint32{1002, typeString, 9, 1}, [4]uint32{1022, typeString, 11, 1})
	n, err := extractRoot(t, writeRoot(t, "Packages.db", ndbWith(blob)))
	if err != nil || n != 1 {
		t.Errorf("got %d packages, %v, want 1", n, err)
	}
}
