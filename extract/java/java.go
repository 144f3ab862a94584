// Package java finds Maven artifacts: the ones Java archives carry (.jar,
// .war, .ear, .par, and Jenkins plugins, .jpi and .hpi), at any depth of
// archives nested in archives, and the ones Gradle lockfiles pin.
//
// Packages have type "maven", the name "groupId:artifactId" (the
// artifactId alone when the group cannot be told) and the purl
// pkg:maven/<groupId>/<artifactId>@<version>. match.Language matches them
// against the "maven" namespace by that name.
//
// # Identity of an archive
//
// Every META-INF/maven/**/pom.properties in an archive is read (groupId,
// artifactId and version keys; the two folder names stand in for missing
// group or artifact keys; unsubstituted "${...}" values count as missing)
// and each becomes a package (with an empty version when the file gives
// no usable one; match.Language then reports an unknown rather than
// comparing): a shaded or fat jar reports every artifact
// whose pom.properties it embeds, and nothing for what it embeds without
// one (byte-buddy relocates ASM but keeps only its own pom.properties, so
// only byte-buddy is reported).
//
// When one of them names the archive — the file name without extension is
// the artifactId, or starts with it and a '-' — the manifest and the file
// name are not read for identity: pom.properties wins. Debian's
// taglibs-standard-impl-1.2.5-migrated-0.0.1.jar, whose pom.properties says
// 1.2.5 and whose manifest says Implementation-Version 1.2.5-migrated-1.0.6,
// is reported once, as org.apache.taglibs:taglibs-standard-impl 1.2.5; the
// other two version strings are not reported.
//
// Otherwise (no pom.properties, or only embedded ones) the archive's own
// identity is told from META-INF/MANIFEST.MF (main section) and the file
// name, and is reported in front of the others unless it names one of
// their artifactIds:
//   - artifactId: Implementation-Title when it reads like an artifactId
//     (lower case, no spaces: "spring-beans"; "Apache Log4j Core" is a
//     project name), else the file name up to the first '-' followed by a
//     digit (ParseFileName);
//   - version: Implementation-Version, else Bundle-Version, else the file
//     name's version, else Specification-Version;
//   - groupId, first that applies: Bundle-SymbolicName in a short table of
//     known bundles (log4j 1.x as "log4j" or "org.apache.log4j" is
//     log4j:log4j); the Spring Framework modules (spring-beans,
//     spring-core, ...: org.springframework) and the Apache Commons
//     components published under their own name (commons-io:commons-io,
//     ...); Bundle-SymbolicName "<group>.<artifactId>"
//     (com.fasterxml.jackson.core.jackson-databind); Bundle-SymbolicName
//     "<group>.<suffix>" for artifactId "<prefix>-<suffix>" where the
//     group ends in ".<prefix>" (org.apache.logging.log4j.core for
//     log4j-core); Implementation-Vendor-Id when dotted, except
//     "org.apache", which the Apache parent POM writes for every project.
//     The group is a best guess: a manifest names no Maven group, and
//     javax.el-3.0.0.jar (org.glassfish) calls its bundle com.sun.el.javax.el.
//
// An archive whose own identity tells no version (tomcat's sample.war:
// no pom.properties, no version in its manifest or its file name) is not
// reported itself, only what it nests: a name alone cannot be matched. An identity with a version but no group is reported under the
// artifactId alone and matches no advisory.
//
// # Nested archives and locations
//
// Entries of any archive whose names end in one of the archive extensions
// are opened as archives in turn (WEB-INF/lib/*.jar, BOOT-INF/lib/*.jar,
// an ear's modules and lib/). A package's Location.Path is the archive it
// was found in: the file's path in the image, then NestSep ("!/") and the
// entry name for each level of nesting:
//
//	srv/app.ear!/web.war!/WEB-INF/lib/jackson-databind-2.9.10.6.jar
//
// *extract.FileError paths use the same notation, so a broken jar inside a
// war is named as such while the war's other jars are still reported. The
// scan attributes such locations to the layer of the outer file.
//
// # Bounds
//
// Limits (DefaultLimits unless set) bound each file and all it nests: how
// deep nesting is followed (16), entries in all (2,000,000, checked before
// each directory is read), bytes read out of entries in all (2 GiB),
// bytes of one MANIFEST.MF or pom.properties (4 MiB) and of one nested
// archive (512 MiB). Class files and other entries are never inflated.
// Stored nested archives are read in place; compressed ones are inflated
// into memory when small (8 MiB each, 64 MiB at once) and otherwise into a
// temporary file under extract.Input.TempDir, removed when read. A nested
// archive past a limit is a *extract.FileError naming it; when a limit for
// the whole file runs out (entries, bytes), the file's walk ends there with
// a *extract.FileError and what was found so far is returned. A zero-byte
// file, or one that is not a zip archive, is a *extract.FileError.
//
// # Links
//
// When extract.Input.FS tells links from files (fs.ReadLinkFS), a link
// whose final target is a file this extractor reads anyway is skipped, so
// Debian's log4j-core-2.19.0.jar -> log4j-core.jar is reported once, at
// log4j-core.jar. The layer walk's view follows links when opening and
// does not say which paths are links, so in a scan the jar is read through
// both names and the scan's merge of equal packages gives one package
// whose locations are both paths.
//
// # Gradle lockfiles
//
// GradleLock reads gradle.lockfile, buildscript-gradle.lockfile and
// settings-gradle.lockfile (lines "group:artifact:version=configurations")
// and the older per-configuration files (gradle/dependency-locks/
// <configuration>.lockfile, lines "group:artifact:version").
// Every locked artifact is reported once, test configurations included:
// inventory.Package has no field to mark them.
package java

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// Type is the package type of Maven artifacts, as in purls.
const Type = "maven"

// Extractor reads Java archives. The zero value is ready to use, with
// DefaultLimits.
type Extractor struct {
	Limits Limits
}

var _ extract.FileExtractor = (*Extractor)(nil)

// New returns a Java archive extractor with DefaultLimits.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "java-archive" }

// Version implements extract.Extractor.
func (*Extractor) Version() int { return 1 }

// SelfContained marks the extractor as reading only the file it is given.
func (*Extractor) SelfContained() {}

// Wants reports whether p names a Java archive (IsArchiveName).
func (*Extractor) Wants(p string) bool { return IsArchiveName(p) }

// Extract walks in.FS and reads every archive Wants picks. The scan calls
// ExtractFile instead.
func (e *Extractor) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	return walkFS(ctx, in.FS, e.Wants, func(p string) ([]*inventory.Package, error) { return e.ExtractFile(ctx, in, p) })
}

// ExtractFile reads one archive and the archives nested in it. A path that
// does not exist, a directory, and a link skipped as the package
// documentation says give nothing.
func (e *Extractor) ExtractFile(ctx context.Context, in extract.Input, p string) ([]*inventory.Package, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if linkToWanted(in.FS, p, e.Wants) {
		return nil, nil
	}
	f, err := in.FS.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &extract.FileError{Path: p, Err: err}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, &extract.FileError{Path: p, Err: err}
	}
	if !info.Mode().IsRegular() {
		return nil, nil
	}
	w := newWalker(ctx, e.Limits, in.TempDir)
	size := info.Size()
	ra, ok := f.(io.ReaderAt)
	if !ok {
		if size > w.lim.MaxNestedSize {
			return nil, &extract.FileError{Path: p, Err: errors.New("cannot be read at random and is too large to hold in memory")}
		}
		data, err := io.ReadAll(io.LimitReader(f, size+1))
		if err != nil {
			return nil, &extract.FileError{Path: p, Err: err}
		}
		ra, size = bytes.NewReader(data), int64(len(data))
	}
	w.archive(ra, size, p, path.Base(p), 0)
	if err := ctx.Err(); err != nil {
		return w.pkgs, err
	}
	return w.pkgs, errors.Join(w.errs...)
}

// maxLinkHops bounds link resolution, as the kernel's ELOOP does.
const maxLinkHops = 40

// linkToWanted reports whether p is a symbolic link whose final target
// (resolved inside the root) is a path wants picks, when fsys can tell.
func linkToWanted(fsys fs.FS, p string, wants func(string) bool) bool {
	rl, ok := fsys.(fs.ReadLinkFS)
	if !ok {
		return false
	}
	cur := p
	for hops := 0; ; hops++ {
		info, err := rl.Lstat(cur)
		if err != nil {
			return false
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			return hops > 0 && info.Mode().IsRegular() && wants(cur)
		}
		if hops == maxLinkHops {
			return false
		}
		target, err := rl.ReadLink(cur)
		if err != nil {
			return false
		}
		if !strings.HasPrefix(target, "/") {
			target = path.Dir(cur) + "/" + target
		}
		cur = inRoot(target)
		if cur == "" {
			return false
		}
	}
}

// inRoot cleans a slash-separated path as seen from the image root: ".."
// at the root stays at the root. It returns "" for the root itself.
func inRoot(p string) string {
	var parts []string
	for _, c := range strings.Split(p, "/") {
		switch c {
		case "", ".":
		case "..":
			if len(parts) > 0 {
				parts = parts[:len(parts)-1]
			}
		default:
			parts = append(parts, c)
		}
	}
	return strings.Join(parts, "/")
}

// walkFS calls read for every regular file or link wants picks in fsys
// and gathers the results.
func walkFS(ctx context.Context, fsys fs.FS, wants func(string) bool, read func(string) ([]*inventory.Package, error)) ([]*inventory.Package, error) {
	var pkgs []*inventory.Package
	var errs []error
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, &extract.FileError{Path: p, Err: err})
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if d.IsDir() || !wants(p) {
			return nil
		}
		got, err := read(p)
		pkgs = append(pkgs, got...)
		if err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	if err != nil {
		return pkgs, err
	}
	return pkgs, errors.Join(errs...)
}
