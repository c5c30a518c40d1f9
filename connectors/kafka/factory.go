package kafka

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spate-sql/spate/exec"
)

// Config is what the engine knows about Kafka for a whole job.
type Config struct {
	// Brokers is the default broker list (comma-separated): --brokers or
	// the embedded broker's address. A source's or sink's brokers option
	// overrides it.
	Brokers string
	// ExitAtEnd: sources stop at the end offsets seen when they open.
	ExitAtEnd bool
	// CreateMissingTopics: a source whose topic does not exist creates it
	// instead of failing. Meant for the embedded broker, where a user may
	// start the pipeline before producing anything.
	CreateMissingTopics bool
}

var (
	sourceOptions = []string{"connector", "topic", "brokers", "format", "event_time", "watermark_delay",
		"group_id", "start_offset", "on_error"}
	sinkOptions = []string{"connector", "topic", "brokers", "format", "key"}
)

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

func (c Config) brokers(opts map[string]string) []string {
	if b := opts["brokers"]; b != "" {
		return SplitBrokers(b)
	}
	return SplitBrokers(c.Brokers)
}

// NewSourceFromSpec makes the reader for a CREATE SOURCE ... WITH
// (connector = 'kafka').
func (c Config) NewSourceFromSpec(spec *exec.SourceSpec) (*Source, error) {
	if err := checkOptions("source", spec.Name, spec.Options, sourceOptions); err != nil {
		return nil, err
	}
	onErr := spec.OnError
	if onErr == "" {
		onErr = spec.Options["on_error"]
	}
	return NewSource(SourceConfig{
		Name:               spec.Name,
		Brokers:            c.brokers(spec.Options),
		Topic:              spec.Options["topic"],
		Schema:             spec.Schema,
		EventTime:          spec.EventTime,
		OnError:            onErr,
		StartOffset:        spec.Options["start_offset"],
		GroupID:            spec.Options["group_id"],
		ExitAtEnd:          c.ExitAtEnd,
		CreateMissingTopic: c.CreateMissingTopics,
	})
}

// NewSinkFromSpec makes the operator for a CREATE SINK ... WITH
// (connector = 'kafka').
func (c Config) NewSinkFromSpec(spec *exec.SinkSpec) (*Sink, error) {
	if err := checkOptions("sink", spec.Name, spec.Options, sinkOptions); err != nil {
		return nil, err
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
	return NewSink(SinkConfig{
		Name:       spec.Name,
		Brokers:    c.brokers(spec.Options),
		Topic:      spec.Options["topic"],
		Schema:     spec.Schema,
		KeyColumns: keys,
		Upsert:     spec.Upsert,
		UpsertKeys: spec.Keys,
	})
}

// SourceFactory returns the exec.SourceFactory for connector 'kafka'.
func (c Config) SourceFactory() exec.SourceFactory {
	return func(spec *exec.SourceSpec) (exec.SourceReader, error) {
		s, err := c.NewSourceFromSpec(spec)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}

// SinkFactory returns the exec.SinkFactory for connector 'kafka'.
func (c Config) SinkFactory() exec.SinkFactory {
	return func(spec *exec.SinkSpec) (exec.Operator, error) {
		s, err := c.NewSinkFromSpec(spec)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}
