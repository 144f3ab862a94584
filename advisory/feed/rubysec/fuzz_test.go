package rubysec

import (
	"testing"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed/ghzip"
)

// FuzzParse: any input either fails to parse or converts into one
// statement whose last range holds the RubyGems requirements.
func FuzzParse(f *testing.F) {
	n := 0
	err := ghzip.OpenFile(archive(f), func(a *ghzip.Archive) error {
		for _, e := range a.Entries {
			if namespaceFor(e.Path) == "" {
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
		for _, ns := range []string{NamespaceGems, NamespaceEngines} {
			e, err := Convert(a, file, ns)
			if err != nil {
				continue
			}
			rs := e.Affected[0].Ranges
			if e.Vuln.ID == "" || len(rs) == 0 || rs[len(rs)-1].Type != advisory.RangeRubyGems {
				t.Fatalf("entry %+v ranges %+v", e.Vuln, rs)
			}
		}
	})
}

// FuzzRequirement: requirements never panic, and Complement over them
// neither.
func FuzzRequirement(f *testing.F) {
	for _, s := range []string{"~> 5.2.4, >= 5.2.4.3", ">= 6.0.3.1", "< 4.0.0", "!= 1.0", "= 2.2.10", "~> 1.0.0.rc1", ">= 1.8.2-r2"} {
		f.Add(s, "< 1")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		_, _ = Requirement(a)
		_, _ = affectedSet([]string{a}, []string{b})
	})
}
