package console

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

func TestStdoutSink(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: expr.TypeBigint},
		{Name: "n", Type: expr.TypeInt, Nullable: true},
		{Name: "d", Type: expr.TypeDouble, Nullable: true},
		{Name: "amount", Type: expr.DecimalType(10, 2), Nullable: true},
		{Name: "s", Type: expr.TypeVarchar, Nullable: true},
		{Name: "ts", Type: expr.TypeTimestamp, Nullable: true},
		{Name: expr.DeletedColumn, Type: expr.TypeBoolean},
	}, nil)
	rb := array.NewRecordBuilder(alloc, sc)
	defer rb.Release()
	rb.Field(0).(*array.Int64Builder).AppendValues([]int64{1, -2}, nil)
	rb.Field(1).(*array.Int32Builder).AppendValues([]int32{7, 0}, []bool{true, false})
	rb.Field(2).(*array.Float64Builder).AppendValues([]float64{0.1, math.NaN()}, nil)
	rb.Field(3).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(-5), decimal128.FromI64(123456)}, nil)
	rb.Field(4).(*array.StringBuilder).AppendValues([]string{"a\"b\n", ""}, []bool{true, false})
	rb.Field(5).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1436918400123, -1}, nil)
	rb.Field(6).(*array.BooleanBuilder).AppendValues([]bool{false, true}, nil)
	b := rb.NewRecordBatch()
	defer b.Release()

	var out bytes.Buffer
	op, err := StdoutFactory(&out)(&exec.SinkSpec{Name: "s", Connector: "stdout", Schema: sc, Upsert: true, Keys: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	m := &exec.OpMetrics{}
	op.Open(&exec.OpContext{Metrics: m, Alloc: alloc}, nil)
	if err := op.Push(0, b); err != nil {
		t.Fatal(err)
	}
	want := `{"id":1,"n":7,"d":0.1,"amount":-0.05,"s":"a\"b\n","ts":"2015-07-15T00:00:00.123Z","__deleted":false}
{"id":-2,"n":null,"d":null,"amount":1234.56,"s":null,"ts":"1969-12-31T23:59:59.999Z","__deleted":true}
`
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
	if m.RowsOut.Load() != 2 {
		t.Fatalf("rows out %d, want 2", m.RowsOut.Load())
	}
	if _, err := StdoutFactory(&out)(&exec.SinkSpec{Name: "x", Schema: sc, Options: map[string]string{"format": "csv"}}); err == nil {
		t.Fatal("csv accepted")
	}
}

func TestStdoutLargeBatchChunks(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	sc := arrow.NewSchema([]arrow.Field{{Name: "s", Type: expr.TypeVarchar}}, nil)
	bld := array.NewStringBuilder(alloc)
	long := strings.Repeat("x", 1000)
	for i := 0; i < 5000; i++ {
		bld.Append(long)
	}
	arr := bld.NewArray()
	bld.Release()
	b := array.NewRecordBatch(sc, []arrow.Array{arr}, 5000)
	arr.Release()
	defer b.Release()
	var w countingWriter
	op, _ := NewStdout(&exec.SinkSpec{Name: "s", Schema: sc}, &w)
	op.Open(nil, nil)
	if err := op.Push(0, b); err != nil {
		t.Fatal(err)
	}
	if w.lines != 5000 || w.maxWrite > flushBytes+1100 {
		t.Fatalf("lines %d, largest write %d", w.lines, w.maxWrite)
	}
}

type countingWriter struct{ lines, maxWrite int }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.lines += bytes.Count(p, []byte{'\n'})
	c.maxWrite = max(c.maxWrite, len(p))
	return len(p), nil
}
