// Package expr owns spate's scalar expressions: the typed IR the planner
// builds (expr.go), the SQL-to-Arrow type mapping (types.go) and the
// vectorized evaluator (Compile). Compile turns an Expr into a tree of
// kernels chosen once by function and argument types; Eval runs them a
// column at a time over raw Arrow buffers with DuckDB's semantics (DuckDB
// is the test oracle), with a scalar path for literal operands and no
// per-row allocation.
package expr
