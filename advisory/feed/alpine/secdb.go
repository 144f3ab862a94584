// Package alpine reads Alpine Linux secdb documents
// (https://secdb.alpinelinux.org/<vX.Y>/<repo>.json, and the older YAML
// form with the same structure) into lading's advisory types.
package alpine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// Source is the Vulnerability.Source of every record this package reads.
const Source = "alpine-secdb"

// MaxDocumentSize bounds a secdb document read into memory (256 MiB; the
// largest real one is a few MB).
const MaxDocumentSize = 256 << 20

// Document is a secdb document.
type Document struct {
	DistroVersion string    `json:"distroversion" yaml:"distroversion"`
	RepoName      string    `json:"reponame" yaml:"reponame"`
	URLPrefix     string    `json:"urlprefix" yaml:"urlprefix"`
	APKURL        string    `json:"apkurl" yaml:"apkurl"`
	Archs         []string  `json:"archs" yaml:"archs"`
	Packages      []Package `json:"packages" yaml:"packages"`
}

// Package is one packages[] element.
type Package struct {
	Pkg struct {
		Name string `json:"name" yaml:"name"`
		// Secfixes maps a fixed version ("0" = not affected in this
		// release) to the ids fixed in it. A nil list is tolerated.
		Secfixes map[string][]string `json:"secfixes" yaml:"secfixes"`
	} `json:"pkg" yaml:"pkg"`
}

// Decode parses a secdb document, JSON when it starts with '{' and YAML
// otherwise.
func Decode(data []byte) (*Document, error) {
	var doc Document
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		if err := json.Unmarshal(trimmed, &doc); err != nil {
			return nil, fmt.Errorf("invalid secdb JSON: %w", err)
		}
	} else if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("invalid secdb YAML: %w", err)
	}
	if strings.TrimSpace(doc.DistroVersion) == "" {
		return nil, fmt.Errorf("not a secdb document: no distroversion")
	}
	return &doc, nil
}

// Namespace returns the lading namespace of a secdb distroversion:
// "v3.20" → "alpine:3.20", "edge" → "alpine:edge".
func Namespace(distroversion string) string {
	return advisory.DistroNamespace("alpine", strings.TrimPrefix(strings.TrimSpace(distroversion), "v"))
}

// ReadFile reads the secdb document at path and hands on one Entry per id.
func ReadFile(ctx context.Context, path string, sink feed.Sink) (feed.Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return feed.Stats{}, fmt.Errorf("alpine: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxDocumentSize+1))
	if err != nil {
		return feed.Stats{}, fmt.Errorf("alpine: %s: %w", path, err)
	}
	if len(data) > MaxDocumentSize {
		return feed.Stats{}, fmt.Errorf("alpine: %s: larger than %d bytes", path, MaxDocumentSize)
	}
	doc, err := Decode(data)
	if err != nil {
		return feed.Stats{}, fmt.Errorf("alpine: %s: %w", path, err)
	}
	stats, err := Convert(ctx, doc, sink)
	if err != nil {
		return stats, fmt.Errorf("alpine: %s: %w", path, err)
	}
	return stats, nil
}

// idLike matches a token that names an advisory ("CVE-2020-11501",
// "GNUTLS-SA-2020-03-31", "XSA-201", "ALPINE-13661").
var idLike = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9][A-Za-z0-9.:_-]*$`)

// cveTypo matches the misspelt CVE ids found in real secdb files
// ("CVE_2019-2426", "CVE 2018-16859").
var cveTypo = regexp.MustCompile(`^\s*CVE[\s_]+(\d{4}-\d{4,})`)

// Convert turns a document into entries: one per id, with one statement
// per package that lists it (a package can list the same id under more
// than one version; the "0" entry means not affected, any other version
// fixed in that version, and a blank version is skipped). Entries are
// handed on in id order.
func Convert(ctx context.Context, doc *Document, sink feed.Sink) (feed.Stats, error) {
	var stats feed.Stats
	ns := Namespace(doc.DistroVersion)
	type rec struct {
		aliases  []string
		affected []advisory.Affected
	}
	byID := map[string]*rec{}
	for _, p := range doc.Packages {
		name := strings.TrimSpace(p.Pkg.Name)
		if name == "" {
			stats.Skip("package entry without a name")
			continue
		}
		versions := make([]string, 0, len(p.Pkg.Secfixes))
		for v := range p.Pkg.Secfixes {
			versions = append(versions, v)
		}
		sort.Strings(versions)
		for _, ver := range versions {
			ids := p.Pkg.Secfixes[ver]
			if strings.TrimSpace(ver) == "" {
				// Neither "0" nor a version: nothing to compare with.
				stats.Skip(fmt.Sprintf("%s: empty version with %d ids", name, len(ids)))
				continue
			}
			if len(ids) == 0 {
				stats.Skip(fmt.Sprintf("%s %s: empty id list", name, ver))
				continue
			}
			for _, raw := range ids {
				words := strings.Fields(cveTypo.ReplaceAllString(raw, "CVE-$1"))
				// The first id-like word is the id ("CVE-????-?????
				// XSA-295" in v3.11 falls back to XSA-295).
				for len(words) > 0 && !idLike.MatchString(words[0]) {
					words = words[1:]
				}
				if len(words) == 0 {
					stats.Skip(fmt.Sprintf("%s %s: not an advisory id: %q", name, ver, raw))
					continue
				}
				id := words[0]
				r := byID[id]
				if r == nil {
					r = &rec{}
					byID[id] = r
				}
				for _, w := range words[1:] {
					if idLike.MatchString(w) && !contains(r.aliases, w) && w != id {
						r.aliases = append(r.aliases, w)
					}
				}
				st := advisory.Affected{
					VulnID: id, Namespace: ns, Ecosystem: "Alpine:" + doc.DistroVersion,
					Package: name, Source: Source,
				}
				if strings.TrimSpace(ver) == "0" {
					st.Status = advisory.StatusNotAffected
				} else {
					st.Status = advisory.StatusFixed
					st.Fixed = strings.TrimSpace(ver)
				}
				r.affected = append(r.affected, st)
			}
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		r := byID[id]
		e := feed.Entry{
			Vuln:     advisory.Vulnerability{ID: id, Aliases: r.aliases, Source: Source},
			Affected: r.affected,
		}
		if err := stats.Emit(sink, e); err != nil {
			return stats, err
		}
	}
	return stats, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
