//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// checkpointsDDL holds one row per job: its last checkpoint, written in the
// same transaction as the materialized rows it covers (Store.Commit), so
// rows and offsets can never disagree after a crash.
//
// The state itself is stored in parts of blobPart bytes in
// spate_checkpoint_parts (state is then empty): DuckDB writes one large
// BLOB value an order of magnitude slower than the same bytes in parts
// (a 20 MB value took 4-5 s, 512 KB parts 0.3-0.6 s), and at 100k keys
// that was the whole cost of a checkpoint.
const checkpointsDDL = `CREATE TABLE IF NOT EXISTS spate_checkpoints (
	job VARCHAR PRIMARY KEY,
	plan VARCHAR NOT NULL,
	epoch BIGINT NOT NULL,
	state BLOB NOT NULL,
	time TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS spate_checkpoint_parts (
	job VARCHAR NOT NULL,
	part INTEGER NOT NULL,
	bytes BLOB NOT NULL
)`

// blobPart is the size of the parts large blobs are stored in.
const blobPart = 512 << 10

// insertParts writes data in blobPart pieces with stmt, whose last two
// parameters are the part number and the bytes; args come first.
func insertParts(ctx context.Context, tx *sql.Tx, stmt string, data []byte, args ...any) error {
	ps, err := tx.PrepareContext(ctx, stmt)
	if err != nil {
		return err
	}
	defer ps.Close()
	for i := 0; i == 0 || i*blobPart < len(data); i++ {
		part := data[i*blobPart : min(len(data), (i+1)*blobPart)]
		if _, err := ps.ExecContext(ctx, append(args, i, part)...); err != nil {
			return err
		}
	}
	return nil
}

// Checkpoint is a job's stored checkpoint.
type Checkpoint struct {
	Job   string
	Plan  string // a fingerprint of the plan that wrote it
	Epoch int64
	State []byte
}

// SaveCheckpoint writes cp inside tx (the transaction of Store.Commit).
func SaveCheckpoint(ctx context.Context, tx *sql.Tx, cp Checkpoint) error {
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO spate_checkpoints VALUES (?, ?, ?, ''::BLOB, now()::TIMESTAMP)`,
		cp.Job, cp.Plan, cp.Epoch)
	if err == nil {
		_, err = tx.ExecContext(ctx, `DELETE FROM spate_checkpoint_parts WHERE job = ?`, cp.Job)
	}
	if err == nil {
		err = insertParts(ctx, tx, `INSERT INTO spate_checkpoint_parts VALUES (?, ?, ?)`, cp.State, cp.Job)
	}
	if err != nil {
		return fmt.Errorf("save checkpoint of job %s: %w", cp.Job, err)
	}
	return nil
}

// LoadCheckpoint returns job's last checkpoint, or nil when it has none.
func (s *Store) LoadCheckpoint(ctx context.Context, job string) (*Checkpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	cp := Checkpoint{Job: job}
	err := s.wconn.QueryRowContext(ctx, `SELECT plan, epoch, state FROM spate_checkpoints WHERE job = ?`, job).
		Scan(&cp.Plan, &cp.Epoch, &cp.State)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err == nil && len(cp.State) == 0 {
		cp.State, err = loadParts(ctx, s.wconn, `SELECT bytes FROM spate_checkpoint_parts WHERE job = ? ORDER BY part`, job)
	}
	if err != nil {
		return nil, fmt.Errorf("load checkpoint of job %s: %w", job, err)
	}
	return &cp, nil
}

// DeleteCheckpoint forgets job's checkpoint (--reset-state).
func (s *Store) DeleteCheckpoint(ctx context.Context, job string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	for _, q := range []string{`DELETE FROM spate_checkpoints WHERE job = ?`, `DELETE FROM spate_checkpoint_parts WHERE job = ?`} {
		if _, err := s.wconn.ExecContext(ctx, q, job); err != nil {
			return fmt.Errorf("delete checkpoint of job %s: %w", job, err)
		}
	}
	return nil
}

// loadParts concatenates the blobs query returns.
func loadParts(ctx context.Context, c *sql.Conn, query string, args ...any) ([]byte, error) {
	rows, err := c.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, rows.Err()
}
