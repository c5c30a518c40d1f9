package exec

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// AppendRowJSON appends row `row` of b as a JSON object to dst. It is for
// cold paths (dead letters for late or unusable rows), not for sinks.
func AppendRowJSON(dst []byte, b arrow.RecordBatch, row int) []byte {
	dst = append(dst, '{')
	for c := 0; c < int(b.NumCols()); c++ {
		if c > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendQuote(dst, b.ColumnName(c))
		dst = append(dst, ':')
		dst = appendValueJSON(dst, b.Column(c), row)
	}
	return append(dst, '}')
}

func appendValueJSON(dst []byte, col arrow.Array, row int) []byte {
	if col.IsNull(row) {
		return append(dst, "null"...)
	}
	switch a := col.(type) {
	case *array.Int64:
		return strconv.AppendInt(dst, a.Value(row), 10)
	case *array.Int32:
		return strconv.AppendInt(dst, int64(a.Value(row)), 10)
	case *array.Float64:
		return strconv.AppendFloat(dst, a.Value(row), 'g', -1, 64)
	case *array.Boolean:
		return strconv.AppendBool(dst, a.Value(row))
	case *array.String:
		s := a.Value(row)
		if !utf8.ValidString(s) {
			s = strconv.QuoteToASCII(s)
		}
		return strconv.AppendQuote(dst, s)
	case *array.Timestamp:
		t := time.UnixMilli(int64(a.Value(row))).UTC()
		return strconv.AppendQuote(dst, t.Format("2006-01-02T15:04:05.000Z"))
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		return append(dst, a.Value(row).ToString(dt.Scale)...)
	default:
		return strconv.AppendQuote(dst, col.ValueStr(row))
	}
}
