package planner

import (
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/spate-sql/spate/exec/expr"
)

// fold evaluates the constant parts of e at plan time.
func fold(e expr.Expr) expr.Expr {
	c, ok := e.(*expr.Call)
	if !ok {
		return e
	}
	args := make([]expr.Expr, len(c.Args))
	changed := false
	for i, a := range c.Args {
		args[i] = fold(a)
		changed = changed || args[i] != a
	}
	if changed {
		c = &expr.Call{Func: c.Func, Args: args, Type: c.Type}
	}
	return foldNode(c)
}

// foldNode folds one call whose arguments are already folded. It leaves
// anything it cannot evaluate exactly (overflow, division by zero, casts
// that fail) to the runtime, which reports it.
func foldNode(e expr.Expr) expr.Expr {
	c, ok := e.(*expr.Call)
	if !ok {
		return e
	}
	if out := simplifyLogic(c); out != nil {
		return out
	}
	lits := make([]*expr.Literal, len(c.Args))
	for i, a := range c.Args {
		l, ok := a.(*expr.Literal)
		if !ok {
			return c
		}
		lits[i] = l
	}
	null := &expr.Literal{Value: nil, Type: c.Type}
	switch c.Func {
	case "cast":
		if out, err := castLiteral(lits[0], c.Type); err == nil {
			return out
		}
	case "is_null":
		return &expr.Literal{Value: lits[0].Value == nil, Type: c.Type}
	case "is_not_null":
		return &expr.Literal{Value: lits[0].Value != nil, Type: c.Type}
	case "not":
		if lits[0].Value == nil {
			return null
		}
		if b, ok := lits[0].Value.(bool); ok {
			return &expr.Literal{Value: !b, Type: c.Type}
		}
	case "neg":
		switch v := lits[0].Value.(type) {
		case nil:
			return null
		case int64:
			if v != math.MinInt64 && !(c.Type.ID() == arrow.INT32 && v == math.MinInt32) {
				return &expr.Literal{Value: -v, Type: c.Type}
			}
		case float64:
			return &expr.Literal{Value: -v, Type: c.Type}
		case decimal128.Num:
			return &expr.Literal{Value: v.Negate(), Type: c.Type}
		}
	case "add", "sub", "mul":
		return foldArith(c, lits)
	case "eq", "ne", "lt", "le", "gt", "ge":
		if lits[0].Value == nil || lits[1].Value == nil {
			return null
		}
		if cmp, ok := compareLits(lits[0], lits[1]); ok {
			var r bool
			switch c.Func {
			case "eq":
				r = cmp == 0
			case "ne":
				r = cmp != 0
			case "lt":
				r = cmp < 0
			case "le":
				r = cmp <= 0
			case "gt":
				r = cmp > 0
			case "ge":
				r = cmp >= 0
			}
			return &expr.Literal{Value: r, Type: c.Type}
		}
	case "concat":
		var sb strings.Builder
		for _, l := range lits {
			s, ok := l.Value.(string)
			if !ok && l.Value != nil {
				return c
			}
			sb.WriteString(s)
		}
		return &expr.Literal{Value: sb.String(), Type: c.Type}
	case "lower", "upper":
		s, ok := lits[0].Value.(string)
		if !ok {
			if lits[0].Value == nil {
				return null
			}
			return c
		}
		if c.Func == "lower" {
			return &expr.Literal{Value: strings.ToLower(s), Type: c.Type}
		}
		return &expr.Literal{Value: strings.ToUpper(s), Type: c.Type}
	}
	return c
}

// simplifyLogic folds AND/OR with one constant side (three-valued:
// false AND x = false, true OR x = true, true AND x = x, false OR x = x).
func simplifyLogic(c *expr.Call) expr.Expr {
	if c.Func != "and" && c.Func != "or" {
		return nil
	}
	for i, a := range c.Args {
		l, ok := a.(*expr.Literal)
		if !ok {
			continue
		}
		b, ok := l.Value.(bool)
		if !ok {
			continue
		}
		other := c.Args[1-i]
		switch {
		case c.Func == "and" && !b, c.Func == "or" && b:
			return &expr.Literal{Value: b, Type: c.Type}
		case c.Func == "and" && b, c.Func == "or" && !b:
			return other
		}
	}
	lits := 0
	for _, a := range c.Args {
		if l, ok := a.(*expr.Literal); ok && l.Value == nil {
			lits++
		}
	}
	if lits == 2 {
		return &expr.Literal{Value: nil, Type: c.Type}
	}
	return nil
}

func foldArith(c *expr.Call, lits []*expr.Literal) expr.Expr {
	if lits[0].Value == nil || lits[1].Value == nil {
		return &expr.Literal{Value: nil, Type: c.Type}
	}
	switch a := lits[0].Value.(type) {
	case int64:
		b, ok := lits[1].Value.(int64)
		if !ok || c.Type.ID() == arrow.TIMESTAMP {
			return c
		}
		var r int64
		var over bool
		switch c.Func {
		case "add":
			r = a + b
			over = (b > 0 && r < a) || (b < 0 && r > a)
		case "sub":
			r = a - b
			over = (b < 0 && r < a) || (b > 0 && r > a)
		case "mul":
			r = a * b
			over = a != 0 && (r/a != b || (a == -1 && b == math.MinInt64))
		}
		if over || (c.Type.ID() == arrow.INT32 && (r < math.MinInt32 || r > math.MaxInt32)) {
			return c
		}
		return &expr.Literal{Value: r, Type: c.Type}
	case float64:
		b, ok := lits[1].Value.(float64)
		if !ok {
			return c
		}
		switch c.Func {
		case "add":
			return &expr.Literal{Value: a + b, Type: c.Type}
		case "sub":
			return &expr.Literal{Value: a - b, Type: c.Type}
		case "mul":
			return &expr.Literal{Value: a * b, Type: c.Type}
		}
	}
	return c
}

// compareLits orders two same-typed non-NULL literals.
func compareLits(a, b *expr.Literal) (int, bool) {
	switch x := a.Value.(type) {
	case int64:
		y, ok := b.Value.(int64)
		if !ok {
			return 0, false
		}
		return cmp3(x < y, x > y), true
	case float64:
		y, ok := b.Value.(float64)
		if !ok || math.IsNaN(x) || math.IsNaN(y) {
			return 0, false
		}
		return cmp3(x < y, x > y), true
	case string:
		y, ok := b.Value.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	case bool:
		y, ok := b.Value.(bool)
		if !ok {
			return 0, false
		}
		return cmp3(!x && y, x && !y), true
	}
	return 0, false
}

func cmp3(lt, gt bool) int {
	switch {
	case lt:
		return -1
	case gt:
		return 1
	}
	return 0
}
