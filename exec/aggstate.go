package exec

import (
	"fmt"
	"math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Aggregate state layout. The fixed-size states of all aggregates of a
// group (a count, a sum and its "seen" flag, an average's sum and count,
// a running max ...) sit side by side in one row of a groupRows, rows
// indexed by group id. Updating four aggregates for a batch then walks
// the same rows four times: the first loop brings a group's row into
// cache and the others find it there, instead of each aggregate missing
// on its own array (what a struct of per-aggregate arrays costs once the
// groups outgrow L2). Each aggregate still updates in its own typed loop
// over (group id, value), reading its state through a typed pointer at
// its offset in the row. States that do not fit a fixed row (min/max of
// strings, count(DISTINCT)) keep their own typed structures.

// groupRows is the row store: stride bytes per group, zeroed on growth.
type groupRows struct {
	buf    []uint64
	stride uintptr // bytes, a multiple of 8
}

func (r *groupRows) resize(n int) { r.buf = resizeZero(r.buf, n*int(r.stride/8)) }
func (r *groupRows) reset()       { r.buf = r.buf[:0] }
func (r *groupRows) clear(g uint32) {
	w := int(r.stride / 8)
	clear(r.buf[int(g)*w : int(g+1)*w])
}

// base is the address of row 0; valid until the next resize.
func (r *groupRows) base() unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(r.buf)) }

// aggSet is the aggregates of one table of groups and their rows.
type aggSet struct {
	rows groupRows
	aggs []aggState
}

func newAggSet(aggs []aggState) *aggSet {
	s := &aggSet{aggs: aggs}
	for _, a := range aggs {
		sz := a.rowBytes()
		a.bind(&s.rows, s.rows.stride)
		s.rows.stride += sz
	}
	// Round the row up so rows never straddle cache lines: 8, 16, 32,
	// 64, then whole lines.
	switch st := s.rows.stride; {
	case st == 0:
	case st <= 64:
		s.rows.stride = 8
		for s.rows.stride < st {
			s.rows.stride *= 2
		}
	default:
		s.rows.stride = (st + 63) &^ 63
	}
	return s
}

func (s *aggSet) resize(n int) {
	s.rows.resize(n)
	for _, a := range s.aggs {
		a.resize(n)
	}
}

func (s *aggSet) reset() {
	s.rows.reset()
	for _, a := range s.aggs {
		a.reset()
	}
}

func (s *aggSet) clear(g uint32) {
	if s.rows.stride > 0 {
		s.rows.clear(g)
	}
	for _, a := range s.aggs {
		a.clear(g)
	}
}

// aggState is one aggregate function's state for every group of a
// table. update runs once per batch with a typed loop over the selected
// rows; nothing is allocated per row.
type aggState interface {
	// rowBytes is the size of the state kept in the group row (a
	// multiple of 8; 0 when the state lives elsewhere); bind tells the
	// aggregate where its part of the row is.
	rowBytes() uintptr
	bind(rows *groupRows, off uintptr)
	// resize makes groups [0, n) addressable in the out-of-row state;
	// new groups start empty.
	resize(n int)
	// update folds arg[i] into group gids[i] for every row i in sel (arg
	// is nil for count(*)). The rows are already resized.
	update(gids []uint32, sel []int32, arg arrow.Array) error
	// merge folds group src into group dst (session merging).
	merge(dst, src uint32) error
	// clear empties the out-of-row state of group g (the row itself is
	// zeroed by the aggSet) so its id can be reused.
	clear(g uint32)
	// build makes the result column for groups gids.
	build(alloc memory.Allocator, gids []uint32) (arrow.Array, error)
	// reset forgets every group, keeping the memory.
	reset()
	// save writes the state of groups [0, n) column-wise; load reads it
	// back into groups [0, n) of a reset state already resized to n
	// (aggstate_snap.go).
	save(w *snapWriter, n int)
	load(r *snapReader, n int, what string)
}

// inRow is embedded by aggregates whose state S lives in the group row.
type inRow[S any] struct {
	rows *groupRows
	off  uintptr
}

func (r *inRow[S]) rowBytes() uintptr {
	var s S
	return (unsafe.Sizeof(s) + 7) &^ 7
}
func (r *inRow[S]) bind(rows *groupRows, off uintptr) { r.rows, r.off = rows, off }
func (r *inRow[S]) resize(int)                        {}
func (r *inRow[S]) reset()                            {}
func (r *inRow[S]) clear(uint32)                      {}

// at is group g's state. Hot loops inline the same arithmetic.
func (r *inRow[S]) at(g uint32) *S {
	return (*S)(unsafe.Add(r.rows.base(), uintptr(g)*r.rows.stride+r.off))
}

// outOfRow is embedded by aggregates that keep their own structures.
type outOfRow struct{}

func (outOfRow) rowBytes() uintptr        { return 0 }
func (outOfRow) bind(*groupRows, uintptr) {}

// newAggState makes the state for f over an argument of type argType
// (nil for count(*)), checking f.Type against DuckDB's result type.
func newAggState(f *AggFunc, argType arrow.DataType) (aggState, error) {
	want := func(dt arrow.DataType) error {
		if f.Type == nil || !arrow.TypeEqual(f.Type, dt) {
			return fmt.Errorf("%s(%s) returns %s, the plan says %v", f.Kind, argType, dt, f.Type)
		}
		return nil
	}
	switch f.Kind {
	case AggCountStar, AggCount:
		if err := want(arrow.PrimitiveTypes.Int64); err != nil {
			return nil, err
		}
		return &countAgg{star: f.Kind == AggCountStar}, nil
	case AggCountDistinct:
		if err := want(arrow.PrimitiveTypes.Int64); err != nil {
			return nil, err
		}
		k, err := keyKindOf(argType)
		if err != nil {
			return nil, fmt.Errorf("count(DISTINCT): %w", err)
		}
		return newDistinctAgg(k), nil
	case AggApproxCountDistinct:
		if err := want(arrow.PrimitiveTypes.Int64); err != nil {
			return nil, err
		}
		k, err := keyKindOf(argType)
		if err != nil {
			return nil, fmt.Errorf("approx_count_distinct: %w", err)
		}
		return &hllAgg{kind: k}, nil
	}
	if argType == nil {
		return nil, fmt.Errorf("%s needs an argument", f.Kind)
	}
	switch f.Kind {
	case AggSum:
		switch argType.ID() {
		case arrow.INT8:
			return &sumIntAgg[int8]{}, want(arrow.PrimitiveTypes.Int64)
		case arrow.INT16:
			return &sumIntAgg[int16]{}, want(arrow.PrimitiveTypes.Int64)
		case arrow.INT32:
			return &sumIntAgg[int32]{}, want(arrow.PrimitiveTypes.Int64)
		case arrow.INT64:
			return &sumIntAgg[int64]{}, want(arrow.PrimitiveTypes.Int64)
		case arrow.FLOAT64:
			return &sumFloatAgg{}, want(arrow.PrimitiveTypes.Float64)
		case arrow.DECIMAL128:
			s := argType.(*arrow.Decimal128Type).Scale
			return &sumDecimalAgg{scale: s}, want(&arrow.Decimal128Type{Precision: 38, Scale: s})
		}
	case AggAvg:
		if err := want(arrow.PrimitiveTypes.Float64); err != nil {
			return nil, err
		}
		switch argType.ID() {
		case arrow.INT8:
			return &avgIntAgg[int8]{}, nil
		case arrow.INT16:
			return &avgIntAgg[int16]{}, nil
		case arrow.INT32:
			return &avgIntAgg[int32]{}, nil
		case arrow.INT64:
			return &avgIntAgg[int64]{}, nil
		case arrow.FLOAT64:
			return &avgFloatAgg{}, nil
		case arrow.DECIMAL128:
			return &avgDecimalAgg{scale: argType.(*arrow.Decimal128Type).Scale}, nil
		}
	case AggMin, AggMax:
		if err := want(argType); err != nil {
			return nil, err
		}
		isMax := f.Kind == AggMax
		switch argType.ID() {
		case arrow.INT8:
			return &minMaxAgg[int8]{isMax: isMax, dt: argType}, nil
		case arrow.INT16:
			return &minMaxAgg[int16]{isMax: isMax, dt: argType}, nil
		case arrow.INT32, arrow.DATE32, arrow.TIME32:
			return &minMaxAgg[int32]{isMax: isMax, dt: argType}, nil
		case arrow.INT64, arrow.TIMESTAMP, arrow.DATE64, arrow.TIME64, arrow.DURATION:
			return &minMaxAgg[int64]{isMax: isMax, dt: argType}, nil
		case arrow.UINT8:
			return &minMaxAgg[uint8]{isMax: isMax, dt: argType}, nil
		case arrow.UINT16:
			return &minMaxAgg[uint16]{isMax: isMax, dt: argType}, nil
		case arrow.UINT32:
			return &minMaxAgg[uint32]{isMax: isMax, dt: argType}, nil
		case arrow.UINT64:
			return &minMaxAgg[uint64]{isMax: isMax, dt: argType}, nil
		case arrow.FLOAT32:
			return &minMaxAgg[float32]{isMax: isMax, dt: argType}, nil
		case arrow.FLOAT64:
			return &minMaxAgg[float64]{isMax: isMax, dt: argType}, nil
		case arrow.DECIMAL128:
			return &minMaxDecimalAgg{isMax: isMax, dt: argType}, nil
		case arrow.STRING, arrow.BINARY:
			return &minMaxBytesAgg{isMax: isMax, dt: argType}, nil
		case arrow.BOOL:
			return &minMaxBoolAgg{isMax: isMax}, nil
		}
	}
	return nil, fmt.Errorf("%s over %s is not supported", f.Kind, argType)
}

// values returns the typed value slice of a fixed-width array.
func values[T any](arr arrow.Array) []T {
	d := arr.Data()
	v := asSlice[T](bufBytes(d, 1))
	if v == nil {
		return nil
	}
	return v[d.Offset() : d.Offset()+arr.Len()]
}

// validity returns arr's bitmap and offset; nil when it has no NULLs, and
// offset -1 when every value is NULL and there is no bitmap (Null type).
func validity(arr arrow.Array) ([]byte, int) {
	if arr == nil || arr.NullN() == 0 {
		return nil, 0
	}
	d := arr.Data()
	if b := bufBytes(d, 0); b != nil {
		return b, d.Offset()
	}
	return nil, -1
}

func resizeSlice[T any](s []T, n int) []T {
	if n <= cap(s) {
		return s[:n]
	}
	ns := make([]T, n, max(n, 2*cap(s)))
	copy(ns, s)
	return ns
}

// resizeZero grows s to n, zeroing the new tail (reused capacity may hold
// values of groups that were reset).
func resizeZero[T any](s []T, n int) []T {
	old := len(s)
	s = resizeSlice(s, n)
	if n > old {
		clear(s[old:])
	}
	return s
}

// fixedOut is a fixed-width result column being filled in place: build
// methods write vals[j] in their own typed loop and call null(j) for
// NULLs.
type fixedOut[T any] struct {
	vals  []T
	buf   *memory.Buffer
	valid *memory.Buffer
	nulls int
}

func newFixedOut[T any](alloc memory.Allocator, n int) *fixedOut[T] {
	var zero T
	o := &fixedOut[T]{buf: newBuffer(alloc, n*int(unsafe.Sizeof(zero)))}
	if n > 0 {
		o.vals = asSlice[T](o.buf.Bytes())[:n]
	}
	o.valid = newBuffer(alloc, int(bitutil.BytesForBits(int64(n))))
	bitutil.SetBitsTo(o.valid.Bytes(), 0, int64(n), true)
	return o
}

func (o *fixedOut[T]) null(j int) {
	var zero T
	o.vals[j] = zero
	bitutil.ClearBit(o.valid.Bytes(), j)
	o.nulls++
}

func (o *fixedOut[T]) finish(dt arrow.DataType) arrow.Array {
	valid := o.valid
	if o.nulls == 0 {
		valid.Release()
		valid = nil
	}
	return makeArray(dt, len(o.vals), []*memory.Buffer{valid, o.buf}, o.nulls)
}

// buildFixed makes a fixed-width result column for states that are not
// in the row: value(g) returns a group's value and whether it is
// non-NULL.
func buildFixed[T any](alloc memory.Allocator, dt arrow.DataType, gids []uint32, value func(g uint32) (T, bool)) arrow.Array {
	o := newFixedOut[T](alloc, len(gids))
	for j, g := range gids {
		if v, ok := value(g); ok {
			o.vals[j] = v
		} else {
			o.null(j)
		}
	}
	return o.finish(dt)
}

// ---- count(*) and count(x)

type countAgg struct {
	inRow[int64]
	star bool
}

func (a *countAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	base, stride, off := a.rows.base(), a.rows.stride, a.off
	if a.star || arg.NullN() == 0 {
		for _, i := range sel {
			*(*int64)(unsafe.Add(base, uintptr(gids[i])*stride+off)) += 1
		}
		return nil
	}
	valid, voff := validity(arg)
	if voff < 0 {
		return nil
	}
	for _, i := range sel {
		if bitutil.BitIsSet(valid, voff+int(i)) {
			*(*int64)(unsafe.Add(base, uintptr(gids[i])*stride+off)) += 1
		}
	}
	return nil
}

func (a *countAgg) merge(dst, src uint32) error {
	*a.at(dst) += *a.at(src)
	return nil
}

func (a *countAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	o := newFixedOut[int64](alloc, len(gids))
	base, stride, off := a.rows.base(), a.rows.stride, a.off
	for j, g := range gids {
		o.vals[j] = *(*int64)(unsafe.Add(base, uintptr(g)*stride+off))
	}
	return o.finish(arrow.PrimitiveTypes.Int64), nil
}

// ---- sum over integers: BIGINT, overflow is an error

type sumState struct {
	sum  int64
	seen bool
}

type sumIntAgg[T int8 | int16 | int32 | int64] struct{ inRow[sumState] }

var errSumOverflow = fmt.Errorf("sum overflows BIGINT")

func (a *sumIntAgg[T]) update(gids []uint32, sel []int32, arg arrow.Array) error {
	vals := values[T](arg)
	base, stride, off := a.rows.base(), a.rows.stride, a.off
	valid, voff := validity(arg)
	if voff < 0 {
		return nil
	}
	var ovf int64
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		st := (*sumState)(unsafe.Add(base, uintptr(gids[i])*stride+off))
		x := int64(vals[i])
		s := st.sum + x
		ovf |= (st.sum ^ s) & (x ^ s)
		st.sum, st.seen = s, true
	}
	if ovf < 0 {
		return errSumOverflow
	}
	return nil
}

func (a *sumIntAgg[T]) merge(dst, src uint32) error {
	d, s := a.at(dst), a.at(src)
	if !s.seen {
		return nil
	}
	sum := d.sum + s.sum
	if (d.sum^sum)&(s.sum^sum) < 0 {
		return errSumOverflow
	}
	d.sum, d.seen = sum, true
	return nil
}

func (a *sumIntAgg[T]) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	o := newFixedOut[int64](alloc, len(gids))
	base, stride, off := a.rows.base(), a.rows.stride, a.off
	for j, g := range gids {
		if st := (*sumState)(unsafe.Add(base, uintptr(g)*stride+off)); st.seen {
			o.vals[j] = st.sum
		} else {
			o.null(j)
		}
	}
	return o.finish(arrow.PrimitiveTypes.Int64), nil
}

// ---- sum over doubles

type sumFloatState struct {
	sum  float64
	seen bool
}

type sumFloatAgg struct{ inRow[sumFloatState] }

func (a *sumFloatAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	vals := values[float64](arg)
	base, stride, off := a.rows.base(), a.rows.stride, a.off
	valid, voff := validity(arg)
	if voff < 0 {
		return nil
	}
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		st := (*sumFloatState)(unsafe.Add(base, uintptr(gids[i])*stride+off))
		st.sum += vals[i]
		st.seen = true
	}
	return nil
}

func (a *sumFloatAgg) merge(dst, src uint32) error {
	if d, s := a.at(dst), a.at(src); s.seen {
		d.sum += s.sum
		d.seen = true
	}
	return nil
}

func (a *sumFloatAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	o := newFixedOut[float64](alloc, len(gids))
	base, stride, off := a.rows.base(), a.rows.stride, a.off
	for j, g := range gids {
		if st := (*sumFloatState)(unsafe.Add(base, uintptr(g)*stride+off)); st.seen {
			o.vals[j] = st.sum
		} else {
			o.null(j)
		}
	}
	return o.finish(arrow.PrimitiveTypes.Float64), nil
}

// ---- 128-bit accumulation (decimal sums, integer averages)

// add128 adds (xhi, xlo) to (hi, lo) and reports signed overflow.
func add128(hi int64, lo uint64, xhi int64, xlo uint64) (int64, uint64, bool) {
	l, c := bits.Add64(lo, xlo, 0)
	h := hi + xhi + int64(c)
	// Overflow iff both operands have the same sign and the result's
	// differs; the carry cannot make it wrong because it is 0 or 1.
	ovf := (hi^h)&(xhi^h) < 0
	return h, l, ovf
}

type wideState struct {
	lo uint64
	hi int64
	n  int64 // values folded in (avg), or 0/1 "seen" (sum)
}

type sumDecimalAgg struct {
	inRow[wideState]
	scale int32
}

var errDecimalOverflow = fmt.Errorf("sum overflows DECIMAL(38)")

func (a *sumDecimalAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	return addWide(&a.inRow, gids, sel, arg, false)
}

// addWide folds decimal values into wideState rows; n counts the values
// (avg) or is 1 once one was seen (sum).
func addWide(r *inRow[wideState], gids []uint32, sel []int32, arg arrow.Array, count bool) error {
	vals := values[[2]uint64](arg)
	base, stride, off := r.rows.base(), r.rows.stride, r.off
	valid, voff := validity(arg)
	if voff < 0 {
		return nil
	}
	ovf := false
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		st := (*wideState)(unsafe.Add(base, uintptr(gids[i])*stride+off))
		x := vals[i]
		var o bool
		st.hi, st.lo, o = add128(st.hi, st.lo, int64(x[1]), x[0])
		ovf = ovf || o
		if count {
			st.n++
		} else {
			st.n = 1
		}
	}
	if ovf {
		return errDecimalOverflow
	}
	return nil
}

func (a *sumDecimalAgg) merge(dst, src uint32) error {
	d, s := a.at(dst), a.at(src)
	if s.n == 0 {
		return nil
	}
	var o bool
	d.hi, d.lo, o = add128(d.hi, d.lo, s.hi, s.lo)
	d.n = 1
	if o {
		return errDecimalOverflow
	}
	return nil
}

func (a *sumDecimalAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	for _, g := range gids {
		if s := a.at(g); s.n != 0 && !decimal128.New(s.hi, s.lo).FitsInPrecision(38) {
			return nil, errDecimalOverflow
		}
	}
	return buildFixed(alloc, &arrow.Decimal128Type{Precision: 38, Scale: a.scale}, gids, func(g uint32) (decimal128.Num, bool) {
		s := a.at(g)
		return decimal128.New(s.hi, s.lo), s.n != 0
	}), nil
}

// ---- avg

// avgIntAgg sums into 128 bits (DuckDB sums integers into a HUGEINT), so
// an average never overflows.
type avgIntAgg[T int8 | int16 | int32 | int64] struct{ inRow[wideState] }

func (a *avgIntAgg[T]) update(gids []uint32, sel []int32, arg arrow.Array) error {
	vals := values[T](arg)
	base, stride, off := a.rows.base(), a.rows.stride, a.off
	valid, voff := validity(arg)
	if voff < 0 {
		return nil
	}
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		st := (*wideState)(unsafe.Add(base, uintptr(gids[i])*stride+off))
		x := int64(vals[i])
		l, c := bits.Add64(st.lo, uint64(x), 0)
		st.hi += x>>63 + int64(c)
		st.lo = l
		st.n++
	}
	return nil
}

func (a *avgIntAgg[T]) merge(dst, src uint32) error {
	d, s := a.at(dst), a.at(src)
	d.hi, d.lo, _ = add128(d.hi, d.lo, s.hi, s.lo)
	d.n += s.n
	return nil
}

func int128Float(hi int64, lo uint64) float64 {
	if hi == int64(lo)>>63 {
		return float64(int64(lo))
	}
	return decimal128.New(hi, lo).ToFloat64(0)
}

func (a *avgIntAgg[T]) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	return buildFixed(alloc, arrow.PrimitiveTypes.Float64, gids, func(g uint32) (float64, bool) {
		s := a.at(g)
		if s.n == 0 {
			return 0, false
		}
		return int128Float(s.hi, s.lo) / float64(s.n), true
	}), nil
}

type avgFloatState struct {
	sum float64
	n   int64
}

type avgFloatAgg struct{ inRow[avgFloatState] }

func (a *avgFloatAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	vals := values[float64](arg)
	base, stride, off := a.rows.base(), a.rows.stride, a.off
	valid, voff := validity(arg)
	if voff < 0 {
		return nil
	}
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		st := (*avgFloatState)(unsafe.Add(base, uintptr(gids[i])*stride+off))
		st.sum += vals[i]
		st.n++
	}
	return nil
}

func (a *avgFloatAgg) merge(dst, src uint32) error {
	d, s := a.at(dst), a.at(src)
	d.sum += s.sum
	d.n += s.n
	return nil
}

func (a *avgFloatAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	o := newFixedOut[float64](alloc, len(gids))
	base, stride, off := a.rows.base(), a.rows.stride, a.off
	for j, g := range gids {
		if st := (*avgFloatState)(unsafe.Add(base, uintptr(g)*stride+off)); st.n != 0 {
			o.vals[j] = st.sum / float64(st.n)
		} else {
			o.null(j)
		}
	}
	return o.finish(arrow.PrimitiveTypes.Float64), nil
}

type avgDecimalAgg struct {
	inRow[wideState]
	scale int32
}

func (a *avgDecimalAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	if err := addWide(&a.inRow, gids, sel, arg, true); err != nil {
		return fmt.Errorf("avg: %w", err)
	}
	return nil
}

func (a *avgDecimalAgg) merge(dst, src uint32) error {
	d, s := a.at(dst), a.at(src)
	var o bool
	d.hi, d.lo, o = add128(d.hi, d.lo, s.hi, s.lo)
	d.n += s.n
	if o {
		return fmt.Errorf("avg: %w", errDecimalOverflow)
	}
	return nil
}

func (a *avgDecimalAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	return buildFixed(alloc, arrow.PrimitiveTypes.Float64, gids, func(g uint32) (float64, bool) {
		s := a.at(g)
		if s.n == 0 {
			return 0, false
		}
		return decimal128.New(s.hi, s.lo).ToFloat64(a.scale) / float64(s.n), true
	}), nil
}

// ---- min / max

type ordered interface {
	int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 | float32 | float64
}

// less orders like DuckDB: NaN is greater than every other value.
func less[T ordered](a, b T) bool {
	if a != a {
		return false
	}
	if b != b {
		return true
	}
	return a < b
}

type extremeState[T any] struct {
	v    T
	seen bool
}

type minMaxAgg[T ordered] struct {
	inRow[extremeState[T]]
	isMax bool
	dt    arrow.DataType
}

func (a *minMaxAgg[T]) update(gids []uint32, sel []int32, arg arrow.Array) error {
	vals := values[T](arg)
	base, stride, off := a.rows.base(), a.rows.stride, a.off
	valid, voff := validity(arg)
	if voff < 0 {
		return nil
	}
	if a.isMax {
		for _, i := range sel {
			if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
				continue
			}
			st := (*extremeState[T])(unsafe.Add(base, uintptr(gids[i])*stride+off))
			if x := vals[i]; !st.seen || less(st.v, x) {
				st.v, st.seen = x, true
			}
		}
		return nil
	}
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		st := (*extremeState[T])(unsafe.Add(base, uintptr(gids[i])*stride+off))
		if x := vals[i]; !st.seen || less(x, st.v) {
			st.v, st.seen = x, true
		}
	}
	return nil
}

func (a *minMaxAgg[T]) merge(dst, src uint32) error {
	d, s := a.at(dst), a.at(src)
	if s.seen && (!d.seen || (a.isMax && less(d.v, s.v)) || (!a.isMax && less(s.v, d.v))) {
		*d = *s
	}
	return nil
}

func (a *minMaxAgg[T]) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	o := newFixedOut[T](alloc, len(gids))
	base, stride, off := a.rows.base(), a.rows.stride, a.off
	for j, g := range gids {
		if st := (*extremeState[T])(unsafe.Add(base, uintptr(g)*stride+off)); st.seen {
			o.vals[j] = st.v
		} else {
			o.null(j)
		}
	}
	return o.finish(a.dt), nil
}

type minMaxDecimalAgg struct {
	inRow[extremeState[decimal128.Num]]
	isMax bool
	dt    arrow.DataType
}

func (a *minMaxDecimalAgg) better(x, cur decimal128.Num) bool {
	if a.isMax {
		return x.Greater(cur)
	}
	return x.Less(cur)
}

func (a *minMaxDecimalAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	vals := values[decimal128.Num](arg)
	base, stride, off := a.rows.base(), a.rows.stride, a.off
	valid, voff := validity(arg)
	if voff < 0 {
		return nil
	}
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		st := (*extremeState[decimal128.Num])(unsafe.Add(base, uintptr(gids[i])*stride+off))
		if x := vals[i]; !st.seen || a.better(x, st.v) {
			st.v, st.seen = x, true
		}
	}
	return nil
}

func (a *minMaxDecimalAgg) merge(dst, src uint32) error {
	d, s := a.at(dst), a.at(src)
	if s.seen && (!d.seen || a.better(s.v, d.v)) {
		*d = *s
	}
	return nil
}

func (a *minMaxDecimalAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	return buildFixed(alloc, a.dt, gids, func(g uint32) (decimal128.Num, bool) {
		s := a.at(g)
		return s.v, s.seen
	}), nil
}

// minMaxBoolAgg: min is AND, max is OR over the non-NULL values.
type minMaxBoolAgg struct {
	inRow[extremeState[bool]]
	isMax bool
}

func (a *minMaxBoolAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	d := arg.Data()
	bitsBuf := bufBytes(d, 1)
	valid, voff := validity(arg)
	if voff < 0 {
		return nil
	}
	off := d.Offset()
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		st := a.at(gids[i])
		x := bitutil.BitIsSet(bitsBuf, off+int(i))
		switch {
		case !st.seen:
			st.v, st.seen = x, true
		case a.isMax:
			st.v = st.v || x
		default:
			st.v = st.v && x
		}
	}
	return nil
}

func (a *minMaxBoolAgg) merge(dst, src uint32) error {
	d, s := a.at(dst), a.at(src)
	switch {
	case !s.seen:
	case !d.seen:
		*d = *s
	case a.isMax:
		d.v = d.v || s.v
	default:
		d.v = d.v && s.v
	}
	return nil
}

func (a *minMaxBoolAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	n := len(gids)
	var valid *memory.Buffer
	nulls := 0
	buf := newBuffer(alloc, int(bitutil.BytesForBits(int64(n))))
	b := buf.Bytes()
	clear(b)
	for j, g := range gids {
		s := a.at(g)
		if !s.seen {
			if valid == nil {
				valid = newBuffer(alloc, int(bitutil.BytesForBits(int64(n))))
				bitutil.SetBitsTo(valid.Bytes(), 0, int64(n), true)
			}
			bitutil.ClearBit(valid.Bytes(), j)
			nulls++
		} else if s.v {
			bitutil.SetBit(b, j)
		}
	}
	return makeArray(arrow.FixedWidthTypes.Boolean, n, []*memory.Buffer{valid, buf}, nulls), nil
}

// ---- states outside the row

// notSeenBitmap is the validity of a result from per-group "has a value"
// flags; nil when every group has one.
func notSeenBitmap(alloc memory.Allocator, seen []bool, gids []uint32) (*memory.Buffer, int) {
	nulls := 0
	for _, g := range gids {
		if !seen[g] {
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
		if seen[g] {
			bitutil.SetBit(b, j)
		}
	}
	return buf, nulls
}

// minMaxBytesAgg keeps one byte slice per group; it is rewritten in
// place (no allocation once its capacity suffices) when the extreme
// changes, which after the first few rows is rare.
type minMaxBytesAgg struct {
	outOfRow
	isMax bool
	dt    arrow.DataType
	vals  [][]byte
	seen  []bool
}

func (a *minMaxBytesAgg) resize(n int) {
	a.vals, a.seen = resizeSlice(a.vals, n), resizeZero(a.seen, n)
}
func (a *minMaxBytesAgg) reset()         { a.vals, a.seen = a.vals[:0], a.seen[:0] }
func (a *minMaxBytesAgg) clear(g uint32) { a.seen[g] = false }

func (a *minMaxBytesAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	d := arg.Data()
	offs := asSlice[int32](bufBytes(d, 1))
	if offs == nil {
		return nil
	}
	offs = offs[d.Offset():]
	data := bufBytes(d, 2)
	valid, voff := validity(arg)
	if voff < 0 {
		return nil
	}
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		g := gids[i]
		x := data[offs[i]:offs[i+1]]
		if !a.seen[g] {
			a.vals[g], a.seen[g] = append(a.vals[g][:0], x...), true
			continue
		}
		if a.isMax && string(x) > string(a.vals[g]) || !a.isMax && string(x) < string(a.vals[g]) {
			a.vals[g] = append(a.vals[g][:0], x...)
		}
	}
	return nil
}

func (a *minMaxBytesAgg) merge(dst, src uint32) error {
	if !a.seen[src] {
		return nil
	}
	x := a.vals[src]
	if !a.seen[dst] || a.isMax && string(x) > string(a.vals[dst]) || !a.isMax && string(x) < string(a.vals[dst]) {
		a.vals[dst], a.seen[dst] = append(a.vals[dst][:0], x...), true
	}
	return nil
}

func (a *minMaxBytesAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	n := len(gids)
	valid, nulls := notSeenBitmap(alloc, a.seen, gids)
	obuf := newBuffer(alloc, 4*(n+1))
	o := asSlice[int32](obuf.Bytes())[:n+1]
	total := 0
	for j, g := range gids {
		o[j] = int32(total)
		if a.seen[g] {
			total += len(a.vals[g])
		}
	}
	o[n] = int32(total)
	dbuf := newBuffer(alloc, total)
	db := dbuf.Bytes()
	for j, g := range gids {
		if a.seen[g] {
			copy(db[o[j]:o[j+1]], a.vals[g])
		}
	}
	return makeArray(a.dt, n, []*memory.Buffer{valid, obuf, dbuf}, nulls), nil
}

// ---- count(DISTINCT x)

// distinctAgg keeps one typed set of (group, value) pairs for all groups:
// a keyTable whose first key column is the group id. A pair seen for the
// first time increments its group's count. For session merging every
// entry is also linked into its group's list; entries of cleared groups
// are marked dead and revived if their (reused) group sees the value
// again, and the set is rebuilt when dead entries dominate.
type distinctAgg struct {
	outOfRow
	set    *keyTable
	counts []int64
	head   []uint32 // per group: first entry + 1, 0 when none
	next   []uint32 // per entry: next entry of the same group + 1
	dead   []bool   // per entry
	ndead  int

	vecs    [2]keyVec
	gidw    []uint64
	hashes  []uint64
	eids    []uint32
	nonNull []int32
	ids     []uint32
}

// distinctRebuildMin is how many dead entries a set tolerates before
// rebuilding (a variable so tests can exercise the rebuild).
var distinctRebuildMin = 4096

func newDistinctAgg(k keyKind) *distinctAgg {
	a := &distinctAgg{set: newKeyTable([]keyKind{kindWord, k})}
	a.vecs[1].kind = k
	return a
}

func (a *distinctAgg) resize(n int) {
	a.counts, a.head = resizeZero(a.counts, n), resizeZero(a.head, n)
}

func (a *distinctAgg) reset() {
	a.set.reset()
	a.counts, a.head, a.next, a.dead, a.ndead = a.counts[:0], a.head[:0], a.next[:0], a.dead[:0], 0
}

func (a *distinctAgg) clear(g uint32) {
	for e := a.head[g]; e != 0; e = a.next[e-1] {
		a.dead[e-1] = true
		a.ndead++
	}
	a.head[g], a.counts[g] = 0, 0
	if a.ndead > distinctRebuildMin && a.ndead > 2*(a.set.n-a.ndead) {
		a.rebuild()
	}
}

// rebuild drops the dead entries from the set.
func (a *distinctAgg) rebuild() {
	live := a.ids[:0]
	for e := 0; e < a.set.n; e++ {
		if !a.dead[e] {
			live = append(live, uint32(e))
		}
	}
	a.ids = live
	a.set.compact(live)
	a.next = resizeSlice(a.next, a.set.n)
	a.dead = resizeZero(a.dead[:0], a.set.n)
	a.ndead = 0
	clear(a.head)
	for e := 0; e < a.set.n; e++ {
		g := a.set.cols[0].words[e]
		a.next[e] = a.head[g]
		a.head[g] = uint32(e + 1)
	}
}

// add inserts the pairs (a.gidw[i], vecs[1] row i) for i in sel and
// counts the new ones.
func (a *distinctAgg) add(sel []int32, n int) {
	a.vecs[0].setWords(a.gidw)
	a.hashes = hashKeys(a.vecs[:], n, a.hashes)
	a.eids = resizeSlice(a.eids, n)
	before := a.set.n
	a.set.findOrInsert(a.vecs[:], a.hashes, sel, a.eids)
	gw := a.set.cols[0].words
	a.next = resizeSlice(a.next, a.set.n)
	a.dead = resizeZero(a.dead, a.set.n)
	for e := before; e < a.set.n; e++ {
		g := gw[e]
		a.counts[g]++
		a.next[e] = a.head[g]
		a.head[g] = uint32(e + 1)
	}
	if a.ndead > 0 {
		for _, i := range sel {
			e := a.eids[i]
			if a.dead[e] {
				a.dead[e] = false
				a.ndead--
				g := gw[e]
				a.counts[g]++
				a.next[e] = a.head[g]
				a.head[g] = e + 1
			}
		}
	}
}

func (a *distinctAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	n := arg.Len()
	if err := a.vecs[1].load(arg); err != nil {
		return fmt.Errorf("count(DISTINCT): %w", err)
	}
	if arg.NullN() > 0 {
		a.nonNull = a.nonNull[:0]
		for _, i := range sel {
			if !a.vecs[1].null(int(i)) {
				a.nonNull = append(a.nonNull, i)
			}
		}
		sel = a.nonNull
	}
	a.gidw = growU64(a.gidw, n)
	for _, i := range sel {
		a.gidw[i] = uint64(gids[i])
	}
	a.add(sel, n)
	return nil
}

func (a *distinctAgg) merge(dst, src uint32) error {
	ids := a.ids[:0]
	for e := a.head[src]; e != 0; e = a.next[e-1] {
		ids = append(ids, e-1)
	}
	a.ids = ids
	if len(ids) == 0 {
		return nil
	}
	var vecs [2]keyVec
	a.set.exportVecs(ids, vecs[:])
	a.vecs[1] = vecs[1]
	a.gidw = growU64(a.gidw, len(ids))
	for j := range ids {
		a.gidw[j] = uint64(dst)
	}
	a.clear(src)
	a.add(identity(nil, len(ids)), len(ids))
	return nil
}

func (a *distinctAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	return buildFixed(alloc, arrow.PrimitiveTypes.Int64, gids, func(g uint32) (int64, bool) { return a.counts[g], true }), nil
}
