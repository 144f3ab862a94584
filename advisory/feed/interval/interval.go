// Package interval does the set arithmetic that turns version requirement
// lists ("affected unless patched or unaffected") into OSV range events:
// intervals of versions in an ecosystem's order, their intersection,
// union and complement, and the events that describe a union of
// intervals when every bound maps to one event.
package interval

import (
	"sort"

	"github.com/lading-dev/lading/advisory"
)

// Compare orders two versions: negative, zero or positive as a < b,
// a == b, a > b.
type Compare func(a, b string) int

// Bound is one end of an interval. The zero Bound is unbounded (minus
// infinity as a lower bound, plus infinity as an upper bound).
type Bound struct {
	Version   string
	Inclusive bool
	Set       bool // false: unbounded
}

// At returns a bound at v.
func At(v string, inclusive bool) Bound { return Bound{Version: v, Inclusive: inclusive, Set: true} }

// Interval is the set of versions between Lo and Hi.
type Interval struct {
	Lo, Hi Bound
}

// All is every version.
var All = Interval{}

// Empty reports whether no version lies in iv.
func (iv Interval) Empty(cmp Compare) bool {
	if !iv.Lo.Set || !iv.Hi.Set {
		return false
	}
	c := cmp(iv.Lo.Version, iv.Hi.Version)
	return c > 0 || (c == 0 && !(iv.Lo.Inclusive && iv.Hi.Inclusive))
}

// lowerLess orders lower bounds: unbounded first; at one version an
// inclusive bound starts earlier than an exclusive one.
func lowerLess(cmp Compare, a, b Bound) bool {
	if !a.Set || !b.Set {
		return !a.Set && b.Set
	}
	if c := cmp(a.Version, b.Version); c != 0 {
		return c < 0
	}
	return a.Inclusive && !b.Inclusive
}

// upperLess orders upper bounds: unbounded last; at one version an
// exclusive bound ends earlier than an inclusive one.
func upperLess(cmp Compare, a, b Bound) bool {
	if !a.Set || !b.Set {
		return a.Set && !b.Set
	}
	if c := cmp(a.Version, b.Version); c != 0 {
		return c < 0
	}
	return !a.Inclusive && b.Inclusive
}

// Intersect returns the versions in both a and b (possibly empty).
func Intersect(cmp Compare, a, b Interval) Interval {
	out := a
	if lowerLess(cmp, out.Lo, b.Lo) {
		out.Lo = b.Lo
	}
	if upperLess(cmp, b.Hi, out.Hi) {
		out.Hi = b.Hi
	}
	return out
}

// Union returns the union of ivs as disjoint, non-adjacent intervals in
// ascending order; empty intervals are dropped.
func Union(cmp Compare, ivs []Interval) []Interval {
	var in []Interval
	for _, iv := range ivs {
		if !iv.Empty(cmp) {
			in = append(in, iv)
		}
	}
	sort.SliceStable(in, func(i, j int) bool { return lowerLess(cmp, in[i].Lo, in[j].Lo) })
	var out []Interval
	for _, iv := range in {
		if n := len(out); n > 0 && !gapBetween(cmp, out[n-1].Hi, iv.Lo) {
			if upperLess(cmp, out[n-1].Hi, iv.Hi) {
				out[n-1].Hi = iv.Hi
			}
			continue
		}
		out = append(out, iv)
	}
	return out
}

// gapBetween reports whether some version lies after upper bound hi and
// before lower bound lo (lo does not start before hi ends); versions that
// are equal in the order count as one point.
func gapBetween(cmp Compare, hi, lo Bound) bool {
	if !hi.Set || !lo.Set {
		return false
	}
	c := cmp(hi.Version, lo.Version)
	return c < 0 || (c == 0 && !hi.Inclusive && !lo.Inclusive)
}

// Complement returns the versions in none of ivs, as disjoint intervals
// in ascending order.
func Complement(cmp Compare, ivs []Interval) []Interval {
	var out []Interval
	start := Bound{} // minus infinity
	for _, iv := range Union(cmp, ivs) {
		if iv.Lo.Set {
			gap := Interval{Lo: start, Hi: At(iv.Lo.Version, !iv.Lo.Inclusive)}
			if !gap.Empty(cmp) {
				out = append(out, gap)
			}
		}
		if !iv.Hi.Set {
			return out
		}
		start = At(iv.Hi.Version, !iv.Hi.Inclusive)
	}
	return append(out, Interval{Lo: start})
}

// Successor returns the lowest version above v in an ecosystem's order,
// when there is one; nil means no such version exists or is known.
type Successor func(v string) (string, bool)

// Events describes ascending disjoint intervals as one OSV range's
// events: an inclusive or absent lower bound is "introduced" (absent:
// "0"), an exclusive upper bound "fixed", an inclusive one
// "last_affected". An exclusive lower bound is "introduced" at
// succ(bound). It reports false when a bound has no event that says it
// exactly: an exclusive lower bound without a successor, or an unbounded
// upper end before the last interval.
func Events(ivs []Interval, succ Successor) ([]advisory.Event, bool) {
	var ev []advisory.Event
	for i, iv := range ivs {
		switch {
		case !iv.Lo.Set:
			ev = append(ev, advisory.Event{Introduced: "0"})
		case iv.Lo.Inclusive:
			ev = append(ev, advisory.Event{Introduced: iv.Lo.Version})
		default:
			if succ == nil {
				return nil, false
			}
			next, ok := succ(iv.Lo.Version)
			if !ok {
				return nil, false
			}
			ev = append(ev, advisory.Event{Introduced: next})
		}
		switch {
		case !iv.Hi.Set:
			if i != len(ivs)-1 {
				return nil, false
			}
		case iv.Hi.Inclusive:
			ev = append(ev, advisory.Event{LastAffected: iv.Hi.Version})
		default:
			ev = append(ev, advisory.Event{Fixed: iv.Hi.Version})
		}
	}
	return ev, true
}

// Status is the statement status for an affected set: not_affected when
// it is empty, fixed when it is bounded above (the newest versions are
// not affected, so some upgrade leaves it), affected when it reaches the
// newest versions. When the set could not be worked out (known false),
// it is fixed when the feed names patched versions and affected
// otherwise.
func Status(affected []Interval, known, patched bool) advisory.Status {
	switch {
	case !known && patched:
		return advisory.StatusFixed
	case !known:
		return advisory.StatusAffected
	case len(affected) == 0:
		return advisory.StatusNotAffected
	case affected[len(affected)-1].Hi.Set:
		return advisory.StatusFixed
	}
	return advisory.StatusAffected
}
