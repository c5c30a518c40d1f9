package kafka

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spate-sql/spate/exec"
)

// SourceOptions is what the engine adds to a source's spec.
type SourceOptions struct {
	// Brokers: the job's brokers (--brokers or the embedded broker), or
	// the source's own brokers option.
	Brokers []string
	// ExitAtEnd: stop at the end offsets seen at Open.
	ExitAtEnd bool
	// CreateMissingTopic: create the topic (broker default partitions)
	// when it does not exist, instead of failing. Meant for the embedded
	// broker, where a user may start the pipeline before producing.
	CreateMissingTopic bool
	// StartOffsets restores a checkpoint (see SourceConfig.StartOffsets).
	StartOffsets map[int32]int64
	// MaxPollRecords caps the records of one Read (default 8192); tests
	// use small values to get many batches, hence many checkpoints.
	MaxPollRecords int
}

var (
	sourceOptions = []string{"connector", "topic", "brokers", "format", "event_time", "watermark_delay",
		"group_id", "start_offset", "on_error"}
	sinkOptions = []string{"connector", "topic", "brokers", "format", "key", "delivery"}
)

// checkOptions repeats the catalog's checks that matter here, so a spec
// built by hand (tests, tools) gets the same clear errors.
func checkOptions(kind, name string, opts map[string]string, known []string) error {
	for k := range opts {
		if !slices.Contains(known, k) {
			return fmt.Errorf("kafka %s %s: unknown option %q (known: %s)", kind, name, k, strings.Join(known, ", "))
		}
	}
	if f := opts["format"]; f != "" && f != "json" {
		if f == "csv" {
			return fmt.Errorf("kafka %s %s: format 'csv' is not supported by the kafka connector yet; use 'json'", kind, name)
		}
		return fmt.Errorf("kafka %s %s: unknown format %q (supported: json)", kind, name, f)
	}
	return nil
}

// NewSource makes the reader for CREATE SOURCE ... WITH (connector =
// 'kafka').
func NewSource(spec *exec.SourceSpec, opts SourceOptions) (*Source, error) {
	if err := checkOptions("source", spec.Name, spec.Options, sourceOptions); err != nil {
		return nil, err
	}
	onErr := spec.OnError
	if onErr == "" {
		onErr = spec.Options["on_error"]
	}
	brokers := opts.Brokers
	if b := spec.Options["brokers"]; b != "" {
		brokers = SplitBrokers(b)
	}
	return NewSourceFromConfig(SourceConfig{
		Name:               spec.Name,
		Brokers:            brokers,
		Topic:              spec.Options["topic"],
		Schema:             spec.Schema,
		EventTime:          spec.EventTime,
		OnError:            onErr,
		StartOffset:        spec.Options["start_offset"],
		GroupID:            spec.Options["group_id"],
		ExitAtEnd:          opts.ExitAtEnd,
		CreateMissingTopic: opts.CreateMissingTopic,
		StartOffsets:       opts.StartOffsets,
		MaxPollRecords:     opts.MaxPollRecords,
	})
}

// NewSink makes the operator for CREATE SINK ... WITH (connector =
// 'kafka'). brokers are the job's; the sink's brokers option overrides
// them. The key option names one column, or several separated by commas.
// eo makes it exactly-once unless its delivery option is
// 'at_least_once'; nil (a job without checkpoints) is at-least-once.
func NewSink(spec *exec.SinkSpec, brokers []string, eo *ExactlyOnceConfig) (*Sink, error) {
	if err := checkOptions("sink", spec.Name, spec.Options, sinkOptions); err != nil {
		return nil, err
	}
	switch d := spec.Options["delivery"]; d {
	case "", ExactlyOnce:
	case AtLeastOnce:
		eo = nil
	default:
		return nil, fmt.Errorf("kafka sink %s: unknown delivery %q (supported: %s, %s)", spec.Name, d, ExactlyOnce, AtLeastOnce)
	}
	if b := spec.Options["brokers"]; b != "" {
		brokers = SplitBrokers(b)
	}
	var keys []int
	if k := spec.Options["key"]; k != "" {
		for _, name := range strings.Split(k, ",") {
			name = strings.TrimSpace(name)
			idx := -1
			for i, f := range spec.Schema.Fields() {
				if strings.EqualFold(f.Name, name) {
					idx = i
					break
				}
			}
			if idx < 0 {
				return nil, fmt.Errorf("kafka sink %s: key column %q is not in the sink's input", spec.Name, name)
			}
			keys = append(keys, idx)
		}
	}
	return NewSinkFromConfig(SinkConfig{
		Name:        spec.Name,
		Brokers:     brokers,
		Topic:       spec.Options["topic"],
		Schema:      spec.Schema,
		KeyColumns:  keys,
		Upsert:      spec.Upsert,
		UpsertKeys:  spec.Keys,
		ExactlyOnce: eo,
	})
}
