package scan

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// uncompressed opens a layer as a tar stream. Layers whose source stores
// compressed blobs (a registry, an OCI layout) are read as blobs and
// decompressed here with klauspost/compress, about twice as fast as the
// standard library's gzip; the blob reader underneath still checks the
// digest once it has been read to its end, which Close ensures. Other
// sources hand over their tar as it is.
//
// progress, when set, is told the bytes read so far: blob bytes, or tar
// bytes for sources without blobs.
func uncompressed(l v1.Layer, storesBlobs bool, progress func(int64)) (io.ReadCloser, error) {
	if !storesBlobs {
		rc, err := l.Uncompressed()
		if err != nil || progress == nil {
			return rc, err
		}
		return &counted{ReadCloser: rc, progress: progress}, nil
	}
	blob, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	if progress != nil {
		blob = &counted{ReadCloser: blob, progress: progress}
	}
	br := bufio.NewReaderSize(blob, 1<<16)
	magic, _ := br.Peek(4)
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			blob.Close()
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return &decompressed{Reader: zr, blob: blob, raw: br, close: zr.Close}, nil
	case bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			blob.Close()
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return &decompressed{Reader: zr, blob: blob, raw: br, close: func() error { zr.Close(); return nil }}, nil
	}
	return &decompressed{Reader: br, blob: blob, raw: br}, nil
}

// decompressed reads a layer's tar out of its blob. Drain reads both to
// their ends, so that the blob's digest is checked over every byte.
type decompressed struct {
	io.Reader
	blob  io.ReadCloser
	raw   io.Reader
	close func() error
}

// Drain reads what follows the tar end marker, in the decompressed stream
// and then in the blob, and reports any error, a digest mismatch included.
func (d *decompressed) Drain() error {
	if _, err := io.Copy(io.Discard, d.Reader); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, d.raw); err != nil {
		return err
	}
	return nil
}

func (d *decompressed) Close() error {
	var err error
	if d.close != nil {
		err = d.close()
	}
	return errors.Join(err, d.blob.Close())
}

// counted reports the bytes read through it.
type counted struct {
	io.ReadCloser
	n        int64
	progress func(int64)
}

func (c *counted) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n += int64(n)
	c.progress(c.n)
	return n, err
}

func (c *counted) count() int64 { return c.n }

func (d *decompressed) count() int64 {
	if c, ok := d.blob.(*counted); ok {
		return c.n
	}
	return 0
}
