//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"

	"github.com/spate-sql/spate/exec"
)

// Scope is one job's share of a Store. Several jobs (spate server) write
// one database: each needs its view rows and dead letters committed with
// its own checkpoint, never with another job's, or a restart of either
// would replay (duplicate) or lose what the other's transaction carried.
// A Scope's sinks and dead letters are written only by its Commit (and,
// without checkpoint mode, by its sinks' Commit); Store.Commit leaves
// them alone. Transactions are still serialized by the store: DuckDB
// gets one writer connection.
type Scope struct {
	s  *Store
	dl *deadLetterBuffer
}

// Scope returns a new scope for job; its dead letters carry job in
// spate_dead_letters.job.
func (s *Store) Scope(job string) *Scope {
	sc := &Scope{s: s, dl: &deadLetterBuffer{job: job}}
	s.mu.Lock()
	s.scopes = append(s.scopes, sc)
	s.mu.Unlock()
	return sc
}

// Job is the job the scope belongs to.
func (c *Scope) Job() string { return c.dl.job }

// MaterializeSink is Store.MaterializeSink for a sink of this scope.
func (c *Scope) MaterializeSink(spec *exec.SinkSpec) (exec.Operator, error) {
	return c.s.materializeSink(c, spec)
}

// DeadLetters is the writer of this scope's dead letters (see
// Store.DeadLetters).
func (c *Scope) DeadLetters() exec.DeadLetterWriter { return c.dl }

// Commit is Store.Commit for this scope's sinks and dead letters only.
func (c *Scope) Commit(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return c.s.commit(ctx, c, fn)
}

// Release drops the scope's uncommitted dead letters and forgets it (its
// sinks detach themselves at Close).
func (c *Scope) Release() {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.dl.take()
	for i, x := range c.s.scopes {
		if x == c {
			c.s.scopes = append(c.s.scopes[:i:i], c.s.scopes[i+1:]...)
			break
		}
	}
}
