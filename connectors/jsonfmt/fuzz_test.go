package jsonfmt

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// oracleRecord is what encoding/json (an independent, reflection-based
// decoder that also matches struct fields case-insensitively and lets the
// last duplicate win) makes of a record.
type oracleRecord struct {
	S json.RawMessage `json:"s"`
	I json.RawMessage `json:"i"`
	F json.RawMessage `json:"f"`
	B json.RawMessage `json:"b"`
}

var fuzzSchema = schemaOf(
	field("s", arrow.BinaryTypes.String),
	field("i", arrow.PrimitiveTypes.Int64),
	field("f", arrow.PrimitiveTypes.Float64),
	field("b", arrow.FixedWidthTypes.Boolean),
)

// FuzzDecode: Decode never panics; a record either decodes or errors and
// leaves no row behind; JSON that encoding/json rejects is rejected; and a
// record that decodes has the values encoding/json sees, under spate's
// type rules.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"s":"x","i":1,"f":1.5,"b":true}`,
		`{"S":"a\u00e9\ud83d\ude00","I":-9223372036854775808,"F":1e308,"B":false,"z":[1,{"a":null}]}`,
		`{"i":1e3,"f":-0.0,"s":null}`,
		`{"i":3.5}`, `{"s":1}`, `{"s":"\ud800"}`, `[1]`, `{"i":1,"i":2}`, `{}`, ` {"b":tru} `,
		"{\"s\":\"\xff\"}", `{"f":1e400}`, `{"i":99999999999999999999}`,
	} {
		f.Add([]byte(s))
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	d, err := NewDecoder(fuzzSchema, mem, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		err := d.Append(raw)
		var o oracleRecord
		oerr := json.Unmarshal(raw, &o)
		if err != nil {
			if d.Len() != 0 {
				t.Fatalf("failed Append left %d rows: %v", d.Len(), err)
			}
			rec := d.NewBatch()
			rec.Release()
			if oerr == nil && strings.Contains(err.Error(), "invalid") && !strings.Contains(err.Error(), "nested") &&
				utf8.Valid(raw) && !bytes.Contains(bytes.ToLower(raw), []byte(`\ud`)) {
				t.Fatalf("rejected JSON that encoding/json accepts: %v\n%q", err, raw)
			}
			return
		}
		if oerr != nil {
			t.Fatalf("accepted what encoding/json rejects (%v):\n%q", oerr, raw)
		}
		rec := d.NewBatch()
		defer rec.Release()
		if rec.NumRows() != 1 {
			t.Fatalf("%d rows", rec.NumRows())
		}
		checkString(t, o.S, rec.Column(0).(*array.String))
		checkInt(t, o.I, rec.Column(1).(*array.Int64))
		checkFloat(t, o.F, rec.Column(2).(*array.Float64))
		checkBool(t, o.B, rec.Column(3).(*array.Boolean))
	})
	mem.AssertSize(f, 0)
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

func checkString(t *testing.T, raw json.RawMessage, a *array.String) {
	if isNull(raw) {
		if !a.IsNull(0) {
			t.Fatalf("s: want NULL, got %q", a.Value(0))
		}
		return
	}
	var want string
	if err := json.Unmarshal(raw, &want); err != nil || a.IsNull(0) || a.Value(0) != want {
		t.Fatalf("s: got %q (null %v), oracle %q %v", a.Value(0), a.IsNull(0), want, err)
	}
}

func checkInt(t *testing.T, raw json.RawMessage, a *array.Int64) {
	if isNull(raw) {
		if !a.IsNull(0) {
			t.Fatalf("i: want NULL, got %d", a.Value(0))
		}
		return
	}
	r, ok := new(big.Rat).SetString(string(raw))
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		t.Fatalf("i: decoded %d from %s, which is not a BIGINT", a.Value(0), raw)
	}
	if a.IsNull(0) || a.Value(0) != r.Num().Int64() {
		t.Fatalf("i: got %d, want %s", a.Value(0), raw)
	}
}

func checkFloat(t *testing.T, raw json.RawMessage, a *array.Float64) {
	if isNull(raw) {
		if !a.IsNull(0) {
			t.Fatalf("f: want NULL")
		}
		return
	}
	want, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(want, 0) {
		t.Fatalf("f: decoded %v from %s", a.Value(0), raw)
	}
	if a.IsNull(0) || a.Value(0) != want {
		t.Fatalf("f: got %v, want %v", a.Value(0), want)
	}
}

func checkBool(t *testing.T, raw json.RawMessage, a *array.Boolean) {
	if isNull(raw) {
		if !a.IsNull(0) {
			t.Fatalf("b: want NULL")
		}
		return
	}
	if a.IsNull(0) || (string(raw) == "true") != a.Value(0) {
		t.Fatalf("b: got %v from %s", a.Value(0), raw)
	}
}
