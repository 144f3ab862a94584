// Package source resolves an image reference to an image: a docker save
// archive, an OCI image layout (directory or tar), the local Docker Engine,
// a registry, or a root filesystem directory. go-containerregistry supplies
// the image model; this package chooses and opens the source.
package source

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Kinds of source, as written before the colon of a reference.
const (
	KindDockerArchive = "docker-archive"
	KindOCILayout     = "oci-layout"
	KindDocker        = "docker"
	KindRegistry      = "registry"
	KindDir           = "dir"
)

// Options tune how a source is opened.
type Options struct {
	// Platform selects an image from a multi-platform index, as
	// "os/arch[/variant]". Empty means the only image, or linux/amd64
	// when there are several.
	Platform string
	// TempDir is where a source may spool data it cannot stream (a daemon
	// export, a compressed archive). It must be inside lading's cache.
	TempDir string
	// DockerHost is the Engine API address (DOCKER_HOST form); empty means
	// $DOCKER_HOST or unix:///var/run/docker.sock.
	DockerHost string
	// Keychain supplies registry credentials; nil means ~/.docker/config.json
	// (authn.DefaultKeychain).
	Keychain authn.Keychain
	// Transport is the HTTP transport for registries; nil means the default.
	Transport http.RoundTripper
	// Insecure allows plain HTTP for any registry (localhost and 127.0.0.1
	// are always allowed).
	Insecure bool
}

// Image is an opened image, or a root filesystem directory.
type Image struct {
	// Ref is the reference as the user wrote it, Kind the source it came
	// from and Name the resolved name (a tag or a path).
	Ref, Kind, Name string
	// Digest is the manifest digest where the source has one (registry,
	// layout, daemon repo digest); ImageID is the config digest.
	Digest, ImageID string
	// Image is nil for a directory.
	Image v1.Image
	// Dir is the root filesystem directory for KindDir.
	Dir string

	cleanup []func()
}

// Close releases what opening the image took (spooled files).
func (i *Image) Close() {
	for _, f := range i.cleanup {
		f()
	}
	i.cleanup = nil
}

// ErrNotFound means the source holds no image by that name.
var ErrNotFound = errors.New("image not found")

// Open resolves ref. A reference may carry its source as a prefix
// ("docker-archive:img.tar", "oci-layout:dir:tag", "docker:alpine:3.20",
// "registry:ghcr.io/x/y:1", "dir:/rootfs"); without one, an existing path
// is opened as an archive, layout or directory, and a name is looked up in
// the local Docker Engine first and then in its registry.
func Open(ctx context.Context, ref string, opts Options) (*Image, error) {
	kind, rest := splitKind(ref)
	var img *Image
	var err error
	switch kind {
	case KindDockerArchive:
		img, err = openArchive(rest, opts)
	case KindOCILayout:
		img, err = openLayout(rest, opts)
	case KindDocker:
		img, err = openDaemon(ctx, rest, opts)
	case KindRegistry:
		img, err = openRegistry(ctx, rest, opts)
	case KindDir:
		img, err = openDir(rest)
	default:
		img, err = openDetected(ctx, ref, opts)
	}
	if err != nil {
		return nil, err
	}
	img.Ref = ref
	return img, nil
}

func splitKind(ref string) (string, string) {
	for _, k := range []string{KindDockerArchive, KindOCILayout, KindDocker, KindRegistry, KindDir} {
		if strings.HasPrefix(ref, k+":") {
			return k, strings.TrimPrefix(ref, k+":")
		}
	}
	return "", ref
}

func openDetected(ctx context.Context, ref string, opts Options) (*Image, error) {
	if fi, err := os.Stat(ref); err == nil {
		if fi.IsDir() {
			if _, err := os.Stat(ref + "/oci-layout"); err == nil {
				return openLayout(ref, opts)
			}
			return openDir(ref)
		}
		if isOCILayoutTar(ref) {
			return openLayout(ref, opts)
		}
		return openArchive(ref, opts)
	}
	if looksLikePath(ref) {
		_, err := os.Stat(ref)
		return nil, fmt.Errorf("%s: %w (a path was meant, not an image name)", ref, err)
	}
	img, derr := openDaemon(ctx, ref, opts)
	if derr == nil {
		return img, nil
	}
	img, rerr := openRegistry(ctx, ref, opts)
	if rerr == nil {
		return img, nil
	}
	return nil, fmt.Errorf("%s: not in the local Docker Engine (%v), and not pulled from a registry: %w", ref, derr, rerr)
}

// looksLikePath tells a mistyped path from an image name, so that it is
// not sent to a registry: image names never start with "/" or ".", nor end
// with an archive's extension.
func looksLikePath(ref string) bool {
	for _, p := range []string{"/", "./", "../", "~"} {
		if strings.HasPrefix(ref, p) {
			return true
		}
	}
	for _, ext := range []string{".tar", ".tar.gz", ".tgz", ".tar.zst"} {
		if strings.HasSuffix(ref, ext) {
			return true
		}
	}
	return false
}

func openDir(path string) (*Image, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("dir %s: %w", path, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("dir %s: not a directory", path)
	}
	return &Image{Kind: KindDir, Name: path, Dir: path}, nil
}
