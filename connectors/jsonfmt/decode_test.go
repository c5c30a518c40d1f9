package jsonfmt

import (
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var tsType = &arrow.TimestampType{Unit: arrow.Millisecond}

func newChecked(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func schemaOf(fields ...arrow.Field) *arrow.Schema { return arrow.NewSchema(fields, nil) }

func field(name string, t arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: true}
}

// decodeOne decodes raw into a one-column batch and returns the batch (or
// the error).
func decodeOne(t *testing.T, typ arrow.DataType, raw string) (arrow.Array, error) {
	t.Helper()
	mem := newChecked(t)
	d, err := NewDecoder(schemaOf(field("v", typ)), mem, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Append([]byte(raw)); err != nil {
		rec := d.NewBatch()
		if rec.NumRows() != 0 {
			t.Fatalf("failed Append left %d rows", rec.NumRows())
		}
		rec.Release()
		return nil, err
	}
	rec := d.NewBatch()
	defer rec.Release()
	col := rec.Column(0)
	col.Retain()
	t.Cleanup(col.Release)
	return col, nil
}

func TestDecodeIntegers(t *testing.T) {
	cases := []struct {
		raw  string
		want int64
		err  string
	}{
		{`{"v":0}`, 0, ""},
		{`{"v":-0}`, 0, ""},
		{`{"v":42}`, 42, ""},
		{`{"v":-17}`, -17, ""},
		{`{"v":9223372036854775807}`, 9223372036854775807, ""},
		{`{"v":-9223372036854775808}`, -9223372036854775808, ""},
		{`{"v":9223372036854775808}`, 0, `field "v": 9223372036854775808 is out of range for BIGINT`},
		{`{"v":-9223372036854775809}`, 0, "out of range"},
		{`{"v":99999999999999999999999}`, 0, "out of range"},
		{`{"v":3.0}`, 3, ""},
		{`{"v":1e3}`, 1000, ""},
		{`{"v":1.5e1}`, 15, ""},
		{`{"v":12.50e1}`, 125, ""},
		{`{"v":1500e-2}`, 15, ""},
		{`{"v":0.0e99999}`, 0, ""},
		{`{"v":1e19}`, 0, "out of range"},
		{`{"v":9.223372036854775807e18}`, 9223372036854775807, ""},
		{`{"v":3.5}`, 0, `field "v": expected an integer (BIGINT), got 3.5`},
		{`{"v":1e-1}`, 0, "expected an integer"},
		{`{"v":"3"}`, 0, `field "v": expected an integer (BIGINT), got "3"`},
		{`{"v":true}`, 0, `got true`},
		{`{"v":[1]}`, 0, `got an array`},
		{`{"v":{"a":1}}`, 0, `got an object`},
		{`{"v":01}`, 0, "invalid JSON"},
		{`{"v":-}`, 0, "invalid JSON"},
		{`{"v":1.}`, 0, "invalid JSON"},
		{`{"v":1e}`, 0, "invalid JSON"},
		{`{"v":+1}`, 0, "invalid JSON"},
	}
	for _, c := range cases {
		col, err := decodeOne(t, arrow.PrimitiveTypes.Int64, c.raw)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.raw, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.raw, err)
			continue
		}
		if got := col.(*array.Int64).Value(0); got != c.want {
			t.Errorf("%s: got %d, want %d", c.raw, got, c.want)
		}
	}
	col, err := decodeOne(t, arrow.PrimitiveTypes.Int32, `{"v":2147483647}`)
	if err != nil || col.(*array.Int32).Value(0) != 2147483647 {
		t.Errorf("int32 max: %v", err)
	}
	if _, err := decodeOne(t, arrow.PrimitiveTypes.Int32, `{"v":2147483648}`); err == nil ||
		err.Error() != `field "v": 2147483648 is out of range for INT` {
		t.Errorf("int32 overflow: %v", err)
	}
}

func TestDecodeDoubles(t *testing.T) {
	cases := []struct {
		raw  string
		want float64
		err  string
	}{
		{`{"v":1}`, 1, ""},
		{`{"v":-2.5}`, -2.5, ""},
		{`{"v":0.1}`, 0.1, ""},
		{`{"v":1e308}`, 1e308, ""},
		{`{"v":123456789012345678}`, 123456789012345678, ""},
		{`{"v":4.9e-324}`, 4.9e-324, ""},
		{`{"v":1e309}`, 0, `field "v": 1e309 is out of range for DOUBLE`},
		{`{"v":"1.5"}`, 0, `field "v": expected a number (DOUBLE), got "1.5"`},
		{`{"v":false}`, 0, "got false"},
	}
	for _, c := range cases {
		col, err := decodeOne(t, arrow.PrimitiveTypes.Float64, c.raw)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.raw, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.raw, err)
			continue
		}
		if got := col.(*array.Float64).Value(0); got != c.want {
			t.Errorf("%s: got %v, want %v", c.raw, got, c.want)
		}
	}
}

func TestDecodeDecimals(t *testing.T) {
	cases := []struct {
		p, s int32
		raw  string
		want string // decimal128 ToString
		err  string
	}{
		{10, 2, `{"v":12.34}`, "12.34", ""},
		{10, 2, `{"v":-12.34}`, "-12.34", ""},
		{10, 2, `{"v":12}`, "12.00", ""},
		{10, 2, `{"v":0.1}`, "0.10", ""},
		{10, 2, `{"v":1.005}`, "1.01", ""},   // half away from zero
		{10, 2, `{"v":-1.005}`, "-1.01", ""}, // half away from zero
		{10, 2, `{"v":1.00499}`, "1.00", ""},
		{10, 2, `{"v":0.004}`, "0.00", ""},
		{10, 2, `{"v":1.5e2}`, "150.00", ""},
		{10, 2, `{"v":15e-3}`, "0.02", ""},
		{10, 2, `{"v":99999999.99}`, "99999999.99", ""},
		{10, 2, `{"v":99999999.995}`, "", `field "v": 99999999.995 is out of range for DECIMAL(10,2)`},
		{10, 2, `{"v":100000000}`, "", "out of range"},
		{10, 2, `{"v":1e100}`, "", "out of range"},
		{10, 2, `{"v":1e-100}`, "0.00", ""},
		{38, 0, `{"v":99999999999999999999999999999999999999}`, "99999999999999999999999999999999999999", ""},
		{38, 0, `{"v":100000000000000000000000000000000000000}`, "", "out of range"},
		{38, 10, `{"v":1234567890123456789012345678.0123456789}`, "1234567890123456789012345678.0123456789", ""},
		{5, 0, `{"v":"12"}`, "", `field "v": expected a number (DECIMAL(5,0)), got "12"`},
	}
	for _, c := range cases {
		col, err := decodeOne(t, &arrow.Decimal128Type{Precision: c.p, Scale: c.s}, c.raw)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.raw, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.raw, err)
			continue
		}
		got := col.(*array.Decimal128).Value(0)
		want, err := decimal128.FromString(c.want, c.p, c.s)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s DECIMAL(%d,%d): got %s, want %s", c.raw, c.p, c.s, got.ToString(c.s), c.want)
		}
	}
}

func TestDecodeStrings(t *testing.T) {
	cases := []struct {
		raw, want, err string
	}{
		{`{"v":"abc"}`, "abc", ""},
		{`{"v":""}`, "", ""},
		{`{"v":"a\"b\\c\/d\b\f\n\r\t"}`, "a\"b\\c/d\b\f\n\r\t", ""},
		{`{"v":"\u00e9\u20AC"}`, "é€", ""},
		{`{"v":"\ud83d\ude00!"}`, "😀!", ""},
		{`{"v":"héllo 世界"}`, "héllo 世界", ""},
		{`{"v":"\ud83d"}`, "", "unpaired UTF-16 surrogate"},
		{`{"v":"\ude00"}`, "", "unpaired UTF-16 surrogate"},
		{`{"v":"\ud83d\u0041"}`, "", "unpaired UTF-16 surrogate"},
		{`{"v":"\u12"}`, "", "4 hex digits"},
		{`{"v":"\x"}`, "", `invalid escape \x`},
		{"{\"v\":\"a\x01\"}", "", "control character"},
		{"{\"v\":\"a\xff\"}", "", "invalid UTF-8"},
		{"{\"v\":\"\xc3\"}", "", "invalid UTF-8"},
		{"{\"v\":\"\xed\xa0\x80\"}", "", "invalid UTF-8"}, // encoded surrogate
		{`{"v":12}`, "", `field "v": expected a string (VARCHAR), got 12`},
		{`{"v":true}`, "", `got true`},
		{`{"v":"abc`, "", "unterminated string"},
	}
	for _, c := range cases {
		col, err := decodeOne(t, arrow.BinaryTypes.String, c.raw)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.raw, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.raw, err)
			continue
		}
		if got := col.(*array.String).Value(0); got != c.want {
			t.Errorf("%q: got %q, want %q", c.raw, got, c.want)
		}
	}
}

func TestDecodeBooleans(t *testing.T) {
	for raw, want := range map[string]bool{`{"v":true}`: true, `{"v":false}`: false} {
		col, err := decodeOne(t, arrow.FixedWidthTypes.Boolean, raw)
		if err != nil || col.(*array.Boolean).Value(0) != want {
			t.Errorf("%s: %v", raw, err)
		}
	}
	for raw, want := range map[string]string{
		`{"v":1}`:      `field "v": expected true or false (BOOLEAN), got 1`,
		`{"v":"true"}`: `got "true"`,
		`{"v":tru}`:    "invalid JSON",
		`{"v":trUe}`:   "invalid JSON",
	} {
		if _, err := decodeOne(t, arrow.FixedWidthTypes.Boolean, raw); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", raw, err, want)
		}
	}
}

func TestDecodeTimestamps(t *testing.T) {
	ms := func(s string) int64 {
		tt, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tt.UnixMilli()
	}
	cases := []struct {
		raw  string
		want int64
		err  string
	}{
		{`{"v":"2015-07-15T00:00:00.000Z"}`, ms("2015-07-15T00:00:00Z"), ""},
		{`{"v":"2015-07-15T00:00:00Z"}`, ms("2015-07-15T00:00:00Z"), ""},
		{`{"v":"2015-07-15t01:02:03.4z"}`, ms("2015-07-15T01:02:03.4Z"), ""},
		{`{"v":"2015-07-15T01:02:03.123456789Z"}`, ms("2015-07-15T01:02:03.123Z"), ""},
		{`{"v":"2015-07-15T02:00:00+02:00"}`, ms("2015-07-15T00:00:00Z"), ""},
		{`{"v":"2015-07-14T19:30:00-04:30"}`, ms("2015-07-15T00:00:00Z"), ""},
		{`{"v":"2015-07-15T02:00:00+0200"}`, ms("2015-07-15T00:00:00Z"), ""},
		{`{"v":"2015-07-15 00:00:01.5"}`, ms("2015-07-15T00:00:01.5Z"), ""},
		{`{"v":"2015-07-15 00:00:01"}`, ms("2015-07-15T00:00:01Z"), ""},
		{`{"v":"2016-02-29T23:59:59.999Z"}`, ms("2016-02-29T23:59:59.999Z"), ""},
		{`{"v":"1969-12-31T23:59:59.999Z"}`, -1, ""},
		{`{"v":"0001-01-01T00:00:00Z"}`, ms("0001-01-01T00:00:00Z"), ""},
		{`{"v":"1600-03-01T00:00:00Z"}`, ms("1600-03-01T00:00:00Z"), ""},
		{`{"v":"9999-12-31T23:59:59.999Z"}`, ms("9999-12-31T23:59:59.999Z"), ""},
		{`{"v":"2015\u002d07-15T00:00:00Z"}`, ms("2015-07-15T00:00:00Z"), ""},
		{`{"v":1436918400000}`, 1436918400000, ""},
		{`{"v":-1000}`, -1000, ""},
		{`{"v":1.4369184e12}`, 1436918400000, ""},
		{`{"v":1436918400000.5}`, 0, `field "v": 1436918400000.5 is not a valid timestamp`},
		{`{"v":"2015-02-29T00:00:00Z"}`, 0, `field "v": "2015-02-29T00:00:00Z" is not a valid timestamp`},
		{`{"v":"2015-07-15T24:00:00Z"}`, 0, "not a valid timestamp"},
		{`{"v":"2015-07-15T00:00:60Z"}`, 0, "not a valid timestamp"},
		{`{"v":"2015-07-15"}`, 0, "not a valid timestamp"},
		{`{"v":"2015-07-15T00:00:00."}`, 0, "not a valid timestamp"},
		{`{"v":"2015-07-15T00:00:00+2"}`, 0, "not a valid timestamp"},
		{`{"v":"2015-07-15T00:00:00Zx"}`, 0, "not a valid timestamp"},
		{`{"v":"yesterday"}`, 0, "not a valid timestamp"},
		{`{"v":true}`, 0, `field "v": expected a timestamp (RFC 3339 string or epoch milliseconds), got true`},
	}
	for _, c := range cases {
		col, err := decodeOne(t, tsType, c.raw)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.raw, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.raw, err)
			continue
		}
		if got := int64(col.(*array.Timestamp).Value(0)); got != c.want {
			t.Errorf("%s: got %d, want %d", c.raw, got, c.want)
		}
	}
}

// TestTimestampCalendar checks the hand-written calendar against the time
// package day by day over four centuries and a few odd years.
func TestTimestampCalendar(t *testing.T) {
	start := time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)
	for tt := start; tt.Year() < 2200; tt = tt.AddDate(0, 0, 1) {
		s := tt.Add(13*time.Hour + 7*time.Minute + 9*time.Second + 42*time.Millisecond).Format("2006-01-02T15:04:05.000Z")
		got, ok := parseTimestamp([]byte(s))
		want := tt.UnixMilli() + ((13*60+7)*60+9)*1000 + 42
		if !ok || got != want {
			t.Fatalf("parse %s: got %d %v, want %d", s, got, ok, want)
		}
		if back := string(appendTimestamp(nil, want)); back != s {
			t.Fatalf("format %d: got %s, want %s", want, back, s)
		}
	}
}

func TestDecodeRecordShape(t *testing.T) {
	mem := newChecked(t)
	s := schemaOf(field("id", arrow.PrimitiveTypes.Int64), field("Name", arrow.BinaryTypes.String),
		field("ts", tsType), field("Größe", arrow.PrimitiveTypes.Float64))
	d, err := NewDecoder(s, mem, Options{Required: []int{2}})
	if err != nil {
		t.Fatal(err)
	}
	good := []string{
		`{"id":1,"name":"a","ts":"2015-07-15T00:00:00Z"}`,
		`  {"ID" : 2 , "NAME":"b","x":{"deep":[1,2,{"y":null}],"s":"\u00e9"},"ts":1,"y":[]}  `,
		`{"ts":2,"name":null}`,
		`{"ts":3,"id":4,"id":5,"name":"first","name":"second"}`, // last wins
		"{\"ts\":4,\"GRÖßE\":2.5}",                              // Unicode case folding
		"{\"ts\":5,\"\\u0069d\":6}",                             // escaped key "id"
	}
	bad := map[string]string{
		``:                          "empty record",
		`   `:                       "empty record",
		`[1,2]`:                     "expected a JSON object, got an array",
		`"str"`:                     `expected a JSON object, got "str"`,
		`{"id":1}`:                  `required field "ts" is missing`,
		`{"id":1,"ts":null}`:        `required field "ts" is null`,
		`{"ts":1,"id":1`:            "unexpected end of input",
		`{"ts":1,"id":1}}`:          "unexpected data after the object",
		`{"ts":1,"id":1} {}`:        "unexpected data after the object",
		`{"ts":1 "id":1}`:           "expected ',' or '}'",
		`{"ts":1,}`:                 "expected a string key",
		`{ts:1}`:                    "expected a string key",
		`{"ts" 1}`:                  "expected ':'",
		`{"ts":1,"x":[1,2}`:         "expected ',' or ']'",
		`{"ts":1,"x":{"a" 1}}`:      "expected ':'",
		`{"ts":1,"x":tru}`:          "invalid literal",
		`{"ts":1,"x":nul}`:          "invalid literal",
		"{\"ts\":1,\"x\":\"\xff\"}": "invalid UTF-8",
		"{\"ts\":1,\"\xff\":1}":     "invalid UTF-8",
		`{"ts":1,"x":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`: "nested deeper",
		`{"ts":1,"id":"7"}`: `field "id": expected an integer (BIGINT), got "7"`,
	}
	// Interleave bad records between good ones: a failed Append must not
	// disturb the rows around it.
	for i, g := range good {
		for raw, want := range bad {
			err := d.Append([]byte(raw))
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%q: error %v, want %q", raw, err, want)
			}
			if d.Len() != i {
				t.Fatalf("after bad record: %d rows, want %d", d.Len(), i)
			}
		}
		if err := d.Append([]byte(g)); err != nil {
			t.Fatalf("%s: %v", g, err)
		}
	}
	rec := d.NewBatch()
	defer rec.Release()
	want := `[{"id":1,"Name":"a","ts":"2015-07-15T00:00:00.000Z","Größe":null}
,{"id":2,"Name":"b","ts":"1970-01-01T00:00:00.001Z","Größe":null}
,{"id":null,"Name":null,"ts":"1970-01-01T00:00:00.002Z","Größe":null}
,{"id":5,"Name":"second","ts":"1970-01-01T00:00:00.003Z","Größe":null}
,{"id":null,"Name":null,"ts":"1970-01-01T00:00:00.004Z","Größe":2.5}
,{"id":6,"Name":null,"ts":"1970-01-01T00:00:00.005Z","Größe":null}
]`
	if got := arrowJSON(t, rec); got != want {
		t.Errorf("batch:\n%s\nwant:\n%s", got, want)
	}
	// The decoder is reusable: the next batch starts empty and reuses the
	// buffers without leaking old values.
	if err := d.Append([]byte(`{"ts":9}`)); err != nil {
		t.Fatal(err)
	}
	rec2 := d.NewBatch()
	defer rec2.Release()
	if got := arrowJSON(t, rec2); got != `[{"id":null,"Name":null,"ts":"1970-01-01T00:00:00.009Z","Größe":null}
]` {
		t.Errorf("second batch: %s", got)
	}
}

// arrowJSON renders a batch with arrow's own JSON writer (an oracle
// independent of Encoder), normalising its timestamp format.
func arrowJSON(t *testing.T, rec arrow.RecordBatch) string {
	t.Helper()
	var sb strings.Builder
	sb.WriteString("[")
	for r := 0; r < int(rec.NumRows()); r++ {
		if r > 0 {
			sb.WriteString(",")
		}
		sb.WriteString("{")
		for c := 0; c < int(rec.NumCols()); c++ {
			if c > 0 {
				sb.WriteString(",")
			}
			col := rec.Column(c)
			sb.WriteString(`"` + rec.ColumnName(c) + `":`)
			if col.IsNull(r) {
				sb.WriteString("null")
				continue
			}
			switch a := col.(type) {
			case *array.Timestamp:
				sb.WriteString(`"` + time.UnixMilli(int64(a.Value(r))).UTC().Format("2006-01-02T15:04:05.000Z") + `"`)
			default:
				b, err := a.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				// MarshalJSON renders the whole array; pick element r.
				sb.WriteString(jsonElem(t, b, r))
			}
		}
		sb.WriteString("}\n")
	}
	sb.WriteString("]")
	return sb.String()
}

func TestDecodeSchemaErrors(t *testing.T) {
	mem := newChecked(t)
	if _, err := NewDecoder(schemaOf(field("l", arrow.ListOf(arrow.PrimitiveTypes.Int64))), mem, Options{}); err == nil ||
		!strings.Contains(err.Error(), `column "l" has type list`) {
		t.Errorf("list column: %v", err)
	}
	if _, err := NewDecoder(schemaOf(field("t", &arrow.TimestampType{Unit: arrow.Second})), mem, Options{}); err == nil {
		t.Error("second timestamps accepted")
	}
	if _, err := NewDecoder(schemaOf(field("t", tsType)), mem, Options{Required: []int{3}}); err == nil {
		t.Error("bad required index accepted")
	}
}

func TestValidAndField(t *testing.T) {
	for raw, want := range map[string]string{
		`{"a":1}`:     "",
		` [1, "x"] `:  "",
		`12`:          "",
		``:            "empty input",
		`{"a":1} x`:   "unexpected data",
		`{"a":}`:      "expected a value",
		"\"\xff\"":    "invalid UTF-8",
		`{"a":"b\q"}`: "invalid escape",
	} {
		err := Valid([]byte(raw))
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("Valid(%q) = %v, want %q", raw, err, want)
		}
	}
	for _, c := range []struct{ raw, name, want string }{
		{`{"a":"x\ny","b":2}`, "a", "x\ny"},
		{`{"a":"x","b":2.50}`, "b", "2.50"},
		{`{"a":"x","b":{"c":1}}`, "b", `{"c":1}`},
		{`{"a":"x","a":"z"}`, "a", "z"},
		{`{"a":"x"}`, "A", "<nil>"},
		{`{"a":null}`, "a", "<nil>"},
		{`{"a":""}`, "a", ""},
	} {
		got, err := Field([]byte(c.raw), c.name)
		s := string(got)
		if got == nil {
			s = "<nil>"
		}
		if err != nil || s != c.want {
			t.Errorf("Field(%s, %s) = %q, %v; want %q", c.raw, c.name, s, err, c.want)
		}
	}
	if _, err := Field([]byte(`[1]`), "a"); err == nil {
		t.Error("Field on an array: no error")
	}
}
