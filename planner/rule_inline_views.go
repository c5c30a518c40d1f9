package planner

// inlineViews replaces the scan of a plain view by the view's plan. A
// materialized view's scan stays: it becomes an edge from the operator
// that feeds the view's table, so the view is computed once however many
// views read it.
func inlineViews(n Node) (Node, error) {
	s, ok := n.(*ViewScan)
	if !ok || s.View.Materialized {
		return n, nil
	}
	// The plan is already optimized and has its own views inlined; it is
	// shared, not copied, by every reader.
	return s.Plan, nil
}
