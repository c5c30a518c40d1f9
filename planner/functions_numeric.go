package planner

import (
	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// numericFunc binds abs, floor, ceil(ing) and round with DuckDB's result
// types: abs and round keep the argument's type (round of a DECIMAL(p,s)
// to n digits is DECIMAL(p, clamp(n, 0, s))); floor and ceil of an
// integer are DOUBLE, of a DECIMAL(p,s) DECIMAL(p,0).
func (b *binder) numericFunc(x *parser.FuncCall, name string) (expr.Expr, error) {
	hi := 1
	if name == "round" {
		hi = 2
	}
	if len(x.Args) < 1 || len(x.Args) > hi {
		return nil, parser.Errorf(x.Pos, "", "%s takes %s, got %d", name, arity(1, hi), len(x.Args))
	}
	args, poss, err := b.bindAll(x.Args)
	if err != nil {
		return nil, err
	}
	a := args[0]
	t := a.DataType()
	if isNull(t) {
		a, t = mustCoerce(a, expr.TypeInt), expr.TypeInt
	}
	if !catalog.IsNumeric(t) {
		return nil, parser.Errorf(poss[0], "", "argument 1 of %s must be a number, got %s", name, catalog.TypeString(t))
	}
	switch name {
	case "abs":
		return call("abs", t, a), nil
	case "floor", "ceil", "ceiling":
		fn := name
		if fn == "ceiling" {
			fn = "ceil"
		}
		switch {
		case isDecimal(t):
			return call(fn, expr.RoundType(t, 0), a), nil
		case isInteger(t):
			a, t = mustCoerce(a, expr.TypeDouble), expr.TypeDouble
		}
		return call(fn, t, a), nil
	}
	if len(args) == 1 {
		return call("round", expr.RoundType(t, 0), a), nil
	}
	d, err := coerceParam(name, 1, argIntLit, args[1], poss[1])
	if err != nil {
		return nil, err
	}
	digits := int64(0)
	if l := d.(*expr.Literal); l.Value != nil {
		digits = l.Value.(int64)
	}
	return call("round", expr.RoundType(t, digits), a, d), nil
}
