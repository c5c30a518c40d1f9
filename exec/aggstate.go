package exec

import (
	"fmt"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// aggState is the running state of one aggregate function for every group
// of a table, as typed arrays indexed by group id. update runs once per
// batch with a typed loop over the selected rows; nothing is allocated per
// row or per group beyond the arrays' growth.
type aggState interface {
	// resize makes groups [0, n) addressable; new groups start empty.
	resize(n int)
	// update folds arg[i] into group gids[i] for every row i in sel (arg
	// is nil for count(*)).
	update(gids []uint32, sel []int32, arg arrow.Array) error
	// merge folds group src into group dst (session merging).
	merge(dst, src uint32) error
	// clear empties group g so its id can be reused.
	clear(g uint32)
	// build makes the result column for groups gids.
	build(alloc memory.Allocator, gids []uint32) (arrow.Array, error)
	// reset forgets every group, keeping the memory.
	reset()
}

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

// validity returns arr's bitmap and offset, or nil when it has no NULLs.
func validity(arr arrow.Array) ([]byte, int) {
	if arr == nil || arr.NullN() == 0 {
		return nil, 0
	}
	d := arr.Data()
	if b := bufBytes(d, 0); b != nil {
		return b, d.Offset()
	}
	return nil, -1 // all NULL, no bitmap (Null type)
}

func resizeSlice[T any](s []T, n int) []T {
	if n <= len(s) {
		return s[:n]
	}
	if n <= cap(s) {
		s = s[:n]
		return s
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

func int64Result(alloc memory.Allocator, vals []int64, gids []uint32, isNull []bool) arrow.Array {
	n := len(gids)
	var valid *memory.Buffer
	nulls := 0
	if isNull != nil {
		valid, nulls = nullsBitmap(alloc, isNull, gids)
	}
	buf := newBuffer(alloc, 8*n)
	if n > 0 {
		dst := asSlice[int64](buf.Bytes())[:n]
		for j, g := range gids {
			dst[j] = vals[g]
		}
	}
	return makeArray(arrow.PrimitiveTypes.Int64, n, []*memory.Buffer{valid, buf}, nulls)
}

// notSeen turns per-group "has a value" flags into NULL flags lazily.
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

// ---- count(*) and count(x)

type countAgg struct {
	star   bool
	counts []int64
}

func (a *countAgg) resize(n int) { a.counts = resizeZero(a.counts, n) }
func (a *countAgg) reset()       { a.counts = a.counts[:0] }
func (a *countAgg) clear(g uint32) {
	a.counts[g] = 0
}

func (a *countAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	counts := a.counts
	valid, voff := validity(arg)
	if a.star || arg.NullN() == 0 {
		for _, i := range sel {
			counts[gids[i]]++
		}
		return nil
	}
	if voff < 0 {
		return nil
	}
	for _, i := range sel {
		if bitutil.BitIsSet(valid, voff+int(i)) {
			counts[gids[i]]++
		}
	}
	return nil
}

func (a *countAgg) merge(dst, src uint32) error {
	a.counts[dst] += a.counts[src]
	return nil
}

func (a *countAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	return int64Result(alloc, a.counts, gids, nil), nil
}

// ---- sum over integers: BIGINT, overflow is an error

type sumIntAgg[T int8 | int16 | int32 | int64] struct {
	sums []int64
	seen []bool
}

func (a *sumIntAgg[T]) resize(n int) {
	a.sums, a.seen = resizeZero(a.sums, n), resizeZero(a.seen, n)
}
func (a *sumIntAgg[T]) reset()         { a.sums, a.seen = a.sums[:0], a.seen[:0] }
func (a *sumIntAgg[T]) clear(g uint32) { a.sums[g], a.seen[g] = 0, false }

var errSumOverflow = fmt.Errorf("sum overflows BIGINT")

func (a *sumIntAgg[T]) update(gids []uint32, sel []int32, arg arrow.Array) error {
	vals := values[T](arg)
	sums, seen := a.sums, a.seen
	valid, voff := validity(arg)
	var ovf int64
	switch {
	case arg.NullN() == 0:
		for _, i := range sel {
			g := gids[i]
			x := int64(vals[i])
			s := sums[g] + x
			ovf |= (sums[g] ^ s) & (x ^ s)
			sums[g] = s
			seen[g] = true
		}
	case voff >= 0:
		for _, i := range sel {
			if !bitutil.BitIsSet(valid, voff+int(i)) {
				continue
			}
			g := gids[i]
			x := int64(vals[i])
			s := sums[g] + x
			ovf |= (sums[g] ^ s) & (x ^ s)
			sums[g] = s
			seen[g] = true
		}
	}
	if ovf < 0 {
		return errSumOverflow
	}
	return nil
}

func (a *sumIntAgg[T]) merge(dst, src uint32) error {
	if !a.seen[src] {
		return nil
	}
	x, s := a.sums[src], a.sums[dst]+a.sums[src]
	if (a.sums[dst]^s)&(x^s) < 0 {
		return errSumOverflow
	}
	a.sums[dst], a.seen[dst] = s, true
	return nil
}

func (a *sumIntAgg[T]) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	valid, nulls := notSeenBitmap(alloc, a.seen, gids)
	buf := newBuffer(alloc, 8*len(gids))
	if len(gids) > 0 {
		dst := asSlice[int64](buf.Bytes())[:len(gids)]
		for j, g := range gids {
			dst[j] = a.sums[g]
		}
	}
	return makeArray(arrow.PrimitiveTypes.Int64, len(gids), []*memory.Buffer{valid, buf}, nulls), nil
}

// ---- sum over doubles

type sumFloatAgg struct {
	sums []float64
	seen []bool
}

func (a *sumFloatAgg) resize(n int)   { a.sums, a.seen = resizeZero(a.sums, n), resizeZero(a.seen, n) }
func (a *sumFloatAgg) reset()         { a.sums, a.seen = a.sums[:0], a.seen[:0] }
func (a *sumFloatAgg) clear(g uint32) { a.sums[g], a.seen[g] = 0, false }

func (a *sumFloatAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	vals := values[float64](arg)
	sums, seen := a.sums, a.seen
	valid, voff := validity(arg)
	switch {
	case arg.NullN() == 0:
		for _, i := range sel {
			g := gids[i]
			sums[g] += vals[i]
			seen[g] = true
		}
	case voff >= 0:
		for _, i := range sel {
			if bitutil.BitIsSet(valid, voff+int(i)) {
				g := gids[i]
				sums[g] += vals[i]
				seen[g] = true
			}
		}
	}
	return nil
}

func (a *sumFloatAgg) merge(dst, src uint32) error {
	if a.seen[src] {
		a.sums[dst] += a.sums[src]
		a.seen[dst] = true
	}
	return nil
}

func (a *sumFloatAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	return float64Result(alloc, len(gids), a.seen, gids, func(j int, g uint32) float64 { return a.sums[g] }), nil
}

func float64Result(alloc memory.Allocator, n int, seen []bool, gids []uint32, val func(j int, g uint32) float64) arrow.Array {
	valid, nulls := notSeenBitmap(alloc, seen, gids)
	buf := newBuffer(alloc, 8*n)
	if n > 0 {
		dst := asSlice[float64](buf.Bytes())[:n]
		for j, g := range gids {
			if seen[g] {
				dst[j] = val(j, g)
			} else {
				dst[j] = 0
			}
		}
	}
	return makeArray(arrow.PrimitiveTypes.Float64, n, []*memory.Buffer{valid, buf}, nulls)
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

type sumDecimalAgg struct {
	scale int32
	hi    []int64
	lo    []uint64
	seen  []bool
}

func (a *sumDecimalAgg) resize(n int) {
	a.hi, a.lo, a.seen = resizeZero(a.hi, n), resizeZero(a.lo, n), resizeZero(a.seen, n)
}
func (a *sumDecimalAgg) reset() { a.hi, a.lo, a.seen = a.hi[:0], a.lo[:0], a.seen[:0] }
func (a *sumDecimalAgg) clear(g uint32) {
	a.hi[g], a.lo[g], a.seen[g] = 0, 0, false
}

var errDecimalOverflow = fmt.Errorf("sum overflows DECIMAL(38)")

func (a *sumDecimalAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	vals := values[[2]uint64](arg)
	valid, voff := validity(arg)
	if voff < 0 {
		return nil
	}
	ovf := false
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		g := gids[i]
		x := vals[i]
		var o bool
		a.hi[g], a.lo[g], o = add128(a.hi[g], a.lo[g], int64(x[1]), x[0])
		ovf = ovf || o
		a.seen[g] = true
	}
	if ovf {
		return errDecimalOverflow
	}
	return nil
}

func (a *sumDecimalAgg) merge(dst, src uint32) error {
	if !a.seen[src] {
		return nil
	}
	var o bool
	a.hi[dst], a.lo[dst], o = add128(a.hi[dst], a.lo[dst], a.hi[src], a.lo[src])
	a.seen[dst] = true
	if o {
		return errDecimalOverflow
	}
	return nil
}

func (a *sumDecimalAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	n := len(gids)
	valid, nulls := notSeenBitmap(alloc, a.seen, gids)
	buf := newBuffer(alloc, 16*n)
	if n > 0 {
		dst := asSlice[[2]uint64](buf.Bytes())[:n]
		for j, g := range gids {
			if a.seen[g] && !decimal128.New(a.hi[g], a.lo[g]).FitsInPrecision(38) {
				buf.Release()
				if valid != nil {
					valid.Release()
				}
				return nil, errDecimalOverflow
			}
			dst[j] = [2]uint64{a.lo[g], uint64(a.hi[g])}
		}
	}
	return makeArray(&arrow.Decimal128Type{Precision: 38, Scale: a.scale}, n, []*memory.Buffer{valid, buf}, nulls), nil
}

// ---- avg

// avgIntAgg sums into 128 bits (DuckDB sums integers into a HUGEINT), so
// an average never overflows.
type avgIntAgg[T int8 | int16 | int32 | int64] struct {
	hi     []int64
	lo     []uint64
	counts []int64
}

func (a *avgIntAgg[T]) resize(n int) {
	a.hi, a.lo, a.counts = resizeZero(a.hi, n), resizeZero(a.lo, n), resizeZero(a.counts, n)
}
func (a *avgIntAgg[T]) reset() { a.hi, a.lo, a.counts = a.hi[:0], a.lo[:0], a.counts[:0] }
func (a *avgIntAgg[T]) clear(g uint32) {
	a.hi[g], a.lo[g], a.counts[g] = 0, 0, 0
}

func (a *avgIntAgg[T]) update(gids []uint32, sel []int32, arg arrow.Array) error {
	vals := values[T](arg)
	hi, lo, counts := a.hi, a.lo, a.counts
	valid, voff := validity(arg)
	switch {
	case arg.NullN() == 0:
		for _, i := range sel {
			g := gids[i]
			x := int64(vals[i])
			l, c := bits.Add64(lo[g], uint64(x), 0)
			hi[g] += x>>63 + int64(c)
			lo[g] = l
			counts[g]++
		}
	case voff >= 0:
		for _, i := range sel {
			if !bitutil.BitIsSet(valid, voff+int(i)) {
				continue
			}
			g := gids[i]
			x := int64(vals[i])
			l, c := bits.Add64(lo[g], uint64(x), 0)
			hi[g] += x>>63 + int64(c)
			lo[g] = l
			counts[g]++
		}
	}
	return nil
}

func (a *avgIntAgg[T]) merge(dst, src uint32) error {
	a.hi[dst], a.lo[dst], _ = add128(a.hi[dst], a.lo[dst], a.hi[src], a.lo[src])
	a.counts[dst] += a.counts[src]
	return nil
}

func int128Float(hi int64, lo uint64) float64 {
	if hi == int64(lo)>>63 {
		return float64(int64(lo))
	}
	return decimal128.New(hi, lo).ToFloat64(0)
}

func (a *avgIntAgg[T]) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	return avgResult(alloc, a.counts, gids, func(g uint32) float64 {
		return int128Float(a.hi[g], a.lo[g]) / float64(a.counts[g])
	}), nil
}

// avgResult builds avg's DOUBLE column: NULL where a group counted no value.
func avgResult(alloc memory.Allocator, counts []int64, gids []uint32, val func(g uint32) float64) arrow.Array {
	n := len(gids)
	nulls := 0
	for _, g := range gids {
		if counts[g] == 0 {
			nulls++
		}
	}
	var valid *memory.Buffer
	if nulls > 0 {
		valid = newBuffer(alloc, int(bitutil.BytesForBits(int64(n))))
		clear(valid.Bytes())
	}
	buf := newBuffer(alloc, 8*n)
	if n > 0 {
		dst := asSlice[float64](buf.Bytes())[:n]
		for j, g := range gids {
			if counts[g] == 0 {
				dst[j] = 0
				continue
			}
			dst[j] = val(g)
			if valid != nil {
				bitutil.SetBit(valid.Bytes(), j)
			}
		}
	}
	return makeArray(arrow.PrimitiveTypes.Float64, n, []*memory.Buffer{valid, buf}, nulls)
}

type avgFloatAgg struct {
	sums   []float64
	counts []int64
}

func (a *avgFloatAgg) resize(n int) {
	a.sums, a.counts = resizeZero(a.sums, n), resizeZero(a.counts, n)
}
func (a *avgFloatAgg) reset()         { a.sums, a.counts = a.sums[:0], a.counts[:0] }
func (a *avgFloatAgg) clear(g uint32) { a.sums[g], a.counts[g] = 0, 0 }

func (a *avgFloatAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	vals := values[float64](arg)
	sums, counts := a.sums, a.counts
	valid, voff := validity(arg)
	switch {
	case arg.NullN() == 0:
		for _, i := range sel {
			g := gids[i]
			sums[g] += vals[i]
			counts[g]++
		}
	case voff >= 0:
		for _, i := range sel {
			if bitutil.BitIsSet(valid, voff+int(i)) {
				g := gids[i]
				sums[g] += vals[i]
				counts[g]++
			}
		}
	}
	return nil
}

func (a *avgFloatAgg) merge(dst, src uint32) error {
	a.sums[dst] += a.sums[src]
	a.counts[dst] += a.counts[src]
	return nil
}

func (a *avgFloatAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	return avgResult(alloc, a.counts, gids, func(g uint32) float64 { return a.sums[g] / float64(a.counts[g]) }), nil
}

type avgDecimalAgg struct {
	scale  int32
	hi     []int64
	lo     []uint64
	counts []int64
}

func (a *avgDecimalAgg) resize(n int) {
	a.hi, a.lo, a.counts = resizeZero(a.hi, n), resizeZero(a.lo, n), resizeZero(a.counts, n)
}
func (a *avgDecimalAgg) reset() { a.hi, a.lo, a.counts = a.hi[:0], a.lo[:0], a.counts[:0] }
func (a *avgDecimalAgg) clear(g uint32) {
	a.hi[g], a.lo[g], a.counts[g] = 0, 0, 0
}

func (a *avgDecimalAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	vals := values[[2]uint64](arg)
	valid, voff := validity(arg)
	if voff < 0 {
		return nil
	}
	ovf := false
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		g := gids[i]
		var o bool
		a.hi[g], a.lo[g], o = add128(a.hi[g], a.lo[g], int64(vals[i][1]), vals[i][0])
		ovf = ovf || o
		a.counts[g]++
	}
	if ovf {
		return fmt.Errorf("avg: %w", errDecimalOverflow)
	}
	return nil
}

func (a *avgDecimalAgg) merge(dst, src uint32) error {
	var o bool
	a.hi[dst], a.lo[dst], o = add128(a.hi[dst], a.lo[dst], a.hi[src], a.lo[src])
	a.counts[dst] += a.counts[src]
	if o {
		return fmt.Errorf("avg: %w", errDecimalOverflow)
	}
	return nil
}

func (a *avgDecimalAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	return avgResult(alloc, a.counts, gids, func(g uint32) float64 {
		return decimal128.New(a.hi[g], a.lo[g]).ToFloat64(a.scale) / float64(a.counts[g])
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

type minMaxAgg[T ordered] struct {
	isMax bool
	dt    arrow.DataType
	vals  []T
	seen  []bool
}

func (a *minMaxAgg[T]) resize(n int)   { a.vals, a.seen = resizeZero(a.vals, n), resizeZero(a.seen, n) }
func (a *minMaxAgg[T]) reset()         { a.vals, a.seen = a.vals[:0], a.seen[:0] }
func (a *minMaxAgg[T]) clear(g uint32) { a.seen[g] = false }

func (a *minMaxAgg[T]) update(gids []uint32, sel []int32, arg arrow.Array) error {
	vals := values[T](arg)
	cur, seen := a.vals, a.seen
	valid, voff := validity(arg)
	if voff < 0 {
		return nil
	}
	if a.isMax {
		for _, i := range sel {
			if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
				continue
			}
			g, x := gids[i], vals[i]
			if !seen[g] || less(cur[g], x) {
				cur[g], seen[g] = x, true
			}
		}
		return nil
	}
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		g, x := gids[i], vals[i]
		if !seen[g] || less(x, cur[g]) {
			cur[g], seen[g] = x, true
		}
	}
	return nil
}

func (a *minMaxAgg[T]) merge(dst, src uint32) error {
	if !a.seen[src] {
		return nil
	}
	x := a.vals[src]
	if !a.seen[dst] || (a.isMax && less(a.vals[dst], x)) || (!a.isMax && less(x, a.vals[dst])) {
		a.vals[dst], a.seen[dst] = x, true
	}
	return nil
}

func (a *minMaxAgg[T]) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	var zero T
	n := len(gids)
	valid, nulls := notSeenBitmap(alloc, a.seen, gids)
	buf := newBuffer(alloc, n*int(sizeOfT(zero)))
	if n > 0 {
		dst := asSlice[T](buf.Bytes())[:n]
		for j, g := range gids {
			if a.seen[g] {
				dst[j] = a.vals[g]
			} else {
				dst[j] = zero
			}
		}
	}
	return makeArray(a.dt, n, []*memory.Buffer{valid, buf}, nulls), nil
}

type minMaxDecimalAgg struct {
	isMax bool
	dt    arrow.DataType
	vals  []decimal128.Num
	seen  []bool
}

func (a *minMaxDecimalAgg) resize(n int) {
	a.vals, a.seen = resizeZero(a.vals, n), resizeZero(a.seen, n)
}
func (a *minMaxDecimalAgg) reset()         { a.vals, a.seen = a.vals[:0], a.seen[:0] }
func (a *minMaxDecimalAgg) clear(g uint32) { a.seen[g] = false }

func (a *minMaxDecimalAgg) better(x, cur decimal128.Num) bool {
	if a.isMax {
		return x.Greater(cur)
	}
	return x.Less(cur)
}

func (a *minMaxDecimalAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	vals := values[decimal128.Num](arg)
	valid, voff := validity(arg)
	if voff < 0 {
		return nil
	}
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		g, x := gids[i], vals[i]
		if !a.seen[g] || a.better(x, a.vals[g]) {
			a.vals[g], a.seen[g] = x, true
		}
	}
	return nil
}

func (a *minMaxDecimalAgg) merge(dst, src uint32) error {
	if a.seen[src] && (!a.seen[dst] || a.better(a.vals[src], a.vals[dst])) {
		a.vals[dst], a.seen[dst] = a.vals[src], true
	}
	return nil
}

func (a *minMaxDecimalAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	n := len(gids)
	valid, nulls := notSeenBitmap(alloc, a.seen, gids)
	buf := newBuffer(alloc, 16*n)
	if n > 0 {
		dst := asSlice[decimal128.Num](buf.Bytes())[:n]
		for j, g := range gids {
			dst[j] = a.vals[g]
		}
	}
	return makeArray(a.dt, n, []*memory.Buffer{valid, buf}, nulls), nil
}

// minMaxBytesAgg keeps one byte slice per group; it is rewritten in
// place (no allocation once its capacity suffices) when the extreme
// changes, which after the first few rows is rare.
type minMaxBytesAgg struct {
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

// minMaxBoolAgg: min is AND, max is OR over the non-NULL values.
type minMaxBoolAgg struct {
	isMax bool
	vals  []bool
	seen  []bool
}

func (a *minMaxBoolAgg) resize(n int)   { a.vals, a.seen = resizeZero(a.vals, n), resizeZero(a.seen, n) }
func (a *minMaxBoolAgg) reset()         { a.vals, a.seen = a.vals[:0], a.seen[:0] }
func (a *minMaxBoolAgg) clear(g uint32) { a.seen[g] = false }

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
		g := gids[i]
		x := bitutil.BitIsSet(bitsBuf, off+int(i))
		if !a.seen[g] {
			a.vals[g], a.seen[g] = x, true
		} else if a.isMax {
			a.vals[g] = a.vals[g] || x
		} else {
			a.vals[g] = a.vals[g] && x
		}
	}
	return nil
}

func (a *minMaxBoolAgg) merge(dst, src uint32) error {
	if !a.seen[src] {
		return nil
	}
	x := a.vals[src]
	switch {
	case !a.seen[dst]:
		a.vals[dst], a.seen[dst] = x, true
	case a.isMax:
		a.vals[dst] = a.vals[dst] || x
	default:
		a.vals[dst] = a.vals[dst] && x
	}
	return nil
}

func (a *minMaxBoolAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	n := len(gids)
	valid, nulls := notSeenBitmap(alloc, a.seen, gids)
	buf := newBuffer(alloc, int(bitutil.BytesForBits(int64(n))))
	b := buf.Bytes()
	clear(b)
	for j, g := range gids {
		if a.seen[g] && a.vals[g] {
			bitutil.SetBit(b, j)
		}
	}
	return makeArray(arrow.FixedWidthTypes.Boolean, n, []*memory.Buffer{valid, buf}, nulls), nil
}

// ---- count(DISTINCT x)

// distinctAgg keeps one typed set of (group, value) pairs for all groups:
// a keyTable whose first key column is the group id. A pair seen for the
// first time increments its group's count. For session merging every
// entry is also linked into its group's list; entries of cleared groups
// are marked dead and revived if their (reused) group sees the value
// again, and the set is rebuilt when dead entries dominate.
type distinctAgg struct {
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
	if a.ndead > 4096 && a.ndead > 2*(a.set.n-a.ndead) {
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
	return int64Result(alloc, a.counts, gids, nil), nil
}
