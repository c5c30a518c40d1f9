package exec

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// opBase holds what every batch operator keeps from Open.
type opBase struct {
	ctx *OpContext
	out Emitter
}

func (o *opBase) open(ctx *OpContext, out Emitter) error {
	if ctx == nil || out == nil || ctx.Alloc == nil {
		return errors.New("open: missing context, allocator or emitter")
	}
	if ctx.Metrics == nil {
		ctx.Metrics = &OpMetrics{}
	}
	if ctx.DeadLetters == nil {
		ctx.DeadLetters = DiscardDeadLetters
	}
	o.ctx, o.out = ctx, out
	return nil
}

// emit hands b downstream (borrowed, as the Emitter contract says);
// empty batches are not sent. RowsIn, RowsOut and BatchesIn are counted
// by the runtime on every edge, so operators keep only the counters it
// cannot see (LateEvents, DeadLetters, StateRows).
func (o *opBase) emit(b arrow.RecordBatch) error {
	if b.NumRows() == 0 {
		return nil
	}
	return o.out.Emit(b)
}

// Filter keeps the rows where its predicate is true (not NULL, not false).
// A batch where every row passes is forwarded as is; one where none does
// produces nothing; otherwise the passing rows are gathered into a new
// batch.
type Filter struct {
	opBase
	spec   *FilterSpec
	schema *arrow.Schema
	pred   *exprInput
	sel    []int32
	cols   []arrow.Array
}

func newFilter(spec *FilterSpec, out *arrow.Schema, in *arrow.Schema) (*Filter, error) {
	if spec.Predicate == nil {
		return nil, errors.New("filter without predicate")
	}
	if !arrow.TypeEqual(spec.Predicate.DataType(), arrow.FixedWidthTypes.Boolean) {
		return nil, fmt.Errorf("filter predicate %s has type %s, want boolean", spec.Predicate, spec.Predicate.DataType())
	}
	if !sameTypes(out, in) {
		return nil, fmt.Errorf("filter output schema %s differs from its input %s", out, in)
	}
	return &Filter{spec: spec, schema: out}, nil
}

func (f *Filter) Open(ctx *OpContext, out Emitter) error {
	if err := f.open(ctx, out); err != nil {
		return err
	}
	p, err := newExprInput(f.spec.Predicate, f.schema, ctx.Alloc)
	if err != nil {
		return fmt.Errorf("filter: %w", err)
	}
	f.pred = p
	return nil
}

func (f *Filter) Push(port int, b arrow.RecordBatch) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	pa, err := f.pred.eval(b)
	if err != nil {
		return fmt.Errorf("filter: %w", err)
	}
	defer pa.Release()
	pred, ok := pa.(*array.Boolean)
	if !ok {
		return fmt.Errorf("filter: predicate returned %s, want boolean", pa.DataType())
	}
	switch k := countTrue(pred); k {
	case 0:
		return nil
	case n:
		return f.emitAs(b)
	}
	f.sel = boolSelection(pred, f.sel[:0])
	f.cols, err = takeColumns(f.ctx.Alloc, b, f.sel, f.cols[:0])
	if err != nil {
		return fmt.Errorf("filter: %w", err)
	}
	out := array.NewRecordBatch(f.schema, f.cols, int64(len(f.sel)))
	releaseArrays(f.cols)
	clear(f.cols)
	defer out.Release()
	return f.emit(out)
}

// emitAs forwards b under the operator's schema (same types; names may
// differ when the planner renamed columns).
func (f *Filter) emitAs(b arrow.RecordBatch) error {
	if b.Schema() == f.schema || b.Schema().Equal(f.schema) {
		return f.emit(b)
	}
	nb := array.NewRecordBatch(f.schema, b.Columns(), b.NumRows())
	defer nb.Release()
	return f.emit(nb)
}

func (f *Filter) Watermark(wm int64) error { return nil }

func (f *Filter) Close() error {
	f.sel, f.cols = nil, nil
	return nil
}

// sameTypes reports whether two schemas have the same column types in the
// same order (names aside).
func sameTypes(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := 0; i < a.NumFields(); i++ {
		if !arrow.TypeEqual(a.Field(i).Type, b.Field(i).Type) {
			return false
		}
	}
	return true
}
