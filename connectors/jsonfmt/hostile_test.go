package jsonfmt

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

var tsMs = &arrow.TimestampType{Unit: arrow.Millisecond}

// Hostile records at the source boundary: each is refused with a reason
// that names the problem (it becomes a dead letter) or decodes to the
// exact value; none panics, hangs or leaves a partial row.
func TestHostileRecords(t *testing.T) {
	deep := func(n int, open, close string) string {
		return `{"v":1,"x":` + strings.Repeat(open, n) + strings.Repeat(close, n) + `}`
	}
	cases := []struct {
		name string
		typ  arrow.DataType
		raw  string
		err  string // "" = accepted
		want any    // int64, float64, string or nil (NULL) when accepted
	}{
		{"truncated object", arrow.PrimitiveTypes.Int64, `{"v":1`, "unexpected end of input", nil},
		{"truncated value", arrow.PrimitiveTypes.Int64, `{"v":`, "unexpected end of input", nil},
		{"truncated string", arrow.BinaryTypes.String, `{"v":"abc`, "unexpected end of input", nil},
		{"empty", arrow.PrimitiveTypes.Int64, ``, "empty record", nil},
		{"not an object", arrow.PrimitiveTypes.Int64, `[1]`, "expected a JSON object", nil},
		{"bare null", arrow.PrimitiveTypes.Int64, `null`, "expected a JSON object", nil},
		{"trailing garbage", arrow.PrimitiveTypes.Int64, `{"v":1}x`, "invalid JSON", nil},
		{"two objects", arrow.PrimitiveTypes.Int64, `{"v":1}{"v":2}`, "invalid JSON", nil},
		{"string for bigint", arrow.PrimitiveTypes.Int64, `{"v":"1"}`, `expected an integer (BIGINT), got "1"`, nil},
		{"object for double", arrow.PrimitiveTypes.Float64, `{"v":{}}`, "expected a number (DOUBLE)", nil},
		{"bool for varchar", arrow.BinaryTypes.String, `{"v":true}`, "expected a string (VARCHAR)", nil},
		{"1e400 double", arrow.PrimitiveTypes.Float64, `{"v":1e400}`, "out of range", nil},
		{"-1e400 double", arrow.PrimitiveTypes.Float64, `{"v":-1e400}`, "out of range", nil},
		{"1e-400 double underflows to 0", arrow.PrimitiveTypes.Float64, `{"v":1e-400}`, "", float64(0)},
		{"2^64 bigint", arrow.PrimitiveTypes.Int64, `{"v":99999999999999999999}`, "out of range for BIGINT", nil},
		{"2^63 bigint", arrow.PrimitiveTypes.Int64, `{"v":9223372036854775808}`, "out of range for BIGINT", nil},
		{"-2^63 bigint", arrow.PrimitiveTypes.Int64, `{"v":-9223372036854775808}`, "", int64(-9223372036854775808)},
		{"1e400 bigint", arrow.PrimitiveTypes.Int64, `{"v":1e400}`, "out of range for BIGINT", nil},
		{"-0 bigint", arrow.PrimitiveTypes.Int64, `{"v":-0}`, "", int64(0)},
		{"-0.0 double", arrow.PrimitiveTypes.Float64, `{"v":-0.0}`, "", float64(0)},
		{"NaN literal", arrow.PrimitiveTypes.Float64, `{"v":NaN}`, "invalid JSON", nil},
		{"NaN text", arrow.PrimitiveTypes.Float64, `{"v":"NaN"}`, `expected a number (DOUBLE), got "NaN"`, nil},
		{"Infinity literal", arrow.PrimitiveTypes.Float64, `{"v":Infinity}`, "invalid JSON", nil},
		{"leading zeros", arrow.PrimitiveTypes.Int64, `{"v":007}`, "invalid JSON", nil},
		{"invalid UTF-8", arrow.BinaryTypes.String, "{\"v\":\"a\xffb\"}", "invalid UTF-8", nil},
		{"invalid UTF-8 in an unknown field", arrow.BinaryTypes.String, "{\"v\":\"a\",\"w\":\"\xc3\"}", "invalid UTF-8", nil},
		{"invalid UTF-8 in a key", arrow.BinaryTypes.String, "{\"v\xfe\":\"a\"}", "invalid UTF-8", nil},
		{"overlong UTF-8", arrow.BinaryTypes.String, "{\"v\":\"\xc0\xaf\"}", "invalid UTF-8", nil},
		{"unpaired UTF-16 surrogate escape", arrow.BinaryTypes.String, `{"v":"\ud800"}`, "unpaired UTF-16 surrogate", nil},
		{"NUL escape", arrow.BinaryTypes.String, `{"v":"a\u0000b"}`, "", "a\x00b"},
		{"raw control char", arrow.BinaryTypes.String, "{\"v\":\"a\x01b\"}", "invalid", nil},
		{"100k nested arrays", arrow.PrimitiveTypes.Int64, deep(100_000, "[", "]"), "nested deeper than", nil},
		{"100k nested objects", arrow.PrimitiveTypes.Int64, deep(100_000, `{"a":`, "}"), "nested deeper than", nil},
		{"100k nested in the column", arrow.PrimitiveTypes.Int64, `{"v":` + strings.Repeat("[", 100_000), "nested deeper than", nil},
		{"100k unclosed", arrow.PrimitiveTypes.Int64, `{"x":` + strings.Repeat(`{"a":[`, 100_000), "nested deeper than", nil},
		{"timestamp 1969", tsMs, `{"v":"1969-07-20T20:17:40Z"}`, "", int64(-14182940000)},
		{"timestamp year 1", tsMs, `{"v":"0001-01-01T00:00:00Z"}`, "", int64(-62135596800000)},
		{"timestamp year 9999", tsMs, `{"v":"9999-12-31T23:59:59.999Z"}`, "", int64(MaxTimestampMs)},
		{"timestamp after 9999 by offset", tsMs, `{"v":"9999-12-31T23:59:59-01:00"}`, "not a valid timestamp", nil},
		{"epoch ms after 9999", tsMs, `{"v":253402300800000}`, "years 0000 to 9999", nil},
		{"epoch ms int64 max", tsMs, `{"v":9223372036854775807}`, "years 0000 to 9999", nil},
		{"epoch ms int64 min", tsMs, `{"v":-9223372036854775808}`, "years 0000 to 9999", nil},
		{"epoch ms before year 0", tsMs, `{"v":-62167219200001}`, "years 0000 to 9999", nil},
		{"epoch ms 1e400", tsMs, `{"v":1e400}`, "not a valid timestamp", nil},
		{"year 10000 text", tsMs, `{"v":"10000-01-01T00:00:00Z"}`, "not a valid timestamp", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			col, err := decodeOne(t, c.typ, c.raw)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			var got any
			switch a := col.(type) {
			case *array.Int64:
				got = a.Value(0)
			case *array.Float64:
				got = a.Value(0)
			case *array.String:
				got = a.Value(0)
			case *array.Timestamp:
				got = int64(a.Value(0))
			}
			if got != c.want {
				t.Fatalf("got %v (%T), want %v", got, got, c.want)
			}
		})
	}
}

// A 10 MB record decodes in bounded time and memory: the decoder has no
// size limit of its own (sources bound records, see the kafka source).
func TestHugeRecord(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 10<<20)
	raw := append(append([]byte(`{"v":"`), big...), `","pad":[`+strings.Repeat("1,", 1<<20)+`1]}`...)
	start := time.Now()
	col, err := decodeOne(t, arrow.BinaryTypes.String, string(raw))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(col.(*array.String).Value(0)); n != len(big) {
		t.Fatalf("%d bytes decoded, want %d", n, len(big))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("10 MB record took %v", d)
	}
}
