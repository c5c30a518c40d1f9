package planner

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/parser"
)

// Pipeline is a planned pipeline file: the physical DAG and what it
// outputs.
type Pipeline struct {
	Graph *exec.Graph
	// Views are the materialized views in file order: each is a DuckDB
	// table fed by the Sink node View.Node.
	Views []ViewInfo
	// Sinks are the CREATE SINKs in file order.
	Sinks []SinkInfo
	// Warnings are things a user likely did not mean (a source no view
	// reads); they do not stop the pipeline.
	Warnings []string
	Catalog  *catalog.Catalog
}

// ViewInfo describes a materialized view's table.
type ViewInfo struct {
	Name string
	// Schema is the table's columns (without expr.DeletedColumn).
	Schema *arrow.Schema
	// Upsert: rows are replaced by Keys (an aggregate without a window);
	// otherwise rows are only appended.
	Upsert bool
	Keys   []string
	// EventTime names the column holding event time, "" when none.
	EventTime string
	Node      int  // the duckdb Sink node
	Plan      Node // the optimized logical plan
}

// SinkInfo describes a CREATE SINK.
type SinkInfo struct {
	Name, From, Connector string
	Node                  int // the Sink node
}

// Options tune Build; the zero value is what `spate run` uses.
type Options struct {
	// SkipRules names rewrite rules not to run (see RuleNames), for tests
	// and for bisecting a planner bug.
	SkipRules []string
}

// Build plans a parsed pipeline. cat is a catalog made by catalog.New
// (with the engine's generator schemas), either fresh — Build then adds
// the script's statements to it in file order (catalog.Load) — or already
// loaded with this script by the caller. Build plans every view in file
// order, each seeing only what was declared before it, and adds a duckdb
// Sink node per materialized view and a Sink node per CREATE SINK. Errors
// are *parser.Error with the position of the offending token.
func Build(script *parser.Script, cat *catalog.Catalog) (*Pipeline, error) {
	return BuildWith(script, cat, Options{})
}

// BuildWith is Build with options.
func BuildWith(script *parser.Script, cat *catalog.Catalog, opts Options) (*Pipeline, error) {
	if script == nil || cat == nil {
		return nil, fmt.Errorf("planner: nil script or catalog")
	}
	loaded := len(script.Statements) > 0
	for _, st := range script.Statements {
		loaded = loaded && cat.Contains(st)
	}
	if !loaded {
		if err := cat.Load(script); err != nil {
			return nil, err
		}
	}
	skip := map[string]bool{}
	for _, r := range opts.SkipRules {
		skip[r] = true
	}
	p := &Pipeline{Catalog: cat}
	pb := newPhysBuilder()
	plans := map[string]Node{}
	refs := countViewRefs(cat)
	ranked := map[string]*catalog.View{}
	for _, o := range cat.Objects() {
		switch x := o.(type) {
		case *catalog.View:
			if isRankingView(x) {
				ranked[x.Name] = x
				continue
			}
			b := &builder{cat: cat, plans: plans, owner: x.Name, refs: refs, ranked: ranked}
			plan, err := b.buildQuery(x.Query)
			if err != nil {
				return nil, err
			}
			if plan, err = optimize(plan, skip); err != nil {
				return nil, fmt.Errorf("%s: view %s: %w", x.Pos, x.Name, err)
			}
			plans[x.Name] = plan
			schema := arrowSchema(visibleColumns(plan))
			keys := keyNames(plan)
			if err := cat.SetViewSchema(x.Name, schema, plan.Upsert(), keys); err != nil {
				return nil, err
			}
			if !x.Materialized {
				continue
			}
			out, err := pb.build(plan)
			if err != nil {
				return nil, fmt.Errorf("%s: view %s: %w", x.Pos, x.Name, err)
			}
			pb.mvOut[x.Name] = out
			sink := pb.sink(out, x.Name, "duckdb", map[string]string{"table": x.Name})
			info := ViewInfo{Name: x.Name, Schema: schema, Upsert: plan.Upsert(), Keys: keys, Node: sink, Plan: plan}
			if et := plan.EventTime(); et >= 0 {
				info.EventTime = plan.Columns()[et].Name
			}
			p.Views = append(p.Views, info)
		case *catalog.Sink:
			var in Node
			switch from := cat.Relation(x.From).(type) {
			case *catalog.View:
				in = plans[from.Name]
				if from.Materialized {
					in = NewViewScan(from, in, "", false)
				}
			case *catalog.Source:
				in = NewScan(from, "")
			}
			if in == nil && ranked[x.From] != nil {
				return nil, rankingViewSinkError(x)
			}
			if in == nil {
				return nil, parser.Errorf(x.FromPos, "", "unknown view '%s' in CREATE SINK %s", x.From, x.Name)
			}
			if err := cat.CheckSinkColumns(x, arrowSchema(visibleColumns(in))); err != nil {
				return nil, err
			}
			id, err := pb.build(in)
			if err != nil {
				return nil, fmt.Errorf("%s: sink %s: %w", x.Pos, x.Name, err)
			}
			opts := make(map[string]string, len(x.Options))
			for k, v := range x.Options {
				opts[k] = v
			}
			node := pb.sink(id, x.Name, x.Connector, opts)
			p.Sinks = append(p.Sinks, SinkInfo{Name: x.Name, From: x.From, Connector: x.Connector, Node: node})
		}
	}
	for _, s := range cat.Sources() {
		if _, used := pb.sources[s.Name]; !used {
			p.Warnings = append(p.Warnings, fmt.Sprintf("%s: source '%s' is not read by any materialized view or sink", s.Pos, s.Name))
		}
	}
	p.Graph = pb.g
	return p, nil
}

func keyNames(n Node) []string {
	if !n.Upsert() {
		return nil
	}
	cols := n.Columns()
	out := make([]string, len(n.Keys()))
	for i, k := range n.Keys() {
		out[i] = cols[k].Name
	}
	return out
}
