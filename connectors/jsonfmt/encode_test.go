package jsonfmt

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

func jsonElem(t *testing.T, arr []byte, i int) string {
	t.Helper()
	var elems []json.RawMessage
	if err := json.Unmarshal(arr, &elems); err != nil {
		t.Fatal(err)
	}
	return string(elems[i])
}

func allTypesSchema() *arrow.Schema {
	return schemaOf(
		field("i", arrow.PrimitiveTypes.Int64),
		field("i32", arrow.PrimitiveTypes.Int32),
		field("f", arrow.PrimitiveTypes.Float64),
		field("d", &arrow.Decimal128Type{Precision: 12, Scale: 3}),
		field("s", arrow.BinaryTypes.String),
		field("b", arrow.FixedWidthTypes.Boolean),
		field("ts", tsType),
	)
}

func buildAllTypes(t *testing.T) arrow.RecordBatch {
	mem := newChecked(t)
	b := array.NewRecordBuilder(mem, allTypesSchema())
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{-5, 0, math.MaxInt64}, []bool{true, false, true})
	b.Field(1).(*array.Int32Builder).AppendValues([]int32{7, math.MinInt32, 0}, nil)
	b.Field(2).(*array.Float64Builder).AppendValues([]float64{1.5, 1e21, 1e-7}, nil)
	d := b.Field(3).(*array.Decimal128Builder)
	for _, s := range []string{"-12.5", "0.001", "999999999.999"} {
		v, err := decimal128.FromString(s, 12, 3)
		if err != nil {
			t.Fatal(err)
		}
		d.Append(v)
	}
	b.Field(4).(*array.StringBuilder).AppendValues([]string{"plain", "q\"b\\s\n\x01é😀", "bad\xffutf8"}, []bool{true, true, true})
	b.Field(5).(*array.BooleanBuilder).AppendValues([]bool{true, false, false}, []bool{true, true, false})
	b.Field(6).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1436918400000, -1, 253402300799999}, nil)
	return b.NewRecordBatch()
}

func TestEncodeRows(t *testing.T) {
	rec := buildAllTypes(t)
	defer rec.Release()
	e, err := NewEncoder(rec.Schema(), EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Bind(rec); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"i":-5,"i32":7,"f":1.5,"d":-12.500,"s":"plain","b":true,"ts":"2015-07-15T00:00:00.000Z"}`,
		`{"i":null,"i32":-2147483648,"f":1e+21,"d":0.001,"s":"q\"b\\s\n\u0001é😀","b":false,"ts":"1969-12-31T23:59:59.999Z"}`,
		`{"i":9223372036854775807,"i32":0,"f":1e-7,"d":999999999.999,"s":"bad\ufffdutf8","b":null,"ts":"9999-12-31T23:59:59.999Z"}`,
	}
	var buf []byte
	for r, w := range want {
		buf = e.AppendRow(buf[:0], r)
		if string(buf) != w {
			t.Errorf("row %d:\n got %s\nwant %s", r, buf, w)
		}
		if !json.Valid(buf) {
			t.Errorf("row %d: invalid JSON %s", r, buf)
		}
	}
	// Keys: plain text of one column, or an object of several.
	if k, ok := e.AppendText(nil, 4, 0); !ok || string(k) != "plain" {
		t.Errorf("text key: %q %v", k, ok)
	}
	if k, ok := e.AppendText(nil, 6, 0); !ok || string(k) != "2015-07-15T00:00:00.000Z" {
		t.Errorf("timestamp key: %q %v", k, ok)
	}
	if _, ok := e.AppendText(nil, 0, 1); ok {
		t.Error("NULL key reported as present")
	}
	if k := e.AppendObject(nil, []int{0, 4}, 0); string(k) != `{"i":-5,"s":"plain"}` {
		t.Errorf("object key: %s", k)
	}
	// Skipped columns are left out.
	e2, err := NewEncoder(rec.Schema(), EncoderOptions{Skip: []int{0, 2, 3, 4, 5}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e2.Bind(rec); err != nil {
		t.Fatal(err)
	}
	if got := string(e2.AppendRow(nil, 0)); got != `{"i32":7,"ts":"2015-07-15T00:00:00.000Z"}` {
		t.Errorf("skip: %s", got)
	}
}

// TestEncodeDecodeRoundTrip: what Encoder writes, Decoder reads back to the
// same batch, including a sliced batch (array offsets).
func TestEncodeDecodeRoundTrip(t *testing.T) {
	full := buildAllTypes(t)
	defer full.Release()
	for _, rec := range []arrow.RecordBatch{full, full.NewSlice(1, 3)} {
		e, _ := NewEncoder(rec.Schema(), EncoderOptions{})
		if err := e.Bind(rec); err != nil {
			t.Fatal(err)
		}
		d, err := NewDecoder(rec.Schema(), newChecked(t), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			if err := d.Append(e.AppendRow(nil, r)); err != nil {
				t.Fatalf("row %d: %v", r, err)
			}
		}
		back := d.NewBatch()
		// The invalid UTF-8 became U+FFFD on the way: patch the expectation.
		if !array.RecordEqual(patchUTF8(t, rec), back) {
			t.Errorf("round trip differs:\n%v\n%v", rec, back)
		}
		back.Release()
		if rec != full {
			rec.Release()
		}
	}
}

func patchUTF8(t *testing.T, rec arrow.RecordBatch) arrow.RecordBatch {
	s := rec.Column(4).(*array.String)
	b := array.NewStringBuilder(newChecked(t))
	defer b.Release()
	for i := 0; i < s.Len(); i++ {
		b.Append(strings.ToValidUTF8(s.Value(i), "\uFFFD"))
	}
	col := b.NewArray()
	defer col.Release()
	out, err := rec.SetColumn(4, col)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(out.Release)
	return out
}

func TestEncodeFloats(t *testing.T) {
	// encoding/json is the oracle for number formatting.
	for _, f := range []float64{0, -0.0, 1, -1.25, 0.1, 1e20, 1e21, 123456789e15, 1e-6, 9.99e-7, math.MaxFloat64, math.SmallestNonzeroFloat64, 3.14159} {
		want, _ := json.Marshal(f)
		if got := appendFloat(nil, f); string(got) != string(want) {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := appendFloat(nil, f); string(got) != "null" {
			t.Errorf("%v: got %s", f, got)
		}
	}
}

func TestEncodeStringsMatchEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "abc", "\x00\x1f\x7f", "tab\there", "é€😀", "<&>", "\u2028"} {
		got := appendString(nil, []byte(s))
		var back string
		if err := json.Unmarshal(got, &back); err != nil || back != s {
			t.Errorf("%q: encoded %s, decoded %q, %v", s, got, back, err)
		}
	}
}
