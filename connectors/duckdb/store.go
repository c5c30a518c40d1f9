//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	duck "github.com/duckdb/duckdb-go/v2"
)

// Store is one DuckDB database held by this process: the tables of the
// materialized views, the dead letters, and whatever the checkpoint code
// writes through Commit.
type Store struct {
	path string
	db   *sql.DB // pool: Query takes its connections from here

	// wconn is the only connection that writes. It is used under mu, so
	// the Arrow views registered on it and the SQL run through it always
	// belong to the transaction Commit has open.
	mu     sync.Mutex
	wconn  *sql.Conn
	arrow  *duck.Arrow
	sinks  []*mvSink
	views  int // sequence for unique view names
	closed bool

	dl             *deadLetterBuffer
	scopes         []*Scope
	checkpointMode atomic.Bool
}

var errClosed = errors.New("duckdb store is closed")

// Open opens (or creates) the database file at path; "" is an in-memory
// database. External access (files, URLs, extension downloads) is disabled
// for the whole database: spate writes only through Arrow views and SQL
// on its own tables, and it keeps user queries from reading the file
// system (see Query).
func Open(path string) (*Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open duckdb database %q: the path must not contain '?' or '#'", path)
	}
	conn, err := duck.NewConnector(path+"?enable_external_access=false", nil)
	if err != nil {
		return nil, fmt.Errorf("open duckdb database %q: %w", displayPath(path), friendlyOpenError(err))
	}
	db := sql.OpenDB(conn)
	s := &Store{path: path, db: db, dl: newDeadLetterBuffer()}
	ctx := context.Background()
	if s.wconn, err = db.Conn(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open duckdb database %q: %w", displayPath(path), err)
	}
	err = s.wconn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		a, err := duck.NewArrowFromConn(c)
		s.arrow = a
		return err
	})
	if err == nil {
		_, err = s.wconn.ExecContext(ctx, deadLettersDDL)
	}
	if err == nil {
		// Files written before dead letters named their job.
		_, err = s.wconn.ExecContext(ctx, deadLettersMigration)
	}
	if err == nil {
		_, err = s.wconn.ExecContext(ctx, checkpointsDDL)
	}
	if err == nil {
		_, err = s.wconn.ExecContext(ctx, outboxDDL)
	}
	if err != nil {
		s.wconn.Close()
		db.Close()
		return nil, fmt.Errorf("open duckdb database %q: %w", displayPath(path), err)
	}
	return s, nil
}

func displayPath(p string) string {
	if p == "" {
		return ":memory:"
	}
	return p
}

// friendlyOpenError turns DuckDB's lock conflict into one sentence a user
// can act on; other errors pass through.
func friendlyOpenError(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "same database file with a different configuration") {
		return fmt.Errorf("the database is open in this process; query it through the running spate: %w", ErrLocked)
	}
	if !strings.Contains(msg, "Could not set lock") && !strings.Contains(msg, "Conflicting lock") {
		return err
	}
	who := "another process"
	if m := lockPID.FindStringSubmatch(msg); m != nil {
		who += " (PID " + m[1] + ")"
	}
	return fmt.Errorf("the database is held by %s; query the running spate with --server instead: %w", who, ErrLocked)
}

// ErrLocked is wrapped by the error of opening a database file that another
// process holds.
var ErrLocked = errors.New("database locked")

// IsLocked reports whether err comes from a database file held elsewhere.
func IsLocked(err error) bool { return errors.Is(err, ErrLocked) }

var lockPID = regexp.MustCompile(`\(PID (\d+)\)`)

// Path is the database file ("" for in-memory).
func (s *Store) Path() string { return s.path }

// Close releases every buffered batch that was not committed and closes
// the database.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	for _, k := range s.sinks {
		k.dropAll()
	}
	s.sinks = nil
	s.dl.take()
	for _, sc := range s.scopes {
		sc.dl.take()
	}
	s.scopes = nil
	err := s.wconn.Close()
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("close duckdb database %q: %w", displayPath(s.path), err)
	}
	return nil
}

// SetCheckpointMode switches how pending data reaches Commit.
//
// Off (the default): a sink's Commit and Store.Commit write everything
// every sink has buffered so far.
//
// On: a sink's Commit (which the runtime calls when the checkpoint barrier
// passes that sink) only stages the batches it buffered up to that moment;
// Store.Commit then writes exactly the staged batches of all sinks, the dead
// letters and the checkpoint rows of fn in one transaction. Batches pushed
// after a sink's barrier stay pending for the next checkpoint, so a
// transaction never holds rows that the checkpointed offsets will replay.
func (s *Store) SetCheckpointMode(on bool) { s.checkpointMode.Store(on) }

// Commit runs one DuckDB transaction that writes the buffered rows of
// every materialized view sink of this store (see SetCheckpointMode for
// which), the buffered dead letters, and then calls fn (when not nil) with
// the same transaction so the caller can add its own rows (source offsets,
// operator state). Either all of it becomes durable or none: on error the
// transaction is rolled back and the batches stay buffered for the next
// Commit. fn must not keep tx after it returns. Commit with nothing
// buffered and a nil fn does nothing.
//
// Commit covers the sinks and dead letters of the store itself
// (MaterializeSink, DeadLetters), not those of a Scope: each Scope commits
// its own.
func (s *Store) Commit(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.commit(ctx, nil, fn)
}

// commit writes the sinks and dead letters of scope sc (nil: the store's
// own) as Commit describes.
func (s *Store) commit(ctx context.Context, sc *Scope, fn func(tx *sql.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	dl := s.dl
	if sc != nil {
		dl = sc.dl
	}
	if !s.checkpointMode.Load() {
		for _, k := range s.sinks {
			if k.scope == sc {
				k.stage()
			}
		}
	}
	type work struct {
		sink    *mvSink
		batches []arrow.RecordBatch
	}
	var todo []work
	for _, k := range s.sinks {
		if k.scope != sc {
			continue
		}
		if b := k.takeStaged(); len(b) > 0 {
			todo = append(todo, work{k, b})
		}
	}
	dls := dl.take()
	if len(todo) == 0 && len(dls) == 0 && fn == nil {
		return nil
	}
	giveBack := func() {
		for _, w := range todo {
			w.sink.unstage(w.batches)
		}
		dl.putBack(dls)
	}

	// The transaction outlives a cancelled ctx on purpose: database/sql
	// would otherwise roll it back from its own goroutine while an Arrow
	// view is being registered on the same connection. Statements still
	// get ctx and stop when it is cancelled; then we roll back here.
	tx, err := s.wconn.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		giveBack()
		return fmt.Errorf("duckdb commit: begin: %w", err)
	}
	rows := make([]int64, len(todo))
	err = func() error {
		for i, w := range todo {
			n, err := w.sink.write(ctx, tx, w.batches)
			if err != nil {
				return fmt.Errorf("materialize %s: %w", w.sink.table, err)
			}
			rows[i] = n
		}
		if len(dls) > 0 {
			if err := s.writeDeadLetters(ctx, tx, dl.job, dls); err != nil {
				return fmt.Errorf("write dead letters: %w", err)
			}
		}
		if fn != nil {
			return fn(tx)
		}
		return nil
	}()
	if err == nil {
		if err = tx.Commit(); err != nil {
			err = fmt.Errorf("commit: %w", err)
		}
	} else {
		_ = tx.Rollback()
	}
	if err != nil {
		giveBack()
		return fmt.Errorf("duckdb commit: %w", err)
	}
	for i, w := range todo {
		w.sink.committed(w.batches, rows[i])
	}
	return nil
}

// registerView exposes batches (all of schema sc) to SQL on the writer
// connection under a fresh name. The caller must call drop before the
// batches go away: DuckDB's view points at the exported C stream. Must be
// called under s.mu.
func (s *Store) registerView(sc *arrow.Schema, batches []arrow.RecordBatch) (name string, drop func(ctx context.Context, tx *sql.Tx), err error) {
	rr, err := array.NewRecordReader(sc, batches)
	if err != nil {
		return "", nil, err
	}
	defer rr.Release() // the exported stream holds its own reference
	s.views++
	name = fmt.Sprintf("__spate_arrow_%d", s.views)
	release, err := s.arrow.RegisterView(rr, name)
	if err != nil {
		return "", nil, fmt.Errorf("register arrow view: %w", err)
	}
	return name, func(ctx context.Context, tx *sql.Tx) {
		// In an aborted transaction the DROP fails, but the rollback
		// removes the temporary view anyway; the unique name keeps any
		// survivor from being read.
		_, _ = tx.ExecContext(ctx, "DROP VIEW IF EXISTS "+name)
		release()
	}, nil
}

// quoteIdent quotes a DuckDB identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteString quotes a SQL string literal.
func quoteString(s string) string {
	return `'` + strings.ReplaceAll(s, `'`, `''`) + `'`
}

// DropTables drops the named tables if they exist. A run without a
// checkpoint to resume from recomputes its views from the sources' start,
// so the engine drops what an earlier run left instead of appending to it.
func (s *Store) DropTables(ctx context.Context, names []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	for _, n := range names {
		if _, err := s.wconn.ExecContext(ctx, "DROP TABLE IF EXISTS "+quoteIdent(n)); err != nil {
			return fmt.Errorf("drop table %s: %w", n, err)
		}
	}
	return nil
}
