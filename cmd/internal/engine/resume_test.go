//go:build duckdb_arrow

package engine

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const resumePipeline = `CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '3000000');
CREATE MATERIALIZED VIEW big_bids AS SELECT auction, bidder, price, date_time FROM bid WHERE price > 5000000;
`

func viewDigest(t *testing.T, db string) (n, distinct int64, sum string) {
	t.Helper()
	c, err := sql.Open("duckdb", db+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.QueryRow(`SELECT count(*), count(DISTINCT (auction, bidder, price, date_time)),
		CAST(sum(price) AS VARCHAR) FROM big_bids`).Scan(&n, &distinct, &sum)
	if err != nil {
		t.Fatal(err)
	}
	return
}

// stopAfterCheckpoints returns opts for a run that checkpoints every
// `every` source batches (and on its timer) and stops right after its
// k-th checkpoint with errStopHere, as a crash would leave it: nothing
// after that checkpoint is committed.
func stopAfterCheckpoints(opts RunOptions, k, every int) RunOptions {
	seen := 0
	opts.test = testHooks{commitEveryBatches: every, afterCheckpoint: func(int64) error {
		if seen++; seen == k {
			return errStopHere
		}
		return nil
	}}
	return opts
}

// A run stopped in the middle and run again resumes from its checkpoint:
// the view ends exactly as after one uninterrupted run, with no row lost or
// written twice; a changed pipeline is refused unless --reset-state.
func TestStopAndResume(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "resume.sql")
	os.WriteFile(file, []byte(resumePipeline), 0o644)
	ctx := context.Background()

	whole := filepath.Join(dir, "whole.duckdb")
	if err := Run(ctx, file, RunOptions{DB: whole, StateDir: filepath.Join(dir, "s1"), ExitAtEnd: true}); err != nil {
		t.Fatal(err)
	}
	wantN, wantDistinct, wantSum := viewDigest(t, whole)
	if wantN == 0 || wantN != wantDistinct {
		t.Fatalf("uninterrupted run: %d rows, %d distinct", wantN, wantDistinct)
	}

	db := filepath.Join(dir, "stopped.duckdb")
	opts := RunOptions{DB: db, StateDir: filepath.Join(dir, "s2"), ExitAtEnd: true, CommitInterval: 20 * time.Millisecond}
	// Stopped right after its third checkpoint, as a crash would leave it
	// (a stop timed on the wall clock found nothing committed yet on a
	// loaded machine, or the whole run done on an idle one).
	if err := Run(ctx, file, stopAfterCheckpoints(opts, 3, 20)); !errors.Is(err, errStopHere) {
		t.Fatalf("stopped run: %v, want it stopped after its third checkpoint", err)
	}
	if n, _, _ := viewDigest(t, db); n == 0 || n >= wantN {
		t.Fatalf("the first run should stop part way: %d of %d rows", n, wantN)
	}
	if err := Run(ctx, file, opts); err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	n, distinct, sum := viewDigest(t, db)
	if n != wantN || distinct != wantDistinct || sum != wantSum {
		t.Fatalf("after resume: %d rows (%d distinct, sum %s), want %d (%d, %s)", n, distinct, sum, wantN, wantDistinct, wantSum)
	}

	changed := filepath.Join(dir, "resume2.sql")
	os.WriteFile(changed, []byte(strings.Replace(resumePipeline, "5000000", "6000000", 1)), 0o644)
	os.Rename(changed, file)
	err := Run(ctx, file, opts)
	if err == nil || !strings.Contains(err.Error(), "big_bids") || !strings.Contains(err.Error(), "--reset-state") {
		t.Fatalf("a changed pipeline: %v; want a refusal naming big_bids and --reset-state", err)
	}
	opts.ResetState = true
	if err := Run(ctx, file, opts); err != nil {
		t.Fatalf("--reset-state: %v", err)
	}
	if n, distinct, _ := viewDigest(t, db); n == 0 || n >= wantN || n != distinct {
		t.Fatalf("after --reset-state with a stricter filter: %d rows (%d distinct), want fewer than %d", n, distinct, wantN)
	}
}

// A new job runs with a lane per CPU unless told otherwise, and a
// resumed one keeps its checkpoint's parallelism (key ownership depends
// on it) when none is given; another one given explicitly is refused.
func TestResumeKeepsCheckpointParallelism(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "resume.sql")
	os.WriteFile(file, []byte(resumePipeline), 0o644)
	ctx := context.Background()

	whole := filepath.Join(dir, "whole.duckdb")
	if err := Run(ctx, file, RunOptions{DB: whole, StateDir: filepath.Join(dir, "s1"), ExitAtEnd: true}); err != nil {
		t.Fatal(err)
	}
	wantN, wantDistinct, wantSum := viewDigest(t, whole)

	par := runtime.NumCPU() + 1 // not what a new job would get
	db := filepath.Join(dir, "stopped.duckdb")
	opts := RunOptions{DB: db, StateDir: filepath.Join(dir, "s2"), ExitAtEnd: true, CommitInterval: 20 * time.Millisecond,
		Parallelism: par}
	// Stopped right after its third checkpoint, as a crash would leave it
	// (a stop timed on the wall clock found nothing committed yet on a
	// loaded machine, or the whole run done on an idle one).
	if err := Run(ctx, file, stopAfterCheckpoints(opts, 3, 20)); !errors.Is(err, errStopHere) {
		t.Fatalf("stopped run: %v, want it stopped after its third checkpoint", err)
	}
	if n, _, _ := viewDigest(t, db); n == 0 || n >= wantN {
		t.Fatalf("the first run should stop part way: %d of %d rows", n, wantN)
	}
	opts.Parallelism = par - 1
	err := Run(ctx, file, opts)
	if err == nil || !strings.Contains(err.Error(), "parallelism") {
		t.Fatalf("resuming with another parallelism: %v; want a refusal", err)
	}
	opts.Parallelism = 0
	if err := Run(ctx, file, opts); err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	n, distinct, sum := viewDigest(t, db)
	if n != wantN || distinct != wantDistinct || sum != wantSum {
		t.Fatalf("after resume: %d rows (%d distinct, sum %s), want %d (%d, %s)", n, distinct, sum, wantN, wantDistinct, wantSum)
	}
}
