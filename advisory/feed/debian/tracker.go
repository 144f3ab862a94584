// Package debian reads the Debian security tracker's data: the JSON export
// (https://security-tracker.debian.org/tracker/data/json) and the DSA/DLA
// lists of the security-tracker repository (data/DSA/list, data/DLA/list).
package debian

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// Sources named in Vulnerability.Source.
const (
	SourceTracker = "debian-tracker"
	SourceDSA     = "debian-dsa"
	SourceDLA     = "debian-dla"
)

// TrackerEntry is one CVE (or TEMP-) entry of one source package.
type TrackerEntry struct {
	Description string          `json:"description"`
	Scope       string          `json:"scope"`
	DebianBug   json.RawMessage `json:"debianbug"`
	// Releases maps a code name to its status. The real export sometimes
	// writes an empty array instead of an object; that reads as no
	// releases.
	Releases json.RawMessage `json:"releases"`
}

// TrackerRelease is one release's status for an entry.
type TrackerRelease struct {
	Status       string            `json:"status"`
	FixedVersion string            `json:"fixed_version"`
	Urgency      string            `json:"urgency"`
	NoDSA        string            `json:"nodsa"`
	NoDSAReason  string            `json:"nodsa_reason"`
	Repositories map[string]string `json:"repositories"`
}

// ReadTrackerFile reads a tracker JSON document at path. See ReadTracker.
func ReadTrackerFile(ctx context.Context, path string, sink feed.Sink) (feed.Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return feed.Stats{}, fmt.Errorf("debian tracker: %w", err)
	}
	defer f.Close()
	stats, err := ReadTracker(ctx, f, sink)
	if err != nil {
		return stats, fmt.Errorf("debian tracker: %s: %w", path, err)
	}
	return stats, nil
}

// ReadTracker decodes the tracker JSON document from r as a stream: the
// outer object is walked token by token and each source package's object
// is decoded on its own, so the ~50 MB export is never held whole. It
// hands on one Entry per (package, CVE) pair with one statement per known
// release; the store merges entries with the same id. A release code name
// that advisory.DebianRelease does not know, and an entry whose id or
// package name is blank, are counted as skipped.
func ReadTracker(ctx context.Context, r io.Reader, sink feed.Sink) (feed.Stats, error) {
	var stats feed.Stats
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	tok, err := dec.Token()
	if err != nil {
		return stats, fmt.Errorf("invalid tracker JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return stats, fmt.Errorf("invalid tracker JSON: want an object, got %v", tok)
	}
	for dec.More() {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		tok, err := dec.Token()
		if err != nil {
			return stats, fmt.Errorf("invalid tracker JSON: %w", err)
		}
		pkg, ok := tok.(string)
		if !ok {
			return stats, fmt.Errorf("invalid tracker JSON: want a package name, got %v", tok)
		}
		var entries map[string]TrackerEntry
		if err := dec.Decode(&entries); err != nil {
			return stats, fmt.Errorf("invalid tracker JSON in package %q: %w", pkg, err)
		}
		if err := emitPackage(pkg, entries, &stats, sink); err != nil {
			return stats, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return stats, fmt.Errorf("invalid tracker JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return stats, fmt.Errorf("invalid tracker JSON: data after the document")
	}
	return stats, nil
}

func emitPackage(pkg string, entries map[string]TrackerEntry, stats *feed.Stats, sink feed.Sink) error {
	if strings.TrimSpace(pkg) == "" && len(entries) > 0 {
		// Statements must name a package to be looked up by.
		stats.Skip(fmt.Sprintf("package with a blank name: %d entries", len(entries)))
		return nil
	}
	ids := make([]string, 0, len(entries))
	for id := range entries {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		e := entries[id]
		if strings.TrimSpace(id) == "" {
			stats.Skip(fmt.Sprintf("%s: entry with a blank id", pkg))
			continue
		}
		releases, err := decodeReleases(e.Releases)
		if err != nil {
			stats.Skip(fmt.Sprintf("%s %s: releases: %v", pkg, id, err))
			continue
		}
		out := feed.Entry{Vuln: advisory.Vulnerability{
			ID: id, Details: e.Description, Source: SourceTracker,
		}}
		names := make([]string, 0, len(releases))
		for name := range releases {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			st, ok, reason := TrackerStatement(id, pkg, name, releases[name])
			if !ok {
				stats.Skip(fmt.Sprintf("%s %s %s: %s", pkg, id, name, reason))
				continue
			}
			out.Affected = append(out.Affected, st)
		}
		if err := stats.Emit(sink, out); err != nil {
			return err
		}
	}
	return nil
}

func decodeReleases(raw json.RawMessage) (map[string]TrackerRelease, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" || strings.HasPrefix(s, "[") {
		// "releases": [] occurs in the real export for packages no
		// release carries.
		var list []json.RawMessage
		if strings.HasPrefix(s, "[") {
			if err := json.Unmarshal(raw, &list); err != nil {
				return nil, err
			}
			if len(list) > 0 {
				return nil, fmt.Errorf("unexpected non-empty array")
			}
		}
		return nil, nil
	}
	var m map[string]TrackerRelease
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// TrackerStatement converts one release's status. ok is false (with a
// reason) when the code name is unknown or the status unreadable.
//
// Mapping: resolved with fixed_version "0" → not_affected; resolved with
// a version → fixed; open → affected, except urgency "unimportant" →
// unimportant, urgency "end-of-life" → end_of_life, nodsa_reason
// "ignored" → will_not_fix, "postponed" → postponed; undetermined →
// undetermined.
func TrackerStatement(id, pkg, codename string, rel TrackerRelease) (advisory.Affected, bool, string) {
	major := advisory.DebianRelease(codename)
	if major == "" {
		return advisory.Affected{}, false, "unknown release code name"
	}
	st := advisory.Affected{
		VulnID: id, Namespace: "debian:" + major, Ecosystem: codename,
		Package: pkg, Source: SourceTracker, Severity: UrgencySeverity(rel.Urgency),
	}
	urgency := normUrgency(rel.Urgency)
	switch strings.ToLower(strings.TrimSpace(rel.Status)) {
	case "resolved":
		fixed := strings.TrimSpace(rel.FixedVersion)
		switch fixed {
		case "0":
			st.Status = advisory.StatusNotAffected
		case "":
			return st, false, "resolved without fixed_version"
		default:
			st.Status = advisory.StatusFixed
			st.Fixed = fixed
		}
	case "open":
		st.Status = openStatus(urgency, rel.NoDSAReason)
	case "undetermined":
		st.Status = advisory.StatusUndetermined
	default:
		return st, false, fmt.Sprintf("unknown status %q", rel.Status)
	}
	return st, true, ""
}

func openStatus(urgency, nodsaReason string) advisory.Status {
	switch urgency {
	case "unimportant":
		return advisory.StatusUnimportant
	case "end-of-life":
		return advisory.StatusEndOfLife
	}
	switch strings.ToLower(strings.TrimSpace(nodsaReason)) {
	case "ignored":
		return advisory.StatusWillNotFix
	case "postponed":
		return advisory.StatusPostponed
	}
	return advisory.StatusAffected
}

func normUrgency(u string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(u), "*"))
}

// UrgencySeverity maps a tracker urgency to a Severity* constant: high →
// HIGH, medium → MEDIUM, low → LOW, unimportant → NEGLIGIBLE, anything
// else ("not yet assigned", "end-of-life", "") → UNKNOWN. Trailing '*'
// markers ("low**") are ignored.
func UrgencySeverity(u string) string {
	switch normUrgency(u) {
	case "high":
		return advisory.SeverityHigh
	case "medium":
		return advisory.SeverityMedium
	case "low":
		return advisory.SeverityLow
	case "unimportant":
		return advisory.SeverityNegligible
	}
	return advisory.SeverityUnknown
}
