package rpm

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/extract"
)

var fixtureDBs = []struct{ dir, file string }{
	{"amazonlinux2023", "rpmdb.sqlite"},
	{"cbl-mariner-2.0", "rpmdb.sqlite"},
	{"sle15-bci", "Packages.db"},
	{"ubi8-libuuid-bdb", "Packages"},
}

// extractRoot runs the extractor on a folder written by writeRoot.
func extractRoot(t *testing.T, root string) (int, error) {
	t.Helper()
	pkgs, err := New().Extract(context.Background(), extract.Input{FS: os.DirFS(root), TempDir: t.TempDir()})
	return len(pkgs), err
}

func wantFileError(t *testing.T, label string, err error, path string) {
	t.Helper()
	var fe *extract.FileError
	if !errors.As(err, &fe) || fe.Path != path {
		t.Errorf("%s: got %v, want a *extract.FileError for %s", label, err, path)
	}
}

// settle waits for goroutines that are on their way out.
func settle(limit int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 50 && n > limit; i++ {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

func TestTruncatedCopies(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, db := range fixtureDBs {
		data := fixture(t, db.dir, "var", "lib", "rpm", db.file)
		for _, n := range []int{len(data) * 9 / 10, len(data) / 2, len(data) / 4, 8192, 4096, 100, 16, 0} {
			root := writeRoot(t, db.file, data[:n])
			count, err := extractRoot(t, root)
			label := db.dir + " cut at " + strconv.Itoa(n)
			wantFileError(t, label, err, "var/lib/rpm/"+db.file)
			if count != 0 {
				t.Errorf("%s: got %d packages, want 0", label, count)
			}
		}
	}
	// No reader goroutine may be left blocked.
	if after := settle(before); after > before {
		t.Errorf("got %d goroutines after, %d before", after, before)
	}
}

// mutate returns a copy of data changed by fn.
func mutate(data []byte, fn func([]byte)) []byte {
	c := append([]byte(nil), data...)
	fn(c)
	return c
}

func TestHostileBerkeleyDB(t *testing.T) {
	data := fixture(t, "ubi8-libuuid-bdb", "var", "lib", "rpm", "Packages")
	// The fixture: 4096-byte pages 0-22, little endian; page 2 is a hash
	// page whose one value (at offset 4079) points to the overflow chain
	// of pages 3-22, which holds libuuid's header.
	le := binary.LittleEndian
	const ps = 4096
	cases := map[string]func([]byte){
		// Each of these makes go-rpmdb's reader goroutine loop forever,
		// panic, or die out of memory.
		"overflow chain loops back":   func(b []byte) { le.PutUint32(b[22*ps+16:], 3) },
		"non-overflow page in chain":  func(b []byte) { b[10*ps+25] = 13 },
		"value offset outside page":   func(b []byte) { le.PutUint16(b[2*ps+28:], 0xfff0) },
		"used bytes wrap uint16":      func(b []byte) { le.PutUint16(b[22*ps+22:], 0xffff) },
		"entries wrap uint16":         func(b []byte) { le.PutUint16(b[2*ps+20:], 0xfffe) },
		"header claims 2^31 entries":  func(b []byte) { binary.BigEndian.PutUint32(b[3*ps+26:], 0x7fffffff) },
		"overflow entry at page end":  func(b []byte) { le.PutUint16(b[2*ps+28:], ps-4); b[2*ps+ps-4] = 3 },
		"chain beyond last page":      func(b []byte) { le.PutUint32(b[21*ps+16:], 1000) },
		"odd entry count":             func(b []byte) { le.PutUint16(b[2*ps+20:], 3) },
		"last page beyond file":       func(b []byte) { le.PutUint32(b[32:], 40) },
		"bad page size":               func(b []byte) { le.PutUint32(b[20:], 4095) },
		"encrypted":                   func(b []byte) { b[24] = 1 },
		"metadata page of wrong type": func(b []byte) { b[25] = 13 },
	}
	for name, fn := range cases {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, err := extractRoot(t, writeRoot(t, "Packages", mutate(data, fn)))
			wantFileError(t, name, err, "var/lib/rpm/Packages")
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: still running after 30s", name)
		}
	}
}

func TestHostileNDB(t *testing.T) {
	data := fixture(t, "sle15-bci", "var", "lib", "rpm", "Packages.db")
	le := binary.LittleEndian
	// First used slot, and the blob it points to.
	slot := 32
	for le.Uint32(data[slot+4:]) == 0 {
		slot += 16
	}
	blob := int(le.Uint32(data[slot+8:])) * 16
	cases := map[string]func([]byte){
		"bad slot magic":         func(b []byte) { b[slot] = 'X' },
		"bad slot magic unused":  func(b []byte) { b[32+16*200] = 'X' },
		"blob beyond the file":   func(b []byte) { le.PutUint32(b[slot+8:], 0x7fffffff) },
		"bad blob magic":         func(b []byte) { b[blob] = 'X' },
		"blob of another pkg":    func(b []byte) { le.PutUint32(b[blob+4:], 999) },
		"blob length 4 GiB":      func(b []byte) { le.PutUint32(b[blob+12:], 0xffffffff) },
		"header claims 2^31":     func(b []byte) { binary.BigEndian.PutUint32(b[blob+16:], 0x7fffffff) },
		"too many slot pages":    func(b []byte) { le.PutUint32(b[12:], 5000) },
		"slot pages beyond file": func(b []byte) { le.PutUint32(b[12:], 2000) },
		"version 1":              func(b []byte) { le.PutUint32(b[4:], 1) },
	}
	for name, fn := range cases {
		_, err := extractRoot(t, writeRoot(t, "Packages.db", mutate(data, fn)))
		wantFileError(t, name, err, "var/lib/rpm/Packages.db")
	}
}

func TestHostileSQLite(t *testing.T) {
	data := fixture(t, "amazonlinux2023", "var", "lib", "rpm", "rpmdb.sqlite")
	before := runtime.NumGoroutine()
	// Renaming the table makes go-rpmdb's query fail; it then sends two
	// errors where its caller reads one.
	renamed := mutate(data, func(b []byte) {
		s := string(b)
		i := strings.Index(s, "CREATE TABLE Packages")
		copy(b[i+len("CREATE TABLE "):], "Xackages")
	})
	_, err := extractRoot(t, writeRoot(t, "rpmdb.sqlite", renamed))
	wantFileError(t, "renamed table", err, "var/lib/rpm/rpmdb.sqlite")
	if after := settle(before); after > before {
		t.Errorf("got %d goroutines after, %d before", after, before)
	}
}

// TestBitFlips flips random bytes of each real database: whatever comes
// out, there is no panic and no hang, and a failure is a FileError.
func TestBitFlips(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, db := range fixtureDBs {
		data := fixture(t, db.dir, "var", "lib", "rpm", db.file)
		for i := 0; i < 25; i++ {
			c := mutate(data, func(b []byte) {
				for j := 0; j < 1+rng.IntN(8); j++ {
					b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
				}
			})
			_, err := extractRoot(t, writeRoot(t, db.file, c))
			if err != nil {
				wantFileError(t, db.dir, err, "var/lib/rpm/"+db.file)
			}
		}
	}
}
