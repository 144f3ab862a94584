package match

import (
	"testing"

	"github.com/lading-dev/lading/advisory"
)

// Real AlmaLinux 9 openssl-libs fixed versions (vulndata/osv/AlmaLinux:9:
// ALSA-2022:6224, ALSA-2023:0946, ALSA-2023:2523, ALSA-2023:3722,
// ALSA-2024:0310), in ascending rpm order (checked with rpm.vercmp).
const (
	almaA = "1:3.0.1-41.el9_0"
	almaB = "1:3.0.1-47.el9_1"
	almaC = "1:3.0.7-6.el9_2"
	almaD = "1:3.0.7-16.el9_2"
	almaE = "1:3.0.7-25.el9_3"
)

func ecosystem(events ...advisory.Event) advisory.Range {
	return advisory.Range{Type: "ECOSYSTEM", Events: events}
}

func intro(v string) advisory.Event { return advisory.Event{Introduced: v} }
func fix(v string) advisory.Event   { return advisory.Event{Fixed: v} }
func last(v string) advisory.Event  { return advisory.Event{LastAffected: v} }
func limit(v string) advisory.Event { return advisory.Event{Limit: v} }

func TestEvaluate(t *testing.T) {
	// Only the first case is a record's own ranges (ALSA-2024:0310); no
	// distribution record in vulndata uses last_affected, limit, several
	// ranges or several introduced/fixed pairs (grep count 0 in the
	// AlmaLinux and Ubuntu zips), so those cases arrange the real versions
	// above into such ranges.
	tests := []struct {
		name      string
		o         order
		st        advisory.Affected
		installed string
		want      *verdict // nil: not affected
		wantErr   bool
	}{
		{
			name:      "ALSA-2024:0310 below fix",
			o:         rpmOrder,
			st:        advisory.Affected{Status: advisory.StatusFixed, Ranges: []advisory.Range{ecosystem(intro("0"), fix(almaE))}},
			installed: almaD,
			want:      &verdict{advisory.StatusFixed, almaE, almaD + " < " + almaE},
		},
		{
			name:      "ALSA-2024:0310 at fix",
			o:         rpmOrder,
			st:        advisory.Affected{Status: advisory.StatusFixed, Ranges: []advisory.Range{ecosystem(intro("0"), fix(almaE))}},
			installed: almaE,
		},
		{
			// vulndata/osv/Ubuntu/usn-subset.zip USN-4376-1, Ubuntu:18.04:LTS
			// openssl: fixed 1.1.1-1ubuntu2.1~18.04.6, versions end with
			// ~18.04.3, ~18.04.4, ~18.04.5.
			name: "USN-4376-1 range and versions",
			o:    dpkgOrder,
			st: advisory.Affected{Status: advisory.StatusFixed,
				Ranges:   []advisory.Range{ecosystem(intro("0"), fix("1.1.1-1ubuntu2.1~18.04.6"))},
				Versions: []string{"1.1.1-1ubuntu2.1~18.04.3", "1.1.1-1ubuntu2.1~18.04.4", "1.1.1-1ubuntu2.1~18.04.5"}},
			installed: "1.1.1-1ubuntu2.1~18.04.5",
			want: &verdict{advisory.StatusFixed, "1.1.1-1ubuntu2.1~18.04.6",
				"1.1.1-1ubuntu2.1~18.04.5 < 1.1.1-1ubuntu2.1~18.04.6"},
		},
		{
			name:      "below introduced",
			o:         rpmOrder,
			st:        advisory.Affected{Status: advisory.StatusFixed, Ranges: []advisory.Range{ecosystem(intro(almaC), fix(almaE))}},
			installed: almaB,
		},
		{
			name:      "inside introduced..fixed",
			o:         rpmOrder,
			st:        advisory.Affected{Status: advisory.StatusFixed, Ranges: []advisory.Range{ecosystem(intro(almaC), fix(almaE))}},
			installed: almaD,
			want:      &verdict{advisory.StatusFixed, almaE, almaC + " <= " + almaD + " < " + almaE},
		},
		{
			name:      "at last_affected",
			o:         rpmOrder,
			st:        advisory.Affected{Status: advisory.StatusFixed, Ranges: []advisory.Range{ecosystem(intro("0"), last(almaD))}},
			installed: almaD,
			want:      &verdict{advisory.StatusAffected, "", almaD + " <= " + almaD + " (last affected)"},
		},
		{
			name:      "above last_affected",
			o:         rpmOrder,
			st:        advisory.Affected{Status: advisory.StatusFixed, Ranges: []advisory.Range{ecosystem(intro("0"), last(almaD))}},
			installed: almaE,
		},
		{
			name: "second of two ranges",
			o:    rpmOrder,
			st: advisory.Affected{Status: advisory.StatusFixed, Ranges: []advisory.Range{
				ecosystem(intro("0"), fix(almaB)), ecosystem(intro(almaC), fix(almaE))}},
			installed: almaD,
			want:      &verdict{advisory.StatusFixed, almaE, almaC + " <= " + almaD + " < " + almaE},
		},
		{
			name: "between two ranges",
			o:    rpmOrder,
			st: advisory.Affected{Status: advisory.StatusFixed, Ranges: []advisory.Range{
				ecosystem(intro("0"), fix(almaB)), ecosystem(intro(almaC), fix(almaE))}},
			installed: almaB,
		},
		{
			name: "unsorted events, first interval",
			o:    rpmOrder,
			st: advisory.Affected{Status: advisory.StatusFixed, Ranges: []advisory.Range{
				ecosystem(fix(almaE), intro(almaC), fix(almaB), intro("0"))}},
			installed: almaA,
			want:      &verdict{advisory.StatusFixed, almaB, almaA + " < " + almaB},
		},
		{
			name: "unsorted events, between intervals",
			o:    rpmOrder,
			st: advisory.Affected{Status: advisory.StatusFixed, Ranges: []advisory.Range{
				ecosystem(fix(almaE), intro(almaC), fix(almaB), intro("0"))}},
			installed: almaB,
		},
		{
			name:      "below limit",
			o:         rpmOrder,
			st:        advisory.Affected{Status: advisory.StatusAffected, Ranges: []advisory.Range{ecosystem(intro("0"), limit(almaC))}},
			installed: almaB,
			want:      &verdict{advisory.StatusAffected, "", almaB + ": every version affected, no fixed version, below limit " + almaC},
		},
		{
			name:      "at limit",
			o:         rpmOrder,
			st:        advisory.Affected{Status: advisory.StatusAffected, Ranges: []advisory.Range{ecosystem(intro("0"), limit(almaC))}},
			installed: almaC,
		},
		{
			name:      "open range keeps the distribution's status",
			o:         rpmOrder,
			st:        advisory.Affected{Status: advisory.StatusWillNotFix, Ranges: []advisory.Range{ecosystem(intro(almaC))}},
			installed: almaD,
			want:      &verdict{advisory.StatusWillNotFix, "", almaC + " <= " + almaD + ", no fixed version"},
		},
		{
			// The commit is the one USN-4376-1 was read at; GIT ranges are
			// never compared with versions.
			name: "GIT range skipped, versions list decides",
			o:    rpmOrder,
			st: advisory.Affected{Status: advisory.StatusFixed,
				Ranges:   []advisory.Range{{Type: "GIT", Events: []advisory.Event{intro("0"), fix("03f64e4bf926333b961b3c72c3744fd14ba4dcbe")}}},
				Versions: []string{almaC, almaD}},
			installed: almaD,
			want:      &verdict{advisory.StatusAffected, "", almaD + " is listed among the affected versions"},
		},
		{
			name: "not in versions list",
			o:    rpmOrder,
			st: advisory.Affected{Status: advisory.StatusFixed,
				Ranges:   []advisory.Range{{Type: "GIT", Events: []advisory.Event{intro("0")}}},
				Versions: []string{almaC, almaD}},
			installed: almaE,
		},
		{
			name:      "not_affected ignores ranges",
			o:         rpmOrder,
			st:        advisory.Affected{Status: advisory.StatusNotAffected, Ranges: []advisory.Range{ecosystem(intro("0"))}},
			installed: almaD,
		},
		{
			name:      "SEMVER range cannot be compared",
			o:         rpmOrder,
			st:        advisory.Affected{Status: advisory.StatusFixed, Ranges: []advisory.Range{{Type: "SEMVER", Events: []advisory.Event{intro("0"), fix("3.0.8")}}}},
			installed: almaD,
			wantErr:   true,
		},
		{
			name:      "advisory version does not parse",
			o:         rpmOrder,
			st:        advisory.Affected{Status: advisory.StatusFixed, Ranges: []advisory.Range{ecosystem(intro("0"), fix("(none):3.0.7-25.el9_3"))}},
			installed: almaD,
			wantErr:   true,
		},
		{
			name:      "fixed statement without a version",
			o:         apkOrder,
			st:        advisory.Affected{Status: advisory.StatusFixed},
			installed: "1.36.1-r29",
			wantErr:   true,
		},
		{
			name:      "unknown status",
			o:         apkOrder,
			st:        advisory.Affected{Status: "needs-triage"},
			installed: "1.36.1-r29",
			wantErr:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evaluate(tt.o, &tt.st, tt.installed)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			switch {
			case got == nil && tt.want == nil:
			case got == nil || tt.want == nil || *got != *tt.want:
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
