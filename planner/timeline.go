package planner

import (
	"strings"

	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// Timeline functions (SPEC §5) are the extension point this file reserves.
// They are recognised everywhere an aggregate is (isAggregateName), so a
// query using them fails with one clear "not supported yet" error rather
// than "unknown function". Supporting them means:
//
//   - tl_latest / tl_ever / tl_within / tl_prior build *state* expressions
//     (allowed only inside the tl_* aggregates below);
//   - tl_duration_where / tl_count_entries / tl_value_at_end /
//     tl_duration_in_state / tl_duration_between are aggregates over those
//     states, evaluated per (key, window) by a timeline operator that needs
//     the view's timeline_ttl (catalog.View.TimelineTTL);
//   - aggBinder.timeline returns a reference to the aggregate's output
//     column, as aggBinder.aggregate does for count/sum/..., and the
//     Aggregate node gains the timeline aggregates (a new exec.AggKind or a
//     dedicated spec).
var timelineFuncNames = []string{
	"tl_latest", "tl_ever", "tl_within", "tl_prior",
	"tl_duration_where", "tl_count_entries", "tl_value_at_end", "tl_duration_in_state", "tl_duration_between",
}

func isTimelineName(name string) bool { return strings.HasPrefix(name, "tl_") }

// timeline binds a tl_* call in an aggregate query.
func (ab *aggBinder) timeline(x *parser.FuncCall) (expr.Expr, error) {
	name := strings.ToLower(x.Name)
	known := false
	for _, n := range timelineFuncNames {
		known = known || n == name
	}
	if !known {
		return nil, parser.Errorf(x.Pos, "", "unknown timeline function '%s' (known: %s)", name, strings.Join(timelineFuncNames, ", "))
	}
	return nil, parser.Errorf(x.Pos, "", "timeline function %s is not supported yet", name)
}
