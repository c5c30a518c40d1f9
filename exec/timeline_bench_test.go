package exec

import (
	"fmt"
	"math/rand"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkTimelineCIR runs SPEC §5's CIR query (4 states, one
// tl_duration_where; 1 min tumble windows, timeline_ttl 5 min) over
// 100,000 concurrent video sessions: heartbeats of random sessions, about
// one every 10 s per session, out of order by up to 1 s, a watermark (max
// time - 2 s) after every 1024-event batch. It reports events/s on one
// core and the operator's state per live session, counted exactly from
// its slices (B/session) and as the heap growth after a GC
// (heapB/session).
func BenchmarkTimelineCIR(b *testing.B) {
	const sessions = 100_000
	node := specFixtureNode()
	spec := node.Spec.(*TimelineSpec)
	spec.Aggs = spec.Aggs[:1] // cir_ms
	spec.TTL = 5 * 60_000
	spec.Window.Size = 60_000
	node.Schema = schema(node.Schema.Fields()[:4]...)

	gen := newHBGen(sessions, 1)
	alloc := memory.NewGoAllocator()
	// A ring of pre-built batches; only event times are made per batch.
	const ring = 256
	tmpl := make([]arrow.RecordBatch, ring)
	for i := range tmpl {
		tmpl[i], _ = gen.next(alloc)
	}
	defer func() {
		for _, t := range tmpl {
			t.Release()
		}
	}()
	gen.drop()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	op, err := NewOperator(node, []*arrow.Schema{hbSchema})
	if err != nil {
		b.Fatal(err)
	}
	out := &countingEmitter{}
	ctx := &OpContext{Name: "cir", Alloc: alloc, Metrics: &OpMetrics{}}
	if err := op.Open(ctx, out); err != nil {
		b.Fatal(err)
	}
	tl := op.(*TimelineAggregate)
	rng := rand.New(rand.NewSource(2))
	acc, step, maxT := 0.0, 10_000/float64(sessions), int64(0)
	ts := make([]int64, hbBatch)
	nb := 0
	push := func() {
		for i := range ts {
			acc += step
			ts[i] = max(0, int64(acc)-rng.Int63n(1000))
			maxT = max(maxT, ts[i])
		}
		tcol := int64Array(alloc, tTs, ts, 0)
		t := tmpl[nb%ring]
		nb++
		cols := append([]arrow.Array(nil), t.Columns()...)
		cols[hbTs] = tcol
		batch := array.NewRecordBatch(hbSchema, cols, hbBatch)
		tcol.Release()
		wm := maxT - 2000
		if err := op.Push(0, batch); err != nil {
			b.Fatal(err)
		}
		batch.Release()
		if err := op.Watermark(wm); err != nil {
			b.Fatal(err)
		}
	}
	// Warm up: every session seen, windows rolling.
	for i := 0; i < 1500; i++ {
		push()
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		push()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N*hbBatch)/elapsed.Seconds(), "events/s")
	live := tl.liveKeys
	b.ReportMetric(float64(timelineStateBytes(tl))/float64(live), "B/session")
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(live), "heapB/session")
	if live < sessions*9/10 {
		b.Fatalf("only %d live sessions", live)
	}
	runtime.KeepAlive(op)
	_ = op.Close()
}

const hbBatch = 1024

// hbGen makes heartbeat batches: events of random sessions, event time
// advancing 10 s / sessions per event, each event shifted back by up to
// 1 s; most fields NULL (sparse patches).
type hbGen struct {
	rng      *rand.Rand
	sessions int
	names    []string
	t, maxT  int64
	step     float64
	acc      float64
	ts       []int64
}

func newHBGen(sessions int, seed int64) *hbGen {
	g := &hbGen{rng: rand.New(rand.NewSource(seed)), sessions: sessions, step: 10_000 / float64(sessions)}
	g.names = make([]string, sessions)
	for i := range g.names {
		g.names[i] = fmt.Sprintf("session-%07d", i)
	}
	g.ts = make([]int64, hbBatch)
	return g
}

func (g *hbGen) drop() { g.names = nil }

var hbPlayers = []string{"play", "play", "play", "buffer", "stopped"}

func (g *hbGen) next(alloc memory.Allocator) (arrow.RecordBatch, int64) {
	bld := array.NewRecordBuilder(alloc, hbSchema)
	defer bld.Release()
	sid := bld.Field(hbSession).(*array.StringBuilder)
	ts := bld.Field(hbTs).(*array.TimestampBuilder)
	pl := bld.Field(hbPlayer).(*array.StringBuilder)
	ac := bld.Field(hbAction).(*array.StringBuilder)
	cdn := bld.Field(hbCdn).(*array.StringBuilder)
	br := bld.Field(hbBitrate).(*array.Float64Builder)
	for i := 0; i < hbBatch; i++ {
		g.acc += g.step
		g.t = int64(g.acc)
		t := max(0, g.t-g.rng.Int63n(1000))
		g.maxT = max(g.maxT, t)
		sid.Append(g.names[g.rng.Intn(g.sessions)])
		ts.Append(arrow.Timestamp(t))
		switch x := g.rng.Intn(100); {
		case x < 25:
			pl.Append(hbPlayers[g.rng.Intn(len(hbPlayers))])
		default:
			pl.AppendNull()
		}
		if g.rng.Intn(50) == 0 {
			ac.Append("seek")
		} else {
			ac.AppendNull()
		}
		if g.rng.Intn(40) == 0 {
			cdn.Append([]string{"C1", "C2", "C3"}[g.rng.Intn(3)])
		} else {
			cdn.AppendNull()
		}
		if g.rng.Intn(2) == 0 {
			br.Append(float64(g.rng.Intn(8000)))
		} else {
			br.AppendNull()
		}
	}
	return bld.NewRecordBatch(), g.maxT - 2000
}

// timelineStateBytes counts the memory the operator's state holds: the
// capacity of every slice it keeps between batches.
func timelineStateBytes(a *TimelineAggregate) int64 {
	var n int64
	add := func(capacity, size int) { n += int64(capacity) * int64(size) }
	words := func(w *tlWords) {
		add(cap(w.w), 8)
		add(cap(w.hi), 8)
		add(cap(w.ok), 1)
	}
	kt := func(t *keyTable) {
		for c := range t.cols {
			st := &t.cols[c]
			add(cap(st.words), 8)
			add(cap(st.hi), 8)
			add(cap(st.offs), int(unsafe.Sizeof(int(0))))
			add(cap(st.arena), 1)
			add(cap(st.nulls), 1)
		}
		add(cap(t.hashes), 8)
		add(cap(t.wslots), 4)
		add(cap(t.slots), 8)
	}
	kt(a.kt)
	kt(a.dict.t)
	add(cap(a.kRows), 8)
	add(cap(a.aRows), 8)
	add(cap(a.aFree), 4)
	add(cap(a.pTime), 8)
	add(cap(a.pNext), 4)
	add(cap(a.pFree), 4)
	for j := range a.plainIn {
		words(&a.plainIn[j])
	}
	for _, s := range a.states {
		words(&s.pv)
	}
	for _, g := range a.aggs {
		add(cap(g.pStart), 1)
		add(cap(g.pEnd), 1)
	}
	add(cap(a.plain.rows.buf), 8)
	q := &a.queue
	add(cap(q.heap), int(unsafe.Sizeof(tlDue{})))
	for _, b := range q.ring {
		add(cap(b), int(unsafe.Sizeof(tlDue{})))
	}
	for _, b := range q.far {
		add(cap(b), int(unsafe.Sizeof(tlDue{})))
	}
	add(cap(a.dueMark), 8)
	return n
}

// BenchmarkTimelineChurn is the CIR query over sessions that come and go:
// each event belongs to one of 20,000 consecutive session ids that slide
// forward (a session lives about 40 s of event time, timeline_ttl 30 s),
// so keys are freed and the key table compacted as the stream goes. It
// reports events/s (input building included) and the live sessions and
// key table size at the end, which must stay bounded by the sessions
// alive, not those ever seen.
func BenchmarkTimelineChurn(b *testing.B) {
	node := specFixtureNode()
	spec := node.Spec.(*TimelineSpec)
	spec.Aggs = spec.Aggs[:1]
	spec.TTL = 30_000
	spec.Window.Size = 60_000
	node.Schema = schema(node.Schema.Fields()[:4]...)
	alloc := memory.NewGoAllocator()
	op, err := NewOperator(node, []*arrow.Schema{hbSchema})
	if err != nil {
		b.Fatal(err)
	}
	ctx := &OpContext{Name: "churn", Alloc: alloc, Metrics: &OpMetrics{}}
	if err := op.Open(ctx, &countingEmitter{}); err != nil {
		b.Fatal(err)
	}
	tl := op.(*TimelineAggregate)
	rng := rand.New(rand.NewSource(4))
	const window = 20_000
	t, maxT, seen := int64(0), int64(0), 0
	push := func() {
		bld := array.NewRecordBuilder(alloc, hbSchema)
		for i := 0; i < hbBatch; i++ {
			t++ // 1000 events/s of event time
			ts := max(0, t-rng.Int63n(500))
			maxT = max(maxT, ts)
			// Session ids slide forward by one every 2 ms: an id is drawn
			// for about 40 s.
			id := int(t/2) + rng.Intn(window)
			seen = max(seen, id)
			bld.Field(hbSession).(*array.StringBuilder).Append(fmt.Sprintf("s%09d", id))
			bld.Field(hbTs).(*array.TimestampBuilder).Append(arrow.Timestamp(ts))
			bld.Field(hbPlayer).(*array.StringBuilder).Append(hbPlayers[rng.Intn(len(hbPlayers))])
			bld.Field(hbAction).(*array.StringBuilder).AppendNull()
			bld.Field(hbCdn).(*array.StringBuilder).Append("C1")
			bld.Field(hbBitrate).(*array.Float64Builder).AppendNull()
		}
		batch := bld.NewRecordBatch()
		bld.Release()
		if err := op.Push(0, batch); err != nil {
			b.Fatal(err)
		}
		batch.Release()
		if err := op.Watermark(maxT - 1000); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		push()
	}
	b.ReportMetric(float64(b.N*hbBatch)/time.Since(start).Seconds(), "events/s")
	b.ReportMetric(float64(tl.liveKeys), "live")
	b.ReportMetric(float64(tl.kt.n), "keys")
	b.ReportMetric(float64(seen), "seen")
	if b.N >= 1000 && tl.kt.n > 4*max(tl.liveKeys, tlCompactMin) {
		b.Fatalf("key table holds %d keys for %d live sessions", tl.kt.n, tl.liveKeys)
	}
	_ = op.Close()
}
