package update

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// errNotPublished marks a file the source or mirror does not have (HTTP
// 404 or 410, or a missing file under a file:// mirror).
var errNotPublished = errors.New("not published by this source/mirror")

// fetcher downloads feed files from upstream or from a mirror.
type fetcher struct {
	client  *http.Client
	mirror  *url.URL // nil: upstream
	maxSize int64
	opts    *UpdateOptions
	// index and count place the file being fetched in the plan, for
	// Transfer events; count is 0 outside the plan's loop.
	index, count int
}

// location returns where f is fetched from.
func (g *fetcher) location(f file) string {
	if g.mirror == nil {
		return f.upstream
	}
	if g.mirror.Scheme == "file" {
		return "file://" + filepath.ToSlash(filepath.Join(mirrorDir(g.mirror), filepath.FromSlash(f.rel)))
	}
	base := g.mirror.String()
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + escapePath(f.rel)
}

// mirrorDir is the local directory of a file:// mirror.
func mirrorDir(u *url.URL) string {
	p := u.Path
	if p == "" {
		p = u.Opaque
	}
	return filepath.FromSlash(p)
}

// get downloads f into dest (created with its parents), bounded by the
// size cap and the per-download timeout. It returns errNotPublished
// (wrapped) when the file is absent.
func (g *fetcher) get(ctx context.Context, f file, dest string) (string, error) {
	loc := g.location(f)
	ctx, cancel := context.WithTimeout(ctx, g.opts.timeout())
	defer cancel()
	var body io.ReadCloser
	var declared int64 = -1
	if g.mirror != nil && g.mirror.Scheme == "file" {
		src := filepath.Join(mirrorDir(g.mirror), filepath.FromSlash(f.rel))
		fh, err := os.Open(src)
		if errors.Is(err, os.ErrNotExist) {
			return loc, fmt.Errorf("%s: %w", loc, errNotPublished)
		}
		if err != nil {
			return loc, fmt.Errorf("%s: %w", loc, err)
		}
		if fi, err := fh.Stat(); err == nil {
			if fi.IsDir() {
				fh.Close()
				return loc, fmt.Errorf("%s: is a directory", loc)
			}
			declared = fi.Size()
		}
		body = fh
	} else {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
		if err != nil {
			return loc, fmt.Errorf("%s: %w", loc, err)
		}
		req.Header.Set("User-Agent", "lading-advisory-update")
		resp, err := g.client.Do(req)
		if err != nil {
			return loc, fmt.Errorf("downloading %s: %w", loc, err)
		}
		switch {
		case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
			resp.Body.Close()
			return loc, fmt.Errorf("%s: HTTP %d: %w", loc, resp.StatusCode, errNotPublished)
		case resp.StatusCode != http.StatusOK:
			resp.Body.Close()
			return loc, fmt.Errorf("downloading %s: HTTP %s", loc, resp.Status)
		}
		declared = resp.ContentLength
		body = resp.Body
	}
	defer body.Close()
	if declared > g.maxSize {
		return loc, fmt.Errorf("downloading %s: %d bytes, over the %d-byte limit", loc, declared, g.maxSize)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return loc, err
	}
	out, err := os.Create(dest)
	if err != nil {
		return loc, err
	}
	var src io.Reader = &ctxReader{ctx: ctx, r: io.LimitReader(body, g.maxSize+1)}
	if report := g.opts.Progress; report != nil {
		t := Transfer{Feed: f.feed, File: f.rel, URL: loc, Index: g.index, Count: g.count, Total: declared}
		report(t)
		pr := &progressReader{r: src, t: t, report: report}
		defer pr.done()
		src = pr
	}
	n, err := io.Copy(out, src)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return loc, fmt.Errorf("downloading %s: %w", loc, err)
	case n > g.maxSize:
		return loc, fmt.Errorf("downloading %s: larger than the %d-byte limit", loc, g.maxSize)
	case declared >= 0 && n != declared:
		return loc, fmt.Errorf("downloading %s: truncated: got %d of %d bytes", loc, n, declared)
	}
	return loc, nil
}

// progressReader reports the bytes read through it as Transfer events.
type progressReader struct {
	r      io.Reader
	t      Transfer
	report func(Transfer)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.t.Read += int64(n)
		p.report(p.t)
	}
	return n, err
}

func (p *progressReader) done() {
	p.t.Done = true
	p.report(p.t)
}

// ctxReader stops a copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
