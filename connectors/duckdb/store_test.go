//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

func openStore(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestAppendAllTypes(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	s := openStore(t, filepath.Join(t.TempDir(), "a.duckdb"))
	defer s.Close()

	sc := arrow.NewSchema([]arrow.Field{
		field("id", expr.TypeBigint, false),
		field("n", expr.TypeInt, true),
		field("d", expr.TypeDouble, true),
		field("price", expr.DecimalType(10, 2), true),
		field("name", expr.TypeVarchar, true),
		field("ok", expr.TypeBoolean, true),
		field("ts", expr.TypeTimestamp, true),
	}, nil)
	op := openSink(t, s, &exec.SinkSpec{Name: "v", Connector: "duckdb", Options: map[string]string{"table": "v"}, Schema: sc}, alloc)
	push(t, op, alloc, sc, [][]any{
		{1, 7, 1.5, 1234, "a", true, ts("2015-07-15T00:00:00.123Z")},
		{2, nil, nil, nil, nil, nil, nil},
	})
	push(t, op, alloc, sc, [][]any{{3, -1, -0.25, -5, "ü'\"x", false, ts("1999-12-31T23:59:59Z")}})
	// Nothing is visible before the commit.
	wantRows(t, s, "SELECT count(*) FROM v", [][]any{{int64(0)}})
	commit(t, op)
	wantRows(t, s, "SELECT * FROM v ORDER BY id", [][]any{
		{int64(1), int64(7), 1.5, Number("12.34"), "a", true, ts("2015-07-15T00:00:00.123Z")},
		{int64(2), nil, nil, nil, nil, nil, nil},
		{int64(3), int64(-1), -0.25, Number("-0.05"), "ü'\"x", false, ts("1999-12-31T23:59:59Z")},
	})
	r, err := s.Query(context.Background(), "SELECT * FROM v LIMIT 0")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Types, ","); got != "BIGINT,INTEGER,DOUBLE,DECIMAL(10,2),VARCHAR,BOOLEAN,TIMESTAMP" {
		t.Fatalf("types %s", got)
	}
	// A second commit appends.
	push(t, op, alloc, sc, [][]any{{4, 1, 1.0, 100, "b", true, ts("2015-07-15T00:00:01Z")}})
	commit(t, op)
	wantRows(t, s, "SELECT count(*), sum(price) FROM v", [][]any{{int64(4), Number("13.29")}})
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}
}

// upsertSchema: key k (nullable or not), value v, __deleted.
func upsertSpec(name string, nullableKey bool) *exec.SinkSpec {
	sc := arrow.NewSchema([]arrow.Field{
		field("k", expr.TypeBigint, nullableKey),
		field("v", expr.DecimalType(18, 3), true),
		deletedField(),
	}, nil)
	return &exec.SinkSpec{Name: name, Connector: "duckdb", Options: map[string]string{"table": name},
		Schema: sc, Upsert: true, Keys: []int{0}}
}

func TestUpsert(t *testing.T) {
	for _, nullable := range []bool{false, true} {
		t.Run(fmt.Sprintf("nullable_key=%v", nullable), func(t *testing.T) {
			alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer alloc.AssertSize(t, 0)
			s := openStore(t, "")
			defer s.Close()
			spec := upsertSpec("u", nullable)
			op := openSink(t, s, spec, alloc)
			defer op.Close()
			sc := spec.Schema
			// Within one commit the last change of a key wins, across and
			// inside batches.
			push(t, op, alloc, sc, [][]any{{1, 10, false}, {2, 20, false}, {1, 11, false}})
			push(t, op, alloc, sc, [][]any{{5, 50, false}, {5, nil, true}, {6, 60, false}})
			commit(t, op)
			wantRows(t, s, "SELECT k, v FROM u ORDER BY k", [][]any{
				{int64(1), Number("0.011")}, {int64(2), Number("0.02")}, {int64(6), Number("0.06")}})
			// Deletes of existing and unknown keys, delete then re-insert,
			// insert then delete.
			push(t, op, alloc, sc, [][]any{{2, nil, true}, {3, 30, false}, {3, nil, true}, {99, nil, true}})
			push(t, op, alloc, sc, [][]any{{6, nil, true}, {6, 61, false}, {4, 40, false}, {1, 12, false}})
			commit(t, op)
			wantRows(t, s, "SELECT k, v FROM u ORDER BY k", [][]any{
				{int64(1), Number("0.012")}, {int64(4), Number("0.04")}, {int64(6), Number("0.061")}})
			// A commit with only deletes.
			push(t, op, alloc, sc, [][]any{{1, nil, true}, {4, nil, true}})
			commit(t, op)
			wantRows(t, s, "SELECT k, v FROM u ORDER BY k", [][]any{{int64(6), Number("0.061")}})
			wantPK := int64(1)
			if nullable {
				wantPK = 0
			}
			wantRows(t, s, "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'u' AND constraint_type = 'PRIMARY KEY'",
				[][]any{{wantPK}})
		})
	}
}

func TestUpsertNullKeys(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	s := openStore(t, "")
	defer s.Close()
	sc := arrow.NewSchema([]arrow.Field{
		field("g", expr.TypeVarchar, true),
		field("w", expr.TypeTimestamp, true),
		field("cnt", expr.TypeBigint, true),
		deletedField(),
	}, nil)
	spec := &exec.SinkSpec{Name: "nk", Options: map[string]string{"table": "nk"}, Schema: sc, Upsert: true, Keys: []int{0, 1}}
	op := openSink(t, s, spec, alloc)
	defer op.Close()
	w0, w1 := ts("2015-07-15T00:00:00Z"), ts("2015-07-15T00:01:00Z")
	push(t, op, alloc, sc, [][]any{
		{nil, w0, 1, false}, {"a", w0, 1, false}, {nil, nil, 1, false}, {nil, w0, 2, false}, {"a", nil, 5, false}})
	commit(t, op)
	q := "SELECT g, w, cnt FROM nk ORDER BY g NULLS FIRST, w NULLS FIRST"
	wantRows(t, s, q, [][]any{{nil, nil, int64(1)}, {nil, w0, int64(2)}, {"a", nil, int64(5)}, {"a", w0, int64(1)}})
	push(t, op, alloc, sc, [][]any{{nil, w0, nil, true}, {nil, nil, 7, false}, {"a", nil, nil, true}, {nil, w1, 3, false}})
	commit(t, op)
	wantRows(t, s, q, [][]any{{nil, nil, int64(7)}, {nil, w1, int64(3)}, {"a", w0, int64(1)}})

	// Keys only: MERGE has nothing to update.
	sc2 := arrow.NewSchema([]arrow.Field{field("k", expr.TypeVarchar, true), deletedField()}, nil)
	op2 := openSink(t, s, &exec.SinkSpec{Name: "ko", Options: map[string]string{"table": "ko"}, Schema: sc2, Upsert: true, Keys: []int{0}}, alloc)
	defer op2.Close()
	push(t, op2, alloc, sc2, [][]any{{"x", false}, {nil, false}, {"x", false}, {"y", false}, {"y", true}})
	commit(t, op2)
	wantRows(t, s, "SELECT k FROM ko ORDER BY k NULLS FIRST", [][]any{{nil}, {"x"}})
}

func TestNullInPrimaryKeyRefused(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	s := openStore(t, "")
	defer s.Close()
	spec := upsertSpec("p", false)
	op := openSink(t, s, spec, alloc)
	defer op.Close()
	b := mkBatch(t, alloc, spec.Schema, [][]any{{nil, 1, false}})
	defer b.Release()
	err := op.Push(0, b)
	if err == nil || !strings.Contains(err.Error(), "NULL in key column k") {
		t.Fatalf("want NULL key error, got %v", err)
	}
}

func TestCommitNothingPendingAndHook(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	s := openStore(t, "")
	defer s.Close()
	ctx := context.Background()
	if err := s.Commit(ctx, nil); err != nil {
		t.Fatalf("empty store commit: %v", err)
	}
	spec := upsertSpec("u", false)
	op := openSink(t, s, spec, alloc)
	defer op.Close()
	commit(t, op) // nothing pushed
	wantRows(t, s, "SELECT count(*) FROM u", [][]any{{int64(0)}})

	// The hook runs in the same transaction as the MV rows.
	push(t, op, alloc, spec.Schema, [][]any{{1, 1, false}})
	err := s.Commit(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec("CREATE TABLE IF NOT EXISTS ckpt (id BIGINT, offs BIGINT)"); err != nil {
			return err
		}
		// The MV rows are already written (uncommitted) in this transaction.
		var n int64
		if err := tx.QueryRow("SELECT count(*) FROM u").Scan(&n); err != nil {
			return err
		}
		_, err := tx.Exec("INSERT INTO ckpt VALUES (1, ?)", n)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wantRows(t, s, "SELECT id, offs FROM ckpt", [][]any{{int64(1), int64(1)}})

	// A failing hook rolls back everything; the rows stay buffered and
	// the next commit writes them exactly once.
	push(t, op, alloc, spec.Schema, [][]any{{2, 2, false}})
	boom := errors.New("boom")
	err = s.Commit(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec("INSERT INTO ckpt VALUES (2, 0)"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("want boom, got %v", err)
	}
	wantRows(t, s, "SELECT count(*) FROM u", [][]any{{int64(1)}})
	wantRows(t, s, "SELECT count(*) FROM ckpt", [][]any{{int64(1)}})
	commit(t, op)
	wantRows(t, s, "SELECT k FROM u ORDER BY k", [][]any{{int64(1)}, {int64(2)}})
	if err := s.Commit(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

func TestCheckpointModeStagesAtBarrier(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	s := openStore(t, "")
	defer s.Close()
	s.SetCheckpointMode(true)
	ctx := context.Background()
	sa, sb := upsertSpec("a", false), upsertSpec("b", false)
	a, b := openSink(t, s, sa, alloc), openSink(t, s, sb, alloc)
	defer a.Close()
	defer b.Close()
	push(t, a, alloc, sa.Schema, [][]any{{1, 1, false}})
	commit(t, a)                                         // barrier passes a
	push(t, a, alloc, sa.Schema, [][]any{{2, 2, false}}) // after a's barrier
	push(t, b, alloc, sb.Schema, [][]any{{1, 1, false}})
	wantRows(t, s, "SELECT count(*) FROM a", [][]any{{int64(0)}}) // staging writes nothing
	commit(t, b)                                                  // barrier passes b
	if err := s.Commit(ctx, nil); err != nil {
		t.Fatal(err)
	}
	wantRows(t, s, "SELECT k FROM a", [][]any{{int64(1)}})
	wantRows(t, s, "SELECT k FROM b", [][]any{{int64(1)}})
	commit(t, a)
	if err := s.Commit(ctx, nil); err != nil {
		t.Fatal(err)
	}
	wantRows(t, s, "SELECT k FROM a ORDER BY k", [][]any{{int64(1)}, {int64(2)}})
}

func TestReopenAndExistingTable(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "r.duckdb")
	spec := upsertSpec("u", false)
	s := openStore(t, path)
	op := openSink(t, s, spec, alloc)
	push(t, op, alloc, spec.Schema, [][]any{{1, 1, false}, {2, 2, false}})
	commit(t, op)
	push(t, op, alloc, spec.Schema, [][]any{{3, 3, false}}) // never committed: dropped at Close
	op.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// At rest: read-only file query.
	r, err := QueryFile(context.Background(), path, "SELECT k, v FROM u ORDER BY k")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r.Rows) != "[[1 0.001] [2 0.002]]" {
		t.Fatalf("QueryFile rows %v", r.Rows)
	}

	// Reopen: the existing table is reused (same columns and key).
	s = openStore(t, path)
	defer s.Close()
	op = openSink(t, s, spec, alloc)
	push(t, op, alloc, spec.Schema, [][]any{{1, nil, true}, {4, 4, false}})
	commit(t, op)
	wantRows(t, s, "SELECT k FROM u ORDER BY k", [][]any{{int64(2)}, {int64(4)}})
	op.Close()

	// A different definition under the same name is refused.
	bad := upsertSpec("u", false)
	bad.Schema = arrow.NewSchema([]arrow.Field{field("k", expr.TypeBigint, false), field("v", expr.TypeDouble, true), deletedField()}, nil)
	if _, err := s.MaterializeSink(bad); err == nil || !strings.Contains(err.Error(), "exists with columns") {
		t.Fatalf("want column mismatch error, got %v", err)
	}
	app := &exec.SinkSpec{Name: "u", Options: map[string]string{"table": "u"},
		Schema: arrow.NewSchema([]arrow.Field{field("k", expr.TypeBigint, false), field("v", expr.DecimalType(18, 3), true)}, nil)}
	if _, err := s.MaterializeSink(app); err == nil || !strings.Contains(err.Error(), "primary key") {
		t.Fatalf("want primary key error, got %v", err)
	}
	// A second process cannot open the file while it is held; QueryFile
	// in this process would share the instance, so only check the error
	// path for a missing file here.
	if _, err := QueryFile(context.Background(), filepath.Join(t.TempDir(), "missing.duckdb"), "SELECT 1"); err == nil ||
		!strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("want missing file error, got %v", err)
	}
}

func TestDeadLetters(t *testing.T) {
	s := openStore(t, "")
	defer s.Close()
	dl := s.DeadLetters()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			buf := []byte("raw")
			for i := 0; i < 250; i++ {
				buf = append(buf[:3], byte('0'+g))
				if err := dl.WriteDeadLetter(exec.DeadLetter{Source: fmt.Sprintf("src%d", g), Partition: int32(g), Offset: int64(i),
					Raw: buf, Reason: "bad json", Time: time.UnixMilli(int64(i)).UTC()}); err != nil {
					t.Error(err)
				}
				buf[3] = 'X' // the writer must have copied
			}
		}(g)
	}
	wg.Wait()
	_ = dl.WriteDeadLetter(exec.DeadLetter{Source: "late", Partition: -1, Offset: -1, Raw: []byte{0xff, 0}, Reason: "late event"})
	if err := s.Commit(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	wantRows(t, s, `SELECT source, count(*), min("offset"), max("offset"), min(raw::VARCHAR), max(time) FROM spate_dead_letters
		WHERE source LIKE 'src%' GROUP BY source ORDER BY source`, [][]any{
		{"src0", int64(250), int64(0), int64(249), "raw0", ts("1970-01-01T00:00:00.249Z")},
		{"src1", int64(250), int64(0), int64(249), "raw1", ts("1970-01-01T00:00:00.249Z")},
		{"src2", int64(250), int64(0), int64(249), "raw2", ts("1970-01-01T00:00:00.249Z")},
		{"src3", int64(250), int64(0), int64(249), "raw3", ts("1970-01-01T00:00:00.249Z")},
	})
	wantRows(t, s, `SELECT "partition", "offset", raw, reason, time FROM spate_dead_letters WHERE source = 'late'`,
		[][]any{{nil, nil, []byte{0xff, 0}, "late event", nil}})
}

func TestPushTypeMismatch(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	s := openStore(t, "")
	defer s.Close()
	spec := upsertSpec("u", false)
	op := openSink(t, s, spec, alloc)
	defer op.Close()
	other := arrow.NewSchema([]arrow.Field{field("k", expr.TypeInt, false), field("v", expr.DecimalType(18, 3), true), deletedField()}, nil)
	b := mkBatch(t, alloc, other, [][]any{{1, 1, false}})
	defer b.Release()
	if err := op.Push(0, b); err == nil || !strings.Contains(err.Error(), "column k is int32") {
		t.Fatalf("want type error, got %v", err)
	}
	if _, err := s.MaterializeSink(&exec.SinkSpec{Name: "x", Schema: arrow.NewSchema([]arrow.Field{field("a", expr.TypeBigint, true), field("A", expr.TypeBigint, true)}, nil)}); err == nil {
		t.Fatal("duplicate column names accepted")
	}
}

// TestConcurrentSinks: sinks of one store push and commit from their own
// goroutines (as the runtime runs them) while sources write dead letters.
func TestConcurrentSinks(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	s := openStore(t, filepath.Join(t.TempDir(), "c.duckdb"))
	defer s.Close()
	const sinks, batches, rows = 3, 40, 50
	var wg sync.WaitGroup
	for k := 0; k < sinks; k++ {
		spec := upsertSpec(fmt.Sprintf("u%d", k), k%2 == 1)
		op := openSink(t, s, spec, alloc)
		wg.Add(2)
		go func() {
			defer wg.Done()
			defer op.Close()
			for b := 0; b < batches; b++ {
				var rs [][]any
				for r := 0; r < rows; r++ {
					rs = append(rs, []any{b*rows + r, b, false})
				}
				bt := mkBatch(t, alloc, spec.Schema, rs)
				if err := op.Push(0, bt); err != nil {
					t.Error(err)
				}
				bt.Release()
				if b%7 == 6 {
					if err := op.(exec.Committer).Commit(context.Background()); err != nil {
						t.Error(err)
					}
				}
			}
			if err := op.(exec.Committer).Commit(context.Background()); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				s.DeadLetters().WriteDeadLetter(exec.DeadLetter{Source: "s", Offset: int64(i), Raw: []byte("x")})
			}
		}()
	}
	wg.Wait()
	if err := s.Commit(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	for k := 0; k < sinks; k++ {
		wantRows(t, s, fmt.Sprintf("SELECT count(*), count(DISTINCT k) FROM u%d", k), [][]any{{int64(batches * rows), int64(batches * rows)}})
	}
	wantRows(t, s, "SELECT count(*) FROM spate_dead_letters", [][]any{{int64(sinks * 100)}})
}

func TestCommitCancelledKeepsBatches(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	s := openStore(t, "")
	defer s.Close()
	spec := upsertSpec("u", false)
	op := openSink(t, s, spec, alloc)
	defer op.Close()
	push(t, op, alloc, spec.Schema, [][]any{{1, 1, false}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := op.(exec.Committer).Commit(ctx); err == nil {
		t.Fatal("commit with a cancelled context succeeded")
	}
	wantRows(t, s, "SELECT count(*) FROM u", [][]any{{int64(0)}})
	commit(t, op)
	wantRows(t, s, "SELECT k FROM u", [][]any{{int64(1)}})
}

func TestCheckpointCommittedWithRows(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "cp.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if cp, err := st.LoadCheckpoint(ctx, "j"); err != nil || cp != nil {
		t.Fatalf("fresh store: %v, %v", cp, err)
	}
	want := Checkpoint{Job: "j", Plan: "p1", Epoch: 3, State: []byte{0, 1, 2}}
	if err := st.Commit(ctx, func(tx *sql.Tx) error { return SaveCheckpoint(ctx, tx, want) }); err != nil {
		t.Fatal(err)
	}
	// A failing commit leaves the previous checkpoint in place.
	boom := errors.New("boom")
	err = st.Commit(ctx, func(tx *sql.Tx) error {
		if err := SaveCheckpoint(ctx, tx, Checkpoint{Job: "j", Plan: "p1", Epoch: 4, State: []byte{9}}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("commit: %v", err)
	}
	got, err := st.LoadCheckpoint(ctx, "j")
	if err != nil || got == nil || got.Epoch != 3 || string(got.State) != string(want.State) || got.Plan != "p1" {
		t.Fatalf("got %+v, %v; want epoch 3", got, err)
	}
	if err := st.DeleteCheckpoint(ctx, "j"); err != nil {
		t.Fatal(err)
	}
	if cp, _ := st.LoadCheckpoint(ctx, "j"); cp != nil {
		t.Fatal("checkpoint survived DeleteCheckpoint")
	}
}
