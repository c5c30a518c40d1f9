package jsonfmt

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Options configure a Decoder.
type Options struct {
	// Required lists column indexes that must be present and not null
	// (the source's event-time column): a record without one is rejected.
	Required []int
}

type kind uint8

const (
	kInt64 kind = iota
	kInt32
	kFloat64
	kDecimal
	kString
	kBool
	kTimestamp
)

// column is one output column: its matching key and its buffers. The
// buffers always have room for row Decoder.rows, the one being decoded, so
// values are stored by index: the hot path writes no slice headers (and so
// hits no GC write barriers). They are reused from batch to batch.
type column struct {
	name     string
	fold     []byte // ASCII-lower-cased name, for the fast match
	nonASCII bool   // name needs Unicode case folding
	kind     kind
	typ      arrow.DataType
	prec     int32
	scale    int32
	required bool

	valid []byte // validity bitmap
	nulls int
	i64   []int64 // kInt64, kTimestamp
	i32   []int32
	f64   []float64
	dec   []decimal128.Num
	bits  []byte  // kBool values
	offs  []int32 // kString: rows+1 offsets into data
	data  []byte  // kString: len(data) == cap(data)
	end   int     // kString: end in data of the current row's value

	set  bool // the current record gave a value (maybe null)
	null bool
}

// maxHints bounds the key-order cache, so a record with a huge number of
// fields cannot make the decoder hold on to memory.
const maxHints = 256

// Decoder decodes JSON objects into rows of Arrow batches of a fixed
// schema. It is not safe for concurrent use.
//
// Fields are matched to columns by name, case-insensitively; unknown fields
// are skipped (after being checked to be valid JSON); a missing field or
// JSON null is NULL; with duplicate fields the last one wins. Values must
// have the column's JSON type:
//
//	BIGINT, INT   integer numbers; 3.0 and 1e3 are fine, 3.5 and "3" are not
//	DOUBLE        any number
//	DECIMAL(p,s)  any number, converted exactly from its text, rounded half
//	              away from zero beyond s digits
//	VARCHAR       strings
//	BOOLEAN       true, false
//	TIMESTAMP     an RFC 3339 string ("2015-07-15T00:00:00.000Z", offsets
//	              allowed, digits below the millisecond dropped), the SQL
//	              form "2015-07-15 00:00:00[.fff]" (UTC), or an integer
//	              number of epoch milliseconds; either way within years
//	              0000 to 9999 (MinTimestampMs..MaxTimestampMs): later
//	              times are refused, never wrapped around
//
// Hostile input is refused with a reason, never a panic: strings must be
// valid UTF-8 (DuckDB's VARCHAR requires it, so a record with invalid
// UTF-8 is rejected rather than repaired: the dead letter keeps its raw
// bytes), numbers out of the column's range (1e400, 2^63 in a BIGINT) are
// errors, NaN and Infinity are not JSON, and values nest at most 512
// levels (iteratively bounded, so 100k levels cost no stack). Record size
// is not limited here: a record is bounded by the source (Kafka's fetch
// and message size limits).
type Decoder struct {
	schema *arrow.Schema
	alloc  memory.Allocator
	cols   []column
	rows   int
	// hint[k] is the column the k-th key of the previous record matched:
	// producers write fields in a fixed order, so it is almost always
	// right and a key is matched with one comparison.
	hint    []int
	scratch []byte
	capRows int // rows every column buffer has room for
}

// NewDecoder returns a decoder producing batches of schema; their memory
// comes from alloc.
func NewDecoder(schema *arrow.Schema, alloc memory.Allocator, opts Options) (*Decoder, error) {
	d := &Decoder{schema: schema, alloc: alloc, cols: make([]column, schema.NumFields())}
	for i, f := range schema.Fields() {
		c := &d.cols[i]
		c.name = f.Name
		c.typ = f.Type
		for j := 0; j < len(f.Name); j++ {
			ch := f.Name[j]
			if ch >= utf8.RuneSelf {
				c.nonASCII = true
			}
			if ch >= 'A' && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			c.fold = append(c.fold, ch)
		}
		switch t := f.Type.(type) {
		case *arrow.Int64Type:
			c.kind = kInt64
		case *arrow.Int32Type:
			c.kind = kInt32
		case *arrow.Float64Type:
			c.kind = kFloat64
		case *arrow.Decimal128Type:
			if t.Precision < 1 || t.Precision > 38 || t.Scale < 0 || t.Scale > t.Precision {
				return nil, fmt.Errorf("json decoder: column %q: unsupported %s", f.Name, t)
			}
			c.kind, c.prec, c.scale = kDecimal, t.Precision, t.Scale
		case *arrow.StringType:
			c.kind = kString
		case *arrow.BooleanType:
			c.kind = kBool
		case *arrow.TimestampType:
			if t.Unit != arrow.Millisecond {
				return nil, fmt.Errorf("json decoder: column %q: only millisecond timestamps are supported, not %s", f.Name, t)
			}
			c.kind = kTimestamp
		default:
			return nil, fmt.Errorf("json decoder: column %q has type %s, which JSON cannot be decoded into", f.Name, f.Type)
		}
	}
	d.grow(256)
	for _, r := range opts.Required {
		if r < 0 || r >= len(d.cols) {
			return nil, fmt.Errorf("json decoder: required column %d out of range", r)
		}
		d.cols[r].required = true
	}
	return d, nil
}

// Schema returns the schema of the batches.
func (d *Decoder) Schema() *arrow.Schema { return d.schema }

// Len returns the number of rows appended since the last NewBatch.
func (d *Decoder) Len() int { return d.rows }

// Append decodes one JSON object as a row. On error the decoder is left
// exactly as before the call, and the error is one sentence saying what
// is wrong, naming the field when one is at fault.
func (d *Decoder) Append(raw []byte) error {
	for i := range d.cols {
		d.cols[i].set = false
	}
	if err := d.parseObject(raw); err != nil {
		return err
	}
	for i := range d.cols {
		c := &d.cols[i]
		if c.required && (!c.set || c.null) {
			if !c.set {
				return fmt.Errorf("required field %q is missing", c.name)
			}
			return fmt.Errorf("required field %q is null", c.name)
		}
	}
	d.commit()
	return nil
}

func (d *Decoder) parseObject(b []byte) error {
	i := skipWS(b, 0)
	if i >= len(b) {
		return errors.New("empty record: expected a JSON object")
	}
	if b[i] != '{' {
		if _, err := skipValue(b, i, 0); err != nil {
			return err
		}
		return fmt.Errorf("expected a JSON object, got %s", describe(b, i))
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for k := 0; ; k++ {
			if i >= len(b) || b[i] != '"' {
				return syntaxError(b, i, "expected a string key")
			}
			si, j, err := scanString(b, i)
			if err != nil {
				return err
			}
			col := d.match(b, k, &si)
			i = skipWS(b, j)
			if i >= len(b) || b[i] != ':' {
				return syntaxError(b, i, "expected ':' after an object key")
			}
			i = skipWS(b, i+1)
			if col < 0 {
				i, err = skipValue(b, i, 1)
			} else {
				i, err = d.value(&d.cols[col], b, i)
			}
			if err != nil {
				return err
			}
			i = skipWS(b, i)
			if i < len(b) && b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			return syntaxError(b, i, "expected ',' or '}' after an object field")
		}
	}
	if i = skipWS(b, i); i < len(b) {
		return fmt.Errorf("invalid JSON at byte %d: unexpected data after the object", i)
	}
	return nil
}

// match returns the column the k-th key (si) names, or -1.
func (d *Decoder) match(b []byte, k int, si *strInfo) int {
	key := b[si.start:si.end]
	if si.escaped {
		d.scratch = appendUnescaped(d.scratch[:0], key)
		key = d.scratch
	}
	if !si.nonASCII && k < len(d.hint) {
		if h := d.hint[k]; h >= 0 && foldEq(key, d.cols[h].fold) {
			return h
		}
	}
	col := -1
	for c := range d.cols {
		if si.nonASCII || d.cols[c].nonASCII {
			if bytes.EqualFold(key, []byte(d.cols[c].name)) {
				col = c
				break
			}
		} else if foldEq(key, d.cols[c].fold) {
			col = c
			break
		}
	}
	if k < maxHints {
		for len(d.hint) <= k {
			d.hint = append(d.hint, -1)
		}
		d.hint[k] = col
	}
	return col
}

// foldEq compares an ASCII key with a lower-cased ASCII name.
func foldEq(key, fold []byte) bool {
	if len(key) != len(fold) {
		return false
	}
	for i, c := range key {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != fold[i] {
			return false
		}
	}
	return true
}

// value decodes the value at b[i] into column c's slot for the current
// row and returns the position after it.
func (d *Decoder) value(c *column, b []byte, i int) (int, error) {
	if i >= len(b) {
		return i, syntaxError(b, i, "expected a value")
	}
	n := d.rows
	ch := b[i]
	if ch == 'n' {
		j, err := skipLiteral(b, i, "null")
		if err != nil {
			return j, err
		}
		c.set, c.null = true, true
		return j, nil
	}
	isNum := ch == '-' || (ch >= '0' && ch <= '9')
	switch c.kind {
	case kString:
		if ch != '"' {
			break
		}
		si, j, err := scanString(b, i)
		if err != nil {
			return j, err
		}
		start := int(c.offs[n])
		if si.escaped {
			c.data = appendUnescaped(c.data[:start], b[si.start:si.end])
			c.end = len(c.data)
			c.data = c.data[:cap(c.data)]
		} else {
			v := b[si.start:si.end]
			if start+len(v) > len(c.data) {
				c.data = append(c.data[:start], v...)
				c.data = c.data[:cap(c.data)]
			} else {
				copy(c.data[start:], v)
			}
			c.end = start + len(v)
		}
		if c.end > math.MaxInt32 {
			return j, fmt.Errorf("field %q: more than 2 GiB of strings in one batch", c.name)
		}
		c.set, c.null = true, false
		return j, nil
	case kInt64, kInt32:
		if !isNum {
			break
		}
		if v, j, ok := plainInt(b, i); ok && (c.kind == kInt64 || v == int64(int32(v))) {
			if c.kind == kInt64 {
				c.i64[n] = v
			} else {
				c.i32[n] = int32(v)
			}
			c.set, c.null = true, false
			return j, nil
		}
		ni, j, err := scanNumber(b, i)
		if err != nil {
			return j, err
		}
		lo, hi := int64(-1<<63), int64(1<<63-1)
		if c.kind == kInt32 {
			lo, hi = -1<<31, 1<<31-1
		}
		v, e := toInt64(b, &ni, lo, hi)
		if e != numOK {
			return j, d.numError(c, b, &ni, e)
		}
		if c.kind == kInt64 {
			c.i64[n] = v
		} else {
			c.i32[n] = int32(v)
		}
		c.set, c.null = true, false
		return j, nil
	case kFloat64:
		if !isNum {
			break
		}
		if v, j, ok := plainInt(b, i); ok && v > -1<<53 && v < 1<<53 {
			// Exactly representable: skip strconv.
			c.f64[n] = float64(v)
			c.set, c.null = true, false
			return j, nil
		}
		ni, j, err := scanNumber(b, i)
		if err != nil {
			return j, err
		}
		// The string does not escape (strconv copies it into its errors),
		// so the conversion does not allocate.
		v, err := strconv.ParseFloat(string(b[ni.start:ni.end]), 64)
		if err != nil {
			return j, fmt.Errorf("field %q: %s is out of range for DOUBLE", c.name, b[ni.start:ni.end])
		}
		c.f64[n] = v
		c.set, c.null = true, false
		return j, nil
	case kDecimal:
		if !isNum {
			break
		}
		ni, j, err := scanNumber(b, i)
		if err != nil {
			return j, err
		}
		v, e := toDecimal(b, &ni, c.prec, c.scale)
		if e != numOK {
			return j, d.numError(c, b, &ni, e)
		}
		c.dec[n] = v
		c.set, c.null = true, false
		return j, nil
	case kBool:
		var j int
		var err error
		var v bool
		switch ch {
		case 't':
			j, err = skipLiteral(b, i, "true")
			v = true
		case 'f':
			j, err = skipLiteral(b, i, "false")
		default:
			j = -1
		}
		if j < 0 {
			break
		}
		if err != nil {
			return j, err
		}
		setBit(c.bits, n, v)
		c.set, c.null = true, false
		return j, nil
	case kTimestamp:
		if ch == '"' {
			si, j, err := scanString(b, i)
			if err != nil {
				return j, err
			}
			s := b[si.start:si.end]
			if si.escaped {
				d.scratch = appendUnescaped(d.scratch[:0], s)
				s = d.scratch
			}
			ms, ok := parseTimestamp(s)
			if !ok || ms < MinTimestampMs || ms > MaxTimestampMs {
				return j, fmt.Errorf("field %q: %s is not a valid timestamp (expected RFC 3339 like \"2015-07-15T00:00:00.000Z\" or \"2015-07-15 00:00:00\")",
					c.name, describe(b, i))
			}
			c.i64[n] = ms
			c.set, c.null = true, false
			return j, nil
		}
		if !isNum {
			break
		}
		ni, j, err := scanNumber(b, i)
		if err != nil {
			return j, err
		}
		v, e := toInt64(b, &ni, MinTimestampMs, MaxTimestampMs)
		if e != numOK {
			return j, fmt.Errorf("field %q: %s is not a valid timestamp (epoch milliseconds must be a whole number from %d to %d, years 0000 to 9999)",
				c.name, b[ni.start:ni.end], int64(MinTimestampMs), int64(MaxTimestampMs))
		}
		c.i64[n] = v
		c.set, c.null = true, false
		return j, nil
	}
	// Wrong JSON type. Report malformed JSON first: "got tru" would
	// mislead.
	j, err := skipValue(b, i, 1)
	if err != nil {
		return j, err
	}
	return j, fmt.Errorf("field %q: expected %s, got %s", c.name, expectation(c), describe(b, i))
}

// plainInt is the fast path for the common case, an integer of at most
// 18 digits with no fraction or exponent; anything else (ok false) goes
// through scanNumber, which also reports malformed numbers.
func plainInt(b []byte, i int) (int64, int, bool) {
	j := i
	neg := b[j] == '-'
	if neg {
		j++
	}
	s := j
	var v int64
	for j < len(b) {
		d := b[j] - '0'
		if d > 9 {
			break
		}
		v = v*10 + int64(d)
		j++
	}
	if n := j - s; n == 0 || n > 18 || (n > 1 && b[s] == '0') {
		return 0, 0, false
	}
	if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	return v, j, true
}

func (d *Decoder) numError(c *column, b []byte, ni *numInfo, e numErr) error {
	text := b[ni.start:ni.end]
	if e == numNotInteger {
		return fmt.Errorf("field %q: expected %s, got %s", c.name, expectation(c), text)
	}
	return fmt.Errorf("field %q: %s is out of range for %s", c.name, text, sqlType(c))
}

func sqlType(c *column) string {
	switch c.kind {
	case kInt64:
		return "BIGINT"
	case kInt32:
		return "INT"
	case kFloat64:
		return "DOUBLE"
	case kDecimal:
		return fmt.Sprintf("DECIMAL(%d,%d)", c.prec, c.scale)
	case kString:
		return "VARCHAR"
	case kBool:
		return "BOOLEAN"
	default:
		return "TIMESTAMP"
	}
}

func expectation(c *column) string {
	switch c.kind {
	case kInt64, kInt32:
		return "an integer (" + sqlType(c) + ")"
	case kFloat64, kDecimal:
		return "a number (" + sqlType(c) + ")"
	case kString:
		return "a string (VARCHAR)"
	case kBool:
		return "true or false (BOOLEAN)"
	default:
		return "a timestamp (RFC 3339 string or epoch milliseconds)"
	}
}

// describe renders the (valid) value at b[i] for an error message.
func describe(b []byte, i int) string {
	switch b[i] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	j, _ := skipValue(b, i, 0)
	v := b[i:j]
	if len(v) > 64 {
		cut := 60
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		return string(v[:cut]) + "…"
	}
	return string(v)
}

func setBit(bm []byte, i int, v bool) {
	if v {
		bm[i>>3] |= 1 << (i & 7)
	} else {
		bm[i>>3] &^= 1 << (i & 7)
	}
}

// grow makes room for rows rows in every column buffer.
func (d *Decoder) grow(rows int) {
	nb := rows/8 + 1
	for i := range d.cols {
		c := &d.cols[i]
		c.valid = growTo(c.valid, nb)
		switch c.kind {
		case kInt64, kTimestamp:
			c.i64 = growTo(c.i64, rows)
		case kInt32:
			c.i32 = growTo(c.i32, rows)
		case kFloat64:
			c.f64 = growTo(c.f64, rows)
		case kDecimal:
			c.dec = growTo(c.dec, rows)
		case kBool:
			c.bits = growTo(c.bits, nb)
		case kString:
			c.offs = growTo(c.offs, rows+1)
			c.data = c.data[:cap(c.data)]
		}
	}
	d.capRows = rows
}

func growTo[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	return append(s, make([]T, n-len(s))...)
}

// commit makes the decoded record row d.rows: every column gets its value
// or a NULL placeholder.
func (d *Decoder) commit() {
	n := d.rows
	for i := range d.cols {
		c := &d.cols[i]
		valid := c.set && !c.null
		setBit(c.valid, n, valid)
		if !valid {
			c.nulls++
			switch c.kind {
			case kInt64, kTimestamp:
				c.i64[n] = 0
			case kInt32:
				c.i32[n] = 0
			case kFloat64:
				c.f64[n] = 0
			case kDecimal:
				c.dec[n] = decimal128.Num{}
			case kBool:
				setBit(c.bits, n, false)
			case kString:
				c.end = int(c.offs[n])
			}
		}
		if c.kind == kString {
			c.offs[n+1] = int32(c.end)
		}
	}
	d.rows++
	if d.rows >= d.capRows {
		d.grow(2 * d.capRows)
	}
}

// NewBatch returns the rows appended since the last call as a batch (the
// caller Releases it) and starts a new one. The batch's memory comes from
// the decoder's allocator; the decoder keeps its own buffers for reuse.
func (d *Decoder) NewBatch() arrow.RecordBatch {
	n := d.rows
	cols := make([]arrow.Array, len(d.cols))
	for i := range d.cols {
		c := &d.cols[i]
		// NewData keeps the slice itself: one per column.
		bufs := make([]*memory.Buffer, 3)
		if c.nulls > 0 {
			bufs[0] = d.bitmap(c.valid, n)
		}
		nb := 2
		switch c.kind {
		case kInt64, kTimestamp:
			bufs[1] = d.buffer(arrow.Int64Traits.CastToBytes(c.i64[:n]))
		case kInt32:
			bufs[1] = d.buffer(arrow.Int32Traits.CastToBytes(c.i32[:n]))
		case kFloat64:
			bufs[1] = d.buffer(arrow.Float64Traits.CastToBytes(c.f64[:n]))
		case kDecimal:
			bufs[1] = d.buffer(arrow.Decimal128Traits.CastToBytes(c.dec[:n]))
		case kBool:
			bufs[1] = d.bitmap(c.bits, n)
		case kString:
			bufs[1] = d.buffer(arrow.Int32Traits.CastToBytes(c.offs[:n+1]))
			bufs[2] = d.buffer(c.data[:c.offs[n]])
			nb = 3
		}
		// NewData retains the buffers; drop the references taken here.
		data := array.NewData(c.typ, n, bufs[:nb], nil, c.nulls, 0)
		for _, b := range bufs[:nb] {
			if b != nil {
				b.Release()
			}
		}
		cols[i] = array.MakeFromData(data)
		data.Release()
		c.nulls = 0
	}
	d.rows = 0
	rec := array.NewRecordBatch(d.schema, cols, int64(n))
	for _, a := range cols {
		a.Release()
	}
	return rec
}

// buffer copies b into a new buffer from the decoder's allocator.
func (d *Decoder) buffer(b []byte) *memory.Buffer {
	buf := memory.NewResizableBuffer(d.alloc)
	buf.Resize(len(b))
	copy(buf.Bytes(), b)
	return buf
}

// bitmap copies the first n bits of bm, clearing the unused high bits of
// the last byte (stale bits of an earlier, longer batch).
func (d *Decoder) bitmap(bm []byte, n int) *memory.Buffer {
	nb := (n + 7) / 8
	buf := memory.NewResizableBuffer(d.alloc)
	buf.Resize(nb)
	out := buf.Bytes()
	copy(out, bm[:min(nb, len(bm))])
	if n&7 != 0 {
		out[nb-1] &= byte(1)<<(n&7) - 1
	}
	return buf
}
