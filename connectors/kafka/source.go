package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spate-sql/spate/connectors/jsonfmt"
	"github.com/spate-sql/spate/exec"
)

// idleTick is how long Read waits for records before it returns an idle
// (empty) batch, as exec.SourceReader asks.
const idleTick = 250 * time.Millisecond

// maxPollRecords caps the records one Read decodes, so a large backlog
// becomes batches of bounded size.
const maxPollRecords = 8192

// maxRecordBytes bounds the value of one record the source decodes (a
// variable so tests can lower it). A larger record is refused like any
// undecodable one (dead letter, skip or fail) without being decoded, and
// its dead letter keeps only its first maxDeadLetterRaw bytes. franz-go
// reads fetch responses of up to 100 MB, so larger records never arrive
// at all: the fetch fails with franz-go's error.
var maxRecordBytes = 16 << 20

const maxDeadLetterRaw = 64 << 10

// SourceConfig describes one Kafka source.
type SourceConfig struct {
	Name    string   // source name, for errors and dead letters
	Brokers []string // seed brokers
	Topic   string
	Schema  *arrow.Schema
	// EventTime is the event-time column, -1 for none. A record without a
	// value for it is a decoding failure.
	EventTime int
	// OnError is "dead_letter" (default), "skip" or "fail".
	OnError string
	// StartOffset is "earliest" (default) or "latest": where to start in
	// partitions that have no restored or committed offset.
	StartOffset string
	// GroupID, when set, names a consumer group: its committed offsets
	// are the starting point when nothing is restored, and CommitOffsets
	// commits to it (for lag monitoring with Kafka tools). Partitions are
	// always assigned directly, never by the group protocol.
	GroupID string
	// StartOffsets restores a checkpoint: partition -> next offset to
	// read. Partitions missing from it start at their beginning (they
	// were created after the checkpoint).
	StartOffsets map[int32]int64
	// ExitAtEnd makes Read return io.EOF once every partition has been
	// read up to the end offsets listed at Open.
	ExitAtEnd bool
	// CreateMissingTopic creates the topic (with the broker's default
	// partition count) when it does not exist; otherwise a missing topic
	// is an error at Open.
	CreateMissingTopic bool
	// MaxPollRecords caps the records one Read decodes (default
	// maxPollRecords).
	MaxPollRecords int
}

// Source reads a Kafka topic as Arrow batches. It implements
// exec.SourceReader: every partition of the topic is assigned directly
// (no consumer-group rebalancing), records are decoded with jsonfmt into
// one batch per fetched partition, and the offset after each batch is
// reported so a checkpoint can resume exactly there.
type Source struct {
	cfg        SourceConfig
	partitions []int32

	adm     *kadm.Client
	cl      *kgo.Client
	dec     *jsonfmt.Decoder
	dl      exec.DeadLetterWriter
	pending []exec.SourceBatch

	// Exit-at-end bookkeeping: end[p] is the end offset listed at Open;
	// done[p] once the partition reached it.
	end       map[int32]int64
	done      map[int32]bool
	remaining int

	next    map[int32]int64 // next offset per partition
	fetched map[int32]bool  // partitions that returned records in the last poll
	hwm     map[int32]int64 // latest high watermark seen
	lso     map[int32]int64 // latest last stable offset seen (read_committed end)
	lag     atomic.Int64
}

var _ exec.SourceReader = (*Source)(nil)

// NewSourceFromConfig validates cfg and returns an unopened source.
func NewSourceFromConfig(cfg SourceConfig) (*Source, error) {
	if cfg.Topic == "" {
		return nil, fmt.Errorf("kafka source %s: option topic is required", cfg.Name)
	}
	if len(cfg.Brokers) == 0 {
		return nil, fmt.Errorf("kafka source %s: no brokers", cfg.Name)
	}
	switch cfg.OnError {
	case "":
		cfg.OnError = "dead_letter"
	case "dead_letter", "skip", "fail":
	default:
		return nil, fmt.Errorf("kafka source %s: on_error must be skip, dead_letter or fail, not %q", cfg.Name, cfg.OnError)
	}
	switch cfg.StartOffset {
	case "":
		cfg.StartOffset = "earliest"
	case "earliest", "latest":
	default:
		return nil, fmt.Errorf("kafka source %s: start_offset must be earliest or latest, not %q", cfg.Name, cfg.StartOffset)
	}
	return &Source{cfg: cfg}, nil
}

// Schema implements exec.SourceReader.
func (s *Source) Schema() *arrow.Schema { return s.cfg.Schema }

// Partitions implements exec.SourceReader: the topic's partitions at Open.
func (s *Source) Partitions() []int32 { return s.partitions }

// SetStartOffsets restores a checkpoint (see SourceConfig.StartOffsets).
// Call it before Open.
func (s *Source) SetStartOffsets(offsets map[int32]int64) { s.cfg.StartOffsets = offsets }

// Lag is the number of records between the reader's position and the
// partitions' high watermarks, as of the last fetch. Safe to call from
// any goroutine.
func (s *Source) Lag() int64 { return s.lag.Load() }

// Open implements exec.SourceReader.
func (s *Source) Open(ctx context.Context, alloc memory.Allocator, dl exec.DeadLetterWriter) error {
	if err := s.open(ctx, alloc, dl); err != nil {
		s.Close()
		return fmt.Errorf("kafka source %s: %w", s.cfg.Name, err)
	}
	return nil
}

func (s *Source) open(ctx context.Context, alloc memory.Allocator, dl exec.DeadLetterWriter) error {
	if dl == nil {
		dl = exec.DiscardDeadLetters
	}
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	s.dl = dl
	var required []int
	if s.cfg.EventTime >= 0 {
		required = []int{s.cfg.EventTime}
	}
	dec, err := jsonfmt.NewDecoder(s.cfg.Schema, alloc, jsonfmt.Options{Required: required})
	if err != nil {
		return err
	}
	s.dec = dec

	bs := s.cfg.Brokers
	if s.adm, err = newAdmin(ctx, bs); err != nil {
		return err
	}
	topic := s.cfg.Topic
	s.partitions, err = topicPartitions(ctx, s.adm, bs, topic)
	if errors.Is(err, errTopicMissing) && s.cfg.CreateMissingTopic {
		if err = createTopic(ctx, s.adm, bs, topic, -1); err == nil {
			// franz-go remembers that the topic was unknown: ask again
			// with a new client.
			s.adm.Close()
			if s.adm, err = newAdmin(ctx, bs); err == nil {
				s.partitions, err = topicPartitions(ctx, s.adm, bs, topic)
			}
		}
	}
	if err != nil {
		return err
	}
	slices.Sort(s.partitions)

	// Where each partition starts: a restored checkpoint, else the group's
	// committed offset, else start_offset.
	start := make(map[int32]kgo.Offset, len(s.partitions))
	startAt := make(map[int32]int64, len(s.partitions)) // concrete, for exit-at-end
	lctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	firsts, err := s.adm.ListStartOffsets(lctx, topic)
	if err == nil {
		err = firsts.Error()
	}
	if err != nil {
		return requestError(bs, "list start offsets", err)
	}
	// End offsets as a read-committed consumer sees them (the last stable
	// offset): the records of open transactions are not "there" yet.
	ends, err := s.adm.ListCommittedOffsets(lctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return requestError(bs, "list end offsets", err)
	}
	var committed kadm.OffsetResponses
	if s.cfg.StartOffsets == nil && s.cfg.GroupID != "" {
		committed, err = s.adm.FetchOffsetsForTopics(lctx, s.cfg.GroupID, topic)
		if errors.Is(err, kerr.GroupIDNotFound) {
			committed, err = nil, nil // a new group: nothing committed yet
		}
		if err != nil {
			return requestError(bs, fmt.Sprintf("fetch offsets of group %q", s.cfg.GroupID), err)
		}
	}
	s.end = make(map[int32]int64, len(s.partitions))
	s.next = make(map[int32]int64, len(s.partitions))
	s.fetched = make(map[int32]bool, len(s.partitions))
	s.hwm = make(map[int32]int64, len(s.partitions))
	s.lso = make(map[int32]int64, len(s.partitions))
	for _, p := range s.partitions {
		first, _ := firsts.Lookup(topic, p)
		last, _ := ends.Lookup(topic, p)
		s.end[p] = last.Offset
		s.hwm[p] = last.Offset
		s.lso[p] = last.Offset
		at := first.Offset
		if o, ok := s.cfg.StartOffsets[p]; ok {
			at = max(o, first.Offset)
		} else if c, ok := committed.Lookup(topic, p); ok && c.Err == nil && c.At >= 0 {
			at = max(c.At, first.Offset)
		} else if s.cfg.StartOffsets == nil && s.cfg.StartOffset == "latest" {
			at = last.Offset
		}
		startAt[p] = at
		start[p] = kgo.NewOffset().At(at)
		s.next[p] = at
	}
	s.updateLag()
	if s.cfg.ExitAtEnd {
		s.done = make(map[int32]bool, len(s.partitions))
		for _, p := range s.partitions {
			if startAt[p] >= s.end[p] {
				s.done[p] = true
			} else {
				s.remaining++
			}
		}
		if s.remaining == 0 {
			return nil // Read returns io.EOF right away
		}
	}

	s.cl, err = kgo.NewClient(append(baseOpts(bs),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: start}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Transaction markers occupy offsets; seeing them is how a
		// partition that ends with one is known to be fully read.
		kgo.KeepControlRecords(),
		kgo.FetchMaxWait(time.Second),
	)...)
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	return nil
}

// Read implements exec.SourceReader.
func (s *Source) Read(ctx context.Context) (exec.SourceBatch, error) {
	for {
		if len(s.pending) > 0 {
			sb := s.pending[0]
			s.pending[0] = exec.SourceBatch{}
			s.pending = s.pending[1:]
			return sb, nil
		}
		if s.cfg.ExitAtEnd && s.remaining == 0 {
			return exec.SourceBatch{}, io.EOF
		}
		pctx, cancel := context.WithTimeout(ctx, idleTick)
		limit := maxPollRecords
		if s.cfg.MaxPollRecords > 0 {
			limit = s.cfg.MaxPollRecords
		}
		fetches := s.cl.PollRecords(pctx, limit)
		cancel()
		if err := ctx.Err(); err != nil {
			return exec.SourceBatch{}, err
		}
		if fetches.IsClientClosed() {
			return exec.SourceBatch{}, fmt.Errorf("kafka source %s: client closed", s.cfg.Name)
		}
		polled := false
		clear(s.fetched)
		for _, fe := range fetches.Errors() {
			if errors.Is(fe.Err, context.DeadlineExceeded) || errors.Is(fe.Err, context.Canceled) {
				continue
			}
			var loss *kgo.ErrDataLoss
			if errors.As(fe.Err, &loss) {
				// The broker lost records we had not read (retention,
				// truncation); the client resumed at the new offset.
				// Nothing to do but go on.
				continue
			}
			return exec.SourceBatch{}, fmt.Errorf("kafka source %s: topic %s partition %d: %w", s.cfg.Name, fe.Topic, fe.Partition, fe.Err)
		}
		for _, ft := range fetches {
			for _, fp := range ft.Topics {
				for i := range fp.Partitions {
					if fp.Partitions[i].Err != nil {
						continue // reported above
					}
					if len(fp.Partitions[i].Records) > 0 {
						polled = true
						s.fetched[fp.Partitions[i].Partition] = true
					}
					if err := s.decodePartition(&fp.Partitions[i]); err != nil {
						s.releasePending()
						return exec.SourceBatch{}, err
					}
				}
			}
		}
		s.updateLag()
		if polled {
			// Partitions that are behind but returned nothing while others
			// did (their fetches failing, their leader moving) are touched
			// too: otherwise a fault on one partition that outlasts the
			// idle timeout, while the others keep delivering, lets the
			// watermark run ahead of it, and its records come in late.
			s.touchBehind()
			continue
		}
		if len(s.pending) == 0 {
			if s.touchBehind() {
				continue
			}
			return exec.SourceBatch{Partition: -1, NextOffset: -1}, nil
		}
	}
}

// decodePartition turns one fetched partition into a pending batch.
func (s *Source) decodePartition(fp *kgo.FetchPartition) error {
	p := fp.Partition
	if fp.HighWatermark >= 0 {
		s.hwm[p] = fp.HighWatermark
	}
	if fp.LastStableOffset >= 0 {
		s.lso[p] = fp.LastStableOffset
	}
	if len(fp.Records) == 0 || (s.done != nil && s.done[p]) {
		return nil
	}
	next := s.next[p]
	end, bounded := s.end[p], s.cfg.ExitAtEnd
	reachedEnd := false
	for _, r := range fp.Records {
		if bounded && r.Offset >= end {
			reachedEnd = true
			break
		}
		next = r.Offset + 1
		if r.Attrs.IsControl() {
			continue
		}
		raw, err := r.Value, error(nil)
		if len(raw) > maxRecordBytes {
			err = fmt.Errorf("record of %d bytes is larger than the limit of %d bytes (dead letter keeps the first %d bytes)",
				len(raw), maxRecordBytes, maxDeadLetterRaw)
			raw = raw[:maxDeadLetterRaw]
		} else {
			err = s.dec.Append(raw)
		}
		if err != nil {
			switch s.cfg.OnError {
			case "fail":
				s.dec.NewBatch().Release()
				return fmt.Errorf("kafka source %s: partition %d offset %d: %v", s.cfg.Name, p, r.Offset, err)
			case "dead_letter":
				if werr := s.dl.WriteDeadLetter(exec.DeadLetter{Source: s.cfg.Name, Partition: p, Offset: r.Offset,
					Raw: raw, Reason: err.Error(), Time: time.Now()}); werr != nil {
					s.dec.NewBatch().Release()
					return fmt.Errorf("kafka source %s: writing dead letter: %w", s.cfg.Name, werr)
				}
			}
		}
	}
	if next != s.next[p] {
		s.next[p] = next
		// A batch even when every record failed: its NextOffset moves
		// the checkpoint past them.
		s.pending = append(s.pending, exec.SourceBatch{Partition: p, Records: s.dec.NewBatch(), NextOffset: next})
	}
	if bounded && (reachedEnd || next >= end) {
		s.done[p] = true
		s.remaining--
		s.cl.PauseFetchPartitions(map[string][]int32{s.cfg.Topic: {p}})
	}
	return nil
}

// touchBehind queues an empty batch for every partition that has records
// left to read but returned none this tick (a failed fetch, a leader
// moving, a broker restarting), whether or not other partitions did, and
// reports whether it queued any. An
// empty batch keeps the partition active in the watermark tracker: a
// partition whose records could not be fetched for the idle timeout is
// not idle, and letting the watermark run ahead of it would turn its
// records late (dropped) once the broker answers again. Results must not
// depend on how long a broker fault lasted.
func (s *Source) touchBehind() bool {
	for _, p := range s.partitions {
		if s.fetched[p] {
			continue // it has a batch this tick
		}
		// The last stable offset, not the high watermark: records of
		// an open transaction cannot be read yet.
		behind := s.lso[p] > s.next[p]
		if s.cfg.ExitAtEnd {
			behind = !s.done[p] && s.end[p] > s.next[p]
		}
		if behind {
			s.pending = append(s.pending, exec.SourceBatch{Partition: p, Records: s.dec.NewBatch(), NextOffset: s.next[p]})
		}
	}
	return len(s.pending) > 0
}

func (s *Source) updateLag() {
	var lag int64
	for p, h := range s.hwm {
		if d := h - s.next[p]; d > 0 {
			lag += d
		}
	}
	s.lag.Store(lag)
}

func (s *Source) releasePending() {
	for _, sb := range s.pending {
		if sb.Records != nil {
			sb.Records.Release()
		}
	}
	s.pending = nil
}

// CommitOffsets commits next offsets (as a checkpoint recorded them) to
// the source's consumer group, so Kafka tools show the pipeline's
// progress. Without a group_id it does nothing. Offsets are informational:
// spate restores from its own checkpoints.
func (s *Source) CommitOffsets(ctx context.Context, offsets map[int32]int64) error {
	if s.cfg.GroupID == "" || s.adm == nil || len(offsets) == 0 {
		return nil
	}
	var os kadm.Offsets
	for p, o := range offsets {
		os.AddOffset(s.cfg.Topic, p, o, -1)
	}
	resp, err := s.adm.CommitOffsets(ctx, s.cfg.GroupID, os)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		return fmt.Errorf("kafka source %s: commit offsets to group %q: %w", s.cfg.Name, s.cfg.GroupID, err)
	}
	return nil
}

// Close implements exec.SourceReader.
func (s *Source) Close() error {
	s.releasePending()
	if s.cl != nil {
		s.cl.Close()
		s.cl = nil
	}
	if s.adm != nil {
		s.adm.Close()
		s.adm = nil
	}
	return nil
}

var _ exec.Resumer = (*Source)(nil)
