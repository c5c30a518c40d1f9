package exec

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

func newTDigest(t testing.TB, q float64, groups int) *tdigestAgg {
	s, err := newAggState(&AggFunc{Kind: AggApproxPercentile, Arg: col(0, "x", tDbl), Type: tDbl, Name: "p", Q: q}, tDbl)
	if err != nil {
		t.Fatal(err)
	}
	a := s.(*tdigestAgg)
	a.resize(groups)
	return a
}

func tdFeed(t testing.TB, a *tdigestAgg, alloc memory.Allocator, vals []float64, g uint32) {
	for lo := 0; lo < len(vals); lo += 1000 {
		hi := min(lo+1000, len(vals))
		b := array.NewFloat64Builder(alloc)
		b.AppendValues(vals[lo:hi], nil)
		b.AppendNull()
		arr := b.NewArray()
		b.Release()
		gids := make([]uint32, arr.Len())
		for i := range gids {
			gids[i] = g
		}
		if err := a.update(gids, identity(nil, arr.Len()), arr); err != nil {
			t.Fatal(err)
		}
		arr.Release()
	}
}

// quantileCont is DuckDB's quantile_cont: linear interpolation at
// position q·(n-1) of the sorted values.
func quantileCont(sorted []float64, q float64) float64 {
	p := q * float64(len(sorted)-1)
	lo := math.Floor(p)
	if int(lo) == len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[int(lo)] + (sorted[int(lo)+1]-sorted[int(lo)])*(p-lo)
}

// The estimate's rank in the exact sorted values is within 1% of q on
// 100k values (uniform, normal, heavy-tailed), also after merging two
// digests and a snapshot round trip; up to 150 values it is exactly
// quantile_cont.
func TestApproxPercentileAccuracy(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	rng := rand.New(rand.NewSource(5))
	dists := map[string]func() float64{
		"uniform":   func() float64 { return rng.Float64() * 1000 },
		"normal":    func() float64 { return rng.NormFloat64()*50 + 10 },
		"lognormal": func() float64 { return math.Exp(rng.NormFloat64() * 2) },
		"integers":  func() float64 { return float64(rng.Intn(50)) },
	}
	worst := 0.0
	for name, gen := range dists {
		for _, q := range []float64{0, 0.01, 0.1, 0.25, 0.5, 0.9, 0.99, 1} {
			vals := make([]float64, 100000)
			for i := range vals {
				vals[i] = gen()
			}
			a := newTDigest(t, q, 3)
			tdFeed(t, a, alloc, vals[:60000], 0)
			tdFeed(t, a, alloc, vals[60000:], 1)
			if err := a.merge(0, 1); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			w := newSnapWriter(&buf, magicHashAgg, stateSpec{{"t", "td"}})
			a.save(w, 3)
			if err := w.finish(); err != nil {
				t.Fatal(err)
			}
			r, err := openSnapshot(&buf, magicHashAgg, "t", stateSpec{{"t", "td"}})
			if err != nil {
				t.Fatal(err)
			}
			b := newTDigest(t, q, 3)
			b.load(r, 3, "td")
			if err := r.done(magicHashAgg, "t"); err != nil {
				t.Fatal(err)
			}
			est, _ := b.quantile(0)
			if e0, _ := a.quantile(0); e0 != est {
				t.Errorf("%s q=%v: restored estimate %v, before %v", name, q, est, e0)
			}
			sort.Float64s(vals)
			// The rank range of est: ties make it an interval.
			lo := sort.SearchFloat64s(vals, est)
			hi := sort.Search(len(vals), func(i int) bool { return vals[i] > est })
			n := float64(len(vals))
			errRank := 0.0
			if target := q * (n - 1); target < float64(lo) {
				errRank = (float64(lo) - target) / n
			} else if target > float64(hi) {
				errRank = (target - float64(hi)) / n
			}
			worst = max(worst, errRank)
			if errRank > 0.01 {
				t.Errorf("%s q=%v: estimate %v has rank [%d, %d] of %d, want about %v", name, q, est, lo, hi, len(vals), q*(n-1))
			}
		}
	}
	t.Logf("worst rank error %.4f%%", 100*worst)
	for n := 1; n <= 150; n++ {
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = math.Round(rng.NormFloat64() * 100)
		}
		for _, q := range []float64{0, 0.1, 0.5, 0.75, 0.99, 1} {
			a := newTDigest(t, q, 1)
			tdFeed(t, a, alloc, vals, 0)
			a.compress(0)
			got, _ := a.quantile(0)
			s := append([]float64(nil), vals...)
			sort.Float64s(s)
			if want := quantileCont(s, q); math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Fatalf("n=%d q=%v: %v, quantile_cont is %v", n, q, got, want)
			}
		}
	}
}

// In the operators, at every batching and across restores, against
// DuckDB's exact quantile_cont: groups stay small enough to be exact.
func TestApproxPercentileHarness(t *testing.T) {
	deleted := field(expr.DeletedColumn, tBool)
	gen := genEvents(genOpts{n: 1500, keys: 20, seed: 19, step: 5, delay: 30, wmEvery: 250})
	aggs := []AggFunc{
		{Kind: AggApproxPercentile, Arg: evCol(evV), Type: tDbl, Name: "p50", Q: 0.5},
		{Kind: AggApproxPercentile, Arg: evCol(evID), Type: tDbl, Name: "p90", Q: 0.9},
		{Kind: AggApproxPercentile, Arg: evCol(evD), Type: tDbl, Name: "p0", Q: 0},
		{Kind: AggApproxPercentile, Arg: evCol(evI), Type: tDbl, Name: "p75", Q: 0.75},
	}
	aggFields := []arrow.Field{field("p50", tDbl), field("p90", tDbl), field("p0", tDbl), field("p75", tDbl)}
	aggSQL := `quantile_cont(v, 0.5), quantile_cont(id, 0.9)::DOUBLE, quantile_cont(d, 0)::DOUBLE, quantile_cont(i, 0.75)::DOUBLE`
	win := WindowSpec{Kind: TumbleWindow, Time: evCol(evTs), Size: 400}
	assign := &Node{Kind: KindWindowAssign, Name: "w", Schema: withWindow(evSchema), Spec: &WindowAssignSpec{Window: win}}
	winAgg := &Node{Kind: KindHashAggregate, Name: "a",
		Schema: schema(append([]arrow.Field{field("k", tStr), field("window_start", tTs), field("window_end", tTs)}, aggFields...)...),
		Spec:   &AggregateSpec{Keys: []expr.Expr{evCol(evK)}, Window: &win, WindowStart: 8, Aggs: aggs}}
	runHarness(t, []harnessCase{
		{
			name: "updating",
			node: &Node{Kind: KindHashAggregate, Name: "a", Schema: schema(append(append([]arrow.Field{field("k", tStr)}, aggFields...), deleted)...),
				Upsert: true, Keys: []int{0}, Spec: &AggregateSpec{Keys: []expr.Expr{evCol(evK)}, WindowStart: -1, Aggs: aggs}},
			inputs: []*arrow.Schema{evSchema}, steps: gen, checkEach: true,
			sql:      `SELECT k, ` + aggSQL + ` FROM in0 GROUP BY k`,
			nullCols: []int{evV, evID, evD}, // not k: a NULL-key group would grow past exactness
		},
		{
			name: "tumble", chain: []*Node{assign, winAgg}, node: winAgg, inputs: []*arrow.Schema{evSchema}, steps: gen,
			sql: `SELECT k, time_bucket(INTERVAL 400 MILLISECOND, ts, TIMESTAMP '1970-01-01') AS w, w + INTERVAL 400 MILLISECOND, ` +
				aggSQL + ` FROM in0 WHERE ts IS NOT NULL GROUP BY k, w`,
			unordered: true, windowEnd: 2,
		},
		{
			name: "session", node: sessionNode(40, []expr.Expr{evCol(evK)}, []arrow.Field{field("k", tStr)}, aggs, aggFields),
			inputs: []*arrow.Schema{evSchema}, steps: gen, unordered: true, windowEnd: 2,
			sql: fmt.Sprintf(`WITH o AS (
			SELECT *, CASE WHEN lag(ts) OVER (PARTITION BY k ORDER BY ts) IS NULL
			              OR ts - lag(ts) OVER (PARTITION BY k ORDER BY ts) >= INTERVAL 40 MILLISECOND THEN 1 ELSE 0 END AS ns
			FROM in0 WHERE ts IS NOT NULL),
			s AS (SELECT *, sum(ns) OVER (PARTITION BY k ORDER BY ts, ns DESC ROWS UNBOUNDED PRECEDING) AS sid FROM o)
			SELECT k, min(ts), max(ts) + INTERVAL 40 MILLISECOND, %s FROM s GROUP BY k, sid`, aggSQL),
		},
	})
}
