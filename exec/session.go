package exec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/spate-sql/spate/exec/expr"
)

// SessionAggregate groups the rows of each key into sessions: two events
// of a key are in the same session when a chain of events less than Gap
// apart joins them (as DuckDB computes it with lag() over the complete
// input: a new session starts where ts - previous ts >= gap). A session
// covers [first event, last event + gap) and is emitted, append-only,
// once the watermark reaches its end.
//
// Events arrive out of order (up to the watermark delay), so a session is
// grown incrementally: an event joins every open session of its key it is
// within Gap of, which can bridge two sessions into one. Per key the open
// sessions form a list sorted by start (usually of length one); each
// session has an id indexing the aggregate state arrays. A merge folds
// one session's state into the other's with aggState.merge, so merging
// costs one state, not a replay of events.
//
// Sessions are emitted in the order they are found closed (by end, to a
// sixteenth of the gap).
//
// An event that would open a session whose end is already at or before
// the watermark is late: it is dropped, counted and sent to the dead
// letters.
type SessionAggregate struct {
	opBase
	aggCore
	gap   int64
	timeX *exprInput
	wm    int64

	kt       *keyTable
	keyHead  []uint32 // per key id: first open session + 1
	liveKeys int      // keys with an open session

	// per session id
	sKey   []uint32
	sStart []int64
	sLast  []int64
	sNext  []uint32 // next session of the same key + 1 (by start)
	sGen   []uint32 // bumped when the id is freed, to spot stale heap entries
	sLive  []bool
	fwd    []uint32 // during a batch: merged into fwd-1
	free   []uint32
	nsess  int
	nopen  int
	aggs   *aggSet
	ends   endQueue

	vecs    []keyVec
	hashes  []uint64
	kids    []uint32
	sids    []uint32
	ident   []int32
	sel     []int32
	merges  [][2]uint32 // (merged session, session it went into)
	closing []uint32
	raw     []byte
	sspec   stateSpec
}

func newSessionAggregate(spec *AggregateSpec, out, in *arrow.Schema) (*SessionAggregate, error) {
	w := spec.Window
	if w == nil || w.Kind != SessionWindow {
		return nil, errors.New("session aggregate without a session window")
	}
	if w.Gap <= 0 {
		return nil, fmt.Errorf("session gap must be positive, got %dms", w.Gap)
	}
	if w.Time == nil || !isTimestamp(w.Time.DataType()) {
		return nil, fmt.Errorf("session time %v must be a TIMESTAMP expression", w.Time)
	}
	a := &SessionAggregate{gap: w.Gap, wm: MinWatermark, ends: newEndQueue(queueWidth(w.Gap))}
	if err := a.init(spec, out, in, true, false); err != nil {
		return nil, err
	}
	a.sspec = a.stateSpec("session", w)
	return a, nil
}

func (a *SessionAggregate) Open(ctx *OpContext, out Emitter) error {
	if err := a.open(ctx, out); err != nil {
		return err
	}
	if err := a.openExprs(ctx); err != nil {
		return err
	}
	t, err := newExprInput(a.spec.Window.Time, a.in, ctx.Alloc)
	if err != nil {
		return fmt.Errorf("session time: %w", err)
	}
	a.timeX = t
	a.vecs = make([]keyVec, len(a.keys))
	for i := range a.vecs {
		a.vecs[i].kind = a.keyKinds[i]
	}
	a.kt = newKeyTable(a.keyKinds)
	a.aggs = newAggSet(a.newAggStates())
	return nil
}

func (a *SessionAggregate) Push(port int, b arrow.RecordBatch) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	defer a.releaseInputs()
	if err := a.evalInputs(b, a.vecs); err != nil {
		return err
	}
	ta, err := a.timeX.eval(b)
	if err != nil {
		return fmt.Errorf("session time: %w", err)
	}
	defer ta.Release()
	if !isTimestamp(ta.DataType()) {
		return fmt.Errorf("session time: evaluator returned %s, want timestamp", ta.DataType())
	}
	ts := values[int64](ta)
	a.hashes = hashKeys(a.vecs, n, a.hashes)
	a.kids = resizeSlice(a.kids, n)
	a.ident = identity(a.ident, n)
	a.kt.findOrInsert(a.vecs, a.hashes, a.ident, a.kids)
	a.keyHead = resizeZero(a.keyHead, a.kt.n)
	a.sids = resizeSlice(a.sids, n)
	a.sel, a.merges = a.sel[:0], a.merges[:0]
	hasNulls := ta.NullN() > 0
	for i := 0; i < n; i++ {
		if hasNulls && ta.IsNull(i) {
			if err := a.deadLetter(b, i, "NULL event time"); err != nil {
				return err
			}
			continue
		}
		s, ok := a.assign(a.kids[i], ts[i])
		if !ok {
			a.ctx.Metrics.LateEvents.Add(1)
			reason := fmt.Sprintf("late event: session [%s, %s) closed at watermark %s",
				fmtTime(ts[i]), fmtTime(ts[i]+a.gap), fmtTime(a.wm))
			if err := a.deadLetter(b, i, reason); err != nil {
				return err
			}
			continue
		}
		a.sids[i] = s
		a.sel = append(a.sel, int32(i))
	}
	if len(a.merges) > 0 {
		for _, i := range a.sel {
			a.sids[i] = a.resolve(a.sids[i])
		}
	}
	a.aggs.resize(a.nsess)
	for j, st := range a.aggs.aggs {
		if err := st.update(a.sids, a.sel, a.argArrs[j]); err != nil {
			return fmt.Errorf("aggregate %s: %w", a.spec.Aggs[j].Name, err)
		}
	}
	for _, m := range a.merges {
		src, dst := m[0], a.resolve(m[1])
		for j, st := range a.aggs.aggs {
			if err := st.merge(dst, src); err != nil {
				return fmt.Errorf("aggregate %s: %w", a.spec.Aggs[j].Name, err)
			}
		}
	}
	for _, m := range a.merges {
		a.freeSession(m[0])
	}
	a.ctx.Metrics.StateRows.Set(int64(a.nopen))
	return nil
}

func (a *SessionAggregate) resolve(s uint32) uint32 {
	for a.fwd[s] != 0 {
		s = a.fwd[s] - 1
	}
	return s
}

// assign puts an event of key k at time t into a session and returns its
// id; false when the event is late.
func (a *SessionAggregate) assign(k uint32, t int64) (uint32, bool) {
	gap := a.gap
	prev := uint32(0)
	for e := a.keyHead[k]; e != 0; e = a.sNext[e-1] {
		s := e - 1
		if a.sLast[s]+gap <= t {
			prev = e
			continue
		}
		if t+gap <= a.sStart[s] {
			break // t falls before s, in no session
		}
		if t < a.sStart[s] {
			a.sStart[s] = t
		}
		if t > a.sLast[s] {
			a.sLast[s] = t
			// t may now be within gap of the next session: bridge them.
			if nx := a.sNext[s]; nx != 0 && t+gap > a.sStart[nx-1] {
				o := nx - 1
				a.sLast[s] = max(a.sLast[s], a.sLast[o])
				a.sStart[s] = min(a.sStart[s], a.sStart[o])
				a.sNext[s] = a.sNext[o]
				a.fwd[o] = s + 1
				a.merges = append(a.merges, [2]uint32{o, s})
			}
		}
		return s, true
	}
	if t+gap <= a.wm {
		return 0, false
	}
	s := a.allocSession(k, t)
	if prev == 0 {
		if a.keyHead[k] == 0 {
			a.liveKeys++
		}
		a.sNext[s] = a.keyHead[k]
		a.keyHead[k] = s + 1
	} else {
		a.sNext[s] = a.sNext[prev-1]
		a.sNext[prev-1] = s + 1
	}
	a.ends.push(sessionEnd{end: t + gap, sid: s, gen: a.sGen[s]})
	return s, true
}

func (a *SessionAggregate) allocSession(k uint32, t int64) uint32 {
	var s uint32
	if n := len(a.free); n > 0 {
		s = a.free[n-1]
		a.free = a.free[:n-1]
	} else {
		s = uint32(a.nsess)
		a.nsess++
		a.sKey = append(a.sKey, 0)
		a.sStart = append(a.sStart, 0)
		a.sLast = append(a.sLast, 0)
		a.sNext = append(a.sNext, 0)
		a.sGen = append(a.sGen, 0)
		a.sLive = append(a.sLive, false)
		a.fwd = append(a.fwd, 0)
	}
	a.sKey[s], a.sStart[s], a.sLast[s], a.sNext[s], a.sLive[s], a.fwd[s] = k, t, t, 0, true, 0
	a.nopen++
	return s
}

func (a *SessionAggregate) freeSession(s uint32) {
	a.aggs.clear(s)
	a.sGen[s]++
	a.sLive[s] = false
	a.fwd[s] = 0
	a.free = append(a.free, s)
	a.nopen--
}

// unlink removes session s from its key's list.
func (a *SessionAggregate) unlink(s uint32) {
	k := a.sKey[s]
	if a.keyHead[k] == s+1 {
		a.keyHead[k] = a.sNext[s]
		if a.keyHead[k] == 0 {
			a.liveKeys--
		}
		return
	}
	for e := a.keyHead[k]; e != 0; e = a.sNext[e-1] {
		if a.sNext[e-1] == s+1 {
			a.sNext[e-1] = a.sNext[s]
			return
		}
	}
}

func (a *SessionAggregate) deadLetter(b arrow.RecordBatch, row int, reason string) error {
	a.raw = AppendRowJSON(a.raw[:0], b, row)
	a.ctx.Metrics.DeadLetters.Add(1)
	err := a.ctx.DeadLetters.WriteDeadLetter(DeadLetter{Source: a.ctx.Name, Partition: -1, Offset: -1,
		Raw: a.raw, Reason: reason, Time: time.Now()})
	if err != nil {
		return fmt.Errorf("session aggregate: dead letter: %w", err)
	}
	return nil
}

func (a *SessionAggregate) Watermark(wm int64) error {
	if wm > a.wm {
		a.wm = wm
	}
	a.closing = a.closing[:0]
	a.ends.due(a.wm, func(e sessionEnd) (int64, bool) {
		s := e.sid
		if !a.sLive[s] || a.sGen[s] != e.gen {
			return 0, false // merged away or already emitted
		}
		if end := a.sLast[s] + a.gap; end > a.wm {
			return end, true // grew since: wait for its new end
		}
		a.closing = append(a.closing, s)
		return 0, false
	})
	if len(a.closing) == 0 {
		return nil
	}
	err := a.emitSessions(a.closing)
	for _, s := range a.closing {
		a.unlink(s)
		a.freeSession(s)
	}
	a.maybeCompactKeys()
	a.ctx.Metrics.StateRows.Set(int64(a.nopen))
	return err
}

func (a *SessionAggregate) emitSessions(sids []uint32) error {
	alloc := a.ctx.Alloc
	n := len(sids)
	cols := make([]arrow.Array, 0, a.schema.NumFields())
	defer func() { releaseArrays(cols) }()
	kids := make([]uint32, n)
	starts := make([]int64, n)
	for j, s := range sids {
		kids[j] = a.sKey[s]
		starts[j] = a.sStart[s]
	}
	for c := range a.keys {
		col, err := a.kt.buildKeyColumn(alloc, c, a.keyTypes[c], kids)
		if err != nil {
			return fmt.Errorf("session aggregate: %w", err)
		}
		cols = append(cols, col)
	}
	cols = append(cols, int64Array(alloc, expr.TypeTimestamp, starts, 0))
	for j, s := range sids {
		starts[j] = a.sLast[s]
	}
	cols = append(cols, int64Array(alloc, expr.TypeTimestamp, starts, a.gap))
	for i, st := range a.aggs.aggs {
		col, err := st.build(alloc, sids)
		if err != nil {
			return fmt.Errorf("aggregate %s: %w", a.spec.Aggs[i].Name, err)
		}
		cols = append(cols, col)
	}
	out := array.NewRecordBatch(a.schema, cols, int64(n))
	defer out.Release()
	fb, err := a.filterHaving(alloc, out)
	if err != nil || fb == nil {
		return err
	}
	defer fb.Release()
	return a.emit(fb)
}

// keyCompactMin is the key table size below which keys are never
// compacted (a variable so tests can exercise compaction).
var keyCompactMin = 4096

// maybeCompactKeys drops keys without open sessions from the key table
// once they are three quarters of it, so state follows the open sessions
// rather than every key ever seen, at an amortized cost of about one key
// copy per key dropped.
func (a *SessionAggregate) maybeCompactKeys() {
	if a.kt.n < keyCompactMin || a.kt.n <= 4*a.liveKeys {
		return
	}
	keep := make([]uint32, 0, a.liveKeys)
	remap := make([]uint32, a.kt.n)
	for k, h := range a.keyHead[:a.kt.n] {
		if h != 0 {
			remap[k] = uint32(len(keep))
			keep = append(keep, uint32(k))
		}
	}
	a.kt.compact(keep)
	heads := make([]uint32, len(keep))
	for j, k := range keep {
		heads[j] = a.keyHead[k]
	}
	a.keyHead = heads
	for s := 0; s < a.nsess; s++ {
		if a.sLive[s] {
			a.sKey[s] = remap[a.sKey[s]]
		}
	}
}

func (a *SessionAggregate) Close() error {
	a.releaseInputs()
	a.kt, a.aggs, a.keyHead = nil, nil, nil
	a.ends = newEndQueue(queueWidth(a.gap))
	a.nopen = 0
	if a.ctx != nil {
		a.ctx.Metrics.StateRows.Set(0)
	}
	return nil
}

// sessionEnd is a queue entry: session sid (of generation gen) ends at
// end, or later if it grew since the entry was queued.
type sessionEnd struct {
	end int64
	sid uint32
	gen uint32
}

// endQueue finds the sessions that may have ended at a watermark. A
// session is queued when it opens, by its end then; when that time comes
// and the session has grown, it is queued again by its new end. So a
// growing session costs no queue work per event, only one re-queue per
// gap of activity.
//
// It is a calendar queue: entries ending in the future sit in buckets a
// sixteenth of a gap wide, where queueing is an append. Buckets the
// watermark has passed are due whole; only the entries of the bucket the
// watermark is in go through a min-heap on end, so most entries never
// pay for ordering.
type endQueue struct {
	width   int64
	buckets map[int64]*[]sessionEnd // future buckets by number
	slots   []int64                 // min-heap of the numbers in buckets
	cur     int64                   // buckets up to cur have moved to heap
	heap    []sessionEnd            // min-heap on end
	spare   []*[]sessionEnd

	lastSlot int64 // the bucket pushed to last (pushes come in runs)
	last     *[]sessionEnd
}

func queueWidth(gap int64) int64 { return max(1, gap/16) }

func newEndQueue(width int64) endQueue {
	return endQueue{width: width, buckets: map[int64]*[]sessionEnd{}, cur: math.MinInt64}
}

func (q *endQueue) push(e sessionEnd) {
	slot := floorDiv(e.end, q.width)
	if slot <= q.cur {
		q.heap = heapPush(q.heap, e)
		return
	}
	if q.last == nil || slot != q.lastSlot {
		b, ok := q.buckets[slot]
		if !ok {
			if n := len(q.spare); n > 0 {
				b = q.spare[n-1]
				q.spare = q.spare[:n-1]
			} else {
				b = new([]sessionEnd)
			}
			q.buckets[slot] = b
			q.pushSlot(slot)
		}
		q.lastSlot, q.last = slot, b
	}
	*q.last = append(*q.last, e)
}

// due hands every entry with end <= wm to f; f returns a new end to
// re-queue the session by, or false to drop the entry.
func (q *endQueue) due(wm int64, f func(sessionEnd) (int64, bool)) {
	visit := func(e sessionEnd) {
		if end, again := f(e); again {
			e.end = end
			q.push(e)
		}
	}
	q.popDue(wm, visit)
	ws := floorDiv(wm, q.width)
	if ws <= q.cur {
		return
	}
	// Buckets before the watermark's are due whole, in bucket order; the
	// watermark's own bucket goes to the heap, which sorts out the part
	// that is due.
	for len(q.slots) > 0 && q.slots[0] <= ws {
		slot := q.popSlot()
		b := q.take(slot)
		if slot == ws {
			q.cur = ws
			for _, e := range *b {
				q.heap = heapPush(q.heap, e)
			}
		} else {
			for _, e := range *b {
				visit(e)
			}
		}
		q.recycle(b)
	}
	q.cur = ws
	q.popDue(wm, visit)
}

func (q *endQueue) popDue(wm int64, visit func(sessionEnd)) {
	for len(q.heap) > 0 && q.heap[0].end <= wm {
		var top sessionEnd
		q.heap, top = heapPop(q.heap)
		visit(top)
	}
}

func (q *endQueue) take(slot int64) *[]sessionEnd {
	b := q.buckets[slot]
	delete(q.buckets, slot)
	if q.last == b {
		q.last = nil
	}
	return b
}

func (q *endQueue) recycle(b *[]sessionEnd) {
	*b = (*b)[:0]
	if len(q.spare) < 64 {
		q.spare = append(q.spare, b)
	}
}

func (q *endQueue) pushSlot(s int64) { q.slots = heapPushI64(q.slots, s) }

func (q *endQueue) popSlot() int64 {
	top, h := heapPopI64(q.slots)
	q.slots = h
	return top
}

// Snapshot writes the aggregate's state (layout in snapshot.go): the
// watermark; the key table and each key's first open session; the
// session arrays (key, start, last event, next of the key, generation,
// live) and the free list, in id order; the sessions' aggregate states;
// and the end queue as it is laid out (heap arrays in array order,
// buckets in the order of the bucket heap), since which sessions close
// together and in what order depends on it.
func (a *SessionAggregate) Snapshot(w io.Writer) error {
	if a.ctx == nil || a.kt == nil {
		return errors.New("session aggregate: Snapshot outside Open and Close")
	}
	n := a.nsess
	if len(a.keyHead) < a.kt.n || len(a.aggs.rows.buf) < n*int(a.aggs.rows.stride/8) {
		return fmt.Errorf("session aggregate %q: state is inconsistent after an error", a.ctx.Name)
	}
	sw := newSnapWriter(w, magicSessionAgg, a.sspec)
	sw.i64(a.wm)
	putKeyTable(sw, a.kt)
	putU32s(sw, a.keyHead[:a.kt.n])
	putU32s(sw, a.sKey[:n])
	putWords(sw, a.sStart[:n])
	putWords(sw, a.sLast[:n])
	putU32s(sw, a.sNext[:n])
	putU32s(sw, a.sGen[:n])
	sw.bools(a.sLive[:n])
	putU32s(sw, a.free)
	a.putAggs(sw, a.aggs, n)
	q := &a.ends
	sw.i64(q.cur)
	putEnds(sw, q.heap)
	putWords(sw, q.slots)
	for _, slot := range q.slots {
		putEnds(sw, *q.buckets[slot])
	}
	return sw.finish()
}

// putEnds writes queue entries as three columns: end, session,
// generation.
func putEnds(w *snapWriter, es []sessionEnd) {
	w.count(len(es))
	for i := 0; i < len(es); {
		dst, k := w.span(len(es)-i, 8)
		for j, e := range es[i : i+k] {
			binary.LittleEndian.PutUint64(dst[8*j:], uint64(e.end))
		}
		i += k
	}
	w.count(len(es))
	for i := 0; i < len(es); {
		dst, k := w.span(len(es)-i, 4)
		for j, e := range es[i : i+k] {
			binary.LittleEndian.PutUint32(dst[4*j:], e.sid)
		}
		i += k
	}
	w.count(len(es))
	for i := 0; i < len(es); {
		dst, k := w.span(len(es)-i, 4)
		for j, e := range es[i : i+k] {
			binary.LittleEndian.PutUint32(dst[4*j:], e.gen)
		}
		i += k
	}
}

func getEnds(r *snapReader, what string) []sessionEnd {
	ends := getWords[int64](r, -1, what+" ends")
	sids := getU32s[uint32](r, len(ends), what+" sessions")
	gens := getU32s[uint32](r, len(ends), what+" generations")
	if r.err != nil {
		return nil
	}
	es := make([]sessionEnd, len(ends))
	for j := range es {
		es[j] = sessionEnd{end: ends[j], sid: sids[j], gen: gens[j]}
	}
	return es
}

// Restore replaces the state of a freshly opened aggregate with a
// snapshot's, after checking it is consistent: every open session is on
// its key's list (sorted by start) and in the end queue, every other id
// is free. Nothing changes unless the whole snapshot is valid.
func (a *SessionAggregate) Restore(rd io.Reader) error {
	if a.ctx == nil {
		return errors.New("session aggregate: Restore before Open")
	}
	r, err := openSnapshot(rd, magicSessionAgg, a.ctx.Name, a.sspec)
	if err != nil {
		return err
	}
	wm := r.i64("watermark")
	kt := newKeyTable(a.keyKinds)
	getKeyTable(r, kt, "keys")
	heads := getU32s[uint32](r, kt.n, "key sessions")
	sKey := getU32s[uint32](r, -1, "session keys")
	n := len(sKey)
	sStart := getWords[int64](r, n, "session starts")
	sLast := getWords[int64](r, n, "session last events")
	sNext := getU32s[uint32](r, n, "session links")
	sGen := getU32s[uint32](r, n, "session generations")
	sLive := r.bools(n, "open sessions")
	free := getU32s[uint32](r, -1, "free sessions")
	aggs := newAggSet(a.newAggStates())
	if r.err == nil {
		a.getAggs(r, aggs, n, "sessions")
	}
	q := newEndQueue(queueWidth(a.gap))
	q.cur = r.i64("queue position")
	q.heap = getEnds(r, "queue heap")
	q.slots = getWords[int64](r, -1, "queue buckets")
	for _, slot := range q.slots {
		if r.err != nil {
			break
		}
		b := getEnds(r, "queue bucket")
		if _, dup := q.buckets[slot]; dup {
			r.failf("queue bucket %d repeats", slot)
		}
		q.buckets[slot] = &b
	}
	if err := r.done(magicSessionAgg, a.ctx.Name); err != nil {
		return err
	}
	s := sessionState{n: n, keys: kt.n, heads: heads, sKey: sKey, sStart: sStart, sLast: sLast, sNext: sNext,
		sGen: sGen, sLive: sLive, free: free}
	liveKeys, nopen, err := s.check(&q)
	if err != nil {
		return fmt.Errorf("%w: session aggregate %q: %v", ErrCorruptState, a.ctx.Name, err)
	}
	for _, id := range free {
		aggs.clear(id)
	}
	a.wm, a.kt, a.keyHead, a.liveKeys = wm, kt, heads, liveKeys
	a.sKey, a.sStart, a.sLast, a.sNext, a.sGen, a.sLive = sKey, sStart, sLast, sNext, sGen, sLive
	a.fwd, a.free, a.nsess, a.nopen, a.aggs, a.ends = make([]uint32, n), free, n, nopen, aggs, q
	a.ctx.Metrics.StateRows.Set(int64(nopen))
	return nil
}

// sessionState is a decoded snapshot's sessions, for checking.
type sessionState struct {
	n, keys                  int
	heads, sKey, sNext, sGen []uint32
	sStart, sLast            []int64
	sLive                    []bool
	free                     []uint32
}

// check validates the sessions against each other and the end queue q
// and returns the number of keys with open sessions and of open sessions.
func (s *sessionState) check(q *endQueue) (liveKeys, nopen int, err error) {
	for id := 0; id < s.n; id++ {
		if int(s.sNext[id]) > s.n {
			return 0, 0, fmt.Errorf("session %d links to %d of %d", id, s.sNext[id], s.n)
		}
		if !s.sLive[id] {
			continue
		}
		nopen++
		if int(s.sKey[id]) >= s.keys || s.sStart[id] > s.sLast[id] {
			return 0, 0, fmt.Errorf("session %d: key %d of %d, span [%d, %d]", id, s.sKey[id], s.keys, s.sStart[id], s.sLast[id])
		}
	}
	seen := make([]bool, s.n)
	for _, id := range s.free {
		if int(id) >= s.n || s.sLive[id] || seen[id] {
			return 0, 0, fmt.Errorf("free session %d is out of range, open or repeated", id)
		}
		seen[id] = true
	}
	if len(s.free)+nopen != s.n {
		return 0, 0, fmt.Errorf("%d open and %d free sessions of %d", nopen, len(s.free), s.n)
	}
	// Every open session is on its key's list exactly once, by start.
	clear(seen)
	listed := 0
	for k, e := range s.heads {
		if int(e) > s.n {
			return 0, 0, fmt.Errorf("key %d: first session %d of %d", k, e, s.n)
		}
		if e != 0 {
			liveKeys++
		}
		prev := int64(MinWatermark)
		for first := true; e != 0; e, first = s.sNext[e-1], false {
			id := e - 1
			if !s.sLive[id] || seen[id] || int(s.sKey[id]) != k || (!first && s.sStart[id] <= prev) {
				return 0, 0, fmt.Errorf("key %d: session %d is closed, listed twice, of another key or out of order", k, id)
			}
			seen[id] = true
			prev = s.sStart[id]
			listed++
		}
	}
	if listed != nopen {
		return 0, 0, fmt.Errorf("%d of %d open sessions are on their key's list", listed, nopen)
	}
	// Every open session is queued under its current generation.
	clear(seen)
	queued := func(es []sessionEnd) error {
		for _, e := range es {
			if int(e.sid) >= s.n {
				return fmt.Errorf("queued session %d of %d", e.sid, s.n)
			}
			if s.sLive[e.sid] && e.gen == s.sGen[e.sid] {
				seen[e.sid] = true
			}
		}
		return nil
	}
	if err := queued(q.heap); err != nil {
		return 0, 0, err
	}
	for i := 1; i < len(q.heap); i++ {
		if q.heap[(i-1)/2].end > q.heap[i].end {
			return 0, 0, errors.New("the queue heap is out of order")
		}
	}
	for i, slot := range q.slots {
		if i > 0 && q.slots[(i-1)/2] > slot || slot <= q.cur {
			return 0, 0, errors.New("the queue buckets are out of order")
		}
		b := *q.buckets[slot]
		if len(b) == 0 {
			return 0, 0, fmt.Errorf("queue bucket %d is empty", slot)
		}
		for _, e := range b {
			if floorDiv(e.end, q.width) != slot {
				return 0, 0, fmt.Errorf("session end %d is in queue bucket %d", e.end, slot)
			}
		}
		if err := queued(b); err != nil {
			return 0, 0, err
		}
	}
	for id := 0; id < s.n; id++ {
		if s.sLive[id] && !seen[id] {
			return 0, 0, fmt.Errorf("open session %d is not in the end queue", id)
		}
	}
	return liveKeys, nopen, nil
}
