package source

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// openRegistry pulls the manifest and config of an image over the OCI
// distribution API; layers are fetched later, as they are read, and checked
// against their digests by go-containerregistry. Credentials come from the
// keychain (~/.docker/config.json and its credential helpers by default):
// anonymous, basic and bearer-token auth are negotiated per registry.
func openRegistry(ctx context.Context, ref string, opts Options) (*Image, error) {
	var nameOpts []name.Option
	if opts.Insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nameOpts...)
	if err != nil {
		return nil, fmt.Errorf("registry reference %q: %w", ref, err)
	}
	kc := opts.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}
	if opts.Transport != nil {
		ropts = append(ropts, remote.WithTransport(opts.Transport))
	}
	p, err := parsePlatform(opts.Platform)
	if err != nil {
		return nil, err
	}
	ropts = append(ropts, remote.WithPlatform(*p))
	v1img, err := remote.Image(r, ropts...)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", r.Context().RegistryStr(), err)
	}
	img := &Image{Kind: KindRegistry, Name: r.Name(), Image: v1img}
	if err := fillIDs(img); err != nil {
		return nil, fmt.Errorf("registry %s: %w", r.Name(), err)
	}
	return img, nil
}
