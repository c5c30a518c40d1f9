//go:build duckdb_arrow

package engine

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spate-sql/spate/connectors/kafka"
)

// crashPipeline has windowed aggregates, a timeline view, a view over a
// view, an updating aggregate and two exactly-once Kafka sinks; %d is the
// event count of each generator.
const crashPipeline = `CREATE SOURCE heartbeats WITH (connector = 'video_sessions', sessions = '2000', events = '%[1]d', rate = '4000', seed = '7');
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '%[1]d', seed = '7');
CREATE MATERIALIZED VIEW session_qoe WITH (timeline_ttl = '30s') AS
SELECT session_id, tumble_start(ts, '1m') AS minute, count(*) AS events,
       tl_value_at_end(tl_latest(cdn)) AS cdn,
       tl_duration_where(tl_latest(player) = 'play') AS play_ms,
       tl_duration_where(tl_latest(player) = 'buffer' AND tl_ever(player = 'play')
                         AND NOT tl_within(action = 'seek', '5s')) AS cir_ms,
       tl_count_entries(tl_ever(player = 'attempt')) AS attempts
FROM heartbeats GROUP BY session_id, tumble(ts, '1m');
CREATE MATERIALIZED VIEW cdn_minute AS
SELECT cdn, tumble_start(minute, '1m') AS minute, count(*) AS sessions, sum(play_ms) AS play_ms, sum(cir_ms) AS cir_ms
FROM session_qoe GROUP BY cdn, tumble(minute, '1m');
CREATE MATERIALIZED VIEW auction_prices AS
SELECT auction, tumble_start(date_time, '10s') AS w, count(*) AS bids, max(price) AS max_price, sum(price) AS total
FROM bid GROUP BY auction, tumble(date_time, '10s');
CREATE MATERIALIZED VIEW bidder_totals AS SELECT bidder, count(*) AS bids, sum(price) AS total FROM bid GROUP BY bidder;
CREATE SINK qoe_out FROM session_qoe WITH (connector = 'kafka', topic = 'qoe', key = 'session_id');
CREATE SINK auctions_out FROM auction_prices WITH (connector = 'kafka', topic = 'auctions');
`

var crashViews = []string{"session_qoe", "cdn_minute", "auction_prices", "bidder_totals"}
var crashTopics = []string{"qoe", "auctions"}

// buildSpate builds the CLI into dir.
func buildSpate(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "spate")
	out, err := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", bin, "github.com/spate-sql/spate/cmd/spate").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// spateProc is one `spate run` process whose stderr is watched for the
// checkpoint phases SPATE_DEBUG_CHECKPOINTS announces.
type spateProc struct {
	cmd     *exec.Cmd
	start   time.Time
	phases  chan string // "begin N", "commit N", "published N", "resumed"
	exited  chan struct{}
	waitErr error
	mu      sync.Mutex
	log     strings.Builder
	resumed time.Duration // start to "resuming from checkpoint" (0: none)
	first   time.Duration // start to the first checkpoint commit (0: none)
}

func startSpate(t *testing.T, bin, file, db, state, brokers string, interval time.Duration) *spateProc {
	t.Helper()
	args := []string{"run", file, "--exit-at-end", "--checkpoint-interval", interval.String(), "--db", db, "--state-dir", state, "--listen", ""}
	if brokers != "" {
		args = append(args, "--brokers", brokers)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "SPATE_DEBUG_CHECKPOINTS=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &spateProc{cmd: cmd, phases: make(chan string, 1024), exited: make(chan struct{})}
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			since := time.Since(p.start)
			p.mu.Lock()
			p.log.WriteString(line + "\n")
			if strings.Contains(line, "resuming from checkpoint") && p.resumed == 0 {
				p.resumed = since
			}
			if phase, ok := strings.CutPrefix(line, "spate-debug: checkpoint "); ok {
				if strings.HasPrefix(phase, "commit") && p.first == 0 {
					p.first = since
				}
				select {
				case p.phases <- phase:
				default:
				}
			}
			p.mu.Unlock()
		}
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p
}

// waitPhase waits for the n-th announcement of phase; false when the
// process exited first.
func (p *spateProc) waitPhase(phase string, n int) bool {
	for {
		select {
		case got := <-p.phases:
			if strings.HasPrefix(got, phase+" ") {
				if n--; n == 0 {
					return true
				}
			}
		case <-p.exited:
			return false
		}
	}
}

// kill sends SIGKILL unless the process already exited; it reports
// whether the kill landed on a running process.
func (p *spateProc) kill() bool {
	select {
	case <-p.exited:
		return false
	default:
	}
	err := p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
	return err == nil && p.cmd.ProcessState != nil && !p.cmd.ProcessState.Success()
}

func (p *spateProc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// kill -9 at random moments (some inside checkpoints: while DuckDB
// commits, between the DuckDB and the Kafka commit, right after the
// Kafka commit) and restarts, until the job finishes: every view equals
// an uninterrupted run's exactly, and each sink topic, read
// read_committed, holds the uninterrupted run's records exactly once.
//
// Default: 500k events per generator (1M in all), 20 kills.
// SPATE_CRASH_FULL=1: 1M per generator (2M), 40 kills. SPATE_CRASH_SEED=n replays a seed.
func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and runs it many times")
	}
	events, kills := 500_000, 20
	if os.Getenv("SPATE_CRASH_FULL") != "" {
		events, kills = 1_000_000, 40
	}
	crashTest(t, events, kills, false)
}

// The same with spate's own embedded broker, killed with the process and
// restarted from its data directory under the state dir each time.
func TestCrashKill9EmbeddedBroker(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and runs it many times")
	}
	crashTest(t, 300_000, 8, true)
}

func crashTest(t *testing.T, events, kills int, embedded bool) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("SPATE_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seed %d (replay with SPATE_CRASH_SEED=%d); %d events per generator, %d kills", seed, seed, events, kills)
	rng := rand.New(rand.NewSource(seed))

	dir := t.TempDir()
	bin := buildSpate(t, dir)
	file := filepath.Join(dir, "crash.sql")
	if err := os.WriteFile(file, []byte(fmt.Sprintf(crashPipeline, events)), 0o644); err != nil {
		t.Fatal(err)
	}
	// Without embedded, the brokers live in the test process and survive
	// the kills.
	addrA, addrB := "", ""
	if !embedded {
		brokerA, err := kafka.StartEmbedded("", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer brokerA.Close()
		brokerB, err := kafka.StartEmbedded("", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer brokerB.Close()
		addrA, addrB = brokerA.Addr(), brokerB.Addr()
	}

	// The uninterrupted run.
	wholeDB := filepath.Join(dir, "whole.duckdb")
	t0 := time.Now()
	p := startSpate(t, bin, file, wholeDB, filepath.Join(dir, "whole"), addrA, 100*time.Millisecond)
	<-p.exited
	if p.waitErr != nil {
		t.Fatalf("uninterrupted run: %v\n%s", p.waitErr, p.stderr())
	}
	whole := time.Since(t0)
	t.Logf("uninterrupted run: %v", whole.Round(time.Millisecond))
	// Each start may finish the work left when no kill lands in time, so
	// the kills must come well within the run: on an idle machine the
	// whole run takes well under a second. Checkpoints come often enough
	// for each start to get a few, and a random kill lands within about a
	// kill's share of the run.
	interval := min(100*time.Millisecond, max(10*time.Millisecond, whole/time.Duration(4*kills)))
	randomKill := max(20*time.Millisecond, whole/time.Duration(kills))

	// The run killed again and again.
	db := filepath.Join(dir, "crash.duckdb")
	state := filepath.Join(dir, "crash")
	modes := map[string]int{}
	var recoveries, resumes []time.Duration
	landed, starts := 0, 0
	t0 = time.Now()
	for {
		starts++
		if starts > 20*kills+20 {
			t.Fatalf("the job did not finish after %d starts", starts)
		}
		p := startSpate(t, bin, file, db, state, addrB, interval)
		var mode string
		if landed < kills {
			switch rng.Intn(4) {
			case 0:
				mode = "random moment"
				select {
				case <-time.After(time.Duration(rng.Int63n(int64(randomKill)))):
				case <-p.exited:
				}
			case 1:
				mode = "during the DuckDB commit"
				if p.waitPhase("begin", 1+rng.Intn(2)) {
					time.Sleep(time.Duration(rng.Intn(3000)) * time.Microsecond)
				}
			case 2:
				mode = "between the DuckDB and the Kafka commit"
				p.waitPhase("commit", 1+rng.Intn(2))
			case 3:
				mode = "after the Kafka commit"
				p.waitPhase("published", 1+rng.Intn(2))
			}
			if p.kill() {
				landed++
				modes[mode]++
			}
		}
		<-p.exited
		p.mu.Lock()
		if p.resumed > 0 {
			resumes = append(resumes, p.resumed)
			if p.first > 0 {
				recoveries = append(recoveries, p.first)
			}
		}
		p.mu.Unlock()
		if p.cmd.ProcessState.Success() {
			break
		}
		if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("start %d failed: %v\n%s", starts, p.waitErr, p.stderr())
		}
	}
	t.Logf("crash run: %d starts, %d kills landed (%v), %v", starts, landed, modes, time.Since(t0).Round(time.Millisecond))
	t.Logf("recovery after kill -9: process start to \"resuming from checkpoint\" %s; to the first new checkpoint %s",
		durStats(resumes), durStats(recoveries))
	if landed < kills/2 {
		t.Errorf("only %d of %d kills landed", landed, kills)
	}

	compareViews(t, wholeDB, db, crashViews)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if embedded {
		// Start each run's broker from its data directory to read it.
		for _, a := range []*string{&addrA, &addrB} {
			st := filepath.Join(dir, "whole", "kafka")
			if a == &addrB {
				st = filepath.Join(state, "kafka")
			}
			b, err := kafka.StartEmbedded(st, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			*a = b.Addr()
		}
	}
	for _, topic := range crashTopics {
		want := topicMultiset(t, ctx, []string{addrA}, topic)
		got := topicMultiset(t, ctx, []string{addrB}, topic)
		compareMultisets(t, "topic "+topic, got, want)
	}
}

func durStats(ds []time.Duration) string {
	if len(ds) == 0 {
		return "n/a"
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return fmt.Sprintf("median %v, max %v (n=%d)", s[len(s)/2].Round(time.Millisecond), s[len(s)-1].Round(time.Millisecond), len(s))
}

// compareViews checks that every view holds the same multiset of rows in
// both databases (EXCEPT ALL both ways, in DuckDB).
func compareViews(t *testing.T, wantDB, gotDB string, views []string) {
	t.Helper()
	c, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, q := range []string{
		fmt.Sprintf("ATTACH '%s' AS want (READ_ONLY)", wantDB),
		fmt.Sprintf("ATTACH '%s' AS got (READ_ONLY)", gotDB),
	} {
		if _, err := c.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range views {
		var n, missing, extra int64
		err := c.QueryRow(fmt.Sprintf(`SELECT (SELECT count(*) FROM want.%[1]s),
			(SELECT count(*) FROM (SELECT * FROM want.%[1]s EXCEPT ALL SELECT * FROM got.%[1]s)),
			(SELECT count(*) FROM (SELECT * FROM got.%[1]s EXCEPT ALL SELECT * FROM want.%[1]s))`, v)).Scan(&n, &missing, &extra)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 || missing != 0 || extra != 0 {
			t.Errorf("view %s: %d rows uninterrupted; after the crashes %d missing, %d extra", v, n, missing, extra)
		} else {
			t.Logf("view %s: %d rows, identical", v, n)
		}
	}
}

// topicMultiset counts topic's committed records by key and value.
func topicMultiset(t *testing.T, ctx context.Context, brokers []string, topic string) map[string]int {
	t.Helper()
	recs, err := kafka.ReadCommitted(ctx, brokers, topic)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int{}
	for _, r := range recs {
		m[string(r.Key)+"\x00"+string(r.Value)]++
	}
	return m
}

func compareMultisets(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	n, bad := 0, 0
	for k, w := range want {
		n += w
		if g := got[k]; g != w {
			if bad++; bad <= 5 {
				t.Errorf("%s: record %q %d times, want %d", what, k, g, w)
			}
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			if bad++; bad <= 5 {
				t.Errorf("%s: unexpected record %q (%d times)", what, k, g)
			}
		}
	}
	if n == 0 {
		t.Errorf("%s: the uninterrupted run produced nothing", what)
	}
	if bad == 0 {
		t.Logf("%s: %d records, each exactly once", what, n)
	}
}
