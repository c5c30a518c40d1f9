// Package planner compiles a parsed pipeline into the physical DAG the
// runtime runs (exec.Graph), and explains it.
//
// API: Build(script, catalog.New(schemaOf)) loads the script into the
// catalog, plans every view in file order and returns a *Pipeline: the
// Graph, the materialized views (name, Arrow schema, append-only or
// updating with key columns), the sinks, and Explain("text"|"dot").
//
// Stages, go-mysql-server style:
//
//  1. build (build*.go, bind.go, aggregate.go): name resolution and typing
//     turn a view's query into a logical plan of immutable nodes (Scan,
//     ViewScan, Filter, Project, Aggregate, TimelineAggregate, Union;
//     logical.go). Every error is a *parser.Error at the offending token.
//  2. optimize (rules.go, rule_*.go): small named rules, one per file, run
//     in named phases: "inline" (plain views become their plan, shared by
//     every reader) and "simplify" to a fixpoint (constant folding, merging
//     filters and projects, pushing filters down, pruning columns).
//  3. lower (physical.go): logical nodes become exec.Nodes. A shared
//     logical subtree is one operator whose output fans out; a source is
//     one Source node however many views read it; a materialized view read
//     by another view is an edge from the operator that feeds its table. A
//     plain view read once is inlined (rules optimize across it); one read
//     by several queries stays a single subgraph with fan-out.
//     Every materialized view ends in a Sink{Connector: "duckdb",
//     Options{"table": name}}, every CREATE SINK in a Sink of its
//     connector.
//
// Semantics decided here (SPEC §3-§4 leave them open):
//
//   - Output column names: the alias; else the column's name for a bare
//     column; else the expression as DuckDB names it (count_star(),
//     sum(price), (price * 2)); see names.go.
//   - Types follow DuckDB (types.go, literals.go): integer literals are
//     INTEGER or BIGINT, 1.5 is DECIMAL(2,1), / yields DOUBLE, DIV and %
//     stay integral, string literals adapt to the other operand
//     (ts > '2015-07-15 00:00:00'), VARCHAR columns never convert
//     implicitly. sum(INTEGER|BIGINT) is BIGINT, sum(DECIMAL(p,s)) is
//     DECIMAL(38,s), avg is DOUBLE.
//   - GROUP BY tumble(ts, size) | hop(ts, slide, size) | session(ts, gap)
//     (durations '1m' or INTERVAL 1 MINUTE) must window on the input's
//     event time column. The plan is Project <- HashAggregate <-
//     WindowAssign <- Project(keys, time, args) for tumble/hop, and
//     Project <- SessionAggregate <- Project for session. Bounds in the
//     select list (tumble_start(ts, '1m'), window_end(), ...) must match
//     the GROUP BY window.
//   - Event time of a windowed aggregate's rows is window_start (a time
//     inside the window, so a cascaded window of a multiple size contains
//     it); it is the view's event time column when the view keeps it.
//   - Timeline functions (SPEC §5, timeline.go): a windowed GROUP BY with
//     at least one timeline aggregate plans to Project <-
//     TimelineAggregate <- Project(keys, time, state arguments, plain
//     aggregate arguments, tl_duration_between predicates), with no
//     WindowAssign (the operator windows the timelines itself). State
//     functions (tl_latest, tl_ever, tl_within, tl_prior) are allowed only
//     inside timeline aggregates, whose argument is bound over the state
//     schema (state i = column i; equal states of one SELECT are one
//     state); a bare column there is an error that suggests tl_latest.
//     Ordinary aggregates of the same SELECT become the node's Plain
//     aggregates. timeline_ttl is a materialized view option; a timeline
//     query in a plain view gets the default 5m.
//   - An aggregate without a window is updating: its rows are keyed by the
//     group keys (which the select list must show) and carry
//     expr.DeletedColumn. A WHERE over an updating view becomes a Project
//     that marks non-matching rows deleted; UNIONing an updating view is
//     refused for now. Aggregating an updating view (Nexmark q4) is an
//     updating aggregate whose pre-projection keeps the input's key
//     columns and deleted flag (exec.AggregateSpec.InputKeys): each new
//     version of an input row retracts the previous one. Only count, sum
//     and avg retract; min, max, count(DISTINCT) and windows over an
//     updating view are refused with a positioned error.
//   - SELECT DISTINCT is an aggregate without aggregates (so updating);
//     UNION is UNION ALL plus DISTINCT.
//   - Refused with a positioned error: joins, ORDER BY/LIMIT (streaming
//     views are unordered), OVER, subqueries in expressions,
//     approx_percentile. approx_count_distinct is a HyperLogLog sketch
//     (exec/agghll.go), exact on small sets.
package planner
