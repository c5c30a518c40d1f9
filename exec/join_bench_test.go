package exec

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkJoin runs the interval join of intervalJoinNode (right.ts in
// [left.ts - 10s, left.ts]) over two streams advancing 1 ms per row, with
// both watermarks following the streams, so state stays at about 10 s of
// each side. One op is one 1024-row batch on each side; rows/s counts
// input rows (both sides). keys is the number of distinct join keys: with
// 1000 keys each left row matches about 10 right rows, with 1e6 about
// none.
func BenchmarkJoin(b *testing.B) {
	for _, keys := range []int{1000, 1000000} {
		b.Run(fmt.Sprintf("interval/keys=%d", keys), func(b *testing.B) {
			const nb = 512
			rng := rand.New(rand.NewSource(1))
			mk := func(sc *arrow.Schema, port int) []arrow.RecordBatch {
				out := make([]arrow.RecordBatch, nb)
				ts := int64(0)
				for i := range out {
					bld := array.NewRecordBuilder(memory.DefaultAllocator, sc)
					for j := 0; j < benchBatch; j++ {
						bld.Field(0).(*array.Int64Builder).Append(int64(rng.Intn(keys)))
						bld.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(ts))
						if port == 0 {
							bld.Field(2).(*array.StringBuilder).Append(words[rng.Intn(len(words))])
						} else {
							bld.Field(2).(*array.Float64Builder).Append(rng.Float64())
						}
						ts++
					}
					out[i] = bld.NewRecordBatch()
					bld.Release()
				}
				return out
			}
			left, right := mk(joinLeft, 0), mk(joinRight, 1)
			defer func() {
				for i := range left {
					left[i].Release()
					right[i].Release()
				}
			}()
			var outRows int64
			newOp := func() *Join {
				op, err := NewOperator(intervalJoinNode(), []*arrow.Schema{joinLeft, joinRight})
				if err != nil {
					b.Fatal(err)
				}
				ctx := &OpContext{Name: "bench", Alloc: memory.DefaultAllocator, DeadLetters: DiscardDeadLetters, Metrics: &OpMetrics{}}
				if err := op.Open(ctx, EmitterFunc(func(r arrow.RecordBatch) error { outRows += r.NumRows(); return nil })); err != nil {
					b.Fatal(err)
				}
				return op.(*Join)
			}
			j := newOp()
			clock := startCPU(b)
			for i := 0; i < b.N; i++ {
				k := i % nb
				if k == 0 && i > 0 {
					b.StopTimer()
					j.Close()
					j = newOp()
					b.StartTimer()
				}
				if err := j.Push(0, left[k]); err != nil {
					b.Fatal(err)
				}
				if err := j.Push(1, right[k]); err != nil {
					b.Fatal(err)
				}
				wm := int64(k*benchBatch) - 1
				for p := 0; p < 2; p++ {
					if err := j.PortWatermark(p, wm); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			j.Close()
			rows := float64(2*benchBatch) * float64(b.N)
			b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
			if cpu := cpuNow() - clock.start; cpu > 0 {
				b.ReportMetric(rows/cpu.Seconds(), "rows/cpu-s")
			}
			b.ReportMetric(float64(outRows)/float64(b.N), "out/op")
		})
	}
}
