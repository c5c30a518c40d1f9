// Package prometheus owns the `prometheus` sink: it turns the rows of a
// view into samples and sends them with the Prometheus remote-write
// protocol (protobuf + snappy) to Prometheus, VictoriaMetrics, Mimir,
// Thanos or any other receiver.
//
// # Rows to samples
//
// Every row gives one sample per value column. The series is the metric
// name plus one label per label column (the column name; the value as
// text, NULL or ” meaning "no such label", as in Prometheus). With one
// value column the metric is named by the `metric` option; with several,
// each is `<metric>_<column>`. The sample time is the `time` column
// (TIMESTAMP, e.g. the window start) or, without it, the wall clock when
// the row reaches the sink (within a request the last change of a
// millisecond wins; a later request moves a series' sample to the next
// millisecond rather than repeat one). A NULL value or time skips that sample
// (counted). On an updating view (upsert input) a deleted key sends a
// Prometheus staleness marker, so the series ends at once instead of
// after the 5-minute lookback.
//
// The sink keeps a table of the series it has seen (label values are
// copied once per series; a row costs one lookup with a reused key
// buffer, no allocation). `max_series` caps that table: samples of new
// series beyond it are dropped, counted (Stats.SeriesDropped, the
// engine's spate_prometheus_series_dropped_total) and logged once, so a
// label with unbounded values (a user id, a timestamp) cannot blow up the
// receiver.
//
// # Sending
//
// Samples are batched (`batch_size` per request). Within a request the
// samples of each series are in time order, with one sample per
// timestamp (the last one wins), because receivers reject out-of-order
// and conflicting duplicate samples. A full batch is handed to one sender
// goroutine (so requests, and with them each series, stay in order;
// the handoff queue is short, so a slow receiver slows the pipeline down
// instead of filling memory). Commit (every commit interval, and at the
// end) sends the partial batch and waits until everything before it was
// delivered, so a commit means "delivered".
//
// The wire format comes from client_golang's exp/api/remote: its API
// client marshals, snappy-compresses and POSTs the request, and retries
// network errors, 5xx and 429 with exponential backoff and jitter
// (`max_retries` times per request, then the job fails with the
// receiver's error). A 4xx answer is not retried: as in Prometheus's own
// remote write, that request's samples are dropped, counted
// (Stats.SamplesRejected) and logged, and the sink goes on.
//
// `protocol = '1.0'` (the default) sends prometheus.WriteRequest, which
// every receiver accepts (Prometheus ≥ 2.25 with
// --web.enable-remote-write-receiver, VictoriaMetrics, Mimir). The exp
// module only ships the generated types of Remote-Write 2.0, so the 1.0
// messages are built with google.golang.org/protobuf's dynamicpb from
// the descriptor of prometheus/prompb/types.proto written out in wire.go
// (the protobuf library encodes them; spate writes no wire bytes).
// `protocol = '2.0'` sends io.prometheus.write.v2.Request with the exp
// genproto types (Prometheus ≥ 3.0 with the 2.0 message accepted).
//
// Ownership: Push borrows its batch and copies what it keeps (numbers and
// the label strings of new series). RowsOut counts the samples the
// receiver accepted.
package prometheus
