package cargo

import (
	"errors"
	"fmt"

	"github.com/BurntSushi/toml"
)

// lockFile is the part of a Cargo.lock that is read. v1 and v2 files have
// no version key; v1 adds a [metadata] table of checksums, which is not
// needed.
type lockFile struct {
	Version  any           `toml:"version"`
	Packages []lockPackage `toml:"package"`
}

type lockPackage struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
	Source  string `toml:"source"`
}

// ParseLock returns the crates of a Cargo.lock in the file's order. A
// package entry without a name or version is left out and reported in the
// error, together with the crates that could be read; a file that is not
// TOML, or whose [[package]] entries are not tables of strings, is an
// error with no crates.
func ParseLock(data []byte) ([]Crate, error) {
	var lf lockFile
	if _, err := toml.Decode(string(data), &lf); err != nil {
		return nil, err
	}
	switch v := lf.Version.(type) {
	case nil, int64:
	default:
		return nil, fmt.Errorf("lock file version %v is not an integer", v)
	}
	var crates []Crate
	var errs []error
	for i, p := range lf.Packages {
		if p.Name == "" || p.Version == "" {
			errs = append(errs, fmt.Errorf("[[package]] %d has no name or version", i+1))
			continue
		}
		crates = append(crates, Crate{Name: p.Name, Version: p.Version, Kind: sourceKind(p.Source), Source: p.Source})
	}
	return crates, errors.Join(errs...)
}
