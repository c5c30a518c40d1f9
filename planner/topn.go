package planner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// Top-N per key (SPEC §3): the only window function spate runs is
//
//	SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (PARTITION BY p ORDER BY o) AS rn
//	                 FROM x [WHERE ...]) t
//	WHERE rn <= N [AND ...]
//
// planned as
//
//	Project(outer select) <- [WHERE rest: deleted marks] <- Project(inner order, rn)
//	  <- TopN(partition, order, N) <- [WHERE on partition columns]
//	  <- Project(inner select + hidden ORDER BY columns) <- x
//
// The bound on rn becomes the TopN's N. Conditions of the outer WHERE on
// partition columns alone filter the TopN's input (they keep or drop
// whole partitions); the others are an ordinary filter over the updating
// TopN output (a row that fails it is emitted deleted). The output is keyed by (partition columns, rn), or by
// the partition columns alone when N is 1 and the outer query does not
// select rn (deduplication, Nexmark q18).

// rankMarker names the column that keeps the row number's place in the
// select list while the rest is planned (no SQL identifier contains NUL).
const rankMarker = "\x00rn"

const rowNumberUsage = "SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) AS rn FROM ...) t WHERE rn <= N"

// TopN keeps the first N rows per partition; its columns are its input's,
// then the row number (BIGINT), then expr.DeletedColumn.
type TopN struct {
	base
	Input     Node
	Partition []int
	Order     []exec.SortKey
	N         int
	ByRank    bool // keyed by (partition, rn); else by partition alone (N = 1)
	RankName  string
}

// NewTopN ranks in's rows.
func NewTopN(in Node, partition []int, order []exec.SortKey, n int, byRank bool, rankName, owner string) *TopN {
	t := &TopN{Input: in, Partition: partition, Order: order, N: n, ByRank: byRank, RankName: rankName}
	t.owner = owner
	t.eventTime = -1
	t.upsert = true
	t.cols = append(t.cols, in.Columns()...)
	t.keys = append(t.keys, partition...)
	if byRank {
		t.keys = append(t.keys, len(t.cols))
	}
	t.cols = append(t.cols, Column{Name: rankName, Type: expr.TypeBigint},
		Column{Name: expr.DeletedColumn, Type: expr.TypeBoolean})
	return t
}

// Spec is the node's exec spec.
func (t *TopN) Spec() *exec.TopNSpec {
	return &exec.TopNSpec{Partition: t.Partition, Order: t.Order, N: t.N}
}

func (t *TopN) Children() []Node { return []Node{t.Input} }
func (t *TopN) WithChildren(ch ...Node) (Node, error) {
	if err := wantChildren(t, ch, 1); err != nil {
		return nil, err
	}
	if ch[0] == t.Input {
		return t, nil
	}
	return NewTopN(ch[0], t.Partition, t.Order, t.N, t.ByRank, t.RankName, t.owner), nil
}
func (t *TopN) Describe() string {
	return fmt.Sprintf("TopN partition=[%s] order=[%s] n=%d keys=[%s]", colNames(t.Input, t.Partition),
		describeOrder(t.Input.Columns(), t.Order), t.N, colNames(t, t.keys))
}

func colNames(n Node, idx []int) string {
	cols := n.Columns()
	parts := make([]string, len(idx))
	for i, c := range idx {
		parts[i] = cols[c].Name
	}
	return strings.Join(parts, ", ")
}

func describeOrder(cols []Column, order []exec.SortKey) string {
	parts := make([]string, len(order))
	for i, o := range order {
		parts[i] = cols[o.Col].Name
		if o.Desc {
			parts[i] += " DESC"
		}
		if o.NullsFirst {
			parts[i] += " NULLS FIRST"
		}
	}
	return strings.Join(parts, ", ")
}

// windowItem returns the index of the select item calling a function
// with OVER, -1 when none does.
func windowItem(s *parser.Select) int {
	for i, it := range s.Items {
		if !it.Star && findOver(it.Expr) != nil {
			return i
		}
	}
	return -1
}

// findOver returns the first call with OVER in e.
func findOver(e parser.Expr) *parser.FuncCall {
	var found *parser.FuncCall
	walkExpr(e, func(x parser.Expr) bool {
		if f, ok := x.(*parser.FuncCall); ok && f.Over != nil {
			found = f
		}
		return found == nil
	})
	return found
}

// topNFrom recognises FROM (SELECT ..., ROW_NUMBER() OVER (...) ...), or
// FROM a plain view with that query: it returns the derived table and the
// window item's index.
func (b *builder) topNFrom(s *parser.Select) (*parser.DerivedTable, *parser.Select, int) {
	dt, ok := s.From.(*parser.DerivedTable)
	if tn, isName := s.From.(*parser.TableName); isName {
		// A plain view that ranks rows reads as its query would.
		name := strings.ToLower(tn.Name)
		v := b.ranked[name]
		if v == nil {
			return nil, nil, -1
		}
		alias := tn.Alias
		if alias == "" {
			alias = name
		}
		dt, ok = &parser.DerivedTable{Pos: tn.Pos, Query: v.Query, Alias: alias}, true
	}
	if !ok {
		return nil, nil, -1
	}
	inner, ok := dt.Query.(*parser.Select)
	if !ok {
		return nil, nil, -1
	}
	if wi := windowItem(inner); wi >= 0 {
		return dt, inner, wi
	}
	return nil, nil, -1
}

// rnBound is one conjunct of the outer WHERE that bounds the row number.
type rnBound struct {
	n   int64
	pos parser.Pos
}

// splitRankBounds takes the conjuncts of where that bound column rn from
// above by an integer (rn <= N, rn < N, rn = 1 and their mirrors) and
// returns them and the other conjuncts.
func splitRankBounds(where parser.Expr, rn, alias string) ([]rnBound, []parser.Expr, error) {
	var bounds []rnBound
	var rest []parser.Expr
	var conj func(e parser.Expr) error
	conj = func(e parser.Expr) error {
		if b, ok := e.(*parser.BinaryExpr); ok && strings.EqualFold(b.Op, "AND") {
			if err := conj(b.L); err != nil {
				return err
			}
			return conj(b.R)
		}
		b, ok := e.(*parser.BinaryExpr)
		if !ok {
			rest = append(rest, e)
			return nil
		}
		isRank := func(x parser.Expr) bool {
			c, ok := x.(*parser.ColumnRef)
			return ok && strings.ToLower(c.Name) == rn && (c.Table == "" || strings.ToLower(c.Table) == alias)
		}
		op, lit := b.Op, b.R
		switch {
		case isRank(b.L):
		case isRank(b.R):
			lit = b.L
			op = map[string]string{">=": "<=", ">": "<", "=": "="}[op]
		default:
			rest = append(rest, e)
			return nil
		}
		l, ok := lit.(*parser.Literal)
		if !ok || l.Kind != parser.IntLit || (op != "<=" && op != "<" && op != "=") {
			rest = append(rest, e)
			return nil
		}
		v, err := strconv.ParseInt(l.Text, 10, 64)
		if err != nil {
			return parser.Errorf(l.Pos, "", "row number bound %s is out of range", l.Text)
		}
		switch op {
		case "<":
			v--
		case "=":
			if v != 1 {
				return parser.Errorf(b.Pos, "", "%s = %d keeps one rank: top-N supports %s <= N and %s = 1 (keep %s <= %d and filter on %s in a query over this view)",
					rn, v, rn, rn, rn, v, rn)
			}
		}
		bounds = append(bounds, rnBound{n: v, pos: b.Pos})
		return nil
	}
	if where != nil {
		if err := conj(where); err != nil {
			return nil, nil, err
		}
	}
	return bounds, rest, nil
}

// andConjuncts joins parsed conjuncts with AND (nil for none).
func andConjuncts(es []parser.Expr) parser.Expr {
	var out parser.Expr
	for _, e := range es {
		if out == nil {
			out = e
		} else {
			out = &parser.BinaryExpr{Pos: e.Position(), Op: "AND", L: out, R: e}
		}
	}
	return out
}

// selectsColumn reports whether the select list names column c of the
// derived table alias (directly or through *).
func selectsColumn(items []parser.SelectItem, c, alias string) bool {
	for _, it := range items {
		if it.Star {
			if it.StarTable == "" || strings.ToLower(it.StarTable) == alias {
				return true
			}
			continue
		}
		found := false
		walkExpr(it.Expr, func(x parser.Expr) bool {
			if r, ok := x.(*parser.ColumnRef); ok && strings.ToLower(r.Name) == c && (r.Table == "" || strings.ToLower(r.Table) == alias) {
				found = true
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

// buildTopN plans s, whose FROM is the derived table dt over inner, and
// inner's item wi calls ROW_NUMBER() OVER.
func (b *builder) buildTopN(s *parser.Select, dt *parser.DerivedTable, inner *parser.Select, wi int) (Node, error) {
	it := inner.Items[wi]
	f, ok := it.Expr.(*parser.FuncCall)
	if !ok || f.Over == nil {
		f = findOver(it.Expr)
		return nil, parser.Errorf(f.Pos, "", "%s(...) OVER (...) must be a select item of its own, named with AS: %s", strings.ToLower(f.Name), rowNumberUsage)
	}
	name := strings.ToLower(f.Name)
	if name != "row_number" {
		return nil, parser.Errorf(f.Pos, "", "%s(...) OVER (...) is not supported: the only window function is ROW_NUMBER(), for top-N per key (%s)", name, rowNumberUsage)
	}
	if len(f.Args) > 0 {
		return nil, parser.Errorf(f.Pos, "", "ROW_NUMBER() takes no arguments")
	}
	if len(f.Over.OrderBy) == 0 {
		return nil, parser.Errorf(f.Pos, "", "ROW_NUMBER() OVER (...) needs ORDER BY: it says which rows of each partition come first")
	}
	for j, other := range inner.Items {
		if j != wi && !other.Star && findOver(other.Expr) != nil {
			return nil, parser.Errorf(other.Pos, "", "only one ROW_NUMBER() OVER (...) per query is supported")
		}
	}
	if inner.Distinct || len(inner.GroupBy) > 0 || inner.Having != nil {
		return nil, parser.Errorf(inner.Pos, "", "ROW_NUMBER() OVER (...) over GROUP BY or DISTINCT is not supported: rank the rows of a view that aggregates instead")
	}
	for _, x := range inner.Items {
		if !x.Star && containsAggregate(x.Expr) {
			return nil, parser.Errorf(x.Pos, "", "aggregate functions are not allowed next to ROW_NUMBER() OVER (...)")
		}
	}
	if err := b.refuseOrderLimit(inner.OrderBy, inner.Limit); err != nil {
		return nil, err
	}
	if inner.From == nil {
		return nil, parser.Errorf(inner.Pos, "", "a streaming view needs a FROM clause")
	}
	if len(s.GroupBy) > 0 || s.Having != nil || s.Distinct {
		return nil, parser.Errorf(s.Pos, "", "aggregating the rows of a top-N is not supported yet (they are updated in place)")
	}
	for _, x := range s.Items {
		if !x.Star && containsAggregate(x.Expr) {
			return nil, parser.Errorf(x.Pos, "", "aggregating the rows of a top-N is not supported yet (they are updated in place)")
		}
	}
	alias := strings.ToLower(dt.Alias)
	rn := it.Alias
	if rn == "" {
		rn = defaultName(it.Expr)
	}
	rn = strings.ToLower(rn)

	// The bound on rn decides N and whether rn keys the output.
	bounds, rest, err := splitRankBounds(s.Where, rn, alias)
	if err != nil {
		return nil, err
	}
	if len(bounds) == 0 {
		return nil, parser.Errorf(f.Pos, "", "ROW_NUMBER() OVER (...) is supported only as top-N per key: the enclosing query must keep the first rows with WHERE %s <= N (%s)", rn, rowNumberUsage)
	}
	n := bounds[0].n
	for _, bd := range bounds[1:] {
		n = min(n, bd.n)
	}
	if n < 1 {
		return nil, parser.Errorf(bounds[0].pos, "", "the bound on %s keeps no rows (it must allow at least %s = 1)", rn, rn)
	}
	if n > exec.MaxTopN {
		return nil, parser.Errorf(bounds[0].pos, "", "top-N keeps at most %d rows per partition, got %d", exec.MaxTopN, n)
	}
	byRank := selectsColumn(s.Items, rn, alias)
	if !byRank && n > 1 {
		return nil, parser.Errorf(s.Pos, "", "select the row number column '%s': the rows of a top-%d are keyed by their partition and row number (only a top-1 can leave it out)", rn, n)
	}

	// The inner query without the window item, plus one hidden column per
	// PARTITION BY and ORDER BY expression, planned as any other select
	// (so its FROM may be a join), then narrowed to what the TopN needs.
	// The window item's place is kept by a marker column, dropped below.
	items := append([]parser.SelectItem(nil), inner.Items...)
	items[wi] = parser.SelectItem{Pos: it.Pos, Expr: &parser.Literal{Pos: it.Pos, Kind: parser.NullLit, Text: "NULL"}, Alias: rankMarker}
	var hidden []parser.Pos
	for k, pe := range f.Over.PartitionBy {
		items = append(items, parser.SelectItem{Pos: pe.Position(), Expr: pe, Alias: fmt.Sprintf("__partition%d", k)})
		hidden = append(hidden, pe.Position())
	}
	for k, oi := range f.Over.OrderBy {
		items = append(items, parser.SelectItem{Pos: oi.Expr.Position(), Expr: oi.Expr, Alias: fmt.Sprintf("__order%d", k)})
		hidden = append(hidden, oi.Expr.Position())
	}
	plain := *inner
	plain.Items = items
	x, err := b.buildSelect(&plain)
	if err != nil {
		return nil, err
	}
	if x.Upsert() {
		return nil, parser.Errorf(f.Pos, "", "ROW_NUMBER() OVER (...) over an updating view (an aggregate without a window) is not supported yet: its rows are replaced, not appended")
	}
	xp, ok := x.(*Project)
	if !ok {
		return nil, fmt.Errorf("planner: the select under ROW_NUMBER() planned to %T, not a projection", x)
	}
	npre := slices.Index(xp.Names, rankMarker)
	if npre < 0 {
		return nil, fmt.Errorf("planner: the row number's place is lost")
	}
	// Without the marker: visible columns [0, nvis), hidden ones after.
	xexprs := slices.Delete(slices.Clone(xp.Exprs), npre, npre+1)
	xnames := slices.Delete(slices.Clone(xp.Names), npre, npre+1)
	nvis := len(xexprs) - len(hidden)
	allNames := append(append(append([]string(nil), xnames[:npre]...), rn), xnames[npre:nvis]...)
	allPoss := make([]parser.Pos, len(allNames))
	for i := range allPoss {
		allPoss[i] = it.Pos
	}
	if err := checkNames(allNames, allPoss, b.owner); err != nil {
		return nil, err
	}
	find := func(e expr.Expr) int {
		for i, v := range xexprs[:nvis] {
			if exprEqual(v, e) {
				return i
			}
		}
		return -1
	}
	exprs := append([]expr.Expr(nil), xexprs[:nvis]...)
	names := append([]string(nil), xnames[:nvis]...)
	var partition []int
	for k, pe := range f.Over.PartitionBy {
		c := find(xexprs[nvis+k])
		if c < 0 {
			return nil, parser.Errorf(pe.Position(), "", "PARTITION BY %s must also be a column of the select list: the top-N's rows are keyed by it", sqlText(pe))
		}
		partition = append(partition, c)
	}
	var order []exec.SortKey
	for k, oi := range f.Over.OrderBy {
		e := xexprs[nvis+len(f.Over.PartitionBy)+k]
		if isNull(e.DataType()) {
			continue // a constant NULL orders nothing
		}
		c := find(e)
		if c < 0 {
			c = len(exprs)
			exprs = append(exprs, e)
			names = append(names, fmt.Sprintf("__order%d", len(order)))
		}
		sk := exec.SortKey{Col: c, Desc: oi.Desc}
		if oi.NullsFirst != nil {
			sk.NullsFirst = *oi.NullsFirst
		}
		order = append(order, sk)
	}
	if len(order) == 0 {
		return nil, parser.Errorf(f.Pos, "", "ROW_NUMBER() OVER (...) needs ORDER BY a column: it says which rows of each partition come first")
	}
	ranked, err := NewProject(xp.Input, exprs, names, b.owner)
	if err != nil {
		return nil, err
	}
	top := NewTopN(ranked, partition, order, int(n), byRank, rn, b.owner)

	// Back to the inner select's column order, rn in its place.
	cols := top.Columns()
	ref := func(i int) expr.Expr { return &expr.ColumnRef{Index: i, Name: cols[i].Name, Type: cols[i].Type} }
	var outExprs []expr.Expr
	for i := 0; i < npre; i++ {
		outExprs = append(outExprs, ref(i))
	}
	outExprs = append(outExprs, ref(len(exprs)))
	for i := npre; i < nvis; i++ {
		outExprs = append(outExprs, ref(i))
	}
	outExprs = append(outExprs, ref(len(cols)-1))
	outNames := append(allNames, expr.DeletedColumn)
	var sub Node
	if sub, err = NewProject(top, outExprs, outNames, b.owner); err != nil {
		return nil, err
	}
	desc := alias
	if alias == "" {
		desc = "the subquery"
	}
	osc := newScope(sub, alias, desc)

	// A condition on partition columns alone keeps or drops whole
	// partitions, so it filters the input instead (fewer rows ranked, no
	// deletions); the others filter the ranked rows, marking those that
	// fail as deleted.
	isPart := map[int]bool{}
	for _, c := range partition {
		isPart[c] = true
	}
	var pushed []expr.Expr
	var kept []parser.Expr
	for _, c := range rest {
		if containsAggregate(c) {
			kept = append(kept, c) // refused by where with its message
			continue
		}
		e, err := (&binder{sc: osc, clause: "WHERE"}).bindBool(c, "WHERE")
		if err != nil {
			return nil, err
		}
		onPartition := true
		walkRefs(e, func(j int) {
			r, ok := outExprs[j].(*expr.ColumnRef)
			onPartition = onPartition && ok && isPart[r.Index]
		})
		if !onPartition {
			kept = append(kept, c)
			continue
		}
		pushed = append(pushed, mapRefs(e, func(r *expr.ColumnRef) expr.Expr {
			t := outExprs[r.Index].(*expr.ColumnRef)
			return &expr.ColumnRef{Index: t.Index, Name: t.Name, Type: t.Type}
		}))
	}
	if len(pushed) > 0 {
		pred := pushed[0]
		for _, p := range pushed[1:] {
			pred = call("and", expr.TypeBoolean, pred, p)
		}
		top = NewTopN(NewFilter(ranked, pred, b.owner), partition, order, int(n), byRank, rn, b.owner)
		if sub, err = NewProject(top, outExprs, outNames, b.owner); err != nil {
			return nil, err
		}
		osc = newScope(sub, alias, desc)
	}

	// The outer query over the ranked rows.
	if len(kept) > 0 {
		if sub, err = b.where(sub, osc, andConjuncts(kept)); err != nil {
			return nil, err
		}
	}
	oexprs, onames, oposs, err := b.selectList(s.Items, &binder{sc: osc, clause: "the select list of a query without GROUP BY"})
	if err != nil {
		return nil, err
	}
	return b.project(sub, oexprs, onames, oposs, s.Pos)
}

// overError refuses a window function met outside the top-N shape.
func overError(x *parser.FuncCall, name string) error {
	if name == "row_number" {
		return parser.Errorf(x.Pos, "", "ROW_NUMBER() OVER (...) is supported only as top-N per key, in a subquery whose enclosing query keeps the first rows: %s", rowNumberUsage)
	}
	return parser.Errorf(x.Pos, "", "%s(...) OVER (...) is not supported: the only window function is ROW_NUMBER(), for top-N per key (%s)", name, rowNumberUsage)
}

// topNDetails are the EXPLAIN lines of a TopN node.
func topNDetails(n *exec.Node, s *exec.TopNSpec) []string {
	name := func(i int) string { return n.Schema.Field(i).Name }
	parts := make([]string, len(s.Partition))
	for i, c := range s.Partition {
		parts[i] = name(c)
	}
	order := make([]string, len(s.Order))
	for i, o := range s.Order {
		order[i] = name(o.Col)
		if o.Desc {
			order[i] += " DESC"
		}
		if o.NullsFirst {
			order[i] += " NULLS FIRST"
		} else {
			order[i] += " NULLS LAST"
		}
	}
	keys := make([]string, len(n.Keys))
	for i, k := range n.Keys {
		keys[i] = name(k)
	}
	return []string{
		"partition by: [" + strings.Join(parts, ", ") + "]",
		"order by: [" + strings.Join(order, ", ") + "] (ties: arrival order)",
		fmt.Sprintf("keep: row number %s <= %d", name(n.Schema.NumFields()-2), s.N),
		"emits: changed ranks per watermark, keyed by [" + strings.Join(keys, ", ") + "]",
	}
}

// isRankingView reports a plain view whose query numbers rows with
// ROW_NUMBER() OVER: it has no rows of its own (every row's number keeps
// changing), so each query reading it with a bound plans it as a top-N.
// A materialized one is planned, and refused, as written.
func isRankingView(v *catalog.View) bool {
	s, ok := v.Query.(*parser.Select)
	return ok && !v.Materialized && windowItem(s) >= 0
}

func rankingViewSinkError(x *catalog.Sink) error {
	return parser.Errorf(x.FromPos, "", "view '%s' numbers rows with ROW_NUMBER(); a sink reads it through a materialized view that keeps the first rows (CREATE MATERIALIZED VIEW top AS SELECT * FROM %s WHERE rn <= N)", x.From, x.From)
}
