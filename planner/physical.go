package planner

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

// physBuilder lowers logical plans into one exec.Graph. A logical node
// reached twice (a shared subtree) becomes one operator whose output fans
// out; a source becomes one Source node however many plans scan it; a
// materialized view's scan is an edge from the operator that feeds its
// table.
type physBuilder struct {
	g       *exec.Graph
	memo    map[Node]int
	sources map[string]int
	mvOut   map[string]int // view name -> node producing its rows
}

func newPhysBuilder() *physBuilder {
	return &physBuilder{g: &exec.Graph{}, memo: map[Node]int{}, sources: map[string]int{}, mvOut: map[string]int{}}
}

func arrowSchema(cols []Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type, Nullable: c.Name != expr.DeletedColumn}
	}
	return arrow.NewSchema(fields, nil)
}

func (pb *physBuilder) add(n *exec.Node) int {
	n.ID = len(pb.g.Nodes)
	pb.g.Nodes = append(pb.g.Nodes, n)
	return n.ID
}

// nodeFor describes a logical node's output as a physical node.
func nodeFor(n Node, kind exec.NodeKind, inputs []int, spec any) *exec.Node {
	return &exec.Node{Kind: kind, Name: n.Owner(), Inputs: inputs, Schema: arrowSchema(n.Columns()),
		Upsert: n.Upsert(), Keys: n.Keys(), EventTime: n.EventTime(), Spec: spec}
}

func (pb *physBuilder) build(n Node) (int, error) {
	if id, ok := pb.memo[n]; ok {
		return id, nil
	}
	id, err := pb.lower(n)
	if err != nil {
		return 0, err
	}
	pb.memo[n] = id
	return id, nil
}

func (pb *physBuilder) lower(n Node) (int, error) {
	switch x := n.(type) {
	case *Scan:
		if id, ok := pb.sources[x.Source.Name]; ok {
			return id, nil
		}
		spec := x.Source.Spec()
		id := pb.add(&exec.Node{Kind: exec.KindSource, Name: x.Source.Name, Schema: spec.Schema,
			EventTime: spec.EventTime, Spec: spec})
		pb.sources[x.Source.Name] = id
		return id, nil
	case *ViewScan:
		if x.View.Materialized {
			id, ok := pb.mvOut[x.View.Name]
			if !ok {
				return 0, fmt.Errorf("planner: materialized view %s read before it was built", x.View.Name)
			}
			return id, nil
		}
		return pb.build(x.Plan)
	case *Filter:
		in, err := pb.build(x.Input)
		if err != nil {
			return 0, err
		}
		return pb.add(nodeFor(x, exec.KindFilter, []int{in}, &exec.FilterSpec{Predicate: x.Pred})), nil
	case *Project:
		in, err := pb.build(x.Input)
		if err != nil {
			return 0, err
		}
		spec := &exec.ProjectSpec{Exprs: x.Exprs, Names: x.Names}
		return pb.add(nodeFor(x, exec.KindProject, []int{in}, spec)), nil
	case *Aggregate:
		in, err := pb.build(x.Input)
		if err != nil {
			return 0, err
		}
		spec := &exec.AggregateSpec{Keys: x.Keys_, KeyNames: x.KeyNames, Aggs: x.Aggs, Window: x.Window,
			WindowStart: -1, Having: x.Having}
		if x.Input.Upsert() {
			spec.InputKeys = x.Input.Keys()
		}
		kind := exec.KindHashAggregate
		if x.Window != nil {
			switch x.Window.Kind {
			case exec.SessionWindow:
				kind = exec.KindSessionAggregate
			default:
				// WindowAssign appends window_start and window_end.
				inCols := x.Input.Columns()
				cols := append(append([]Column(nil), inCols...),
					Column{Name: windowStartName, Type: expr.TypeTimestamp},
					Column{Name: windowEndName, Type: expr.TypeTimestamp})
				wa := &exec.Node{Kind: exec.KindWindowAssign, Name: x.Owner(), Inputs: []int{in},
					Schema: arrowSchema(cols), EventTime: x.Input.EventTime(),
					Spec: &exec.WindowAssignSpec{Window: *x.Window}}
				in = pb.add(wa)
				spec.WindowStart = len(inCols)
			}
		}
		return pb.add(nodeFor(x, kind, []int{in}, spec)), nil
	case *TimelineAggregate:
		// The operator assigns windows itself: a window's rows depend on
		// the state carried in from before it, not only on its events.
		in, err := pb.build(x.Input)
		if err != nil {
			return 0, err
		}
		return pb.add(nodeFor(x, exec.KindTimelineAggregate, []int{in}, x.Spec())), nil
	case *Join:
		l, err := pb.build(x.Left)
		if err != nil {
			return 0, err
		}
		r, err := pb.build(x.Right)
		if err != nil {
			return 0, err
		}
		return pb.add(nodeFor(x, exec.KindJoin, []int{l, r}, x.Spec())), nil
	case *TopN:
		in, err := pb.build(x.Input)
		if err != nil {
			return 0, err
		}
		return pb.add(nodeFor(x, exec.KindTopN, []int{in}, x.Spec())), nil
	case *Union:
		ins := make([]int, len(x.Inputs))
		for i, c := range x.Inputs {
			id, err := pb.build(c)
			if err != nil {
				return 0, err
			}
			ins[i] = id
		}
		return pb.add(nodeFor(x, exec.KindUnion, ins, &exec.UnionSpec{})), nil
	}
	return 0, fmt.Errorf("planner: cannot lower %T", n)
}

// sink adds a Sink node reading node in.
func (pb *physBuilder) sink(in int, name, connector string, opts map[string]string) int {
	src := pb.g.Nodes[in]
	keys := append([]int(nil), src.Keys...)
	return pb.add(&exec.Node{Kind: exec.KindSink, Name: name, Inputs: []int{in}, Schema: src.Schema,
		Upsert: src.Upsert, Keys: keys, EventTime: src.EventTime,
		Spec: &exec.SinkSpec{Name: name, Connector: connector, Options: opts, Schema: src.Schema,
			Upsert: src.Upsert, Keys: keys}})
}
