package interval

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/lading-dev/lading/advisory"
)

// cmpInt orders versions that are plain integers.
func cmpInt(a, b string) int {
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	return x - y
}

func succInt(v string) (string, bool) {
	x, err := strconv.Atoi(v)
	return strconv.Itoa(x + 1), err == nil
}

func lt(v string) Interval     { return Interval{Hi: At(v, false)} }
func le(v string) Interval     { return Interval{Hi: At(v, true)} }
func ge(v string) Interval     { return Interval{Lo: At(v, true)} }
func gt(v string) Interval     { return Interval{Lo: At(v, false)} }
func rng(a, b string) Interval { return Interval{Lo: At(a, true), Hi: At(b, false)} }
func eq(v string) Interval     { return Interval{Lo: At(v, true), Hi: At(v, true)} }

func events(t *testing.T, ivs []Interval, succ Successor) string {
	t.Helper()
	ev, ok := Events(ivs, succ)
	if !ok {
		return "inexact"
	}
	b, _ := json.Marshal(ev)
	return string(b)
}

func TestComplementEvents(t *testing.T) {
	cases := []struct {
		name string
		not  []Interval
		succ Successor
		want string
	}{
		{"nothing patched", nil, nil, `[{"introduced":"0"}]`},
		{"patched >= 5", []Interval{ge("5")}, nil, `[{"introduced":"0"},{"fixed":"5"}]`},
		{"smallvec shape", []Interval{rng("14", "100"), ge("161"), lt("3")}, nil,
			`[{"introduced":"3"},{"fixed":"14"},{"introduced":"100"},{"fixed":"161"}]`},
		{"adjacent ranges merge", []Interval{rng("1", "2"), rng("2", "3"), ge("3")}, nil, `[{"introduced":"0"},{"fixed":"1"}]`},
		{"overlapping", []Interval{rng("1", "5"), rng("3", "4"), ge("4")}, nil, `[{"introduced":"0"},{"fixed":"1"}]`},
		{"patched > 4 gives last_affected", []Interval{gt("4")}, nil, `[{"introduced":"0"},{"last_affected":"4"}]`},
		{"unaffected <= 2 without successor", []Interval{le("2"), ge("7")}, nil, "inexact"},
		{"unaffected <= 2 with successor", []Interval{le("2"), ge("7")}, succInt, `[{"introduced":"3"},{"fixed":"7"}]`},
		{"point patched", []Interval{eq("3")}, succInt, `[{"introduced":"0"},{"fixed":"3"},{"introduced":"4"}]`},
		{"everything", []Interval{lt("5"), ge("5")}, nil, `null`},
		{"all", []Interval{All}, nil, `null`},
		{"empty requirement ignored", []Interval{rng("5", "3"), ge("9")}, nil, `[{"introduced":"0"},{"fixed":"9"}]`},
	}
	for _, c := range cases {
		if got := events(t, Complement(cmpInt, c.not), c.succ); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestIntersect(t *testing.T) {
	iv := Intersect(cmpInt, Intersect(cmpInt, All, ge("3")), lt("8"))
	if iv != rng("3", "8") {
		t.Errorf("got %+v", iv)
	}
	if !Intersect(cmpInt, ge("8"), lt("3")).Empty(cmpInt) {
		t.Error(">= 8 and < 3 should be empty")
	}
	if Intersect(cmpInt, ge("3"), le("3")).Empty(cmpInt) || !Intersect(cmpInt, gt("3"), le("3")).Empty(cmpInt) {
		t.Error("point intervals")
	}
}

func TestStatus(t *testing.T) {
	for _, c := range []struct {
		ivs            []Interval
		known, patched bool
		want           advisory.Status
	}{
		{nil, true, true, advisory.StatusNotAffected},
		{[]Interval{lt("3")}, true, true, advisory.StatusFixed},
		{[]Interval{lt("3")}, true, false, advisory.StatusFixed}, // unaffected > x only
		{[]Interval{lt("3"), ge("5")}, true, true, advisory.StatusAffected},
		{nil, false, true, advisory.StatusFixed},
		{nil, false, false, advisory.StatusAffected},
	} {
		if got := Status(c.ivs, c.known, c.patched); got != c.want {
			t.Errorf("Status(%+v, %v, %v) = %s, want %s", c.ivs, c.known, c.patched, got, c.want)
		}
	}
}
