package planner

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// bindLiteral types a literal as DuckDB does: integers are INTEGER when
// they fit, else BIGINT (else DOUBLE); 1.50 is DECIMAL(3,2); 1e3 is DOUBLE;
// strings are VARCHAR (and adapt to the other operand, see types.go); NULL
// is untyped until coerced.
func bindLiteral(l *parser.Literal) (*expr.Literal, error) {
	switch l.Kind {
	case parser.NullLit:
		return &expr.Literal{Value: nil, Type: expr.TypeNull}, nil
	case parser.BoolLit:
		return &expr.Literal{Value: strings.EqualFold(l.Text, "true"), Type: expr.TypeBoolean}, nil
	case parser.StringLit:
		return &expr.Literal{Value: l.Text, Type: expr.TypeVarchar}, nil
	case parser.IntLit:
		n, err := strconv.ParseInt(l.Text, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(l.Text, 64)
			if ferr != nil {
				return nil, parser.Errorf(l.Pos, l.Text, "bad integer literal")
			}
			return &expr.Literal{Value: f, Type: expr.TypeDouble}, nil
		}
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			return &expr.Literal{Value: n, Type: expr.TypeInt}, nil
		}
		return &expr.Literal{Value: n, Type: expr.TypeBigint}, nil
	case parser.FloatLit:
		text := l.Text
		if !strings.ContainsAny(text, "eE") {
			intPart, frac, _ := strings.Cut(text, ".")
			intPart = strings.TrimLeft(intPart, "+-0")
			scale := int32(len(frac))
			prec := int32(len(intPart)) + scale
			if prec == 0 {
				prec = 1
			}
			if prec <= catalog.MaxDecimalPrecision {
				n, err := decimal128.FromString(text, prec, scale)
				if err == nil {
					return &expr.Literal{Value: n, Type: expr.DecimalType(prec, scale)}, nil
				}
			}
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, parser.Errorf(l.Pos, l.Text, "bad number literal")
		}
		return &expr.Literal{Value: f, Type: expr.TypeDouble}, nil
	}
	return nil, parser.Errorf(l.Pos, l.Text, "unsupported literal")
}

// timestampLayouts are the text forms a TIMESTAMP literal may take.
var timestampLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseTimestamp reads a TIMESTAMP literal ('2015-07-15 00:00:00',
// RFC 3339, or a date) as epoch milliseconds, UTC unless an offset is
// given.
func ParseTimestamp(s string) (int64, error) {
	t := strings.TrimSpace(s)
	for _, layout := range timestampLayouts {
		if v, err := time.ParseInLocation(layout, t, time.UTC); err == nil {
			return v.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("'%s' is not a timestamp (write 'YYYY-MM-DD hh:mm:ss[.fff]' or RFC 3339)", s)
}

func formatTimestamp(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05.000")
}

// castLiteral converts a constant to type to at plan time. The error is
// the reason only; callers position it.
func castLiteral(l *expr.Literal, to arrow.DataType) (*expr.Literal, error) {
	if typeEq(l.Type, to) {
		return l, nil
	}
	if l.Value == nil {
		return &expr.Literal{Value: nil, Type: to}, nil
	}
	fail := func() error {
		return fmt.Errorf("cannot convert %s to %s", l.String(), catalog.TypeString(to))
	}
	switch v := l.Value.(type) {
	case string:
		switch to.ID() {
		case arrow.TIMESTAMP:
			ms, err := ParseTimestamp(v)
			if err != nil {
				return nil, err
			}
			return &expr.Literal{Value: ms, Type: to}, nil
		case arrow.INT32, arrow.INT64:
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || (to.ID() == arrow.INT32 && (n < math.MinInt32 || n > math.MaxInt32)) {
				return nil, fmt.Errorf("cannot convert '%s' to %s", v, catalog.TypeString(to))
			}
			return &expr.Literal{Value: n, Type: to}, nil
		case arrow.FLOAT64:
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return nil, fmt.Errorf("cannot convert '%s' to DOUBLE", v)
			}
			return &expr.Literal{Value: f, Type: to}, nil
		case arrow.DECIMAL128:
			d := to.(*arrow.Decimal128Type)
			n, err := decimal128.FromString(strings.TrimSpace(v), d.Precision, d.Scale)
			if err != nil || !n.FitsInPrecision(d.Precision) {
				return nil, fmt.Errorf("cannot convert '%s' to %s", v, catalog.TypeString(to))
			}
			return &expr.Literal{Value: n, Type: to}, nil
		case arrow.BOOL:
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true", "t", "yes", "y", "1":
				return &expr.Literal{Value: true, Type: to}, nil
			case "false", "f", "no", "n", "0":
				return &expr.Literal{Value: false, Type: to}, nil
			}
			return nil, fmt.Errorf("cannot convert '%s' to BOOLEAN", v)
		}
	case int64:
		if l.Type.ID() == arrow.TIMESTAMP {
			if to.ID() == arrow.STRING {
				return &expr.Literal{Value: formatTimestamp(v), Type: to}, nil
			}
			return nil, fail()
		}
		switch to.ID() {
		case arrow.INT64:
			return &expr.Literal{Value: v, Type: to}, nil
		case arrow.INT32:
			if v < math.MinInt32 || v > math.MaxInt32 {
				return nil, fmt.Errorf("%d is out of range for INTEGER", v)
			}
			return &expr.Literal{Value: v, Type: to}, nil
		case arrow.FLOAT64:
			return &expr.Literal{Value: float64(v), Type: to}, nil
		case arrow.DECIMAL128:
			d := to.(*arrow.Decimal128Type)
			n := decimal128.FromI64(v).IncreaseScaleBy(d.Scale)
			if !n.FitsInPrecision(d.Precision) {
				return nil, fmt.Errorf("%d is out of range for %s", v, catalog.TypeString(to))
			}
			return &expr.Literal{Value: n, Type: to}, nil
		case arrow.STRING:
			return &expr.Literal{Value: strconv.FormatInt(v, 10), Type: to}, nil
		}
	case float64:
		switch to.ID() {
		case arrow.FLOAT64:
			return &expr.Literal{Value: v, Type: to}, nil
		case arrow.INT32, arrow.INT64:
			r := math.RoundToEven(v)
			if math.IsNaN(v) || r < math.MinInt64 || r >= math.MaxInt64 ||
				(to.ID() == arrow.INT32 && (r < math.MinInt32 || r > math.MaxInt32)) {
				return nil, fmt.Errorf("%v is out of range for %s", v, catalog.TypeString(to))
			}
			return &expr.Literal{Value: int64(r), Type: to}, nil
		case arrow.DECIMAL128:
			d := to.(*arrow.Decimal128Type)
			n, err := decimal128.FromFloat64(v, d.Precision, d.Scale)
			if err != nil {
				return nil, fmt.Errorf("%v is out of range for %s", v, catalog.TypeString(to))
			}
			return &expr.Literal{Value: n, Type: to}, nil
		case arrow.STRING:
			return &expr.Literal{Value: strconv.FormatFloat(v, 'g', -1, 64), Type: to}, nil
		}
	case decimal128.Num:
		from := l.Type.(*arrow.Decimal128Type)
		switch to.ID() {
		case arrow.FLOAT64:
			return &expr.Literal{Value: v.ToFloat64(from.Scale), Type: to}, nil
		case arrow.DECIMAL128:
			d := to.(*arrow.Decimal128Type)
			var n decimal128.Num
			if d.Scale >= from.Scale {
				n = v.IncreaseScaleBy(d.Scale - from.Scale)
			} else {
				n = v.ReduceScaleBy(from.Scale-d.Scale, true)
			}
			if !n.FitsInPrecision(d.Precision) {
				return nil, fmt.Errorf("%s is out of range for %s", v.ToString(from.Scale), catalog.TypeString(to))
			}
			return &expr.Literal{Value: n, Type: to}, nil
		case arrow.INT32, arrow.INT64:
			r := v.ReduceScaleBy(from.Scale, true)
			if !r.FitsInPrecision(18) {
				return nil, fmt.Errorf("%s is out of range for %s", v.ToString(from.Scale), catalog.TypeString(to))
			}
			n := r.LowBits()
			iv := int64(n)
			if to.ID() == arrow.INT32 && (iv < math.MinInt32 || iv > math.MaxInt32) {
				return nil, fmt.Errorf("%s is out of range for INTEGER", v.ToString(from.Scale))
			}
			return &expr.Literal{Value: iv, Type: to}, nil
		case arrow.STRING:
			return &expr.Literal{Value: v.ToString(from.Scale), Type: to}, nil
		}
	case bool:
		switch to.ID() {
		case arrow.STRING:
			return &expr.Literal{Value: strconv.FormatBool(v), Type: to}, nil
		case arrow.INT32, arrow.INT64:
			n := int64(0)
			if v {
				n = 1
			}
			return &expr.Literal{Value: n, Type: to}, nil
		}
	}
	return nil, fail()
}

// literalString renders a literal for names and EXPLAIN (timestamps and
// decimals readable, unlike expr.Literal.String).
func literalString(l *expr.Literal) string {
	switch v := l.Value.(type) {
	case int64:
		if l.Type.ID() == arrow.TIMESTAMP {
			return "TIMESTAMP '" + formatTimestamp(v) + "'"
		}
	case decimal128.Num:
		return v.ToString(l.Type.(*arrow.Decimal128Type).Scale)
	}
	return l.String()
}
