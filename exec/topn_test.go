package exec

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// topnNode is a TopN node over in: output is in's columns, rn, __deleted;
// keyed by the partition columns and rn (the partition alone for N = 1
// when byPartition).
func topnNode(in *arrow.Schema, spec *TopNSpec, byPartition bool) *Node {
	fields := append(slices.Clone(in.Fields()), field("rn", tBig), arrow.Field{Name: expr.DeletedColumn, Type: tBool})
	keys := slices.Clone(spec.Partition)
	if !byPartition {
		keys = append(keys, in.NumFields())
	}
	return &Node{Kind: KindTopN, Name: "topn", Schema: schema(fields...), Upsert: true, Keys: keys, EventTime: -1, Spec: spec}
}

// topnSteps makes rows of (k, g, v, d, s, ts) in nsteps steps with a
// watermark after each: few partitions, values with ties, event times out
// of order.
func topnSteps(seed int64, nrows, nsteps int) []hstep {
	rng := rand.New(rand.NewSource(seed))
	var steps []hstep
	per := nrows / nsteps
	for s := 0; s < nsteps; s++ {
		var rs [][]any
		for i := 0; i < per; i++ {
			k := []string{"a", "b", "c", "dd", ""}[rng.Intn(5)]
			g := int64(rng.Intn(3))
			v := int64(rng.Intn(40)) - 10
			d := float64(rng.Intn(30)) / 4
			if rng.Intn(20) == 0 {
				d = math.Inf(1 - 2*rng.Intn(2))
			}
			str := fmt.Sprintf("s%02d", rng.Intn(25))
			ts := int64(s*1000 + rng.Intn(3000))
			rs = append(rs, r(k, g, v, d, str, ts))
		}
		steps = append(steps, rows(rs...), wmAt(int64(s*1000)))
	}
	return append(steps, wmAt(MaxWatermark))
}

var topnIn = schema(field("k", tStr), field("g", tBig), field("v", tBig), field("d", tDbl), field("s", tStr), field("ts", tTs))

const topnCols = "k, g, v, d, s, ts"

func TestTopNHarness(t *testing.T) {
	steps := topnSteps(1, 240, 4)
	cases := []harnessCase{
		{
			name: "top3 by v desc per k",
			node: topnNode(topnIn, &TopNSpec{Partition: []int{0}, Order: []SortKey{{Col: 2, Desc: true}}, N: 3}, false),
			sql: `SELECT ` + topnCols + `, rn FROM (SELECT *, row_number() OVER (PARTITION BY k ORDER BY v DESC, __seq) AS rn
				FROM in0s) WHERE rn <= 3`,
			nullCols: []int{0, 2},
		},
		{
			name: "top1 by ts per k, g (dedup)",
			node: topnNode(topnIn, &TopNSpec{Partition: []int{0, 1}, Order: []SortKey{{Col: 5, Desc: true}}, N: 1}, true),
			sql: `SELECT ` + topnCols + `, rn FROM (SELECT *, row_number() OVER (PARTITION BY k, g ORDER BY ts DESC, __seq) AS rn
				FROM in0s) WHERE rn <= 1`,
			nullCols: []int{1, 5},
		},
		{
			name: "top5 by d asc, s desc per g",
			node: topnNode(topnIn, &TopNSpec{Partition: []int{1}, Order: []SortKey{{Col: 3}, {Col: 4, Desc: true}}, N: 5}, false),
			sql: `SELECT ` + topnCols + `, rn FROM (SELECT *, row_number() OVER (PARTITION BY g ORDER BY d, s DESC, __seq) AS rn
				FROM in0s) WHERE rn <= 5`,
			nullCols: []int{3, 4},
		},
		{
			name: "top4 no partition by s asc nulls first",
			node: topnNode(topnIn, &TopNSpec{Order: []SortKey{{Col: 4, NullsFirst: true}, {Col: 2}}, N: 4}, false),
			sql: `SELECT ` + topnCols + `, rn FROM (SELECT *, row_number() OVER (ORDER BY s NULLS FIRST, v, __seq) AS rn
				FROM in0s) WHERE rn <= 4`,
			nullCols: []int{4, 2},
		},
	}
	for i := range cases {
		cases[i].inputs = []*arrow.Schema{topnIn}
		cases[i].steps = steps
		cases[i].checkEach = true
	}
	// Every column type a row can carry (decimal, int32, bool, ...), the
	// generator's out-of-order events with NULLs in every column.
	gen := withNulls(genEvents(genOpts{n: 500, keys: 6, seed: 21, step: 5, delay: 30, wmEvery: 60}),
		[]int{evK, evI, evV, evD, evFlag, evS}, 9)
	evCols := "k, id, i, v, d::VARCHAR, flag, s, ts"
	cases = append(cases, harnessCase{
		name: "top2 by decimal desc, int asc per flag, k",
		node: topnNode(evSchema, &TopNSpec{Partition: []int{evFlag, evK}, Order: []SortKey{{Col: evD, Desc: true}, {Col: evI}, {Col: evV, Desc: true}}, N: 2}, false),
		sql: `SELECT ` + evCols + `, rn FROM (SELECT *, row_number() OVER (PARTITION BY flag, k ORDER BY d DESC, i, v DESC, __seq) AS rn
			FROM in0s) WHERE rn <= 2`,
		inputs: []*arrow.Schema{evSchema}, steps: gen, checkEach: true,
	})
	runHarness(t, cases)
}

// TestTopNChangelog checks the upserts themselves: only the ranks that
// changed are emitted at a watermark, and a shifted row moves to its new
// rank.
func TestTopNChangelog(t *testing.T) {
	in := schema(field("k", tStr), field("v", tBig))
	node := topnNode(in, &TopNSpec{Partition: []int{0}, Order: []SortKey{{Col: 1, Desc: true}}, N: 2}, false)
	runHarness(t, []harnessCase{{
		name:   "shifts",
		node:   node,
		inputs: []*arrow.Schema{in},
		steps: []hstep{
			rows(r("a", 5), r("b", 1)), wmAt(1),
			rows(r("a", 3)), wmAt(2), // rank 2 only
			rows(r("a", 9)), wmAt(3), // both ranks of a shift
			rows(r("a", 1), r("b", 1)), wmAt(4), // a: rejected; b: tie after the first
			rows(r("a", 9)), wmAt(5), // tie with the first 9: rank 2
		},
		want: [][]any{
			r("a", 5, 1, false), r("b", 1, 1, false),
			r("a", 3, 2, false),
			r("a", 9, 1, false), r("a", 5, 2, false),
			r("b", 1, 2, false),
			r("a", 9, 2, false),
		},
	}})
}

// TestTopNBruteForce runs many partitions and random input through the
// operator, with snapshots and restores at random points, and compares
// the materialized upserts after every watermark with a brute-force sort
// of all rows so far.
func TestTopNBruteForce(t *testing.T) {
	for _, n := range []int{1, 3, 17} {
		t.Run(fmt.Sprint("N=", n), func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(n)))
			spec := &TopNSpec{Partition: []int{0}, Order: []SortKey{{Col: 1, Desc: true}, {Col: 2}}, N: n}
			in := schema(field("p", tBig), field("v", tDbl), field("s", tStr))
			node := topnNode(in, spec, false)
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			var out [][]any
			emitter := EmitterFunc(func(b arrow.RecordBatch) error {
				out = append(out, batchRows(b)...)
				return nil
			})
			ctx := &OpContext{Name: "topn", Alloc: alloc, Metrics: &OpMetrics{}}
			open := func() Operator {
				op, err := NewOperator(node, []*arrow.Schema{in})
				if err != nil {
					t.Fatal(err)
				}
				if err := op.Open(ctx, emitter); err != nil {
					t.Fatal(err)
				}
				return op
			}
			op := open()
			var all [][]any
			for step := 0; step < 60; step++ {
				var rs [][]any
				for i := rng.Intn(300); i > 0; i-- {
					var v any = float64(rng.Intn(50))
					if rng.Intn(15) == 0 {
						v = nil
					}
					rs = append(rs, r(int64(rng.Intn(200)), v, fmt.Sprintf("x%d", rng.Intn(9))))
				}
				for len(rs) > 0 {
					k := min(len(rs), 1+rng.Intn(100))
					b := makeBatch(t, alloc, in, rs[:k], rng.Intn(3))
					if err := op.Push(0, b); err != nil {
						t.Fatal(err)
					}
					b.Release()
					all = append(all, rs[:k]...)
					rs = rs[k:]
				}
				if rng.Intn(4) == 0 {
					var buf bytes.Buffer
					if err := op.(Snapshotter).Snapshot(&buf); err != nil {
						t.Fatal(err)
					}
					op.Close()
					op = open()
					if err := op.(Snapshotter).Restore(bytes.NewReader(buf.Bytes())); err != nil {
						t.Fatal(err)
					}
				}
				if err := op.Watermark(int64(step)); err != nil {
					t.Fatal(err)
				}
				got := sortRows(applyUpserts(t, node, out))
				want := sortRows(bruteTopN(all, n))
				if !rowsEqual(got, want) {
					t.Fatalf("step %d: got %d rows, want %d\ngot:\n%swant:\n%s", step, len(got), len(want), fmtRows(got), fmtRows(want))
				}
			}
			op.Close()
		})
	}
}

// bruteTopN ranks rows (p, v, s) per p by v DESC NULLS LAST, s, arrival.
func bruteTopN(all [][]any, n int) [][]any {
	type ranked struct {
		row []any
		seq int
	}
	byP := map[int64][]ranked{}
	for i, row := range all {
		p := row[0].(int64)
		byP[p] = append(byP[p], ranked{row, i})
	}
	var out [][]any
	for _, rs := range byP {
		slices.SortStableFunc(rs, func(a, b ranked) int {
			av, bv := a.row[1], b.row[1]
			switch {
			case av == nil && bv != nil:
				return 1
			case av != nil && bv == nil:
				return -1
			case av != nil && av.(float64) != bv.(float64):
				if av.(float64) > bv.(float64) {
					return -1
				}
				return 1
			}
			if c := strings.Compare(a.row[2].(string), b.row[2].(string)); c != 0 {
				return c
			}
			return a.seq - b.seq
		})
		for j := 0; j < min(n, len(rs)); j++ {
			out = append(out, normRow(append(slices.Clone(rs[j].row), int64(j+1))))
		}
	}
	return out
}

func TestTopNRefuses(t *testing.T) {
	in := schema(field("k", tStr), field("v", tBig))
	upd := schema(field("k", tStr), field("v", tBig), field(expr.DeletedColumn, tBool))
	for _, c := range []struct {
		name string
		node *Node
		in   *arrow.Schema
		want string
	}{
		{"N 0", topnNode(in, &TopNSpec{Order: []SortKey{{Col: 1}}, N: 0}, false), in, "N = 0"},
		{"N huge", topnNode(in, &TopNSpec{Order: []SortKey{{Col: 1}}, N: MaxTopN + 1}, false), in, "want 1.."},
		{"no order", topnNode(in, &TopNSpec{N: 1}, false), in, "no ORDER BY"},
		{"updating input", topnNode(upd, &TopNSpec{Order: []SortKey{{Col: 1}}, N: 1}, false), upd, "updating input"},
		{"bad column", topnNode(in, &TopNSpec{Partition: []int{7}, Order: []SortKey{{Col: 1}}, N: 1}, false), in, "out of range"},
	} {
		_, err := NewOperator(c.node, []*arrow.Schema{c.in})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

// BenchmarkTopN: top-10 per key by a double, descending, over 10k and
// 1M partitions (Nexmark q19's shape); a watermark every 64 batches.
func BenchmarkTopN(b *testing.B) {
	for _, groups := range []int{10_000, 1_000_000} {
		for _, n := range []int{1, 10} {
			b.Run(fmt.Sprintf("partitions=%d/N=%d", groups, n), func(b *testing.B) {
				batches, sc := benchBatches(b, 256, groups, nil)
				spec := &TopNSpec{Partition: []int{0}, Order: []SortKey{{Col: 2, Desc: true}}, N: n}
				op, _ := openBench(b, topnNode(sc, spec, false), sc)
				clk := startCPU(b)
				for i := 0; i < b.N; i++ {
					if err := op.Push(0, batches[i%len(batches)]); err != nil {
						b.Fatal(err)
					}
					if i%64 == 63 {
						if err := op.Watermark(int64(i)); err != nil {
							b.Fatal(err)
						}
					}
				}
				clk.report(b, batches)
			})
		}
	}
}
