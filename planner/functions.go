package planner

import (
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// argKind is what a scalar function parameter accepts.
type argKind int

const (
	argString    argKind = iota // VARCHAR
	argInt                      // any integer, passed as BIGINT
	argTimestamp                // TIMESTAMP
	argStringLit                // a VARCHAR literal (patterns, formats)
	argIntLit                   // an integer literal (a regexp group)
)

// scalarFunc describes a scalar function of exec/expr: its parameters and
// result type. Optional is the number of trailing parameters that may be
// left out.
type scalarFunc struct {
	Func     string // the exec/expr Func name
	Params   []argKind
	Optional int
	Result   arrow.DataType
}

var scalarFuncs = map[string]scalarFunc{
	"lower":           {"lower", []argKind{argString}, 0, expr.TypeVarchar},
	"upper":           {"upper", []argKind{argString}, 0, expr.TypeVarchar},
	"length":          {"length", []argKind{argString}, 0, expr.TypeBigint},
	"char_length":     {"char_length", []argKind{argString}, 0, expr.TypeBigint},
	"substring":       {"substring", []argKind{argString, argInt, argInt}, 1, expr.TypeVarchar},
	"substr":          {"substring", []argKind{argString, argInt, argInt}, 1, expr.TypeVarchar},
	"substring_index": {"substring_index", []argKind{argString, argString, argInt}, 0, expr.TypeVarchar},
	"replace":         {"replace", []argKind{argString, argString, argString}, 0, expr.TypeVarchar},
	"regexp_substr":   {"regexp_substr", []argKind{argString, argStringLit}, 0, expr.TypeVarchar},
	"split_part":      {"split_part", []argKind{argString, argString, argInt}, 0, expr.TypeVarchar},
	"date_format":     {"date_format", []argKind{argTimestamp, argStringLit}, 0, expr.TypeVarchar},
	"hour":            {"hour", []argKind{argTimestamp}, 0, expr.TypeBigint},
	"minute":          {"minute", []argKind{argTimestamp}, 0, expr.TypeBigint},
	"second":          {"second", []argKind{argTimestamp}, 0, expr.TypeBigint},
	"year":            {"year", []argKind{argTimestamp}, 0, expr.TypeBigint},
	"month":           {"month", []argKind{argTimestamp}, 0, expr.TypeBigint},
	"day":             {"day", []argKind{argTimestamp}, 0, expr.TypeBigint},
	"regexp_extract":  {"regexp_extract", []argKind{argString, argStringLit, argIntLit}, 1, expr.TypeVarchar},
	"strftime":        {"strftime", []argKind{argTimestamp, argStringLit}, 0, expr.TypeVarchar},
}

// Functions with their own typing rules (variadic or generic).
var specialFuncs = map[string]bool{"concat": true, "coalesce": true, "ifnull": true, "nullif": true, "mod": true,
	"abs": true, "floor": true, "ceil": true, "ceiling": true, "round": true}

// aggregateFuncs are supported aggregates; laterAggs are known but not
// implemented yet.
var aggregateFuncs = map[string]bool{"count": true, "sum": true, "avg": true, "min": true, "max": true, "approx_count_distinct": true}
var laterAggs = map[string]bool{"approx_percentile": true}

var windowFuncs = map[string]bool{"tumble": true, "hop": true, "session": true}
var windowBoundFuncs = map[string]bool{"tumble_start": true, "tumble_end": true, "hop_start": true, "hop_end": true,
	"session_start": true, "session_end": true, "window_start": true, "window_end": true}

func isAggregateName(name string) bool {
	return aggregateFuncs[name] || laterAggs[name] || isTimelineName(name)
}

// knownFunctionNames lists every function for "did you mean".
func knownFunctionNames() []string {
	var names []string
	for _, m := range []map[string]bool{specialFuncs, aggregateFuncs, laterAggs, windowFuncs, windowBoundFuncs} {
		for n := range m {
			names = append(names, n)
		}
	}
	for n := range scalarFuncs {
		names = append(names, n)
	}
	names = append(names, timelineFuncNames...)
	sort.Strings(names)
	return names
}

func (b *binder) funcCall(x *parser.FuncCall) (expr.Expr, error) {
	name := strings.ToLower(x.Name)
	if x.Over != nil {
		return nil, overError(x, name)
	}
	switch {
	case isTimelineName(name):
		return b.timelineCall(x, name)
	case isAggregateName(name):
		if b.agg == nil {
			return nil, parser.Errorf(x.Pos, "", "aggregate function %s is not allowed in %s", name, b.clause)
		}
		return b.agg.aggregate(x)
	case windowFuncs[name]:
		return nil, parser.Errorf(x.Pos, "", "%s(...) defines a window and belongs in GROUP BY; use %s_start(...) or %s_end(...) for its bounds",
			name, name, name)
	case windowBoundFuncs[name]:
		if b.agg == nil || b.agg.window == nil {
			return nil, parser.Errorf(x.Pos, "", "%s(...) needs a window in GROUP BY (e.g. GROUP BY %s)", name, exampleWindow(name))
		}
		return b.agg.windowBound(x, name)
	}
	if x.Distinct || x.Star {
		return nil, parser.Errorf(x.Pos, "", "%s is not an aggregate function; DISTINCT and * do not apply", name)
	}
	if specialFuncs[name] {
		return b.special(x, name)
	}
	f, ok := scalarFuncs[name]
	if !ok {
		return nil, parser.Errorf(x.Pos, "", "unknown function '%s'%s", name, catalog.DidYouMean(name, knownFunctionNames()))
	}
	if n := len(x.Args); n > len(f.Params) || n < len(f.Params)-f.Optional {
		return nil, parser.Errorf(x.Pos, "", "%s takes %s, got %d", name, arity(len(f.Params)-f.Optional, len(f.Params)), n)
	}
	args := make([]expr.Expr, len(x.Args))
	for i, a := range x.Args {
		v, err := b.bind(a)
		if err != nil {
			return nil, err
		}
		if args[i], err = coerceParam(name, i, f.Params[i], v, a.Position()); err != nil {
			return nil, err
		}
	}
	return call(f.Func, f.Result, args...), nil
}

func exampleWindow(bound string) string {
	switch {
	case strings.HasPrefix(bound, "hop"):
		return "hop(ts, '1m', '5m')"
	case strings.HasPrefix(bound, "session"):
		return "session(ts, '30s')"
	}
	return "tumble(ts, '1m')"
}

func arity(lo, hi int) string {
	switch {
	case lo == hi && lo == 1:
		return "1 argument"
	case lo == hi:
		return itoa(lo) + " arguments"
	}
	return itoa(lo) + " to " + itoa(hi) + " arguments"
}

func itoa(n int) string { return strconv.Itoa(n) }

// coerceParam checks and converts argument i of function name.
func coerceParam(name string, i int, k argKind, v expr.Expr, pos parser.Pos) (expr.Expr, error) {
	t := v.DataType()
	bad := func(want string) error {
		return parser.Errorf(pos, "", "argument %d of %s must be %s, got %s", i+1, name, want, catalog.TypeString(t))
	}
	switch k {
	case argString:
		if isString(t) || isNull(t) {
			return mustCoerce(v, expr.TypeVarchar), nil
		}
		return nil, bad("VARCHAR")
	case argStringLit:
		l, ok := foldNode(v).(*expr.Literal)
		if !ok || !(isString(l.Type) || isNull(l.Type)) {
			return nil, parser.Errorf(pos, "", "argument %d of %s must be a string literal", i+1, name)
		}
		return mustCoerce(l, expr.TypeVarchar), nil
	case argIntLit:
		l, ok := foldNode(v).(*expr.Literal)
		if !ok || !(isInteger(l.Type) || isNull(l.Type)) {
			return nil, parser.Errorf(pos, "", "argument %d of %s must be an integer literal", i+1, name)
		}
		return mustCoerce(l, expr.TypeBigint), nil
	case argInt:
		if isInteger(t) || isNull(t) {
			return mustCoerce(v, expr.TypeBigint), nil
		}
		if l, ok := v.(*expr.Literal); ok && isString(l.Type) {
			return coerce(l, expr.TypeBigint, pos)
		}
		return nil, bad("an integer")
	case argTimestamp:
		if catalog.IsTimestamp(t) || isNull(t) {
			return mustCoerce(v, expr.TypeTimestamp), nil
		}
		if l, ok := v.(*expr.Literal); ok && isString(l.Type) {
			return coerce(l, expr.TypeTimestamp, pos)
		}
		return nil, bad("a TIMESTAMP")
	}
	return v, nil
}

func (b *binder) special(x *parser.FuncCall, name string) (expr.Expr, error) {
	if name == "mod" {
		if len(x.Args) != 2 {
			return nil, parser.Errorf(x.Pos, "", "mod takes 2 arguments, got %d", len(x.Args))
		}
		return b.arith(&parser.BinaryExpr{Pos: x.Pos, Op: "%", L: x.Args[0], R: x.Args[1]}, "%", "mod")
	}
	switch name {
	case "abs", "floor", "ceil", "ceiling", "round":
		return b.numericFunc(x, name)
	}
	args, poss, err := b.bindAll(x.Args)
	if err != nil {
		return nil, err
	}
	need := func(lo, hi int) error {
		if len(args) < lo || (hi >= 0 && len(args) > hi) {
			if hi < 0 {
				return parser.Errorf(x.Pos, "", "%s takes at least %d argument(s), got %d", name, lo, len(args))
			}
			return parser.Errorf(x.Pos, "", "%s takes %s, got %d", name, arity(lo, hi), len(args))
		}
		return nil
	}
	switch name {
	case "concat":
		if err := need(1, -1); err != nil {
			return nil, err
		}
		for i := range args {
			args[i] = toVarchar(args[i])
		}
		return call("concat", expr.TypeVarchar, args...), nil
	case "coalesce", "ifnull":
		if name == "ifnull" {
			err = need(2, 2)
		} else {
			err = need(1, -1)
		}
		if err != nil {
			return nil, err
		}
		args, t, err := unify(x.Pos, name, poss, args...)
		if err != nil {
			return nil, err
		}
		return call("coalesce", t, args...), nil
	case "nullif":
		if err := need(2, 2); err != nil {
			return nil, err
		}
		args, t, err := unify(x.Pos, name, poss, args...)
		if err != nil {
			return nil, err
		}
		return call("case", t, call("eq", expr.TypeBoolean, args[0], args[1]), &expr.Literal{Value: nil, Type: t}, args[0]), nil
	}
	return nil, parser.Errorf(x.Pos, "", "unknown function '%s'", name)
}
