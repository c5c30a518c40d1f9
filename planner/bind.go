package planner

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// binder resolves and types AST expressions against a scope. With agg set
// it binds the select list or HAVING of an aggregate query: group keys,
// aggregates and window bounds become references to the aggregate's output
// and any other column is an error. With tl set it binds the argument of a
// timeline aggregate over the state schema (timeline.go); rowOf names the
// timeline function whose argument, an expression over the input row, is
// being bound.
type binder struct {
	sc     *scope
	agg    *aggBinder
	tl     *tlArg
	rowOf  string
	clause string // "WHERE", "GROUP BY", ... for messages
}

// bind resolves and types e, evaluating constant parts right away (as
// DuckDB's binder does) so that a constant meets the other operand as a
// literal: seq > 2 * 3 compares with the literal 6, not a cast.
func (b *binder) bind(e parser.Expr) (expr.Expr, error) {
	v, err := b.bindExpr(e)
	if err != nil {
		return nil, err
	}
	return foldNode(v), nil
}

func (b *binder) bindExpr(e parser.Expr) (expr.Expr, error) {
	if b.agg != nil {
		if ref := b.agg.matchKey(e); ref != nil {
			return ref, nil
		}
	}
	switch x := e.(type) {
	case *parser.ColumnRef:
		if b.tl != nil {
			return nil, b.tl.rawColumn(x)
		}
		if b.agg != nil {
			return b.agg.column(x)
		}
		return b.sc.resolve(x)
	case *parser.Literal:
		return bindLiteral(x)
	case *parser.IntervalLit:
		return nil, parser.Errorf(x.Pos, "", "INTERVAL %s can only be added to or subtracted from a TIMESTAMP", x.Text)
	case *parser.BinaryExpr:
		return b.binary(x)
	case *parser.UnaryExpr:
		return b.unary(x)
	case *parser.IsNullExpr:
		v, err := b.bind(x.X)
		if err != nil {
			return nil, err
		}
		fn := "is_null"
		if x.Not {
			fn = "is_not_null"
		}
		return call(fn, expr.TypeBoolean, v), nil
	case *parser.IsBoolExpr:
		v, err := b.bindBool(x.X, "IS TRUE/FALSE")
		if err != nil {
			return nil, err
		}
		fn := map[[2]bool]string{{false, true}: "is_true", {false, false}: "is_false",
			{true, true}: "is_not_true", {true, false}: "is_not_false"}[[2]bool{x.Not, x.Value}]
		return call(fn, expr.TypeBoolean, v), nil
	case *parser.InExpr:
		return b.in(x)
	case *parser.BetweenExpr:
		return b.between(x)
	case *parser.CaseExpr:
		return b.caseExpr(x)
	case *parser.CastExpr:
		return b.cast(x)
	case *parser.FuncCall:
		return b.funcCall(x)
	case *parser.SubqueryExpr:
		return nil, parser.Errorf(x.Pos, "", "subqueries in expressions are not supported")
	case nil:
		return nil, parser.Errorf(parser.Pos{}, "", "missing expression")
	}
	return nil, parser.Errorf(e.Position(), "", "unsupported expression %T", e)
}

func call(fn string, t arrow.DataType, args ...expr.Expr) *expr.Call {
	return &expr.Call{Func: fn, Args: args, Type: t}
}

func isLit(e expr.Expr) bool {
	_, ok := e.(*expr.Literal)
	return ok
}

// coerce converts e to type to: literals at plan time (a failure is a
// positioned error), other expressions with a cast call.
func coerce(e expr.Expr, to arrow.DataType, pos parser.Pos) (expr.Expr, error) {
	if typeEq(e.DataType(), to) {
		return e, nil
	}
	if l, ok := e.(*expr.Literal); ok {
		c, err := castLiteral(l, to)
		if err != nil {
			return nil, parser.Errorf(pos, "", "%v", err)
		}
		return c, nil
	}
	return call("cast", to, e), nil
}

// unify brings operands to their common type. what names the construct
// for the error message.
func unify(pos parser.Pos, what string, poss []parser.Pos, es ...expr.Expr) ([]expr.Expr, arrow.DataType, error) {
	var t arrow.DataType = expr.TypeNull
	tLit := true
	combine := func(e expr.Expr, et arrow.DataType) error {
		c, ok := commonType(t, et, tLit, isLit(e))
		if !ok {
			return parser.Errorf(pos, "", "%s: cannot combine %s and %s%s", what,
				catalog.TypeString(t), catalog.TypeString(e.DataType()), castHint(t, e.DataType()))
		}
		tLit = tLit && isLit(e)
		t = c
		return nil
	}
	// Integer literals come last: like DuckDB's INTEGER_LITERAL they meet
	// a DECIMAL as the narrowest DECIMAL holding their value, so
	// price + 1 stays DECIMAL(p,s) instead of widening to 10 digits.
	var intLits []expr.Expr
	for _, e := range es {
		if isIntLit(e) {
			intLits = append(intLits, e)
			continue
		}
		if err := combine(e, e.DataType()); err != nil {
			return nil, nil, err
		}
	}
	for _, e := range intLits {
		et := e.DataType()
		if isDecimal(t) {
			et = literalDecimal(e.(*expr.Literal))
		}
		if err := combine(e, et); err != nil {
			return nil, nil, err
		}
	}
	out := make([]expr.Expr, len(es))
	for i, e := range es {
		p := pos
		if i < len(poss) {
			p = poss[i]
		}
		c, err := coerce(e, t, p)
		if err != nil {
			return nil, nil, err
		}
		out[i] = c
	}
	return out, t, nil
}

func isIntLit(e expr.Expr) bool {
	l, ok := e.(*expr.Literal)
	if !ok || l.Value == nil {
		return false
	}
	return isInteger(l.Type)
}

// literalDecimal is the narrowest DECIMAL holding an integer literal.
func literalDecimal(l *expr.Literal) arrow.DataType {
	v := l.Value.(int64)
	digits := int32(1)
	for v >= 10 || v <= -10 {
		v /= 10
		digits++
	}
	return expr.DecimalType(digits, 0)
}

// decimalParams is the (precision, scale) an operand counts with in DuckDB's
// DECIMAL arithmetic.
func decimalParams(e expr.Expr, common *arrow.Decimal128Type) (int32, int32) {
	t := e.DataType()
	switch {
	case isIntLit(e):
		return decimalOf(literalDecimal(e.(*expr.Literal)))
	case catalog.IsNumeric(t):
		return decimalOf(t)
	}
	return common.Precision, common.Scale
}

func castHint(a, b arrow.DataType) string {
	if isString(a) || isString(b) {
		return " (a VARCHAR column is not converted implicitly; add an explicit CAST)"
	}
	return ""
}

func (b *binder) bindBool(e parser.Expr, what string) (expr.Expr, error) {
	v, err := b.bind(e)
	if err != nil {
		return nil, err
	}
	if isBool(v.DataType()) {
		return v, nil
	}
	if isNull(v.DataType()) {
		return coerce(v, expr.TypeBoolean, e.Position())
	}
	if l, ok := v.(*expr.Literal); ok && isString(l.Type) {
		return coerce(v, expr.TypeBoolean, e.Position())
	}
	return nil, parser.Errorf(e.Position(), "", "%s needs a BOOLEAN, got %s", what, catalog.TypeString(v.DataType()))
}

func (b *binder) bindAll(es []parser.Expr) ([]expr.Expr, []parser.Pos, error) {
	out := make([]expr.Expr, len(es))
	poss := make([]parser.Pos, len(es))
	for i, e := range es {
		v, err := b.bind(e)
		if err != nil {
			return nil, nil, err
		}
		out[i], poss[i] = v, e.Position()
	}
	return out, poss, nil
}

var comparisonFuncs = map[string]string{"=": "eq", "<>": "ne", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}

var arithFuncs = map[string]string{"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "DIV": "div"}

var opSymbols = map[string]string{"add": "+", "sub": "-", "mul": "*", "div": "/", "mod": "%",
	"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "and": "AND", "or": "OR"}

func (b *binder) binary(x *parser.BinaryExpr) (expr.Expr, error) {
	op := strings.ToUpper(x.Op)
	switch op {
	case "AND", "OR":
		l, err := b.bindBool(x.L, op)
		if err != nil {
			return nil, err
		}
		r, err := b.bindBool(x.R, op)
		if err != nil {
			return nil, err
		}
		return call(strings.ToLower(op), expr.TypeBoolean, l, r), nil
	case "LIKE", "NOT LIKE":
		return b.like(x, op == "NOT LIKE")
	case "||":
		return b.concatOp(x)
	}
	if fn, ok := comparisonFuncs[op]; ok {
		l, r, err := b.bindPair(x.L, x.R)
		if err != nil {
			return nil, err
		}
		args, t, err := unify(x.Pos, "comparison "+op, []parser.Pos{x.L.Position(), x.R.Position()}, l, r)
		if err != nil {
			return nil, err
		}
		if isNull(t) {
			return &expr.Literal{Value: nil, Type: expr.TypeBoolean}, nil
		}
		return call(fn, expr.TypeBoolean, args...), nil
	}
	if fn, ok := arithFuncs[op]; ok {
		return b.arith(x, op, fn)
	}
	return nil, parser.Errorf(x.Pos, x.Op, "unsupported operator %s", x.Op)
}

func (b *binder) bindPair(l, r parser.Expr) (expr.Expr, expr.Expr, error) {
	lv, err := b.bind(l)
	if err != nil {
		return nil, nil, err
	}
	rv, err := b.bind(r)
	if err != nil {
		return nil, nil, err
	}
	return lv, rv, nil
}

// arith types + - * / % DIV, and TIMESTAMP ± INTERVAL.
func (b *binder) arith(x *parser.BinaryExpr, op, fn string) (expr.Expr, error) {
	li, lIsIv := x.L.(*parser.IntervalLit)
	ri, rIsIv := x.R.(*parser.IntervalLit)
	if lIsIv || rIsIv {
		return b.intervalArith(x, op, li, ri)
	}
	l, r, err := b.bindPair(x.L, x.R)
	if err != nil {
		return nil, err
	}
	lt, rt := l.DataType(), r.DataType()
	if catalog.IsTimestamp(lt) || catalog.IsTimestamp(rt) {
		return nil, parser.Errorf(x.Pos, op, "cannot apply %s to %s and %s (add or subtract an INTERVAL, e.g. ts + INTERVAL 10 SECOND)",
			op, catalog.TypeString(lt), catalog.TypeString(rt))
	}
	okType := func(t arrow.DataType, e expr.Expr) bool {
		return catalog.IsNumeric(t) || isNull(t) || (isString(t) && isLit(e))
	}
	if !okType(lt, l) || !okType(rt, r) {
		return nil, parser.Errorf(x.Pos, op, "operator %s needs numbers, got %s and %s", op,
			catalog.TypeString(lt), catalog.TypeString(rt))
	}
	poss := []parser.Pos{x.L.Position(), x.R.Position()}
	if op == "/" {
		lc, err := coerce(l, expr.TypeDouble, poss[0])
		if err != nil {
			return nil, err
		}
		rc, err := coerce(r, expr.TypeDouble, poss[1])
		if err != nil {
			return nil, err
		}
		return call("div", expr.TypeDouble, lc, rc), nil
	}
	args, t, err := unify(x.Pos, "operator "+op, poss, l, r)
	if err != nil {
		return nil, err
	}
	if isNull(t) || isString(t) {
		// NULL + NULL, '1' + '2': DuckDB refuses the latter too; treat
		// both as INTEGER like an untyped NULL would become.
		if args, t, err = unify(x.Pos, "operator "+op, poss, mustCoerce(args[0], expr.TypeInt), mustCoerce(args[1], expr.TypeInt)); err != nil {
			return nil, err
		}
	}
	if op == "DIV" && !isInteger(t) {
		return nil, parser.Errorf(x.Pos, op, "DIV needs integers, got %s (use / for a DOUBLE quotient)", catalog.TypeString(t))
	}
	rt = t
	if d, ok := t.(*arrow.Decimal128Type); ok {
		switch fn {
		case "add", "sub":
			rt = expr.DecimalType(min(catalog.MaxDecimalPrecision, d.Precision+1), d.Scale)
		case "mul":
			// DuckDB: DECIMAL(p1,s1) * DECIMAL(p2,s2) is DECIMAL(p1+p2,
			// s1+s2) (integers count as DECIMAL(10,0) / DECIMAL(19,0)).
			// exec multiplies the common-typed arguments (scale 2s) and
			// rescales exactly to the result's scale.
			p1, s1 := decimalParams(l, d)
			p2, s2 := decimalParams(r, d)
			if 2*d.Scale > catalog.MaxDecimalPrecision || s1+s2 > catalog.MaxDecimalPrecision {
				args[0], args[1] = mustCoerce(args[0], expr.TypeDouble), mustCoerce(args[1], expr.TypeDouble)
				rt = expr.TypeDouble
			} else {
				rt = expr.DecimalType(min(catalog.MaxDecimalPrecision, p1+p2), s1+s2)
			}
		}
	}
	return call(fn, rt, args...), nil
}

// mustCoerce is coerce for conversions that cannot fail (numeric widening,
// NULL); a failure leaves a runtime cast.
func mustCoerce(e expr.Expr, to arrow.DataType) expr.Expr {
	if typeEq(e.DataType(), to) {
		return e
	}
	if l, ok := e.(*expr.Literal); ok {
		if c, err := castLiteral(l, to); err == nil {
			return c
		}
	}
	return call("cast", to, e)
}

func (b *binder) intervalArith(x *parser.BinaryExpr, op string, li, ri *parser.IntervalLit) (expr.Expr, error) {
	if li != nil && ri != nil {
		return nil, parser.Errorf(x.Pos, op, "INTERVAL %s INTERVAL is not supported; add each INTERVAL to a TIMESTAMP", op)
	}
	if op != "+" && op != "-" {
		return nil, parser.Errorf(x.Pos, op, "an INTERVAL can only be added to or subtracted from a TIMESTAMP")
	}
	var tsExpr parser.Expr
	iv := li
	if li != nil {
		if op == "-" {
			return nil, parser.Errorf(x.Pos, op, "INTERVAL - TIMESTAMP is not defined; write ts - INTERVAL ...")
		}
		tsExpr = x.R
	} else {
		iv, tsExpr = ri, x.L
	}
	ts, err := b.bind(tsExpr)
	if err != nil {
		return nil, err
	}
	if !catalog.IsTimestamp(ts.DataType()) {
		if l, ok := ts.(*expr.Literal); ok && (isString(l.Type) || isNull(l.Type)) {
			if ts, err = coerce(ts, expr.TypeTimestamp, tsExpr.Position()); err != nil {
				return nil, err
			}
		} else {
			return nil, parser.Errorf(tsExpr.Position(), "", "INTERVAL arithmetic needs a TIMESTAMP, got %s", catalog.TypeString(ts.DataType()))
		}
	}
	fn := "add_interval"
	if op == "-" {
		fn = "sub_interval"
	}
	return call(fn, expr.TypeTimestamp, ts, &expr.Literal{Value: iv.Millis, Type: expr.TypeBigint}), nil
}

func (b *binder) unary(x *parser.UnaryExpr) (expr.Expr, error) {
	switch strings.ToUpper(x.Op) {
	case "NOT", "!":
		v, err := b.bindBool(x.X, "NOT")
		if err != nil {
			return nil, err
		}
		return call("not", expr.TypeBoolean, v), nil
	case "-":
		v, err := b.bind(x.X)
		if err != nil {
			return nil, err
		}
		if isNull(v.DataType()) {
			return &expr.Literal{Value: nil, Type: expr.TypeInt}, nil
		}
		if !catalog.IsNumeric(v.DataType()) {
			return nil, parser.Errorf(x.Pos, "-", "unary minus needs a number, got %s", catalog.TypeString(v.DataType()))
		}
		return foldNode(call("neg", v.DataType(), v)), nil
	case "+":
		return b.bind(x.X)
	}
	return nil, parser.Errorf(x.Pos, x.Op, "unsupported operator %s", x.Op)
}

func (b *binder) like(x *parser.BinaryExpr, not bool) (expr.Expr, error) {
	v, err := b.bind(x.L)
	if err != nil {
		return nil, err
	}
	if !isString(v.DataType()) && !isNull(v.DataType()) {
		return nil, parser.Errorf(x.L.Position(), "", "LIKE needs a VARCHAR, got %s", catalog.TypeString(v.DataType()))
	}
	v = mustCoerce(v, expr.TypeVarchar)
	p, err := b.bind(x.R)
	if err != nil {
		return nil, err
	}
	pl, ok := foldNode(p).(*expr.Literal)
	if !ok || !(isString(pl.Type) || isNull(pl.Type)) {
		return nil, parser.Errorf(x.R.Position(), "", "the LIKE pattern must be a string literal")
	}
	var e expr.Expr = call("like", expr.TypeBoolean, v, mustCoerce(pl, expr.TypeVarchar))
	if not {
		e = call("not", expr.TypeBoolean, e)
	}
	return e, nil
}

// concatOp is a || b || ...: NULL when any operand is NULL (unlike
// concat(), which skips NULLs). A chain becomes one concat call.
func (b *binder) concatOp(x *parser.BinaryExpr) (expr.Expr, error) {
	var operands []parser.Expr
	var collect func(e parser.Expr)
	collect = func(e parser.Expr) {
		if be, ok := e.(*parser.BinaryExpr); ok && be.Op == "||" {
			collect(be.L)
			collect(be.R)
			return
		}
		operands = append(operands, e)
	}
	collect(x)
	args := make([]expr.Expr, len(operands))
	var nullTests []expr.Expr
	for i, o := range operands {
		v, err := b.bind(o)
		if err != nil {
			return nil, err
		}
		args[i] = toVarchar(v)
		if l, ok := args[i].(*expr.Literal); ok {
			if l.Value == nil {
				return &expr.Literal{Value: nil, Type: expr.TypeVarchar}, nil
			}
			continue
		}
		nullTests = append(nullTests, call("is_null", expr.TypeBoolean, args[i]))
	}
	cat := call("concat", expr.TypeVarchar, args...)
	if len(nullTests) == 0 {
		return foldNode(cat), nil
	}
	anyNull := nullTests[0]
	for _, t := range nullTests[1:] {
		anyNull = call("or", expr.TypeBoolean, anyNull, t)
	}
	return call("case", expr.TypeVarchar, anyNull, &expr.Literal{Value: nil, Type: expr.TypeVarchar}, cat), nil
}

func toVarchar(e expr.Expr) expr.Expr { return mustCoerce(e, expr.TypeVarchar) }

func (b *binder) in(x *parser.InExpr) (expr.Expr, error) {
	if x.Subquery != nil {
		return nil, parser.Errorf(x.Pos, "", "IN (subquery) is not supported")
	}
	if len(x.List) == 0 {
		return nil, parser.Errorf(x.Pos, "", "IN needs at least one value")
	}
	all := append([]parser.Expr{x.X}, x.List...)
	vals, poss, err := b.bindAll(all)
	if err != nil {
		return nil, err
	}
	args, _, err := unify(x.Pos, "IN list", poss, vals...)
	if err != nil {
		return nil, err
	}
	var e expr.Expr = call("in", expr.TypeBoolean, args...)
	if x.Not {
		e = call("not", expr.TypeBoolean, e)
	}
	return e, nil
}

func (b *binder) between(x *parser.BetweenExpr) (expr.Expr, error) {
	vals, poss, err := b.bindAll([]parser.Expr{x.X, x.Lo, x.Hi})
	if err != nil {
		return nil, err
	}
	args, _, err := unify(x.Pos, "BETWEEN", poss, vals...)
	if err != nil {
		return nil, err
	}
	var e expr.Expr = call("between", expr.TypeBoolean, args...)
	if x.Not {
		e = call("not", expr.TypeBoolean, e)
	}
	return e, nil
}

func (b *binder) caseExpr(x *parser.CaseExpr) (expr.Expr, error) {
	if len(x.Whens) == 0 {
		return nil, parser.Errorf(x.Pos, "", "CASE needs at least one WHEN")
	}
	var operand expr.Expr
	if x.Operand != nil {
		var err error
		if operand, err = b.bind(x.Operand); err != nil {
			return nil, err
		}
	}
	conds := make([]expr.Expr, len(x.Whens))
	results := make([]expr.Expr, 0, len(x.Whens)+1)
	poss := make([]parser.Pos, 0, len(x.Whens)+1)
	for i, w := range x.Whens {
		if operand != nil {
			v, err := b.bind(w.Cond)
			if err != nil {
				return nil, err
			}
			args, _, err := unify(w.Cond.Position(), "CASE operand and WHEN value", []parser.Pos{x.Operand.Position(), w.Cond.Position()}, operand, v)
			if err != nil {
				return nil, err
			}
			conds[i] = call("eq", expr.TypeBoolean, args...)
		} else {
			c, err := b.bindBool(w.Cond, "WHEN")
			if err != nil {
				return nil, err
			}
			conds[i] = c
		}
		r, err := b.bind(w.Then)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
		poss = append(poss, w.Then.Position())
	}
	if x.Else != nil {
		r, err := b.bind(x.Else)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
		poss = append(poss, x.Else.Position())
	} else {
		results = append(results, &expr.Literal{Value: nil, Type: expr.TypeNull})
		poss = append(poss, x.Pos)
	}
	results, t, err := unify(x.Pos, "CASE results", poss, results...)
	if err != nil {
		return nil, err
	}
	args := make([]expr.Expr, 0, 2*len(conds)+1)
	for i, c := range conds {
		args = append(args, c, results[i])
	}
	args = append(args, results[len(results)-1])
	return call("case", t, args...), nil
}

func (b *binder) cast(x *parser.CastExpr) (expr.Expr, error) {
	v, err := b.bind(x.X)
	if err != nil {
		return nil, err
	}
	to, err := catalog.ArrowType(x.Type)
	if err != nil {
		return nil, err
	}
	if typeEq(v.DataType(), to) {
		return v, nil
	}
	if l, ok := v.(*expr.Literal); ok {
		c, err := castLiteral(l, to)
		if err != nil {
			return nil, parser.Errorf(x.Pos, "", "%v", err)
		}
		return c, nil
	}
	from := v.DataType()
	if !castable(from, to) {
		return nil, parser.Errorf(x.Pos, "", "cannot CAST %s to %s", catalog.TypeString(from), catalog.TypeString(to))
	}
	return call("cast", to, v), nil
}

// castable lists the explicit casts spate evaluates.
func castable(from, to arrow.DataType) bool {
	switch {
	case isNull(from), isString(from), isString(to):
		return true
	case catalog.IsNumeric(from) && catalog.IsNumeric(to):
		return true
	case isBool(from) && isInteger(to), isInteger(from) && isBool(to):
		return true
	}
	return false
}
