package console

import (
	"github.com/spate-sql/spate/connectors/jsonfmt"

	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/exec"
)

// A large batch is written whenever about flushBytes are encoded, so one
// Push never builds a huge buffer.
const (
	flushBytes = 1 << 16
)

// lockedWriter serializes the writes of the sinks sharing one writer, so
// the lines of two sinks never interleave inside a line.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// StdoutFactory returns the factory of the `stdout` sink connector, writing
// to w (os.Stdout in the CLI). Every sink it makes shares one lock on w.
func StdoutFactory(w io.Writer) exec.SinkFactory {
	lw := &lockedWriter{w: w}
	return func(spec *exec.SinkSpec) (exec.Operator, error) { return newStdout(spec, lw) }
}

// NewStdout returns a stdout sink writing to w.
func NewStdout(spec *exec.SinkSpec, w io.Writer) (exec.Operator, error) {
	return newStdout(spec, &lockedWriter{w: w})
}

func newStdout(spec *exec.SinkSpec, w io.Writer) (exec.Operator, error) {
	if f := spec.Options["format"]; f != "" && f != "json" {
		return nil, fmt.Errorf("sink %s: stdout format %q is not supported (use json)", spec.Name, f)
	}
	enc, err := jsonfmt.NewEncoder(spec.Schema, jsonfmt.EncoderOptions{})
	if err != nil {
		return nil, fmt.Errorf("sink %s: %w", spec.Name, err)
	}
	return &stdoutSink{name: spec.Name, w: w, enc: enc, metrics: &exec.OpMetrics{}}, nil
}

// stdoutSink writes every row it receives as one JSON line. An upsert
// input keeps its __deleted column, so deletions show as
// "__deleted":true.
type stdoutSink struct {
	name    string
	w       io.Writer
	enc     *jsonfmt.Encoder
	buf     []byte
	metrics *exec.OpMetrics
}

func (s *stdoutSink) Open(ctx *exec.OpContext, _ exec.Emitter) error {
	if ctx != nil && ctx.Metrics != nil {
		s.metrics = ctx.Metrics
	}
	return nil
}

// Push writes b before returning; it keeps no reference.
func (s *stdoutSink) Push(_ int, b arrow.RecordBatch) error {
	n := int(b.NumRows())
	s.buf = s.buf[:0]
	if err := s.enc.Bind(b); err != nil {
		return fmt.Errorf("sink %s: %w", s.name, err)
	}
	for r := 0; r < n; r++ {
		s.buf = append(s.enc.AppendRow(s.buf, r), '\n')
		if len(s.buf) >= flushBytes || r == n-1 {
			if _, err := s.w.Write(s.buf); err != nil {
				return fmt.Errorf("sink %s: write: %w", s.name, err)
			}
			s.buf = s.buf[:0]
		}
	}
	if cap(s.buf) > 4*flushBytes {
		s.buf = nil // a one-off giant row must not pin memory
	}
	// The runtime counts rows in; a sink counts what it delivered.
	s.metrics.RowsOut.Add(int64(n))
	return nil
}

func (s *stdoutSink) Watermark(int64) error { return nil }
func (s *stdoutSink) Close() error          { return nil }

// Blackhole is the `blackhole` sink: it counts rows and drops them (for
// benchmarks, where only the work upstream matters).
type Blackhole struct {
	rows, batches atomic.Int64
	metrics       *exec.OpMetrics
}

// NewBlackhole returns a blackhole sink; it fits exec.SinkFactory.
func NewBlackhole(spec *exec.SinkSpec) (exec.Operator, error) {
	return &Blackhole{metrics: &exec.OpMetrics{}}, nil
}

func (h *Blackhole) Open(ctx *exec.OpContext, _ exec.Emitter) error {
	if ctx != nil && ctx.Metrics != nil {
		h.metrics = ctx.Metrics
	}
	return nil
}

func (h *Blackhole) Push(_ int, b arrow.RecordBatch) error {
	h.rows.Add(b.NumRows())
	h.batches.Add(1)
	h.metrics.RowsOut.Add(b.NumRows())
	return nil
}

// Rows is the number of rows received so far (safe from any goroutine).
func (h *Blackhole) Rows() int64 { return h.rows.Load() }

// Batches is the number of batches received so far.
func (h *Blackhole) Batches() int64 { return h.batches.Load() }

func (h *Blackhole) Watermark(int64) error { return nil }
func (h *Blackhole) Close() error          { return nil }
