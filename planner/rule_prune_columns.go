package planner

import "github.com/spate-sql/spate/exec/expr"

// pruneColumns narrows the input of a filter to the columns read above
// it: Project(e, Filter(p, x)) becomes Project(e', Filter(p', Project(
// needed, x))) when x has columns neither e nor p reads, so the filter
// copies only what survives. (Aggregates get a narrow input from the
// builder; projections over projections are merged.)
func pruneColumns(n Node) (Node, error) {
	p, ok := n.(*Project)
	if !ok {
		return n, nil
	}
	f, ok := p.Input.(*Filter)
	if !ok || f.Input.Upsert() {
		return n, nil
	}
	x := f.Input
	// The needed columns, in order of first use, so that a projection
	// above that only selects them becomes the identity and goes away.
	var idx []int
	seen := map[int]bool{}
	use := func(e expr.Expr) {
		walkRefs(e, func(i int) {
			if !seen[i] {
				seen[i] = true
				idx = append(idx, i)
			}
		})
	}
	for _, e := range p.Exprs {
		use(e)
	}
	use(f.Pred)
	if len(idx) >= len(x.Columns()) {
		return n, nil
	}
	remap := make(map[int]int, len(idx))
	cols := x.Columns()
	exprs := make([]expr.Expr, len(idx))
	names := make([]string, len(idx))
	for j, i := range idx {
		remap[i] = j
		exprs[j] = &expr.ColumnRef{Index: i, Name: cols[i].Name, Type: cols[i].Type}
		names[j] = cols[i].Name
	}
	narrow, err := NewProject(x, exprs, names, f.owner)
	if err != nil {
		return nil, err
	}
	re := func(e expr.Expr) expr.Expr {
		return mapRefs(e, func(r *expr.ColumnRef) expr.Expr {
			return &expr.ColumnRef{Index: remap[r.Index], Name: r.Name, Type: r.Type}
		})
	}
	nf := NewFilter(narrow, re(f.Pred), f.owner)
	outer := make([]expr.Expr, len(p.Exprs))
	for i, e := range p.Exprs {
		outer[i] = re(e)
	}
	return NewProject(nf, outer, p.Names, p.owner)
}

// walkRefs calls f for every column reference of e, left to right.
func walkRefs(e expr.Expr, f func(int)) {
	switch x := e.(type) {
	case *expr.ColumnRef:
		f(x.Index)
	case *expr.Call:
		for _, a := range x.Args {
			walkRefs(a, f)
		}
	}
}
