package advisory

// Range types for version constraints a feed writes in a package
// manager's own requirement syntax instead of OSV events. A Range of one
// of these types has no Events; its Requirements hold the feed's strings
// verbatim. Feeds that give such constraints (RustSec, rubysec,
// FriendsOfPHP) also store, in the same statement, the ranges with events
// that can be derived from them exactly in the ecosystem's version order
// (see docs/advisory-db.md), so a matcher that only knows events still
// works; the requirement strings are what the package manager itself
// would evaluate.
const (
	// RangeCargo: Cargo SemVer requirements (RustSec), e.g. ">= 1.2.3, < 2",
	// "^0.6.3", "~1.2", "=1.0.0", "*". Comparators in one string are ANDed.
	RangeCargo = "CARGO"
	// RangeRubyGems: RubyGems requirements (rubysec), e.g.
	// "~> 5.2.4, >= 5.2.4.3", "!= 1.0", "= 2.0". Comparators in one
	// string are ANDed.
	RangeRubyGems = "RUBYGEMS"
	// RangeComposer: Composer constraints (FriendsOfPHP), e.g.
	// ">=2.0.0, <2.0.5": one string per advisory branch, its constraints
	// ANDed.
	RangeComposer = "COMPOSER"
)

// Requirements holds version requirements as a feed writes them, one
// requirement per string (comparators within a string are ANDed; the
// syntax is given by the Range type). Two models are used:
//
//   - RangeCargo and RangeRubyGems list what is not affected: the package
//     is affected when its version satisfies none of Patched and none of
//     Unaffected. Both empty means every version is affected.
//   - RangeComposer lists what is affected: the package is affected when
//     its version satisfies any of Affected.
//
// Package managers treat pre-release versions specially when matching
// requirements (Cargo matches a pre-release only against a comparator
// naming the same major.minor.patch with a pre-release; RubyGems' "~>"
// and Composer's "<" bounds exclude pre-releases of the bound), which is
// why these strings are kept next to any derived ranges.
type Requirements struct {
	// Affected are the affected requirements (RangeComposer).
	Affected []string `json:"affected,omitempty"`
	// Patched are the fixed requirements (RustSec [versions] patched,
	// rubysec patched_versions).
	Patched []string `json:"patched,omitempty"`
	// Unaffected are the requirements never affected (RustSec [versions]
	// unaffected, rubysec unaffected_versions).
	Unaffected []string `json:"unaffected,omitempty"`

	// Functions narrows a RustSec advisory to code paths: each affected
	// function ("smallvec::SmallVec::insert_many") maps to the Cargo
	// requirements under which it is vulnerable (RustSec [affected]
	// functions). Empty when the advisory names none.
	Functions map[string][]string `json:"functions,omitempty"`
	// OS and Arch narrow a RustSec advisory to target operating systems
	// ("windows") and architectures ("x86"); empty means all.
	OS   []string `json:"os,omitempty"`
	Arch []string `json:"arch,omitempty"`
	// Informational is RustSec's informational kind ("unmaintained",
	// "unsound", "notice"): the advisory is a warning about the crate
	// rather than a vulnerability. Empty for a vulnerability.
	Informational string `json:"informational,omitempty"`
}
