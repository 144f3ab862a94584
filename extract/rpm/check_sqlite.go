package rpm

import (
	"context"
	"database/sql"
	"fmt"
)

// checkSQLite reads every header blob of an rpmdb.sqlite the way go-rpmdb
// does ("SELECT blob FROM Packages") and checks its framing. The library
// would block forever on a failing query or a NULL blob (it sends two
// results where its caller takes one), leaking a goroutine, so those must
// be found here first.
func checkSQLite(ctx context.Context, local string) error {
	db, err := sql.Open("sqlite", local)
	if err != nil {
		return fmt.Errorf("opening SQLite database: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT blob FROM Packages")
	if err != nil {
		return fmt.Errorf("reading Packages table: %w", err)
	}
	defer rows.Close()
	for n := 1; rows.Next(); n++ {
		var v any
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("Packages row %d: %w", n, err)
		}
		var blob []byte
		switch v := v.(type) {
		case []byte:
			blob = v
		case string:
			blob = []byte(v)
		default:
			return fmt.Errorf("Packages row %d: blob is %T, not bytes", n, v)
		}
		if err := checkHeader(blob); err != nil {
			return fmt.Errorf("Packages row %d: %w", n, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading Packages table: %w", err)
	}
	return nil
}
