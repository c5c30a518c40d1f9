package exec

import (
	"context"
	"io"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// MaxWatermark is the watermark that closes every window: the runtime sends
// it when every source is exhausted (--exit-at-end, bounded generators).
const MaxWatermark int64 = math.MaxInt64

// MinWatermark is the watermark before any event was seen.
const MinWatermark int64 = math.MinInt64

// Emitter receives an operator's output batches.
//
// Ownership: Emit borrows b. The callee Retains b (or any of its columns)
// if it keeps it past the call; the caller Releases its own reference after
// Emit returns. Push follows the same rule.
type Emitter interface {
	Emit(b arrow.RecordBatch) error
}

// EmitterFunc adapts a function to Emitter.
type EmitterFunc func(b arrow.RecordBatch) error

func (f EmitterFunc) Emit(b arrow.RecordBatch) error { return f(b) }

// Operator is the core contract every runtime operator implements. Calls
// come from one goroutine at a time; an operator needs no locking.
type Operator interface {
	// Open is called once, before any other call. out receives every batch
	// the operator produces, all of schema OutputSchema().
	Open(ctx *OpContext, out Emitter) error
	// Push processes one batch that arrived on input port `port` (the
	// index of the input in Node.Inputs). It borrows b (see Emitter).
	Push(port int, b arrow.RecordBatch) error
	// Watermark promises that no input with event time < wm arrives on any
	// port any more (the runtime passes the minimum over the ports, and
	// only when it advances). The operator emits what became final; the
	// runtime forwards wm downstream after Watermark returns.
	// MaxWatermark means end of input: flush everything.
	Watermark(wm int64) error
	// Close releases all state. It emits nothing.
	Close() error
}

// Snapshotter is implemented by operators with state that must survive a
// restart (window aggregates, timelines, joins). Snapshot is called between
// batches at a checkpoint barrier; Restore right after Open.
type Snapshotter interface {
	Snapshot(w io.Writer) error
	Restore(r io.Reader) error
}

// Committer is implemented by sinks that make output durable in steps
// (DuckDB transactions, Kafka transactions). The runtime calls Commit at
// every checkpoint and once at the end, never concurrently with Push.
type Committer interface {
	Commit(ctx context.Context) error
}

// OpContext is what the runtime gives an operator at Open.
type OpContext struct {
	Name        string           // node name, for errors and metrics
	Alloc       memory.Allocator // every Arrow allocation goes through it
	DeadLetters DeadLetterWriter // never nil (DiscardDeadLetters when unset)
	Metrics     *OpMetrics       // never nil
	Context     context.Context  // cancelled when the job stops
}

// OpMetrics are the counters an operator maintains; the runtime reads them
// atomically for the status line and /metrics.
type OpMetrics struct {
	RowsIn      Counter
	RowsOut     Counter
	BatchesIn   Counter
	LateEvents  Counter
	DeadLetters Counter
	StateRows   Gauge
	Watermark   Gauge // the runtime sets it: last watermark delivered
}

// DeadLetter is a record that could not be processed.
type DeadLetter struct {
	Source    string // source (or operator) name
	Partition int32  // -1 when unknown
	Offset    int64  // -1 when unknown
	Raw       []byte // the raw record bytes (or the row as JSON for late events)
	Reason    string
	Time      time.Time
}

// DeadLetterWriter receives dead letters. Implementations must copy Raw if
// they keep it. The DuckDB connector writes them to spate_dead_letters.
type DeadLetterWriter interface {
	WriteDeadLetter(d DeadLetter) error
}

// DiscardDeadLetters drops dead letters (used where no table exists).
var DiscardDeadLetters DeadLetterWriter = discardDL{}

type discardDL struct{}

func (discardDL) WriteDeadLetter(DeadLetter) error { return nil }

// SourceBatch is one decoded batch from one partition of a source.
type SourceBatch struct {
	Partition  int32
	Records    arrow.RecordBatch // nil for an idle tick; the runner Releases it
	NextOffset int64             // offset after the last record in Records
}

// SourceReader is a connector's source: it decodes raw records into Arrow
// batches of Schema(). Decoding errors become dead letters (or an error
// when on_error = 'fail'); they never stop the reader otherwise.
type SourceReader interface {
	Schema() *arrow.Schema
	// Open starts reading. dl receives dead letters.
	Open(ctx context.Context, alloc memory.Allocator, dl DeadLetterWriter) error
	// Partitions lists the partitions known after Open (for watermarks).
	Partitions() []int32
	// Read blocks until a batch is ready. When nothing arrives for about
	// 250 ms it returns a SourceBatch with nil Records, so the runner can
	// release idle partitions. It returns io.EOF once a bounded source is
	// exhausted (generators; Kafka with --exit-at-end: the end offsets seen
	// at Open).
	Read(ctx context.Context) (SourceBatch, error)
	Close() error
}

// LagReporter is implemented by source readers that know how far behind
// the end of their input they are (Kafka: records up to the high
// watermarks). Lag must be safe to call from any goroutine.
type LagReporter interface {
	Lag() int64
}

// SourceFactory makes a reader for a source node.
type SourceFactory func(spec *SourceSpec) (SourceReader, error)

// SinkFactory makes the operator for a sink node (CREATE SINK and the DuckDB
// table of a materialized view). The operator usually also implements
// Committer.
type SinkFactory func(spec *SinkSpec) (Operator, error)

// Connectors maps connector names (as written in WITH (connector = ...))
// to factories. The engine fills it with closures that capture the broker
// address and the database, so exec knows no connector.
type Connectors struct {
	Sources map[string]SourceFactory
	Sinks   map[string]SinkFactory
}
