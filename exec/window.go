package exec

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// WindowAssign appends window_start and window_end to every row: one
// epoch-aligned window for tumble, one copy of the row per window that
// contains it for hop. Rows with a NULL event time cannot be placed in a
// window and become dead letters. A window whose end is at or before the
// watermark has been emitted downstream already, so rows for it are late:
// they are counted (LateEvents) and sent to the dead letters, and only
// the windows still open are kept (a hop row may keep some of its
// windows). A row loses nothing else; one dead letter is written per row
// that lost at least one window.
type WindowAssign struct {
	opBase
	win    WindowSpec
	in     *arrow.Schema
	schema *arrow.Schema
	time   *exprInput
	wm     int64

	idx    []int32 // input row of every output row
	starts []int64 // window start of every output row
	cols   []arrow.Array
	raw    []byte
	sspec  stateSpec
}

func newWindowAssign(spec *WindowAssignSpec, out, in *arrow.Schema) (*WindowAssign, error) {
	w := spec.Window
	if err := checkFixedWindow(&w); err != nil {
		return nil, err
	}
	if w.Time == nil || !isTimestamp(w.Time.DataType()) {
		return nil, fmt.Errorf("window time %v must be a TIMESTAMP expression", w.Time)
	}
	if out.NumFields() != in.NumFields()+2 {
		return nil, fmt.Errorf("window assign output %s must be the input %s plus window_start, window_end", out, in)
	}
	for i := 0; i < in.NumFields(); i++ {
		if !arrow.TypeEqual(in.Field(i).Type, out.Field(i).Type) {
			return nil, fmt.Errorf("window assign output column %s has type %s, input has %s",
				out.Field(i).Name, out.Field(i).Type, in.Field(i).Type)
		}
	}
	for i := in.NumFields(); i < out.NumFields(); i++ {
		if !isTimestamp(out.Field(i).Type) {
			return nil, fmt.Errorf("window assign output column %s must be TIMESTAMP, is %s", out.Field(i).Name, out.Field(i).Type)
		}
	}
	return &WindowAssign{win: w, in: in, schema: out, wm: MinWatermark,
		sspec: stateSpec{{"window", windowDesc(&spec.Window)}}}, nil
}

// checkFixedWindow validates a tumble or hop window; for tumble it sets
// Slide = Size so both are handled alike.
// MaxWindowsPerRow bounds the windows one row of a hop window joins
// (size / slide), so one event costs bounded work and memory.
const MaxWindowsPerRow = 1 << 16

func checkFixedWindow(w *WindowSpec) error {
	switch w.Kind {
	case TumbleWindow:
		if w.Size <= 0 {
			return fmt.Errorf("tumble window size must be positive, got %dms", w.Size)
		}
		w.Slide = w.Size
	case HopWindow:
		if w.Size <= 0 || w.Slide <= 0 {
			return fmt.Errorf("hop window slide and size must be positive, got slide %dms size %dms", w.Slide, w.Size)
		}
		if n := (w.Size + w.Slide - 1) / w.Slide; n > MaxWindowsPerRow {
			return fmt.Errorf("hop window of size %dms and slide %dms puts every row in %d windows; at most %d are allowed (use a larger slide)",
				w.Size, w.Slide, n, MaxWindowsPerRow)
		}
	default:
		return fmt.Errorf("%s window cannot be assigned per row", w.Kind)
	}
	return nil
}

func isTimestamp(dt arrow.DataType) bool {
	t, ok := dt.(*arrow.TimestampType)
	return ok && t.Unit == arrow.Millisecond
}

func (w *WindowAssign) Open(ctx *OpContext, out Emitter) error {
	if err := w.open(ctx, out); err != nil {
		return err
	}
	t, err := newExprInput(w.win.Time, w.in, ctx.Alloc)
	if err != nil {
		return fmt.Errorf("window time: %w", err)
	}
	w.time = t
	return nil
}

// floorDiv is a/b rounded toward negative infinity (b > 0), so windows
// before 1970 align like the others.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

func (w *WindowAssign) Push(port int, b arrow.RecordBatch) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	ta, err := w.time.eval(b)
	if err != nil {
		return fmt.Errorf("window time: %w", err)
	}
	defer ta.Release()
	tsArr, ok := ta.(*array.Timestamp)
	if !ok {
		return fmt.Errorf("window time: evaluator returned %s, want timestamp", ta.DataType())
	}
	ts := tsArr.Values()
	size, slide, wm := w.win.Size, w.win.Slide, w.wm
	w.idx, w.starts = w.idx[:0], w.starts[:0]
	dropped := false // some input row is not in the output exactly once
	hasNulls := tsArr.NullN() > 0
	if w.win.Kind == TumbleWindow {
		for i := 0; i < n; i++ {
			if hasNulls && tsArr.IsNull(i) {
				dropped = true
				if err := w.deadLetter(b, i, "NULL event time"); err != nil {
					return err
				}
				continue
			}
			s := floorDiv(int64(ts[i]), size) * size
			if s+size <= wm {
				dropped = true
				if err := w.late(b, i, s, s+size); err != nil {
					return err
				}
				continue
			}
			w.idx = append(w.idx, int32(i))
			w.starts = append(w.starts, s)
		}
	} else {
		dropped = true
		for i := 0; i < n; i++ {
			if hasNulls && tsArr.IsNull(i) {
				if err := w.deadLetter(b, i, "NULL event time"); err != nil {
					return err
				}
				continue
			}
			t := int64(ts[i])
			first := (floorDiv(t-size, slide) + 1) * slide
			last := floorDiv(t, slide) * slide
			lateEnd := MinWatermark
			for s := first; s <= last; s += slide {
				if s+size <= wm {
					lateEnd = s + size
					continue
				}
				w.idx = append(w.idx, int32(i))
				w.starts = append(w.starts, s)
			}
			if lateEnd != MinWatermark {
				if err := w.late(b, i, lateEnd-size, lateEnd); err != nil {
					return err
				}
			}
		}
	}
	if len(w.idx) == 0 {
		return nil
	}
	return w.emitRows(b, !dropped)
}

func (w *WindowAssign) emitRows(b arrow.RecordBatch, passThrough bool) error {
	alloc := w.ctx.Alloc
	w.cols = w.cols[:0]
	defer func() {
		releaseArrays(w.cols)
		clear(w.cols)
	}()
	if passThrough {
		for _, c := range b.Columns() {
			c.Retain()
			w.cols = append(w.cols, c)
		}
	} else {
		var err error
		if w.cols, err = takeColumns(alloc, b, w.idx, w.cols); err != nil {
			return fmt.Errorf("window assign: %w", err)
		}
	}
	w.cols = append(w.cols, int64Array(alloc, expr.TypeTimestamp, w.starts, 0))
	w.cols = append(w.cols, int64Array(alloc, expr.TypeTimestamp, w.starts, w.win.Size))
	out := array.NewRecordBatch(w.schema, w.cols, int64(len(w.idx)))
	defer out.Release()
	return w.emit(out)
}

// int64Array makes an array of dt (an int64-backed type) holding vals[i]+add.
func int64Array(alloc memory.Allocator, dt arrow.DataType, vals []int64, add int64) arrow.Array {
	buf := newBuffer(alloc, 8*len(vals))
	dst := asSlice[int64](buf.Bytes())
	if len(vals) > 0 {
		dst = dst[:len(vals)]
		for i, v := range vals {
			dst[i] = v + add
		}
	}
	return makeArray(dt, len(vals), []*memory.Buffer{nil, buf}, 0)
}

func (w *WindowAssign) late(b arrow.RecordBatch, row int, start, end int64) error {
	w.ctx.Metrics.LateEvents.Add(1)
	return w.deadLetter(b, row, fmt.Sprintf("late event: window [%s, %s) closed at watermark %s",
		fmtTime(start), fmtTime(end), fmtTime(w.wm)))
}

func (w *WindowAssign) deadLetter(b arrow.RecordBatch, row int, reason string) error {
	w.raw = AppendRowJSON(w.raw[:0], b, row)
	w.ctx.Metrics.DeadLetters.Add(1)
	err := w.ctx.DeadLetters.WriteDeadLetter(DeadLetter{Source: w.ctx.Name, Partition: -1, Offset: -1,
		Raw: w.raw, Reason: reason, Time: time.Now()})
	if err != nil {
		return fmt.Errorf("window assign: dead letter: %w", err)
	}
	return nil
}

// fmtTime renders an event time (ms) as UTC RFC 3339 with milliseconds.
func fmtTime(ms int64) string {
	switch ms {
	case MinWatermark:
		return "-inf"
	case MaxWatermark:
		return "+inf"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

func (w *WindowAssign) Watermark(wm int64) error {
	if wm > w.wm {
		w.wm = wm
	}
	return nil
}

func (w *WindowAssign) Close() error {
	releaseArrays(w.cols)
	w.cols, w.idx, w.starts, w.raw = nil, nil, nil, nil
	return nil
}

// Snapshot writes the last watermark: rows of windows it closed stay
// late after a restart.
func (w *WindowAssign) Snapshot(wr io.Writer) error {
	if w.ctx == nil {
		return errors.New("window assign: Snapshot before Open")
	}
	sw := newSnapWriter(wr, magicWindowAssign, w.sspec)
	sw.i64(w.wm)
	return sw.finish()
}

func (w *WindowAssign) Restore(rd io.Reader) error {
	if w.ctx == nil {
		return errors.New("window assign: Restore before Open")
	}
	r, err := openSnapshot(rd, magicWindowAssign, w.ctx.Name, w.sspec)
	if err != nil {
		return err
	}
	wm := r.i64("watermark")
	if err := r.done(magicWindowAssign, w.ctx.Name); err != nil {
		return err
	}
	w.wm = wm
	return nil
}

// windowOutputWatermark is the watermark a tumbling or hopping window
// operator forwards after handling wm. Its rows carry window_start as
// event time and leave when the watermark reaches window_end, so a row
// emitted at wm can be up to a window size behind wm: forwarded as is,
// a cascaded window over those starts (a 2 s tumble over 10 s hop
// windows, Nexmark q5) or a join would find it late. Every window
// emitted after wm ends after wm, so (its start being end - size) starts
// at or after wm - size + 1: holding the output watermark there keeps
// every row on time. Session windows are not held back (a session's
// start has no bound).
func windowOutputWatermark(w WindowSpec, wm int64) int64 {
	if wm == MaxWatermark || wm == MinWatermark || w.Kind == SessionWindow || w.Size <= 0 {
		return wm
	}
	return addClamped(wm, 1-w.Size)
}
