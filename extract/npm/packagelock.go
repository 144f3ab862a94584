package npm

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
)

// packageLock is the part of package-lock.json and npm-shrinkwrap.json
// read. lockfileVersion 1 has only the "dependencies" tree; version 2 has
// both it and the "packages" map (keyed by install path); version 3 has
// only "packages".
type packageLock struct {
	LockfileVersion json.RawMessage         `json:"lockfileVersion"`
	Packages        map[string]lockPackage  `json:"packages"`
	Dependencies    map[string]lockV1Depend `json:"dependencies"`
}

// lockPackage is an entry of the "packages" map.
type lockPackage struct {
	Name    json.RawMessage `json:"name"`
	Version json.RawMessage `json:"version"`
	License json.RawMessage `json:"license"`
	Link    bool            `json:"link"`
}

// lockV1Depend is an entry of the version 1 "dependencies" tree.
type lockV1Depend struct {
	Version      json.RawMessage         `json:"version"`
	Dependencies map[string]lockV1Depend `json:"dependencies"`
}

var errNotObject = errors.New("not a JSON object")

// parsePackageLock reads a package-lock.json: the "packages" map when
// there is one, the "dependencies" tree otherwise.
func parsePackageLock(data []byte, c *collector) error {
	var lock packageLock
	if err := json.Unmarshal(data, &lock); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return errNotObject
		}
		return err
	}
	if lock.Packages != nil {
		readPackagesMap(lock.Packages, c)
		return nil
	}
	readDependenciesTree(lock.Dependencies, c)
	return nil
}

// readPackagesMap reads the lockfileVersion 2 and 3 "packages" map. Keys
// are install paths ("node_modules/a/node_modules/@s/b"); the package name
// is the "name" field when there is one (aliases: node_modules/x holding
// package y) and the part after the last "node_modules/" otherwise. The
// root entry "", links and folders outside node_modules (the project's
// workspaces) are skipped.
func readPackagesMap(pkgs map[string]lockPackage, c *collector) {
	keys := make([]string, 0, len(pkgs))
	for k := range pkgs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e := pkgs[k]
		if k == "" || e.Link {
			continue
		}
		i := strings.LastIndex(k, "node_modules/")
		if i < 0 || (i > 0 && k[i-1] != '/') {
			continue
		}
		name, ok := jsonString(e.Name)
		if !ok || name == "" {
			name = k[i+len("node_modules/"):]
		}
		version, _ := jsonString(e.Version)
		if !plainVersion(version) {
			continue
		}
		var lic []string
		if l := licenseName(e.License); l != "" {
			lic = []string{l}
		}
		c.add(name, version, lic)
	}
}

// readDependenciesTree reads the lockfileVersion 1 "dependencies" tree,
// nested entries included. A version "npm:<name>@<version>" is an alias;
// versions that are URLs or paths (git and folder dependencies) are
// skipped, as the package's own version is not recorded.
func readDependenciesTree(deps map[string]lockV1Depend, c *collector) {
	stack := []map[string]lockV1Depend{deps}
	for len(stack) > 0 {
		level := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		keys := make([]string, 0, len(level))
		for k := range level {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		// Push children in reverse so that they are read in key order.
		for j := len(keys) - 1; j >= 0; j-- {
			if d := level[keys[j]].Dependencies; len(d) > 0 {
				stack = append(stack, d)
			}
		}
		for _, k := range keys {
			version, _ := jsonString(level[k].Version)
			name := k
			if alias, ok := strings.CutPrefix(version, "npm:"); ok {
				name, version = splitNameVersion(alias)
			}
			if plainVersion(version) {
				c.add(name, version, nil)
			}
		}
	}
}

// splitNameVersion splits "name@version" or "@scope/name@version" at the
// "@" that ends the name. Without one, the version is empty.
func splitNameVersion(s string) (name, version string) {
	if len(s) < 2 {
		return s, ""
	}
	i := strings.IndexByte(s[1:], '@')
	if i < 0 {
		return s, ""
	}
	return s[:i+1], s[i+2:]
}
