//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

// Two jobs of one server commit their checkpoints concurrently, each
// staging rows and dead letters between commits. Inside every
// transaction, every job's table and dead letters must hold exactly what
// that job's last checkpoint covers: a commit that carried another job's
// staged rows would break it (a restart of that job would write them
// again). Run with -race.
func TestScopesCommitOnlyTheirJob(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	s := openStore(t, filepath.Join(t.TempDir(), "scopes.duckdb"))
	defer s.Close()
	s.SetCheckpointMode(true)
	ctx := context.Background()
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE ckpt (job VARCHAR PRIMARY KEY, rows BIGINT, dls BIGINT)`); err != nil {
		t.Fatal(err)
	}
	jobs := []string{"a", "b"}
	const rounds = 40
	sc := arrow.NewSchema([]arrow.Field{field("v", expr.TypeBigint, false)}, nil)
	errs := make(chan error, len(jobs))
	var wg sync.WaitGroup
	var scopes []*Scope
	var ops []exec.Operator
	for _, job := range jobs {
		scope := s.Scope(job)
		spec := &exec.SinkSpec{Name: "t_" + job, Connector: "duckdb", Options: map[string]string{"table": "t_" + job}, Schema: sc}
		op, err := scope.MaterializeSink(spec)
		if err != nil {
			t.Fatal(err)
		}
		if err := op.Open(&exec.OpContext{Name: spec.Name, Alloc: alloc, DeadLetters: scope.DeadLetters(),
			Metrics: &exec.OpMetrics{}, Context: ctx}, nil); err != nil {
			t.Fatal(err)
		}
		defer op.Close()
		scopes, ops = append(scopes, scope), append(ops, op)
	}
	// Every job's table exists before any job commits: each commit reads
	// them all.
	for i := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- runScopeJob(ctx, s, scopes[i], ops[i], alloc, sc, jobs, rounds)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, job := range jobs {
		wantRows(t, s, fmt.Sprintf(`SELECT count(*), (SELECT count(*) FROM spate_dead_letters WHERE job = '%s') FROM t_%s`, job, job),
			[][]any{{int64(rounds * (rounds + 1) / 2), int64(rounds)}})
	}
}

func runScopeJob(ctx context.Context, s *Store, scope *Scope, op exec.Operator, alloc memory.Allocator, sc *arrow.Schema,
	jobs []string, rounds int) error {
	job := scope.Job()
	var rows int64
	for i := 1; i <= rounds; i++ {
		// i rows and one dead letter, then the barrier; more rows after
		// it stay for the next checkpoint.
		bld := array.NewInt64Builder(alloc)
		for j := 0; j < i; j++ {
			bld.Append(int64(i))
		}
		col := bld.NewArray()
		bld.Release()
		b := array.NewRecordBatch(sc, []arrow.Array{col}, int64(i))
		col.Release()
		err := op.Push(0, b)
		b.Release()
		if err == nil {
			err = scope.DeadLetters().WriteDeadLetter(exec.DeadLetter{Source: "src_" + job, Partition: 0, Offset: int64(i),
				Raw: []byte("x"), Reason: "test"})
		}
		if err == nil {
			err = op.(exec.Committer).Commit(ctx)
		}
		if err != nil {
			return err
		}
		rows += int64(i)
		err = scope.Commit(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO ckpt VALUES (?, ?, ?)`, job, rows, i); err != nil {
				return err
			}
			for _, other := range jobs {
				var n, ck, dl, ckdl int64
				err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT (SELECT count(*) FROM t_%[1]s),
					coalesce((SELECT rows FROM ckpt WHERE job = '%[1]s'), 0),
					(SELECT count(*) FROM spate_dead_letters WHERE job = '%[1]s'),
					coalesce((SELECT dls FROM ckpt WHERE job = '%[1]s'), 0)`, other)).Scan(&n, &ck, &dl, &ckdl)
				if err != nil {
					return err
				}
				if n != ck || dl != ckdl {
					return fmt.Errorf("in job %s's commit %d: job %s has %d rows and %d dead letters, its checkpoint covers %d and %d",
						job, i, other, n, dl, ck, ckdl)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
