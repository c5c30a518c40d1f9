//go:build duckdb_arrow

package engine

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const topNResumePipeline = `CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '300000');
CREATE MATERIALIZED VIEW top_bids AS
SELECT auction, bidder, price, date_time, rank_number FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bid
) t WHERE rank_number <= 5;
CREATE MATERIALIZED VIEW last_bid AS
SELECT auction, bidder, price FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder ORDER BY date_time DESC) AS rn FROM bid
) t WHERE rn = 1;
`

// topNDigest sums a hash of every row of both views: equal digests mean
// equal tables (up to a hash collision).
func topNDigest(t *testing.T, db string) (n int64, digest string) {
	t.Helper()
	c, err := sql.Open("duckdb", db+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.QueryRow(`SELECT (SELECT count(*) FROM top_bids) + (SELECT count(*) FROM last_bid),
		CAST((SELECT sum(hash(auction, bidder, price, date_time, rank_number) % 1000000007) FROM top_bids) AS VARCHAR) || '/' ||
		CAST((SELECT sum(hash(auction, bidder, price) % 1000000007) FROM last_bid) AS VARCHAR)`).Scan(&n, &digest)
	if err != nil {
		t.Fatal(err)
	}
	return
}

// A top-N pipeline stopped part way and resumed from its checkpoint ends
// with exactly the tables of an uninterrupted run: the TopN state (ranked
// rows, pending changes) survives the checkpoint.
func TestTopNStopAndResume(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "topn.sql")
	if err := os.WriteFile(file, []byte(topNResumePipeline), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	whole := filepath.Join(dir, "whole.duckdb")
	if err := Run(ctx, file, RunOptions{DB: whole, StateDir: filepath.Join(dir, "s1"), ExitAtEnd: true}); err != nil {
		t.Fatal(err)
	}
	wantN, want := topNDigest(t, whole)
	if wantN == 0 {
		t.Fatal("the uninterrupted run wrote no rows")
	}
	db := filepath.Join(dir, "stopped.duckdb")
	opts := RunOptions{DB: db, StateDir: filepath.Join(dir, "s2"), ExitAtEnd: true, CommitInterval: 20 * time.Millisecond}
	if err := Run(ctx, file, stopAfterCheckpoints(opts, 2, 2)); !errors.Is(err, errStopHere) {
		t.Fatalf("stopped run: %v, want it stopped after its second checkpoint", err)
	}
	if n, d := topNDigest(t, db); n == wantN && d == want {
		t.Logf("the first run was not stopped part way (machine fast enough to finish in 300 ms)")
	}
	if err := Run(ctx, file, opts); err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	if n, d := topNDigest(t, db); n != wantN || d != want {
		t.Fatalf("after resume: %d rows, digest %s; uninterrupted: %d rows, digest %s", n, d, wantN, want)
	}
}
