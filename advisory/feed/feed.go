// Package feed holds what every advisory feed parser shares: the unit a
// parser hands on (an Entry: one vulnerability record with its per-package
// statements) and the per-file tallies (Stats).
package feed

import "github.com/lading-dev/lading/advisory"

// Entry is one parsed advisory record with the statements it makes.
type Entry struct {
	Vuln     advisory.Vulnerability
	Affected []advisory.Affected
	// Scores are the record's severity ratings verbatim (CVSS vectors,
	// Ubuntu priorities), where the feed gives any.
	Scores []advisory.Score
	// Related lists ids the record names as related but not aliases
	// (OSV "related" and "upstream").
	Related []string
}

// Sink receives parsed entries one at a time; returning an error stops the
// parser, which returns that error (wrapped).
type Sink func(Entry) error

// maxSkipNotes caps how many skip reasons Stats keeps verbatim.
const maxSkipNotes = 100

// Stats counts what a parser did with one file.
type Stats struct {
	// Records is the number of advisory records handed to the Sink.
	Records int
	// Statements is the number of Affected statements handed on.
	Statements int
	// Skipped counts records or lines that were not understood.
	Skipped int
	// SkipNotes holds the first reasons for skips (at most 100), each
	// naming the entry or line.
	SkipNotes []string
}

// Skip counts one skipped item and keeps its reason while there is room.
func (s *Stats) Skip(reason string) {
	s.Skipped++
	if len(s.SkipNotes) < maxSkipNotes {
		s.SkipNotes = append(s.SkipNotes, reason)
	} else if len(s.SkipNotes) == maxSkipNotes {
		s.SkipNotes = append(s.SkipNotes, "(further skip reasons omitted)")
	}
}

// Emit hands e to sink and counts it.
func (s *Stats) Emit(sink Sink, e Entry) error {
	s.Records++
	s.Statements += len(e.Affected)
	return sink(e)
}
