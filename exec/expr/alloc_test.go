package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestSteadyStateAllocations checks that evaluation allocates a fixed
// number of objects per batch (the result array and its buffers), never
// per row: a 1024-row batch costs no more allocations than a 16-row one.
func TestSteadyStateAllocations(t *testing.T) {
	exprs := []Expr{
		call("and", TypeBoolean, call("gt", TypeBoolean, bPrice, lit(int64(1000), TypeBigint)),
			call("eq", TypeBoolean, bChannel, lit("Google", TypeVarchar))),
		call("mul", TypeDouble, call("cast", TypeDouble, bPrice), lit(0.908, TypeDouble)),
		call("lower", TypeVarchar, bChannel),
		call("concat", TypeVarchar, bChannel, lit("-", TypeVarchar), call("cast", TypeVarchar, bPrice)),
		call("like", TypeBoolean, bURL, lit("%channel_id=Goo%", TypeVarchar)),
		call("date_format", TypeVarchar, bTS, lit("%Y-%m-%d %H:%i", TypeVarchar)),
		call("case", TypeVarchar, call("gt", TypeBoolean, bPrice, lit(int64(1000), TypeBigint)), bChannel, lit("cheap", TypeVarchar)),
		call("in", TypeBoolean, bChannel, lit("Google", TypeVarchar), lit("Apple", TypeVarchar)),
		call("substring", TypeVarchar, bURL, lit(int64(9), TypeBigint), lit(int64(7), TypeBigint)),
	}
	full, _ := benchBatch(&testing.B{})
	defer full.Release()
	small := full.NewSlice(0, 16)
	defer small.Release()
	for _, e := range exprs {
		ev, err := Compile(e, full.Schema(), memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		measure := func(b arrow.RecordBatch) float64 {
			return testing.AllocsPerRun(50, func() {
				arr, err := ev.Eval(b)
				if err != nil {
					t.Fatal(err)
				}
				arr.Release()
			})
		}
		measure(full) // warm the scratch up to the large size
		big, little := measure(full), measure(small)
		// +2: the 1024-row result may carry a validity buffer (NULL
		// prices) that the 16-row one does not need.
		if big > little+2 || big > 10 {
			t.Errorf("%s: %.0f allocations per 1024-row batch, %.0f per 16-row batch", e, big, little)
		}
	}
}
