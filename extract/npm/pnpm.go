package npm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// pnpmLock is one YAML document of a pnpm-lock.yaml. Scalars are read as
// strings so that lockfileVersion 5.4 and '6.0' read alike.
type pnpmLock struct {
	LockfileVersion string                 `yaml:"lockfileVersion"`
	Packages        map[string]pnpmPackage `yaml:"packages"`
	Snapshots       map[string]yaml.Node   `yaml:"snapshots"`
}

type pnpmPackage struct {
	Name       string `yaml:"name"`
	Version    string `yaml:"version"`
	Resolution struct {
		Type      string `yaml:"type"`
		Directory string `yaml:"directory"`
	} `yaml:"resolution"`
}

// parsePnpmLock reads every YAML document of a pnpm-lock.yaml (pnpm 9 and
// later can write two: one for the package manager and config
// dependencies, one for the project) and reports the "packages" of each.
//
// Package keys take three forms:
//   - lockfileVersion 5.x: "/name/version" and "/@scope/name/version", peer
//     dependencies after "_" ("/debug/4.3.4_supports-color@8.1.1");
//   - 6.x: "/name@version", peers in parentheses
//     ("/debug@4.3.4(supports-color@8.1.1)");
//   - 9.x: "name@version" in "packages", the peer variants in "snapshots".
//
// The "name" and "version" fields, when present (tarballs, git, aliases),
// win over the key. Entries resolved to a folder of the project
// (resolution type "directory") and keys whose version is a URL or path
// with no version field are skipped. Snapshots add any package the
// "packages" map lacks.
func parsePnpmLock(data []byte, c *collector) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for n := 1; ; n++ {
		var doc pnpmLock
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if n > 1 {
				return fmt.Errorf("document %d: %w", n, err)
			}
			return err
		}
		major := pnpmMajor(doc.LockfileVersion)
		for _, k := range sortedKeys(doc.Packages) {
			e := doc.Packages[k]
			if e.Resolution.Type == "directory" || e.Resolution.Directory != "" {
				continue
			}
			name, version := pnpmKey(k, major)
			if e.Name != "" {
				name = e.Name
			}
			if e.Version != "" {
				version = e.Version
			}
			if plainVersion(version) {
				c.add(name, version, nil)
			}
		}
		for _, k := range sortedKeys(doc.Snapshots) {
			if name, version := pnpmKey(k, major); plainVersion(version) {
				c.add(name, version, nil)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pnpmMajor returns the major lockfile version, 0 when unknown.
func pnpmMajor(v string) int {
	v, _, _ = strings.Cut(strings.TrimSpace(v), ".")
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// pnpmKey splits a "packages" or "snapshots" key into name and version,
// in the form of the lockfile's major version; when the version is not
// known, the 6.x form is tried first.
func pnpmKey(key string, major int) (name, version string) {
	if major >= 6 || major == 0 {
		name, version = pnpmKeyAt(key)
		if major != 0 || validName(name) {
			return name, version
		}
	}
	return pnpmKeySlash(key)
}

// pnpmKeyAt reads "/name@version(peer@1)" and "name@version(peer@1)".
func pnpmKeyAt(key string) (string, string) {
	k := strings.TrimPrefix(key, "/")
	if i := strings.IndexByte(k, '('); i > 0 {
		k = k[:i]
	}
	return splitNameVersion(k)
}

// pnpmKeySlash reads "/name/version_peer@1" and "/@scope/name/version".
// Keys without the leading "/" are not registry packages; their name and
// version come from the entry's fields.
func pnpmKeySlash(key string) (string, string) {
	k, ok := strings.CutPrefix(key, "/")
	if !ok {
		return "", ""
	}
	parts := strings.SplitN(k, "/", 3)
	var name, version string
	switch {
	case strings.HasPrefix(k, "@") && len(parts) == 3:
		name, version = parts[0]+"/"+parts[1], parts[2]
	case !strings.HasPrefix(k, "@") && len(parts) >= 2:
		name, version = parts[0], strings.Join(parts[1:], "/")
	default:
		return "", ""
	}
	if i := strings.IndexByte(version, '_'); i >= 0 {
		version = version[:i]
	}
	if i := strings.IndexByte(version, '('); i >= 0 {
		version = version[:i]
	}
	return name, version
}
