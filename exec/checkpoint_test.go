package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// resumableSource is scriptedSource with offsets: offset i is batch i.
type resumableSource struct {
	scriptedSource
	delay time.Duration
}

func (s *resumableSource) SetStartOffsets(o map[int32]int64) { s.i = int(o[0]) }
func (s *resumableSource) Read(ctx context.Context) (SourceBatch, error) {
	time.Sleep(s.delay)
	sb, err := s.scriptedSource.Read(ctx)
	sb.NextOffset = int64(s.i)
	return sb, err
}

// runningCount is a stateful operator: on every watermark it emits one row,
// the number of rows seen so far, if that changed.
type runningCount struct {
	out     Emitter
	alloc   memory.Allocator
	n, sent int64
}

var countSchema = arrow.NewSchema([]arrow.Field{{Name: "n", Type: expr.TypeBigint}}, nil)

func (c *runningCount) Open(ctx *OpContext, out Emitter) error {
	c.out, c.alloc = out, ctx.Alloc
	return nil
}
func (c *runningCount) Push(_ int, b arrow.RecordBatch) error { c.n += b.NumRows(); return nil }
func (c *runningCount) Watermark(int64) error {
	if c.n == c.sent {
		return nil
	}
	c.sent = c.n
	bl := array.NewInt64Builder(c.alloc)
	defer bl.Release()
	bl.Append(c.n)
	col := bl.NewArray()
	defer col.Release()
	rec := array.NewRecordBatch(countSchema, []arrow.Array{col}, 1)
	defer rec.Release()
	return c.out.Emit(rec)
}
func (c *runningCount) Close() error { return nil }
func (c *runningCount) Snapshot(w io.Writer) error {
	return binary.Write(w, binary.LittleEndian, [2]int64{c.n, c.sent})
}
func (c *runningCount) Restore(r io.Reader) error {
	var v [2]int64
	if err := binary.Read(r, binary.LittleEndian, &v); err != nil {
		return err
	}
	c.n, c.sent = v[0], v[1]
	return nil
}

// rowSink collects the counts it receives; Commit is a no-op (the test's
// checkpoint callback records how many rows were committed).
type rowSink struct{ rows []int64 }

func (r *rowSink) Open(*OpContext, Emitter) error { return nil }
func (r *rowSink) Push(_ int, b arrow.RecordBatch) error {
	r.rows = append(r.rows, b.Column(0).(*array.Int64).Int64Values()...)
	return nil
}
func (r *rowSink) Watermark(int64) error { return nil }
func (r *rowSink) Close() error          { return nil }

type committed struct {
	cp   []byte
	rows int
}

func runCounting(t *testing.T, batches []scriptBatch, restore *Checkpoint) (*rowSink, []committed) {
	t.Helper()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: expr.TypeTimestamp, Nullable: true}}, nil)
	src := &resumableSource{scriptedSource: scriptedSource{schema: schema, batches: batches, parts: []int32{0}}, delay: time.Millisecond}
	sink := &rowSink{}
	g := &Graph{Nodes: []*Node{
		{ID: 0, Kind: KindSource, Name: "src", Schema: schema, EventTime: 0,
			Spec: &SourceSpec{Name: "src", Connector: "script", Schema: schema, EventTime: 0, IdleTimeoutMs: -1}},
		{ID: 1, Kind: KindHashAggregate, Name: "count", Inputs: []int{0}, Schema: countSchema},
		{ID: 2, Kind: KindSink, Name: "out", Inputs: []int{1}, Schema: countSchema, Spec: &SinkSpec{Name: "out", Connector: "rec"}},
	}}
	var cps []committed
	j, err := NewJob(g, Connectors{
		Sources: map[string]SourceFactory{"script": func(*SourceSpec) (SourceReader, error) { return src, nil }},
		Sinks:   map[string]SinkFactory{"rec": func(*SinkSpec) (Operator, error) { return sink, nil }},
	}, JobOptions{Alloc: alloc, CommitInterval: 3 * time.Millisecond, Restore: restore,
		NewOperator: func(*Node, []*arrow.Schema) (Operator, error) { return &runningCount{}, nil },
		Checkpoint: func(_ context.Context, cp *Checkpoint) error {
			cps = append(cps, committed{cp.Encode(), len(sink.rows)})
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return sink, cps
}

// Resuming from any checkpoint and keeping only the output committed with
// it gives exactly the output of an uninterrupted run: nothing lost,
// nothing twice.
func TestResumeFromEveryCheckpoint(t *testing.T) {
	var batches []scriptBatch
	for i := int64(0); i < 60; i++ {
		batches = append(batches, scriptBatch{0, []int64{i * 10, i*10 + 5}})
	}
	full, cps := runCounting(t, batches, nil)
	if len(cps) < 3 {
		t.Fatalf("only %d checkpoints were taken; the test needs several", len(cps))
	}
	for i, c := range cps {
		cp, err := DecodeCheckpoint(c.cp)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(cp.Encode(), c.cp) {
			t.Fatalf("checkpoint %d does not round-trip", i)
		}
		resumed, _ := runCounting(t, batches, cp)
		got := append(append([]int64{}, full.rows[:c.rows]...), resumed.rows...)
		if len(got) != len(full.rows) {
			t.Fatalf("checkpoint %d (epoch %d, %d rows committed): %d rows after resume, want %d:\n%v\n%v",
				i, cp.Epoch, c.rows, len(got), len(full.rows), got, full.rows)
		}
		for k := range got {
			if got[k] != full.rows[k] {
				t.Fatalf("checkpoint %d: row %d = %d, want %d", i, k, got[k], full.rows[k])
			}
		}
	}
}

func TestCorruptCheckpointIsAnError(t *testing.T) {
	cp := &Checkpoint{Epoch: 7, Sources: []SourceCheckpoint{{Name: "s", Offsets: map[int32]int64{0: 5, 3: 9}, MaxTs: map[int32]int64{0: 1}}},
		Nodes: []NodeCheckpoint{{ID: 1, Name: "n", Kind: KindHashAggregate, InWM: []int64{1, 2}, State: []byte("xyz")}}}
	data := cp.Encode()
	for cut := 0; cut < len(data); cut++ {
		if _, err := DecodeCheckpoint(data[:cut]); err == nil {
			t.Fatalf("a checkpoint cut at %d bytes decoded", cut)
		}
	}
	bad := append([]byte{}, data...)
	bad[len(checkpointMagic)+8] = 0xff // absurd source count
	if _, err := DecodeCheckpoint(bad); err == nil {
		t.Fatal("an absurd count decoded")
	}
}

func TestIncompatibleCheckpointRefused(t *testing.T) {
	cp := &Checkpoint{Epoch: 1, Sources: []SourceCheckpoint{{Name: "src", Offsets: map[int32]int64{0: 1}}},
		Nodes: []NodeCheckpoint{{ID: 0, Name: "src", Kind: KindSource}}}
	alloc := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: expr.TypeTimestamp, Nullable: true}}, nil)
	src := &resumableSource{scriptedSource: scriptedSource{schema: schema, parts: []int32{0}}}
	g := &Graph{Nodes: []*Node{
		{ID: 0, Kind: KindSource, Name: "src", Schema: schema, EventTime: 0, Spec: &SourceSpec{Name: "src", Connector: "script", Schema: schema, EventTime: 0}},
		{ID: 1, Kind: KindSink, Name: "out", Inputs: []int{0}, Schema: schema, Spec: &SinkSpec{Name: "out", Connector: "rec"}},
	}}
	j, err := NewJob(g, Connectors{
		Sources: map[string]SourceFactory{"script": func(*SourceSpec) (SourceReader, error) { return src, nil }},
		Sinks:   map[string]SinkFactory{"rec": func(*SinkSpec) (Operator, error) { return &rowSink{}, nil }},
	}, JobOptions{Alloc: alloc, Restore: cp})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Run(context.Background()); !errors.Is(err, ErrIncompatibleCheckpoint) {
		t.Fatalf("got %v, want ErrIncompatibleCheckpoint", err)
	}
}
