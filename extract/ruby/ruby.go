// Package ruby finds Ruby gems: the ones pinned by Bundler's lockfiles
// (Gemfile.lock, and gems.locked for projects with a gems.rb) and the ones
// installed in a gem home (the specifications/<name>-<version>.gemspec
// files RubyGems writes for every installed gem, default gems included).
//
// Two per-file extractors (extract.FileExtractor) share the work: Lock
// reads the lockfiles, Installed reads the installed specifications.
//
// Gems are reported with package type "gem", the type match.Language
// matches against the "rubygems" namespace (rubysec and GitHub
// advisories), and purl pkg:gem/<name>@<version>. Gem names are case
// sensitive and are reported as written.
//
// Choices that decide what is reported:
//   - Lockfiles: only gems of GEM sections (gems from a gem server) are
//     reported. GIT sections (gems built from a repository checkout) and
//     PATH sections (gems from a folder, usually the project itself) are
//     not: their code is not a published release, and RubyGems advisories
//     are about published releases. Several GEM sections (several gem
//     servers) are all read.
//   - A lockfile spec's platform suffix is dropped: "nokogiri
//     (1.13.6-x86_64-linux)" is nokogiri 1.13.6. As Bundler itself reads
//     these lines, the version ends at the first "-" (Bundler writes
//     pre-release versions with dots, "1.0.0.pre.rc1"). A lockfile that
//     lists one version for several platforms gives that version once;
//     which platform's build is installed is not in the lockfile.
//   - The "BUNDLED WITH" version, the DEPENDENCIES list (requirements, not
//     resolutions), PLATFORMS, RUBY VERSION and CHECKSUMS are not packages.
//   - Lockfiles inside an installed gem's folder (gems/<name>-<version>/,
//     bundler/gems/<name>-<revision>/) are not read: they pin that gem's
//     own development set-up, not what is installed.
//   - Installed specifications are read by pattern, never evaluated: the
//     name, version and licences are taken from the string literals that
//     RubyGems writes ("s.name = "rake".freeze", "s.version = "13.0.3"",
//     "s.licenses = ["MIT".freeze]", or the %q{...} forms of older
//     RubyGems) on the variable of the Gem::Specification.new block. When
//     no literal name and version can be found the "# stub: <name>
//     <version> ..." comment RubyGems writes on the second line is used;
//     a file with neither is a *extract.FileError. The platform of a
//     platform-specific gem is not reported.
//   - Development dependencies of gems and groups of the Gemfile are not
//     told apart: a lockfile does not record groups.
package ruby

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// Type is the package type of Ruby gems, in reports and purls.
const Type = "gem"

// MaxFileSize is the largest lockfile or gemspec read; a larger one is
// reported as a *extract.FileError.
const MaxFileSize = 64 << 20

// readFile reads the regular file name of at most MaxFileSize bytes. A
// directory or other non-regular file gives (nil, nil).
func readFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxFileSize)
	}
	// A byte order mark (editors on Windows write one) is not text.
	if d, ok := bytes.CutPrefix(data, []byte("\ufeff")); ok {
		return d, nil
	}
	return data, nil
}

// gemName is what RubyGems accepts in a gem name: letters, digits, ".",
// "_" and "-".
var gemName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// gemVersion is RubyGems' version syntax (Gem::Version).
var gemVersion = regexp.MustCompile(`^[0-9]+(?:\.[0-9A-Za-z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$`)

func validName(name string) bool {
	return len(name) <= 256 && gemName.MatchString(name) && name != "." && name != ".."
}

func validVersion(v string) bool { return len(v) <= 256 && gemVersion.MatchString(v) }

// newPackage builds a gem found in the file at loc.
func newPackage(name, version, loc string, licenses []string) *inventory.Package {
	return &inventory.Package{
		Name:          name,
		Version:       version,
		Type:          Type,
		SourceName:    name,
		SourceVersion: version,
		PURL:          packageurl.NewPackageURL(packageurl.TypeGem, "", name, version, nil, "").ToString(),
		Licenses:      licenses,
		Locations:     []inventory.Location{{Path: loc}},
	}
}

// read reads p for ExtractFile: a missing file or a directory gives
// (nil, nil), any other failure a *extract.FileError.
func read(fsys fs.FS, p string) ([]byte, error) {
	data, err := readFile(fsys, p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, extract.AsFileError(p, err)
	}
	return data, nil
}

// inInstalledGem reports whether p lies inside the folder of an installed
// gem: a folder named "gems" followed by a "<name>-<version>" folder (the
// version starting with a digit) or, for gems Bundler checked out from
// git, a "<name>-<revision>" folder (12 hexadecimal digits).
func inInstalledGem(p string) bool {
	parts := strings.Split(p, "/")
	for i := 0; i+2 < len(parts); i++ {
		if parts[i] != "gems" {
			continue
		}
		dir := parts[i+1]
		j := strings.LastIndexByte(dir, '-')
		if j <= 0 || j+1 >= len(dir) {
			continue
		}
		if suffix := dir[j+1:]; suffix[0] >= '0' && suffix[0] <= '9' || isRevision(suffix) {
			return true
		}
	}
	return false
}

// isRevision reports whether s is the 12-digit abbreviated git revision
// Bundler puts in the folder names of its git checkouts.
func isRevision(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
