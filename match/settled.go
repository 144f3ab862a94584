package match

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
