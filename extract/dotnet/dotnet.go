// Package dotnet finds .NET (NuGet) packages: the ones an application
// loads, as its <app>.deps.json records them, and the ones a project pins
// in packages.lock.json (NuGet lock files of PackageReference projects) or
// packages.config (the older per-project package list).
//
// Two per-file extractors (extract.FileExtractor) share the work: Deps
// reads *.deps.json, Lock reads packages.lock.json and packages.config.
//
// Packages are reported with package type "nuget", the type
// match.Language matches against the "nuget" namespace, and purl
// pkg:nuget/<id>@<version>. NuGet ids are case-insensitive: the id is
// reported as the file spells it ("Newtonsoft.Json"), files are
// de-duplicated on the lower-cased id and version, and match.Language
// lower-cases ids before looking them up.
//
// Choices that decide what is reported:
//   - deps.json: libraries of type "package" are NuGet packages; those of
//     type "project" are the application and the projects it references,
//     not packages, and are skipped, as are "reference" assemblies.
//     Libraries of type "runtimepack" are the .NET runtime packs a
//     self-contained application carries ("runtimepack.Microsoft.NETCore.
//     App.Runtime.linux-x64/8.0.0"): they are reported, without the
//     "runtimepack." prefix, as the NuGet package of that id and version
//     (Microsoft.NETCore.App.Runtime.linux-x64 8.0.0). That is the package
//     the runtime was copied from, and GitHub's advisories for .NET
//     runtime vulnerabilities name these runtime packages
//     (github/advisory-database issues #740 and #741), so a
//     self-contained application with an old runtime is found out.
//   - deps.json: a library is reported only when the application's
//     runtime target (the "targets" entry "runtimeTarget" names, or all
//     targets when it names none) gives it assets that are loaded: a
//     "runtime", "native", "runtimeTargets" or "resources" entry naming a
//     file other than the "_._" placeholder, and no "compileOnly" mark.
//     Packages the SDK resolved but whose files are not deployed (meta
//     packages such as Microsoft.NETCore.App 1.1.2, packages whose
//     assemblies the shared framework supersedes, such as
//     System.Net.Http 4.1.0 under .NET 6) are not reported: their
//     version says nothing about the code that runs, and reporting it
//     would match advisories against code that is not there. A deps.json
//     without targets has its package libraries reported as they are.
//   - packages.lock.json: every resolved package of every target
//     framework ("Direct", "Transitive" and "CentralTransitive"), each id
//     and version once; "Project" entries (referenced projects) are
//     skipped.
//   - packages.config: every <package id version>, including those marked
//     developmentDependency="true". That attribute only keeps the package
//     out of the dependencies of a NuGet package built from the project
//     (https://learn.microsoft.com/nuget/reference/packages-config); the
//     project itself still uses it.
//   - Versions are reported as written (packages.lock.json writes them
//     normalised; packages.config as the developer chose).
package dotnet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// Type is the package type of NuGet packages, in reports and purls.
const Type = "nuget"

// MaxFileSize is the largest deps.json, packages.lock.json or
// packages.config read; a larger one is reported as a *extract.FileError.
const MaxFileSize = 64 << 20

// collector gathers the packages of one file, each id (case-insensitive)
// and version once, in the order first seen.
type collector struct {
	loc  string
	seen map[string]bool
	pkgs []*inventory.Package
}

func newCollector(loc string) *collector { return &collector{loc: loc, seen: map[string]bool{}} }

func (c *collector) add(id, version string) {
	id, version = strings.TrimSpace(id), strings.TrimSpace(version)
	if !validID(id) || !validVersion(version) {
		return
	}
	k := strings.ToLower(id) + "@" + version
	if c.seen[k] {
		return
	}
	c.seen[k] = true
	c.pkgs = append(c.pkgs, &inventory.Package{
		Name:          id,
		Version:       version,
		Type:          Type,
		SourceName:    id,
		SourceVersion: version,
		PURL:          packageurl.NewPackageURL(packageurl.TypeNuget, "", id, version, nil, "").ToString(),
		Locations:     []inventory.Location{{Path: c.loc}},
	})
}

// validID reports whether id can be a NuGet package id: letters, digits,
// ".", "_" and "-" (nuget.org's rule), at most 256 characters.
func validID(id string) bool {
	if id == "" || len(id) > 256 || id == "." || id == ".." {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validVersion reports whether v can be an exact NuGet version: it starts
// with a digit and holds no spaces, control characters or the characters
// of version ranges ("[1.0, )", "(,2.0]").
func validVersion(v string) bool {
	if v == "" || len(v) > 256 || v[0] < '0' || v[0] > '9' {
		return false
	}
	for _, r := range v {
		if r <= 0x20 || r == 0x7f || strings.ContainsRune("[](),/\\:@?#%", r) {
			return false
		}
	}
	return true
}

// readFile reads the regular file name of at most MaxFileSize bytes,
// without a leading UTF-8 byte order mark (which Visual Studio writes and
// encoding/json refuses). A directory or other non-regular file gives
// (nil, nil).
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
	if d, ok := bytes.CutPrefix(data, []byte("\ufeff")); ok {
		return d, nil
	}
	return data, nil
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

// firstByte is the first byte of data that is not JSON white space, or 0.
func firstByte(data []byte) byte {
	s := bytes.TrimLeft(data, " \t\r\n")
	if len(s) == 0 {
		return 0
	}
	return s[0]
}
