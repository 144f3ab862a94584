package build

import (
	"archive/zip"
	"context"
	"path"
	"strings"

	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/advisory/feed/friendsofphp"
	"github.com/lading-dev/lading/advisory/feed/pypa"
	"github.com/lading-dev/lading/advisory/feed/rubysec"
	"github.com/lading-dev/lading/advisory/feed/rustsec"
)

// Native advisory repositories, read from their GitHub branch archives
// (https://github.com/<owner>/<repo>/archive/refs/heads/<branch>.zip).
const (
	// FormatPyPAArchive is pypa/advisory-database: OSV YAML under vulns/.
	FormatPyPAArchive Format = "pypa-archive"
	// FormatRustSecArchive is rustsec/advisory-db: Markdown with TOML
	// front matter under crates/ and rust/.
	FormatRustSecArchive Format = "rustsec-archive"
	// FormatRubySecArchive is rubysec/ruby-advisory-db: YAML under gems/
	// and rubies/.
	FormatRubySecArchive Format = "rubysec-archive"
	// FormatFriendsOfPHPArchive is FriendsOfPHP/security-advisories: YAML
	// under <vendor>/<package>/.
	FormatFriendsOfPHPArchive Format = "friendsofphp-archive"
)

// nativeArchive describes how a branch archive of one repository is
// recognised: its top folder is <repo>-<branch>, and it holds at least
// one advisory file of the repository's layout.
type nativeArchive struct {
	format Format
	repo   string // top folder prefix, "<repo>-"
	// advisory reports whether a path inside the top folder is one of
	// the repository's advisory files.
	advisory func(p string) bool
}

var nativeArchives = []nativeArchive{
	{FormatPyPAArchive, "advisory-database-", func(p string) bool {
		return strings.HasPrefix(p, "vulns/") && strings.Count(p, "/") == 2 && path.Ext(p) == ".yaml"
	}},
	{FormatRustSecArchive, "advisory-db-", func(p string) bool {
		return (strings.HasPrefix(p, "crates/") || strings.HasPrefix(p, "rust/")) && strings.Count(p, "/") == 2 && path.Ext(p) == ".md"
	}},
	{FormatRubySecArchive, "ruby-advisory-db-", func(p string) bool {
		return (strings.HasPrefix(p, "gems/") || strings.HasPrefix(p, "rubies/")) && strings.Count(p, "/") == 2 && path.Ext(p) == ".yml"
	}},
	{FormatFriendsOfPHPArchive, "security-advisories-", func(p string) bool {
		return strings.Count(p, "/") == 2 && path.Ext(p) == ".yaml" && !strings.HasPrefix(p, ".")
	}},
}

// detectBranchArchive tells which native repository a GitHub branch
// archive with top folder top holds, from the folder name and the files
// inside; ok is false when it is none of them.
func detectBranchArchive(zr *zip.Reader, top string) (Format, bool) {
	for _, na := range nativeArchives {
		if !strings.HasPrefix(top, na.repo) || len(top) == len(na.repo) {
			continue
		}
		for _, zf := range zr.File {
			if rel, ok := strings.CutPrefix(strings.TrimPrefix(zf.Name, "./"), top+"/"); ok && na.advisory(rel) {
				return na.format, true
			}
		}
	}
	return "", false
}

// ingestNative reads a native repository archive; it returns the source
// name, or "" when format is not one of these.
func ingestNative(ctx context.Context, p string, format Format, sink feed.Sink) (string, feed.Stats, error) {
	var read func(context.Context, string, feed.Sink) (feed.Stats, error)
	var source string
	switch format {
	case FormatPyPAArchive:
		source, read = pypa.Source, pypa.ReadZipFile
	case FormatRustSecArchive:
		source, read = rustsec.Source, rustsec.ReadZipFile
	case FormatRubySecArchive:
		source, read = rubysec.Source, rubysec.ReadZipFile
	case FormatFriendsOfPHPArchive:
		source, read = friendsofphp.Source, friendsofphp.ReadZipFile
	default:
		return "", feed.Stats{}, nil
	}
	stats, err := read(ctx, p, sink)
	return source, stats, err
}
