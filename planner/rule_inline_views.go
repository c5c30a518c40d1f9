package planner

// inlineViews replaces the scan of a plain view read once by the view's
// plan, so the rules can optimize across the view boundary. A materialized
// view's scan stays (an edge from the operator that feeds its table), and
// so does a plain view read by several queries (one subgraph with
// fan-out): either way the view is computed once however many views read
// it.
func inlineViews(n Node) (Node, error) {
	s, ok := n.(*ViewScan)
	if !ok || s.View.Materialized || s.Shared {
		return n, nil
	}
	// The plan is already optimized and has its own views inlined; it is
	// shared, not copied, by every reader.
	return s.Plan, nil
}
