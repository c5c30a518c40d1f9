package exec

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/exec/expr"
)

// Graph is the physical DAG the planner produces and the runtime runs.
// Nodes are in topological order: a node's inputs come before it.
type Graph struct {
	Nodes []*Node
}

// NodeKind says which Spec a Node carries.
type NodeKind int

const (
	KindSource           NodeKind = iota // *SourceSpec
	KindFilter                           // *FilterSpec
	KindProject                          // *ProjectSpec
	KindWindowAssign                     // *WindowAssignSpec
	KindHashAggregate                    // *AggregateSpec (Window nil or tumble/hop)
	KindSessionAggregate                 // *AggregateSpec (Window.Kind == SessionWindow)
	KindUnion                            // *UnionSpec
	KindSink                             // *SinkSpec (CREATE SINK and MV tables)
)

func (k NodeKind) String() string {
	return [...]string{"Source", "Filter", "Project", "WindowAssign", "HashAggregate",
		"SessionAggregate", "Union", "Sink"}[k]
}

// Node is one operator of the DAG.
type Node struct {
	ID     int
	Kind   NodeKind
	Name   string // e.g. the view or source it belongs to
	Inputs []int  // node IDs; the position is the input port
	Schema *arrow.Schema
	// Upsert marks an updating (changelog) output: batches are keyed by
	// Keys (column indexes) and end with the expr.DeletedColumn.
	Upsert bool
	Keys   []int
	// EventTime is the output column holding event time, -1 when none
	// survives (watermarks still flow).
	EventTime int
	Spec      any
}

// SourceSpec describes a CREATE SOURCE.
type SourceSpec struct {
	Name           string
	Connector      string
	Options        map[string]string // validated by catalog; keys lower-case
	Schema         *arrow.Schema
	EventTime      int    // column index, -1: ingestion time (the runner stamps it)
	WatermarkDelay int64  // ms
	IdleTimeoutMs  int64  // default 5000
	OnError        string // "skip", "dead_letter", "fail"
}

// FilterSpec keeps rows where Predicate is true (not NULL, not false).
type FilterSpec struct {
	Predicate expr.Expr
}

// ProjectSpec computes one output column per expression.
type ProjectSpec struct {
	Exprs []expr.Expr
	Names []string
}

// WindowKind is tumble, hop or session.
type WindowKind int

const (
	TumbleWindow WindowKind = iota
	HopWindow
	SessionWindow
)

func (k WindowKind) String() string { return [...]string{"tumble", "hop", "session"}[k] }

// WindowSpec is a window in GROUP BY. Times are ms. Tumble and hop windows
// align to the epoch: a window starts at a multiple of Slide (Size for
// tumble).
type WindowSpec struct {
	Kind  WindowKind
	Time  expr.Expr // TIMESTAMP expression over the aggregate's input
	Size  int64     // tumble and hop
	Slide int64     // hop
	Gap   int64     // session
}

// WindowAssignSpec appends window_start and window_end (TIMESTAMP) columns
// to every row; a hop window repeats each row once per window it falls in.
// Rows whose window already ended at the current watermark are late: they
// are dropped, counted (LateEvents) and sent to the dead letters.
type WindowAssignSpec struct {
	Window WindowSpec
}

// AggKind is an aggregate function.
type AggKind int

const (
	AggCountStar AggKind = iota
	AggCount
	AggCountDistinct
	AggSum
	AggAvg
	AggMin
	AggMax
)

func (k AggKind) String() string {
	return [...]string{"count_star", "count", "count_distinct", "sum", "avg", "min", "max"}[k]
}

// AggFunc is one aggregate. Result types follow DuckDB: count -> BIGINT,
// sum(int) -> BIGINT (HUGEINT in DuckDB; spate keeps BIGINT and reports
// overflow as an error), sum(double) -> DOUBLE, sum(decimal(p,s)) ->
// DECIMAL(38,s), avg -> DOUBLE, min/max -> the argument's type.
type AggFunc struct {
	Kind AggKind
	Arg  expr.Expr // nil for count(*)
	Type arrow.DataType
	Name string
}

// AggregateSpec is GROUP BY Keys with Aggs. Output columns are the keys in
// order, then (windowed) window_start and window_end, then the aggregates.
//
// Window == nil: an updating aggregate. After each watermark (and at the
// end) it emits the groups that changed since the last emission, as an
// upsert stream keyed by the group keys. Having, when set, is evaluated on
// the output row: groups that stop satisfying it are emitted deleted.
//
// Window tumble/hop: the input carries window_start/window_end at
// WindowStart/WindowStart+1 (from WindowAssign); groups are (keys, window);
// a group is emitted once, append-only, when the watermark reaches its
// window_end, and then forgotten. Having filters those rows.
//
// Window session: rows of one key are merged into sessions by Window.Gap
// on Window.Time; a session is emitted when the watermark passes its last
// event time + Gap.
type AggregateSpec struct {
	Keys        []expr.Expr
	KeyNames    []string
	Aggs        []AggFunc
	Window      *WindowSpec
	WindowStart int       // input column of window_start (tumble/hop), else -1
	Having      expr.Expr // over the output schema; nil when none
}

// UnionSpec merges its inputs (UNION ALL). All inputs have Node.Schema.
type UnionSpec struct{}

// SinkSpec is a CREATE SINK or the DuckDB table of a materialized view
// (Connector "duckdb", Options["table"] = view name).
type SinkSpec struct {
	Name      string
	Connector string
	Options   map[string]string
	Schema    *arrow.Schema // the input schema (with expr.DeletedColumn when Upsert)
	Upsert    bool
	Keys      []int
}
