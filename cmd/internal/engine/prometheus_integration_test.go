//go:build duckdb_arrow

package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spate-sql/spate/connectors/duckdb"
	"github.com/spate-sql/spate/connectors/kafka"
)

// The prometheus sink against real receivers from Debian packages
// (`apt-get install prometheus victoria-metrics`; .ci/run installs them).
// Each test starts its server on a free loopback port with its data in a
// temporary directory, runs a pipeline that writes per-window metrics to
// it, and checks that a PromQL query returns exactly the rows of the
// materialized view in DuckDB: the same series, timestamps and values.
//
// Timestamps: the events are from the last minutes, not from a fixed
// date. Prometheus's TSDB refuses samples older than its head block
// allows (about an hour behind its newest sample) and, per series,
// samples older than the series' last one; VictoriaMetrics drops samples
// outside its retention (a month by default). The Prometheus config also
// sets storage.tsdb.out_of_order_time_window = 1h, as a user would when a
// restarted pipeline (which recomputes its windows, there being no
// checkpoints yet) replays samples the receiver already has: without it,
// a request mixing replayed and new samples is refused whole (HTTP 400).

func TestPrometheusSinkIntoPrometheus(t *testing.T) {
	bin := lookPathOrSkip(t, "prometheus", "prometheus")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1h\nstorage:\n  tsdb:\n    out_of_order_time_window: 1h\n"), 0o644)
	addr := freeAddr(t)
	startDaemon(t, bin, "http://"+addr+"/-/ready",
		"--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--web.enable-remote-write-receiver")
	checkRemoteWrite(t, "http://"+addr+"/api/v1/write", "http://"+addr, irregularBitrate, "")
}

// VictoriaMetrics stores a value as a decimal mantissa and exponent and
// keeps about 12 significant digits (812.0833333333334 comes back as
// 812.0833333333), so its data set has averages that are short decimals,
// which it keeps exactly; Prometheus gets arbitrary doubles, bit for bit.
func TestPrometheusSinkIntoVictoriaMetrics(t *testing.T) {
	bin := lookPathOrSkip(t, "victoria-metrics", "victoria-metrics")
	dir := t.TempDir()
	addr := freeAddr(t)
	startDaemon(t, bin, "http://"+addr+"/health",
		"-httpListenAddr="+addr, "-storageDataPath="+filepath.Join(dir, "data"), "-search.disableCache")
	checkRemoteWrite(t, "http://"+addr+"/api/v1/write", "http://"+addr, shortDecimalBitrate,
		"http://"+addr+"/internal/force_flush") // make what it buffered searchable now
}

func lookPathOrSkip(t *testing.T, bin, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err != nil {
		t.Skipf("%s is not installed, so the sink is not tested against it (apt-get install -y %s; .ci/run does)", bin, pkg)
	}
	return p
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startDaemon runs bin until the test ends and waits until ready answers
// 200.
func startDaemon(t *testing.T, bin, ready string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	logf, err := os.Create(filepath.Join(t.TempDir(), filepath.Base(bin)+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel() // kills the process we started
		<-exited
		logf.Close()
	})
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		select {
		case err := <-exited:
			exited <- err
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("%s exited: %v\n%s", bin, err, log)
		default:
		}
		if resp, err := http.Get(ready); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("%s not ready after 60 s\n%s", bin, log)
		}
	}
}

// sampleKey is one sample: metric name, cdn label, time in ms.
type sampleKey struct {
	metric, cdn string
	ms          int64
}

// irregularBitrate gives event i of k in window (m, cdn c) a bitrate
// whose window averages are doubles with long expansions.
func irregularBitrate(m, c, i, k int) float64 { return 800.0 + float64((i*37+m*11+c*5)%97)/3 }

// shortDecimalBitrate spreads a window's bitrates symmetrically around
// 800.25 + 10m + c, so the average is exactly that.
func shortDecimalBitrate(m, c, i, k int) float64 {
	return 800.25 + float64(10*m+c) + float64(2*i-(k-1))
}

func checkRemoteWrite(t *testing.T, writeURL, apiURL string, bitrate func(m, c, i, k int) float64, flushURL string) {
	dir := t.TempDir()
	broker, err := kafka.StartEmbedded("", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	// Five whole minutes, ending at least two minutes ago.
	base := time.Now().UTC().Truncate(time.Minute).Add(-7 * time.Minute)
	var events strings.Builder
	n := 0
	for m := 0; m < 5; m++ {
		for c, cdn := range []string{"C1", "C2", "C3"} {
			k := 3 + m + c
			for i := 0; i < k; i++ {
				ts := base.Add(time.Duration(m)*time.Minute + time.Duration(i*7+c)*time.Second)
				fmt.Fprintf(&events, `{"session_id":"s%d","ts":"%s","cdn":"%s","bitrate":%s}`+"\n",
					i, ts.Format(time.RFC3339Nano), cdn, strconv.FormatFloat(bitrate(m, c, i, k), 'g', -1, 64))
				n++
			}
		}
	}
	ctx := context.Background()
	if got, err := kafka.Produce(ctx, []string{broker.Addr()}, "heartbeats", "", strings.NewReader(events.String())); err != nil || got != n {
		t.Fatalf("produce: %d of %d, %v", got, n, err)
	}
	pipeline := filepath.Join(dir, "metrics.sql")
	os.WriteFile(pipeline, []byte(fmt.Sprintf(`
CREATE SOURCE heartbeats (session_id VARCHAR, ts TIMESTAMP, cdn VARCHAR, bitrate DOUBLE)
  WITH (connector = 'kafka', topic = 'heartbeats', event_time = 'ts');
CREATE MATERIALIZED VIEW cdn_minute AS
  SELECT cdn, tumble_start(ts, '1m') AS minute, count(*) AS events, avg(bitrate) AS avg_bitrate
  FROM heartbeats GROUP BY cdn, tumble(ts, '1m');
CREATE SINK cdn_metrics FROM cdn_minute WITH (
  connector = 'prometheus', url = '%s',
  metric = 'spate_cdn', value = 'avg_bitrate, events', labels = 'cdn', time = 'minute', batch_size = '7');
`, writeURL)), 0o644)
	db := filepath.Join(dir, "m.duckdb")
	if err := Run(ctx, pipeline, RunOptions{Brokers: broker.Addr(), DB: db, StateDir: filepath.Join(dir, "state"), ExitAtEnd: true}); err != nil {
		t.Fatalf("run: %v", err)
	}

	res, err := duckdb.QueryFile(ctx, db, "SELECT cdn, epoch_ms(minute) AS ms, events, avg_bitrate FROM cdn_minute")
	if err != nil {
		t.Fatal(err)
	}
	want := map[sampleKey]float64{}
	for _, r := range res.Rows {
		cdn, ms := r[0].(string), r[1].(int64)
		want[sampleKey{"spate_cdn_events", cdn, ms}] = float64(r[2].(int64))
		want[sampleKey{"spate_cdn_avg_bitrate", cdn, ms}] = r[3].(float64)
	}
	if len(res.Rows) != 15 {
		t.Fatalf("the view has %d rows, want 15 (5 minutes x 3 CDNs)", len(res.Rows))
	}

	// An instant query of a range selector returns the raw samples.
	var got map[sampleKey]float64
	if flushURL != "" {
		if resp, err := http.Get(flushURL); err == nil {
			resp.Body.Close()
		}
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		got = promQuery(t, apiURL, `{__name__=~"spate_cdn_.*"}[30m]`)
		if len(got) >= len(want) {
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("PromQL returned %d samples, the view holds %d:\n got %v\nwant %v", len(got), len(want), sorted(got), sorted(want))
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok || math.Float64bits(g) != math.Float64bits(w) {
			t.Errorf("%v: PromQL %v (present %v), DuckDB %v", k, g, ok, w)
		}
	}
}

func promQuery(t *testing.T, api, q string) map[sampleKey]float64 {
	t.Helper()
	u := api + "/api/v1/query?" + url.Values{"query": {q}, "time": {strconv.FormatInt(time.Now().Unix(), 10)}}.Encode()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r struct {
		Status string
		Data   struct {
			ResultType string
			Result     []struct {
				Metric map[string]string
				Values [][2]any
			}
		}
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Status != "success" {
		t.Fatalf("%s: %v %s", u, err, body)
	}
	out := map[sampleKey]float64{}
	for _, s := range r.Data.Result {
		for _, v := range s.Values {
			ts, _ := v[0].(float64)
			str, _ := v[1].(string)
			f, err := strconv.ParseFloat(str, 64)
			if err != nil {
				t.Fatalf("value %v: %v", v[1], err)
			}
			if len(s.Metric) != 2 {
				t.Errorf("series %v: want exactly __name__ and cdn", s.Metric)
			}
			out[sampleKey{s.Metric["__name__"], s.Metric["cdn"], int64(math.Round(ts * 1000))}] = f
		}
	}
	return out
}

func sorted(m map[sampleKey]float64) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s{cdn=%s}@%d=%v", k.metric, k.cdn, k.ms, v))
	}
	sort.Strings(out)
	return out
}
