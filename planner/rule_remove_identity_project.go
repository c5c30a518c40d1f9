package planner

import "github.com/spate-sql/spate/exec/expr"

// removeIdentityProject drops a projection that passes every input column
// through, in order, under the same name.
func removeIdentityProject(n Node) (Node, error) {
	p, ok := n.(*Project)
	if !ok {
		return n, nil
	}
	in := p.Input.Columns()
	if len(p.Exprs) != len(in) {
		return n, nil
	}
	for i, e := range p.Exprs {
		r, ok := e.(*expr.ColumnRef)
		if !ok || r.Index != i || p.Names[i] != in[i].Name {
			return n, nil
		}
	}
	return p.Input, nil
}
