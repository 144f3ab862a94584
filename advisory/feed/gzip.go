package feed

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
)

// OpenMaybeGzip opens the file at path for reading and, when its content
// starts with the gzip magic bytes, decompresses it as it is read, so
// "nvdcve-1.1-2018.json.gz" and an already unpacked copy read alike.
func OpenMaybeGzip(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := MaybeGzip(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &fileReader{Reader: r, f: f}, nil
}

// MaybeGzip returns a reader that decompresses r when r starts with the
// gzip magic bytes, and r itself (buffered) otherwise.
func MaybeGzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return bufio.NewReaderSize(zr, 1<<16), nil
	}
	return br, nil
}

type fileReader struct {
	io.Reader
	f *os.File
}

func (r *fileReader) Close() error { return r.f.Close() }
