package planner

import "github.com/spate-sql/spate/exec/expr"

// mergeProjects turns Project(e2, Project(e1, x)) into Project(e2[e1], x)
// when that computes nothing twice: every non-trivial expression of the
// inner projection is read at most once by the outer one.
func mergeProjects(n Node) (Node, error) {
	outer, ok := n.(*Project)
	if !ok {
		return n, nil
	}
	inner, ok := outer.Input.(*Project)
	if !ok {
		return n, nil
	}
	uses := map[int]int{}
	for _, e := range outer.Exprs {
		countRefs(e, uses)
	}
	for i, e := range inner.Exprs {
		if uses[i] > 1 && !isTrivial(e) {
			return n, nil
		}
	}
	exprs := make([]expr.Expr, len(outer.Exprs))
	for i, e := range outer.Exprs {
		exprs[i] = substitute(e, inner.Exprs)
		// Keep the outer name on a passed-through column.
		if r, ok := exprs[i].(*expr.ColumnRef); ok {
			exprs[i] = &expr.ColumnRef{Index: r.Index, Name: r.Name, Type: r.Type}
		}
	}
	return NewProject(inner.Input, exprs, outer.Names, outer.owner)
}
