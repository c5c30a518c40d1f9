// Package engine wires the packages together into the commands of spate.
// It is the only place that knows every package; cmd/spate only maps
// flags to it.
//
//   - Compile/Explain: parser, catalog and planner over a pipeline file.
//   - Host (host.go): what the jobs of one process share — the DuckDB
//     store, the Kafka brokers (the embedded broker unless --brokers) —
//     and the jobs: StartJob compiles a pipeline, refuses views a running
//     job already maintains, binds connector names to implementations
//     (engine.go) and runs the exec.Job on its own goroutine.
//   - Run (`spate run`) is a Host with one job, a status line and the
//     HTTP endpoint.
//   - Server (`spate server`, server.go) is a Host whose jobs arrive over
//     HTTP and are kept under --data-dir (jobs/<id>.sql + <id>.json) and
//     resumed at restart.
//   - The HTTP API (http.go): POST /query (read-only, time-limited),
//     GET /metrics (metrics.go: a prometheus.Collector reading the jobs'
//     counters at scrape time), GET/POST /jobs, DELETE /jobs/{id},
//     GET /jobs/{id}/plan, and the bearer-token rule for non-loopback
//     addresses. client.go is the CLI side of it.
package engine
