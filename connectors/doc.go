// Package connectors groups spate's adapters to the outside world. Each
// subpackage owns one system or format and plugs into the runtime through
// the factories of exec.Connectors (SourceFactory, SinkFactory), so exec
// never imports a connector:
//
//	kafka     Kafka sources and sinks (franz-go) and the embedded broker (kfake)
//	jsonfmt   JSON <-> Arrow record batches, for Kafka, stdout and `spate produce`
//	duckdb    materialized views and the dead-letter table
//	prometheus  the remote-write sink (Prometheus, VictoriaMetrics, Mimir)
//
// Connectors import exec (and exec/expr for the type mapping), never the
// planner, the parser or the catalog.
package connectors
