package java

import (
	"archive/zip"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// Deflated entries (nested jars above all) are inflated with klauspost's
// flate, about twice as fast as the standard library's; its readers are
// pooled, as archive/zip pools its own.
var flatePool sync.Pool

func newFlateReader(r io.Reader) io.ReadCloser {
	if fr, ok := flatePool.Get().(io.ReadCloser); ok {
		if err := fr.(flate.Resetter).Reset(r, nil); err == nil {
			return &pooledFlate{rc: fr}
		}
	}
	return &pooledFlate{rc: flate.NewReader(r)}
}

type pooledFlate struct{ rc io.ReadCloser }

func (p *pooledFlate) Read(b []byte) (int, error) {
	if p.rc == nil {
		return 0, io.ErrClosedPipe
	}
	return p.rc.Read(b)
}

func (p *pooledFlate) Close() error {
	if p.rc == nil {
		return nil
	}
	err := p.rc.Close()
	flatePool.Put(p.rc)
	p.rc = nil
	return err
}

// fastInflate makes zr inflate its deflated entries with newFlateReader.
func fastInflate(zr *zip.Reader) {
	zr.RegisterDecompressor(zip.Deflate, newFlateReader)
}
