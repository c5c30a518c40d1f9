package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// Evaluator computes an expression over a batch, a column at a time.
// Eval returns a new array of len(b.NumRows()) that the caller Releases.
// It never keeps b. An Evaluator is not safe for concurrent use (it may
// reuse scratch buffers between calls).
type Evaluator interface {
	Eval(b arrow.RecordBatch) (arrow.Array, error)
	DataType() arrow.DataType
}

// Compile (compile.go) checks e against the input schema and returns its evaluator.
// Type errors here are planner bugs; they are returned, never panicked.
//
//	func Compile(e Expr, in *arrow.Schema, alloc memory.Allocator) (Evaluator, error)
