package policy

import (
	"fmt"
	"strings"

	"github.com/lading-dev/lading/report"
)

// Baseline is the findings of an earlier lading JSON report. A finding of
// a new report is not new when the baseline has one for the same package
// (type, name and installed version) that goes by the same ID, or when
// either one's ID is an alias of the other (a database update can change
// which name a merged finding is reported under). The baseline's ignored
// findings count as present too.
type Baseline struct {
	Path string
	// names maps a package key to the IDs and to the aliases of its
	// findings.
	ids, aliases map[string]map[string]bool
}

// LoadBaseline reads a lading.report/v1 JSON report.
func LoadBaseline(path string) (*Baseline, error) {
	r, err := report.ReadJSONFile(path)
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	b := &Baseline{Path: path, ids: map[string]map[string]bool{}, aliases: map[string]map[string]bool{}}
	for _, v := range r.Vulnerabilities {
		b.add(packageKey(v.PackageType, v.PackageName, v.InstalledVersion), v.ID, v.Aliases)
	}
	for _, ig := range r.Ignored {
		b.add(packageKey(ig.PackageType, ig.PackageName, ig.InstalledVersion), ig.ID, ig.Aliases)
	}
	return b, nil
}

func (b *Baseline) add(key, id string, aliases []string) {
	if b.ids[key] == nil {
		b.ids[key], b.aliases[key] = map[string]bool{}, map[string]bool{}
	}
	b.ids[key][strings.ToUpper(id)] = true
	for _, a := range aliases {
		b.aliases[key][strings.ToUpper(a)] = true
	}
}

// Has reports whether the baseline already had finding v.
func (b *Baseline) Has(v *report.Vulnerability) bool {
	key := packageKey(v.PackageType, v.PackageName, v.InstalledVersion)
	ids, aliases := b.ids[key], b.aliases[key]
	if ids[strings.ToUpper(v.ID)] || aliases[strings.ToUpper(v.ID)] {
		return true
	}
	for _, a := range v.Aliases {
		if ids[strings.ToUpper(a)] {
			return true
		}
	}
	return false
}

func packageKey(typ, name, version string) string {
	return typ + "\x00" + name + "\x00" + version
}
