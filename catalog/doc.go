// Package catalog owns what a pipeline file declares: its sources, views and
// sinks in file order, their names (one case-insensitive namespace), their
// validated WITH options and the Arrow schemas of sources.
//
// It also owns the vocabulary those declarations are written in: SQL type
// names (types.go, mapped onto exec/expr's Arrow types), durations
// (duration.go) and the static table of connectors and their options
// (connectors.go). Validation happens once, here, so that connectors and the
// runtime receive options they can trust: unknown connectors and options,
// missing required options and malformed values are positioned errors
// (parser.Error, "file:line:col: message").
//
// The catalog knows no connector implementation. Generators (nexmark,
// video_sessions) define their own columns; the engine passes a SchemaFunc to
// New that asks the connector for them. View schemas are derived by the
// planner, which calls (*Catalog).SetViewSchema after planning each view and
// (*Catalog).CheckSinkColumns once a sink's input schema is known.
//
// Decisions a user can observe:
//   - A source over a generator must not declare columns: the generator's
//     schema is the only one it can produce, so a column list is refused
//     rather than compared.
//   - event_time must name a TIMESTAMP column (epoch-ms BIGINT columns are
//     refused; CAST them in a view and window on the view instead). Sources
//     without event_time use ingestion time. Generators have a fixed event
//     time column (nexmark: date_time; video_sessions: ts).
//   - watermark_delay defaults to '0s'; on_error to 'dead_letter';
//     start_offset to 'earliest'; format to 'json' ('csv' is refused as not
//     yet supported). Defaults are written into the options map handed to
//     connectors, so a connector never needs to repeat them.
//   - timeline_ttl (materialized views) defaults to '5m'.
//   - A sink may read a view (materialized or not) or a source declared
//     before it.
package catalog
