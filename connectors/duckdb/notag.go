//go:build !duckdb_arrow

package duckdb

// The DuckDB connector writes and reads through duckdb-go's Arrow API,
// which exists only with the build tag duckdb_arrow. Build and test with
// `go build -tags duckdb_arrow` / `go test -tags duckdb_arrow`.
var _ = spate_must_be_built_with_tags_duckdb_arrow
