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
// events with one kernel call per aggregate (and hop pass).

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
	// Touch every key's first accumulator row in one pass of independent
	// loads, so their cache misses overlap instead of coming one per key
	// in the fold below.
	var sink uint64
	for _, run := range a.group {
		if h := lo32(a.kRows[int(run.k)*a.kStride+kwLinks]); h != 0 {
			sink += a.aRows[int(h-1)*a.aStride]
		}
	}
	a.sink = sink
	if err := a.evalSegments(); err != nil {
		return err
	}
	for _, run := range a.group {
		a.foldKey(run)
	}
	err := a.updatePlain()
	for _, e := range a.swept {
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
	row := a.krow(k)
	// Split the pending list (newest first) into the events to apply and
	// those to keep, keeping the latter's order.
	evs := a.evs[:0]
	var keepHead, keepTail uint32
	pendMin := int64(math.MaxInt64)
	for e := hi32(row[kwLinks]); e != 0; {
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
	setHi32(&row[kwLinks], keepHead)
	slices.Reverse(evs)
	sortByTime(evs, a.pTime)
	a.evs = evs
	base := int32(len(a.swept))
	a.swept = append(a.swept, evs...)

	i0 := int32(len(a.itKind))
	alive := row[kwTlLast] != noTimeW
	tau := int64(row[kwSeg])
	newTL := getBit(row, kbNewTL)
	ei := 0
	for {
		if ei < len(evs) && a.pTime[evs[ei]] == tau {
			if !alive {
				a.startTimeline(row)
				alive, newTL = true, true
			}
			j := ei
			for j < len(evs) && a.pTime[evs[j]] == tau {
				a.apply(row, evs[j], tau)
				j++
			}
			row[kwTlLast] = uint64(tau)
			if a.kwSess != 0 {
				row[a.kwSess] = uint64(satAdd(tau, a.win.Gap))
			}
			if a.evItems {
				a.addEventItem(row, tau, base+int32(ei), base+int32(j))
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
		tlEnd := satAdd(int64(row[kwTlLast]), a.ttl)
		nb = min(nb, tlEnd)
		for _, s := range a.states {
			if s.kind == StateWithin {
				if m := int64(row[s.wMatch]); m != noTime {
					if x := satAdd(m, s.dur); x > tau && x < nb {
						nb = x
					}
				}
			}
		}
		if nb > wm {
			if e, ok := a.lastWindowEnd(row, tau, wm); ok {
				a.closeSeg(row, tau, e, newTL, false)
				newTL = false
				tau = e
			}
			break
		}
		endTL := nb == tlEnd
		a.closeSeg(row, tau, nb, newTL, endTL)
		newTL = false
		tau = nb
		if endTL {
			alive = false
			row[kwTlLast] = noTimeW
		}
	}
	if !alive {
		// Without a timeline nothing is open: the key is swept to the
		// watermark, so no event may come behind windows just emitted.
		tau = wm
	}
	row[kwSeg] = uint64(tau)
	setBit(row, kbNewTL, newTL)
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
func (a *TimelineAggregate) lastWindowEnd(row []uint64, tau, wm int64) (int64, bool) {
	if a.win.Kind == SessionWindow {
		e := int64(row[a.kwSess])
		return e, e != noTime && e > tau && e <= wm
	}
	e := floorDiv(wm-a.win.Size, a.win.Slide)*a.win.Slide + a.win.Size
	return e, e > tau
}

// nextWindowEnd is the first end of a window containing tau.
func (a *TimelineAggregate) nextWindowEnd(row []uint64, tau int64) int64 {
	if a.win.Kind == SessionWindow {
		if e := int64(row[a.kwSess]); e != noTime && e > tau {
			return e
		}
		return math.MaxInt64
	}
	return (floorDiv(tau-a.win.Size, a.win.Slide)+1)*a.win.Slide + a.win.Size
}

func (a *TimelineAggregate) startTimeline(row []uint64) {
	for _, s := range a.states {
		switch s.kind {
		case StateLatest, StateEver:
			setBit(row, s.bOK, false)
		case StateWithin:
			row[s.wMatch] = noTimeW
		case StatePrior:
			row[s.wPos] = 0
		}
	}
	for _, g := range a.aggs {
		if g.kind == TLDurationBetween {
			row[g.wDbStart] = noTimeW
			setBit(row, g.bDbDone, false)
		}
	}
}

// apply folds pending event e at time tau into a key's states.
func (a *TimelineAggregate) apply(row []uint64, e uint32, tau int64) {
	for _, s := range a.states {
		if !s.pv.ok[e] {
			continue
		}
		switch s.kind {
		case StateLatest:
			row[s.wVal] = s.pv.w[e]
			if s.vk == tlWide {
				row[s.wVal+1] = s.pv.hi[e]
			}
			setBit(row, s.bOK, true)
		case StateEver:
			setBit(row, s.bOK, true)
		case StateWithin:
			row[s.wMatch] = uint64(tau)
		case StatePrior:
			r := uint32(s.n + 1)
			pos, cnt := lo32(row[s.wPos]), hi32(row[s.wPos])
			row[s.wRing+int(pos)] = s.pv.w[e]
			if s.vk == tlWide {
				row[s.wRing+int(r)+int(pos)] = s.pv.hi[e]
			}
			row[s.wPos] = uint64((pos+1)%r) | uint64(min(cnt+1, r))<<32
		}
	}
}

func (a *TimelineAggregate) addEventItem(row []uint64, tau int64, e0, e1 int32) {
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
				start := int64(row[g.wDbStart])
				if start != noTime && !getBit(row, g.bDbDone) && g.pEnd[e] {
					res = tau - start
					setBit(row, g.bDbDone, true)
				}
				if start == noTime && g.pStart[e] {
					row[g.wDbStart] = uint64(tau)
				}
			}
		}
		g.itDb = append(g.itDb, res)
	}
}

// closeSeg writes segment [from, to) of key k with its state snapshot.
func (a *TimelineAggregate) closeSeg(row []uint64, from, to int64, newTL, endTL bool) {
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
			sv.w[s], sv.ok[s] = row[st.wVal], getBit(row, st.bOK)
			if st.vk == tlWide {
				sv.hi[s] = row[st.wVal+1]
			}
		case StateEver:
			sv.w[s], sv.ok[s] = b2w(getBit(row, st.bOK)), true
		case StateWithin:
			m := int64(row[st.wMatch])
			sv.w[s], sv.ok[s] = b2w(m != noTime && from < satAdd(m, st.dur)), true
		case StatePrior:
			r := st.n + 1
			if pos, cnt := lo32(row[st.wPos]), hi32(row[st.wPos]); int(cnt) == r {
				sv.w[s], sv.ok[s] = row[st.wRing+int(pos)], true
				if st.vk == tlWide {
					sv.hi[s] = row[st.wRing+r+int(pos)]
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

	row := a.krow(k)
	alive := row[kwTlLast] != noTimeW
	head := lo32(row[kwLinks])
	if !alive && head == 0 && hi32(row[kwLinks]) == 0 {
		a.freeKey(row)
		return
	}
	// The structural due (a window or the timeline ends) is queued once;
	// left pending events get an entry of their own.
	d := int64(math.MaxInt64)
	if head != 0 {
		d = a.accEnd(a.arow(head - 1))
	}
	if alive {
		d = min(d, satAdd(int64(row[kwTlLast]), a.ttl), a.nextWindowEnd(row, int64(row[kwSeg])))
	}
	kd := int64(row[kwDue])
	if d != math.MaxInt64 && (d < kd || kd <= a.wm) {
		a.queue.push(tlDue{end: d, key: k, gen: lo32(row[kwGen])})
		row[kwDue] = uint64(d)
		kd = d
	}
	if p := satAdd(run.pendMin, 1); run.pendMin != math.MaxInt64 && (kd <= a.wm || p < kd) {
		a.queue.push(tlDue{end: p, key: k, gen: lo32(row[kwGen])})
	}
}

// emitDue moves key k's accumulators whose window ended by t to the
// output.
func (a *TimelineAggregate) emitDue(k uint32, t int64) {
	links := &a.kRows[int(k)*a.kStride+kwLinks]
	for h := lo32(*links); h != 0; h = lo32(*links) {
		r := a.arow(h - 1)
		if a.accEnd(r) > t {
			return
		}
		setLo32(links, hi32(r[awKeyNext]))
		a.emitted = append(a.emitted, h-1)
	}
}

// openWindows makes sure key k has accumulators for the tumble or hop
// windows overlapping [from, to).
func (a *TimelineAggregate) openWindows(k uint32, from, to int64) {
	size, slide := a.win.Size, a.win.Slide
	first := (floorDiv(from-size, slide) + 1) * slide
	last := floorDiv(to-1, slide) * slide
	if first > last {
		return
	}
	for h := lo32(a.krow(k)[kwLinks]); h != 0; {
		r := a.arow(h - 1)
		if nx := hi32(r[awKeyNext]); nx != 0 {
			h = nx
			continue
		}
		if ts := int64(r[awStart]); first <= ts {
			first = ts + slide
		}
		break
	}
	for s := first; s <= last; s += slide {
		a.newAcc(k, s, s+size)
	}
}

func (a *TimelineAggregate) foldEvents(k uint32, it int32) {
	tau := a.itA[it]
	a.emitDue(k, tau)
	if a.win.Kind == SessionWindow {
		if h := lo32(a.krow(k)[kwLinks]); h == 0 {
			a.newAcc(k, tau, satAdd(tau, a.win.Gap))
		} else {
			a.arow(h - 1)[a.awEnd] = uint64(satAdd(tau, a.win.Gap))
		}
	} else {
		a.openWindows(k, tau, tau+1)
	}
	pass := int32(0)
	for h := lo32(a.krow(k)[kwLinks]); h != 0; {
		x := h - 1
		r := a.arow(x)
		h = hi32(r[awKeyNext])
		if int64(r[awStart]) > tau {
			break
		}
		for _, g := range a.aggs {
			if g.kind == TLDurationBetween {
				if res := g.itDb[it]; res >= 0 && !getBit(r, g.baSet) {
					r[g.waAcc] = uint64(res)
					setBit(r, g.baSet, true)
				}
			}
		}
		if len(a.plainX) > 0 {
			for _, e := range a.swept[a.itX[it]:a.itY[it]] {
				a.plainEnt = append(a.plainEnt, tlPlainEntry{pass: pass, ev: e, acc: x})
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
	row := a.krow(k)
	// Per-key transitions happen once per segment, before the windows.
	for _, g := range a.aggs {
		if g.kind != TLDurationInState {
			continue
		}
		var hi, rhi uint64
		if g.vk == tlWide {
			hi, rhi = g.sv.hi[s], row[g.wRun+1]
		}
		if newTL || !sameValue(g.dt, g.sv.w[s], hi, g.sv.ok[s], row[g.wRun], rhi, getBit(row, g.bRunOK)) {
			row[g.wRunBegin] = uint64(from)
			row[g.wRun] = g.sv.w[s]
			if g.vk == tlWide {
				row[g.wRun+1] = hi
			}
			setBit(row, g.bRunOK, g.sv.ok[s])
		}
	}
	for h := lo32(row[kwLinks]); h != 0; {
		r := a.arow(h - 1)
		h = hi32(r[awKeyNext])
		ws, we := int64(r[awStart]), a.accEnd(r)
		if ws >= to {
			break
		}
		if we <= from {
			continue
		}
		lo, hi := max(from, ws), min(to, we)
		lastHere := we <= to || endTL // the window's last live instant is in this segment
		for _, g := range a.aggs {
			switch g.kind {
			case TLDurationWhere:
				if g.st[s] {
					r[g.waAcc] += uint64(hi - lo)
				}
			case TLCountEntries:
				if g.st[s] && (newTL || !getBit(row, g.bPrev)) && ws <= from {
					r[g.waAcc]++
				}
			case TLValueAtEnd:
				if lastHere {
					r[g.waAcc] = g.sv.w[s]
					if g.vk == tlWide {
						r[g.waAcc+1] = g.sv.hi[s]
					}
					setBit(r, g.baSet, true)
					setBit(r, g.baOK, g.sv.ok[s])
				}
			case TLDurationInState:
				if lastHere {
					r[g.waAcc] = uint64(hi - int64(row[g.wRunBegin]))
					setBit(r, g.baSet, true)
				}
			}
		}
	}
	for _, g := range a.aggs {
		if g.kind == TLCountEntries {
			setBit(row, g.bPrev, g.st[s])
		}
	}
	a.emitDue(k, to)
}

// ---- plain aggregates

// updatePlain folds the group's events into the plain aggregates: per
// hop pass (so an event appears once), the arguments of the pass's
// events become one column per aggregate, folded by aggstate's kernels in
// one call.
func (a *TimelineAggregate) updatePlain() error {
	ent := a.plainEnt
	if len(ent) == 0 {
		return nil
	}
	slices.SortStableFunc(ent, func(x, y tlPlainEntry) int { return int(x.pass - y.pass) })
	for i := 0; i < len(ent); {
		j := i
		for j < len(ent) && ent[j].pass == ent[i].pass {
			j++
		}
		run := ent[i:j]
		n := len(run)
		a.cgids = resizeSlice(a.cgids, n)
		for k, e := range run {
			a.cgids[k] = e.acc
		}
		a.csel = identity(a.csel, n)
		for p, st := range a.plain.aggs {
			var arr arrow.Array
			if x := a.plainX[p]; x != nil {
				pv, vk := &a.plainIn[p], a.plainKinds[p]
				a.outVals.resize(n, vk)
				for k, e := range run {
					a.outVals.w[k], a.outVals.ok[k] = pv.w[e.ev], pv.ok[e.ev]
					if vk == tlWide {
						a.outVals.hi[k] = pv.hi[e.ev]
					}
				}
				var err error
				arr, err = buildWordsColumn(a.ctx.Alloc, a.plainTypes[p], n, a.outVals.w, a.outVals.hi, a.outVals.ok, &a.dict)
				if err != nil {
					return fmt.Errorf("aggregate %s: %w", a.spec.Plain[p].Name, err)
				}
			}
			err := st.update(a.cgids, a.csel, arr)
			if arr != nil {
				arr.Release()
			}
			if err != nil {
				return fmt.Errorf("aggregate %s: %w", a.spec.Plain[p].Name, err)
			}
		}
		i = j
	}
	return nil
}
