package java

import (
	"path"
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/lading-dev/lading/inventory"
)

// Where an Artifact's identity was read.
const (
	FromPOMProperties = "pom.properties"
	FromManifest      = "MANIFEST.MF"
	FromFileName      = "file name"
	FromGradleLock    = "gradle.lockfile"
)

// Artifact is a Maven artifact as lading reports it.
type Artifact struct {
	// GroupID is "" when it cannot be told (see the package
	// documentation); the package is then named by ArtifactID alone.
	GroupID    string
	ArtifactID string
	// Version is "" when no version is known.
	Version string
	// From says where the identity was read: FromPOMProperties,
	// FromManifest (the manifest, possibly completed by the file name) or
	// FromFileName, or FromGradleLock.
	From string
}

// Name is "groupId:artifactId", or the artifactId alone when the group is
// unknown.
func (a Artifact) Name() string {
	if a.GroupID == "" {
		return a.ArtifactID
	}
	return a.GroupID + ":" + a.ArtifactID
}

// PURL returns pkg:maven/<groupId>/<artifactId>@<version> (without the
// namespace when the group is unknown, without @version when the version
// is).
func PURL(a Artifact) string {
	return packageurl.NewPackageURL(packageurl.TypeMaven, a.GroupID, a.ArtifactID, a.Version, nil, "").ToString()
}

func (a Artifact) pkg(loc string) *inventory.Package {
	return &inventory.Package{
		Name:          a.Name(),
		Version:       a.Version,
		Type:          Type,
		SourceName:    a.Name(),
		SourceVersion: a.Version,
		PURL:          PURL(a),
		Locations:     []inventory.Location{{Path: loc}},
	}
}

// validID reports whether s is a Maven groupId or artifactId: letters,
// digits, '.', '_' and '-' (what Maven accepts).
func validID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// cleanVersion returns v trimmed, or "" when it is a placeholder that was
// never substituted ("${project.version}") or holds white space or control
// characters, which no published version does.
func cleanVersion(v string) string {
	v = strings.TrimSpace(v)
	if strings.Contains(v, "${") {
		return ""
	}
	for _, r := range v {
		if r <= ' ' || r == 0x7f {
			return ""
		}
	}
	return v
}

// field returns a pom.properties value trimmed, "" for a placeholder.
func field(v string) string {
	v = strings.TrimSpace(v)
	if strings.Contains(v, "${") {
		return ""
	}
	return v
}

// isPOMProperties reports whether the entry name is
// META-INF/maven/<anything>/pom.properties.
func isPOMProperties(name string) bool {
	return strings.HasPrefix(name, "META-INF/maven/") && strings.HasSuffix(name, "/pom.properties")
}

// POMArtifact reads the identity in a pom.properties file found at entry
// (META-INF/maven/<groupId>/<artifactId>/pom.properties). The groupId and
// artifactId keys win over the folder names, which stand in for missing
// keys. It reports false when no valid groupId and artifactId can be told.
// A missing or unusable version leaves Version "".
func POMArtifact(entry string, data []byte) (Artifact, bool) {
	props := ParseProperties(data)
	a := Artifact{GroupID: field(props["groupId"]), ArtifactID: field(props["artifactId"]),
		Version: cleanVersion(props["version"]), From: FromPOMProperties}
	rest, _ := strings.CutPrefix(entry, "META-INF/maven/")
	rest, _ = strings.CutSuffix(rest, "/pom.properties")
	if dirs := strings.Split(rest, "/"); len(dirs) == 2 && isPOMProperties(entry) {
		if a.GroupID == "" {
			a.GroupID = dirs[0]
		}
		if a.ArtifactID == "" {
			a.ArtifactID = dirs[1]
		}
	}
	if !validID(a.GroupID) || !validID(a.ArtifactID) {
		return Artifact{}, false
	}
	return a, true
}

// archiveExts are the file name extensions read as Java archives.
var archiveExts = []string{".jar", ".war", ".ear", ".par", ".jpi", ".hpi"}

// IsArchiveName reports whether a file name ends in .jar, .war, .ear, .par,
// .jpi or .hpi (any case).
func IsArchiveName(name string) bool {
	return archiveExt(name) != ""
}

func archiveExt(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i < 0 || len(name)-i != 4 {
		return ""
	}
	ext := strings.ToLower(name[i:])
	for _, e := range archiveExts {
		if ext == e {
			return ext
		}
	}
	return ""
}

// ParseFileName splits an archive's file name (folders and extension are
// dropped) into an artifactId and a version at the first '-' followed by
// a digit: "jackson-databind-2.9.10.6.jar" is jackson-databind 2.9.10.6,
// "guava-29.0-jre.jar" guava 29.0-jre, "commons-text.jar" commons-text
// with no version. A name whose artifact part would not be a valid
// artifactId gives "". The rule cannot tell a version that a name carries
// inside it: "log4j-1.2-api-2.19.0.jar" reads as log4j 1.2-api-2.19.0.
func ParseFileName(name string) (artifactID, version string) {
	base := path.Base(name)
	if ext := archiveExt(base); ext != "" {
		base = base[:len(base)-len(ext)]
	}
	artifactID = base
	for i := 0; i+1 < len(base); i++ {
		if base[i] == '-' && base[i+1] >= '0' && base[i+1] <= '9' {
			artifactID, version = base[:i], cleanVersion(base[i+1:])
			break
		}
	}
	if !validID(artifactID) {
		return "", ""
	}
	return artifactID, version
}

// fileMatches reports whether an archive's file name is named after the
// artifactId: its base name without extension is the artifactId or starts
// with it and a '-' ("taglibs-standard-impl-1.2.5-migrated-0.0.1.jar" for
// taglibs-standard-impl).
func fileMatches(name, artifactID string) bool {
	base := path.Base(name)
	if ext := archiveExt(base); ext != "" {
		base = base[:len(base)-len(ext)]
	}
	return base == artifactID || strings.HasPrefix(base, artifactID+"-")
}

// knownSymbolicNames maps Bundle-SymbolicName values whose Maven
// coordinates the other rules cannot tell to those coordinates. log4j 1.x
// is published as log4j:log4j; upstream's jar calls its bundle "log4j" and
// Debian's rebuild (liblog4j1.2-java) "org.apache.log4j".
var knownSymbolicNames = map[string]Artifact{
	"log4j":            {GroupID: "log4j", ArtifactID: "log4j"},
	"org.apache.log4j": {GroupID: "log4j", ArtifactID: "log4j"},
}

// springFramework lists the Spring Framework modules (groupId
// org.springframework). Their jars are built with Gradle and carry no
// pom.properties; their manifests give only Implementation-Title (the
// artifactId) and Implementation-Version.
var springFramework = set(
	"spring-aop", "spring-aspects", "spring-beans", "spring-context", "spring-context-indexer",
	"spring-context-support", "spring-core", "spring-expression", "spring-instrument",
	"spring-instrument-tomcat", "spring-jcl", "spring-jdbc", "spring-jms", "spring-messaging",
	"spring-orm", "spring-oxm", "spring-r2dbc", "spring-test", "spring-tx", "spring-web",
	"spring-webflux", "spring-webmvc", "spring-webmvc-portlet", "spring-websocket")

// groupIsArtifact lists Apache Commons components whose groupId is their
// artifactId (commons-io:commons-io); their manifests point elsewhere
// (Bundle-SymbolicName org.apache.commons.io, Implementation-Vendor-Id
// org.apache).
var groupIsArtifact = set(
	"commons-beanutils", "commons-chain", "commons-cli", "commons-codec", "commons-collections",
	"commons-configuration", "commons-daemon", "commons-dbcp", "commons-digester", "commons-discovery",
	"commons-el", "commons-fileupload", "commons-httpclient", "commons-io", "commons-jxpath",
	"commons-lang", "commons-logging", "commons-net", "commons-pool", "commons-validator")

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// artifactLike reports whether an Implementation-Title can be taken for an
// artifactId: lower-case letters, digits, '.', '_' and '-', starting with a
// letter or digit ("spring-beans", not "Apache Log4j Core" or
// "Jackson-annotations", which are project names).
func artifactLike(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// symbolicName returns a Bundle-SymbolicName without its parameters
// ("x.y;singleton:=true" is x.y).
func symbolicName(m Manifest) string {
	s, _, _ := strings.Cut(m.Get("Bundle-SymbolicName"), ";")
	return strings.TrimSpace(s)
}

// ManifestArtifact tells an archive's identity from its manifest and its
// file name, for archives without pom.properties. See the package
// documentation for the rules. It reports false when no artifactId or no
// version can be told.
func ManifestArtifact(m Manifest, fileName string) (Artifact, bool) {
	fileArtifact, fileVersion := ParseFileName(fileName)
	a := Artifact{ArtifactID: fileArtifact, From: FromFileName}
	used := false // whether the manifest told any part
	if title := m.Get("Implementation-Title"); artifactLike(title) {
		a.ArtifactID, used = title, true
	}
	switch v := firstNonEmpty(cleanVersion(m.Get("Implementation-Version")), cleanVersion(m.Get("Bundle-Version"))); {
	case v != "":
		a.Version, used = v, true
	case fileVersion != "":
		a.Version = fileVersion
	default:
		a.Version = cleanVersion(m.Get("Specification-Version"))
		used = used || a.Version != ""
	}
	sym := symbolicName(m)
	if known, ok := knownSymbolicNames[sym]; ok {
		a.GroupID, a.ArtifactID, used = known.GroupID, known.ArtifactID, true
	} else {
		g, fromManifest := manifestGroup(m, sym, a.ArtifactID)
		a.GroupID, used = g, used || fromManifest
	}
	if used {
		a.From = FromManifest
	}
	if !validID(a.ArtifactID) || a.Version == "" {
		return Artifact{}, false
	}
	return a, true
}

// manifestGroup derives a groupId for artifactID, "" when none can be told;
// fromManifest is false when it comes from lading's own tables.
func manifestGroup(m Manifest, sym, artifactID string) (group string, fromManifest bool) {
	switch {
	case artifactID == "":
		return "", false
	case springFramework[artifactID]:
		return "org.springframework", false
	case groupIsArtifact[artifactID]:
		return artifactID, false
	}
	// Bundle-SymbolicName "<group>.<artifactId>":
	// com.fasterxml.jackson.core.jackson-databind.
	if g, ok := strings.CutSuffix(sym, "."+artifactID); ok && strings.Contains(g, ".") && validID(g) {
		return g, true
	}
	// Bundle-SymbolicName "<group>.<suffix>" for artifactId
	// "<prefix>-<suffix>" when the group ends in ".<prefix>":
	// org.apache.logging.log4j.core for log4j-core,
	// org.apache.taglibs.standard-impl for taglibs-standard-impl.
	for i := strings.IndexByte(artifactID, '-'); i > 0; {
		prefix, suffix := artifactID[:i], artifactID[i+1:]
		if g, ok := strings.CutSuffix(sym, "."+suffix); ok && strings.HasSuffix(g, "."+prefix) && validID(g) {
			return g, true
		}
		j := strings.IndexByte(artifactID[i+1:], '-')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	// Implementation-Vendor-Id, which Maven's archiver sets to the
	// groupId, except "org.apache": the Apache parent POM writes that for
	// every project.
	if v := strings.TrimSpace(m.Get("Implementation-Vendor-Id")); strings.Contains(v, ".") && v != "org.apache" && validID(v) {
		return v, true
	}
	return "", false
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
