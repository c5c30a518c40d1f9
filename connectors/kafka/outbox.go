package kafka

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Exactly-once delivery through a transactional outbox.
//
// Kafka cannot resume a producer's open transaction after a crash, and a
// DuckDB transaction and a Kafka transaction cannot commit atomically
// together. So the output of an epoch (the rows between two checkpoints)
// is first written to the DuckDB outbox in the SAME transaction as the
// checkpoint and the materialized rows, and only then produced to Kafka,
// in one Kafka transaction per publish, by a producer whose
// transactional.id is stable across restarts (derived from job and
// sink). Every record carries the headers spate-sink (the sink's id),
// spate-run (which lineage of epochs: a new one when the job starts
// without a checkpoint) and spate-epoch.
//
// Crash points (kill -9 anywhere), with C the last checkpoint in DuckDB
// and K the last epoch Kafka committed (K <= C always: an epoch is
// produced only after its DuckDB commit):
//
//  1. Before the DuckDB commit of epoch E: nothing of E is anywhere
//     visible (its outbox row is not written, its records were never
//     produced). The restart resumes from C = E-1 and recomputes E.
//  2. After the DuckDB commit of E, before the Kafka commit: the
//     transaction the dead process left open (if it got that far) is
//     aborted when the restarted producer initializes with the same
//     transactional.id (fencing); read_committed consumers never see its
//     records. The committed tail shows K < E, so E's outbox row is
//     re-sent in a new transaction at Open.
//  3. After the Kafka commit of E, before its outbox row is deleted (the
//     delete rides on the next checkpoint's DuckDB transaction): the
//     committed tail shows K = E, so the outbox row is not re-sent, and
//     the next checkpoint deletes it.
//
// A publish that fails while the process lives (broker restarted, leader
// moved, request errors past the client's retries) is handled as a crash
// of the producer alone: a new client with the same transactional.id
// fences and aborts the old transaction, the committed tail tells whether
// the failed commit took effect after all, and what is missing is sent
// again.
//
// Reading the committed tail: for each partition, the last record before
// the last stable offset whose spate-sink header is ours decides; if its
// run is ours, its epoch is what that partition has of this run, else
// the partition has nothing of it (a record of an older run is older
// than every record of this one). K is the maximum over partitions
// (epochs commit in order and a transaction commits on every partition
// at once).

// Header keys of every record an exactly-once sink produces.
const (
	HeaderSink  = "spate-sink"
	HeaderRun   = "spate-run"
	HeaderEpoch = "spate-epoch"
)

// publishAttempts is how many times a publish is tried (each after a
// fenced restart of the producer) before the job fails.
const publishAttempts = 5

// Delivery guarantees of a Kafka sink (its delivery option).
const (
	AtLeastOnce = "at_least_once"
	ExactlyOnce = "exactly_once"
)

// OutboxEpoch is the output of one epoch of an exactly-once sink: what the
// store keeps in its outbox until Kafka has it.
type OutboxEpoch struct {
	Epoch   int64
	N       int    // records
	Records []byte // encoded by the sink; opaque to the store
}

// ExactlyOnceConfig makes a sink exactly-once (see the comment above).
type ExactlyOnceConfig struct {
	// ID identifies the sink for good (job and sink name); it is the
	// transactional.id and the spate-sink header.
	ID string
	// Run identifies the lineage of epochs: it changes when the job
	// starts over without a checkpoint and its epochs restart at 1.
	Run string
	// Pending is the store's outbox: epochs committed in DuckDB that
	// Kafka may not have. Open re-sends those Kafka does not have.
	Pending []OutboxEpoch
	Logger  *slog.Logger
}

// appendRecord encodes one record into an epoch buffer: key and value,
// each as a little-endian int32 length (-1 for null) and the bytes.
func appendLen(b []byte, n int) []byte { return binary.LittleEndian.AppendUint32(b, uint32(int32(n))) }

// decodeOutbox turns an epoch buffer back into records whose keys and
// values alias it.
func decodeOutbox(b []byte, n int, recs []kgo.Record) ([]kgo.Record, error) {
	field := func() ([]byte, error) {
		if len(b) < 4 {
			return nil, errors.New("truncated outbox record")
		}
		l := int32(binary.LittleEndian.Uint32(b))
		b = b[4:]
		if l < 0 {
			return nil, nil
		}
		if int(l) > len(b) {
			return nil, errors.New("truncated outbox record")
		}
		v := b[:l:l]
		b = b[l:]
		return v, nil
	}
	for i := 0; i < n; i++ {
		k, err := field()
		if err != nil {
			return nil, err
		}
		v, err := field()
		if err != nil {
			return nil, err
		}
		recs = append(recs, kgo.Record{Key: k, Value: v})
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("outbox epoch has %d trailing bytes", len(b))
	}
	return recs, nil
}

// ExactlyOnce reports whether the sink delivers through the outbox.
func (s *Sink) ExactlyOnce() bool { return s.eo != nil }

// SetAtLeastOnce turns an exactly-once sink into an at-least-once one
// (for a job that cannot checkpoint). Before Open.
func (s *Sink) SetAtLeastOnce() { s.eo = nil }

// TakeEpoch hands over the records pushed since the previous call as the
// output of epoch; the caller writes it to the outbox in the checkpoint's
// transaction and calls Publish once that committed. Never concurrently
// with Push.
func (s *Sink) TakeEpoch(epoch int64) OutboxEpoch {
	e := OutboxEpoch{Epoch: epoch, N: s.curN, Records: s.cur}
	s.cur, s.curN = nil, 0
	if e.N > 0 {
		s.unpublished = append(s.unpublished, e)
	}
	return e
}

// Published is the last epoch Kafka is known to have committed: outbox
// rows up to it may be deleted.
func (s *Sink) Published() int64 { return s.published }

// Publish produces every taken epoch Kafka does not have yet in one
// transaction and commits it.
func (s *Sink) Publish(ctx context.Context) error {
	if err := s.publish(ctx); err != nil {
		return fmt.Errorf("kafka sink %s: %w", s.cfg.Name, err)
	}
	return nil
}

func (s *Sink) publish(ctx context.Context) error {
	if len(s.unpublished) == 0 {
		return nil
	}
	var err error
	for attempt := 1; ; attempt++ {
		if err = s.produceTxn(ctx, s.unpublished); err == nil {
			break
		}
		if attempt == publishAttempts || ctx.Err() != nil {
			return err
		}
		s.eo.Logger.Warn("kafka transaction failed; restarting the producer", "sink", s.cfg.Name, "attempt", attempt, "err", err)
		s.retries++
		time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
		if rerr := s.restartProducer(ctx); rerr != nil {
			err = rerr
			continue
		}
		if len(s.unpublished) == 0 { // the failed commit had taken effect
			return nil
		}
	}
	s.published = s.unpublished[len(s.unpublished)-1].Epoch
	s.unpublished = nil
	return nil
}

// produceTxn produces epochs in one transaction and commits it.
func (s *Sink) produceTxn(ctx context.Context, epochs []OutboxEpoch) error {
	s.mu.Lock()
	s.failure = nil
	s.mu.Unlock()
	if err := s.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	for _, e := range epochs {
		recs, err := decodeOutbox(e.Records, e.N, make([]kgo.Record, 0, e.N))
		if err != nil {
			return fmt.Errorf("epoch %d: %w", e.Epoch, err)
		}
		headers := []kgo.RecordHeader{
			{Key: HeaderSink, Value: []byte(s.eo.ID)},
			{Key: HeaderRun, Value: []byte(s.eo.Run)},
			{Key: HeaderEpoch, Value: []byte(strconv.FormatInt(e.Epoch, 10))},
		}
		for i := range recs {
			recs[i].Topic = s.cfg.Topic
			recs[i].Headers = headers
			s.cl.Produce(ctx, &recs[i], s.promise)
		}
	}
	err := s.cl.Flush(ctx)
	if err == nil {
		err = s.err()
	}
	if err != nil {
		_ = s.cl.EndTransaction(ctx, kgo.TryAbort)
		return fmt.Errorf("produce: %w", err)
	}
	if err := s.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// openExactlyOnce starts the transactional producer, fences whatever a
// previous process left open, learns what Kafka committed and re-sends
// the outbox epochs it lacks.
func (s *Sink) openExactlyOnce(ctx context.Context) error {
	if s.eo.Logger == nil {
		s.eo.Logger = slog.New(slog.DiscardHandler)
	}
	s.unpublished = nil
	for _, e := range s.eo.Pending {
		if e.N > 0 {
			s.unpublished = append(s.unpublished, e)
		}
	}
	if err := s.restartProducer(ctx); err != nil {
		return err
	}
	if n := len(s.unpublished); n > 0 {
		s.eo.Logger.Info("re-sending outbox epochs Kafka lacks", "sink", s.cfg.Name,
			"from", s.unpublished[0].Epoch, "to", s.unpublished[n-1].Epoch)
	}
	return s.publish(ctx)
}

// restartProducer replaces the client by a new one with the same
// transactional.id (initializing it fences the old producer and aborts
// its open transaction), then drops from s.unpublished the epochs Kafka
// committed.
func (s *Sink) restartProducer(ctx context.Context) error {
	if s.cl != nil {
		s.cl.Close() // fails its buffered records: forget those errors
		s.cl = nil
	}
	s.mu.Lock()
	s.failure = nil
	s.mu.Unlock()
	cl, err := kgo.NewClient(append(baseOpts(s.cfg.Brokers),
		kgo.TransactionalID(s.eo.ID),
		kgo.TransactionTimeout(time.Minute),
		kgo.RecordDeliveryTimeout(deliveryTimeout),
		kgo.ProducerLinger(5*time.Millisecond),
	)...)
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	s.cl = cl
	if _, _, err := cl.ProducerID(ctx); err != nil {
		return fmt.Errorf("initialize transactional producer %s: %w", s.eo.ID, err)
	}
	last, err := CommittedEpoch(ctx, s.cfg.Brokers, s.cfg.Topic, s.eo.ID, s.eo.Run)
	if err != nil {
		return err
	}
	if last > s.published {
		s.published = last
	}
	keep := s.unpublished[:0]
	for _, e := range s.unpublished {
		if e.Epoch > last {
			keep = append(keep, e)
		}
	}
	s.unpublished = keep
	return nil
}

// tailIdle bounds the wait for the end of a partition when the record
// before the last stable offset never arrives (it is an aborted record of
// another producer): past it, what was read decides.
const tailIdle = 10 * time.Second

// CommittedEpoch returns the last epoch of run that sink id committed to
// topic (0 when none): the highest spate-epoch among, per partition, the
// last committed record with our spate-sink header.
func CommittedEpoch(ctx context.Context, brokers []string, topic, id, run string) (int64, error) {
	adm, err := newAdmin(ctx, brokers)
	if err != nil {
		return 0, err
	}
	defer adm.Close()
	ends, err := adm.ListCommittedOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("list committed offsets of %s: %w", topic, err)
	}
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("list start offsets of %s: %w", topic, err)
	}
	var last int64
	var ferr error
	ends.Each(func(o kadm.ListedOffset) {
		if ferr != nil {
			return
		}
		st, _ := starts.Lookup(topic, o.Partition)
		e, err := partitionEpoch(ctx, brokers, topic, o.Partition, st.Offset, o.Offset, id, run)
		if err != nil {
			ferr = err
		}
		last = max(last, e)
	})
	return last, ferr
}

// partitionEpoch scans [start, end) backwards, in growing windows, for
// the last record of sink id.
func partitionEpoch(ctx context.Context, brokers []string, topic string, p int32, start, end int64, id, run string) (int64, error) {
	for w := int64(64); end > start; w *= 8 {
		from := max(start, end-w)
		found, epoch, err := scanWindow(ctx, brokers, topic, p, from, end, id, run)
		if err != nil || found {
			return epoch, err
		}
		if from == start {
			break
		}
		end = from
	}
	return 0, nil
}

func scanWindow(ctx context.Context, brokers []string, topic string, p int32, from, end int64, id, run string) (found bool, epoch int64, err error) {
	cl, err := kgo.NewClient(append(baseOpts(brokers),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {p: kgo.NewOffset().At(from)}}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords(),
	)...)
	if err != nil {
		return false, 0, fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	idb, runb := []byte(id), []byte(run)
	for {
		pctx, cancel := context.WithTimeout(ctx, tailIdle)
		fs := cl.PollFetches(pctx)
		cancel()
		if ctx.Err() != nil {
			return false, 0, ctx.Err()
		}
		if fs.IsClientClosed() {
			return false, 0, errors.New("client closed")
		}
		done := false
		fs.EachError(func(_ string, _ int32, e error) {
			switch {
			case errors.Is(e, context.DeadlineExceeded):
				done = true // idle: what was read decides
			case kerr.IsRetriable(e):
			default:
				err = e
			}
		})
		if err != nil {
			return false, 0, fmt.Errorf("read the tail of %s/%d: %w", topic, p, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= end {
				done = true
				return
			}
			if r.Offset >= end-1 {
				done = true
			}
			if r.Attrs.IsControl() {
				return
			}
			var sink, rn, ep []byte
			for _, h := range r.Headers {
				switch h.Key {
				case HeaderSink:
					sink = h.Value
				case HeaderRun:
					rn = h.Value
				case HeaderEpoch:
					ep = h.Value
				}
			}
			if !bytes.Equal(sink, idb) {
				return
			}
			found, epoch = true, 0
			if bytes.Equal(rn, runb) {
				epoch, _ = strconv.ParseInt(string(ep), 10, 64)
			}
		})
		if done {
			return found, epoch, nil
		}
	}
}

// ReadCommitted returns every committed record of topic, as a
// read_committed consumer sees them (tests and tools that check what a
// sink delivered): each partition is read from its start to its last
// stable offset.
func ReadCommitted(ctx context.Context, brokers []string, topic string) ([]*kgo.Record, error) {
	adm, err := newAdmin(ctx, brokers)
	if err != nil {
		return nil, err
	}
	defer adm.Close()
	ends, err := adm.ListCommittedOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("list committed offsets of %s: %w", topic, err)
	}
	start := map[int32]kgo.Offset{}
	left := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			start[o.Partition] = kgo.NewOffset().AtStart()
			left[o.Partition] = o.Offset
		}
	})
	if len(left) == 0 {
		return nil, nil
	}
	cl, err := kgo.NewClient(append(baseOpts(brokers),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: start}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords(),
	)...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	var out []*kgo.Record
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return out, fmt.Errorf("read %s: %w (partitions not read to the end: %v)", topic, ctx.Err(), left)
		}
		var ferr error
		fs.EachError(func(_ string, _ int32, e error) {
			if !kerr.IsRetriable(e) {
				ferr = e
			}
		})
		if ferr != nil {
			return out, fmt.Errorf("read %s: %w", topic, ferr)
		}
		fs.EachRecord(func(r *kgo.Record) {
			end, ok := left[r.Partition]
			if !ok || r.Offset >= end {
				return
			}
			if r.Offset >= end-1 {
				delete(left, r.Partition)
			}
			if !r.Attrs.IsControl() {
				out = append(out, r)
			}
		})
	}
	return out, nil
}
