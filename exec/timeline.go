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
//     frontier: the watermark at which the key's timeline was last swept.
//     A key that holds no state (never seen, or its timelines ended and
//     were emitted) is at the operator's watermark, since an event behind
//     it could change a row already emitted.
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
// (endQueue). The sweep sorts the key's pending events behind the
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
// Per-key state is a struct of arrays indexed by key id, per-window
// accumulators a struct of arrays indexed by accumulator id (a key has
// one open window for tumble and session windows, size/slide for hop),
// with count(*), sum ... of the plain aggregates in an aggSet row per
// accumulator, updated with aggstate's kernels over the retained input
// argument columns.
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
	having     *exprInput
	states     []*tlState
	aggs       []*tlAgg
	dict       tlDict
	evItems    bool // the second pass needs the events (session windows, plain aggregates, duration_between)

	// keys
	kt       *keyTable
	nk       int
	liveKeys int
	kFront   []int64  // sweep frontier: events before it are late
	kSeg     []int64  // start of the open segment
	kTlLast  []int64  // last event of the current timeline, noTime when none
	kSess    []int64  // session windows: end of the current session, noTime when none
	kDue     []int64  // smallest queued due time not yet passed
	kAcc     []uint32 // first open accumulator + 1 (ordered by end)
	kPend    []uint32 // newest pending event + 1
	kGen     []uint32 // bumped when the key is freed: its queue entries go stale
	kLive    []bool
	kNewTL   []bool // the open segment starts a timeline

	// pending events
	pTime  []int64
	pNext  []uint32 // next older pending event of the key + 1
	pChunk []uint32
	pRow   []int32
	pFree  []uint32
	npend  int // live pending events

	// accumulators (one per open key x window)
	aKey   []uint32
	aStart []int64
	aEnd   []int64
	aNext  []uint32
	aFree  []uint32
	nacc   int
	plain  *aggSet
	chunks []tlChunk
	cFree  []uint32

	queue endQueue

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
}

const noTime = math.MinInt64

// tlGroupSegs bounds the segments evaluated in one batch.
const tlGroupSegs = 8192

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

type tlPlainEntry struct {
	pass  int32
	chunk uint32
	row   int32
	acc   uint32
}

// tlChunk holds the plain aggregates' argument columns of one input batch
// while events of it are pending.
type tlChunk struct {
	arrs []arrow.Array
	n    int
	refs int
}

// tlState is one timeline state: its per-key value, its input per pending
// event and its value per segment being evaluated.
type tlState struct {
	kind StateKind
	vk   tlKind
	dt   arrow.DataType
	dur  int64
	n    int
	argE expr.Expr
	in   *exprInput

	cur    tlWords  // per key: latest value; ever: ok = has held
	match  []int64  // per key, within: last event where the predicate held
	ring   []uint64 // per key, prior: the last n+1 values
	ringHi []uint64
	pos    []uint32 // per key, prior: next ring slot
	cnt    []uint32 // per key, prior: values in the ring
	pv     tlWords  // per pending event: value, or ok = predicate true
	sv     tlWords  // per segment
	bv     tlWords  // per input row (Push scratch)
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

	prev     []bool  // per key, count_entries: true just before the open segment
	run      tlWords // per key, duration_in_state: current value
	runBegin []int64
	dbStart  []int64 // per key, duration_between: first start event, noTime when none
	dbDone   []bool
	pStart   []bool // per pending event
	pEnd     []bool
	bStart   []bool // Push scratch
	bEnd     []bool
	acc      []int64 // per accumulator
	set      []bool
	av       tlWords
	st       []bool  // per segment: argument is true
	sv       tlWords // per segment: argument value
	itDb     []int64 // per item: duration_between ending there, -1 none
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
	a.queue = newEndQueue(a.queueWidth())
	return nil
}

// queueWidth is the calendar queue's bucket: a sixteenth of the shortest
// period at which keys come due.
func (a *TimelineAggregate) queueWidth() int64 {
	p := a.ttl
	switch a.win.Kind {
	case SessionWindow:
		p = min(p, a.win.Gap)
	default:
		p = min(p, a.win.Slide)
	}
	return max(1, p/16)
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
		if a.kLive[k] {
			front = a.kFront[k]
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
	chunk := ^uint32(0)
	if len(a.plainX) > 0 {
		if chunk, err = a.newChunk(b); err != nil {
			return err
		}
	}
	for _, i := range a.sel {
		k, t := a.kids[i], ts[i]
		if !a.kLive[k] {
			a.activate(k)
		}
		e := a.allocPending()
		a.pTime[e] = t
		a.pNext[e] = a.kPend[k]
		a.kPend[k] = e + 1
		for _, s := range a.states {
			s.pv.w[e], s.pv.ok[e] = s.bv.w[i], s.bv.ok[i]
			if s.vk == tlWide {
				s.pv.hi[e] = s.bv.hi[i]
			}
		}
		for _, g := range a.aggs {
			if g.kind == TLDurationBetween {
				g.pStart[e], g.pEnd[e] = g.bStart[i], g.bEnd[i]
			}
		}
		if chunk != ^uint32(0) {
			a.pChunk[e], a.pRow[e] = chunk, i
			a.chunks[chunk].refs++
		}
		due := t
		if t < math.MaxInt64 {
			due = t + 1
		}
		if due < a.kDue[k] || a.kDue[k] <= a.wm {
			a.queue.push(sessionEnd{end: due, sid: k, gen: a.kGen[k]})
			a.kDue[k] = due
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

func (a *TimelineAggregate) newChunk(b arrow.RecordBatch) (uint32, error) {
	arrs := make([]arrow.Array, len(a.plainX))
	for i, x := range a.plainX {
		if x == nil {
			continue
		}
		arr, err := x.eval(b)
		if err != nil {
			releaseArrays(arrs)
			return 0, fmt.Errorf("aggregate %s: %w", a.spec.Plain[i].Name, err)
		}
		arrs[i] = arr
	}
	c := tlChunk{arrs: arrs, n: int(b.NumRows())}
	if n := len(a.cFree); n > 0 {
		id := a.cFree[n-1]
		a.cFree = a.cFree[:n-1]
		a.chunks[id] = c
		return id, nil
	}
	a.chunks = append(a.chunks, c)
	return uint32(len(a.chunks) - 1), nil
}

func (a *TimelineAggregate) unrefChunk(id uint32) {
	c := &a.chunks[id]
	c.refs--
	if c.refs == 0 {
		releaseArrays(c.arrs)
		c.arrs = nil
		a.cFree = append(a.cFree, id)
	}
}

func (a *TimelineAggregate) releaseKeyArrs() {
	releaseArrays(a.keyArrs)
	clear(a.keyArrs)
}

// growKeys makes key ids [0, n) addressable; new keys are not live.
func (a *TimelineAggregate) growKeys(n int) {
	if n <= a.nk {
		return
	}
	a.nk = n
	a.kFront = resizeZero(a.kFront, n)
	a.kSeg = resizeZero(a.kSeg, n)
	a.kTlLast = resizeZero(a.kTlLast, n)
	if a.win.Kind == SessionWindow {
		a.kSess = resizeZero(a.kSess, n)
	}
	a.kDue = resizeZero(a.kDue, n)
	a.kAcc = resizeZero(a.kAcc, n)
	a.kPend = resizeZero(a.kPend, n)
	a.kGen = resizeZero(a.kGen, n)
	a.kLive = resizeZero(a.kLive, n)
	a.kNewTL = resizeZero(a.kNewTL, n)
	for _, s := range a.states {
		switch s.kind {
		case StateLatest, StateEver:
			s.cur.resize(n, s.vk)
		case StateWithin:
			s.match = resizeZero(s.match, n)
		case StatePrior:
			s.ring = resizeZero(s.ring, n*(s.n+1))
			if s.vk == tlWide {
				s.ringHi = resizeZero(s.ringHi, n*(s.n+1))
			}
			s.pos, s.cnt = resizeZero(s.pos, n), resizeZero(s.cnt, n)
		}
	}
	for _, g := range a.aggs {
		switch g.kind {
		case TLCountEntries:
			g.prev = resizeZero(g.prev, n)
		case TLDurationInState:
			g.run.resize(n, g.vk)
			g.runBegin = resizeZero(g.runBegin, n)
		case TLDurationBetween:
			g.dbStart, g.dbDone = resizeZero(g.dbStart, n), resizeZero(g.dbDone, n)
		}
	}
}

// activate gives key k fresh state at the current watermark.
func (a *TimelineAggregate) activate(k uint32) {
	a.kLive[k] = true
	a.liveKeys++
	a.kFront[k], a.kSeg[k], a.kTlLast[k] = a.wm, a.wm, noTime
	if a.kSess != nil {
		a.kSess[k] = noTime
	}
	a.kDue[k] = math.MaxInt64
	a.kAcc[k], a.kPend[k] = 0, 0
	a.kNewTL[k] = false
}

func (a *TimelineAggregate) freeKey(k uint32) {
	a.kLive[k] = false
	a.kGen[k]++
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
	if len(a.plainX) > 0 {
		a.pChunk = append(a.pChunk, 0)
		a.pRow = append(a.pRow, 0)
	}
	for _, s := range a.states {
		s.pv.resize(m, s.vk)
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
	a.queue.due(wm, func(e sessionEnd) (int64, bool) {
		k := e.sid
		if int(k) < a.nk && a.kLive[k] && a.kGen[k] == e.gen && a.kFront[k] < wm {
			a.kFront[k] = wm
			a.due = append(a.due, k)
		}
		return 0, false
	})
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
	a.ctx.Metrics.StateRows.Set(int64(a.liveKeys))
	return err
}

// ---- accumulators

func (a *TimelineAggregate) newAcc(k uint32, start, end int64) uint32 {
	var x uint32
	if n := len(a.aFree); n > 0 {
		x = a.aFree[n-1]
		a.aFree = a.aFree[:n-1]
	} else {
		x = uint32(a.nacc)
		a.nacc++
		m := a.nacc
		a.aKey = append(a.aKey, 0)
		a.aStart = append(a.aStart, 0)
		a.aEnd = append(a.aEnd, 0)
		a.aNext = append(a.aNext, 0)
		if len(a.plain.aggs) > 0 {
			a.plain.resize(m)
		}
		for _, g := range a.aggs {
			g.acc = resizeSlice(g.acc, m)
			g.set = resizeSlice(g.set, m)
			if g.kind == TLValueAtEnd {
				g.av.resize(m, g.vk)
			}
		}
	}
	a.aKey[x], a.aStart[x], a.aEnd[x], a.aNext[x] = k, start, end, 0
	for _, g := range a.aggs {
		g.acc[x], g.set[x] = 0, false
	}
	// Windows open in order of start, which is also their order of end.
	if h := a.kAcc[k]; h == 0 {
		a.kAcc[k] = x + 1
	} else {
		t := h - 1
		for a.aNext[t] != 0 {
			t = a.aNext[t] - 1
		}
		a.aNext[t] = x + 1
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
		if c := cmpInt64(a.aEnd[x], a.aEnd[y]); c != 0 {
			return c
		}
		if c := cmpInt64(a.aStart[x], a.aStart[y]); c != 0 {
			return c
		}
		return cmpInt64(int64(a.aKey[x]), int64(a.aKey[y]))
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
		a.outKids[j], a.outStart[j], a.outEnd[j] = a.aKey[x], a.aStart[x], a.aEnd[x]
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
				a.outVals.w[j], a.outVals.ok[j] = g.av.w[x], g.set[x] && g.av.ok[x]
				if g.vk == tlWide {
					a.outVals.hi[j] = g.av.hi[x]
				}
			}
			col, err = buildWordsColumn(alloc, g.outType, n, a.outVals.w, a.outVals.hi, a.outVals.ok, &a.dict)
		default:
			nullable := g.kind == TLDurationInState || g.kind == TLDurationBetween
			for j, x := range ids {
				a.outI64[j] = g.acc[x]
				a.outOK[j] = !nullable || g.set[x]
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
	for i := range a.chunks {
		releaseArrays(a.chunks[i].arrs)
		a.chunks[i].arrs = nil
	}
	a.chunks, a.cFree = nil, nil
	a.kt, a.plain = nil, nil
	a.liveKeys, a.npend = 0, 0
	a.queue = newEndQueue(a.queueWidth())
	if a.ctx != nil {
		a.ctx.Metrics.StateRows.Set(0)
	}
	return nil
}
