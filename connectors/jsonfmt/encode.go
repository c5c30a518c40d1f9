package jsonfmt

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Encoder writes rows of batches of one schema as JSON objects:
// {"col":value,...} in schema order, NULL as null, TIMESTAMP as an RFC 3339
// UTC string with milliseconds ("2015-07-15T00:00:00.000Z"), DECIMAL as an
// exact JSON number, DOUBLE NaN and infinities as null (JSON has no such
// numbers). Invalid UTF-8 in a string becomes U+FFFD so the output is
// always valid JSON.
//
// Bind a batch once, then append its rows: the column types are resolved
// at Bind, so AppendRow does no type switch on interfaces.
type Encoder struct {
	schema *arrow.Schema
	cols   []encCol // the encoded columns, in order
	all    []encCol // every column, for AppendText
}

type encCol struct {
	idx    int
	kind   kind
	scale  int32
	prefix []byte // `"name":`, with a leading ',' after the first column

	// Bound to the current batch.
	valid []byte // nil when the column has no nulls
	off   int
	i64   []int64
	ts    []arrow.Timestamp
	i32   []int32
	f64   []float64
	dec   []decimal128.Num
	bools *array.Boolean
	offs  []int32
	data  []byte
}

// EncoderOptions configure an Encoder.
type EncoderOptions struct {
	// Skip lists column indexes to leave out of the objects (the
	// __deleted column of an upsert stream).
	Skip []int
}

// NewEncoder returns an encoder for batches of schema.
func NewEncoder(schema *arrow.Schema, opts EncoderOptions) (*Encoder, error) {
	e := &Encoder{schema: schema}
	skip := make(map[int]bool, len(opts.Skip))
	for _, s := range opts.Skip {
		skip[s] = true
	}
	for i, f := range schema.Fields() {
		c := encCol{idx: i}
		switch t := f.Type.(type) {
		case *arrow.Int64Type:
			c.kind = kInt64
		case *arrow.Int32Type:
			c.kind = kInt32
		case *arrow.Float64Type:
			c.kind = kFloat64
		case *arrow.Decimal128Type:
			c.kind, c.scale = kDecimal, t.Scale
		case *arrow.StringType:
			c.kind = kString
		case *arrow.BooleanType:
			c.kind = kBool
		case *arrow.TimestampType:
			if t.Unit != arrow.Millisecond {
				return nil, fmt.Errorf("json encoder: column %q: only millisecond timestamps are supported, not %s", f.Name, t)
			}
			c.kind = kTimestamp
		default:
			return nil, fmt.Errorf("json encoder: column %q has type %s, which has no JSON encoding", f.Name, f.Type)
		}
		e.all = append(e.all, c)
		if skip[i] {
			continue
		}
		if len(e.cols) > 0 {
			c.prefix = append(c.prefix, ',')
		}
		c.prefix = appendString(c.prefix, []byte(f.Name))
		c.prefix = append(c.prefix, ':')
		e.cols = append(e.cols, c)
	}
	return e, nil
}

// Bind makes rec the batch AppendRow and AppendText read. rec must have
// the encoder's schema (same column types) and stay alive while in use.
func (e *Encoder) Bind(rec arrow.RecordBatch) error {
	if int(rec.NumCols()) != len(e.all) {
		return fmt.Errorf("json encoder: batch has %d columns, schema has %d", rec.NumCols(), len(e.all))
	}
	for i := range e.all {
		if err := e.all[i].bind(rec.Column(i)); err != nil {
			return fmt.Errorf("json encoder: column %q: %w", e.schema.Field(i).Name, err)
		}
	}
	for i := range e.cols {
		p := e.cols[i].prefix
		e.cols[i] = e.all[e.cols[i].idx]
		e.cols[i].prefix = p
	}
	return nil
}

func (c *encCol) bind(a arrow.Array) error {
	// The typed value slices start at the array's offset already; only the
	// validity bitmap is indexed with it.
	*c = encCol{idx: c.idx, kind: c.kind, scale: c.scale, prefix: c.prefix, off: a.Data().Offset()}
	if a.NullN() > 0 {
		c.valid = a.NullBitmapBytes()
	}
	ok := true
	switch c.kind {
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
	case kFloat64:
		var x *array.Float64
		if x, ok = a.(*array.Float64); ok {
			c.f64 = x.Float64Values()
		}
	case kDecimal:
		var x *array.Decimal128
		if x, ok = a.(*array.Decimal128); ok {
			c.dec = x.Values()
		}
	case kTimestamp:
		var x *array.Timestamp
		if x, ok = a.(*array.Timestamp); ok {
			c.ts = x.TimestampValues()
		}
	case kBool:
		c.bools, ok = a.(*array.Boolean)
	case kString:
		var x *array.String
		if x, ok = a.(*array.String); ok {
			c.offs = x.ValueOffsets()
			if bufs := x.Data().Buffers(); len(bufs) > 2 && bufs[2] != nil {
				c.data = bufs[2].Bytes()
			}
		}
	}
	if !ok {
		return fmt.Errorf("unexpected array type %s", a.DataType())
	}
	return nil
}

func (c *encCol) isNull(row int) bool {
	return c.valid != nil && !bitutil.BitIsSet(c.valid, c.off+row)
}

// AppendRow appends row of the bound batch as a JSON object.
func (e *Encoder) AppendRow(dst []byte, row int) []byte {
	dst = append(dst, '{')
	for i := range e.cols {
		c := &e.cols[i]
		dst = append(dst, c.prefix...)
		dst = c.appendJSON(dst, row)
	}
	return append(dst, '}')
}

// AppendText appends the value of column col at row as plain text, for
// Kafka record keys: a string's bytes unquoted, any other value as its
// JSON text. It reports false (appending nothing) for NULL.
func (e *Encoder) AppendText(dst []byte, col, row int) ([]byte, bool) {
	c := &e.all[col]
	if c.isNull(row) {
		return dst, false
	}
	if c.kind == kString {
		return append(dst, c.data[c.offs[row]:c.offs[row+1]]...), true
	}
	if c.kind == kTimestamp {
		return appendTimestamp(dst, int64(c.ts[row])), true
	}
	return c.appendJSON(dst, row), true
}

// AppendObject appends the columns cols of row as a JSON object (a
// composite record key).
func (e *Encoder) AppendObject(dst []byte, cols []int, row int) []byte {
	dst = append(dst, '{')
	for k, ci := range cols {
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, []byte(e.schema.Field(ci).Name))
		dst = append(dst, ':')
		dst = e.all[ci].appendJSON(dst, row)
	}
	return append(dst, '}')
}

func (c *encCol) appendJSON(dst []byte, row int) []byte {
	if c.isNull(row) {
		return append(dst, "null"...)
	}
	switch c.kind {
	case kInt64:
		return strconv.AppendInt(dst, c.i64[row], 10)
	case kInt32:
		return strconv.AppendInt(dst, int64(c.i32[row]), 10)
	case kFloat64:
		return appendFloat(dst, c.f64[row])
	case kDecimal:
		return appendDecimal(dst, c.dec[row], c.scale)
	case kBool:
		if c.bools.Value(row) {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case kTimestamp:
		dst = append(dst, '"')
		dst = appendTimestamp(dst, int64(c.ts[row]))
		return append(dst, '"')
	default:
		return appendString(dst, c.data[c.offs[row]:c.offs[row+1]])
	}
}

// appendFloat formats like encoding/json (and JavaScript): plain notation
// for 1e-6 <= |f| < 1e21, exponent notation outside.
func appendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-07 -> e-7
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string.
func appendString(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if strPlain[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
				i++
				start = i
				continue
			}
			i += n
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
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
