package store

import (
	"context"
	"fmt"
	"strings"
)

// Check runs SQLite's quick_check over the whole file (every page and
// record well formed, indexes in order) and returns an error naming the
// first problems it reports. It reads every page, so it costs about as
// much as reading the file once.
func (s *Store) Check(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `PRAGMA quick_check(10)`)
	if err != nil {
		return fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("advisory store: %s: %w", s.path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("advisory store: %s: %w", s.path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("advisory store: %s fails its integrity check: %s", s.path, strings.Join(problems, "; "))
	}
	return nil
}
