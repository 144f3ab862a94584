package advisory

import (
	"strings"
	"time"
)

// Enrichment is what lading knows about one CVE besides the per-package
// statements: NVD's record (description, CVSS ratings, weaknesses), the
// CISA Known Exploited Vulnerabilities catalogue entry and the EPSS
// score. Each part is nil when no feed read gives it.
type Enrichment struct {
	CVE string `json:"cve"`
	// NVD is the newest NVD record read for the CVE (JSON 1.1 or 2.0
	// feeds; the newer lastModified wins).
	NVD *NVDRecord `json:"nvd,omitempty"`
	// Severity is the headline NVD severity, one of the Severity*
	// constants, taken from HeadlineCVSS(NVD.CVSS); "" when NVD gives no
	// CVSS rating.
	Severity string `json:"severity,omitempty"`
	// KEV is the catalogue entry; nil when the CVE is not in the
	// catalogue.
	KEV *KEVEntry `json:"kev,omitempty"`
	// EPSS is the exploit prediction score; nil when none was read.
	EPSS *EPSSScore `json:"epss,omitempty"`
}

// Description returns NVD's English description, or "".
func (e *Enrichment) Description() string {
	if e == nil || e.NVD == nil {
		return ""
	}
	return e.NVD.Description
}

// InKEV reports whether the CVE is in the KEV catalogue.
func (e *Enrichment) InKEV() bool { return e != nil && e.KEV != nil }

// NVDRecord is one CVE as an NVD JSON feed (1.1 or 2.0) or the CVE API
// 2.0 describes it. Configurations (CPE applicability) are not kept.
type NVDRecord struct {
	CVE string `json:"cve"`
	// Status is the 2.0 vulnStatus verbatim ("Analyzed", "Modified",
	// "Awaiting Analysis", "Rejected", ...); the 1.1 feeds have none, so
	// it is "" for them.
	Status string `json:"status,omitempty"`
	// Rejected is set for vulnStatus "Rejected" (2.0) or an English
	// description starting "** REJECT **" (1.1).
	Rejected    bool      `json:"rejected,omitempty"`
	Published   time.Time `json:"published,omitempty"`
	Modified    time.Time `json:"modified,omitempty"`
	Description string    `json:"description,omitempty"` // the first English description
	// CWEs are the weakness ids ("CWE-79") in feed order, without
	// repeats; NVD's placeholders "NVD-CWE-Other" and "NVD-CWE-noinfo"
	// are left out.
	CWEs []string `json:"cwes,omitempty"`
	// CVSS holds every rating, primary ones first, then by version
	// (4.0, 3.1, 3.0, 2.0), then in feed order.
	CVSS []CVSS `json:"cvss,omitempty"`
}

// CVSS versions as NVD names them.
const (
	CVSSv2  = "2.0"
	CVSSv30 = "3.0"
	CVSSv31 = "3.1"
	CVSSv40 = "4.0"
)

// CVSS is one CVSS rating as NVD publishes it.
type CVSS struct {
	Version   string  `json:"version"` // CVSSv2, CVSSv30, CVSSv31 or CVSSv40
	Vector    string  `json:"vector"`
	BaseScore float64 `json:"base_score"`
	// Severity is the feed's rating word verbatim (CRITICAL, HIGH, MEDIUM,
	// LOW, NONE); for v2 NVD gives it beside cvssData, not inside.
	Severity string `json:"severity,omitempty"`
	// Source is who scored it: "nvd@nist.gov" or a CNA's identifier. The
	// 1.1 feeds carry only NVD's own scores, so Source is "nvd@nist.gov"
	// for them.
	Source string `json:"source,omitempty"`
	// Primary is NVD's type "Primary" (as against "Secondary", a CNA's
	// score shown beside NVD's).
	Primary bool `json:"primary"`
}

// NVDSource is the Source of NVD's own scores.
const NVDSource = "nvd@nist.gov"

// cvssVersionRank orders versions for the headline, best first.
var cvssVersionRank = map[string]int{CVSSv40: 0, CVSSv31: 1, CVSSv30: 2, CVSSv2: 3}

// CVSSLess orders ratings as NVDRecord.CVSS keeps them: primary first,
// then newer versions first. Ties keep their order under a stable sort.
func CVSSLess(a, b CVSS) bool {
	if a.Primary != b.Primary {
		return a.Primary
	}
	ra, oka := cvssVersionRank[a.Version]
	rb, okb := cvssVersionRank[b.Version]
	if !oka {
		ra = len(cvssVersionRank)
	}
	if !okb {
		rb = len(cvssVersionRank)
	}
	return ra < rb
}

// HeadlineCVSS picks the rating that gives the headline NVD severity. The
// rule: the first present of primary v4.0, primary v3.1, primary v3.0,
// primary v2.0; when there is no primary rating, the same order among the
// secondary (CNA) ratings; among equals, the first in feed order. It
// reports false when there is no rating of a known version.
func HeadlineCVSS(ratings []CVSS) (CVSS, bool) {
	best, found := CVSS{}, false
	for _, c := range ratings {
		if _, ok := cvssVersionRank[c.Version]; !ok {
			continue
		}
		if !found || CVSSLess(c, best) {
			best, found = c, true
		}
	}
	return best, found
}

// CVSSSeverity turns a rating into a Severity* constant: the feed's word
// when it gives one (NONE, a 0.0 score, becomes SeverityNegligible),
// otherwise the version's bands applied to the base score (v2: LOW below
// 4.0, MEDIUM below 7.0, else HIGH; v3 and v4: NONE at 0.0, LOW below 4.0,
// MEDIUM below 7.0, HIGH below 9.0, else CRITICAL).
func CVSSSeverity(c CVSS) string {
	switch strings.ToUpper(strings.TrimSpace(c.Severity)) {
	case "CRITICAL":
		return SeverityCritical
	case "HIGH":
		return SeverityHigh
	case "MEDIUM":
		return SeverityMedium
	case "LOW":
		return SeverityLow
	case "NONE":
		return SeverityNegligible
	}
	s := c.BaseScore
	if c.Version == CVSSv2 {
		switch {
		case s < 4.0:
			return SeverityLow
		case s < 7.0:
			return SeverityMedium
		}
		return SeverityHigh
	}
	switch {
	case s <= 0:
		return SeverityNegligible
	case s < 4.0:
		return SeverityLow
	case s < 7.0:
		return SeverityMedium
	case s < 9.0:
		return SeverityHigh
	}
	return SeverityCritical
}

// KEVEntry is one CISA Known Exploited Vulnerabilities catalogue entry,
// with the catalogue's field names. Dates are "YYYY-MM-DD" as published.
type KEVEntry struct {
	CVE               string `json:"cveID"`
	VendorProject     string `json:"vendorProject,omitempty"`
	Product           string `json:"product,omitempty"`
	VulnerabilityName string `json:"vulnerabilityName,omitempty"`
	DateAdded         string `json:"dateAdded,omitempty"`
	ShortDescription  string `json:"shortDescription,omitempty"`
	RequiredAction    string `json:"requiredAction,omitempty"`
	DueDate           string `json:"dueDate,omitempty"`
	// KnownRansomwareCampaignUse is "Known" or "Unknown", verbatim.
	KnownRansomwareCampaignUse string   `json:"knownRansomwareCampaignUse,omitempty"`
	Notes                      string   `json:"notes,omitempty"`
	CWEs                       []string `json:"cwes,omitempty"`
}

// RansomwareUse reports whether CISA marks the CVE as used in ransomware
// campaigns ("Known").
func (k *KEVEntry) RansomwareUse() bool {
	return k != nil && strings.EqualFold(strings.TrimSpace(k.KnownRansomwareCampaignUse), "known")
}

// EPSSScore is one CVE's score from the EPSS daily file.
type EPSSScore struct {
	CVE string `json:"cve"`
	// Score is the probability of exploitation activity in the next 30
	// days, 0–1; Percentile ranks it among all scored CVEs, 0–1.
	Score      float64 `json:"score"`
	Percentile float64 `json:"percentile"`
	// Date is the file's score_date; ModelVersion its model_version
	// ("v2025.03.14"); either is zero when the file has no comment line.
	Date         time.Time `json:"date,omitempty"`
	ModelVersion string    `json:"model_version,omitempty"`
}
