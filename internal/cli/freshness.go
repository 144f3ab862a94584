package cli

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lading-dev/lading/advisory/store"
)

var daysPrefix = regexp.MustCompile(`^(\d+)d`)

// parseMaxAge reads --db-max-age: a Go duration ("72h", "90m"), a number
// of days ("5d"), or days followed by a duration ("1d12h"). "0" and ""
// mean no limit.
func parseMaxAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	var d time.Duration
	rest := s
	if m := daysPrefix.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("--db-max-age %q: too many days", s)
		}
		d = time.Duration(n) * 24 * time.Hour
		rest = s[len(m[0]):]
	}
	if rest != "" {
		x, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("--db-max-age %q: want a duration such as 72h or 5d", s)
		}
		d += x
	}
	if d < 0 {
		return 0, fmt.Errorf("--db-max-age %q: negative", s)
	}
	return d, nil
}

// checkFreshness compares the database's age with --db-max-age. It returns
// the warning to give when the database is older and --db-stale is warn,
// and an error when it is fail.
func checkFreshness(ctx context.Context, db *store.Store, f *scanFlags) (string, error) {
	maxAge, err := parseMaxAge(f.dbMaxAge)
	if err != nil || maxAge == 0 {
		return "", err
	}
	meta, err := db.Metadata(ctx)
	if err != nil {
		return "", fmt.Errorf("advisory database: %w", err)
	}
	var msg string
	if meta.Built.IsZero() {
		msg = fmt.Sprintf("the advisory database %s does not say when it was built, so it cannot be shown to be within --db-max-age %s", db.Path(), f.dbMaxAge)
	} else if age := time.Since(meta.Built); age > maxAge {
		msg = fmt.Sprintf("the advisory database %s was built %s, %s ago, more than --db-max-age %s; run `lading db update` or `lading db pull`",
			db.Path(), meta.Built.UTC().Format(time.RFC3339), roundAge(age), f.dbMaxAge)
	}
	if msg == "" {
		return "", nil
	}
	if f.dbStale == "fail" {
		return "", fmt.Errorf("%s (--db-stale fail)", msg)
	}
	return msg, nil
}

// roundAge prints an age in days and hours ("9d4h"), or hours and minutes
// under a day.
func roundAge(d time.Duration) string {
	if d >= 24*time.Hour {
		days := d / (24 * time.Hour)
		hours := (d - days*24*time.Hour) / time.Hour
		return fmt.Sprintf("%dd%dh", days, hours)
	}
	return d.Round(time.Minute).String()
}
