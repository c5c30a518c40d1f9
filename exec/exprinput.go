package exec

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// compileExpr is expr.Compile; tests may wrap it.
var compileExpr = expr.Compile

// exprInput is an operator input computed from an expression. A plain
// column reference, by far the most common group key and aggregate
// argument, is read straight from the batch without an evaluator.
type exprInput struct {
	col int // >= 0: the input column; -1: use ev
	ev  expr.Evaluator
	typ arrow.DataType
	src expr.Expr
}

// newExprInput checks e against the input schema and prepares it.
func newExprInput(e expr.Expr, in *arrow.Schema, alloc memory.Allocator) (*exprInput, error) {
	if e == nil {
		return nil, errors.New("missing expression")
	}
	if c, ok := e.(*expr.ColumnRef); ok {
		if c.Index < 0 || c.Index >= in.NumFields() {
			return nil, fmt.Errorf("column %s: index %d out of range (%d input columns)", c, c.Index, in.NumFields())
		}
		ft := in.Field(c.Index).Type
		if c.Type != nil && !arrow.TypeEqual(ft, c.Type) {
			return nil, fmt.Errorf("column %s: planned as %s but the input has %s", c, c.Type, ft)
		}
		return &exprInput{col: c.Index, typ: ft, src: e}, nil
	}
	ev, err := compileExpr(e, in, alloc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e, err)
	}
	return &exprInput{col: -1, ev: ev, typ: ev.DataType(), src: e}, nil
}

// eval returns the expression's column for b; the caller Releases it.
func (x *exprInput) eval(b arrow.RecordBatch) (arrow.Array, error) {
	if x.col >= 0 {
		a := b.Column(x.col)
		a.Retain()
		return a, nil
	}
	a, err := x.ev.Eval(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", x.src, err)
	}
	if a.Len() != int(b.NumRows()) {
		a.Release()
		return nil, fmt.Errorf("%s: evaluator returned %d rows for a batch of %d", x.src, a.Len(), b.NumRows())
	}
	return a, nil
}
