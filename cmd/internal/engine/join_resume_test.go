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

// The join's stored rows survive a stop and a resume: an interval join
// (bounded by a non-event-time column) and a window join over the nexmark
// generators end exactly as after one uninterrupted run.
const joinResumePipeline = `CREATE SOURCE auction WITH (connector = 'nexmark', table = 'auction', events = '500000');
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '500000');
CREATE MATERIALIZED VIEW during AS
SELECT a.id, a.seller, b.bidder, b.price, b.date_time
FROM auction a JOIN bid b ON a.id = b.auction AND b.date_time BETWEEN a.date_time AND a.expires
WHERE b.price > 1000000;
CREATE MATERIALIZED VIEW busy AS
SELECT A.seller, A.ws, A.auctions, B.bids
FROM (SELECT seller, tumble_start(date_time, '1s') AS ws, tumble_end(date_time, '1s') AS we, count(*) AS auctions
      FROM auction GROUP BY seller, tumble(date_time, '1s')) A
JOIN (SELECT bidder, tumble_start(date_time, '1s') AS ws, tumble_end(date_time, '1s') AS we, count(*) AS bids
      FROM bid GROUP BY bidder, tumble(date_time, '1s')) B
  ON A.seller = B.bidder AND A.ws = B.ws AND A.we = B.we;
`

func joinDigest(t *testing.T, db string) (n1, n2 int64, s1, s2 string) {
	t.Helper()
	c, err := sql.Open("duckdb", db+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.QueryRow(`SELECT count(*), coalesce(CAST(sum(price) + sum(bidder) AS VARCHAR), '') FROM during`).Scan(&n1, &s1); err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRow(`SELECT count(*), coalesce(CAST(sum(auctions * 1000 + bids) AS VARCHAR), '') FROM busy`).Scan(&n2, &s2); err != nil {
		t.Fatal(err)
	}
	return
}

func TestStopAndResumeJoin(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline three times")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "join.sql")
	if err := os.WriteFile(file, []byte(joinResumePipeline), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	whole := filepath.Join(dir, "whole.duckdb")
	if err := Run(ctx, file, RunOptions{DB: whole, StateDir: filepath.Join(dir, "s1"), ExitAtEnd: true}); err != nil {
		t.Fatal(err)
	}
	w1, w2, ws1, ws2 := joinDigest(t, whole)
	if w1 == 0 || w2 == 0 {
		t.Fatalf("uninterrupted run: %d and %d rows", w1, w2)
	}
	db := filepath.Join(dir, "stopped.duckdb")
	opts := RunOptions{DB: db, StateDir: filepath.Join(dir, "s2"), ExitAtEnd: true, CommitInterval: 20 * time.Millisecond}
	if err := Run(ctx, file, stopAfterCheckpoints(opts, 2, 2)); !errors.Is(err, errStopHere) {
		t.Fatalf("stopped run: %v, want it stopped after its second checkpoint", err)
	}
	if n1, _, _, _ := joinDigest(t, db); n1 >= w1 {
		t.Fatalf("the first run should stop part way: %d of %d rows", n1, w1)
	}
	if err := Run(ctx, file, opts); err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	n1, n2, s1, s2 := joinDigest(t, db)
	if n1 != w1 || n2 != w2 || s1 != ws1 || s2 != ws2 {
		t.Fatalf("after resume: %d/%d rows (%s, %s), want %d/%d (%s, %s)", n1, n2, s1, s2, w1, w2, ws1, ws2)
	}
}
