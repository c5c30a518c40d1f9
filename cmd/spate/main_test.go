//go:build duckdb_arrow

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// spate runs one command line in-process and returns its exit code and
// output.
func spate(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	if s := errOut.String(); strings.Contains(s, "goroutine ") || strings.Contains(s, "panic:") {
		t.Fatalf("a stack trace reached the user:\n%s", s)
	}
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBadSQLExitsTwoWithPosition(t *testing.T) {
	cases := []struct{ sql, want string }{
		{"CREATE SOURCE s (a BIGINT) WITH (connector = 'kafka', topic = 't');\nCREATE MATERIALIZED VIEW v AS SELECT b FROM s;\n", "bad.sql:2:"},
		{"CREATE SOURCE s (a BIGINT) WITH (connector = 'kafak', topic = 't');\n", "bad.sql:1:"},
		{"CREATE SOURCE s (a BIGINT) WITH (connector = 'kafka', topic = 't', colour = 'red');\n", "bad.sql:1:"},
		{"CREATE MATERIALIZED VIEW v AS SELEC 1;\n", "bad.sql:1:"},
		{"CREATE SOURCE s (a BIGINT) WITH (connector = 'kafka', topic = 't');\n\n  CREATE MATERIALIZED VIEW v AS SELECT a FROM nowhere;\n", "bad.sql:3:"},
		{"CREATE SOURCE s (k VARCHAR, ts TIMESTAMP, p VARCHAR) WITH (connector = 'kafka', topic = 't', event_time = 'ts');\nCREATE MATERIALIZED VIEW v AS SELECT k, tl_duration_where(p = 'x') AS d FROM s GROUP BY k, tumble(ts, '1m');\n",
			"bad.sql:2:59: tl_duration_where works on timeline states, and p is a column of the input row: use tl_latest(p) = 'x'"},
	}
	for _, c := range cases {
		p := writeFile(t, "bad.sql", c.sql)
		for _, cmd := range [][]string{{"explain", p}, {"run", p, "--listen", "", "--db", filepath.Join(t.TempDir(), "x.duckdb")}} {
			code, _, stderr := spate(t, "", cmd...)
			if code != 2 {
				t.Errorf("%s on %q: exit %d, want 2 (stderr %q)", cmd[0], c.sql, code, stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("%s on %q: stderr %q does not name %s", cmd[0], c.sql, stderr, c.want)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 0 {
				t.Errorf("%s: the error should be one line, got:\n%s", cmd[0], stderr)
			}
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{{"run"}, {"run", "a.sql", "--no-such-flag"}, {"query"}, {"query", "SELECT 1", "--format", "xml"}, {"explain", "a.sql", "--format", "png"}, {"frobnicate"}} {
		if code, _, stderr := spate(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, code, stderr)
		}
	}
}

func TestMissingPipelineFile(t *testing.T) {
	code, _, stderr := spate(t, "", "explain", filepath.Join(t.TempDir(), "nope.sql"))
	if code == 0 || !strings.Contains(stderr, "nope.sql") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestUnreachableBrokerFailsFast(t *testing.T) {
	p := writeFile(t, "p.sql", `CREATE SOURCE s (a BIGINT, ts TIMESTAMP) WITH (connector = 'kafka', topic = 't', event_time = 'ts');
CREATE MATERIALIZED VIEW v AS SELECT a FROM s;`)
	start := time.Now()
	code, _, stderr := spate(t, "", "run", p, "--brokers", "127.0.0.1:1", "--listen", "", "--exit-at-end",
		"--db", filepath.Join(t.TempDir(), "x.duckdb"), "--state-dir", t.TempDir())
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("took %s to report an unreachable broker, want < 15 s", took)
	}
	if code != 1 || !strings.Contains(stderr, "127.0.0.1:1") {
		t.Fatalf("exit %d, stderr %q; want exit 1 naming the broker", code, stderr)
	}
	if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 2 {
		t.Errorf("want one clear error, got %d lines:\n%s", n+1, stderr)
	}
}

// The quick start, in-process: run a generator pipeline to its end, then
// query the view at rest in every format.
func TestRunThenQueryAtRest(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "q.duckdb")
	p := writeFile(t, "q.sql", `CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '20000');
CREATE MATERIALIZED VIEW per_channel AS
  SELECT channel, tumble_start(date_time, '1s') AS w, count(*) AS bids FROM bid GROUP BY channel, tumble(date_time, '1s');`)
	if code, _, stderr := spate(t, "", "run", p, "--exit-at-end", "--listen", "", "--db", db, "--state-dir", filepath.Join(dir, "state")); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	code, out, stderr := spate(t, "", "query", "--db", db, "SELECT sum(bids) AS total FROM per_channel")
	if code != 0 {
		t.Fatalf("query: exit %d: %s", code, stderr)
	}
	// 20,000 events hold 46/50 bids.
	if !strings.Contains(out, "18400") {
		t.Fatalf("query output lacks the bid count 18400:\n%s", out)
	}
	for _, f := range []string{"csv", "json"} {
		if code, out, stderr := spate(t, "", "query", "--db", db, "--format", f, "SELECT count(*) AS n FROM per_channel"); code != 0 || !strings.Contains(out, "n") {
			t.Fatalf("query --format %s: exit %d out %q err %q", f, code, out, stderr)
		}
	}
	if code, _, stderr := spate(t, "", "query", "--db", db, "INSERT INTO per_channel VALUES ('x', now(), 1)"); code == 0 {
		t.Fatalf("a write through spate query succeeded: %s", stderr)
	}
}
