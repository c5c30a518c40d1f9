package expr

import (
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// coreBatch has NULLs in every column and more than 8 rows so the packed
// bitmap paths see a full byte and a tail.
func coreCols() []tcol {
	return []tcol{
		{"a", TypeBigint, vals(int64(1), int64(-5), nil, int64(7), int64(0), int64(10), int64(3), int64(-2), int64(100), nil, int64(9))},
		{"b", TypeBigint, vals(int64(2), int64(0), int64(3), nil, int64(0), int64(10), int64(-3), int64(4), int64(7), int64(1), int64(9))},
		{"x", TypeDouble, vals(1.5, -2.0, nil, math.NaN(), 0.0, 10.0, 3.25, -0.0, 1e308, nil, 2.0)},
		{"y", TypeDouble, vals(0.5, 0.0, 1.0, 1.0, 0.0, math.NaN(), -3.25, 0.0, 10.0, 1.0, 2.0)},
		{"p", TypeBoolean, vals(true, false, nil, true, false, nil, true, false, true, nil, false)},
		{"q", TypeBoolean, vals(true, true, true, nil, false, false, nil, nil, false, false, true)},
		{"s", TypeVarchar, vals("buffer", "", nil, "Buffer", "buffer", "b", "zz", "bufferx", "é", nil, "a")},
		{"i", TypeInt, vals(int64(1), int64(2), nil, int64(math.MaxInt32), int64(0), int64(-1), int64(5), int64(6), int64(7), int64(8), int64(9))},
	}
}

type exprCase struct {
	name string
	e    Expr
	want []any
	err  string
}

func runCases(t *testing.T, cols []tcol, cases []exprCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			alloc := checkedAlloc(t)
			b := buildBatch(t, alloc, cols...)
			defer b.Release()
			got, err := evalOn(t, alloc, tc.e, b)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("%s: error %v, want %q", tc.e, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.e, err)
			}
			if !sameValues(got, tc.want) {
				t.Fatalf("%s:\n got %s\nwant %s", tc.e, fmtValues(got), fmtValues(tc.want))
			}
			// An empty batch gives an empty result, never an error.
			empty := buildBatch(t, alloc, emptyCols(cols)...)
			defer empty.Release()
			got, err = evalOn(t, alloc, tc.e, empty)
			if err != nil || len(got) != 0 {
				t.Fatalf("%s on empty batch: %v %v", tc.e, got, err)
			}
		})
	}
}

func emptyCols(cols []tcol) []tcol {
	out := make([]tcol, len(cols))
	for i, c := range cols {
		out[i] = tcol{c.name, c.t, nil}
	}
	return out
}

var (
	cA = col(0, "a", TypeBigint)
	cB = col(1, "b", TypeBigint)
	cX = col(2, "x", TypeDouble)
	cY = col(3, "y", TypeDouble)
	cP = col(4, "p", TypeBoolean)
	cQ = col(5, "q", TypeBoolean)
	cS = col(6, "s", TypeVarchar)
	cI = col(7, "i", TypeInt)
)

func TestCoreExpressions(t *testing.T) {
	T, F := true, false
	_ = F
	cases := []exprCase{
		{"colref", cA, vals(int64(1), int64(-5), nil, int64(7), int64(0), int64(10), int64(3), int64(-2), int64(100), nil, int64(9)), ""},
		{"literal", lit(int64(4), TypeBigint), vals(int64(4), int64(4), int64(4), int64(4), int64(4), int64(4), int64(4), int64(4), int64(4), int64(4), int64(4)), ""},
		{"null literal", lit(nil, TypeVarchar), make([]any, 11), ""},
		{"add cc", call("add", TypeBigint, cA, cB), vals(int64(3), int64(-5), nil, nil, int64(0), int64(20), int64(0), int64(2), int64(107), nil, int64(18)), ""},
		{"sub sc", call("sub", TypeBigint, lit(int64(10), TypeBigint), cA), vals(int64(9), int64(15), nil, int64(3), int64(10), int64(0), int64(7), int64(12), int64(-90), nil, int64(1)), ""},
		{"mul cs", call("mul", TypeBigint, cA, lit(int64(-3), TypeBigint)), vals(int64(-3), int64(15), nil, int64(-21), int64(0), int64(-30), int64(-9), int64(6), int64(-300), nil, int64(-27)), ""},
		{"div by zero null", call("div", TypeBigint, cA, cB), vals(int64(0), nil, nil, nil, nil, int64(1), int64(-1), int64(0), int64(14), nil, int64(1)), ""},
		{"mod sign of dividend", call("mod", TypeBigint, cA, cB), vals(int64(1), nil, nil, nil, nil, int64(0), int64(0), int64(-2), int64(2), nil, int64(0)), ""},
		{"mod literal zero", call("mod", TypeBigint, cA, lit(int64(0), TypeBigint)), make([]any, 11), ""},
		{"int32 overflow", call("add", TypeInt, cI, lit(int64(1), TypeInt)), nil, "overflow in addition of INT32 (2147483647 + 1)"},
		{"int64 overflow", call("mul", TypeBigint, cA, lit(int64(math.MaxInt64/50), TypeBigint)), nil, "overflow in multiplication of INT64"},
		{"double div zero ieee", call("div", TypeDouble, cX, cY), vals(3.0, math.Inf(-1), nil, math.NaN(), math.NaN(), math.NaN(), -1.0, math.NaN(), 1e307, nil, 1.0), ""},
		{"neg", call("neg", TypeDouble, cX), vals(-1.5, 2.0, nil, math.NaN(), math.Copysign(0, -1), -10.0, -3.25, 0.0, -1e308, nil, -2.0), ""},
		{"gt scalar", call("gt", TypeBoolean, cA, lit(int64(3), TypeBigint)), vals(F, F, nil, T, F, T, F, F, T, nil, T), ""},
		{"lt flipped", call("lt", TypeBoolean, lit(int64(3), TypeBigint), cA), vals(F, F, nil, T, F, T, F, F, T, nil, T), ""},
		{"eq cc", call("eq", TypeBoolean, cA, cB), vals(F, F, nil, nil, T, T, F, F, F, nil, T), ""},
		{"float nan order", call("gt", TypeBoolean, cX, cY), vals(T, F, nil, T, F, F, T, F, T, nil, F), ""},
		{"float nan eq", call("eq", TypeBoolean, cX, cX), vals(T, T, nil, T, T, T, T, T, T, nil, T), ""},
		{"string eq literal", call("eq", TypeBoolean, cS, lit("buffer", TypeVarchar)), vals(T, F, nil, F, T, F, F, F, F, nil, F), ""},
		{"string ne literal", call("ne", TypeBoolean, cS, lit("buffer", TypeVarchar)), vals(F, T, nil, T, F, T, T, T, T, nil, T), ""},
		{"string lt bytewise", call("lt", TypeBoolean, cS, lit("b", TypeVarchar)), vals(F, T, nil, T, F, F, F, F, F, nil, T), ""},
		{"bool le", call("le", TypeBoolean, cP, cQ), vals(T, T, nil, nil, T, nil, nil, nil, F, nil, T), ""},
		{"and 3vl", call("and", TypeBoolean, cP, cQ), vals(T, F, nil, nil, F, F, nil, F, F, F, F), ""},
		{"or 3vl", call("or", TypeBoolean, cP, cQ), vals(T, T, T, T, F, nil, T, nil, T, nil, T), ""},
		{"not", call("not", TypeBoolean, cP), vals(F, T, nil, F, T, nil, F, T, F, nil, T), ""},
		{"and null literal", call("and", TypeBoolean, cP, lit(nil, TypeBoolean)), vals(nil, F, nil, nil, F, nil, nil, F, nil, nil, F), ""},
		{"is_null", call("is_null", TypeBoolean, cS), vals(F, F, T, F, F, F, F, F, F, T, F), ""},
		{"is_not_null", call("is_not_null", TypeBoolean, cA), vals(T, T, F, T, T, T, T, T, T, F, T), ""},
		{"is_true", call("is_true", TypeBoolean, cP), vals(T, F, F, T, F, F, T, F, T, F, F), ""},
		{"is_not_false", call("is_not_false", TypeBoolean, cP), vals(T, F, T, T, F, T, T, F, T, T, F), ""},
		{"filter predicate", call("and", TypeBoolean,
			call("gt", TypeBoolean, cA, lit(int64(0), TypeBigint)),
			call("eq", TypeBoolean, cS, lit("buffer", TypeVarchar))), vals(T, F, nil, F, F, F, F, F, F, nil, F), ""},
		{"constant folded", call("add", TypeBigint, lit(int64(2), TypeBigint), lit(int64(3), TypeBigint)), vals(int64(5), int64(5), int64(5), int64(5), int64(5), int64(5), int64(5), int64(5), int64(5), int64(5), int64(5)), ""},
	}
	runCases(t, coreCols(), cases)
}

func TestCompileErrors(t *testing.T) {
	sch := arrow.NewSchema([]arrow.Field{{Name: "a", Type: TypeBigint}}, nil)
	bad := []Expr{
		col(3, "z", TypeBigint),
		col(0, "a", TypeDouble),
		call("add", TypeBigint, col(0, "a", TypeBigint), lit(1.0, TypeDouble)),
		call("nosuch", TypeBigint, col(0, "a", TypeBigint)),
		call("and", TypeBoolean, col(0, "a", TypeBigint), lit(true, TypeBoolean)),
		lit("x", TypeBigint),
	}
	for _, e := range bad {
		if _, err := Compile(e, sch, nil); err == nil {
			t.Errorf("Compile(%s) succeeded, want error", e)
		}
	}
}
