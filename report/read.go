package report

import (
	"encoding/json"
	"fmt"
	"os"
)

// ReadJSONFile reads a report that WriteJSON wrote, and checks that its
// schema is Schema.
func ReadJSONFile(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: not a lading JSON report: %w", path, err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("%s: schema %q, want %q (a report written with --format json)", path, r.Schema, Schema)
	}
	return &r, nil
}
