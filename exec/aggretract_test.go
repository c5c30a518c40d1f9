package exec

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/exec/expr"
)

// Aggregates over an updating input (aggretract.go), against DuckDB's
// nested GROUP BY, at every batching and across restores.

// retractChain is an updating aggregate by (k, s) with HAVING (so rows
// are replaced and deleted) feeding an aggregate by k over it.
func retractChain(having int64) (inner, outer *Node) {
	innerOut := schema(field("k", tStr), field("s", tStr), field("m", tBig), field("sv", tDbl), field("sd", tDecS),
		field("c", tBig), field(expr.DeletedColumn, tBool))
	inner = &Node{Kind: KindHashAggregate, Name: "inner", Schema: innerOut, Upsert: true, Keys: []int{0, 1},
		Spec: &AggregateSpec{Keys: []expr.Expr{evCol(evK), evCol(evS)}, WindowStart: -1, Aggs: []AggFunc{
			{Kind: AggMax, Arg: evCol(evID), Type: tBig, Name: "m"},
			{Kind: AggSum, Arg: evCol(evV), Type: tDbl, Name: "sv"},
			{Kind: AggSum, Arg: evCol(evD), Type: tDecS, Name: "sd"},
			{Kind: AggCountStar, Type: tBig, Name: "c"}},
			Having: call("lt", tBool, col(5, "c", tBig), lit(having, tBig))}}
	ic := func(i int) *expr.ColumnRef { f := innerOut.Field(i); return col(i, f.Name, f.Type) }
	outerOut := schema(field("k", tStr), field("n", tBig), field("avg_m", tDbl), field("sum_m", tBig), field("sum_sv", tDbl),
		field("avg_sd", tDbl), field("sum_sd", tDecS), field("cnt_sv", tBig), field("avg_c", tDbl), field(expr.DeletedColumn, tBool))
	outer = &Node{Kind: KindHashAggregate, Name: "outer", Schema: outerOut, Upsert: true, Keys: []int{0},
		Spec: &AggregateSpec{Keys: []expr.Expr{ic(0)}, WindowStart: -1, InputKeys: []int{0, 1}, Aggs: []AggFunc{
			{Kind: AggCountStar, Type: tBig, Name: "n"},
			{Kind: AggAvg, Arg: ic(2), Type: tDbl, Name: "avg_m"},
			{Kind: AggSum, Arg: ic(2), Type: tBig, Name: "sum_m"},
			{Kind: AggSum, Arg: ic(3), Type: tDbl, Name: "sum_sv"},
			{Kind: AggAvg, Arg: ic(4), Type: tDbl, Name: "avg_sd"},
			{Kind: AggSum, Arg: ic(4), Type: tDecS, Name: "sum_sd"},
			{Kind: AggCount, Arg: ic(3), Type: tBig, Name: "cnt_sv"},
			{Kind: AggAvg, Arg: ic(5), Type: tDbl, Name: "avg_c"}}}}
	return inner, outer
}

const retractSQL = `SELECT k, count(*), avg(m), sum(m)::BIGINT, sum(sv), avg(sd)::DOUBLE, sum(sd), count(sv), avg(c)
	FROM (SELECT k, s, max(id) AS m, sum(v) AS sv, sum(d) AS sd, count(*) AS c FROM in0 GROUP BY k, s HAVING count(*) < %d)
	GROUP BY k`

func TestAggregateOverUpdatingInput(t *testing.T) {
	gen := genEvents(genOpts{n: 1200, keys: 6, seed: 11, step: 10, delay: 20, wmEvery: 100})
	inner, outer := retractChain(12)
	inner2, outer2 := retractChain(1000)
	runHarness(t, []harnessCase{
		{
			name: "groups emptied by HAVING", node: outer, chain: []*Node{inner, outer}, inputs: []*arrow.Schema{evSchema},
			steps: gen, sql: strings.Replace(retractSQL, "%d", "12", 1), checkEach: true,
			nullCols: []int{evK, evS, evID, evV, evD},
		},
		{
			name: "upserts only", node: outer2, chain: []*Node{inner2, outer2}, inputs: []*arrow.Schema{evSchema},
			steps: gen, sql: strings.Replace(retractSQL, "%d", "1000", 1), checkEach: true,
		},
	})
}
