package osv

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/lading-dev/lading/advisory/feed"
)

// Limits on an all.zip, to bound memory and time on a hostile or corrupt
// download.
const (
	// MaxEntrySize is the largest uncompressed record accepted (16 MiB).
	MaxEntrySize = 16 << 20
	// MaxEntries is the largest number of entries accepted in one zip.
	MaxEntries = 2_000_000
)

// maxEntries is MaxEntries; tests lower it.
var maxEntries = MaxEntries

// ReadZipFile reads an osv.dev all.zip at path, entry by entry, and hands
// each record to sink. See ReadZip.
func ReadZipFile(ctx context.Context, path string, sink feed.Sink) (feed.Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return feed.Stats{}, fmt.Errorf("osv: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return feed.Stats{}, fmt.Errorf("osv: %s: %w", path, err)
	}
	return ReadZip(ctx, f, fi.Size(), path, sink)
}

// ReadZip reads a zip holding one OSV JSON record per entry. name is used
// in errors. Each entry is decompressed and decoded on its own, so memory
// stays bounded by the largest record. An entry over MaxEntrySize, a zip
// with more than MaxEntries entries, and a damaged zip (bad checksum,
// truncated data) are errors naming the file and entry. An entry that is
// not a .json file, or whose JSON does not decode as an OSV record, is
// counted as skipped with the reason.
func ReadZip(ctx context.Context, r io.ReaderAt, size int64, name string, sink feed.Sink) (feed.Stats, error) {
	var stats feed.Stats
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return stats, fmt.Errorf("osv: %s: reading zip: %w", name, err)
	}
	if len(zr.File) > maxEntries {
		return stats, fmt.Errorf("osv: %s: zip has %d entries, more than the limit of %d", name, len(zr.File), maxEntries)
	}
	for _, zf := range zr.File {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		if zf.FileInfo().IsDir() {
			continue
		}
		if !strings.EqualFold(path.Ext(zf.Name), ".json") {
			stats.Skip(zf.Name + ": not a .json entry")
			continue
		}
		data, err := readEntry(zf)
		if err != nil {
			return stats, fmt.Errorf("osv: %s: entry %s: %w", name, zf.Name, err)
		}
		rec, err := Parse(data)
		if err != nil {
			stats.Skip(zf.Name + ": " + err.Error())
			continue
		}
		if err := stats.Emit(sink, Convert(rec, &stats)); err != nil {
			return stats, fmt.Errorf("osv: %s: entry %s: %w", name, zf.Name, err)
		}
	}
	if stats.Records == 0 && stats.Skipped > 0 {
		return stats, fmt.Errorf("osv: %s: no entry is a valid OSV record (first problem: %s)", name, stats.SkipNotes[0])
	}
	return stats, nil
}

// errTooLarge reports an entry over MaxEntrySize.
var errTooLarge = errors.New("entry larger than the 16 MiB limit")

func readEntry(zf *zip.File) ([]byte, error) {
	if zf.UncompressedSize64 > MaxEntrySize {
		return nil, fmt.Errorf("%w (%d bytes)", errTooLarge, zf.UncompressedSize64)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// The header's size may lie; read at most one byte past the limit.
	data, err := io.ReadAll(io.LimitReader(rc, MaxEntrySize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxEntrySize {
		return nil, errTooLarge
	}
	return data, nil
}

// ReadRecordFile reads a single OSV JSON record file (at most
// MaxEntrySize bytes) and hands it to sink.
func ReadRecordFile(ctx context.Context, path string, sink feed.Sink) (feed.Stats, error) {
	var stats feed.Stats
	if err := ctx.Err(); err != nil {
		return stats, err
	}
	f, err := os.Open(path)
	if err != nil {
		return stats, fmt.Errorf("osv: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxEntrySize+1))
	if err != nil {
		return stats, fmt.Errorf("osv: %s: %w", path, err)
	}
	if len(data) > MaxEntrySize {
		return stats, fmt.Errorf("osv: %s: %w", path, errTooLarge)
	}
	rec, err := Parse(data)
	if err != nil {
		return stats, fmt.Errorf("osv: %s: %w", path, err)
	}
	if err := stats.Emit(sink, Convert(rec, &stats)); err != nil {
		return stats, fmt.Errorf("osv: %s: %w", path, err)
	}
	return stats, nil
}
