package exec

// The operator harness, modelled on CockroachDB's colexec test harness:
// every case (input rows on ports, interleaved with watermarks, and the
// expected output) is run
//
//   - at batch sizes 1, 7 and 1024, and re-split at random into batches
//     that are slices at non-zero offsets of larger batches (Arrow's
//     counterpart of a selection vector), watermarks kept at the same
//     positions between rows;
//   - as given and, where a case names nullable columns, with random NULLs
//     injected (expected output then comes from DuckDB);
//   - on memory.NewCheckedAllocator, asserting zero bytes outstanding
//     after Close, also when Close comes after only part of the input.
//
// An operator with state (a Snapshotter) is also run, at batch sizes 1, 7
// and 1024, stopped at checkpoints and restored: at several cut points
// (before any input, mid-step between two batches, just before and after
// a watermark, and a few more spread over the stream) it is snapshotted,
// closed, rebuilt with NewOperator, opened, restored and fed the rest. Its
// output, late events and dead letters must be exactly the uninterrupted
// run's, a snapshot must be deterministic and not disturb the operator,
// and a restored operator must snapshot to the same bytes.
//
// Every run must produce the same rows in the same order (batching must
// not change a result), and those rows must equal the expected ones:
// hand-computed, or DuckDB's evaluation of the equivalent SQL over the
// same rows (sorted comparison for aggregates). Updating aggregates are
// also checked after every watermark: the upserts so far, applied to a
// table, must equal DuckDB's GROUP BY over the rows so far.

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/spate-sql/spate/exec/expr"
)

// ---- cases

type hstep struct {
	port int
	rows [][]any
	isWM bool
	wm   int64
	// onePort: the watermark advances on input port only (joins); the
	// operator's Watermark gets the minimum over ports when it advances.
	onePort bool
}

// wmPort is a watermark on one input port.
func wmPort(port int, wm int64) hstep { return hstep{isWM: true, port: port, wm: wm, onePort: true} }

// portWMs is the watermark of each of n ports after steps.
func portWMs(steps []hstep, n int) []int64 {
	wms := make([]int64, n)
	for p := range wms {
		wms[p] = MinWatermark
	}
	for _, st := range steps {
		if !st.isWM {
			continue
		}
		for p := range wms {
			if (!st.onePort || p == st.port) && st.wm > wms[p] {
				wms[p] = st.wm
			}
		}
	}
	return wms
}

// deliverWM makes watermark step s: a PortWatermarker hears of each port
// that advanced, then Watermark gets the minimum over the ports (for a
// one-port step, only when that advanced). before, when set, hears the
// watermark Watermark is about to get.
func deliverWM(op Operator, steps []hstep, s, nports int, before func(int64)) error {
	was, now := portWMs(steps[:s], nports), portWMs(steps[:s+1], nports)
	if pw, ok := op.(PortWatermarker); ok {
		for p := range now {
			if now[p] > was[p] {
				if err := pw.PortWatermark(p, now[p]); err != nil {
					return err
				}
			}
		}
	}
	wm := steps[s].wm
	if steps[s].onePort {
		if slices.Min(now) <= slices.Min(was) {
			return nil
		}
		wm = slices.Min(now)
	}
	if before != nil {
		before(wm)
	}
	return op.Watermark(wm)
}

func rowsAt(port int, rows ...[]any) hstep { return hstep{port: port, rows: rows} }
func rows(rows ...[]any) hstep             { return hstep{rows: rows} }
func wmAt(wm int64) hstep                  { return hstep{isWM: true, wm: wm} }

func r(vals ...any) []any { return vals }

type harnessCase struct {
	name string
	node *Node // the operator under test (the last of chain, if set)
	// chain: run these nodes as one pipeline (each feeding the next);
	// inputs are the first node's.
	chain  []*Node
	inputs []*arrow.Schema
	steps  []hstep
	// Expected output: want (hand-computed) or sql (DuckDB over views
	// in0, in1, ... of the input rows; in0s has a trailing __seq column
	// giving arrival order).
	want      [][]any
	sql       string
	unordered bool
	// nullCols: input columns of port 0 that the NULL variant nulls at
	// random (needs sql).
	nullCols []int
	// checkEach: after every watermark, compare the materialized upserts
	// with sql over the rows so far (updating aggregates).
	checkEach bool
	// windowEnd: output column of window_end; every row must be emitted
	// at a watermark >= it.
	windowEnd   int
	late        int64 // expected LateEvents
	deadLetters int   // expected dead letters
	dlReason    string
}

// ---- rows <-> batches

func appendValue(t testing.TB, b array.Builder, v any) {
	t.Helper()
	if v == nil {
		b.AppendNull()
		return
	}
	switch bb := b.(type) {
	case *array.Int64Builder:
		bb.Append(int64(toInt(t, v)))
	case *array.Int32Builder:
		bb.Append(int32(toInt(t, v)))
	case *array.Float64Builder:
		switch x := v.(type) {
		case float64:
			bb.Append(x)
		default:
			bb.Append(float64(toInt(t, v)))
		}
	case *array.StringBuilder:
		bb.Append(v.(string))
	case *array.BooleanBuilder:
		bb.Append(v.(bool))
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(toInt(t, v)))
	case *array.Decimal128Builder:
		dt := bb.Type().(*arrow.Decimal128Type)
		n, err := decimal128.FromString(v.(string), dt.Precision, dt.Scale)
		if err != nil {
			t.Fatalf("decimal %v: %v", v, err)
		}
		bb.Append(n)
	default:
		t.Fatalf("no test builder for %T", b)
	}
}

func toInt(t testing.TB, v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int64:
		return x
	case int32:
		return int64(x)
	}
	t.Fatalf("want an integer, got %T %v", v, v)
	return 0
}

// makeBatch builds rows into a batch of schema; with pad > 0 it builds
// pad extra leading rows and returns a slice, so every column has a
// non-zero offset.
func makeBatch(t testing.TB, alloc memory.Allocator, schema *arrow.Schema, rows [][]any, pad int) arrow.RecordBatch {
	t.Helper()
	bld := array.NewRecordBuilder(alloc, schema)
	defer bld.Release()
	for p := 0; p < pad; p++ {
		src := rows[p%len(rows)]
		for c := range schema.Fields() {
			appendValue(t, bld.Field(c), src[c])
		}
	}
	for _, row := range rows {
		if len(row) != schema.NumFields() {
			t.Fatalf("row %v has %d values for %d columns", row, len(row), schema.NumFields())
		}
		for c := range schema.Fields() {
			appendValue(t, bld.Field(c), row[c])
		}
	}
	rec := bld.NewRecordBatch()
	if pad == 0 {
		return rec
	}
	defer rec.Release()
	return rec.NewSlice(int64(pad), int64(pad+len(rows)))
}

// cellValue normalises an output cell: integers int64, timestamps int64
// ms, decimals their string, NULL nil.
func cellValue(col arrow.Array, i int) any {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Timestamp:
		return int64(a.Value(i))
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	}
	return col.ValueStr(i)
}

func batchRows(b arrow.RecordBatch) [][]any {
	out := make([][]any, b.NumRows())
	for i := range out {
		row := make([]any, b.NumCols())
		for c := range row {
			row[c] = cellValue(b.Column(c), i)
		}
		out[i] = row
	}
	return out
}

// normRow makes a hand-written expected row comparable with cellValue's.
func normRow(row []any) []any {
	out := make([]any, len(row))
	for i, v := range row {
		switch x := v.(type) {
		case int:
			out[i] = int64(x)
		case int32:
			out[i] = int64(x)
		default:
			out[i] = v
		}
	}
	return out
}

func cellEqual(a, b any) bool {
	fa, aok := a.(float64)
	fb, bok := b.(float64)
	if aok && bok {
		if math.IsNaN(fa) || math.IsNaN(fb) {
			return math.IsNaN(fa) && math.IsNaN(fb)
		}
		if fa == fb {
			return true
		}
		return math.Abs(fa-fb) <= 1e-9*math.Max(math.Abs(fa), math.Abs(fb))
	}
	return a == b
}

func rowsEqual(a, b [][]any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if !cellEqual(a[i][j], b[i][j]) {
				return false
			}
		}
	}
	return true
}

func rowKey(row []any) string {
	var sb strings.Builder
	for _, v := range row {
		switch x := v.(type) {
		case nil:
			sb.WriteString("\x00NULL")
		case float64:
			fmt.Fprintf(&sb, "%.6e", x)
		default:
			fmt.Fprintf(&sb, "%T:%v", v, v)
		}
		sb.WriteByte('|')
	}
	return sb.String()
}

func sortRows(rows [][]any) [][]any {
	type keyed struct {
		key string
		row []any
	}
	ks := make([]keyed, len(rows))
	for i, row := range rows {
		ks[i] = keyed{rowKey(row), row}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	out := make([][]any, len(rows))
	for i := range ks {
		out[i] = ks[i].row
	}
	return out
}

func fmtRows(rows [][]any) string {
	var sb strings.Builder
	for i, r := range rows {
		if i == 40 {
			fmt.Fprintf(&sb, "  ... %d more\n", len(rows)-40)
			break
		}
		fmt.Fprintf(&sb, "  %v\n", r)
	}
	return sb.String()
}

// ---- DuckDB oracle

var (
	duckOnce sync.Once
	duckDB   *sql.DB
	duckErr  error
	duckSeq  int
	duckMu   sync.Mutex
)

func oracle(t testing.TB) *sql.DB {
	t.Helper()
	duckOnce.Do(func() {
		duckDB, duckErr = sql.Open("duckdb", "")
		if duckErr == nil {
			duckDB.SetMaxOpenConns(1)
			_, duckErr = duckDB.Exec("SET TimeZone = 'UTC'")
		}
	})
	if duckErr != nil {
		t.Fatalf("duckdb: %v", duckErr)
	}
	return duckDB
}

func duckType(t testing.TB, dt arrow.DataType) string {
	switch dt.ID() {
	case arrow.INT64:
		return "BIGINT"
	case arrow.INT32:
		return "INTEGER"
	case arrow.FLOAT64:
		return "DOUBLE"
	case arrow.STRING:
		return "VARCHAR"
	case arrow.BOOL:
		return "BOOLEAN"
	case arrow.TIMESTAMP:
		return "TIMESTAMP"
	case arrow.DECIMAL128:
		d := dt.(*arrow.Decimal128Type)
		return fmt.Sprintf("DECIMAL(%d,%d)", d.Precision, d.Scale)
	}
	t.Fatalf("no DuckDB type for %s", dt)
	return ""
}

func duckLiteral(t testing.TB, dt arrow.DataType, v any) string {
	if v == nil {
		return "NULL"
	}
	switch dt.ID() {
	case arrow.INT64, arrow.INT32:
		return strconv.FormatInt(toInt(t, v), 10)
	case arrow.FLOAT64:
		f, ok := v.(float64)
		if !ok {
			f = float64(toInt(t, v))
		}
		if math.IsNaN(f) {
			return "'NaN'::DOUBLE"
		}
		if math.IsInf(f, 0) {
			return "'" + strconv.FormatFloat(f, 'g', -1, 64) + "'::DOUBLE"
		}
		if f == 0 && math.Signbit(f) {
			return "'-0.0'::DOUBLE"
		}
		return strconv.FormatFloat(f, 'g', -1, 64) + "::DOUBLE"
	case arrow.STRING:
		parts := strings.Split(v.(string), "\x00")
		for i, p := range parts {
			parts[i] = "'" + strings.ReplaceAll(p, "'", "''") + "'"
		}
		return "(" + strings.Join(parts, " || chr(0) || ") + ")"
	case arrow.BOOL:
		return strconv.FormatBool(v.(bool))
	case arrow.TIMESTAMP:
		return fmt.Sprintf("epoch_ms(%d::BIGINT)", toInt(t, v))
	case arrow.DECIMAL128:
		return fmt.Sprintf("CAST('%s' AS %s)", v.(string), duckType(t, dt))
	}
	t.Fatalf("no DuckDB literal for %s", dt)
	return ""
}

// duckExpected loads the rows of every port (those before step limit,
// all when limit < 0) as views in0.. and runs query.
func duckExpected(t testing.TB, c *harnessCase, steps []hstep, limit int, query string) [][]any {
	t.Helper()
	db := oracle(t)
	duckMu.Lock()
	defer duckMu.Unlock()
	duckSeq++
	id := duckSeq
	for p, in := range c.inputs {
		tbl := fmt.Sprintf("t%d_%d", id, p)
		var cols, names []string
		for _, f := range in.Fields() {
			cols = append(cols, fmt.Sprintf("%q %s", f.Name, duckType(t, f.Type)))
			names = append(names, fmt.Sprintf("%q", f.Name))
		}
		if _, err := db.Exec(fmt.Sprintf("CREATE TABLE %s (%s, __seq BIGINT)", tbl, strings.Join(cols, ", "))); err != nil {
			t.Fatalf("duckdb: %v", err)
		}
		var vals []string
		seq := 0
		for s, st := range steps {
			if limit >= 0 && s >= limit {
				break
			}
			if st.isWM || st.port != p {
				continue
			}
			for _, row := range st.rows {
				lits := make([]string, len(row))
				for i, v := range row {
					lits[i] = duckLiteral(t, in.Field(i).Type, v)
				}
				vals = append(vals, "("+strings.Join(lits, ", ")+", "+strconv.Itoa(seq)+")")
				seq++
			}
		}
		for len(vals) > 0 {
			k := min(len(vals), 1000)
			if _, err := db.Exec(fmt.Sprintf("INSERT INTO %s VALUES %s", tbl, strings.Join(vals[:k], ", "))); err != nil {
				t.Fatalf("duckdb insert: %v", err)
			}
			vals = vals[k:]
		}
		if _, err := db.Exec(fmt.Sprintf("CREATE OR REPLACE VIEW in%d AS SELECT %s FROM %s", p, strings.Join(names, ", "), tbl)); err != nil {
			t.Fatalf("duckdb: %v", err)
		}
		if _, err := db.Exec(fmt.Sprintf("CREATE OR REPLACE VIEW in%ds AS SELECT * FROM %s", p, tbl)); err != nil {
			t.Fatalf("duckdb: %v", err)
		}
	}
	rs, err := db.Query(query)
	if err != nil {
		t.Fatalf("duckdb query %s: %v", query, err)
	}
	defer rs.Close()
	out := c.node.Schema
	ncols := out.NumFields()
	if c.node.Upsert {
		ncols-- // the oracle gives the table, not the changelog
	}
	var res [][]any
	for rs.Next() {
		dst := make([]any, ncols)
		ptrs := make([]any, ncols)
		for i := range dst {
			ptrs[i] = &dst[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatalf("duckdb scan: %v", err)
		}
		for i, v := range dst {
			dst[i] = fromDuck(t, out.Field(i).Type, v)
		}
		res = append(res, dst)
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	return res
}

func fromDuck(t testing.TB, dt arrow.DataType, v any) any {
	if v == nil {
		return nil
	}
	switch dt.ID() {
	case arrow.INT64, arrow.INT32:
		switch x := v.(type) {
		case int64:
			return x
		case int32:
			return int64(x)
		case int16:
			return int64(x)
		case int8:
			return int64(x)
		}
	case arrow.FLOAT64:
		if x, ok := v.(float64); ok {
			return x
		}
	case arrow.STRING:
		if x, ok := v.(string); ok {
			return x
		}
	case arrow.BOOL:
		if x, ok := v.(bool); ok {
			return x
		}
	case arrow.TIMESTAMP:
		if x, ok := v.(time.Time); ok {
			return x.UnixMilli()
		}
	case arrow.DECIMAL128:
		switch x := v.(type) {
		case string: // the oracle SQL cast it to VARCHAR
			return x
		case duckdb.Decimal:
			return decimal128.FromBigInt(x.Value).ToString(int32(x.Scale))
		}
	}
	t.Fatalf("DuckDB returned %T %v for a %s column", v, v, dt)
	return nil
}

// ---- running

type splitter struct {
	name   string
	size   int  // fixed batch size, 0: random
	offset bool // batches are slices at non-zero offsets
}

var splitters = []splitter{
	{name: "batch1", size: 1},
	{name: "batch7", size: 7},
	{name: "batch1024", size: 1024},
	{name: "random1", offset: true},
	{name: "random2", offset: true},
	{name: "random3", offset: true},
}

type collectDL struct{ letters []DeadLetter }

func (c *collectDL) WriteDeadLetter(d DeadLetter) error {
	d.Raw = slices.Clone(d.Raw)
	c.letters = append(c.letters, d)
	return nil
}

type runResult struct {
	out      [][]any
	wmMarks  []int   // len(out) after each watermark step
	emitWM   []int64 // per output row: watermark of the call that emitted it
	metrics  *OpMetrics
	letters  []DeadLetter
	stepMark map[int]int // step index of a watermark -> index in wmMarks
	// StateRows before Close
	stateAtEnd int64
}

// runOnce feeds steps[:limit] (all when limit < 0) to a fresh operator.
// With close it checks every Arrow byte came back after Close.
func runOnce(t *testing.T, c *harnessCase, steps []hstep, sp splitter, seed int64, limit int) *runResult {
	t.Helper()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	op, err := buildOp(c)
	if err != nil {
		t.Fatalf("NewOperator: %v", err)
	}
	res := &runResult{metrics: &OpMetrics{}, stepMark: map[int]int{}}
	dl := &collectDL{}
	var held []arrow.RecordBatch
	curWM := MinWatermark
	emitter := EmitterFunc(func(b arrow.RecordBatch) error {
		if !b.Schema().Equal(c.node.Schema) {
			t.Fatalf("operator emitted schema %s, node says %s", b.Schema(), c.node.Schema)
		}
		if b.NumRows() == 0 {
			t.Fatalf("operator emitted an empty batch")
		}
		for i := 0; i < int(b.NumCols()); i++ {
			if b.Column(i).Len() != int(b.NumRows()) {
				t.Fatalf("column %d has %d rows in a batch of %d", i, b.Column(i).Len(), b.NumRows())
			}
		}
		// Hold the batch to the end: an operator that reuses or frees
		// what it emitted would corrupt it before we read it.
		b.Retain()
		held = append(held, b)
		for i := 0; i < int(b.NumRows()); i++ {
			res.emitWM = append(res.emitWM, curWM)
		}
		return nil
	})
	ctx := &OpContext{Name: c.name, Alloc: alloc, DeadLetters: dl, Metrics: res.metrics}
	if err := op.Open(ctx, emitter); err != nil {
		t.Fatalf("Open: %v", err)
	}
	rng := rand.New(rand.NewSource(seed))
	emitted := func() int {
		n := 0
		for _, b := range held {
			n += int(b.NumRows())
		}
		return n
	}
	for s, st := range steps {
		if limit >= 0 && s >= limit {
			break
		}
		if st.isWM {
			if err := deliverWM(op, steps, s, len(c.inputs), func(wm int64) { curWM = wm }); err != nil {
				t.Fatalf("Watermark(%d): %v", st.wm, err)
			}
			res.stepMark[s] = len(res.wmMarks)
			res.wmMarks = append(res.wmMarks, emitted())
			continue
		}
		for i := 0; i < len(st.rows); {
			n := sp.size
			if n == 0 {
				n = 1 + rng.Intn(40)
			}
			n = min(n, len(st.rows)-i)
			pad := 0
			if sp.offset {
				pad = 1 + rng.Intn(5)
			}
			b := makeBatch(t, alloc, c.inputs[st.port], st.rows[i:i+n], pad)
			err := op.Push(st.port, b)
			b.Release()
			if err != nil {
				t.Fatalf("Push: %v", err)
			}
			i += n
		}
	}
	res.stateAtEnd = res.metrics.StateRows.Load()
	if err := op.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, b := range held {
		res.out = append(res.out, batchRows(b)...)
		b.Release()
	}
	res.letters = dl.letters
	return res
}

func buildOp(c *harnessCase) (Operator, error) {
	if len(c.chain) == 0 {
		return NewOperator(c.node, c.inputs)
	}
	p := &pipeline{}
	ins := c.inputs
	for _, n := range c.chain {
		op, err := NewOperator(n, ins)
		if err != nil {
			return nil, err
		}
		p.ops = append(p.ops, op)
		ins = []*arrow.Schema{n.Schema}
	}
	return p, nil
}

// pipeline runs operators in a chain, like the runtime does for a linear
// DAG: each output batch is pushed on, and a watermark reaches an
// operator after the one before it processed it.
type pipeline struct{ ops []Operator }

func (p *pipeline) Open(ctx *OpContext, out Emitter) error {
	for i := len(p.ops) - 1; i >= 0; i-- {
		next := out
		if i < len(p.ops)-1 {
			down := p.ops[i+1]
			next = EmitterFunc(func(b arrow.RecordBatch) error { return down.Push(0, b) })
		}
		sub := &OpContext{Name: fmt.Sprintf("%s.%d", ctx.Name, i), Alloc: ctx.Alloc, DeadLetters: ctx.DeadLetters,
			Metrics: ctx.Metrics, Context: ctx.Context}
		if err := p.ops[i].Open(sub, next); err != nil {
			return err
		}
	}
	return nil
}

func (p *pipeline) Push(port int, b arrow.RecordBatch) error { return p.ops[0].Push(port, b) }

func (p *pipeline) Watermark(wm int64) error {
	for _, op := range p.ops {
		if err := op.Watermark(wm); err != nil {
			return err
		}
	}
	return nil
}

func (p *pipeline) Close() error {
	var first error
	for _, op := range p.ops {
		if err := op.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Snapshot and Restore make a chain checkpointable in tests: each
// operator's snapshot, length-prefixed (all ones for a stateless one).
func (p *pipeline) Snapshot(w io.Writer) error {
	for _, op := range p.ops {
		sn, ok := op.(Snapshotter)
		if !ok {
			if err := binary.Write(w, binary.LittleEndian, uint32(math.MaxUint32)); err != nil {
				return err
			}
			continue
		}
		var b bytes.Buffer
		if err := sn.Snapshot(&b); err != nil {
			return err
		}
		if err := binary.Write(w, binary.LittleEndian, uint32(b.Len())); err != nil {
			return err
		}
		if _, err := w.Write(b.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func (p *pipeline) Restore(r io.Reader) error {
	for i, op := range p.ops {
		var n uint32
		if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
			return err
		}
		sn, ok := op.(Snapshotter)
		if n == math.MaxUint32 {
			if ok {
				return fmt.Errorf("operator %d has no state in the snapshot", i)
			}
			continue
		}
		if !ok {
			return fmt.Errorf("operator %d cannot restore state", i)
		}
		if err := sn.Restore(io.LimitReader(r, int64(n))); err != nil {
			return err
		}
	}
	return nil
}

// stateful reports whether c's operator (or one of its chain) keeps state.
func stateful(t *testing.T, c *harnessCase) bool {
	op, err := buildOp(c)
	if err != nil {
		t.Fatalf("NewOperator: %v", err)
	}
	if p, ok := op.(*pipeline); ok {
		for _, o := range p.ops {
			if _, ok := o.(Snapshotter); ok {
				return true
			}
		}
		return false
	}
	_, ok := op.(Snapshotter)
	return ok
}

// hact is one call the harness makes: a push of rows[lo:hi] of a step,
// or a watermark.
type hact struct {
	step   int
	lo, hi int
}

// actions splits steps into the calls of a fixed-size splitter, the
// batches runOnce makes.
func actions(steps []hstep, size int) []hact {
	var acts []hact
	for s, st := range steps {
		if st.isWM {
			acts = append(acts, hact{step: s})
			continue
		}
		for i := 0; i < len(st.rows); i += size {
			acts = append(acts, hact{step: s, lo: i, hi: min(i+size, len(st.rows))})
		}
	}
	return acts
}

// cutPoints picks where checkpoints go (before action k): before any
// input, between two batches of one step, just before and after the
// first watermark, at a third, half and two thirds, and before the last
// action.
func cutPoints(steps []hstep, acts []hact) []int {
	cuts := []int{0, len(acts) / 3, len(acts) / 2, 2 * len(acts) / 3, len(acts) - 1}
	for k := 1; k < len(acts); k++ {
		if !steps[acts[k].step].isWM && acts[k].step == acts[k-1].step && acts[k].lo > 0 {
			cuts = append(cuts, k)
			break
		}
	}
	for k, a := range acts {
		if steps[a.step].isWM {
			cuts = append(cuts, k, k+1)
			break
		}
	}
	slices.Sort(cuts)
	return slices.Compact(cuts)
}

// checkRestores runs c stopped and restored at all cut points in one
// run, at every cut point alone (batches of 7) and snapshotting at all
// of them without stopping (batches of 7 and 1024); each must give
// want's output.
func checkRestores(t *testing.T, c *harnessCase, steps []hstep, sp splitter, want *runResult) {
	t.Helper()
	acts := actions(steps, sp.size)
	cuts := cutPoints(steps, acts)
	runs := [][]int{cuts}
	// A restart at every cut in one run covers every cut point; restarts
	// at one cut alone (from the state of an operator never restored)
	// run at one batch size, to keep the harness fast.
	if !testing.Short() && sp.size == 7 {
		for _, k := range cuts {
			runs = append(runs, []int{k})
		}
	}
	check := func(name string, got *runResult) {
		t.Helper()
		if !rowsEqual(got.out, want.out) {
			t.Fatalf("%s, %s: output differs from the uninterrupted run\ngot %d rows:\n%swant %d rows:\n%s",
				sp.name, name, len(got.out), fmtRows(got.out), len(want.out), fmtRows(want.out))
		}
		if g, w := got.metrics.LateEvents.Load(), want.metrics.LateEvents.Load(); g != w {
			t.Fatalf("%s, %s: %d late events, the uninterrupted run %d", sp.name, name, g, w)
		}
		if len(got.letters) != len(want.letters) {
			t.Fatalf("%s, %s: %d dead letters, the uninterrupted run %d", sp.name, name, len(got.letters), len(want.letters))
		}
	}
	// The input batches are built once for all runs, on an allocator of
	// their own (operators only borrow them).
	inAlloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer inAlloc.AssertSize(t, 0)
	in := make([]arrow.RecordBatch, len(acts))
	for k, a := range acts {
		if st := steps[a.step]; !st.isWM {
			in[k] = makeBatch(t, inAlloc, c.inputs[st.port], st.rows[a.lo:a.hi], 0)
			defer in[k].Release()
		}
	}
	for _, cs := range runs {
		check(fmt.Sprintf("restored at %v of %d calls", cs, len(acts)), runCheckpointed(t, c, steps, acts, in, cs, true))
	}
	if sp.size > 1 {
		check("snapshotted without stopping", runCheckpointed(t, c, steps, acts, in, cuts, false))
	}
}

// runCheckpointed runs acts (pushing in[k] for a batch), taking a
// snapshot before each action in cuts; with restart it then closes the operator and continues on a new
// one restored from the snapshot.
func runCheckpointed(t *testing.T, c *harnessCase, steps []hstep, acts []hact, in []arrow.RecordBatch, cuts []int, restart bool) *runResult {
	t.Helper()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	res := &runResult{metrics: &OpMetrics{}}
	dl := &collectDL{}
	var held []arrow.RecordBatch
	defer func() {
		for _, b := range held {
			b.Release()
		}
	}()
	emitter := EmitterFunc(func(b arrow.RecordBatch) error {
		if !b.Schema().Equal(c.node.Schema) || b.NumRows() == 0 {
			t.Fatalf("operator emitted a batch of schema %s with %d rows", b.Schema(), b.NumRows())
		}
		b.Retain()
		held = append(held, b)
		return nil
	})
	ctx := &OpContext{Name: c.name, Alloc: alloc, DeadLetters: dl, Metrics: res.metrics}
	start := func() Operator {
		op, err := buildOp(c)
		if err != nil {
			t.Fatalf("NewOperator: %v", err)
		}
		if err := op.Open(ctx, emitter); err != nil {
			t.Fatalf("Open: %v", err)
		}
		return op
	}
	op := start()
	cut := 0
	for k := 0; k <= len(acts); k++ {
		if cut < len(cuts) && cuts[cut] == k {
			cut++
			var b1, b2 bytes.Buffer
			if err := op.(Snapshotter).Snapshot(&b1); err != nil {
				t.Fatalf("Snapshot before call %d: %v", k, err)
			}
			if err := op.(Snapshotter).Snapshot(&b2); err != nil {
				t.Fatalf("Snapshot before call %d: %v", k, err)
			}
			if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
				t.Fatalf("two snapshots before call %d differ", k)
			}
			if restart {
				if err := op.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
				op = start()
				if err := op.(Snapshotter).Restore(bytes.NewReader(b1.Bytes())); err != nil {
					t.Fatalf("Restore before call %d: %v", k, err)
				}
				b2.Reset()
				if err := op.(Snapshotter).Snapshot(&b2); err != nil {
					t.Fatalf("Snapshot after Restore: %v", err)
				}
				if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
					t.Fatalf("the restored operator snapshots to other bytes before call %d (%d vs %d bytes)", k, b2.Len(), b1.Len())
				}
			}
		}
		if k == len(acts) {
			break
		}
		a := acts[k]
		st := steps[a.step]
		if st.isWM {
			if err := deliverWM(op, steps, a.step, len(c.inputs), nil); err != nil {
				t.Fatalf("Watermark(%d): %v", st.wm, err)
			}
			continue
		}
		if err := op.Push(st.port, in[k]); err != nil {
			t.Fatalf("Push: %v", err)
		}
	}
	if err := op.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, b := range held {
		res.out = append(res.out, batchRows(b)...)
	}
	res.letters = dl.letters
	return res
}

// withNulls returns a copy of steps where the cells of cols on port 0
// are NULL with probability 1/6.
func withNulls(steps []hstep, cols []int, seed int64) []hstep {
	rng := rand.New(rand.NewSource(seed))
	out := make([]hstep, len(steps))
	for s, st := range steps {
		out[s] = st
		if st.isWM || st.port != 0 {
			continue
		}
		out[s].rows = make([][]any, len(st.rows))
		for i, row := range st.rows {
			row = slices.Clone(row)
			for _, c := range cols {
				if rng.Intn(6) == 0 {
					row[c] = nil
				}
			}
			out[s].rows[i] = row
		}
	}
	return out
}

// applyUpserts materialises an upsert stream (keys = node.Keys, trailing
// deleted flag) into its final table, rows without the flag.
func applyUpserts(t *testing.T, node *Node, out [][]any) [][]any {
	t.Helper()
	type entry struct {
		row   []any
		order int
	}
	table := map[string]entry{}
	for i, row := range out {
		var kb strings.Builder
		for _, k := range node.Keys {
			kb.WriteString(rowKey(row[k : k+1]))
		}
		del, ok := row[len(row)-1].(bool)
		if !ok {
			t.Fatalf("upsert row %v has no deleted flag", row)
		}
		if del {
			if _, ok := table[kb.String()]; !ok {
				t.Fatalf("delete of a row never inserted: %v", row)
			}
			delete(table, kb.String())
			continue
		}
		table[kb.String()] = entry{row[:len(row)-1], i}
	}
	var rows [][]any
	for _, e := range table {
		rows = append(rows, e.row)
	}
	return rows
}

func runHarness(t *testing.T, cases []harnessCase) {
	for i := range cases {
		c := &cases[i]
		t.Run(c.name, func(t *testing.T) {
			variants := []struct {
				name  string
				steps []hstep
			}{{"as-is", c.steps}}
			if len(c.nullCols) > 0 {
				if c.sql == "" {
					t.Fatal("a NULL variant needs an sql oracle")
				}
				variants = append(variants, struct {
					name  string
					steps []hstep
				}{"nulls", withNulls(c.steps, c.nullCols, 42)})
			}
			for _, v := range variants {
				t.Run(v.name, func(t *testing.T) { runVariant(t, c, v.steps, v.name == "as-is") })
			}
		})
	}
}

func runVariant(t *testing.T, c *harnessCase, steps []hstep, asIs bool) {
	var want [][]any
	switch {
	case c.want != nil && asIs:
		for _, r := range c.want {
			want = append(want, normRow(r))
		}
	case c.sql != "":
		want = duckExpected(t, c, steps, -1, c.sql)
	default:
		want = [][]any{}
	}
	var first *runResult
	bySplit := map[string]*runResult{}
	sps := splitters
	if testing.Short() {
		sps = []splitter{splitters[1], splitters[3]} // 7 and one random split
	}
	for k, sp := range sps {
		res := runOnce(t, c, steps, sp, int64(k+1), -1)
		bySplit[sp.name] = res
		got := res.out
		// Against an SQL oracle an upsert stream is compared as the table
		// it materializes; a hand-written want is the changelog itself.
		materialize := c.node.Upsert && !(c.want != nil && asIs)
		if materialize {
			got = applyUpserts(t, c.node, got)
		}
		cmpGot, cmpWant := got, want
		if c.unordered || materialize {
			cmpGot, cmpWant = sortRows(got), sortRows(want)
		}
		if !rowsEqual(cmpGot, cmpWant) {
			t.Fatalf("%s: output differs from the oracle\ngot %d rows:\n%swant %d rows:\n%s",
				sp.name, len(cmpGot), fmtRows(cmpGot), len(cmpWant), fmtRows(cmpWant))
		}
		if first == nil {
			first = res
		} else if !rowsEqual(res.out, first.out) {
			t.Fatalf("%s: output differs from %s (batching changed the result)\ngot:\n%swant:\n%s",
				sp.name, sps[0].name, fmtRows(res.out), fmtRows(first.out))
		}
		if asIs {
			if got := res.metrics.LateEvents.Load(); got != c.late {
				t.Fatalf("%s: LateEvents = %d, want %d", sp.name, got, c.late)
			}
			if len(res.letters) != c.deadLetters {
				t.Fatalf("%s: %d dead letters, want %d: %v", sp.name, len(res.letters), c.deadLetters, res.letters)
			}
			if int64(len(res.letters)) != res.metrics.DeadLetters.Load() {
				t.Fatalf("%s: DeadLetters metric %d for %d dead letters", sp.name, res.metrics.DeadLetters.Load(), len(res.letters))
			}
			for _, d := range res.letters {
				if c.dlReason != "" && !strings.Contains(d.Reason, c.dlReason) {
					t.Fatalf("%s: dead letter reason %q, want it to contain %q", sp.name, d.Reason, c.dlReason)
				}
			}
		}
		// After the last watermark closed everything, windowed and session
		// state must be gone (it must not grow with closed windows).
		if last := steps[len(steps)-1]; last.isWM && last.wm == MaxWatermark && c.windowEnd > 0 && res.stateAtEnd != 0 {
			t.Fatalf("%s: StateRows = %d after the final watermark, want 0", sp.name, res.stateAtEnd)
		}
		if c.windowEnd > 0 {
			for i, row := range res.out {
				if end, ok := row[c.windowEnd].(int64); !ok || end > res.emitWM[i] {
					t.Fatalf("%s: row %v emitted at watermark %d, before its window ended", sp.name, row, res.emitWM[i])
				}
			}
		}
	}
	if c.checkEach && c.sql != "" {
		for s, st := range steps {
			if !st.isWM {
				continue
			}
			m := first.wmMarks[first.stepMark[s]]
			got := sortRows(applyUpserts(t, c.node, first.out[:m]))
			want := sortRows(duckExpected(t, c, steps, s, c.sql))
			if !rowsEqual(got, want) {
				t.Fatalf("after watermark %d (step %d): state differs\ngot:\n%swant:\n%s", st.wm, s, fmtRows(got), fmtRows(want))
			}
		}
	}
	if stateful(t, c) {
		for _, sp := range splitters[:3] {
			want := bySplit[sp.name]
			if want == nil {
				want = runOnce(t, c, steps, sp, 0, -1)
			}
			checkRestores(t, c, steps, sp, want)
		}
	}
	// Close after part of the input (no final watermark) releases all.
	for _, cut := range []int{len(steps) / 2, len(steps) - 1} {
		if cut > 0 {
			runOnce(t, c, steps, splitters[3], 99, cut)
		}
	}
}

// ---- expression helpers

func col(i int, name string, dt arrow.DataType) *expr.ColumnRef {
	return &expr.ColumnRef{Index: i, Name: name, Type: dt}
}

func lit(v any, dt arrow.DataType) *expr.Literal { return &expr.Literal{Value: v, Type: dt} }

func call(fn string, dt arrow.DataType, args ...expr.Expr) *expr.Call {
	return &expr.Call{Func: fn, Args: args, Type: dt}
}

func field(name string, dt arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: dt, Nullable: true}
}

func schema(fields ...arrow.Field) *arrow.Schema { return arrow.NewSchema(fields, nil) }

var (
	tBig  = expr.TypeBigint
	tInt  = expr.TypeInt
	tDbl  = expr.TypeDouble
	tStr  = expr.TypeVarchar
	tBool = expr.TypeBoolean
	tTs   = expr.TypeTimestamp
	tDec  = expr.DecimalType(10, 2)
	tDecS = expr.DecimalType(38, 2)
)
