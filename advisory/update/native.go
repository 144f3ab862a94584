package update

// GitHubBase is where the native advisory repositories' branch archives
// are downloaded from: <GitHubBase><owner>/<repo>/archive/refs/heads/<branch>.zip
// (github.com redirects to codeload.github.com, which serves the zip).
const GitHubBase = "https://github.com/"

// NativeRepo is an advisory repository read in its native format from a
// GitHub branch archive.
type NativeRepo struct {
	// Feed is the name UpdateOptions.Feeds selects it by, and the
	// records' source.
	Feed string
	// Repo is "<owner>/<repo>" on GitHub; Branch the branch archived.
	Repo, Branch string
}

// NativeRepos are the native repositories fetched.
var NativeRepos = []NativeRepo{
	{Feed: "pypa", Repo: "pypa/advisory-database", Branch: "main"},
	{Feed: "rustsec", Repo: "rustsec/advisory-db", Branch: "main"},
	{Feed: "rubysec", Repo: "rubysec/ruby-advisory-db", Branch: "master"},
	{Feed: "friendsofphp", Repo: "FriendsOfPHP/security-advisories", Branch: "master"},
}

// nativeFiles lists the branch archives of the selected native
// repositories; a mirror holds them at
// github/<owner>/<repo>/archive/refs/heads/<branch>.zip.
func nativeFiles(opts *UpdateOptions) []file {
	var out []file
	for _, r := range NativeRepos {
		if !opts.wants(r.Feed) {
			continue
		}
		tail := r.Repo + "/archive/refs/heads/" + r.Branch + ".zip"
		out = append(out, file{rel: "github/" + tail, upstream: GitHubBase + tail, feed: r.Feed})
	}
	return out
}
