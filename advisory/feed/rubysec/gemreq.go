package rubysec

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"

	"github.com/google/osv-scalibr/semantic"

	"github.com/lading-dev/lading/advisory/feed/interval"
)

// compareGem orders versions as RubyGems does (Gem::Version <=>).
func compareGem(a, b string) int {
	c, _ := semantic.ParseRubyGemsVersion(a).CompareStr(b)
	return c
}

// gemVersion is Gem::Version's accepted spelling.
var gemVersion = regexp.MustCompile(`^[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

var gemOps = []string{">=", "<=", "!=", "~>", ">", "<", "="}

// errNotInterval marks a requirement that is valid but is not one
// interval ("!= 1.0").
var errNotInterval = errors.New("not a single interval")

// gemBump is Gem::Version#bump: drop pre-release segments, drop the last
// segment when more than one remains, and increment the new last one
// ("5.2.4" → "5.3", "5" → "6", "1.0.0.rc1" → "1.1").
func gemBump(v string) (string, error) {
	segs := strings.Split(strings.ReplaceAll(v, "-", ".pre."), ".")
	for i, s := range segs {
		if strings.TrimLeft(s, "0123456789") != "" {
			segs = segs[:i]
			break
		}
	}
	if len(segs) == 0 {
		return "", fmt.Errorf("%q has no release segments", v)
	}
	if len(segs) > 1 {
		segs = segs[:len(segs)-1]
	}
	n, ok := new(big.Int).SetString(segs[len(segs)-1], 10)
	if !ok {
		return "", fmt.Errorf("bad segment in %q", v)
	}
	segs[len(segs)-1] = n.Add(n, big.NewInt(1)).String()
	return strings.Join(segs, "."), nil
}

// gemComparator turns one RubyGems comparator ("~> 5.2.4", ">= 1.0",
// "1.2" meaning "= 1.2") into the interval of versions it accepts, in
// RubyGems order.
func gemComparator(s string) (interval.Interval, error) {
	s = strings.TrimSpace(s)
	op := "="
	for _, o := range gemOps {
		if strings.HasPrefix(s, o) {
			op = o
			s = strings.TrimSpace(s[len(o):])
			break
		}
	}
	if !gemVersion.MatchString(s) {
		return interval.Interval{}, fmt.Errorf("malformed version %q", s)
	}
	switch op {
	case "=":
		return interval.Interval{Lo: interval.At(s, true), Hi: interval.At(s, true)}, nil
	case "!=":
		return interval.Interval{}, fmt.Errorf("!= %s: %w", s, errNotInterval)
	case ">":
		return interval.Interval{Lo: interval.At(s, false)}, nil
	case ">=":
		return interval.Interval{Lo: interval.At(s, true)}, nil
	case "<":
		return interval.Interval{Hi: interval.At(s, false)}, nil
	case "<=":
		return interval.Interval{Hi: interval.At(s, true)}, nil
	case "~>":
		up, err := gemBump(s)
		if err != nil {
			return interval.Interval{}, err
		}
		return interval.Interval{Lo: interval.At(s, true), Hi: interval.At(up, false)}, nil
	}
	return interval.Interval{}, fmt.Errorf("unknown operator %q", op)
}

// Requirement turns a RubyGems requirement (comparators separated by
// commas, all of which must hold) into the interval of versions it
// accepts, in RubyGems order (the special treatment of pre-releases by
// "~>" aside).
func Requirement(req string) (interval.Interval, error) {
	if strings.TrimSpace(req) == "" {
		return interval.Interval{}, errors.New("empty requirement")
	}
	out := interval.All
	for _, c := range strings.Split(req, ",") {
		iv, err := gemComparator(c)
		if err != nil {
			return interval.Interval{}, err
		}
		out = interval.Intersect(compareGem, out, iv)
	}
	return out, nil
}
