package source

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The Docker Engine source speaks the Engine API directly (two calls:
// inspect and export) instead of going through the Engine's Go client: the
// current client refuses engines older than API 1.44, and the export format
// (a docker save archive) is stable across every API version.

func engineClient(host string) (*http.Client, string, error) {
	if host == "" {
		host = os.Getenv("DOCKER_HOST")
	}
	if host == "" {
		host = "unix:///var/run/docker.sock"
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, "", fmt.Errorf("docker host %q: %w", host, err)
	}
	tr := &http.Transport{ResponseHeaderTimeout: 5 * time.Minute}
	switch u.Scheme {
	case "unix":
		sock := u.Path
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		}
		return &http.Client{Transport: tr}, "http://docker", nil
	case "tcp", "http":
		return &http.Client{Transport: tr}, "http://" + u.Host, nil
	}
	return nil, "", fmt.Errorf("docker host %q: unsupported scheme %q", host, u.Scheme)
}

type engineImage struct {
	ID          string   `json:"Id"`
	RepoTags    []string `json:"RepoTags"`
	RepoDigests []string `json:"RepoDigests"`
}

func engineGet(ctx context.Context, c *http.Client, base, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return nil, err
	}
	return c.Do(req)
}

// openDaemon exports an image from the local Docker Engine into a temporary
// docker save archive and opens that.
func openDaemon(ctx context.Context, ref string, opts Options) (*Image, error) {
	c, base, err := engineClient(opts.DockerHost)
	if err != nil {
		return nil, err
	}
	esc := strings.ReplaceAll(url.PathEscape(ref), "%2F", "/")
	resp, err := engineGet(ctx, c, base, "/images/"+esc+"/json")
	if err != nil {
		return nil, fmt.Errorf("docker engine: %w", err)
	}
	var info engineImage
	err = decodeEngine(resp, &info)
	if err != nil {
		return nil, fmt.Errorf("docker engine: image %s: %w", ref, err)
	}
	resp, err = engineGet(ctx, c, base, "/images/"+esc+"/get")
	if err != nil {
		return nil, fmt.Errorf("docker engine: exporting %s: %w", ref, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("docker engine: exporting %s: %s", ref, resp.Status)
	}
	tmp, err := os.CreateTemp(opts.TempDir, "daemon-*.tar")
	if err != nil {
		return nil, fmt.Errorf("docker engine: spooling %s: %w", ref, err)
	}
	img := &Image{Kind: KindDocker, Name: ref, ImageID: info.ID}
	img.cleanup = append(img.cleanup, func() { tmp.Close(); os.Remove(tmp.Name()) })
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, MaxSpool+1))
	if err == nil && n > MaxSpool {
		err = fmt.Errorf("export is larger than %d bytes", int64(MaxSpool))
	}
	if err == nil {
		err = tmp.Close()
	}
	if err != nil {
		img.Close()
		return nil, fmt.Errorf("docker engine: exporting %s: %w", ref, err)
	}
	v1img, err := tarball.ImageFromPath(tmp.Name(), nil)
	if err != nil {
		img.Close()
		return nil, fmt.Errorf("docker engine: reading export of %s: %w", ref, err)
	}
	img.Image = v1img
	if img.ImageID == "" {
		if cfg, err := v1img.ConfigName(); err == nil {
			img.ImageID = cfg.String()
		}
	}
	if len(info.RepoDigests) > 0 {
		if i := strings.LastIndex(info.RepoDigests[0], "@"); i >= 0 {
			img.Digest = info.RepoDigests[0][i+1:]
		}
	}
	if len(info.RepoTags) > 0 && !strings.HasPrefix(ref, "sha256:") {
		img.Name = ref
	}
	return img, nil
}

func decodeEngine(resp *http.Response, v any) error {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxManifest))
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return json.Unmarshal(body, v)
	case http.StatusNotFound:
		return ErrNotFound
	}
	var msg struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &msg)
	return fmt.Errorf("%s: %s", resp.Status, msg.Message)
}
