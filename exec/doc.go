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
package exec
