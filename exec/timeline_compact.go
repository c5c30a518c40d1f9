package exec

import "slices"

// Keeping state proportional to the live timelines rather than to every
// key and string ever seen: keys whose timelines ended and were emitted
// are dropped from the key table and the key rows once they are most of
// it, and strings no state, pending event or accumulator refers to any
// more are dropped from the dictionary once it doubled. Both are a
// rebuild at a watermark, amortized over the keys or strings they drop.

// tlCompactMin is the key table size below which keys are never
// compacted, tlDictGCMin the dictionary size below which strings are
// never collected (variables so tests can exercise both).
var (
	tlCompactMin = 4096
	tlDictGCMin  = 1 << 16
)

// maybeCompact runs after a watermark's output was built and its
// accumulators freed.
func (a *TimelineAggregate) maybeCompact() {
	if a.kt.n >= tlCompactMin && a.kt.n > 2*a.liveKeys {
		a.compactKeys()
	}
	if a.dict.t.n >= max(tlDictGCMin, 2*a.dictLive) {
		a.collectDict()
	}
}

func (a *TimelineAggregate) compactKeys() {
	keep := make([]uint32, 0, a.liveKeys)
	remap := make([]uint32, a.kt.n)
	for k := 0; k < a.kt.n; k++ {
		remap[k] = ^uint32(0)
		if getBit(a.krow(uint32(k)), kbLive) {
			remap[k] = uint32(len(keep))
			keep = append(keep, uint32(k))
		}
	}
	a.kt.compact(keep)
	rows := make([]uint64, len(keep)*a.kStride)
	for j, k := range keep {
		copy(rows[j*a.kStride:(j+1)*a.kStride], a.krow(k))
	}
	a.kRows, a.nk = rows, len(keep)
	a.dueMark = make([]uint64, (a.nk+63)/64)
	for k := range keep {
		for h := lo32(a.krow(uint32(k))[kwLinks]); h != 0; {
			r := a.arow(h - 1)
			setLo32(&r[awKeyNext], uint32(k))
			h = hi32(r[awKeyNext])
		}
	}
	// Queue entries name keys: keep those of live keys, renamed.
	old := a.queue
	a.queue = newTLQueue(old.width)
	a.queue.cur = old.cur
	for _, e := range old.all() {
		if n := remap[e.key]; n != ^uint32(0) && lo32(a.krow(n)[kwGen]) == e.gen {
			e.key = n
			a.queue.push(e)
		}
	}
}

// forStrings calls f on every dictionary id held by live state, with a
// pointer so f may rewrite it.
func (a *TimelineAggregate) forStrings(f func(w *uint64)) {
	for k := 0; k < a.nk; k++ {
		row := a.krow(uint32(k))
		if !getBit(row, kbLive) {
			continue
		}
		for _, s := range a.states {
			if s.vk != tlStr {
				continue
			}
			switch s.kind {
			case StateLatest:
				if getBit(row, s.bOK) {
					f(&row[s.wVal])
				}
			case StatePrior:
				for i := 0; i < int(hi32(row[s.wPos])); i++ {
					f(&row[s.wRing+i])
				}
			}
			for e := hi32(row[kwLinks]); e != 0; e = a.pNext[e-1] {
				if !s.pred() && s.pv.ok[e-1] {
					f(&s.pv.w[e-1])
				}
			}
		}
		for j, vk := range a.plainKinds {
			if vk != tlStr || a.plainX[j] == nil {
				continue
			}
			pv := &a.plainIn[j]
			for e := hi32(row[kwLinks]); e != 0; e = a.pNext[e-1] {
				if pv.ok[e-1] {
					f(&pv.w[e-1])
				}
			}
		}
		for _, g := range a.aggs {
			if g.vk == tlStr && g.kind == TLDurationInState && getBit(row, g.bRunOK) {
				f(&row[g.wRun])
			}
		}
		for h := lo32(row[kwLinks]); h != 0; {
			r := a.arow(h - 1)
			for _, g := range a.aggs {
				if g.vk == tlStr && g.kind == TLValueAtEnd && getBit(r, g.baSet) && getBit(r, g.baOK) {
					f(&r[g.waAcc])
				}
			}
			h = hi32(r[awKeyNext])
		}
	}
}

func (a *TimelineAggregate) collectDict() {
	n := a.dict.t.n
	used := make([]bool, n)
	a.forStrings(func(w *uint64) { used[*w] = true })
	keep := make([]uint32, 0, n/2)
	remap := make([]uint32, n)
	for id, u := range used {
		if u {
			remap[id] = uint32(len(keep))
			keep = append(keep, uint32(id))
		}
	}
	a.dictLive = len(keep)
	if len(keep) == n {
		return
	}
	a.dict.t.compact(slices.Clip(keep))
	a.forStrings(func(w *uint64) { *w = uint64(remap[*w]) })
}
