package exec

import (
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// keyTable maps tuples of key values to dense group ids 0, 1, 2, ... in
// order of first appearance. It is the core of GROUP BY and of
// count(DISTINCT): a batch's key columns are first normalised column by
// column into keyVecs (fixed-width values widened to uint64 words,
// decimals to two words, strings left in their Arrow buffers), hashed a
// column at a time into one hash per row, and then probed against an
// open-addressing table (linear probing, load <= 1/2). Keys are stored
// columnar, one keyStore per key column, strings in one byte arena, so a
// group costs a few words and no Go object.
type keyTable struct {
	cols   []keyStore
	n      int      // groups
	hashes []uint64 // per group, to rehash on growth without the keys
	mask   uint64
	growAt int

	// A single fixed-width key (GROUP BY id, the common case) keeps the
	// key in its slot, so a probe touches one cache line; its NULL group
	// lives outside the table.
	single  bool
	wslots  []uint32 // group id + 1; 0: empty
	nullGid int32    // -1: no NULL group yet

	// Otherwise slots hold hash tag (high 32 bits) << 32 | group id+1, 0
	// empty; the tag filters out almost every mismatch before the keys
	// are compared.
	slots []uint64

	// Probing first gathers every row's home slot in one pass: those
	// loads are independent, so the CPU overlaps their cache misses
	// instead of taking them one row at a time.
	preW []uint32
	preK []uint64
	pre  []uint64
}

type keyKind uint8

const (
	kindWord  keyKind = iota // fixed-width values of up to 8 bytes, as uint64
	kindWide                 // decimal128: low and high words
	kindBytes                // strings and binary
)

// keyKindOf says how values of dt are stored as keys.
func keyKindOf(dt arrow.DataType) (keyKind, error) {
	switch dt.ID() {
	case arrow.NULL, arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64, arrow.DURATION:
		return kindWord, nil
	case arrow.DECIMAL128:
		return kindWide, nil
	case arrow.STRING, arrow.BINARY:
		return kindBytes, nil
	}
	return 0, fmt.Errorf("type %s cannot be a grouping key", dt)
}

// keyStore is one key column of a keyTable, indexed by group id.
type keyStore struct {
	kind  keyKind
	words []uint64 // kindWord values; kindWide low words
	hi    []uint64 // kindWide high words
	offs  []int    // kindBytes: group g is arena[offs[g]:offs[g+1]]
	arena []byte
	nulls []bool
}

// keyVec is one key column of a batch in the normalised form the hash
// table reads: words[i] / hi[i] / data[offs[i]:offs[i+1]] for row i.
type keyVec struct {
	kind  keyKind
	words []uint64
	hi    []uint64
	offs  []int32
	data  []byte
	valid []byte // validity bitmap, nil when the column has no NULLs
	voff  int

	buf, bufHi []uint64 // scratch that words/hi may point into
	zeros      []byte
}

func growU64(b []uint64, n int) []uint64 {
	if cap(b) < n {
		return make([]uint64, n, max(n, 2*cap(b)))
	}
	return b[:n]
}

// load points v at arr's values, converting them to words where needed.
// v stays valid until the next load or until arr is released.
func (v *keyVec) load(arr arrow.Array) error {
	d := arr.Data()
	off, n := d.Offset(), arr.Len()
	v.valid, v.voff = nil, 0
	if arr.NullN() > 0 {
		v.valid, v.voff = bufBytes(d, 0), off
		if v.valid == nil { // Null type: no bitmap, all NULL
			nb := int(bitutil.BytesForBits(int64(n)))
			if cap(v.zeros) < nb {
				v.zeros = make([]byte, nb)
			}
			v.valid, v.voff = v.zeros[:nb], 0
		}
	}
	if n == 0 {
		v.words, v.hi, v.offs, v.data = nil, nil, []int32{0}, nil
		return nil
	}
	vals := bufBytes(d, 1)
	switch arr.DataType().ID() {
	case arrow.INT64, arrow.UINT64, arrow.TIMESTAMP, arrow.DATE64, arrow.TIME64, arrow.DURATION:
		v.words = asSlice[uint64](vals)[off : off+n]
		return nil
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		widen(v, asSlice[int32](vals)[off:off+n])
		return nil
	case arrow.INT16:
		widen(v, asSlice[int16](vals)[off:off+n])
		return nil
	case arrow.INT8:
		widen(v, asSlice[int8](vals)[off:off+n])
		return nil
	case arrow.UINT32:
		widen(v, asSlice[uint32](vals)[off:off+n])
		return nil
	case arrow.UINT16:
		widen(v, asSlice[uint16](vals)[off:off+n])
		return nil
	case arrow.UINT8:
		widen(v, asSlice[uint8](vals)[off:off+n])
		return nil
	case arrow.FLOAT64:
		src := asSlice[float64](vals)[off : off+n]
		v.buf = growU64(v.buf, n)
		for i, f := range src {
			v.buf[i] = floatKey(f)
		}
		v.words = v.buf
		return nil
	case arrow.FLOAT32:
		src := asSlice[float32](vals)[off : off+n]
		v.buf = growU64(v.buf, n)
		for i, f := range src {
			v.buf[i] = floatKey(float64(f))
		}
		v.words = v.buf
		return nil
	case arrow.BOOL:
		v.buf = growU64(v.buf, n)
		for i := range v.buf {
			if bitutil.BitIsSet(vals, off+i) {
				v.buf[i] = 1
			} else {
				v.buf[i] = 0
			}
		}
		v.words = v.buf
		return nil
	case arrow.NULL:
		v.buf = growU64(v.buf, n)
		clear(v.buf)
		v.words = v.buf
		return nil
	case arrow.DECIMAL128:
		src := asSlice[[2]uint64](vals)[off : off+n]
		v.buf, v.bufHi = growU64(v.buf, n), growU64(v.bufHi, n)
		for i, x := range src {
			v.buf[i], v.bufHi[i] = x[0], x[1]
		}
		v.words, v.hi = v.buf, v.bufHi
		return nil
	case arrow.STRING, arrow.BINARY:
		v.offs = asSlice[int32](vals)[off : off+n+1]
		v.data = bufBytes(d, 2)
		return nil
	}
	return fmt.Errorf("type %s cannot be a grouping key", arr.DataType())
}

func widen[T int8 | int16 | int32 | uint8 | uint16 | uint32](v *keyVec, src []T) {
	v.buf = growU64(v.buf, len(src))
	for i, x := range src {
		v.buf[i] = uint64(int64(x))
	}
	v.words = v.buf
}

// floatKey maps a float to a word such that SQL-equal values (0 and -0,
// every NaN) get the same word.
func floatKey(f float64) uint64 {
	if f == 0 {
		return 0
	}
	if f != f {
		return 0x7ff8000000000001
	}
	return math.Float64bits(f)
}

func (v *keyVec) null(i int) bool {
	return v.valid != nil && !bitutil.BitIsSet(v.valid, v.voff+i)
}

// setWords makes v a non-NULL word column (used for group ids).
func (v *keyVec) setWords(w []uint64) {
	v.kind, v.words, v.valid = kindWord, w, nil
}

const (
	hashSeed = 0x243f6a8885a308d3
	nullHash = 0x9ae16a3b2f90404f
	mulK     = 0x9e3779b97f4a7c15
)

var bytesSeed = maphash.MakeSeed()

func mix(h, w uint64) uint64 {
	hi, lo := bits.Mul64(h^w, mulK)
	return hi ^ lo
}

// hashKeys computes one hash per row of vecs (n rows) into hashes.
func hashKeys(vecs []keyVec, n int, hashes []uint64) []uint64 {
	hashes = growU64(hashes, n)
	for i := range hashes {
		hashes[i] = hashSeed
	}
	for c := range vecs {
		v := &vecs[c]
		if v.valid != nil {
			hashNullable(v, n, hashes)
			continue
		}
		switch v.kind {
		case kindWord:
			w := v.words[:n]
			for i, x := range w {
				hashes[i] = mix(hashes[i], x)
			}
		case kindWide:
			w, hw := v.words[:n], v.hi[:n]
			for i, x := range w {
				hashes[i] = mix(mix(hashes[i], x), hw[i])
			}
		case kindBytes:
			offs := v.offs
			for i := 0; i < n; i++ {
				hashes[i] = mix(hashes[i], maphash.Bytes(bytesSeed, v.data[offs[i]:offs[i+1]]))
			}
		}
	}
	return hashes
}

// hashNullable mixes a column with NULLs into hashes. A NULL hashes as
// nullHash alone, whatever its value slot holds: kernels leave arbitrary
// values under NULLs, and a key table stores NULLs with a zero value
// (which is what a restored table hashes), so the slot must not matter.
func hashNullable(v *keyVec, n int, hashes []uint64) {
	for i := 0; i < n; i++ {
		h := hashes[i]
		switch {
		case !bitutil.BitIsSet(v.valid, v.voff+i):
			h = mix(h, nullHash)
		case v.kind == kindWord:
			h = mix(h, v.words[i])
		case v.kind == kindWide:
			h = mix(mix(h, v.words[i]), v.hi[i])
		default:
			h = mix(h, maphash.Bytes(bytesSeed, v.data[v.offs[i]:v.offs[i+1]]))
		}
		hashes[i] = h
	}
}

func newKeyTable(kinds []keyKind) *keyTable {
	t := &keyTable{cols: make([]keyStore, len(kinds)), nullGid: -1}
	for i, k := range kinds {
		t.cols[i].kind = k
		if k == kindBytes {
			t.cols[i].offs = []int{0}
		}
	}
	t.single = len(kinds) == 1 && kinds[0] == kindWord
	t.alloc(16)
	return t
}

func (t *keyTable) alloc(nslots int) {
	if t.single {
		t.wslots = make([]uint32, nslots)
	} else {
		t.slots = make([]uint64, nslots)
	}
	t.mask = uint64(nslots - 1)
	t.growAt = nslots / 2
}

// reset forgets every group, keeping the memory.
func (t *keyTable) reset() {
	t.n = 0
	t.nullGid = -1
	t.hashes = t.hashes[:0]
	clear(t.slots)
	clear(t.wslots)
	for c := range t.cols {
		st := &t.cols[c]
		st.words, st.hi, st.nulls, st.arena = st.words[:0], st.hi[:0], st.nulls[:0], st.arena[:0]
		if st.kind == kindBytes {
			st.offs = st.offs[:1]
		}
	}
}

func (t *keyTable) grow() {
	t.alloc(2 * int(t.mask+1))
	if t.single {
		st := &t.cols[0]
		for g, h := range t.hashes[:t.n] {
			if st.nulls[g] {
				continue
			}
			pos := h & t.mask
			for t.wslots[pos] != 0 {
				pos = (pos + 1) & t.mask
			}
			t.wslots[pos] = uint32(g + 1)
		}
		return
	}
	for g, h := range t.hashes[:t.n] {
		pos := h & t.mask
		for t.slots[pos] != 0 {
			pos = (pos + 1) & t.mask
		}
		t.slots[pos] = h>>32<<32 | uint64(g+1)
	}
}

// appendRow appends row i of v (a NULL as a zero word or an empty string
// with its null flag).
func (st *keyStore) appendRow(v *keyVec, i int) {
	isNull := v.null(i)
	st.nulls = append(st.nulls, isNull)
	switch st.kind {
	case kindWord:
		w := uint64(0)
		if !isNull {
			w = v.words[i]
		}
		st.words = append(st.words, w)
	case kindWide:
		lo, hi := uint64(0), uint64(0)
		if !isNull {
			lo, hi = v.words[i], v.hi[i]
		}
		st.words, st.hi = append(st.words, lo), append(st.hi, hi)
	case kindBytes:
		if !isNull {
			st.arena = append(st.arena, v.data[v.offs[i]:v.offs[i+1]]...)
		}
		st.offs = append(st.offs, len(st.arena))
	}
}

// appendKey stores row i of vecs as group t.n.
func (t *keyTable) appendKey(vecs []keyVec, i int, h uint64) uint32 {
	for c := range t.cols {
		t.cols[c].appendRow(&vecs[c], i)
	}
	t.hashes = append(t.hashes, h)
	t.n++
	return uint32(t.n - 1)
}

func (t *keyTable) equal(g uint32, vecs []keyVec, i int) bool {
	for c := range t.cols {
		st, v := &t.cols[c], &vecs[c]
		vn, gn := v.null(i), st.nulls[g]
		if vn || gn {
			if vn != gn {
				return false
			}
			continue
		}
		switch st.kind {
		case kindWord:
			if st.words[g] != v.words[i] {
				return false
			}
		case kindWide:
			if st.words[g] != v.words[i] || st.hi[g] != v.hi[i] {
				return false
			}
		case kindBytes:
			if string(st.arena[st.offs[g]:st.offs[g+1]]) != string(v.data[v.offs[i]:v.offs[i+1]]) {
				return false
			}
		}
	}
	return true
}

// findOrInsert sets gids[i] to the group of row i for every i in sel,
// creating groups for new keys. hashes come from hashKeys over vecs.
// It returns the number of groups created.
func (t *keyTable) findOrInsert(vecs []keyVec, hashes []uint64, sel []int32, gids []uint32) int {
	before := t.n
	if len(t.cols) == 0 {
		if t.n == 0 && len(sel) > 0 {
			t.hashes = append(t.hashes, 0)
			t.n = 1
		}
		for _, i := range sel {
			gids[i] = 0
		}
		return t.n - before
	}
	if t.single {
		t.probeSingle(vecs, hashes, sel, gids)
		return t.n - before
	}
	t.pre = resizeSlice(t.pre, len(sel))
	pre, slots, mask := t.pre, t.slots, t.mask
	for j, i := range sel {
		pre[j] = slots[hashes[i]&mask]
	}
	for j, i := range sel {
		h := hashes[i]
		if e := pre[j]; e != 0 && e>>32 == h>>32 && t.equal(uint32(e)-1, vecs, int(i)) {
			gids[i] = uint32(e) - 1
			continue
		}
		gids[i] = t.probe(vecs, int(i), h)
	}
	return t.n - before
}

// probe finds or inserts row i (general layout). A slot found empty in
// the gather pass may have been filled since, so this re-reads.
func (t *keyTable) probe(vecs []keyVec, i int, h uint64) uint32 {
	tag := h >> 32
	for pos := h & t.mask; ; pos = (pos + 1) & t.mask {
		e := t.slots[pos]
		if e == 0 {
			g := t.appendKey(vecs, i, h)
			if t.n > t.growAt {
				t.grow()
			} else {
				t.slots[pos] = tag<<32 | uint64(g+1)
			}
			return g
		}
		if e>>32 == tag && t.equal(uint32(e)-1, vecs, i) {
			return uint32(e) - 1
		}
	}
}

// probeSingle is findOrInsert for the single fixed-width key layout:
// slots hold group ids only (4 bytes, so the table stays small enough for
// L2) and the key is checked in the dense key column. Both lookups are
// first gathered for the whole batch so their misses overlap.
func (t *keyTable) probeSingle(vecs []keyVec, hashes []uint64, sel []int32, gids []uint32) {
	v := &vecs[0]
	w := v.words
	keys := t.cols[0].words
	t.preW = resizeSlice(t.preW, len(sel))
	t.preK = resizeSlice(t.preK, len(sel))
	pre, preK, ws, mask := t.preW, t.preK, t.wslots, t.mask
	for j, i := range sel {
		pre[j] = ws[hashes[i]&mask]
	}
	for j, g := range pre {
		if g != 0 {
			preK[j] = keys[g-1]
		}
	}
	for j, i := range sel {
		if v.valid != nil && v.null(int(i)) {
			if t.nullGid < 0 {
				t.nullGid = int32(t.appendKey(vecs, int(i), hashes[i]))
			}
			gids[i] = uint32(t.nullGid)
			continue
		}
		x := w[i]
		if g := pre[j]; g != 0 && preK[j] == x {
			gids[i] = g - 1
			continue
		}
		gids[i] = t.probeWord(vecs, int(i), x, hashes[i])
	}
}

func (t *keyTable) probeWord(vecs []keyVec, i int, x, h uint64) uint32 {
	st := &t.cols[0]
	for pos := h & t.mask; ; pos = (pos + 1) & t.mask {
		e := t.wslots[pos]
		if e == 0 {
			g := t.appendKey(vecs, i, h)
			if t.n > t.growAt {
				t.grow()
			} else {
				t.wslots[pos] = g + 1
			}
			return g
		}
		if st.words[e-1] == x && !st.nulls[e-1] {
			return e - 1
		}
	}
}

// exportVecs fills vecs with the stored keys of groups ids, in that order,
// as if they were a batch (for rebuilding and merging).
func (t *keyTable) exportVecs(ids []uint32, vecs []keyVec) {
	n := len(ids)
	for c := range t.cols {
		st, v := &t.cols[c], &vecs[c]
		v.kind = st.kind
		v.valid, v.voff = nil, 0
		for j, g := range ids {
			if st.nulls[g] {
				if v.valid == nil {
					nb := int(bitutil.BytesForBits(int64(n)))
					if cap(v.zeros) < nb {
						v.zeros = make([]byte, nb)
					}
					v.valid = v.zeros[:nb]
					for k := range v.valid {
						v.valid[k] = 0xff
					}
				}
				bitutil.ClearBit(v.valid, j)
			}
		}
		switch st.kind {
		case kindWord:
			v.buf = growU64(v.buf, n)
			for j, g := range ids {
				v.buf[j] = st.words[g]
			}
			v.words = v.buf
		case kindWide:
			v.buf, v.bufHi = growU64(v.buf, n), growU64(v.bufHi, n)
			for j, g := range ids {
				v.buf[j], v.bufHi[j] = st.words[g], st.hi[g]
			}
			v.words, v.hi = v.buf, v.bufHi
		case kindBytes:
			offs := make([]int32, n+1)
			var data []byte
			for j, g := range ids {
				data = append(data, st.arena[st.offs[g]:st.offs[g+1]]...)
				offs[j+1] = int32(len(data))
			}
			v.offs, v.data = offs, data
		}
	}
}

// compact keeps only the groups in keep, renumbered 0..len(keep)-1 in
// that order.
func (t *keyTable) compact(keep []uint32) {
	kinds := make([]keyKind, len(t.cols))
	for c := range t.cols {
		kinds[c] = t.cols[c].kind
	}
	nt := newKeyTable(kinds)
	for nt.growAt < len(keep) {
		nt.alloc(2 * int(nt.mask+1))
	}
	if len(keep) > 0 {
		vecs := make([]keyVec, len(t.cols))
		t.exportVecs(keep, vecs)
		hashes := make([]uint64, len(keep))
		for j, g := range keep {
			hashes[j] = t.hashes[g]
		}
		sel := identity(nil, len(keep))
		gids := make([]uint32, len(keep))
		nt.findOrInsert(vecs, hashes, sel, gids)
	}
	*t = *nt
}

// buildKeyColumn makes the output column of type dt for key column c of
// groups gids.
func (t *keyTable) buildKeyColumn(alloc memory.Allocator, c int, dt arrow.DataType, gids []uint32) (arrow.Array, error) {
	st := &t.cols[c]
	n := len(gids)
	valid, nulls := nullsBitmap(alloc, st.nulls, gids)
	var vals *memory.Buffer
	switch dt.ID() {
	case arrow.NULL:
		if valid != nil {
			valid.Release()
		}
		return array.NewNull(n), nil
	case arrow.INT64, arrow.UINT64, arrow.TIMESTAMP, arrow.DATE64, arrow.TIME64, arrow.DURATION:
		vals = buildWords[uint64](alloc, st.words, gids, func(w uint64) uint64 { return w })
	case arrow.FLOAT64:
		vals = buildWords[uint64](alloc, st.words, gids, func(w uint64) uint64 { return w })
	case arrow.INT32, arrow.DATE32, arrow.TIME32, arrow.UINT32:
		vals = buildWords[uint32](alloc, st.words, gids, func(w uint64) uint32 { return uint32(w) })
	case arrow.FLOAT32:
		vals = buildWords[float32](alloc, st.words, gids, func(w uint64) float32 { return float32(math.Float64frombits(w)) })
	case arrow.INT16, arrow.UINT16:
		vals = buildWords[uint16](alloc, st.words, gids, func(w uint64) uint16 { return uint16(w) })
	case arrow.INT8, arrow.UINT8:
		vals = buildWords[uint8](alloc, st.words, gids, func(w uint64) uint8 { return uint8(w) })
	case arrow.BOOL:
		vals = newBuffer(alloc, int(bitutil.BytesForBits(int64(n))))
		b := vals.Bytes()
		clear(b)
		for j, g := range gids {
			if st.words[g] != 0 {
				bitutil.SetBit(b, j)
			}
		}
	case arrow.DECIMAL128:
		vals = newBuffer(alloc, 16*n)
		if n > 0 {
			dst := asSlice[[2]uint64](vals.Bytes())[:n]
			for j, g := range gids {
				dst[j] = [2]uint64{st.words[g], st.hi[g]}
			}
		}
	case arrow.STRING, arrow.BINARY:
		offs, data := buildBytes(alloc, st.offs, st.arena, gids)
		return makeArray(dt, n, []*memory.Buffer{valid, offs, data}, nulls), nil
	default:
		if valid != nil {
			valid.Release()
		}
		return nil, fmt.Errorf("type %s cannot be a grouping key", dt)
	}
	return makeArray(dt, n, []*memory.Buffer{valid, vals}, nulls), nil
}

// nullsBitmap builds a validity bitmap from per-group NULL flags; nil
// when none of gids is NULL.
func nullsBitmap(alloc memory.Allocator, isNull []bool, gids []uint32) (*memory.Buffer, int) {
	nulls := 0
	for _, g := range gids {
		if isNull[g] {
			nulls++
		}
	}
	if nulls == 0 {
		return nil, 0
	}
	buf := newBuffer(alloc, int(bitutil.BytesForBits(int64(len(gids)))))
	b := buf.Bytes()
	clear(b)
	for j, g := range gids {
		if !isNull[g] {
			bitutil.SetBit(b, j)
		}
	}
	return buf, nulls
}

func buildWords[T any](alloc memory.Allocator, words []uint64, gids []uint32, conv func(uint64) T) *memory.Buffer {
	var zero T
	buf := newBuffer(alloc, len(gids)*int(unsafe.Sizeof(zero)))
	if len(gids) == 0 {
		return buf
	}
	dst := asSlice[T](buf.Bytes())[:len(gids)]
	for j, g := range gids {
		dst[j] = conv(words[g])
	}
	return buf
}

// buildBytes builds the offsets and data buffers of a string column from
// values stored as arena[offs[g]:offs[g+1]].
func buildBytes(alloc memory.Allocator, offs []int, arena []byte, gids []uint32) (*memory.Buffer, *memory.Buffer) {
	n := len(gids)
	obuf := newBuffer(alloc, 4*(n+1))
	o := asSlice[int32](obuf.Bytes())[:n+1]
	total := 0
	for j, g := range gids {
		o[j] = int32(total)
		total += offs[g+1] - offs[g]
	}
	o[n] = int32(total)
	dbuf := newBuffer(alloc, total)
	d := dbuf.Bytes()
	for j, g := range gids {
		copy(d[o[j]:o[j+1]], arena[offs[g]:offs[g+1]])
	}
	return obuf, dbuf
}
