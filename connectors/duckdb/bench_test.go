//go:build duckdb_arrow

package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

const benchBatch = 1024

var benchPerCommit = 64 // 65536 rows per transaction

// benchBatches builds n batches of 1024 rows: key, name, price, ts, value
// (+ __deleted false when upsert), keys cycling over keyspace.
func benchBatches(b *testing.B, sc *arrow.Schema, n, keyspace int, upsert bool) []arrow.RecordBatch {
	out := make([]arrow.RecordBatch, n)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer rb.Release()
	row := 0
	for i := range out {
		for j := 0; j < benchBatch; j++ {
			k := row % keyspace
			rb.Field(0).(*array.Int64Builder).Append(int64(k))
			rb.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("name-%d", k%1000))
			rb.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(row % 100000)))
			rb.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(1436918400000 + int64(row)))
			rb.Field(4).(*array.Float64Builder).Append(float64(row) * 0.5)
			if upsert {
				rb.Field(5).(*array.BooleanBuilder).Append(false)
			}
			row++
		}
		out[i] = rb.NewRecordBatch()
	}
	return out
}

func benchSchema(upsert, nullableKey bool) *arrow.Schema {
	f := []arrow.Field{
		field("k", expr.TypeBigint, nullableKey),
		field("name", expr.TypeVarchar, true),
		field("price", expr.DecimalType(18, 2), true),
		field("ts", expr.TypeTimestamp, true),
		field("v", expr.TypeDouble, true),
	}
	if upsert {
		f = append(f, deletedField())
	}
	return arrow.NewSchema(f, nil)
}

func runMVBench(b *testing.B, spec *exec.SinkSpec, keyspace int) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	op, err := s.MaterializeSink(spec)
	if err != nil {
		b.Fatal(err)
	}
	defer op.Close()
	op.Open(&exec.OpContext{Alloc: memory.DefaultAllocator, Metrics: &exec.OpMetrics{}}, nil)
	perCommit := benchPerCommit
	batches := benchBatches(b, spec.Schema, perCommit, keyspace, spec.Upsert)
	defer func() {
		for _, r := range batches {
			r.Release()
		}
	}()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := op.Push(0, batches[i%perCommit]); err != nil {
			b.Fatal(err)
		}
		if i%perCommit == perCommit-1 {
			if err := op.(exec.Committer).Commit(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := op.(exec.Committer).Commit(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)*benchBatch/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkMaterializeAppend: rows/s written to an append MV table in
// 1024-row batches, 64 batches per commit, file database.
func BenchmarkMaterializeAppend(b *testing.B) {
	runMVBench(b, &exec.SinkSpec{Name: "a", Options: map[string]string{"table": "a"}, Schema: benchSchema(false, false)}, 1<<62)
}

// BenchmarkMaterializeUpsert: changes/s to an upsert MV over 100k keys.
func BenchmarkMaterializeUpsert(b *testing.B) {
	for _, nullable := range []bool{false, true} {
		name := "primary_key"
		if nullable {
			name = "merge_nullable_key"
		}
		b.Run(name, func(b *testing.B) {
			runMVBench(b, &exec.SinkSpec{Name: "u", Options: map[string]string{"table": "u"},
				Schema: benchSchema(true, nullable), Upsert: true, Keys: []int{0}}, 100000)
		})
	}
}
