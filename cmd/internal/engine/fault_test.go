//go:build duckdb_arrow

package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// faultPipeline reads a pre-filled topic (3 partitions) into a windowed
// aggregate, an updating aggregate and an exactly-once Kafka sink.
const faultPipeline = `CREATE SOURCE clicks (user_id BIGINT, page VARCHAR, amount BIGINT, ts TIMESTAMP)
WITH (connector = 'kafka', topic = 'clicks', event_time = 'ts', watermark_delay = '1s');
CREATE MATERIALIZED VIEW page_minute AS
SELECT page, tumble_start(ts, '10s') AS w, count(*) AS n, sum(amount) AS total, max(user_id) AS top_user
FROM clicks GROUP BY page, tumble(ts, '10s');
CREATE MATERIALIZED VIEW user_totals AS SELECT user_id, count(*) AS n, sum(amount) AS total FROM clicks GROUP BY user_id;
CREATE SINK page_out FROM page_minute WITH (connector = 'kafka', topic = 'page_out', key = 'page');
`

const faultEvents = 150_000

// faultCluster starts a 3-broker kfake cluster; ports 0 picks free ones.
func faultCluster(t *testing.T, dataDir string, ports []int) *kfake.Cluster {
	t.Helper()
	opts := []kfake.Opt{kfake.NumBrokers(3), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(3), kfake.ClusterID("spate-faults")}
	if ports != nil {
		opts = append(opts, kfake.Ports(ports...))
	}
	if dataDir != "" {
		opts = append(opts, kfake.DataDir(dataDir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fillClicks writes faultEvents JSON clicks, in event-time order per
// partition, to topic clicks.
func fillClicks(t *testing.T, addrs []string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.AllowAutoTopicCreation(), kgo.ProducerLinger(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pages := []string{"home", "search", "cart", "checkout", "help"}
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	recs := make([]*kgo.Record, 0, faultEvents)
	for i := 0; i < faultEvents; i++ {
		ts := base.Add(time.Duration(i) * 7 * time.Millisecond)
		v := fmt.Sprintf(`{"user_id":%d,"page":"%s","amount":%d,"ts":"%s"}`, (i*7919)%5000, pages[(i*31)%5], i%997,
			ts.Format("2006-01-02T15:04:05.000Z"))
		recs = append(recs, &kgo.Record{Topic: "clicks", Partition: int32(i % 3), Value: []byte(v)})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// runFaultPipeline runs faultPipeline to its end against brokers; during
// calls it once the job is about to start.
func runFaultPipeline(t *testing.T, dir string, brokers []string, parallelism int, during func()) string {
	t.Helper()
	file := filepath.Join(dir, "faults.sql")
	if err := os.WriteFile(file, []byte(faultPipeline), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "faults.duckdb")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	err := Run(ctx, file, RunOptions{Brokers: strings.Join(brokers, ","), DB: db, StateDir: filepath.Join(dir, "state"),
		ExitAtEnd: true, CommitInterval: 50 * time.Millisecond, Parallelism: parallelism,
		Ready: func(string, string) {
			if during != nil {
				go during()
			}
		}})
	if err == nil && ctx.Err() != nil {
		err = ctx.Err() // stopped, not finished
	}
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return db
}

// faultBaseline is the uninterrupted run on a healthy cluster: its
// database and sink topic.
func faultBaseline(t *testing.T, parallelism int) (string, map[string]int) {
	t.Helper()
	c := faultCluster(t, "", nil)
	defer c.Close()
	fillClicks(t, c.ListenAddrs())
	db := runFaultPipeline(t, t.TempDir(), c.ListenAddrs(), parallelism, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return db, topicMultiset(t, ctx, c.ListenAddrs(), "page_out")
}

// Failed fetches, produces and transaction commits (retriable errors) and
// partition leaders moving between brokers during a run: the views and
// the sink topic are exactly the healthy run's.
func TestFaultRequestsAndLeaderMoves(t *testing.T) {
	for _, p := range faultParallelisms {
		t.Run(fmt.Sprintf("P%d", p), func(t *testing.T) { testFaultRequestsAndLeaderMoves(t, p) })
	}
}

// faultParallelisms: the fault tests run at one lane and at two; the
// healthy baseline always runs at one, so each is also checked against P=1.
var faultParallelisms = []int{1, 2}

func testFaultRequestsAndLeaderMoves(t *testing.T, parallelism int) {
	wantDB, wantTopic := faultBaseline(t, 1)

	c := faultCluster(t, "", nil)
	defer c.Close()
	fillClicks(t, c.ListenAddrs())
	fetch := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Topic: "clicks", Err: kerr.NotLeaderForPartition, Count: 30})
	produce := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "page_out", Err: kerr.NotEnoughReplicas, Count: 10})
	endTxn := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.EndTxn}, Err: kerr.CoordinatorLoadInProgress, Count: 3})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	moves := 0
	db := runFaultPipeline(t, t.TempDir(), c.ListenAddrs(), parallelism, func() {
		wg.Add(1)
		defer wg.Done()
		// A few leader changes, as in a rolling restart (a partition
		// stalled past the 5 s idle timeout must not let the watermark
		// run ahead of it: the Kafka source touches it at every poll).
		for moves < 8 {
			select {
			case <-stop:
				return
			case <-time.After(150 * time.Millisecond):
			}
			c.ShufflePartitionLeaders()
			moves++
		}
	})
	close(stop)
	wg.Wait()
	t.Logf("faults answered: fetch %d, produce %d, end txn %d; leader shuffles %d", fetch.Hits(), produce.Hits(), endTxn.Hits(), moves)
	if fetch.Hits() == 0 || produce.Hits() == 0 || moves == 0 {
		t.Errorf("the faults did not happen during the run")
	}
	compareViews(t, wantDB, db, []string{"page_minute", "user_totals"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	compareMultisets(t, "topic page_out", topicMultiset(t, ctx, c.ListenAddrs(), "page_out"), wantTopic)
}

// The broker is stopped and started again from its data directory in the
// middle of a run: the job rides it out and the results are exact.
func TestFaultBrokerRestart(t *testing.T) {
	for _, p := range faultParallelisms {
		t.Run(fmt.Sprintf("P%d", p), func(t *testing.T) { testFaultBrokerRestart(t, p) })
	}
}

func testFaultBrokerRestart(t *testing.T, parallelism int) {
	wantDB, wantTopic := faultBaseline(t, 1)

	dataDir := t.TempDir()
	c := faultCluster(t, dataDir, nil)
	addrs := c.ListenAddrs()
	var ports []int
	for _, a := range addrs {
		var p int
		fmt.Sscanf(a[strings.LastIndex(a, ":")+1:], "%d", &p)
		ports = append(ports, p)
	}
	fillClicks(t, addrs)
	var mu sync.Mutex
	restarted := make(chan struct{})
	var upAt time.Time
	db := runFaultPipeline(t, t.TempDir(), addrs, parallelism, func() {
		defer close(restarted)
		time.Sleep(150 * time.Millisecond)
		c.Close()
		time.Sleep(300 * time.Millisecond)
		mu.Lock()
		c = faultCluster(t, dataDir, ports)
		upAt = time.Now()
		mu.Unlock()
	})
	ended := time.Now()
	<-restarted
	mu.Lock()
	defer c.Close()
	if upAt.After(ended) {
		t.Errorf("the run ended before the broker restarted")
	}
	mu.Unlock()
	compareViews(t, wantDB, db, []string{"page_minute", "user_totals"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	compareMultisets(t, "topic page_out", topicMultiset(t, ctx, addrs, "page_out"), wantTopic)
}
