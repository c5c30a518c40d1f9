package engine

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/connectors/console"
	"github.com/spate-sql/spate/connectors/kafka"
	"github.com/spate-sql/spate/connectors/nexmark"
	"github.com/spate-sql/spate/exec"
	nexmarkqueries "github.com/spate-sql/spate/testdata/nexmark"
)

// BenchOptions are the flags of `spate bench nexmark`.
type BenchOptions struct {
	Query  string // q0 ... q22
	Events int64  // events of all three tables generated
	// Source is "generator" (the nexmark connector, in process) or
	// "kafka" (the events are first produced as JSON into an embedded
	// broker, untimed; the query then reads and decodes them).
	Source string
	// DuckDB also times DuckDB's batch evaluation of the query's twin over
	// the same events (loaded from JSONL first, timed apart).
	DuckDB bool
	// Log, when set, receives progress lines.
	Log io.Writer
}

// BenchResult is one benchmark run. The first fields are the JSON line of
// SPEC §6; the rest are extras.
type BenchResult struct {
	Query            string  `json:"query"`
	Events           int64   `json:"events"`
	Seconds          float64 `json:"seconds"`
	CPUSeconds       float64 `json:"cpu_seconds"`
	EventsPerSec     float64 `json:"events_per_sec"`
	EventsPerCoreSec float64 `json:"events_per_core_sec"`
	PeakRSSBytes     int64   `json:"peak_rss_bytes"`

	Source            string  `json:"source"`
	RowsOut           int64   `json:"rows_out"`
	LastOutputSeconds float64 `json:"last_output_seconds"`           // from the start to the last row reaching a sink
	DuckDBSeconds     float64 `json:"duckdb_seconds,omitempty"`      // the twin query alone
	DuckDBLoadSeconds float64 `json:"duckdb_load_seconds,omitempty"` // writing and loading the JSONL
}

// Bench runs one Nexmark query over o.Events generated events with every
// materialized view replaced by a blackhole sink (as Flink's Nexmark
// harness does: materializing into DuckDB would measure DuckDB), and
// measures wall time, the process's CPU time (getrusage) and its peak RSS.
func Bench(ctx context.Context, o BenchOptions) (*BenchResult, error) {
	if o.Events <= 0 {
		return nil, fmt.Errorf("bench: --events must be positive")
	}
	src, err := nexmarkqueries.Spate(o.Query)
	if err != nil {
		return nil, err
	}
	src = nexmarkqueries.WithEvents(src, o.Events)
	res := &BenchResult{Query: o.Query, Events: o.Events, Source: o.Source}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}

	var brokers []string
	switch o.Source {
	case "generator", "":
		res.Source = "generator"
	case "kafka":
		broker, err := kafka.StartEmbedded("", 0)
		if err != nil {
			return nil, err
		}
		defer broker.Close()
		brokers = []string{broker.Addr()}
		var produced int
		start := time.Now()
		if src, produced, err = nexmarkToKafka(ctx, src, brokers, o.Events); err != nil {
			return nil, err
		}
		logf("produced %d records into the embedded broker in %.2fs (not timed)", produced, time.Since(start).Seconds())
	default:
		return nil, fmt.Errorf("bench: --source must be generator or kafka, not %q", o.Source)
	}

	p, err := CompileSource(o.Query+".sql", src)
	if err != nil {
		return nil, err
	}
	sinks := &benchSinks{}
	sinkFactory := func(s *exec.SinkSpec) (exec.Operator, error) {
		op, err := console.NewBlackhole(s)
		if err != nil {
			return nil, err
		}
		return &benchSink{Operator: op, all: sinks}, nil
	}
	conns := exec.Connectors{
		Sources: map[string]exec.SourceFactory{
			"nexmark": func(s *exec.SourceSpec) (exec.SourceReader, error) { return nexmark.NewSource(s) },
			"kafka": func(s *exec.SourceSpec) (exec.SourceReader, error) {
				return kafka.NewSource(s, kafka.SourceOptions{Brokers: brokers, ExitAtEnd: true})
			},
		},
		Sinks: map[string]exec.SinkFactory{"duckdb": sinkFactory, "blackhole": sinkFactory},
	}
	job, err := exec.NewJob(p.Graph, conns, exec.JobOptions{NewOperator: exec.NewOperator, CommitInterval: time.Hour})
	if err != nil {
		return nil, err
	}
	cpu0 := cpuTime()
	start := time.Now()
	sinks.start = start.UnixNano()
	if err := job.Run(ctx); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	res.CPUSeconds = (cpuTime() - cpu0).Seconds()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bench interrupted: %w", err)
	}
	res.PeakRSSBytes = peakRSS()
	res.RowsOut = sinks.rows.Load()
	if last := sinks.last.Load(); last > 0 {
		res.LastOutputSeconds = float64(last-sinks.start) / 1e9
	}
	if res.Seconds > 0 {
		res.EventsPerSec = float64(o.Events) / res.Seconds
	}
	if res.CPUSeconds > 0 {
		res.EventsPerCoreSec = float64(o.Events) / res.CPUSeconds
	}

	if o.DuckDB {
		if err := benchDuckDB(ctx, o, res, logf); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// benchSinks gathers what every sink of a bench job saw.
type benchSinks struct {
	start int64 // UnixNano
	rows  atomic.Int64
	last  atomic.Int64 // UnixNano of the last batch with rows
}

type benchSink struct {
	exec.Operator
	all *benchSinks
}

func (s *benchSink) Push(port int, b arrow.RecordBatch) error {
	if n := b.NumRows(); n > 0 {
		s.all.rows.Add(n)
		s.all.last.Store(time.Now().UnixNano())
	}
	return s.Operator.Push(port, b)
}

// nexmarkToKafka produces each nexmark table the query reads into topic
// nexmark_<table> and rewrites its sources to read them as JSON.
func nexmarkToKafka(ctx context.Context, src []byte, brokers []string, events int64) ([]byte, int, error) {
	total := 0
	var ferr error
	out := nexmarkqueries.SourceLine.ReplaceAllFunc(src, func(line []byte) []byte {
		m := nexmarkqueries.SourceLine.FindSubmatch(line)
		name, table := string(m[1]), string(m[2])
		schema, err := nexmark.Schema(table)
		if err != nil {
			ferr = err
			return line
		}
		var cols []string
		for _, f := range schema.Fields() {
			typ, err := nexmarkSQLType(f.Type)
			if err != nil {
				ferr = err
				return line
			}
			cols = append(cols, f.Name+" "+typ)
		}
		topic := "nexmark_" + table
		if ferr == nil {
			pr, pw := io.Pipe()
			go func() {
				pw.CloseWithError(nexmark.WriteJSONL(pw, table, nexmark.Config{Events: events}))
			}()
			n, err := kafka.Produce(ctx, brokers, topic, "", pr)
			pr.CloseWithError(io.ErrClosedPipe)
			total += n
			if err != nil {
				ferr = fmt.Errorf("produce %s: %w", topic, err)
			}
		}
		return []byte(fmt.Sprintf("CREATE SOURCE %s (%s) WITH (connector = 'kafka', topic = '%s', format = 'json', event_time = 'date_time');",
			name, strings.Join(cols, ", "), topic))
	})
	return out, total, ferr
}

// benchDuckDB times DuckDB's evaluation of the query's twin over the same
// events: the load (JSONL written and read into tables) apart from the
// query, whose result is written into a table (CREATE TABLE AS), so
// that DuckDB produces every row as spate does.
func benchDuckDB(ctx context.Context, o BenchOptions, res *BenchResult, logf func(string, ...any)) error {
	twin, err := nexmarkqueries.DuckDB(o.Query)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "spate-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	start := time.Now()
	if err := LoadNexmarkTables(ctx, db, dir, nexmark.Config{Events: o.Events}); err != nil {
		return err
	}
	res.DuckDBLoadSeconds = time.Since(start).Seconds()
	logf("duckdb: loaded the events in %.2fs (not in duckdb_seconds)", res.DuckDBLoadSeconds)
	q := strings.TrimSuffix(strings.TrimSpace(string(twin)), ";")
	start = time.Now()
	if _, err := db.ExecContext(ctx, "CREATE TABLE bench_result AS "+q); err != nil {
		return fmt.Errorf("duckdb twin of %s: %w", o.Query, err)
	}
	res.DuckDBSeconds = time.Since(start).Seconds()
	return nil
}

// cpuTime is the user + system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's peak resident set size in bytes (ru_maxrss is
// in KiB on Linux).
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) * 1024
}
