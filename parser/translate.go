package parser

import (
	"fmt"
	"strconv"
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"
)

// translator turns a vitess AST into spate's. vitess nodes carry no
// positions, so the translator walks the query's own tokens alongside the
// tree: nodes are visited in source order and each one claims its leading
// token by searching forward from a cursor. Leaves (names, literals,
// keywords that open a construct) are searched for their exact text, so
// they cannot match an unrelated token; operators, aliases and trailing
// keywords (END, IS NULL's NULL, an interval's unit) are only claimed right
// after the cursor (skipping closing parentheses), because the same word
// may be a leaf later on (SELECT a AS minute, minute). A node whose token
// is not found keeps the cursor and gets the next token's position; the
// position oracle in the tests and the fuzzer check that this never
// happens for a query that parses.
type translator struct {
	li   *lineIndex
	toks []token
	cur  int
	rw   *rewrites
	end  int
	last int // index of the last token claimed by take
}

// seek returns the index of the first token at or after the cursor that
// satisfies f, or -1.
func (t *translator) seek(f func(i int) bool) int {
	for i := t.cur; i < len(t.toks); i++ {
		if f(i) {
			return i
		}
	}
	return -1
}

// take moves the cursor past token i and returns its position; for i < 0
// (not found) it returns the position of the next unclaimed token.
func (t *translator) take(i int) Pos {
	if i < 0 {
		return t.here()
	}
	t.cur = i + 1
	t.last = i
	return t.li.pos(t.toks[i].off)
}

func (t *translator) here() Pos {
	if t.cur < len(t.toks) {
		return t.li.pos(t.toks[t.cur].off)
	}
	return t.li.pos(t.end)
}

func (t *translator) word(w string) func(int) bool {
	return func(i int) bool { return t.toks[i].isWord(w) }
}

func (t *translator) name(n string) func(int) bool {
	return func(i int) bool { return t.toks[i].isName() && t.toks[i].val == n }
}

// call matches "name (" for any of the given names.
func (t *translator) call(names ...string) func(int) bool {
	return func(i int) bool {
		if !t.toks[i].isName() || i+1 >= len(t.toks) || !t.toks[i+1].isOp("(") {
			return false
		}
		for _, n := range names {
			if t.toks[i].val == n {
				return true
			}
		}
		return false
	}
}

// next returns the index of the first token after the cursor that is not a
// closing parenthesis, when it satisfies f; otherwise -1.
func (t *translator) next(f func(i int) bool) int {
	i := t.cur
	for i < len(t.toks) && t.toks[i].isOp(")") {
		i++
	}
	if i < len(t.toks) && f(i) {
		return i
	}
	return -1
}

// nextOp claims an operator written as any of alts (symbols or words).
func (t *translator) nextOp(alts ...string) {
	i := t.next(func(i int) bool {
		tk := t.toks[i]
		for _, a := range alts {
			if (tk.kind == tokOp || tk.kind == tokIdent) && tk.val == a {
				return true
			}
		}
		return false
	})
	if i >= 0 {
		t.cur = i + 1
	}
}

// errAt reports msg at pos, naming the token found there.
func (t *translator) errAt(pos Pos, format string, args ...any) *Error {
	e := &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
	if t.last < len(t.toks) && t.li.pos(t.toks[t.last].off) == pos {
		e.Token = t.li.text(t.toks[t.last])
		return e
	}
	for _, tk := range t.toks {
		if p := t.li.pos(tk.off); p == pos {
			e.Token = t.li.text(tk)
			break
		}
	}
	return e
}

// refuseOp reports an operator spate does not support at the operator
// itself: the left operand is claimed first so the operator is next.
func (t *translator) refuseOp(left sqlparser.Expr, format string, args ...any) error {
	if left != nil {
		if _, err := t.expr(left); err != nil {
			return err
		}
	}
	i := t.next(func(int) bool { return true })
	pos := t.here()
	if i >= 0 {
		pos = t.take(i)
	}
	return t.errAt(pos, format, args...)
}

// unsupported reports a construct spate does not translate, at the next
// unclaimed token (the construct's own position is unknown by definition).
func (t *translator) unsupported(what string) *Error {
	i := t.cur
	for i < len(t.toks) && (t.toks[i].isOp(",") || t.toks[i].isOp("(") || t.toks[i].isOp(")")) {
		i++
	}
	if i >= len(t.toks) {
		return t.errAt(t.here(), "%s is not supported", what)
	}
	t.last = i
	return t.errAt(t.li.pos(t.toks[i].off), "%s is not supported", what)
}

// ---- queries ----

func (t *translator) query(s sqlparser.TableStatement) (Query, error) {
	switch s := s.(type) {
	case *sqlparser.Select:
		return t.selectStmt(s)
	case *sqlparser.Union:
		return t.union(s)
	}
	return nil, t.unsupported(fmt.Sprintf("the query form %q", sqlparser.String(s)))
}

func (t *translator) union(u *sqlparser.Union) (Query, error) {
	if u.With != nil {
		return nil, t.errAt(t.take(t.seek(t.word("with"))), "WITH (common table expressions) is not supported; use a view or a derived table")
	}
	if u.Into != nil || u.Lock != sqlparser.NoLock {
		return nil, t.unsupported("INTO or a locking clause")
	}
	left, err := t.query(u.Left)
	if err != nil {
		return nil, err
	}
	op := "UNION"
	if !u.Distinct {
		op = "UNION ALL"
	}
	right, err := t.query(u.Right)
	if err != nil {
		return nil, err
	}
	so := &SetOp{Pos: left.Position(), Op: op, Left: left, Right: right}
	if so.OrderBy, err = t.orderBy(u.OrderBy); err != nil {
		return nil, err
	}
	if so.Limit, err = t.limit(u.Limit); err != nil {
		return nil, err
	}
	return so, nil
}

func (t *translator) selectStmt(s *sqlparser.Select) (*Select, error) {
	if s.With != nil {
		return nil, t.errAt(t.take(t.seek(t.word("with"))), "WITH (common table expressions) is not supported; use a view or a derived table")
	}
	pos := t.take(t.seek(t.word("select")))
	// at finds the keyword of a refused clause for the error position.
	at := func(words ...string) Pos {
		for _, w := range words {
			if i := t.seek(t.word(w)); i >= 0 {
				return t.take(i)
			}
		}
		return pos
	}
	switch {
	case s.Into != nil:
		return nil, t.errAt(at("into"), "SELECT ... INTO is not supported")
	case s.Lock != sqlparser.NoLock:
		return nil, t.errAt(at("lock", "for"), "locking clauses (FOR UPDATE, LOCK IN SHARE MODE) are not supported")
	case s.HighPriority || s.StraightJoinHint || s.SQLSmallResult || s.SQLBigResult || s.SQLBufferResult || s.SQLCalcFoundRows || s.Cache != nil:
		return nil, t.errAt(at("high_priority", "straight_join", "sql_small_result", "sql_big_result", "sql_buffer_result", "sql_calc_found_rows", "sql_cache", "sql_no_cache"),
			"MySQL SELECT modifiers (HIGH_PRIORITY, SQL_*, STRAIGHT_JOIN) are not supported")
	case len(s.Windows) > 0:
		if i := t.seek(t.word("window")); i >= 0 {
			pos = t.take(i)
		}
		return nil, t.errAt(pos, "named windows (WINDOW w AS ...) are not supported; write the window inline in OVER (...)")
	}
	sel := &Select{Pos: pos, Distinct: s.Distinct}
	if s.SelectExprs != nil {
		for _, se := range s.SelectExprs.Exprs {
			item, err := t.selectItem(se)
			if err != nil {
				return nil, err
			}
			sel.Items = append(sel.Items, item)
		}
	}
	var err error
	if !isDual(s.From) {
		for _, te := range s.From {
			right, err := t.tableExpr(te)
			if err != nil {
				return nil, err
			}
			if sel.From == nil {
				sel.From = right
			} else {
				sel.From = &Join{Pos: sel.From.Position(), Kind: CrossJoin, Left: sel.From, Right: right}
			}
		}
	}
	if s.Where != nil {
		if sel.Where, err = t.expr(s.Where.Expr); err != nil {
			return nil, err
		}
	}
	if s.GroupBy != nil {
		if s.GroupBy.WithRollup {
			return nil, t.unsupported("GROUP BY ... WITH ROLLUP")
		}
		for _, g := range s.GroupBy.Exprs {
			e, err := t.expr(g)
			if err != nil {
				return nil, err
			}
			sel.GroupBy = append(sel.GroupBy, e)
		}
	}
	if s.Having != nil {
		if sel.Having, err = t.expr(s.Having.Expr); err != nil {
			return nil, err
		}
	}
	if sel.OrderBy, err = t.orderBy(s.OrderBy); err != nil {
		return nil, err
	}
	if sel.Limit, err = t.limit(s.Limit); err != nil {
		return nil, err
	}
	return sel, nil
}

// isDual reports vitess's stand-in for a SELECT without FROM.
func isDual(from []sqlparser.TableExpr) bool {
	if len(from) != 1 {
		return false
	}
	at, ok := from[0].(*sqlparser.AliasedTableExpr)
	if !ok || !at.As.IsEmpty() {
		return false
	}
	tn, ok := at.Expr.(sqlparser.TableName)
	return ok && tn.Qualifier.IsEmpty() && strings.EqualFold(tn.Name.String(), "dual")
}

func (t *translator) selectItem(se sqlparser.SelectExpr) (SelectItem, error) {
	switch se := se.(type) {
	case *sqlparser.StarExpr:
		if se.TableName.IsEmpty() {
			return SelectItem{Pos: t.take(t.seek(func(i int) bool { return t.toks[i].isOp("*") })), Star: true}, nil
		}
		if !se.TableName.Qualifier.IsEmpty() {
			return SelectItem{}, t.unsupported("a qualified table name in t.*")
		}
		tbl := strings.ToLower(se.TableName.Name.String())
		i := t.seek(func(i int) bool {
			return t.toks[i].isName() && t.toks[i].val == tbl && i+2 < len(t.toks) && t.toks[i+1].isOp(".") && t.toks[i+2].isOp("*")
		})
		pos := t.take(i)
		if i >= 0 {
			t.cur = i + 3
		}
		return SelectItem{Pos: pos, Star: true, StarTable: tbl}, nil
	case *sqlparser.AliasedExpr:
		e, err := t.expr(se.Expr)
		if err != nil {
			return SelectItem{}, err
		}
		item := SelectItem{Pos: e.Position(), Expr: e}
		if !se.As.IsEmpty() {
			item.Alias = se.As.Lowered()
			t.alias(item.Alias)
		}
		return item, nil
	}
	return SelectItem{}, t.unsupported(fmt.Sprintf("the select item %q", sqlparser.String(se)))
}

// alias claims "[AS] alias" right after the cursor.
func (t *translator) alias(a string) {
	i := t.next(func(i int) bool { return true })
	if i < 0 {
		return
	}
	if t.toks[i].isWord("as") {
		i++
	}
	if i < len(t.toks) && (t.toks[i].isName() || t.toks[i].kind == tokString) && strings.EqualFold(t.toks[i].val, a) {
		t.cur = i + 1
	}
}

func (t *translator) tableExpr(te sqlparser.TableExpr) (TableExpr, error) {
	switch te := te.(type) {
	case *sqlparser.AliasedTableExpr:
		if len(te.Partitions) > 0 || len(te.Hints) > 0 {
			if tn, ok := te.Expr.(sqlparser.TableName); ok {
				t.take(t.seek(t.name(strings.ToLower(tn.Name.String()))))
			}
			return nil, t.refuseOp(nil, "index hints and PARTITION (...) are not supported")
		}
		var out TableExpr
		switch x := te.Expr.(type) {
		case sqlparser.TableName:
			if !x.Qualifier.IsEmpty() {
				q := strings.ToLower(x.Qualifier.String())
				return nil, t.errAt(t.take(t.seek(t.name(q))), "qualified table names are not supported; write the source or view name alone")
			}
			n := strings.ToLower(x.Name.String())
			out = &TableName{Pos: t.take(t.seek(t.name(n))), Name: n}
		case *sqlparser.DerivedTable:
			if x.Lateral {
				return nil, t.errAt(t.take(t.seek(t.word("lateral"))), "LATERAL derived tables are not supported")
			}
			pos := t.subqueryPos()
			q, err := t.query(x.Select)
			if err != nil {
				return nil, err
			}
			out = &DerivedTable{Pos: pos, Query: q}
		default:
			return nil, t.unsupported(fmt.Sprintf("the table expression %q", sqlparser.String(te)))
		}
		if len(te.Columns) > 0 {
			return nil, t.errAt(out.Position(), "column lists after a table alias are not supported; alias the columns in the SELECT")
		}
		if !te.As.IsEmpty() {
			a := strings.ToLower(te.As.String())
			t.alias(a)
			switch o := out.(type) {
			case *TableName:
				o.Alias = a
			case *DerivedTable:
				o.Alias = a
			}
		}
		return out, nil
	case *sqlparser.ParenTableExpr:
		var out TableExpr
		for _, x := range te.Exprs {
			right, err := t.tableExpr(x)
			if err != nil {
				return nil, err
			}
			if out == nil {
				out = right
			} else {
				out = &Join{Pos: out.Position(), Kind: CrossJoin, Left: out, Right: right}
			}
		}
		if out == nil {
			return nil, t.unsupported("an empty table list")
		}
		return out, nil
	case *sqlparser.JoinTableExpr:
		return t.join(te)
	}
	return nil, t.unsupported(fmt.Sprintf("the table expression %q", sqlparser.String(te)))
}

func (t *translator) join(te *sqlparser.JoinTableExpr) (TableExpr, error) {
	left, err := t.tableExpr(te.LeftExpr)
	if err != nil {
		return nil, err
	}
	ji := t.seek(func(i int) bool { return t.toks[i].isWord("join") || t.toks[i].isWord("straight_join") })
	full := false
	if ji >= 0 {
		k := ji - 1
		if k >= 0 && t.toks[k].isWord("outer") {
			k--
		}
		full = k >= 0 && t.toks[k].isWord("full")
		t.cur = ji + 1
	}
	jpos := t.here()
	if ji >= 0 {
		jpos = t.li.pos(t.toks[ji].off)
	}
	j := &Join{Pos: left.Position(), Left: left}
	hasCond := te.Condition != nil && (te.Condition.On != nil || len(te.Condition.Using) > 0)
	switch te.Join {
	case sqlparser.NormalJoinType:
		j.Kind = InnerJoin
		if !hasCond {
			j.Kind = CrossJoin
		}
	case sqlparser.LeftJoinType:
		j.Kind = LeftJoin
		if full {
			j.Kind = FullJoin
		}
	case sqlparser.RightJoinType:
		j.Kind = RightJoin
	case sqlparser.StraightJoinType:
		return nil, t.errAt(jpos, "STRAIGHT_JOIN is not supported; use JOIN")
	default:
		return nil, t.errAt(jpos, "NATURAL joins are not supported; use JOIN ... USING (...)")
	}
	if j.Right, err = t.tableExpr(te.RightExpr); err != nil {
		return nil, err
	}
	if te.Condition != nil {
		if te.Condition.On != nil {
			if j.On, err = t.expr(te.Condition.On); err != nil {
				return nil, err
			}
		}
		for _, c := range te.Condition.Using {
			n := c.Lowered()
			t.take(t.seek(t.name(n)))
			j.Using = append(j.Using, n)
		}
	}
	return j, nil
}

// subqueryPos is the position of a parenthesised subquery: its '(' when
// the next SELECT follows one, else the SELECT itself.
func (t *translator) subqueryPos() Pos {
	i := t.seek(t.word("select"))
	if i < 0 {
		return t.here()
	}
	for i > t.cur && t.toks[i-1].isOp("(") {
		i--
	}
	return t.li.pos(t.toks[i].off)
}

func (t *translator) orderBy(ob sqlparser.OrderBy) ([]OrderItem, error) {
	var out []OrderItem
	for _, o := range ob {
		e, err := t.expr(o.Expr)
		if err != nil {
			return nil, err
		}
		item := OrderItem{Expr: e, Desc: o.Direction == sqlparser.DescOrder}
		t.nextOp("asc", "desc")
		if i := t.next(func(i int) bool { return t.rw.nulls[i] }); i >= 0 {
			first := t.toks[i+1].isWord("first")
			item.NullsFirst = &first
			t.rw.nulls[i] = false
			t.cur = i + 2
		}
		out = append(out, item)
	}
	return out, nil
}

func (t *translator) limit(l *sqlparser.Limit) (Expr, error) {
	if l == nil {
		return nil, nil
	}
	if l.Offset != nil && l.Rowcount != nil {
		// "LIMIT o, n" puts the offset first in the source.
		return nil, t.errAt(t.take(t.seek(t.word("limit"))), "LIMIT with an OFFSET is not supported")
	}
	t.take(t.seek(t.word("limit")))
	if l.Rowcount == nil {
		return nil, t.unsupported("OFFSET without LIMIT")
	}
	return t.expr(l.Rowcount)
}

// ---- expressions ----

func (t *translator) exprs(in []sqlparser.Expr) ([]Expr, error) {
	out := make([]Expr, 0, len(in))
	for _, x := range in {
		e, err := t.expr(x)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (t *translator) binary(op string, l, r sqlparser.Expr, alts ...string) (Expr, error) {
	le, err := t.expr(l)
	if err != nil {
		return nil, err
	}
	t.nextOp(alts...)
	re, err := t.expr(r)
	if err != nil {
		return nil, err
	}
	return &BinaryExpr{Pos: le.Position(), Op: op, L: le, R: re}, nil
}

func (t *translator) expr(e sqlparser.Expr) (Expr, error) {
	switch e := e.(type) {
	case *sqlparser.ColName:
		return t.colName(e)
	case *sqlparser.Literal:
		return t.literal(e)
	case sqlparser.BoolVal:
		w := "false"
		if e {
			w = "true"
		}
		return &Literal{Pos: t.take(t.seek(t.word(w))), Kind: BoolLit, Text: w}, nil
	case *sqlparser.NullVal:
		return &Literal{Pos: t.take(t.seek(t.word("null"))), Kind: NullLit, Text: "NULL"}, nil
	case *sqlparser.AndExpr:
		return t.binary("AND", e.Left, e.Right, "and", "&&")
	case *sqlparser.OrExpr:
		return t.binary("OR", e.Left, e.Right, "or")
	case *sqlparser.XorExpr:
		return nil, t.refuseOp(e.Left, "XOR is not supported; use (a OR b) AND NOT (a AND b)")
	case *sqlparser.NotExpr:
		pos := t.take(t.seek(func(i int) bool { return t.toks[i].isWord("not") || t.toks[i].isOp("!") }))
		x, err := t.expr(e.Expr)
		if err != nil {
			return nil, err
		}
		return &UnaryExpr{Pos: pos, Op: "NOT", X: x}, nil
	case *sqlparser.BinaryExpr:
		return t.binaryExpr(e)
	case *sqlparser.UnaryExpr:
		return t.unaryExpr(e)
	case *sqlparser.ComparisonExpr:
		return t.comparison(e)
	case *sqlparser.IsExpr:
		return t.isExpr(e)
	case *sqlparser.BetweenExpr:
		x, err := t.expr(e.Left)
		if err != nil {
			return nil, err
		}
		t.nextOp("not")
		t.nextOp("between")
		lo, err := t.expr(e.From)
		if err != nil {
			return nil, err
		}
		t.nextOp("and")
		hi, err := t.expr(e.To)
		if err != nil {
			return nil, err
		}
		return &BetweenExpr{Pos: x.Position(), X: x, Lo: lo, Hi: hi, Not: !e.IsBetween}, nil
	case *sqlparser.CaseExpr:
		return t.caseExpr(e)
	case *sqlparser.CastExpr:
		if e.Array {
			return nil, t.unsupported("CAST ... ARRAY")
		}
		return t.cast("cast", e.Expr)
	case *sqlparser.ConvertExpr:
		return t.cast("convert", e.Expr)
	case *sqlparser.ConvertUsingExpr:
		return nil, t.errAt(t.take(t.seek(t.call("convert"))), "CONVERT ... USING (character sets) is not supported")
	case *sqlparser.FuncExpr:
		if !e.Qualifier.IsEmpty() {
			return nil, t.errAt(t.take(t.seek(t.name(strings.ToLower(e.Qualifier.String())))), "qualified function names are not supported")
		}
		n := e.Name.Lowered()
		return t.funcCall(n, []string{n}, e.Exprs, false, nil)
	case *sqlparser.CountStar:
		pos := t.take(t.seek(t.call("count")))
		t.take(t.seek(func(i int) bool { return t.toks[i].isOp("*") }))
		return &FuncCall{Pos: pos, Name: "count", Star: true}, nil
	case *sqlparser.Count:
		return t.funcCall("count", []string{"count"}, e.Args, e.Distinct, e.OverClause)
	case *sqlparser.Sum:
		return t.funcCall("sum", []string{"sum"}, []sqlparser.Expr{e.Arg}, e.Distinct, e.OverClause)
	case *sqlparser.Avg:
		return t.funcCall("avg", []string{"avg"}, []sqlparser.Expr{e.Arg}, e.Distinct, e.OverClause)
	case *sqlparser.Min:
		return t.funcCall("min", []string{"min"}, []sqlparser.Expr{e.Arg}, e.Distinct, e.OverClause)
	case *sqlparser.Max:
		return t.funcCall("max", []string{"max"}, []sqlparser.Expr{e.Arg}, e.Distinct, e.OverClause)
	case *sqlparser.Std:
		return t.funcCall("std", []string{"std"}, []sqlparser.Expr{e.Arg}, false, e.OverClause)
	case *sqlparser.StdDev:
		return t.funcCall("stddev", []string{"stddev"}, []sqlparser.Expr{e.Arg}, false, e.OverClause)
	case *sqlparser.StdPop:
		return t.funcCall("stddev_pop", []string{"stddev_pop"}, []sqlparser.Expr{e.Arg}, false, e.OverClause)
	case *sqlparser.StdSamp:
		return t.funcCall("stddev_samp", []string{"stddev_samp"}, []sqlparser.Expr{e.Arg}, false, e.OverClause)
	case *sqlparser.VarPop:
		return t.funcCall("var_pop", []string{"var_pop"}, []sqlparser.Expr{e.Arg}, false, e.OverClause)
	case *sqlparser.VarSamp:
		return t.funcCall("var_samp", []string{"var_samp"}, []sqlparser.Expr{e.Arg}, false, e.OverClause)
	case *sqlparser.Variance:
		return t.funcCall("variance", []string{"variance"}, []sqlparser.Expr{e.Arg}, false, e.OverClause)
	case *sqlparser.AnyValue:
		return t.funcCall("any_value", []string{"any_value"}, []sqlparser.Expr{e.Arg}, false, nil)
	case *sqlparser.ArgumentLessWindowExpr:
		n := strings.ToLower(e.Type.ToString())
		return t.funcCall(n, []string{n}, nil, false, e.OverClause)
	case *sqlparser.FirstOrLastValueExpr:
		if e.NullTreatmentClause != nil {
			return nil, t.unsupported("RESPECT/IGNORE NULLS")
		}
		n := strings.ToLower(e.Type.ToString())
		return t.funcCall(n, []string{n}, []sqlparser.Expr{e.Expr}, false, e.OverClause)
	case *sqlparser.LagLeadExpr:
		if e.NullTreatmentClause != nil {
			return nil, t.unsupported("RESPECT/IGNORE NULLS")
		}
		n := strings.ToLower(e.Type.ToString())
		return t.funcCall(n, []string{n}, compact(e.Expr, e.N, e.Default), false, e.OverClause)
	case *sqlparser.NtileExpr:
		return t.funcCall("ntile", []string{"ntile"}, []sqlparser.Expr{e.N}, false, e.OverClause)
	case *sqlparser.NTHValueExpr:
		if e.NullTreatmentClause != nil || e.FromFirstLastClause != nil {
			return nil, t.unsupported("FROM FIRST/LAST and RESPECT/IGNORE NULLS")
		}
		return t.funcCall("nth_value", []string{"nth_value"}, []sqlparser.Expr{e.Expr, e.N}, false, e.OverClause)
	case *sqlparser.SubstrExpr:
		return t.funcCall("substring", []string{"substring", "substr", "mid"}, compact(e.Name, e.From, e.To), false, nil)
	case *sqlparser.RegexpSubstrExpr:
		return t.funcCall("regexp_substr", []string{"regexp_substr"}, compact(e.Expr, e.Pattern, e.Position, e.Occurrence, e.MatchType), false, nil)
	case *sqlparser.RegexpLikeExpr:
		return t.funcCall("regexp_like", []string{"regexp_like"}, compact(e.Expr, e.Pattern, e.MatchType), false, nil)
	case *sqlparser.RegexpReplaceExpr:
		return t.funcCall("regexp_replace", []string{"regexp_replace"}, compact(e.Expr, e.Pattern, e.Repl, e.Position, e.Occurrence, e.MatchType), false, nil)
	case *sqlparser.LocateExpr:
		return t.funcCall("locate", []string{"locate", "position"}, compact(e.SubStr, e.Str, e.Pos), false, nil)
	case *sqlparser.TrimFuncExpr:
		if e.Type != sqlparser.NoTrimType || e.TrimArg != nil {
			return nil, t.unsupported("TRIM(LEADING/TRAILING/BOTH ... FROM ...)")
		}
		n := strings.ToLower(e.TrimFuncType.ToString())
		return t.funcCall(n, []string{n}, []sqlparser.Expr{e.StringArg}, false, nil)
	case *sqlparser.ExtractFuncExpr:
		return t.extract(e)
	case *sqlparser.CurTimeFuncExpr:
		n := e.Name.Lowered()
		pos := t.take(t.seek(t.name(n)))
		if e.Fsp != 0 {
			return nil, t.errAt(pos, "fractional-second precision for %s is not supported", n)
		}
		return &FuncCall{Pos: pos, Name: n}, nil
	case *sqlparser.IntervalDateExpr:
		return t.intervalDate(e)
	case *sqlparser.Subquery:
		pos := t.subqueryPos()
		q, err := t.query(e.Select)
		if err != nil {
			return nil, err
		}
		return &SubqueryExpr{Pos: pos, Query: q}, nil
	case *sqlparser.ExistsExpr:
		pos := t.take(t.seek(t.word("exists")))
		q, err := t.query(e.Subquery.Select)
		if err != nil {
			return nil, err
		}
		return &SubqueryExpr{Pos: pos, Query: q, Exists: true}, nil
	case sqlparser.ValTuple:
		return nil, t.errAt(t.take(t.seek(func(i int) bool { return t.toks[i].isOp("(") })), "row values (a, b, ...) are only supported as an IN list")
	case *sqlparser.Argument, sqlparser.ListArg:
		return nil, t.unsupported("a bind parameter")
	case *sqlparser.Variable:
		return nil, t.unsupported("a session variable")
	case *sqlparser.CollateExpr:
		return nil, t.refuseOp(e.Expr, "COLLATE is not supported")
	case *sqlparser.IntroducerExpr:
		return nil, t.unsupported("a character set introducer")
	case *sqlparser.GroupConcatExpr:
		return nil, t.errAt(t.take(t.seek(t.call("group_concat"))), "group_concat is not supported")
	case *sqlparser.IntervalFuncExpr:
		return nil, t.errAt(t.take(t.seek(t.call("interval"))), "the INTERVAL() function is not supported")
	}
	return nil, t.unsupported(fmt.Sprintf("the expression %q", sqlparser.String(e)))
}

// compact drops the trailing absent optional arguments of a special form.
func compact(args ...sqlparser.Expr) []sqlparser.Expr {
	n := len(args)
	for n > 0 && args[n-1] == nil {
		n--
	}
	return args[:n]
}

func (t *translator) colName(e *sqlparser.ColName) (Expr, error) {
	n := e.Name.Lowered()
	if e.Qualifier.IsEmpty() {
		return &ColumnRef{Pos: t.take(t.seek(t.name(n))), Name: n}, nil
	}
	q := strings.ToLower(e.Qualifier.Name.String())
	i := t.seek(func(i int) bool {
		return t.toks[i].isName() && t.toks[i].val == q && i+2 < len(t.toks) && t.toks[i+1].isOp(".") && t.toks[i+2].isName() && t.toks[i+2].val == n
	})
	if !e.Qualifier.Qualifier.IsEmpty() {
		return nil, t.errAt(t.take(t.seek(t.name(strings.ToLower(e.Qualifier.Qualifier.String())))), "three-part column names are not supported; write table.column")
	}
	pos := t.take(i)
	if i >= 0 {
		t.cur = i + 3
	}
	return &ColumnRef{Pos: pos, Table: q, Name: n}, nil
}

func (t *translator) literal(e *sqlparser.Literal) (Expr, error) {
	switch e.Type {
	case sqlparser.StrVal:
		if k, ok := strings.CutPrefix(e.Val, intervalMarker); ok {
			if i, err := strconv.Atoi(k); err == nil {
				if iv, ok := t.rw.intervals[i]; ok {
					t.take(i)
					t.cur = iv.last + 1
					lit := iv.lit
					return &lit, nil
				}
			}
		}
		pos := t.take(t.seek(func(i int) bool { return t.toks[i].kind == tokString }))
		// vitess joins adjacent strings ('a' 'b') into one literal.
		for t.cur < len(t.toks) && t.toks[t.cur].kind == tokString {
			t.cur++
		}
		return &Literal{Pos: pos, Kind: StringLit, Text: e.Val}, nil
	case sqlparser.IntVal, sqlparser.FloatVal, sqlparser.DecimalVal:
		pos := t.take(t.seek(func(i int) bool { return t.toks[i].kind == tokNumber }))
		k := IntLit
		if e.Type != sqlparser.IntVal {
			k = FloatLit
		}
		return &Literal{Pos: pos, Kind: k, Text: e.Val}, nil
	case sqlparser.DateVal, sqlparser.TimestampVal, sqlparser.TimeVal:
		w, typ := "date", "DATE"
		switch e.Type {
		case sqlparser.TimestampVal:
			w, typ = "timestamp", "TIMESTAMP"
		case sqlparser.TimeVal:
			w, typ = "time", "TIME"
		}
		i := t.seek(func(i int) bool { return t.toks[i].isWord(w) && i+1 < len(t.toks) && t.toks[i+1].kind == tokString })
		pos := t.take(i)
		var spos Pos = pos
		if i >= 0 {
			t.cur = i + 2
			spos = t.li.pos(t.toks[i+1].off)
		}
		return &CastExpr{Pos: pos, X: &Literal{Pos: spos, Kind: StringLit, Text: e.Val}, Type: TypeName{Pos: pos, Name: typ}}, nil
	}
	return nil, t.unsupported("a hexadecimal or bit literal")
}

func (t *translator) binaryExpr(e *sqlparser.BinaryExpr) (Expr, error) {
	switch e.Operator {
	case sqlparser.PlusOp:
		return t.binary("+", e.Left, e.Right, "+")
	case sqlparser.MinusOp:
		return t.binary("-", e.Left, e.Right, "-")
	case sqlparser.MultOp:
		return t.binary("*", e.Left, e.Right, "*")
	case sqlparser.DivOp:
		return t.binary("/", e.Left, e.Right, "/")
	case sqlparser.IntDivOp:
		return t.binary("DIV", e.Left, e.Right, "div")
	case sqlparser.ModOp:
		return t.binary("%", e.Left, e.Right, "%", "mod")
	case sqlparser.ShiftLeftOp:
		// Only "||" rewritten by prepare reaches here (a real << is refused).
		return t.binary("||", e.Left, e.Right, "||")
	}
	return nil, t.refuseOp(e.Left, "the operator %s is not supported", e.Operator.ToString())
}

func (t *translator) unaryExpr(e *sqlparser.UnaryExpr) (Expr, error) {
	var op string
	switch e.Operator {
	case sqlparser.UMinusOp:
		op = "-"
	case sqlparser.UPlusOp:
		op = "+"
	case sqlparser.BangOp:
		op = "!"
	case sqlparser.NStringOp:
		// N'x' is a string in the national character set: just a string.
		return t.expr(e.Expr)
	default:
		return nil, t.unsupported("the operator " + e.Operator.ToString())
	}
	pos := t.take(t.seek(func(i int) bool { return t.toks[i].isOp(op) }))
	x, err := t.expr(e.Expr)
	if err != nil {
		return nil, err
	}
	// A negated number is one literal, as DuckDB reads it: -2147483648 is
	// an INTEGER and -9223372036854775808 a BIGINT.
	if l, ok := x.(*Literal); ok && op == "-" && (l.Kind == IntLit || l.Kind == FloatLit) {
		if rest, neg := strings.CutPrefix(l.Text, "-"); neg {
			return &Literal{Pos: pos, Kind: l.Kind, Text: rest}, nil
		}
		return &Literal{Pos: pos, Kind: l.Kind, Text: "-" + l.Text}, nil
	}
	switch op {
	case "+":
		return x, nil
	case "!":
		return &UnaryExpr{Pos: pos, Op: "NOT", X: x}, nil
	}
	return &UnaryExpr{Pos: pos, Op: "-", X: x}, nil
}

func (t *translator) comparison(e *sqlparser.ComparisonExpr) (Expr, error) {
	if e.Modifier != sqlparser.Missing {
		return nil, t.refuseOp(e.Left, "comparisons with ANY/ALL/SOME (subquery) are not supported; use IN or EXISTS")
	}
	if e.Escape != nil {
		if _, err := t.expr(e.Left); err != nil {
			return nil, err
		}
		return nil, t.errAt(t.take(t.seek(t.word("escape"))), "LIKE ... ESCAPE is not supported; escape with a backslash instead")
	}
	switch e.Operator {
	case sqlparser.EqualOp:
		return t.binary("=", e.Left, e.Right, "=")
	case sqlparser.NotEqualOp:
		return t.binary("<>", e.Left, e.Right, "<>", "!=")
	case sqlparser.LessThanOp:
		return t.binary("<", e.Left, e.Right, "<")
	case sqlparser.LessEqualOp:
		return t.binary("<=", e.Left, e.Right, "<=")
	case sqlparser.GreaterThanOp:
		return t.binary(">", e.Left, e.Right, ">")
	case sqlparser.GreaterEqualOp:
		return t.binary(">=", e.Left, e.Right, ">=")
	case sqlparser.LikeOp:
		return t.binary("LIKE", e.Left, e.Right, "like")
	case sqlparser.NotLikeOp:
		x, err := t.expr(e.Left)
		if err != nil {
			return nil, err
		}
		t.nextOp("not")
		t.nextOp("like")
		p, err := t.expr(e.Right)
		if err != nil {
			return nil, err
		}
		return &BinaryExpr{Pos: x.Position(), Op: "NOT LIKE", L: x, R: p}, nil
	case sqlparser.InOp, sqlparser.NotInOp:
		x, err := t.expr(e.Left)
		if err != nil {
			return nil, err
		}
		in := &InExpr{Pos: x.Position(), X: x, Not: e.Operator == sqlparser.NotInOp}
		t.nextOp("not")
		t.nextOp("in")
		switch r := e.Right.(type) {
		case sqlparser.ValTuple:
			if in.List, err = t.exprs(r); err != nil {
				return nil, err
			}
		case *sqlparser.Subquery:
			if in.Subquery, err = t.query(r.Select); err != nil {
				return nil, err
			}
		default:
			return nil, t.unsupported("this IN operand")
		}
		return in, nil
	case sqlparser.NullSafeEqualOp:
		return nil, t.refuseOp(e.Left, "the null-safe comparison <=> is not supported; use IS NULL checks with =")
	}
	return nil, t.refuseOp(e.Left, "the %s operator is not supported", strings.ToUpper(e.Operator.ToString()))
}

func (t *translator) isExpr(e *sqlparser.IsExpr) (Expr, error) {
	x, err := t.expr(e.Left)
	if err != nil {
		return nil, err
	}
	t.nextOp("is")
	t.nextOp("not")
	t.nextOp("null", "true", "false")
	p := x.Position()
	switch e.Right {
	case sqlparser.IsNullOp:
		return &IsNullExpr{Pos: p, X: x}, nil
	case sqlparser.IsNotNullOp:
		return &IsNullExpr{Pos: p, X: x, Not: true}, nil
	case sqlparser.IsTrueOp:
		return &IsBoolExpr{Pos: p, X: x, Value: true}, nil
	case sqlparser.IsNotTrueOp:
		return &IsBoolExpr{Pos: p, X: x, Value: true, Not: true}, nil
	case sqlparser.IsFalseOp:
		return &IsBoolExpr{Pos: p, X: x, Value: false}, nil
	case sqlparser.IsNotFalseOp:
		return &IsBoolExpr{Pos: p, X: x, Value: false, Not: true}, nil
	}
	return nil, t.errAt(p, "IS %s is not supported", e.Right.ToString())
}

func (t *translator) caseExpr(e *sqlparser.CaseExpr) (Expr, error) {
	c := &CaseExpr{Pos: t.take(t.seek(t.word("case")))}
	var err error
	if e.Expr != nil {
		if c.Operand, err = t.expr(e.Expr); err != nil {
			return nil, err
		}
	}
	for _, w := range e.Whens {
		t.take(t.seek(t.word("when")))
		cond, err := t.expr(w.Cond)
		if err != nil {
			return nil, err
		}
		t.nextOp("then")
		val, err := t.expr(w.Val)
		if err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, When{Cond: cond, Then: val})
	}
	if e.Else != nil {
		t.nextOp("else")
		if c.Else, err = t.expr(e.Else); err != nil {
			return nil, err
		}
	}
	t.nextOp("end")
	return c, nil
}

// cast translates CAST/CONVERT; the target type was parsed by prepare.
func (t *translator) cast(word string, x sqlparser.Expr) (Expr, error) {
	i := t.seek(t.call(word))
	pos := t.take(i)
	ci, ok := t.rw.casts[i]
	if i < 0 && word == "convert" {
		return nil, t.unsupported("BINARY")
	}
	if !ok {
		return nil, t.errAt(pos, "cannot read the target type of this %s", strings.ToUpper(word))
	}
	xe, err := t.expr(x)
	if err != nil {
		return nil, err
	}
	t.cur = ci.close + 1
	return &CastExpr{Pos: pos, X: xe, Type: ci.typ}, nil
}

// funcCall translates name(args) and aggregates/window functions; names
// are the spellings the call may have in the source.
func (t *translator) funcCall(name string, names []string, args []sqlparser.Expr, distinct bool, over *sqlparser.OverClause) (Expr, error) {
	fc := &FuncCall{Pos: t.take(t.seek(t.call(names...))), Name: name, Distinct: distinct}
	var err error
	if fc.Args, err = t.exprs(args); err != nil {
		return nil, err
	}
	if over != nil {
		if fc.Over, err = t.over(over); err != nil {
			return nil, err
		}
	}
	return fc, nil
}

func (t *translator) over(oc *sqlparser.OverClause) (*Over, error) {
	pos := t.take(t.seek(t.word("over")))
	if !oc.WindowName.IsEmpty() || oc.WindowSpec == nil || !oc.WindowSpec.Name.IsEmpty() {
		return nil, t.errAt(pos, "named windows are not supported; write the window inline in OVER (...)")
	}
	if oc.WindowSpec.FrameClause != nil {
		return nil, t.errAt(pos, "window frames (ROWS/RANGE ...) are not supported")
	}
	o := &Over{}
	var err error
	if o.PartitionBy, err = t.exprs(oc.WindowSpec.PartitionClause); err != nil {
		return nil, err
	}
	if o.OrderBy, err = t.orderBy(oc.WindowSpec.OrderClause); err != nil {
		return nil, err
	}
	return o, nil
}

// extract maps EXTRACT(unit FROM x) to the MySQL function of that unit,
// e.g. EXTRACT(HOUR FROM ts) -> hour(ts).
func (t *translator) extract(e *sqlparser.ExtractFuncExpr) (Expr, error) {
	pos := t.take(t.seek(t.call("extract")))
	unit := strings.ToLower(e.IntervalType.ToString())
	switch unit {
	case "microsecond", "second", "minute", "hour", "day", "week", "month", "quarter", "year":
	default:
		return nil, t.errAt(pos, "EXTRACT(%s FROM ...) is not supported", strings.ToUpper(unit))
	}
	t.take(t.seek(t.word(unit)))
	x, err := t.expr(e.Expr)
	if err != nil {
		return nil, err
	}
	return &FuncCall{Pos: pos, Name: unit, Args: []Expr{x}}, nil
}

// intervalDate turns MySQL's interval arithmetic (ts + INTERVAL n UNIT,
// DATE_ADD(ts, INTERVAL n UNIT), ...) into a BinaryExpr over an IntervalLit.
func (t *translator) intervalDate(e *sqlparser.IntervalDateExpr) (Expr, error) {
	var op string
	switch e.Syntax {
	case sqlparser.IntervalDateExprBinaryAdd, sqlparser.IntervalDateExprBinaryAddLeft:
		op = "+"
	case sqlparser.IntervalDateExprBinarySub:
		op = "-"
	case sqlparser.IntervalDateExprDateAdd, sqlparser.IntervalDateExprAdddate:
		op = "+"
	case sqlparser.IntervalDateExprDateSub, sqlparser.IntervalDateExprSubdate:
		op = "-"
	default:
		return nil, t.errAt(t.take(t.seek(t.call("timestampadd"))), "TIMESTAMPADD is not supported; use ts + INTERVAL n UNIT")
	}
	if e.Syntax == sqlparser.IntervalDateExprBinaryAddLeft {
		iv, err := t.interval(e.Interval, e.Unit, true)
		if err != nil {
			return nil, err
		}
		t.nextOp("+")
		d, err := t.expr(e.Date)
		if err != nil {
			return nil, err
		}
		return &BinaryExpr{Pos: iv.Pos, Op: op, L: iv, R: d}, nil
	}
	var fpos Pos
	isCall := e.Syntax != sqlparser.IntervalDateExprBinaryAdd && e.Syntax != sqlparser.IntervalDateExprBinarySub
	if isCall {
		fpos = t.take(t.seek(t.call("date_add", "date_sub", "adddate", "subdate")))
	}
	d, err := t.expr(e.Date)
	if err != nil {
		return nil, err
	}
	if !isCall {
		fpos = d.Position()
		t.nextOp(op)
	}
	// ADDDATE(d, n) without INTERVAL means n days.
	keyword := !isCall
	if c := t.next(func(i int) bool { return t.toks[i].isOp(",") }); c >= 0 && c+1 < len(t.toks) && t.toks[c+1].isWord("interval") {
		keyword = true
	}
	iv, err := t.interval(e.Interval, e.Unit, keyword)
	if err != nil {
		return nil, err
	}
	return &BinaryExpr{Pos: fpos, Op: op, L: d, R: iv}, nil
}

// interval builds an IntervalLit from INTERVAL value UNIT; the value must
// be a constant number or string.
func (t *translator) interval(v sqlparser.Expr, unit sqlparser.IntervalType, keyword bool) (*IntervalLit, error) {
	var pos Pos
	startTok := -1
	if keyword {
		startTok = t.seek(t.word("interval"))
		pos = t.take(startTok)
		if iv, ok := t.rw.intervals[startTok]; ok {
			t.cur = iv.last + 1
			lit := iv.lit
			return &lit, nil
		}
	}
	neg := false
	if u, ok := v.(*sqlparser.UnaryExpr); ok && u.Operator == sqlparser.UMinusOp {
		neg, v = true, u.Expr
		i := t.seek(func(i int) bool { return t.toks[i].isOp("-") })
		if !keyword {
			startTok, pos = i, t.take(i)
		}
		t.take(i)
	}
	lit, ok := v.(*sqlparser.Literal)
	if !ok || (lit.Type != sqlparser.IntVal && lit.Type != sqlparser.DecimalVal && lit.Type != sqlparser.StrVal) {
		if !keyword {
			pos = t.here()
		}
		return nil, t.errAt(pos, "an INTERVAL needs a constant number, like INTERVAL 10 SECOND")
	}
	vi := t.seek(func(i int) bool { return t.toks[i].kind == tokNumber || t.toks[i].kind == tokString })
	if startTok < 0 {
		startTok, pos = vi, t.take(vi)
	}
	t.take(vi)
	uname := strings.ToLower(unit.ToString())
	endOff := t.end
	if t.cur > 0 && t.cur <= len(t.toks) {
		endOff = t.toks[t.cur-1].end
	}
	if keyword {
		if i := t.next(func(i int) bool { return t.toks[i].kind == tokIdent }); i == t.cur {
			t.cur = i + 1
			endOff = t.toks[i].end
		}
	} else {
		uname = "day"
	}
	text := "INTERVAL"
	if startTok >= 0 && startTok < len(t.toks) && t.toks[startTok].off < endOff {
		text = string(t.li.src[t.toks[startTok].off:endOff])
	}
	ms, msg := intervalMillis(lit.Val, neg, intervalUnit(uname), text)
	if msg != "" {
		return nil, t.errAt(pos, "%s", msg)
	}
	return &IntervalLit{Pos: pos, Millis: ms, Text: text}, nil
}
