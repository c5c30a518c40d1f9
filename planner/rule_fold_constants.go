package planner

import "github.com/spate-sql/spate/exec/expr"

// foldConstants evaluates constant expressions and drops filters that are
// always true.
func foldConstants(n Node) (Node, error) {
	switch x := n.(type) {
	case *Filter:
		p := fold(x.Pred)
		if l, ok := p.(*expr.Literal); ok && l.Value == true {
			return x.Input, nil
		}
		if p != x.Pred && !exprEqual(p, x.Pred) {
			return NewFilter(x.Input, p, x.owner), nil
		}
	case *Project:
		exprs, changed := foldAll(x.Exprs)
		if changed {
			return NewProject(x.Input, exprs, x.Names, x.owner)
		}
	case *Aggregate:
		keys, changed := foldAll(x.Keys_)
		var having expr.Expr
		if x.Having != nil {
			having = fold(x.Having)
			changed = changed || !exprEqual(having, x.Having)
		}
		if changed {
			return NewAggregate(x.Input, keys, x.KeyNames, x.Aggs, x.Window, having, x.owner), nil
		}
	}
	return n, nil
}

func foldAll(es []expr.Expr) ([]expr.Expr, bool) {
	out := make([]expr.Expr, len(es))
	changed := false
	for i, e := range es {
		out[i] = fold(e)
		if !exprEqual(out[i], e) {
			changed = true
		}
	}
	return out, changed
}
