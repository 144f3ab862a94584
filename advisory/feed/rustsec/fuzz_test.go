package rustsec

import (
	"testing"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed/ghzip"
)

// seedRecords adds up to n real advisories from the shared archive.
func seedRecords(f *testing.F, n int) {
	err := ghzip.OpenFile(archive(f), func(a *ghzip.Archive) error {
		for _, e := range a.Entries {
			if namespaceFor(e.Path) == "" {
				continue
			}
			data, err := e.Read()
			if err != nil {
				return err
			}
			f.Add(data)
			if n--; n == 0 {
				break
			}
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
}

// FuzzParse: any input either fails to parse or converts into one
// statement whose last range is the CARGO requirements range.
func FuzzParse(f *testing.F) {
	seedRecords(f, 200)
	f.Add([]byte("```toml\n[advisory]\nid = \"X\"\npackage = \"p\"\n[versions]\npatched = [\"> 1.2.3, <= 2\", \"=0.0.1-a.b+c\", \"^0\", \"~1.2\", \"1.*\"]\nunaffected = [\"<= 0.0.1\"]\n[affected]\nfunctions = { \"p::f\" = [\"*\"] }\n```\n# T\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse(data)
		if err != nil {
			return
		}
		for _, ns := range []string{NamespaceCrates, NamespaceToolchain} {
			e, err := Convert(a, ns)
			if err != nil {
				continue
			}
			if len(e.Affected) != 1 || e.Vuln.ID == "" || e.Affected[0].Namespace != ns {
				t.Fatalf("entry: %+v", e)
			}
			rs := e.Affected[0].Ranges
			if len(rs) == 0 || rs[len(rs)-1].Type != advisory.RangeCargo || rs[len(rs)-1].Requirements == nil {
				t.Fatalf("ranges: %+v", rs)
			}
		}
	})
}

// FuzzRequirement: a requirement either fails or gives an interval whose
// bounds are versions; Complement and Events never panic on it.
func FuzzRequirement(f *testing.F) {
	for _, s := range []string{">= 0.6.14, < 1.0.0", "^0.6.4", "~1", "=1.2.3-alpha.1", "> 0", "<= 1.2", "1.2.*", "*", ">=1.0.0+build"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iv, err := Requirement(s)
		if err != nil {
			return
		}
		_, _ = affectedSet([]string{s}, nil)
		if iv.Lo.Set && iv.Lo.Version == "" || iv.Hi.Set && iv.Hi.Version == "" {
			t.Fatalf("%q: bound without a version: %+v", s, iv)
		}
	})
}
