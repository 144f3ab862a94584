package pypa

import (
	"testing"

	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/advisory/feed/ghzip"
)

// FuzzParse: any YAML either fails to parse or converts, with every
// statement marked as source pypa.
func FuzzParse(f *testing.F) {
	n := 0
	err := ghzip.OpenFile(archive(f), func(a *ghzip.Archive) error {
		for _, e := range a.Entries {
			if rec, _ := isRecord(e.Path); !rec {
				continue
			}
			data, err := e.Read()
			if err != nil {
				return err
			}
			f.Add(data)
			if n++; n == 200 {
				break
			}
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("id: X\naffected:\n- package: {name: a, ecosystem: PyPI}\n  ranges: [{type: ECOSYSTEM, events: [{introduced: 0}, {fixed: 2.10}]}]\nref: &r [1]\nx: *r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			return
		}
		var stats feed.Stats
		e := Convert(r, &stats)
		if e.Vuln.ID == "" || e.Vuln.Source != Source {
			t.Fatalf("entry: %+v", e.Vuln)
		}
		for _, a := range e.Affected {
			if a.Source != Source {
				t.Fatalf("statement source %q", a.Source)
			}
		}
	})
}
