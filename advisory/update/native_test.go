package update

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/lading-dev/lading/internal/testutil"
)

// Feeds selects native repositories by name; the archives come from the
// mirror paths of PROVENANCE.md's URL → path table, and every advisory
// file is read (§2–§5 counts).
func TestUpdateNativeFeeds(t *testing.T) {
	root := testutil.Shared(t, "vulndata")
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Path)
		mu.Unlock()
		http.FileServer(http.Dir(root)).ServeHTTP(w, r)
	}))
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "advisory.db")
	rep, err := UpdateReport(context.Background(), db, UpdateOptions{
		Mirror: srv.URL, CacheDir: t.TempDir(), Client: srv.Client(),
		Feeds: []string{"pypa", "rustsec", "rubysec", "friendsofphp"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(asked)
	want := []string{
		"/github/FriendsOfPHP/security-advisories/archive/refs/heads/master.zip",
		"/github/pypa/advisory-database/archive/refs/heads/main.zip",
		"/github/rubysec/ruby-advisory-db/archive/refs/heads/master.zip",
		"/github/rustsec/advisory-db/archive/refs/heads/main.zip",
	}
	if strings.Join(asked, " ") != strings.Join(want, " ") {
		t.Errorf("requested %v, want %v", asked, want)
	}
	got := map[string]int{}
	for _, f := range rep.Build.Files {
		got[f.Source] = f.Stats.Records
		if f.Stats.Skipped != 0 || !strings.HasPrefix(f.Info.Location, srv.URL+"/github/") {
			t.Errorf("%s: %d skipped, location %s", f.Path, f.Stats.Skipped, f.Info.Location)
		}
	}
	for src, n := range map[string]int{"pypa": 2661, "rustsec": 1225, "rubysec": 1381, "friendsofphp": 1592} {
		if got[src] != n {
			t.Errorf("%s: %d records, want %d", src, got[src], n)
		}
	}
}
