package planner

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec/expr"
)

// Type rules follow DuckDB where spate's types allow:
//
//   - numeric widening: INTEGER < BIGINT < DECIMAL < DOUBLE; an integer
//     meets a DECIMAL(p,s) as DECIMAL(max(p-s, 10 or 19)+s, s), two
//     decimals meet at the larger scale and the larger integer part;
//   - a string literal takes the type of the other side (timestamps,
//     numbers, booleans); a VARCHAR column is never converted implicitly
//     (DuckDB: "an explicit cast is required");
//   - an untyped NULL takes any type.

func typeEq(a, b arrow.DataType) bool { return arrow.TypeEqual(a, b) }

func isNull(t arrow.DataType) bool    { return t.ID() == arrow.NULL }
func isString(t arrow.DataType) bool  { return t.ID() == arrow.STRING }
func isBool(t arrow.DataType) bool    { return t.ID() == arrow.BOOL }
func isInteger(t arrow.DataType) bool { return t.ID() == arrow.INT32 || t.ID() == arrow.INT64 }
func isDecimal(t arrow.DataType) bool { return t.ID() == arrow.DECIMAL128 }
func isDouble(t arrow.DataType) bool  { return t.ID() == arrow.FLOAT64 }

// numericRank orders the numeric types for widening.
func numericRank(t arrow.DataType) int {
	switch t.ID() {
	case arrow.INT32:
		return 1
	case arrow.INT64:
		return 2
	case arrow.DECIMAL128:
		return 3
	case arrow.FLOAT64:
		return 4
	}
	return 0
}

// integerDigits is the number of decimal digits an integer type needs.
func integerDigits(t arrow.DataType) int32 {
	if t.ID() == arrow.INT32 {
		return 10
	}
	return 19
}

func decimalOf(t arrow.DataType) (p, s int32) {
	switch d := t.(type) {
	case *arrow.Decimal128Type:
		return d.Precision, d.Scale
	}
	return integerDigits(t), 0
}

// commonNumeric is the type two numeric types meet at.
func commonNumeric(a, b arrow.DataType) arrow.DataType {
	ra, rb := numericRank(a), numericRank(b)
	if ra == 4 || rb == 4 {
		return expr.TypeDouble
	}
	if ra == 3 || rb == 3 {
		pa, sa := decimalOf(a)
		pb, sb := decimalOf(b)
		scale := max(sa, sb)
		digits := max(pa-sa, pb-sb)
		if digits+scale > catalog.MaxDecimalPrecision {
			return expr.TypeDouble
		}
		return expr.DecimalType(digits+scale, scale)
	}
	if ra == 2 || rb == 2 {
		return expr.TypeBigint
	}
	return expr.TypeInt
}

// commonType is the type two operands are compared or combined at. aLit and
// bLit say whether the operand is a literal (string literals adapt).
func commonType(a, b arrow.DataType, aLit, bLit bool) (arrow.DataType, bool) {
	switch {
	case typeEq(a, b):
		return a, true
	case isNull(a):
		return b, true
	case isNull(b):
		return a, true
	case catalog.IsNumeric(a) && catalog.IsNumeric(b):
		return commonNumeric(a, b), true
	case isString(a) && aLit:
		return b, true
	case isString(b) && bLit:
		return a, true
	}
	return nil, false
}
