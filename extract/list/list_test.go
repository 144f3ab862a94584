package list

import "testing"

func TestOS(t *testing.T) {
	want := []string{"dpkg", "apk", "rpm"}
	got := OS()
	if len(got) != len(want) {
		t.Fatalf("got %d extractors, want %d", len(got), len(want))
	}
	files := map[string]string{"dpkg": "var/lib/dpkg/status", "apk": "lib/apk/db/installed", "rpm": "var/lib/rpm/Packages"}
	for i, e := range got {
		if e.Name() != want[i] {
			t.Errorf("extractor %d: got %s, want %s", i, e.Name(), want[i])
		}
		if e.Version() < 1 {
			t.Errorf("%s: got version %d, want >= 1", e.Name(), e.Version())
		}
		for name, path := range files {
			if got := e.Wants(path); got != (name == e.Name()) {
				t.Errorf("%s.Wants(%q): got %v", e.Name(), path, got)
			}
		}
	}
}
