package exec

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
)

// sourceRunner feeds one source's batches into the DAG and keeps its
// watermark. Watermarks are computed per row, not per batch: before a row
// that is behind the watermark in force when it arrived, the batch is split
// and that watermark is emitted first. So whether an event is late depends
// only on the order of events, never on how the connector batched them.
type sourceRunner struct {
	node    *runNode
	spec    *SourceSpec
	reader  SourceReader
	tracker *WatermarkTracker
	dl      DeadLetterWriter
	letters *countingDL // dl, which holds the reader's dead letters until their batch
	opened  bool
	done    bool
	offsets map[int32]int64 // next offset per partition, for checkpoints
}

func (s *sourceRunner) push(j *Job, sb SourceBatch, now time.Time) error {
	if s.offsets == nil {
		s.offsets = map[int32]int64{}
	}
	s.offsets[sb.Partition] = sb.NextOffset
	rec := sb.Records
	s.node.metrics.RowsIn.Add(rec.NumRows())
	s.node.metrics.BatchesIn.Add(1)
	p := sb.Partition
	if s.spec.EventTime < 0 {
		// Ingestion time: the watermark follows the wall clock.
		if err := s.node.emit(rec); err != nil {
			return err
		}
		s.tracker.Observe(p, now.UnixMilli(), now)
		return j.advance(s, now)
	}
	col, ok := rec.Column(s.spec.EventTime).(*array.Timestamp)
	if !ok {
		return fmt.Errorf("source %s: event time column %d is %s, not a timestamp",
			s.spec.Name, s.spec.EventTime, rec.Column(s.spec.EventTime).DataType())
	}
	if col.NullN() > 0 {
		clean, err := s.dropNullTimes(j, rec, col, p)
		if err != nil {
			return err
		}
		defer clean.Release()
		rec = clean
		col = rec.Column(s.spec.EventTime).(*array.Timestamp)
	}
	ts := col.TimestampValues()
	n := len(ts)
	others := s.tracker.othersMin(p, now)
	running := s.tracker.maxTs(p, now)
	delay := s.spec.WatermarkDelay
	emitted := s.node.wm
	start := 0
	for i := 0; i < n; i++ {
		t := int64(ts[i])
		if running != MinWatermark && t < running-delay {
			// Row i is behind its partition's watermark. If the watermark
			// in force before it is ahead of what downstream knows, make
			// downstream see it first, so the row is judged against it.
			if wm := min(others, running-delay); t < wm && wm > emitted {
				if err := s.emitSlice(rec, start, i); err != nil {
					return err
				}
				s.tracker.Observe(p, running, now)
				if err := j.advance(s, now); err != nil {
					return err
				}
				emitted = s.node.wm
				start = i
			}
		}
		if t > running {
			running = t
		}
	}
	if err := s.emitSlice(rec, start, n); err != nil {
		return err
	}
	if n > 0 {
		s.tracker.Observe(p, running, now)
	} else {
		s.tracker.Touch(p, now)
	}
	return j.advance(s, now)
}

func (s *sourceRunner) emitSlice(rec arrow.RecordBatch, from, to int) error {
	if from >= to {
		return nil
	}
	if from == 0 && to == int(rec.NumRows()) {
		return s.node.emit(rec)
	}
	sl := rec.NewSlice(int64(from), int64(to))
	defer sl.Release()
	return s.node.emit(sl)
}

// dropNullTimes sends rows without event time to the dead letters and
// returns the batch without them.
func (s *sourceRunner) dropNullTimes(j *Job, rec arrow.RecordBatch, col *array.Timestamp, p int32) (arrow.RecordBatch, error) {
	name := rec.Schema().Field(s.spec.EventTime).Name
	var buf []byte
	for i := 0; i < col.Len(); i++ {
		if col.IsValid(i) {
			continue
		}
		buf = AppendRowJSON(buf[:0], rec, i)
		switch s.spec.OnError {
		case "skip":
			continue
		case "fail":
			return nil, fmt.Errorf("source %s: missing event time: field %q is null or absent in %s", s.spec.Name, name, buf)
		}
		if err := s.dl.WriteDeadLetter(DeadLetter{Source: s.spec.Name, Partition: p, Offset: -1,
			Raw: append([]byte(nil), buf...), Reason: fmt.Sprintf("missing event time: field %q is null or absent", name),
			Time: j.opts.Now()}); err != nil {
			return nil, err
		}
	}
	mb := array.NewBooleanBuilder(j.opts.Alloc)
	defer mb.Release()
	mb.Reserve(col.Len())
	for i := 0; i < col.Len(); i++ {
		mb.UnsafeAppend(col.IsValid(i))
	}
	mask := mb.NewBooleanArray()
	defer mask.Release()
	ctx := compute.WithAllocator(context.Background(), j.opts.Alloc)
	return compute.FilterRecordBatch(ctx, rec, mask, compute.DefaultFilterOptions())
}
