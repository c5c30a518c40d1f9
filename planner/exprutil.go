package planner

import (
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/spate-sql/spate/exec/expr"
)

// exprEqual reports whether two bound expressions are the same computation
// (used to match select-list expressions with GROUP BY keys and to share
// aggregates).
func exprEqual(a, b expr.Expr) bool {
	if !typeEq(a.DataType(), b.DataType()) {
		return false
	}
	switch x := a.(type) {
	case *expr.ColumnRef:
		y, ok := b.(*expr.ColumnRef)
		return ok && x.Index == y.Index
	case *expr.Literal:
		y, ok := b.(*expr.Literal)
		if !ok {
			return false
		}
		if xd, ok := x.Value.(decimal128.Num); ok {
			yd, ok := y.Value.(decimal128.Num)
			return ok && xd == yd
		}
		return x.Value == y.Value
	case *expr.Call:
		y, ok := b.(*expr.Call)
		if !ok || x.Func != y.Func || len(x.Args) != len(y.Args) {
			return false
		}
		for i := range x.Args {
			if !exprEqual(x.Args[i], y.Args[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// mapRefs rebuilds e with every ColumnRef replaced by f(ref).
func mapRefs(e expr.Expr, f func(*expr.ColumnRef) expr.Expr) expr.Expr {
	switch x := e.(type) {
	case *expr.ColumnRef:
		return f(x)
	case *expr.Call:
		args := make([]expr.Expr, len(x.Args))
		for i, a := range x.Args {
			args[i] = mapRefs(a, f)
		}
		return &expr.Call{Func: x.Func, Args: args, Type: x.Type}
	}
	return e
}

// refsOf adds the column indexes e reads to set.
func refsOf(e expr.Expr, set map[int]bool) {
	switch x := e.(type) {
	case *expr.ColumnRef:
		set[x.Index] = true
	case *expr.Call:
		for _, a := range x.Args {
			refsOf(a, set)
		}
	}
}

// countRefs adds how many times e reads each column.
func countRefs(e expr.Expr, n map[int]int) {
	switch x := e.(type) {
	case *expr.ColumnRef:
		n[x.Index]++
	case *expr.Call:
		for _, a := range x.Args {
			countRefs(a, n)
		}
	}
}

// substitute replaces references to column i by exprs[i] (inlining a
// projection into the expression above it).
func substitute(e expr.Expr, exprs []expr.Expr) expr.Expr {
	return mapRefs(e, func(r *expr.ColumnRef) expr.Expr { return exprs[r.Index] })
}

// isTrivial reports an expression that costs nothing to repeat.
func isTrivial(e expr.Expr) bool {
	switch e.(type) {
	case *expr.ColumnRef, *expr.Literal:
		return true
	}
	return false
}
