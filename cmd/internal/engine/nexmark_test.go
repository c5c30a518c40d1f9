//go:build duckdb_arrow

package engine

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spate-sql/spate/connectors/nexmark"
	nexmarkqueries "github.com/spate-sql/spate/testdata/nexmark"
)

var (
	nexmarkEvents  = flag.Int64("nexmark-events", 200_000, "events generated for TestNexmark")
	nexmarkRate    = flag.Int64("nexmark-rate", 0, "event rate for TestNexmark (0: the queries' own, 10000/s); 1000 spreads the events over 10x more windows")
	nexmarkQuery   = flag.String("nexmark", "", "run only these Nexmark queries (comma-separated, e.g. q5,q7)")
	nexmarkPending = flag.Bool("nexmark-pending", false, "also run the queries listed in pendingNexmark")
)

// pendingNexmark lists the queries that need a feature not merged yet,
// with the feature. TestNexmark skips them (run them anyway with
// -nexmark-pending); delete an entry once its query passes.
var pendingNexmark = map[string]string{}

// TestNexmark runs every query of testdata/nexmark over the nexmark
// generator and compares its materialized view, row for row, with DuckDB's
// evaluation of the query's twin (qN.duckdb.sql) over the same events
// written as JSONL (nexmark.WriteJSONL). The generator and the JSONL are
// assumed to be the same events; a pipeline of per-table counts and sums
// checks that first.
//
//	go test -tags duckdb_arrow ./cmd/internal/engine -run TestNexmark [-nexmark q5,q7] [-nexmark-pending]
func TestNexmark(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and runs 200k Nexmark events per query")
	}
	tmp := t.TempDir()
	cfg := nexmark.Config{Events: *nexmarkEvents, Rate: *nexmarkRate}
	oracle := loadNexmarkOracle(t, tmp, cfg)
	defer oracle.Close()

	t.Run("same_events", func(t *testing.T) {
		pipe := fmt.Sprintf(`
CREATE SOURCE person WITH (connector = 'nexmark', table = 'person', events = '%[1]d', rate = '%[2]d');
CREATE SOURCE auction WITH (connector = 'nexmark', table = 'auction', events = '%[1]d', rate = '%[2]d');
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '%[1]d', rate = '%[2]d');
CREATE MATERIALIZED VIEW person_stats AS
SELECT count(*) AS n, sum(id) AS ids, min(date_time) AS first, max(date_time) AS last, sum(length(extra)) AS extra FROM person;
CREATE MATERIALIZED VIEW auction_stats AS
SELECT count(*) AS n, sum(seller) AS sellers, sum(reserve) AS reserve, max(expires) AS expires, sum(length(extra)) AS extra FROM auction;
CREATE MATERIALIZED VIEW bid_stats AS
SELECT count(*) AS n, sum(auction) AS auctions, sum(bidder) AS bidders, sum(price) AS price, max(date_time) AS last, sum(length(url)) AS urls FROM bid;
`, cfg.Events, nexmark.NewGenerator(cfg).Config().Rate)
		got := runNexmarkPipeline(t, tmp, "same_events", []byte(pipe))
		defer got.Close()
		for _, c := range []struct{ view, twin string }{
			{"person_stats", "SELECT count(*), sum(id), min(date_time), max(date_time), sum(length(extra)) FROM person"},
			{"auction_stats", "SELECT count(*), sum(seller), sum(reserve), max(expires), sum(length(extra)) FROM auction"},
			{"bid_stats", "SELECT count(*), sum(auction), sum(bidder), sum(price), max(date_time), sum(length(url)) FROM bid"},
		} {
			compareNexmarkRows(t, c.view, queryRows(t, got, "SELECT * FROM "+c.view), queryRows(t, oracle, c.twin))
		}
		var n int64
		if err := oracle.QueryRow("SELECT (SELECT count(*) FROM person) + (SELECT count(*) FROM auction) + (SELECT count(*) FROM bid)").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != cfg.Events {
			t.Errorf("the JSONL holds %d events of all tables, want %d", n, cfg.Events)
		}
	})

	only := map[string]bool{}
	for _, q := range strings.Split(*nexmarkQuery, ",") {
		if q = strings.TrimSpace(q); q != "" {
			only[q] = true
		}
	}
	for _, q := range nexmarkqueries.Names() {
		if len(only) > 0 && !only[q] {
			continue
		}
		t.Run(q, func(t *testing.T) {
			if why, ok := pendingNexmark[q]; ok && !*nexmarkPending && !only[q] {
				// The twin is checked already: it runs and has rows.
				twin, err := nexmarkqueries.DuckDB(q)
				if err != nil {
					t.Fatal(err)
				}
				if rows := queryRows(t, oracle, strings.TrimSuffix(strings.TrimSpace(string(twin)), ";")); len(rows) == 0 {
					t.Fatalf("the twin of %s returns no rows", q)
				} else {
					t.Logf("twin: %d rows", len(rows))
				}
				t.Skipf("pending: %s (run with -nexmark-pending to try it)", why)
			}
			runNexmarkQuery(t, tmp, oracle, q, cfg)
		})
	}
}

// loadNexmarkOracle loads the events of cfg into an in-memory DuckDB
// (LoadNexmarkTables: person, auction, bid, each with seq).
func loadNexmarkOracle(t *testing.T, tmp string, cfg nexmark.Config) *sql.DB {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if err := LoadNexmarkTables(context.Background(), db, tmp, cfg); err != nil {
		t.Fatal(err)
	}
	return db
}

// runNexmarkPipeline runs pipeline text to its end and opens its database.
func runNexmarkPipeline(t *testing.T, tmp, name string, src []byte) *sql.DB {
	t.Helper()
	return openNexmarkResult(t, runNexmarkPipelineFile(t, tmp, name, src))
}

// runNexmarkPipelineFile runs pipeline text to its end and returns the
// path of its database.
func runNexmarkPipelineFile(t *testing.T, tmp, name string, src []byte) string {
	t.Helper()
	dir := filepath.Join(tmp, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, name+".sql")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db := filepath.Join(dir, "spate.duckdb")
	if err := Run(ctx, file, RunOptions{DB: db, StateDir: filepath.Join(dir, "state"), ExitAtEnd: true,
		CommitInterval: 10 * time.Second}); err != nil {
		t.Fatalf("spate run %s: %v", name, err)
	}
	return db
}

func openNexmarkResult(t *testing.T, db string) *sql.DB {
	t.Helper()
	got, err := sql.Open("duckdb", db+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// sameInDuckDB reports whether view in database file db holds exactly
// the rows of query, as multisets, comparing inside DuckDB (fast for
// large results). false means "not proven equal": the caller compares
// row by row, within the float tolerance, and reports the differences.
func sameInDuckDB(t *testing.T, oracle *sql.DB, db, view, query string) (bool, int64) {
	t.Helper()
	if _, err := oracle.Exec(fmt.Sprintf("ATTACH '%s' AS spate_result (READ_ONLY)", strings.ReplaceAll(db, "'", "''"))); err != nil {
		t.Logf("cannot attach the result (%v); comparing row by row", err)
		return false, 0
	}
	defer mustExec(t, oracle, "DETACH spate_result")
	var have, want, diff int64
	err := oracle.QueryRow(fmt.Sprintf(`SELECT (SELECT count(*) FROM spate_result.%[1]s), (SELECT count(*) FROM (%[2]s)),
		(SELECT count(*) FROM (SELECT * FROM spate_result.%[1]s EXCEPT ALL SELECT * FROM (%[2]s)))`, view, query)).Scan(&have, &want, &diff)
	if err != nil {
		t.Logf("comparing in DuckDB failed (%v); comparing row by row", err)
		return false, 0
	}
	return have == want && diff == 0, have
}

func runNexmarkQuery(t *testing.T, tmp string, oracle *sql.DB, q string, cfg nexmark.Config) {
	src, err := nexmarkqueries.Spate(q)
	if err != nil {
		t.Fatal(err)
	}
	twin, err := nexmarkqueries.DuckDB(q)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(nexmarkqueries.SourceLine.FindAll(src, -1)); n == 0 || n != strings.Count(string(src), "CREATE SOURCE") {
		t.Fatalf("%s.sql: write each source on one line as CREATE SOURCE name WITH (connector = 'nexmark', table = 'T', events = 'N'); (spate bench rewrites them)", q)
	}
	start := time.Now()
	src = nexmarkqueries.WithEvents(src, cfg.Events)
	if cfg.Rate > 0 {
		src = bytes.ReplaceAll(src, []byte("events = '"), []byte(fmt.Sprintf("rate = '%d', events = '", cfg.Rate)))
	}
	db := runNexmarkPipelineFile(t, tmp, q, src)
	took := time.Since(start)
	view := "nexmark_" + q
	query := strings.TrimSuffix(strings.TrimSpace(string(twin)), ";")
	if same, n := sameInDuckDB(t, oracle, db, view, query); same {
		if n == 0 {
			t.Errorf("view %s: the twin returns no rows; the query tests nothing at this event count", view)
		}
		t.Logf("%s: %d rows, identical (spate run %.2fs)", q, n, took.Seconds())
		return
	}
	got := openNexmarkResult(t, db)
	defer got.Close()
	want := queryRows(t, oracle, query)
	have := queryRows(t, got, "SELECT * FROM "+view)
	t.Logf("%s: %d rows (spate run %.2fs)", q, len(have), took.Seconds())
	compareNexmarkRows(t, view, have, want)
}

// compareNexmarkRows compares sorted, normalized rows exactly, except that
// two decimal or floating-point cells are equal within a relative 1e-9
// (avg and sums of doubles depend on the order of addition).
func compareNexmarkRows(t *testing.T, view string, have, want []string) {
	t.Helper()
	if len(want) == 0 {
		t.Errorf("view %s: the twin returns no rows; the query tests nothing at this event count", view)
	}
	if len(have) == len(want) {
		same := true
		for i := range have {
			if !sameNexmarkRow(have[i], want[i]) {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	compareRows(t, view, have, want)
}

func sameNexmarkRow(a, b string) bool {
	if a == b {
		return true
	}
	ac, bc := strings.Split(a, " | "), strings.Split(b, " | ")
	if len(ac) != len(bc) {
		return false
	}
	for i := range ac {
		if ac[i] == bc[i] {
			continue
		}
		x, err1 := strconv.ParseFloat(ac[i], 64)
		y, err2 := strconv.ParseFloat(bc[i], 64)
		if err1 != nil || err2 != nil || math.Abs(x-y) > 1e-9*math.Max(math.Abs(x), math.Abs(y)) {
			return false
		}
	}
	return true
}
