package planner

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// windowDef is the window of a GROUP BY.
type windowDef struct {
	spec    exec.WindowSpec
	fn      string // tumble, hop, session
	pos     parser.Pos
	timePos parser.Pos // of the time argument
	text    string     // as written, for messages
}

// aggBinder collects what an aggregate query computes: its keys (bound
// over the input), its window and its aggregates, and binds the select
// list and HAVING over the aggregate's output layout: keys, then
// window_start and window_end when windowed, then the aggregates.
type aggBinder struct {
	in       *scope
	keys     []expr.Expr
	keyNames []string
	window   *windowDef
	aggs     []exec.AggFunc
	// Timeline aggregates (timeline.go) and the distinct states their
	// arguments read; their output columns follow aggs.
	states        []exec.TimelineState
	stateNames    []string // the state calls as written
	stateArgNames []string // their arguments as written
	tlAggs        []exec.TimelineAgg
	tlArgNames    [][2]string // tl_duration_between's start and end as written
	// updating: the input is an updating view, so every aggregate must
	// be retractable (an input row's new version replaces its old one).
	updating bool
}

func (ab *aggBinder) plain(clause string) *binder { return &binder{sc: ab.in, clause: clause} }

func (ab *aggBinder) aggStart() int {
	if ab.window != nil {
		return len(ab.keys) + 2
	}
	return len(ab.keys)
}

// matchKey returns a reference to the group key e computes, or nil.
func (ab *aggBinder) matchKey(e parser.Expr) expr.Expr {
	switch e.(type) {
	case *parser.Literal, *parser.IntervalLit:
		return nil
	}
	if len(ab.keys) == 0 || containsAggregate(e) {
		return nil
	}
	v, err := ab.plain("GROUP BY").bind(e)
	if err != nil {
		return nil
	}
	for i, k := range ab.keys {
		if exprEqual(v, k) {
			return &expr.ColumnRef{Index: i, Name: ab.keyNames[i], Type: k.DataType()}
		}
	}
	return nil
}

// column is a column reference that is no group key.
func (ab *aggBinder) column(ref *parser.ColumnRef) (expr.Expr, error) {
	if _, err := ab.in.resolve(ref); err != nil {
		return nil, err
	}
	return nil, parser.Errorf(ref.Pos, "", "column '%s' must appear in the GROUP BY clause or be used in an aggregate function",
		qualified(ref.Table, ref.Name))
}

// aggregate binds an aggregate call and returns the reference to its
// output column.
func (ab *aggBinder) aggregate(x *parser.FuncCall) (expr.Expr, error) {
	name := strings.ToLower(x.Name)
	if laterAggs[name] {
		return nil, parser.Errorf(x.Pos, "", "aggregate function %s is not supported yet", name)
	}
	argBinder := ab.plain("the argument of another aggregate (aggregates cannot be nested)")
	var f exec.AggFunc
	f.Name = defaultName(x)
	switch {
	case name == "count" && x.Star:
		f.Kind, f.Type = exec.AggCountStar, expr.TypeBigint
	case x.Star:
		return nil, parser.Errorf(x.Pos, "", "%s(*) is not defined; only count(*) takes *", name)
	case len(x.Args) != 1:
		return nil, parser.Errorf(x.Pos, "", "%s takes 1 argument, got %d", name, len(x.Args))
	default:
		arg, err := argBinder.bind(x.Args[0])
		if err != nil {
			return nil, err
		}
		t := arg.DataType()
		if isNull(t) {
			arg, t = mustCoerce(arg, expr.TypeInt), expr.TypeInt
		}
		pos := x.Args[0].Position()
		switch name {
		case "count":
			f.Kind, f.Type = exec.AggCount, expr.TypeBigint
			if x.Distinct {
				f.Kind = exec.AggCountDistinct
			}
		case "sum", "avg":
			if x.Distinct {
				return nil, parser.Errorf(x.Pos, "", "%s(DISTINCT ...) is not supported yet", name)
			}
			if !catalog.IsNumeric(t) {
				return nil, parser.Errorf(pos, "", "%s needs a numeric argument, got %s", name, catalog.TypeString(t))
			}
			if t.ID() == arrow.INT32 {
				// exec sums integers as BIGINT; widen once in the input.
				arg, t = mustCoerce(arg, expr.TypeBigint), expr.TypeBigint
			}
			f.Kind = exec.AggSum
			switch {
			case name == "avg":
				f.Kind, f.Type = exec.AggAvg, expr.TypeDouble
			case isDecimal(t):
				f.Type = expr.DecimalType(catalog.MaxDecimalPrecision, t.(*arrow.Decimal128Type).Scale)
			default:
				f.Type = t
			}
		case "approx_count_distinct":
			if x.Distinct {
				return nil, parser.Errorf(x.Pos, "", "approx_count_distinct(DISTINCT ...) is not supported; approx_count_distinct already counts distinct values")
			}
			if isNull(arg.DataType()) {
				arg, t = mustCoerce(arg, expr.TypeInt), expr.TypeInt
			}
			f.Kind, f.Type = exec.AggApproxCountDistinct, expr.TypeBigint
		case "min", "max":
			// DISTINCT does not change min or max.
			f.Kind, f.Type = exec.AggMin, t
			if name == "max" {
				f.Kind = exec.AggMax
			}
		default:
			return nil, parser.Errorf(x.Pos, "", "unknown aggregate function '%s'", name)
		}
		f.Arg = arg
	}
	if ab.updating && f.Kind != exec.AggCountStar && f.Kind != exec.AggCount && f.Kind != exec.AggSum && f.Kind != exec.AggAvg {
		what := name
		if f.Kind == exec.AggCountDistinct {
			what = "count(DISTINCT ...)"
		}
		return nil, parser.Errorf(x.Pos, "", "%s over an updating view (an aggregate without a window) is not supported yet: its rows are replaced and deleted, and only count, sum and avg can take a row back",
			what)
	}
	for i, g := range ab.aggs {
		if g.Kind == f.Kind && typeEq(g.Type, f.Type) && (g.Arg == nil) == (f.Arg == nil) && (g.Arg == nil || exprEqual(g.Arg, f.Arg)) {
			return &expr.ColumnRef{Index: ab.aggStart() + i, Name: g.Name, Type: g.Type}, nil
		}
	}
	ab.aggs = append(ab.aggs, f)
	return &expr.ColumnRef{Index: ab.aggStart() + len(ab.aggs) - 1, Name: f.Name, Type: f.Type}, nil
}

// windowBound binds tumble_start(...) & co. and window_start()/end().
func (ab *aggBinder) windowBound(x *parser.FuncCall, name string) (expr.Expr, error) {
	w := ab.window
	fn, which, _ := strings.Cut(name, "_")
	if fn != "window" {
		got, err := parseWindow(ab.plain("a window bound"), x, fn)
		if err != nil {
			return nil, err
		}
		if got.fn != w.fn || !exprEqual(got.spec.Time, w.spec.Time) || got.spec.Size != w.spec.Size ||
			got.spec.Slide != w.spec.Slide || got.spec.Gap != w.spec.Gap {
			return nil, parser.Errorf(x.Pos, "", "%s does not match the GROUP BY window %s (at %s); bounds take the window's own arguments, or write window_%s()",
				sqlText(x), w.text, w.pos, which)
		}
	} else if len(x.Args) != 0 {
		return nil, parser.Errorf(x.Pos, "", "%s() takes no arguments", name)
	}
	idx := len(ab.keys)
	colName := windowStartName
	if which == "end" {
		idx++
		colName = windowEndName
	}
	return &expr.ColumnRef{Index: idx, Name: colName, Type: expr.TypeTimestamp}, nil
}

// parseWindow reads tumble(ts, size), hop(ts, slide, size) or
// session(ts, gap) (fn says which; x may be a bound function such as
// tumble_start with the same arguments).
func parseWindow(b *binder, x *parser.FuncCall, fn string) (*windowDef, error) {
	want := map[string]int{"tumble": 2, "hop": 3, "session": 2}[fn]
	if len(x.Args) != want {
		usage := map[string]string{"tumble": "(ts, size)", "hop": "(ts, slide, size)", "session": "(ts, gap)"}[fn]
		return nil, parser.Errorf(x.Pos, "", "%s takes %d arguments %s, got %d", strings.ToLower(x.Name), want, usage, len(x.Args))
	}
	if x.Distinct || x.Star {
		return nil, parser.Errorf(x.Pos, "", "%s does not take DISTINCT or *", strings.ToLower(x.Name))
	}
	ts, err := b.bind(x.Args[0])
	if err != nil {
		return nil, err
	}
	if !catalog.IsTimestamp(ts.DataType()) {
		return nil, parser.Errorf(x.Args[0].Position(), "", "the time argument of %s must be a TIMESTAMP, got %s", strings.ToLower(x.Name), catalog.TypeString(ts.DataType()))
	}
	durs := make([]int64, len(x.Args)-1)
	for i, a := range x.Args[1:] {
		d, err := durationArg(a)
		if err != nil {
			return nil, err
		}
		durs[i] = d
	}
	w := &windowDef{fn: fn, pos: x.Pos, timePos: x.Args[0].Position(), text: sqlText(x)}
	w.spec.Time = ts
	switch fn {
	case "tumble":
		w.spec.Kind, w.spec.Size = exec.TumbleWindow, durs[0]
	case "hop":
		w.spec.Kind, w.spec.Slide, w.spec.Size = exec.HopWindow, durs[0], durs[1]
		if w.spec.Slide > w.spec.Size {
			return nil, parser.Errorf(x.Args[1].Position(), "", "hop slide %s is larger than its size %s (the order is hop(ts, slide, size))",
				catalog.FormatDuration(w.spec.Slide), catalog.FormatDuration(w.spec.Size))
		}
	case "session":
		w.spec.Kind, w.spec.Gap = exec.SessionWindow, durs[0]
	}
	return w, nil
}

// durationArg reads a window duration: '1m', '10 seconds' or INTERVAL 1
// MINUTE.
func durationArg(a parser.Expr) (int64, error) {
	var ms int64
	switch x := a.(type) {
	case *parser.IntervalLit:
		ms = x.Millis
	case *parser.Literal:
		if x.Kind != parser.StringLit {
			return 0, parser.Errorf(x.Pos, "", "a window duration is a string such as '1m' or an INTERVAL such as INTERVAL 1 MINUTE, got %s", x.Text)
		}
		d, err := catalog.ParseDuration(x.Text)
		if err != nil {
			return 0, parser.Errorf(x.Pos, "", "invalid duration '%s': %v", x.Text, err)
		}
		ms = d
	default:
		return 0, parser.Errorf(a.Position(), "", "a window duration must be a constant such as '1m' or INTERVAL 1 MINUTE")
	}
	if ms <= 0 {
		return 0, parser.Errorf(a.Position(), "", "a window duration must be greater than 0")
	}
	return ms, nil
}

// containsAggregate reports whether e calls an aggregate (outside
// subqueries).
func containsAggregate(e parser.Expr) bool {
	found := false
	walkExpr(e, func(x parser.Expr) bool {
		if f, ok := x.(*parser.FuncCall); ok && isAggregateName(strings.ToLower(f.Name)) && f.Over == nil {
			found = true
		}
		return !found
	})
	return found
}

// walkExpr calls f on e and its subexpressions, pre-order, while f
// returns true.
func walkExpr(e parser.Expr, f func(parser.Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	switch x := e.(type) {
	case *parser.BinaryExpr:
		walkExpr(x.L, f)
		walkExpr(x.R, f)
	case *parser.UnaryExpr:
		walkExpr(x.X, f)
	case *parser.IsNullExpr:
		walkExpr(x.X, f)
	case *parser.IsBoolExpr:
		walkExpr(x.X, f)
	case *parser.InExpr:
		walkExpr(x.X, f)
		for _, it := range x.List {
			walkExpr(it, f)
		}
	case *parser.BetweenExpr:
		walkExpr(x.X, f)
		walkExpr(x.Lo, f)
		walkExpr(x.Hi, f)
	case *parser.CaseExpr:
		walkExpr(x.Operand, f)
		for _, w := range x.Whens {
			walkExpr(w.Cond, f)
			walkExpr(w.Then, f)
		}
		walkExpr(x.Else, f)
	case *parser.CastExpr:
		walkExpr(x.X, f)
	case *parser.FuncCall:
		for _, a := range x.Args {
			walkExpr(a, f)
		}
	}
}
