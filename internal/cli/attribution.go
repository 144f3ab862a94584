package cli

import (
	"fmt"
	"os"

	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/origin"
	"github.com/lading-dev/lading/report"
)

// loadDockerfile reads --dockerfile.
func loadDockerfile(path string) (*origin.Dockerfile, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--dockerfile: %w", err)
	}
	defer f.Close()
	return origin.ParseDockerfile(path, f)
}

// attribute splits the image's layers into the base image's and its own
// (package origin), and marks each finding's origin and, with a
// Dockerfile, the line of the instruction that made its layer. It
// returns a warning when the Dockerfile does not fit the history and the
// split fell back on the history alone.
func attribute(img *source.Image, rep *report.Report, df *origin.Dockerfile) (string, error) {
	if img.Image == nil {
		return "", nil // a directory has no layers to split
	}
	cfg, err := img.Image.ConfigFile()
	if err != nil {
		return "", fmt.Errorf("reading image config: %w", err)
	}
	var hist []origin.Entry
	labels := map[string]string{}
	if cfg != nil {
		for _, h := range cfg.History {
			hist = append(hist, origin.Entry{CreatedBy: h.CreatedBy, Comment: h.Comment, EmptyLayer: h.EmptyLayer})
		}
		for k, v := range cfg.Config.Labels {
			labels[k] = v
		}
	}
	// Only a registry's or layout's manifest is stored: for an archive or
	// an Engine export go-containerregistry would compress every layer to
	// write one, and it has no annotations.
	if img.Kind == source.KindRegistry || img.Kind == source.KindOCILayout {
		if m, err := img.Image.Manifest(); err == nil && m != nil {
			for k, v := range m.Annotations {
				labels[k] = v
			}
		}
	}

	layerIndex := map[string]int{}
	for i, l := range rep.Layers {
		layerIndex[l.DiffID] = i
	}

	var split *origin.Split
	warning := ""
	nonEmpty := 0
	for _, h := range hist {
		if !h.EmptyLayer {
			nonEmpty++
		}
	}
	switch {
	case nonEmpty != len(rep.Layers):
		split = &origin.Split{Method: origin.MethodNone,
			Evidence: fmt.Sprintf("the history names %d layers, the image has %d", nonEmpty, len(rep.Layers))}
		if df != nil {
			warning = fmt.Sprintf("--dockerfile %s was not used: %s", df.Path, split.Evidence)
		}
	case df != nil:
		split, err = origin.FromDockerfile(hist, df)
		if err != nil {
			warning = err.Error() + "; the base image was told from the history instead, and findings have no dockerfile_line"
			split = origin.FromHistory(hist, labels)
		}
	default:
		split = origin.FromHistory(hist, labels)
	}
	rep.BaseImage = &report.BaseImage{Name: split.Name, Layers: split.BaseLayers, Method: split.Method, Evidence: split.Evidence}
	if df != nil {
		rep.BaseImage.Dockerfile = df.Path
	}
	if split.Method == origin.MethodNone {
		return warning, nil
	}
	for i := range rep.Vulnerabilities {
		v := &rep.Vulnerabilities[i]
		idx, ok := layerIndex[v.Layer]
		if !ok || v.Layer == "" {
			continue
		}
		v.Origin = report.OriginOwn
		if idx < split.BaseLayers {
			v.Origin = report.OriginBase
		}
		if line, ok := split.Lines[idx]; ok {
			v.DockerfileLine = &line
		}
	}
	return warning, nil
}
