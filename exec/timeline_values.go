package exec

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Timeline values. A timeline keeps state values (tl_latest, tl_prior),
// aggregate results (tl_value_at_end) and run values (tl_duration_in_state)
// per key and per window for as long as a timeline lives, so they are held
// as fixed-width words in typed slices, never as Arrow arrays or `any`:
// integers, timestamps, booleans and floats as their 64-bit pattern, a
// decimal as two words, and a string as the id of its bytes in the
// operator's dictionary (tlDict). Interning strings costs one hash probe
// per value when a batch arrives (a column at a time) and makes every
// later copy, comparison and ring-buffer move a word move; dimension-like
// columns (player state, CDN, country) have few distinct values.

// tlKind is how a value type is held.
type tlKind uint8

const (
	tlWord tlKind = iota // fixed width up to 64 bits
	tlWide               // decimal128: low and high words
	tlStr                // string or binary: dictionary id
)

func tlKindOf(dt arrow.DataType) (tlKind, error) {
	if dt == nil {
		return 0, fmt.Errorf("missing type")
	}
	switch dt.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64, arrow.DURATION:
		return tlWord, nil
	case arrow.DECIMAL128:
		return tlWide, nil
	case arrow.STRING, arrow.BINARY:
		return tlStr, nil
	}
	return 0, fmt.Errorf("type %s cannot be a timeline value", dt)
}

// tlWords is a column of values in word form, indexed by row.
type tlWords struct {
	w  []uint64
	hi []uint64 // tlWide only
	ok []bool   // not NULL
}

func (v *tlWords) resize(n int, kind tlKind) {
	v.w = resizeSlice(v.w, n)
	v.ok = resizeSlice(v.ok, n)
	if kind == tlWide {
		v.hi = resizeSlice(v.hi, n)
	}
}

// tlDict interns strings: equal bytes get equal ids, ids are dense.
type tlDict struct {
	t      *keyTable
	vecs   [1]keyVec
	hashes []uint64
	sel    []int32
	gids   []uint32
}

func newTLDict() tlDict {
	d := tlDict{t: newKeyTable([]keyKind{kindBytes})}
	d.vecs[0].kind = kindBytes
	return d
}

func (d *tlDict) bytes(id uint64) []byte {
	st := &d.t.cols[0]
	return st.arena[st.offs[id]:st.offs[id+1]]
}

// intern sets dst.w[i] to the id of row i of arr (a string or binary
// column) and dst.ok[i] to whether it is not NULL, for every row.
func (d *tlDict) intern(arr arrow.Array, dst *tlWords) error {
	n := arr.Len()
	if err := d.vecs[0].load(arr); err != nil {
		return err
	}
	d.hashes = hashKeys(d.vecs[:], n, d.hashes)
	d.sel = d.sel[:0]
	valid, voff := validity(arr)
	for i := 0; i < n; i++ {
		ok := voff >= 0 && (valid == nil || bitutil.BitIsSet(valid, voff+i))
		dst.ok[i] = ok
		if ok {
			d.sel = append(d.sel, int32(i))
		}
	}
	d.gids = resizeSlice(d.gids, n)
	d.t.findOrInsert(d.vecs[:], d.hashes, d.sel, d.gids)
	for _, i := range d.sel {
		dst.w[i] = uint64(d.gids[i])
	}
	return nil
}

// loadWords converts every row of arr into dst (resized by the caller to
// arr.Len()).
func loadWords(arr arrow.Array, dict *tlDict, dst *tlWords) error {
	n := arr.Len()
	if n == 0 {
		return nil
	}
	d := arr.Data()
	off := d.Offset()
	switch arr.DataType().ID() {
	case arrow.STRING, arrow.BINARY:
		return dict.intern(arr, dst)
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.TIMESTAMP, arrow.DATE64, arrow.TIME64, arrow.DURATION:
		copy(dst.w[:n], values[uint64](arr))
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		for i, x := range values[int32](arr) {
			dst.w[i] = uint64(int64(x))
		}
	case arrow.INT16:
		for i, x := range values[int16](arr) {
			dst.w[i] = uint64(int64(x))
		}
	case arrow.INT8:
		for i, x := range values[int8](arr) {
			dst.w[i] = uint64(int64(x))
		}
	case arrow.UINT32, arrow.FLOAT32:
		for i, x := range values[uint32](arr) {
			dst.w[i] = uint64(x)
		}
	case arrow.UINT16:
		for i, x := range values[uint16](arr) {
			dst.w[i] = uint64(x)
		}
	case arrow.UINT8:
		for i, x := range values[uint8](arr) {
			dst.w[i] = uint64(x)
		}
	case arrow.BOOL:
		bits := bufBytes(d, 1)
		for i := 0; i < n; i++ {
			dst.w[i] = 0
			if bitutil.BitIsSet(bits, off+i) {
				dst.w[i] = 1
			}
		}
	case arrow.DECIMAL128:
		for i, x := range values[[2]uint64](arr) {
			dst.w[i], dst.hi[i] = x[0], x[1]
		}
	default:
		return fmt.Errorf("type %s cannot be a timeline value", arr.DataType())
	}
	valid, voff := validity(arr)
	switch {
	case voff < 0:
		clear(dst.ok[:n])
	case valid == nil:
		for i := range dst.ok[:n] {
			dst.ok[i] = true
		}
	default:
		for i := 0; i < n; i++ {
			dst.ok[i] = bitutil.BitIsSet(valid, voff+i)
		}
	}
	return nil
}

// truthOf sets dst[i] to whether row i of a boolean column is true (NULL
// is false, as SPEC §5 has predicates on NULL).
func truthOf(arr arrow.Array, dst []bool) {
	d := arr.Data()
	n, off := arr.Len(), d.Offset()
	bits := bufBytes(d, 1)
	valid, voff := validity(arr)
	if voff < 0 || bits == nil {
		clear(dst[:n])
		return
	}
	for i := 0; i < n; i++ {
		dst[i] = bitutil.BitIsSet(bits, off+i) && (valid == nil || bitutil.BitIsSet(valid, voff+i))
	}
}

// sameValue compares two values in word form: NULL equals NULL, floats
// compare as SQL does (0 = -0, NaN = NaN).
func sameValue(dt arrow.DataType, aw, ahi uint64, aok bool, bw, bhi uint64, bok bool) bool {
	if !aok || !bok {
		return aok == bok
	}
	switch dt.ID() {
	case arrow.FLOAT64:
		return floatKey(math.Float64frombits(aw)) == floatKey(math.Float64frombits(bw))
	case arrow.FLOAT32:
		return floatKey(float64(math.Float32frombits(uint32(aw)))) == floatKey(float64(math.Float32frombits(uint32(bw))))
	}
	return aw == bw && ahi == bhi
}

// buildWordsColumn makes an Arrow column of type dt from n values in word
// form; hi is read for decimals, dict for strings.
func buildWordsColumn(alloc memory.Allocator, dt arrow.DataType, n int, w, hi []uint64, ok []bool, dict *tlDict) (arrow.Array, error) {
	nulls := 0
	for _, x := range ok[:n] {
		if !x {
			nulls++
		}
	}
	var valid *memory.Buffer
	if nulls > 0 {
		valid = newBuffer(alloc, int(bitutil.BytesForBits(int64(n))))
		vb := valid.Bytes()
		clear(vb)
		for i, x := range ok[:n] {
			if x {
				bitutil.SetBit(vb, i)
			}
		}
	}
	fixed := func(width int) (*memory.Buffer, []byte) {
		buf := newBuffer(alloc, width*n)
		return buf, buf.Bytes()
	}
	var vals *memory.Buffer
	switch dt.ID() {
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.TIMESTAMP, arrow.DATE64, arrow.TIME64, arrow.DURATION:
		buf, b := fixed(8)
		if n > 0 {
			copy(asSlice[uint64](b)[:n], w[:n])
		}
		vals = buf
	case arrow.INT32, arrow.UINT32, arrow.FLOAT32, arrow.DATE32, arrow.TIME32:
		buf, b := fixed(4)
		if n > 0 {
			dst := asSlice[uint32](b)[:n]
			for i := range dst {
				dst[i] = uint32(w[i])
			}
		}
		vals = buf
	case arrow.INT16, arrow.UINT16:
		buf, b := fixed(2)
		if n > 0 {
			dst := asSlice[uint16](b)[:n]
			for i := range dst {
				dst[i] = uint16(w[i])
			}
		}
		vals = buf
	case arrow.INT8, arrow.UINT8:
		buf, b := fixed(1)
		for i := 0; i < n; i++ {
			b[i] = uint8(w[i])
		}
		vals = buf
	case arrow.BOOL:
		buf := newBuffer(alloc, int(bitutil.BytesForBits(int64(n))))
		b := buf.Bytes()
		clear(b)
		for i := 0; i < n; i++ {
			if w[i] != 0 {
				bitutil.SetBit(b, i)
			}
		}
		vals = buf
	case arrow.DECIMAL128:
		buf, b := fixed(16)
		if n > 0 {
			dst := asSlice[[2]uint64](b)[:n]
			for i := range dst {
				dst[i] = [2]uint64{w[i], hi[i]}
			}
		}
		vals = buf
	case arrow.STRING, arrow.BINARY:
		obuf := newBuffer(alloc, 4*(n+1))
		o := asSlice[int32](obuf.Bytes())[:n+1]
		total := 0
		for i := 0; i < n; i++ {
			o[i] = int32(total)
			if ok[i] {
				total += len(dict.bytes(w[i]))
			}
		}
		o[n] = int32(total)
		dbuf := newBuffer(alloc, total)
		db := dbuf.Bytes()
		for i := 0; i < n; i++ {
			if ok[i] {
				copy(db[o[i]:o[i+1]], dict.bytes(w[i]))
			}
		}
		return makeArray(dt, n, []*memory.Buffer{valid, obuf, dbuf}, nulls), nil
	default:
		if valid != nil {
			valid.Release()
		}
		return nil, fmt.Errorf("type %s cannot be a timeline value", dt)
	}
	return makeArray(dt, n, []*memory.Buffer{valid, vals}, nulls), nil
}
