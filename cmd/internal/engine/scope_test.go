//go:build duckdb_arrow

package engine

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spate-sql/spate/connectors/nexmark"
)

// Two jobs of one server checkpoint concurrently (a checkpoint every
// batch): each job's rows and dead letters commit only with its own
// checkpoint, so after both finish every view is exact, and a job started
// again resumes from its checkpoint at the end without writing a row
// twice. Run with -race.
func TestTwoJobsCheckpointConcurrently(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "server.duckdb")
	h, err := OpenHost(HostOptions{Brokers: "127.0.0.1:1", DB: db, StateDir: dir, CommitInterval: 5 * time.Millisecond,
		test: testHooks{commitEveryBatches: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	pipeline := func(view string, min int) []byte {
		return []byte(fmt.Sprintf(`CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '60000');
CREATE MATERIALIZED VIEW %s AS SELECT auction, count(*) AS n, sum(price) AS total FROM bid WHERE price > %d GROUP BY auction;`, view, min))
	}
	specs := []JobSpec{{ID: "one", File: "one.sql", Source: pipeline("v_one", 100), ExitAtEnd: true},
		{ID: "two", File: "two.sql", Source: pipeline("v_two", 200), ExitAtEnd: true}}
	var jobs []*Job
	for _, s := range specs {
		j, err := h.StartJob(s)
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	for _, j := range jobs {
		<-j.Done()
		if err := j.Err(); err != nil {
			t.Fatal(err)
		}
	}
	before := map[string]string{}
	for _, v := range []string{"v_one", "v_two"} {
		res, err := h.Store().Query(t.Context(), "SELECT CAST(count(*) AS VARCHAR), CAST(sum(n) AS VARCHAR), CAST(sum(total) AS VARCHAR) FROM "+v)
		if err != nil {
			t.Fatal(err)
		}
		before[v] = fmt.Sprintf("%v %v %v", res.Rows[0]...)
	}
	// Again: each resumes from its last checkpoint (at the end) and adds nothing.
	for _, s := range specs {
		j, err := h.StartJob(s)
		if err != nil {
			t.Fatal(err)
		}
		<-j.Done()
		if err := j.Err(); err != nil {
			t.Fatal(err)
		}
	}
	h.Close()

	// The oracle: DuckDB over the generator's events.
	events := filepath.Join(dir, "bid.jsonl")
	f, err := os.Create(events)
	if err != nil {
		t.Fatal(err)
	}
	_, cfg, err := nexmark.ParseOptions(map[string]string{"connector": "nexmark", "table": "bid", "events": "60000"})
	if err == nil {
		err = nexmark.WriteJSONL(f, "bid", cfg)
	}
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	check, err := sql.Open("duckdb", db+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	for v, min := range map[string]int{"v_one": 100, "v_two": 200} {
		if after := digest(check, "SELECT count(*), sum(n), sum(total) FROM "+v); after != before[v] {
			t.Errorf("%s changed when its job ran again from its checkpoint: %s, then %s", v, before[v], after)
		}
		want := digest(check, fmt.Sprintf(`SELECT count(*), sum(n), sum(total) FROM (SELECT auction, count(*) AS n, sum(price) AS total
			FROM read_json('%s', format = 'newline_delimited') WHERE price > %d GROUP BY auction)`, events, min))
		if before[v] != want {
			t.Errorf("%s: %s, want %s", v, before[v], want)
		}
	}
}

func digest(db *sql.DB, q string) string {
	var n, s, total sql.NullString
	q = "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (" + q + ")"
	if err := db.QueryRow(q).Scan(&n, &s, &total); err != nil {
		return "error: " + err.Error()
	}
	return n.String + " " + s.String + " " + total.String
}
