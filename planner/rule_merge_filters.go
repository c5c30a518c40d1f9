package planner

import "github.com/spate-sql/spate/exec/expr"

// mergeFilters turns Filter(p2, Filter(p1, x)) into Filter(p1 AND p2, x):
// one pass over the batch instead of two.
func mergeFilters(n Node) (Node, error) {
	outer, ok := n.(*Filter)
	if !ok {
		return n, nil
	}
	inner, ok := outer.Input.(*Filter)
	if !ok {
		return n, nil
	}
	return NewFilter(inner.Input, call("and", expr.TypeBoolean, inner.Pred, outer.Pred), outer.owner), nil
}
