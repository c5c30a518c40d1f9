//go:build duckdb_arrow

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a server goroutine writing its
// log while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type serverProc struct {
	url, brokers string
	stop         func() (int, string)
}

var brokersRe = regexp.MustCompile(`spate server listening.*brokers=(\S+)`)

// startServer runs `spate server` in-process, as the binary would, until
// stop is called (the test's Ctrl-C).
func startServer(t *testing.T, dataDir string, extra ...string) serverProc {
	t.Helper()
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	args := append([]string{"server", "--listen", addr, "--data-dir", dataDir, "--commit-interval", "100ms"}, extra...)
	go func() { done <- runContext(ctx, args, strings.NewReader(""), &out, &errOut) }()
	p := serverProc{url: "http://" + addr}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := brokersRe.FindStringSubmatch(errOut.String()); m != nil {
			p.brokers = m[1]
			break
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("server exited with %d:\n%s", code, errOut.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server did not start:\n%s", errOut.String())
		}
	}
	stopped := false
	p.stop = func() (int, string) {
		if stopped {
			return 0, ""
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			return code, errOut.String()
		case <-time.After(30 * time.Second):
			t.Fatalf("server did not stop:\n%s", errOut.String())
		}
		return -1, ""
	}
	t.Cleanup(func() { p.stop() })
	return p
}

// eventually reruns a CLI query until its output contains want.
func eventually(t *testing.T, want string, args ...string) string {
	t.Helper()
	var out, stderr string
	var code int
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		code, out, stderr = spate(t, "", args...)
		if code == 0 && strings.Contains(out, want) {
			return out
		}
	}
	t.Fatalf("%v: exit %d, output %q (stderr %q) never contained %q", args, code, out, stderr, want)
	return ""
}

type jobRow struct {
	ID, State, Error string
	Views            []string
	EventsIn         int64 `json:"events_in"`
}

func jobsOf(t *testing.T, server string) map[string]jobRow {
	t.Helper()
	code, out, stderr := spate(t, "", "jobs", "--server", server, "--format", "json")
	if code != 0 {
		t.Fatalf("spate jobs: exit %d: %s", code, stderr)
	}
	var rows []jobRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("spate jobs --format json: %v\n%s", err, out)
	}
	m := map[string]jobRow{}
	for _, r := range rows {
		m[r.ID] = r
	}
	return m
}

// The job lifecycle through the CLI: a server, two jobs submitted and
// queried while they run, a SQL error refused at submit with the same
// message `spate run` gives, a view clash refused, one job cancelled, the
// server restarted: the cancelled job stays cancelled (its table stays
// queryable), the other is resumed, recomputes its view from the topic
// the embedded broker kept, and keeps consuming.
func TestServerJobLifecycle(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	clicks := writeFile(t, "clicks.sql", `CREATE SOURCE clicks (user_id VARCHAR, page VARCHAR, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'clicks', event_time = 'ts');
CREATE MATERIALIZED VIEW clicks_per_user AS SELECT user_id, count(*) AS clicks FROM clicks GROUP BY user_id;
`)
	orders := writeFile(t, "orders.sql", `CREATE SOURCE orders (item VARCHAR, qty BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'orders', event_time = 'ts');
CREATE MATERIALIZED VIEW qty_per_item AS SELECT item, sum(qty) AS qty FROM orders GROUP BY item;
`)
	bad := writeFile(t, "bad.sql", "CREATE SOURCE s (a BIGINT) WITH (connector = 'kafka', topic = 't');\nCREATE MATERIALIZED VIEW v AS SELECT b FROM s;\n")
	clash := writeFile(t, "clash.sql", `CREATE SOURCE c2 (user_id VARCHAR, ts TIMESTAMP) WITH (connector = 'kafka', topic = 'c2', event_time = 'ts');
CREATE MATERIALIZED VIEW CLICKS_PER_USER AS SELECT user_id, count(*) AS n FROM c2 GROUP BY user_id;
`)

	srv := startServer(t, data)
	for _, f := range []string{clicks, orders} {
		if code, out, stderr := spate(t, "", "submit", f, "--server", srv.url); code != 0 || !strings.Contains(out, "submitted job") {
			t.Fatalf("submit %s: exit %d, out %q, stderr %q", f, code, out, stderr)
		}
	}
	// A wrong pipeline is refused with `spate run`'s error and exit code.
	code, _, submitErr := spate(t, "", "submit", bad, "--server", srv.url)
	_, _, runErr := spate(t, "", "run", bad, "--listen", "", "--db", filepath.Join(dir, "x.duckdb"), "--state-dir", filepath.Join(dir, "st"))
	if code != 2 || submitErr != runErr || !strings.Contains(submitErr, "bad.sql:2:") {
		t.Fatalf("submit of bad SQL: exit %d, stderr %q; spate run says %q", code, submitErr, runErr)
	}
	if code, _, stderr := spate(t, "", "submit", clash, "--server", srv.url); code != 1 ||
		!strings.Contains(stderr, "clicks_per_user is already maintained by running job clicks") {
		t.Fatalf("submit of a clashing view: exit %d, stderr %q", code, stderr)
	}

	if code, _, stderr := spate(t, `{"user_id":"u1","page":"/","ts":"2024-01-01T00:00:00Z"}
{"user_id":"u2","page":"/a","ts":"2024-01-01T00:00:01Z"}
{"user_id":"u1","page":"/b","ts":"2024-01-01T00:00:02Z"}
`, "produce", "clicks", "--brokers", srv.brokers, "--key", "user_id"); code != 0 {
		t.Fatalf("produce: %s", stderr)
	}
	if code, _, stderr := spate(t, `{"item":"apple","qty":3,"ts":"2024-01-01T00:00:00Z"}
{"item":"pear","qty":1,"ts":"2024-01-01T00:00:01Z"}
{"item":"apple","qty":4,"ts":"2024-01-01T00:00:02Z"}
`, "produce", "orders", "--brokers", srv.brokers); code != 0 {
		t.Fatalf("produce: %s", stderr)
	}
	q := func(sql string) []string { return []string{"query", "--server", srv.url, "--format", "csv", sql} }
	eventually(t, "u1,2\nu2,1", q("SELECT user_id, clicks FROM clicks_per_user ORDER BY user_id")...)
	eventually(t, "apple,7\npear,1", q("SELECT item, qty FROM qty_per_item ORDER BY item")...)
	jobs := jobsOf(t, srv.url)
	if len(jobs) != 2 || jobs["clicks"].State != "running" || jobs["orders"].State != "running" || jobs["clicks"].EventsIn != 3 {
		t.Fatalf("jobs while running: %+v", jobs)
	}
	if code, out, _ := spate(t, "", "jobs", "--server", srv.url); code != 0 || !strings.Contains(out, "IN/S") || !strings.Contains(out, "qty_per_item") {
		t.Fatalf("spate jobs table:\n%s", out)
	}

	if code, out, stderr := spate(t, "", "cancel", "clicks", "--server", srv.url); code != 0 || !strings.Contains(out, "cancelled job clicks") {
		t.Fatalf("cancel: exit %d %q %q", code, out, stderr)
	}
	if code, _, stderr := spate(t, "", "cancel", "nope", "--server", srv.url); code != 1 || !strings.Contains(stderr, "no such job") {
		t.Fatalf("cancel of an unknown job: exit %d %q", code, stderr)
	}
	if jobs := jobsOf(t, srv.url); jobs["clicks"].State != "cancelled" || jobs["orders"].State != "running" {
		t.Fatalf("jobs after cancel: %+v", jobs)
	}
	if code, log := srv.stop(); code != 0 {
		t.Fatalf("server stop: exit %d\n%s", code, log)
	}

	srv = startServer(t, data)
	jobs = jobsOf(t, srv.url)
	if jobs["clicks"].State != "cancelled" || jobs["orders"].State != "running" {
		t.Fatalf("jobs after restart: %+v", jobs)
	}
	q = func(sql string) []string { return []string{"query", "--server", srv.url, "--format", "csv", sql} }
	// The cancelled job's table is left as it was; the resumed job
	// recomputed its view from the kept topic, and goes on consuming.
	eventually(t, "u1,2\nu2,1", q("SELECT user_id, clicks FROM clicks_per_user ORDER BY user_id")...)
	eventually(t, "apple,7\npear,1", q("SELECT item, qty FROM qty_per_item ORDER BY item")...)
	if code, _, stderr := spate(t, `{"item":"pear","qty":10,"ts":"2024-01-01T00:00:03Z"}`+"\n", "produce", "orders", "--brokers", srv.brokers); code != 0 {
		t.Fatalf("produce after restart: %s", stderr)
	}
	eventually(t, "apple,7\npear,11", q("SELECT item, qty FROM qty_per_item ORDER BY item")...)
	// The plan of a resumed job.
	resp, err := http.Get(srv.url + "/jobs/orders/plan")
	if err != nil {
		t.Fatal(err)
	}
	var plan bytes.Buffer
	plan.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(plan.String(), "Source #0 orders [kafka]") {
		t.Fatalf("GET /jobs/orders/plan: %s\n%s", resp.Status, plan.String())
	}
	// A cancelled job's name is free again.
	if code, out, stderr := spate(t, "", "submit", clicks, "--server", srv.url); code != 0 || !strings.Contains(out, "submitted job clicks ") {
		t.Fatalf("resubmit: exit %d %q %q", code, out, stderr)
	}
	eventually(t, "u1,2\nu2,1", q("SELECT user_id, clicks FROM clicks_per_user ORDER BY user_id")...)
}

// A server with a token refuses requests without it, through the CLI too.
func TestServerToken(t *testing.T) {
	srv := startServer(t, filepath.Join(t.TempDir(), "data"), "--token", "s3cret")
	code, _, stderr := spate(t, "", "jobs", "--server", srv.url)
	if code != 1 || !strings.Contains(stderr, "bearer token") {
		t.Fatalf("jobs without the token: exit %d, %q", code, stderr)
	}
	if code, _, stderr := spate(t, "", "jobs", "--server", srv.url, "--token", "s3cret"); code != 0 {
		t.Fatalf("jobs with the token: exit %d, %q", code, stderr)
	}
	t.Setenv("SPATE_TOKEN", "s3cret")
	if code, _, stderr := spate(t, "", "query", "--server", srv.url, "SELECT 42 AS x"); code != 0 {
		t.Fatalf("query with SPATE_TOKEN: exit %d, %q", code, stderr)
	}
}

// A non-loopback --listen without a token is a usage error, for run and
// server alike, before anything starts.
func TestNonLoopbackNeedsToken(t *testing.T) {
	p := writeFile(t, "p.sql", "CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '10');\nCREATE MATERIALIZED VIEW v AS SELECT auction FROM bid;\n")
	t.Setenv("SPATE_TOKEN", "")
	for _, args := range [][]string{
		{"server", "--listen", "0.0.0.0:0", "--data-dir", t.TempDir()},
		{"run", p, "--listen", ":0", "--db", filepath.Join(t.TempDir(), "x.duckdb"), "--state-dir", t.TempDir()},
	} {
		code, _, stderr := spate(t, "", args...)
		if code != 2 || !strings.Contains(stderr, "not a loopback address") || !strings.Contains(stderr, "--token") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}
