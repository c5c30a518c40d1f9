package videosessions

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/connectors/jsonfmt"
	"github.com/spate-sql/spate/exec"
)

// BatchRows is the number of rows per batch a source emits.
const BatchRows = 4096

// ParseOptions reads the WITH options of a video_sessions source: sessions
// (concurrent sessions, default 1000, at most MaxSessions), events (total
// events; 0 or absent: unbounded), rate (events per second of event time,
// default 10000, at most MaxRate) and seed (default 0). Other keys are left to the catalog.
func ParseOptions(opts map[string]string) (Config, error) {
	cfg := Config{Sessions: DefaultSessions, Rate: DefaultRate}
	num := func(key string, dst *int64, minV, maxV int64) error {
		v, ok := opts[key]
		if !ok {
			return nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < minV || n > maxV {
			if maxV == math.MaxInt64 {
				return fmt.Errorf("invalid value '%s' for video_sessions option %s (expected an integer >= %d)", v, key, minV)
			}
			return fmt.Errorf("invalid value '%s' for video_sessions option %s (expected an integer from %d to %d)", v, key, minV, maxV)
		}
		*dst = n
		return nil
	}
	if err := num("sessions", &cfg.Sessions, 1, MaxSessions); err != nil {
		return cfg, err
	}
	if err := num("events", &cfg.Events, 0, math.MaxInt64); err != nil {
		return cfg, err
	}
	if err := num("rate", &cfg.Rate, 1, MaxRate); err != nil {
		return cfg, err
	}
	if err := num("seed", &cfg.Seed, math.MinInt64, math.MaxInt64); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// Source is the generator as an exec.SourceReader: one partition (0) whose
// offsets are event numbers. It is bounded by Config.Events and runs as
// fast as it is read; event time follows the rate, not the wall clock.
type Source struct {
	gen   *Generator
	next  int64 // event number to continue from
	end   int64
	alloc memory.Allocator
}

// NewSource fits exec.SourceFactory.
func NewSource(spec *exec.SourceSpec) (exec.SourceReader, error) {
	cfg, err := ParseOptions(spec.Options)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", spec.Name, err)
	}
	if spec.Schema != nil && !sameColumns(spec.Schema, schema) {
		return nil, fmt.Errorf("source %s: video_sessions has columns (%s), not (%s)",
			spec.Name, describe(schema), describe(spec.Schema))
	}
	return NewConfigSource(cfg), nil
}

// NewConfigSource returns the source of cfg.
func NewConfigSource(cfg Config) *Source {
	end := cfg.Events
	if end <= 0 {
		end = math.MaxInt64
	}
	return &Source{gen: NewGenerator(cfg), end: end}
}

func (s *Source) Schema() *arrow.Schema { return schema }

func (s *Source) Open(_ context.Context, alloc memory.Allocator, _ exec.DeadLetterWriter) error {
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	s.alloc = alloc
	return nil
}

func (s *Source) Partitions() []int32 { return []int32{0} }

// Seek makes the next Read continue after event offset-1 (offset is a
// SourceBatch.NextOffset from before a restart).
func (s *Source) Seek(partition int32, offset int64) error {
	if partition != 0 {
		return fmt.Errorf("video_sessions source has only partition 0, not %d", partition)
	}
	if offset < 0 {
		return fmt.Errorf("video_sessions source: negative offset %d", offset)
	}
	s.next = offset
	return nil
}

// Read returns the next batch of up to BatchRows rows, or io.EOF after
// event Events-1. The batch's NextOffset is the event number to resume at.
func (s *Source) Read(ctx context.Context) (exec.SourceBatch, error) {
	if err := ctx.Err(); err != nil {
		return exec.SourceBatch{}, err
	}
	if s.alloc == nil {
		s.alloc = memory.DefaultAllocator
	}
	rec, next := s.gen.Batch(s.alloc, s.next, s.end, BatchRows)
	s.next = next
	if rec == nil {
		return exec.SourceBatch{}, io.EOF
	}
	return exec.SourceBatch{Partition: 0, Records: rec, NextOffset: next}, nil
}

func (s *Source) Close() error { return nil }

// SetStartOffsets implements exec.Resumer: resume at the checkpointed
// event number of partition 0.
func (s *Source) SetStartOffsets(offsets map[int32]int64) {
	if o, ok := offsets[0]; ok && o >= 0 {
		s.next = o
	}
}

var _ exec.Resumer = (*Source)(nil)

// WriteJSONL writes events [0, cfg.Events) to w, one JSON object per line
// with exactly the source's columns (NULL as null, times as RFC 3339 UTC
// strings with milliseconds). cfg.Events 0 writes until w fails.
func WriteJSONL(w io.Writer, cfg Config) error {
	enc, err := jsonfmt.NewEncoder(schema, jsonfmt.EncoderOptions{})
	if err != nil {
		return err
	}
	end := cfg.Events
	if end <= 0 {
		end = math.MaxInt64
	}
	g := NewGenerator(cfg)
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf []byte
	for n := int64(0); ; {
		var rec arrow.RecordBatch
		rec, n = g.Batch(memory.DefaultAllocator, n, end, 1024)
		if rec == nil {
			break
		}
		if err := enc.Bind(rec); err != nil {
			rec.Release()
			return err
		}
		buf = buf[:0]
		for r := 0; r < int(rec.NumRows()); r++ {
			buf = append(enc.AppendRow(buf, r), '\n')
		}
		rec.Release()
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("write video_sessions: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write video_sessions: %w", err)
	}
	return nil
}
