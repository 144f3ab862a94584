package debian

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// MaxLineLength bounds one line of a DSA/DLA list (1 MiB).
const MaxLineLength = 1 << 20

var (
	// [29 Mar 2023] DSA-5380-1 xorg-server - security update
	headerRE = regexp.MustCompile(`^\[(\d{1,2} [A-Za-z]{3} \d{4})\]\s+((?:DSA|DLA)-\d+(?:-\d+)?)\s*(.*)$`)
	// [bullseye] - xorg-server 2:1.20.11-1+deb11u6
	releaseRE = regexp.MustCompile(`^\[([^\]\s]+)\]\s+-\s+(\S+)\s*(.*)$`)
	cveRE     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*-[0-9][A-Za-z0-9-]*$`)
)

// ListSource returns SourceDSA or SourceDLA for a list whose first
// advisory id is id.
func ListSource(id string) string {
	if strings.HasPrefix(id, "DLA-") {
		return SourceDLA
	}
	return SourceDSA
}

// ReadListFile reads a DSA or DLA list at path. See ReadList.
func ReadListFile(ctx context.Context, path string, sink feed.Sink) (feed.Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return feed.Stats{}, fmt.Errorf("debian list: %w", err)
	}
	defer f.Close()
	stats, err := ReadList(ctx, f, sink)
	if err != nil {
		return stats, fmt.Errorf("debian list: %s: %w", path, err)
	}
	return stats, nil
}

// ReadList parses the security tracker's DSA/DLA list format: a header
// line "[DD Mon YYYY] DSA-NNNN-N package - description", then indented
// (tab or spaces) lines: "{CVE-… CVE-…}", "[release] - srcpkg version",
// "[release] - srcpkg <not-affected> (reason)" and similar, and "NOTE:"
// lines. Each advisory becomes one Entry (Source "debian-dsa" or
// "debian-dla", Aliases = its CVEs) with one statement per release line.
// Lines it does not understand are counted as skipped with the reason;
// only a read error or a file with no advisory at all is an error.
func ReadList(ctx context.Context, r io.Reader, sink feed.Sink) (feed.Stats, error) {
	var stats feed.Stats
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLineLength)
	var cur *feed.Entry
	flush := func() error {
		if cur == nil {
			return nil
		}
		e := *cur
		cur = nil
		return stats.Emit(sink, e)
	}
	lineNo := 0
	for sc.Scan() {
		lineNo++
		if lineNo%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return stats, err
			}
		}
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		if m := headerRE.FindStringSubmatch(line); m != nil && !startsIndented(raw) {
			if err := flush(); err != nil {
				return stats, err
			}
			cur = newListEntry(m[1], m[2], m[3])
			continue
		}
		if cur == nil {
			stats.Skip(fmt.Sprintf("line %d: outside any advisory: %q", lineNo, clip(line)))
			continue
		}
		switch {
		case strings.HasPrefix(line, "NOTE:"):
			// Free text; nothing to record.
		case strings.HasPrefix(line, "{"):
			addCVEs(cur, line)
		case strings.HasPrefix(line, "["):
			st, reason := releaseStatement(cur, line)
			if reason != "" {
				stats.Skip(fmt.Sprintf("line %d (%s): %s: %q", lineNo, cur.Vuln.ID, reason, clip(line)))
				continue
			}
			cur.Affected = append(cur.Affected, st)
		default:
			stats.Skip(fmt.Sprintf("line %d (%s): unrecognised line: %q", lineNo, cur.Vuln.ID, clip(line)))
		}
	}
	if err := sc.Err(); err != nil {
		return stats, fmt.Errorf("line %d: %w", lineNo+1, err)
	}
	if err := flush(); err != nil {
		return stats, err
	}
	if stats.Records == 0 {
		return stats, fmt.Errorf("no DSA/DLA advisory found")
	}
	return stats, nil
}

func startsIndented(raw string) bool {
	return raw != "" && (raw[0] == ' ' || raw[0] == '\t')
}

func newListEntry(date, id, rest string) *feed.Entry {
	e := &feed.Entry{Vuln: advisory.Vulnerability{ID: id, Source: ListSource(id)}}
	if t, err := time.Parse("2 Jan 2006", date); err == nil {
		e.Vuln.Published = t.UTC()
	}
	rest = strings.TrimSpace(rest)
	if i := strings.Index(rest, " - "); i >= 0 {
		e.Vuln.Summary = strings.TrimSpace(rest[:i]) + ": " + strings.TrimSpace(rest[i+3:])
	} else {
		e.Vuln.Summary = rest
	}
	return e
}

func addCVEs(e *feed.Entry, line string) {
	inner := strings.TrimPrefix(line, "{")
	if i := strings.IndexByte(inner, '}'); i >= 0 {
		inner = inner[:i]
	}
	for _, w := range strings.Fields(inner) {
		if cveRE.MatchString(w) && !contains(e.Vuln.Aliases, w) {
			e.Vuln.Aliases = append(e.Vuln.Aliases, w)
		}
	}
}

// releaseStatement parses "[release] - srcpkg version" and its <tag>
// variants; a non-empty reason means the line was skipped.
func releaseStatement(e *feed.Entry, line string) (advisory.Affected, string) {
	m := releaseRE.FindStringSubmatch(line)
	if m == nil {
		return advisory.Affected{}, "unrecognised release line"
	}
	codename, pkg, rest := m[1], m[2], strings.TrimSpace(m[3])
	major := advisory.DebianRelease(codename)
	if major == "" {
		return advisory.Affected{}, "unknown release code name"
	}
	st := advisory.Affected{
		VulnID: e.Vuln.ID, Namespace: "debian:" + major, Ecosystem: codename,
		Package: pkg, Source: e.Vuln.Source,
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return st, "no version"
	}
	v := fields[0]
	if strings.HasPrefix(v, "<") {
		status, ok := tagStatus[strings.ToLower(v)]
		if !ok {
			return st, "unknown tag " + v
		}
		st.Status = status
		return st, ""
	}
	st.Status = advisory.StatusFixed
	st.Fixed = v
	return st, ""
}

// tagStatus maps the list format's <tag> versions to statuses.
var tagStatus = map[string]advisory.Status{
	"<not-affected>": advisory.StatusNotAffected,
	"<unfixed>":      advisory.StatusAffected,
	"<end-of-life>":  advisory.StatusEndOfLife,
	"<removed>":      advisory.StatusEndOfLife,
	"<no-dsa>":       advisory.StatusAffected,
	"<ignored>":      advisory.StatusWillNotFix,
	"<postponed>":    advisory.StatusPostponed,
	"<undetermined>": advisory.StatusUndetermined,
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
