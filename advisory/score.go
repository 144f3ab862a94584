package advisory

// Score is one severity rating as a feed gives it, kept verbatim: an OSV
// severity entry ("CVSS_V3" with a vector, "CVSS_V4", "Ubuntu" with a word)
// or a feed's own word. Vulnerability.Severity holds only the normalised
// headline; Scores keep the vectors.
type Score struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}
