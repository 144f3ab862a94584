package origin

import (
	"regexp"
	"strings"
)

// Entry is one image history entry.
type Entry struct {
	CreatedBy  string
	Comment    string
	EmptyLayer bool
}

// Methods of a Split.
const (
	MethodDockerfile = "dockerfile"
	MethodLabel      = "label"
	MethodHistory    = "history"
	MethodNone       = "none"
)

// BaseNameLabel is the OCI annotation (and label) naming the base image.
const BaseNameLabel = "org.opencontainers.image.base.name"

// Split says which layers are the base image's.
type Split struct {
	// BaseLayers is how many layers, lowest first, the base brought.
	BaseLayers int
	Method     string
	// Evidence is the history entry or Dockerfile line that decided.
	Evidence string
	// Name is the base image's name, when something says it.
	Name string
	// Lines maps a layer index to the line of the Dockerfile instruction
	// that made the layer (method dockerfile only).
	Lines map[int]int
}

// FromHistory splits by the history alone (methods label and history).
// labels are the image config's labels and the manifest's annotations.
func FromHistory(hist []Entry, labels map[string]string) *Split {
	s := &Split{Method: MethodNone, Name: labels[BaseNameLabel]}
	for i := len(hist) - 1; i >= 0; i-- {
		kw, rest := instruction(hist[i].CreatedBy)
		if kw == "LABEL" && strings.Contains(rest, BaseNameLabel+"=") {
			s.Method, s.Evidence = MethodLabel, strings.TrimSpace(hist[i].CreatedBy)
			s.BaseLayers = layersIn(hist[:i])
			if s.Name == "" {
				s.Name = labelValue(rest, BaseNameLabel)
			}
			return s
		}
	}
	for i := len(hist) - 1; i >= 0; i-- {
		if rootfs(hist[i]) || (i == 0 && imported(hist[0])) {
			s.Method, s.BaseLayers = MethodHistory, layersIn(hist[:i+1])
			s.Evidence = strings.TrimSpace(hist[i].CreatedBy)
			if s.Evidence == "" {
				s.Evidence = strings.TrimSpace(hist[i].Comment)
			}
			return s
		}
	}
	return s
}

var (
	legacyRootfs = regexp.MustCompile(`^file:\S+ in /$`)
	tarball      = regexp.MustCompile(`(?i)\.(tar|tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2?|tar\.zst)$`)
)

// imported reports whether the first history entry is a `docker import`
// with a message of its own (`docker import -m MSG`): a layer that no
// instruction made, at the bottom of the image. Later entries like it come
// from `docker commit` and are not taken for a base.
func imported(e Entry) bool {
	return !e.EmptyLayer && strings.TrimSpace(e.CreatedBy) == ""
}

// rootfs reports whether an entry lays down a root filesystem.
func rootfs(e Entry) bool {
	if e.EmptyLayer {
		return false
	}
	if strings.TrimSpace(e.CreatedBy) == "" && strings.HasPrefix(e.Comment, "Imported from") {
		return true
	}
	kw, rest := instruction(e.CreatedBy)
	if kw != "ADD" {
		return false
	}
	if legacyRootfs.MatchString(rest) {
		return true
	}
	f := strings.Fields(rest)
	return len(f) == 2 && f[1] == "/" && tarball.MatchString(f[0])
}

func layersIn(hist []Entry) int {
	n := 0
	for _, e := range hist {
		if !e.EmptyLayer {
			n++
		}
	}
	return n
}

var keywords = map[string]bool{
	"ADD": true, "ARG": true, "CMD": true, "COPY": true, "ENTRYPOINT": true, "ENV": true, "EXPOSE": true,
	"HEALTHCHECK": true, "LABEL": true, "MAINTAINER": true, "ONBUILD": true, "RUN": true, "SHELL": true,
	"STOPSIGNAL": true, "USER": true, "VOLUME": true, "WORKDIR": true,
}

// argsPrefix is the "|2 A=1 B=2 " the builders put before a RUN command
// that build arguments were set for.
var argsPrefix = regexp.MustCompile(`^\|(\d+)\s+`)

// instruction reads a history entry's created_by as a Dockerfile keyword
// and the rest, for both builders:
//
//	/bin/sh -c #(nop)  ENV A=1            classic builder, no layer
//	/bin/sh -c #(nop) COPY file:ab.. in /x classic builder
//	/bin/sh -c apk add curl               classic builder RUN
//	|1 V=2 /bin/sh -c make                classic builder RUN with build args
//	RUN /bin/sh -c apk add curl # buildkit BuildKit
//	COPY rec /tmp/rec # buildkit           BuildKit
//
// A RUN's rest is its command without the shell. It returns "" for an
// entry that names no instruction (docker import, docker commit).
func instruction(createdBy string) (keyword, rest string) {
	s := strings.TrimSpace(createdBy)
	s = strings.TrimSpace(strings.TrimSuffix(s, "# buildkit"))
	if after, ok := strings.CutPrefix(s, "/bin/sh -c #(nop)"); ok {
		kw, rest, _ := strings.Cut(strings.TrimSpace(after), " ")
		return strings.ToUpper(kw), strings.TrimSpace(rest)
	}
	kw, after, _ := strings.Cut(s, " ")
	if keywords[kw] {
		if kw == "RUN" {
			return kw, shellCommand(after)
		}
		return kw, strings.TrimSpace(after)
	}
	if cmd := shellCommand(s); cmd != s {
		return "RUN", cmd
	}
	return "", s
}

// shellCommand strips the build-args prefix and the shell from a RUN.
func shellCommand(s string) string {
	s = strings.TrimSpace(s)
	if m := argsPrefix.FindStringSubmatch(s); m != nil {
		n := 0
		for _, c := range m[1] {
			n = n*10 + int(c-'0')
		}
		s = s[len(m[0]):]
		for ; n > 0; n-- {
			_, s, _ = strings.Cut(s, " ")
		}
	}
	if after, ok := strings.CutPrefix(s, "/bin/sh -c "); ok {
		return strings.TrimSpace(after)
	}
	return s
}

// labelValue reads key's value from a LABEL instruction's arguments.
func labelValue(args, key string) string {
	_, v, ok := strings.Cut(args, key+"=")
	if !ok {
		return ""
	}
	if strings.HasPrefix(v, `"`) {
		if end := strings.Index(v[1:], `"`); end >= 0 {
			return v[1 : end+1]
		}
	}
	v, _, _ = strings.Cut(v, " ")
	return v
}
