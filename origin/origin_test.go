package origin_test

import (
	"strings"
	"testing"

	"github.com/lading-dev/lading/origin"
)

// classic is the history Docker Engine 20.10's classic builder wrote for
// an image built FROM a docker-imported Alpine root filesystem with a
// COPY, a RUN and an ENV (read back with docker history --no-trunc).
var classic = []origin.Entry{
	{Comment: "Imported from -"},
	{CreatedBy: "/bin/sh -c #(nop) COPY file:ab2947caee08577d84e0f4514a76215c359615f184884836a113dda09ab8a656 in /tmp/rec "},
	{CreatedBy: "/bin/sh -c cat /tmp/rec >> /lib/apk/db/installed && rm /tmp/rec"},
	{CreatedBy: "/bin/sh -c #(nop)  ENV X=1", EmptyLayer: true},
}

// buildkit is the shape BuildKit writes: an official image's base (ADD of
// the rootfs tarball, CMD), then the final stage's instructions.
var buildkit = []origin.Entry{
	{CreatedBy: "ADD alpine-minirootfs-3.20.3-x86_64.tar.gz / # buildkit"},
	{CreatedBy: `CMD ["/bin/sh"]`, EmptyLayer: true},
	{CreatedBy: "WORKDIR /app", EmptyLayer: true},
	{CreatedBy: "COPY app.tar /app/ # buildkit"},
	{CreatedBy: "RUN |1 VERSION=2 /bin/sh -c apk add --no-cache curl # buildkit"},
	{CreatedBy: `ENTRYPOINT ["/app/run"]`, EmptyLayer: true},
}

func TestFromHistory(t *testing.T) {
	for _, tc := range []struct {
		name   string
		hist   []origin.Entry
		labels map[string]string
		want   origin.Split
	}{
		{"import", classic, nil, origin.Split{BaseLayers: 1, Method: "history", Evidence: "Imported from -"}},
		// docker import -m "base v1" keeps the message as the comment.
		{"import with a message", []origin.Entry{{Comment: "base v1"}, {CreatedBy: "COPY app /app"}}, nil, origin.Split{BaseLayers: 1, Method: "history", Evidence: "base v1"}},
		{"buildkit rootfs", buildkit, map[string]string{origin.BaseNameLabel: "docker.io/library/alpine:3.20"},
			origin.Split{BaseLayers: 1, Method: "history", Evidence: "ADD alpine-minirootfs-3.20.3-x86_64.tar.gz / # buildkit", Name: "docker.io/library/alpine:3.20"}},
		{"classic rootfs", []origin.Entry{
			{CreatedBy: "/bin/sh -c #(nop) ADD file:5d673d25da3a14ce1f6cf66e4c7fd4f4b85a3759a9d93efb3fd9ff852b5b56e4 in / "},
			{CreatedBy: `/bin/sh -c #(nop)  CMD ["bash"]`, EmptyLayer: true},
			{CreatedBy: "/bin/sh -c apt-get update"},
		}, nil, origin.Split{BaseLayers: 1, Method: "history", Evidence: "/bin/sh -c #(nop) ADD file:5d673d25da3a14ce1f6cf66e4c7fd4f4b85a3759a9d93efb3fd9ff852b5b56e4 in /"}},
		{"label entry", []origin.Entry{
			{CreatedBy: "ADD rootfs.tar.xz / # buildkit"},
			{CreatedBy: "RUN /bin/sh -c apt-get install -y python3 # buildkit"},
			{CreatedBy: `LABEL org.opencontainers.image.base.name="example.com/python:3.12"`, EmptyLayer: true},
			{CreatedBy: "COPY . /src # buildkit"},
		}, nil, origin.Split{BaseLayers: 2, Method: "label", Evidence: `LABEL org.opencontainers.image.base.name="example.com/python:3.12"`, Name: "example.com/python:3.12"}},
		{"nothing to go by", []origin.Entry{{CreatedBy: "COPY a /a # buildkit"}, {CreatedBy: "ADD app.tar.gz /opt # buildkit"}}, nil,
			origin.Split{Method: "none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := origin.FromHistory(tc.hist, tc.labels)
			if got.BaseLayers != tc.want.BaseLayers || got.Method != tc.want.Method || got.Evidence != tc.want.Evidence || got.Name != tc.want.Name {
				t.Errorf("got %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func parse(t *testing.T, text string) *origin.Dockerfile {
	t.Helper()
	df, err := origin.ParseDockerfile("Dockerfile", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return df
}

func TestFromDockerfile(t *testing.T) {
	df := parse(t, `# syntax=docker/dockerfile:1
FROM lading-test/alpine:3.20.3
COPY rec /tmp/rec
RUN cat /tmp/rec \
      >> /lib/apk/db/installed && rm /tmp/rec
ENV X=1
`)
	s, err := origin.FromDockerfile(classic, df)
	if err != nil {
		t.Fatal(err)
	}
	if s.BaseLayers != 1 || s.Name != "lading-test/alpine:3.20.3" || s.Evidence != "Dockerfile line 2: FROM lading-test/alpine:3.20.3" {
		t.Errorf("split %+v", *s)
	}
	if len(s.Lines) != 2 || s.Lines[1] != 3 || s.Lines[2] != 4 {
		t.Errorf("lines %v, want layer 1 at line 3 (COPY), layer 2 at line 4 (RUN)", s.Lines)
	}

	// Multi-stage: the final stage builds FROM an earlier one, whose
	// instructions are ours too; ARG leaves no BuildKit entry.
	df = parse(t, `ARG BASE=alpine:3.20
FROM golang:1.26 AS build
RUN go build -o /app .

FROM ${BASE} AS runtime
WORKDIR /app
COPY --from=build /app/app.tar /app/

FROM runtime
ARG VERSION=2
RUN apk add --no-cache curl
ENTRYPOINT ["/app/run"]
`)
	s, err = origin.FromDockerfile(buildkit, df)
	if err != nil {
		t.Fatal(err)
	}
	if s.BaseLayers != 1 || s.Name != "alpine:3.20" || s.Lines[1] != 7 || s.Lines[2] != 11 {
		t.Errorf("multi-stage split %+v", *s)
	}

	// A Dockerfile the image was not built from.
	df = parse(t, "FROM alpine\nRUN apk add curl\n")
	if _, err := origin.FromDockerfile(classic, df); err == nil || !strings.Contains(err.Error(), "line 2 (RUN)") {
		t.Errorf("mismatch: %v", err)
	}
	df = parse(t, "FROM scratch\nCOPY rec /tmp/rec\n")
	if _, err := origin.FromDockerfile(classic[:2], df); err == nil {
		t.Error("FROM scratch with a history entry before it accepted")
	}
	if _, err := origin.ParseDockerfile("x", strings.NewReader("RUN true\n")); err == nil {
		t.Error("no FROM accepted")
	}
}
