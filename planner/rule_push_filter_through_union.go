package planner

// pushFilterThroughUnion turns Filter(p, Union(a, b)) into
// Union(Filter(p, a), Filter(p, b)), so each branch drops rows early and
// the filter can travel further down each branch.
func pushFilterThroughUnion(n Node) (Node, error) {
	f, ok := n.(*Filter)
	if !ok {
		return n, nil
	}
	u, ok := f.Input.(*Union)
	if !ok {
		return n, nil
	}
	inputs := make([]Node, len(u.Inputs))
	for i, in := range u.Inputs {
		inputs[i] = NewFilter(in, f.Pred, f.owner)
	}
	return NewUnion(inputs, u.owner), nil
}
