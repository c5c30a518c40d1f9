package planner

import (
	"strings"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// Timeline functions (SPEC §5) come in two layers, and binding keeps them
// apart:
//
//   - State functions (tl_latest, tl_ever, tl_within, tl_prior) turn the
//     events of one key into piecewise-constant states. Their arguments
//     are expressions over the input row, evaluated per event.
//   - Timeline aggregates (tl_duration_where, tl_count_entries,
//     tl_value_at_end, tl_duration_in_state) take an expression over those
//     states, bound over the *state schema*: column i is the i-th distinct
//     state of the query (exec.TimelineAgg). So tl_latest(player) =
//     'buffer' AND NOT tl_within(action = 'seek', '5s') is an ordinary
//     vectorized expression the operator evaluates on batches of timeline
//     segments. tl_duration_between instead takes two predicates over the
//     input row (the start and end events).
//
// A grouped, windowed query with at least one timeline aggregate plans to
// Project(select list) <- TimelineAggregate <- Project(keys, time, state
// arguments, plain aggregate arguments, start/end predicates) <- input.
// Ordinary aggregates of the same SELECT (count(*)) ride along as the
// node's Plain aggregates. The view's timeline_ttl option
// (catalog.View.TimelineTTL) sets when a key's timeline ends.
//
// While the select list is bound, the number of plain aggregates is not
// known yet, so a timeline aggregate's reference is a placeholder
// (tlRefBase + j) that placeTimelineRefs moves after the plain aggregates
// once binding is done.

var stateKinds = map[string]exec.StateKind{
	"tl_latest": exec.StateLatest, "tl_ever": exec.StateEver, "tl_within": exec.StateWithin, "tl_prior": exec.StatePrior,
}

var timelineAggKinds = map[string]exec.TimelineAggKind{
	"tl_duration_where": exec.TLDurationWhere, "tl_count_entries": exec.TLCountEntries,
	"tl_value_at_end": exec.TLValueAtEnd, "tl_duration_in_state": exec.TLDurationInState,
	"tl_duration_between": exec.TLDurationBetween,
}

var timelineFuncNames = []string{
	"tl_latest", "tl_ever", "tl_within", "tl_prior",
	"tl_duration_where", "tl_count_entries", "tl_value_at_end", "tl_duration_in_state", "tl_duration_between",
}

// defaultTimelineTTL applies when the view is not in the catalog (it
// always is when planned through Build; catalog fills the same default).
const defaultTimelineTTL = 5 * 60_000

// maxPriorEvents bounds tl_prior's n: the operator keeps n values per key.
const maxPriorEvents = 1000

// tlRefBase marks a placeholder reference to timeline aggregate j
// (tlRefBase + j) until the plain aggregates are all known.
const tlRefBase = 1 << 30

func isTimelineName(name string) bool { return strings.HasPrefix(name, "tl_") }

// tlArg is the context of one timeline aggregate's argument: state
// functions in it become references to the state schema, and a bare
// column is an error (it has no value between events).
type tlArg struct {
	ab     *aggBinder
	call   *parser.FuncCall // the timeline aggregate
	name   string
	states int // state references bound so far
}

// timelineCall routes a tl_* call by where it appears.
func (b *binder) timelineCall(x *parser.FuncCall, name string) (expr.Expr, error) {
	_, isState := stateKinds[name]
	_, isAgg := timelineAggKinds[name]
	switch {
	case !isState && !isAgg:
		return nil, parser.Errorf(x.Pos, "", "unknown timeline function '%s'%s (known: %s)", name,
			catalog.DidYouMean(name, timelineFuncNames), strings.Join(timelineFuncNames, ", "))
	case b.rowOf != "":
		return nil, parser.Errorf(x.Pos, "", "%s cannot be used inside %s, whose arguments are expressions over the columns of the input row",
			name, b.rowOf)
	case isState && b.tl != nil:
		return b.tl.state(x, name)
	case b.tl != nil:
		return nil, parser.Errorf(x.Pos, "", "timeline aggregates cannot be nested: %s inside %s (at %s)", name, b.tl.name, b.tl.call.Pos)
	case isState:
		example := "tl_value_at_end(" + sqlText(x) + ")"
		if k := stateKinds[name]; k == exec.StateEver || k == exec.StateWithin {
			example = "tl_duration_where(" + sqlText(x) + ")"
		}
		return nil, parser.Errorf(x.Pos, "", "%s is a timeline state, allowed only inside a timeline aggregate such as %s", name, example)
	case b.agg == nil:
		return nil, parser.Errorf(x.Pos, "", "timeline aggregate %s is not allowed in %s", name, b.clause)
	}
	return b.agg.timeline(x, name)
}

// timelineOutsideGroup is the error for a tl_* call in WHERE or GROUP BY.
func timelineOutsideGroup(f *parser.FuncCall, clause string) error {
	return parser.Errorf(f.Pos, "", "timeline function %s is not allowed in %s: timeline functions are computed per key and window, in the select list or HAVING of a query grouped by a key and a window (e.g. GROUP BY session_id, tumble(ts, '1m'))",
		strings.ToLower(f.Name), clause)
}

// firstAggregateCall returns the first aggregate or timeline call in e,
// or nil.
func firstAggregateCall(e parser.Expr) *parser.FuncCall {
	var found *parser.FuncCall
	walkExpr(e, func(x parser.Expr) bool {
		if f, ok := x.(*parser.FuncCall); ok && isAggregateName(strings.ToLower(f.Name)) && f.Over == nil {
			found = f
		}
		return found == nil
	})
	return found
}

// timeline binds a timeline aggregate and returns a placeholder reference
// to its output column.
func (ab *aggBinder) timeline(x *parser.FuncCall, name string) (expr.Expr, error) {
	if ab.window == nil {
		return nil, parser.Errorf(x.Pos, "", "%s needs a window in GROUP BY (e.g. GROUP BY session_id, tumble(ts, '1m')): timeline aggregates are computed per key and window", name)
	}
	if x.Distinct || x.Star {
		return nil, parser.Errorf(x.Pos, "", "%s does not take DISTINCT or *", name)
	}
	a := exec.TimelineAgg{Kind: timelineAggKinds[name], Name: defaultName(x), Type: expr.TypeBigint}
	var argNames [2]string
	if a.Kind == exec.TLDurationBetween {
		if len(x.Args) != 2 {
			return nil, parser.Errorf(x.Pos, "", "tl_duration_between takes 2 arguments (start_pred, end_pred), got %d", len(x.Args))
		}
		rb := &binder{sc: ab.in, rowOf: name, clause: "the argument of " + name}
		start, err := rb.bindBool(x.Args[0], "the start predicate of tl_duration_between")
		if err != nil {
			return nil, err
		}
		end, err := rb.bindBool(x.Args[1], "the end predicate of tl_duration_between")
		if err != nil {
			return nil, err
		}
		a.Start, a.End = fold(start), fold(end)
		argNames = [2]string{sqlText(x.Args[0]), sqlText(x.Args[1])}
	} else {
		if len(x.Args) != 1 {
			return nil, parser.Errorf(x.Pos, "", "%s takes 1 argument (an expression over timeline states), got %d", name, len(x.Args))
		}
		tl := &tlArg{ab: ab, call: x, name: name}
		tb := &binder{sc: ab.in, tl: tl, clause: "the argument of " + name + " (aggregates cannot be nested)"}
		v, err := tb.bind(x.Args[0])
		if err != nil {
			return nil, err
		}
		pos := x.Args[0].Position()
		if tl.states == 0 {
			return nil, parser.Errorf(pos, "", "the argument of %s reads no timeline state; use a state function such as tl_latest(col), tl_ever(pred), tl_within(pred, dur) or tl_prior(col)", name)
		}
		t := v.DataType()
		switch a.Kind {
		case exec.TLDurationWhere, exec.TLCountEntries:
			if isNull(t) {
				v, t = mustCoerce(v, expr.TypeBoolean), expr.TypeBoolean
			}
			if !isBool(t) {
				return nil, parser.Errorf(pos, "", "%s needs a BOOLEAN condition over timeline states, got %s", name, catalog.TypeString(t))
			}
		default:
			if isNull(t) {
				v, t = mustCoerce(v, expr.TypeInt), expr.TypeInt
			}
			if a.Kind == exec.TLValueAtEnd {
				a.Type = t
			}
		}
		a.Arg = fold(v)
	}
	for j, g := range ab.tlAggs {
		if g.Kind == a.Kind && optExprEqual(g.Arg, a.Arg) && optExprEqual(g.Start, a.Start) && optExprEqual(g.End, a.End) {
			return &expr.ColumnRef{Index: tlRefBase + j, Name: g.Name, Type: g.Type}, nil
		}
	}
	ab.tlAggs = append(ab.tlAggs, a)
	ab.tlArgNames = append(ab.tlArgNames, argNames)
	return &expr.ColumnRef{Index: tlRefBase + len(ab.tlAggs) - 1, Name: a.Name, Type: a.Type}, nil
}

func optExprEqual(a, b expr.Expr) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return exprEqual(a, b)
}

// placeTimelineRefs moves placeholder references to timeline aggregates
// to their output columns, after the plain aggregates.
func (ab *aggBinder) placeTimelineRefs(e expr.Expr) expr.Expr {
	if len(ab.tlAggs) == 0 || e == nil {
		return e
	}
	base := ab.aggStart() + len(ab.aggs)
	return mapRefs(e, func(r *expr.ColumnRef) expr.Expr {
		if r.Index < tlRefBase {
			return r
		}
		return &expr.ColumnRef{Index: base + r.Index - tlRefBase, Name: r.Name, Type: r.Type}
	})
}

// rawColumn is the error for a bare column inside a timeline aggregate's
// argument; it shows the argument rewritten with tl_latest.
func (t *tlArg) rawColumn(ref *parser.ColumnRef) error {
	if _, err := t.ab.in.resolve(ref); err != nil {
		return err
	}
	hint := sqlText(latestify(t.call.Args[0]))
	if strings.HasPrefix(hint, "(") && strings.HasSuffix(hint, ")") && outerParens(hint) {
		hint = hint[1 : len(hint)-1]
	}
	return parser.Errorf(ref.Pos, "", "%s works on timeline states, and %s is a column of the input row: use %s",
		t.name, qualified(ref.Table, ref.Name), hint)
}

// outerParens reports whether s's first '(' closes at its last byte.
func outerParens(s string) bool {
	depth := 0
	inStr := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			inStr = !inStr
		case inStr:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i == len(s)-1
			}
		}
	}
	return false
}

// latestify copies e with every column outside a tl_* call wrapped in
// tl_latest(...), for the hint of rawColumn.
func latestify(e parser.Expr) parser.Expr {
	switch x := e.(type) {
	case *parser.ColumnRef:
		return &parser.FuncCall{Pos: x.Pos, Name: "tl_latest", Args: []parser.Expr{x}}
	case *parser.BinaryExpr:
		c := *x
		c.L, c.R = latestify(x.L), latestify(x.R)
		return &c
	case *parser.UnaryExpr:
		c := *x
		c.X = latestify(x.X)
		return &c
	case *parser.IsNullExpr:
		c := *x
		c.X = latestify(x.X)
		return &c
	case *parser.IsBoolExpr:
		c := *x
		c.X = latestify(x.X)
		return &c
	case *parser.InExpr:
		c := *x
		c.X = latestify(x.X)
		c.List = latestifyAll(x.List)
		return &c
	case *parser.BetweenExpr:
		c := *x
		c.X, c.Lo, c.Hi = latestify(x.X), latestify(x.Lo), latestify(x.Hi)
		return &c
	case *parser.CaseExpr:
		c := *x
		if x.Operand != nil {
			c.Operand = latestify(x.Operand)
		}
		c.Whens = make([]parser.When, len(x.Whens))
		for i, w := range x.Whens {
			c.Whens[i] = parser.When{Cond: latestify(w.Cond), Then: latestify(w.Then)}
		}
		if x.Else != nil {
			c.Else = latestify(x.Else)
		}
		return &c
	case *parser.CastExpr:
		c := *x
		c.X = latestify(x.X)
		return &c
	case *parser.FuncCall:
		if isTimelineName(strings.ToLower(x.Name)) {
			return x
		}
		c := *x
		c.Args = latestifyAll(x.Args)
		return &c
	}
	return e
}

func latestifyAll(es []parser.Expr) []parser.Expr {
	out := make([]parser.Expr, len(es))
	for i, e := range es {
		out[i] = latestify(e)
	}
	return out
}

// state binds a state function inside a timeline aggregate and returns
// its reference in the state schema.
func (t *tlArg) state(x *parser.FuncCall, name string) (expr.Expr, error) {
	if x.Distinct || x.Star {
		return nil, parser.Errorf(x.Pos, "", "%s does not take DISTINCT or *", name)
	}
	rb := &binder{sc: t.ab.in, rowOf: name, clause: "the argument of " + name}
	st := exec.TimelineState{Kind: stateKinds[name]}
	usage := map[exec.StateKind]string{exec.StateLatest: "(col)", exec.StateEver: "(pred)",
		exec.StateWithin: "(pred, dur)", exec.StatePrior: "(col [, n])"}[st.Kind]
	lo, hi := 1, 1
	switch st.Kind {
	case exec.StateWithin:
		lo, hi = 2, 2
	case exec.StatePrior:
		hi = 2
	}
	if len(x.Args) < lo || len(x.Args) > hi {
		return nil, parser.Errorf(x.Pos, "", "%s takes %s %s, got %d", name, arity(lo, hi), usage, len(x.Args))
	}
	switch st.Kind {
	case exec.StateLatest, exec.StatePrior:
		v, err := rb.bind(x.Args[0])
		if err != nil {
			return nil, err
		}
		if isNull(v.DataType()) {
			v = mustCoerce(v, expr.TypeInt)
		}
		st.Arg, st.Type = v, v.DataType()
		if st.Kind == exec.StatePrior {
			st.N = 1
			if len(x.Args) == 2 {
				n, err := priorCount(rb, x.Args[1])
				if err != nil {
					return nil, err
				}
				st.N = n
			}
		}
	case exec.StateEver, exec.StateWithin:
		p, err := rb.bindBool(x.Args[0], "the predicate of "+name)
		if err != nil {
			return nil, err
		}
		st.Arg, st.Type = p, expr.TypeBoolean
		if st.Kind == exec.StateWithin {
			d, err := timelineDuration(x.Args[1], name)
			if err != nil {
				return nil, err
			}
			st.Dur = d
		}
	}
	st.Arg = fold(st.Arg)
	t.states++
	return t.ab.addState(st, sqlText(x), sqlText(x.Args[0])), nil
}

// addState returns the reference to st in the state schema, adding it
// unless the query already has the same state. name is the state call and
// argName its argument as written (the pre-projection's column name).
func (ab *aggBinder) addState(st exec.TimelineState, name, argName string) *expr.ColumnRef {
	for i, s := range ab.states {
		if s.Kind == st.Kind && s.Dur == st.Dur && s.N == st.N && typeEq(s.Type, st.Type) && exprEqual(s.Arg, st.Arg) {
			return &expr.ColumnRef{Index: i, Name: ab.stateNames[i], Type: s.Type}
		}
	}
	ab.states = append(ab.states, st)
	ab.stateNames = append(ab.stateNames, name)
	ab.stateArgNames = append(ab.stateArgNames, argName)
	return &expr.ColumnRef{Index: len(ab.states) - 1, Name: name, Type: st.Type}
}

// priorCount reads n of tl_prior(col, n): an integer constant >= 1.
func priorCount(b *binder, a parser.Expr) (int, error) {
	v, err := b.bind(a)
	if err != nil {
		return 0, err
	}
	l, ok := fold(v).(*expr.Literal)
	if !ok || !isInteger(l.Type) || l.Value == nil {
		return 0, parser.Errorf(a.Position(), "", "n in tl_prior(col, n) must be an integer constant (events back), got %s", sqlText(a))
	}
	n := l.Value.(int64)
	if n < 1 || n > maxPriorEvents {
		return 0, parser.Errorf(a.Position(), "", "n in tl_prior(col, n) counts events back and must be between 1 and %d, got %d", maxPriorEvents, n)
	}
	return int(n), nil
}

// timelineDuration reads the duration of tl_within: '5s', '10 seconds' or
// INTERVAL 5 SECOND.
func timelineDuration(a parser.Expr, fn string) (int64, error) {
	var ms int64
	switch x := a.(type) {
	case *parser.IntervalLit:
		ms = x.Millis
	case *parser.Literal:
		if x.Kind != parser.StringLit {
			return 0, parser.Errorf(x.Pos, "", "the duration of %s is a string such as '5s' or an INTERVAL such as INTERVAL 5 SECOND, got %s", fn, x.Text)
		}
		d, err := catalog.ParseDuration(x.Text)
		if err != nil {
			return 0, parser.Errorf(x.Pos, "", "invalid duration '%s': %v", x.Text, err)
		}
		ms = d
	default:
		return 0, parser.Errorf(a.Position(), "", "the duration of %s must be a constant such as '5s' or INTERVAL 5 SECOND", fn)
	}
	if ms <= 0 {
		return 0, parser.Errorf(a.Position(), "", "the duration of %s must be greater than 0", fn)
	}
	return ms, nil
}

// timelineTTL is the timeline_ttl of the view being planned.
func (b *builder) timelineTTL() int64 {
	if v, ok := b.cat.Lookup(b.owner).(*catalog.View); ok && v.TimelineTTL > 0 {
		return v.TimelineTTL
	}
	return defaultTimelineTTL
}
