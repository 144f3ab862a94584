package match

import "github.com/lading-dev/lading/inventory"

// dropSettled removes the Unknowns that a finding already settles: when one
// range of a record could not be compared (say it starts at "1.0", not a
// SemVer version) but another range of the same record reports the
// package, the vulnerability is reported, and listing it again as "could
// not be compared" would only contradict the finding.
func dropSettled(fs []Finding, us []Unknown) []Unknown {
	if len(us) == 0 || len(fs) == 0 {
		return us
	}
	names := map[string]bool{}
	for _, f := range fs {
		key := packageKey(f)
		names[key+"\x00"+f.ID] = true
		for _, a := range f.Aliases {
			names[key+"\x00"+a] = true
		}
	}
	kept := us[:0]
	for _, u := range us {
		if u.VulnID != "" && u.Package != nil && names[u.Package.Name+"\x00"+u.Package.Version+"\x00"+u.VulnID] {
			continue
		}
		kept = append(kept, u)
	}
	return kept
}

func packageKey(f Finding) string {
	if f.Package != nil {
		return f.Package.Name + "\x00" + f.Package.Version
	}
	return f.PackageName + "\x00" + f.InstalledVersion
}

// forgetDismissalsOfHits drops, from the dismissals recorded since from,
// those of p whose record also reported p through another statement: a
// record that lists two ranges for one package (minimist's GHSA-xvch:
// "before 0.2.4" and "1.0.0 to 1.2.6") reports 1.2.0 through the second,
// and its first range's "fixed in 0.2.4" explains nothing.
func (m *matcher) forgetDismissalsOfHits(from int, p *inventory.Package, hits []hit) {
	if len(hits) == 0 || from >= len(m.dismissals) {
		return
	}
	reported := map[string]bool{}
	for _, h := range hits {
		reported[h.st.VulnID] = true
	}
	kept := m.dismissals[:from]
	for _, d := range m.dismissals[from:] {
		if d.Package == p && reported[d.VulnID] {
			continue
		}
		kept = append(kept, d)
	}
	m.dismissals = kept
}
