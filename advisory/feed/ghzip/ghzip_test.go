package ghzip

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func makeZip(t *testing.T, names []string, bodies ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if i < len(bodies) {
			w.Write([]byte(bodies[i]))
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOpen(t *testing.T) {
	data := makeZip(t, []string{"repo-main/", "repo-main/README.md", "repo-main/a/b.yaml"}, "", "hi", "x: 1")
	a, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if a.Top != "repo-main" || len(a.Entries) != 2 || a.Entries[1].Path != "a/b.yaml" || a.Entries[1].Name != "repo-main/a/b.yaml" {
		t.Errorf("got top %q entries %+v", a.Top, a.Entries)
	}
	var seen []string
	err = a.Walk(context.Background(), func(e Entry) error {
		b, err := e.Read()
		seen = append(seen, e.Path+"="+string(b))
		return err
	})
	if err != nil || strings.Join(seen, ",") != "README.md=hi,a/b.yaml=x: 1" {
		t.Errorf("walk: %v %v", seen, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.Walk(ctx, func(Entry) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled walk: %v", err)
	}
}

func TestOpenRejects(t *testing.T) {
	for name, data := range map[string][]byte{
		"two tops":  makeZip(t, []string{"a-main/x.yaml", "b-main/y.yaml"}),
		"root file": makeZip(t, []string{"x.yaml"}),
		"empty":     makeZip(t, nil),
		"not a zip": []byte("PK\x03\x04 not really"),
	} {
		if _, err := Open(bytes.NewReader(data), int64(len(data))); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	defer func(n int) { maxEntries = n }(maxEntries)
	maxEntries = 1
	data := makeZip(t, []string{"r-main/a", "r-main/b"})
	if _, err := Open(bytes.NewReader(data), int64(len(data))); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("entry count over the limit: %v", err)
	}
}

func TestReadTooLarge(t *testing.T) {
	data := makeZip(t, []string{"r-main/big"}, strings.Repeat(" ", MaxEntrySize+1))
	a, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Entries[0].Read(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized entry: %v", err)
	}
}
