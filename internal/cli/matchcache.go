package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/store"
	"github.com/lading-dev/lading/report"
	"github.com/lading-dev/lading/scan"
)

// matchCacheVersion names the format of cached matching results; raise it
// when what is cached changes shape.
const matchCacheVersion = "lading-matches/1"

// matched is what matching, titles and enrichment give for one inventory
// against one database: a pure function of the two and of the program, so
// a warm scan of an image seen before takes it from the layer cache rather
// than querying the database again.
type matched struct {
	Vulnerabilities []report.Vulnerability `json:"vulnerabilities"`
	Unknowns        []report.Unknown       `json:"unknowns"`
}

// matchKey names an inventory matched against a database by this
// program. The database is named by its build metadata (the build time and
// every feed file's digest) and by its file's size and modification time;
// the program by its executable's path, size and modification time, so
// that a rebuilt lading never reads what an older one cached. "" when
// either cannot be named: then nothing is cached.
func matchKey(db *store.Store, meta *advisory.Metadata, distro, pkgs any) string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	xs, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	ds, err := os.Stat(db.Path())
	if err != nil {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\nexe %s %d %d\ndb %s %d %d\n", matchCacheVersion,
		exe, xs.Size(), xs.ModTime().UnixNano(), ds.Name(), ds.Size(), ds.ModTime().UnixNano())
	enc := json.NewEncoder(h)
	for _, v := range []any{meta, distro, pkgs} {
		if err := enc.Encode(v); err != nil {
			return ""
		}
	}
	return matchCacheVersion + " " + hex.EncodeToString(h.Sum(nil))
}

// readMatched returns the cached results under key, or nil.
func readMatched(c *scan.LayerCache, key string) *matched {
	if c == nil || key == "" {
		return nil
	}
	b := c.ReadSide(key)
	if b == nil {
		return nil
	}
	m := &matched{}
	if err := json.Unmarshal(b, m); err != nil {
		return nil
	}
	return m
}

// writeMatched caches results under key; a failure only costs the next
// scan the matching.
func writeMatched(c *scan.LayerCache, key string, m *matched) {
	if c == nil || key == "" {
		return
	}
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	if c.WriteSide(key, b) == nil {
		c.Evict()
	}
}
