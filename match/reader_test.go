package match_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/match"
)

// fakeReader is an in-memory advisory.Reader.
type fakeReader struct {
	stmts []advisory.Affected
	vulns map[string]*advisory.Vulnerability
	// anyNamespace makes Affected return statements of every namespace,
	// like a store that keys only by package name.
	anyNamespace bool
	// related holds what each record names as related or upstream, as the
	// advisory store keeps OSV "related" and "upstream" apart from aliases.
	related map[string][]string
	// asked records each Affected call as "ns pkg".
	asked []string
	err   error
}

var _ advisory.Reader = (*fakeReader)(nil)

func (f *fakeReader) Affected(_ context.Context, ns, pkg string) ([]advisory.Affected, error) {
	f.asked = append(f.asked, ns+" "+pkg)
	if f.err != nil {
		return nil, f.err
	}
	var out []advisory.Affected
	for _, st := range f.stmts {
		if st.Package == pkg && (f.anyNamespace || st.Namespace == ns) {
			out = append(out, st)
		}
	}
	return out, nil
}

func (f *fakeReader) Vulnerability(_ context.Context, id string) (*advisory.Vulnerability, error) {
	return f.vulns[id], nil
}

func (f *fakeReader) Related(_ context.Context, _, id string) ([]string, error) {
	return f.related[id], nil
}

func (f *fakeReader) Metadata(context.Context) (*advisory.Metadata, error) {
	return &advisory.Metadata{SchemaVersion: 1}, nil
}

// vulns indexes records by ID.
func vulns(vs ...*advisory.Vulnerability) map[string]*advisory.Vulnerability {
	m := map[string]*advisory.Vulnerability{}
	for _, v := range vs {
		m[v.ID] = v
	}
	return m
}

// fixedIn is a single-fix statement as secdb and the Debian feeds give them.
func fixedIn(source, ns, pkg, fixed string, ids ...string) []advisory.Affected {
	var out []advisory.Affected
	for _, id := range ids {
		out = append(out, advisory.Affected{VulnID: id, Namespace: ns, Package: pkg,
			Status: advisory.StatusFixed, Fixed: fixed, Source: source})
	}
	return out
}

// osvFixed is an OSV statement with one range from 0 to fixed.
func osvFixed(id, ecosystem, pkg, fixed string) advisory.Affected {
	return advisory.Affected{VulnID: id, Namespace: advisory.EcosystemNamespace(ecosystem),
		Ecosystem: ecosystem, Package: pkg, Status: advisory.StatusFixed, Source: "osv",
		Ranges: []advisory.Range{{Type: "ECOSYSTEM", Events: []advisory.Event{{Introduced: "0"}, {Fixed: fixed}}}}}
}

// brief is the part of a finding the tables compare.
func brief(f match.Finding) string {
	s := fmt.Sprintf("%s %s %s fixed=%q %s %s %s", f.PackageName, f.InstalledVersion, f.ID,
		f.FixedVersion, f.Status, f.Severity, f.DataSource)
	if len(f.Aliases) > 0 {
		s += " aka " + strings.Join(f.Aliases, ",")
	}
	return s
}

func briefs(fs []match.Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, brief(f))
	}
	return out
}

func unknownBriefs(us []match.Unknown) []string {
	out := make([]string, 0, len(us))
	for _, u := range us {
		out = append(out, u.Package.Name+" "+u.VulnID+": "+u.Reason)
	}
	return out
}
