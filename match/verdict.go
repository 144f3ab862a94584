package match

import (
	"errors"
	"fmt"
	"sort"

	"github.com/google/osv-scalibr/semantic"

	"github.com/lading-dev/lading/advisory"
)

// verdict is what one statement says about one installed version.
type verdict struct {
	status advisory.Status
	// fixed is the fix the installed version lacks; "" when none is known.
	fixed string
	// evidence is the comparison that decided it, e.g. "1.36.1-r29 <
	// 1.36.1-r31"; the caller adds which statement it was.
	evidence string
}

// evaluate applies statement st to the installed version. It returns nil
// when the statement does not make the version affected, and an error when
// the decision needs a version that cannot be parsed or a rule it does not
// know.
func evaluate(o order, st *advisory.Affected, installed string) (*verdict, error) {
	switch st.Status {
	case advisory.StatusNotAffected:
		return nil, nil
	case advisory.StatusFixed, advisory.StatusAffected, advisory.StatusWillNotFix,
		advisory.StatusUnimportant, advisory.StatusEndOfLife, advisory.StatusUndetermined,
		advisory.StatusPostponed:
	default:
		return nil, fmt.Errorf("unrecognised status %q", st.Status)
	}
	if len(st.Ranges) > 0 || len(st.Versions) > 0 {
		return evaluateOSV(o, st, installed)
	}
	if st.Status != advisory.StatusFixed {
		return &verdict{
			status:   st.Status,
			evidence: fmt.Sprintf("%s: %s, no fixed version", installed, st.Status),
		}, nil
	}
	if st.Fixed == "" {
		return nil, errors.New("fixed statement names no fixed version")
	}
	c, err := o.compare(installed, st.Fixed)
	if err != nil {
		return nil, err
	}
	if c >= 0 {
		return nil, nil
	}
	return &verdict{
		status:   advisory.StatusFixed,
		fixed:    st.Fixed,
		evidence: installed + " < " + st.Fixed,
	}, nil
}

// evaluateOSV applies an OSV statement: the version is affected when any
// ECOSYSTEM range includes it or the versions list names it (OSV schema,
// "Evaluation"). GIT ranges are about commits and are skipped.
func evaluateOSV(o order, st *advisory.Affected, installed string) (*verdict, error) {
	v, err := o.parse(installed)
	if err != nil {
		return nil, err
	}
	var rangeErr error
	for _, r := range st.Ranges {
		switch r.Type {
		case "GIT":
			continue
		case "ECOSYSTEM", "":
		default:
			rangeErr = fmt.Errorf("range type %q cannot be compared in %s order", r.Type, o.name)
			continue
		}
		m, err := matchRange(o, v, r.Events)
		if err != nil {
			rangeErr = err
			continue
		}
		if m != nil {
			return m.verdict(st.Status, installed), nil
		}
	}
	// An entry of the list that does not parse cannot equal a valid
	// installed version, so it is passed over.
	for _, s := range st.Versions {
		if s == installed || compareParsed(o, v, s) == 0 {
			return &verdict{
				status:   unfixed(st.Status),
				evidence: installed + " is listed among the affected versions",
			}, nil
		}
	}
	return nil, rangeErr
}

func compareParsed(o order, v semantic.Version, s string) int {
	w, err := o.parse(s)
	if err != nil {
		return -2
	}
	c, err := v.Compare(w)
	if err != nil {
		return -2
	}
	return c
}

// unfixed is the status to report when no fixed version is known.
func unfixed(s advisory.Status) advisory.Status {
	if s == advisory.StatusFixed {
		return advisory.StatusAffected
	}
	return s
}

// event is one range event with its version parsed. Introduced "0" sorts
// before and limit "*" after every version.
type event struct {
	advisory.Event
	v        semantic.Version
	min, max bool
}

func (e event) version() string {
	return e.Introduced + e.Fixed + e.LastAffected + e.Limit
}

// cmp returns the sign of v-e.
func (e event) cmp(v semantic.Version) int {
	switch {
	case e.min:
		return 1
	case e.max:
		return -1
	}
	c, _ := v.Compare(e.v) // same order on both sides: cannot fail
	return c
}

// rangeMatch is the part of a range that holds the installed version.
type rangeMatch struct {
	introduced string
	upper      advisory.Event // fixed or last_affected; zero when open-ended
	limit      string
}

// matchRange evaluates one range's events per the OSV schema: sorted by
// version, an introduced at or below v opens, a fixed at or below v or a
// last_affected below v closes, and when limits are given v must be below
// one of them.
func matchRange(o order, v semantic.Version, raw []advisory.Event) (*rangeMatch, error) {
	events, err := sortedEvents(o, raw)
	if err != nil {
		return nil, err
	}

	limited, limit := false, ""
	for _, e := range events {
		if e.Limit != "" {
			limited = true
			if limit == "" && e.cmp(v) < 0 {
				limit = e.Limit
			}
		}
	}
	if limited && limit == "" {
		return nil, nil
	}

	vulnerable, start := false, -1
	for i, e := range events {
		c := e.cmp(v)
		switch {
		case e.Introduced != "":
			if c >= 0 {
				vulnerable, start = true, i
			}
		case e.Fixed != "":
			if c >= 0 {
				vulnerable = false
			}
		case e.LastAffected != "":
			if c > 0 {
				vulnerable = false
			}
		}
	}
	if !vulnerable {
		return nil, nil
	}
	m := &rangeMatch{introduced: events[start].Introduced, limit: limit}
	for _, e := range events[start+1:] {
		if e.Fixed != "" || e.LastAffected != "" {
			m.upper = e.Event
			break
		}
	}
	return m, nil
}

// sortedEvents parses a range's events in order o and sorts them by
// version; events naming no version are dropped.
func sortedEvents(o order, raw []advisory.Event) ([]event, error) {
	events := make([]event, 0, len(raw))
	for _, r := range raw {
		e := event{Event: r}
		switch {
		case e.version() == "":
			continue
		case r.Introduced == "0":
			e.min = true
		case r.Limit == "*":
			e.max = true
		default:
			pv, err := o.parse(e.version())
			if err != nil {
				return nil, err
			}
			e.v = pv
		}
		events = append(events, e)
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].less(events[j]) })
	return events, nil
}

func (e event) less(f event) bool {
	switch {
	case e.min || f.max:
		return !f.min && !e.max
	case f.min || e.max:
		return false
	}
	c, _ := e.v.Compare(f.v)
	return c < 0
}

func (m *rangeMatch) verdict(status advisory.Status, installed string) *verdict {
	vd := &verdict{status: unfixed(status)}
	lower := ""
	if m.introduced != "0" {
		lower = m.introduced + " <= "
	}
	switch {
	case m.upper.Fixed != "":
		vd.status, vd.fixed = advisory.StatusFixed, m.upper.Fixed
		vd.evidence = lower + installed + " < " + m.upper.Fixed
	case m.upper.LastAffected != "":
		vd.evidence = lower + installed + " <= " + m.upper.LastAffected + " (last affected)"
	case lower != "":
		vd.evidence = lower + installed + ", no fixed version"
	default:
		vd.evidence = installed + ": every version affected, no fixed version"
	}
	if m.limit != "" {
		vd.evidence += ", below limit " + m.limit
	}
	return vd
}
