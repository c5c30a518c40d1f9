package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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
	if m.RowsIn.Load() != 2 || m.BatchesIn.Load() != 1 {
		t.Fatalf("metrics %d %d", m.RowsIn.Load(), m.BatchesIn.Load())
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
	if w.lines != 5000 || w.maxWrite > 2*flushBytes+chunkRows*1100 {
		t.Fatalf("lines %d, largest write %d", w.lines, w.maxWrite)
	}
}

type countingWriter struct{ lines, maxWrite int }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.lines += bytes.Count(p, []byte{'\n'})
	c.maxWrite = max(c.maxWrite, len(p))
	return len(p), nil
}

func TestBlackhole(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	sc := arrow.NewSchema([]arrow.Field{{Name: "a", Type: expr.TypeBigint}}, nil)
	op, err := NewBlackhole(&exec.SinkSpec{Name: "bh", Schema: sc})
	if err != nil {
		t.Fatal(err)
	}
	op.Open(&exec.OpContext{Metrics: &exec.OpMetrics{}}, nil)
	bld := array.NewInt64Builder(alloc)
	bld.AppendValues(make([]int64, 100), nil)
	arr := bld.NewArray()
	bld.Release()
	b := array.NewRecordBatch(sc, []arrow.Array{arr}, 100)
	arr.Release()
	for i := 0; i < 3; i++ {
		op.Push(0, b)
	}
	b.Release()
	if h := op.(*Blackhole); h.Rows() != 300 || h.Batches() != 3 {
		t.Fatalf("rows %d batches %d", h.Rows(), h.Batches())
	}
}

// The hand-written encoders against the standard library as the oracle.

func TestAppendTimestampMs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lo, hi := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC).UnixMilli()
	cases := []int64{0, -1, 1, 86399999, 86400000, -86400000, 951782400000 /* 2000-02-29 */, lo, hi}
	for i := 0; i < 200000; i++ {
		cases = append(cases, lo+r.Int64N(hi-lo))
	}
	for _, ms := range cases {
		want := time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
		if got := string(AppendTimestampMs(nil, ms)); got != want {
			t.Fatalf("%d: got %s want %s", ms, got, want)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "\"", "\\", "\n", "\x00", "\x1f", "é", "日本", "\u2028", "\xff", "\xe2\x82", "<", "/", " "}
	cases := []string{"", "plain", "\u2029"}
	for i := 0; i < 20000; i++ {
		var sb strings.Builder
		for j := r.IntN(12); j > 0; j-- {
			sb.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		cases = append(cases, sb.String())
	}
	for _, s := range cases {
		enc := AppendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatalf("%q -> %s: invalid JSON: %v", s, enc, err)
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		// encoding/json replaces each invalid byte; ToValidUTF8 a run.
		wb, _ := json.Marshal(s)
		json.Unmarshal(wb, &want)
		if got != want {
			t.Fatalf("%q: got %q want %q", s, got, want)
		}
		if !utf8.Valid(enc) {
			t.Fatalf("%q: output not UTF-8", s)
		}
	}
}

func TestAppendDecimal(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 50000; i++ {
		var n decimal128.Num
		switch i % 3 {
		case 0:
			n = decimal128.FromI64(r.Int64N(2000) - 1000)
		case 1:
			n = decimal128.FromI64(int64(r.Uint64()))
		default:
			n = decimal128.New(int64(r.Uint64()), r.Uint64())
		}
		if i == 0 {
			n = decimal128.FromI64(math.MinInt64)
		}
		scale := int32(r.IntN(40))
		got := string(AppendDecimal(nil, n, scale))
		// Oracle: big.Int text split at the scale.
		bi := n.BigInt()
		neg := bi.Sign() < 0
		digits := new(big.Int).Abs(bi).String()
		for len(digits) <= int(scale) {
			digits = "0" + digits
		}
		want := digits
		if scale > 0 {
			want = digits[:len(digits)-int(scale)] + "." + digits[len(digits)-int(scale):]
		}
		if neg {
			want = "-" + want
		}
		if got != want {
			t.Fatalf("%v scale %d: got %s want %s", bi, scale, got, want)
		}
	}
}

func BenchmarkJSONEncoder(b *testing.B) {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "auction", Type: expr.TypeBigint}, {Name: "bidder", Type: expr.TypeBigint},
		{Name: "price", Type: expr.TypeBigint}, {Name: "channel", Type: expr.TypeVarchar},
		{Name: "url", Type: expr.TypeVarchar}, {Name: "date_time", Type: expr.TypeTimestamp},
		{Name: "extra", Type: expr.TypeVarchar},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	for i := 0; i < 4096; i++ {
		rb.Field(0).(*array.Int64Builder).Append(int64(1000 + i))
		rb.Field(1).(*array.Int64Builder).Append(int64(2000 + i))
		rb.Field(2).(*array.Int64Builder).Append(int64(i * 37))
		rb.Field(3).(*array.StringBuilder).Append("Google")
		rb.Field(4).(*array.StringBuilder).Append("https://www.nexmark.com/abc/def/ghi/item.htm?query=1")
		rb.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(1436918400000 + int64(i)))
		rb.Field(6).(*array.StringBuilder).Append(strings.Repeat(fmt.Sprint(i%10), 60))
	}
	batch := rb.NewRecordBatch()
	rb.Release()
	defer batch.Release()
	enc, _ := NewJSONEncoder(sc)
	var buf []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf, _ = enc.AppendBatch(buf[:0], batch)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportMetric(float64(b.N)*4096/b.Elapsed().Seconds(), "rows/s")
}
