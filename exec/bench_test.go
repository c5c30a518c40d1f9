package exec

import (
	"fmt"
	"math/rand"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// Every benchmark op is one 1024-row batch; rows/s is the throughput of
// one core, allocs/op the allocations per batch.

const benchBatch = 1024

var benchIn = schema(field("key", tBig), field("x", tBig), field("v", tDbl), field("s", tStr), field("ts", tTs))

// benchBatches makes nb batches with keys uniform over groups and event
// time advancing 1 ms per row.
func benchBatches(b *testing.B, nb, groups int, win *WindowSpec) ([]arrow.RecordBatch, *arrow.Schema) {
	rng := rand.New(rand.NewSource(1))
	sc := benchIn
	if win != nil {
		sc = withWindow(benchIn)
	}
	out := make([]arrow.RecordBatch, nb)
	ts := int64(0)
	for i := range out {
		bld := array.NewRecordBuilder(memory.DefaultAllocator, sc)
		for j := 0; j < benchBatch; j++ {
			bld.Field(0).(*array.Int64Builder).Append(int64(rng.Intn(groups)))
			bld.Field(1).(*array.Int64Builder).Append(int64(rng.Intn(1000)))
			bld.Field(2).(*array.Float64Builder).Append(rng.Float64() * 100)
			bld.Field(3).(*array.StringBuilder).Append(words[rng.Intn(len(words))])
			bld.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(ts))
			if win != nil {
				s := floorDiv(ts, win.Size) * win.Size
				bld.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(s))
				bld.Field(6).(*array.TimestampBuilder).Append(arrow.Timestamp(s + win.Size))
			}
			ts++
		}
		out[i] = bld.NewRecordBatch()
		bld.Release()
	}
	b.Cleanup(func() {
		for _, r := range out {
			r.Release()
		}
	})
	return out, sc
}

func batchBytes(r arrow.RecordBatch) int64 {
	var n int64
	for _, c := range r.Columns() {
		for _, buf := range c.Data().Buffers() {
			if buf != nil {
				n += int64(buf.Len())
			}
		}
	}
	return n
}

type countingEmitter struct{ rows int64 }

func (c *countingEmitter) Emit(b arrow.RecordBatch) error {
	c.rows += b.NumRows()
	return nil
}

func openBench(b *testing.B, n *Node, in *arrow.Schema) (Operator, *countingEmitter) {
	op, err := NewOperator(n, []*arrow.Schema{in})
	if err != nil {
		b.Fatal(err)
	}
	em := &countingEmitter{}
	ctx := &OpContext{Name: "bench", Alloc: memory.DefaultAllocator, DeadLetters: DiscardDeadLetters, Metrics: &OpMetrics{}}
	if err := op.Open(ctx, em); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { op.Close() })
	return op, em
}

// rusageThread is Linux's RUSAGE_THREAD.
const rusageThread = 1

// cpuClock measures the benchmark thread's CPU time: the machine the
// benchmarks run on is shared, so wall time (rows/s) understates what one
// core does; rows/cpu-s is throughput per second of CPU actually given
// to the benchmark.
type cpuClock struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU(b *testing.B) *cpuClock {
	// The benchmark goroutine stays on one thread, whose CPU time is
	// what the clock reads (GC assists included, idle spinning of other
	// threads not).
	runtime.LockOSThread()
	b.Cleanup(runtime.UnlockOSThread)
	b.ReportAllocs()
	b.ResetTimer()
	return &cpuClock{start: cpuNow()}
}

func (c *cpuClock) report(b *testing.B, batches []arrow.RecordBatch) {
	cpu := cpuNow() - c.start
	b.SetBytes(batchBytes(batches[0]))
	rows := float64(b.N) * benchBatch
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	if cpu > 0 {
		b.ReportMetric(rows/cpu.Seconds(), "rows/cpu-s")
	}
}

func BenchmarkFilter(b *testing.B) {
	batches, sc := benchBatches(b, 64, 1000, nil)
	op, _ := openBench(b, &Node{Kind: KindFilter, Schema: sc,
		Spec: &FilterSpec{Predicate: call("gt", tBool, col(2, "v", tDbl), lit(50.0, tDbl))}}, sc)
	clk := startCPU(b)
	for i := 0; i < b.N; i++ {
		if err := op.Push(0, batches[i%len(batches)]); err != nil {
			b.Fatal(err)
		}
	}
	clk.report(b, batches)
}

func BenchmarkProject(b *testing.B) {
	batches, sc := benchBatches(b, 64, 1000, nil)
	out := schema(field("key", tBig), field("x1", tBig), field("v2", tDbl), field("s", tStr))
	op, _ := openBench(b, &Node{Kind: KindProject, Schema: out, Spec: &ProjectSpec{Exprs: []expr.Expr{
		col(0, "key", tBig), call("add", tBig, col(1, "x", tBig), lit(int64(1), tBig)),
		call("mul", tDbl, col(2, "v", tDbl), lit(2.0, tDbl)), col(3, "s", tStr)}}}, sc)
	clk := startCPU(b)
	for i := 0; i < b.N; i++ {
		if err := op.Push(0, batches[i%len(batches)]); err != nil {
			b.Fatal(err)
		}
	}
	clk.report(b, batches)
}

func benchAggs() ([]AggFunc, []arrow.Field) {
	aggs := []AggFunc{
		{Kind: AggCountStar, Type: tBig, Name: "n"},
		{Kind: AggSum, Arg: col(1, "x", tBig), Type: tBig, Name: "sx"},
		{Kind: AggAvg, Arg: col(2, "v", tDbl), Type: tDbl, Name: "av"},
		{Kind: AggMax, Arg: col(1, "x", tBig), Type: tBig, Name: "mx"},
	}
	var f []arrow.Field
	for _, a := range aggs {
		f = append(f, field(a.Name, a.Type))
	}
	return aggs, f
}

// BenchmarkHashAggregate: updating GROUP BY an int64 key over 10k groups
// with count(*), sum, avg, max; a watermark (which emits the changed
// groups) every 64 batches.
func BenchmarkHashAggregate(b *testing.B) {
	for _, groups := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("groups=%d", groups), func(b *testing.B) {
			batches, sc := benchBatches(b, 256, groups, nil)
			aggs, af := benchAggs()
			out := schema(append(append([]arrow.Field{field("key", tBig)}, af...), field(expr.DeletedColumn, tBool))...)
			op, _ := openBench(b, &Node{Kind: KindHashAggregate, Schema: out, Upsert: true, Keys: []int{0},
				Spec: &AggregateSpec{Keys: []expr.Expr{col(0, "key", tBig)}, Aggs: aggs, WindowStart: -1}}, sc)
			clk := startCPU(b)
			for i := 0; i < b.N; i++ {
				if err := op.Push(0, batches[i%len(batches)]); err != nil {
					b.Fatal(err)
				}
				if i%64 == 63 {
					if err := op.Watermark(int64(i)); err != nil {
						b.Fatal(err)
					}
				}
			}
			clk.report(b, batches)
		})
	}
}

// BenchmarkHashAggregateStringKey groups by a string key (8 values) and
// an int64 key (10k values).
func BenchmarkHashAggregateStringKey(b *testing.B) {
	batches, sc := benchBatches(b, 256, 10_000, nil)
	aggs, af := benchAggs()
	out := schema(append(append([]arrow.Field{field("s", tStr), field("key", tBig)}, af...), field(expr.DeletedColumn, tBool))...)
	op, _ := openBench(b, &Node{Kind: KindHashAggregate, Schema: out, Upsert: true, Keys: []int{0, 1},
		Spec: &AggregateSpec{Keys: []expr.Expr{col(3, "s", tStr), col(0, "key", tBig)}, Aggs: aggs, WindowStart: -1}}, sc)
	clk := startCPU(b)
	for i := 0; i < b.N; i++ {
		if err := op.Push(0, batches[i%len(batches)]); err != nil {
			b.Fatal(err)
		}
		if i%64 == 63 {
			if err := op.Watermark(int64(i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	clk.report(b, batches)
}

// BenchmarkWindowedAggregate: tumbling windows of 10 batches (10240 ms),
// 10k keys; a watermark after every batch closes each window as soon as
// it is complete, so the cost includes emitting and recycling windows.
func BenchmarkWindowedAggregate(b *testing.B) {
	win := &WindowSpec{Kind: TumbleWindow, Time: col(4, "ts", tTs), Size: 10 * benchBatch}
	batches, sc := benchBatches(b, 250, 10_000, win)
	aggs, af := benchAggs()
	out := schema(append([]arrow.Field{field("key", tBig), field("window_start", tTs), field("window_end", tTs)}, af...)...)
	op, em := openBench(b, &Node{Kind: KindHashAggregate, Schema: out,
		Spec: &AggregateSpec{Keys: []expr.Expr{col(0, "key", tBig)}, Aggs: aggs, Window: win, WindowStart: 5}}, sc)
	clk := startCPU(b)
	for i := 0; i < b.N; i++ {
		k := i % len(batches)
		if k == 0 && i > 0 {
			// Start over: the stream's times repeat, so close everything.
			if err := op.Watermark(MaxWatermark); err != nil {
				b.Fatal(err)
			}
			op.Close()
			op, em = openBench(b, &Node{Kind: KindHashAggregate, Schema: out,
				Spec: &AggregateSpec{Keys: []expr.Expr{col(0, "key", tBig)}, Aggs: aggs, Window: win, WindowStart: 5}}, sc)
		}
		if err := op.Push(0, batches[k]); err != nil {
			b.Fatal(err)
		}
		if err := op.Watermark(int64((k + 1) * benchBatch)); err != nil {
			b.Fatal(err)
		}
	}
	_ = em
	clk.report(b, batches)
}

// BenchmarkSessionAggregate: 10k keys, one event per ms, so a key sees
// an event every 10 s on average. gap=2s: nearly every event opens and
// closes its own session (churn); gap=60s: sessions of ~6 events.
func BenchmarkSessionAggregate(b *testing.B) {
	for _, gap := range []int64{2_000, 60_000} {
		b.Run(fmt.Sprintf("gap=%ds", gap/1000), func(b *testing.B) {
			batches, sc := benchBatches(b, 256, 10_000, nil)
			aggs, af := benchAggs()
			out := schema(append([]arrow.Field{field("key", tBig), field("window_start", tTs), field("window_end", tTs)}, af...)...)
			node := &Node{Kind: KindSessionAggregate, Schema: out, Spec: &AggregateSpec{Keys: []expr.Expr{col(0, "key", tBig)}, Aggs: aggs,
				WindowStart: -1, Window: &WindowSpec{Kind: SessionWindow, Time: col(4, "ts", tTs), Gap: gap}}}
			op, _ := openBench(b, node, sc)
			clk := startCPU(b)
			for i := 0; i < b.N; i++ {
				k := i % len(batches)
				if k == 0 && i > 0 {
					if err := op.Watermark(MaxWatermark); err != nil {
						b.Fatal(err)
					}
					op.Close()
					op, _ = openBench(b, node, sc)
				}
				if err := op.Push(0, batches[k]); err != nil {
					b.Fatal(err)
				}
				if err := op.Watermark(int64(k*benchBatch) - 100); err != nil {
					b.Fatal(err)
				}
			}
			clk.report(b, batches)
		})
	}
}
