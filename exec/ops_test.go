package exec

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/exec/expr"
)

// ---- a generated event stream

// evSchema is the generated events' schema; evTs is the time column.
var evSchema = schema(field("k", tStr), field("id", tBig), field("i", tInt), field("v", tDbl),
	field("d", tDec), field("flag", tBool), field("s", tStr), field("ts", tTs))

const (
	evK = iota
	evID
	evI
	evV
	evD
	evFlag
	evS
	evTs
)

var words = []string{"", "apple", "banana", "cherry", "date", "elder", "fig", "grape"}

type genOpts struct {
	n, keys  int
	seed     int64
	step     int64 // ms between events
	delay    int64 // out-of-orderness and watermark delay, ms
	wmEvery  int   // rows between watermarks
	start    int64
	windowed *WindowSpec // append window_start, window_end (tumble) per row
}

// genEvents makes a stream of rows out of order by up to delay, with a
// watermark of max(ts) - delay every wmEvery rows and MaxWatermark at the
// end, so no row is late.
func genEvents(o genOpts) []hstep {
	rng := rand.New(rand.NewSource(o.seed))
	var steps []hstep
	var cur [][]any
	maxTs := int64(MinWatermark)
	for i := 0; i < o.n; i++ {
		ts := o.start + int64(i)*o.step
		if o.delay > 0 {
			ts -= rng.Int63n(o.delay + 1)
		}
		maxTs = max(maxTs, ts)
		c := rng.Intn(10001) - 5000
		sign := ""
		if c < 0 {
			sign, c = "-", -c
		}
		row := r(fmt.Sprintf("k%d", rng.Intn(o.keys)), rng.Int63n(2001)-1000, int32(rng.Intn(201)-100),
			float64(rng.Intn(100000))/1000-20, fmt.Sprintf("%s%d.%02d", sign, c/100, c%100),
			rng.Intn(2) == 0, words[rng.Intn(len(words))], ts)
		if w := o.windowed; w != nil {
			s := floorDiv(ts, w.Size) * w.Size
			row = append(row, s, s+w.Size)
		}
		cur = append(cur, row)
		if o.wmEvery > 0 && (i+1)%o.wmEvery == 0 {
			steps = append(steps, rows(cur...), wmAt(maxTs-o.delay))
			cur = nil
		}
	}
	if len(cur) > 0 {
		steps = append(steps, rows(cur...))
	}
	return append(steps, wmAt(MaxWatermark))
}

func evCol(i int) *expr.ColumnRef {
	f := evSchema.Field(i)
	return col(i, f.Name, f.Type)
}

// ---- Filter, Project, Union

func TestFilterHarness(t *testing.T) {
	in := schema(field("id", tBig), field("v", tDbl), field("s", tStr))
	gen := genEvents(genOpts{n: 2000, keys: 20, seed: 1, step: 10, delay: 50, wmEvery: 300})
	runHarness(t, []harnessCase{
		{
			name: "hand",
			node: &Node{Kind: KindFilter, Name: "f", Schema: in,
				Spec: &FilterSpec{Predicate: call("gt", tBool, col(1, "v", tDbl), lit(10.0, tDbl))}},
			inputs: []*arrow.Schema{in},
			steps: []hstep{
				rows(r(1, 5.0, "a"), r(2, 11.0, "b"), r(3, nil, "c"), r(4, 10.0, nil), r(5, 12.5, "e")),
				wmAt(100),
				rows(r(6, 1.0, "f"), r(7, 2.0, "g")),   // none pass
				rows(r(8, 20.0, "h"), r(9, 30.0, nil)), // all pass
			},
			want: [][]any{r(2, 11.0, "b"), r(5, 12.5, "e"), r(8, 20.0, "h"), r(9, 30.0, nil)},
		},
		{
			name: "generated",
			node: &Node{Kind: KindFilter, Name: "f", Schema: evSchema,
				Spec: &FilterSpec{Predicate: call("or", tBool,
					call("and", tBool, call("gt", tBool, evCol(evV), lit(40.0, tDbl)), call("lt", tBool, evCol(evI), lit(int64(50), tInt))),
					call("eq", tBool, evCol(evK), lit("k3", tStr)))}},
			inputs:   []*arrow.Schema{evSchema},
			steps:    gen,
			sql:      `SELECT * EXCLUDE (__seq) FROM in0s WHERE (v > 40 AND i < 50) OR k = 'k3' ORDER BY __seq`,
			nullCols: []int{evK, evI, evV, evS},
		},
	})
}

func TestProjectHarness(t *testing.T) {
	out := schema(field("k", tStr), field("i1", tInt), field("v2", tDbl), field("ts", tTs), field("neg", tBool))
	gen := genEvents(genOpts{n: 1500, keys: 10, seed: 2, step: 10, delay: 0, wmEvery: 200})
	runHarness(t, []harnessCase{{
		name: "generated",
		node: &Node{Kind: KindProject, Name: "p", Schema: out, Spec: &ProjectSpec{
			Exprs: []expr.Expr{evCol(evK), call("add", tInt, evCol(evI), lit(int64(1), tInt)),
				call("mul", tDbl, evCol(evV), lit(2.0, tDbl)), evCol(evTs),
				call("lt", tBool, evCol(evV), lit(0.0, tDbl))},
			Names: []string{"k", "i1", "v2", "ts", "neg"}}},
		inputs:   []*arrow.Schema{evSchema},
		steps:    gen,
		sql:      `SELECT k, i + 1, v * 2, ts, v < 0 FROM in0s ORDER BY __seq`,
		nullCols: []int{evK, evI, evV, evTs},
	}})
}

func TestUnionHarness(t *testing.T) {
	a := schema(field("x", tBig), field("s", tStr))
	b := schema(field("y", tBig), field("t", tStr)) // same types, other names
	steps := []hstep{
		rowsAt(0, r(1, "a"), r(2, nil)),
		rowsAt(1, r(10, "x")),
		wmAt(5),
		rowsAt(1, r(11, "y"), r(nil, "z")),
		rowsAt(0, r(3, "c")),
	}
	var want [][]any
	for _, st := range steps {
		want = append(want, st.rows...)
	}
	runHarness(t, []harnessCase{{
		name:   "two inputs",
		node:   &Node{Kind: KindUnion, Name: "u", Schema: a, Spec: &UnionSpec{}},
		inputs: []*arrow.Schema{a, b},
		steps:  steps,
		want:   want,
	}})
}

// ---- WindowAssign

func withWindow(s *arrow.Schema) *arrow.Schema {
	return schema(append(s.Fields(), field("window_start", tTs), field("window_end", tTs))...)
}

func TestWindowAssignHarness(t *testing.T) {
	in := schema(field("id", tBig), field("ts", tTs))
	out := withWindow(in)
	tsCol := col(1, "ts", tTs)
	tumble := &WindowAssignSpec{Window: WindowSpec{Kind: TumbleWindow, Time: tsCol, Size: 10}}
	hop := &WindowAssignSpec{Window: WindowSpec{Kind: HopWindow, Time: tsCol, Size: 15, Slide: 5}}
	gen := genEvents(genOpts{n: 2000, keys: 10, seed: 3, step: 7, delay: 40, wmEvery: 150, start: -3000})
	evOut := withWindow(evSchema)
	runHarness(t, []harnessCase{
		{
			name:   "tumble hand",
			node:   &Node{Kind: KindWindowAssign, Name: "w", Schema: out, Spec: tumble},
			inputs: []*arrow.Schema{in},
			steps: []hstep{
				rows(r(1, 0), r(2, 9), r(3, 10), r(4, -1), r(5, nil), r(6, 25)),
				wmAt(20), // closes [0,10) and [10,20)
				rows(r(7, 19), r(8, 20), r(9, 5), r(10, 29)),
			},
			want: [][]any{
				r(1, 0, 0, 10), r(2, 9, 0, 10), r(3, 10, 10, 20), r(4, -1, -10, 0), r(6, 25, 20, 30),
				r(8, 20, 20, 30), r(10, 29, 20, 30),
			},
			late:        2, // ids 7 and 9
			deadLetters: 3, // and the NULL time
		},
		{
			name:   "hop hand",
			node:   &Node{Kind: KindWindowAssign, Name: "w", Schema: out, Spec: hop},
			inputs: []*arrow.Schema{in},
			steps: []hstep{
				rows(r(1, 12)),
				wmAt(20), // closes windows ending at or before 20: [5,20)
				rows(r(2, 12), r(3, 7)),
			},
			want: [][]any{
				r(1, 12, 0, 15), r(1, 12, 5, 20), r(1, 12, 10, 25),
				r(2, 12, 10, 25), // [0,15) and [5,20) already closed
				// id 3 at 7: [-5,10) [0,15) [5,20) all closed
			},
			late:        2,
			deadLetters: 2,
			dlReason:    "late event: window [",
		},
		{
			name:     "tumble generated",
			node:     &Node{Kind: KindWindowAssign, Name: "w", Schema: evOut, Spec: &WindowAssignSpec{Window: WindowSpec{Kind: TumbleWindow, Time: evCol(evTs), Size: 100}}},
			inputs:   []*arrow.Schema{evSchema},
			steps:    gen,
			sql:      `SELECT * EXCLUDE (__seq), epoch_ms(floor(epoch_ms(ts) / 100)::BIGINT * 100), epoch_ms(floor(epoch_ms(ts) / 100)::BIGINT * 100 + 100) FROM in0s WHERE ts IS NOT NULL ORDER BY __seq`,
			nullCols: []int{evTs, evV},
		},
		{
			name:   "hop generated",
			node:   &Node{Kind: KindWindowAssign, Name: "w", Schema: evOut, Spec: &WindowAssignSpec{Window: WindowSpec{Kind: HopWindow, Time: evCol(evTs), Size: 100, Slide: 30}}},
			inputs: []*arrow.Schema{evSchema},
			steps:  gen,
			sql: `SELECT * EXCLUDE (__seq, t, ws), epoch_ms(ws), epoch_ms(ws + 100) FROM (
				SELECT *, unnest(range((floor((t - 100) / 30)::BIGINT + 1) * 30, floor(t / 30)::BIGINT * 30 + 1, 30)) AS ws
				FROM (SELECT *, epoch_ms(ts) AS t FROM in0s WHERE ts IS NOT NULL)) ORDER BY __seq, ws`,
			nullCols: []int{evTs},
		},
	})
}

// ---- HashAggregate

// allAggs is one of every aggregate over the generated events, with the
// DuckDB select list computing the same.
func allAggs() ([]AggFunc, []arrow.Field, string) {
	aggs := []AggFunc{
		{Kind: AggCountStar, Type: tBig, Name: "n"},
		{Kind: AggCount, Arg: evCol(evV), Type: tBig, Name: "nv"},
		{Kind: AggCountDistinct, Arg: evCol(evI), Type: tBig, Name: "ndi"},
		{Kind: AggCountDistinct, Arg: evCol(evS), Type: tBig, Name: "nds"},
		{Kind: AggSum, Arg: evCol(evI), Type: tBig, Name: "si"},
		{Kind: AggSum, Arg: evCol(evID), Type: tBig, Name: "sid"},
		{Kind: AggSum, Arg: evCol(evV), Type: tDbl, Name: "sv"},
		{Kind: AggSum, Arg: evCol(evD), Type: tDecS, Name: "sd"},
		{Kind: AggAvg, Arg: evCol(evI), Type: tDbl, Name: "ai"},
		{Kind: AggAvg, Arg: evCol(evV), Type: tDbl, Name: "av"},
		{Kind: AggAvg, Arg: evCol(evD), Type: tDbl, Name: "ad"},
		{Kind: AggMin, Arg: evCol(evV), Type: tDbl, Name: "minv"},
		{Kind: AggMax, Arg: evCol(evV), Type: tDbl, Name: "maxv"},
		{Kind: AggMin, Arg: evCol(evI), Type: tInt, Name: "mini"},
		{Kind: AggMax, Arg: evCol(evID), Type: tBig, Name: "maxid"},
		{Kind: AggMin, Arg: evCol(evTs), Type: tTs, Name: "mints"},
		{Kind: AggMax, Arg: evCol(evTs), Type: tTs, Name: "maxts"},
		{Kind: AggMin, Arg: evCol(evD), Type: tDec, Name: "mind"},
		{Kind: AggMax, Arg: evCol(evD), Type: tDec, Name: "maxd"},
		{Kind: AggMin, Arg: evCol(evFlag), Type: tBool, Name: "minf"},
		{Kind: AggMax, Arg: evCol(evFlag), Type: tBool, Name: "maxf"},
		{Kind: AggMin, Arg: evCol(evS), Type: tStr, Name: "mins"},
		{Kind: AggMax, Arg: evCol(evS), Type: tStr, Name: "maxs"},
	}
	var fields []arrow.Field
	for _, a := range aggs {
		fields = append(fields, field(a.Name, a.Type))
	}
	sql := `count(*), count(v), count(DISTINCT i), count(DISTINCT s), sum(i)::BIGINT, sum(id)::BIGINT, sum(v),
		CAST(sum(d) AS VARCHAR), avg(i), avg(v), avg(d)::DOUBLE, min(v), max(v), min(i), max(id), min(ts), max(ts),
		CAST(min(d) AS VARCHAR), CAST(max(d) AS VARCHAR), min(flag), max(flag), min(s), max(s)`
	return aggs, fields, sql
}

func TestHashAggregateHarness(t *testing.T) {
	aggs, aggFields, aggSQL := allAggs()
	deleted := field(expr.DeletedColumn, tBool)
	gen := genEvents(genOpts{n: 3000, keys: 40, seed: 4, step: 5, delay: 30, wmEvery: 250})
	small := genEvents(genOpts{n: 400, keys: 7, seed: 5, step: 5, delay: 30, wmEvery: 60})

	hin := schema(field("k", tStr), field("x", tBig))
	hout := schema(field("k", tStr), field("n", tBig), field("sx", tBig), deleted)

	multiOut := schema(append([]arrow.Field{field("k", tStr), field("i", tInt), field("flag", tBool), field("d", tDec)},
		field("n", tBig), field("sv", tDbl), deleted)...)

	havingOut := schema(field("k", tStr), field("sv", tDbl), field("n", tBig), deleted)
	winIn := withWindow(evSchema)
	win := &WindowSpec{Kind: TumbleWindow, Time: evCol(evTs), Size: 200}
	wgen := genEvents(genOpts{n: 3000, keys: 25, seed: 6, step: 3, delay: 60, wmEvery: 200, windowed: win})
	winOut := schema(append([]arrow.Field{field("k", tStr), field("window_start", tTs), field("window_end", tTs)}, aggFields...)...)

	runHarness(t, []harnessCase{
		{
			name: "updating hand",
			node: &Node{Kind: KindHashAggregate, Name: "a", Schema: hout, Upsert: true, Keys: []int{0},
				Spec: &AggregateSpec{Keys: []expr.Expr{col(0, "k", tStr)}, KeyNames: []string{"k"}, WindowStart: -1,
					Aggs: []AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggSum, Arg: col(1, "x", tBig), Type: tBig, Name: "sx"}}}},
			inputs: []*arrow.Schema{hin},
			steps: []hstep{
				rows(r("a", 1), r("b", nil), r(nil, 5), r("a", 2)),
				wmAt(10),
				rows(r(nil, 7), r("c", nil)),
				wmAt(20),
				wmAt(30), // nothing changed: emits nothing
			},
			// the changelog: a, b, NULL at 10; NULL and c at 20
			want: [][]any{r("a", 2, 3, false), r("b", 1, nil, false), r(nil, 1, 5, false),
				r(nil, 2, 12, false), r("c", 1, nil, false)},
		},
		{
			name: "updating every aggregate",
			node: &Node{Kind: KindHashAggregate, Name: "a", Upsert: true, Keys: []int{0},
				Schema: schema(append(append([]arrow.Field{field("k", tStr)}, aggFields...), deleted)...),
				Spec:   &AggregateSpec{Keys: []expr.Expr{evCol(evK)}, KeyNames: []string{"k"}, Aggs: aggs, WindowStart: -1}},
			inputs:    []*arrow.Schema{evSchema},
			steps:     gen,
			sql:       `SELECT k, ` + aggSQL + ` FROM in0 GROUP BY k`,
			nullCols:  []int{evK, evI, evV, evD, evFlag, evS, evID},
			checkEach: true,
		},
		{
			name: "updating multi-key",
			node: &Node{Kind: KindHashAggregate, Name: "a", Upsert: true, Keys: []int{0, 1, 2, 3}, Schema: multiOut,
				Spec: &AggregateSpec{Keys: []expr.Expr{evCol(evK), evCol(evI), evCol(evFlag), evCol(evD)}, WindowStart: -1,
					Aggs: []AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggSum, Arg: evCol(evV), Type: tDbl, Name: "sv"}}}},
			inputs: []*arrow.Schema{evSchema},
			// few distinct values so groups repeat
			steps: mapRows(small, func(row []any) []any {
				row = append([]any(nil), row...)
				row[evI] = row[evI].(int32) % 3
				row[evD] = []string{"1.00", "-2.50", "0.00"}[len(row[evK].(string))%3]
				return row
			}),
			sql:       `SELECT k, i, flag, CAST(d AS VARCHAR), count(*), sum(v) FROM in0 GROUP BY k, i, flag, d`,
			nullCols:  []int{evK, evI, evFlag, evD, evV},
			checkEach: true,
		},
		{
			name: "updating having retracts",
			node: &Node{Kind: KindHashAggregate, Name: "a", Upsert: true, Keys: []int{0}, Schema: havingOut,
				Spec: &AggregateSpec{Keys: []expr.Expr{evCol(evK)}, WindowStart: -1,
					Aggs: []AggFunc{{Kind: AggSum, Arg: evCol(evV), Type: tDbl, Name: "sv"}, {Kind: AggCountStar, Type: tBig, Name: "n"}},
					// sum(v) > 30 holds, stops holding and holds again as values come.
					Having: call("gt", tBool, col(1, "sv", tDbl), lit(30.0, tDbl))}},
			inputs: []*arrow.Schema{evSchema},
			steps: mapRows(small, func(row []any) []any {
				row = append([]any(nil), row...)
				row[evV] = row[evV].(float64) - 15
				return row
			}),
			sql:       `SELECT k, sum(v), count(*) FROM in0 GROUP BY k HAVING sum(v) > 30`,
			nullCols:  []int{evK, evV},
			checkEach: true,
		},
		{
			name: "windowed tumble every aggregate",
			node: &Node{Kind: KindHashAggregate, Name: "a", Schema: winOut,
				Spec: &AggregateSpec{Keys: []expr.Expr{evCol(evK)}, Aggs: aggs, Window: win, WindowStart: 8}},
			inputs:    []*arrow.Schema{winIn},
			steps:     wgen,
			sql:       `SELECT k, window_start, window_end, ` + aggSQL + ` FROM in0 GROUP BY k, window_start, window_end`,
			unordered: true,
			nullCols:  []int{evK, evI, evV, evD, evFlag, evS, evID},
			windowEnd: 2,
		},
		{
			name: "windowed no keys with having",
			node: &Node{Kind: KindHashAggregate, Name: "a",
				Schema: schema(field("window_start", tTs), field("window_end", tTs), field("n", tBig), field("sv", tDbl)),
				Spec: &AggregateSpec{Aggs: []AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggSum, Arg: evCol(evV), Type: tDbl, Name: "sv"}},
					Window: win, WindowStart: 8, Having: call("gt", tBool, col(3, "sv", tDbl), lit(1500.0, tDbl))}},
			inputs:    []*arrow.Schema{winIn},
			steps:     wgen,
			sql:       `SELECT window_start, window_end, count(*), sum(v) FROM in0 GROUP BY window_start, window_end HAVING sum(v) > 1500 ORDER BY window_start`,
			nullCols:  []int{evV},
			windowEnd: 1,
		},
		{
			name: "windowed late rows are dropped",
			node: &Node{Kind: KindHashAggregate, Name: "a",
				Schema: schema(field("k", tStr), field("window_start", tTs), field("window_end", tTs), field("n", tBig)),
				Spec: &AggregateSpec{Keys: []expr.Expr{col(0, "k", tStr)}, Aggs: []AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}},
					Window: &WindowSpec{Kind: TumbleWindow, Size: 10, Time: col(1, "ts", tTs)}, WindowStart: 2}},
			inputs: []*arrow.Schema{withWindow(schema(field("k", tStr), field("ts", tTs)))},
			steps: []hstep{
				rows(r("a", 1, 0, 10), r("b", 12, 10, 20), r("a", 3, 0, 10)),
				wmAt(10),
				rows(r("a", 5, 0, 10), r("b", 15, 10, 20)),
				wmAt(MaxWatermark),
			},
			want:      [][]any{r("a", 0, 10, 2), r("b", 10, 20, 2)},
			late:      1,
			windowEnd: 2,
		},
	})
}

func mapRows(steps []hstep, f func([]any) []any) []hstep {
	out := make([]hstep, len(steps))
	for s, st := range steps {
		out[s] = st
		if st.isWM {
			continue
		}
		out[s].rows = make([][]any, len(st.rows))
		for i, row := range st.rows {
			out[s].rows[i] = f(row)
		}
	}
	return out
}

// ---- WindowAssign feeding HashAggregate, against time_bucket

func TestWindowPipelineHarness(t *testing.T) {
	gen := genEvents(genOpts{n: 3000, keys: 15, seed: 7, step: 4, delay: 80, wmEvery: 100, start: 1_436_918_400_000})
	for _, w := range []WindowSpec{
		{Kind: TumbleWindow, Time: evCol(evTs), Size: 250},
		{Kind: HopWindow, Time: evCol(evTs), Size: 300, Slide: 100},
	} {
		assign := &Node{Kind: KindWindowAssign, Name: "w", Schema: withWindow(evSchema), Spec: &WindowAssignSpec{Window: w}}
		ww := w
		agg := &Node{Kind: KindHashAggregate, Name: "a",
			Schema: schema(field("k", tStr), field("window_start", tTs), field("window_end", tTs), field("n", tBig), field("av", tDbl), field("mx", tStr)),
			Spec: &AggregateSpec{Keys: []expr.Expr{evCol(evK)}, Window: &ww, WindowStart: 8, Aggs: []AggFunc{
				{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggAvg, Arg: evCol(evV), Type: tDbl, Name: "av"},
				{Kind: AggMax, Arg: evCol(evS), Type: tStr, Name: "mx"}}}}
		var sql string
		if w.Kind == TumbleWindow {
			sql = `SELECT k, time_bucket(INTERVAL 250 MILLISECOND, ts, TIMESTAMP '1970-01-01') AS w,
				w + INTERVAL 250 MILLISECOND, count(*), avg(v), max(s) FROM in0 WHERE ts IS NOT NULL GROUP BY k, w`
		} else {
			sql = `SELECT k, epoch_ms(ws), epoch_ms(ws + 300), count(*), avg(v), max(s) FROM (
				SELECT *, unnest(range((floor((t - 300) / 100)::BIGINT + 1) * 100, floor(t / 100)::BIGINT * 100 + 1, 100)) AS ws
				FROM (SELECT *, epoch_ms(ts) AS t FROM in0 WHERE ts IS NOT NULL)) GROUP BY k, ws`
		}
		runHarness(t, []harnessCase{{
			name:      w.Kind.String(),
			chain:     []*Node{assign, agg},
			node:      agg,
			inputs:    []*arrow.Schema{evSchema},
			steps:     gen,
			sql:       sql,
			unordered: true,
			nullCols:  []int{evK, evV, evS},
			windowEnd: 2,
		}})
	}
}

// ---- SessionAggregate

func sessionNode(gap int64, keys []expr.Expr, keyFields []arrow.Field, aggs []AggFunc, aggFields []arrow.Field) *Node {
	fields := append(append(append([]arrow.Field(nil), keyFields...), field("window_start", tTs), field("window_end", tTs)), aggFields...)
	return &Node{Kind: KindSessionAggregate, Name: "s", Schema: schema(fields...),
		Spec: &AggregateSpec{Keys: keys, Aggs: aggs, WindowStart: -1,
			Window: &WindowSpec{Kind: SessionWindow, Time: evCol(evTs), Gap: gap}}}
}

func TestSessionAggregateHarness(t *testing.T) { runHarness(t, sessionCases()) }

// TestSessionAggregateCompaction reruns the session cases with the key
// table compacted and the distinct sets rebuilt almost all the time.
func TestSessionAggregateCompaction(t *testing.T) {
	defer func(k, d int) { keyCompactMin, distinctRebuildMin = k, d }(keyCompactMin, distinctRebuildMin)
	keyCompactMin, distinctRebuildMin = 4, 4
	runHarness(t, sessionCases())
}

func sessionCases() []harnessCase {
	hand := schema(field("k", tStr), field("x", tBig), field("ts", tTs))
	handNode := &Node{Kind: KindSessionAggregate, Name: "s",
		Schema: schema(field("k", tStr), field("window_start", tTs), field("window_end", tTs), field("n", tBig), field("sx", tBig), field("dx", tBig)),
		Spec: &AggregateSpec{Keys: []expr.Expr{col(0, "k", tStr)}, WindowStart: -1,
			Aggs: []AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggSum, Arg: col(1, "x", tBig), Type: tBig, Name: "sx"},
				{Kind: AggCountDistinct, Arg: col(1, "x", tBig), Type: tBig, Name: "dx"}},
			Window: &WindowSpec{Kind: SessionWindow, Time: col(2, "ts", tTs), Gap: 10}}}

	aggs, aggFields, aggSQL := allAggs()
	gen := genEvents(genOpts{n: 3000, keys: 30, seed: 8, step: 3, delay: 60, wmEvery: 150})
	// Sparse keys with gaps around the session gap, so sessions open,
	// close, and get bridged by out-of-order events.
	sparse := genEvents(genOpts{n: 2500, keys: 60, seed: 9, step: 2, delay: 100, wmEvery: 100})
	sessSQL := func(gap int, sel string) string {
		return fmt.Sprintf(`WITH o AS (
			SELECT *, CASE WHEN lag(ts) OVER (PARTITION BY k ORDER BY ts) IS NULL
			              OR ts - lag(ts) OVER (PARTITION BY k ORDER BY ts) >= INTERVAL %d MILLISECOND THEN 1 ELSE 0 END AS ns
			FROM in0 WHERE ts IS NOT NULL),
			s AS (SELECT *, sum(ns) OVER (PARTITION BY k ORDER BY ts, ns DESC ROWS UNBOUNDED PRECEDING) AS sid FROM o)
			SELECT k, min(ts), max(ts) + INTERVAL %d MILLISECOND, %s FROM s GROUP BY k, sid`, gap, gap, sel)
	}
	return []harnessCase{
		{
			name:   "hand",
			node:   handNode,
			inputs: []*arrow.Schema{hand},
			steps: []hstep{
				rows(r("a", 1, 0), r("a", 2, 5), r("b", 1, 3), r("a", 3, 20)), // a: [0,15) and [20,30), b: [3,13)
				wmAt(14),            // b's [3,13) closes
				rows(r("a", 1, 12)), // bridges a's sessions: [0,30)
				wmAt(15),
				rows(r("b", 5, 1)), // late: [1,11) ended before 15
				rows(r(nil, 4, 40), r(nil, 4, 45), r("b", 9, 16)),
				wmAt(31), // a's [0,30) closes; b's [16,26) too
				wmAt(MaxWatermark),
			},
			want: [][]any{
				r("b", 3, 13, 1, 1, 1),
				r("b", 16, 26, 1, 9, 1),
				r("a", 0, 30, 4, 7, 3),
				r(nil, 40, 55, 2, 8, 1),
			},
			late:        1,
			deadLetters: 1,
			dlReason:    "late event: session",
		},
		{
			name:      "every aggregate",
			node:      sessionNode(40, []expr.Expr{evCol(evK)}, []arrow.Field{field("k", tStr)}, aggs, aggFields),
			inputs:    []*arrow.Schema{evSchema},
			steps:     gen,
			sql:       sessSQL(40, aggSQL),
			unordered: true,
			nullCols:  []int{evK, evI, evV, evD, evFlag, evS, evID},
			windowEnd: 2,
		},
		{
			name: "bridging",
			node: sessionNode(90, []expr.Expr{evCol(evK)}, []arrow.Field{field("k", tStr)},
				[]AggFunc{{Kind: AggCountStar, Type: tBig, Name: "n"}, {Kind: AggCountDistinct, Arg: evCol(evS), Type: tBig, Name: "ds"},
					{Kind: AggMin, Arg: evCol(evS), Type: tStr, Name: "ms"}, {Kind: AggAvg, Arg: evCol(evD), Type: tDbl, Name: "ad"}},
				[]arrow.Field{field("n", tBig), field("ds", tBig), field("ms", tStr), field("ad", tDbl)}),
			inputs:    []*arrow.Schema{evSchema},
			steps:     sparse,
			sql:       sessSQL(90, `count(*), count(DISTINCT s), min(s), avg(d)::DOUBLE`),
			unordered: true,
			nullCols:  []int{evK, evS, evD},
			windowEnd: 2,
		},
	}
}
