package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// replaySource replays prebuilt batches, batch i from partition parts[i];
// a partition's next offset is the index after its last batch read, so a
// resume starts after the largest one.
type replaySource struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	parts   []int32
	i       int
	delay   time.Duration
	failAt  int  // > 0: Read fails there
	endless bool // repeat forever (cancel tests)
}

func (s *replaySource) Schema() *arrow.Schema { return s.schema }
func (s *replaySource) Open(context.Context, memory.Allocator, DeadLetterWriter) error {
	return nil
}
func (s *replaySource) Partitions() []int32 {
	var out []int32
	for _, p := range s.parts {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
func (s *replaySource) Close() error { return nil }
func (s *replaySource) SetStartOffsets(o map[int32]int64) {
	for _, x := range o {
		s.i = max(s.i, int(x))
	}
}
func (s *replaySource) Read(ctx context.Context) (SourceBatch, error) {
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	if s.failAt > 0 && s.i == s.failAt {
		return SourceBatch{}, errors.New("broker went away")
	}
	if s.i >= len(s.batches) {
		if !s.endless {
			return SourceBatch{}, io.EOF
		}
		s.i = 0
	}
	b := s.batches[s.i]
	b.Retain()
	s.i++
	return SourceBatch{Partition: s.parts[s.i-1], Records: b, NextOffset: int64(s.i)}, nil
}

// memSink collects rows; Commit does nothing (the checkpoint callback
// notes how many rows each sink had).
type memSink struct {
	spec *SinkSpec
	rows [][]any
}

func (m *memSink) Open(*OpContext, Emitter) error { return nil }
func (m *memSink) Push(_ int, b arrow.RecordBatch) error {
	m.rows = append(m.rows, batchRows(b)...)
	return nil
}
func (m *memSink) Watermark(int64) error { return nil }
func (m *memSink) Close() error          { return nil }

// parGraph is a pipeline with every keyed operator: tumbling and global
// aggregates, an updating aggregate, sessions, a timeline, and two
// aggregates in a row (two exchanges in series).
func parGraph(delay int64) *Graph {
	aggs, aggFields, _ := allAggs()
	deleted := field(expr.DeletedColumn, tBool)
	ts := evCol(evTs)
	w200 := withWindow(evSchema)
	tumble := func(t expr.Expr, size int64) *WindowAssignSpec {
		return &WindowAssignSpec{Window: WindowSpec{Kind: TumbleWindow, Time: t, Size: size}}
	}
	sink := func(id, in int, name string, s *arrow.Schema, upsert bool, keys []int) *Node {
		return &Node{ID: id, Kind: KindSink, Name: name, Inputs: []int{in}, Schema: s,
			Spec: &SinkSpec{Name: name, Connector: "mem", Schema: s, Upsert: upsert, Keys: keys}}
	}
	winOut := schema(append([]arrow.Field{field("k", tStr), field("window_start", tTs), field("window_end", tTs)}, aggFields...)...)
	updOut := schema(field("s", tStr), field("n", tBig), field("sv", tDbl), field("sid", tBig), deleted)
	sess := sessionNode(40, []expr.Expr{evCol(evK)}, []arrow.Field{field("k", tStr)},
		[]AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggSum, Arg: evCol(evID), Type: tBig, Name: "sid"}},
		[]arrow.Field{field("n", tBig), field("sid", tBig)})
	sess.ID, sess.Inputs, sess.Name = 6, []int{0}, "sessions"
	w500 := withWindow(evSchema)
	globOut := schema(field("window_start", tTs), field("window_end", tTs), field("n", tBig), field("sid", tBig))
	tl := tlNode(&TimelineSpec{
		Keys: []expr.Expr{evCol(evK)}, KeyNames: []string{"k"}, Time: ts,
		Window: WindowSpec{Kind: TumbleWindow, Time: ts, Size: 300}, TTL: 1000,
		States: []TimelineState{{Kind: StateLatest, Arg: evCol(evS), Type: tStr}, {Kind: StateEver, Arg: evCol(evFlag), Type: tBool}},
		Plain:  []AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}},
		Aggs: []TimelineAgg{{Kind: TLDurationWhere, Arg: tlRef(1, tBool), Type: tBig, Name: "ever_ms"},
			{Kind: TLValueAtEnd, Arg: tlRef(0, tStr), Type: tStr, Name: "last_s"}},
	}, evSchema, field("n", tBig), field("ever_ms", tBig), field("last_s", tStr))
	tl.ID, tl.Inputs = 11, []int{0}
	casOut := schema(field("k", tStr), field("flag", tBool), field("window_start", tTs), field("window_end", tTs),
		field("n", tBig), field("sid", tBig))
	cas2In := withWindow(casOut)
	cas2Out := schema(field("flag", tBool), field("window_start", tTs), field("window_end", tTs), field("n", tBig), field("sn", tBig))
	return &Graph{Nodes: []*Node{
		{ID: 0, Kind: KindSource, Name: "src", Schema: evSchema, EventTime: evTs,
			Spec: &SourceSpec{Name: "src", Connector: "replay", Schema: evSchema, EventTime: evTs, WatermarkDelay: delay, IdleTimeoutMs: -1}},
		{ID: 1, Kind: KindWindowAssign, Name: "w200", Inputs: []int{0}, Schema: w200, Spec: tumble(ts, 200)},
		{ID: 2, Kind: KindHashAggregate, Name: "tumble", Inputs: []int{1}, Schema: winOut,
			Spec: &AggregateSpec{Keys: []expr.Expr{evCol(evK)}, KeyNames: []string{"k"}, Aggs: aggs, WindowStart: evTs + 1,
				Window: &WindowSpec{Kind: TumbleWindow, Time: ts, Size: 200}}},
		sink(3, 2, "tumble", winOut, false, nil),
		{ID: 4, Kind: KindHashAggregate, Name: "updating", Inputs: []int{0}, Schema: updOut, Upsert: true, Keys: []int{0},
			Spec: &AggregateSpec{Keys: []expr.Expr{evCol(evS)}, KeyNames: []string{"s"}, WindowStart: -1,
				Aggs: []AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggSum, Arg: evCol(evV), Type: tDbl, Name: "sv"},
					{Kind: AggSum, Arg: evCol(evID), Type: tBig, Name: "sid"}}}},
		sink(5, 4, "updating", updOut, true, []int{0}),
		sess,
		sink(7, 6, "sessions", sess.Schema, false, nil),
		{ID: 8, Kind: KindWindowAssign, Name: "w500", Inputs: []int{0}, Schema: w500, Spec: tumble(ts, 500)},
		{ID: 9, Kind: KindHashAggregate, Name: "global", Inputs: []int{8}, Schema: globOut,
			Spec: &AggregateSpec{WindowStart: evTs + 1, Window: &WindowSpec{Kind: TumbleWindow, Time: ts, Size: 500},
				Aggs: []AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggSum, Arg: evCol(evID), Type: tBig, Name: "sid"}}}},
		sink(10, 9, "global", globOut, false, nil),
		tl,
		sink(12, 11, "timeline", tl.Schema, false, nil),
		{ID: 13, Kind: KindHashAggregate, Name: "cascade1", Inputs: []int{1}, Schema: casOut,
			Spec: &AggregateSpec{Keys: []expr.Expr{evCol(evK), evCol(evFlag)}, KeyNames: []string{"k", "flag"}, WindowStart: evTs + 1,
				Window: &WindowSpec{Kind: TumbleWindow, Time: ts, Size: 200},
				Aggs:   []AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggSum, Arg: evCol(evID), Type: tBig, Name: "sid"}}}},
		{ID: 14, Kind: KindWindowAssign, Name: "w1000", Inputs: []int{13}, Schema: cas2In, Spec: tumble(col(2, "window_start", tTs), 1000)},
		{ID: 15, Kind: KindHashAggregate, Name: "cascade2", Inputs: []int{14}, Schema: cas2Out,
			Spec: &AggregateSpec{Keys: []expr.Expr{col(1, "flag", tBool)}, KeyNames: []string{"flag"}, WindowStart: 6,
				Window: &WindowSpec{Kind: TumbleWindow, Time: col(2, "window_start", tTs), Size: 1000},
				Aggs:   []AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggSum, Arg: col(4, "n", tBig), Type: tBig, Name: "sn"}}}},
		sink(16, 15, "cascade", cas2Out, false, nil),
	}}
}

// parInput makes n random events in batches of random sizes over nparts
// partitions (round robin), out of order by up to 40 ms: more than the
// watermark delay the tests use, so with one partition some events are
// late (with several, the minimum over partitions holds the watermark
// back by about a batch).
func parInput(t testing.TB, alloc memory.Allocator, n int, seed int64, nparts int) ([]arrow.RecordBatch, []int32) {
	steps := genEvents(genOpts{n: n, keys: 50, seed: seed, step: 3, delay: 40, start: -2000})
	var all [][]any
	for _, s := range steps {
		all = append(all, s.rows...)
	}
	rng := rand.New(rand.NewSource(seed))
	for i := range all {
		if rng.Intn(50) == 0 {
			all[i][evK] = nil
		}
		if rng.Intn(50) == 0 {
			all[i][evS] = nil
		}
	}
	var batches []arrow.RecordBatch
	var parts []int32
	for len(all) > 0 {
		k := min(len(all), 1+rng.Intn(200))
		batches = append(batches, makeBatch(t, alloc, evSchema, all[:k], rng.Intn(2)))
		parts = append(parts, int32(len(batches)%nparts))
		all = all[k:]
	}
	return batches, parts
}

type parRun struct {
	sinks map[string]*memSink
	cps   []parCommit
	late  int64
	dead  int
}

type parCommit struct {
	cp   *Checkpoint
	rows map[string]int
}

type parConfig struct {
	p        int
	restore  *Checkpoint
	prefill  map[string][][]any // sink rows committed before the restore
	interval time.Duration
	delay    time.Duration
	newOp    func(n *Node, in []*arrow.Schema) (Operator, error)
	ctx      context.Context
	failAt   int
	endless  bool
}

func runPar(t *testing.T, g *Graph, batches []arrow.RecordBatch, parts []int32, alloc memory.Allocator, c parConfig) (*parRun, error) {
	t.Helper()
	res := &parRun{sinks: map[string]*memSink{}}
	src := &replaySource{schema: evSchema, batches: batches, parts: parts, delay: c.delay, failAt: c.failAt, endless: c.endless}
	var dlMu sync.Mutex
	dl := &collectDL{}
	newOp := c.newOp
	if newOp == nil {
		newOp = NewOperator
	}
	if c.interval == 0 {
		c.interval = time.Hour
	}
	j, err := NewJob(g, Connectors{
		Sources: map[string]SourceFactory{"replay": func(*SourceSpec) (SourceReader, error) { return src, nil }},
		Sinks: map[string]SinkFactory{"mem": func(s *SinkSpec) (Operator, error) {
			m := &memSink{spec: s, rows: append([][]any(nil), c.prefill[s.Name]...)}
			res.sinks[s.Name] = m
			return m, nil
		}},
	}, JobOptions{Alloc: alloc, Parallelism: c.p, NewOperator: newOp, CommitInterval: c.interval, Restore: c.restore,
		DeadLetters: dlFunc(func(d DeadLetter) error { dlMu.Lock(); defer dlMu.Unlock(); return dl.WriteDeadLetter(d) }),
		Checkpoint: func(_ context.Context, cp *Checkpoint) error {
			// Through the codec, as the engine stores it.
			back, err := DecodeCheckpoint(cp.Encode())
			if err != nil {
				return err
			}
			pc := parCommit{cp: back, rows: map[string]int{}}
			for name, s := range res.sinks {
				pc.rows[name] = len(s.rows)
			}
			res.cps = append(res.cps, pc)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := c.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	err = j.Run(ctx)
	for _, st := range j.Stats() {
		res.late += st.LateEvents
	}
	res.dead = len(dl.letters)
	return res, err
}

type dlFunc func(DeadLetter) error

func (f dlFunc) WriteDeadLetter(d DeadLetter) error { return f(d) }

// final is a sink's result: its rows sorted (append sinks) or its final
// table (upsert sinks).
func (r *parRun) final(t *testing.T, g *Graph, name string) [][]any {
	s := r.sinks[name]
	if s.spec.Upsert {
		return sortRows(applyUpserts(t, &Node{Keys: s.spec.Keys}, s.rows))
	}
	return sortRows(s.rows)
}

func sinkNames(g *Graph) []string {
	var out []string
	for _, n := range g.Nodes {
		if n.Kind == KindSink {
			out = append(out, n.Name)
		}
	}
	return out
}

// sameRows compares exactly: the lanes hand every operator its keys' rows
// in the order one lane would, so even float sums agree to the bit.
func sameRows(a, b [][]any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if rowKey(a[i]) != rowKey(b[i]) || fmt.Sprint(a[i]) != fmt.Sprint(b[i]) {
			return false
		}
	}
	return true
}

func compareRuns(t *testing.T, g *Graph, want, got *parRun, what string) {
	t.Helper()
	for _, name := range sinkNames(g) {
		w, h := want.final(t, g, name), got.final(t, g, name)
		if len(w) == 0 {
			t.Fatalf("%s: sink %s got no rows even with one lane: the test is void", what, name)
		}
		if !sameRows(w, h) {
			t.Fatalf("%s: sink %s differs from one lane:\nwant %d rows\n%s\ngot %d rows\n%s", what, name,
				len(w), fmtRows(w), len(h), fmtRows(h))
		}
	}
}

// Random events through every keyed operator give the same rows with 2,
// 3 and 4 lanes as with one, late events included.
func TestParallelMatchesOneLane(t *testing.T) {
	for _, seed := range []int64{1, 2} {
		alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
		batches, parts := parInput(t, alloc, 6000, seed, int(seed*2-1))
		g := parGraph(15)
		one, err := runPar(t, g, batches, parts, alloc, parConfig{p: 1})
		if err != nil {
			t.Fatal(err)
		}
		if seed == 1 && (one.late == 0 || one.dead == 0) {
			t.Fatalf("no late events (%d, %d dead letters): the test is weak", one.late, one.dead)
		}
		for _, p := range []int{2, 3, 4} {
			got, err := runPar(t, g, batches, parts, alloc, parConfig{p: p})
			if err != nil {
				t.Fatalf("P=%d: %v", p, err)
			}
			compareRuns(t, g, one, got, fmt.Sprintf("seed %d P=%d", seed, p))
			if got.late != one.late || got.dead != one.dead {
				t.Fatalf("P=%d: %d late and %d dead letters, one lane %d and %d", p, got.late, got.dead, one.late, one.dead)
			}
		}
		for _, b := range batches {
			b.Release()
		}
		alloc.AssertSize(t, 0)
	}
}

// A job stopped at any checkpoint and resumed from it with the rows
// committed with it gives exactly the uninterrupted output, with two
// lanes; a checkpoint taken with two lanes is refused with three.
func TestParallelResumeFromCheckpoints(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	batches, parts := parInput(t, alloc, 3000, 7, 1)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	g := parGraph(15)
	want, err := runPar(t, g, batches, parts, alloc, parConfig{p: 1})
	if err != nil {
		t.Fatal(err)
	}
	run, err := runPar(t, g, batches, parts, alloc, parConfig{p: 2, interval: 2 * time.Millisecond, delay: 200 * time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	compareRuns(t, g, want, run, "checkpointed P=2")
	if len(run.cps) < 4 {
		t.Fatalf("only %d checkpoints: the test is weak", len(run.cps))
	}
	for i, pc := range run.cps {
		if pc.cp.Parallelism != 2 {
			t.Fatalf("checkpoint %d records parallelism %d", i, pc.cp.Parallelism)
		}
		if i%max(1, len(run.cps)/6) != 0 && i != len(run.cps)-2 {
			continue
		}
		prefill := map[string][][]any{}
		for name, n := range pc.rows {
			prefill[name] = run.sinks[name].rows[:n]
		}
		got, err := runPar(t, g, batches, parts, alloc, parConfig{p: 2, restore: pc.cp, prefill: prefill})
		if err != nil {
			t.Fatalf("resume from checkpoint %d: %v", i, err)
		}
		compareRuns(t, g, want, got, fmt.Sprintf("resumed from checkpoint %d of %d", i, len(run.cps)))
	}
	_, err = runPar(t, g, batches, parts, alloc, parConfig{p: 3, restore: run.cps[0].cp})
	if !errors.Is(err, ErrIncompatibleCheckpoint) || !strings.Contains(err.Error(), "parallelism 2") {
		t.Fatalf("restoring a P=2 checkpoint with P=3: %v", err)
	}
}

// panicky panics in Push after some batches, in whichever lane holds it.
type panicky struct {
	Operator
	n  *int64
	mu *sync.Mutex
}

func (p *panicky) Push(port int, b arrow.RecordBatch) error {
	p.mu.Lock()
	*p.n++
	boom := *p.n == 40
	p.mu.Unlock()
	if boom {
		panic("boom")
	}
	return p.Operator.Push(port, b)
}

func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left running (%d before):\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// An operator panicking in a lane, a failing source and a cancel each
// end the job (an error for the first two) with no goroutine left and no
// Arrow memory leaked.
func TestParallelStopsCleanly(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	batches, parts := parInput(t, alloc, 3000, 9, 3)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	g := parGraph(15)
	before := runtime.NumGoroutine()

	var n int64
	var mu sync.Mutex
	_, err := runPar(t, g, batches, parts, alloc, parConfig{p: 3, newOp: func(nd *Node, in []*arrow.Schema) (Operator, error) {
		op, err := NewOperator(nd, in)
		if err != nil || nd.Name != "sessions" {
			return op, err
		}
		return &panicky{Operator: op, n: &n, mu: &mu}, nil
	}})
	if err == nil || !strings.Contains(err.Error(), "internal error in lane") || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("panic in a lane: %v", err)
	}
	waitGoroutines(t, before)

	_, err = runPar(t, g, batches, parts, alloc, parConfig{p: 2, failAt: 20})
	if err == nil || !strings.Contains(err.Error(), "broker went away") {
		t.Fatalf("failing source: %v", err)
	}
	waitGoroutines(t, before)

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	r, err := runPar(t, g, batches, parts, alloc, parConfig{p: 4, endless: true, ctx: ctx, delay: 100 * time.Microsecond})
	if err != nil {
		t.Fatalf("cancelled: %v", err)
	}
	if len(r.sinks["updating"].rows) == 0 {
		t.Fatal("cancelled job committed nothing")
	}
	waitGoroutines(t, before)
}

// seqSpec declares per-port partition keys, as a join would.
type seqSpec struct{ keys [][]expr.Expr }

func (s *seqSpec) PartitionKeys() [][]expr.Expr { return s.keys }

// seqOp folds, per key, every row it gets (port, id) and the watermark in
// force when it came into a hash, and emits (key, hash) at the end: two
// runs agree only if every key saw the same rows in the same order,
// interleaved with the same watermarks.
type seqOp struct {
	out   Emitter
	alloc memory.Allocator
	kcol  []int
	wm    int64
	h     map[string]uint64
}

var seqSchema = schema(field("k", tStr), field("h", tBig))

func (s *seqOp) Open(ctx *OpContext, out Emitter) error {
	s.out, s.alloc, s.h = out, ctx.Alloc, map[string]uint64{}
	return nil
}

func (s *seqOp) Push(port int, b arrow.RecordBatch) error {
	for _, row := range batchRows(b) {
		k := fmt.Sprint(row[s.kcol[port]])
		h := s.h[k]
		for _, w := range []uint64{uint64(port), uint64(row[evID].(int64)), uint64(s.wm)} {
			h = mix(h, w)
		}
		s.h[k] = h
	}
	return nil
}

func (s *seqOp) Watermark(wm int64) error {
	s.wm = wm
	if wm != MaxWatermark || len(s.h) == 0 {
		return nil
	}
	bld := array.NewRecordBuilder(s.alloc, seqSchema)
	defer bld.Release()
	for k, h := range s.h {
		bld.Field(0).(*array.StringBuilder).Append(k)
		bld.Field(1).(*array.Int64Builder).Append(int64(h))
	}
	b := bld.NewRecordBatch()
	defer b.Release()
	return s.out.Emit(b)
}

func (s *seqOp) Close() error { return nil }

// Every key of a two-port keyed operator sees its rows from both ports
// and the watermarks in the same order with 1, 2 and 3 lanes: the
// exchanges hand rows over in the order one lane produces them.
func TestParallelKeepsPerKeyOrder(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	batches, parts := parInput(t, alloc, 5000, 11, 2)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	sinkSpec := &SinkSpec{Name: "seq", Connector: "mem", Schema: seqSchema}
	g := &Graph{Nodes: []*Node{
		{ID: 0, Kind: KindSource, Name: "src", Schema: evSchema, EventTime: evTs,
			Spec: &SourceSpec{Name: "src", Connector: "replay", Schema: evSchema, EventTime: evTs, WatermarkDelay: 10, IdleTimeoutMs: -1}},
		{ID: 1, Kind: KindFilter, Name: "flagged", Inputs: []int{0}, Schema: evSchema, Spec: &FilterSpec{Predicate: evCol(evFlag)}},
		{ID: 2, Kind: KindHashAggregate, Name: "seq", Inputs: []int{0, 1}, Schema: seqSchema,
			Spec: &seqSpec{keys: [][]expr.Expr{{evCol(evK)}, {evCol(evS)}}}},
		{ID: 3, Kind: KindSink, Name: "seq", Inputs: []int{2}, Schema: seqSchema, Spec: sinkSpec},
	}}
	newOp := func(n *Node, in []*arrow.Schema) (Operator, error) {
		if n.Name == "seq" {
			return &seqOp{kcol: []int{evK, evS}}, nil
		}
		return NewOperator(n, in)
	}
	one, err := runPar(t, g, batches, parts, alloc, parConfig{p: 1, newOp: newOp})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []int{2, 3, 4} {
		got, err := runPar(t, g, batches, parts, alloc, parConfig{p: p, newOp: newOp})
		if err != nil {
			t.Fatal(err)
		}
		compareRuns(t, g, one, got, fmt.Sprintf("P=%d", p))
	}
}
