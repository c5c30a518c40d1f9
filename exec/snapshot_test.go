package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// Snapshots of real operator states, damaged every way a byte can be:
// Restore must refuse them with a clear error (or, when the damage still
// decodes to a consistent state, accept them), never panic, and an
// operator restored from anything it accepted must keep working.

// snapCase is an operator fed steps[:cut] before its snapshot.
type snapCase struct {
	name  string
	node  *Node
	in    *arrow.Schema
	steps []hstep
	cut   int
}

func snapCases() []snapCase {
	aggs, aggFields, _ := allAggs()
	deleted := field(expr.DeletedColumn, tBool)
	nulls := []int{evK, evI, evV, evD, evFlag, evS, evID}
	gen := withNulls(genEvents(genOpts{n: 600, keys: 12, seed: 11, step: 5, delay: 30, wmEvery: 50}), nulls, 3)
	win := &WindowSpec{Kind: TumbleWindow, Time: evCol(evTs), Size: 200}
	wgen := withNulls(genEvents(genOpts{n: 600, keys: 12, seed: 12, step: 3, delay: 60, wmEvery: 40, windowed: win}), nulls, 4)
	sgen := withNulls(genEvents(genOpts{n: 600, keys: 30, seed: 13, step: 2, delay: 100, wmEvery: 50}), []int{evK, evI, evV, evD, evFlag, evS}, 5)
	multiOut := schema(field("k", tStr), field("i", tInt), field("flag", tBool), field("d", tDec), field("n", tBig), field("sv", tDbl), deleted)
	seq := 0
	multi := mapRows(gen, func(row []any) []any {
		seq++
		row = append([]any(nil), row...)
		if row[evI] != nil {
			row[evI] = row[evI].(int32) % 3
		}
		if row[evD] != nil {
			row[evD] = []string{"1.00", "-2.50", "0.00"}[seq%3]
		}
		return row
	})
	return append([]snapCase{
		{
			name: "window assign",
			node: &Node{Kind: KindWindowAssign, Name: "w", Schema: withWindow(evSchema),
				Spec: &WindowAssignSpec{Window: WindowSpec{Kind: HopWindow, Time: evCol(evTs), Size: 100, Slide: 30}}},
			in: evSchema, steps: gen, cut: len(gen) / 2,
		},
		{
			name: "updating",
			node: &Node{Kind: KindHashAggregate, Name: "u", Upsert: true, Keys: []int{0},
				Schema: schema(append(append([]arrow.Field{field("k", tStr)}, aggFields...), deleted)...),
				Spec: &AggregateSpec{Keys: []expr.Expr{evCol(evK)}, Aggs: aggs, WindowStart: -1,
					Having: call("gt", tBool, col(1, "n", tBig), lit(int64(20), tBig))}},
			in: evSchema, steps: gen, cut: len(gen)/2 + 1, // mid-way between two watermarks: changed groups pending
		},
		{
			name: "updating multi-key",
			node: &Node{Kind: KindHashAggregate, Name: "m", Upsert: true, Keys: []int{0, 1, 2, 3}, Schema: multiOut,
				Spec: &AggregateSpec{Keys: []expr.Expr{evCol(evK), evCol(evI), evCol(evFlag), evCol(evD)}, WindowStart: -1,
					Aggs: []AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggSum, Arg: evCol(evV), Type: tDbl, Name: "sv"}}}},
			in: evSchema, steps: multi, cut: len(multi) / 2,
		},
		{
			name: "windowed",
			node: &Node{Kind: KindHashAggregate, Name: "t",
				Schema: schema(append([]arrow.Field{field("k", tStr), field("window_start", tTs), field("window_end", tTs)}, aggFields...)...),
				Spec:   &AggregateSpec{Keys: []expr.Expr{evCol(evK)}, Aggs: aggs, Window: win, WindowStart: 8}},
			in: withWindow(evSchema), steps: wgen, cut: len(wgen) / 2,
		},
		{
			name:  "session",
			node:  sessionNode(40, []expr.Expr{evCol(evK)}, []arrow.Field{field("k", tStr)}, aggs, aggFields),
			in:    evSchema,
			steps: sgen, cut: len(sgen) / 2,
		},
		{
			name: "top-N",
			node: topnNode(evSchema, &TopNSpec{Partition: []int{evK, evFlag}, Order: []SortKey{{Col: evD, Desc: true}, {Col: evS}}, N: 3}, false),
			in:   evSchema, steps: gen, cut: len(gen)/2 + 1,
		},
		{
			// SPEC §5's reference query (timeline_test.go), stopped with
			// pending events, open windows and interned strings.
			name: "timeline", node: specFixtureNode(), in: hbSchema, steps: tlSteps, cut: 4,
			// Restore checks the key rows' times (checkKeyTimes): a
			// damaged last-event time (byte 740 of this snapshot, noTime
			// -> ~8.6e17 ms with the checksum repaired) once made the next
			// watermark open 30 s windows up to it, for ever.
		},
	}, aggSnapCases()...)
}

var tlSteps = func() []hstep {
	evs := specFixtureRows()
	more := [][]any{hb("s2", 1000, "play", nil, "C3"), hb("s2", 12000, "buffer", "seek", nil), hb("s3", 5000, nil, nil, nil)}
	return []hstep{
		rows(append(evs[:3:3], more...)...), wmAt(9000), rows(evs[3:6]...), wmAt(29999), rows(evs[6]), wmAt(30000),
		rows(evs[7:]...), wmAt(36000), wmAt(60000), wmAt(MaxWatermark),
	}
}()

// discard is an emitter that keeps nothing.
var discard = EmitterFunc(func(arrow.RecordBatch) error { return nil })

func openSnapOp(t testing.TB, c *snapCase, alloc memory.Allocator) Operator {
	t.Helper()
	op, err := NewOperator(c.node, []*arrow.Schema{c.in})
	if err != nil {
		t.Fatalf("%s: NewOperator: %v", c.name, err)
	}
	if err := op.Open(&OpContext{Name: c.node.Name, Alloc: alloc, DeadLetters: DiscardDeadLetters, Metrics: &OpMetrics{}}, discard); err != nil {
		t.Fatalf("%s: Open: %v", c.name, err)
	}
	return op
}

// feedSteps pushes steps in batches of up to 64 rows; the first error
// is returned.
func feedSteps(t testing.TB, op Operator, alloc memory.Allocator, in *arrow.Schema, steps []hstep) error {
	for _, st := range steps {
		if st.isWM {
			if err := op.Watermark(st.wm); err != nil {
				return err
			}
			continue
		}
		for i := 0; i < len(st.rows); i += 64 {
			b := makeBatch(t, alloc, in, st.rows[i:min(i+64, len(st.rows))], 0)
			err := op.Push(0, b)
			b.Release()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// restInput is a short continuation of c's stream after the cut, built
// once (on an allocator of its own: operators only borrow batches); a
// nil batch is a watermark.
type restInput struct {
	batches []arrow.RecordBatch
	wms     []int64
}

func (c *snapCase) rest(t testing.TB) *restInput {
	ri := &restInput{}
	for _, st := range c.steps[c.cut:min(len(c.steps), c.cut+4)] {
		if st.isWM {
			ri.batches, ri.wms = append(ri.batches, nil), append(ri.wms, st.wm)
			continue
		}
		for i := 0; i < len(st.rows); i += 64 {
			ri.batches = append(ri.batches, makeBatch(t, memory.NewGoAllocator(), c.in, st.rows[i:min(i+64, len(st.rows))], 0))
			ri.wms = append(ri.wms, 0)
		}
	}
	return ri
}

// feed pushes the continuation; the first error is returned.
func (ri *restInput) feed(op Operator) error {
	if ri == nil {
		return nil
	}
	for i, b := range ri.batches {
		var err error
		if b == nil {
			err = op.Watermark(ri.wms[i])
		} else {
			err = op.Push(0, b)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *snapCase) snapshot(t testing.TB) []byte {
	t.Helper()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	op := openSnapOp(t, c, alloc)
	defer op.Close()
	if err := feedSteps(t, op, alloc, c.in, c.steps[:c.cut]); err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	var b bytes.Buffer
	if err := op.(Snapshotter).Snapshot(&b); err != nil {
		t.Fatalf("%s: Snapshot: %v", c.name, err)
	}
	return b.Bytes()
}

// fixCRC makes data's checksum trailer right again, so damage reaches
// the decoder instead of stopping at the checksum.
func fixCRC(data []byte) []byte {
	if len(data) < 8 {
		return data
	}
	out := append([]byte(nil), data...)
	binary.LittleEndian.PutUint32(out[len(out)-4:], crc32.Checksum(out[:len(out)-4], castagnoli))
	return out
}

// restoreChecked restores data into a fresh operator of c. A refusal
// must be one of the two snapshot errors; an accepted state must take
// the rest of the input (when rest is not nil) and the final watermark,
// give every Arrow byte back and snapshot again.
// restoreRunLimit bounds the time a restored state may take on the short
// continuation of its input (it takes milliseconds when sound).
const restoreRunLimit = 20 * time.Second

func restoreChecked(t testing.TB, c *snapCase, data []byte, rest *restInput) error {
	t.Helper()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	op := openSnapOp(t, c, alloc)
	defer op.Close()
	err := op.(Snapshotter).Restore(bytes.NewReader(data))
	if err != nil {
		if !errors.Is(err, ErrCorruptState) && !errors.Is(err, ErrIncompatibleState) {
			t.Fatalf("%s: Restore error %v wraps neither ErrCorruptState nor ErrIncompatibleState", c.name, err)
		}
		return err
	}
	// Whatever was accepted must run (given input to run on): errors (an
	// overflowing sum) are fine, panics and leaks are not.
	// The work is bounded: a damaged time must not make a watermark
	// open windows for ever (the operator's own checks must refuse it).
	if rest != nil {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = rest.feed(op)
			_ = op.Watermark(MaxWatermark)
		}()
		select {
		case <-done:
		case <-time.After(restoreRunLimit):
			panic(fmt.Sprintf("%s: an accepted restored state ran for over %v on a few rows of input", c.name, restoreRunLimit))
		}
	}
	var b bytes.Buffer
	if err := op.(Snapshotter).Snapshot(&b); err != nil && !strings.Contains(err.Error(), "inconsistent after an error") {
		t.Fatalf("%s: Snapshot after an accepted Restore: %v", c.name, err)
	}
	return nil
}

func TestSnapshotCorruption(t *testing.T) {
	for _, c := range snapCases() {
		t.Run(c.name, func(t *testing.T) {
			data := c.snapshot(t)
			rest := c.rest(t)
			if err := restoreChecked(t, &c, data, rest); err != nil {
				t.Fatalf("the intact snapshot: %v", err)
			}
			rng := rand.New(rand.NewSource(1))
			// sample is every position below 64 and in the last 16, and
			// about 200 others.
			sample := func(i int) bool {
				return i < 64 || i >= len(data)-16 || rng.Intn(max(1, len(data)/200)) == 0
			}
			// Every truncation is refused as corrupt.
			for n := 0; n < len(data); n++ {
				if !sample(n) {
					continue
				}
				if err := restoreChecked(t, &c, data[:n], nil); !errors.Is(err, ErrCorruptState) {
					t.Fatalf("truncated to %d of %d bytes: %v, want ErrCorruptState", n, len(data), err)
				}
			}
			// Every damaged byte is caught by the checksum; with the
			// checksum made right, it is refused or decodes to a state
			// that works; a body cut short is refused.
			for i := 0; i < len(data); i++ {
				if !sample(i) {
					continue
				}
				bad := append([]byte(nil), data...)
				bad[i] ^= byte(1 + rng.Intn(255))
				if err := restoreChecked(t, &c, bad, nil); !errors.Is(err, ErrCorruptState) {
					t.Fatalf("byte %d damaged: %v, want ErrCorruptState", i, err)
				}
				restoreChecked(t, &c, fixCRC(bad), rest)
				if i >= 10 && i < len(data)-4 {
					short := fixCRC(append(append([]byte(nil), data[:i]...), 0, 0, 0, 0))
					if err := restoreChecked(t, &c, short, nil); err == nil {
						t.Fatalf("a body cut at %d of %d bytes was accepted", i, len(data))
					}
				}
			}
		})
	}
}

var (
	fuzzOnce  sync.Once
	fuzzCases []snapCase
	fuzzSnaps [][]byte
	fuzzRest  []*restInput
)

// FuzzRestore feeds damaged real snapshots to Restore (go test -fuzz
// FuzzRestore). fix makes the checksum right so the damage reaches the
// decoder. Restore must never panic, and what it accepts must run.
func FuzzRestore(f *testing.F) {
	fuzzOnce.Do(func() {
		fuzzCases = snapCases()
		for i := range fuzzCases {
			fuzzSnaps = append(fuzzSnaps, fuzzCases[i].snapshot(f))
			fuzzRest = append(fuzzRest, fuzzCases[i].rest(f))
		}
	})
	for i, s := range fuzzSnaps {
		f.Add(uint8(i), s, false)
		f.Add(uint8(i), s, true)
		f.Add(uint8(i), s[:len(s)/2], true)
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte, fix bool) {
		k := int(which) % len(fuzzCases)
		if fix {
			data = fixCRC(data)
		}
		restoreChecked(t, &fuzzCases[k], data, fuzzRest[k])
	})
}

func TestSnapshotIncompatible(t *testing.T) {
	cases := snapCases()
	byName := map[string]*snapCase{}
	for i := range cases {
		byName[cases[i].name] = &cases[i]
	}
	// with returns a copy of case name whose node is changed by f.
	with := func(name string, f func(n *Node)) *snapCase {
		c := *byName[name]
		n := *c.node
		if spec, ok := n.Spec.(*AggregateSpec); ok {
			s := *spec
			s.Aggs = append([]AggFunc(nil), s.Aggs...)
			if s.Window != nil {
				w := *s.Window
				s.Window = &w
			}
			n.Spec = &s
		}
		if spec, ok := n.Spec.(*WindowAssignSpec); ok {
			s := *spec
			n.Spec = &s
		}
		f(&n)
		c.node = &n
		return &c
	}
	agg := func(n *Node) *AggregateSpec { return n.Spec.(*AggregateSpec) }
	snaps := map[string][]byte{}
	for _, c := range cases {
		snaps[c.name] = c.snapshot(t)
	}
	refused := []struct {
		from string
		into *snapCase
		want string
	}{
		{"windowed", with("windowed", func(n *Node) { agg(n).Window.Size = 300 }), `hash aggregate "t": its window changed (checkpoint: tumble 200ms on ts; now: tumble 300ms on ts)`},
		{"windowed", with("windowed", func(n *Node) { agg(n).Aggs[1].Arg = evCol(evI); agg(n).Aggs[1].Name = "ni" }), "its aggregates changed"},
		{"updating", with("updating", func(n *Node) { agg(n).Keys = []expr.Expr{evCol(evS)} }), "its group keys changed (checkpoint: [k utf8]; now: [s utf8])"},
		{"updating", with("updating", func(n *Node) { agg(n).Having = nil }), "its having changed (checkpoint: gt(n, 20); now: none)"},
		{"session", with("session", func(n *Node) { agg(n).Window.Gap = 41 }), "its window changed (checkpoint: session gap 40ms on ts; now: session gap 41ms on ts)"},
		{"window assign", with("window assign", func(n *Node) {
			w := n.Spec.(*WindowAssignSpec).Window
			w.Slide = 20
			n.Spec = &WindowAssignSpec{Window: w}
		}), "its window changed (checkpoint: hop 100ms every 30ms on ts; now: hop 100ms every 20ms on ts)"},
		{"window assign", byName["windowed"], `hash aggregate "t": the checkpoint holds the state of a window assign`},
		{"session", byName["updating"], "holds the state of a session aggregate"},
		{"windowed", byName["updating"], "its mode changed (checkpoint: windowed; now: updating)"},
		{"updating", byName["windowed"], "its mode changed (checkpoint: updating; now: windowed)"},
		{"updating", byName["updating multi-key"], "its group keys changed"},
	}
	for _, r := range refused {
		err := restoreChecked(t, r.into, snaps[r.from], nil)
		if !errors.Is(err, ErrIncompatibleState) || !strings.Contains(err.Error(), r.want) {
			t.Errorf("restoring %s into %s: %v, want ErrIncompatibleState saying %q", r.from, r.into.name, err, r.want)
		}
	}
	// A windowed aggregate's HAVING only filters what it emits: the state
	// still fits.
	other := with("windowed", func(n *Node) { agg(n).Having = call("gt", tBool, col(3, "n", tBig), lit(int64(1), tBig)) })
	if err := restoreChecked(t, other, snaps["windowed"], other.rest(t)); err != nil {
		t.Errorf("a windowed aggregate with another HAVING refused the state: %v", err)
	}
	// A newer format version is refused as such.
	v2 := append([]byte(nil), snaps["session"]...)
	binary.LittleEndian.PutUint16(v2[4:], snapVersion+1)
	if err := restoreChecked(t, byName["session"], fixCRC(v2), nil); !errors.Is(err, ErrIncompatibleState) || !strings.Contains(err.Error(), "format version 2") {
		t.Errorf("a version 2 snapshot: %v", err)
	}
}

// The runtime resumes a job of real stateful operators (window assign
// into a windowed aggregate, an updating aggregate, a session aggregate)
// from each of its checkpoints: the output committed with the checkpoint
// plus the resumed run's is exactly the uninterrupted run's, on every
// sink, late events included.
func TestJobResumesStatefulOperators(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	var batches []scriptBatch
	for i := int64(0); i < 80; i++ {
		var ts []int64
		for j := 0; j < 4; j++ {
			ts = append(ts, max(0, i*20+rng.Int63n(40)-25)) // out of order, some late
		}
		if i%9 == 4 {
			ts = append(ts, -1) // NULL time
		}
		batches = append(batches, scriptBatch{0, ts})
	}
	full, cps := runStateful(t, batches, nil)
	if len(cps) < 3 {
		t.Fatalf("only %d checkpoints were taken; the test needs several", len(cps))
	}
	for i, c := range cps {
		cp, err := DecodeCheckpoint(c.cp)
		if err != nil {
			t.Fatal(err)
		}
		resumed, _ := runStateful(t, batches, cp)
		for s := range full.rows {
			got := append(append([][]any{}, full.rows[s][:c.rows[s]]...), resumed.rows[s]...)
			if !rowsEqual(got, full.rows[s]) {
				t.Fatalf("checkpoint %d (epoch %d), sink %d: resumed output differs\ngot:\n%swant:\n%s", i, cp.Epoch, s, fmtRows(got), fmtRows(full.rows[s]))
			}
		}
	}
}

// multiSink collects the rows of several sinks.
type multiSink struct{ rows [][][]any }

type sinkOp struct {
	m *multiSink
	i int
}

func (s *sinkOp) Open(*OpContext, Emitter) error { return nil }
func (s *sinkOp) Push(_ int, b arrow.RecordBatch) error {
	s.m.rows[s.i] = append(s.m.rows[s.i], batchRows(b)...)
	return nil
}
func (s *sinkOp) Watermark(int64) error { return nil }
func (s *sinkOp) Close() error          { return nil }

type statefulCommit struct {
	cp   []byte
	rows []int
}

func runStateful(t *testing.T, batches []scriptBatch, restore *Checkpoint) (*multiSink, []statefulCommit) {
	t.Helper()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	in := schema(field("ts", tTs))
	ts := col(0, "ts", tTs)
	tumble := WindowSpec{Kind: TumbleWindow, Time: ts, Size: 100}
	countMin := []AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggMin, Arg: ts, Type: tTs, Name: "first"}}
	winOut := schema(field("ts", tTs), field("window_start", tTs), field("window_end", tTs))
	aggOut := schema(field("window_start", tTs), field("window_end", tTs), field("n", tBig), field("first", tTs))
	updOut := schema(field("n", tBig), field("first", tTs), field(expr.DeletedColumn, tBool))
	m := &multiSink{rows: make([][][]any, 3)}
	sink := func(id, input, i int, sc *arrow.Schema) *Node {
		return &Node{ID: id, Kind: KindSink, Name: fmt.Sprintf("out%d", i), Inputs: []int{input}, Schema: sc,
			Spec: &SinkSpec{Name: fmt.Sprintf("out%d", i), Connector: "rec", Options: map[string]string{"i": fmt.Sprint(i)}}}
	}
	g := &Graph{Nodes: []*Node{
		{ID: 0, Kind: KindSource, Name: "src", Schema: in, EventTime: 0,
			Spec: &SourceSpec{Name: "src", Connector: "script", Schema: in, EventTime: 0, WatermarkDelay: 30, IdleTimeoutMs: -1}},
		{ID: 1, Kind: KindWindowAssign, Name: "w", Inputs: []int{0}, Schema: winOut, EventTime: 0, Spec: &WindowAssignSpec{Window: tumble}},
		{ID: 2, Kind: KindHashAggregate, Name: "tumble", Inputs: []int{1}, Schema: aggOut, EventTime: -1,
			Spec: &AggregateSpec{Aggs: countMin, Window: &tumble, WindowStart: 1}},
		{ID: 3, Kind: KindHashAggregate, Name: "total", Inputs: []int{0}, Schema: updOut, EventTime: -1, Upsert: true,
			Spec: &AggregateSpec{Aggs: countMin, WindowStart: -1}},
		{ID: 4, Kind: KindSessionAggregate, Name: "sessions", Inputs: []int{0}, Schema: aggOut, EventTime: -1,
			Spec: &AggregateSpec{Aggs: countMin, WindowStart: -1, Window: &WindowSpec{Kind: SessionWindow, Time: ts, Gap: 15}}},
		sink(5, 2, 0, aggOut), sink(6, 3, 1, updOut), sink(7, 4, 2, aggOut),
	}}
	src := &resumableSource{scriptedSource: scriptedSource{schema: in, batches: batches, parts: []int32{0}}, delay: time.Millisecond}
	var cps []statefulCommit
	j, err := NewJob(g, Connectors{
		Sources: map[string]SourceFactory{"script": func(*SourceSpec) (SourceReader, error) { return src, nil }},
		Sinks: map[string]SinkFactory{"rec": func(s *SinkSpec) (Operator, error) {
			var i int
			fmt.Sscan(s.Options["i"], &i)
			return &sinkOp{m: m, i: i}, nil
		}},
	}, JobOptions{Alloc: alloc, CommitInterval: 4 * time.Millisecond, Restore: restore, NewOperator: NewOperator,
		Checkpoint: func(_ context.Context, cp *Checkpoint) error {
			c := statefulCommit{cp: cp.Encode()}
			for _, r := range m.rows {
				c.rows = append(c.rows, len(r))
			}
			cps = append(cps, c)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m, cps
}

// ---- benchmarks

// BenchmarkSnapshot / BenchmarkRestore: an updating HashAggregate of 100k
// int64 groups with count(*), sum, avg and max (the benchmark
// aggregates), and one with a string key and count(DISTINCT) as well.
func benchSnapOp(b *testing.B, withDistinct bool) (Operator, *Node, *arrow.Schema) {
	const groups = 100_000
	batches, sc := benchBatches(b, 400, groups, nil) // ~4 rows per group: every group seen
	aggs, af := benchAggs()
	keys := []expr.Expr{col(0, "key", tBig)}
	kf := []arrow.Field{field("key", tBig)}
	if withDistinct {
		aggs = append(aggs, AggFunc{Kind: AggCountDistinct, Arg: col(3, "s", tStr), Type: tBig, Name: "ds"})
		af = append(af, field("ds", tBig))
		keys = []expr.Expr{call("cast", tStr, col(0, "key", tBig))}
		kf = []arrow.Field{field("key", tStr)}
	}
	out := schema(append(append(kf, af...), field(expr.DeletedColumn, tBool))...)
	n := &Node{Kind: KindHashAggregate, Schema: out, Upsert: true, Keys: []int{0},
		Spec: &AggregateSpec{Keys: keys, Aggs: aggs, WindowStart: -1}}
	op, _ := openBench(b, n, sc)
	for i, bt := range batches {
		if err := op.Push(0, bt); err != nil {
			b.Fatal(err)
		}
		if i == len(batches)/2 {
			if err := op.Watermark(1); err != nil { // half the groups stay changed
				b.Fatal(err)
			}
		}
	}
	return op, n, sc
}

func BenchmarkSnapshot(b *testing.B) {
	for _, d := range []bool{false, true} {
		b.Run(fmt.Sprintf("groups=100k/distinct=%v", d), func(b *testing.B) {
			op, _, _ := benchSnapOp(b, d)
			var buf bytes.Buffer
			if err := op.(Snapshotter).Snapshot(&buf); err != nil {
				b.Fatal(err)
			}
			size := buf.Len()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				buf.Reset()
				if err := op.(Snapshotter).Snapshot(&buf); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(size))
			b.ReportMetric(float64(size), "snapshot-bytes")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/snapshot")
		})
	}
}

func BenchmarkRestore(b *testing.B) {
	for _, d := range []bool{false, true} {
		b.Run(fmt.Sprintf("groups=100k/distinct=%v", d), func(b *testing.B) {
			op, n, sc := benchSnapOp(b, d)
			var buf bytes.Buffer
			if err := op.(Snapshotter).Snapshot(&buf); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				fresh, _ := openBench(b, n, sc)
				b.StartTimer()
				if err := fresh.(Snapshotter).Restore(bytes.NewReader(buf.Bytes())); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				fresh.Close()
				b.StartTimer()
			}
			b.SetBytes(int64(buf.Len()))
			b.ReportMetric(float64(buf.Len()), "snapshot-bytes")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/restore")
		})
	}
}

// Every byte of a timeline snapshot damaged in turn, with the checksum
// repaired (the sampled corruption test may miss the key rows' time
// words): each state is refused or runs the rest of the input within
// restoreRunLimit. 0x8c turns the noTime marker's top byte 0x80 into
// 0x0c, the damage that once made the next watermark loop.
func TestTimelineRestoreDamagedTimes(t *testing.T) {
	var c snapCase
	for _, x := range snapCases() {
		if x.name == "timeline" {
			c = x
		}
	}
	data := c.snapshot(t)
	rest := c.rest(t)
	refused := 0
	for i := range data[:len(data)-4] {
		bad := append([]byte(nil), data...)
		bad[i] ^= 0x8c
		if restoreChecked(t, &c, fixCRC(bad), rest) != nil {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("no damaged snapshot was refused")
	}
}
