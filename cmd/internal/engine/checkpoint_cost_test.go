//go:build duckdb_arrow

package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/spate-sql/spate/connectors/kafka"
)

// costPipeline keeps 100k keys of state: 100k concurrent sessions in a
// timeline view and a windowed aggregate keyed by session, with an
// exactly-once Kafka sink.
const costPipeline = `CREATE SOURCE heartbeats WITH (connector = 'video_sessions', sessions = '100000', events = '%d', rate = '200000', seed = '3');
CREATE MATERIALIZED VIEW session_qoe WITH (timeline_ttl = '30s') AS
SELECT session_id, tumble_start(ts, '1m') AS minute, count(*) AS events,
       tl_duration_where(tl_latest(player) = 'play') AS play_ms,
       tl_count_entries(tl_ever(player = 'attempt')) AS attempts
FROM heartbeats GROUP BY session_id, tumble(ts, '1m');
CREATE MATERIALIZED VIEW session_bitrate AS
SELECT session_id, tumble_start(ts, '1m') AS minute, count(*) AS n, max(bitrate) AS max_bitrate
FROM heartbeats GROUP BY session_id, tumble(ts, '1m');
CREATE SINK qoe_out FROM session_qoe WITH (connector = 'kafka', topic = 'qoe', key = 'session_id');
`

// The cost of checkpoints, printed (SPATE_CHECKPOINT_COST=1; too slow
// and too noisy to assert in CI): checkpoint duration and size with 100k
// keys of state, and throughput of the crash test's pipeline with a
// checkpoint every second against one checkpoint at the end only.
func TestCheckpointCost(t *testing.T) {
	if os.Getenv("SPATE_CHECKPOINT_COST") == "" {
		t.Skip("set SPATE_CHECKPOINT_COST=1")
	}
	dir := t.TempDir()
	run := func(name, pipeline string, events int, interval time.Duration) float64 {
		file := filepath.Join(dir, name+".sql")
		if err := os.WriteFile(file, []byte(pipeline), 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := kafka.StartEmbedded("", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		h, err := OpenHost(HostOptions{Brokers: b.Addr(), DB: filepath.Join(dir, name+".duckdb"), StateDir: filepath.Join(dir, name),
			CommitInterval: interval})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		p, err := Compile(file)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		j, err := h.StartJob(JobSpec{ID: "cost", File: file, Pipeline: p, ExitAtEnd: true})
		if err != nil {
			t.Fatal(err)
		}
		<-j.Done()
		if err := j.Err(); err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		var m dto.Metric
		if err := j.commits.Write(&m); err != nil {
			t.Fatal(err)
		}
		n := m.GetHistogram().GetSampleCount()
		mean := time.Duration(m.GetHistogram().GetSampleSum() / float64(n) * float64(time.Second))
		rate := float64(events) / el.Seconds()
		t.Logf("%s: %d events in %v = %.0f events/s; %d checkpoints, mean duration %v (sinks, snapshot, DuckDB commit, Kafka commit); largest checkpoint %.1f MB",
			name, events, el.Round(time.Millisecond), rate, n, mean.Round(100*time.Microsecond), float64(j.maxCheckpoint)/1e6)
		return rate
	}
	// Checkpoints of 100k keys of window and timeline state, often.
	run("100k-keys", fmt.Sprintf(costPipeline, 4_000_000), 4_000_000, 250*time.Millisecond)
	// Throughput at the default interval (10 s) and at 1 s against one
	// checkpoint at the end, in turns so that load drifts hit all alike;
	// runs long enough (several seconds) for the intervals to matter.
	const events = 4_000_000 // per generator
	crash := fmt.Sprintf(crashPipeline, events)
	var every1, every10, end float64
	for i := 0; i < 2; i++ {
		every1 += run(fmt.Sprintf("every-1s-%d", i), crash, 2*events, time.Second)
		every10 += run(fmt.Sprintf("every-10s-%d", i), crash, 2*events, 10*time.Second)
		end += run(fmt.Sprintf("end-only-%d", i), crash, 2*events, time.Hour)
	}
	t.Logf("throughput against one checkpoint at the end: every 1 s %.2f, every 10 s %.2f", every1/end, every10/end)
}
