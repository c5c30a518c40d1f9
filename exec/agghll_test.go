package exec

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// hllFeed folds n distinct values of a type (each twice, so duplicates
// are exercised) into group g of a, in batches.
func hllFeed(t testing.TB, a *hllAgg, alloc memory.Allocator, typ string, from, n int, g uint32) {
	const batch = 4096
	for lo := from; lo < from+n; lo += batch {
		hi := min(lo+batch, from+n)
		var arr arrow.Array
		switch typ {
		case "bigint":
			b := array.NewInt64Builder(alloc)
			for i := lo; i < hi; i++ {
				b.Append(int64(i))
				b.Append(int64(i))
			}
			b.AppendNull()
			arr = b.NewArray()
		case "varchar":
			b := array.NewStringBuilder(alloc)
			for i := lo; i < hi; i++ {
				s := "user-" + strconv.Itoa(i)
				b.Append(s)
				b.Append(s)
			}
			b.AppendNull()
			arr = b.NewArray()
		case "double":
			b := array.NewFloat64Builder(alloc)
			for i := lo; i < hi; i++ {
				b.Append(float64(i) * 0.25)
				b.Append(float64(i) * 0.25)
			}
			arr = b.NewArray()
		}
		m := arr.Len()
		gids := make([]uint32, m)
		for i := range gids {
			gids[i] = g
		}
		if err := a.update(gids, identity(nil, m), arr); err != nil {
			t.Fatal(err)
		}
		arr.Release()
	}
}

func newHLL(t testing.TB, typ arrow.DataType, groups int) *hllAgg {
	s, err := newAggState(&AggFunc{Kind: AggApproxCountDistinct, Arg: col(0, "x", typ), Type: tBig, Name: "u"}, typ)
	if err != nil {
		t.Fatal(err)
	}
	a := s.(*hllAgg)
	a.resize(groups)
	return a
}

// The estimate against the exact count, known by construction: within
// 2% (2.5 standard errors at p = 14) from 1e3 to 1e6 distinct values,
// within one of the exact count up to 200, exact up to 20.
func TestApproxCountDistinctAccuracy(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	types := map[string]arrow.DataType{"bigint": tBig, "varchar": tStr, "double": tDbl}
	sizes := []int{1000, 3000, 10000, 30000, 100000, 1000000}
	if testing.Short() {
		sizes = []int{1000, 30000, 100000}
	}
	worst := 0.0
	for name, typ := range types {
		for _, n := range sizes {
			a := newHLL(t, typ, 1)
			hllFeed(t, a, alloc, name, 0, n, 0)
			est := a.estimate(0)
			rel := math.Abs(float64(est)-float64(n)) / float64(n)
			worst = max(worst, rel)
			if rel > 0.02 {
				t.Errorf("%s: %d distinct values estimated as %d (%.2f%% off)", name, n, est, 100*rel)
			}
		}
		for n := 0; n <= 200; n++ {
			a := newHLL(t, typ, 1)
			hllFeed(t, a, alloc, name, 1000*n, n, 0)
			est := a.estimate(0)
			if d := est - int64(n); d > 1 || d < -1 || (n <= 20 && d != 0) {
				t.Errorf("%s: %d distinct values estimated as %d", name, n, est)
			}
		}
	}
	t.Logf("worst relative error %.3f%%", 100*worst)
}

// Merging sketches is exact (the union's registers), in every mode
// combination, and a sketch survives save/load unchanged.
func TestApproxCountDistinctMergeAndSnapshot(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	for _, c := range []struct{ n1, n2 int }{{5, 7}, {50, 5000}, {5000, 50}, {20000, 30000}, {0, 100}} {
		a := newHLL(t, tStr, 3)
		hllFeed(t, a, alloc, "varchar", 0, c.n1, 0)
		hllFeed(t, a, alloc, "varchar", c.n1/2, c.n2, 1)
		hllFeed(t, a, alloc, "varchar", 0, c.n1, 2)
		hllFeed(t, a, alloc, "varchar", c.n1/2, c.n2, 2)
		if err := a.merge(0, 1); err != nil {
			t.Fatal(err)
		}
		if got, want := a.estimate(0), a.estimate(2); got != want {
			t.Errorf("%v: merged estimate %d, one sketch of both %d", c, got, want)
		}
		var buf bytes.Buffer
		w := newSnapWriter(&buf, magicHashAgg, stateSpec{{"t", "hll"}})
		a.save(w, 3)
		if err := w.finish(); err != nil {
			t.Fatal(err)
		}
		r, err := openSnapshot(&buf, magicHashAgg, "t", stateSpec{{"t", "hll"}})
		if err != nil {
			t.Fatal(err)
		}
		b := newHLL(t, tStr, 3)
		b.load(r, 3, "hll")
		if err := r.done(magicHashAgg, "t"); err != nil {
			t.Fatal(err)
		}
		for g := uint32(0); g < 3; g++ {
			if got, want := b.estimate(g), a.estimate(g); got != want {
				t.Errorf("%v: group %d restored estimate %d, want %d", c, g, got, want)
			}
		}
	}
}

// In the operators (updating, windowed, session), at every batching and
// across restores, against DuckDB's exact count(DISTINCT): on these few
// values per group the sketch is exact.
func TestApproxCountDistinctHarness(t *testing.T) {
	deleted := field(expr.DeletedColumn, tBool)
	gen := genEvents(genOpts{n: 2000, keys: 12, seed: 9, step: 5, delay: 30, wmEvery: 150})
	ugen := genEvents(genOpts{n: 1000, keys: 12, seed: 10, step: 5, delay: 30, wmEvery: 250})
	aggs := []AggFunc{
		{Kind: AggApproxCountDistinct, Arg: evCol(evS), Type: tBig, Name: "us"},
		{Kind: AggApproxCountDistinct, Arg: evCol(evFlag), Type: tBig, Name: "uf"},
		{Kind: AggApproxCountDistinct, Arg: call("mod", tBig, evCol(evID), lit(int64(13), tBig)), Type: tBig, Name: "ui"},
		{Kind: AggCountStar, Type: tBig, Name: "n"},
	}
	aggFields := []arrow.Field{field("us", tBig), field("uf", tBig), field("ui", tBig), field("n", tBig)}
	aggSQL := `count(DISTINCT s), count(DISTINCT flag), count(DISTINCT id % 13), count(*)`
	win := WindowSpec{Kind: TumbleWindow, Time: evCol(evTs), Size: 300}
	assign := &Node{Kind: KindWindowAssign, Name: "w", Schema: withWindow(evSchema), Spec: &WindowAssignSpec{Window: win}}
	winAgg := &Node{Kind: KindHashAggregate, Name: "a",
		Schema: schema(append([]arrow.Field{field("k", tStr), field("window_start", tTs), field("window_end", tTs)}, aggFields...)...),
		Spec:   &AggregateSpec{Keys: []expr.Expr{evCol(evK)}, Window: &win, WindowStart: 8, Aggs: aggs}}
	runHarness(t, []harnessCase{
		{
			name: "updating",
			node: &Node{Kind: KindHashAggregate, Name: "a", Schema: schema(append(append([]arrow.Field{field("k", tStr)}, aggFields...), deleted)...),
				Upsert: true, Keys: []int{0}, Spec: &AggregateSpec{Keys: []expr.Expr{evCol(evK)}, WindowStart: -1, Aggs: aggs}},
			inputs: []*arrow.Schema{evSchema}, steps: ugen, checkEach: true,
			sql:      `SELECT k, ` + aggSQL + ` FROM in0 GROUP BY k`,
			nullCols: []int{evK, evS, evFlag, evID},
		},
		{
			name: "tumble", chain: []*Node{assign, winAgg}, node: winAgg, inputs: []*arrow.Schema{evSchema}, steps: gen,
			sql: `SELECT k, time_bucket(INTERVAL 300 MILLISECOND, ts, TIMESTAMP '1970-01-01') AS w, w + INTERVAL 300 MILLISECOND, ` +
				aggSQL + ` FROM in0 WHERE ts IS NOT NULL GROUP BY k, w`,
			unordered: true, windowEnd: 2,
		},
		{
			name: "session", node: sessionNode(40, []expr.Expr{evCol(evK)}, []arrow.Field{field("k", tStr)}, aggs, aggFields),
			inputs: []*arrow.Schema{evSchema}, steps: gen, sql: fmt.Sprintf(`WITH o AS (
			SELECT *, CASE WHEN lag(ts) OVER (PARTITION BY k ORDER BY ts) IS NULL
			              OR ts - lag(ts) OVER (PARTITION BY k ORDER BY ts) >= INTERVAL 40 MILLISECOND THEN 1 ELSE 0 END AS ns
			FROM in0 WHERE ts IS NOT NULL),
			s AS (SELECT *, sum(ns) OVER (PARTITION BY k ORDER BY ts, ns DESC ROWS UNBOUNDED PRECEDING) AS sid FROM o)
			SELECT k, min(ts), max(ts) + INTERVAL 40 MILLISECOND, %s FROM s GROUP BY k, sid`, aggSQL), unordered: true, windowEnd: 2,
		},
	})
}

func BenchmarkApproxCountDistinct(b *testing.B) {
	for _, groups := range []int{1, 1000, 100000} {
		b.Run(fmt.Sprintf("groups=%d", groups), func(b *testing.B) {
			alloc := memory.NewGoAllocator()
			a := newHLL(b, tStr, groups)
			const n = 4096
			bld := array.NewStringBuilder(alloc)
			for i := 0; i < n; i++ {
				bld.Append("user-" + strconv.Itoa(i*7919))
			}
			arr := bld.NewArray()
			defer arr.Release()
			gids := make([]uint32, n)
			sel := identity(nil, n)
			b.ReportAllocs()
			b.ResetTimer()
			for k := 0; k < b.N; k++ {
				for i := range gids {
					gids[i] = uint32((i + k*n) % groups)
				}
				if err := a.update(gids, sel, arr); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*n/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
