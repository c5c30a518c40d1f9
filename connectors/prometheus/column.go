package prometheus

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

type colKind uint8

const (
	kindInt64 colKind = iota
	kindInt32
	kindFloat64
	kindDecimal
	kindString
	kindBool
	kindTimestamp
)

// column reads one input column of a batch through its typed buffers:
// bind switches on the Arrow type once per batch, and the per-row
// accessors switch on a small closed kind (no interface call per value).
type column struct {
	idx    int
	kind   colKind
	scale  int32  // decimal
	metric string // value column: its metric name; label column: its label name

	arr  arrow.Array
	i64  []int64
	i32  []int32
	f64  []float64
	dec  []decimal128.Num
	ts   []arrow.Timestamp
	str  *array.String
	bool *array.Boolean
}

func newColumn(idx int, t arrow.DataType) (column, error) {
	c := column{idx: idx}
	switch t.ID() {
	case arrow.INT64:
		c.kind = kindInt64
	case arrow.INT32:
		c.kind = kindInt32
	case arrow.FLOAT64:
		c.kind = kindFloat64
	case arrow.DECIMAL128:
		c.kind = kindDecimal
		c.scale = t.(*arrow.Decimal128Type).Scale
	case arrow.STRING:
		c.kind = kindString
	case arrow.BOOL:
		c.kind = kindBool
	case arrow.TIMESTAMP:
		c.kind = kindTimestamp
	default:
		return c, fmt.Errorf("type %s cannot be written to Prometheus", t)
	}
	return c, nil
}

func (c *column) numeric() bool {
	return c.kind == kindInt64 || c.kind == kindInt32 || c.kind == kindFloat64 || c.kind == kindDecimal
}

func (c *column) bind(a arrow.Array) {
	c.arr = a
	switch c.kind {
	case kindInt64:
		c.i64 = a.(*array.Int64).Int64Values()
	case kindInt32:
		c.i32 = a.(*array.Int32).Int32Values()
	case kindFloat64:
		c.f64 = a.(*array.Float64).Float64Values()
	case kindDecimal:
		c.dec = a.(*array.Decimal128).Values()
	case kindString:
		c.str = a.(*array.String)
	case kindBool:
		c.bool = a.(*array.Boolean)
	case kindTimestamp:
		c.ts = a.(*array.Timestamp).TimestampValues()
	}
}

func (c *column) isNull(i int) bool { return c.arr.NullN() > 0 && c.arr.IsNull(i) }

// float reads a numeric value (the caller checked it is not NULL).
func (c *column) float(i int) float64 {
	switch c.kind {
	case kindInt64:
		return float64(c.i64[i])
	case kindInt32:
		return float64(c.i32[i])
	case kindFloat64:
		return c.f64[i]
	case kindDecimal:
		return c.dec[i].ToFloat64(c.scale)
	}
	return 0
}

// appendText appends the label text of row i; NULL appends nothing, which
// Prometheus reads as "no such label", as it reads an empty value.
func (c *column) appendText(buf []byte, i int) []byte {
	if c.isNull(i) {
		return buf
	}
	switch c.kind {
	case kindInt64:
		return strconv.AppendInt(buf, c.i64[i], 10)
	case kindInt32:
		return strconv.AppendInt(buf, int64(c.i32[i]), 10)
	case kindFloat64:
		return strconv.AppendFloat(buf, c.f64[i], 'g', -1, 64)
	case kindDecimal:
		return append(buf, c.dec[i].ToString(c.scale)...)
	case kindString:
		v := c.str.Value(i)
		if strings.IndexByte(v, 0xff) < 0 {
			return append(buf, v...)
		}
		// 0xff separates values in the series key; it is invalid UTF-8
		// and becomes U+FFFD in the label anyway.
		for j := 0; j < len(v); j++ {
			if v[j] == 0xff {
				buf = append(buf, 0xfe)
			} else {
				buf = append(buf, v[j])
			}
		}
		return buf
	case kindBool:
		return strconv.AppendBool(buf, c.bool.Value(i))
	case kindTimestamp:
		return time.UnixMilli(int64(c.ts[i])).UTC().AppendFormat(buf, "2006-01-02T15:04:05.000Z")
	}
	return buf
}
