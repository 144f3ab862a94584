package store

import (
	"context"
	"database/sql"
	"strings"
)

// batchRows is how many rows one multi-row INSERT carries. The SQLite
// driver re-parses SQL on every Exec, prepared or not, so inserting many
// rows per statement is what makes the bulk load fast.
const batchRows = 16

// batch accumulates rows for one multi-row INSERT:
// prefix + " VALUES (?,…),(?,…) " + suffix.
type batch struct {
	prefix, suffix string
	cols           int
	rows           int
	args           []any
	full           string // SQL for a batch of batchRows rows
}

func newBatch(prefix, suffix string, cols int) *batch {
	b := &batch{prefix: prefix, suffix: suffix, cols: cols}
	b.full = b.sql(batchRows)
	return b
}

func (b *batch) sql(rows int) string {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", b.cols), ",") + ")"
	return b.prefix + " VALUES " + strings.TrimSuffix(strings.Repeat(tuple+",", rows), ",") + " " + b.suffix
}

// add queues one row, flushing when the batch is full.
func (b *batch) add(ctx context.Context, tx *sql.Tx, vals ...any) error {
	b.args = append(b.args, vals...)
	b.rows++
	if b.rows >= batchRows {
		return b.flush(ctx, tx)
	}
	return nil
}

// flush writes the queued rows.
func (b *batch) flush(ctx context.Context, tx *sql.Tx) error {
	if b.rows == 0 {
		return nil
	}
	q := b.full
	if b.rows != batchRows {
		q = b.sql(b.rows)
	}
	_, err := tx.ExecContext(ctx, q, b.args...)
	b.args = b.args[:0]
	b.rows = 0
	return err
}
