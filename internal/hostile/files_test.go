package hostile_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/extract/npm"
)

// jar builds a zip with a manifest naming it, holding inner (stored, not
// compressed, so that nesting costs only the headers) when it is not nil.
func jar(t testing.TB, name string, inner []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("META-INF/MANIFEST.MF")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Manifest-Version: 1.0\r\nImplementation-Title: " + name + "\r\nImplementation-Version: 1.0\r\n\r\n"))
	if inner != nil {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "lib/inner.jar", Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(inner)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Zero-byte and non-zip .jar files, and a jar nested 300 deep: each is a
// problem naming the file; the deep one is opened down to the depth limit
// (16) and reported there; the scan goes on.
func TestHostileJars(t *testing.T) {
	s := newSandbox(t)
	var deep []byte
	for i := 0; i < 300; i++ {
		deep = jar(t, "level", deep)
	}
	l := layerOf(t,
		file("app/empty.jar", ""),
		file("app/text.jar", "this is not a zip archive\n"),
		file("app/truncated.jar", string(jar(t, "cut", nil)[:40])),
		file("app/deep.jar", string(deep)),
	)
	r := s.scanOK(t, "docker-archive:"+dockerArchive(t, imageOf(t, alpineBase(t), l)))
	problem(t, r, "app/empty.jar")
	problem(t, r, "app/text.jar", "zip")
	problem(t, r, "app/truncated.jar")
	problem(t, r, "app/deep.jar", "the limit is 16")
}

// A dpkg status file whose continuation lines look like fields: they stay
// part of the field they continue (a Description here), and only the real
// paragraphs are packages.
func TestDpkgContinuationLines(t *testing.T) {
	s := newSandbox(t)
	status := `Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b2
Description: GNU Bourne Again SHell
 Package: evil
 Version: 6.6.6
 Status: install ok installed
 .
 Package: evil2

Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u7
Description: GNU C Library
 Package: not-a-package
Conffiles:
 /etc/ld.so.conf 0123
 Package: still-not

`
	l := layerOf(t,
		file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"),
		file("var/lib/dpkg/status", status),
	)
	r := s.scanOK(t, "docker-archive:"+dockerArchive(t, imageOf(t, l)))
	if got := strings.Join(packageNames(r), ","); got != "deb:bash@5.2.15-2+b2,deb:libc6@2.36-9+deb12u7" {
		t.Errorf("packages: %s", got)
	}
}

// rpm databases with corrupt pages: a Berkeley DB hash file whose metadata
// page is right and whose other pages are garbage, an NDB file with a bad
// header, a SQLite file that is not one. Each is a problem naming
// var/lib/rpm/...; nothing crashes.
func TestCorruptRpmDatabases(t *testing.T) {
	s := newSandbox(t)
	bdb := make([]byte, 4*4096)
	for i := range bdb {
		bdb[i] = byte(i*7 + 3)
	}
	binary.LittleEndian.PutUint32(bdb[12:], 0x00061561) // hash magic
	binary.LittleEndian.PutUint32(bdb[16:], 9)          // version
	binary.LittleEndian.PutUint32(bdb[20:], 4096)       // page size
	bdb[25] = 8                                         // page type: hash metadata
	binary.LittleEndian.PutUint32(bdb[32:], 3)          // last page number
	ndb := append([]byte("RpmP"), bytes.Repeat([]byte{0xff}, 8000)...)
	release := "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n"
	for _, c := range []struct{ name, body string }{
		{"var/lib/rpm/Packages", string(bdb)},
		{"usr/lib/sysimage/rpm/Packages.db", string(ndb)},
		{"var/lib/rpm/rpmdb.sqlite", "SQLite format 3\x00" + strings.Repeat("\x10\x00garbage", 600)},
	} {
		t.Run(filepath.Base(c.name), func(t *testing.T) {
			l := layerOf(t, file("etc/os-release", release), file(c.name, c.body))
			r := s.scanOK(t, "docker-archive:"+dockerArchive(t, imageOf(t, l)))
			problem(t, r, c.name)
			if len(r.Packages) != 0 {
				t.Errorf("packages from a corrupt database: %v", packageNames(r))
			}
		})
	}
}

// Lockfiles that are not valid JSON, YAML or TOML: a problem naming each
// file; the valid one beside them is still read.
func TestInvalidLockfiles(t *testing.T) {
	s := newSandbox(t)
	l := layerOf(t,
		file("srv/a/package-lock.json", `{"lockfileVersion": 3, "packages": {"node_modules/x": {"version": `),
		file("srv/b/pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  - [unclosed\n\t bad: : :\n"),
		file("srv/c/Cargo.lock", "version = 3\n[[package]\nname = \"x\"\n"),
		file("srv/d/poetry.lock", "[[package]]\nname = \"x\"\nversion = \n"),
		file("srv/e/Pipfile.lock", "{not json"),
		file("srv/f/package-lock.json", `{"lockfileVersion": 3, "packages": {"": {}, "node_modules/ok": {"version": "1.2.3"}}}`),
	)
	r := s.scanOK(t, "docker-archive:"+dockerArchive(t, imageOf(t, alpineBase(t), l)))
	for _, p := range []string{"srv/a/package-lock.json", "srv/b/pnpm-lock.yaml", "srv/c/Cargo.lock", "srv/d/poetry.lock", "srv/e/Pipfile.lock"} {
		problem(t, r, p)
	}
	found := false
	for _, p := range r.Packages {
		found = found || (p.Name == "ok" && p.Version == "1.2.3")
	}
	if !found {
		t.Errorf("the valid lockfile was not read: %v", packageNames(r))
	}
}

// A package-lock.json above the npm extractor's size limit (256 MiB): a
// problem naming the file and the limit. The file is sparse, in a
// directory scanned with lading fs, so that the test writes nothing big.
func TestHugeLockfile(t *testing.T) {
	s := newSandbox(t)
	root := t.TempDir()
	p := filepath.Join(root, "srv", "package-lock.json")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(npm.MaxFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	before := tree(t, root)
	o := s.lading(t, context.Background(), "fs", root)
	if o.code != 0 {
		t.Fatalf("exit %d: %s", o.code, o.stderr)
	}
	if after := tree(t, root); len(after) != len(before) {
		t.Errorf("the scanned folder changed: %v", after)
	}
	problem(t, o.rep, "srv/package-lock.json", "larger than 268435456 bytes")
}
