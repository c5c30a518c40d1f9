package planner

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// Join is an inner equi-join of two append-only inputs. Its columns are
// the left input's then the right input's (qualified by their tables).
// Parts is the exec spec the operator runs: keys, the residual condition
// over the output row, and per side the time column and expiry bounds
// derived from the condition (see planJoin).
type Join struct {
	base
	Left, Right Node
	Parts       exec.JoinSpec
}

// NewJoin joins left and right; eventTime is the output column of event
// time (-1 when none).
func NewJoin(left, right Node, parts exec.JoinSpec, eventTime int, owner string) *Join {
	j := &Join{Left: left, Right: right, Parts: parts}
	j.owner = owner
	j.eventTime = eventTime
	j.cols = append(append([]Column(nil), left.Columns()...), right.Columns()...)
	return j
}

func (j *Join) Children() []Node { return []Node{j.Left, j.Right} }
func (j *Join) WithChildren(ch ...Node) (Node, error) {
	if err := wantChildren(j, ch, 2); err != nil {
		return nil, err
	}
	if ch[0] == j.Left && ch[1] == j.Right {
		return j, nil
	}
	return NewJoin(ch[0], ch[1], j.Parts, j.eventTime, j.owner), nil
}

// Spec is the node's exec spec.
func (j *Join) Spec() *exec.JoinSpec {
	p := j.Parts
	return &p
}

func (j *Join) Describe() string {
	return "Join " + describeJoin(&j.Parts, func(e expr.Expr) string { return e.String() })
}

// describeJoin renders a join spec on one line.
func describeJoin(s *exec.JoinSpec, f func(expr.Expr) string) string {
	var sb strings.Builder
	for i := range s.LeftKeys {
		if i > 0 {
			sb.WriteString(" AND ")
		}
		sb.WriteString("L." + f(s.LeftKeys[i]) + " = R." + f(s.RightKeys[i]))
	}
	if s.Residual != nil {
		sb.WriteString(" where " + f(s.Residual))
	}
	for i, side := range []*exec.JoinSide{&s.Left, &s.Right} {
		name := [...]string{"left", "right"}[i]
		other := [...]string{"R", "L"}[i]
		if len(side.Expire) == 0 {
			sb.WriteString("; " + name + " rows kept to the end")
			continue
		}
		parts := make([]string, len(side.Expire))
		for k, b := range side.Expire {
			parts[k] = f(b.Expr)
			if b.Offset != 0 {
				parts[k] += fmt.Sprintf(" %+dms", b.Offset)
			}
		}
		sb.WriteString(fmt.Sprintf("; %s rows dropped when wm(%s) > %s", name, other, strings.Join(parts, ", ")))
	}
	if s.OutputDelay < 0 {
		sb.WriteString("; output watermark held until the end of input")
	} else {
		sb.WriteString("; output watermark = input - " + catalog.FormatDuration(s.OutputDelay))
	}
	return sb.String()
}

// joinSide is one planned input of a join.
type joinInput struct {
	node Node
	sc   *scope
	pos  parser.Pos
}

// join plans a FROM join. where, when set, is the WHERE clause of the
// SELECT whose FROM this is: for an inner join its conjuncts are part of
// the join condition (equi-keys and time bounds may be written there, and
// must be for a comma join).
func (b *builder) join(x *parser.Join, where parser.Expr) (Node, *scope, error) {
	switch x.Kind {
	case parser.InnerJoin, parser.CrossJoin:
	default:
		return nil, nil, parser.Errorf(x.Pos, "", "%s OUTER JOIN is not supported: a streaming outer join must emit a row without a match once the other side can no longer match, which spate does not do yet; use an inner JOIN", x.Kind)
	}
	if len(x.Using) > 0 {
		return nil, nil, parser.Errorf(x.Pos, "", "JOIN ... USING is not supported; write ON a.%s = b.%s", x.Using[0], x.Using[0])
	}
	var sides [2]joinInput
	for i, t := range []parser.TableExpr{x.Left, x.Right} {
		n, sc, err := b.from(t)
		if err != nil {
			return nil, nil, err
		}
		if n.Upsert() {
			return nil, nil, parser.Errorf(t.Position(), "", "cannot join %s: it is an updating view (an aggregate without a window), whose rows are replaced as groups change, and a streaming join needs append-only inputs; join a windowed aggregate or the raw rows instead", sc.desc)
		}
		sides[i] = joinInput{node: n, sc: sc, pos: t.Position()}
	}
	sc, err := joinScope(sides[0].sc, sides[1].sc, x.Pos)
	if err != nil {
		return nil, nil, err
	}
	var conds []parser.Expr
	var clauses []string
	if x.On != nil {
		for _, c := range splitAnd(x.On) {
			conds, clauses = append(conds, c), append(clauses, "ON")
		}
	}
	if where != nil {
		if f := firstAggregateCall(where); f != nil {
			if isTimelineName(strings.ToLower(f.Name)) {
				return nil, nil, timelineOutsideGroup(f, "WHERE")
			}
			return nil, nil, parser.Errorf(where.Position(), "", "aggregate functions are not allowed in WHERE (use HAVING)")
		}
		for _, c := range splitAnd(where) {
			conds, clauses = append(conds, c), append(clauses, "WHERE")
		}
	}
	bound := make([]expr.Expr, len(conds))
	for i, c := range conds {
		e, err := (&binder{sc: sc, clause: clauses[i]}).bindBool(c, clauses[i])
		if err != nil {
			return nil, nil, err
		}
		bound[i] = e
	}
	n, err := b.planJoin(sides, bound, x.Pos)
	if err != nil {
		return nil, nil, err
	}
	return n, sc, nil
}

// joinScope names the columns of a join: the left scope's, then the
// right's shifted past them.
func joinScope(l, r *scope, pos parser.Pos) (*scope, error) {
	for _, t := range r.tables {
		if t != "" && contains(l.tables, t) {
			return nil, parser.Errorf(pos, "", "table name '%s' appears twice in FROM; give one of them another alias", t)
		}
	}
	sc := &scope{desc: "the join of " + l.desc + " and " + r.desc}
	sc.tables = append(append(sc.tables, l.tables...), r.tables...)
	sc.cols = append(sc.cols, l.cols...)
	for _, c := range r.cols {
		c.Index += len(l.cols)
		sc.cols = append(sc.cols, c)
	}
	return sc, nil
}

// splitAnd returns the conjuncts of e.
func splitAnd(e parser.Expr) []parser.Expr {
	if x, ok := e.(*parser.BinaryExpr); ok && strings.EqualFold(x.Op, "AND") {
		return append(splitAnd(x.L), splitAnd(x.R)...)
	}
	return []parser.Expr{e}
}

// progress is a column of a node whose future values never fall below the
// node's watermark minus lag (ms).
type progress struct {
	col int
	lag int64
}

// progressCols lists n's progress columns, smallest lag first. A source's
// event time has lag 0. A tumbling or hopping aggregate holds its output
// watermark a window size back (exec's windowOutputWatermark), so both
// its window_start and window_end have lag 0. A join's output watermark
// is held back so that its event time has lag 0.
func progressCols(n Node) []progress {
	switch x := n.(type) {
	case *Scan:
		if x.EventTime() >= 0 {
			return []progress{{x.EventTime(), 0}}
		}
	case *ViewScan:
		return progressCols(x.Plan)
	case *Filter:
		return progressCols(x.Input)
	case *Project:
		var out []progress
		for _, p := range progressCols(x.Input) {
			for i, e := range x.Exprs {
				if r, ok := e.(*expr.ColumnRef); ok && r.Index == p.col {
					out = append(out, progress{i, p.lag})
				}
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].lag < out[j].lag })
		return out
	case *Aggregate:
		if w := x.Window; w != nil && w.Kind != exec.SessionWindow {
			ws := len(x.Keys_)
			return []progress{{ws, 0}, {ws + 1, 0}}
		}
	case *TimelineAggregate:
		if w := x.Parts.Window; w.Kind != exec.SessionWindow {
			ws := len(x.Parts.Keys)
			return []progress{{ws, 0}, {ws + 1, 0}}
		}
	case *Join:
		if x.eventTime >= 0 {
			return []progress{{x.eventTime, 0}}
		}
	}
	return nil
}

// bounded reports whether n reads only bounded (generator) sources.
func bounded(n Node) bool {
	switch x := n.(type) {
	case *Scan:
		return x.Source.Generator
	case *ViewScan:
		return bounded(x.Plan)
	}
	for _, c := range n.Children() {
		if !bounded(c) {
			return false
		}
	}
	return len(n.Children()) > 0
}

// unboundedSource names a source of n that is not bounded.
func unboundedSource(n Node) string {
	switch x := n.(type) {
	case *Scan:
		if !x.Source.Generator {
			return fmt.Sprintf("%s (%s)", x.Source.Name, x.Source.Connector)
		}
		return ""
	case *ViewScan:
		return unboundedSource(x.Plan)
	}
	for _, c := range n.Children() {
		if s := unboundedSource(c); s != "" {
			return s
		}
	}
	return ""
}

// timeRule is one bound the condition puts on side y's progress column:
// y.col + c <= h, where h reads only the other side (x): x's rows can be
// dropped once wm(y) - lag > h(x) - c.
type timeRule struct {
	y    int // side of the progress column
	prog progress
	c    int64
	h    expr.Expr // over the joined row, reading side 1-y only
}

// planJoin splits the bound conjuncts of a join condition into filters
// pushed below the join (those reading one side), equi-keys and a residual
// condition, and derives from the comparisons between the two sides how
// long each side's rows must be kept and how far the output watermark is
// held back.
func (b *builder) planJoin(sides [2]joinInput, conds []expr.Expr, pos parser.Pos) (Node, error) {
	nl := len(sides[0].sc.cols)
	side := func(e expr.Expr) int { // 0 left, 1 right, 2 both, -1 none
		set := map[int]bool{}
		refsOf(e, set)
		s := -1
		for i := range set {
			k := 0
			if i >= nl {
				k = 1
			}
			if s == -1 {
				s = k
			} else if s != k {
				return 2
			}
		}
		return s
	}
	shift := func(e expr.Expr, by int) expr.Expr {
		return mapRefs(e, func(r *expr.ColumnRef) expr.Expr {
			return &expr.ColumnRef{Index: r.Index - by, Name: r.Name, Type: r.Type}
		})
	}
	var pushed [2][]expr.Expr
	var lkeys, rkeys, resid, cross []expr.Expr
	for _, e := range conds {
		switch s := side(e); s {
		case 0:
			pushed[0] = append(pushed[0], e)
			continue
		case 1:
			pushed[1] = append(pushed[1], shift(e, nl))
			continue
		case -1:
			resid = append(resid, e)
			continue
		}
		cross = append(cross, e)
		if c, ok := e.(*expr.Call); ok && c.Func == "eq" {
			a, z := c.Args[0], c.Args[1]
			sa, sz := side(a), side(z)
			if sa == 1 && sz == 0 {
				a, z, sa, sz = z, a, sz, sa
			}
			if sa == 0 && sz == 1 {
				lkeys = append(lkeys, a)
				rkeys = append(rkeys, shift(z, nl))
				continue
			}
		}
		resid = append(resid, e)
	}
	if len(lkeys) == 0 {
		return nil, parser.Errorf(pos, "", "a join needs at least one equality between columns of its two sides (ON a.k = b.k, or in WHERE for FROM a, b); a join without one would pair every row with every other row")
	}
	inputs := [2]Node{sides[0].node, sides[1].node}
	for i := range inputs {
		if len(pushed[i]) > 0 {
			inputs[i] = NewFilter(inputs[i], andAll(pushed[i]), b.owner)
		}
	}

	// Time bounds from the comparisons between the sides.
	progs := [2][]progress{progressCols(inputs[0]), progressCols(inputs[1])}
	for i := range progs {
		for k := range progs[i] {
			if i == 1 {
				progs[i][k].col += nl
			}
		}
	}
	var rules []timeRule
	for _, e := range cross {
		for _, le := range lessEquals(e) {
			for y := 0; y < 2; y++ {
				col, c, ok := colPlusConst(le[0])
				if !ok || side(le[1]) != 1-y {
					continue
				}
				for _, p := range progs[y] {
					if p.col == col && isTimestampType(le[1]) {
						rules = append(rules, timeRule{y: y, prog: p, c: c, h: le[1]})
					}
				}
			}
		}
	}
	// Each side's time is its progress column (smallest lag first) that
	// bounds the other side's rows.
	var js [2]exec.JoinSide
	var used [2]*progress
	for y := 0; y < 2; y++ {
		js[y].Time = -1
		for k := range progs[y] {
			p := &progs[y][k]
			for _, r := range rules {
				if r.y == y && r.prog == *p {
					used[y] = p
					break
				}
			}
			if used[y] != nil {
				break
			}
		}
	}
	for _, r := range rules {
		if used[r.y] == nil || r.prog != *used[r.y] {
			continue
		}
		x := 1 - r.y
		h := r.h
		if x == 1 {
			h = shift(h, nl)
		}
		js[x].Expire = append(js[x].Expire, exec.JoinBound{Expr: h, Offset: r.prog.lag - r.c})
		js[r.y].Late = true
	}
	for y := 0; y < 2; y++ {
		if used[y] != nil {
			js[y].Time, js[y].Lag = used[y].col, used[y].lag
			if y == 1 {
				js[y].Time -= nl
			}
		}
	}
	for x := 0; x < 2; x++ {
		if len(js[x].Expire) == 0 && !bounded(inputs[x]) {
			return nil, unboundedJoin(sides, x, unboundedSource(inputs[x]), pos)
		}
	}

	// Output time: a progress column o of side x with a rule
	// y.p + c <= x.o. A pair emitted when its x row arrives has
	// o >= wm(x) - lag(o); one emitted when its y row arrives has
	// o >= y.p + c >= wm(y) - lag(p) + c. Holding the output watermark
	// back by the larger of the two keeps every output row at or above
	// it. Without such a column the output watermark waits for the end of
	// input (only bounded inputs get here without time bounds).
	eventTime, delay := -1, int64(-1)
	for x := 0; x < 2; x++ {
		for _, o := range progs[x] {
			for _, r := range rules {
				if r.y != 1-x || js[r.y].Time < 0 || used[r.y] == nil || r.prog != *used[r.y] {
					continue
				}
				if ref, ok := r.h.(*expr.ColumnRef); !ok || ref.Index != o.col {
					continue
				}
				d := max(o.lag, r.prog.lag-r.c, 0)
				if delay < 0 || d < delay {
					eventTime, delay = o.col, d
				}
			}
		}
	}
	if eventTime < 0 {
		// Without a bound the output time is nominal: the left side's
		// event time, if it survives (the watermark is held to the end).
		for _, p := range progs[0] {
			eventTime = p.col
			break
		}
	}
	for y := 0; y < 2; y++ {
		if delay >= 0 && js[y].Time >= 0 {
			// The held-back watermark relies on rows of both sides not
			// being behind their own watermark.
			js[y].Late = true
		}
	}
	spec := exec.JoinSpec{LeftKeys: lkeys, RightKeys: rkeys, Left: js[0], Right: js[1], OutputDelay: delay}
	if len(resid) > 0 {
		spec.Residual = andAll(resid)
	}
	return NewJoin(inputs[0], inputs[1], spec, eventTime, b.owner), nil
}

func unboundedJoin(sides [2]joinInput, x int, src string, pos parser.Pos) error {
	name := [...]string{"left", "right"}[x]
	other := sides[1-x].sc.desc
	return parser.Errorf(pos, "", "this join would keep every row of its %s side (%s) forever: nothing in the condition bounds the time of %s relative to it, and %s is unbounded, so its state would grow without end; add a time bound, e.g. an interval join (AND b.ts BETWEEN a.ts - INTERVAL 10 SECOND AND a.ts) or equal window bounds of two windowed inputs (AND a.window_end = b.window_end); joins without one are allowed only between bounded generator sources",
		name, sides[x].sc.desc, other, src)
}

// lessEquals returns the (a, b) pairs of the a <= b facts e implies.
func lessEquals(e expr.Expr) [][2]expr.Expr {
	c, ok := e.(*expr.Call)
	if !ok {
		return nil
	}
	a := c.Args
	switch c.Func {
	case "le", "lt":
		return [][2]expr.Expr{{a[0], a[1]}}
	case "ge", "gt":
		return [][2]expr.Expr{{a[1], a[0]}}
	case "eq":
		return [][2]expr.Expr{{a[0], a[1]}, {a[1], a[0]}}
	case "between":
		return [][2]expr.Expr{{a[1], a[0]}, {a[0], a[2]}}
	case "and":
		return append(lessEquals(a[0]), lessEquals(a[1])...)
	}
	return nil
}

// colPlusConst matches col, col + INTERVAL c and col - INTERVAL c over a
// TIMESTAMP column.
func colPlusConst(e expr.Expr) (int, int64, bool) {
	switch x := e.(type) {
	case *expr.ColumnRef:
		return x.Index, 0, isTimestampType(x)
	case *expr.Call:
		if (x.Func == "add_interval" || x.Func == "sub_interval") && len(x.Args) == 2 {
			r, ok := x.Args[0].(*expr.ColumnRef)
			l, lok := x.Args[1].(*expr.Literal)
			if !ok || !lok {
				return 0, 0, false
			}
			ms, ok := l.Value.(int64)
			if !ok {
				return 0, 0, false
			}
			if x.Func == "sub_interval" {
				ms = -ms
			}
			return r.Index, ms, true
		}
	}
	return 0, 0, false
}

func isTimestampType(e expr.Expr) bool { return catalog.IsTimestamp(e.DataType()) }

// andAll is the conjunction of es (at least one).
func andAll(es []expr.Expr) expr.Expr {
	out := es[0]
	for _, e := range es[1:] {
		out = call("and", expr.TypeBoolean, out, e)
	}
	return out
}

// starName renames a column a * expands to when its name is taken, as
// DuckDB's CREATE TABLE AS does for a join's repeated names (k, k_1, k_2
// ...).
func starName(name string, taken []string) string {
	if !slices.Contains(taken, name) {
		return name
	}
	for k := 1; ; k++ {
		if c := fmt.Sprintf("%s_%d", name, k); !slices.Contains(taken, c) {
			return c
		}
	}
}
