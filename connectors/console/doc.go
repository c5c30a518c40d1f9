// Package console owns the sinks that write nowhere durable: `stdout`
// (every row as one JSON line, for demos and debugging) and `blackhole`
// (counts rows and drops them, for benchmarks), plus the JSON row encoder
// they and `spate gen` share.
//
// JSON rows: one object per row, keys in column order; NULL is null;
// TIMESTAMP is an RFC 3339 UTC string with milliseconds; DECIMAL is an
// exact number; an upsert input keeps its __deleted column, so a deleted
// key shows as "__deleted":true. The encoder casts each column once per
// batch and switches on a small closed set of column kinds per value: no
// interface call and no allocation per row.
//
// The sinks keep no reference to a pushed batch (exec.Emitter ownership:
// Push borrows) and maintain RowsIn/BatchesIn of their OpMetrics.
package console
