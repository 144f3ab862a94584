package friendsofphp

import (
	"testing"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed/ghzip"
)

// FuzzParse: any input either fails to parse or converts into one
// statement whose last range holds the Composer constraints, one per
// branch.
func FuzzParse(f *testing.F) {
	n := 0
	err := ghzip.OpenFile(archive(f), func(a *ghzip.Archive) error {
		for _, e := range a.Entries {
			if !isAdvisory(e.Path) {
				continue
			}
			data, err := e.Read()
			if err != nil {
				return err
			}
			f.Add(data, e.Path)
			if n++; n == 200 {
				break
			}
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, file string) {
		a, err := Parse(data)
		if err != nil {
			return
		}
		e, err := Convert(a, file)
		if err != nil {
			return
		}
		rs := e.Affected[0].Ranges
		last := rs[len(rs)-1]
		if e.Vuln.ID == "" || last.Type != advisory.RangeComposer || len(last.Requirements.Affected) != len(a.Branches) {
			t.Fatalf("entry %+v ranges %+v", e.Vuln, rs)
		}
		if len(rs) != 1 && len(rs) != len(a.Branches)+1 {
			t.Fatalf("%d ranges for %d branches", len(rs), len(a.Branches))
		}
	})
}
