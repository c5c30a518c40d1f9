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
const checkpointsDDL = `CREATE TABLE IF NOT EXISTS spate_checkpoints (
	job VARCHAR PRIMARY KEY,
	plan VARCHAR NOT NULL,
	epoch BIGINT NOT NULL,
	state BLOB NOT NULL,
	time TIMESTAMP NOT NULL
)`

// Checkpoint is a job's stored checkpoint.
type Checkpoint struct {
	Job   string
	Plan  string // a fingerprint of the plan that wrote it
	Epoch int64
	State []byte
}

// SaveCheckpoint writes cp inside tx (the transaction of Store.Commit).
func SaveCheckpoint(ctx context.Context, tx *sql.Tx, cp Checkpoint) error {
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO spate_checkpoints VALUES (?, ?, ?, ?, now()::TIMESTAMP)`,
		cp.Job, cp.Plan, cp.Epoch, cp.State)
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
	if _, err := s.wconn.ExecContext(ctx, `DELETE FROM spate_checkpoints WHERE job = ?`, job); err != nil {
		return fmt.Errorf("delete checkpoint of job %s: %w", job, err)
	}
	return nil
}
