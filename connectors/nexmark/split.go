package nexmark

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec"
)

// Split implements exec.SourceSplitter, so a job with several lanes
// generates in several goroutines: reader k is partition k and produces
// the blocks of BatchRows events b*BatchRows ... (b+1)*BatchRows-1 with
// b mod n == k, one batch per block. Read in turn (reader 0, 1, ..., n-1,
// 0, ...), they give exactly the whole source's events in its order; each
// partition is in event-time order, so the watermark (the minimum over
// partitions) makes no event late. Offsets stay event numbers.
func (s *Source) Split(n int) []exec.SourceReader {
	if n < 1 {
		n = 1
	}
	out := make([]exec.SourceReader, n)
	for k := range out {
		out[k] = &splitSource{gen: s.gen, table: s.table, schema: s.schema, part: int32(k), parts: int64(n),
			next: s.next + int64(k)*BatchRows, end: s.end}
	}
	return out
}

var _ exec.SourceSplitter = (*Source)(nil)

type splitSource struct {
	gen    *Generator
	table  Table
	schema *arrow.Schema
	part   int32
	parts  int64
	next   int64 // first event of the next block to read
	end    int64
	alloc  memory.Allocator
}

func (s *splitSource) Schema() *arrow.Schema { return s.schema }
func (s *splitSource) Partitions() []int32   { return []int32{s.part} }
func (s *splitSource) Close() error          { return nil }

func (s *splitSource) Open(_ context.Context, alloc memory.Allocator, _ exec.DeadLetterWriter) error {
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	s.alloc = alloc
	return nil
}

// SetStartOffsets implements exec.Resumer: the offset of partition k is
// the first event of its next block.
func (s *splitSource) SetStartOffsets(offsets map[int32]int64) {
	if o, ok := offsets[s.part]; ok && o >= 0 {
		s.next = o
	}
}

func (s *splitSource) Read(ctx context.Context) (exec.SourceBatch, error) {
	if err := ctx.Err(); err != nil {
		return exec.SourceBatch{}, err
	}
	for s.next < s.end {
		from, to := s.next, min(s.next+BatchRows, s.end)
		s.next += s.parts * BatchRows
		// A block holds at most BatchRows rows, so one call reads it all.
		rec, _ := s.gen.Batch(s.alloc, s.table, from, to, BatchRows)
		if rec != nil {
			return exec.SourceBatch{Partition: s.part, Records: rec, NextOffset: s.next}, nil
		}
	}
	return exec.SourceBatch{}, io.EOF
}
