package update

import (
	"strconv"
	"time"
)

// Upstream locations of the enrichment feeds (per-CVE data: NVD records,
// the CISA KEV catalogue, EPSS scores).
const (
	// NVD20Base holds the JSON 2.0 data feeds nvdcve-2.0-<year>.json.gz,
	// nvdcve-2.0-modified.json.gz and nvdcve-2.0-recent.json.gz.
	NVD20Base = "https://nvd.nist.gov/feeds/json/cve/2.0/"
	// NVD11Base held the JSON 1.1 feeds, retired by NVD in December 2023;
	// a mirror may still carry them.
	NVD11Base = "https://nvd.nist.gov/feeds/json/cve/1.1/"
	// KEVURL is CISA's Known Exploited Vulnerabilities catalogue.
	KEVURL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
	// EPSSURL is the current EPSS score file. FIRST's EPSS data is
	// served by Empirical Security (epss.empiricalsecurity.com; the older
	// epss.cyentia.com host redirects there); the URL redirects to the
	// dated file, epss_scores-YYYY-MM-DD.csv.gz.
	EPSSURL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
)

// NVDFirstYear is the first NVD year feed; its file also holds the CVEs
// of 1999–2001.
const NVDFirstYear = 2002

// nvdFeedNames are the NVD feed names for NVDFirstYear … lastYear, then
// "modified" and "recent".
func nvdFeedNames(lastYear int) []string {
	var out []string
	for y := NVDFirstYear; y <= lastYear; y++ {
		out = append(out, strconv.Itoa(y))
	}
	return append(out, "modified", "recent")
}

// enrichmentFiles lists the NVD, KEV and EPSS files of the selected
// feeds ("nvd", "kev", "epss"). Each NVD feed is tried in the 2.0 format
// first and, when that is not published, in the retired 1.1 format:
//
//	nvd/feeds/json/cve/2.0/nvdcve-2.0-<name>.json.gz  (then .../1.1/nvdcve-1.1-<name>.json.gz)
//	kev/known_exploited_vulnerabilities.json
//	epss/epss_scores-current.csv.gz
func enrichmentFiles(opts *UpdateOptions) []file {
	var out []file
	if opts.wants("nvd") {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		for _, name := range nvdFeedNames(now().UTC().Year()) {
			v11 := "nvdcve-1.1-" + name + ".json.gz"
			v20 := "nvdcve-2.0-" + name + ".json.gz"
			out = append(out, file{
				rel: "nvd/feeds/json/cve/2.0/" + v20, upstream: NVD20Base + v20, feed: "nvd",
				fallback: &file{rel: "nvd/feeds/json/cve/1.1/" + v11, upstream: NVD11Base + v11, feed: "nvd"},
			})
		}
	}
	if opts.wants("kev") {
		out = append(out, file{rel: "kev/known_exploited_vulnerabilities.json", upstream: KEVURL, feed: "kev"})
	}
	if opts.wants("epss") {
		out = append(out, file{rel: "epss/epss_scores-current.csv.gz", upstream: EPSSURL, feed: "epss"})
	}
	return out
}
