package exec

import (
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// Edge cases of grouping and aggregation, and the errors NewOperator and
// the operators report.

func TestGroupingEdgeValues(t *testing.T) {
	in := schema(field("x", tDbl), field("s", tStr), field("v", tBig))
	out := schema(field("x", tDbl), field("s", tStr), field("n", tBig), field("sv", tBig), field("mx", tDbl), field(expr.DeletedColumn, tBool))
	negZero := math.Copysign(0, -1)
	nan := math.NaN()
	steps := []hstep{
		rows(r(0.0, "", 1), r(negZero, "", 2), r(nan, "a", 3), r(nan, "a", 4), r(nil, nil, 5), r(nil, "", 6)),
		wmAt(1),
		rows(r(1.5, "a\x00b", 7), r(1.5, "a", 8), r(math.Inf(1), "a", 9), r(math.Inf(-1), "a", nil), r(nil, nil, nil)),
		wmAt(MaxWatermark),
	}
	runHarness(t, []harnessCase{{
		name: "double and string keys",
		node: &Node{Kind: KindHashAggregate, Name: "a", Schema: out, Upsert: true, Keys: []int{0, 1},
			Spec: &AggregateSpec{Keys: []expr.Expr{col(0, "x", tDbl), col(1, "s", tStr)}, WindowStart: -1, Aggs: []AggFunc{
				{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggSum, Arg: col(2, "v", tBig), Type: tBig, Name: "sv"},
				{Kind: AggMax, Arg: col(0, "x", tDbl), Type: tDbl, Name: "mx"}}}},
		inputs:    []*arrow.Schema{in},
		steps:     steps,
		sql:       `SELECT x, s, count(*), sum(v)::BIGINT, max(x) FROM in0 GROUP BY x, s`,
		checkEach: true,
	}})
}

func TestUpdatingHavingEmitsDeletes(t *testing.T) {
	in := schema(field("k", tStr), field("v", tBig))
	out := schema(field("k", tStr), field("sv", tBig), field(expr.DeletedColumn, tBool))
	node := &Node{Kind: KindHashAggregate, Name: "a", Schema: out, Upsert: true, Keys: []int{0},
		Spec: &AggregateSpec{Keys: []expr.Expr{col(0, "k", tStr)}, WindowStart: -1,
			Aggs:   []AggFunc{{Kind: AggSum, Arg: col(1, "v", tBig), Type: tBig, Name: "sv"}},
			Having: call("gt", tBool, col(1, "sv", tBig), lit(int64(10), tBig))}}
	runHarness(t, []harnessCase{{
		name:   "holds, stops, holds again",
		node:   node,
		inputs: []*arrow.Schema{in},
		steps: []hstep{
			rows(r("a", 20), r("b", 5)), wmAt(1), // a in; b never emitted
			rows(r("a", -15), r("b", 1)), wmAt(2), // a out (deleted); b still not
			rows(r("a", 100)), wmAt(3), // a back
			rows(r("b", nil)), wmAt(4), // b changed, still out: nothing
		},
		want: [][]any{r("a", 20, false), r("a", 5, true), r("a", 105, false)},
	}})
}

func TestSumOverflowIsAnError(t *testing.T) {
	in := schema(field("k", tBig), field("v", tBig))
	out := schema(field("k", tBig), field("sv", tBig), field(expr.DeletedColumn, tBool))
	node := &Node{Kind: KindHashAggregate, Name: "a", Schema: out, Upsert: true, Keys: []int{0},
		Spec: &AggregateSpec{Keys: []expr.Expr{col(0, "k", tBig)}, WindowStart: -1,
			Aggs: []AggFunc{{Kind: AggSum, Arg: col(1, "v", tBig), Type: tBig, Name: "sv"}}}}
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	op, err := NewOperator(node, []*arrow.Schema{in})
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Open(&OpContext{Name: "a", Alloc: alloc, DeadLetters: DiscardDeadLetters, Metrics: &OpMetrics{}},
		EmitterFunc(func(arrow.RecordBatch) error { return nil })); err != nil {
		t.Fatal(err)
	}
	b := makeBatch(t, alloc, in, [][]any{r(1, int64(math.MaxInt64)), r(1, 1)}, 0)
	err = op.Push(0, b)
	b.Release()
	if err == nil || !strings.Contains(err.Error(), "overflows BIGINT") || !strings.Contains(err.Error(), "sv") {
		t.Fatalf("Push = %v, want a sum overflow error naming sv", err)
	}
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestNewOperatorErrors(t *testing.T) {
	in := schema(field("k", tStr), field("v", tBig), field("ts", tTs))
	aggOut := schema(field("k", tStr), field("n", tBig), field(expr.DeletedColumn, tBool))
	countStar := []AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}}
	kCol := []expr.Expr{col(0, "k", tStr)}
	cases := []struct {
		name string
		node *Node
		want string
	}{
		{"spec type", &Node{Kind: KindFilter, Schema: in, Spec: &ProjectSpec{}}, "carries spec *exec.ProjectSpec"},
		{"filter not boolean", &Node{Kind: KindFilter, Schema: in, Spec: &FilterSpec{Predicate: col(1, "v", tBig)}}, "want boolean"},
		{"project arity", &Node{Kind: KindProject, Schema: in, Spec: &ProjectSpec{Exprs: []expr.Expr{col(0, "k", tStr)}}}, "1 expressions for 3 output columns"},
		{"project type", &Node{Kind: KindProject, Schema: schema(field("k", tBig)), Spec: &ProjectSpec{Exprs: []expr.Expr{col(0, "k", tStr)}}}, "has type utf8"},
		{"tumble size", &Node{Kind: KindWindowAssign, Schema: withWindow(in), Spec: &WindowAssignSpec{Window: WindowSpec{Kind: TumbleWindow, Time: col(2, "ts", tTs)}}}, "size must be positive"},
		{"window time type", &Node{Kind: KindWindowAssign, Schema: withWindow(in), Spec: &WindowAssignSpec{Window: WindowSpec{Kind: TumbleWindow, Size: 10, Time: col(1, "v", tBig)}}}, "must be a TIMESTAMP"},
		{"updating without deleted", &Node{Kind: KindHashAggregate, Schema: schema(field("k", tStr), field("n", tBig), field("x", tBool)),
			Spec: &AggregateSpec{Keys: kCol, Aggs: countStar, WindowStart: -1}}, "must end with the boolean __deleted"},
		{"sum of strings", &Node{Kind: KindHashAggregate, Schema: schema(field("k", tStr), field("n", tBig), field(expr.DeletedColumn, tBool)),
			Spec: &AggregateSpec{Keys: kCol, Aggs: []AggFunc{{Kind: AggSum, Arg: col(0, "k", tStr), Type: tBig, Name: "n"}}, WindowStart: -1}}, "sum over utf8 is not supported"},
		{"agg type", &Node{Kind: KindHashAggregate, Schema: schema(field("k", tStr), field("n", tDbl), field(expr.DeletedColumn, tBool)),
			Spec: &AggregateSpec{Keys: kCol, Aggs: []AggFunc{{Kind: AggCount, Arg: col(1, "v", tBig), Type: tDbl, Name: "n"}}, WindowStart: -1}}, "returns int64, the plan says float64"},
		{"windowed without window columns", &Node{Kind: KindHashAggregate, Schema: schema(field("k", tStr), field("ws", tTs), field("we", tTs), field("n", tBig)),
			Spec: &AggregateSpec{Keys: kCol, Aggs: countStar, Window: &WindowSpec{Kind: TumbleWindow, Size: 10}, WindowStart: 1}}, "has no window_start"},
		{"session gap", &Node{Kind: KindSessionAggregate, Schema: schema(field("k", tStr), field("ws", tTs), field("we", tTs), field("n", tBig)),
			Spec: &AggregateSpec{Keys: kCol, Aggs: countStar, Window: &WindowSpec{Kind: SessionWindow, Time: col(2, "ts", tTs)}, WindowStart: -1}}, "gap must be positive"},
		{"key count", &Node{Kind: KindHashAggregate, Schema: aggOut,
			Spec: &AggregateSpec{Keys: append(kCol, col(1, "v", tBig)), Aggs: countStar, WindowStart: -1}}, "want 4 columns"},
		{"sink", &Node{Kind: KindSink, Schema: in, Spec: &SinkSpec{}}, "built by their connector"},
		{"union types", &Node{Kind: KindUnion, Schema: schema(field("k", tBig), field("v", tBig), field("ts", tTs)), Spec: &UnionSpec{}}, "want the types of"},
	}
	for _, c := range cases {
		c.node.Name = "n"
		_, err := NewOperator(c.node, []*arrow.Schema{in})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: NewOperator = %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

// A NULL key is one group whatever its value slot holds: x + v leaves
// v under each NULL, a different value per row (group keys used to hash
// the slot, making one NULL group per row with two or more keys).
func TestGroupingNullKeyIgnoresValueSlot(t *testing.T) {
	in := schema(field("s", tStr), field("x", tBig), field("v", tBig))
	out := schema(field("s", tStr), field("y", tBig), field("n", tBig), field(expr.DeletedColumn, tBool))
	node := &Node{Kind: KindHashAggregate, Name: "a", Schema: out, Upsert: true, Keys: []int{0, 1},
		Spec: &AggregateSpec{Keys: []expr.Expr{col(0, "s", tStr), call("add", tBig, col(1, "x", tBig), col(2, "v", tBig))},
			WindowStart: -1, Aggs: []AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}}}}
	var in1, in2 [][]any
	for i := 0; i < 100; i++ {
		in1 = append(in1, r("a", nil, i))
		in2 = append(in2, r("a", nil, -i), r("a", 1, i))
	}
	runHarness(t, []harnessCase{{name: "x + v", node: node, inputs: []*arrow.Schema{in},
		steps: []hstep{rows(in1...), wmAt(1), rows(in2...), wmAt(2)},
		sql:   `SELECT s, x + v, count(*) FROM in0 GROUP BY s, x + v`, checkEach: true}})
}
