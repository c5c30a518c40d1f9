//go:build duckdb_arrow

package duckdb

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

// mkBatch builds a batch from Go values (nil = NULL). Decimals are given as
// unscaled int64, timestamps as time.Time.
func mkBatch(t testing.TB, alloc memory.Allocator, sc *arrow.Schema, rows [][]any) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(alloc, sc)
	defer b.Release()
	for _, r := range rows {
		if len(r) != sc.NumFields() {
			t.Fatalf("row %v: want %d values", r, sc.NumFields())
		}
		for i, v := range r {
			fb := b.Field(i)
			if v == nil {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.Int64Builder:
				fb.Append(int64(v.(int)))
			case *array.Int32Builder:
				fb.Append(int32(v.(int)))
			case *array.Float64Builder:
				fb.Append(v.(float64))
			case *array.StringBuilder:
				fb.Append(v.(string))
			case *array.BooleanBuilder:
				fb.Append(v.(bool))
			case *array.Decimal128Builder:
				fb.Append(decimal128.FromI64(int64(v.(int))))
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(v.(time.Time).UnixMilli()))
			default:
				t.Fatalf("mkBatch: builder %T", fb)
			}
		}
	}
	return b.NewRecordBatch()
}

func field(name string, typ arrow.DataType, nullable bool) arrow.Field {
	return arrow.Field{Name: name, Type: typ, Nullable: nullable}
}

func deletedField() arrow.Field {
	return arrow.Field{Name: expr.DeletedColumn, Type: expr.TypeBoolean}
}

// openSink makes and opens an MV sink with a checked allocator.
func openSink(t testing.TB, s *Store, spec *exec.SinkSpec, alloc memory.Allocator) exec.Operator {
	t.Helper()
	op, err := s.MaterializeSink(spec)
	if err != nil {
		t.Fatalf("MaterializeSink: %v", err)
	}
	if err := op.Open(&exec.OpContext{Name: spec.Name, Alloc: alloc, DeadLetters: exec.DiscardDeadLetters,
		Metrics: &exec.OpMetrics{}, Context: context.Background()}, nil); err != nil {
		t.Fatalf("Open: %v", err)
	}
	return op
}

// push pushes rows as one batch and releases the caller's reference, as
// the runtime does.
func push(t testing.TB, op exec.Operator, alloc memory.Allocator, sc *arrow.Schema, rows [][]any) {
	t.Helper()
	b := mkBatch(t, alloc, sc, rows)
	defer b.Release()
	if err := op.Push(0, b); err != nil {
		t.Fatalf("Push: %v", err)
	}
}

func commit(t testing.TB, op exec.Operator) {
	t.Helper()
	if err := op.(exec.Committer).Commit(context.Background()); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// rowsOf runs a query and returns its rows.
func rowsOf(t testing.TB, s *Store, q string) [][]any {
	t.Helper()
	r, err := s.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	return r.Rows
}

func wantRows(t testing.TB, s *Store, q string, want [][]any) {
	t.Helper()
	got := rowsOf(t, s, q)
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("query %q:\n got %s\nwant %s", q, show(got), show(want))
	}
}

func show(rows [][]any) string {
	s := ""
	for _, r := range rows {
		s += "\n  ["
		for i, v := range r {
			if i > 0 {
				s += ", "
			}
			s += fmt.Sprintf("%T(%v)", v, v)
		}
		s += "]"
	}
	return s
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}
