package expr

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// tcol is one input column for a test batch: values are nil (NULL),
// int64, float64, string, bool or decimal128.Num.
type tcol struct {
	name string
	t    arrow.DataType
	vals []any
}

func buildArray(t testing.TB, alloc memory.Allocator, dt arrow.DataType, vals []any) arrow.Array {
	t.Helper()
	b := array.NewBuilder(alloc, dt)
	defer b.Release()
	for _, v := range vals {
		if v == nil {
			b.AppendNull()
			continue
		}
		switch bb := b.(type) {
		case *array.Int64Builder:
			bb.Append(v.(int64))
		case *array.Int32Builder:
			bb.Append(int32(v.(int64)))
		case *array.Float64Builder:
			bb.Append(v.(float64))
		case *array.StringBuilder:
			bb.Append(v.(string))
		case *array.BooleanBuilder:
			bb.Append(v.(bool))
		case *array.TimestampBuilder:
			bb.Append(arrow.Timestamp(v.(int64)))
		case *array.Decimal128Builder:
			bb.Append(v.(decimal128.Num))
		default:
			t.Fatalf("unsupported builder %T", b)
		}
	}
	return b.NewArray()
}

func buildBatch(t testing.TB, alloc memory.Allocator, cols ...tcol) arrow.RecordBatch {
	t.Helper()
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	n := -1
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.t, Nullable: true}
		arrs[i] = buildArray(t, alloc, c.t, c.vals)
		n = len(c.vals)
	}
	if n < 0 {
		n = 0
	}
	rb := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	return rb
}

// values reads an array back as []any in the tcol conventions.
func values(t testing.TB, a arrow.Array) []any {
	t.Helper()
	out := make([]any, a.Len())
	for i := range out {
		if a.IsNull(i) {
			continue
		}
		switch x := a.(type) {
		case *array.Int64:
			out[i] = x.Value(i)
		case *array.Int32:
			out[i] = int64(x.Value(i))
		case *array.Float64:
			out[i] = x.Value(i)
		case *array.String:
			out[i] = x.Value(i)
		case *array.Boolean:
			out[i] = x.Value(i)
		case *array.Timestamp:
			out[i] = int64(x.Value(i))
		case *array.Decimal128:
			out[i] = x.Value(i)
		default:
			t.Fatalf("unsupported array %T", a)
		}
	}
	return out
}

func col(i int, name string, t arrow.DataType) *ColumnRef {
	return &ColumnRef{Index: i, Name: name, Type: t}
}

func lit(v any, t arrow.DataType) *Literal { return &Literal{Value: v, Type: t} }

func call(f string, t arrow.DataType, args ...Expr) *Call {
	return &Call{Func: f, Type: t, Args: args}
}

// evalOn compiles e over batch b and returns its values, checking the
// result type and length.
func evalOn(t testing.TB, alloc memory.Allocator, e Expr, b arrow.RecordBatch) ([]any, error) {
	t.Helper()
	ev, err := Compile(e, b.Schema(), alloc)
	if err != nil {
		return nil, err
	}
	arr, err := ev.Eval(b)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	if !arrow.TypeEqual(arr.DataType(), e.DataType()) {
		t.Fatalf("%s: result type %s, want %s", e, arr.DataType(), e.DataType())
	}
	if arr.Len() != int(b.NumRows()) {
		t.Fatalf("%s: %d rows, want %d", e, arr.Len(), b.NumRows())
	}
	return values(t, arr), nil
}

func checkedAlloc(t testing.TB) *memory.CheckedAllocator {
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() {
		if n := alloc.CurrentAlloc(); n != 0 {
			t.Errorf("leaked %d bytes", n)
		}
	})
	return alloc
}

func vals(v ...any) []any { return v }

func sameValues(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if fx, ok := x.(float64); ok {
			if fy, ok := y.(float64); ok && fx != fx && fy != fy {
				continue
			}
		}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func fmtValues(v []any) string {
	s := "["
	for i, x := range v {
		if i > 0 {
			s += " "
		}
		if x == nil {
			s += "NULL"
		} else if str, ok := x.(string); ok {
			s += fmt.Sprintf("%q", str)
		} else if d, ok := x.(decimal128.Num); ok {
			s += fmt.Sprintf("dec(%s)", d.BigInt())
		} else {
			s += fmt.Sprint(x)
		}
	}
	return s + "]"
}
