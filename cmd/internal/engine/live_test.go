//go:build duckdb_arrow

package engine

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spate-sql/spate/connectors/kafka"
)

// A running pipeline on the embedded broker: events produced while it runs
// reach the views, POST /query and `spate query` (which falls back to the
// endpoint because the running job holds the file) see them, /metrics
// counts them, and cancelling stops the job cleanly.
func TestLivePipelineQueriedWhileRunning(t *testing.T) {
	dir := t.TempDir()
	pipeline := filepath.Join(dir, "live.sql")
	os.WriteFile(pipeline, []byte(`
CREATE SOURCE clicks (user_id VARCHAR, page VARCHAR, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'clicks', event_time = 'ts');
CREATE MATERIALIZED VIEW per_user AS SELECT user_id, count(*) AS clicks FROM clicks GROUP BY user_id;
`), 0o644)
	db := filepath.Join(dir, "live.duckdb")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan [2]string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, pipeline, RunOptions{DB: db, StateDir: filepath.Join(dir, "state"), Listen: "127.0.0.1:0",
			CommitInterval: 100 * time.Millisecond, Ready: func(b, h string) { ready <- [2]string{b, h} }})
	}()
	var addrs [2]string
	select {
	case addrs = <-ready:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("pipeline did not start")
	}
	n, err := kafka.Produce(ctx, []string{addrs[0]}, "clicks", "user_id", strings.NewReader(
		`{"user_id":"u1","page":"/","ts":"2024-01-01T00:00:00Z"}
{"user_id":"u2","page":"/a","ts":"2024-01-01T00:00:01Z"}
{"user_id":"u1","page":"/b","ts":"2024-01-01T00:00:02Z"}
`))
	if err != nil || n != 3 {
		t.Fatalf("produce: %d, %v", n, err)
	}
	server := "http://" + addrs[1]
	want := "u1 | 2\nu2 | 1"
	var got string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var out bytes.Buffer
		err := Query(ctx, "SELECT user_id || ' | ' || clicks AS r FROM per_user ORDER BY user_id", QueryOptions{DB: db, Server: server, Format: "csv"}, &out)
		if err != nil {
			t.Fatalf("spate query while running: %v", err)
		}
		select {
		case err := <-done:
			t.Fatalf("run ended while it should be running: %v", err)
		default:
		}
		got = strings.TrimSpace(strings.TrimPrefix(out.String(), "r\n"))
		if got == want {
			break
		}
	}
	if got != want {
		t.Fatalf("per_user while running = %q, want %q", got, want)
	}
	resp, err := http.Get(server + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `spate_records_in_total{kind="source",name="clicks",node="0",spate_job="live"} 3`) {
		t.Fatalf("/metrics does not count the 3 events:\n%s", body)
	}
	resp, err = http.Post(server+"/query", "text/plain", strings.NewReader("DELETE FROM per_user"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("POST /query accepted a DELETE: %s", resp.Status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
}
