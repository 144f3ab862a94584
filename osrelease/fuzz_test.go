package osrelease

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// seedFiles adds every os-release style fixture file as a seed.
func seedFiles(f *testing.F) {
	root := filepath.Join("..", "..", "shared", "fixtures")
	if d := os.Getenv("LADING_SHARED"); d != "" {
		root = filepath.Join(d, "fixtures")
	}
	for _, dir := range []string{"os-release", "alpine/apk-db", "dpkg/ubuntu-20.04-focal-base-armhf", "dpkg/distroless-static-debian11/rootfs-extract"} {
		_ = filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Base(filepath.Dir(p)) == "db" {
				return nil
			}
			if data, err := os.ReadFile(p); err == nil && len(data) < maxFileSize {
				f.Add(data)
			}
			return nil
		})
	}
	f.Add([]byte("ID=\"a\\\"b\"\nVERSION_ID='1\nVERSION=\"x (\"\n"))
}

// FuzzDetect feeds the same bytes to every file Detect reads: no panic, and
// a detected family never carries upper case ASCII.
func FuzzDetect(f *testing.F) {
	seedFiles(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = parse(data)
		for path := range wanted {
			d, err := Detect(fstest.MapFS{path: {Data: data}})
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if d == nil {
				continue
			}
			for i := 0; i < len(d.Family); i++ {
				if c := d.Family[i]; 'A' <= c && c <= 'Z' {
					t.Fatalf("%s: family %q has upper case", path, d.Family)
				}
			}
		}
	})
}
