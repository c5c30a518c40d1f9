package exec

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// HashAggregate is GROUP BY over a hash table, in two modes.
//
// Windowed (tumble/hop; the input carries window_start/window_end from
// WindowAssign): every window has its own group table, so a window that
// closes (window_end <= watermark) is emitted append-only, ordered by
// window and then by first appearance of the group, and its table is
// recycled whole: state never grows with the number of closed windows.
//
// Updating (no window): one table; every Watermark emits the groups that
// changed since the previous one as upsert rows, the trailing
// __deleted column true for a group that stopped satisfying HAVING after
// having been emitted.
//
// Per batch the key columns are normalised and hashed a column at a time,
// probed into group ids, and each aggregate folds its argument column
// into its typed state arrays in one loop.
type HashAggregate struct {
	opBase
	aggCore
	windowed bool
	win      WindowSpec

	upd     *groupTable           // updating mode
	windows map[int64]*groupTable // windowed mode, by window start
	pool    []*groupTable         // recycled window tables
	minEnd  int64                 // no open window ends before this
	wm      int64
	groups  int // live groups, for StateRows

	vecs    []keyVec
	hashes  []uint64
	gids    []uint32
	ident   []int32
	part    windowPartition
	outIdx  []int32
	del     []bool
	allGids []uint32

	sspec      stateSpec
	snapStarts []int64

	retr      *retractor // over an updating input (aggretract.go)
	retrKinds []keyKind
}

// groupTable is the keys and aggregate states of one set of groups (all
// groups of an updating aggregate, or those of one window).
type groupTable struct {
	keys       *keyTable
	aggs       *aggSet
	start, end int64
	// updating mode
	dirty     []uint64 // bitset by group: changed since the last emission
	dirtyList []uint32
	emitted   []bool
}

func newHashAggregate(spec *AggregateSpec, out, in *arrow.Schema) (*HashAggregate, error) {
	a := &HashAggregate{wm: MinWatermark, minEnd: MaxWatermark}
	if spec.Window != nil {
		if spec.Window.Kind == SessionWindow {
			return nil, errors.New("session windows are built by the session aggregate")
		}
		a.windowed = true
		a.win = *spec.Window
		if err := checkFixedWindow(&a.win); err != nil {
			return nil, err
		}
		ws := spec.WindowStart
		if ws < 0 || ws+1 >= in.NumFields() || !isTimestamp(in.Field(ws).Type) || !isTimestamp(in.Field(ws+1).Type) {
			return nil, fmt.Errorf("windowed aggregate: input %s has no window_start, window_end at column %d", in, ws)
		}
	}
	if err := a.init(spec, out, in, a.windowed, !a.windowed); err != nil {
		return nil, err
	}
	if a.windowed {
		a.sspec = a.stateSpec("windowed", spec.Window)
	} else {
		a.sspec = a.stateSpec("updating", nil)
	}
	if len(spec.InputKeys) > 0 {
		r, kinds, err := newRetractor(spec, in)
		if err != nil {
			return nil, fmt.Errorf("aggregate over an updating input: %w", err)
		}
		a.retr, a.retrKinds = r, kinds
		keys := make([]string, len(spec.InputKeys))
		for i, c := range spec.InputKeys {
			keys[i] = fmt.Sprintf("%s %s", in.Field(c).Name, in.Field(c).Type)
		}
		a.sspec = append(a.sspec, specField{"updating input keys", "[" + strings.Join(keys, ", ") + "]"})
	}
	return a, nil
}

func (a *HashAggregate) Open(ctx *OpContext, out Emitter) error {
	if err := a.open(ctx, out); err != nil {
		return err
	}
	if err := a.openExprs(ctx); err != nil {
		return err
	}
	a.vecs = make([]keyVec, len(a.keys))
	for i := range a.vecs {
		a.vecs[i].kind = a.keyKinds[i]
	}
	if a.windowed {
		a.windows = map[int64]*groupTable{}
	} else {
		a.upd = a.newTable()
		if a.retr != nil {
			a.retr.bind(a.upd.aggs.aggs, a.retrKinds)
		}
	}
	return nil
}

func (a *HashAggregate) newTable() *groupTable {
	if n := len(a.pool); n > 0 {
		t := a.pool[n-1]
		a.pool = a.pool[:n-1]
		return t
	}
	t := &groupTable{keys: newKeyTable(a.keyKinds)}
	t.aggs = newAggSet(a.newAggStates())
	return t
}

func (a *HashAggregate) recycle(t *groupTable) {
	if len(a.pool) >= 4 {
		return
	}
	t.keys.reset()
	t.aggs.reset()
	a.pool = append(a.pool, t)
}

func (a *HashAggregate) Push(port int, b arrow.RecordBatch) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	defer a.releaseInputs()
	if err := a.evalInputs(b, a.vecs); err != nil {
		return err
	}
	a.hashes = hashKeys(a.vecs, n, a.hashes)
	a.gids = resizeSlice(a.gids, n)
	a.ident = identity(a.ident, n)
	if a.retr != nil {
		if err := a.pushRetract(b, n); err != nil {
			return err
		}
	} else if !a.windowed {
		before := a.upd.keys.n
		if err := a.accumulate(a.upd, a.ident); err != nil {
			return err
		}
		a.groups += a.upd.keys.n - before
		a.markDirty(a.upd, a.ident)
	} else if err := a.pushWindowed(b, n); err != nil {
		return err
	}
	a.ctx.Metrics.StateRows.Set(int64(a.groups))
	return nil
}

// accumulate assigns the rows sel to t's groups and folds them into the
// aggregates.
func (a *HashAggregate) accumulate(t *groupTable, sel []int32) error {
	t.keys.findOrInsert(a.vecs, a.hashes, sel, a.gids)
	t.aggs.resize(t.keys.n)
	// Aggregates run one after the other over a chunk of rows small
	// enough that the group rows the first one brings into L1 are still
	// there for the others.
	for len(sel) > 0 {
		chunk := sel[:min(len(sel), updateChunk)]
		sel = sel[len(chunk):]
		for i, s := range t.aggs.aggs {
			if err := s.update(a.gids, chunk, a.argArrs[i]); err != nil {
				return fmt.Errorf("aggregate %s: %w", a.spec.Aggs[i].Name, err)
			}
		}
	}
	return nil
}

// updateChunk rows of 64-byte group rows fill half of a 32 KiB L1.
const updateChunk = 256

func (a *HashAggregate) markDirty(t *groupTable, sel []int32) {
	t.dirty = resizeZero(t.dirty, (t.keys.n+63)/64)
	t.emitted = resizeZero(t.emitted, t.keys.n)
	// Branch-free: a group is appended always and kept only when its bit
	// was clear, since whether a group is already dirty is unpredictable.
	n := len(t.dirtyList)
	list := slices.Grow(t.dirtyList, len(sel)+1)[:n+len(sel)+1]
	dirty := t.dirty
	for _, i := range sel {
		g := a.gids[i]
		w, sh := g/64, g%64
		old := dirty[w]
		dirty[w] = old | 1<<sh
		list[n] = g
		n += int(old>>sh&1 ^ 1)
	}
	t.dirtyList = list[:n]
}

// windowPartition groups a batch's rows by window start: rows of window
// k are sel[offs[k]:offs[k+1]]. A batch usually spans one or a few
// windows, so windows are found by a linear scan with a last-hit cache.
type windowPartition struct {
	starts, ends []int64
	counts       []int32
	offs         []int32
	win          []int32 // per row: index into starts, -1 dropped
	sel          []int32
}

func (a *HashAggregate) pushWindowed(b arrow.RecordBatch, n int) error {
	wsArr, weArr := b.Column(a.spec.WindowStart), b.Column(a.spec.WindowStart+1)
	ws, we := values[int64](wsArr), values[int64](weArr)
	hasNulls := wsArr.NullN() > 0 || weArr.NullN() > 0
	wm := a.wm
	// Fast path: the whole batch in one open window.
	single := !hasNulls && we[0] > wm
	for i := 1; single && i < n; i++ {
		single = ws[i] == ws[0]
	}
	if single {
		return a.accumulateWindow(ws[0], we[0], a.ident)
	}
	p := &a.part
	p.starts, p.ends, p.counts = p.starts[:0], p.ends[:0], p.counts[:0]
	p.win = slices.Grow(p.win[:0], n)[:n]
	last := int32(-1)
	late := int64(0)
	for i := 0; i < n; i++ {
		if hasNulls && (wsArr.IsNull(i) || weArr.IsNull(i)) {
			p.win[i] = -1
			continue
		}
		if we[i] <= wm {
			p.win[i] = -1
			late++
			continue
		}
		s := ws[i]
		if last < 0 || p.starts[last] != s {
			last = -1
			for k, x := range p.starts {
				if x == s {
					last = int32(k)
					break
				}
			}
			if last < 0 {
				last = int32(len(p.starts))
				p.starts = append(p.starts, s)
				p.ends = append(p.ends, we[i])
				p.counts = append(p.counts, 0)
			}
		}
		p.win[i] = last
		p.counts[last]++
	}
	if late > 0 {
		// WindowAssign drops these already; rows reaching here late came
		// around it (a plan without WindowAssign) and must not reopen an
		// emitted window.
		a.ctx.Metrics.LateEvents.Add(late)
	}
	p.offs = slices.Grow(p.offs[:0], len(p.starts)+1)[:len(p.starts)+1]
	p.offs[0] = 0
	for k, c := range p.counts {
		p.offs[k+1] = p.offs[k] + c
		p.counts[k] = p.offs[k]
	}
	total := int(p.offs[len(p.starts)])
	p.sel = slices.Grow(p.sel[:0], total)[:total]
	for i, k := range p.win {
		if k >= 0 {
			p.sel[p.counts[k]] = int32(i)
			p.counts[k]++
		}
	}
	for k, s := range p.starts {
		if err := a.accumulateWindow(s, p.ends[k], p.sel[p.offs[k]:p.offs[k+1]]); err != nil {
			return err
		}
	}
	return nil
}

func (a *HashAggregate) accumulateWindow(start, end int64, sel []int32) error {
	t := a.windows[start]
	if t == nil {
		t = a.newTable()
		t.start, t.end = start, end
		a.windows[start] = t
		a.minEnd = min(a.minEnd, end)
	}
	before := t.keys.n
	err := a.accumulate(t, sel)
	a.groups += t.keys.n - before
	return err
}

func (a *HashAggregate) Watermark(wm int64) error {
	if wm > a.wm {
		a.wm = wm
	}
	if !a.windowed {
		return a.emitChanges()
	}
	if a.wm < a.minEnd {
		return nil
	}
	var closed []*groupTable
	a.minEnd = MaxWatermark
	for _, t := range a.windows {
		if t.end <= a.wm {
			closed = append(closed, t)
		} else {
			a.minEnd = min(a.minEnd, t.end)
		}
	}
	slices.SortFunc(closed, func(x, y *groupTable) int {
		if x.end != y.end {
			return cmpInt64(x.end, y.end)
		}
		return cmpInt64(x.start, y.start)
	})
	for _, t := range closed {
		delete(a.windows, t.start)
		a.groups -= t.keys.n
		err := a.emitWindow(t)
		a.recycle(t)
		if err != nil {
			return err
		}
	}
	a.ctx.Metrics.StateRows.Set(int64(a.groups))
	return nil
}

func cmpInt64(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// buildOutput makes the output batch for groups gids of t (the
// __deleted column of the updating mode all false).
func (a *HashAggregate) buildOutput(t *groupTable, gids []uint32) (arrow.RecordBatch, error) {
	alloc := a.ctx.Alloc
	cols := make([]arrow.Array, 0, a.schema.NumFields())
	defer func() { releaseArrays(cols) }()
	for c := range a.keys {
		col, err := t.keys.buildKeyColumn(alloc, c, a.keyTypes[c], gids)
		if err != nil {
			return nil, err
		}
		cols = append(cols, col)
	}
	if a.windowed {
		cols = append(cols, constInt64Array(alloc, expr.TypeTimestamp, t.start, len(gids)))
		cols = append(cols, constInt64Array(alloc, expr.TypeTimestamp, t.end, len(gids)))
	}
	for i, s := range t.aggs.aggs {
		col, err := s.build(alloc, gids)
		if err != nil {
			return nil, fmt.Errorf("aggregate %s: %w", a.spec.Aggs[i].Name, err)
		}
		cols = append(cols, col)
	}
	if !a.windowed {
		cols = append(cols, boolArray(alloc, nil, len(gids)))
	}
	return array.NewRecordBatch(a.schema, cols, int64(len(gids))), nil
}

func constInt64Array(alloc memory.Allocator, dt arrow.DataType, v int64, n int) arrow.Array {
	buf := newBuffer(alloc, 8*n)
	if n > 0 {
		dst := asSlice[int64](buf.Bytes())[:n]
		for i := range dst {
			dst[i] = v
		}
	}
	return makeArray(dt, n, []*memory.Buffer{nil, buf}, 0)
}

// boolArray makes a non-NULL boolean column from vals (all false when
// vals is nil).
func boolArray(alloc memory.Allocator, vals []bool, n int) arrow.Array {
	buf := newBuffer(alloc, int(bitutil.BytesForBits(int64(n))))
	b := buf.Bytes()
	clear(b)
	for i, v := range vals {
		if v {
			bitutil.SetBit(b, i)
		}
	}
	return makeArray(arrow.FixedWidthTypes.Boolean, n, []*memory.Buffer{nil, buf}, 0)
}

func (a *HashAggregate) emitWindow(t *groupTable) error {
	if t.keys.n == 0 {
		return nil
	}
	a.allGids = resizeSlice(a.allGids, t.keys.n)
	for i := range a.allGids {
		a.allGids[i] = uint32(i)
	}
	out, err := a.buildOutput(t, a.allGids)
	if err != nil {
		return fmt.Errorf("aggregate: %w", err)
	}
	defer out.Release()
	fb, err := a.filterHaving(a.ctx.Alloc, out)
	if err != nil || fb == nil {
		return err
	}
	defer fb.Release()
	return a.emit(fb)
}

// emitChanges emits the updating aggregate's changed groups.
func (a *HashAggregate) emitChanges() error {
	t := a.upd
	if len(t.dirtyList) == 0 {
		return nil
	}
	gids := t.dirtyList
	defer func() {
		for _, g := range t.dirtyList {
			t.dirty[g/64] = 0
		}
		t.dirtyList = t.dirtyList[:0]
	}()
	out, err := a.buildOutput(t, gids)
	if err != nil {
		return fmt.Errorf("aggregate: %w", err)
	}
	defer out.Release()
	if a.having == nil && a.retr == nil {
		for _, g := range gids {
			t.emitted[g] = true
		}
		return a.emit(out)
	}
	var hb *array.Boolean
	if a.having != nil {
		h, err := a.having.eval(out)
		if err != nil {
			return fmt.Errorf("having: %w", err)
		}
		defer h.Release()
		var ok bool
		if hb, ok = h.(*array.Boolean); !ok {
			return fmt.Errorf("having: evaluator returned %s, want boolean", h.DataType())
		}
	}
	a.outIdx, a.del = a.outIdx[:0], a.del[:0]
	for j, g := range gids {
		// A group all of whose input rows were retracted is gone.
		holds := (hb == nil || hb.IsValid(j) && hb.Value(j)) && (a.retr == nil || a.retr.live[g] > 0)
		switch {
		case holds:
			a.outIdx = append(a.outIdx, int32(j))
			a.del = append(a.del, false)
			t.emitted[g] = true
		case t.emitted[g]:
			a.outIdx = append(a.outIdx, int32(j))
			a.del = append(a.del, true)
			t.emitted[g] = false
		}
	}
	if len(a.outIdx) == 0 {
		return nil
	}
	if len(a.outIdx) == len(gids) && !slices.Contains(a.del, true) {
		return a.emit(out)
	}
	cols := make([]arrow.Array, 0, out.NumCols())
	defer func() { releaseArrays(cols) }()
	for c := 0; c < int(out.NumCols())-1; c++ {
		col, err := takeArray(a.ctx.Alloc, out.Column(c), a.outIdx)
		if err != nil {
			return fmt.Errorf("having: %w", err)
		}
		cols = append(cols, col)
	}
	cols = append(cols, boolArray(a.ctx.Alloc, a.del, len(a.outIdx)))
	fb := array.NewRecordBatch(a.schema, cols, int64(len(a.outIdx)))
	defer fb.Release()
	return a.emit(fb)
}

func (a *HashAggregate) Close() error {
	a.releaseInputs()
	a.upd, a.windows, a.pool = nil, nil, nil
	a.groups = 0
	if a.ctx != nil {
		a.ctx.Metrics.StateRows.Set(0)
	}
	return nil
}

// Snapshot writes the aggregate's state (layout in snapshot.go): the
// watermark, then for an updating aggregate its group table, the emitted
// flags and the changed groups in emission order; for a windowed one the
// open windows by start, each its bounds and group table. Group ids are
// kept, so output order after a restore is what it would have been.
func (a *HashAggregate) Snapshot(w io.Writer) error {
	if a.ctx == nil || (a.upd == nil && a.windows == nil) {
		return errors.New("hash aggregate: Snapshot outside Open and Close")
	}
	sw := newSnapWriter(w, magicHashAgg, a.sspec)
	sw.i64(a.wm)
	if !a.windowed {
		t := a.upd
		if len(t.emitted) < t.keys.n {
			return fmt.Errorf("hash aggregate %q: state is inconsistent after an error", a.ctx.Name)
		}
		a.putTable(sw, t)
		sw.bools(t.emitted[:t.keys.n])
		putU32s(sw, t.dirtyList)
		if a.retr != nil {
			a.retr.put(sw, t.keys.n)
		}
		return sw.finish()
	}
	starts := a.snapStarts[:0]
	for s := range a.windows {
		starts = append(starts, s)
	}
	slices.Sort(starts)
	a.snapStarts = starts
	sw.count(len(starts))
	for _, s := range starts {
		t := a.windows[s]
		sw.i64(t.start)
		sw.i64(t.end)
		a.putTable(sw, t)
	}
	return sw.finish()
}

func (a *HashAggregate) putTable(w *snapWriter, t *groupTable) {
	putKeyTable(w, t.keys)
	a.putAggs(w, t.aggs, t.keys.n)
}

// Restore replaces the state of a freshly opened aggregate with a
// snapshot's. Nothing changes unless the whole snapshot is valid.
func (a *HashAggregate) Restore(rd io.Reader) error {
	if a.ctx == nil {
		return errors.New("hash aggregate: Restore before Open")
	}
	r, err := openSnapshot(rd, magicHashAgg, a.ctx.Name, a.sspec)
	if err != nil {
		return err
	}
	wm := r.i64("watermark")
	groups := 0
	if !a.windowed {
		t := a.snapTable()
		a.getTable(r, t, "groups")
		n := t.keys.n
		emitted := r.bools(n, "emitted flags")
		dirty := getU32s[uint32](r, -1, "changed groups")
		if r.err == nil {
			t.emitted = emitted
			t.dirty = make([]uint64, (n+63)/64)
			for _, g := range dirty {
				if int(g) >= n || t.dirty[g/64]&(1<<(g%64)) != 0 {
					r.failf("changed group %d is out of range or repeated (%d groups)", g, n)
					break
				}
				t.dirty[g/64] |= 1 << (g % 64)
			}
			t.dirtyList = dirty
		}
		var retr *retractor
		if a.retr != nil && r.err == nil {
			retr = &retractor{keyCols: a.retr.keyCols, delCol: a.retr.delCol}
			retr.bind(t.aggs.aggs, a.retrKinds)
			retr.get(r, n)
		}
		if err := r.done(magicHashAgg, a.ctx.Name); err != nil {
			return err
		}
		a.upd, groups = t, n
		if retr != nil {
			a.retr = retr
		}
	} else {
		nw := r.count(-1, 16, "windows")
		windows := make(map[int64]*groupTable, nw)
		minEnd, prev := MaxWatermark, int64(0)
		for i := 0; i < nw && r.err == nil; i++ {
			start, end := r.i64("window start"), r.i64("window end")
			switch {
			case r.err != nil:
			case i > 0 && start <= prev:
				r.failf("window %d starts at %d, not after the previous one", i, start)
			case end <= start || end <= wm:
				r.failf("window [%d, %d) is empty or closed at watermark %d", start, end, wm)
			}
			if r.err != nil {
				break
			}
			prev = start
			t := a.snapTable()
			t.start, t.end = start, end
			a.getTable(r, t, "window "+fmtTime(start))
			windows[start] = t
			minEnd = min(minEnd, end)
			groups += t.keys.n
		}
		if err := r.done(magicHashAgg, a.ctx.Name); err != nil {
			return err
		}
		a.windows, a.minEnd = windows, minEnd
	}
	a.wm, a.groups = wm, groups
	a.ctx.Metrics.StateRows.Set(int64(groups))
	return nil
}

// snapTable is an empty table that is not the pool's, so a failed
// restore leaves the operator as it was.
func (a *HashAggregate) snapTable() *groupTable {
	return &groupTable{keys: newKeyTable(a.keyKinds), aggs: newAggSet(a.newAggStates())}
}

func (a *HashAggregate) getTable(r *snapReader, t *groupTable, what string) {
	getKeyTable(r, t.keys, what)
	if r.err == nil {
		a.getAggs(r, t.aggs, t.keys.n, what)
	}
}

// OutputWatermark holds a windowed aggregate's output watermark back by
// its window size (see windowOutputWatermark).
func (a *HashAggregate) OutputWatermark(wm int64) int64 {
	if !a.windowed {
		return wm
	}
	return windowOutputWatermark(a.win, wm)
}
