// Package engine wires the packages together into the commands of spate:
// it parses and plans a pipeline file (parser, catalog, planner), starts
// the embedded broker when no --brokers is given, opens the DuckDB store,
// binds connector names to connector implementations and runs the exec
// Job, serving POST /query and GET /metrics meanwhile. It is the only
// place that knows every package; cmd/spate only maps flags to it.
package engine
