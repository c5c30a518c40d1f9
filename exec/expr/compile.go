package expr

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// node is one compiled expression: a typed kernel chosen once at compile
// time. eval returns a vec that stays valid until the next eval of the same
// node (it may alias the node's scratch or the batch's buffers).
type node interface {
	eval(b arrow.RecordBatch, n int) (vec, error)
	typ() arrow.DataType
}

// Compile checks e against the input schema and returns its evaluator.
// Every decision that depends on function names and argument types is made
// here, once; Eval only runs the chosen kernels.
func Compile(e Expr, in *arrow.Schema, alloc memory.Allocator) (Evaluator, error) {
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	c := &compiler{schema: in}
	root, err := c.compile(e)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", e, err)
	}
	return &evaluator{root: root, alloc: alloc, expr: e}, nil
}

type evaluator struct {
	root  node
	alloc memory.Allocator
	expr  Expr
}

func (ev *evaluator) DataType() arrow.DataType { return ev.root.typ() }

func (ev *evaluator) Eval(b arrow.RecordBatch) (arrow.Array, error) {
	n := int(b.NumRows())
	if c, ok := ev.root.(*colNode); ok {
		col := b.Column(c.idx)
		if !arrow.TypeEqual(col.DataType(), c.t) {
			return nil, fmt.Errorf("eval %s: column %d is %s, compiled for %s", ev.expr, c.idx, col.DataType(), c.t)
		}
		col.Retain()
		return col, nil
	}
	v, err := ev.root.eval(b, n)
	if err != nil {
		return nil, fmt.Errorf("eval %s: %w", ev.expr, err)
	}
	return materialize(&v, ev.root.typ(), n, ev.alloc), nil
}

type compiler struct {
	schema *arrow.Schema
}

func (c *compiler) compile(e Expr) (node, error) {
	switch e := e.(type) {
	case *ColumnRef:
		if c.schema == nil || e.Index < 0 || e.Index >= c.schema.NumFields() {
			return nil, fmt.Errorf("column %s: index %d out of range", e, e.Index)
		}
		ft := c.schema.Field(e.Index).Type
		if e.Type != nil && !arrow.TypeEqual(ft, e.Type) {
			return nil, fmt.Errorf("column %s: schema type %s, expression type %s", e, ft, e.Type)
		}
		if err := checkSupported(ft); err != nil {
			return nil, fmt.Errorf("column %s: %w", e, err)
		}
		return &colNode{idx: e.Index, t: ft}, nil
	case *Literal:
		return newLit(e)
	case *Call:
		args := make([]node, len(e.Args))
		for i, a := range e.Args {
			n, err := c.compile(a)
			if err != nil {
				return nil, err
			}
			args[i] = n
		}
		n, err := c.call(e, args)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Func, err)
		}
		return foldConstant(n, args)
	case nil:
		return nil, fmt.Errorf("nil expression")
	default:
		return nil, fmt.Errorf("unknown expression %T", e)
	}
}

func checkSupported(t arrow.DataType) error {
	switch t.ID() {
	case arrow.INT64, arrow.INT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.BOOL, arrow.STRING, arrow.NULL:
		return nil
	case arrow.TIMESTAMP:
		if t.(*arrow.TimestampType).Unit != arrow.Millisecond {
			return fmt.Errorf("unsupported type %s (timestamps are milliseconds)", t)
		}
		return nil
	}
	return fmt.Errorf("unsupported type %s", t)
}

// foldConstant evaluates a call whose arguments are all literals once, at
// compile time, so kernels above it see a scalar. A call that fails (a bad
// cast) is left unfolded: its error belongs to the rows that reach it.
func foldConstant(n node, args []node) (node, error) {
	if _, ok := n.(*litNode); ok || len(args) == 0 {
		return n, nil
	}
	for _, a := range args {
		if _, ok := a.(*litNode); !ok {
			return n, nil
		}
	}
	sch := arrow.NewSchema(nil, nil)
	b := array.NewRecordBatch(sch, nil, 1)
	defer b.Release()
	v, err := n.eval(b, 1)
	if err != nil {
		return n, nil
	}
	return litFromVec(&v, n.typ()), nil
}

// colNode is a reference to an input column; eval aliases its buffers.
type colNode struct {
	idx         int
	t           arrow.DataType
	validScr    []byte
	bitsScratch []byte
}

func (c *colNode) typ() arrow.DataType { return c.t }

func (c *colNode) eval(b arrow.RecordBatch, n int) (vec, error) {
	if c.idx >= int(b.NumCols()) {
		return vec{}, fmt.Errorf("batch has %d columns, expression reads column %d", b.NumCols(), c.idx)
	}
	col := b.Column(c.idx)
	if !arrow.TypeEqual(col.DataType(), c.t) {
		return vec{}, fmt.Errorf("column %d is %s, compiled for %s", c.idx, col.DataType(), c.t)
	}
	return columnVec(col, n, &c.validScr, &c.bitsScratch), nil
}

// same reports whether all types are equal.
func sameTypes(ts ...arrow.DataType) bool {
	for _, t := range ts[1:] {
		if !arrow.TypeEqual(ts[0], t) {
			return false
		}
	}
	return true
}

func argTypes(args []node) []arrow.DataType {
	ts := make([]arrow.DataType, len(args))
	for i, a := range args {
		ts[i] = a.typ()
	}
	return ts
}

func wantArgs(args []node, lo, hi int) error {
	if len(args) < lo || (hi >= 0 && len(args) > hi) {
		if lo == hi {
			return fmt.Errorf("want %d arguments, got %d", lo, len(args))
		}
		return fmt.Errorf("want %d..%d arguments, got %d", lo, hi, len(args))
	}
	return nil
}

func isNullLit(n node) bool {
	l, ok := n.(*litNode)
	return ok && l.null
}

// call picks the kernel for one Call.
func (c *compiler) call(e *Call, args []node) (node, error) {
	out := e.Type
	if out == nil {
		return nil, fmt.Errorf("call has no result type")
	}
	if err := checkSupported(out); err != nil {
		return nil, err
	}
	switch e.Func {
	case "add", "sub", "mul", "div", "mod":
		return newArith(e.Func, args, out)
	case "neg":
		return newNeg(args, out)
	case "eq", "ne", "lt", "le", "gt", "ge":
		return newCompare(e.Func, args, out)
	case "and", "or":
		return newLogic(e.Func, args, out)
	case "not":
		return newNot(args, out)
	case "is_null", "is_not_null", "is_true", "is_false", "is_not_true", "is_not_false":
		return newIsTest(e.Func, args, out)
	}
	return c.callMore(e, args, out)
}
