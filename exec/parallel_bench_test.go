package exec_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/connectors/nexmark"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

// countSink counts rows.
type countSink struct{ rows int64 }

func (c *countSink) Open(*exec.OpContext, exec.Emitter) error { return nil }
func (c *countSink) Push(_ int, b arrow.RecordBatch) error    { c.rows += b.NumRows(); return nil }
func (c *countSink) Watermark(int64) error                    { return nil }
func (c *countSink) Close() error                             { return nil }

func cpuTime() time.Duration {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return 0
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// BenchmarkParallelKeyedAggregate runs nexmark bids (generated in P
// goroutines: the generator splits) through a keyed tumbling aggregate (per auction and 10 s window: count, sum and max of
// the price) with 1, 2 and 4 lanes, and reports events/s of wall clock and
// CPU time per million events. Compare P=1 and P=2 on a machine with spare
// cores; on a loaded one the wall figures mean little.
//
//	go test -tags duckdb_arrow ./exec -run XXX -bench ParallelKeyedAggregate -benchtime 3x
func BenchmarkParallelKeyedAggregate(b *testing.B) {
	const events = 1_000_000
	bid, err := nexmark.Schema("bid")
	if err != nil {
		b.Fatal(err)
	}
	index := func(name string) int { return bid.FieldIndices(name)[0] }
	ts := index("date_time")
	col := func(name string) *expr.ColumnRef {
		i := index(name)
		return &expr.ColumnRef{Index: i, Name: name, Type: bid.Field(i).Type}
	}
	f := func(name string, dt arrow.DataType) arrow.Field {
		return arrow.Field{Name: name, Type: dt, Nullable: true}
	}
	// As the planner plans it: a projection of the columns used, the
	// window assignment, the aggregate.
	narrow := arrow.NewSchema([]arrow.Field{f("auction", expr.TypeBigint), f("date_time", expr.TypeTimestamp), f("price", expr.TypeBigint)}, nil)
	ncol := func(i int) *expr.ColumnRef {
		return &expr.ColumnRef{Index: i, Name: narrow.Field(i).Name, Type: narrow.Field(i).Type}
	}
	win := &exec.WindowSpec{Kind: exec.TumbleWindow, Time: ncol(1), Size: 10_000}
	withWin := arrow.NewSchema(append(narrow.Fields(), f("window_start", expr.TypeTimestamp), f("window_end", expr.TypeTimestamp)), nil)
	out := arrow.NewSchema([]arrow.Field{f("auction", expr.TypeBigint), f("window_start", expr.TypeTimestamp),
		f("window_end", expr.TypeTimestamp), f("n", expr.TypeBigint), f("total", expr.TypeBigint), f("top", expr.TypeBigint)}, nil)
	g := &exec.Graph{Nodes: []*exec.Node{
		{ID: 0, Kind: exec.KindSource, Name: "bid", Schema: bid, EventTime: ts,
			Spec: &exec.SourceSpec{Name: "bid", Connector: "nexmark", Schema: bid, EventTime: ts, WatermarkDelay: 1000, IdleTimeoutMs: -1,
				Options: map[string]string{"table": "bid", "events": fmt.Sprint(events)}}},
		{ID: 1, Kind: exec.KindProject, Name: "p", Inputs: []int{0}, Schema: narrow, EventTime: 1,
			Spec: &exec.ProjectSpec{Exprs: []expr.Expr{col("auction"), col("date_time"), col("price")}, Names: []string{"auction", "date_time", "price"}}},
		{ID: 2, Kind: exec.KindWindowAssign, Name: "w", Inputs: []int{1}, Schema: withWin, Spec: &exec.WindowAssignSpec{Window: *win}},
		{ID: 3, Kind: exec.KindHashAggregate, Name: "agg", Inputs: []int{2}, Schema: out,
			Spec: &exec.AggregateSpec{Keys: []expr.Expr{ncol(0)}, KeyNames: []string{"auction"}, Window: win, WindowStart: 3,
				Aggs: []exec.AggFunc{{Kind: exec.AggCountStar, Type: expr.TypeBigint, Name: "n"},
					{Kind: exec.AggSum, Arg: ncol(2), Type: expr.TypeBigint, Name: "total"},
					{Kind: exec.AggMax, Arg: ncol(2), Type: expr.TypeBigint, Name: "top"}}}},
		{ID: 4, Kind: exec.KindSink, Name: "out", Inputs: []int{3}, Schema: out, Spec: &exec.SinkSpec{Name: "out", Connector: "count"}},
	}}
	var want int64 = -1
	for _, p := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("P=%d", p), func(b *testing.B) {
			var wall, cpu time.Duration
			for i := 0; i < b.N; i++ {
				sink := &countSink{}
				j, err := exec.NewJob(g, exec.Connectors{
					Sources: map[string]exec.SourceFactory{"nexmark": nexmark.NewSource},
					Sinks:   map[string]exec.SinkFactory{"count": func(*exec.SinkSpec) (exec.Operator, error) { return sink, nil }},
				}, exec.JobOptions{Parallelism: p, NewOperator: exec.NewOperator, CommitInterval: time.Hour})
				if err != nil {
					b.Fatal(err)
				}
				c0, t0 := cpuTime(), time.Now()
				if err := j.Run(context.Background()); err != nil {
					b.Fatal(err)
				}
				wall += time.Since(t0)
				cpu += cpuTime() - c0
				if want < 0 {
					want = sink.rows
				} else if sink.rows != want {
					b.Fatalf("P=%d: %d rows, P=1 %d", p, sink.rows, want)
				}
			}
			b.ReportMetric(float64(events)*float64(b.N)/wall.Seconds(), "events/s")
			b.ReportMetric(cpu.Seconds()*1e3/float64(b.N)/(events/1e6), "cpu-ms/Mevents")
		})
	}
}
