package planner

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// TestRulesPreserveResults is the oracle for the rewrite rules: random
// chains of views (WHERE and computed select lists, UNION ALL) are planned
// with every rule and with none, both graphs are run over the same random
// batch (with NULLs) by a small reference interpreter that evaluates
// expressions with exec/expr, and the materialized views must hold the
// same rows.
func TestRulesPreserveResults(t *testing.T) {
	var all []string
	for _, r := range RuleNames() {
		all = append(all, r[strings.Index(r, "/")+1:])
	}
	rng := rand.New(rand.NewSource(1))
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	batch := randomBatch(rng, alloc, 200)
	defer batch.Release()

	rewritten := 0
	const runs = 150
	defer func() {
		// The oracle is only worth something if the rules fire.
		if rewritten < runs*8/10 {
			t.Errorf("the rules changed only %d of %d plans", rewritten, runs)
		}
	}()
	for i := 0; i < runs; i++ {
		src := randomPipeline(rng)
		script, err := parser.Parse("rand.sql", []byte(src))
		if err != nil {
			t.Fatalf("generated SQL does not parse: %v\n%s", err, src)
		}
		opt, err := Build(script, catalog.New(nil))
		if err != nil {
			t.Fatalf("plan: %v\n%s", err, src)
		}
		script, _ = parser.Parse("rand.sql", []byte(src))
		raw, err := BuildWith(script, catalog.New(nil), Options{SkipRules: all})
		if err != nil {
			t.Fatalf("plan without rules: %v\n%s", err, src)
		}
		for _, p := range []*Pipeline{opt, raw} {
			if err := validateGraph(p, true); err != nil {
				t.Fatalf("%v\n%s", err, src)
			}
		}
		if a, b := explainOf(opt), explainOf(raw); a != b {
			rewritten++
		}
		want, err := runGraph(raw, batch, alloc)
		if err != nil {
			t.Fatalf("run unoptimized: %v\n%s", err, src)
		}
		got, err := runGraph(opt, batch, alloc)
		if err != nil {
			t.Fatalf("run optimized: %v\n%s", err, src)
		}
		for view := range want {
			if strings.Join(got[view], "\n") != strings.Join(want[view], "\n") {
				text, _ := opt.Explain("text")
				t.Fatalf("view %s differs after the rules (%d rows vs %d)\n%s\n%s", view, len(got[view]), len(want[view]), src, text)
			}
		}
	}
}

var randCols = []struct{ name, typ string }{{"a", "BIGINT"}, {"b", "INT"}, {"c", "DOUBLE"}, {"d", "BOOLEAN"}, {"ts", "TIMESTAMP"}, {"e", "VARCHAR"}}

func randomBatch(rng *rand.Rand, alloc memory.Allocator, n int) arrow.RecordBatch {
	fields := make([]arrow.Field, len(randCols))
	for i, c := range randCols {
		dt, _ := catalog.ArrowType(parser.TypeName{Name: c.typ})
		fields[i] = arrow.Field{Name: c.name, Type: dt, Nullable: true}
	}
	b := array.NewRecordBuilder(alloc, arrow.NewSchema(fields, nil))
	defer b.Release()
	for r := 0; r < n; r++ {
		for i := range randCols {
			fb := b.Field(i)
			if rng.Intn(8) == 0 {
				fb.AppendNull()
				continue
			}
			switch x := fb.(type) {
			case *array.Int64Builder:
				x.Append(int64(rng.Intn(41) - 20))
			case *array.Int32Builder:
				x.Append(int32(rng.Intn(41) - 20))
			case *array.Float64Builder:
				x.Append(float64(rng.Intn(400)-200) / 8)
			case *array.BooleanBuilder:
				x.Append(rng.Intn(2) == 0)
			case *array.TimestampBuilder:
				x.Append(arrow.Timestamp(1_700_000_000_000 + int64(r)*1000))
			case *array.StringBuilder:
				x.Append([]string{"a", "ab", "B", "b%", ""}[rng.Intn(5)])
			}
		}
	}
	return b.NewRecordBatch()
}

// randomPipeline writes a source, two or three plain views and a
// materialized view, each over the previous one.
func randomPipeline(rng *rand.Rand) string {
	var sb strings.Builder
	sb.WriteString("CREATE SOURCE s (a BIGINT, b INT, c DOUBLE, d BOOLEAN, ts TIMESTAMP, e VARCHAR) WITH (connector = 'kafka', topic = 't', event_time = 'ts');\n")
	cols := map[string]string{"a": "num", "b": "num", "c": "num", "d": "bool", "ts": "ts", "e": "str"}
	prev := "s"
	views := 2 + rng.Intn(2)
	for v := 0; v <= views; v++ {
		name := fmt.Sprintf("v%d", v)
		kind := "VIEW"
		if v == views {
			kind = "MATERIALIZED VIEW"
		}
		var items []string
		next := map[string]string{}
		names := sortedKeys(cols)
		// Keep some columns, compute some.
		for _, c := range names {
			if rng.Intn(3) > 0 {
				items = append(items, c)
				next[c] = cols[c]
			}
		}
		for k := 0; k < 1+rng.Intn(3); k++ {
			col := fmt.Sprintf("x%d_%d", v, k)
			if nums := colsOf(cols, "num"); len(nums) > 0 && rng.Intn(2) == 0 {
				// Anchored on a column: a bare INTEGER literal column would
				// need runtime casts once compared with BIGINTs.
				items = append(items, "("+nums[rng.Intn(len(nums))]+" + "+randNum(rng, cols, 1)+") AS "+col)
				next[col] = "num"
			} else {
				items = append(items, randBool(rng, cols, 2)+" AS "+col)
				next[col] = "bool"
			}
		}
		query := "SELECT " + strings.Join(items, ", ") + " FROM " + prev
		if rng.Intn(3) > 0 {
			query += " WHERE " + randBool(rng, cols, 2)
		}
		if rng.Intn(5) == 0 {
			query += " UNION ALL SELECT " + strings.Join(items, ", ") + " FROM " + prev + " WHERE " + randBool(rng, cols, 1)
		}
		fmt.Fprintf(&sb, "CREATE %s %s AS %s;\n", kind, name, query)
		prev, cols = name, next
	}
	return sb.String()
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func colsOf(cols map[string]string, kind string) []string {
	var out []string
	for _, k := range sortedKeys(cols) {
		if cols[k] == kind {
			out = append(out, k)
		}
	}
	return out
}

func randNum(rng *rand.Rand, cols map[string]string, depth int) string {
	nums := colsOf(cols, "num")
	if depth == 0 || rng.Intn(3) == 0 {
		if len(nums) == 0 || rng.Intn(4) == 0 {
			return fmt.Sprint(rng.Intn(7) - 3)
		}
		return nums[rng.Intn(len(nums))]
	}
	switch rng.Intn(5) {
	case 0:
		return "CASE WHEN " + randBool(rng, cols, depth-1) + " THEN " + randNum(rng, cols, depth-1) + " ELSE " + randNum(rng, cols, depth-1) + " END"
	case 1:
		return "coalesce(" + randNum(rng, cols, depth-1) + ", " + randNum(rng, cols, 0) + ")"
	case 2:
		if strs := colsOf(cols, "str"); len(strs) > 0 {
			return "length(" + strs[rng.Intn(len(strs))] + ")"
		}
	}
	ops := []string{"+", "-", "*"}
	return "(" + randNum(rng, cols, depth-1) + " " + ops[rng.Intn(len(ops))] + " " + randNum(rng, cols, depth-1) + ")"
}

func randStrPred(rng *rand.Rand, col string) string {
	switch rng.Intn(4) {
	case 0:
		return "(" + col + " LIKE 'a%')"
	case 1:
		return "(lower(" + col + ") IN ('a', 'b'))"
	case 2:
		return "(coalesce(" + col + ", 'z') = 'b')"
	}
	return "((" + col + " || 'x') <> 'ax')"
}

func randBool(rng *rand.Rand, cols map[string]string, depth int) string {
	bools := colsOf(cols, "bool")
	switch r := rng.Intn(6); {
	case depth == 0 || r == 0:
		if len(bools) > 0 && rng.Intn(2) == 0 {
			return bools[rng.Intn(len(bools))]
		}
		cmp := []string{"=", "<>", "<", "<=", ">", ">="}
		return "(" + randNum(rng, cols, 1) + " " + cmp[rng.Intn(len(cmp))] + " " + randNum(rng, cols, 1) + ")"
	case r == 1:
		return "(NOT " + randBool(rng, cols, depth-1) + ")"
	case r == 2:
		if strs := colsOf(cols, "str"); len(strs) > 0 && rng.Intn(2) == 0 {
			return randStrPred(rng, strs[rng.Intn(len(strs))])
		}
		if rng.Intn(2) == 0 {
			return "(" + randNum(rng, cols, 1) + " BETWEEN " + randNum(rng, cols, 0) + " AND " + randNum(rng, cols, 0) + ")"
		}
		return "(" + randNum(rng, cols, 1) + " IS NULL)"
	case r == 3:
		if ts := colsOf(cols, "ts"); len(ts) > 0 {
			return "(" + ts[0] + " >= '2023-11-14 22:14:00')"
		}
		fallthrough
	default:
		op := []string{"AND", "OR"}[rng.Intn(2)]
		return "(" + randBool(rng, cols, depth-1) + " " + op + " " + randBool(rng, cols, depth-1) + ")"
	}
}

// runGraph interprets Source/Filter/Project/Union nodes over one input
// batch and returns the rows reaching each duckdb sink, as text.
func runGraph(p *Pipeline, in arrow.RecordBatch, alloc memory.Allocator) (map[string][]string, error) {
	out := make([]arrow.RecordBatch, len(p.Graph.Nodes))
	defer func() {
		for _, b := range out {
			if b != nil {
				b.Release()
			}
		}
	}()
	res := map[string][]string{}
	for _, n := range p.Graph.Nodes {
		var b arrow.RecordBatch
		switch s := n.Spec.(type) {
		case *exec.SourceSpec:
			in.Retain()
			b = in
		case *exec.FilterSpec:
			src := out[n.Inputs[0]]
			mask, err := evalExpr(s.Predicate, src, alloc)
			if err != nil {
				return nil, err
			}
			b, err = compute.FilterRecordBatch(context.Background(), src, mask, compute.DefaultFilterOptions())
			mask.Release()
			if err != nil {
				return nil, err
			}
		case *exec.ProjectSpec:
			src := out[n.Inputs[0]]
			cols := make([]arrow.Array, len(s.Exprs))
			for i, e := range s.Exprs {
				a, err := evalExpr(e, src, alloc)
				if err != nil {
					return nil, err
				}
				cols[i] = a
			}
			b = array.NewRecordBatch(n.Schema, cols, src.NumRows())
			for _, c := range cols {
				c.Release()
			}
		case *exec.UnionSpec:
			var parts []arrow.RecordBatch
			for _, i := range n.Inputs {
				parts = append(parts, out[i])
			}
			tbl := array.NewTableFromRecords(n.Schema, parts)
			var rows []string
			for _, part := range parts {
				rows = append(rows, rowsOf(part)...)
			}
			tbl.Release()
			// Unions are compared as sorted rows: keep them as text.
			sort.Strings(rows)
			res["__union"] = rows
			b = concatBatches(n.Schema, parts, alloc)
		case *exec.SinkSpec:
			rows := rowsOf(out[n.Inputs[0]])
			sort.Strings(rows)
			res[s.Name] = rows
			continue
		default:
			return nil, fmt.Errorf("runGraph: %s not interpreted", n.Kind)
		}
		out[n.ID] = b
	}
	delete(res, "__union")
	return res, nil
}

func evalExpr(e expr.Expr, b arrow.RecordBatch, alloc memory.Allocator) (arrow.Array, error) {
	ev, err := expr.Compile(e, b.Schema(), alloc)
	if err != nil {
		return nil, err
	}
	return ev.Eval(b)
}

func concatBatches(schema *arrow.Schema, parts []arrow.RecordBatch, alloc memory.Allocator) arrow.RecordBatch {
	cols := make([]arrow.Array, schema.NumFields())
	rows := int64(0)
	for _, p := range parts {
		rows += p.NumRows()
	}
	for i := range cols {
		arrs := make([]arrow.Array, len(parts))
		for j, p := range parts {
			arrs[j] = p.Column(i)
		}
		c, err := array.Concatenate(arrs, alloc)
		if err != nil {
			panic(err)
		}
		cols[i] = c
	}
	b := array.NewRecordBatch(schema, cols, rows)
	for _, c := range cols {
		c.Release()
	}
	return b
}

func rowsOf(b arrow.RecordBatch) []string {
	rows := make([]string, b.NumRows())
	for r := range rows {
		parts := make([]string, b.NumCols())
		for c := range parts {
			col := b.Column(c)
			if col.IsNull(r) {
				parts[c] = "NULL"
			} else {
				parts[c] = col.ValueStr(r)
			}
		}
		rows[r] = strings.Join(parts, "|")
	}
	return rows
}

func explainOf(p *Pipeline) string {
	s, _ := p.Explain("text")
	return s
}
