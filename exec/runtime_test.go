package exec

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// scriptedSource replays fixed (partition, timestamps) batches, then EOF.
type scriptedSource struct {
	schema  *arrow.Schema
	alloc   memory.Allocator
	batches []scriptBatch
	parts   []int32
	i       int
}

type scriptBatch struct {
	part int32
	ts   []int64
}

func (s *scriptedSource) Schema() *arrow.Schema { return s.schema }
func (s *scriptedSource) Open(_ context.Context, a memory.Allocator, _ DeadLetterWriter) error {
	s.alloc = a
	return nil
}
func (s *scriptedSource) Partitions() []int32 { return s.parts }
func (s *scriptedSource) Close() error        { return nil }
func (s *scriptedSource) Read(ctx context.Context) (SourceBatch, error) {
	if s.i >= len(s.batches) {
		return SourceBatch{}, io.EOF
	}
	sb := s.batches[s.i]
	s.i++
	b := array.NewTimestampBuilder(s.alloc, expr.TypeTimestamp.(*arrow.TimestampType))
	defer b.Release()
	for _, t := range sb.ts {
		if t < 0 {
			b.AppendNull()
		} else {
			b.Append(arrow.Timestamp(t))
		}
	}
	col := b.NewArray()
	defer col.Release()
	return SourceBatch{Partition: sb.part, Records: array.NewRecordBatch(s.schema, []arrow.Array{col}, int64(len(sb.ts)))}, nil
}

// lateRecorder is a sink that records, for every row, whether it was behind
// the last watermark it received, plus the watermarks.
type lateRecorder struct {
	wm    int64
	rows  []int64
	late  []bool
	seen  []int64 // the watermark in force when each row arrived
	marks []int64
}

func (r *lateRecorder) Open(*OpContext, Emitter) error { r.wm = MinWatermark; return nil }
func (r *lateRecorder) Push(_ int, b arrow.RecordBatch) error {
	for _, t := range b.Column(0).(*array.Timestamp).TimestampValues() {
		r.rows = append(r.rows, int64(t))
		r.late = append(r.late, int64(t) < r.wm)
		r.seen = append(r.seen, r.wm)
	}
	return nil
}
func (r *lateRecorder) Watermark(wm int64) error {
	r.wm = wm
	r.marks = append(r.marks, wm)
	return nil
}
func (r *lateRecorder) Close() error { return nil }

func runScripted(t *testing.T, batches []scriptBatch, parts []int32, delay int64) *lateRecorder {
	t.Helper()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: expr.TypeTimestamp, Nullable: true}}, nil)
	src := &scriptedSource{schema: schema, batches: batches, parts: parts}
	rec := &lateRecorder{}
	g := &Graph{Nodes: []*Node{
		{ID: 0, Kind: KindSource, Name: "src", Schema: schema, EventTime: 0,
			Spec: &SourceSpec{Name: "src", Connector: "script", Schema: schema, EventTime: 0, WatermarkDelay: delay, IdleTimeoutMs: -1}},
		{ID: 1, Kind: KindSink, Name: "out", Inputs: []int{0}, Schema: schema, Spec: &SinkSpec{Name: "out", Connector: "rec"}},
	}}
	conns := Connectors{
		Sources: map[string]SourceFactory{"script": func(*SourceSpec) (SourceReader, error) { return src, nil }},
		Sinks:   map[string]SinkFactory{"rec": func(*SinkSpec) (Operator, error) { return rec, nil }},
	}
	j, err := NewJob(g, conns, JobOptions{Alloc: alloc})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return rec
}

func split(ts []int64, size int, part int32) []scriptBatch {
	var out []scriptBatch
	for i := 0; i < len(ts); i += size {
		out = append(out, scriptBatch{part, ts[i:min(i+size, len(ts))]})
	}
	return out
}

// Whether a row is late must not depend on how the connector batched it.
func TestLatenessIndependentOfBatching(t *testing.T) {
	ts := []int64{100, 105, 90, 120, 101, 97, 130, 131, 110, 124, 200, 180, 195, 150, 300, 185}
	want := runScripted(t, split(ts, 1, 0), []int32{0}, 10)
	lateCount := 0
	for _, l := range want.late {
		if l {
			lateCount++
		}
	}
	// Hand-computed with delay 10: 90 (wm 95), 101 (wm 110), 97, 110 (wm 121),
	// 180 (wm 190), 150, and 185 (wm 290; already behind the 190 that
	// downstream knew) are behind the watermark when they arrive.
	if lateCount != 7 {
		t.Fatalf("batch size 1: %d late rows, want 7 (%v)", lateCount, want.late)
	}
	for _, size := range []int{2, 3, 7, 1024} {
		got := runScripted(t, split(ts, size, 0), []int32{0}, 10)
		if len(got.rows) != len(ts) {
			t.Fatalf("size %d: %d rows, want %d", size, len(got.rows), len(ts))
		}
		for i := range got.late {
			if got.late[i] != want.late[i] {
				t.Fatalf("size %d: row %d (ts %d) late=%v, want %v", size, i, ts[i], got.late[i], want.late[i])
			}
			// A window operator judges a behind row by the watermark's
			// value (has its window closed?), so that must match too.
			if want.late[i] && got.seen[i] != want.seen[i] {
				t.Fatalf("size %d: row %d (ts %d) arrived at watermark %d, want %d", size, i, ts[i], got.seen[i], want.seen[i])
			}
		}
		if last := got.marks[len(got.marks)-1]; last != MaxWatermark {
			t.Fatalf("size %d: last watermark %d, want MaxWatermark", size, last)
		}
	}
}

// The watermark is the minimum over partitions, and it never regresses.
func TestWatermarkMinAcrossPartitions(t *testing.T) {
	batches := []scriptBatch{{0, []int64{100}}, {1, []int64{50}}, {0, []int64{200}}, {1, []int64{60}}}
	rec := runScripted(t, batches, []int32{0, 1}, 0)
	want := []int64{50, 60, MaxWatermark}
	if len(rec.marks) != len(want) {
		t.Fatalf("watermarks %v, want %v", rec.marks, want)
	}
	for i := range want {
		if rec.marks[i] != want[i] {
			t.Fatalf("watermarks %v, want %v", rec.marks, want)
		}
	}
}

func TestNullEventTimeIsDropped(t *testing.T) {
	rec := runScripted(t, []scriptBatch{{0, []int64{5, -1, 7}}}, []int32{0}, 0)
	if len(rec.rows) != 2 {
		t.Fatalf("rows %v, want the two with event time", rec.rows)
	}
}

func TestIdlePartitionReleased(t *testing.T) {
	start := time.Unix(0, 0)
	now := start
	tr := NewWatermarkTracker(0, 5*time.Second, []int32{0, 1}, now)
	tr.Observe(0, 1000, now)
	if wm := tr.Advance(now); wm != MinWatermark {
		t.Fatalf("partition 1 silent but not idle yet: wm %d, want MinWatermark", wm)
	}
	now = start.Add(6 * time.Second)
	tr.Observe(0, 2000, now)
	if wm := tr.Advance(now); wm != 2000 {
		t.Fatalf("partition 1 idle: wm %d, want 2000", wm)
	}
	tr.Observe(1, 10, now) // back, but behind: the watermark holds
	if wm := tr.Advance(now); wm != 2000 {
		t.Fatalf("wm regressed to %d", wm)
	}
}
