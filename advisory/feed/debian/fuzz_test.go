package debian

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/internal/testutil"
)

// errStop is what the sinks of the second passes return.
var errStop = errors.New("stop")

// collect runs read with a sink that keeps every entry and checks that
// the stats count what the sink saw; a second run whose sink refuses the
// first entry must stop there with the sink's error.
func collect(t *testing.T, read func(feed.Sink) (feed.Stats, error)) ([]feed.Entry, feed.Stats, error) {
	t.Helper()
	var got []feed.Entry
	stats, err := read(func(e feed.Entry) error {
		got = append(got, e)
		return nil
	})
	statements := 0
	for _, e := range got {
		statements += len(e.Affected)
	}
	if stats.Records != len(got) || stats.Statements != statements {
		t.Fatalf("stats %d records, %d statements; the sink saw %d, %d", stats.Records, stats.Statements, len(got), statements)
	}
	if len(got) > 0 {
		s, err := read(func(feed.Entry) error { return errStop })
		if !errors.Is(err, errStop) || s.Records != 1 {
			t.Fatalf("sink error: got %v after %d records", err, s.Records)
		}
	}
	return got, stats, err
}

// checkStatement checks what every statement must satisfy.
func checkStatement(t *testing.T, e feed.Entry, a advisory.Affected) {
	t.Helper()
	major := advisory.DebianRelease(a.Ecosystem)
	if a.VulnID != e.Vuln.ID || a.Source != e.Vuln.Source || major == "" || a.Namespace != "debian:"+major || a.Package == "" {
		t.Fatalf("statement: %+v of %+v", a, e.Vuln)
	}
	if (a.Status == advisory.StatusFixed) != (a.Fixed != "") || a.Status == "" {
		t.Fatalf("status %q with fixed %q", a.Status, a.Fixed)
	}
}

// trackerSeed re-marshals the first n packages (in name order) of a shared
// tracker excerpt.
func trackerSeed(f *testing.F, name string, n int) []byte {
	data, err := os.ReadFile(testutil.Shared(f, "vulndata", "debian", "tracker-json", name))
	if err != nil {
		f.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		f.Fatal(err)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range doc {
			if !yield(k) {
				return
			}
		}
	})
	cut := map[string]json.RawMessage{}
	for _, k := range names[:min(n, len(names))] {
		cut[k] = doc[k]
	}
	out, err := json.Marshal(cut)
	if err != nil {
		f.Fatal(err)
	}
	return out
}

// FuzzReadTracker: any input read as a tracker document either fails or
// was valid JSON; a document that decodes whole as the tracker's shape
// reads without error; every entry has an id and every statement a
// package, a known release and a fixed version exactly when fixed.
func FuzzReadTracker(f *testing.F) {
	f.Add(trackerSeed(f, "google-osv.dev-debian_security_tracker_mock.json", 2))
	f.Add(trackerSeed(f, "anchore-vunnel-debian.json", 2))
	f.Add(trackerSeed(f, "aquasecurity-vuln-list-update-debian.json", 2))
	f.Add([]byte(`{"p":{"CVE-1":{"releases":[]},"CVE-2":{"releases":null},"CVE-3":{"releases":[1]},"TEMP-1":{"debianbug":"x","releases":{
	  "bookworm":{"status":"resolved","fixed_version":"0"},"bullseye":{"status":"resolved","fixed_version":" "},
	  "buster":{"status":"open","urgency":"end-of-life"},"sid":{"status":"Open","urgency":"unimportant"},
	  "trixie":{"status":"open","nodsa_reason":"Postponed"},"narnia":{"status":"open"},"jessie":{"status":"gone"}}}},"q":null} `))
	f.Add([]byte(`{"":{"":{"releases":{"sid":{"status":"undetermined"}}}},"":{}}`))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		got, _, err := collect(t, func(sink feed.Sink) (feed.Stats, error) {
			return ReadTracker(ctx, bytes.NewReader(data), sink)
		})
		if err == nil && !json.Valid(data) {
			t.Fatalf("read without error, but is not valid JSON")
		}
		var whole map[string]map[string]TrackerEntry
		if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(data, &whole) == nil && err != nil {
			t.Fatalf("a valid document fails: %v", err)
		}
		for _, e := range got {
			if strings.TrimSpace(e.Vuln.ID) == "" || e.Vuln.Source != SourceTracker {
				t.Fatalf("entry: %+v", e.Vuln)
			}
			for _, a := range e.Affected {
				checkStatement(t, e, a)
				if a.Severity == "" {
					t.Fatalf("statement without severity: %+v", a)
				}
			}
		}
	})
}

// listSeed is the first n lines of a shared DSA/DLA list.
func listSeed(f *testing.F, n int, elem ...string) []byte {
	file, err := os.Open(testutil.Shared(f, append([]string{"vulndata", "debian"}, elem...)...))
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	var buf bytes.Buffer
	sc := bufio.NewScanner(file)
	for i := 0; i < n && sc.Scan(); i++ {
		buf.Write(sc.Bytes())
		buf.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

var listID = regexp.MustCompile(`^(?:DSA|DLA)-\d+(?:-\d+)?$`)

// FuzzReadList: any input read as a DSA/DLA list either fails or yields at
// least one advisory; every entry has a DSA or DLA id, the source its
// prefix names and distinct CVE-like aliases; every statement passes
// checkStatement; and the same list with CRLF line ends reads the same.
func FuzzReadList(f *testing.F) {
	f.Add(listSeed(f, 60, "security-tracker", "data", "DSA", "list"))
	f.Add(listSeed(f, 60, "security-tracker", "data", "DLA", "list"))
	f.Add(listSeed(f, 200, "tracker-json", "anchore-vunnel-DSA"))
	f.Add([]byte("junk before\n[01 Jan 2024] DSA-9999-1 foo - security update\n\t{CVE-2024-0001 CVE-2024-0001 bogus}\n" +
		"\t[bookworm] - foo 1.0-1\n        [narnia] - foo 1.0-2\n\t[trixie] - foo <weird>\n\t[sid] - foo <Not-Affected> (x)\n" +
		"\t[buster] - foo\n\tgibberish\n\tNOTE: whatever\n  [02 Feb 2024] DLA-1 bar\n[31 Feb 2024] DLA-2-3 baz - x - y\n"))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		read := func(data []byte) func(feed.Sink) (feed.Stats, error) {
			return func(sink feed.Sink) (feed.Stats, error) { return ReadList(ctx, bytes.NewReader(data), sink) }
		}
		got, stats, err := collect(t, read(data))
		if (err == nil) != (stats.Records > 0) {
			t.Fatalf("error %v with %d records", err, stats.Records)
		}
		for _, e := range got {
			if !listID.MatchString(e.Vuln.ID) || e.Vuln.Source != ListSource(e.Vuln.ID) {
				t.Fatalf("entry: %+v", e.Vuln)
			}
			for i, a := range e.Vuln.Aliases {
				if !cveRE.MatchString(a) || slices.Contains(e.Vuln.Aliases[:i], a) {
					t.Fatalf("alias %q in %q", a, e.Vuln.Aliases)
				}
			}
			for _, a := range e.Affected {
				checkStatement(t, e, a)
			}
		}
		if bytes.Contains(data, []byte("\r")) {
			return
		}
		got2, stats2, err2 := collect(t, read(bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))))
		if !reflect.DeepEqual(got, got2) || !reflect.DeepEqual(stats, stats2) || (err == nil) != (err2 == nil) {
			t.Fatalf("CRLF line ends read differently:\n%+v %+v %v\n%+v %+v %v", got, stats, err, got2, stats2, err2)
		}
	})
}
