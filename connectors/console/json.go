package console

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// colKind is the closed set of column encodings; the row loop switches on
// it instead of calling through an interface per value.
type colKind uint8

const (
	kInt64 colKind = iota
	kInt32
	kInt16
	kInt8
	kUint64
	kUint32
	kFloat64
	kFloat32
	kBool
	kString
	kLargeString
	kBinary
	kDecimal
	kTimestamp
	kDate32
	kNull
)

// JSONEncoder writes the rows of batches of one schema as JSON objects
// (one key per column, in schema order). Encoding rules: NULL -> null;
// TIMESTAMP -> RFC 3339 UTC string with milliseconds
// ("2015-07-15T00:00:00.000Z"); DATE -> "2006-01-02"; DECIMAL -> an exact
// JSON number; NaN and infinite doubles -> null; BLOB -> base64 string;
// invalid UTF-8 in VARCHAR -> U+FFFD, as encoding/json does.
type JSONEncoder struct {
	keys  [][]byte // `"name":` with the comma before every key but the first
	kinds []colKind
	cols  []colView // reused per batch
}

// colView is one column of the current batch, cast once per batch.
type colView struct {
	arr   arrow.Array
	i64   []int64
	i32   []int32
	i16   []int16
	i8    []int8
	u64   []uint64
	u32   []uint32
	f64   []float64
	f32   []float32
	str   *array.String
	lstr  *array.LargeString
	bin   *array.Binary
	bools *array.Boolean
	dec   []decimal128.Num
	scale int32
	tsDiv int64 // timestamp units per millisecond (0: coarser than ms)
	tsMul int64 // ms per unit (seconds: 1000)
}

// NewJSONEncoder checks that every column type can be encoded.
func NewJSONEncoder(sc *arrow.Schema) (*JSONEncoder, error) {
	e := &JSONEncoder{}
	for i, f := range sc.Fields() {
		k, err := kindOf(f.Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", f.Name, err)
		}
		var key []byte
		if i > 0 {
			key = append(key, ',')
		}
		key = AppendJSONString(key, f.Name)
		key = append(key, ':')
		e.keys = append(e.keys, key)
		e.kinds = append(e.kinds, k)
	}
	e.cols = make([]colView, len(e.kinds))
	return e, nil
}

func kindOf(t arrow.DataType) (colKind, error) {
	switch t.(type) {
	case *arrow.Int64Type:
		return kInt64, nil
	case *arrow.Int32Type:
		return kInt32, nil
	case *arrow.Int16Type:
		return kInt16, nil
	case *arrow.Int8Type:
		return kInt8, nil
	case *arrow.Uint64Type:
		return kUint64, nil
	case *arrow.Uint32Type:
		return kUint32, nil
	case *arrow.Float64Type:
		return kFloat64, nil
	case *arrow.Float32Type:
		return kFloat32, nil
	case *arrow.BooleanType:
		return kBool, nil
	case *arrow.StringType:
		return kString, nil
	case *arrow.LargeStringType:
		return kLargeString, nil
	case *arrow.BinaryType:
		return kBinary, nil
	case *arrow.Decimal128Type:
		return kDecimal, nil
	case *arrow.TimestampType:
		return kTimestamp, nil
	case *arrow.Date32Type:
		return kDate32, nil
	case *arrow.NullType:
		return kNull, nil
	}
	return 0, fmt.Errorf("type %s cannot be written as JSON", t)
}

func (e *JSONEncoder) bind(b arrow.RecordBatch) error {
	if int(b.NumCols()) != len(e.kinds) {
		return fmt.Errorf("batch has %d columns, want %d", b.NumCols(), len(e.kinds))
	}
	for i, k := range e.kinds {
		a := b.Column(i)
		c := colView{arr: a}
		ok := true
		switch k {
		case kInt64:
			var x *array.Int64
			if x, ok = a.(*array.Int64); ok {
				c.i64 = x.Int64Values()
			}
		case kInt32:
			var x *array.Int32
			if x, ok = a.(*array.Int32); ok {
				c.i32 = x.Int32Values()
			}
		case kInt16:
			var x *array.Int16
			if x, ok = a.(*array.Int16); ok {
				c.i16 = x.Int16Values()
			}
		case kInt8:
			var x *array.Int8
			if x, ok = a.(*array.Int8); ok {
				c.i8 = x.Int8Values()
			}
		case kUint64:
			var x *array.Uint64
			if x, ok = a.(*array.Uint64); ok {
				c.u64 = x.Uint64Values()
			}
		case kUint32:
			var x *array.Uint32
			if x, ok = a.(*array.Uint32); ok {
				c.u32 = x.Uint32Values()
			}
		case kFloat64:
			var x *array.Float64
			if x, ok = a.(*array.Float64); ok {
				c.f64 = x.Float64Values()
			}
		case kFloat32:
			var x *array.Float32
			if x, ok = a.(*array.Float32); ok {
				c.f32 = x.Float32Values()
			}
		case kBool:
			c.bools, ok = a.(*array.Boolean)
		case kString:
			c.str, ok = a.(*array.String)
		case kLargeString:
			c.lstr, ok = a.(*array.LargeString)
		case kBinary:
			c.bin, ok = a.(*array.Binary)
		case kDecimal:
			var x *array.Decimal128
			if x, ok = a.(*array.Decimal128); ok {
				c.dec = x.Values()
				c.scale = x.DataType().(*arrow.Decimal128Type).Scale
			}
		case kTimestamp:
			var x *array.Timestamp
			if x, ok = a.(*array.Timestamp); ok {
				c.i64 = arrow.Int64Traits.CastFromBytes(arrow.TimestampTraits.CastToBytes(x.TimestampValues()))
				switch x.DataType().(*arrow.TimestampType).Unit {
				case arrow.Second:
					c.tsMul = 1000
				case arrow.Millisecond:
					c.tsDiv = 1
				case arrow.Microsecond:
					c.tsDiv = 1000
				case arrow.Nanosecond:
					c.tsDiv = 1000000
				}
			}
		case kDate32:
			var x *array.Date32
			if x, ok = a.(*array.Date32); ok {
				c.i32 = arrow.Int32Traits.CastFromBytes(arrow.Date32Traits.CastToBytes(x.Date32Values()))
			}
		}
		if !ok {
			return fmt.Errorf("column %d is %s, not the schema's type", i, a.DataType())
		}
		e.cols[i] = c
	}
	return nil
}

// AppendBatch appends every row of b as a JSON object followed by '\n'.
func (e *JSONEncoder) AppendBatch(dst []byte, b arrow.RecordBatch) ([]byte, error) {
	if err := e.bind(b); err != nil {
		return dst, err
	}
	n := int(b.NumRows())
	for r := 0; r < n; r++ {
		dst = e.appendRow(dst, r)
		dst = append(dst, '\n')
	}
	e.unbind()
	return dst, nil
}

// AppendRows appends rows [from, to) of b, each followed by '\n' (for
// writers that flush in chunks).
func (e *JSONEncoder) AppendRows(dst []byte, b arrow.RecordBatch, from, to int) ([]byte, error) {
	if err := e.bind(b); err != nil {
		return dst, err
	}
	for r := from; r < to; r++ {
		dst = e.appendRow(dst, r)
		dst = append(dst, '\n')
	}
	e.unbind()
	return dst, nil
}

func (e *JSONEncoder) unbind() {
	for i := range e.cols {
		e.cols[i] = colView{}
	}
}

func (e *JSONEncoder) appendRow(dst []byte, r int) []byte {
	dst = append(dst, '{')
	for i, k := range e.kinds {
		dst = append(dst, e.keys[i]...)
		c := &e.cols[i]
		if c.arr.IsNull(r) {
			dst = append(dst, "null"...)
			continue
		}
		switch k {
		case kInt64:
			dst = strconv.AppendInt(dst, c.i64[r], 10)
		case kInt32:
			dst = strconv.AppendInt(dst, int64(c.i32[r]), 10)
		case kInt16:
			dst = strconv.AppendInt(dst, int64(c.i16[r]), 10)
		case kInt8:
			dst = strconv.AppendInt(dst, int64(c.i8[r]), 10)
		case kUint64:
			dst = strconv.AppendUint(dst, c.u64[r], 10)
		case kUint32:
			dst = strconv.AppendUint(dst, uint64(c.u32[r]), 10)
		case kFloat64:
			dst = appendFloat(dst, c.f64[r], 64)
		case kFloat32:
			dst = appendFloat(dst, float64(c.f32[r]), 32)
		case kBool:
			dst = strconv.AppendBool(dst, c.bools.Value(r))
		case kString:
			dst = AppendJSONString(dst, c.str.Value(r))
		case kLargeString:
			dst = AppendJSONString(dst, c.lstr.Value(r))
		case kBinary:
			v := c.bin.Value(r)
			dst = append(dst, '"')
			dst = base64.StdEncoding.AppendEncode(dst, v)
			dst = append(dst, '"')
		case kDecimal:
			dst = AppendDecimal(dst, c.dec[r], c.scale)
		case kTimestamp:
			v := c.i64[r]
			if c.tsMul != 0 {
				v *= c.tsMul
			} else if c.tsDiv > 1 {
				v = floorDiv(v, c.tsDiv)
			}
			dst = append(dst, '"')
			dst = AppendTimestampMs(dst, v)
			dst = append(dst, '"')
		case kDate32:
			dst = append(dst, '"')
			dst = appendDate(dst, int64(c.i32[r]))
			dst = append(dst, '"')
		case kNull:
			dst = append(dst, "null"...)
		}
	}
	return append(dst, '}')
}

// appendFloat writes v like encoding/json: NaN and infinities (not JSON)
// become null.
func appendFloat(dst []byte, v float64, bits int) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(dst, "null"...)
	}
	fmtc := byte('f')
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		fmtc = 'e'
	}
	return strconv.AppendFloat(dst, v, fmtc, -1, bits)
}

// AppendDecimal writes n with scale digits after the point, exactly.
func AppendDecimal(dst []byte, n decimal128.Num, scale int32) []byte {
	var digits []byte
	var tmp [40]byte
	hi, lo := n.HighBits(), n.LowBits()
	neg := hi < 0
	if (hi == 0 && lo <= math.MaxInt64) || (hi == -1 && lo > math.MaxInt64) {
		v := int64(lo)
		if neg {
			// -MinInt64 does not fit; go through uint64.
			digits = strconv.AppendUint(tmp[:0], uint64(-(v+1))+1, 10)
		} else {
			digits = strconv.AppendUint(tmp[:0], uint64(v), 10)
		}
	} else {
		b := n.BigInt()
		digits = b.Abs(b).Append(tmp[:0], 10)
	}
	if neg {
		dst = append(dst, '-')
	}
	if scale <= 0 {
		dst = append(dst, digits...)
		for i := int32(0); i < -scale; i++ {
			dst = append(dst, '0')
		}
		return dst
	}
	s := int(scale)
	if len(digits) <= s {
		dst = append(dst, '0', '.')
		for i := len(digits); i < s; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:len(digits)-s]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-s:]...)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// AppendTimestampMs writes epoch milliseconds as RFC 3339 UTC with exactly
// three fraction digits, without going through time.Time.
func AppendTimestampMs(dst []byte, ms int64) []byte {
	days := floorDiv(ms, 86400000)
	rem := ms - days*86400000
	dst = appendDate(dst, days)
	h := rem / 3600000
	m := rem / 60000 % 60
	sec := rem / 1000 % 60
	frac := rem % 1000
	return append(dst, 'T',
		byte('0'+h/10), byte('0'+h%10), ':',
		byte('0'+m/10), byte('0'+m%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), '.',
		byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10), 'Z')
}

// appendDate writes days since the epoch as YYYY-MM-DD (proleptic
// Gregorian; Howard Hinnant's civil_from_days).
func appendDate(dst []byte, days int64) []byte {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	if y >= 0 && y <= 9999 {
		dst = append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
	} else {
		dst = strconv.AppendInt(dst, y, 10)
	}
	return append(dst, '-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}

const hexDigits = "0123456789abcdef"

// needsEscape marks ASCII bytes that cannot appear raw in a JSON string.
var needsEscape = func() (t [256]bool) {
	for i := 0; i < 0x20; i++ {
		t[i] = true
	}
	t['"'], t['\\'] = true, true
	for i := 0x80; i < 0x100; i++ {
		t[i] = true // multi-byte UTF-8: checked for validity
	}
	return
}()

// AppendJSONString writes s as a JSON string literal.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if !needsEscape[c] {
			i++
			continue
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
				i++
				start = i
				continue
			}
			// U+2028 and U+2029 break JavaScript parsers; escape them too.
			if r == '\u2028' || r == '\u2029' {
				dst = append(dst, s[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
