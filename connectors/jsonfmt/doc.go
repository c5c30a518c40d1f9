// Package jsonfmt converts between JSON records and Arrow record batches.
//
// It owns the wire format of spate's JSON sources and sinks:
//
//   - Decoder turns one JSON object per Append into a row of an Arrow batch
//     of a fixed schema. It is a hand-written scanner: no encoding/json, no
//     reflection, no per-record maps or allocations. Values are written
//     straight into typed column buffers that the decoder reuses between
//     batches; a record that fails to decode leaves no trace, because a row
//     only becomes part of the batch once every field decoded.
//   - Encoder turns rows of a batch back into JSON objects (Kafka sink,
//     stdout sink): timestamps as RFC 3339 UTC with milliseconds, NULL as
//     null, decimals as exact JSON numbers.
//   - Valid and Field are the small helpers `spate produce` needs to check
//     JSONL lines and pull a record key out of them.
//
// The type rules (see Decoder) are strict on purpose: a value of the wrong
// JSON type is an error naming the field, never a silent NULL or a guess,
// so bad records end up in the dead-letter table where a user can see them.
package jsonfmt
