package hostile_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"testing"
	"time"

	"github.com/lading-dev/lading/layer"
)

// FuzzLayerApply feeds arbitrary bytes, as two layers, to the layer walk
// and then walks and reads the squashed view: whatever the input, there is
// no panic and no hang, and the limits hold. Seeds are the hostile tars of
// this catalogue. A short run: go test -run '^$' -fuzz FuzzLayerApply -fuzztime 20s ./internal/hostile
func FuzzLayerApply(f *testing.F) {
	f.Add(tarBytes(f, file("../../evil", "x"), file("/etc/os-release", alpineRelease)), tarBytes(f, symlink("etc", "/")))
	f.Add(tarBytes(f, symlink("usr/bin/X11", "."), symlink("a", "b"), symlink("b", "a")), tarBytes(f, file("a/x", "y")))
	f.Add(tarBytes(f, hardlink("h", "../../etc/shadow"), hardlink("s", "s")), tarBytes(f, dir("h/")))
	f.Add(tarBytes(f, dir("lib/apk/"), file("lib/apk/db/installed", apkInstalled)), tarBytes(f, symlink("lib/apk", "/tmp")))
	f.Add(tarBytes(f, file("x", "1"), file("x", "2"), dir("x")), tarBytes(f, file(".wh.x", ""), file("d/.wh..wh..opq", "")))
	whole := tarBytes(f, file("big", string(make([]byte, 5000))))
	f.Add(whole[:700], whole)
	f.Fuzz(func(t *testing.T, a, b []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		watchdog := time.AfterFunc(8*time.Second, func() { panic("hung on this input") })
		defer watchdog.Stop()
		tr := layer.NewTree(layer.Limits{MaxLayerBytes: 1 << 20, MaxEntries: 2000, MaxFileSize: 64 << 10, MaxCaptured: 1 << 20})
		defer tr.Close()
		all := func(string) bool { return true }
		for i, data := range [][]byte{a, b} {
			if _, err := tr.Apply(ctx, i, bytes.NewReader(data), all); err != nil {
				break
			}
		}
		n := 0
		fs.WalkDir(tr, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || n > 5000 {
				return fs.SkipDir
			}
			n++
			if d.Type().IsRegular() {
				if f, err := tr.Open(p); err == nil {
					io.Copy(io.Discard, io.LimitReader(f, 1<<20))
					f.Close()
				}
			}
			return nil
		})
		if ctx.Err() != nil {
			t.Fatal("applying and walking took more than 5 s")
		}
	})
}
