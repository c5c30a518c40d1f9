package exec

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// BenchmarkRetractingAggregate: an aggregate over an updating input (the
// outer aggregate of Nexmark q4): 1024-row batches of upserts to random
// input keys (5% deletions), grouped into 1000 groups by a column of the
// input row, with count(*), sum, avg and count; a watermark every 64
// batches.
func BenchmarkRetractingAggregate(b *testing.B) {
	for _, keys := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("input_keys=%d", keys), func(b *testing.B) {
			in := schema(field("id", tBig), field("grp", tBig), field("x", tBig), field("v", tDbl), field(expr.DeletedColumn, tBool))
			rng := rand.New(rand.NewSource(1))
			batches := make([]arrow.RecordBatch, 256)
			for i := range batches {
				bld := array.NewRecordBuilder(memory.DefaultAllocator, in)
				for j := 0; j < benchBatch; j++ {
					id := int64(rng.Intn(keys))
					bld.Field(0).(*array.Int64Builder).Append(id)
					bld.Field(1).(*array.Int64Builder).Append(id % 1000)
					bld.Field(2).(*array.Int64Builder).Append(int64(rng.Intn(100000)))
					bld.Field(3).(*array.Float64Builder).Append(rng.Float64() * 100)
					bld.Field(4).(*array.BooleanBuilder).Append(rng.Intn(20) == 0)
				}
				batches[i] = bld.NewRecordBatch()
				bld.Release()
			}
			b.Cleanup(func() {
				for _, r := range batches {
					r.Release()
				}
			})
			aggs := []AggFunc{
				{Kind: AggCountStar, Type: tBig, Name: "n"},
				{Kind: AggSum, Arg: col(2, "x", tBig), Type: tBig, Name: "sx"},
				{Kind: AggAvg, Arg: col(3, "v", tDbl), Type: tDbl, Name: "av"},
				{Kind: AggCount, Arg: col(3, "v", tDbl), Type: tBig, Name: "cv"},
			}
			out := schema(field("grp", tBig), field("n", tBig), field("sx", tBig), field("av", tDbl), field("cv", tBig), field(expr.DeletedColumn, tBool))
			op, _ := openBench(b, &Node{Kind: KindHashAggregate, Schema: out, Upsert: true, Keys: []int{0},
				Spec: &AggregateSpec{Keys: []expr.Expr{col(1, "grp", tBig)}, Aggs: aggs, WindowStart: -1, InputKeys: []int{0}}}, in)
			// Every input key once first, so the timed part is steady state.
			for i := 0; i < keys/benchBatch+len(batches); i++ {
				if err := op.Push(0, batches[i%len(batches)]); err != nil {
					b.Fatal(err)
				}
			}
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
