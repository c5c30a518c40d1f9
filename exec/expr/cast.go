package expr

import (
	"fmt"
	"math"
	"math/big"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// CAST follows DuckDB: DOUBLE -> integer rounds half to even, DECIMAL and
// VARCHAR -> integer round half away from zero, out-of-range values and
// unparsable strings are errors naming the value. TIMESTAMP <-> BIGINT is
// milliseconds since the epoch (spate's own; DuckDB has no such cast).

type castKind uint8

const (
	castIntToInt castKind = iota
	castIntToDouble
	castIntToDecimal
	castIntToBool
	castIntToString
	castDoubleToInt
	castDoubleToDecimal
	castDoubleToBool
	castDoubleToString
	castDecimalToInt
	castDecimalToDouble
	castDecimalToDecimal
	castDecimalToBool
	castDecimalToString
	castBoolToInt
	castBoolToDouble
	castBoolToDecimal
	castBoolToString
	castStringToInt
	castStringToDouble
	castStringToDecimal
	castStringToBool
	castStringToTimestamp
	castTimestampToString
)

type castNode struct {
	a        node
	from, to arrow.DataType
	kind     castKind
	out      vec
	sout     strOut
	scratch  []byte
	days     dayCache
}

func (n *castNode) typ() arrow.DataType { return n.to }

func typeClass(t arrow.DataType) string {
	switch t.ID() {
	case arrow.INT64, arrow.INT32:
		return "int"
	case arrow.FLOAT64:
		return "double"
	case arrow.DECIMAL128:
		return "decimal"
	case arrow.BOOL:
		return "bool"
	case arrow.STRING:
		return "string"
	case arrow.TIMESTAMP:
		return "timestamp"
	case arrow.NULL:
		return "null"
	}
	return "?"
}

func newCast(a node, to arrow.DataType) (node, error) {
	from := a.typ()
	if arrow.TypeEqual(from, to) {
		return a, nil
	}
	if from.ID() == arrow.NULL || isNullLit(a) {
		return nullLit(to), nil
	}
	// TIMESTAMP and BIGINT share the int64 representation.
	if (from.ID() == arrow.TIMESTAMP && to.ID() == arrow.INT64) || (from.ID() == arrow.INT64 && to.ID() == arrow.TIMESTAMP) {
		return &retype{a: a, t: to}, nil
	}
	if from.ID() == arrow.TIMESTAMP && to.ID() == arrow.INT32 {
		return nil, fmt.Errorf("cannot cast %s to %s", from, to)
	}
	var k castKind
	switch typeClass(from) + ">" + typeClass(to) {
	case "int>int":
		k = castIntToInt
	case "int>double":
		k = castIntToDouble
	case "int>decimal":
		k = castIntToDecimal
	case "int>bool":
		k = castIntToBool
	case "int>string":
		k = castIntToString
	case "double>int":
		k = castDoubleToInt
	case "double>decimal":
		k = castDoubleToDecimal
	case "double>bool":
		k = castDoubleToBool
	case "double>string":
		k = castDoubleToString
	case "decimal>int":
		k = castDecimalToInt
	case "decimal>double":
		k = castDecimalToDouble
	case "decimal>decimal":
		k = castDecimalToDecimal
	case "decimal>bool":
		k = castDecimalToBool
	case "decimal>string":
		k = castDecimalToString
	case "bool>int":
		k = castBoolToInt
	case "bool>double":
		k = castBoolToDouble
	case "bool>decimal":
		k = castBoolToDecimal
	case "bool>string":
		k = castBoolToString
	case "string>int":
		k = castStringToInt
	case "string>double":
		k = castStringToDouble
	case "string>decimal":
		k = castStringToDecimal
	case "string>bool":
		k = castStringToBool
	case "string>timestamp":
		k = castStringToTimestamp
	case "timestamp>string":
		k = castTimestampToString
	default:
		return nil, fmt.Errorf("cannot cast %s to %s", from, to)
	}
	return &castNode{a: a, from: from, to: to, kind: k}, nil
}

// retype reinterprets the int64 values under another int64-backed type.
type retype struct {
	a node
	t arrow.DataType
}

func (r *retype) typ() arrow.DataType { return r.t }

func (r *retype) eval(b arrow.RecordBatch, rows int) (vec, error) { return r.a.eval(b, rows) }

func sqlTypeName(t arrow.DataType) string {
	switch t.ID() {
	case arrow.INT64:
		return "INT64"
	case arrow.INT32:
		return "INT32"
	case arrow.FLOAT64:
		return "DOUBLE"
	case arrow.DECIMAL128:
		return decTypeName(t)
	case arrow.BOOL:
		return "BOOL"
	case arrow.STRING:
		return "VARCHAR"
	case arrow.TIMESTAMP:
		return "TIMESTAMP"
	}
	return t.String()
}

func (n *castNode) convErr(s []byte) error {
	return fmt.Errorf("could not convert string '%s' to %s", s, sqlTypeName(n.to))
}

func (n *castNode) rangeErr(v string) error {
	return fmt.Errorf("value %s of type %s is out of range for %s", v, sqlTypeName(n.from), sqlTypeName(n.to))
}

func (n *castNode) eval(b arrow.RecordBatch, rows int) (vec, error) {
	v, err := n.a.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	out := &n.out
	out.valid = v.valid
	ok := func(i int) bool { return v.valid == nil || getBit(v.valid, i) }
	to32 := n.to.ID() == arrow.INT32
	from32 := n.from.ID() == arrow.INT32
	// setInt stores an integer result of either width, reporting overflow.
	if isIntType(n.to) {
		if to32 {
			out.i32 = grow(out.i32, rows)
		} else {
			out.i64 = grow(out.i64, rows)
		}
	}
	switch n.to.ID() {
	case arrow.FLOAT64:
		out.f64 = grow(out.f64, rows)
	case arrow.DECIMAL128:
		out.dec = grow(out.dec, rows)
	case arrow.BOOL:
		out.bits = grow(out.bits, bitmapBytes(rows))
		clear(out.bits)
	case arrow.TIMESTAMP:
		out.i64 = grow(out.i64, rows)
	}
	var prec, scale int32
	if n.to.ID() == arrow.DECIMAL128 {
		prec, scale = decParams(n.to)
	}
	var fromScale int32
	if n.from.ID() == arrow.DECIMAL128 {
		_, fromScale = decParams(n.from)
	}
	getInt := func(i int) int64 {
		if from32 {
			return int64(v.i32[i])
		}
		return v.i64[i]
	}
	switch n.kind {
	case castIntToInt:
		if to32 {
			for i := range out.i32 {
				x := v.i64[i]
				out.i32[i] = int32(x)
				if int64(int32(x)) != x && ok(i) {
					return vec{}, n.rangeErr(strconv.FormatInt(x, 10))
				}
			}
		} else {
			for i, x := range v.i32[:rows] {
				out.i64[i] = int64(x)
			}
		}
	case castIntToDouble:
		if from32 {
			for i, x := range v.i32[:rows] {
				out.f64[i] = float64(x)
			}
		} else {
			for i, x := range v.i64[:rows] {
				out.f64[i] = float64(x)
			}
		}
	case castIntToDecimal:
		m := decimal128.GetScaleMultiplier(int(scale))
		for i := range out.dec {
			x := getInt(i)
			d, good := decMulExact(decimal128.FromI64(x), m)
			if good {
				good = decFits(d, prec)
			}
			if !good && ok(i) {
				return vec{}, fmt.Errorf("could not cast value %d to %s", x, decTypeName(n.to))
			}
			out.dec[i] = d
		}
	case castIntToBool:
		for i := 0; i < rows; i++ {
			out.bits[i>>3] |= b2u(getInt(i) != 0) << (uint(i) & 7)
		}
	case castDoubleToInt:
		lo, hi := -9223372036854775808.0, 9223372036854775808.0
		if to32 {
			lo, hi = -2147483648.5, 2147483647.5
		}
		for i, x := range v.f64[:rows] {
			r := math.RoundToEven(x)
			if !(r >= lo && r < hi) {
				if ok(i) {
					return vec{}, fmt.Errorf("type DOUBLE with value %s can't be cast because the value is out of range for the destination type %s",
						string(appendDouble(nil, x)), sqlTypeName(n.to))
				}
				r = 0
			}
			if to32 {
				out.i32[i] = int32(r)
			} else {
				out.i64[i] = int64(r)
			}
		}
	case castDoubleToDecimal:
		p10 := math.Pow10(int(scale))
		limit := math.Pow10(int(prec))
		for i, x := range v.f64[:rows] {
			r := math.Round(x * p10)
			if !(math.Abs(r) < limit) {
				if ok(i) {
					return vec{}, fmt.Errorf("could not cast value %s to %s", string(appendDouble(nil, x)), decTypeName(n.to))
				}
				r = 0
			}
			if math.Abs(r) < 9e18 {
				out.dec[i] = decimal128.FromI64(int64(r))
			} else {
				bi, _ := new(big.Float).SetFloat64(r).Int(nil)
				out.dec[i] = decimal128.FromBigInt(bi)
			}
		}
	case castDoubleToBool:
		for i, x := range v.f64[:rows] {
			out.bits[i>>3] |= b2u(x != 0) << (uint(i) & 7)
		}
	case castDecimalToInt:
		for i, x := range v.dec[:rows] {
			r := decDivRound(x, fromScale)
			good := fitsInt64(r)
			iv := int64(r.LowBits())
			if to32 {
				good = good && int64(int32(iv)) == iv
				out.i32[i] = int32(iv)
			} else {
				out.i64[i] = iv
			}
			if !good && ok(i) {
				return vec{}, n.rangeErr(x.ToString(fromScale))
			}
		}
	case castDecimalToDouble:
		p10 := math.Pow10(int(fromScale))
		for i, x := range v.dec[:rows] {
			if fitsInt64(x) {
				iv := int64(x.LowBits())
				if iv > -(1<<53) && iv < 1<<53 {
					out.f64[i] = float64(iv) / p10
					continue
				}
			}
			out.f64[i] = x.ToFloat64(fromScale)
		}
	case castDecimalToDecimal:
		for i, x := range v.dec[:rows] {
			r, good := decRescale(x, fromScale, scale, prec)
			if !good && ok(i) {
				return vec{}, fmt.Errorf("could not cast value %s to %s", x.ToString(fromScale), decTypeName(n.to))
			}
			out.dec[i] = r
		}
	case castDecimalToBool:
		for i, x := range v.dec[:rows] {
			out.bits[i>>3] |= b2u(x.Sign() != 0) << (uint(i) & 7)
		}
	case castBoolToInt, castBoolToDouble, castBoolToDecimal:
		one := decimal128.GetScaleMultiplier(int(scale))
		for i := 0; i < rows; i++ {
			t := v.bit(i)
			switch {
			case n.kind == castBoolToDouble:
				out.f64[i] = float64(b2u(t))
			case n.kind == castBoolToDecimal:
				out.dec[i] = decimal128.Num{}
				if t {
					out.dec[i] = one
				}
			case to32:
				out.i32[i] = int32(b2u(t))
			default:
				out.i64[i] = int64(b2u(t))
			}
		}
	case castStringToInt, castStringToDouble, castStringToDecimal, castStringToBool, castStringToTimestamp:
		if err := n.fromString(&v, rows, ok); err != nil {
			return vec{}, err
		}
	case castIntToString, castDoubleToString, castDecimalToString, castBoolToString, castTimestampToString:
		o := &n.sout
		o.reset(rows)
		data := o.data
		for i := 0; i < rows; i++ {
			if ok(i) {
				switch n.kind {
				case castIntToString:
					data = strconv.AppendInt(data, getInt(i), 10)
				case castDoubleToString:
					data = appendDouble(data, v.f64[i])
				case castDecimalToString:
					data = appendDecimal(data, v.dec[i], fromScale)
				case castBoolToString:
					data = strconv.AppendBool(data, v.bit(i))
				case castTimestampToString:
					data = appendTimestamp(data, v.i64[i], &n.days)
				}
			}
			o.offs[i+1] = int32(len(data))
		}
		o.data = data
		return o.vec(v.valid), nil
	}
	return *out, nil
}

func (n *castNode) fromString(v *vec, rows int, ok func(int) bool) error {
	out := &n.out
	to32 := n.to.ID() == arrow.INT32
	var prec, scale int32
	if n.to.ID() == arrow.DECIMAL128 {
		prec, scale = decParams(n.to)
	}
	for i := 0; i < rows; i++ {
		if !ok(i) {
			continue
		}
		s := v.data[v.offs[i]:v.offs[i+1]]
		good := true
		switch n.kind {
		case castStringToInt:
			x, g := parseInt(s)
			if to32 {
				g = g && int64(int32(x)) == x
				out.i32[i] = int32(x)
			} else {
				out.i64[i] = x
			}
			good = g
		case castStringToDouble:
			out.f64[i], good = parseDouble(s, &n.scratch)
		case castStringToDecimal:
			m, e, g := parseNumber(s)
			var d decimal128.Num
			if g {
				d, g = scaleNumber(m, e+scale)
				g = g && decFits(d, prec)
			}
			out.dec[i], good = d, g
		case castStringToBool:
			var b bool
			b, good = parseBool(s)
			if b {
				setBit(out.bits, i)
			}
		case castStringToTimestamp:
			out.i64[i], good = parseTimestamp(s)
		}
		if !good {
			return n.convErr(s)
		}
	}
	return nil
}
