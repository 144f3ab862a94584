// Package build turns advisory feed files into a lading advisory
// database: it walks the inputs, detects each file's format, parses it
// with the matching advisory/feed parser and writes everything into a
// new SQLite file (advisory/store) that replaces the old one atomically.
package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/advisory/feed/alpine"
	"github.com/lading-dev/lading/advisory/feed/debian"
	"github.com/lading-dev/lading/advisory/feed/osv"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/internal/scratch"
)

// Options tunes Build.
type Options struct {
	// Log receives one progress line per file; nil means silent.
	Log io.Writer
	// Progress, when set, is told before each input file is read, and
	// once more when all of them are (see Progress).
	Progress func(Progress)
	// Now gives the build time; nil means time.Now.
	Now func() time.Time
	// Origins maps an input file path (as walked) to where it came from,
	// recorded in SourceInfo.Location and Fetched instead of the path.
	// package update fills it with the download URLs.
	Origins map[string]Origin
	// Strict turns a file in an unsupported or unrecognised format into an
	// error instead of a skip; package update sets it, since everything it
	// downloads must be readable.
	Strict bool
}

// Progress reports how a build advances through its input files.
type Progress struct {
	// File is the input file about to be read; Index (from 0) and Count
	// place it among the inputs. The last event, once every file is read
	// and the database is being finished, has File "" and Index Count.
	File         string
	Index, Count int
	// Done counts the bytes of the input files read before File, Total
	// those of all of them.
	Done, Total int64
}

// Origin is where a downloaded input came from.
type Origin struct {
	URL     string
	Fetched time.Time
}

// SkippedFile is an input file Build did not read, with the reason.
type SkippedFile struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Report is what BuildReport did.
type Report struct {
	Metadata *advisory.Metadata `json:"metadata"`
	// Files lists the files read, in order, with their formats.
	Files []ReadFile `json:"files"`
	// Skipped lists the files not read (unsupported or unrecognised).
	Skipped []SkippedFile `json:"skipped"`
	// Store counts what was written (statements, duplicates dropped).
	Store store.WriteStats `json:"store"`
	// Duration is the wall time of the whole build.
	Duration time.Duration `json:"duration"`
	// Size is the size of the database file written.
	Size int64 `json:"size"`
}

// ReadFile is one input file that was read.
type ReadFile struct {
	Path   string              `json:"path"`
	Format Format              `json:"format"`
	Source string              `json:"source"`
	Stats  feed.Stats          `json:"stats"`
	Info   advisory.SourceInfo `json:"info"`
}

// Build reads every file under inputs (files or directories, walked
// recursively in lexical order) and writes a new database to dbPath. The
// database is written to a temporary file in dbPath's directory, synced,
// and renamed over dbPath, so a failure leaves any previous database
// untouched. Files in formats Build does not read are skipped and
// logged; a file in a supported format that cannot be parsed fails the
// build with an error naming it.
func Build(ctx context.Context, dbPath string, inputs []string, opts Options) (*advisory.Metadata, error) {
	r, err := BuildReport(ctx, dbPath, inputs, opts)
	if err != nil {
		return nil, err
	}
	return r.Metadata, nil
}

// BuildReport is Build returning the full Report.
func BuildReport(ctx context.Context, dbPath string, inputs []string, opts Options) (*Report, error) {
	start := time.Now()
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	files, err := walk(ctx, inputs)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(dbPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	// A build killed part way leaves its directory behind; remove those
	// (older than this process, and no longer locked by their builder).
	scratch.CleanStale(dir, ".lading-db-build-*")
	tmpDir, lock, err := scratch.MkdirTemp(dir, ".lading-db-build-")
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	defer lock.Release()
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, "advisory.db")
	w, err := store.Create(tmp)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	rep := &Report{}
	if err := ingestAll(ctx, w, files, opts, rep); err != nil {
		w.Abort()
		return nil, err
	}
	if len(rep.Files) == 0 {
		// An empty or mistyped input must not replace a good database
		// with an empty one.
		w.Abort()
		return nil, fmt.Errorf("build: no feed file found in %s (%d files skipped); the database was not replaced", strings.Join(inputs, ", "), len(rep.Skipped))
	}
	meta, err := w.Finish(ctx, now())
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	rep.Metadata = meta
	rep.Store = w.Stats()
	if err := syncFile(tmp); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return nil, fmt.Errorf("build: replacing %s: %w", dbPath, err)
	}
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if fi, err := os.Stat(dbPath); err == nil {
		rep.Size = fi.Size()
	}
	rep.Duration = time.Since(start)
	logf(opts.Log, "wrote %s: %d records, %d statements (%d duplicate statements dropped), %d bytes, in %s\n",
		dbPath, rep.Store.Entries, rep.Store.Statements, rep.Store.Duplicates, rep.Size, rep.Duration.Round(time.Millisecond))
	return rep, nil
}

func ingestAll(ctx context.Context, w *store.Writer, files []string, opts Options, rep *Report) error {
	var sizes []int64
	var total, done int64
	if opts.Progress != nil {
		sizes = make([]int64, len(files))
		for i, p := range files {
			if fi, err := os.Stat(p); err == nil {
				sizes[i] = fi.Size()
				total += sizes[i]
			}
		}
	}
	for i, p := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if opts.Progress != nil {
			opts.Progress(Progress{File: p, Index: i, Count: len(files), Done: done, Total: total})
			done += sizes[i]
		}
		format, err := Detect(p)
		var unsupported errUnsupported
		if errors.As(err, &unsupported) && opts.Strict {
			return fmt.Errorf("build: %s: %s", p, unsupported.reason)
		}
		if errors.As(err, &unsupported) {
			rep.Skipped = append(rep.Skipped, SkippedFile{Path: p, Reason: unsupported.reason})
			logf(opts.Log, "skip %s: %s\n", p, unsupported.reason)
			continue
		}
		if err != nil {
			return fmt.Errorf("build: %w", err)
		}
		rf, err := ingest(ctx, w, p, format, opts)
		if err != nil {
			return fmt.Errorf("build: %w", err)
		}
		rep.Files = append(rep.Files, rf)
		w.AddSource(rf.Info)
		logf(opts.Log, "read %s (%s): %d records, %d statements, %d skipped\n",
			p, format, rf.Stats.Records, rf.Stats.Statements, rf.Stats.Skipped)
	}
	if opts.Progress != nil {
		opts.Progress(Progress{Index: len(files), Count: len(files), Done: done, Total: total})
	}
	return nil
}

// ingest parses one file into w.
func ingest(ctx context.Context, w *store.Writer, p string, format Format, opts Options) (ReadFile, error) {
	rf := ReadFile{Path: p, Format: format}
	sum, err := sha256File(p)
	if err != nil {
		return rf, err
	}
	sink := func(e feed.Entry) error { return w.Add(ctx, e) }
	var stats feed.Stats
	switch format {
	case FormatPyPAArchive, FormatRustSecArchive, FormatRubySecArchive, FormatFriendsOfPHPArchive:
		rf.Source, stats, err = ingestNative(ctx, p, format, sink)
	case FormatOSVZip:
		rf.Source = osv.Source
		stats, err = osv.ReadZipFile(ctx, p, sink)
	case FormatOSVRecord:
		rf.Source = osv.Source
		stats, err = osv.ReadRecordFile(ctx, p, sink)
	case FormatAlpineSecdb:
		rf.Source = alpine.Source
		stats, err = alpine.ReadFile(ctx, p, sink)
	case FormatDebianTracker:
		rf.Source = debian.SourceTracker
		stats, err = debian.ReadTrackerFile(ctx, p, sink)
	case FormatDebianDSA, FormatDebianDLA:
		rf.Source = debian.SourceDSA
		if format == FormatDebianDLA {
			rf.Source = debian.SourceDLA
		}
		stats, err = debian.ReadListFile(ctx, p, sink)
	case FormatRedHatVEX, FormatRedHatVEXArchive, FormatAmazonUpdateinfo, FormatSUSEOVAL, FormatAzureLinuxOVAL, FormatUbuntuNotices:
		rf.Source, stats, err = ingestDistro(ctx, p, format, sink)
	case FormatNVDJSON, FormatKEVJSON, FormatKEVCSV, FormatEPSSCSV:
		rf.Source, stats, err = ingestEnrichment(ctx, w, p, format)
	default:
		return rf, fmt.Errorf("%s: no reader for format %q", p, format)
	}
	if err != nil {
		return rf, err
	}
	rf.Stats = stats
	info := advisory.SourceInfo{
		Name: rf.Source, Location: p, Records: stats.Records, Skipped: stats.Skipped,
		SHA256: sum, SkipNotes: stats.SkipNotes,
	}
	if fi, err := os.Stat(p); err == nil {
		info.Fetched = fi.ModTime().UTC()
	}
	if o, ok := opts.Origins[p]; ok {
		info.Location, info.Fetched = o.URL, o.Fetched
	}
	rf.Info = info
	return rf, nil
}

// walk expands inputs into a sorted list of regular files.
func walk(ctx context.Context, inputs []string) ([]string, error) {
	if len(inputs) == 0 {
		return nil, errors.New("build: no input given")
	}
	var files []string
	for _, in := range inputs {
		fi, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("build: input: %w", err)
		}
		if !fi.IsDir() {
			files = append(files, in)
			continue
		}
		var found []string
		err = filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.Type().IsRegular() {
				found = append(found, p)
			} else if d.Type()&fs.ModeSymlink != 0 {
				if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
					found = append(found, p)
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("build: walking %s: %w", in, err)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

func sha256File(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func syncFile(p string) error {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("syncing %s: %w", p, err)
	}
	return f.Close()
}

// syncDir makes the rename durable; platforms that cannot sync a
// directory are tolerated.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	_ = d.Sync() // best effort: not every file system syncs directories
	return nil
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}
