package planner

import "fmt"

// A rule rewrites one node whose children are already rewritten; it
// returns the node itself when it does not apply. Rules live one per file
// (rule_*.go) and run in phases.
type rule struct {
	name  string
	apply func(Node) (Node, error)
}

// phase is a named list of rules. A fixpoint phase reruns its rules until
// the plan stops changing.
type phase struct {
	name     string
	rules    []rule
	fixpoint bool
}

// phases is the optimizer: first views are inlined, then the plan is
// simplified until nothing changes.
var phases = []phase{
	{name: "inline", rules: []rule{
		{"inline_views", inlineViews},
	}},
	{name: "simplify", fixpoint: true, rules: []rule{
		{"fold_constants", foldConstants},
		{"merge_filters", mergeFilters},
		{"push_filter_through_project", pushFilterThroughProject},
		{"push_filter_through_union", pushFilterThroughUnion},
		{"merge_projects", mergeProjects},
		{"remove_identity_project", removeIdentityProject},
		{"prune_columns", pruneColumns},
		{"push_filter_through_join", pushFilterThroughJoin},
		{"prune_join_columns", pruneJoinColumns},
	}},
}

// maxFixpointRounds bounds a fixpoint phase; reaching it means two rules
// undo each other, which is a planner bug.
const maxFixpointRounds = 50

// RuleNames lists the rewrite rules by phase, for documentation and tests.
func RuleNames() []string {
	var out []string
	for _, p := range phases {
		for _, r := range p.rules {
			out = append(out, p.name+"/"+r.name)
		}
	}
	return out
}

// optimize runs the phases over a plan. skip names rules to leave out
// (tests use it to check one rule at a time).
func optimize(n Node, skip map[string]bool) (Node, error) {
	for _, p := range phases {
		for round := 0; ; round++ {
			if round == maxFixpointRounds {
				return nil, fmt.Errorf("planner: phase %s did not converge", p.name)
			}
			changed := false
			for _, r := range p.rules {
				if skip[r.name] {
					continue
				}
				out, ch, err := transformUp(n, func(x Node) (Node, bool, error) {
					y, err := r.apply(x)
					return y, y != x, err
				})
				if err != nil {
					return nil, fmt.Errorf("rule %s: %w", r.name, err)
				}
				n, changed = out, changed || ch
			}
			if !p.fixpoint || !changed {
				break
			}
		}
	}
	return n, nil
}
