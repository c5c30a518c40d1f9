package exec

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// TimelineAggregate computes SPEC §5's timeline aggregates: per key, the
// events (rows ordered by event time, then arrival) drive a set of states
// (tl_latest, tl_ever, tl_within, tl_prior) that hold over continuous
// time, and each output row reduces those states over one window.
//
// # Semantics decided here (the contract in plan.go leaves them open)
//
//   - Within a timeline tl_ever and tl_within are never NULL: false until
//     their predicate held. tl_latest and tl_prior are NULL until a value
//     was seen. Outside every timeline there is no state at all: nothing
//     is accumulated there.
//   - tl_prior(col, n) is the non-NULL value of col n events back among
//     the events of the timeline whose col is not NULL (sparse patches
//     apply to it like to tl_latest): with values v1..vm seen by instant
//     t, tl_prior is v(m-n), NULL while m <= n. Events at the same instant
//     each count, in arrival order.
//   - tl_count_entries counts instants inside the window where the
//     argument is true and was not true just before in the same timeline:
//     a timeline that starts with the argument true enters it at its first
//     event, a window that starts with it already true does not.
//   - tl_value_at_end returns the argument's value, NULL included.
//     tl_duration_in_state compares values with NULL as a value of its own
//     (IS NOT DISTINCT FROM); a BOOLEAN argument's NULL counts as false, as
//     for every predicate. The run is bounded by its timeline's start and
//     measured to the window's end (or the timeline's, if it ends inside):
//     a value that began at 26 s in a window ending at 30 s gives 4000.
//   - tl_duration_between(start, end): per timeline, the first event where
//     start holds, then the first event after it (in time, then arrival
//     order) where end holds. An event satisfying both ends an earlier
//     start; it never ends its own. The result goes to the windows that
//     contain the end event; a window containing end events of two
//     timelines reports the first.
//   - An event is late, and dropped, when it is before its key's sweep
//     frontier: for a live timeline, the start of its open segment
//     (everything before it was folded into windows, and no window ends
//     between it and the last sweep's watermark); for a key whose timeline
//     ended, the watermark of its last sweep. A key that holds no state
//     (never seen, or its timelines ended and were emitted) is at the
//     operator's watermark, since an event behind it could change a row
//     already emitted. Events at or after the frontier are taken even when
//     behind the watermark.
//   - Rows of one watermark come in one batch ordered by window end,
//     window start, then key in order of first appearance.
//
// # How
//
// Push evaluates the keys, the event time and every state's input a
// column at a time, maps keys to dense ids (keyTable), interns strings
// (tlDict) and appends each event to columnar pending arrays, linked per
// key. Nothing is computed per event at Push beyond that.
//
// A key is swept when the watermark reaches its next due time (a pending
// event, a window end, its timeline end), kept in a calendar queue
// (tlQueue). The sweep sorts the key's pending events behind the
// watermark and walks the breakpoints (events, tl_within expiries, the
// timeline end, and at the end the last window end the watermark passed),
// writing one segment per span of constant state into columnar segment
// arrays: its bounds and a snapshot of every state. The last span stays
// open (its end is unknown), so a key costs about one segment per event.
// The segments of many keys then form one Arrow batch of the state schema
// on which every aggregate's argument is evaluated by the ordinary
// vectorized expression kernels, and a second pass per key folds the
// argument values into the accumulators of the windows each segment
// overlaps, emitting each window when the sweep passes its end.
//
// Per-key state is one row of words per key id, laid out when the
// operator is built (tlLayout), and each open window's accumulator one
// row per accumulator id (a key has one open window for tumble and
// session windows, size/slide for hop). A struct of per-state arrays cost
// a cache miss per state per event once the keys outgrow the caches: the
// rows made the 100k-session benchmark 3.4x faster. count(*), sum ... of
// the plain aggregates live in an aggSet row per accumulator, updated
// with aggstate's kernels; their arguments wait in word form with the
// pending events, so no input batch is kept alive.
// State survives restarts through Snapshot/Restore (timeline_snapshot.go).
type TimelineAggregate struct {
	opBase
	spec     *TimelineSpec
	in       *arrow.Schema
	schema   *arrow.Schema
	stSchema *arrow.Schema
	win      WindowSpec
	ttl      int64
	wm       int64

	keyKinds   []keyKind
	keyTypes   []arrow.DataType
	keyX       []*exprInput
	timeX      *exprInput
	plainX     []*exprInput // nil for count(*)
	plainTypes []arrow.DataType
	plainKinds []tlKind
	plainIn    []tlWords // per plain aggregate: its argument per pending event
	plainB     []tlWords // per plain aggregate: its argument per input row (Push scratch)
	having     *exprInput
	states     []*tlState
	aggs       []*tlAgg
	dict       tlDict
	evItems    bool // the second pass needs the events (session windows, plain aggregates, duration_between)

	// keys: one row of kStride words per key id (layout in tlLayout)
	kt       *keyTable
	nk       int
	liveKeys int
	kRows    []uint64
	kStride  int
	kwSess   int      // session windows: word of the current session's end
	dueMark  []uint64 // keys already due at the current watermark
	dictLive int      // strings in use at the last dictionary collection

	// pending events
	pTime []int64
	pNext []uint32 // next older pending event of the key + 1
	pFree []uint32
	npend int // live pending events

	// accumulators (one per open key x window): rows of aStride words
	aRows   []uint64
	aStride int
	awEnd   int // session windows: word of the window's end, else -1
	aFree   []uint32
	nacc    int
	plain   *aggSet

	queue tlQueue

	// Push scratch
	vecs    []keyVec
	keyArrs []arrow.Array
	hashes  []uint64
	kids    []uint32
	ident   []int32
	sel     []int32
	raw     []byte

	// sweep scratch
	due      []uint32
	evs      []uint32
	swept    []uint32
	itKind   []uint8
	itFlags  []uint8
	itA, itB []int64
	itX, itY []int32
	group    []tlKeyRun
	nseg     int
	emitted  []uint32
	plainEnt []tlPlainEntry
	cgids    []uint32
	csel     []int32
	outKids  []uint32
	outStart []int64
	outEnd   []int64
	outVals  tlWords
	outI64   []int64
	outOK    []bool
	sink     uint64 // keeps the prefetching loads of finishGroup
}

const noTime = math.MinInt64

// MaxTimelineWindowsPerSegment bounds the windows a key's timeline may
// span (timeline_ttl plus the window size, over the slide): the windows
// one sweep segment opens.
const MaxTimelineWindowsPerSegment = 1 << 20

// noTimeW is noTime in a row word.
const noTimeW = uint64(1) << 63

// tlGroupSegs bounds the segments evaluated in one batch (a variable so
// tests can make a watermark's sweep span several batches).
var tlGroupSegs = 8192

const (
	itemSeg uint8 = iota
	itemEvents
)

const (
	flagNewTL uint8 = 1 << iota // the segment starts a timeline
	flagEndTL                   // the segment ends its timeline
)

type tlKeyRun struct {
	k       uint32
	i0, i1  int32 // items
	pendMin int64 // earliest pending event left (>= the watermark)
}

// tlPlainEntry folds pending event ev into accumulator acc; pass
// numbers the windows of one event (hop), so an event appears once per
// kernel call.
type tlPlainEntry struct {
	pass int32
	ev   uint32
	acc  uint32
}

// Key rows. A key's state is one row of words: a fixed header, then
// flag bits, then each state's and aggregate's slots at offsets fixed
// when the operator is built (tlLayout). Values are in word form
// (timeline_values.go). A sweep of a key thus touches one or two cache
// lines instead of one per state, which is what decides throughput once
// the keys outgrow the caches.
const (
	kwSeg    = iota // start of the open segment: events before it are late
	kwTlLast        // last event of the current timeline, noTime when none
	kwDue           // the queued structural due time (window or timeline end) not yet passed
	kwLinks         // first open accumulator + 1 (low half) | newest pending event + 1 (high half)
	kwGen           // generation (low half; bumped when the key is freed) | flag bits (high half)
	kwFixed
)

// Key flag bits (positions in the row); the states' and aggregates' bits
// follow in the same half-word while they fit.
const (
	kbLive  = kwGen*64 + 32
	kbNewTL = kwGen*64 + 33 // the open segment starts a timeline
	kbFree  = kwGen*64 + 34
)

// Accumulator rows: a header, flag bits, then one or two words per
// timeline aggregate.
const (
	awKeyNext = iota // key (low half) | next accumulator of the key + 1 (high half)
	awStart
	awFixed // then, for session windows, the window's end (tumble and hop: start + size)
)

func getBit(row []uint64, pos int) bool { return row[pos>>6]>>(uint(pos)&63)&1 != 0 }

func setBit(row []uint64, pos int, v bool) {
	m := uint64(1) << (uint(pos) & 63)
	if v {
		row[pos>>6] |= m
	} else {
		row[pos>>6] &^= m
	}
}

func lo32(w uint64) uint32        { return uint32(w) }
func hi32(w uint64) uint32        { return uint32(w >> 32) }
func setLo32(w *uint64, v uint32) { *w = *w&^0xffffffff | uint64(v) }
func setHi32(w *uint64, v uint32) { *w = *w&0xffffffff | uint64(v)<<32 }

// tlLayout hands out word and bit positions of a row: bits first from
// [bit, bitEnd), then from flag words.
type tlLayout struct {
	words        int
	bit0, bitEnd int
	flagWord     int // first flag word
	bits         int // bits handed out from flag words
}

func (l *tlLayout) word(n int) int {
	w := l.words
	l.words += n
	return w
}

func (l *tlLayout) bit() int {
	if l.bit0 < l.bitEnd {
		l.bit0++
		return l.bit0 - 1
	}
	b := l.flagWord*64 + l.bits
	l.bits++
	return b
}

// tlState is one timeline state: its slots in the key row, its input per
// pending event and its value per segment being evaluated.
type tlState struct {
	kind StateKind
	vk   tlKind
	dt   arrow.DataType
	dur  int64
	n    int
	argE expr.Expr
	in   *exprInput

	wVal   int // latest: value (wVal+1: high word of a decimal)
	bOK    int // latest: a value was seen; ever: the predicate held
	wMatch int // within: last event where the predicate held, noTime when none
	wRing  int // prior: n+1 values (decimals: n+1 high words follow)
	wPos   int // prior: next ring slot (low half) | values in the ring (high half)

	pv tlWords // per pending event: value, or ok = predicate true
	sv tlWords // per segment
	bv tlWords // per input row (Push scratch)
}

func (s *tlState) pred() bool { return s.kind == StateEver || s.kind == StateWithin }

// tlAgg is one timeline aggregate.
type tlAgg struct {
	kind    TimelineAggKind
	dt      arrow.DataType // argument type
	vk      tlKind
	outType arrow.DataType
	argE    expr.Expr
	arg     *exprInput // over the state schema
	startX  *exprInput // duration_between, over the input
	endX    *exprInput
	boolArg bool

	// key row
	bPrev     int // count_entries: true just before the open segment
	wRunBegin int // duration_in_state: when the current value began
	wRun      int // duration_in_state: current value (wRun+1: decimal high word)
	bRunOK    int
	wDbStart  int // duration_between: first start event, noTime when none
	bDbDone   int
	// accumulator row
	waAcc int // duration, count or value (waAcc+1: decimal high word)
	baSet int // duration_in_state, duration_between, value_at_end: has a result
	baOK  int // value_at_end: the value is not NULL

	pStart, pEnd []bool  // per pending event
	bStart, bEnd []bool  // Push scratch
	st           []bool  // per segment: argument is true
	sv           tlWords // per segment: argument value
	itDb         []int64 // per item: duration_between ending there, -1 none
}

// layout places every state's and aggregate's slots in the key and
// accumulator rows.
func (a *TimelineAggregate) layout() {
	nbits := 0
	for _, s := range a.states {
		if s.kind == StateLatest || s.kind == StateEver {
			nbits++
		}
	}
	abits := 0
	for _, g := range a.aggs {
		switch g.kind {
		case TLCountEntries, TLDurationInState, TLDurationBetween:
			nbits++
		}
		switch g.kind {
		case TLValueAtEnd:
			abits += 2
		case TLDurationInState, TLDurationBetween:
			abits++
		}
	}
	k := tlLayout{words: kwFixed, bit0: kbFree, bitEnd: kwGen*64 + 64}
	if a.win.Kind == SessionWindow {
		a.kwSess = k.word(1)
	}
	if spare := k.bitEnd - k.bit0; nbits > spare {
		k.flagWord = k.word((nbits - spare + 63) / 64)
	}
	wide := func(vk tlKind) int {
		if vk == tlWide {
			return 2
		}
		return 1
	}
	for _, s := range a.states {
		switch s.kind {
		case StateLatest:
			s.wVal, s.bOK = k.word(wide(s.vk)), k.bit()
		case StateEver:
			s.bOK = k.bit()
		case StateWithin:
			s.wMatch = k.word(1)
		case StatePrior:
			s.wRing = k.word((s.n + 1) * wide(s.vk))
			s.wPos = k.word(1)
		}
	}
	acc := tlLayout{words: awFixed}
	a.awEnd = -1
	if a.win.Kind == SessionWindow {
		a.awEnd = acc.word(1)
	}
	acc.flagWord = acc.word((abits + 63) / 64)
	for _, g := range a.aggs {
		switch g.kind {
		case TLCountEntries:
			g.bPrev = k.bit()
		case TLDurationInState:
			g.wRunBegin, g.wRun, g.bRunOK = k.word(1), k.word(wide(g.vk)), k.bit()
		case TLDurationBetween:
			g.wDbStart, g.bDbDone = k.word(1), k.bit()
		}
		switch g.kind {
		case TLValueAtEnd:
			g.waAcc, g.baSet, g.baOK = acc.word(wide(g.vk)), acc.bit(), acc.bit()
		case TLDurationInState, TLDurationBetween:
			g.waAcc, g.baSet = acc.word(1), acc.bit()
		default:
			g.waAcc = acc.word(1)
		}
	}
	a.kStride, a.aStride = k.words, acc.words
}

// krow is key k's row; valid until the key rows grow (in Push).
func (a *TimelineAggregate) krow(k uint32) []uint64 {
	i := int(k) * a.kStride
	return a.kRows[i : i+a.kStride : i+a.kStride]
}

// accEnd is the end of the window of accumulator row r.
func (a *TimelineAggregate) accEnd(r []uint64) int64 {
	if a.awEnd >= 0 {
		return int64(r[a.awEnd])
	}
	return int64(r[awStart]) + a.win.Size
}

// arow is accumulator x's row; valid until the next newAcc.
func (a *TimelineAggregate) arow(x uint32) []uint64 {
	i := int(x) * a.aStride
	return a.aRows[i : i+a.aStride : i+a.aStride]
}

func newTimelineAggregate(spec *TimelineSpec, out, in *arrow.Schema) (*TimelineAggregate, error) {
	a := &TimelineAggregate{spec: spec, in: in, schema: out, ttl: spec.TTL, wm: MinWatermark}
	if in0Deleted(in) {
		return nil, errors.New("a timeline over an updating (changelog) input is not supported")
	}
	if spec.TTL <= 0 {
		return nil, fmt.Errorf("timeline_ttl must be positive, got %dms", spec.TTL)
	}
	if spec.Time == nil || !isTimestamp(spec.Time.DataType()) {
		return nil, fmt.Errorf("timeline event time %v must be a TIMESTAMP expression", spec.Time)
	}
	a.win = spec.Window
	switch a.win.Kind {
	case TumbleWindow, HopWindow:
		if err := checkFixedWindow(&a.win); err != nil {
			return nil, err
		}
	case SessionWindow:
		if a.win.Gap <= 0 {
			return nil, fmt.Errorf("session gap must be positive, got %dms", a.win.Gap)
		}
	default:
		return nil, fmt.Errorf("unknown window kind %d", int(a.win.Kind))
	}
	// A sweep segment lies inside one timeline, which ends timeline_ttl
	// after its last event, so a segment spans at most ttl + size of
	// windows: bounding that bounds the windows a key opens per watermark,
	// whatever the jump in event time (an event in year 9999 after one in
	// 1970 starts a new timeline rather than a 8000-year segment).
	if a.win.Kind != SessionWindow {
		if n := (satAdd(spec.TTL, a.win.Size) + a.win.Slide - 1) / a.win.Slide; n > MaxTimelineWindowsPerSegment {
			return nil, fmt.Errorf("timeline_ttl %dms with a window slide of %dms lets one timeline span %d windows; at most %d are allowed (lower timeline_ttl or use a larger slide)",
				spec.TTL, a.win.Slide, n, MaxTimelineWindowsPerSegment)
		}
	}
	want := len(spec.Keys) + 2 + len(spec.Plain) + len(spec.Aggs)
	if out.NumFields() != want {
		return nil, fmt.Errorf("timeline output %s: want %d columns (keys, window_start, window_end, plain aggregates, timeline aggregates)", out, want)
	}
	if len(spec.KeyNames) != 0 && len(spec.KeyNames) != len(spec.Keys) {
		return nil, fmt.Errorf("timeline has %d key names for %d keys", len(spec.KeyNames), len(spec.Keys))
	}
	for i, k := range spec.Keys {
		if k == nil {
			return nil, fmt.Errorf("group key %d: missing expression", i)
		}
		kind, err := keyKindOf(k.DataType())
		if err != nil {
			return nil, fmt.Errorf("group key %s: %w", k, err)
		}
		if !arrow.TypeEqual(k.DataType(), out.Field(i).Type) {
			return nil, fmt.Errorf("group key %s has type %s, output column %s has %s", k, k.DataType(), out.Field(i).Name, out.Field(i).Type)
		}
		a.keyKinds = append(a.keyKinds, kind)
		a.keyTypes = append(a.keyTypes, k.DataType())
	}
	c := len(spec.Keys)
	for j := 0; j < 2; j++ {
		if !isTimestamp(out.Field(c + j).Type) {
			return nil, fmt.Errorf("output column %s must be TIMESTAMP, is %s", out.Field(c+j).Name, out.Field(c+j).Type)
		}
	}
	c += 2
	for i := range spec.Plain {
		f := &spec.Plain[i]
		if !arrow.TypeEqual(f.Type, out.Field(c+i).Type) {
			return nil, fmt.Errorf("aggregate %s has type %v, output column %s has %s", f.Name, f.Type, out.Field(c+i).Name, out.Field(c+i).Type)
		}
		var at arrow.DataType
		if f.Kind != AggCountStar {
			if f.Arg == nil {
				return nil, fmt.Errorf("aggregate %s: %s needs an argument", f.Name, f.Kind)
			}
			at = f.Arg.DataType()
		}
		if _, err := newAggState(f, at); err != nil {
			return nil, fmt.Errorf("aggregate %s: %w", f.Name, err)
		}
		a.plainTypes = append(a.plainTypes, at)
		var vk tlKind
		if at != nil {
			var err error
			if vk, err = tlKindOf(at); err != nil {
				return nil, fmt.Errorf("aggregate %s: %w", f.Name, err)
			}
		}
		a.plainKinds = append(a.plainKinds, vk)
	}
	c += len(spec.Plain)
	fields := make([]arrow.Field, len(spec.States))
	for i := range spec.States {
		st := &spec.States[i]
		s, err := newTLState(st)
		if err != nil {
			return nil, fmt.Errorf("state %d %s: %w", i, st.Kind, err)
		}
		a.states = append(a.states, s)
		fields[i] = arrow.Field{Name: fmt.Sprintf("%s(%s)", st.Kind, st.Arg), Type: s.dt, Nullable: true}
	}
	a.stSchema = arrow.NewSchema(fields, nil)
	for i := range spec.Aggs {
		f := &spec.Aggs[i]
		g, err := newTLAgg(f, a.stSchema)
		if err != nil {
			return nil, fmt.Errorf("timeline aggregate %s: %w", f.Name, err)
		}
		if !arrow.TypeEqual(g.outType, out.Field(c+i).Type) {
			return nil, fmt.Errorf("timeline aggregate %s has type %s, output column %s has %s", f.Name, g.outType, out.Field(c+i).Name, out.Field(c+i).Type)
		}
		if g.kind == TLDurationBetween {
			a.evItems = true
		}
		a.aggs = append(a.aggs, g)
	}
	if len(spec.Plain) > 0 || a.win.Kind == SessionWindow {
		a.evItems = true
	}
	a.layout()
	return a, nil
}

func newTLState(st *TimelineState) (*tlState, error) {
	if st.Arg == nil {
		return nil, errors.New("missing argument")
	}
	s := &tlState{kind: st.Kind, dur: st.Dur, n: st.N, argE: st.Arg, dt: st.Type}
	switch st.Kind {
	case StateLatest, StatePrior:
		if st.Type == nil || !arrow.TypeEqual(st.Type, st.Arg.DataType()) {
			return nil, fmt.Errorf("type %v differs from its argument's %s", st.Type, st.Arg.DataType())
		}
		vk, err := tlKindOf(st.Type)
		if err != nil {
			return nil, err
		}
		s.vk = vk
		if st.Kind == StatePrior && st.N < 1 {
			return nil, fmt.Errorf("events back must be >= 1, got %d", st.N)
		}
	case StateEver, StateWithin:
		if st.Arg.DataType().ID() != arrow.BOOL {
			return nil, fmt.Errorf("predicate %s has type %s, want boolean", st.Arg, st.Arg.DataType())
		}
		if st.Type != nil && st.Type.ID() != arrow.BOOL {
			return nil, fmt.Errorf("type %s, want boolean", st.Type)
		}
		s.dt = arrow.FixedWidthTypes.Boolean
		if st.Kind == StateWithin && st.Dur <= 0 {
			return nil, fmt.Errorf("duration must be positive, got %dms", st.Dur)
		}
	default:
		return nil, fmt.Errorf("unknown state kind %d", int(st.Kind))
	}
	return s, nil
}

func newTLAgg(f *TimelineAgg, stSchema *arrow.Schema) (*tlAgg, error) {
	g := &tlAgg{kind: f.Kind, argE: f.Arg, outType: arrow.PrimitiveTypes.Int64}
	if f.Kind == TLDurationBetween {
		for _, p := range []expr.Expr{f.Start, f.End} {
			if p == nil || p.DataType().ID() != arrow.BOOL {
				return nil, fmt.Errorf("start and end must be boolean predicates, got %v and %v", f.Start, f.End)
			}
		}
		return g, nil
	}
	if f.Arg == nil {
		return nil, errors.New("missing argument")
	}
	if err := checkStateRefs(f.Arg, stSchema); err != nil {
		return nil, err
	}
	g.dt = f.Arg.DataType()
	g.boolArg = g.dt != nil && g.dt.ID() == arrow.BOOL
	switch f.Kind {
	case TLDurationWhere, TLCountEntries:
		if !g.boolArg {
			return nil, fmt.Errorf("%s needs a boolean argument, %s is %v", f.Kind, f.Arg, g.dt)
		}
	case TLValueAtEnd, TLDurationInState:
		vk, err := tlKindOf(g.dt)
		if err != nil {
			return nil, err
		}
		g.vk = vk
		if f.Kind == TLValueAtEnd {
			g.outType = g.dt
		}
	default:
		return nil, fmt.Errorf("unknown timeline aggregate kind %d", int(f.Kind))
	}
	if f.Type != nil && !arrow.TypeEqual(f.Type, g.outType) {
		return nil, fmt.Errorf("%s returns %s, the plan says %s", f.Kind, g.outType, f.Type)
	}
	return g, nil
}

// checkStateRefs reports a column reference outside the state schema
// with a clearer message than the compiler's.
func checkStateRefs(e expr.Expr, st *arrow.Schema) error {
	switch x := e.(type) {
	case *expr.ColumnRef:
		if x.Index < 0 || x.Index >= st.NumFields() {
			return fmt.Errorf("%s refers to state %d, the timeline has %d states", e, x.Index, st.NumFields())
		}
	case *expr.Call:
		for _, arg := range x.Args {
			if err := checkStateRefs(arg, st); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *TimelineAggregate) Open(ctx *OpContext, out Emitter) error {
	if err := a.open(ctx, out); err != nil {
		return err
	}
	alloc := ctx.Alloc
	for _, k := range a.spec.Keys {
		x, err := newExprInput(k, a.in, alloc)
		if err != nil {
			return fmt.Errorf("group key: %w", err)
		}
		a.keyX = append(a.keyX, x)
	}
	t, err := newExprInput(a.spec.Time, a.in, alloc)
	if err != nil {
		return fmt.Errorf("timeline event time: %w", err)
	}
	a.timeX = t
	for _, f := range a.spec.Plain {
		var x *exprInput
		if f.Kind != AggCountStar {
			if x, err = newExprInput(f.Arg, a.in, alloc); err != nil {
				return fmt.Errorf("aggregate %s: %w", f.Name, err)
			}
		}
		a.plainX = append(a.plainX, x)
	}
	a.plainIn = make([]tlWords, len(a.plainX))
	a.plainB = make([]tlWords, len(a.plainX))
	for i, s := range a.states {
		if s.in, err = newExprInput(s.argE, a.in, alloc); err != nil {
			return fmt.Errorf("state %d %s: %w", i, s.kind, err)
		}
	}
	for i, g := range a.aggs {
		name := a.spec.Aggs[i].Name
		if g.kind == TLDurationBetween {
			if g.startX, err = newExprInput(a.spec.Aggs[i].Start, a.in, alloc); err != nil {
				return fmt.Errorf("timeline aggregate %s start: %w", name, err)
			}
			if g.endX, err = newExprInput(a.spec.Aggs[i].End, a.in, alloc); err != nil {
				return fmt.Errorf("timeline aggregate %s end: %w", name, err)
			}
			continue
		}
		if g.arg, err = newExprInput(g.argE, a.stSchema, alloc); err != nil {
			return fmt.Errorf("timeline aggregate %s: %w", name, err)
		}
	}
	if a.spec.Having != nil {
		h, err := newExprInput(a.spec.Having, a.schema, alloc)
		if err != nil {
			return fmt.Errorf("having: %w", err)
		}
		if h.typ.ID() != arrow.BOOL {
			return fmt.Errorf("having %s has type %s, want boolean", a.spec.Having, h.typ)
		}
		a.having = h
	}
	a.vecs = make([]keyVec, len(a.keyX))
	for i := range a.vecs {
		a.vecs[i].kind = a.keyKinds[i]
	}
	a.keyArrs = make([]arrow.Array, len(a.keyX))
	a.kt = newKeyTable(a.keyKinds)
	a.dict = newTLDict()
	states := make([]aggState, len(a.spec.Plain))
	for i := range a.spec.Plain {
		states[i], _ = newAggState(&a.spec.Plain[i], a.plainTypes[i]) // checked in the constructor
	}
	a.plain = newAggSet(states)
	a.queue = newTLQueue(a.queueWidth())
	return nil
}

// queueWidth is the due queue's bucket: a small fraction of the shortest
// period at which keys come due.
func (a *TimelineAggregate) queueWidth() int64 {
	p := a.ttl
	switch a.win.Kind {
	case SessionWindow:
		p = min(p, a.win.Gap)
	default:
		p = min(p, a.win.Slide)
	}
	return max(1, p/1024)
}

func (a *TimelineAggregate) Push(port int, b arrow.RecordBatch) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	defer a.releaseKeyArrs()
	for i, x := range a.keyX {
		arr, err := x.eval(b)
		if err != nil {
			return fmt.Errorf("group key: %w", err)
		}
		a.keyArrs[i] = arr
		if err := a.vecs[i].load(arr); err != nil {
			return fmt.Errorf("group key %s: %w", x.src, err)
		}
	}
	ta, err := a.timeX.eval(b)
	if err != nil {
		return fmt.Errorf("timeline event time: %w", err)
	}
	defer ta.Release()
	if !isTimestamp(ta.DataType()) {
		return fmt.Errorf("timeline event time: evaluator returned %s, want timestamp", ta.DataType())
	}
	ts := values[int64](ta)
	a.hashes = hashKeys(a.vecs, n, a.hashes)
	a.kids = resizeSlice(a.kids, n)
	a.ident = identity(a.ident, n)
	a.kt.findOrInsert(a.vecs, a.hashes, a.ident, a.kids)
	a.growKeys(a.kt.n)

	a.sel = a.sel[:0]
	hasNulls := ta.NullN() > 0
	for i := 0; i < n; i++ {
		if hasNulls && ta.IsNull(i) {
			if err := a.deadLetter(b, i, "NULL event time"); err != nil {
				return err
			}
			continue
		}
		k, t := a.kids[i], ts[i]
		front := a.wm
		if row := a.krow(k); getBit(row, kbLive) {
			front = int64(row[kwSeg])
		}
		if t < front {
			a.ctx.Metrics.LateEvents.Add(1)
			reason := fmt.Sprintf("late event: the key's timeline was already swept to %s (watermark %s)", fmtTime(front), fmtTime(a.wm))
			if err := a.deadLetter(b, i, reason); err != nil {
				return err
			}
			continue
		}
		a.sel = append(a.sel, int32(i))
	}
	if len(a.sel) == 0 {
		return nil
	}
	if err := a.evalInputs(b, n); err != nil {
		return err
	}
	for _, i := range a.sel {
		k, t := a.kids[i], ts[i]
		row := a.krow(k)
		if !getBit(row, kbLive) {
			a.activate(k, row)
		}
		e := a.allocPending()
		a.pTime[e] = t
		a.pNext[e] = hi32(row[kwLinks])
		setHi32(&row[kwLinks], e+1)
		for _, s := range a.states {
			s.pv.ok[e] = s.bv.ok[i]
			if !s.pred() {
				s.pv.w[e] = s.bv.w[i]
				if s.vk == tlWide {
					s.pv.hi[e] = s.bv.hi[i]
				}
			}
		}
		for _, g := range a.aggs {
			if g.kind == TLDurationBetween {
				g.pStart[e], g.pEnd[e] = g.bStart[i], g.bEnd[i]
			}
		}
		for j, x := range a.plainX {
			if x != nil {
				pv, bv := &a.plainIn[j], &a.plainB[j]
				pv.w[e], pv.ok[e] = bv.w[i], bv.ok[i]
				if pv.hi != nil {
					pv.hi[e] = bv.hi[i]
				}
			}
		}
		due := t
		if t < math.MaxInt64 {
			due = t + 1
		}
		// An event's entry is not tracked: it is due within the watermark
		// delay, and a key due twice at one watermark is swept once.
		if kd := int64(row[kwDue]); kd <= a.wm || kd > due {
			a.queue.push(tlDue{end: due, key: k, gen: lo32(row[kwGen])})
		}
	}
	a.ctx.Metrics.StateRows.Set(int64(a.liveKeys))
	return nil
}

// evalInputs computes every state's input and the duration_between
// predicates for all rows of b into the states' row scratch.
func (a *TimelineAggregate) evalInputs(b arrow.RecordBatch, n int) error {
	for i, s := range a.states {
		arr, err := s.in.eval(b)
		if err != nil {
			return fmt.Errorf("state %d %s: %w", i, s.kind, err)
		}
		s.bv.resize(n, s.vk)
		if s.pred() {
			truthOf(arr, s.bv.ok)
		} else {
			err = loadWords(arr, &a.dict, &s.bv)
		}
		arr.Release()
		if err != nil {
			return fmt.Errorf("state %d %s: %w", i, s.kind, err)
		}
	}
	for j, x := range a.plainX {
		if x == nil {
			continue
		}
		arr, err := x.eval(b)
		if err != nil {
			return fmt.Errorf("aggregate %s: %w", a.spec.Plain[j].Name, err)
		}
		a.plainB[j].resize(n, a.plainKinds[j])
		err = loadWords(arr, &a.dict, &a.plainB[j])
		arr.Release()
		if err != nil {
			return fmt.Errorf("aggregate %s: %w", a.spec.Plain[j].Name, err)
		}
	}
	for i, g := range a.aggs {
		if g.kind != TLDurationBetween {
			continue
		}
		g.bStart, g.bEnd = resizeSlice(g.bStart, n), resizeSlice(g.bEnd, n)
		for _, p := range []struct {
			x   *exprInput
			dst []bool
		}{{g.startX, g.bStart}, {g.endX, g.bEnd}} {
			arr, err := p.x.eval(b)
			if err != nil {
				return fmt.Errorf("timeline aggregate %s: %w", a.spec.Aggs[i].Name, err)
			}
			truthOf(arr, p.dst)
			arr.Release()
		}
	}
	return nil
}

func (a *TimelineAggregate) releaseKeyArrs() {
	releaseArrays(a.keyArrs)
	clear(a.keyArrs)
}

// growKeys makes key ids [0, n) addressable; new keys are not live.
// Rows grow by append so a large table gets Go's gentle growth factor.
func (a *TimelineAggregate) growKeys(n int) {
	if n <= a.nk {
		return
	}
	a.kRows = append(a.kRows, make([]uint64, (n-a.nk)*a.kStride)...)
	a.nk = n
	a.dueMark = resizeZero(a.dueMark, (n+63)/64)
}

// activate gives key k fresh state at the current watermark.
func (a *TimelineAggregate) activate(k uint32, row []uint64) {
	gen := lo32(row[kwGen])
	clear(row)
	row[kwGen] = uint64(gen)
	setBit(row, kbLive, true)
	a.liveKeys++
	row[kwSeg], row[kwTlLast] = uint64(a.wm), noTimeW
	if a.kwSess != 0 {
		row[a.kwSess] = noTimeW
	}
	row[kwDue] = math.MaxInt64
}

func (a *TimelineAggregate) freeKey(row []uint64) {
	setBit(row, kbLive, false)
	setLo32(&row[kwGen], lo32(row[kwGen])+1)
	a.liveKeys--
}

func (a *TimelineAggregate) allocPending() uint32 {
	a.npend++
	if n := len(a.pFree); n > 0 {
		e := a.pFree[n-1]
		a.pFree = a.pFree[:n-1]
		return e
	}
	e := uint32(len(a.pTime))
	m := int(e) + 1
	a.pTime = append(a.pTime, 0)
	a.pNext = append(a.pNext, 0)
	for j, x := range a.plainX {
		if x != nil {
			a.plainIn[j].resize(m, a.plainKinds[j])
		}
	}
	for _, s := range a.states {
		if s.pred() {
			s.pv.ok = resizeSlice(s.pv.ok, m)
		} else {
			s.pv.resize(m, s.vk)
		}
	}
	for _, g := range a.aggs {
		if g.kind == TLDurationBetween {
			g.pStart, g.pEnd = resizeSlice(g.pStart, m), resizeSlice(g.pEnd, m)
		}
	}
	return e
}

func (a *TimelineAggregate) freePending(e uint32) {
	a.npend--
	a.pFree = append(a.pFree, e)
}

func (a *TimelineAggregate) deadLetter(b arrow.RecordBatch, row int, reason string) error {
	a.raw = AppendRowJSON(a.raw[:0], b, row)
	a.ctx.Metrics.DeadLetters.Add(1)
	err := a.ctx.DeadLetters.WriteDeadLetter(DeadLetter{Source: a.ctx.Name, Partition: -1, Offset: -1,
		Raw: a.raw, Reason: reason, Time: time.Now()})
	if err != nil {
		return fmt.Errorf("timeline aggregate: dead letter: %w", err)
	}
	return nil
}

func (a *TimelineAggregate) Watermark(wm int64) error {
	if wm <= a.wm {
		return nil
	}
	a.wm = wm
	a.due = a.due[:0]
	a.queue.due(wm, func(e tlDue) {
		k := e.key
		if int(k) >= a.nk || a.dueMark[k/64]&(1<<(k%64)) != 0 {
			return
		}
		if row := a.krow(k); getBit(row, kbLive) && lo32(row[kwGen]) == e.gen {
			a.dueMark[k/64] |= 1 << (k % 64)
			a.due = append(a.due, k)
		}
	})
	for _, k := range a.due {
		a.dueMark[k/64] = 0
	}
	if len(a.due) == 0 {
		return nil
	}
	a.emitted = a.emitted[:0]
	err := a.sweep(a.due)
	if err == nil {
		err = a.emitRows()
	}
	for _, x := range a.emitted {
		a.freeAcc(x)
	}
	a.emitted = a.emitted[:0]
	if err == nil {
		a.maybeCompact()
	}
	a.ctx.Metrics.StateRows.Set(int64(a.liveKeys))
	return err
}

// ---- accumulators

func (a *TimelineAggregate) newAcc(k uint32, start, end int64) uint32 {
	var x uint32
	if n := len(a.aFree); n > 0 {
		x = a.aFree[n-1]
		a.aFree = a.aFree[:n-1]
		clear(a.arow(x))
	} else {
		x = uint32(a.nacc)
		a.nacc++
		a.aRows = append(a.aRows, make([]uint64, a.aStride)...)
		if len(a.plain.aggs) > 0 {
			a.plain.resize(a.nacc)
		}
	}
	r := a.arow(x)
	r[awKeyNext], r[awStart] = uint64(k), uint64(start)
	if a.awEnd >= 0 {
		r[a.awEnd] = uint64(end)
	}
	// Windows open in order of start, which is also their order of end.
	krow := a.krow(k)
	if h := lo32(krow[kwLinks]); h == 0 {
		setLo32(&krow[kwLinks], x+1)
	} else {
		t := h - 1
		for nx := hi32(a.aRows[int(t)*a.aStride+awKeyNext]); nx != 0; nx = hi32(a.aRows[int(t)*a.aStride+awKeyNext]) {
			t = nx - 1
		}
		setHi32(&a.aRows[int(t)*a.aStride+awKeyNext], x+1)
	}
	return x
}

func (a *TimelineAggregate) freeAcc(x uint32) {
	if len(a.plain.aggs) > 0 {
		a.plain.clear(x)
	}
	a.aFree = append(a.aFree, x)
}

// ---- output

func (a *TimelineAggregate) emitRows() error {
	if len(a.emitted) == 0 {
		return nil
	}
	slices.SortFunc(a.emitted, func(x, y uint32) int {
		rx, ry := a.arow(x), a.arow(y)
		if c := cmpInt64(a.accEnd(rx), a.accEnd(ry)); c != 0 {
			return c
		}
		if c := cmpInt64(int64(rx[awStart]), int64(ry[awStart])); c != 0 {
			return c
		}
		return cmpInt64(int64(lo32(rx[awKeyNext])), int64(lo32(ry[awKeyNext])))
	})
	alloc := a.ctx.Alloc
	ids := a.emitted
	n := len(ids)
	cols := make([]arrow.Array, 0, a.schema.NumFields())
	defer func() { releaseArrays(cols) }()
	a.outKids = resizeSlice(a.outKids, n)
	a.outStart = resizeSlice(a.outStart, n)
	a.outEnd = resizeSlice(a.outEnd, n)
	for j, x := range ids {
		r := a.arow(x)
		a.outKids[j], a.outStart[j], a.outEnd[j] = lo32(r[awKeyNext]), int64(r[awStart]), a.accEnd(r)
	}
	for c := range a.keyX {
		col, err := a.kt.buildKeyColumn(alloc, c, a.keyTypes[c], a.outKids)
		if err != nil {
			return fmt.Errorf("timeline aggregate: %w", err)
		}
		cols = append(cols, col)
	}
	cols = append(cols, int64Array(alloc, expr.TypeTimestamp, a.outStart, 0))
	cols = append(cols, int64Array(alloc, expr.TypeTimestamp, a.outEnd, 0))
	for i, st := range a.plain.aggs {
		col, err := st.build(alloc, ids)
		if err != nil {
			return fmt.Errorf("aggregate %s: %w", a.spec.Plain[i].Name, err)
		}
		cols = append(cols, col)
	}
	a.outI64 = resizeSlice(a.outI64, n)
	a.outOK = resizeSlice(a.outOK, n)
	for _, g := range a.aggs {
		var col arrow.Array
		var err error
		switch g.kind {
		case TLValueAtEnd:
			a.outVals.resize(n, g.vk)
			for j, x := range ids {
				r := a.arow(x)
				a.outVals.w[j], a.outVals.ok[j] = r[g.waAcc], getBit(r, g.baSet) && getBit(r, g.baOK)
				if g.vk == tlWide {
					a.outVals.hi[j] = r[g.waAcc+1]
				}
			}
			col, err = buildWordsColumn(alloc, g.outType, n, a.outVals.w, a.outVals.hi, a.outVals.ok, &a.dict)
		default:
			nullable := g.kind == TLDurationInState || g.kind == TLDurationBetween
			for j, x := range ids {
				r := a.arow(x)
				a.outI64[j] = int64(r[g.waAcc])
				a.outOK[j] = !nullable || getBit(r, g.baSet)
			}
			col, err = buildI64(alloc, a.outI64[:n], a.outOK[:n])
		}
		if err != nil {
			return fmt.Errorf("timeline aggregate: %w", err)
		}
		cols = append(cols, col)
	}
	out := array.NewRecordBatch(a.schema, cols, int64(n))
	defer out.Release()
	fb, err := a.filterHaving(out)
	if err != nil || fb == nil {
		return err
	}
	defer fb.Release()
	return a.emit(fb)
}

func buildI64(alloc memory.Allocator, vals []int64, ok []bool) (arrow.Array, error) {
	o := newFixedOut[int64](alloc, len(vals))
	for j, v := range vals {
		if ok[j] {
			o.vals[j] = v
		} else {
			o.null(j)
		}
	}
	return o.finish(arrow.PrimitiveTypes.Int64), nil
}

func (a *TimelineAggregate) filterHaving(out arrow.RecordBatch) (arrow.RecordBatch, error) {
	if a.having == nil {
		out.Retain()
		return out, nil
	}
	h, err := a.having.eval(out)
	if err != nil {
		return nil, fmt.Errorf("having: %w", err)
	}
	defer h.Release()
	hb, ok := h.(*array.Boolean)
	if !ok {
		return nil, fmt.Errorf("having: evaluator returned %s, want boolean", h.DataType())
	}
	switch countTrue(hb) {
	case 0:
		return nil, nil
	case int(out.NumRows()):
		out.Retain()
		return out, nil
	}
	sel := boolSelection(hb, nil)
	cols, err := takeColumns(a.ctx.Alloc, out, sel, nil)
	if err != nil {
		return nil, fmt.Errorf("having: %w", err)
	}
	fb := array.NewRecordBatch(a.schema, cols, int64(len(sel)))
	releaseArrays(cols)
	return fb, nil
}

func (a *TimelineAggregate) Close() error {
	a.releaseKeyArrs()
	a.kt, a.plain = nil, nil
	a.liveKeys, a.npend = 0, 0
	a.queue = newTLQueue(a.queueWidth())
	if a.ctx != nil {
		a.ctx.Metrics.StateRows.Set(0)
	}
	return nil
}

// OutputWatermark holds the output watermark back by the window size, as
// for a windowed aggregate (see windowOutputWatermark).
func (t *TimelineAggregate) OutputWatermark(wm int64) int64 {
	return windowOutputWatermark(t.win, wm)
}
