package rpm

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// TestWriteAheadLog removes two packages from a copy of a real database
// in WAL mode without checkpointing, so that the change lives only in
// rpmdb.sqlite-wal, and copies the files while the log is still open, as
// an image build that ends mid-log would leave them.
func TestWriteAheadLog(t *testing.T) {
	data := fixture(t, "amazonlinux2023", "var", "lib", "rpm", "rpmdb.sqlite")
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "rpmdb.sqlite")
	if err := os.WriteFile(dbPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	for _, q := range []string{
		"PRAGMA journal_mode=WAL",
		"PRAGMA wal_autocheckpoint=0",
		"DELETE FROM Packages WHERE hnum IN (SELECT hnum FROM Packages ORDER BY hnum LIMIT 2)",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	main, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(dbPath + "-wal")
	if err != nil || len(wal) == 0 {
		t.Fatalf("no write-ahead log: %v", err)
	}

	without := mustExtract(t, fstest.MapFS{"var/lib/rpm/rpmdb.sqlite": {Data: main}}, nil)
	with := mustExtract(t, fstest.MapFS{"var/lib/rpm/rpmdb.sqlite": {Data: main}, "var/lib/rpm/rpmdb.sqlite-wal": {Data: wal}}, nil)
	if len(without) != 102 {
		t.Errorf("main file alone: got %d packages, want 102", len(without))
	}
	var gone []string
	for name := range without {
		if with[name] == nil {
			gone = append(gone, name)
		}
	}
	if len(gone) != 2 || len(with) != 100 {
		t.Errorf("with the log: got %d packages, %v gone, want 100 and two gone", len(with), gone)
	}
}
