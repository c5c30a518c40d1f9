// Package parser turns a spate pipeline file into spate's own AST (ast.go).
//
// It owns the SQL surface of spate: splitting a file into statements on ';'
// (outside strings and comments), the streaming DDL heads that are not
// MySQL (CREATE SOURCE, CREATE [MATERIALIZED] VIEW ... WITH, CREATE SINK),
// parsed strictly by its own tokenizer, and the queries, which are handed to
// vitess's MySQL parser and translated node by node into ast.go types. It is
// the only package that imports vitess; nothing downstream sees a vitess
// type.
//
// vitess nodes carry no positions, so the translator walks the query's
// tokens alongside the tree and gives every node the file:line:col of its
// first token (columns count characters). Where spate's dialect is not
// MySQL's, the text given to vitess is rewritten with a position map: "||"
// is string concatenation, FULL [OUTER] JOIN, NULLS FIRST/LAST, CAST
// targets use spate's type names (BIGINT, VARCHAR, TIMESTAMP, ...), and an
// INTERVAL literal may stand anywhere (tumble(ts, INTERVAL '1' MINUTE)),
// in DuckDB's forms too (INTERVAL 10 SECONDS, INTERVAL '10 seconds').
// Anything vitess accepts but spate cannot represent is a positioned
// error, never silently dropped.
//
// Parse never panics; every error is a *Error reading
// "file:line:col: message (near 'token')".
package parser
