package planner

import "github.com/spate-sql/spate/exec/expr"

// pushFilterThroughJoin moves the conjuncts of a filter over a join that
// read one side only below the join, onto that side: rows that cannot
// pass are then neither stored nor probed. (The builder already does so
// for the join's own ON and WHERE; this catches filters written over a
// view that joins, also through the projection of bare columns that
// selects the view's columns.)
func pushFilterThroughJoin(n Node) (Node, error) {
	f, ok := n.(*Filter)
	if !ok {
		return n, nil
	}
	pred := f.Pred
	var over *Project // a projection of bare columns between filter and join
	j, ok := f.Input.(*Join)
	if !ok {
		p, isP := f.Input.(*Project)
		if !isP || !isPureProject(p) {
			return n, nil
		}
		if j, ok = p.Input.(*Join); !ok {
			return n, nil
		}
		over, pred = p, substitute(f.Pred, p.Exprs)
	}
	nl := len(j.Left.Columns())
	var pushed [2][]expr.Expr
	var kept []expr.Expr
	for _, c := range splitConj(pred) {
		set := map[int]bool{}
		refsOf(c, set)
		side := -1
		for i := range set {
			s := 0
			if i >= nl {
				s = 1
			}
			if side == -1 {
				side = s
			} else if side != s {
				side = 2
			}
		}
		switch side {
		case 0:
			pushed[0] = append(pushed[0], c)
		case 1:
			pushed[1] = append(pushed[1], mapRefs(c, func(r *expr.ColumnRef) expr.Expr {
				return &expr.ColumnRef{Index: r.Index - nl, Name: r.Name, Type: r.Type}
			}))
		default:
			kept = append(kept, c)
		}
	}
	if len(pushed[0]) == 0 && len(pushed[1]) == 0 {
		return n, nil
	}
	ins := [2]Node{j.Left, j.Right}
	for i := range ins {
		if len(pushed[i]) > 0 {
			ins[i] = NewFilter(ins[i], andAll(pushed[i]), f.owner)
		}
	}
	var out Node = NewJoin(ins[0], ins[1], j.Parts, j.EventTime(), j.owner)
	if len(kept) > 0 {
		out = NewFilter(out, andAll(kept), f.owner)
	}
	if over != nil {
		return NewProject(out, over.Exprs, over.Names, over.owner)
	}
	return out, nil
}

// splitConj returns the conjuncts of a bound predicate.
func splitConj(e expr.Expr) []expr.Expr {
	if c, ok := e.(*expr.Call); ok && c.Func == "and" && len(c.Args) == 2 {
		return append(splitConj(c.Args[0]), splitConj(c.Args[1])...)
	}
	return []expr.Expr{e}
}
