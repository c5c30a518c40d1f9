//go:build duckdb_arrow

package duckdb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

// refused are statements a query must not run. Each is refused either by
// the statement type check, the read-only transaction or DuckDB's
// disabled external access; the test only cares that they fail and that
// nothing changed.
var refused = []string{
	"INSERT INTO t VALUES (2, 'b')",
	"UPDATE t SET v = 'z'",
	"DELETE FROM t",
	"CREATE TABLE x (a INT)",
	"CREATE TEMP TABLE x (a INT)",
	"DROP TABLE t",
	"ALTER TABLE t ADD COLUMN c INT",
	"COPY t TO '%DIR%/out.csv'",
	"EXPORT DATABASE '%DIR%/exp'",
	"ATTACH '%DIR%/other.duckdb' AS o",
	"SELECT * FROM read_csv('/etc/passwd')",
	"SELECT * FROM read_text('/etc/passwd')",
	"FROM '/etc/passwd'",
	"SET threads = 1",
	"PRAGMA threads = 1",
	"RESET threads",
	"CALL pragma_table_info('t')",
	"LOAD json",
	"INSTALL httpfs",
	"CHECKPOINT",
	"BEGIN TRANSACTION",
	"SELECT 1; DROP TABLE t",
	"EXPLAIN ANALYZE INSERT INTO t VALUES (3, 'c')",
	"EXPLAIN ANALYZE DELETE FROM t",
	"WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
	"CREATE MACRO m(a) AS a",
	"VACUUM",
	"DETACH memory",
	"USE memory",
	"",
}

var allowed = []string{
	"SELECT * FROM t",
	"WITH a AS (SELECT k FROM t) SELECT * FROM a",
	"FROM t",
	"SHOW TABLES",
	"DESCRIBE t",
	"SUMMARIZE t",
	"EXPLAIN SELECT * FROM t",
	"PRAGMA table_info('t')",
	"VALUES (1, 2)",
	"select count(*) from t -- trailing comment",
}

func TestQueryReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "q.duckdb")
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	s := openStore(t, path)
	sc := arrow.NewSchema([]arrow.Field{field("k", expr.TypeBigint, false), field("v", expr.TypeVarchar, true)}, nil)
	op := openSink(t, s, &exec.SinkSpec{Name: "t", Options: map[string]string{"table": "t"}, Schema: sc}, alloc)
	push(t, op, alloc, sc, [][]any{{1, "a"}})
	commit(t, op)
	op.Close()

	ctx := context.Background()
	check := func(name string, want int, run func(q string) (*Result, error)) {
		for _, q := range refused {
			q = strings.ReplaceAll(q, "%DIR%", dir)
			if _, err := run(q); err == nil {
				t.Errorf("%s: %q was not refused", name, q)
			}
		}
		for _, q := range allowed {
			if _, err := run(q); err != nil {
				t.Errorf("%s: %q: %v", name, q, err)
			}
		}
		r, err := run("SELECT k, v FROM t")
		if err != nil || len(r.Rows) != want {
			t.Fatalf("%s: table changed: %v %v", name, r, err)
		}
	}
	check("Store.Query", 1, func(q string) (*Result, error) { return s.Query(ctx, q) })
	// The statement type check gives a clear message.
	_, err := s.Query(ctx, "INSERT INTO t VALUES (2, 'b')")
	if !errors.Is(err, ErrNotReadOnly) || !strings.Contains(err.Error(), "INSERT is not allowed") {
		t.Fatalf("message: %v", err)
	}
	// The store keeps writing after all that.
	op = openSink(t, s, &exec.SinkSpec{Name: "t", Options: map[string]string{"table": "t"}, Schema: sc}, alloc)
	push(t, op, alloc, sc, [][]any{{2, "b"}})
	commit(t, op)
	op.Close()
	wantRows(t, s, "SELECT count(*) FROM t", [][]any{{int64(2)}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	check("QueryFile", 2, func(q string) (*Result, error) { return QueryFile(ctx, path, q) })
	for _, f := range []string{"out.csv", "exp", "other.duckdb"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s was created", f)
		}
	}
}

func TestQueryCancelled(t *testing.T) {
	s := openStore(t, "")
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Query(ctx, "SELECT count(*) FROM range(100000000000)"); err == nil {
		t.Fatal("cancelled query ran")
	}
}
