// Package kafka is spate's Kafka connector, on franz-go.
//
// It owns:
//   - Source: the exec.SourceReader for CREATE SOURCE ... WITH (connector =
//     'kafka'). It assigns every partition of the topic directly (no group
//     rebalancing, so a checkpoint's per-partition offsets are the whole
//     story of where to resume), reads committed records only, decodes JSON
//     values with jsonfmt into one Arrow batch per fetched partition, and
//     sends undecodable records to the dead letters (or drops them, or
//     fails, per on_error). With exit-at-end it stops at the end offsets
//     listed when it opened.
//   - Sink: the exec.Operator + exec.Committer for CREATE SINK ... WITH
//     (connector = 'kafka'): rows as JSON records, upserts as keyed records
//     and tombstones.
//   - Broker: the embedded single-node broker (kfake) `spate run` starts
//     when no --brokers is given.
//   - Produce, CreateTopic, ProduceTo: what `spate produce` and tests need.
//
// Every entry point first dials the brokers itself, so an unreachable
// cluster is one clear error within seconds; franz-go alone would retry
// silently forever.
package kafka
