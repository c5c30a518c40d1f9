package exec

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"

	"github.com/spate-sql/spate/exec/expr"
)

// MaxTopN bounds N: every partition reserves N rank slots, so N is a
// memory multiplier, not a result limit.
const MaxTopN = 10000

// TopN keeps the first N rows of each partition in ORDER BY order
// (ROW_NUMBER() ... WHERE rn <= N) over an append-only input and emits
// the ranks that changed, as upserts, at each watermark.
//
// Layout: partition keys sit in a keyTable (partition id p); partition
// p's ranks are the sorted entries ents[p*N : p*N+cnt[p]], each a row id
// into a row store (a keyTable used only as columnar storage, never
// probed) plus the first ORDER BY column as a normalised word, so the
// usual comparison is one word. ORDER BY values are normalised to words
// whose unsigned order is the SQL order (sign bit flipped, floats by
// their IEEE bits, DESC inverted); strings compare as bytes from the row
// store. An incoming row is first compared with the partition's N-th
// entry: most rows of a long stream lose there and cost nothing more.
// A row that enters is appended to the row store (no Go allocation per
// row) and the ranks after it shift by one. Rows pushed out leave garbage
// in the store, which is compacted once it outweighs the live rows.
type TopN struct {
	opBase
	spec   *TopNSpec
	schema *arrow.Schema
	in     *arrow.Schema
	n      int
	kinds  []keyKind // per input column

	parts  *keyTable // nil without PARTITION BY: one partition
	nparts int
	rows   *keyTable
	subs   []topnSub
	nword  int      // word subkeys per stored row
	ordW   []uint64 // row*nword + slot: normalised ORDER BY words
	ordN   []bool   // row*nword + slot: NULL
	ents   []topnEntry
	cnt    []int32
	dirty  []int32 // per partition: first rank changed since the last emission, n: none
	dlist  []uint32
	seq    uint64
	live   int
	wm     int64

	vecs   []keyVec // per input column, for the current batch
	pvecs  []keyVec
	hashes []uint64
	pids   []uint32
	ident  []int32
	inW    [][]uint64 // per word subkey: the batch's normalised words
	outRow []uint32
	outRnk []int64
	sspec  stateSpec
}

type topnEntry struct {
	k0  uint64 // subkey 0's word when it is a word subkey (0 when NULL)
	seq uint64 // arrival order, the last tie-break
	row uint32
	n0  bool // subkey 0 is NULL
}

type subKind uint8

const (
	subWord  subKind = iota // fixed width, one normalised word
	subDecHi                // decimal: high word, signed
	subDecLo                // decimal: low word
	subBytes                // string: bytes from the row store
)

// topnSub is one comparison step: an ORDER BY column, or half of a
// decimal one.
type topnSub struct {
	kind       subKind
	col        int
	slot       int // index among word subkeys (not subBytes)
	desc       bool
	nullsFirst bool
	dt         arrow.DataType
}

func newTopN(spec *TopNSpec, out, in *arrow.Schema) (*TopN, error) {
	if spec.N < 1 || spec.N > MaxTopN {
		return nil, fmt.Errorf("top-N: N = %d, want 1..%d", spec.N, MaxTopN)
	}
	nin := in.NumFields()
	if nin > 0 && in.Field(nin-1).Name == expr.DeletedColumn {
		return nil, errors.New("top-N over an updating input is not supported")
	}
	if out.NumFields() != nin+2 {
		return nil, fmt.Errorf("top-N: output has %d columns, want the %d input columns, the row number and %s", out.NumFields(), nin, expr.DeletedColumn)
	}
	for i := 0; i < nin; i++ {
		if !arrow.TypeEqual(out.Field(i).Type, in.Field(i).Type) {
			return nil, fmt.Errorf("top-N: output column %d is %s, input %s", i, out.Field(i).Type, in.Field(i).Type)
		}
	}
	if out.Field(nin).Type.ID() != arrow.INT64 || out.Field(nin+1).Type.ID() != arrow.BOOL || out.Field(nin+1).Name != expr.DeletedColumn {
		return nil, fmt.Errorf("top-N: output must end with a BIGINT row number and %s, got %s", expr.DeletedColumn, out)
	}
	t := &TopN{spec: spec, schema: out, in: in, n: spec.N, wm: MinWatermark}
	for i := 0; i < nin; i++ {
		k, err := keyKindOf(in.Field(i).Type)
		if err != nil {
			return nil, fmt.Errorf("top-N: column %s: %w", in.Field(i).Name, err)
		}
		t.kinds = append(t.kinds, k)
	}
	for _, c := range spec.Partition {
		if c < 0 || c >= nin {
			return nil, fmt.Errorf("top-N: partition column %d out of range", c)
		}
	}
	if len(spec.Order) == 0 {
		return nil, errors.New("top-N: no ORDER BY column")
	}
	for _, o := range spec.Order {
		if o.Col < 0 || o.Col >= nin {
			return nil, fmt.Errorf("top-N: order column %d out of range", o.Col)
		}
		dt := in.Field(o.Col).Type
		s := topnSub{col: o.Col, desc: o.Desc, nullsFirst: o.NullsFirst, dt: dt}
		switch t.kinds[o.Col] {
		case kindBytes:
			s.kind = subBytes
			t.subs = append(t.subs, s)
		case kindWide:
			s.kind, s.slot = subDecHi, t.nword
			t.subs = append(t.subs, s)
			s.kind, s.slot = subDecLo, t.nword+1
			t.subs = append(t.subs, s)
			t.nword += 2
		default:
			if dt.ID() == arrow.NULL {
				continue // all NULL: orders nothing
			}
			s.kind, s.slot = subWord, t.nword
			t.subs = append(t.subs, s)
			t.nword++
		}
	}
	t.sspec = stateSpec{
		{"input", in.String()},
		{"partition", fmt.Sprint(spec.Partition)},
		{"order", fmt.Sprint(spec.Order)},
		{"n", fmt.Sprint(spec.N)},
	}
	return t, nil
}

func (t *TopN) Open(ctx *OpContext, out Emitter) error {
	if err := t.open(ctx, out); err != nil {
		return err
	}
	t.reset()
	return nil
}

// reset makes the state empty.
func (t *TopN) reset() {
	nin := len(t.kinds)
	t.vecs = make([]keyVec, nin)
	for i := range t.vecs {
		t.vecs[i].kind = t.kinds[i]
	}
	t.rows = newKeyTable(t.kinds)
	t.parts = nil
	t.nparts = 0
	if len(t.spec.Partition) > 0 {
		pk := make([]keyKind, len(t.spec.Partition))
		for j, c := range t.spec.Partition {
			pk[j] = t.kinds[c]
		}
		t.parts = newKeyTable(pk)
		t.pvecs = make([]keyVec, len(pk))
	} else {
		t.growParts(1)
	}
	t.inW = make([][]uint64, t.nword)
	t.ordW, t.ordN = t.ordW[:0], t.ordN[:0]
	t.dlist = t.dlist[:0]
	t.seq, t.live = 0, 0
	t.wm = MinWatermark
}

// growParts makes room for partitions [0, n).
func (t *TopN) growParts(n int) {
	if n <= t.nparts {
		return
	}
	t.ents = resizeZero(t.ents, n*t.n)
	t.cnt = resizeZero(t.cnt, n)
	old := len(t.dirty)
	t.dirty = resizeSlice(t.dirty, n)
	for p := old; p < n; p++ {
		t.dirty[p] = int32(t.n)
	}
	t.nparts = n
}

func (t *TopN) Push(port int, b arrow.RecordBatch) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	if int(b.NumCols()) != len(t.kinds) {
		return fmt.Errorf("top-N: batch has %d columns, want %d", b.NumCols(), len(t.kinds))
	}
	for c := range t.vecs {
		if err := t.vecs[c].load(b.Column(c)); err != nil {
			return fmt.Errorf("top-N: column %s: %w", t.in.Field(c).Name, err)
		}
	}
	t.pids = resizeSlice(t.pids, n)
	if t.parts != nil {
		for j, c := range t.spec.Partition {
			t.pvecs[j] = t.vecs[c]
		}
		t.hashes = hashKeys(t.pvecs, n, t.hashes)
		t.ident = identity(t.ident, n)
		t.parts.findOrInsert(t.pvecs, t.hashes, t.ident, t.pids)
		t.growParts(t.parts.n)
	} else {
		clear(t.pids)
	}
	for _, s := range t.subs {
		if s.kind != subBytes {
			t.inW[s.slot] = normWords(b.Column(s.col), s, t.inW[s.slot])
		}
	}
	for i := 0; i < n; i++ {
		t.offer(i, t.pids[i])
	}
	if t.rows.n > 2*t.live+1024 {
		t.compact()
	}
	t.ctx.Metrics.StateRows.Set(int64(t.live))
	return nil
}

// normWords writes the normalised words of a word subkey for every row
// of arr into dst: unsigned order of the words is the SQL order of the
// values in the subkey's direction (NULLs get 0; they are flagged apart).
func normWords(arr arrow.Array, s topnSub, dst []uint64) []uint64 {
	n := arr.Len()
	dst = growU64(dst, n)
	const sign = 1 << 63
	switch arr.DataType().ID() {
	case arrow.INT64, arrow.TIMESTAMP, arrow.DATE64, arrow.TIME64, arrow.DURATION:
		for i, v := range values[int64](arr) {
			dst[i] = uint64(v) ^ sign
		}
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		for i, v := range values[int32](arr) {
			dst[i] = uint64(int64(v)) ^ sign
		}
	case arrow.INT16:
		for i, v := range values[int16](arr) {
			dst[i] = uint64(int64(v)) ^ sign
		}
	case arrow.INT8:
		for i, v := range values[int8](arr) {
			dst[i] = uint64(int64(v)) ^ sign
		}
	case arrow.UINT64:
		copy(dst, values[uint64](arr))
	case arrow.UINT32:
		for i, v := range values[uint32](arr) {
			dst[i] = uint64(v)
		}
	case arrow.UINT16:
		for i, v := range values[uint16](arr) {
			dst[i] = uint64(v)
		}
	case arrow.UINT8:
		for i, v := range values[uint8](arr) {
			dst[i] = uint64(v)
		}
	case arrow.FLOAT64:
		for i, v := range values[float64](arr) {
			dst[i] = floatOrder(v)
		}
	case arrow.FLOAT32:
		for i, v := range values[float32](arr) {
			dst[i] = floatOrder(float64(v))
		}
	case arrow.BOOL:
		d := arr.Data()
		bits, off := bufBytes(d, 1), d.Offset()
		for i := range dst {
			dst[i] = 0
			if bitutil.BitIsSet(bits, off+i) {
				dst[i] = 1
			}
		}
	case arrow.DECIMAL128:
		for i, v := range values[[2]uint64](arr) {
			if s.kind == subDecHi {
				dst[i] = v[1] ^ sign
			} else {
				dst[i] = v[0]
			}
		}
	}
	if s.desc {
		for i := range dst {
			dst[i] = ^dst[i]
		}
	}
	if arr.NullN() > 0 {
		for i := range dst {
			if arr.IsNull(i) {
				dst[i] = 0
			}
		}
	}
	return dst
}

// floatOrder maps a float to a word in SQL order: -0 equals 0 and NaN
// is above +Inf (DuckDB's order).
func floatOrder(f float64) uint64 {
	if f == 0 {
		f = 0
	}
	b := math.Float64bits(f)
	if f != f {
		b = 0x7ff8000000000000
	}
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// cmpWord compares two subkey values, NULLs first or last.
func cmpWord(an, bn bool, a, b uint64, nullsFirst bool) int {
	if an || bn {
		switch {
		case an == bn:
			return 0
		case an == nullsFirst:
			return -1
		}
		return 1
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// beats reports whether batch row i ranks before entry e; a row equal to
// e on every ORDER BY column arrived after it, so it does not.
func (t *TopN) beats(i int, e *topnEntry) bool {
	for k := range t.subs {
		s := &t.subs[k]
		var c int
		switch {
		case s.kind == subBytes:
			v := &t.vecs[s.col]
			st := &t.rows.cols[s.col]
			an, bn := v.null(i), st.nulls[e.row]
			if an || bn {
				c = cmpWord(an, bn, 0, 0, s.nullsFirst)
				break
			}
			c = bytes.Compare(v.data[v.offs[i]:v.offs[i+1]], st.arena[st.offs[e.row]:st.offs[e.row+1]])
			if s.desc {
				c = -c
			}
		case k == 0:
			c = cmpWord(t.vecs[s.col].null(i), e.n0, t.inW[s.slot][i], e.k0, s.nullsFirst)
		default:
			x := int(e.row)*t.nword + s.slot
			c = cmpWord(t.vecs[s.col].null(i), t.ordN[x], t.inW[s.slot][i], t.ordW[x], s.nullsFirst)
		}
		if c != 0 {
			return c < 0
		}
	}
	return false
}

// offer ranks batch row i in partition p.
func (t *TopN) offer(i int, p uint32) {
	base := int(p) * t.n
	c := int(t.cnt[p])
	list := t.ents[base : base+c]
	hi := c
	if c == t.n {
		if !t.beats(i, &list[c-1]) {
			return
		}
		hi = c - 1
	}
	lo := 0
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if t.beats(i, &list[mid]) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	pos := lo
	row := t.rows.appendKey(t.vecs, i, 0)
	for _, s := range t.subs {
		if s.kind != subBytes {
			t.ordW = append(t.ordW, t.inW[s.slot][i])
			t.ordN = append(t.ordN, t.vecs[s.col].null(i))
		}
	}
	e := topnEntry{seq: t.seq, row: row}
	t.seq++
	if s := &t.subs[0]; s.kind != subBytes {
		e.k0, e.n0 = t.inW[s.slot][i], t.vecs[s.col].null(i)
	}
	all := t.ents[base : base+t.n]
	if c == t.n {
		copy(all[pos+1:], all[pos:t.n-1])
	} else {
		copy(all[pos+1:c+1], all[pos:c])
		t.cnt[p]++
		t.live++
	}
	all[pos] = e
	if d := t.dirty[p]; int(d) == t.n {
		t.dlist = append(t.dlist, p)
		t.dirty[p] = int32(pos)
	} else if int32(pos) < d {
		t.dirty[p] = int32(pos)
	}
}

// compact rewrites the row store with only the rows some rank holds, in
// partition and rank order.
func (t *TopN) compact() {
	keep := t.outRow[:0]
	for p := 0; p < t.nparts; p++ {
		base := p * t.n
		for r := 0; r < int(t.cnt[p]); r++ {
			keep = append(keep, t.ents[base+r].row)
			t.ents[base+r].row = uint32(len(keep) - 1)
		}
	}
	t.outRow = keep
	rows := newKeyTable(t.kinds)
	for c := range rows.cols {
		rows.cols[c] = gatherStore(&t.rows.cols[c], keep)
	}
	rows.n = len(keep)
	rows.hashes = make([]uint64, len(keep))
	ordW := make([]uint64, 0, len(keep)*t.nword)
	ordN := make([]bool, 0, len(keep)*t.nword)
	for _, g := range keep {
		x := int(g) * t.nword
		ordW = append(ordW, t.ordW[x:x+t.nword]...)
		ordN = append(ordN, t.ordN[x:x+t.nword]...)
	}
	t.rows, t.ordW, t.ordN = rows, ordW, ordN
}

// gatherStore copies the values of rows keep of st, in that order.
func gatherStore(st *keyStore, keep []uint32) keyStore {
	out := keyStore{kind: st.kind, nulls: make([]bool, len(keep))}
	for j, g := range keep {
		out.nulls[j] = st.nulls[g]
	}
	switch st.kind {
	case kindWord, kindWide:
		out.words = make([]uint64, len(keep))
		for j, g := range keep {
			out.words[j] = st.words[g]
		}
		if st.kind == kindWide {
			out.hi = make([]uint64, len(keep))
			for j, g := range keep {
				out.hi[j] = st.hi[g]
			}
		}
	case kindBytes:
		total := 0
		for _, g := range keep {
			total += st.offs[g+1] - st.offs[g]
		}
		out.offs = make([]int, len(keep)+1)
		out.arena = make([]byte, 0, total)
		for j, g := range keep {
			out.arena = append(out.arena, st.arena[st.offs[g]:st.offs[g+1]]...)
			out.offs[j+1] = len(out.arena)
		}
	}
	return out
}

func (t *TopN) Watermark(wm int64) error {
	if wm > t.wm {
		t.wm = wm
	}
	return t.emitChanges()
}

// topnEmitChunk bounds an output batch.
const topnEmitChunk = 1 << 16

// emitChanges emits every changed (partition, rank) with its current
// row, in the order partitions first changed.
func (t *TopN) emitChanges() error {
	if len(t.dlist) == 0 {
		return nil
	}
	t.outRow, t.outRnk = t.outRow[:0], t.outRnk[:0]
	for _, p := range t.dlist {
		base := int(p) * t.n
		for r := int(t.dirty[p]); r < int(t.cnt[p]); r++ {
			t.outRow = append(t.outRow, t.ents[base+r].row)
			t.outRnk = append(t.outRnk, int64(r+1))
		}
		t.dirty[p] = int32(t.n)
	}
	t.dlist = t.dlist[:0]
	for lo := 0; lo < len(t.outRow); lo += topnEmitChunk {
		hi := min(len(t.outRow), lo+topnEmitChunk)
		if err := t.emitRows(t.outRow[lo:hi], t.outRnk[lo:hi]); err != nil {
			return err
		}
	}
	return nil
}

func (t *TopN) emitRows(rows []uint32, ranks []int64) error {
	alloc := t.ctx.Alloc
	cols := make([]arrow.Array, 0, t.schema.NumFields())
	defer func() { releaseArrays(cols) }()
	for c := range t.kinds {
		col, err := t.rows.buildKeyColumn(alloc, c, t.in.Field(c).Type, rows)
		if err != nil {
			return fmt.Errorf("top-N: %w", err)
		}
		cols = append(cols, col)
	}
	cols = append(cols, int64Array(alloc, expr.TypeBigint, ranks, 0))
	cols = append(cols, boolArray(alloc, nil, len(rows)))
	out := array.NewRecordBatch(t.schema, cols, int64(len(rows)))
	defer out.Release()
	return t.emit(out)
}

func (t *TopN) Close() error {
	t.rows, t.parts = nil, nil
	t.ents, t.cnt, t.dirty, t.ordW, t.ordN = nil, nil, nil, nil, nil
	t.nparts, t.live = 0, 0
	if t.ctx != nil {
		t.ctx.Metrics.StateRows.Set(0)
	}
	return nil
}
