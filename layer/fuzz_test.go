package layer_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lading-dev/lading/internal/testutil"
	"github.com/lading-dev/lading/layer"
)

// FuzzApply's input is a small text that describes layers; the target
// writes each as a well-formed tar (so that mutations reach the layer walk
// instead of failing archive/tar's header checksum) and applies them.
//
// The first byte holds flags: bit 0 keeps every file (otherwise only names
// holding "k" are wanted), bit 1 adds a FileWants for executables, bit 2
// gives the tree a spill folder (layer records then go to files there, which
// costs file system calls, so not every run does it), and the other five
// bits, when not zero, cut that many times 29 bytes off the end of the last
// layer's stream. Then one entry per line, an operation byte followed by
// the name and, after a tab, an argument:
//
//	f name\tbody   regular file (mode 0644)
//	x name\tbody   executable regular file (mode 0755)
//	F name\tbody   regular file holding body 64 times
//	d name         directory
//	l name\ttarget symbolic link
//	h name\ttarget hard link
//	c name, p name character device, FIFO
//	-              the next layer
//
// Whiteouts and opaque markers are regular files named ".wh.x" and
// ".wh..wh..opq". Other lines are ignored.
const (
	fuzzMaxLayers  = 4
	fuzzMaxEntries = 40 // Limits.MaxEntries; a layer may list more
)

var fuzzLimits = layer.Limits{
	MaxFileSize:   512,
	MaxCaptured:   2 << 10,
	MaxEntries:    fuzzMaxEntries,
	MaxPathLen:    100, // Apply cuts longer names to 64 bytes in Problems
	MemFile:       16,
	MemBudget:     64,
	MaxSpilled:    8 << 10,
	MaxLayerBytes: 64 << 10,
}

type fuzzEntry struct {
	typ       byte
	name, arg string
	mode      int64
	body      string
	whiteout  string // the path a whiteout names, cleaned
	opaque    string // the directory an opaque marker empties, cleaned ("" is the root)
	isOpaque  bool
	clean     string // the cleaned name
	bad       bool   // a name the walk refuses
}

// parseLayers reads the text form into layers of entries.
func parseLayers(data []byte) (flags byte, layers [][]fuzzEntry) {
	if len(data) == 0 {
		return 0, [][]fuzzEntry{nil}
	}
	flags, data = data[0], data[1:]
	layers = [][]fuzzEntry{nil}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" {
			continue
		}
		if line == "-" {
			if len(layers) < fuzzMaxLayers {
				layers = append(layers, nil)
			}
			continue
		}
		name, arg, _ := strings.Cut(line[1:], "\t")
		e := fuzzEntry{name: name, arg: arg, mode: 0o644}
		switch line[0] {
		case 'f':
			e.typ, e.body = tar.TypeReg, arg
		case 'x':
			e.typ, e.body, e.mode = tar.TypeReg, arg, 0o755
		case 'F':
			e.typ, e.body = tar.TypeReg, strings.Repeat(arg, 64)
		case 'd':
			e.typ, e.mode = tar.TypeDir, 0o755
		case 'l':
			e.typ = tar.TypeSymlink
		case 'h':
			e.typ = tar.TypeLink
		case 'c':
			e.typ = tar.TypeChar
		case 'p':
			e.typ = tar.TypeFifo
		default:
			continue
		}
		i := len(layers) - 1
		layers[i] = append(layers[i], e)
	}
	return flags, layers
}

// writeLayer writes entries as a tar stream and returns it with the
// entries archive/tar accepted, in order.
func writeLayer(t *testing.T, entries []fuzzEntry) ([]byte, []fuzzEntry) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	var written []fuzzEntry
	for _, e := range entries {
		hdr := &tar.Header{Typeflag: e.typ, Name: e.name, Mode: e.mode}
		switch e.typ {
		case tar.TypeReg:
			hdr.Size = int64(len(e.body))
		case tar.TypeSymlink, tar.TypeLink:
			hdr.Linkname = e.arg
		}
		if err := tw.WriteHeader(hdr); err != nil {
			continue // a name archive/tar cannot write; nothing was written
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatalf("writing %q: %v", e.name, err)
		}
		written = append(written, e)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), written
}

// describe returns the text form of the layers of a docker-archive
// fixture, bodies cut to 32 bytes.
func describe(f *testing.F, archive string) []byte {
	img, err := tarball.ImageFromPath(archive, nil)
	if err != nil {
		f.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		f.Fatal(err)
	}
	var b strings.Builder
	b.WriteByte(1)
	for i, l := range layers {
		if i > 0 {
			b.WriteString("-\n")
		}
		rc, err := l.Uncompressed()
		if err != nil {
			f.Fatal(err)
		}
		describeTar(f, &b, rc)
		rc.Close()
	}
	return []byte(b.String())
}

func describeTar(f *testing.F, b *strings.Builder, r io.Reader) {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			f.Fatal(err)
		}
		switch hdr.Typeflag {
		case tar.TypeReg:
			body := make([]byte, min(hdr.Size, 32))
			if _, err := io.ReadFull(tr, body); err != nil {
				f.Fatal(err)
			}
			op := "f"
			if hdr.Mode&0o111 != 0 {
				op = "x"
			}
			b.WriteString(op + hdr.Name + "\t" + strings.ReplaceAll(string(body), "\n", " ") + "\n")
		case tar.TypeDir:
			b.WriteString("d" + hdr.Name + "\n")
		case tar.TypeSymlink:
			b.WriteString("l" + hdr.Name + "\t" + hdr.Linkname + "\n")
		case tar.TypeLink:
			b.WriteString("h" + hdr.Name + "\t" + hdr.Linkname + "\n")
		}
	}
}

// inRoot reports whether name is a relative slash-separated path of
// non-empty elements other than "." and "..": fs.ValidPath but for UTF-8.
func inRoot(name string) bool {
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

// under reports whether p is dir or lies below it ("" is the root).
func under(p, dir string) bool {
	return dir == "" || p == dir || strings.HasPrefix(p, dir+"/")
}

// FuzzApply applies layers described by the input (see parseLayers) to a
// tree that spills to a temporary folder, then checks:
//   - Apply fails only on a cut stream or past a limit, and then counts
//     the entries read;
//   - every node is at a clean path inside the root, a kept node is a file
//     whose contents are the body of some entry and read back through the
//     fs.FS view, and that view lists exactly the directories, links and
//     kept files of Walk;
//   - a whiteout's target is gone unless an entry of the same or a later
//     layer names it or something below it; after an opaque marker, what
//     is below its directory was named (or had something below it named)
//     by an entry of the same or a later layer;
//   - the spill folder holds at most a record per layer and a file per
//     kept file, and Close empties it.
func FuzzApply(f *testing.F) {
	f.Add([]byte("\x05fetc/os-release\tID=alpine\nf../../evil\tx\n-\nletc\t/\n"))
	f.Add([]byte("\x01lusr/bin/X11\t.\nla\tb\nlb\ta\n-\nfa/x\ty\n"))
	f.Add([]byte("\x05hh\t../../etc/shadow\nhs\ts\nfk\tsecret contents\nhk2\tk\n-\ndh/\n"))
	f.Add([]byte("\x01dlib/apk/\nflib/apk/db/installed\tP:musl V:1.2.5-r0\n-\nllib/apk\t/tmp\n"))
	f.Add([]byte("\x01fx\t1\nfx\t2\ndx\n-\nf.wh.x\t\nfd/.wh..wh..opq\t\n"))
	f.Add([]byte("\x05Fbig\t0123456789\nfsmall\t12345678901234567\n-\nxbin/tool\t#!/bin/sh\n"))
	f.Add([]byte("\x06fk/a\tkept\nfb\tnot kept\nxbin/run\tELF\n-\nfk/.wh.a\t\n"))
	f.Add([]byte("\x05dd/\ndd/p/\nfd/p/old\told\n-\nfd/p/q\tnew\nfd/.wh..wh..opq\t\n"))
	f.Add([]byte("\x1dfa\tbody\nfb\tsecond body\n")) // spill, and a cut of 3×29 bytes
	f.Add([]byte("\x01fa\t1\nc/dev/null\npfifo\n" + strings.Repeat("fn\t\n", fuzzMaxEntries+2)))
	dir := testutil.Shared(f, "fixtures", "images")
	for _, name := range []string{"gcr-whiteout_image.tar", "gcr-whiteout_dir.tar", "gcr-overwritten_file.tar"} {
		f.Add(describe(f, filepath.Join(dir, "docker-archive", name)))
	}
	trivy, err := os.Open(filepath.Join(dir, "layer", "trivy-opaque-whiteout-layer.tar"))
	if err != nil {
		f.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("\x05detc/\nfetc/hostname\th\nffoo/foo\tx\nffoo/bar\ty\n-\n")
	describeTar(f, &b, trivy)
	trivy.Close()
	f.Add([]byte(b.String()))

	spillDir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		watchdog := time.AfterFunc(10*time.Second, func() { panic("applying layers hung") })
		defer watchdog.Stop()
		flags, layers := parseLayers(data)
		wants := func(name string) bool { return flags&1 != 0 || strings.Contains(name, "k") }
		var fileWants layer.FileWants
		if flags&2 != 0 {
			fileWants = func(_ string, mode fs.FileMode, _ int64) bool { return mode&0o111 != 0 }
		}
		cut := int(flags>>3) * 29

		limits := fuzzLimits
		if flags&4 != 0 {
			// One folder for every run: each run must leave it empty.
			limits.SpillDir = spillDir
		}
		tree := layer.NewTree(limits)
		defer tree.Close()
		bodies := map[string]bool{}
		var applied [][]fuzzEntry
		for i, entries := range layers {
			stream, written := writeLayer(t, entries)
			for _, e := range written {
				if e.typ == tar.TypeReg {
					bodies[e.body] = true
				}
			}
			mayFail := len(written) > fuzzMaxEntries || int64(len(stream)) > limits.MaxLayerBytes
			cutHere := i == len(layers)-1 && cut > 0
			if cutHere {
				// A cut at a block boundary reads as a shorter layer.
				stream = stream[:max(len(stream)-cut, 0)]
			}
			res, err := tree.ApplyFiles(context.Background(), i, bytes.NewReader(stream), wants, fileWants)
			if err != nil && !mayFail && !cutHere {
				t.Fatalf("layer %d: %v", i, err)
			}
			if err == nil && !cutHere && res.Entries != len(written) {
				t.Fatalf("layer %d: %d entries read, %d written", i, res.Entries, len(written))
			}
			n := min(res.Entries, len(written), fuzzMaxEntries)
			applied = append(applied, written[:n])
		}
		for i := range applied {
			for j := range applied[i] {
				e := &applied[i][j]
				clean, err := layer.CleanName(e.name)
				if err != nil || len(e.name) > limits.MaxPathLen {
					e.bad = true
					continue
				}
				e.clean = clean
				dir, base := path.Split(clean)
				dir = strings.TrimSuffix(dir, "/")
				switch {
				case base == ".wh..wh..opq":
					e.opaque, e.isOpaque = dir, true
				case strings.HasPrefix(base, ".wh."):
					e.whiteout = path.Join(dir, strings.TrimPrefix(base, ".wh."))
				}
			}
		}

		nodes := map[string]layer.Kind{}
		inView := map[string]bool{} // what the fs.FS view must list
		captured := 0
		tree.Walk(func(name string, kind layer.Kind, link string, kept bool) {
			if _, dup := nodes[name]; dup {
				t.Fatalf("%q walked twice", name)
			}
			nodes[name] = kind
			// io/fs paths are UTF-8: a node below a directory whose path
			// is not cannot be listed (the walk records such names as
			// problems, see internal/hostile TestOddNames).
			inView[name] = (kind != layer.KindFile || kept) && utf8.ValidString(path.Dir(name))
			if clean, err := layer.CleanName(name); err != nil || clean != name || !inRoot(name) {
				t.Fatalf("node at %q (cleaned %q, %v)", name, clean, err)
			}
			if l := tree.EntryLayer(name); l < 0 || l >= len(layers) {
				t.Fatalf("%q: layer %d of %d", name, l, len(layers))
			}
			_ = tree.Unreadable(name)
			switch {
			case kept && kind != layer.KindFile:
				t.Fatalf("%q: kept but of kind %d", name, kind)
			case kept:
				captured++
				if !utf8.ValidString(name) {
					break
				}
				got, err := tree.ReadFile(name)
				if err != nil || !bodies[string(got)] || int64(len(got)) > limits.MaxFileSize {
					t.Fatalf("%q reads %q, %v: not the body of an entry", name, got, err)
				}
			case kind != layer.KindDir && kind != layer.KindFile && kind != layer.KindSymlink:
				t.Fatalf("%q: kind %d", name, kind)
			}
		})
		listed := map[string]bool{}
		err := fs.WalkDir(tree, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil && !utf8.ValidString(p) {
				return fs.SkipDir
			}
			if err != nil {
				return err
			}
			if p != "." {
				listed[p] = true
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walking the fs.FS view: %v", err)
		}
		for name, want := range inView {
			if listed[name] != want {
				t.Fatalf("%q (kind %d): listed by the fs.FS view %v, want %v", name, nodes[name], listed[name], want)
			}
		}
		for p := range listed {
			if !inView[p] {
				t.Fatalf("%q is in the fs.FS view but not among Walk's directories, links and kept files", p)
			}
		}

		// Whiteouts and opaque markers: what survives must be explained.
		named := func(p string, from int) bool {
			for _, entries := range applied[from:] {
				for _, e := range entries {
					if !e.bad && under(e.clean, p) {
						return true
					}
				}
			}
			return false
		}
		for i, entries := range applied {
			for _, e := range entries {
				if e.bad {
					continue
				}
				if e.whiteout != "" {
					if _, ok := nodes[e.whiteout]; ok && !named(e.whiteout, i) {
						t.Fatalf("%q survives its whiteout in layer %d", e.whiteout, i)
					}
				}
				if e.isOpaque {
					for p := range nodes {
						if p != e.opaque && under(p, e.opaque) && !named(p, i) {
							t.Fatalf("%q survives the opaque marker of %q in layer %d", p, e.opaque, i)
						}
					}
				}
			}
		}

		// Layer records (one per layer read) and spilled files (each
		// belonging to a kept node) all go with Close.
		if limits.SpillDir == "" {
			return
		}
		spilled, err := os.ReadDir(limits.SpillDir)
		if err != nil {
			t.Fatal(err)
		}
		records := 0
		for _, e := range spilled {
			if strings.HasSuffix(e.Name(), ".rec") {
				records++
			}
		}
		if records > len(layers) || len(spilled)-records > captured {
			t.Fatalf("%d records for %d layers, %d other files for %d kept files: %v", records, len(layers), len(spilled)-records, captured, spilled)
		}
		tree.Close()
		tree.Close()
		if spilled, _ := os.ReadDir(limits.SpillDir); len(spilled) != 0 {
			t.Fatalf("%d spilled files left after Close", len(spilled))
		}
	})
}
