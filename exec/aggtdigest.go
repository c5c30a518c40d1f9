package exec

import (
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// approx_percentile(x, q): a merging t-digest per group (Dunning), with
// compression 100: centroids (mean, weight) sorted by mean, where a
// centroid around quantile p holds at most 4·n·p(1-p)/100 values, so
// the tails stay exact and the middle coarse (rank error well under 1%).
// New values wait in a buffer that is merged in when full. The result
// interpolates linearly between centroid centres placed at the position
// a sorted list would give them, which for a group of single values is
// exactly DuckDB's quantile_cont; the minimum and maximum are exact.

const (
	tdDelta  = 100.0
	tdBuffer = 512 // buffered values per group before a merge
)

type tdigestAgg struct {
	outOfRow
	q       float64
	argType arrow.DataType
	// by group
	means, weights [][]float64 // centroids, sorted by mean
	bufM, bufW     [][]float64 // not merged yet
	lo, hi         []float64   // exact extremes
	n              []float64   // values
	vals           []float64   // scratch: the batch's values as doubles
	scratch        []tdItem
}

type tdItem struct{ m, w float64 }

func (a *tdigestAgg) resize(n int) {
	a.means, a.weights = resizeZero(a.means, n), resizeZero(a.weights, n)
	a.bufM, a.bufW = resizeZero(a.bufM, n), resizeZero(a.bufW, n)
	a.lo, a.hi, a.n = resizeZero(a.lo, n), resizeZero(a.hi, n), resizeZero(a.n, n)
}

func (a *tdigestAgg) reset() {
	a.means, a.weights, a.bufM, a.bufW = a.means[:0], a.weights[:0], a.bufM[:0], a.bufW[:0]
	a.lo, a.hi, a.n = a.lo[:0], a.hi[:0], a.n[:0]
}

func (a *tdigestAgg) clear(g uint32) {
	a.means[g], a.weights[g], a.bufM[g], a.bufW[g] = nil, nil, nil, nil
	a.lo[g], a.hi[g], a.n[g] = 0, 0, 0
}

// doubles converts arg to float64 values (by row) in a.vals.
func (a *tdigestAgg) doubles(arg arrow.Array) []float64 {
	n := arg.Len()
	a.vals = resizeSlice(a.vals, n)
	switch arg.DataType().ID() {
	case arrow.FLOAT64:
		return values[float64](arg)
	case arrow.INT64:
		for i, x := range values[int64](arg) {
			a.vals[i] = float64(x)
		}
	case arrow.INT32:
		for i, x := range values[int32](arg) {
			a.vals[i] = float64(x)
		}
	case arrow.INT16:
		for i, x := range values[int16](arg) {
			a.vals[i] = float64(x)
		}
	case arrow.INT8:
		for i, x := range values[int8](arg) {
			a.vals[i] = float64(x)
		}
	case arrow.DECIMAL128:
		s := arg.DataType().(*arrow.Decimal128Type).Scale
		for i, x := range values[decimal128.Num](arg) {
			a.vals[i] = x.ToFloat64(s)
		}
	}
	return a.vals
}

func (a *tdigestAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	if arg.NullN() == arg.Len() {
		return nil
	}
	vals := a.doubles(arg)
	valid, voff := validity(arg)
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		x := vals[i]
		if x != x {
			continue // NaN has no rank; DuckDB's quantiles order it last, spate skips it
		}
		g := gids[i]
		if a.n[g] == 0 || x < a.lo[g] {
			a.lo[g] = x
		}
		if a.n[g] == 0 || x > a.hi[g] {
			a.hi[g] = x
		}
		a.n[g]++
		a.bufM[g] = append(a.bufM[g], x)
		a.bufW[g] = append(a.bufW[g], 1)
		if len(a.bufM[g]) >= tdBuffer {
			a.compress(g)
		}
	}
	return nil
}

// compress merges group g's buffer into its centroids.
func (a *tdigestAgg) compress(g uint32) {
	if len(a.bufM[g]) == 0 {
		return
	}
	items := a.scratch[:0]
	for k, m := range a.means[g] {
		items = append(items, tdItem{m, a.weights[g][k]})
	}
	for k, m := range a.bufM[g] {
		items = append(items, tdItem{m, a.bufW[g][k]})
	}
	slices.SortFunc(items, func(x, y tdItem) int {
		switch {
		case x.m < y.m:
			return -1
		case x.m > y.m:
			return 1
		}
		return 0
	})
	total := 0.0
	for _, it := range items {
		total += it.w
	}
	means, weights := a.means[g][:0], a.weights[g][:0]
	cur, before := items[0], 0.0
	for _, it := range items[1:] {
		w := cur.w + it.w
		p := (before + w/2) / total
		if w <= 4*total*p*(1-p)/tdDelta {
			cur.m += (it.m - cur.m) * it.w / w
			cur.w = w
			continue
		}
		means, weights = append(means, cur.m), append(weights, cur.w)
		before += cur.w
		cur = it
	}
	means, weights = append(means, cur.m), append(weights, cur.w)
	a.means[g], a.weights[g] = means, weights
	a.bufM[g], a.bufW[g] = a.bufM[g][:0], a.bufW[g][:0]
	a.scratch = items[:0]
}

func (a *tdigestAgg) merge(dst, src uint32) error {
	if a.n[src] == 0 {
		return nil
	}
	if a.n[dst] == 0 || a.lo[src] < a.lo[dst] {
		a.lo[dst] = a.lo[src]
	}
	if a.n[dst] == 0 || a.hi[src] > a.hi[dst] {
		a.hi[dst] = a.hi[src]
	}
	a.n[dst] += a.n[src]
	a.bufM[dst] = append(append(a.bufM[dst], a.means[src]...), a.bufM[src]...)
	a.bufW[dst] = append(append(a.bufW[dst], a.weights[src]...), a.bufW[src]...)
	if len(a.bufM[dst]) >= tdBuffer {
		a.compress(dst)
	}
	return nil
}

// quantile is group g's estimate of the q-quantile: centroid i's centre
// sits at position before_i + (w_i - 1)/2 of the sorted values (its own
// position for a single value), and the target position q·(n - 1) is
// interpolated between the centres around it.
func (a *tdigestAgg) quantile(g uint32) (float64, bool) {
	if a.n[g] == 0 {
		return 0, false
	}
	a.compress(g)
	means, weights := a.means[g], a.weights[g]
	pos := a.q * (a.n[g] - 1)
	before := 0.0
	prevC, prevM := 0.0, a.lo[g]
	for i, m := range means {
		c := before + (weights[i]-1)/2
		if pos <= c {
			if i == 0 {
				if c <= 0 {
					return m, true
				}
				// Between the exact minimum (position 0) and the first centre.
				return a.lo[g] + (m-a.lo[g])*pos/c, true
			}
			return prevM + (m-prevM)*(pos-prevC)/(c-prevC), true
		}
		prevC, prevM = c, m
		before += weights[i]
	}
	last := a.n[g] - 1
	if last <= prevC {
		return prevM, true
	}
	return prevM + (a.hi[g]-prevM)*(pos-prevC)/(last-prevC), true
}

func (a *tdigestAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	o := newFixedOut[float64](alloc, len(gids))
	for j, g := range gids {
		if v, ok := a.quantile(g); ok {
			o.vals[j] = v
		} else {
			o.null(j)
		}
	}
	return o.finish(arrow.PrimitiveTypes.Float64), nil
}

// save writes each group's counts, extremes and (merged) centroids.
func (a *tdigestAgg) save(w *snapWriter, n int) {
	counts := make([]uint32, n)
	words := make([]uint64, 0, 3*n)
	var cm, cw []uint64
	for g := 0; g < n; g++ {
		a.compress(uint32(g))
		counts[g] = uint32(len(a.means[g]))
		words = append(words, math.Float64bits(a.n[g]), math.Float64bits(a.lo[g]), math.Float64bits(a.hi[g]))
		for k, m := range a.means[g] {
			cm = append(cm, math.Float64bits(m))
			cw = append(cw, math.Float64bits(a.weights[g][k]))
		}
	}
	putU32s(w, counts)
	putWords(w, words)
	putWords(w, cm)
	putWords(w, cw)
}

func (a *tdigestAgg) load(r *snapReader, n int, what string) {
	counts := getU32s[uint32](r, n, what+" centroid counts")
	words := getWords[uint64](r, 3*n, what+" counts and extremes")
	cm := getWords[uint64](r, -1, what+" centroid means")
	cw := getWords[uint64](r, len(cm), what+" centroid weights")
	if r.err != nil {
		return
	}
	total := 0
	for _, c := range counts {
		total += int(c)
	}
	if total != len(cm) {
		r.failf("%s: %d centroids stored, the counts say %d", what, len(cm), total)
		return
	}
	off := 0
	for g := 0; g < n; g++ {
		c := int(counts[g])
		cnt, lo, hi := math.Float64frombits(words[3*g]), math.Float64frombits(words[3*g+1]), math.Float64frombits(words[3*g+2])
		means, weights := make([]float64, c), make([]float64, c)
		sum := 0.0
		for k := 0; k < c; k++ {
			means[k], weights[k] = math.Float64frombits(cm[off+k]), math.Float64frombits(cw[off+k])
			sum += weights[k]
			if !(weights[k] >= 1) || means[k] != means[k] {
				r.failf("%s: group %d has a bad centroid %d", what, g, k)
				return
			}
		}
		off += c
		if sum != cnt || (c == 0) != (cnt == 0) || math.IsInf(sum, 0) || lo != lo || hi != hi {
			r.failf("%s: group %d's centroids do not add up to its %v values", what, g, cnt)
			return
		}
		a.means[g], a.weights[g], a.n[g], a.lo[g], a.hi[g] = means, weights, cnt, lo, hi
	}
}
