package planner

import "github.com/spate-sql/spate/exec/expr"

// pushFilterThroughProject turns Filter(p, Project(e, x)) into
// Project(e, Filter(p[e], x)): rows are dropped before the projection
// computes them. A projection that only selects or renames columns is left
// below the filter: it computes nothing, and the narrower batch is cheaper
// for the filter to copy (pruneColumns puts such projections there).
// Filters never sit over updating inputs, so the projection's deleted-flag
// handling is unaffected.
func pushFilterThroughProject(n Node) (Node, error) {
	f, ok := n.(*Filter)
	if !ok {
		return n, nil
	}
	p, ok := f.Input.(*Project)
	if !ok || p.Input.Upsert() || isPureProject(p) {
		return n, nil
	}
	pushed := NewFilter(p.Input, substitute(f.Pred, p.Exprs), f.owner)
	return NewProject(pushed, p.Exprs, p.Names, p.owner)
}

// isPureProject reports a projection of bare columns.
func isPureProject(p *Project) bool {
	for _, e := range p.Exprs {
		if _, ok := e.(*expr.ColumnRef); !ok {
			return false
		}
	}
	return true
}
