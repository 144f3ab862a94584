package match

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lading-dev/lading/advisory"
)

// recordReader serves only Vulnerability, for building records.
type recordReader map[string][]string

func (r recordReader) Affected(context.Context, string, string) ([]advisory.Affected, error) {
	return nil, nil
}

func (r recordReader) Vulnerability(_ context.Context, id string) (*advisory.Vulnerability, error) {
	aliases, ok := r[id]
	if !ok {
		return nil, nil
	}
	return &advisory.Vulnerability{ID: id, Aliases: aliases}, nil
}

func (r recordReader) Metadata(context.Context) (*advisory.Metadata, error) { return nil, nil }

// The IDs and their CVEs are real (DSA/list: DSA-4539-1 names CVE-2019-1547
// and CVE-2019-1563; usn-subset.zip: USN-4376-1 names four CVEs through
// UBUNTU-CVE-* upstream IDs; USN-5089-1 names none; secdb: gnutls keys such
// as "CVE-2020-11501 GNUTLS-SA-2020-03-31"). Mixing feeds of different
// distributions in one case only exercises the grouping.
func TestGroupHits(t *testing.T) {
	tests := []struct {
		name    string
		records recordReader
		hits    []string // record IDs, in hit order
		want    []string // "id: names" per group
	}{
		{
			name:    "no CVE stands alone",
			records: recordReader{"USN-5089-1": nil},
			hits:    []string{"USN-5089-1"},
			want:    []string{"USN-5089-1: USN-5089-1"},
		},
		{
			name: "record without CVE joins by a shared name",
			records: recordReader{
				"CVE-2019-1547": {"DSA-4539-1"},
				"DSA-4539-1":    nil,
			},
			hits: []string{"DSA-4539-1", "CVE-2019-1547"},
			want: []string{"CVE-2019-1547: CVE-2019-1547,DSA-4539-1"},
		},
		{
			name: "bundle folded into the earlier bundle's finding once",
			records: recordReader{
				"USN-4376-1": {"UBUNTU-CVE-2019-1547", "UBUNTU-CVE-2019-1549", "UBUNTU-CVE-2019-1551", "UBUNTU-CVE-2019-1563"},
				"DSA-4539-1": {"CVE-2019-1547", "CVE-2019-1563"},
			},
			hits: []string{"USN-4376-1", "DSA-4539-1"},
			// DSA-4539-1 < USN-4376-1, so the DSA stands and the USN folds in
			// for 1547 and 1563 and keeps 1549 and 1551.
			want: []string{
				"DSA-4539-1: CVE-2019-1547,CVE-2019-1563,DSA-4539-1,UBUNTU-CVE-2019-1547,UBUNTU-CVE-2019-1563,USN-4376-1",
				"USN-4376-1: CVE-2019-1549,CVE-2019-1551,UBUNTU-CVE-2019-1549,UBUNTU-CVE-2019-1551,USN-4376-1",
			},
		},
		{
			name:    "name holding a space",
			records: recordReader{"CVE-2020-11501 GNUTLS-SA-2020-03-31": nil},
			hits:    []string{"CVE-2020-11501 GNUTLS-SA-2020-03-31"},
			want:    []string{"CVE-2020-11501: CVE-2020-11501,GNUTLS-SA-2020-03-31"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &matcher{r: tt.records, records: map[string]*record{}}
			var hits []hit
			for _, id := range tt.hits {
				rec, err := m.record(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				hits = append(hits, hit{rec: rec, verdict: &verdict{status: advisory.StatusAffected}})
			}
			var got []string
			for _, g := range groupHits(hits) {
				names := slices.Clone(g.names)
				slices.Sort(names)
				got = append(got, fmt.Sprintf("%s: %s", g.id, strings.Join(names, ",")))
				if len(g.hits) != len(g.recs) {
					t.Errorf("group %s has %d hits from %d records, want one each", g.id, len(g.hits), len(g.recs))
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
