package update

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Upstream locations of the distribution feeds read in their publishers'
// own formats.
const (
	// RedHatVEXBase holds Red Hat's CSAF VEX files and, named in
	// archive_latest.txt, the csaf_vex_<date>.tar.zst archive of all of them.
	RedHatVEXBase = "https://security.access.redhat.com/data/csaf/v2/vex/"
	// SUSEOVALBase holds SUSE's OVAL files.
	SUSEOVALBase = "https://ftp.suse.com/pub/projects/security/oval/"
	// AzureLinuxOVALBase holds the CBL-Mariner and Azure Linux OVAL files
	// (github.com/microsoft/AzureLinuxVulnerabilityData, branch main).
	AzureLinuxOVALBase = "https://raw.githubusercontent.com/microsoft/AzureLinuxVulnerabilityData/main/"
	// UbuntuNoticesURL is the ubuntu.com security notices API; it is read
	// UbuntuNoticesPage notices at a time, oldest first.
	UbuntuNoticesURL = "https://ubuntu.com/security/notices.json"
	// UbuntuNoticesPage is the page size asked for (the API's maximum).
	UbuntuNoticesPage = 100
)

// AmazonRepos are the Amazon Linux core repositories whose updateinfo is
// read, by release. Each mirror.list names the current repository; its
// repodata/repomd.xml names the updateinfo file.
var AmazonRepos = []struct{ Release, MirrorList string }{
	{"al2023", "https://cdn.amazonlinux.com/al2023/core/mirrors/latest/x86_64/mirror.list"},
	{"al2", "https://cdn.amazonlinux.com/2/core/latest/x86_64/mirror.list"},
}

// SUSEOVALFiles are the SUSE OVAL files fetched: SUSE Linux Enterprise
// Server 15 and 12, all service packs.
var SUSEOVALFiles = []string{"suse.linux.enterprise.server.15.xml.gz", "suse.linux.enterprise.server.12.xml.gz"}

// AzureLinuxOVALFiles are the Microsoft OVAL files fetched.
var AzureLinuxOVALFiles = []string{"azurelinux-3.0-oval.xml", "cbl-mariner-2.0-oval.xml", "cbl-mariner-1.0-oval.xml"}

// Mirror-layout paths of the distribution feeds.
const (
	redhatRel         = "redhat/csaf/v2/vex/"
	ubuntuNoticesRel  = "ubuntu/security/notices.json"
	suseRel           = "suse/oval/"
	azureLinuxRel     = "microsoft/AzureLinuxVulnerabilityData/"
	amazonRel         = "amazon/"
	maxIndexSize      = 1 << 20 // archive_latest.txt, mirror.list, repomd.xml
	maxUbuntuPages    = 10000
	redhatArchiveFeed = "redhat"
)

var vexArchiveRE = regexp.MustCompile(`^csaf_vex_\d{4}-\d{2}-\d{2}\.tar\.zst$`)

// distroFiles lists the files of the selected distribution feeds
// ("redhat", "amazon", "suse", "azurelinux", "ubuntu"). Red Hat's archive
// name is read from archive_latest.txt first, and upstream Amazon's
// updateinfo location from mirror.list and repomd.xml; an index that is
// not published leaves its feed out (recorded as not published).
//
//	redhat/csaf/v2/vex/archive_latest.txt, redhat/csaf/v2/vex/csaf_vex_<date>.tar.zst
//	amazon/<al2023|al2>/updateinfo.xml.gz
//	suse/oval/suse.linux.enterprise.server.<15|12>.xml.gz
//	microsoft/AzureLinuxVulnerabilityData/<azurelinux-3.0|cbl-mariner-2.0|cbl-mariner-1.0>-oval.xml
//	ubuntu/security/notices.json
func distroFiles(ctx context.Context, g *fetcher, tmp string, opts *UpdateOptions, rep *Report) ([]file, error) {
	var out []file
	if opts.wants("redhat") {
		f, ok, err := redhatArchive(ctx, g, tmp, opts, rep)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, f)
		}
	}
	if opts.wants("amazon") {
		for _, r := range AmazonRepos {
			f, ok, err := amazonUpdateinfo(ctx, g, tmp, r.Release, r.MirrorList, opts, rep)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, f)
			}
		}
	}
	if opts.wants("suse") {
		for _, name := range SUSEOVALFiles {
			out = append(out, file{rel: suseRel + name, upstream: SUSEOVALBase + name, feed: "suse"})
		}
	}
	if opts.wants("azurelinux") {
		for _, name := range AzureLinuxOVALFiles {
			out = append(out, file{rel: azureLinuxRel + name, upstream: AzureLinuxOVALBase + name, feed: "azurelinux"})
		}
	}
	if opts.wants("ubuntu") {
		out = append(out, file{rel: ubuntuNoticesRel, upstream: UbuntuNoticesURL, feed: "ubuntu"})
	}
	return out, nil
}

// getIndex downloads a small index file and returns its contents; ok is
// false (and the location recorded) when it is not published.
func getIndex(ctx context.Context, g *fetcher, tmp string, f file, opts *UpdateOptions, rep *Report) ([]byte, string, bool, error) {
	dest := filepath.Join(tmp, ".index", path.Base(f.rel))
	defer os.RemoveAll(filepath.Join(tmp, ".index"))
	saved := g.maxSize
	if g.maxSize > maxIndexSize {
		g.maxSize = maxIndexSize
	}
	loc, err := g.get(ctx, f, dest)
	g.maxSize = saved
	switch {
	case errors.Is(err, errNotPublished):
		rep.NotPublished = append(rep.NotPublished, loc)
		logf(opts.Log, "not published: %s\n", loc)
		return nil, loc, false, nil
	case err != nil:
		return nil, loc, false, fmt.Errorf("update: %w", err)
	}
	data, err := os.ReadFile(dest)
	if err != nil {
		return nil, loc, false, fmt.Errorf("update: %w", err)
	}
	return data, loc, true, nil
}

// redhatArchive reads archive_latest.txt and returns the archive it names.
func redhatArchive(ctx context.Context, g *fetcher, tmp string, opts *UpdateOptions, rep *Report) (file, bool, error) {
	idx := file{rel: redhatRel + "archive_latest.txt", upstream: RedHatVEXBase + "archive_latest.txt", feed: redhatArchiveFeed}
	data, loc, ok, err := getIndex(ctx, g, tmp, idx, opts, rep)
	if !ok || err != nil {
		return file{}, false, err
	}
	name := strings.TrimSpace(string(data))
	if !vexArchiveRE.MatchString(name) {
		return file{}, false, fmt.Errorf("update: %s names %q, not a csaf_vex_<date>.tar.zst archive", loc, truncate(name, 80))
	}
	return file{rel: redhatRel + name, upstream: RedHatVEXBase + name, feed: redhatArchiveFeed}, true, nil
}

// amazonUpdateinfo locates an Amazon Linux release's updateinfo. From a
// mirror it is amazon/<release>/updateinfo.xml.gz (else .xml); upstream,
// mirror.list gives the repository and its repodata/repomd.xml the file.
func amazonUpdateinfo(ctx context.Context, g *fetcher, tmp, release, mirrorList string, opts *UpdateOptions, rep *Report) (file, bool, error) {
	rel := amazonRel + release + "/updateinfo.xml"
	plain := &file{rel: rel, upstream: "", feed: "amazon"}
	if g.mirror != nil {
		return file{rel: rel + ".gz", feed: "amazon", fallback: plain}, true, nil
	}
	data, loc, ok, err := getIndex(ctx, g, tmp, file{rel: rel + ".mirror.list", upstream: mirrorList, feed: "amazon"}, opts, rep)
	if !ok || err != nil {
		return file{}, false, err
	}
	base := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			base = line
			break
		}
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return file{}, false, fmt.Errorf("update: %s: first entry %q is not an https URL", loc, truncate(base, 80))
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	data, loc, ok, err = getIndex(ctx, g, tmp, file{rel: rel + ".repomd.xml", upstream: base + "repodata/repomd.xml", feed: "amazon"}, opts, rep)
	if !ok || err != nil {
		return file{}, false, err
	}
	href, err := updateinfoHref(data)
	if err != nil {
		return file{}, false, fmt.Errorf("update: %s: %w", loc, err)
	}
	f := file{rel: rel, upstream: base + href, feed: "amazon"}
	if strings.HasSuffix(href, ".gz") {
		f.rel += ".gz"
	}
	return f, true, nil
}

// updateinfoHref reads repomd.xml's <data type="updateinfo"><location
// href="repodata/...-updateinfo.xml.gz"/>, a path inside the repository.
func updateinfoHref(data []byte) (string, error) {
	var md struct {
		Data []struct {
			Type     string `xml:"type,attr"`
			Location struct {
				Href string `xml:"href,attr"`
			} `xml:"location"`
		} `xml:"data"`
	}
	if err := xml.Unmarshal(data, &md); err != nil {
		return "", fmt.Errorf("invalid repomd.xml: %w", err)
	}
	for _, d := range md.Data {
		if d.Type != "updateinfo" {
			continue
		}
		h := d.Location.Href
		if h == "" || strings.Contains(h, "://") || strings.HasPrefix(h, "/") || strings.Contains(h, "..") || strings.ContainsAny(h, "?#\\") {
			return "", fmt.Errorf("updateinfo location %q is not a path inside the repository", truncate(h, 80))
		}
		return h, nil
	}
	return "", errors.New("repomd.xml lists no updateinfo")
}

// download fetches f into dest: upstream, the Ubuntu notices are read
// page by page into one document; everything else is one GET.
func (g *fetcher) download(ctx context.Context, f file, dest string) (string, error) {
	if g.mirror == nil && f.rel == ubuntuNoticesRel {
		return g.getUbuntuNotices(ctx, f, dest)
	}
	return g.get(ctx, f, dest)
}

// getUbuntuNotices pages through the notices API, oldest first, and
// writes {"notices": [...all pages' notices...], "total_results": N} to
// dest. Each page is one bounded download. A first page that is not
// published makes the feed not published; a later failure is an error.
func (g *fetcher) getUbuntuNotices(ctx context.Context, f file, dest string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return f.upstream, err
	}
	out, err := os.Create(dest)
	if err != nil {
		return f.upstream, err
	}
	defer out.Close()
	w := bufio.NewWriter(out)
	w.WriteString(`{"notices":[`)
	pageFile := dest + ".page"
	defer os.Remove(pageFile)
	offset, written, total := 0, 0, -1
	for page := 0; ; page++ {
		if page >= maxUbuntuPages {
			return f.upstream, fmt.Errorf("downloading %s: more than %d pages", f.upstream, maxUbuntuPages)
		}
		u := fmt.Sprintf("%s?order=oldest&limit=%d&offset=%d", f.upstream, UbuntuNoticesPage, offset)
		loc, err := g.get(ctx, file{rel: f.rel, upstream: u, feed: f.feed}, pageFile)
		if err != nil {
			if errors.Is(err, errNotPublished) && page > 0 {
				return loc, fmt.Errorf("downloading %s: page at offset %d missing", f.upstream, offset)
			}
			return loc, err
		}
		n, t, err := copyNotices(pageFile, w, written > 0)
		if err != nil {
			return loc, fmt.Errorf("downloading %s: %w", loc, err)
		}
		written += n
		offset += n
		if t >= 0 {
			total = t
		}
		if n == 0 || (total >= 0 && offset >= total) {
			break
		}
	}
	fmt.Fprintf(w, `],"offset":0,"total_results":%d}`, written)
	if err := w.Flush(); err != nil {
		return f.upstream, err
	}
	if err := out.Close(); err != nil {
		return f.upstream, err
	}
	return f.upstream, nil
}

// copyNotices copies the notices of one API page to w, each after a comma
// when more is true or one was already written; it returns how many it
// copied and the page's total_results (-1 when absent).
func copyNotices(pagePath string, w io.Writer, more bool) (int, int, error) {
	fh, err := os.Open(pagePath)
	if err != nil {
		return 0, -1, err
	}
	defer fh.Close()
	dec := json.NewDecoder(bufio.NewReader(fh))
	tok, err := dec.Token()
	if err != nil {
		return 0, -1, fmt.Errorf("invalid JSON page: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return 0, -1, errors.New("page is not a JSON object")
	}
	n, total, saw := 0, -1, false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return n, total, fmt.Errorf("invalid JSON page: %w", err)
		}
		switch key, _ := tok.(string); key {
		case "notices":
			saw = true
			tok, err := dec.Token()
			if err != nil {
				return n, total, fmt.Errorf("invalid JSON page: %w", err)
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return n, total, errors.New(`page's "notices" is not an array`)
			}
			for dec.More() {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return n, total, fmt.Errorf("invalid JSON page: %w", err)
				}
				if more || n > 0 {
					io.WriteString(w, ",")
				}
				if _, err := w.Write(raw); err != nil {
					return n, total, err
				}
				n++
			}
			if _, err := dec.Token(); err != nil {
				return n, total, fmt.Errorf("invalid JSON page: %w", err)
			}
		case "total_results":
			var v json.Number
			if err := dec.Decode(&v); err != nil {
				return n, total, fmt.Errorf("invalid JSON page: %w", err)
			}
			if t, err := strconv.Atoi(v.String()); err == nil && t >= 0 {
				total = t
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return n, total, fmt.Errorf("invalid JSON page: %w", err)
			}
		}
	}
	if !saw {
		return n, total, errors.New(`page has no "notices"`)
	}
	return n, total, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
