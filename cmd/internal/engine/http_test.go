//go:build duckdb_arrow

package engine

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestListenRule(t *testing.T) {
	cases := []struct {
		listen   string
		loopback bool
	}{
		{"127.0.0.1:7070", true},
		{"127.0.0.2:7070", true}, // all of 127.0.0.0/8 is loopback
		{"[::1]:7070", true},
		{"localhost:7070", true},
		{"LOCALHOST:0", true},
		{"0.0.0.0:7070", false},
		{":7070", false}, // every interface
		{"[::]:7070", false},
		{"192.168.1.20:7070", false},
		{"10.0.0.1:7070", false},
		{"spate.example.com:7070", false},
		{"127.0.0.1", false}, // not host:port: refuse rather than guess
	}
	for _, c := range cases {
		if got := IsLoopback(c.listen); got != c.loopback {
			t.Errorf("IsLoopback(%q) = %v, want %v", c.listen, got, c.loopback)
		}
		err := CheckListen(c.listen, "")
		if (err == nil) != c.loopback {
			t.Errorf("CheckListen(%q, no token) = %v", c.listen, err)
		}
		if err := CheckListen(c.listen, "t0ken"); err != nil {
			t.Errorf("CheckListen(%q, token) = %v", c.listen, err)
		}
	}
	if err := CheckListen("", ""); err != nil {
		t.Errorf("no endpoint needs no token: %v", err)
	}
}

// testHost is a Host with one finished nexmark job (view per_channel) and
// its API served by httptest.
func testHost(t *testing.T, token string, queryTimeout time.Duration) (*Host, *httptest.Server) {
	t.Helper()
	dir := t.TempDir()
	// Brokers given: no embedded broker, and nothing here talks to Kafka.
	h, err := OpenHost(HostOptions{Brokers: "127.0.0.1:1", DB: filepath.Join(dir, "h.duckdb"), StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	j, err := h.StartJob(JobSpec{ID: "bids", File: "bids.sql", Source: []byte(`CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '5000');
CREATE MATERIALIZED VIEW per_channel AS SELECT channel, count(*) AS bids FROM bid GROUP BY channel;`)})
	if err != nil {
		t.Fatal(err)
	}
	<-j.Done()
	if err := j.Err(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newAPI(h, nil, token, queryTimeout).handler())
	t.Cleanup(srv.Close)
	return h, srv
}

func post(t *testing.T, url, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// POST /query cannot write, cannot reach files, runs one statement and
// stops at its time limit.
func TestQueryEndpointIsReadOnly(t *testing.T) {
	_, srv := testHost(t, "", 300*time.Millisecond)
	secret := filepath.Join(t.TempDir(), "secret.csv")
	os.WriteFile(secret, []byte("a,b\n1,2\n"), 0o644)
	out := filepath.Join(t.TempDir(), "out.csv")
	refused := []struct{ sql, why string }{
		{"INSERT INTO per_channel VALUES ('x', 1)", "INSERT is not allowed"},
		{"DELETE FROM per_channel", "DELETE is not allowed"},
		{"UPDATE per_channel SET bids = 0", "UPDATE is not allowed"},
		{"DROP TABLE per_channel", "DROP is not allowed"},
		{"CREATE TABLE x AS SELECT 1", "CREATE is not allowed"},
		// DuckDB refuses the file while preparing, before the type check.
		{"COPY per_channel TO '" + out + "'", "COPY is not allowed|file system operations are disabled"},
		{"COPY (SELECT 1) TO '" + out + "' (FORMAT csv)", "COPY is not allowed|file system operations are disabled"},
		{"ATTACH '" + filepath.Join(t.TempDir(), "other.duckdb") + "' AS o", "ATTACH is not allowed"},
		{"SELECT * FROM read_csv('/etc/passwd')", "disabled"},
		{"SELECT * FROM read_csv_auto('" + secret + "')", "disabled"},
		{"SELECT * FROM read_text('/etc/passwd')", "disabled"},
		{"SELECT 1; DROP TABLE per_channel", "one statement at a time"},
		{"SET enable_external_access = true", "SET is not allowed"},
		{"INSTALL httpfs", "not allowed"},
	}
	for _, c := range refused {
		code, body := post(t, srv.URL+"/query", "", c.sql)
		said := false
		for _, why := range strings.Split(c.why, "|") {
			said = said || strings.Contains(body, why)
		}
		if code != http.StatusBadRequest || !said {
			t.Errorf("%s: %d %s; want 400 mentioning %q", c.sql, code, body, c.why)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("COPY ... TO wrote %s", out)
	}
	code, body := post(t, srv.URL+"/query?format=csv", "", "SELECT sum(bids) AS n FROM per_channel")
	if code != 200 || strings.TrimSpace(body) != "n\n4600" {
		t.Fatalf("a read after the refusals: %d %q (want the 4600 bids of 5000 events)", code, body)
	}
	start := time.Now()
	code, body = post(t, srv.URL+"/query", "", "SELECT sum(hash(i) % 7) FROM range(1000000000000) t(i)")
	if took := time.Since(start); code != http.StatusBadRequest || !strings.Contains(body, "time limit of 300ms") || took > 10*time.Second {
		t.Fatalf("a query past the time limit: %d %s after %s", code, body, took)
	}
}

// With a token, every path but /healthz needs it.
func TestTokenRequired(t *testing.T) {
	_, srv := testHost(t, "s3cret", 0)
	for _, c := range []struct {
		method, path, token string
		want                int
	}{
		{"POST", "/query", "", 401},
		{"POST", "/query", "wrong", 401},
		{"POST", "/query", "s3cret", 200},
		{"GET", "/metrics", "", 401},
		{"GET", "/metrics", "s3cret", 200},
		{"GET", "/jobs", "", 401},
		{"GET", "/jobs", "s3cret", 200},
		{"GET", "/jobs/bids/plan", "", 401},
		{"GET", "/healthz", "", 200},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader("SELECT 1"))
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s token %q: %d %s, want %d", c.method, c.path, c.token, resp.StatusCode, b, c.want)
		}
		if c.want == 401 && !strings.Contains(string(b), "bearer token") {
			t.Errorf("401 body %q does not say what is missing", b)
		}
	}
}

// /metrics is the Prometheus exposition of the jobs' counters; GET /jobs
// lists them; `spate run`'s endpoint does not take jobs.
func TestMetricsAndJobs(t *testing.T) {
	_, srv := testHost(t, "", 0)
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(b)
	for _, want := range []string{
		`spate_records_in_total{kind="source",name="bid",node="0",spate_job="bids"} 4600`,
		`spate_job_running{spate_job="bids",state="finished"} 0`,
		`# TYPE spate_checkpoint_duration_seconds histogram`,
		`spate_checkpoint_duration_seconds_count{spate_job="bids"} `,
		`# TYPE spate_late_events_total counter`,
		`# TYPE spate_dead_letters_total counter`,
		`# TYPE spate_state_rows gauge`,
		`go_goroutines `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// The view's sink wrote one row per channel (the table's rows).
	code, n := post(t, srv.URL+"/query?format=csv", "", "SELECT count(*) AS n FROM per_channel")
	rows := strings.TrimPrefix(strings.TrimSpace(n), "n\n")
	if code != 200 || !strings.Contains(text, `spate_records_out_total{kind="sink",name="per_channel",node=`) {
		t.Fatalf("%d %s", code, n)
	}
	resp, err = http.Get(srv.URL + "/jobs")
	if err != nil {
		t.Fatal(err)
	}
	var jobs []JobInfo
	json.NewDecoder(resp.Body).Decode(&jobs)
	resp.Body.Close()
	if len(jobs) != 1 || jobs[0].ID != "bids" || jobs[0].State != StateFinished || jobs[0].EventsIn != 4600 ||
		jobs[0].Watermark != "end" || len(jobs[0].Views) != 1 {
		t.Fatalf("GET /jobs = %+v", jobs)
	}
	if got := jobs[0].RowsOut; rows == "" || got < 1 {
		t.Errorf("rows_out %d (table has %s rows)", got, rows)
	}
	code, body := post(t, srv.URL+"/jobs", "", "CREATE SOURCE x WITH (connector = 'nexmark', table = 'bid', events = '1');")
	if code != http.StatusMethodNotAllowed || !strings.Contains(body, "spate server") {
		t.Errorf("POST /jobs on spate run's endpoint: %d %s", code, body)
	}
}

// Hostile requests: oversized bodies are refused whole (413), never cut
// short and run; malformed JSON bodies name the problem; a huge query
// string or header is refused (431); a client trickling its headers is
// cut off; wrong tokens in every shape are 401.
func TestHostileRequests(t *testing.T) {
	h, srv := testHost(t, "s3cret", 0)
	big := "SELECT 1 " + strings.Repeat(" ", maxQueryBody)
	for _, c := range []struct {
		name, ctype, body string
		want              int
		msg               string
	}{
		{"body over the limit", "", big, 413, "larger than the limit"},
		{"json body over the limit", "application/json", `{"sql":"` + big + `"}`, 413, "larger than the limit"},
		{"malformed json", "application/json", `{"sql": "SELECT 1"`, 400, "must be SQL text"},
		{"json of the wrong type", "application/json", `{"sql": 5}`, 400, "must be SQL text"},
		{"json array", "application/json", `["SELECT 1"]`, 400, "must be SQL text"},
		{"empty body", "", ``, 400, ""},
		{"not sql", "", "\x00\xff\xfe", 400, ""},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/query", strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer s3cret")
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want || !strings.Contains(string(b), c.msg) {
			t.Errorf("%s: %d %.200s, want %d with %q", c.name, resp.StatusCode, b, c.want, c.msg)
		}
	}
	for _, auth := range []string{"s3cret", "bearer s3cret", "Bearer  s3cret", "Bearer s3cre", "Bearer s3cret\x00",
		"Bearer " + strings.Repeat("s", 10000), "Basic czNjcmV0"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/jobs?token=s3cret", nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue // a header the client refuses to send is fine too
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("Authorization %.40q: %d, want 401", auth, resp.StatusCode)
		}
	}

	// The real listener: header limits and timeouts.
	old := httpHeaderTimeout
	httpHeaderTimeout = 300 * time.Millisecond
	defer func() { httpHeaderTimeout = old }()
	real, err := serveHTTP("127.0.0.1:0", newAPI(h, nil, "s3cret", 0))
	if err != nil {
		t.Fatal(err)
	}
	defer real.Close()
	req, _ := http.NewRequest(http.MethodGet, "http://"+real.Addr+"/jobs?q="+strings.Repeat("x", 2*maxHeaderBytes), nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a %d-byte query string: %d, want 431", 2*maxHeaderBytes, resp.StatusCode)
	}
	conn, err := net.Dial("tcp", real.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n")); err != nil { // never finishes its headers
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	buf := make([]byte, 512)
	for {
		if _, err := conn.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("a client trickling its headers still held the connection after %v", time.Since(start))
			}
			break // closed by the server
		}
	}
}
