package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

// validateGraph checks the invariants exec relies on (exec/plan.go): topological
// order, schemas consistent along every edge, every expression typed
// over its input schema (checked by exec/expr.Compile as well), upsert
// edges ending in the deleted flag with keys in range.
func validateGraph(p *Pipeline, compile bool) error {
	g := p.Graph
	for i, n := range g.Nodes {
		if n.ID != i {
			return fmt.Errorf("node %d has ID %d", i, n.ID)
		}
		for _, in := range n.Inputs {
			if in < 0 || in >= i {
				return fmt.Errorf("node %d (%s) reads node %d: not topological", i, n.Kind, in)
			}
		}
		if err := validateNode(g, n, compile); err != nil {
			return fmt.Errorf("node %d (%s %s): %w", i, n.Kind, n.Name, err)
		}
		if compile && n.Kind != exec.KindSource && n.Kind != exec.KindSink {
			// exec's own check of the spec against the schemas.
			ins := make([]*arrow.Schema, len(n.Inputs))
			for j, in := range n.Inputs {
				ins[j] = g.Nodes[in].Schema
			}
			op, err := exec.NewOperator(n, ins)
			if err != nil && n.Kind == exec.KindTimelineAggregate && strings.Contains(err.Error(), "unknown node kind") {
				// exec does not build timeline operators yet; the spec
				// checks above stand until it does.
				continue
			}
			if err != nil {
				return fmt.Errorf("node %d: exec.NewOperator: %w", i, err)
			}
			_ = op.Close()
		}
	}
	for _, v := range p.Views {
		s := g.Nodes[v.Node]
		spec := s.Spec.(*exec.SinkSpec)
		if spec.Connector != "duckdb" || spec.Options["table"] != v.Name {
			return fmt.Errorf("view %s: sink %+v", v.Name, spec)
		}
		want := s.Schema.NumFields()
		if v.Upsert {
			want--
		}
		if v.Schema.NumFields() != want {
			return fmt.Errorf("view %s: %d columns, sink has %d", v.Name, v.Schema.NumFields(), s.Schema.NumFields())
		}
	}
	return nil
}

func inputSchema(g *exec.Graph, n *exec.Node, port int) *arrow.Schema {
	return g.Nodes[n.Inputs[port]].Schema
}

func checkExpr(e expr.Expr, in *arrow.Schema, compile bool) error {
	if err := checkTyped(e, in); err != nil {
		return fmt.Errorf("%s: %w", fmtExpr(e), err)
	}
	if !compile {
		return nil
	}
	ev, err := expr.Compile(e, in, memory.NewGoAllocator())
	if err != nil {
		return fmt.Errorf("exec/expr.Compile(%s): %w", fmtExpr(e), err)
	}
	if !arrow.TypeEqual(ev.DataType(), e.DataType()) {
		return fmt.Errorf("%s: compiled type %s, planned %s", fmtExpr(e), ev.DataType(), e.DataType())
	}
	return nil
}

// checkTyped verifies column refs and the same-type rules of expr.go.
func checkTyped(e expr.Expr, in *arrow.Schema) error {
	switch x := e.(type) {
	case *expr.ColumnRef:
		if x.Index < 0 || x.Index >= in.NumFields() {
			return fmt.Errorf("column %d out of range (%d columns)", x.Index, in.NumFields())
		}
		if !arrow.TypeEqual(in.Field(x.Index).Type, x.Type) {
			return fmt.Errorf("column %d is %s, ref says %s", x.Index, in.Field(x.Index).Type, x.Type)
		}
	case *expr.Literal:
		if x.Type.ID() == arrow.NULL {
			return fmt.Errorf("untyped NULL literal")
		}
	case *expr.Call:
		for _, a := range x.Args {
			if err := checkTyped(a, in); err != nil {
				return err
			}
		}
		same := func(args []expr.Expr) error {
			for _, a := range args[1:] {
				if !arrow.TypeEqual(a.DataType(), args[0].DataType()) {
					return fmt.Errorf("%s: args of different types %s and %s", x.Func, args[0].DataType(), a.DataType())
				}
			}
			return nil
		}
		switch x.Func {
		case "add", "sub", "mul", "div", "mod", "eq", "ne", "lt", "le", "gt", "ge", "in", "between", "coalesce":
			return same(x.Args)
		case "and", "or", "not":
			for _, a := range x.Args {
				if a.DataType().ID() != arrow.BOOL {
					return fmt.Errorf("%s of %s", x.Func, a.DataType())
				}
			}
		}
	}
	return nil
}

func sameTypes(a, b *arrow.Schema) error {
	if a.NumFields() != b.NumFields() {
		return fmt.Errorf("%d columns vs %d", a.NumFields(), b.NumFields())
	}
	for i := range a.Fields() {
		if !arrow.TypeEqual(a.Field(i).Type, b.Field(i).Type) {
			return fmt.Errorf("column %d: %s vs %s", i, a.Field(i).Type, b.Field(i).Type)
		}
	}
	return nil
}

func validateNode(g *exec.Graph, n *exec.Node, compile bool) error {
	checkExpr := func(e expr.Expr, in *arrow.Schema) error { return checkExpr(e, in, compile) }
	if n.Upsert {
		last := n.Schema.Field(n.Schema.NumFields() - 1)
		if last.Name != expr.DeletedColumn || last.Type.ID() != arrow.BOOL {
			return fmt.Errorf("upsert output does not end with %s", expr.DeletedColumn)
		}
		for _, k := range n.Keys {
			if k < 0 || k >= n.Schema.NumFields()-1 {
				return fmt.Errorf("key %d out of range", k)
			}
		}
	}
	if n.EventTime >= 0 && !catalog.IsTimestamp(n.Schema.Field(n.EventTime).Type) {
		return fmt.Errorf("event time column %d is %s", n.EventTime, n.Schema.Field(n.EventTime).Type)
	}
	switch s := n.Spec.(type) {
	case *exec.SourceSpec:
		if n.Kind != exec.KindSource || len(n.Inputs) != 0 {
			return fmt.Errorf("bad source node")
		}
	case *exec.FilterSpec:
		in := inputSchema(g, n, 0)
		if err := sameTypes(in, n.Schema); err != nil {
			return err
		}
		if s.Predicate.DataType().ID() != arrow.BOOL {
			return fmt.Errorf("predicate is %s", s.Predicate.DataType())
		}
		if g.Nodes[n.Inputs[0]].Upsert {
			return fmt.Errorf("filter over an updating input")
		}
		return checkExpr(s.Predicate, in)
	case *exec.ProjectSpec:
		in := inputSchema(g, n, 0)
		if len(s.Exprs) != n.Schema.NumFields() || len(s.Names) != len(s.Exprs) {
			return fmt.Errorf("%d exprs, %d names, %d fields", len(s.Exprs), len(s.Names), n.Schema.NumFields())
		}
		for i, e := range s.Exprs {
			if !arrow.TypeEqual(e.DataType(), n.Schema.Field(i).Type) || s.Names[i] != n.Schema.Field(i).Name {
				return fmt.Errorf("column %d: expr %s %s vs field %s", i, s.Names[i], e.DataType(), n.Schema.Field(i))
			}
			if err := checkExpr(e, in); err != nil {
				return err
			}
		}
	case *exec.WindowAssignSpec:
		in := inputSchema(g, n, 0)
		if n.Schema.NumFields() != in.NumFields()+2 {
			return fmt.Errorf("window assign adds %d columns", n.Schema.NumFields()-in.NumFields())
		}
		return checkExpr(s.Window.Time, in)
	case *exec.AggregateSpec:
		in := inputSchema(g, n, 0)
		for _, k := range s.Keys {
			if err := checkExpr(k, in); err != nil {
				return err
			}
		}
		for _, a := range s.Aggs {
			if a.Arg != nil {
				if err := checkExpr(a.Arg, in); err != nil {
					return err
				}
			}
		}
		want := len(s.Keys) + len(s.Aggs)
		if s.Window != nil {
			want += 2
			if err := checkExpr(s.Window.Time, in); err != nil {
				return err
			}
		}
		if s.Window == nil {
			want++
		}
		if n.Schema.NumFields() != want {
			return fmt.Errorf("output has %d columns, want %d", n.Schema.NumFields(), want)
		}
		if (n.Kind == exec.KindSessionAggregate) != (s.Window != nil && s.Window.Kind == exec.SessionWindow) {
			return fmt.Errorf("kind %s with window %v", n.Kind, s.Window)
		}
		if s.Window != nil && s.Window.Kind != exec.SessionWindow {
			if s.WindowStart < 0 || !catalog.IsTimestamp(in.Field(s.WindowStart).Type) || in.Field(s.WindowStart).Name != windowStartName {
				return fmt.Errorf("window_start at %d", s.WindowStart)
			}
		}
		if s.Having != nil {
			if err := checkExpr(s.Having, n.Schema); err != nil {
				return err
			}
		}
	case *exec.TimelineSpec:
		if n.Kind != exec.KindTimelineAggregate || n.Upsert {
			return fmt.Errorf("timeline spec on a %s node (upsert %v)", n.Kind, n.Upsert)
		}
		in := inputSchema(g, n, 0)
		for _, k := range s.Keys {
			if err := checkExpr(k, in); err != nil {
				return err
			}
		}
		if err := checkExpr(s.Time, in); err != nil {
			return err
		}
		if !exprEqual(s.Time, s.Window.Time) || !catalog.IsTimestamp(s.Time.DataType()) {
			return fmt.Errorf("time %s, window time %s", s.Time, s.Window.Time)
		}
		if s.TTL <= 0 || len(s.States) == 0 || len(s.Aggs) == 0 {
			return fmt.Errorf("ttl %d, %d states, %d timeline aggs", s.TTL, len(s.States), len(s.Aggs))
		}
		fields := make([]arrow.Field, len(s.States))
		for i, st := range s.States {
			if err := checkExpr(st.Arg, in); err != nil {
				return err
			}
			if !arrow.TypeEqual(st.Arg.DataType(), st.Type) {
				return fmt.Errorf("state %d: arg %s, type %s", i, st.Arg.DataType(), st.Type)
			}
			if (st.Kind == exec.StateEver || st.Kind == exec.StateWithin) && st.Type.ID() != arrow.BOOL {
				return fmt.Errorf("state %d: %s of %s", i, st.Kind, st.Type)
			}
			if (st.Kind == exec.StateWithin) != (st.Dur > 0) || (st.Kind == exec.StatePrior) != (st.N >= 1) {
				return fmt.Errorf("state %d: %s with dur %d, n %d", i, st.Kind, st.Dur, st.N)
			}
			for j := 0; j < i; j++ {
				o := s.States[j]
				if o.Kind == st.Kind && o.Dur == st.Dur && o.N == st.N && exprEqual(o.Arg, st.Arg) {
					return fmt.Errorf("states %d and %d are the same", j, i)
				}
			}
			fields[i] = arrow.Field{Name: fmt.Sprintf("s%d", i), Type: st.Type, Nullable: true}
		}
		stateSchema := arrow.NewSchema(fields, nil)
		for _, a := range s.Plain {
			if a.Arg != nil {
				if err := checkExpr(a.Arg, in); err != nil {
					return err
				}
			}
		}
		for i, a := range s.Aggs {
			if a.Kind == exec.TLDurationBetween {
				if a.Arg != nil || a.Start == nil || a.End == nil {
					return fmt.Errorf("timeline agg %d: duration_between with arg %v start %v end %v", i, a.Arg, a.Start, a.End)
				}
				for _, p := range []expr.Expr{a.Start, a.End} {
					if err := checkExpr(p, in); err != nil {
						return err
					}
					if p.DataType().ID() != arrow.BOOL {
						return fmt.Errorf("timeline agg %d: predicate of %s", i, p.DataType())
					}
				}
			} else {
				if a.Arg == nil || a.Start != nil || a.End != nil {
					return fmt.Errorf("timeline agg %d: %s with arg %v start %v end %v", i, a.Kind, a.Arg, a.Start, a.End)
				}
				if err := checkExpr(a.Arg, stateSchema); err != nil {
					return fmt.Errorf("timeline agg %d over the state schema: %w", i, err)
				}
			}
			want := expr.TypeBigint
			if a.Kind == exec.TLValueAtEnd {
				want = a.Arg.DataType()
			}
			if (a.Kind == exec.TLDurationWhere || a.Kind == exec.TLCountEntries) && a.Arg.DataType().ID() != arrow.BOOL {
				return fmt.Errorf("timeline agg %d: %s of %s", i, a.Kind, a.Arg.DataType())
			}
			if !arrow.TypeEqual(a.Type, want) {
				return fmt.Errorf("timeline agg %d: type %s, want %s", i, a.Type, want)
			}
		}
		nk := len(s.Keys)
		if n.Schema.NumFields() != nk+2+len(s.Plain)+len(s.Aggs) || n.EventTime != nk ||
			n.Schema.Field(nk).Name != windowStartName || n.Schema.Field(nk+1).Name != windowEndName {
			return fmt.Errorf("output %s (event time %d)", n.Schema, n.EventTime)
		}
		for i, a := range s.Plain {
			if !arrow.TypeEqual(n.Schema.Field(nk+2+i).Type, a.Type) {
				return fmt.Errorf("plain agg %d: field %s", i, n.Schema.Field(nk+2+i))
			}
		}
		for i, a := range s.Aggs {
			if !arrow.TypeEqual(n.Schema.Field(nk+2+len(s.Plain)+i).Type, a.Type) {
				return fmt.Errorf("timeline agg %d: field %s", i, n.Schema.Field(nk+2+len(s.Plain)+i))
			}
		}
		if s.Having != nil {
			if err := checkExpr(s.Having, n.Schema); err != nil {
				return err
			}
		}
	case *exec.UnionSpec:
		for i := range n.Inputs {
			if err := sameTypes(inputSchema(g, n, i), n.Schema); err != nil {
				return fmt.Errorf("input %d: %w", i, err)
			}
		}
	case *exec.JoinSpec:
		if n.Kind != exec.KindJoin || len(n.Inputs) != 2 || n.Upsert {
			return fmt.Errorf("join spec on a %s node with %d inputs (upsert %v)", n.Kind, len(n.Inputs), n.Upsert)
		}
		l, r := inputSchema(g, n, 0), inputSchema(g, n, 1)
		for i := range s.LeftKeys {
			if err := checkExpr(s.LeftKeys[i], l); err != nil {
				return fmt.Errorf("left key %d: %w", i, err)
			}
			if err := checkExpr(s.RightKeys[i], r); err != nil {
				return fmt.Errorf("right key %d: %w", i, err)
			}
		}
		if s.Residual != nil {
			if err := checkExpr(s.Residual, n.Schema); err != nil {
				return fmt.Errorf("residual: %w", err)
			}
		}
		for i, side := range []exec.JoinSide{s.Left, s.Right} {
			in := []*arrow.Schema{l, r}[i]
			for _, b := range side.Expire {
				if err := checkExpr(b.Expr, in); err != nil {
					return fmt.Errorf("side %d expiry: %w", i, err)
				}
			}
		}
	case *exec.TopNSpec:
		if err := validateTopN(g, n, s); err != nil {
			return err
		}
	case *exec.SinkSpec:
		in := g.Nodes[n.Inputs[0]]
		if s.Schema != in.Schema || s.Upsert != in.Upsert {
			return fmt.Errorf("sink schema/upsert differ from its input")
		}
	default:
		return fmt.Errorf("unknown spec %T", n.Spec)
	}
	return nil
}
