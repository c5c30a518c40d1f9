package exec

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// NewOperator builds the runtime operator of a Filter, Project,
// WindowAssign, HashAggregate, SessionAggregate, TimelineAggregate, TopN
// or Union node from its
// Spec; inputs are the output schemas of n.Inputs, in port order. Every
// operator produces batches of n.Schema. The spec is checked here against
// the schemas (types of expressions, aggregates and output columns), so a
// planner bug surfaces as an error naming the node, before anything runs.
// Source and sink nodes are built by their connectors.
func NewOperator(n *Node, inputs []*arrow.Schema) (Operator, error) {
	op, err := newOperator(n, inputs)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", n.Kind, n.Name, err)
	}
	return op, nil
}

func newOperator(n *Node, inputs []*arrow.Schema) (Operator, error) {
	if n.Schema == nil {
		return nil, errors.New("node has no output schema")
	}
	one := func() (*arrow.Schema, error) {
		if len(inputs) != 1 || inputs[0] == nil {
			return nil, fmt.Errorf("want one input schema, got %d", len(inputs))
		}
		return inputs[0], nil
	}
	switch n.Kind {
	case KindFilter:
		spec, ok := n.Spec.(*FilterSpec)
		if !ok {
			return nil, specErr(n)
		}
		in, err := one()
		if err != nil {
			return nil, err
		}
		return newFilter(spec, n.Schema, in)
	case KindProject:
		spec, ok := n.Spec.(*ProjectSpec)
		if !ok {
			return nil, specErr(n)
		}
		in, err := one()
		if err != nil {
			return nil, err
		}
		return newProject(spec, n.Schema, in)
	case KindWindowAssign:
		spec, ok := n.Spec.(*WindowAssignSpec)
		if !ok {
			return nil, specErr(n)
		}
		in, err := one()
		if err != nil {
			return nil, err
		}
		return newWindowAssign(spec, n.Schema, in)
	case KindHashAggregate:
		spec, ok := n.Spec.(*AggregateSpec)
		if !ok {
			return nil, specErr(n)
		}
		in, err := one()
		if err != nil {
			return nil, err
		}
		return newHashAggregate(spec, n.Schema, in)
	case KindSessionAggregate:
		spec, ok := n.Spec.(*AggregateSpec)
		if !ok {
			return nil, specErr(n)
		}
		in, err := one()
		if err != nil {
			return nil, err
		}
		return newSessionAggregate(spec, n.Schema, in)
	case KindTimelineAggregate:
		spec, ok := n.Spec.(*TimelineSpec)
		if !ok {
			return nil, specErr(n)
		}
		in, err := one()
		if err != nil {
			return nil, err
		}
		return newTimelineAggregate(spec, n.Schema, in)
	case KindJoin:
		spec, ok := n.Spec.(*JoinSpec)
		if !ok {
			return nil, specErr(n)
		}
		if len(inputs) != 2 || inputs[0] == nil || inputs[1] == nil {
			return nil, fmt.Errorf("want two input schemas, got %d", len(inputs))
		}
		return newJoin(spec, n.Schema, inputs[0], inputs[1])
	case KindTopN:
		spec, ok := n.Spec.(*TopNSpec)
		if !ok {
			return nil, specErr(n)
		}
		in, err := one()
		if err != nil {
			return nil, err
		}
		return newTopN(spec, n.Schema, in)
	case KindUnion:
		if _, ok := n.Spec.(*UnionSpec); !ok && n.Spec != nil {
			return nil, specErr(n)
		}
		return newUnion(n.Schema, inputs)
	case KindSource, KindSink:
		return nil, fmt.Errorf("%s nodes are built by their connector, not NewOperator", n.Kind)
	}
	return nil, fmt.Errorf("unknown node kind %d", int(n.Kind))
}

func specErr(n *Node) error {
	return fmt.Errorf("node carries spec %T, not the one of a %s", n.Spec, n.Kind)
}
