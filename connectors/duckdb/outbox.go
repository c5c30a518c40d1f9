//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// outboxDDL: the transactional outbox of exactly-once Kafka sinks
// (connectors/kafka/outbox.go). An epoch's records are written in the
// checkpoint's transaction, as one opaque blob (never row by row), and
// deleted in a later checkpoint's transaction once Kafka committed them.
// spate_runs holds each job's run id, the lineage its epochs belong to;
// it is written with every checkpoint, so it exists whenever an outbox
// row does.
const outboxDDL = `CREATE TABLE IF NOT EXISTS spate_outbox (
	job VARCHAR NOT NULL,
	sink VARCHAR NOT NULL,
	epoch BIGINT NOT NULL,
	n BIGINT NOT NULL,
	records BLOB NOT NULL,
	PRIMARY KEY (job, sink, epoch)
);
CREATE TABLE IF NOT EXISTS spate_runs (
	job VARCHAR PRIMARY KEY,
	run VARCHAR NOT NULL
)`

// OutboxEpoch is one stored epoch of one sink.
type OutboxEpoch struct {
	Sink    string
	Epoch   int64
	N       int64
	Records []byte
}

// SaveRun records job's run id inside tx (a checkpoint's transaction).
func SaveRun(ctx context.Context, tx *sql.Tx, job, run string) error {
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO spate_runs VALUES (?, ?)`, job, run); err != nil {
		return fmt.Errorf("save run of job %s: %w", job, err)
	}
	return nil
}

// SaveOutbox writes one epoch of a sink inside tx (a checkpoint's
// transaction) and deletes that sink's epochs up to published, which
// Kafka has.
func SaveOutbox(ctx context.Context, tx *sql.Tx, job string, e OutboxEpoch, published int64) error {
	if published > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM spate_outbox WHERE job = ? AND sink = ? AND epoch <= ?`,
			job, e.Sink, published); err != nil {
			return fmt.Errorf("trim outbox of %s/%s: %w", job, e.Sink, err)
		}
	}
	if e.N == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO spate_outbox VALUES (?, ?, ?, ?, ?)`,
		job, e.Sink, e.Epoch, e.N, e.Records); err != nil {
		return fmt.Errorf("save outbox epoch %d of %s/%s: %w", e.Epoch, job, e.Sink, err)
	}
	return nil
}

// LoadOutbox returns job's run id ("" when none) and stored epochs, by
// sink and epoch.
func (s *Store) LoadOutbox(ctx context.Context, job string) (string, []OutboxEpoch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", nil, errClosed
	}
	var run string
	err := s.wconn.QueryRowContext(ctx, `SELECT run FROM spate_runs WHERE job = ?`, job).Scan(&run)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", nil, fmt.Errorf("load run of job %s: %w", job, err)
	}
	rows, err := s.wconn.QueryContext(ctx, `SELECT sink, epoch, n, records FROM spate_outbox WHERE job = ? ORDER BY sink, epoch`, job)
	if err != nil {
		return "", nil, fmt.Errorf("load outbox of job %s: %w", job, err)
	}
	defer rows.Close()
	var out []OutboxEpoch
	for rows.Next() {
		var e OutboxEpoch
		if err := rows.Scan(&e.Sink, &e.Epoch, &e.N, &e.Records); err != nil {
			return "", nil, fmt.Errorf("load outbox of job %s: %w", job, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return "", nil, fmt.Errorf("load outbox of job %s: %w", job, err)
	}
	return run, out, nil
}

// DeleteOutbox forgets job's outbox and run (a start without checkpoint).
func (s *Store) DeleteOutbox(ctx context.Context, job string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	for _, q := range []string{`DELETE FROM spate_outbox WHERE job = ?`, `DELETE FROM spate_runs WHERE job = ?`} {
		if _, err := s.wconn.ExecContext(ctx, q, job); err != nil {
			return fmt.Errorf("delete outbox of job %s: %w", job, err)
		}
	}
	return nil
}
