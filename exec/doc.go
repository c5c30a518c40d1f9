// Package exec owns spate's runtime: the operator contract (operator.go),
// the physical plan it runs (plan.go, built by the planner), the batch
// operators (filter, project, window assignment, hash and session
// aggregation, union), and the Job that drives them (runtime.go) with
// per-source watermarks (watermark.go, source.go).
//
// Batches are Arrow record batches. Push and Emit borrow them: a callee
// Retains what it keeps. One goroutine runs every operator of a Job, or,
// with JobOptions.Parallelism P > 1, P lanes each run their own instance of
// every operator, with hash exchanges before keyed operators
// (parallel.go); source readers decode in their own goroutines. exec knows no connector and no
// SQL: the planner hands it a Graph, the engine hands it connector
// factories (Connectors).
//
// # Limits against hostile input
//
// Work per event and per watermark step is bounded by the plan, never by
// how far event time jumps: a hop window puts a row in at most
// MaxWindowsPerRow windows (size/slide), and a timeline spans at most
// MaxTimelineWindowsPerSegment windows ((timeline_ttl + size)/slide),
// since a timeline ends timeline_ttl after its last event; aggregates
// emit only windows that hold data. Pipelines beyond the limits are
// refused when the job starts, with the limit in the message. Event
// times are bounded by the sources (JSON accepts years 0000 to 9999), so
// window arithmetic cannot overflow. Restored state is checked before it
// replaces anything (ErrCorruptState): a damaged time word cannot make a
// watermark loop. Dead letters of a source reader are held until the job
// takes the batch they belong to, so a checkpoint covers exactly the dead
// letters of the records before its offsets; operators' dead letters
// (late events) name the sources upstream and, in the reason, the view.
package exec
