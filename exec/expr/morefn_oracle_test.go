package expr

import (
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// The functions of morefn.go and mathfn.go against DuckDB, written the
// same in both (the text a Nexmark query and its DuckDB twin share), over
// the random oracle table: values, NULLs and errors must agree.
func TestDuckDBOracleMoreFunctions(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	rows := randomRows(r, 300)
	db := loadDuckDB(t, rows)
	defer db.Close()
	alloc := checkedAlloc(t)
	batch := buildBatch(t, alloc, oracleBatchCols(rows)...)
	defer batch.Release()

	c := func(name string) gexpr { return namedCol(name) }
	s := func(v string) gexpr { return gexpr{lit(v, TypeVarchar), sqlString(v)} }
	n := func(v int64) gexpr { return gexpr{lit(v, TypeBigint), itoa(v)} }
	dec := func(p, sc int32) arrow.DataType { return DecimalType(p, sc) }
	g := &exprGen{r: r}
	cases := []struct {
		ge gexpr
		t  arrow.DataType
	}{
		{fn("regexp_extract", TypeVarchar, "regexp_extract", c("s"), s("(a|b)(c)?")), TypeVarchar},
		{fn("regexp_extract", TypeVarchar, "regexp_extract", c("s"), s("(a|b)(c)?"), n(1)), TypeVarchar},
		{fn("regexp_extract", TypeVarchar, "regexp_extract", c("s"), s("(a|b)(c)?"), n(2)), TypeVarchar},
		{fn("regexp_extract", TypeVarchar, "regexp_extract", c("s2"), s("é.")), TypeVarchar},
		{fn("regexp_extract", TypeVarchar, "regexp_extract", c("tss"), s("([0-9]+)-([0-9]+)"), n(2)), TypeVarchar},
		{fn("regexp_extract", TypeVarchar, "regexp_extract", c("s"), s(`google\.com/(\w+)`), n(1)), TypeVarchar},
		{fn("regexp_extract", TypeVarchar, "regexp_extract", c("s"), s("(&|[?])q=([^&]*)"), n(2)), TypeVarchar},
		{fn("regexp_extract", TypeVarchar, "regexp_extract", c("s"), s("(?i)B+")), TypeVarchar},
		{fn("regexp_extract", TypeVarchar, "regexp_extract", c("s"), s("b"), n(3)), TypeVarchar},
		{fn("regexp_extract", TypeVarchar, "regexp_extract", g.gen(TypeVarchar, 2), s("[a-z]+"), n(0)), TypeVarchar},
		{fn("strftime", TypeVarchar, "strftime", c("ts"), s("%Y-%m-%d")), TypeVarchar},
		{fn("strftime", TypeVarchar, "strftime", c("ts"), s("%H:%M")), TypeVarchar},
		{fn("strftime", TypeVarchar, "strftime", c("ts"), s("%A %B %-d %Y %H:%M:%S %p %j %a %b %y %-m %-I %f %I")), TypeVarchar},
		{fn("strftime", TypeVarchar, "strftime", c("ts"), s("%w %U %-H %% x")), TypeVarchar},
		{fn("year", TypeBigint, "year", c("ts")), TypeBigint},
		{fn("month", TypeBigint, "month", c("ts")), TypeBigint},
		{fn("day", TypeBigint, "day", c("ts")), TypeBigint},
		{fn("second", TypeBigint, "second", c("ts")), TypeBigint},
		{fn("abs", TypeBigint, "abs", c("a")), TypeBigint},
		{fn("abs", TypeBigint, "abs", g.gen(TypeBigint, 2)), TypeBigint},
		{fn("abs", TypeInt, "abs", c("i")), TypeInt},
		{fn("round", TypeBigint, "round", c("a"), n(-1)), TypeBigint},
		{fn("round", TypeBigint, "round", c("b"), n(-3)), TypeBigint},
		{fn("round", TypeInt, "round", c("i"), n(-1)), TypeInt},
		{fn("round", TypeInt, "round", c("i"), n(-9)), TypeInt},
		{fn("abs", TypeDouble, "abs", c("x")), TypeDouble},
		{fn("floor", TypeDouble, "floor", c("x")), TypeDouble},
		{fn("ceil", TypeDouble, "ceil", c("y")), TypeDouble},
		{fn("round", TypeDouble, "round", c("x")), TypeDouble},
		{fn("round", TypeDouble, "round", c("x"), n(2)), TypeDouble},
		{fn("round", TypeDouble, "round", c("y"), n(-2)), TypeDouble},
		{fn("round", TypeDouble, "round", g.gen(TypeDouble, 2), n(1)), TypeDouble},
		{fn("abs", decT, "abs", c("d")), decT},
		{fn("floor", dec(10, 0), "floor", c("d")), dec(10, 0)},
		{fn("ceil", dec(10, 0), "ceil", c("d")), dec(10, 0)},
		{fn("round", dec(10, 0), "round", c("d")), dec(10, 0)},
		{fn("round", dec(10, 1), "round", c("d"), n(1)), dec(10, 1)},
		{fn("round", dec(10, 0), "round", c("d"), n(-2)), dec(10, 0)},
		{fn("round", decT, "round", c("d"), n(5)), decT},
	}
	for _, tc := range cases {
		want, derr := duckValues(db, tc.ge.sql, tc.t)
		ev, cerr := Compile(tc.ge.e, batch.Schema(), alloc)
		if cerr != nil {
			t.Errorf("compile %s: %v", tc.ge.e, cerr)
			continue
		}
		arr, merr := ev.Eval(batch)
		if (derr != nil) != (merr != nil) {
			t.Errorf("error mismatch for %s\n  duckdb: %v\n  spate:  %v", tc.ge.sql, derr, merr)
			if arr != nil {
				arr.Release()
			}
			continue
		}
		if merr != nil {
			continue
		}
		got := normalizeMine(values(t, arr), tc.t)
		arr.Release()
		for i := range got {
			if !valuesEqual(got[i], want[i]) {
				t.Errorf("row %d of %s: got %#v want %#v (row %v)", i, tc.ge.sql, got[i], want[i], fmtValues(rows[i]))
				break
			}
		}
		checkChunked(t, ev, batch, want, tc.t, tc.ge)
	}
}

func itoa(v int64) string {
	if v < 0 {
		return "(" + string(appendInt(nil, v)) + ")"
	}
	return string(appendInt(nil, v))
}

func appendInt(b []byte, v int64) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	if v >= 10 {
		b = appendInt(b, v/10)
	}
	return append(b, byte('0'+v%10))
}
