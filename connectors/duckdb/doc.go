// Package duckdb owns spate's DuckDB database: the tables of the
// materialized views, the dead-letter table, the transaction that
// checkpoints share with them, and the read-only query API behind
// `spate query` and POST /query.
//
// It needs the build tag duckdb_arrow (duckdb-go's Arrow interface); a
// build without it fails on purpose with an identifier that says so.
//
// # Writing
//
// Open holds one database (a file, or in memory for ""). All writes go
// through one dedicated connection, serialized by the Store:
//
//   - MaterializeSink makes the operator of one MV table. It creates the
//     table (column types: BIGINT, INTEGER, DOUBLE, DECIMAL(p,s), VARCHAR,
//     BOOLEAN, TIMESTAMP from exec/expr's Arrow types), or checks that an
//     existing one has the same columns and key. Push Retains the batch
//     and buffers it; nothing is written until a commit.
//   - A commit writes each sink's buffered batches through Arrow, never row
//     by row: the batches are exported as an Arrow stream and registered as
//     a temporary view (duckdb.NewArrowFromConn + RegisterView), then one
//     SQL statement reads the view:
//     append views: INSERT INTO t SELECT * FROM view;
//     upsert views whose key columns are all NOT NULL (Arrow
//     Field.Nullable false): the table has a PRIMARY KEY on them;
//     INSERT OR REPLACE of the live rows (an index lookup per row, no
//     table scan), preceded by DELETE ... USING only when the commit
//     deletes keys;
//     upsert views with a nullable key column: DuckDB primary keys cannot
//     hold NULL, so the table has no key constraint and one MERGE INTO ...
//     ON k IS NOT DISTINCT FROM ... applies updates, inserts and deletes
//     (NULL is one group, as in GROUP BY). MERGE joins with the whole
//     table, so it costs a scan per commit.
//     Within a commit the last change of a key wins: the view carries a
//     row sequence number and QUALIFY row_number() keeps the latest row
//     per key before the write (DuckDB would reject two rows with one key
//     in one INSERT).
//   - Dead letters (Store.DeadLetters, safe from any goroutine) are
//     buffered and written to spate_dead_letters(source, partition,
//     offset, raw, reason, time, job) by the next commit, also through
//     Arrow. job is the Scope's job (NULL through the Store itself); Open
//     adds the column to files written before it existed.
//
// # One transaction per checkpoint
//
// Store.Commit(ctx, fn) opens one DuckDB transaction, writes every MV
// sink's batches and the dead letters, then calls fn(tx) so the checkpoint
// code can write its own rows (source offsets, operator state) in the same
// transaction, and commits. On any error everything is rolled back and the
// batches stay buffered for the next commit. A sink's own Commit (the
// exec.Committer) calls Store.Commit(ctx, nil).
//
// With SetCheckpointMode(true) a sink's Commit only stages the batches it
// got before its checkpoint barrier, and Store.Commit writes exactly the
// staged batches: the runtime calls each sink's Commit as the barrier
// passes it, then Store.Commit(ctx, writeCheckpoint) once. Buffered
// batches live in memory until then, so the runtime should commit
// periodically.
//
// # One store, several jobs: Scope
//
// spate server runs several jobs on one database. Each job takes a Scope
// (Store.Scope(job)) and builds its sinks and dead-letter writer from it;
// Scope.Commit writes only that scope's staged batches and dead letters,
// with that job's checkpoint, so one job's transaction never carries rows
// another job's checkpoint does not cover (which a restart would replay
// or lose). Store.Commit covers only the sinks and dead letters made
// through the Store itself. Commits of all scopes are still serialized on
// the one writer connection.
//
// # Reading: how queries are kept read-only
//
// Store.Query runs on its own pooled connection (never the writer's), and
// QueryFile opens a database at rest with access_mode=READ_ONLY. Both:
//
//  1. run the statement inside BEGIN TRANSACTION READ ONLY, so DuckDB
//     itself refuses any write to the database, including the ones hidden
//     in EXPLAIN ANALYZE;
//  2. prepare it with duckdb-go's Conn.Prepare, which refuses more than one
//     statement, and accept only DuckDB's statement types SELECT and
//     EXPLAIN (SHOW, DESCRIBE, SUMMARIZE, WITH, FROM-first, VALUES and
//     PRAGMA table_info prepare as SELECT); SET, PRAGMA assignments, CALL,
//     ATTACH, COPY, LOAD, CREATE, ... are refused before running;
//  3. run with enable_external_access=false. The setting is per database,
//     not per connection (DuckDB 1.5 can turn it off at run time but never
//     back on), so Open sets it for the store's whole database: spate's
//     own writes need no file or network access. So read_csv('/etc/passwd'),
//     COPY ... TO, ATTACH and extension downloads fail inside DuckDB even
//     if they slipped past the statement type check.
//
// Format renders a Result as table, csv, json (an array of objects) or
// jsonl.
package duckdb
