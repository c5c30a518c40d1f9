package expr

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Hand-computed expectations (MySQL / DuckDB documentation and the DuckDB
// shell) for the functions, especially the MySQL ones DuckDB lacks
// (substring_index, date_format, regexp_substr).

func strCols() []tcol {
	return []tcol{
		{"s", TypeVarchar, vals("www.mysql.com", "héllo", nil, "", "a,b,,c", "ÄBC straße")},
		{"n", TypeBigint, vals(int64(2), int64(-2), int64(1), nil, int64(0), int64(3))},
	}
}

var (
	sS = col(0, "s", TypeVarchar)
	sN = col(1, "n", TypeBigint)
)

func vs(s string) *Literal { return lit(s, TypeVarchar) }
func vi(i int64) *Literal  { return lit(i, TypeBigint) }

func TestStringFunctions(t *testing.T) {
	V := TypeVarchar
	cases := []exprCase{
		{"lower", call("lower", V, sS), vals("www.mysql.com", "héllo", nil, "", "a,b,,c", "äbc straße"), ""},
		{"upper", call("upper", V, sS), vals("WWW.MYSQL.COM", "HÉLLO", nil, "", "A,B,,C", "ÄBC STRAẞE"), ""},
		{"length chars", call("length", TypeBigint, sS), vals(int64(13), int64(5), nil, int64(0), int64(6), int64(10)), ""},
		{"char_length int", call("char_length", TypeInt, sS), vals(int64(13), int64(5), nil, int64(0), int64(6), int64(10)), ""},
		{"substring from", call("substring", V, sS, vi(2)), vals("ww.mysql.com", "éllo", nil, "", ",b,,c", "BC straße"), ""},
		{"substring from len", call("substring", V, sS, vi(2), vi(3)), vals("ww.", "éll", nil, "", ",b,", "BC "), ""},
		{"substring negative", call("substring", V, sS, vi(-3), vi(2)), vals("co", "ll", nil, "", ",,", "aß"), ""},
		{"substring column from", call("substring", V, sS, sN), vals("ww.mysql.com", "lo", nil, nil, "a,b,,c", "C straße"), ""},
		{"substring zero", call("substring", V, sS, vi(0), vi(2)), vals("w", "h", nil, "", "a", "Ä"), ""},
		{"substring_index 2", call("substring_index", V, sS, vs("."), vi(2)), vals("www.mysql", "héllo", nil, "", "a,b,,c", "ÄBC straße"), ""},
		{"substring_index -2", call("substring_index", V, sS, vs("."), vi(-2)), vals("mysql.com", "héllo", nil, "", "a,b,,c", "ÄBC straße"), ""},
		{"substring_index col", call("substring_index", V, sS, vs(","), sN), vals("www.mysql.com", "héllo", nil, nil, "", "ÄBC straße"), ""},
		{"replace", call("replace", V, sS, vs("l"), vs("LL")), vals("www.mysqLL.com", "héLLLLo", nil, "", "a,b,,c", "ÄBC straße"), ""},
		{"replace empty from", call("replace", V, sS, vs(""), vs("x")), vals("www.mysql.com", "héllo", nil, "", "a,b,,c", "ÄBC straße"), ""},
		{"concat skips null", call("concat", V, sS, lit(nil, V), vs("!")), vals("www.mysql.com!", "héllo!", "!", "!", "a,b,,c!", "ÄBC straße!"), ""},
		{"concat non-string", call("concat", V, sS, sN), vals("www.mysql.com2", "héllo-2", "1", "", "a,b,,c0", "ÄBC straße3"), ""},
		{"split_part", call("split_part", V, sS, vs(","), vi(3)), vals("", "", nil, "", "", ""), ""},
		{"split_part col", call("split_part", V, sS, vs(","), sN), vals("", "", nil, nil, "", ""), ""},
		{"split_part neg", call("split_part", V, sS, vs(","), vi(-1)), vals("www.mysql.com", "héllo", nil, "", "c", "ÄBC straße"), ""},
		{"regexp_substr", call("regexp_substr", V, sS, vs("[a-z]+l")), vals("mysql", "ll", nil, nil, nil, nil), ""},
		{"like underscore is a character", call("like", TypeBoolean, sS, vs("h_llo")), vals(false, true, nil, false, false, false), ""},
		{"like backslash is literal", call("like", TypeBoolean, vs(`a\%c`), vs(`a\%c`)), vals(true, true, true, true, true, true), ""},
		{"like escape arg", call("like", TypeBoolean, vs("a%c"), vs(`a\%c`), vs(`\`)), vals(true, true, true, true, true, true), ""},
		{"ilike unicode", call("ilike", TypeBoolean, sS, vs("äbc%")), vals(false, false, nil, false, false, true), ""},
		{"like column pattern", call("like", TypeBoolean, vs("abc"), sS), vals(false, false, nil, false, false, false), ""},
		{"in with null item", call("in", TypeBoolean, sS, vs("héllo"), lit(nil, V)), vals(nil, true, nil, nil, nil, nil), ""},
		{"in column items", call("in", TypeBoolean, sN, vi(3), call("neg", TypeBigint, sN)), vals(false, false, false, nil, true, true), ""},
	}
	runCases(t, strCols(), cases)
}

func TestRegexpSubstrNoMatchIsNull(t *testing.T) {
	cases := []exprCase{
		{"no match", call("regexp_substr", TypeVarchar, sS, vs("[0-9]+")), vals(nil, nil, nil, nil, nil, nil), ""},
		{"bad pattern", call("regexp_substr", TypeVarchar, sS, vs("(")), nil, "bad pattern"},
		{"dot is any character", call("regexp_substr", TypeVarchar, sS, vs("l.c")), vals("l.c", nil, nil, nil, nil, nil), ""},
		{"plain literal", call("regexp_substr", TypeVarchar, sS, vs("ll")), vals(nil, "ll", nil, nil, nil, nil), ""},
		{"anchored literal", call("regexp_substr", TypeVarchar, sS, vs("^ll")), vals(nil, nil, nil, nil, nil, nil), ""},
		{"anchored match", call("regexp_substr", TypeVarchar, sS, vs("^www")), vals("www", nil, nil, nil, nil, nil), ""},
	}
	runCases(t, strCols(), cases)
}

func tsCols() []tcol {
	return []tcol{
		// 2024-01-02 03:04:05.123 (Tue), 1969-12-31 23:59:59.999 (Wed),
		// NULL, 2000-02-29 13:00:00 (Tue), 0000-12-31 (1 BC), 2023-01-01 00:00 (Sun)
		{"ts", TypeTimestamp, vals(int64(1704164645123), int64(-1), nil, int64(951829200000), int64(-62135683200000), int64(1672531200000))},
	}
}

var cTS = col(0, "ts", TypeTimestamp)

func TestTimeFunctions(t *testing.T) {
	V := TypeVarchar
	df := func(f string) *Call { return call("date_format", V, cTS, vs(f)) }
	cases := []exprCase{
		{"hour", call("hour", TypeBigint, cTS), vals(int64(3), int64(23), nil, int64(13), int64(0), int64(0)), ""},
		{"minute", call("minute", TypeBigint, cTS), vals(int64(4), int64(59), nil, int64(0), int64(0), int64(0)), ""},
		{"cast to varchar", call("cast", V, cTS), vals("2024-01-02 03:04:05.123", "1969-12-31 23:59:59.999", nil,
			"2000-02-29 13:00:00", "0001-12-31 (BC) 00:00:00", "2023-01-01 00:00:00"), ""},
		{"date_format basic", df("%Y-%m-%d %H:%i:%s.%f"), vals("2024-01-02 03:04:05.123000", "1969-12-31 23:59:59.999000", nil,
			"2000-02-29 13:00:00.000000", "0000-12-31 00:00:00.000000", "2023-01-01 00:00:00.000000"), ""},
		{"date_format names", df("%W %a %M %b %D %e %c %j"), vals("Tuesday Tue January Jan 2nd 2 1 002",
			"Wednesday Wed December Dec 31st 31 12 365", nil, "Tuesday Tue February Feb 29th 29 2 060",
			"Sunday Sun December Dec 31st 31 12 366", "Sunday Sun January Jan 1st 1 1 001"), ""},
		{"date_format 12h", df("%h %I %l %k %p %r %T"), vals("03 03 3 3 AM 03:04:05 AM 03:04:05",
			"11 11 11 23 PM 11:59:59 PM 23:59:59", nil, "01 01 1 13 PM 01:00:00 PM 13:00:00",
			"12 12 12 0 AM 12:00:00 AM 00:00:00", "12 12 12 0 AM 12:00:00 AM 00:00:00"), ""},
		{"date_format weeks", df("%U %v %x %w %y %%"), vals("00 01 2024 2 24 %", "52 01 1970 3 69 %", nil,
			"09 09 2000 2 00 %", "53 52 0000 0 00 %", "01 52 2022 0 23 %"), ""},
		{"date_format unsupported", df("%u"), nil, "not supported"},
		{"add_interval", call("add_interval", TypeTimestamp, cTS, vi(1500)), vals(int64(1704164646623), int64(1499), nil,
			int64(951829201500), int64(-62135683198500), int64(1672531201500)), ""},
		{"sub_interval", call("sub_interval", TypeTimestamp, cTS, vi(86400000)), vals(int64(1704078245123), int64(-86400001), nil,
			int64(951742800000), int64(-62135769600000), int64(1672444800000)), ""},
		{"interval overflow", call("add_interval", TypeTimestamp, cTS, vi(math.MaxInt64)), nil, "overflow"},
	}
	runCases(t, tsCols(), cases)
}

func TestCasts(t *testing.T) {
	cols := []tcol{
		{"s", TypeVarchar, vals(" 12 ", "-2.5", nil, "1e3", "0x1F", "1_000")},
		{"x", TypeDouble, vals(2.5, 3.5, nil, -2.5, 1e-5, 1e16)},
		{"d", DecimalType(10, 2), vals(decimal128.FromI64(250), decimal128.FromI64(-350), nil, decimal128.FromI64(5), decimal128.FromI64(-1), decimal128.FromI64(100000))},
		{"t", TypeVarchar, vals("2024-01-02T03:04:05Z", "2024-1-2 3:04:05.0789", nil, "2024-02-29", "2024-01-02 24:00:00", "2024-01-02 03:04 +05:30")},
	}
	cs := col(0, "s", TypeVarchar)
	cx := col(1, "x", TypeDouble)
	cd := col(2, "d", DecimalType(10, 2))
	ct := col(3, "t", TypeVarchar)
	d := func(v int64) any { return decimal128.FromI64(v) }
	cases := []exprCase{
		{"string to bigint", call("cast", TypeBigint, cs), vals(int64(12), int64(-3), nil, int64(1000), int64(31), int64(1000)), ""},
		{"string to double", call("cast", TypeDouble, call("replace", TypeVarchar, cs, vs("0x1F"), vs("31"))), vals(12.0, -2.5, nil, 1000.0, 31.0, 1000.0), ""},
		{"string to decimal", call("cast", DecimalType(10, 2), call("replace", TypeVarchar, cs, vs("0x1F"), vs("0.125"))), vals(d(1200), d(-250), nil, d(100000), d(13), d(100000)), ""},
		{"bad string names value", call("cast", TypeBigint, vs("12abc")), nil, "could not convert string '12abc' to INT64"},
		{"bad timestamp names value", call("cast", TypeTimestamp, call("concat", TypeVarchar, cs, vs("x"))), nil, "' 12 x'"},
		{"double to bigint half even", call("cast", TypeBigint, cx), vals(int64(2), int64(4), nil, int64(-2), int64(0), int64(1e16)), ""},
		{"double to int out of range", call("cast", TypeInt, cx), nil, "out of range"},
		{"double to string", call("cast", TypeVarchar, cx), vals("2.5", "3.5", nil, "-2.5", "1e-05", "1e+16"), ""},
		{"decimal to bigint half away", call("cast", TypeBigint, cd), vals(int64(3), int64(-4), nil, int64(0), int64(0), int64(1000)), ""},
		{"decimal to string", call("cast", TypeVarchar, cd), vals("2.50", "-3.50", nil, "0.05", "-0.01", "1000.00"), ""},
		{"decimal rescale", call("cast", DecimalType(10, 1), cd), vals(d(25), d(-35), nil, d(1), d(0), d(10000)), ""},
		{"decimal to double", call("cast", TypeDouble, cd), vals(2.5, -3.5, nil, 0.05, -0.01, 1000.0), ""},
		{"double to decimal", call("cast", DecimalType(10, 2), cx), vals(d(250), d(350), nil, d(-250), d(0), nil), "could not cast value 1e+16"},
		{"string to timestamp", call("cast", TypeTimestamp, ct), vals(int64(1704164645000), int64(1704164645078), nil,
			int64(1709164800000), int64(1704240000000), int64(1704164640000)), ""},
		{"bool to string", call("cast", TypeVarchar, call("gt", TypeBoolean, cx, lit(3.0, TypeDouble))), vals("false", "true", nil, "false", "false", "true"), ""},
		{"string to bool", call("cast", TypeBoolean, vs("yes")), vals(true, true, true, true, true, true), ""},
		{"bigint to timestamp ms", call("cast", TypeTimestamp, vi(1500)), vals(int64(1500), int64(1500), int64(1500), int64(1500), int64(1500), int64(1500)), ""},
	}
	runCases(t, cols, cases)
}

func TestCaseCoalesce(t *testing.T) {
	cases := []exprCase{
		{"case first true wins", call("case", TypeBigint,
			call("gt", TypeBoolean, cA, lit(int64(5), TypeBigint)), lit(int64(1), TypeBigint),
			call("gt", TypeBoolean, cA, lit(int64(0), TypeBigint)), lit(int64(2), TypeBigint),
			lit(nil, TypeBigint)), vals(int64(2), nil, nil, int64(1), nil, int64(1), int64(2), nil, int64(1), nil, int64(1)), ""},
		{"case untaken branch error is not raised", call("case", TypeInt,
			call("lt", TypeBoolean, cI, lit(int64(100), TypeInt)), call("mul", TypeInt, cI, lit(int64(1000), TypeInt)),
			lit(int64(-1), TypeInt)), vals(int64(1000), int64(2000), int64(-1), int64(-1), int64(0), int64(-1000), int64(5000), int64(6000),
			int64(7000), int64(8000), int64(9000)), ""},
		{"case taken branch error is raised", call("case", TypeInt,
			call("gt", TypeBoolean, cI, lit(int64(100), TypeInt)), call("mul", TypeInt, cI, lit(int64(1000), TypeInt)),
			lit(int64(-1), TypeInt)), nil, "overflow in multiplication of INT32"},
		{"case string", call("case", TypeVarchar, cP, cS, lit("none", TypeVarchar)),
			vals("buffer", "none", "none", "Buffer", "none", "none", "zz", "none", "é", "none", "none"), ""},
		{"coalesce", call("coalesce", TypeBigint, cA, cB, lit(int64(-1), TypeBigint)),
			vals(int64(1), int64(-5), int64(3), int64(7), int64(0), int64(10), int64(3), int64(-2), int64(100), int64(1), int64(9)), ""},
		{"coalesce all null", call("coalesce", TypeVarchar, lit(nil, TypeVarchar), cS),
			vals("buffer", "", nil, "Buffer", "buffer", "b", "zz", "bufferx", "é", nil, "a"), ""},
		{"and skips decided rows", call("and", TypeBoolean, call("lt", TypeBoolean, cI, lit(int64(100), TypeInt)),
			call("gt", TypeBoolean, call("mul", TypeInt, cI, lit(int64(1000), TypeInt)), lit(int64(0), TypeInt))),
			vals(true, true, nil, false, false, false, true, true, true, true, true), ""},
		{"between", call("between", TypeBoolean, cA, lit(int64(0), TypeBigint), cB),
			vals(true, false, nil, nil, true, true, false, false, false, nil, true), ""},
		{"between null bound false", call("between", TypeBoolean, lit(int64(5), TypeBigint), lit(nil, TypeBigint), lit(int64(3), TypeBigint)),
			vals(false, false, false, false, false, false, false, false, false, false, false), ""},
		{"in ints hashed", call("in", TypeBoolean, cA, vi(1), vi(2), vi(3), vi(4), vi(5), vi(6), vi(7), vi(8), vi(9), vi(10)),
			vals(true, false, nil, true, false, true, true, false, false, nil, true), ""},
		{"in doubles nan", call("in", TypeBoolean, cX, lit(math.NaN(), TypeDouble), lit(0.0, TypeDouble)),
			vals(false, false, nil, true, true, false, false, true, false, nil, false), ""},
	}
	runCases(t, coreCols(), cases)
}

func TestDecimalArithmetic(t *testing.T) {
	D := DecimalType(10, 2)
	d := func(v int64) any { return decimal128.FromI64(v) }
	cols := []tcol{
		{"p", D, vals(d(150), d(-550), nil, d(99999999), d(0))},
		{"q", D, vals(d(200), d(200), d(100), d(1), d(0))},
	}
	cp, cq := col(0, "p", D), col(1, "q", D)
	cases := []exprCase{
		{"add widens", call("add", DecimalType(11, 2), cp, cq), vals(d(350), d(-350), nil, d(100000000), d(0)), ""},
		{"add overflow", call("add", DecimalType(8, 2), cp, cq), nil, "overflow in addition of DECIMAL(8,2)"},
		{"mul", call("mul", DecimalType(18, 4), cp, cq), vals(d(30000), d(-110000), nil, d(99999999), d(0)), ""},
		{"mod sign of dividend, by zero null", call("mod", D, cp, cq), vals(d(150), d(-150), nil, d(0), nil), ""},
		{"div gives double", call("div", TypeDouble, cp, cq), vals(0.75, -2.75, nil, 99999999.0, math.NaN()), ""},
		{"compare", call("lt", TypeBoolean, cp, cq), vals(true, true, nil, false, false), ""},
		{"neg", call("neg", D, cp), vals(d(-150), d(550), nil, d(-99999999), d(0)), ""},
	}
	runCases(t, cols, cases)
}
