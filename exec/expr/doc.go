// Package expr owns spate's scalar expressions: the typed IR the planner
// builds (expr.go), the SQL-to-Arrow type mapping (types.go) and the
// vectorized evaluator (Compile, compile.go).
//
// Compile turns an Expr into a tree of nodes whose kernels are chosen
// once, by function and argument types; Eval runs them a column at a time
// over raw Arrow buffers. Intermediate results are typed Go slices (vec)
// that alias the input batch or reuse each node's scratch, so a batch
// costs one Arrow allocation (the result) however deep the tree is, and
// nothing per row. A literal operand takes a column-scalar kernel; calls
// whose arguments are all literals are folded at compile time.
//
// Semantics follow DuckDB, the test oracle (oracle_test.go compares
// thousands of random expressions with DuckDB's evaluation):
//   - integer + - * and negation raise an overflow error; integer and
//     decimal division or modulo by zero is NULL; DOUBLE follows IEEE
//     (x/0 is ±inf, 0/0 and x%0 NaN); NaN equals NaN and sorts above all.
//   - AND/OR are three-valued. CASE, COALESCE, AND and OR evaluate each
//     operand over the whole batch, and on an error re-evaluate it over
//     only the rows that still need it, so an untaken branch never raises.
//   - CAST: DOUBLE -> integer rounds half to even, DECIMAL and VARCHAR ->
//     integer half away from zero; unparsable strings and out-of-range
//     values are errors naming the value. VARCHAR -> TIMESTAMP accepts
//     RFC 3339 and 'YYYY-MM-DD[ HH:MM[:SS[.fff]]]', ignores a zone suffix
//     as DuckDB's TIMESTAMP cast does, and drops digits below the
//     millisecond. TIMESTAMP <-> BIGINT is epoch milliseconds.
//   - Strings are UTF-8; length, substring, LIKE's _ and split_part count
//     characters; comparisons are bytewise. LIKE has no escape character
//     unless a third argument gives one (DuckDB's ESCAPE).
//   - substring_index, regexp_substr (first match or NULL) and date_format
//     (MySQL codes) follow MySQL, which DuckDB lacks. regexp_extract
//     (” without a match), strftime (DuckDB codes, compiled to the
//     date_format steps), year/month/day, abs, floor/ceil and round
//     follow DuckDB, types included (floor of an integer is DOUBLE, of a
//     DECIMAL(p,s) DECIMAL(p,0); round of an integer to negative digits
//     wraps on overflow, as DuckDB's does), so a Nexmark query and its
//     DuckDB twin are the same text.
//
// An Evaluator keeps scratch between calls and is not safe for concurrent
// use; compile one per goroutine.
package expr
