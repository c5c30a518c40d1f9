package exec

import (
	"fmt"
	"math/rand"
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

// aggSnapCases are the snapshot cases (snapshot_test.go) of the states
// of aggretract.go and agghll.go: an aggregate over an updating input
// with retractions pending, and HyperLogLog sketches both sparse and
// dense.
func aggSnapCases() []snapCase {
	deleted := field(expr.DeletedColumn, tBool)
	up := schema(field("id", tBig), field("g", tStr), field("x", tBig), field("v", tDbl), field("d", tDec), deleted)
	rng := rand.New(rand.NewSource(31))
	var usteps []hstep
	var cur [][]any
	for i := 0; i < 600; i++ {
		var x, v, d any = int64(rng.Intn(1000) - 500), float64(rng.Intn(10000)) / 8, fmt.Sprintf("%d.%02d", rng.Intn(200)-100, rng.Intn(100))
		if rng.Intn(8) == 0 {
			x, v, d = nil, nil, nil
		}
		cur = append(cur, r(int64(rng.Intn(80)), fmt.Sprintf("g%d", rng.Intn(7)), x, v, d, rng.Intn(10) == 0))
		if len(cur) == 40 {
			usteps = append(usteps, rows(cur...), wmAt(int64(i)))
			cur = nil
		}
	}
	usteps = append(usteps, wmAt(MaxWatermark))
	gc := func(i int) *expr.ColumnRef { f := up.Field(i); return col(i, f.Name, f.Type) }
	retrOut := schema(field("g", tStr), field("n", tBig), field("sx", tBig), field("av", tDbl), field("cx", tBig), field("sd", tDecS), field("ad", tDbl), deleted)

	seq := int64(0)
	hgen := mapRows(genEvents(genOpts{n: 7000, keys: 2, seed: 32, step: 2, delay: 10, wmEvery: 300}), func(row []any) []any {
		seq++
		row = append([]any(nil), row...)
		row[evID] = seq // distinct: the sketches of both keys go dense
		return row
	})
	hAggs := []AggFunc{{Kind: AggApproxCountDistinct, Arg: evCol(evID), Type: tBig, Name: "uid"},
		{Kind: AggApproxCountDistinct, Arg: evCol(evS), Type: tBig, Name: "us"}}
	return []snapCase{
		{
			name: "retracting",
			node: &Node{Kind: KindHashAggregate, Name: "r", Upsert: true, Keys: []int{0}, Schema: retrOut,
				Spec: &AggregateSpec{Keys: []expr.Expr{gc(1)}, WindowStart: -1, InputKeys: []int{0}, Aggs: []AggFunc{
					{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggSum, Arg: gc(2), Type: tBig, Name: "sx"},
					{Kind: AggAvg, Arg: gc(3), Type: tDbl, Name: "av"}, {Kind: AggCount, Arg: gc(2), Type: tBig, Name: "cx"},
					{Kind: AggSum, Arg: gc(4), Type: tDecS, Name: "sd"}, {Kind: AggAvg, Arg: gc(4), Type: tDbl, Name: "ad"}}}},
			in: up, steps: usteps, cut: len(usteps)/2 + 1,
		},
		{
			name: "approx distinct",
			node: &Node{Kind: KindHashAggregate, Name: "h", Upsert: true, Keys: []int{0},
				Schema: schema(field("k", tStr), field("uid", tBig), field("us", tBig), deleted),
				Spec:   &AggregateSpec{Keys: []expr.Expr{evCol(evK)}, WindowStart: -1, Aggs: hAggs}},
			in: evSchema, steps: hgen, cut: len(hgen) / 2,
		},
	}
}

// The retracting aggregate against hand-computed rows, with restores
// (its snapshot case above runs the damaged-snapshot checks).
func TestAggregateOverUpdatingInputHand(t *testing.T) {
	deleted := field(expr.DeletedColumn, tBool)
	in := schema(field("id", tBig), field("g", tStr), field("x", tBig), deleted)
	out := schema(field("g", tStr), field("n", tBig), field("sx", tBig), field("ax", tDbl), deleted)
	node := &Node{Kind: KindHashAggregate, Name: "r", Upsert: true, Keys: []int{0}, Schema: out,
		Spec: &AggregateSpec{Keys: []expr.Expr{col(1, "g", tStr)}, WindowStart: -1, InputKeys: []int{0}, Aggs: []AggFunc{
			{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggSum, Arg: col(2, "x", tBig), Type: tBig, Name: "sx"},
			{Kind: AggAvg, Arg: col(2, "x", tBig), Type: tDbl, Name: "ax"}}}}
	runHarness(t, []harnessCase{{
		name: "upserts, moves and deletes", node: node, inputs: []*arrow.Schema{in},
		steps: []hstep{
			rows(r(1, "a", 10, false), r(2, "a", 20, false), r(3, "b", 5, false)), wmAt(1),
			rows(r(1, "a", 30, false)), wmAt(2), // replaces 10
			rows(r(2, "b", 7, false)), wmAt(3), // moves from a to b
			rows(r(3, "b", 0, true), r(2, "b", 0, true)), wmAt(4), // b empties: deleted
			rows(r(4, "b", nil, false), r(4, "b", 8, false), r(9, "c", 0, true)), wmAt(5), // twice in one batch; unknown delete
			rows(r(1, "a", nil, false)), wmAt(6), // a's only row has no x
		},
		want: [][]any{
			r("a", 2, 30, 15.0, false), r("b", 1, 5, 5.0, false),
			r("a", 2, 50, 25.0, false),
			r("b", 2, 12, 6.0, false), r("a", 1, 30, 30.0, false), // groups joined first, then those left
			r("b", 0, nil, nil, true), // a deletion carries the key; the values are the emptied group's
			r("b", 1, 8, 8.0, false),
			r("a", 1, nil, nil, false),
		},
	}})
}
