package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

// Column is one output column of a logical node. Table is the qualifier a
// query may use for it (the FROM alias or relation name); it is empty for
// computed columns above a Project.
type Column struct {
	Name  string
	Type  arrow.DataType
	Table string
}

// Node is a logical plan node. Nodes are immutable: rules build new nodes
// with WithChildren (or the constructors) and never mutate one, so a
// subtree can be shared by several plans (a view used twice) and the
// physical builder turns one shared node into one operator with fan-out.
//
// A node whose output is updating (Upsert) carries expr.DeletedColumn as
// its last column, explicitly: every Project over it passes it through as
// its last expression.
type Node interface {
	Columns() []Column
	Upsert() bool
	// Keys are the key columns of an updating output.
	Keys() []int
	// EventTime is the column holding event time, or -1.
	EventTime() int
	Children() []Node
	// WithChildren returns a copy of the node over new children (the same
	// node when they are the same).
	WithChildren(children ...Node) (Node, error)
	// Owner is the view (or source) the node was planned for; the physical
	// node takes it as its name.
	Owner() string
	// Describe is a one-line description for logical EXPLAIN and tests.
	Describe() string
}

// base carries the derived properties every node stores.
type base struct {
	cols      []Column
	upsert    bool
	keys      []int
	eventTime int
	owner     string
}

func (b *base) Columns() []Column { return b.cols }
func (b *base) Upsert() bool      { return b.upsert }
func (b *base) Keys() []int       { return b.keys }
func (b *base) EventTime() int    { return b.eventTime }
func (b *base) Owner() string     { return b.owner }

// visibleColumns returns the columns a query can name (all but
// expr.DeletedColumn).
func visibleColumns(n Node) []Column {
	cols := n.Columns()
	if n.Upsert() {
		return cols[:len(cols)-1]
	}
	return cols
}

func sameChildren(a, b []Node) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func wantChildren(n Node, got []Node, want int) error {
	if len(got) != want {
		return fmt.Errorf("planner: %T takes %d children, got %d", n, want, len(got))
	}
	return nil
}

// Scan reads a source.
type Scan struct {
	base
	Source *catalog.Source
	Alias  string
}

// NewScan scans src; alias qualifies its columns (the source name when
// empty).
func NewScan(src *catalog.Source, alias string) *Scan {
	if alias == "" {
		alias = src.Name
	}
	s := &Scan{Source: src, Alias: alias}
	s.owner = src.Name
	s.eventTime = src.EventTime
	for _, f := range src.Schema.Fields() {
		s.cols = append(s.cols, Column{Name: f.Name, Type: f.Type, Table: alias})
	}
	return s
}

func (s *Scan) Children() []Node { return nil }
func (s *Scan) WithChildren(ch ...Node) (Node, error) {
	if err := wantChildren(s, ch, 0); err != nil {
		return nil, err
	}
	return s, nil
}
func (s *Scan) Describe() string {
	return fmt.Sprintf("Scan %s [%s]", s.Source.Name, s.Source.Connector)
}

// ViewScan reads a view. A plain view read once is replaced by the view's
// plan (rule inlineViews), so rules may rewrite through it. A plain view
// read by several queries (Shared) stays a ViewScan: its plan becomes one
// subgraph whose output fans out, rather than one copy per reader each
// rewritten its own way. A materialized view's scan stays too and becomes
// an edge from the view's output operator. Plan is a leaf to the rules:
// they never rewrite another view's plan through a ViewScan.
type ViewScan struct {
	base
	View   *catalog.View
	Plan   Node
	Alias  string
	Shared bool
}

// NewViewScan scans view v whose (optimized) plan is plan.
func NewViewScan(v *catalog.View, plan Node, alias string, shared bool) *ViewScan {
	if alias == "" {
		alias = v.Name
	}
	s := &ViewScan{View: v, Plan: plan, Alias: alias, Shared: shared}
	s.owner = plan.Owner()
	s.upsert, s.keys, s.eventTime = plan.Upsert(), plan.Keys(), plan.EventTime()
	for _, c := range plan.Columns() {
		s.cols = append(s.cols, Column{Name: c.Name, Type: c.Type, Table: alias})
	}
	return s
}

func (s *ViewScan) Children() []Node { return nil }
func (s *ViewScan) WithChildren(ch ...Node) (Node, error) {
	if err := wantChildren(s, ch, 0); err != nil {
		return nil, err
	}
	return s, nil
}
func (s *ViewScan) Describe() string {
	kind := "view"
	switch {
	case s.View.Materialized:
		kind = "materialized view"
	case s.Shared:
		kind = "shared view"
	}
	return fmt.Sprintf("ViewScan %s (%s)", s.View.Name, kind)
}

// Filter keeps rows where Pred is true. It never sits over an updating
// input: the builder turns a WHERE over one into a Project that marks the
// failing rows deleted.
type Filter struct {
	base
	Input Node
	Pred  expr.Expr
}

// NewFilter filters in by pred (a BOOLEAN expression over in's columns).
func NewFilter(in Node, pred expr.Expr, owner string) *Filter {
	f := &Filter{Input: in, Pred: pred}
	f.base = base{cols: in.Columns(), upsert: in.Upsert(), keys: in.Keys(), eventTime: in.EventTime(), owner: owner}
	return f
}

func (f *Filter) Children() []Node { return []Node{f.Input} }
func (f *Filter) WithChildren(ch ...Node) (Node, error) {
	if err := wantChildren(f, ch, 1); err != nil {
		return nil, err
	}
	if ch[0] == f.Input {
		return f, nil
	}
	return NewFilter(ch[0], f.Pred, f.owner), nil
}
func (f *Filter) Describe() string { return "Filter " + f.Pred.String() }

// Project computes one column per expression. Over an updating input the
// last expression is the deleted flag, named expr.DeletedColumn (the
// input's flag, or for a WHERE over the input "flag OR NOT pred"), and
// every input key column is passed through as a ColumnRef.
type Project struct {
	base
	Input Node
	Exprs []expr.Expr
	Names []string
}

// NewProject projects in. It fails when in is updating and the projection
// drops a key column or the deleted flag; the builder checks that first to
// give the user a positioned message, so this error means a planner bug.
func NewProject(in Node, exprs []expr.Expr, names []string, owner string) (*Project, error) {
	if len(exprs) != len(names) {
		return nil, fmt.Errorf("planner: project with %d exprs and %d names", len(exprs), len(names))
	}
	p := &Project{Input: in, Exprs: exprs, Names: names}
	p.owner = owner
	p.eventTime = -1
	inCols := in.Columns()
	for i, e := range exprs {
		table := ""
		if r, ok := e.(*expr.ColumnRef); ok {
			table = inCols[r.Index].Table
			if r.Index == in.EventTime() && p.eventTime < 0 {
				p.eventTime = i
			}
		}
		p.cols = append(p.cols, Column{Name: names[i], Type: e.DataType(), Table: table})
	}
	if in.Upsert() {
		p.upsert = true
		if len(exprs) == 0 || names[len(names)-1] != expr.DeletedColumn || !isBool(exprs[len(exprs)-1].DataType()) {
			return nil, fmt.Errorf("planner: project over an updating input must end with %s", expr.DeletedColumn)
		}
		for _, k := range in.Keys() {
			out := findRef(exprs, k)
			if out < 0 {
				return nil, fmt.Errorf("planner: project drops key column %s of an updating input", inCols[k].Name)
			}
			p.keys = append(p.keys, out)
		}
	}
	return p, nil
}

// findRef returns the first output position of a ColumnRef to column idx.
func findRef(exprs []expr.Expr, idx int) int {
	for i, e := range exprs {
		if r, ok := e.(*expr.ColumnRef); ok && r.Index == idx {
			return i
		}
	}
	return -1
}

func (p *Project) Children() []Node { return []Node{p.Input} }
func (p *Project) WithChildren(ch ...Node) (Node, error) {
	if err := wantChildren(p, ch, 1); err != nil {
		return nil, err
	}
	if ch[0] == p.Input {
		return p, nil
	}
	return NewProject(ch[0], p.Exprs, p.Names, p.owner)
}
func (p *Project) Describe() string {
	parts := make([]string, len(p.Exprs))
	for i, e := range p.Exprs {
		parts[i] = describeOutput(p.Names[i], e)
	}
	return "Project " + strings.Join(parts, ", ")
}

// describeOutput writes "name := expr", or just the name for a column
// passed through under its own name.
func describeOutput(name string, e expr.Expr) string {
	if r, ok := e.(*expr.ColumnRef); ok && r.Name == name {
		return name
	}
	return name + " := " + e.String()
}

// Aggregate is GROUP BY Keys [window] with Aggs. Its output columns are
// the keys, then window_start and window_end when windowed, then the
// aggregates, then expr.DeletedColumn when it is updating (no window).
type Aggregate struct {
	base
	Input    Node
	Keys_    []expr.Expr
	KeyNames []string
	Aggs     []exec.AggFunc
	Window   *exec.WindowSpec
	Having   expr.Expr // over the output columns; nil when none
}

// Names of the window bound columns of a windowed aggregate's output.
const (
	windowStartName = "window_start"
	windowEndName   = "window_end"
)

// NewAggregate aggregates in.
func NewAggregate(in Node, keys []expr.Expr, keyNames []string, aggs []exec.AggFunc, w *exec.WindowSpec, having expr.Expr, owner string) *Aggregate {
	a := &Aggregate{Input: in, Keys_: keys, KeyNames: keyNames, Aggs: aggs, Window: w, Having: having}
	a.owner = owner
	a.eventTime = -1
	for i, k := range keys {
		a.cols = append(a.cols, Column{Name: keyNames[i], Type: k.DataType()})
	}
	if w != nil {
		// A window's rows carry window_start as event time: it lies inside
		// the window, so a cascaded window whose size is a multiple of
		// this one puts the row in the window that contains it.
		a.eventTime = len(a.cols)
		a.cols = append(a.cols, Column{Name: windowStartName, Type: expr.TypeTimestamp},
			Column{Name: windowEndName, Type: expr.TypeTimestamp})
	}
	for _, ag := range aggs {
		a.cols = append(a.cols, Column{Name: ag.Name, Type: ag.Type})
	}
	if w == nil {
		a.upsert = true
		for i := range keys {
			a.keys = append(a.keys, i)
		}
		a.cols = append(a.cols, Column{Name: expr.DeletedColumn, Type: expr.TypeBoolean})
	}
	return a
}

// AggStart is the output position of the first aggregate.
func (a *Aggregate) AggStart() int {
	if a.Window != nil {
		return len(a.Keys_) + 2
	}
	return len(a.Keys_)
}

func (a *Aggregate) Children() []Node { return []Node{a.Input} }
func (a *Aggregate) WithChildren(ch ...Node) (Node, error) {
	if err := wantChildren(a, ch, 1); err != nil {
		return nil, err
	}
	if ch[0] == a.Input {
		return a, nil
	}
	return NewAggregate(ch[0], a.Keys_, a.KeyNames, a.Aggs, a.Window, a.Having, a.owner), nil
}
func (a *Aggregate) Describe() string {
	var sb strings.Builder
	sb.WriteString("Aggregate")
	if a.Window != nil {
		sb.WriteString(" window=" + describeWindow(a.Window))
	}
	sb.WriteString(" keys=[" + joinExprs(a.Keys_) + "]")
	sb.WriteString(" aggs=[" + describeAggs(a.Aggs) + "]")
	if a.Input.Upsert() {
		sb.WriteString(" retracting")
	}
	if a.Having != nil {
		sb.WriteString(" having=" + a.Having.String())
	}
	return sb.String()
}

// TimelineParts is what a TimelineAggregate computes (exec.TimelineSpec
// without the time column, which is Window.Time).
type TimelineParts struct {
	Keys     []expr.Expr
	KeyNames []string
	Window   exec.WindowSpec
	TTL      int64 // ms
	States   []exec.TimelineState
	Plain    []exec.AggFunc
	Aggs     []exec.TimelineAgg
	Having   expr.Expr // over the output columns; nil when none
}

// TimelineAggregate is GROUP BY Keys, window over per-key timelines (SPEC
// §5). Its output columns are the keys, window_start, window_end, the
// Plain aggregates, then the timeline aggregates; it is append-only with
// window_start as event time, like a windowed Aggregate.
type TimelineAggregate struct {
	base
	Input Node
	Parts TimelineParts
}

// NewTimelineAggregate aggregates in's timelines.
func NewTimelineAggregate(in Node, p TimelineParts, owner string) *TimelineAggregate {
	a := &TimelineAggregate{Input: in, Parts: p}
	a.owner = owner
	for i, k := range p.Keys {
		a.cols = append(a.cols, Column{Name: p.KeyNames[i], Type: k.DataType()})
	}
	a.eventTime = len(a.cols)
	a.cols = append(a.cols, Column{Name: windowStartName, Type: expr.TypeTimestamp},
		Column{Name: windowEndName, Type: expr.TypeTimestamp})
	for _, ag := range p.Plain {
		a.cols = append(a.cols, Column{Name: ag.Name, Type: ag.Type})
	}
	for _, ag := range p.Aggs {
		a.cols = append(a.cols, Column{Name: ag.Name, Type: ag.Type})
	}
	return a
}

// Spec is the node's exec spec.
func (a *TimelineAggregate) Spec() *exec.TimelineSpec {
	p := a.Parts
	return &exec.TimelineSpec{Keys: p.Keys, KeyNames: p.KeyNames, Time: p.Window.Time, Window: p.Window, TTL: p.TTL,
		States: p.States, Plain: p.Plain, Aggs: p.Aggs, Having: p.Having}
}

func (a *TimelineAggregate) Children() []Node { return []Node{a.Input} }
func (a *TimelineAggregate) WithChildren(ch ...Node) (Node, error) {
	if err := wantChildren(a, ch, 1); err != nil {
		return nil, err
	}
	if ch[0] == a.Input {
		return a, nil
	}
	return NewTimelineAggregate(ch[0], a.Parts, a.owner), nil
}
func (a *TimelineAggregate) Describe() string {
	var sb strings.Builder
	p := a.Parts
	w := p.Window
	sb.WriteString("TimelineAggregate window=" + describeWindow(&w) + " ttl=" + catalog.FormatDuration(p.TTL))
	sb.WriteString(" keys=[" + joinExprs(p.Keys) + "]")
	states := make([]string, len(p.States))
	for i, s := range p.States {
		states[i] = describeState(s)
	}
	sb.WriteString(" states=[" + strings.Join(states, ", ") + "]")
	if len(p.Plain) > 0 {
		sb.WriteString(" aggs=[" + describeAggs(p.Plain) + "]")
	}
	tl := make([]string, len(p.Aggs))
	for i, g := range p.Aggs {
		tl[i] = describeTimelineAgg(g, func(e expr.Expr) string { return e.String() })
	}
	sb.WriteString(" timeline=[" + strings.Join(tl, ", ") + "]")
	if p.Having != nil {
		sb.WriteString(" having=" + p.Having.String())
	}
	return sb.String()
}

// describeState renders a state as its call: tl_within(pred, 5s).
func describeState(s exec.TimelineState) string {
	return stateCall(s, func(e expr.Expr) string { return e.String() })
}

func stateCall(s exec.TimelineState, f func(expr.Expr) string) string {
	args := f(s.Arg)
	switch s.Kind {
	case exec.StateWithin:
		args += ", " + catalog.FormatDuration(s.Dur)
	case exec.StatePrior:
		args += fmt.Sprintf(", %d", s.N)
	}
	return s.Kind.String() + "(" + args + ")"
}

// describeTimelineAgg renders a timeline aggregate as its call and type.
func describeTimelineAgg(a exec.TimelineAgg, f func(expr.Expr) string) string {
	var args string
	if a.Kind == exec.TLDurationBetween {
		args = f(a.Start) + ", " + f(a.End)
	} else {
		args = f(a.Arg)
	}
	return a.Kind.String() + "(" + args + ") " + catalog.TypeString(a.Type)
}

// Union is UNION ALL of inputs with identical column types.
type Union struct {
	base
	Inputs []Node
}

// NewUnion unions inputs; names come from the first.
func NewUnion(inputs []Node, owner string) *Union {
	u := &Union{Inputs: inputs}
	u.owner = owner
	u.eventTime = inputs[0].EventTime()
	for _, in := range inputs[1:] {
		if in.EventTime() != u.eventTime {
			u.eventTime = -1
		}
	}
	for _, c := range inputs[0].Columns() {
		u.cols = append(u.cols, Column{Name: c.Name, Type: c.Type})
	}
	return u
}

func (u *Union) Children() []Node { return u.Inputs }
func (u *Union) WithChildren(ch ...Node) (Node, error) {
	if len(ch) != len(u.Inputs) {
		return nil, fmt.Errorf("planner: union takes %d children, got %d", len(u.Inputs), len(ch))
	}
	if sameChildren(ch, u.Inputs) {
		return u, nil
	}
	return NewUnion(ch, u.owner), nil
}
func (u *Union) Describe() string { return fmt.Sprintf("Union (%d inputs)", len(u.Inputs)) }

func joinExprs(es []expr.Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

func describeAggs(aggs []exec.AggFunc) string {
	parts := make([]string, len(aggs))
	for i, a := range aggs {
		parts[i] = describeAgg(a)
	}
	return strings.Join(parts, ", ")
}

func describeAgg(a exec.AggFunc) string {
	var call string
	switch a.Kind {
	case exec.AggCountStar:
		call = "count(*)"
	case exec.AggCountDistinct:
		call = "count(DISTINCT " + a.Arg.String() + ")"
	default:
		call = a.Kind.String() + "(" + a.Arg.String() + ")"
	}
	return fmt.Sprintf("%s := %s %s", a.Name, call, catalog.TypeString(a.Type))
}

func describeWindow(w *exec.WindowSpec) string {
	switch w.Kind {
	case exec.TumbleWindow:
		return fmt.Sprintf("tumble(%s, %s)", w.Time, catalog.FormatDuration(w.Size))
	case exec.HopWindow:
		return fmt.Sprintf("hop(%s, slide=%s, size=%s)", w.Time, catalog.FormatDuration(w.Slide), catalog.FormatDuration(w.Size))
	default:
		return fmt.Sprintf("session(%s, gap=%s)", w.Time, catalog.FormatDuration(w.Gap))
	}
}

// transformUp rebuilds n bottom-up with f applied to every node after its
// children. Unchanged subtrees keep their identity, which keeps shared
// subtrees shared.
func transformUp(n Node, f func(Node) (Node, bool, error)) (Node, bool, error) {
	memo := map[Node]Node{}
	changed := false
	var walk func(Node) (Node, error)
	walk = func(n Node) (Node, error) {
		if m, ok := memo[n]; ok {
			return m, nil
		}
		kids := n.Children()
		var nk []Node
		for i, c := range kids {
			c2, err := walk(c)
			if err != nil {
				return nil, err
			}
			if c2 != c && nk == nil {
				nk = append([]Node(nil), kids...)
			}
			if nk != nil {
				nk[i] = c2
			}
		}
		cur := n
		if nk != nil {
			var err error
			if cur, err = n.WithChildren(nk...); err != nil {
				return nil, err
			}
		}
		out, _, err := f(cur)
		if err != nil {
			return nil, err
		}
		if out != n {
			changed = true
		}
		memo[n] = out
		return out, nil
	}
	out, err := walk(n)
	return out, changed, err
}
