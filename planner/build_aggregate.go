package planner

import (
	"strconv"
	"strings"

	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// buildAggregate plans a SELECT with GROUP BY, aggregates, HAVING or
// DISTINCT:
//
//	Project(select list) <- Aggregate(keys, window, aggs, having) <- Project(pre: keys, time, args) <- input
//
// The pre-projection computes every key, the window's time and every
// aggregate argument once, so the aggregate (and a hop window's row
// copies) carry only the columns they need.
func (b *builder) buildAggregate(s *parser.Select, in Node, sc *scope) (Node, error) {
	ab := &aggBinder{in: sc, updating: in.Upsert()}
	if s.Distinct {
		if len(s.GroupBy) > 0 {
			return nil, parser.Errorf(s.Pos, "", "SELECT DISTINCT with GROUP BY is not supported yet")
		}
		for _, it := range s.Items {
			if !it.Star && containsAggregate(it.Expr) {
				return nil, parser.Errorf(it.Pos, "", "SELECT DISTINCT with aggregates is not supported yet")
			}
		}
		// DISTINCT groups by the select list.
		exprs, names, poss, err := b.selectList(s.Items, &binder{sc: sc, clause: "SELECT DISTINCT"})
		if err != nil {
			return nil, err
		}
		if err := checkNames(names, poss, b.owner); err != nil {
			return nil, err
		}
		ab.keys, ab.keyNames = exprs, names
	} else if err := b.groupBy(s, ab); err != nil {
		return nil, err
	}

	if ab.window != nil && in.Upsert() {
		return nil, parser.Errorf(ab.window.pos, "", "%s over an updating view (an aggregate without a window) is not supported: its rows change after their window would have closed; window the view's input instead",
			ab.window.text)
	}
	if ab.window != nil {
		if err := checkEventTime(in, ab.window); err != nil {
			return nil, err
		}
	}

	// Bind the select list and HAVING over the aggregate's output.
	var outExprs []expr.Expr
	var outNames []string
	var outPoss []parser.Pos
	if s.Distinct {
		for i, k := range ab.keys {
			outExprs = append(outExprs, &expr.ColumnRef{Index: i, Name: ab.keyNames[i], Type: k.DataType()})
			outNames = append(outNames, ab.keyNames[i])
			outPoss = append(outPoss, s.Pos)
		}
	} else {
		var err error
		outExprs, outNames, outPoss, err = b.selectList(s.Items, &binder{sc: sc, agg: ab, clause: "the select list"})
		if err != nil {
			return nil, err
		}
	}
	var having expr.Expr
	if s.Having != nil {
		h, err := (&binder{sc: sc, agg: ab, clause: "HAVING"}).bindBool(s.Having, "HAVING")
		if err != nil {
			return nil, err
		}
		having = fold(h)
	}

	// An updating aggregate's rows are replaced by key, so the view must
	// show every key.
	if ab.window == nil {
		for i := range ab.keys {
			if findRef(outExprs, i) < 0 {
				return nil, parser.Errorf(s.Pos, "", "the select list must include the GROUP BY expression %s: without a window the view is updated in place, one row per group, and the group keys identify the rows",
					groupKeyText(s, i, ab))
			}
		}
	}

	pi, err := b.preProject(in, ab)
	if err != nil {
		return nil, err
	}
	if len(ab.tlAggs) > 0 {
		for i, e := range outExprs {
			outExprs[i] = ab.placeTimelineRefs(e)
		}
		having = ab.placeTimelineRefs(having)
		tl := NewTimelineAggregate(pi.pre, TimelineParts{Keys: pi.keys, KeyNames: ab.keyNames, Window: *pi.window,
			TTL: b.timelineTTL(), States: pi.states, Plain: pi.aggs, Aggs: pi.tlAggs, Having: having}, b.owner)
		return b.project(tl, outExprs, outNames, outPoss, s.Pos)
	}
	agg := NewAggregate(pi.pre, pi.keys, ab.keyNames, pi.aggs, pi.window, having, b.owner)
	return b.project(agg, outExprs, outNames, outPoss, s.Pos)
}

// groupKeyText names group key i for a message, as written.
func groupKeyText(s *parser.Select, i int, ab *aggBinder) string {
	n := 0
	for _, g := range s.GroupBy {
		if f, ok := g.(*parser.FuncCall); ok && windowFuncs[strings.ToLower(f.Name)] {
			continue
		}
		if n == i {
			return sqlText(g)
		}
		n++
	}
	return ab.keyNames[i]
}

// groupBy binds the GROUP BY list: one optional window, the rest keys. A
// key may also name a select-list alias or position (GROUP BY 1).
func (b *builder) groupBy(s *parser.Select, ab *aggBinder) error {
	plain := ab.plain("GROUP BY")
	for _, g := range s.GroupBy {
		if f, ok := g.(*parser.FuncCall); ok && windowFuncs[strings.ToLower(f.Name)] {
			if ab.window != nil {
				return parser.Errorf(f.Pos, "", "only one window per GROUP BY (the first is %s at %s)", ab.window.text, ab.window.pos)
			}
			w, err := parseWindow(plain, f, strings.ToLower(f.Name))
			if err != nil {
				return err
			}
			ab.window = w
			continue
		}
		g, name, err := resolveGroupItem(g, s, plain)
		if err != nil {
			return err
		}
		if f := firstAggregateCall(g); f != nil {
			if isTimelineName(strings.ToLower(f.Name)) {
				return timelineOutsideGroup(f, "GROUP BY")
			}
			return parser.Errorf(g.Position(), "", "aggregate functions are not allowed in GROUP BY")
		}
		k, err := plain.bind(g)
		if err != nil {
			return err
		}
		k = fold(k)
		dup := false
		for _, prev := range ab.keys {
			dup = dup || exprEqual(prev, k)
		}
		if dup {
			continue
		}
		ab.keys = append(ab.keys, k)
		ab.keyNames = append(ab.keyNames, name)
	}
	return nil
}

// resolveGroupItem maps GROUP BY 2 and GROUP BY alias to the select item
// they name; a name that is a column of the input stays a column (as in
// DuckDB).
func resolveGroupItem(g parser.Expr, s *parser.Select, plain *binder) (parser.Expr, string, error) {
	switch x := g.(type) {
	case *parser.Literal:
		if x.Kind == parser.IntLit {
			n, err := strconv.Atoi(x.Text)
			if err != nil || n < 1 || n > len(s.Items) || s.Items[n-1].Star {
				return nil, "", parser.Errorf(x.Pos, "", "GROUP BY %s is not a position in the select list (1 to %d)", x.Text, len(s.Items))
			}
			it := s.Items[n-1]
			return it.Expr, itemName(it), nil
		}
	case *parser.ColumnRef:
		if x.Table == "" {
			if _, err := plain.sc.resolve(x); err != nil {
				for _, it := range s.Items {
					if !it.Star && it.Alias == strings.ToLower(x.Name) {
						return it.Expr, it.Alias, nil
					}
				}
			}
		}
	}
	return g, groupName(g, s), nil
}

// groupName is the key column's name: the alias of the select item that
// is exactly this expression, else its default name.
func groupName(g parser.Expr, s *parser.Select) string {
	text := sqlText(g)
	for _, it := range s.Items {
		if !it.Star && it.Alias != "" && sqlText(it.Expr) == text {
			return it.Alias
		}
	}
	return defaultName(g)
}

func itemName(it parser.SelectItem) string {
	if it.Alias != "" {
		return it.Alias
	}
	return defaultName(it.Expr)
}

// checkEventTime requires the window's time to be the input's event time
// column: windows close when the watermark (derived from event_time)
// passes their end, so windowing another column would close them at
// arbitrary moments.
func checkEventTime(in Node, w *windowDef) error {
	r, isRef := w.spec.Time.(*expr.ColumnRef)
	et := in.EventTime()
	if et < 0 {
		return parser.Errorf(w.pos, "", "%s needs an event time column, but its input has none (declare WITH (event_time = '...') on the source, and keep that column in the views between)",
			w.text)
	}
	if !isRef || r.Index != et {
		return parser.Errorf(w.timePos, "", "%s must window on the event time column '%s' of its input: windows close when the watermark, which follows event time, passes their end",
			w.text, in.Columns()[et].Name)
	}
	return nil
}

// aggInput is an aggregate's pre-projection and everything that reads
// it, rewritten to refer to its columns.
type aggInput struct {
	pre    Node
	keys   []expr.Expr
	aggs   []exec.AggFunc
	window *exec.WindowSpec
	states []exec.TimelineState // Arg over pre
	tlAggs []exec.TimelineAgg   // Start and End over pre; Arg stays over the state schema
}

// preProject computes the aggregate's input columns and rewrites keys,
// window time, aggregate arguments, timeline state arguments and
// tl_duration_between predicates to refer to them.
func (b *builder) preProject(in Node, ab *aggBinder) (*aggInput, error) {
	var exprs []expr.Expr
	var names []string
	add := func(e expr.Expr, name string) expr.Expr {
		for i, prev := range exprs {
			if exprEqual(prev, e) {
				return &expr.ColumnRef{Index: i, Name: names[i], Type: e.DataType()}
			}
		}
		if r, ok := e.(*expr.ColumnRef); ok {
			name = r.Name
		}
		exprs = append(exprs, e)
		names = append(names, name)
		return &expr.ColumnRef{Index: len(exprs) - 1, Name: name, Type: e.DataType()}
	}
	out := &aggInput{keys: make([]expr.Expr, len(ab.keys))}
	for i, k := range ab.keys {
		out.keys[i] = add(k, ab.keyNames[i])
	}
	if ab.window != nil {
		w := ab.window.spec
		w.Time = add(w.Time, "__time")
		out.window = &w
	}
	out.aggs = make([]exec.AggFunc, len(ab.aggs))
	for i, a := range ab.aggs {
		out.aggs[i] = a
		if a.Arg != nil {
			out.aggs[i].Arg = add(fold(a.Arg), "__arg"+strconv.Itoa(i))
		}
	}
	out.states = make([]exec.TimelineState, len(ab.states))
	for i, st := range ab.states {
		out.states[i] = st
		out.states[i].Arg = add(st.Arg, ab.stateArgNames[i])
	}
	out.tlAggs = make([]exec.TimelineAgg, len(ab.tlAggs))
	for i, a := range ab.tlAggs {
		out.tlAggs[i] = a
		if a.Start != nil {
			out.tlAggs[i].Start = add(a.Start, ab.tlArgNames[i][0])
			out.tlAggs[i].End = add(a.End, ab.tlArgNames[i][1])
		}
	}
	if in.Upsert() {
		// Over an updating input the aggregate needs each row's key (the
		// contribution it replaces) and its deleted flag, last.
		cols := in.Columns()
		for _, k := range in.Keys() {
			add(&expr.ColumnRef{Index: k, Name: cols[k].Name, Type: cols[k].Type}, cols[k].Name)
		}
		last := len(cols) - 1
		exprs = append(exprs, &expr.ColumnRef{Index: last, Name: expr.DeletedColumn, Type: expr.TypeBoolean})
		names = append(names, expr.DeletedColumn)
	}
	if len(exprs) == 0 {
		// count(*) with no key: keep one narrow column so batches keep
		// their row count.
		exprs = append(exprs, &expr.Literal{Value: true, Type: expr.TypeBoolean})
		names = append(names, "__row")
	}
	pre, err := NewProject(in, exprs, names, b.owner)
	if err != nil {
		return nil, err
	}
	out.pre = pre
	return out, nil
}
