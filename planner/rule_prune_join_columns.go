package planner

import (
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

// pruneJoinColumns narrows the inputs of a join to the columns read above
// it and by the join itself: Project(e, Join(l, r)) becomes Project(e',
// Join(Project(l), Project(r))). A join stores the rows of both sides, so
// every column it does not need (Nexmark's extra and description strings)
// costs memory and copying per stored row and per match.
func pruneJoinColumns(n Node) (Node, error) {
	p, ok := n.(*Project)
	if !ok {
		return n, nil
	}
	j, ok := p.Input.(*Join)
	if !ok {
		return n, nil
	}
	nl := len(j.Left.Columns())
	need := map[int]bool{}
	for _, e := range p.Exprs {
		refsOf(e, need)
	}
	s := j.Parts
	if s.Residual != nil {
		refsOf(s.Residual, need)
	}
	for i, side := range []*exec.JoinSide{&s.Left, &s.Right} {
		off := i * nl
		sideNeed := map[int]bool{}
		keys := s.LeftKeys
		if i == 1 {
			keys = s.RightKeys
		}
		for _, k := range keys {
			refsOf(k, sideNeed)
		}
		for _, b := range side.Expire {
			refsOf(b.Expr, sideNeed)
		}
		if side.Time >= 0 {
			sideNeed[side.Time] = true
		}
		for c := range sideNeed {
			need[c+off] = true
		}
	}
	if len(need) >= len(j.Columns()) {
		return n, nil
	}
	// remap[c] is column c's new position in the join's output.
	remap := make(map[int]int, len(need))
	var ins [2]Node
	var sideMap [2]map[int]int
	for i, in := range []Node{j.Left, j.Right} {
		off := i * nl
		cols := in.Columns()
		sideMap[i] = map[int]int{}
		var exprs []expr.Expr
		var names []string
		for c, col := range cols {
			if need[c+off] {
				sideMap[i][c] = len(exprs)
				remap[c+off] = len(exprs) // the right side's are shifted below
				exprs = append(exprs, &expr.ColumnRef{Index: c, Name: col.Name, Type: col.Type})
				names = append(names, col.Name)
			}
		}
		if len(exprs) == len(cols) {
			ins[i] = in
			continue
		}
		if len(exprs) == 0 {
			// Keep one column: a batch needs at least one to carry rows.
			sideMap[i][0] = 0
			remap[off] = 0
			exprs = append(exprs, &expr.ColumnRef{Index: 0, Name: cols[0].Name, Type: cols[0].Type})
			names = append(names, cols[0].Name)
		}
		np, err := NewProject(in, exprs, names, in.Owner())
		if err != nil {
			return nil, err
		}
		ins[i] = np
	}
	newNL := len(ins[0].Columns())
	for c := range remap {
		if c >= nl {
			remap[c] += newNL
		}
	}
	if len(ins[0].Columns()) == nl && len(ins[1].Columns()) == len(j.Right.Columns()) {
		return n, nil
	}
	re := func(e expr.Expr, m map[int]int) expr.Expr {
		return mapRefs(e, func(r *expr.ColumnRef) expr.Expr {
			return &expr.ColumnRef{Index: m[r.Index], Name: r.Name, Type: r.Type}
		})
	}
	ns := s
	ns.LeftKeys, ns.RightKeys = make([]expr.Expr, len(s.LeftKeys)), make([]expr.Expr, len(s.RightKeys))
	for k := range s.LeftKeys {
		ns.LeftKeys[k] = re(s.LeftKeys[k], sideMap[0])
		ns.RightKeys[k] = re(s.RightKeys[k], sideMap[1])
	}
	if s.Residual != nil {
		ns.Residual = re(s.Residual, remap)
	}
	for i, side := range []*exec.JoinSide{&ns.Left, &ns.Right} {
		old := []exec.JoinSide{s.Left, s.Right}[i]
		side.Expire = make([]exec.JoinBound, len(old.Expire))
		for k, b := range old.Expire {
			side.Expire[k] = exec.JoinBound{Expr: re(b.Expr, sideMap[i]), Offset: b.Offset}
		}
		if old.Time >= 0 {
			side.Time = sideMap[i][old.Time]
		}
	}
	et := -1
	if j.EventTime() >= 0 {
		if c, ok := remap[j.EventTime()]; ok {
			et = c
		}
	}
	nj := NewJoin(ins[0], ins[1], ns, et, j.owner)
	outer := make([]expr.Expr, len(p.Exprs))
	for i, e := range p.Exprs {
		outer[i] = re(e, remap)
	}
	return NewProject(nj, outer, p.Names, p.owner)
}
