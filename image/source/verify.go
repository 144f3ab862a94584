package source

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ErrDigestMismatch marks a blob whose bytes do not hash to its digest.
var ErrDigestMismatch = fmt.Errorf("digest mismatch")

type verifyReader struct {
	rc   io.ReadCloser
	h    hash.Hash
	want v1.Hash
	size int64
	n    int64
}

// verifying wraps rc so that reading it to the end fails unless the bytes
// hash to want and (when size >= 0) number size.
func verifying(rc io.ReadCloser, want v1.Hash, size int64) (io.ReadCloser, error) {
	if want.Algorithm != "sha256" {
		rc.Close()
		return nil, fmt.Errorf("blob %s: unsupported digest algorithm", want)
	}
	return &verifyReader{rc: rc, h: sha256.New(), want: want, size: size}, nil
}

func (v *verifyReader) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if v.size >= 0 && v.n > v.size {
		return n, fmt.Errorf("blob %s: more than the %d bytes its descriptor states", v.want, v.size)
	}
	if err == io.EOF {
		if v.size >= 0 && v.n != v.size {
			return n, fmt.Errorf("blob %s: %d bytes, descriptor states %d: %w", v.want, v.n, v.size, io.ErrUnexpectedEOF)
		}
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want.Hex {
			return n, fmt.Errorf("blob %s: content hashes to sha256:%s: %w", v.want, got, ErrDigestMismatch)
		}
	}
	return n, err
}

func (v *verifyReader) Close() error { return v.rc.Close() }
