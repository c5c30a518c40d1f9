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
	KindSource            NodeKind = iota // *SourceSpec
	KindFilter                            // *FilterSpec
	KindProject                           // *ProjectSpec
	KindWindowAssign                      // *WindowAssignSpec
	KindHashAggregate                     // *AggregateSpec (Window nil or tumble/hop)
	KindSessionAggregate                  // *AggregateSpec (Window.Kind == SessionWindow)
	KindUnion                             // *UnionSpec
	KindSink                              // *SinkSpec (CREATE SINK and MV tables)
	KindTimelineAggregate                 // *TimelineSpec (SPEC §5)
	KindJoin                              // *JoinSpec (inputs: left, right)
	KindTopN                              // *TopNSpec (ROW_NUMBER() ... WHERE rn <= N)
)

func (k NodeKind) String() string {
	return [...]string{"Source", "Filter", "Project", "WindowAssign", "HashAggregate",
		"SessionAggregate", "Union", "Sink", "TimelineAggregate", "Join", "TopN"}[k]
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
	AggApproxCountDistinct // HyperLogLog (p = 14), BIGINT
)

func (k AggKind) String() string {
	return [...]string{"count_star", "count", "count_distinct", "sum", "avg", "min", "max", "approx_count_distinct"}[k]
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
	// InputKeys, for an updating aggregate over an updating input, are
	// the input's key columns (its last column is expr.DeletedColumn):
	// each input row replaces the contribution of the previous row with
	// the same key, and a deleted row retracts it. Empty for an
	// append-only input.
	InputKeys []int
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

// StateKind is a timeline state function (SPEC §5).
type StateKind int

const (
	StateLatest StateKind = iota // tl_latest(col): latest non-NULL value of col
	StateEver                    // tl_ever(pred): true from the first event where pred holds
	StateWithin                  // tl_within(pred, dur): true on [t, t+dur) after each event where pred holds
	StatePrior                   // tl_prior(col, n): value of col n events back
)

func (k StateKind) String() string {
	return [...]string{"tl_latest", "tl_ever", "tl_within", "tl_prior"}[k]
}

// TimelineState is one state of a key's timeline. Arg is evaluated on each
// input row (event): the value for latest/prior, the predicate (BOOLEAN;
// NULL counts as false) for ever/within. States in common between the
// aggregates of one query appear once (the planner dedupes them).
type TimelineState struct {
	Kind StateKind
	Arg  expr.Expr      // over the input schema
	Dur  int64          // StateWithin: ms
	N    int            // StatePrior: events back, >= 1
	Type arrow.DataType // Arg's type for latest/prior; BOOLEAN for ever/within
}

// TimelineAggKind is a timeline aggregate.
type TimelineAggKind int

const (
	TLDurationWhere   TimelineAggKind = iota // ms in the window where Arg is true
	TLCountEntries                           // false->true transitions of Arg inside the window
	TLValueAtEnd                             // Arg at the window's last instant (or the timeline's, if it ends inside)
	TLDurationInState                        // ms since Arg's current value began, at that same instant
	TLDurationBetween                        // ms from the first Start event to the next End event; in the End event's window, else NULL
)

func (k TimelineAggKind) String() string {
	return [...]string{"tl_duration_where", "tl_count_entries", "tl_value_at_end",
		"tl_duration_in_state", "tl_duration_between"}[k]
}

// TimelineAgg is one timeline aggregate. Arg is an expression over the
// *state schema*: column i is States[i] (a ColumnRef with Index i and
// States[i].Type), so a combination such as
// tl_latest(player) = 'buffer' AND NOT tl_within(action = 'seek', '5s')
// is an ordinary vectorized expression evaluated on batches of timeline
// segments. Start and End (TLDurationBetween only) are BOOLEAN predicates
// over the input row, evaluated per event.
type TimelineAgg struct {
	Kind       TimelineAggKind
	Arg        expr.Expr
	Start, End expr.Expr
	Type       arrow.DataType // BIGINT, except TLValueAtEnd: Arg's type
	Name       string
}

// TimelineSpec is GROUP BY Keys, Window over per-key timelines (SPEC §5).
//
// Model: the rows of one key, ordered by (event time, arrival), are
// events. A state holds from the event that set it until the next event
// that changes it; an event whose value is NULL changes nothing (sparse
// patches); before the first value a state is NULL. The state at instant t
// is the state after every event with time <= t (events at the same time
// leave no zero-length span). A timeline ends TTL after its last event;
// an event TTL or more after the previous one starts a new timeline with
// every state reset. State carries across windows; durations are clipped
// to the window and to the timeline.
//
// Output: one row per (key, window) that a timeline of the key overlaps,
// emitted append-only once the watermark passes the window's end: keys in
// order, window_start, window_end, then Plain aggregates (over the events
// inside the window; count(*) is 0 for a window with no events), then
// Aggs. Events behind the watermark whose key has moved past them are late:
// dropped, counted and dead-lettered like WindowAssign's.
type TimelineSpec struct {
	Keys     []expr.Expr
	KeyNames []string
	Time     expr.Expr  // event time (TIMESTAMP) over the input
	Window   WindowSpec // tumble, hop or session
	TTL      int64      // ms (view option timeline_ttl, default 5m)
	States   []TimelineState
	Plain    []AggFunc
	Aggs     []TimelineAgg
	Having   expr.Expr // over the output schema; nil when none
}

// JoinSpec is an inner equi-join of input 0 (left) and input 1 (right),
// symmetric and append-only: each arriving row is matched against the
// rows of the other input stored so far, then stored itself. Output
// columns are the left input's, then the right input's.
//
// A pair matches when LeftKeys[i] = RightKeys[i] for every i (NULL never
// equals) and Residual (over the output row; nil: none) is true.
//
// State is bounded by the sides' Expire bounds (see JoinSide); the
// output watermark is the minimum input watermark held back by
// OutputDelay ms, so that no output row is behind it (-1: held at
// MinWatermark until the end of input, for joins without time bounds).
type JoinSpec struct {
	LeftKeys, RightKeys []expr.Expr // over each input; pairwise the same type
	Residual            expr.Expr
	Left, Right         JoinSide
	OutputDelay         int64
}

// JoinSide is what the join knows of the time of one input.
//
// Time is a TIMESTAMP column of the input whose future values are never
// below the input's watermark minus Lag (the event time of a source, Lag
// 0; the window_start of a windowed aggregate, Lag = its size); -1 when
// none. When Late is set, the other side's state is pruned by this
// side's watermark, so a row of this side with Time < watermark - Lag
// could miss matches already dropped: it is late, dropped, counted and
// dead-lettered.
//
// A stored row of this side is dropped once the other input's watermark
// passes min over Expire of (Expr(row) + Offset): the join condition
// implies the other side's Time is at most that, so no future row of the
// other side can match it. No Expire: rows are kept to the end of input.
type JoinSide struct {
	Time   int
	Lag    int64
	Late   bool
	Expire []JoinBound
}

// JoinBound is an expiry bound: a TIMESTAMP expression over the side's
// input plus Offset ms.
type JoinBound struct {
	Expr   expr.Expr
	Offset int64
}

// SortKey is one ORDER BY column of a TopNSpec. NULLs sort last unless
// NullsFirst, in both directions (DuckDB's default).
type SortKey struct {
	Col        int // input column
	Desc       bool
	NullsFirst bool
}

// TopNSpec is ROW_NUMBER() OVER (PARTITION BY Partition ORDER BY Order)
// kept where the row number is <= N: the first N rows of each partition.
// The input is append-only. Output columns are the input's, then the row
// number (BIGINT, 1..N), then expr.DeletedColumn: an upsert stream (the
// planner sets Node.Keys to the partition columns and the row number, or
// the partition columns alone when N is 1). Rows equal on every ORDER BY
// column rank in arrival order. At each watermark the operator emits the
// (partition, row number) pairs whose row changed since the last one.
type TopNSpec struct {
	Partition []int // input columns
	Order     []SortKey
	N         int
}
