package planner

import (
	"strings"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// builder turns one view's query into a logical plan.
type builder struct {
	cat   *catalog.Catalog
	plans map[string]Node // plans of the views declared before this one
	owner string          // the view being planned
	refs  map[string]int  // how many queries and sinks read each view
	// ranked holds the plain views that rank rows with ROW_NUMBER()
	// declared so far: they are planned inline by each query that reads
	// them with a bound on the row number (topn.go).
	ranked map[string]*catalog.View
}

func (b *builder) buildQuery(q parser.Query) (Node, error) {
	switch x := q.(type) {
	case *parser.Select:
		return b.buildSelect(x)
	case *parser.SetOp:
		return b.buildSetOp(x)
	}
	return nil, parser.Errorf(q.Position(), "", "unsupported query %T", q)
}

func (b *builder) refuseOrderLimit(order []parser.OrderItem, limit parser.Expr) error {
	if len(order) > 0 {
		pos := order[0].Expr.Position()
		return parser.Errorf(pos, "", "ORDER BY is not supported in a streaming view: its rows are unordered and keep arriving (query the materialized view with ORDER BY instead; top-N per key comes later)")
	}
	if limit != nil {
		return parser.Errorf(limit.Position(), "", "LIMIT is not supported in a streaming view: its rows keep arriving (query the materialized view with LIMIT instead; top-N per key comes later)")
	}
	return nil
}

// from plans the FROM clause and returns the scope its columns are named in.
func (b *builder) from(t parser.TableExpr) (Node, *scope, error) {
	switch x := t.(type) {
	case *parser.TableName:
		name := strings.ToLower(x.Name)
		alias := strings.ToLower(x.Alias)
		if alias == "" {
			alias = name
		}
		switch o := b.cat.Relation(name).(type) {
		case *catalog.Source:
			n := NewScan(o, alias)
			return n, newScope(n, alias, name), nil
		case *catalog.View:
			plan, ok := b.plans[name]
			if !ok {
				if name == b.owner {
					return nil, nil, parser.Errorf(x.Pos, "", "view '%s' cannot read itself", name)
				}
				return nil, nil, parser.Errorf(x.Pos, "", "view '%s' is declared after this view (at %s); declare it first", name, o.Pos)
			}
			n := NewViewScan(o, plan, alias, b.refs[name] > 1)
			return n, newScope(n, alias, name), nil
		}
		if s, ok := b.cat.Lookup(name).(*catalog.Sink); ok {
			return nil, nil, parser.Errorf(x.Pos, "", "'%s' is a sink (declared at %s); a query reads sources and views", name, s.Pos)
		}
		return nil, nil, parser.Errorf(x.Pos, "", "unknown source or view '%s'%s", name, catalog.DidYouMean(name, b.cat.RelationNames()))
	case *parser.DerivedTable:
		n, err := b.buildQuery(x.Query)
		if err != nil {
			return nil, nil, err
		}
		alias := strings.ToLower(x.Alias)
		desc := alias
		if alias == "" {
			desc = "the subquery"
		}
		return n, newScope(n, alias, desc), nil
	case *parser.Join:
		return b.join(x, nil)
	}
	return nil, nil, parser.Errorf(t.Position(), "", "unsupported FROM item %T", t)
}

func (b *builder) buildSelect(s *parser.Select) (Node, error) {
	if err := b.refuseOrderLimit(s.OrderBy, s.Limit); err != nil {
		return nil, err
	}
	if s.From == nil {
		return nil, parser.Errorf(s.Pos, "", "a streaming view needs a FROM clause")
	}
	if dt, inner, wi := b.topNFrom(s); dt != nil {
		return b.buildTopN(s, dt, inner, wi)
	}
	where := s.Where
	var in Node
	var sc *scope
	var err error
	if j, ok := s.From.(*parser.Join); ok {
		in, sc, err = b.join(j, where) // WHERE is part of an inner join's condition
		where = nil
	} else {
		in, sc, err = b.from(s.From)
	}
	if err != nil {
		return nil, err
	}
	if where != nil {
		if in, err = b.where(in, sc, where); err != nil {
			return nil, err
		}
	}
	aggregating := len(s.GroupBy) > 0 || s.Having != nil || s.Distinct
	for _, it := range s.Items {
		aggregating = aggregating || (!it.Star && containsAggregate(it.Expr))
	}
	if aggregating {
		return b.buildAggregate(s, in, sc)
	}
	exprs, names, poss, err := b.selectList(s.Items, &binder{sc: sc, clause: "the select list of a query without GROUP BY"})
	if err != nil {
		return nil, err
	}
	return b.project(in, exprs, names, poss, s.Pos)
}

// where filters in by pred. Over an updating input a filter would keep a
// stale row when its update stops matching, so the rows that do not match
// become deletions instead.
func (b *builder) where(in Node, sc *scope, pred parser.Expr) (Node, error) {
	if f := firstAggregateCall(pred); f != nil {
		if isTimelineName(strings.ToLower(f.Name)) {
			return nil, timelineOutsideGroup(f, "WHERE")
		}
		return nil, parser.Errorf(pred.Position(), "", "aggregate functions are not allowed in WHERE (use HAVING)")
	}
	p, err := (&binder{sc: sc, clause: "WHERE"}).bindBool(pred, "WHERE")
	if err != nil {
		return nil, err
	}
	if !in.Upsert() {
		return NewFilter(in, p, b.owner), nil
	}
	cols := in.Columns()
	exprs := make([]expr.Expr, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = &expr.ColumnRef{Index: i, Name: c.Name, Type: c.Type}
		names[i] = c.Name
	}
	del := exprs[len(cols)-1]
	keep := call("coalesce", expr.TypeBoolean, p, &expr.Literal{Value: false, Type: expr.TypeBoolean})
	exprs[len(cols)-1] = call("or", expr.TypeBoolean, del, call("not", expr.TypeBoolean, keep))
	return NewProject(in, exprs, names, b.owner)
}

// selectList binds the items of a select list.
func (b *builder) selectList(items []parser.SelectItem, bd *binder) ([]expr.Expr, []string, []parser.Pos, error) {
	var exprs []expr.Expr
	var names []string
	var poss []parser.Pos
	for _, it := range items {
		if it.Star {
			if bd.agg != nil {
				return nil, nil, nil, parser.Errorf(it.Pos, "", "* is not allowed in an aggregate query; name the group keys and aggregates")
			}
			cols, err := bd.sc.star(it)
			if err != nil {
				return nil, nil, nil, err
			}
			for _, c := range cols {
				exprs = append(exprs, &expr.ColumnRef{Index: c.Index, Name: c.Name, Type: c.Type})
				names = append(names, starName(c.Name, names))
				poss = append(poss, it.Pos)
			}
			continue
		}
		e, err := bd.bind(it.Expr)
		if err != nil {
			return nil, nil, nil, err
		}
		name := it.Alias
		if name == "" {
			name = defaultName(it.Expr)
		}
		exprs = append(exprs, fold(e))
		names = append(names, strings.ToLower(name))
		poss = append(poss, it.Pos)
	}
	return exprs, names, poss, nil
}

// project puts the select list over in, checking that an updating input
// keeps its keys.
func (b *builder) project(in Node, exprs []expr.Expr, names []string, poss []parser.Pos, pos parser.Pos) (Node, error) {
	if err := checkNames(names, poss, b.owner); err != nil {
		return nil, err
	}
	for i, e := range exprs {
		if isNull(e.DataType()) {
			// An untyped NULL column becomes INTEGER, as in DuckDB's
			// CREATE TABLE AS.
			exprs[i] = mustCoerce(e, expr.TypeInt)
		}
	}
	if in.Upsert() {
		cols := in.Columns()
		for _, k := range in.Keys() {
			if findRef(exprs, k) < 0 {
				return nil, parser.Errorf(pos, "", "the select list must include '%s': it is a key of the updating view it reads, whose rows are replaced by key", cols[k].Name)
			}
		}
		last := len(cols) - 1
		exprs = append(exprs, &expr.ColumnRef{Index: last, Name: expr.DeletedColumn, Type: expr.TypeBoolean})
		names = append(names, expr.DeletedColumn)
	}
	return NewProject(in, exprs, names, b.owner)
}

// checkNames refuses duplicate output column names: every view may become
// a DuckDB table or be read by name.
func checkNames(names []string, poss []parser.Pos, owner string) error {
	seen := map[string]int{}
	for i, n := range names {
		if n == expr.DeletedColumn {
			return parser.Errorf(poss[i], "", "the column name %s is reserved", n)
		}
		if j, dup := seen[n]; dup {
			_ = j
			return parser.Errorf(poss[i], "", "duplicate column name '%s' in view %s; give one of them an alias (AS ...)", n, owner)
		}
		seen[n] = i
	}
	return nil
}

// buildSetOp plans UNION ALL (and UNION, as UNION ALL plus DISTINCT).
func (b *builder) buildSetOp(s *parser.SetOp) (Node, error) {
	if err := b.refuseOrderLimit(s.OrderBy, s.Limit); err != nil {
		return nil, err
	}
	op := strings.ToUpper(s.Op)
	if op != "UNION" && op != "UNION ALL" {
		return nil, parser.Errorf(s.Pos, "", "%s is not supported (only UNION and UNION ALL)", op)
	}
	var inputs []Node
	var poss []parser.Pos
	var collect func(q parser.Query) error
	collect = func(q parser.Query) error {
		if so, ok := q.(*parser.SetOp); ok && strings.ToUpper(so.Op) == op && len(so.OrderBy) == 0 && so.Limit == nil {
			if err := collect(so.Left); err != nil {
				return err
			}
			return collect(so.Right)
		}
		n, err := b.buildQuery(q)
		if err != nil {
			return err
		}
		if n.Upsert() {
			return parser.Errorf(q.Position(), "", "UNION of an updating view (an aggregate without a window) is not supported")
		}
		inputs = append(inputs, n)
		poss = append(poss, q.Position())
		return nil
	}
	if err := collect(s); err != nil {
		return nil, err
	}
	first := inputs[0].Columns()
	for i, in := range inputs[1:] {
		if len(in.Columns()) != len(first) {
			return nil, parser.Errorf(poss[i+1], "", "each side of %s must have the same number of columns: %d here, %d in the first",
				op, len(in.Columns()), len(first))
		}
	}
	// Coerce column by column to a common type.
	for c := range first {
		vals := make([]expr.Expr, len(inputs))
		for i, in := range inputs {
			col := in.Columns()[c]
			vals[i] = &expr.ColumnRef{Index: c, Name: col.Name, Type: col.Type}
		}
		out, _, err := unify(poss[0], "column "+first[c].Name+" of "+op, poss, vals...)
		if err != nil {
			return nil, err
		}
		for i := range inputs {
			if _, ok := out[i].(*expr.ColumnRef); ok {
				continue
			}
			if inputs[i], err = replaceColumn(inputs[i], c, out[i], b.owner); err != nil {
				return nil, err
			}
		}
	}
	var u Node = NewUnion(inputs, b.owner)
	if op == "UNION" {
		return distinct(u, b.owner), nil
	}
	return u, nil
}

// replaceColumn projects in with column c computed by e.
func replaceColumn(in Node, c int, e expr.Expr, owner string) (Node, error) {
	cols := in.Columns()
	exprs := make([]expr.Expr, len(cols))
	names := make([]string, len(cols))
	for i, col := range cols {
		exprs[i] = &expr.ColumnRef{Index: i, Name: col.Name, Type: col.Type}
		names[i] = col.Name
	}
	exprs[c] = e
	return NewProject(in, exprs, names, owner)
}

// distinct groups by every column with no aggregate.
func distinct(in Node, owner string) Node {
	cols := in.Columns()
	keys := make([]expr.Expr, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		keys[i] = &expr.ColumnRef{Index: i, Name: c.Name, Type: c.Type}
		names[i] = c.Name
	}
	return NewAggregate(in, keys, names, nil, nil, nil, owner)
}

// countViewRefs counts, for every view, the FROM clauses and sinks that
// read it.
func countViewRefs(cat *catalog.Catalog) map[string]int {
	refs := map[string]int{}
	var query func(q parser.Query)
	var table func(t parser.TableExpr)
	table = func(t parser.TableExpr) {
		switch x := t.(type) {
		case *parser.TableName:
			refs[strings.ToLower(x.Name)]++
		case *parser.DerivedTable:
			query(x.Query)
		case *parser.Join:
			table(x.Left)
			table(x.Right)
		}
	}
	query = func(q parser.Query) {
		switch x := q.(type) {
		case *parser.Select:
			if x.From != nil {
				table(x.From)
			}
		case *parser.SetOp:
			query(x.Left)
			query(x.Right)
		}
	}
	for _, o := range cat.Objects() {
		switch x := o.(type) {
		case *catalog.View:
			if x.Query != nil {
				query(x.Query)
			}
		case *catalog.Sink:
			refs[x.From]++
		}
	}
	return refs
}
