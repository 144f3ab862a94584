package advisory

import "testing"

func TestHeadlineCVSS(t *testing.T) {
	p := func(v string, score float64, sev string) CVSS {
		return CVSS{Version: v, BaseScore: score, Severity: sev, Source: NVDSource, Primary: true}
	}
	s := func(v string, score float64, sev string) CVSS {
		return CVSS{Version: v, BaseScore: score, Severity: sev, Source: "cna@example.org"}
	}
	for _, c := range []struct {
		name    string
		ratings []CVSS
		want    CVSS
		ok      bool
		sev     string
	}{
		{"none", nil, CVSS{}, false, ""},
		{"primary v4.0 over primary v3.1", []CVSS{p("3.1", 9.8, "CRITICAL"), p("4.0", 8.7, "HIGH")}, p("4.0", 8.7, "HIGH"), true, SeverityHigh},
		{"primary v3.1 over v3.0 and v2", []CVSS{p("2.0", 7.5, "HIGH"), p("3.0", 9.8, "CRITICAL"), p("3.1", 5.3, "MEDIUM")}, p("3.1", 5.3, "MEDIUM"), true, SeverityMedium},
		{"any primary over secondary v4.0", []CVSS{s("4.0", 9.3, "CRITICAL"), p("2.0", 4.3, "MEDIUM")}, p("2.0", 4.3, "MEDIUM"), true, SeverityMedium},
		{"secondary only: v4.0 first", []CVSS{s("3.1", 8.8, "HIGH"), s("4.0", 8.7, "HIGH")}, s("4.0", 8.7, "HIGH"), true, SeverityHigh},
		{"first among equals", []CVSS{p("3.1", 7.5, "HIGH"), p("3.1", 9.8, "CRITICAL")}, p("3.1", 7.5, "HIGH"), true, SeverityHigh},
		{"unknown version ignored", []CVSS{p("5.0", 10, "CRITICAL")}, CVSS{}, false, ""},
		{"word missing: v3 bands", []CVSS{p("3.1", 9.0, "")}, p("3.1", 9.0, ""), true, SeverityCritical},
		{"word missing: v2 bands", []CVSS{p("2.0", 9.3, "")}, p("2.0", 9.3, ""), true, SeverityHigh},
		{"NONE", []CVSS{p("3.1", 0, "NONE")}, p("3.1", 0, "NONE"), true, SeverityNegligible},
	} {
		got, ok := HeadlineCVSS(c.ratings)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: got %+v %v, want %+v %v", c.name, got, ok, c.want, c.ok)
		}
		if ok && CVSSSeverity(got) != c.sev {
			t.Errorf("%s: severity %s, want %s", c.name, CVSSSeverity(got), c.sev)
		}
	}
	for score, want := range map[float64]string{0: SeverityNegligible, 0.1: SeverityLow, 3.9: SeverityLow, 4.0: SeverityMedium,
		6.9: SeverityMedium, 7.0: SeverityHigh, 8.9: SeverityHigh, 9.0: SeverityCritical, 10: SeverityCritical} {
		if got := CVSSSeverity(CVSS{Version: CVSSv40, BaseScore: score}); got != want {
			t.Errorf("v4.0 %.1f: %s, want %s", score, got, want)
		}
	}
}

func TestEnrichmentHelpers(t *testing.T) {
	var e *Enrichment
	if e.Description() != "" || e.InKEV() {
		t.Error("nil enrichment")
	}
	e = &Enrichment{NVD: &NVDRecord{Description: "d"}, KEV: &KEVEntry{KnownRansomwareCampaignUse: " known "}}
	if e.Description() != "d" || !e.InKEV() || !e.KEV.RansomwareUse() {
		t.Errorf("got %+v", e)
	}
	var k *KEVEntry
	if k.RansomwareUse() {
		t.Error("nil KEV entry")
	}
}
