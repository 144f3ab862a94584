package rustsec

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/google/osv-scalibr/semantic"

	"github.com/lading-dev/lading/advisory/feed/interval"
)

// compareSemver orders versions by SemVer 2.0 precedence.
func compareSemver(a, b string) int {
	c, _ := semantic.ParseSemverVersion(a).CompareStr(b)
	return c
}

// partial is a version as a Cargo comparator writes it: major, then
// optionally minor and patch (a wildcard ends it), then a pre-release
// when all three are given.
type partial struct {
	major, minor, patch uint64
	parts               int // 1, 2 or 3 numbers given; 0 for "*"
	pre                 string
}

func (p partial) String() string {
	s := fmt.Sprintf("%d.%d.%d", p.major, p.minor, p.patch)
	if p.pre != "" {
		s += "-" + p.pre
	}
	return s
}

var errTooBig = errors.New("version number too large")

func bump(n uint64) (uint64, error) {
	if n == math.MaxUint64 {
		return 0, errTooBig
	}
	return n + 1, nil
}

// ver formats a bound Cargo derives from a partial version or an
// operator ("^0.6.4" ends before 0.7.0): the lowest pre-release of that
// version, "0.7.0-0", so that its pre-releases fall on the same side of
// the bound as Cargo puts them (RustSec's own OSV export writes the same).
func ver(major, minor, patch uint64) string {
	return fmt.Sprintf("%d.%d.%d-0", major, minor, patch)
}

// release formats a lower bound Cargo derives from a partial version
// ("> 1.2" starts at 1.3.0, whose pre-releases it does not accept).
func release(major, minor, patch uint64) string {
	return fmt.Sprintf("%d.%d.%d", major, minor, patch)
}

// successor returns the lowest SemVer version above v in precedence
// order: "1.2.4-0" above "1.2.3", "1.2.3-alpha.0" above "1.2.3-alpha".
// It lets an exclusive lower bound ("> 1.2.3", or what "<= 1.2.3" leaves
// above it) be an inclusive "introduced" event.
func successor(v string) (string, bool) {
	if i := strings.IndexByte(v, '+'); i >= 0 {
		v = v[:i]
	}
	if i := strings.IndexByte(v, '-'); i >= 0 {
		return v + ".0", true
	}
	p, wild, err := parsePartial(v)
	if err != nil || wild || p.parts != 3 {
		return "", false
	}
	n, err := bump(p.patch)
	if err != nil {
		return "", false
	}
	return ver(p.major, p.minor, n), true
}

func isWildcard(s string) bool { return s == "*" || s == "x" || s == "X" }

// parsePartial reads "1", "1.2", "1.2.3", "1.2.3-alpha.1+build", "1.*",
// "1.2.x", "*". It reports whether a wildcard was used.
func parsePartial(s string) (partial, bool, error) {
	var p partial
	core := s
	if i := strings.IndexByte(core, '+'); i >= 0 {
		if !validIdents(core[i+1:]) {
			return p, false, fmt.Errorf("invalid build metadata in %q", s)
		}
		core = core[:i]
	}
	if i := strings.IndexByte(core, '-'); i >= 0 {
		p.pre = core[i+1:]
		core = core[:i]
		if !validIdents(p.pre) {
			return p, false, fmt.Errorf("invalid pre-release in %q", s)
		}
	}
	fields := strings.Split(core, ".")
	if len(fields) > 3 {
		return p, false, fmt.Errorf("too many version components in %q", s)
	}
	wild := false
	nums := []*uint64{&p.major, &p.minor, &p.patch}
	for i, f := range fields {
		if isWildcard(f) {
			wild = true
			continue
		}
		if wild {
			return p, false, fmt.Errorf("number after a wildcard in %q", s)
		}
		if f == "" || strings.TrimLeft(f, "0123456789") != "" || (len(f) > 1 && f[0] == '0') {
			return p, false, fmt.Errorf("invalid version component %q in %q", f, s)
		}
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return p, false, fmt.Errorf("%q: %w", s, errTooBig)
		}
		*nums[i] = n
		p.parts = i + 1
	}
	if p.pre != "" && (p.parts != 3 || wild) {
		return p, false, fmt.Errorf("pre-release on a partial version in %q", s)
	}
	return p, wild, nil
}

// validIdents checks dot-separated SemVer identifiers: [0-9A-Za-z-]+.
func validIdents(s string) bool {
	if s == "" {
		return false
	}
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		for _, r := range id {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

var cargoOps = []string{">=", "<=", ">", "<", "=", "^", "~"}

// comparator turns one Cargo comparator into the interval of versions it
// accepts in SemVer precedence order (Cargo's special handling of
// pre-releases aside).
func comparator(s string) (interval.Interval, error) {
	s = strings.TrimSpace(s)
	op := ""
	for _, o := range cargoOps {
		if strings.HasPrefix(s, o) {
			op = o
			break
		}
	}
	rest := strings.TrimSpace(s[len(op):])
	if rest == "" {
		return interval.Interval{}, fmt.Errorf("comparator %q has no version", s)
	}
	if isWildcard(rest) {
		if op != "" && op != "=" && op != "^" && op != "~" {
			return interval.Interval{}, fmt.Errorf("wildcard with %q in %q", op, s)
		}
		return interval.All, nil
	}
	p, wild, err := parsePartial(rest)
	if err != nil {
		return interval.Interval{}, err
	}
	if wild {
		if op != "" && op != "=" {
			return interval.Interval{}, fmt.Errorf("wildcard with %q in %q", op, s)
		}
		op = "="
	}
	if op == "" {
		op = "^"
	}
	lo := interval.At(p.String(), true)
	var hi interval.Bound
	switch op {
	case "^":
		switch {
		case p.parts == 1:
			m, err := bump(p.major)
			if err != nil {
				return interval.Interval{}, err
			}
			hi = interval.At(ver(m, 0, 0), false)
		case p.major > 0:
			m, err := bump(p.major)
			if err != nil {
				return interval.Interval{}, err
			}
			hi = interval.At(ver(m, 0, 0), false)
		case p.parts == 2 || p.minor > 0:
			m, err := bump(p.minor)
			if err != nil {
				return interval.Interval{}, err
			}
			hi = interval.At(ver(0, m, 0), false)
		default: // ^0.0.K
			m, err := bump(p.patch)
			if err != nil {
				return interval.Interval{}, err
			}
			hi = interval.At(ver(0, 0, m), false)
		}
		return interval.Interval{Lo: lo, Hi: hi}, nil
	case "~":
		if p.parts == 1 {
			m, err := bump(p.major)
			if err != nil {
				return interval.Interval{}, err
			}
			return interval.Interval{Lo: lo, Hi: interval.At(ver(m, 0, 0), false)}, nil
		}
		m, err := bump(p.minor)
		if err != nil {
			return interval.Interval{}, err
		}
		return interval.Interval{Lo: lo, Hi: interval.At(ver(p.major, m, 0), false)}, nil
	case "=":
		switch p.parts {
		case 3:
			return interval.Interval{Lo: lo, Hi: interval.At(p.String(), true)}, nil
		case 2:
			m, err := bump(p.minor)
			if err != nil {
				return interval.Interval{}, err
			}
			return interval.Interval{Lo: lo, Hi: interval.At(ver(p.major, m, 0), false)}, nil
		default:
			m, err := bump(p.major)
			if err != nil {
				return interval.Interval{}, err
			}
			return interval.Interval{Lo: lo, Hi: interval.At(ver(m, 0, 0), false)}, nil
		}
	case ">":
		switch p.parts {
		case 3:
			return interval.Interval{Lo: interval.At(p.String(), false)}, nil
		case 2:
			m, err := bump(p.minor)
			if err != nil {
				return interval.Interval{}, err
			}
			return interval.Interval{Lo: interval.At(release(p.major, m, 0), true)}, nil
		default:
			m, err := bump(p.major)
			if err != nil {
				return interval.Interval{}, err
			}
			return interval.Interval{Lo: interval.At(release(m, 0, 0), true)}, nil
		}
	case ">=":
		return interval.Interval{Lo: lo}, nil
	case "<":
		return interval.Interval{Hi: interval.At(p.String(), false)}, nil
	case "<=":
		switch p.parts {
		case 3:
			return interval.Interval{Hi: interval.At(p.String(), true)}, nil
		case 2:
			m, err := bump(p.minor)
			if err != nil {
				return interval.Interval{}, err
			}
			return interval.Interval{Hi: interval.At(ver(p.major, m, 0), false)}, nil
		default:
			m, err := bump(p.major)
			if err != nil {
				return interval.Interval{}, err
			}
			return interval.Interval{Hi: interval.At(ver(m, 0, 0), false)}, nil
		}
	}
	return interval.Interval{}, fmt.Errorf("unknown operator in %q", s)
}

// Requirement turns a Cargo version requirement (comparators separated by
// commas, all of which must hold) into the interval of versions it
// accepts, in SemVer precedence order.
func Requirement(req string) (interval.Interval, error) {
	if strings.TrimSpace(req) == "" {
		return interval.Interval{}, errors.New("empty requirement")
	}
	out := interval.All
	for _, c := range strings.Split(req, ",") {
		iv, err := comparator(c)
		if err != nil {
			return interval.Interval{}, err
		}
		out = interval.Intersect(compareSemver, out, iv)
	}
	return out, nil
}
