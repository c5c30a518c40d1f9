package exec

import (
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// The sweep of TimelineAggregate (see its doc comment). Keys due at a
// watermark are processed in groups of about tlGroupSegs segments: the
// first pass walks each key's events and writes items (segments with
// their state snapshots, and event groups), the arguments are evaluated
// on all segments of the group at once, the second pass folds them into
// the window accumulators, and the plain aggregates take the group's
// events with one kernel call per input chunk.

func (a *TimelineAggregate) sweep(keys []uint32) error {
	a.resetGroup()
	for _, k := range keys {
		a.sweepEvents(k)
		if a.nseg >= tlGroupSegs {
			if err := a.finishGroup(); err != nil {
				return err
			}
			a.resetGroup()
		}
	}
	return a.finishGroup()
}

func (a *TimelineAggregate) resetGroup() {
	a.group = a.group[:0]
	a.swept = a.swept[:0]
	a.itKind, a.itFlags = a.itKind[:0], a.itFlags[:0]
	a.itA, a.itB, a.itX, a.itY = a.itA[:0], a.itB[:0], a.itX[:0], a.itY[:0]
	for _, g := range a.aggs {
		g.itDb = g.itDb[:0]
	}
	a.nseg = 0
	a.plainEnt = a.plainEnt[:0]
}

func (a *TimelineAggregate) finishGroup() error {
	if len(a.group) == 0 {
		return nil
	}
	if err := a.evalSegments(); err != nil {
		return err
	}
	for _, run := range a.group {
		a.foldKey(run)
	}
	err := a.updatePlain()
	for _, e := range a.swept {
		if len(a.plainX) > 0 {
			a.unrefChunk(a.pChunk[e])
		}
		a.freePending(e)
	}
	a.swept = a.swept[:0]
	return err
}

// ---- first pass: events to segments

// sweepEvents applies key k's pending events behind the watermark in
// (time, arrival) order and writes the segments closed up to the
// watermark.
func (a *TimelineAggregate) sweepEvents(k uint32) {
	wm := a.wm
	// Split the pending list (newest first) into the events to apply and
	// those to keep, keeping the latter's order.
	evs := a.evs[:0]
	var keepHead, keepTail uint32
	pendMin := int64(math.MaxInt64)
	for e := a.kPend[k]; e != 0; {
		s := e - 1
		next := a.pNext[s]
		if t := a.pTime[s]; t < wm {
			evs = append(evs, s)
		} else {
			pendMin = min(pendMin, t)
			a.pNext[s] = 0
			if keepTail == 0 {
				keepHead = e
			} else {
				a.pNext[keepTail-1] = e
			}
			keepTail = e
		}
		e = next
	}
	a.kPend[k] = keepHead
	slices.Reverse(evs)
	sortByTime(evs, a.pTime)
	a.evs = evs
	base := int32(len(a.swept))
	a.swept = append(a.swept, evs...)

	i0 := int32(len(a.itKind))
	alive := a.kTlLast[k] != noTime
	tau := a.kSeg[k]
	newTL := a.kNewTL[k]
	ei := 0
	for {
		if ei < len(evs) && a.pTime[evs[ei]] == tau {
			if !alive {
				a.startTimeline(k)
				alive, newTL = true, true
			}
			j := ei
			for j < len(evs) && a.pTime[evs[j]] == tau {
				a.apply(k, evs[j], tau)
				j++
			}
			a.kTlLast[k] = tau
			if a.kSess != nil {
				a.kSess[k] = satAdd(tau, a.win.Gap)
			}
			if a.evItems {
				a.addEventItem(k, tau, base+int32(ei), base+int32(j))
			}
			ei = j
		}
		if !alive {
			if ei == len(evs) {
				break
			}
			tau = a.pTime[evs[ei]]
			continue
		}
		nb := int64(math.MaxInt64)
		if ei < len(evs) {
			nb = a.pTime[evs[ei]]
		}
		tlEnd := satAdd(a.kTlLast[k], a.ttl)
		nb = min(nb, tlEnd)
		for _, s := range a.states {
			if s.kind == StateWithin {
				if m := s.match[k]; m != noTime {
					if x := satAdd(m, s.dur); x > tau && x < nb {
						nb = x
					}
				}
			}
		}
		if nb > wm {
			if e, ok := a.lastWindowEnd(k, tau, wm); ok {
				a.closeSeg(k, tau, e, newTL, false)
				newTL = false
				tau = e
			}
			break
		}
		endTL := nb == tlEnd
		a.closeSeg(k, tau, nb, newTL, endTL)
		newTL = false
		tau = nb
		if endTL {
			alive = false
			a.kTlLast[k] = noTime
		}
	}
	a.kSeg[k], a.kNewTL[k] = tau, newTL
	a.group = append(a.group, tlKeyRun{k: k, i0: i0, i1: int32(len(a.itKind)), pendMin: pendMin})
}

// sortByTime sorts event ids by time, stably (they come in arrival order).
func sortByTime(evs []uint32, times []int64) {
	if len(evs) <= 24 {
		for i := 1; i < len(evs); i++ {
			e := evs[i]
			t := times[e]
			j := i
			for j > 0 && times[evs[j-1]] > t {
				evs[j] = evs[j-1]
				j--
			}
			evs[j] = e
		}
		return
	}
	slices.SortStableFunc(evs, func(x, y uint32) int { return cmpInt64(times[x], times[y]) })
}

func satAdd(t, d int64) int64 {
	if t > math.MaxInt64-d {
		return math.MaxInt64
	}
	return t + d
}

// lastWindowEnd is the last window end in (tau, wm], if any: the open
// segment must be closed there for that window to be emitted.
func (a *TimelineAggregate) lastWindowEnd(k uint32, tau, wm int64) (int64, bool) {
	if a.win.Kind == SessionWindow {
		e := a.kSess[k]
		return e, e != noTime && e > tau && e <= wm
	}
	e := floorDiv(wm-a.win.Size, a.win.Slide)*a.win.Slide + a.win.Size
	return e, e > tau
}

// nextWindowEnd is the first end of a window containing tau.
func (a *TimelineAggregate) nextWindowEnd(k uint32, tau int64) int64 {
	if a.win.Kind == SessionWindow {
		if e := a.kSess[k]; e != noTime && e > tau {
			return e
		}
		return math.MaxInt64
	}
	return (floorDiv(tau-a.win.Size, a.win.Slide)+1)*a.win.Slide + a.win.Size
}

func (a *TimelineAggregate) startTimeline(k uint32) {
	for _, s := range a.states {
		switch s.kind {
		case StateLatest, StateEver:
			s.cur.ok[k] = false
		case StateWithin:
			s.match[k] = noTime
		case StatePrior:
			s.pos[k], s.cnt[k] = 0, 0
		}
	}
	for _, g := range a.aggs {
		if g.kind == TLDurationBetween {
			g.dbStart[k], g.dbDone[k] = noTime, false
		}
	}
}

// apply folds pending event e at time tau into key k's states.
func (a *TimelineAggregate) apply(k, e uint32, tau int64) {
	for _, s := range a.states {
		if !s.pv.ok[e] {
			continue
		}
		switch s.kind {
		case StateLatest:
			s.cur.w[k], s.cur.ok[k] = s.pv.w[e], true
			if s.vk == tlWide {
				s.cur.hi[k] = s.pv.hi[e]
			}
		case StateEver:
			s.cur.ok[k] = true
		case StateWithin:
			s.match[k] = tau
		case StatePrior:
			r := uint32(s.n + 1)
			i := int(k)*int(r) + int(s.pos[k])
			s.ring[i] = s.pv.w[e]
			if s.vk == tlWide {
				s.ringHi[i] = s.pv.hi[e]
			}
			s.pos[k] = (s.pos[k] + 1) % r
			s.cnt[k] = min(s.cnt[k]+1, r)
		}
	}
}

func (a *TimelineAggregate) addEventItem(k uint32, tau int64, e0, e1 int32) {
	a.itKind = append(a.itKind, itemEvents)
	a.itFlags = append(a.itFlags, 0)
	a.itA = append(a.itA, tau)
	a.itB = append(a.itB, tau)
	a.itX = append(a.itX, e0)
	a.itY = append(a.itY, e1)
	for _, g := range a.aggs {
		res := int64(-1)
		if g.kind == TLDurationBetween {
			// In arrival order: an end first closes an earlier start, then
			// a start opens one if the timeline has none yet.
			for _, e := range a.swept[e0:e1] {
				if g.dbStart[k] != noTime && !g.dbDone[k] && g.pEnd[e] {
					res = tau - g.dbStart[k]
					g.dbDone[k] = true
				}
				if g.dbStart[k] == noTime && g.pStart[e] {
					g.dbStart[k] = tau
				}
			}
		}
		g.itDb = append(g.itDb, res)
	}
}

// closeSeg writes segment [from, to) of key k with its state snapshot.
func (a *TimelineAggregate) closeSeg(k uint32, from, to int64, newTL, endTL bool) {
	s := a.nseg
	a.nseg++
	var f uint8
	if newTL {
		f |= flagNewTL
	}
	if endTL {
		f |= flagEndTL
	}
	a.itKind = append(a.itKind, itemSeg)
	a.itFlags = append(a.itFlags, f)
	a.itA = append(a.itA, from)
	a.itB = append(a.itB, to)
	a.itX = append(a.itX, int32(s))
	a.itY = append(a.itY, 0)
	for _, g := range a.aggs {
		g.itDb = append(g.itDb, -1)
	}
	for _, st := range a.states {
		sv := &st.sv
		if s >= len(sv.w) {
			sv.resize(max(2*len(sv.w), 256), st.vk)
		}
		switch st.kind {
		case StateLatest:
			sv.w[s], sv.ok[s] = st.cur.w[k], st.cur.ok[k]
			if st.vk == tlWide {
				sv.hi[s] = st.cur.hi[k]
			}
		case StateEver:
			sv.w[s], sv.ok[s] = b2w(st.cur.ok[k]), true
		case StateWithin:
			m := st.match[k]
			sv.w[s], sv.ok[s] = b2w(m != noTime && from < satAdd(m, st.dur)), true
		case StatePrior:
			r := st.n + 1
			if int(st.cnt[k]) == r {
				i := int(k)*r + int(st.pos[k])
				sv.w[s], sv.ok[s] = st.ring[i], true
				if st.vk == tlWide {
					sv.hi[s] = st.ringHi[i]
				}
			} else {
				sv.ok[s] = false
			}
		}
	}
}

func b2w(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// ---- evaluation

// evalSegments evaluates every aggregate's argument on the group's
// segments: one batch of the state schema, one kernel pass per argument.
func (a *TimelineAggregate) evalSegments() error {
	n := a.nseg
	if n == 0 {
		return nil
	}
	alloc := a.ctx.Alloc
	cols := make([]arrow.Array, len(a.states))
	defer releaseArrays(cols)
	for i, s := range a.states {
		col, err := buildWordsColumn(alloc, s.dt, n, s.sv.w, s.sv.hi, s.sv.ok, &a.dict)
		if err != nil {
			return fmt.Errorf("timeline state %d: %w", i, err)
		}
		cols[i] = col
	}
	b := array.NewRecordBatch(a.stSchema, cols, int64(n))
	defer b.Release()
	for i, g := range a.aggs {
		if g.arg == nil {
			continue
		}
		arr, err := g.arg.eval(b)
		if err != nil {
			return fmt.Errorf("timeline aggregate %s: %w", a.spec.Aggs[i].Name, err)
		}
		switch g.kind {
		case TLDurationWhere, TLCountEntries:
			g.st = resizeSlice(g.st, n)
			truthOf(arr, g.st)
		default:
			g.sv.resize(n, g.vk)
			err = loadWords(arr, &a.dict, &g.sv)
			if err == nil && g.kind == TLDurationInState && g.boolArg {
				for j := 0; j < n; j++ {
					if !g.sv.ok[j] {
						g.sv.w[j], g.sv.ok[j] = 0, true
					}
				}
			}
		}
		arr.Release()
		if err != nil {
			return fmt.Errorf("timeline aggregate %s: %w", a.spec.Aggs[i].Name, err)
		}
	}
	return nil
}

// ---- second pass: segments to windows

// foldKey folds key k's items into its window accumulators, moves the
// windows that ended to a.emitted, and frees or requeues the key.
func (a *TimelineAggregate) foldKey(run tlKeyRun) {
	k := run.k
	for it := run.i0; it < run.i1; it++ {
		if a.itKind[it] == itemEvents {
			a.foldEvents(k, it)
		} else {
			a.foldSegment(k, it)
		}
	}
	a.emitDue(k, a.wm)

	alive := a.kTlLast[k] != noTime
	if !alive && a.kAcc[k] == 0 && a.kPend[k] == 0 {
		a.freeKey(k)
		return
	}
	d := int64(math.MaxInt64)
	if h := a.kAcc[k]; h != 0 {
		d = a.aEnd[h-1]
	}
	if alive {
		d = min(d, satAdd(a.kTlLast[k], a.ttl), a.nextWindowEnd(k, a.kSeg[k]))
	}
	if run.pendMin != math.MaxInt64 {
		d = min(d, satAdd(run.pendMin, 1))
	}
	if d != math.MaxInt64 && (d < a.kDue[k] || a.kDue[k] <= a.wm) {
		a.queue.push(sessionEnd{end: d, sid: k, gen: a.kGen[k]})
		a.kDue[k] = d
	}
}

// emitDue moves key k's accumulators whose window ended by t to the
// output.
func (a *TimelineAggregate) emitDue(k uint32, t int64) {
	for h := a.kAcc[k]; h != 0 && a.aEnd[h-1] <= t; h = a.kAcc[k] {
		a.kAcc[k] = a.aNext[h-1]
		a.emitted = append(a.emitted, h-1)
	}
}

// openWindows makes sure key k has accumulators for the tumble or hop
// windows overlapping [from, to).
func (a *TimelineAggregate) openWindows(k uint32, from, to int64) {
	size, slide := a.win.Size, a.win.Slide
	first := (floorDiv(from-size, slide) + 1) * slide
	last := floorDiv(to-1, slide) * slide
	tailStart := int64(math.MinInt64)
	haveTail := false
	for h := a.kAcc[k]; h != 0; h = a.aNext[h-1] {
		tailStart, haveTail = a.aStart[h-1], true
	}
	if haveTail && first <= tailStart {
		first = tailStart + slide
	}
	for s := first; s <= last; s += slide {
		a.newAcc(k, s, s+size)
	}
}

func (a *TimelineAggregate) foldEvents(k uint32, it int32) {
	tau := a.itA[it]
	a.emitDue(k, tau)
	if a.win.Kind == SessionWindow {
		if h := a.kAcc[k]; h == 0 {
			a.newAcc(k, tau, satAdd(tau, a.win.Gap))
		} else {
			a.aEnd[h-1] = satAdd(tau, a.win.Gap)
		}
	} else {
		a.openWindows(k, tau, tau+1)
	}
	pass := int32(0)
	for h := a.kAcc[k]; h != 0; h = a.aNext[h-1] {
		x := h - 1
		if a.aStart[x] > tau {
			break
		}
		for _, g := range a.aggs {
			if g.kind == TLDurationBetween {
				if r := g.itDb[it]; r >= 0 && !g.set[x] {
					g.acc[x], g.set[x] = r, true
				}
			}
		}
		if len(a.plainX) > 0 {
			for _, e := range a.swept[a.itX[it]:a.itY[it]] {
				a.plainEnt = append(a.plainEnt, tlPlainEntry{pass: pass, chunk: a.pChunk[e], row: a.pRow[e], acc: x})
			}
		}
		pass++
	}
}

func (a *TimelineAggregate) foldSegment(k uint32, it int32) {
	from, to := a.itA[it], a.itB[it]
	s := a.itX[it]
	newTL := a.itFlags[it]&flagNewTL != 0
	endTL := a.itFlags[it]&flagEndTL != 0
	a.emitDue(k, from)
	if a.win.Kind != SessionWindow {
		a.openWindows(k, from, to)
	}
	// Per-key transitions happen once per segment, before the windows.
	for _, g := range a.aggs {
		if g.kind == TLDurationInState {
			if newTL || !sameValue(g.dt, g.sv.w[s], hiAt(g.sv.hi, s), g.sv.ok[s], g.run.w[k], hiAt(g.run.hi, int32(k)), g.run.ok[k]) {
				g.runBegin[k] = from
				g.run.w[k], g.run.ok[k] = g.sv.w[s], g.sv.ok[s]
				if g.vk == tlWide {
					g.run.hi[k] = g.sv.hi[s]
				}
			}
		}
	}
	for h := a.kAcc[k]; h != 0; h = a.aNext[h-1] {
		x := h - 1
		ws, we := a.aStart[x], a.aEnd[x]
		if ws >= to {
			break
		}
		if we <= from {
			continue
		}
		lo, hi := max(from, ws), min(to, we)
		endsIn := we <= to
		lastHere := endsIn || endTL // the window's last live instant is in this segment
		for _, g := range a.aggs {
			switch g.kind {
			case TLDurationWhere:
				if g.st[s] {
					g.acc[x] += hi - lo
				}
			case TLCountEntries:
				if g.st[s] && (newTL || !g.prev[k]) && ws <= from {
					g.acc[x]++
				}
			case TLValueAtEnd:
				if lastHere {
					g.av.w[x], g.av.ok[x], g.set[x] = g.sv.w[s], g.sv.ok[s], true
					if g.vk == tlWide {
						g.av.hi[x] = g.sv.hi[s]
					}
				}
			case TLDurationInState:
				if lastHere {
					g.acc[x], g.set[x] = hi-g.runBegin[k], true
				}
			}
		}
	}
	for _, g := range a.aggs {
		if g.kind == TLCountEntries {
			g.prev[k] = g.st[s]
		}
	}
	a.emitDue(k, to)
}

func hiAt(hi []uint64, i int32) uint64 {
	if hi == nil {
		return 0
	}
	return hi[i]
}

// ---- plain aggregates

// updatePlain folds the group's events into the plain aggregates: the
// entries of one input chunk (and one hop pass, so a row appears once)
// go to the kernels in one call.
func (a *TimelineAggregate) updatePlain() error {
	ent := a.plainEnt
	if len(ent) == 0 {
		return nil
	}
	slices.SortFunc(ent, func(x, y tlPlainEntry) int {
		if x.pass != y.pass {
			return int(x.pass - y.pass)
		}
		if x.chunk != y.chunk {
			return cmpInt64(int64(x.chunk), int64(y.chunk))
		}
		return int(x.row - y.row)
	})
	for i := 0; i < len(ent); {
		j := i
		for j < len(ent) && ent[j].pass == ent[i].pass && ent[j].chunk == ent[i].chunk {
			j++
		}
		c := &a.chunks[ent[i].chunk]
		a.cgids = resizeSlice(a.cgids, c.n)
		a.csel = a.csel[:0]
		for _, e := range ent[i:j] {
			a.cgids[e.row] = e.acc
			a.csel = append(a.csel, e.row)
		}
		for p, st := range a.plain.aggs {
			if err := st.update(a.cgids, a.csel, c.arrs[p]); err != nil {
				return fmt.Errorf("aggregate %s: %w", a.spec.Plain[p].Name, err)
			}
		}
		i = j
	}
	return nil
}
