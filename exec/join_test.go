package exec

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

var (
	joinLeft = arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: expr.TypeBigint, Nullable: true},
		{Name: "ts", Type: expr.TypeTimestamp, Nullable: true},
		{Name: "v", Type: expr.TypeVarchar, Nullable: true},
	}, nil)
	joinRight = arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: expr.TypeBigint, Nullable: true},
		{Name: "ts", Type: expr.TypeTimestamp, Nullable: true},
		{Name: "w", Type: expr.TypeDouble, Nullable: true},
	}, nil)
)

func joinOut() *arrow.Schema {
	return arrow.NewSchema(append(append([]arrow.Field(nil), joinLeft.Fields()...), joinRight.Fields()...), nil)
}

func jcol(i int, name string, t arrow.DataType) *expr.ColumnRef {
	return &expr.ColumnRef{Index: i, Name: name, Type: t}
}

// intervalJoinNode is l JOIN r ON l.k = r.k AND r.ts BETWEEN l.ts - 10s
// AND l.ts, with the bounds the planner derives: a left row expires once
// the right watermark passes l.ts, a right row once the left watermark
// passes r.ts + 10s.
func intervalJoinNode() *Node {
	lts, rts := jcol(1, "ts", expr.TypeTimestamp), jcol(4, "ts", expr.TypeTimestamp)
	resid := &expr.Call{Func: "between", Type: expr.TypeBoolean, Args: []expr.Expr{
		rts, &expr.Call{Func: "sub_interval", Type: expr.TypeTimestamp,
			Args: []expr.Expr{lts, &expr.Literal{Value: int64(10000), Type: expr.TypeBigint}}}, lts}}
	spec := &JoinSpec{
		LeftKeys:  []expr.Expr{jcol(0, "k", expr.TypeBigint)},
		RightKeys: []expr.Expr{jcol(0, "k", expr.TypeBigint)},
		Residual:  resid,
		Left: JoinSide{Time: 1, Late: true,
			Expire: []JoinBound{{Expr: jcol(1, "ts", expr.TypeTimestamp)}}},
		Right: JoinSide{Time: 1, Late: true,
			Expire: []JoinBound{{Expr: jcol(1, "ts", expr.TypeTimestamp), Offset: 10000}}},
		OutputDelay: 10000,
	}
	return &Node{Kind: KindJoin, Name: "j", Inputs: []int{0, 1}, Schema: joinOut(), EventTime: 4, Spec: spec}
}

// regularJoinNode is l JOIN r ON l.k = r.k AND l.v <> 'x' with no time
// bound: both sides are kept to the end.
func regularJoinNode() *Node {
	spec := &JoinSpec{
		LeftKeys:  []expr.Expr{jcol(0, "k", expr.TypeBigint)},
		RightKeys: []expr.Expr{jcol(0, "k", expr.TypeBigint)},
		Residual: &expr.Call{Func: "ne", Type: expr.TypeBoolean, Args: []expr.Expr{
			jcol(2, "v", expr.TypeVarchar), &expr.Literal{Value: "x", Type: expr.TypeVarchar}}},
		Left:        JoinSide{Time: -1},
		Right:       JoinSide{Time: -1},
		OutputDelay: -1,
	}
	return &Node{Kind: KindJoin, Name: "j", Inputs: []int{0, 1}, Schema: joinOut(), EventTime: -1, Spec: spec}
}

// stringKeyJoinNode is a self-join of joinLeft on (v, k): a string key
// and a composite key (the general key-table layout).
func stringKeyJoinNode() *Node {
	out := arrow.NewSchema(append(append([]arrow.Field(nil), joinLeft.Fields()...), joinLeft.Fields()...), nil)
	spec := &JoinSpec{
		LeftKeys:    []expr.Expr{jcol(2, "v", expr.TypeVarchar), jcol(0, "k", expr.TypeBigint)},
		RightKeys:   []expr.Expr{jcol(2, "v", expr.TypeVarchar), jcol(0, "k", expr.TypeBigint)},
		Left:        JoinSide{Time: -1},
		Right:       JoinSide{Time: -1},
		OutputDelay: -1,
	}
	return &Node{Kind: KindJoin, Name: "j", Inputs: []int{0, 1}, Schema: out, EventTime: -1, Spec: spec}
}

func TestJoinHarness(t *testing.T) {
	ins := []*arrow.Schema{joinLeft, joinRight}
	runHarness(t, []harnessCase{
		{
			name: "interval join, by hand", node: intervalJoinNode(), inputs: ins, unordered: true,
			steps: []hstep{
				rowsAt(0, r(1, 10000, "a"), r(2, 12000, "b"), r(1, 15000, nil)),
				rowsAt(1, r(1, 9000, 1.5), r(1, 1000, 2.5), r(2, 12000, 3.5), r(3, 12000, 4.5), r(nil, 12000, 5.5)),
				wmPort(1, 11000),            // left rows with ts < 11000 expire: (1, 10000)
				rowsAt(1, r(1, 11500, 6.5)), // matches only (1, 15000)
				wmPort(0, 12500),            // right rows with ts + 10s < 12500 expire: (1, 1000)
				rowsAt(0, r(1, 13000, "c"), r(1, 13500, "d")),
				wmPort(0, 14500),
				rowsAt(0, r(1, 14000, "late")), // behind the left watermark: late
				rowsAt(1, r(1, 13000, 7.5), r(2, 11000, 8.5)),
				wmAt(MaxWatermark),
			},
			want: [][]any{
				r(1, 10000, "a", 1, 9000, 1.5),
				r(1, 15000, nil, 1, 9000, 1.5),
				r(1, 10000, "a", 1, 1000, 2.5),
				r(2, 12000, "b", 2, 12000, 3.5),
				r(1, 15000, nil, 1, 11500, 6.5),
				r(1, 13000, "c", 1, 9000, 1.5),
				r(1, 13000, "c", 1, 11500, 6.5),
				r(1, 13500, "d", 1, 9000, 1.5),
				r(1, 13500, "d", 1, 11500, 6.5),
				r(1, 15000, nil, 1, 13000, 7.5),
				r(1, 13000, "c", 1, 13000, 7.5),
				r(1, 13500, "d", 1, 13000, 7.5),
				r(2, 12000, "b", 2, 11000, 8.5),
			},
			late: 1, deadLetters: 1, dlReason: "late event",
		},
		{
			name: "interval join vs DuckDB", node: intervalJoinNode(), inputs: ins, unordered: true,
			steps: []hstep{
				rowsAt(0, r(1, 10000, "a"), r(1, 20000, "b"), r(2, 20000, "c"), r(nil, 20000, "n")),
				rowsAt(1, r(1, 5000, 1.0), r(1, 12000, 2.0), r(1, 19000, 3.0), r(2, 10000, 4.0), r(2, 9999, 5.0)),
				wmPort(0, 15000), wmPort(1, 15000),
				rowsAt(0, r(1, 16000, "d"), r(2, 25000, "e")),
				rowsAt(1, r(1, 16000, 6.0), r(2, 24000, 7.0)),
				wmAt(30000),
				rowsAt(0, r(2, 31000, "f")),
				rowsAt(1, r(2, 30000, 8.0)),
				wmAt(MaxWatermark),
			},
			sql: `SELECT l.*, r.* FROM in0 l JOIN in1 r ON l.k = r.k
			      AND r.ts BETWEEN l.ts - INTERVAL 10 SECOND AND l.ts`,
			nullCols: []int{0, 2},
		},
		{
			name: "regular join with residual", node: regularJoinNode(), inputs: ins, unordered: true,
			steps: []hstep{
				rowsAt(0, r(1, 1, "a"), r(1, 2, "x"), r(2, 3, "b")),
				rowsAt(1, r(1, 1, 1.0), r(2, 2, 2.0), r(1, 3, 3.0)),
				wmAt(100),
				rowsAt(0, r(1, 4, "c"), r(3, 5, "d")),
				rowsAt(1, r(3, 6, 4.0), r(4, 7, 5.0)),
				wmAt(MaxWatermark),
			},
			sql:      `SELECT l.*, r.* FROM in0 l JOIN in1 r ON l.k = r.k AND l.v <> 'x'`,
			nullCols: []int{0, 2},
		},
		{
			name: "string and composite keys", node: stringKeyJoinNode(), inputs: []*arrow.Schema{joinLeft, joinLeft}, unordered: true,
			steps: []hstep{
				rowsAt(0, r(1, 1, "apple"), r(2, 2, "apple"), r(1, 3, ""), r(1, 4, "pear")),
				rowsAt(1, r(1, 5, "apple"), r(1, 6, ""), r(2, 7, "pear"), r(1, 8, "apple")),
				wmAt(10),
				rowsAt(0, r(1, 9, "apple"), r(2, 10, "pear")),
				wmAt(MaxWatermark),
			},
			sql:      `SELECT l.*, r.* FROM in0 l JOIN in1 r ON l.k = r.k AND l.v = r.v`,
			nullCols: []int{0, 2},
		},
	})
}

// TestJoinRandom checks the interval join against a nested-loop oracle
// over random out-of-order streams with per-port watermarks, at every
// batching and with restores (runHarness), and that state is pruned.
func TestJoinRandom(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		rng := rand.New(rand.NewSource(seed))
		var steps []hstep
		var all [2][][]any
		maxTs := [2]int64{0, 0}
		wm := [2]int64{MinWatermark, MinWatermark}
		for s := 0; s < 60; s++ {
			p := rng.Intn(2)
			var rs [][]any
			for i := rng.Intn(12); i > 0; i-- {
				lo := max(wm[p], 0)
				ts := lo + rng.Int63n(3000) + max(0, maxTs[p]-lo-1000)
				var row []any
				if p == 0 {
					row = r(rng.Int63n(5), ts, fmt.Sprint("v", len(all[0])))
				} else {
					row = r(rng.Int63n(5), ts, float64(len(all[1])))
				}
				rs = append(rs, row)
				all[p] = append(all[p], row)
				maxTs[p] = max(maxTs[p], ts)
			}
			if len(rs) > 0 {
				steps = append(steps, rowsAt(p, rs...))
			}
			if rng.Intn(3) == 0 && maxTs[p]-2000 > wm[p] {
				wm[p] = maxTs[p] - 2000
				steps = append(steps, wmPort(p, wm[p]))
			}
		}
		steps = append(steps, wmAt(MaxWatermark))
		var want [][]any
		for _, l := range all[0] {
			for _, rr := range all[1] {
				lk, rk := l[0].(int64), rr[0].(int64)
				lt, rt := l[1].(int64), rr[1].(int64)
				if lk == rk && rt >= lt-10000 && rt <= lt {
					want = append(want, append(append([]any(nil), l...), rr...))
				}
			}
		}
		if want == nil {
			want = [][]any{}
		}
		runHarness(t, []harnessCase{{name: fmt.Sprintf("seed%d", seed), node: intervalJoinNode(),
			inputs: []*arrow.Schema{joinLeft, joinRight}, steps: steps, want: want, unordered: true}})
	}
}

// TestJoinPrunes checks that watermarks bound the state and that a
// restored join keeps its rows.
func TestJoinPrunes(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	n := intervalJoinNode()
	op, err := NewOperator(n, []*arrow.Schema{joinLeft, joinRight})
	if err != nil {
		t.Fatal(err)
	}
	m := &OpMetrics{}
	var out int64
	ctx := &OpContext{Name: "j", Alloc: alloc, DeadLetters: DiscardDeadLetters, Metrics: m}
	if err := op.Open(ctx, EmitterFunc(func(b arrow.RecordBatch) error { out += b.NumRows(); return nil })); err != nil {
		t.Fatal(err)
	}
	j := op.(*Join)
	for step := int64(0); step < 100; step++ {
		var lrows, rrows [][]any
		for i := int64(0); i < 100; i++ {
			ts := step*1000 + i*10
			lrows = append(lrows, r(i%7, ts, "x"))
			rrows = append(rrows, r(i%7, ts, 1.0))
		}
		for p, rs := range [][][]any{lrows, rrows} {
			b := makeBatch(t, alloc, []*arrow.Schema{joinLeft, joinRight}[p], rs, 0)
			if err := op.Push(p, b); err != nil {
				t.Fatal(err)
			}
			b.Release()
		}
		for p := 0; p < 2; p++ {
			if err := j.PortWatermark(p, step*1000); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Left rows live until the right watermark passes their time (about
	// one step), right rows 10 s more: a bounded state however long the
	// stream.
	if live := m.StateRows.Load(); live > 2000 {
		t.Fatalf("%d rows still stored after 20000 rows; pruning does not work", live)
	}
	var snap bytes.Buffer
	if err := j.Snapshot(&snap); err != nil {
		t.Fatal(err)
	}
	live := m.StateRows.Load()
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}
	op2, _ := NewOperator(n, []*arrow.Schema{joinLeft, joinRight})
	m2 := &OpMetrics{}
	if err := op2.Open(&OpContext{Name: "j", Alloc: alloc, DeadLetters: DiscardDeadLetters, Metrics: m2},
		EmitterFunc(func(arrow.RecordBatch) error { return nil })); err != nil {
		t.Fatal(err)
	}
	if err := op2.(Snapshotter).Restore(bytes.NewReader(snap.Bytes())); err != nil {
		t.Fatal(err)
	}
	if m2.StateRows.Load() != live {
		t.Fatalf("restored %d rows, had %d", m2.StateRows.Load(), live)
	}
	if err := op2.Close(); err != nil {
		t.Fatal(err)
	}
	if out == 0 {
		t.Fatal("no output")
	}
}

// TestJoinRestoreDamaged restores a real join snapshot damaged at every
// byte (checksum fixed up, so the damage reaches the decoder): Restore
// must fail with an error or give a join that runs, never panic.
func TestJoinRestoreDamaged(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	ins := []*arrow.Schema{joinLeft, joinRight}
	open := func(n *Node) Operator {
		op, err := NewOperator(n, ins)
		if err != nil {
			t.Fatal(err)
		}
		ctx := &OpContext{Name: "j", Alloc: alloc, DeadLetters: DiscardDeadLetters, Metrics: &OpMetrics{}}
		if err := op.Open(ctx, EmitterFunc(func(arrow.RecordBatch) error { return nil })); err != nil {
			t.Fatal(err)
		}
		return op
	}
	for _, n := range []*Node{intervalJoinNode(), regularJoinNode()} {
		op := open(n)
		// A damaged but accepted state may hold values an expression
		// cannot take (an error, not a panic).
		push := func(op Operator) error {
			for p, rs := range [][][]any{
				{r(1, 1000, "a"), r(2, 2000, nil), r(1, 3000, "ccc")},
				{r(1, 900, 1.0), r(nil, 1000, 2.0), r(2, 1500, 3.0)},
			} {
				b := makeBatch(t, alloc, ins[p], rs, 0)
				err := op.Push(p, b)
				b.Release()
				if err != nil {
					return err
				}
			}
			return nil
		}
		if err := push(op); err != nil {
			t.Fatal(err)
		}
		if err := op.(PortWatermarker).PortWatermark(0, 1500); err != nil {
			t.Fatal(err)
		}
		var snap bytes.Buffer
		if err := op.(Snapshotter).Snapshot(&snap); err != nil {
			t.Fatal(err)
		}
		op.Close()
		data := snap.Bytes()
		for i := 0; i < len(data)-4; i++ {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				bad := bytes.Clone(data)
				bad[i] ^= x
				bad = fixCRC(bad)
				op := open(n)
				err := op.(Snapshotter).Restore(bytes.NewReader(bad))
				switch {
				case err == nil:
					_ = push(op)
					_ = op.Watermark(MaxWatermark)
				case !errors.Is(err, ErrCorruptState) && !errors.Is(err, ErrIncompatibleState):
					t.Fatalf("byte %d ^ %#x: Restore failed with %v, not a snapshot error", i, x, err)
				}
				op.Close()
			}
		}
	}
}
