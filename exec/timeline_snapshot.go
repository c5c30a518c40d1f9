package exec

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Timeline snapshots use snapshot.go's layout. The body is the operator's
// arrays as they are, so a snapshot costs a copy of the state and no
// per-key work:
//
//	watermark:i64
//	keys       key table (putKeyTable)          ids 0..K-1
//	key rows   K*stride words                   layout from the spec (tlLayout)
//	accs       A*stride words, free ids (u32)   rows 0..A-1
//	plain      per plain aggregate: kind:u8, aggState.save for A groups
//	pending    times, links, free ids, then per state, duration_between
//	           and plain aggregate its per-event columns
//	strings    dictionary (putKeyTable)          ids 0..S-1
//	due        queue entries sorted (end, key, generation): end i64 column,
//	           key and generation u32 columns
//
// The queue is part of the state because when a key is swept decides
// which late events it still takes. Restore checks every id and link
// before it replaces anything.

const magicTimeline = "SPTL"

func init() { snapKinds[magicTimeline] = "timeline aggregate" }

// stateSpec describes what the state means: a snapshot of a timeline with
// other keys, states, aggregates, window or TTL is refused.
func (a *TimelineAggregate) stateSpec() stateSpec {
	s := a.spec
	keys := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		keys[i] = fmt.Sprintf("%s %s", k, a.keyTypes[i])
	}
	states := make([]string, len(s.States))
	for i, st := range s.States {
		states[i] = fmt.Sprintf("%s(%s) %s dur=%d n=%d", st.Kind, st.Arg, a.states[i].dt, st.Dur, st.N)
	}
	aggs := make([]string, len(s.Aggs))
	for i, g := range s.Aggs {
		if g.Kind == TLDurationBetween {
			aggs[i] = fmt.Sprintf("%s(%s, %s)", g.Kind, g.Start, g.End)
		} else {
			aggs[i] = fmt.Sprintf("%s(%s) %s", g.Kind, g.Arg, a.aggs[i].outType)
		}
	}
	plain := make([]string, len(s.Plain))
	for i, f := range s.Plain {
		arg := ""
		if f.Arg != nil {
			arg = fmt.Sprintf("%s %s", f.Arg, a.plainTypes[i])
		}
		plain[i] = fmt.Sprintf("%s(%s) %s", f.Kind, arg, f.Type)
	}
	w := s.Window
	return stateSpec{
		{"mode", "timeline"},
		{"group keys", "[" + strings.Join(keys, ", ") + "]"},
		{"event time", fmt.Sprint(s.Time)},
		{"window", windowDesc(&w)},
		{"timeline_ttl", fmt.Sprintf("%dms", s.TTL)},
		{"states", "[" + strings.Join(states, ", ") + "]"},
		{"timeline aggregates", "[" + strings.Join(aggs, ", ") + "]"},
		{"aggregates", "[" + strings.Join(plain, ", ") + "]"},
	}
}

// Snapshot writes the operator's state; it changes nothing.
func (a *TimelineAggregate) Snapshot(w io.Writer) error {
	if a.ctx == nil || a.kt == nil {
		return errors.New("timeline aggregate: Snapshot before Open")
	}
	if a.nk != a.kt.n || len(a.kRows) != a.nk*a.kStride || len(a.aRows) != a.nacc*a.aStride {
		return fmt.Errorf("timeline aggregate %q: state is inconsistent after an error", a.ctx.Name)
	}
	sw := newSnapWriter(w, magicTimeline, a.stateSpec())
	sw.i64(a.wm)
	putKeyTable(sw, a.kt)
	putWords(sw, a.kRows)
	putWords(sw, a.aRows)
	putU32s(sw, a.aFree)
	for i, st := range a.plain.aggs {
		sw.u8(uint8(a.spec.Plain[i].Kind))
		st.save(sw, a.nacc)
	}
	np := len(a.pTime)
	putWords(sw, a.pTime)
	putU32s(sw, a.pNext)
	putU32s(sw, a.pFree)
	for _, s := range a.states {
		putPending(sw, &s.pv, np, s.vk, s.pred())
	}
	for _, g := range a.aggs {
		if g.kind == TLDurationBetween {
			sw.bools(g.pStart[:np])
			sw.bools(g.pEnd[:np])
		}
	}
	for j, x := range a.plainX {
		if x != nil {
			putPending(sw, &a.plainIn[j], np, a.plainKinds[j], false)
		}
	}
	putKeyTable(sw, a.dict.t)
	sw.u64(uint64(a.dictLive))
	due := a.queue.all()
	slices.SortFunc(due, func(x, y tlDue) int {
		return cmp.Or(cmp.Compare(x.end, y.end), cmp.Compare(x.key, y.key), cmp.Compare(x.gen, y.gen))
	})
	sw.count(len(due))
	for i := 0; i < len(due); {
		dst, k := sw.span(len(due)-i, 16)
		for j, e := range due[i : i+k] {
			binary.LittleEndian.PutUint64(dst[16*j:], uint64(e.end))
			binary.LittleEndian.PutUint32(dst[16*j+8:], e.key)
			binary.LittleEndian.PutUint32(dst[16*j+12:], e.gen)
		}
		i += k
	}
	return sw.finish()
}

func putPending(w *snapWriter, v *tlWords, n int, vk tlKind, pred bool) {
	if !pred {
		putWords(w, v.w[:n])
		if vk == tlWide {
			putWords(w, v.hi[:n])
		}
	}
	w.bools(v.ok[:n])
}

func getPending(r *snapReader, v *tlWords, n int, vk tlKind, pred bool, what string) {
	if !pred {
		v.w = getWords[uint64](r, n, what+" values")
		if vk == tlWide {
			v.hi = getWords[uint64](r, n, what+" high words")
		}
	}
	v.ok = r.bools(n, what+" flags")
}

// Restore replaces the state of a freshly opened operator with a
// snapshot's, after checking that every id and list in it is consistent.
func (a *TimelineAggregate) Restore(rd io.Reader) error {
	if a.ctx == nil || a.kt == nil {
		return errors.New("timeline aggregate: Restore before Open")
	}
	r, err := openSnapshot(rd, magicTimeline, a.ctx.Name, a.stateSpec())
	if err != nil {
		return err
	}
	n := *a // the restored operator, committed only when it checks out
	n.wm = r.i64("watermark")
	n.kt = newKeyTable(a.keyKinds)
	getKeyTable(r, n.kt, "keys")
	n.nk = n.kt.n
	n.kRows = getWords[uint64](r, n.nk*a.kStride, "key rows")
	n.aRows = getWords[uint64](r, -1, "accumulator rows")
	if r.err == nil && len(n.aRows)%a.aStride != 0 {
		r.failf("accumulator rows: %d words is not a multiple of %d", len(n.aRows), a.aStride)
	}
	n.nacc = len(n.aRows) / a.aStride
	n.aFree = getU32s[uint32](r, -1, "free accumulators")
	n.plain = newAggSet(a.newPlainStates())
	n.plain.resize(n.nacc)
	for i, st := range n.plain.aggs {
		what := fmt.Sprintf("aggregate %s", a.spec.Plain[i].Name)
		if k := r.u8(what); r.err == nil && k != uint8(a.spec.Plain[i].Kind) {
			r.failf("%s: state of aggregate kind %d, want %d", what, k, a.spec.Plain[i].Kind)
		}
		if r.err != nil {
			break
		}
		st.load(r, n.nacc, what)
	}
	n.pTime = getWords[int64](r, -1, "pending event times")
	np := len(n.pTime)
	n.pNext = getU32s[uint32](r, np, "pending event links")
	n.pFree = getU32s[uint32](r, -1, "free pending events")
	states := make([]*tlState, len(a.states))
	for i, s := range a.states {
		c := *s
		getPending(r, &c.pv, np, c.vk, c.pred(), fmt.Sprintf("state %d pending", i))
		states[i] = &c
	}
	n.states = states
	aggs := make([]*tlAgg, len(a.aggs))
	for i, g := range a.aggs {
		c := *g
		if c.kind == TLDurationBetween {
			c.pStart = r.bools(np, "duration_between pending starts")
			c.pEnd = r.bools(np, "duration_between pending ends")
		}
		aggs[i] = &c
	}
	n.aggs = aggs
	n.plainIn = make([]tlWords, len(a.plainX))
	for j, x := range a.plainX {
		if x != nil {
			getPending(r, &n.plainIn[j], np, a.plainKinds[j], false, fmt.Sprintf("aggregate %s pending", a.spec.Plain[j].Name))
		}
	}
	n.dict = newTLDict()
	getKeyTable(r, n.dict.t, "strings")
	n.dictLive = int(r.u64("strings in use"))
	nd := r.count(-1, 16, "due keys")
	src := r.take(16*nd, "due keys")
	if err := r.done(magicTimeline, a.ctx.Name); err != nil {
		return err
	}
	due := make([]tlDue, nd)
	for j := range due {
		due[j] = tlDue{end: int64(binary.LittleEndian.Uint64(src[16*j:])),
			key: binary.LittleEndian.Uint32(src[16*j+8:]), gen: binary.LittleEndian.Uint32(src[16*j+12:])}
	}
	if err := n.checkRestored(due); err != nil {
		return fmt.Errorf("%w: timeline aggregate %q: %v", ErrCorruptState, a.ctx.Name, err)
	}
	n.dueMark = make([]uint64, (n.nk+63)/64)
	n.queue = newTLQueue(a.queueWidth())
	for _, e := range due {
		n.queue.push(e)
	}
	*a = n
	a.ctx.Metrics.StateRows.Set(int64(a.liveKeys))
	return nil
}

// checkKeyTimes checks the time words of a live key row against what
// Push and the sweep keep true, so that a state whose times were damaged
// (with a repaired checksum) is refused instead of making the next
// watermark open windows up to a far-away time:
//
//   - the open segment starts at or before the watermark (a key is
//     activated at the watermark and swept up to it, never beyond);
//   - kwTlLast is the "no timeline" marker exactly when no timeline is
//     open; otherwise the open segment starts at or after the timeline's
//     last event and before that event's TTL ran out (the sweep closes
//     the timeline there), so a segment never spans more than timeline_ttl;
//   - with session windows, an open timeline's session ends one gap
//     after its last event (the sweep sets both together).
func (a *TimelineAggregate) checkKeyTimes(row []uint64) error {
	seg := int64(row[kwSeg])
	if seg > a.wm {
		return fmt.Errorf("open segment at %d ms is after the watermark (%d ms)", seg, a.wm)
	}
	last := int64(row[kwTlLast])
	if last == noTime {
		return nil
	}
	if last > seg || seg >= satAdd(last, a.ttl) {
		return fmt.Errorf("timeline's last event at %d ms does not fit its open segment at %d ms (timeline_ttl %d ms)", last, seg, a.ttl)
	}
	if a.kwSess != 0 {
		if e := int64(row[a.kwSess]); e != satAdd(last, a.win.Gap) {
			return fmt.Errorf("session end %d ms is not the last event (%d ms) plus the gap", e, last)
		}
	}
	return nil
}

func (a *TimelineAggregate) newPlainStates() []aggState {
	states := make([]aggState, len(a.spec.Plain))
	for i := range a.spec.Plain {
		states[i], _ = newAggState(&a.spec.Plain[i], a.plainTypes[i]) // checked in the constructor
	}
	return states
}

// checkRestored validates a decoded state so that running it cannot
// index out of range or loop: ids in range, free lists without repeats,
// every live key's lists acyclic and owned by it, ring positions and
// dictionary ids valid; it also recounts live keys and pending events.
func (a *TimelineAggregate) checkRestored(due []tlDue) error {
	accFree := make([]bool, a.nacc)
	for _, x := range a.aFree {
		if int(x) >= a.nacc || accFree[x] {
			return fmt.Errorf("free accumulator %d out of range or repeated", x)
		}
		accFree[x] = true
	}
	np := len(a.pTime)
	pendSeen := make([]bool, np)
	for _, e := range a.pFree {
		if int(e) >= np || pendSeen[e] {
			return fmt.Errorf("free pending event %d out of range or repeated", e)
		}
		pendSeen[e] = true
	}
	a.liveKeys, a.npend = 0, np-len(a.pFree)
	listed := 0
	for k := 0; k < a.nk; k++ {
		row := a.krow(uint32(k))
		if !getBit(row, kbLive) {
			continue
		}
		a.liveKeys++
		if err := a.checkKeyTimes(row); err != nil {
			return fmt.Errorf("key %d: %v", k, err)
		}
		seg := int64(row[kwSeg])
		for h := lo32(row[kwLinks]); h != 0; {
			x := h - 1
			if int(x) >= a.nacc || accFree[x] {
				return fmt.Errorf("key %d: accumulator %d out of range or free", k, x)
			}
			accFree[x] = true // visited: a second visit is a cycle or a shared accumulator
			r := a.arow(x)
			if lo32(r[awKeyNext]) != uint32(k) {
				return fmt.Errorf("key %d: accumulator %d belongs to key %d", k, x, lo32(r[awKeyNext]))
			}
			h = hi32(r[awKeyNext])
		}
		for e := hi32(row[kwLinks]); e != 0; e = a.pNext[e-1] {
			if int(e-1) >= np || pendSeen[e-1] {
				return fmt.Errorf("key %d: pending event %d out of range, free or shared", k, e-1)
			}
			pendSeen[e-1] = true
			listed++
			// Push drops events before the key's open segment as late,
			// and a sweep keeps only events at or after the watermark,
			// where it leaves the segment: an earlier pending event would
			// send the next sweep back in time.
			if t := a.pTime[e-1]; t < seg {
				return fmt.Errorf("key %d: pending event at %d ms is before its open segment (%d ms)", k, t, seg)
			}
		}
		for _, s := range a.states {
			if s.kind == StatePrior {
				if pos, cnt := lo32(row[s.wPos]), hi32(row[s.wPos]); int(pos) > s.n || int(cnt) > s.n+1 {
					return fmt.Errorf("key %d: tl_prior ring position %d, count %d for n = %d", k, pos, cnt, s.n)
				}
			}
		}
	}
	if listed != a.npend {
		return fmt.Errorf("%d pending events are on no key's list", a.npend-listed)
	}
	for _, e := range due {
		if int(e.key) >= a.nk {
			return fmt.Errorf("due key %d out of range", e.key)
		}
	}
	var bad error
	a.forStrings(func(w *uint64) {
		if *w >= uint64(a.dict.t.n) && bad == nil {
			bad = fmt.Errorf("string id %d out of range (%d strings)", *w, a.dict.t.n)
		}
	})
	return bad
}
