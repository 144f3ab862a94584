package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// epoch is the one timestamp every entry, the config and the history carry,
// so the same inputs give byte-identical layers.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// layerSpec is one layer of a generated image: a name for the history and
// a function that writes its entries.
type layerSpec struct {
	createdBy string
	write     func(tw *tarWriter) error
}

// layerInfo is what was written for one layer.
type layerInfo struct {
	CreatedBy    string `json:"created_by"`
	Digest       string `json:"digest"`
	Compressed   int64  `json:"compressed_bytes"`
	Uncompressed int64  `json:"uncompressed_bytes"`
	Entries      int64  `json:"entries"`
}

// imageInfo describes a generated OCI layout.
type imageInfo struct {
	Layout       string      `json:"layout"`
	Layers       []layerInfo `json:"layers"`
	Compressed   int64       `json:"compressed_bytes"`
	Uncompressed int64       `json:"uncompressed_bytes"`
	Entries      int64       `json:"entries"`
}

// tarWriter writes entries with normalised headers: fixed times, root
// ownership, no user or group names, sorted where the caller walks a tree.
type tarWriter struct {
	tw      *tar.Writer
	entries int64
	dirs    map[string]bool
}

func (w *tarWriter) header(h *tar.Header) error {
	h.ModTime, h.AccessTime, h.ChangeTime = epoch, time.Time{}, time.Time{}
	h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "", ""
	h.Format = tar.FormatPAX
	h.PAXRecords = nil
	if h.Typeflag == tar.TypeDir {
		w.dirs[strings.TrimSuffix(h.Name, "/")] = true
	}
	w.entries++
	return w.tw.WriteHeader(h)
}

// parents writes the directories above name that this layer has not
// written yet.
func (w *tarWriter) parents(name string) error {
	dir := path.Dir(name)
	if dir == "." || dir == "/" || w.dirs[dir] {
		return nil
	}
	if err := w.parents(dir); err != nil {
		return err
	}
	return w.header(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755})
}

// file writes a regular file, and its parent directories.
func (w *tarWriter) file(name string, mode int64, data []byte) error {
	if err := w.parents(name); err != nil {
		return err
	}
	if err := w.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data))}); err != nil {
		return err
	}
	_, err := w.tw.Write(data)
	return err
}

// copyFile writes the host file src as name.
func (w *tarWriter) copyFile(name, src string, mode int64) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := w.parents(name); err != nil {
		return err
	}
	if err := w.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: st.Size()}); err != nil {
		return err
	}
	_, err = io.Copy(w.tw, f)
	return err
}

// tree writes the host directory src under the name prefix, in name order;
// symbolic links are written as links, anything else but files and
// directories is left out.
func (w *tarWriter) tree(prefix, src string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		name := path.Join(prefix, filepath.ToSlash(rel))
		switch {
		case d.IsDir():
			if err := w.parents(name); err != nil {
				return err
			}
			if w.dirs[name] {
				return nil
			}
			return w.header(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: 0o755})
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := w.parents(name); err != nil {
				return err
			}
			return w.header(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777})
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			if target, ok := linkStandIn(p, info.Size()); ok {
				if err := w.parents(name); err != nil {
					return err
				}
				return w.header(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777})
			}
			mode := int64(0o644)
			if info.Mode()&0o111 != 0 {
				mode = 0o755
			}
			return w.copyFile(name, p, mode)
		}
		return nil
	})
}

// linkStandIn tells a fixture file that stands for a symbolic link (the
// fixtures keep Debian's versioned-jar links, such as byte-buddy-1.12.21.jar,
// as small text files holding the target's name) and returns the target:
// a .jar or .war of at most 255 bytes whose whole content names an
// existing file in the same directory.
func linkStandIn(p string, size int64) (string, bool) {
	if size == 0 || size > 255 || (!strings.HasSuffix(p, ".jar") && !strings.HasSuffix(p, ".war")) {
		return "", false
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", false
	}
	target := string(b)
	if strings.ContainsAny(target, "/\n\x00") {
		return "", false
	}
	if st, err := os.Stat(filepath.Join(filepath.Dir(p), target)); err != nil || !st.Mode().IsRegular() {
		return "", false
	}
	return target, true
}

// retar copies every entry of the tar file src, with normalised times and
// owners; modes, links and contents are kept as they are.
func (w *tarWriter) retar(src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		if err := w.header(h); err != nil {
			return err
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := io.Copy(w.tw, tr); err != nil {
				return err
			}
		}
	}
}

// countWriter counts bytes.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// writeLayer writes one gzip layer blob into the layout, in one pass:
// the tar is hashed (the diff ID) and compressed, and the compressed
// stream hashed (the digest) as it is written.
func writeLayer(dir string, spec layerSpec) (layerInfo, v1.Hash, error) {
	tmp, err := os.CreateTemp(filepath.Join(dir, "blobs", "sha256"), ".layer-*")
	if err != nil {
		return layerInfo{}, v1.Hash{}, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	digest, compressed := sha256.New(), &countWriter{}
	zw, err := gzip.NewWriterLevel(io.MultiWriter(tmp, digest, compressed), gzip.DefaultCompression)
	if err != nil {
		return layerInfo{}, v1.Hash{}, err
	}
	diff, uncompressed := sha256.New(), &countWriter{}
	tw := &tarWriter{tw: tar.NewWriter(io.MultiWriter(zw, diff, uncompressed)), dirs: map[string]bool{}}
	if err := spec.write(tw); err != nil {
		return layerInfo{}, v1.Hash{}, fmt.Errorf("layer %q: %w", spec.createdBy, err)
	}
	if err := tw.tw.Close(); err != nil {
		return layerInfo{}, v1.Hash{}, err
	}
	if err := zw.Close(); err != nil {
		return layerInfo{}, v1.Hash{}, err
	}
	if err := tmp.Close(); err != nil {
		return layerInfo{}, v1.Hash{}, err
	}
	d := sumHash(digest)
	if err := os.Rename(tmp.Name(), filepath.Join(dir, "blobs", "sha256", d.Hex)); err != nil {
		return layerInfo{}, v1.Hash{}, err
	}
	return layerInfo{CreatedBy: spec.createdBy, Digest: d.String(), Compressed: compressed.n,
		Uncompressed: uncompressed.n, Entries: tw.entries}, sumHash(diff), nil
}

func sumHash(h hash.Hash) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
}

// writeImage writes an OCI image layout at dir holding one image made of
// the layers, tagged ref.
func writeImage(dir, ref string, specs []layerSpec, progress func(string, ...any)) (*imageInfo, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return nil, err
	}
	info := &imageInfo{Layout: dir}
	cfg := v1.ConfigFile{
		Architecture: "amd64", OS: "linux", Created: v1.Time{Time: epoch},
		RootFS: v1.RootFS{Type: "layers"},
		Config: v1.Config{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
	}
	man := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1}
	for i, spec := range specs {
		progress("  %s: layer %d/%d, %s", ref, i+1, len(specs), spec.createdBy)
		li, diffID, err := writeLayer(dir, spec)
		if err != nil {
			return nil, err
		}
		d, _ := v1.NewHash(li.Digest)
		man.Layers = append(man.Layers, v1.Descriptor{MediaType: types.OCILayer, Size: li.Compressed, Digest: d})
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, diffID)
		cfg.History = append(cfg.History, v1.History{Created: v1.Time{Time: epoch}, CreatedBy: spec.createdBy, Comment: "lading-bench"})
		info.Layers = append(info.Layers, li)
		info.Compressed += li.Compressed
		info.Uncompressed += li.Uncompressed
		info.Entries += li.Entries
	}
	cfgBytes, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	cfgDesc, err := writeJSONBlob(p, cfgBytes, types.OCIConfigJSON)
	if err != nil {
		return nil, err
	}
	man.Config = cfgDesc
	manBytes, err := json.Marshal(man)
	if err != nil {
		return nil, err
	}
	manDesc, err := writeJSONBlob(p, manBytes, types.OCIManifestSchema1)
	if err != nil {
		return nil, err
	}
	manDesc.Annotations = map[string]string{"org.opencontainers.image.ref.name": ref}
	manDesc.Platform = &v1.Platform{OS: "linux", Architecture: "amd64"}
	if err := p.AppendDescriptor(manDesc); err != nil {
		return nil, err
	}
	return info, nil
}

func writeJSONBlob(p layout.Path, b []byte, mt types.MediaType) (v1.Descriptor, error) {
	h, size, err := v1.SHA256(bytes.NewReader(b))
	if err != nil {
		return v1.Descriptor{}, err
	}
	if err := p.WriteBlob(h, io.NopCloser(bytes.NewReader(b))); err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: mt, Size: size, Digest: h}, nil
}

// largeLayers lists the layers of the large image: the root filesystem
// (the Debian tarball, or a small synthetic Debian-like tree when none is
// given), then the fixtures' npm tree, Python dist-packages and Debian
// jars and wars, each copied repeat times under distinct prefixes, then
// Go binaries (the lading binary under test and, outside short mode, the
// Go toolchain's own commands).
func largeLayers(c *config, ladingBin string) []layerSpec {
	var specs []layerSpec
	if c.debianRootfs != "" {
		specs = append(specs, layerSpec{"debootstrap --variant=minbase bookworm (" + filepath.Base(c.debianRootfs) + ")",
			func(w *tarWriter) error { return w.retar(c.debianRootfs) }})
	} else {
		specs = append(specs, layerSpec{"synthetic Debian-like root filesystem", syntheticRootfs})
	}
	fx := func(elem ...string) string { return filepath.Join(append([]string{c.fixtures}, elem...)...) }
	specs = append(specs,
		layerSpec{fmt.Sprintf("npm tree x%d", c.repeat), func(w *tarWriter) error {
			for i := 0; i < c.repeat; i++ {
				for _, d := range []string{"npm-lockv3-advisories", "trivy-lockfiles"} {
					if err := w.tree(fmt.Sprintf("srv/app%d/%s", i, d), fx("npm", d)); err != nil {
						return err
					}
				}
			}
			return nil
		}},
		layerSpec{fmt.Sprintf("Python dist-packages x%d", c.repeat), func(w *tarWriter) error {
			for i := 0; i < c.repeat; i++ {
				prefix := "usr/lib/python3/dist-packages"
				if i > 0 {
					prefix = fmt.Sprintf("opt/venv%d/lib/python3.11/site-packages", i)
				}
				if err := w.tree(prefix, fx("python", "debian-bookworm-dist-packages")); err != nil {
					return err
				}
			}
			return nil
		}},
		layerSpec{fmt.Sprintf("Debian jars and wars x%d", c.repeat), func(w *tarWriter) error {
			for i := 0; i < c.repeat; i++ {
				for _, d := range []string{"debian-bookworm", "debian-bookworm-tomcat10", "trivy"} {
					if err := w.tree(fmt.Sprintf("opt/java%d/%s", i, d), fx("java", d)); err != nil {
						return err
					}
				}
			}
			return nil
		}},
		layerSpec{"Go binaries", func(w *tarWriter) error {
			if err := w.copyFile("usr/local/bin/lading", ladingBin, 0o755); err != nil {
				return err
			}
			if c.short {
				return nil
			}
			for _, b := range goBinaries() {
				if err := w.copyFile("usr/local/go/"+b.name, b.path, 0o755); err != nil {
					return err
				}
			}
			return nil
		}},
	)
	return specs
}

type hostFile struct{ name, path string }

// goBinaries lists the Go toolchain's commands (bin/ and pkg/tool/), real
// Go binaries with build information, in name order.
func goBinaries() []hostFile {
	root := runtime.GOROOT()
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		root = strings.TrimSpace(string(out))
	}
	var files []hostFile
	for _, dir := range []string{"bin", filepath.Join("pkg", "tool", runtime.GOOS+"_"+runtime.GOARCH)} {
		entries, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				files = append(files, hostFile{filepath.ToSlash(filepath.Join(dir, e.Name())), filepath.Join(root, dir, e.Name())})
			}
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return files
}

// syntheticRootfs writes a small Debian-like root filesystem: an
// os-release, a dpkg status with a few real bookworm packages and their
// file lists, and some filler files.
func syntheticRootfs(w *tarWriter) error {
	if err := w.file("etc/os-release", 0o644, []byte("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n")); err != nil {
		return err
	}
	if err := w.file("etc/debian_version", 0o644, []byte("12.7\n")); err != nil {
		return err
	}
	pkgs := []struct{ name, version, src string }{
		{"base-files", "12.4+deb12u7", ""},
		{"libc6", "2.36-9+deb12u8", "glibc"},
		{"libssl3", "3.0.14-1~deb12u2", "openssl"},
		{"zlib1g", "1:1.2.13.dfsg-1", "zlib"},
		{"tar", "1.34+dfsg-1.2+deb12u1", ""},
	}
	var status strings.Builder
	for _, p := range pkgs {
		fmt.Fprintf(&status, "Package: %s\nStatus: install ok installed\nPriority: required\nSection: libs\nMaintainer: Debian <debian@example.org>\nArchitecture: amd64\nMulti-Arch: same\n", p.name)
		if p.src != "" {
			fmt.Fprintf(&status, "Source: %s\n", p.src)
		}
		fmt.Fprintf(&status, "Version: %s\nDescription: %s\n\n", p.version, p.name)
		if err := w.file("var/lib/dpkg/info/"+p.name+".list", 0o644, []byte("/usr/share/doc/"+p.name+"/copyright\n")); err != nil {
			return err
		}
		if err := w.file("usr/share/doc/"+p.name+"/copyright", 0o644, []byte("synthetic\n")); err != nil {
			return err
		}
	}
	if err := w.file("var/lib/dpkg/status", 0o644, []byte(status.String())); err != nil {
		return err
	}
	for i := 0; i < 500; i++ {
		if err := w.file(fmt.Sprintf("usr/share/filler/%03d/file%d", i/50, i), 0o644, filler(i, 2048)); err != nil {
			return err
		}
	}
	return nil
}

// filler returns n deterministic, moderately compressible bytes.
func filler(seed, n int) []byte {
	b := make([]byte, 0, n)
	x := uint32(seed)*2654435761 + 1
	for len(b) < n {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b = append(b, "abcdefghijklmnopqrstuvwxyz0123456789 \n"[x%38])
	}
	return b
}

// siblingLayer is the sibling image's own top layer: an application's
// configuration, a few KiB.
func siblingLayer() layerSpec {
	return layerSpec{"COPY app.conf /etc/app/", func(w *tarWriter) error {
		for i := 0; i < 20; i++ {
			if err := w.file(fmt.Sprintf("etc/app/conf.d/%02d.conf", i), 0o644, filler(i, 200)); err != nil {
				return err
			}
		}
		return nil
	}}
}

// millionLayers is one layer of n small files, 1,000 to a directory,
// 64 to 319 bytes each, plus an os-release.
func millionLayers(n int) []layerSpec {
	return []layerSpec{{fmt.Sprintf("%d small files", n), func(w *tarWriter) error {
		if err := w.file("etc/os-release", 0o644, []byte("NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n")); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := w.file(fmt.Sprintf("srv/data/d%04d/f%07d.txt", i/1000, i), 0o644, filler(i, 64+i%256)); err != nil {
				return err
			}
		}
		return nil
	}}}
}

// inputKey names everything the generated inputs depend on; a work dir
// whose stamp matches is reused.
func inputKey(parts ...any) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%v\x00", p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// fileKey identifies a host file by path, size and modification time.
func fileKey(p string) string {
	if p == "" {
		return ""
	}
	st, err := os.Stat(p)
	if err != nil {
		return p
	}
	return fmt.Sprintf("%s:%d:%d", p, st.Size(), st.ModTime().UnixNano())
}

// buildImage writes the layout at dir unless a stamp there says it was
// already built from the same key.
func buildImage(dir, ref, key string, specs func() []layerSpec, progress func(string, ...any)) (*imageInfo, error) {
	stamp := filepath.Join(dir, "lading-bench.json")
	if b, err := os.ReadFile(stamp); err == nil {
		var s struct {
			Key  string    `json:"key"`
			Info imageInfo `json:"info"`
		}
		if json.Unmarshal(b, &s) == nil && s.Key == key {
			progress("  %s: reusing %s", ref, dir)
			return &s.Info, nil
		}
	}
	info, err := writeImage(dir, ref, specs(), progress)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(struct {
		Key  string     `json:"key"`
		Info *imageInfo `json:"info"`
	}{key, info}, "", "  ")
	if err != nil {
		return nil, err
	}
	return info, os.WriteFile(stamp, b, 0o644)
}
