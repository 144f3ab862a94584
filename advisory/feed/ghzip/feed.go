package ghzip

import (
	"context"
	"fmt"

	"github.com/lading-dev/lading/advisory/feed"
)

// Feed is an advisory database kept as one file per advisory in a GitHub
// branch archive (PyPA, RustSec, RubySec, FriendsOfPHP).
type Feed struct {
	// Name prefixes errors ("rubysec").
	Name string
	// Noun names one advisory in errors ("advisory", "record").
	Noun string
	// Missing is the error text for an archive holding none
	// ("no advisory found under gems/ or rubies/").
	Missing string
	// Pick tells whether the entry at path belongs to the feed (false: it
	// is passed over, like README.md) and, when it does but cannot be an
	// advisory, why it is skipped.
	Pick func(path string) (ok bool, skip string)
	// Convert parses one advisory file; an error skips it with the reason.
	Convert func(path string, data []byte, stats *feed.Stats) (feed.Entry, error)
}

// ReadFile reads the archive at p and hands sink one Entry per advisory.
// An advisory that does not parse is counted as skipped with its file
// name; an archive in which none parses, a damaged zip and an entry over
// the size limit are errors naming the file (and entry).
func (f Feed) ReadFile(ctx context.Context, p string, sink feed.Sink) (feed.Stats, error) {
	var stats feed.Stats
	err := OpenFile(p, func(a *Archive) error {
		return a.Walk(ctx, func(e Entry) error {
			ok, skip := f.Pick(e.Path)
			if !ok {
				return nil
			}
			if skip != "" {
				stats.Skip(e.Path + ": " + skip)
				return nil
			}
			data, err := e.Read()
			if err != nil {
				return fmt.Errorf("entry %s: %w", e.Name, err)
			}
			entry, err := f.Convert(e.Path, data, &stats)
			if err != nil {
				stats.Skip(e.Path + ": " + err.Error())
				return nil
			}
			if err := stats.Emit(sink, entry); err != nil {
				return fmt.Errorf("entry %s: %w", e.Name, err)
			}
			return nil
		})
	})
	if err != nil {
		return stats, fmt.Errorf("%s: %s: %w", f.Name, p, err)
	}
	if stats.Records == 0 {
		if stats.Skipped > 0 {
			return stats, fmt.Errorf("%s: %s: no %s parses (first problem: %s)", f.Name, p, f.Noun, stats.SkipNotes[0])
		}
		return stats, fmt.Errorf("%s: %s: %s", f.Name, p, f.Missing)
	}
	return stats, nil
}
