package exec

import (
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Aggregating an updating input (AggregateSpec.InputKeys). Each input
// row is the current version of the input row with its key: the
// aggregate keeps, per input key, the output group it went to and its
// aggregate arguments in canonical form (its "contribution"), so the
// next version retracts that contribution from its group before adding
// its own, and a deleted row only retracts. Only aggregates that can be
// retracted arithmetically are supported here (count, sum, avg); the
// planner refuses the others over an updating input. A group whose last
// contribution was retracted is emitted deleted.

// laneKind is how an aggregate argument is kept in canonical form.
type laneKind uint8

const (
	laneValid laneKind = iota // validity only (count(x))
	laneInt                   // any integer, as a sign-extended 128-bit value
	laneFloat                 // float64 bits in lo
	laneDec                   // decimal128 (lo, hi)
)

// argLane is one aggregate's argument values in canonical form, by row (of
// a batch) or by contribution.
type argLane struct {
	lo    []uint64
	hi    []int64
	valid []bool
}

func (l *argLane) resize(n int) {
	l.lo, l.hi, l.valid = resizeZero(l.lo, n), resizeZero(l.hi, n), resizeZero(l.valid, n)
}

// load converts arg (nil for count(*): every row valid) into rows
// [0, n) of l.
func (l *argLane) load(arg arrow.Array, kind laneKind, n int) error {
	l.lo, l.hi, l.valid = resizeSlice(l.lo, n), resizeSlice(l.hi, n), resizeSlice(l.valid, n)
	if arg == nil {
		for i := range l.valid {
			l.valid[i] = true
		}
		return nil
	}
	if vb, voff := validity(arg); vb == nil {
		for i := range l.valid {
			l.valid[i] = voff >= 0
		}
	} else {
		for i := range l.valid {
			l.valid[i] = bitutil.BitIsSet(vb, voff+i)
		}
	}
	switch kind {
	case laneValid:
		return nil
	case laneFloat:
		for i, x := range values[uint64](arg) {
			l.lo[i] = x
		}
		return nil
	case laneDec:
		for i, x := range values[[2]uint64](arg) {
			l.lo[i], l.hi[i] = x[0], int64(x[1])
		}
		return nil
	}
	switch arg.DataType().ID() {
	case arrow.INT8:
		widenLane(l, values[int8](arg))
	case arrow.INT16:
		widenLane(l, values[int16](arg))
	case arrow.INT32:
		widenLane(l, values[int32](arg))
	case arrow.INT64:
		widenLane(l, values[int64](arg))
	default:
		return fmt.Errorf("argument of type %s is not an integer", arg.DataType())
	}
	return nil
}

func widenLane[T int8 | int16 | int32 | int64](l *argLane, v []T) {
	for i, x := range v {
		l.lo[i], l.hi[i] = uint64(int64(x)), int64(x)>>63
	}
}

// retractAgg is count, sum or avg over an updating input: per group the
// number of values folded in and their sum (128-bit for integers and
// decimals, so retraction never loses precision; float64 for doubles,
// reset to zero when the group empties so rounding does not linger).
type retractAgg struct {
	outOfRow
	kind  AggKind
	lane  laneKind
	scale int32
	n     []int64
	lo    []uint64
	hi    []int64
	f     []float64
}

func newRetractAgg(f *AggFunc, argType arrow.DataType) (*retractAgg, error) {
	// The same type checks as the append-only states.
	if _, err := newAggState(f, argType); err != nil {
		return nil, err
	}
	a := &retractAgg{kind: f.Kind}
	switch f.Kind {
	case AggCountStar, AggCount:
		return a, nil
	case AggSum, AggAvg:
	default:
		return nil, fmt.Errorf("%s cannot be retracted, so it cannot aggregate an updating input", f.Kind)
	}
	switch argType.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		a.lane = laneInt
	case arrow.FLOAT64:
		a.lane = laneFloat
	case arrow.DECIMAL128:
		a.lane, a.scale = laneDec, argType.(*arrow.Decimal128Type).Scale
	default:
		return nil, fmt.Errorf("%s over %s is not supported", f.Kind, argType)
	}
	return a, nil
}

func (a *retractAgg) resize(n int) {
	a.n = resizeZero(a.n, n)
	if a.lane == laneFloat {
		a.f = resizeZero(a.f, n)
	} else if a.lane != laneValid {
		a.lo, a.hi = resizeZero(a.lo, n), resizeZero(a.hi, n)
	}
}

func (a *retractAgg) reset() { a.n, a.lo, a.hi, a.f = a.n[:0], a.lo[:0], a.hi[:0], a.f[:0] }

func (a *retractAgg) clear(g uint32) {
	a.n[g] = 0
	if a.lane == laneFloat {
		a.f[g] = 0
	} else if a.lane != laneValid {
		a.lo[g], a.hi[g] = 0, 0
	}
}

var errNeedsRetraction = errors.New("an aggregate over an updating input is folded with its retractions")

func (a *retractAgg) update([]uint32, []int32, arrow.Array) error { return errNeedsRetraction }
func (a *retractAgg) merge(uint32, uint32) error                  { return errNeedsRetraction }

// fold adds (sign 1) or retracts (sign -1) the values l[i] of rows sel
// to groups gids[i].
func (a *retractAgg) fold(gids []uint32, sel []int32, l *argLane, sign int64) {
	n, valid := a.n, l.valid
	switch a.lane {
	case laneValid:
		for _, i := range sel {
			if valid[i] {
				n[gids[i]] += sign
			}
		}
	case laneFloat:
		fs, s := a.f, float64(sign)
		for _, i := range sel {
			if !valid[i] {
				continue
			}
			g := gids[i]
			fs[g] += s * math.Float64frombits(l.lo[i])
			n[g] += sign
			if n[g] == 0 {
				fs[g] = 0
			}
		}
	default:
		los, his := a.lo, a.hi
		for _, i := range sel {
			if !valid[i] {
				continue
			}
			g := gids[i]
			xlo, xhi := l.lo[i], l.hi[i]
			if sign < 0 {
				// Two's complement negation of the 128-bit value.
				var c uint64
				xlo, c = bits.Add64(^xlo, 1, 0)
				xhi = ^xhi + int64(c)
			}
			var c uint64
			los[g], c = bits.Add64(los[g], xlo, 0)
			his[g] += xhi + int64(c)
			n[g] += sign
		}
	}
}

func (a *retractAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	switch a.kind {
	case AggCountStar, AggCount:
		return buildFixed(alloc, arrow.PrimitiveTypes.Int64, gids, func(g uint32) (int64, bool) { return a.n[g], true }), nil
	case AggAvg:
		return buildFixed(alloc, arrow.PrimitiveTypes.Float64, gids, func(g uint32) (float64, bool) {
			if a.n[g] == 0 {
				return 0, false
			}
			switch a.lane {
			case laneFloat:
				return a.f[g] / float64(a.n[g]), true
			case laneDec:
				return decimal128.New(a.hi[g], a.lo[g]).ToFloat64(a.scale) / float64(a.n[g]), true
			}
			return int128Float(a.hi[g], a.lo[g]) / float64(a.n[g]), true
		}), nil
	}
	switch a.lane {
	case laneFloat:
		return buildFixed(alloc, arrow.PrimitiveTypes.Float64, gids, func(g uint32) (float64, bool) { return a.f[g], a.n[g] != 0 }), nil
	case laneDec:
		for _, g := range gids {
			if a.n[g] != 0 && !decimal128.New(a.hi[g], a.lo[g]).FitsInPrecision(38) {
				return nil, errDecimalOverflow
			}
		}
		return buildFixed(alloc, &arrow.Decimal128Type{Precision: 38, Scale: a.scale}, gids, func(g uint32) (decimal128.Num, bool) {
			return decimal128.New(a.hi[g], a.lo[g]), a.n[g] != 0
		}), nil
	}
	for _, g := range gids {
		if a.n[g] != 0 && a.hi[g] != int64(a.lo[g])>>63 {
			return nil, errSumOverflow
		}
	}
	return buildFixed(alloc, arrow.PrimitiveTypes.Int64, gids, func(g uint32) (int64, bool) { return int64(a.lo[g]), a.n[g] != 0 }), nil
}

// save writes counts, then the sums the lane keeps.
func (a *retractAgg) save(w *snapWriter, n int) {
	putWords(w, a.n[:n])
	switch a.lane {
	case laneFloat:
		words := make([]uint64, n)
		for g, x := range a.f[:n] {
			words[g] = math.Float64bits(x)
		}
		putWords(w, words)
	case laneInt, laneDec:
		putWords(w, a.lo[:n])
		putWords(w, a.hi[:n])
	}
}

func (a *retractAgg) load(r *snapReader, n int, what string) {
	cnt := getWords[int64](r, n, what+" counts")
	var lo []uint64
	var hi []int64
	switch a.lane {
	case laneFloat:
		lo = getWords[uint64](r, n, what+" sums")
	case laneInt, laneDec:
		lo = getWords[uint64](r, n, what+" low words")
		hi = getWords[int64](r, n, what+" high words")
	}
	if r.err != nil {
		return
	}
	for g, c := range cnt {
		if c < 0 {
			r.failf("%s: group %d has a negative count", what, g)
			return
		}
	}
	copy(a.n, cnt)
	switch a.lane {
	case laneFloat:
		for g, x := range lo {
			a.f[g] = math.Float64frombits(x)
		}
	case laneInt, laneDec:
		copy(a.lo, lo)
		copy(a.hi, hi)
	}
}

// retractor is the per-input-key state of an aggregate over an updating
// input. A key's contribution is one row of 64-bit words, so the row
// lookup of an input row touches one cache line whatever the number of
// aggregates: word 0 holds the output group (low half, noGroup when
// none) and one validity bit per aggregate (high half), then each
// aggregate's value words (none for count, one for doubles, two for
// integers and decimals).
type retractor struct {
	keyCols []int // input key columns
	delCol  int   // the input's __deleted column
	aggs    []*retractAgg
	lanes   []laneKind
	offs    []int // by aggregate: first value word in a row
	stride  int   // words per row

	ctab    *keyTable // input keys -> contribution id
	contrib []uint64  // rows by contribution id
	live    []int64   // by output group: contributions in it

	// per batch
	vecs   []keyVec
	hashes []uint64
	cids   []uint32
	rows   []argLane // by aggregate: this batch's arguments
	old    []argLane // by aggregate: retracted contributions
	oldG   []uint32
	oldSel []int32
	addSel []int32
}

const noGroup = ^uint32(0)

// maxRetractAggs is the number of validity bits in a row's first word.
const maxRetractAggs = 32

func newRetractor(spec *AggregateSpec, in *arrow.Schema) (*retractor, []keyKind, error) {
	r := &retractor{keyCols: spec.InputKeys, delCol: in.NumFields() - 1}
	if len(spec.Aggs) > maxRetractAggs {
		return nil, nil, fmt.Errorf("at most %d aggregates can read an updating input, got %d", maxRetractAggs, len(spec.Aggs))
	}
	kinds := make([]keyKind, len(spec.InputKeys))
	for i, c := range spec.InputKeys {
		if c < 0 || c >= r.delCol {
			return nil, nil, fmt.Errorf("input key column %d is not a column of %s", c, in)
		}
		k, err := keyKindOf(in.Field(c).Type)
		if err != nil {
			return nil, nil, fmt.Errorf("input key %s: %w", in.Field(c).Name, err)
		}
		kinds[i] = k
	}
	if in.Field(r.delCol).Type.ID() != arrow.BOOL {
		return nil, nil, fmt.Errorf("updating input %s must end with a boolean deleted column", in)
	}
	return r, kinds, nil
}

// laneWords is the number of value words a lane keeps per row.
func laneWords(l laneKind) int {
	switch l {
	case laneValid:
		return 0
	case laneFloat:
		return 1
	}
	return 2
}

// bind attaches the retractor to the aggregate states of a (fresh or
// restored) group table and empties the per-key state.
func (r *retractor) bind(states []aggState, kinds []keyKind) {
	r.aggs, r.lanes, r.offs = r.aggs[:0], r.lanes[:0], r.offs[:0]
	r.stride = 1
	for _, s := range states {
		ra := s.(*retractAgg)
		r.aggs = append(r.aggs, ra)
		r.lanes = append(r.lanes, ra.lane)
		r.offs = append(r.offs, r.stride)
		r.stride += laneWords(ra.lane)
	}
	r.ctab = newKeyTable(kinds)
	r.contrib, r.live = nil, nil
	r.rows = make([]argLane, len(r.aggs))
	r.old = make([]argLane, len(r.aggs))
	r.vecs = make([]keyVec, len(kinds))
	for i := range r.vecs {
		r.vecs[i].kind = kinds[i]
	}
}

// push folds batch b (already evaluated into a.vecs/a.argArrs) into the
// updating table t.
func (a *HashAggregate) pushRetract(b arrow.RecordBatch, n int) error {
	r, t := a.retr, a.upd
	delArr, ok := b.Column(r.delCol).(*array.Boolean)
	if !ok {
		return fmt.Errorf("updating input: column %d is %s, not the boolean deleted flag", r.delCol, b.Column(r.delCol).DataType())
	}
	// A deleted row's other columns only identify it: it joins no group.
	r.addSel = r.addSel[:0]
	for i := 0; i < n; i++ {
		if !(delArr.IsValid(i) && delArr.Value(i)) {
			r.addSel = append(r.addSel, int32(i))
		}
	}
	before := t.keys.n
	t.keys.findOrInsert(a.vecs, a.hashes, r.addSel, a.gids)
	t.aggs.resize(t.keys.n)
	r.live = resizeZero(r.live, t.keys.n)
	a.groups += t.keys.n - before

	for i, c := range r.keyCols {
		if err := r.vecs[i].load(b.Column(c)); err != nil {
			return fmt.Errorf("input key %s: %w", b.Schema().Field(c).Name, err)
		}
	}
	r.hashes = hashKeys(r.vecs, n, r.hashes)
	r.cids = resizeSlice(r.cids, n)
	r.ctab.findOrInsert(r.vecs, r.hashes, a.ident, r.cids)
	st := r.stride
	if m := r.ctab.n * st; m > len(r.contrib) {
		old := len(r.contrib)
		r.contrib = resizeSlice(r.contrib, m)
		for w := old; w < m; w += st {
			r.contrib[w] = uint64(noGroup)
		}
	}
	for j, s := range r.aggs {
		if err := r.rows[j].load(a.argArrs[j], s.lane, n); err != nil {
			return fmt.Errorf("aggregate %s: %w", a.spec.Aggs[j].Name, err)
		}
		r.old[j].lo, r.old[j].hi, r.old[j].valid = r.old[j].lo[:0], r.old[j].hi[:0], r.old[j].valid[:0]
	}

	// In row order, since a key may change twice in one batch: the
	// second version retracts the first.
	r.oldG = r.oldG[:0]
	next := 0 // index into addSel
	for i := 0; i < n; i++ {
		row := r.contrib[int(r.cids[i])*st:][:st]
		head := row[0]
		if g := uint32(head); g != noGroup {
			r.oldG = append(r.oldG, g)
			r.live[g]--
			for j, l := range r.lanes {
				o, w := &r.old[j], row[r.offs[j]:]
				o.valid = append(o.valid, head>>(32+j)&1 != 0)
				switch l {
				case laneFloat:
					o.lo = append(o.lo, w[0])
				case laneInt, laneDec:
					o.lo, o.hi = append(o.lo, w[0]), append(o.hi, int64(w[1]))
				}
			}
		}
		if next < len(r.addSel) && int(r.addSel[next]) == i {
			next++
			g := a.gids[i]
			r.live[g]++
			head = uint64(g)
			for j, l := range r.lanes {
				nw, w := &r.rows[j], row[r.offs[j]:]
				if nw.valid[i] {
					head |= 1 << (32 + j)
				}
				switch l {
				case laneFloat:
					w[0] = nw.lo[i]
				case laneInt, laneDec:
					w[0], w[1] = nw.lo[i], uint64(nw.hi[i])
				}
			}
			row[0] = head
		} else {
			row[0] = uint64(noGroup)
		}
	}
	r.oldSel = identity(r.oldSel, len(r.oldG))
	for j, s := range r.aggs {
		s.fold(r.oldG, r.oldSel, &r.old[j], -1)
		s.fold(a.gids, r.addSel, &r.rows[j], 1)
	}
	a.markDirty(t, r.addSel)
	a.markDirtyGroups(t, r.oldG)
	return nil
}

// markDirtyGroups marks groups gs changed.
func (a *HashAggregate) markDirtyGroups(t *groupTable, gs []uint32) {
	t.dirty = resizeZero(t.dirty, (t.keys.n+63)/64)
	t.emitted = resizeZero(t.emitted, t.keys.n)
	for _, g := range gs {
		if w, sh := g/64, g%64; t.dirty[w]>>sh&1 == 0 {
			t.dirty[w] |= 1 << sh
			t.dirtyList = append(t.dirtyList, g)
		}
	}
}

// put writes the per-key state column-wise: the input key table, each
// contribution's group, each aggregate's validity and value words, and
// the live count of every group (groups are n).
func (r *retractor) put(w *snapWriter, n int) {
	putKeyTable(w, r.ctab)
	m, st := r.ctab.n, r.stride
	gids := make([]uint32, m)
	for c := range gids {
		gids[c] = uint32(r.contrib[c*st])
	}
	putU32s(w, gids)
	valid := make([]bool, m)
	words := make([]uint64, m)
	for j, l := range r.lanes {
		for c := range valid {
			valid[c] = r.contrib[c*st]>>(32+j)&1 != 0
		}
		w.bools(valid)
		for k := 0; k < laneWords(l); k++ {
			for c := range words {
				words[c] = r.contrib[c*st+r.offs[j]+k]
			}
			putWords(w, words)
		}
	}
	putWords(w, r.live[:n])
}

// get reads what put wrote into r, freshly bound, for n groups.
func (r *retractor) get(rd *snapReader, n int) {
	getKeyTable(rd, r.ctab, "input keys")
	if rd.err != nil {
		return
	}
	m, st := r.ctab.n, r.stride
	gids := getU32s[uint32](rd, m, "contribution groups")
	if rd.err != nil {
		return
	}
	contrib := make([]uint64, m*st)
	live := make([]int64, n)
	for c, g := range gids {
		if g != noGroup {
			if int(g) >= n {
				rd.failf("contribution %d is in group %d of %d", c, g, n)
				return
			}
			live[g]++
		}
		contrib[c*st] = uint64(g)
	}
	for j, l := range r.lanes {
		valid := rd.bools(m, "contribution validity")
		if rd.err != nil {
			return
		}
		for c, v := range valid {
			if v && gids[c] != noGroup {
				contrib[c*st] |= 1 << (32 + j)
			}
		}
		for k := 0; k < laneWords(l); k++ {
			words := getWords[uint64](rd, m, "contribution values")
			if rd.err != nil {
				return
			}
			for c, x := range words {
				contrib[c*st+r.offs[j]+k] = x
			}
		}
	}
	saved := getWords[int64](rd, n, "live contributions")
	if rd.err != nil {
		return
	}
	for g := range saved {
		if saved[g] != live[g] {
			rd.failf("group %d has %d live contributions, its contributions say %d", g, saved[g], live[g])
			return
		}
	}
	r.contrib, r.live = contrib, live
}
