// Package update downloads the advisory feeds, from their upstream URLs
// or from a mirror laid out like lading's shared vulndata folder, and
// builds a new advisory database from them with package build.
//
// Mirror layout (relative to UpdateOptions.Mirror):
//
//	osv/ecosystems.txt                       optional list of ecosystems
//	osv/<Ecosystem>/all.zip                  OSV dumps ("AlmaLinux:8" → AlmaLinux%3A8 over HTTP)
//	alpine-secdb/<vX.Y|edge>/<repo>.json     secdb (falls back to .yaml)
//	debian/tracker/data/json                 Debian security tracker JSON
//	debian/security-tracker/data/DSA/list    DSA list
//	debian/security-tracker/data/DLA/list    DLA list
//	github/<owner>/<repo>/archive/refs/heads/<branch>.zip
//	                                         native advisory repositories (NativeRepos)
//	redhat/csaf/v2/vex/archive_latest.txt    names the Red Hat VEX archive,
//	redhat/csaf/v2/vex/csaf_vex_<date>.tar.zst  fetched beside it
//	amazon/<al2023|al2>/updateinfo.xml.gz    Amazon Linux updateinfo (upstream: found
//	                                         through mirror.list and repomd.xml)
//	suse/oval/<file>.xml.gz                  SUSE OVAL (SUSEOVALFiles)
//	microsoft/AzureLinuxVulnerabilityData/<file>.xml
//	                                         CBL-Mariner / Azure Linux OVAL
//	ubuntu/security/notices.json             Ubuntu notices (upstream: the API's pages,
//	                                         joined into one document)
//	nvd/feeds/json/cve/2.0/nvdcve-2.0-<year|modified|recent>.json.gz
//	                                         NVD 2.0 feeds (falling back to the retired
//	                                         nvd/feeds/json/cve/1.1/nvdcve-1.1-*.json.gz)
//	kev/known_exploited_vulnerabilities.json CISA KEV catalogue
//	epss/epss_scores-current.csv.gz          EPSS scores
package update

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/build"
)

// Defaults for UpdateOptions.
const (
	// DefaultMaxDownloadSize caps one downloaded file: 2 GiB.
	DefaultMaxDownloadSize int64 = 2 << 30
	// DefaultDownloadTimeout bounds one download, headers to last byte.
	DefaultDownloadTimeout = 30 * time.Minute
)

// UpdateOptions tunes Update.
type UpdateOptions struct {
	// Mirror is a base URL (http://, https:// or file://) laid out as
	// described in the package doc; empty means the upstream URLs.
	Mirror string
	// CacheDir holds the temporary download directory, removed
	// afterwards; empty means os.TempDir().
	CacheDir string
	// Client makes the HTTP requests; nil means a client with connection
	// and header timeouts.
	Client *http.Client
	// MaxDownloadSize caps each file; 0 means DefaultMaxDownloadSize.
	MaxDownloadSize int64
	// Timeout bounds each download; 0 means DefaultDownloadTimeout.
	Timeout time.Duration
	// Feeds limits the feeds fetched: any of "osv", "alpine-secdb",
	// "debian", the Feed names of NativeRepos ("pypa", "rustsec",
	// "rubysec", "friendsofphp"), "nvd", "kev", "epss", and the
	// distribution feeds "redhat", "amazon", "suse", "azurelinux" and
	// "ubuntu"; empty means all.
	Feeds []string
	// OSVEcosystems overrides the ecosystem list (otherwise
	// ecosystems.txt from the OSV base, or DefaultOSVEcosystems).
	OSVEcosystems []string
	// Log receives progress lines; nil means silent.
	Log io.Writer
	// Progress, when set, is told how each download advances (see
	// Transfer), from the goroutine that downloads; downloads run one at
	// a time. It is called at every read of the body, so it must be cheap.
	Progress func(Transfer)
	// BuildProgress, when set, is given to the build as
	// build.Options.Progress.
	BuildProgress func(build.Progress)
	// Now gives the build time; nil means time.Now.
	Now func() time.Time
}

// Transfer reports how one download advances. A download's first event
// has Read 0 and its last has Done set, whether it succeeded or not; a
// file that is not published sends none.
type Transfer struct {
	// Feed is the feed the file belongs to ("osv", "nvd", "pypa", ...);
	// File its path in the mirror layout ("osv/Go/all.zip"); URL where it
	// is fetched from.
	Feed, File, URL string
	// Index and Count place the file among the feed files fetched (Index
	// from 0); Count is 0 for the small index files read while planning
	// (ecosystems.txt, archive_latest.txt, mirror.list, repomd.xml). The
	// Ubuntu notices, read upstream page by page, are a download per page,
	// all with the same File, Index and Count.
	Index, Count int
	// Read counts the bytes received so far; Total is the size the server
	// declared (Content-Length) or the mirror file's size, -1 when unknown.
	Read, Total int64
	// Done is set on the last event of the download.
	Done bool
}

func (o *UpdateOptions) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultDownloadTimeout
}

func (o *UpdateOptions) wants(feed string) bool {
	if len(o.Feeds) == 0 {
		return true
	}
	for _, f := range o.Feeds {
		if f == feed {
			return true
		}
	}
	return false
}

// Report is what UpdateReport did.
type Report struct {
	// Downloaded lists the URLs fetched.
	Downloaded []string `json:"downloaded"`
	// NotPublished lists the URLs the source or mirror does not have.
	NotPublished []string `json:"not_published"`
	// Build is the build's report.
	Build *build.Report `json:"build"`
}

// Update downloads the feeds and rebuilds the database at dbPath. A file
// that is absent (HTTP 404, no such file under a file:// mirror) is
// recorded as not published and skipped; any other failure (network
// error, other HTTP status, truncated or oversized download, a file that
// does not parse) aborts the update and leaves the existing database
// untouched, and so does finding no file at all.
func Update(ctx context.Context, dbPath string, opts UpdateOptions) (*advisory.Metadata, error) {
	r, err := UpdateReport(ctx, dbPath, opts)
	if err != nil {
		return nil, err
	}
	return r.Build.Metadata, nil
}

// UpdateReport is Update returning the full Report.
func UpdateReport(ctx context.Context, dbPath string, opts UpdateOptions) (*Report, error) {
	g, err := newFetcher(&opts)
	if err != nil {
		return nil, err
	}
	cache := opts.CacheDir
	if cache == "" {
		cache = os.TempDir()
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	tmp, err := os.MkdirTemp(cache, "lading-update-")
	if err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	defer os.RemoveAll(tmp)

	rep := &Report{}
	origins := map[string]build.Origin{}
	fetchOne := func(f file) error {
		for cur := &f; cur != nil; cur = cur.fallback {
			if err := ctx.Err(); err != nil {
				return err
			}
			dest := filepath.Join(tmp, filepath.FromSlash(cur.rel))
			loc, err := g.download(ctx, *cur, dest)
			if errors.Is(err, errNotPublished) {
				os.Remove(dest)
				rep.NotPublished = append(rep.NotPublished, loc)
				logf(opts.Log, "not published: %s\n", loc)
				continue
			}
			if err != nil {
				return fmt.Errorf("update: %w", err)
			}
			rep.Downloaded = append(rep.Downloaded, loc)
			origins[dest] = build.Origin{URL: loc, Fetched: time.Now().UTC()}
			logf(opts.Log, "downloaded %s\n", loc)
			return nil
		}
		return nil
	}

	files, err := plan(ctx, g, tmp, &opts, rep)
	if err != nil {
		return nil, err
	}
	for i, f := range files {
		g.index, g.count = i, len(files)
		if err := fetchOne(f); err != nil {
			return nil, err
		}
	}
	g.index, g.count = 0, 0
	if len(rep.Downloaded) == 0 {
		return nil, fmt.Errorf("update: no feed file found at %s (%d tried)", g.describe(), len(rep.NotPublished))
	}
	br, err := build.BuildReport(ctx, dbPath, []string{tmp}, build.Options{Log: opts.Log, Progress: opts.BuildProgress, Now: opts.Now, Origins: origins, Strict: true})
	if err != nil {
		for dest, o := range origins {
			if strings.Contains(err.Error(), dest) {
				return nil, fmt.Errorf("update: %s (downloaded from %s): %w", filepath.Base(dest), o.URL, err)
			}
		}
		return nil, fmt.Errorf("update: %w", err)
	}
	rep.Build = br
	return rep, nil
}

// plan lists the files to fetch; for OSV it first reads ecosystems.txt.
func plan(ctx context.Context, g *fetcher, tmp string, opts *UpdateOptions, rep *Report) ([]file, error) {
	var files []file
	if opts.wants("osv") {
		ecos := opts.OSVEcosystems
		if len(ecos) == 0 {
			idx := file{rel: "osv/ecosystems.txt", upstream: OSVBase + "ecosystems.txt", feed: "osv"}
			dest := filepath.Join(tmp, "ecosystems.txt")
			loc, err := g.get(ctx, idx, dest)
			switch {
			case errors.Is(err, errNotPublished):
				rep.NotPublished = append(rep.NotPublished, loc)
				logf(opts.Log, "not published: %s; using the built-in ecosystem list\n", loc)
				ecos = DefaultOSVEcosystems
			case err != nil:
				return nil, fmt.Errorf("update: %w", err)
			default:
				data, err := os.ReadFile(dest)
				os.Remove(dest)
				if err != nil {
					return nil, fmt.Errorf("update: %w", err)
				}
				ecos = parseEcosystems(data)
				if len(ecos) == 0 {
					return nil, fmt.Errorf("update: %s lists no ecosystem", loc)
				}
			}
		}
		for _, eco := range ecos {
			if !safeEcosystem(eco) {
				logf(opts.Log, "ignoring ecosystem name %q\n", eco)
				continue
			}
			files = append(files, osvFile(eco))
		}
	}
	if opts.wants("alpine-secdb") {
		files = append(files, alpineFiles()...)
	}
	if opts.wants("debian") {
		files = append(files, debianFiles()...)
	}
	files = append(files, nativeFiles(opts)...)
	files = append(files, enrichmentFiles(opts)...)
	distro, err := distroFiles(ctx, g, tmp, opts, rep)
	if err != nil {
		return nil, err
	}
	files = append(files, distro...)
	if len(files) == 0 {
		return nil, fmt.Errorf("update: no feed selected (Feeds %v)", opts.Feeds)
	}
	return files, nil
}

// safeEcosystem rejects names that would escape the download directory.
func safeEcosystem(eco string) bool {
	return eco != "" && eco != "." && eco != ".." && !strings.ContainsAny(eco, "/\\\x00")
}

func newFetcher(opts *UpdateOptions) (*fetcher, error) {
	g := &fetcher{client: opts.Client, maxSize: opts.MaxDownloadSize, opts: opts}
	if g.maxSize <= 0 {
		g.maxSize = DefaultMaxDownloadSize
	}
	if g.client == nil {
		g.client = defaultClient()
	}
	if opts.Mirror != "" {
		u, err := url.Parse(opts.Mirror)
		if err != nil {
			return nil, fmt.Errorf("update: mirror %q: %w", opts.Mirror, err)
		}
		switch u.Scheme {
		case "http", "https":
		case "file":
			if mirrorDir(u) == "" {
				return nil, fmt.Errorf("update: mirror %q: no path", opts.Mirror)
			}
		default:
			return nil, fmt.Errorf("update: mirror %q: want an http://, https:// or file:// URL", opts.Mirror)
		}
		g.mirror = u
	}
	return g, nil
}

func (g *fetcher) describe() string {
	if g.mirror == nil {
		return "the upstream sources"
	}
	return g.mirror.String()
}

// defaultClient bounds connection set-up and waiting for headers; the
// whole download is bounded by UpdateOptions.Timeout.
func defaultClient() *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr}
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}
