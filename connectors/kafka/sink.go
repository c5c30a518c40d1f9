package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spate-sql/spate/connectors/jsonfmt"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

// deliveryTimeout bounds how long a produced record may wait for the
// broker: past it, Commit fails with the cause instead of hanging while
// Kafka is unreachable.
const deliveryTimeout = 2 * time.Minute

// SinkConfig describes one Kafka sink.
type SinkConfig struct {
	Name    string
	Brokers []string
	Topic   string
	// Schema is the input schema; with Upsert its last column is
	// expr.DeletedColumn.
	Schema *arrow.Schema
	// KeyColumns make the record key: one column gives its value as text
	// (a string's bytes, a number's digits, a timestamp in RFC 3339),
	// several give a JSON object of them. Empty: records have no key,
	// unless Upsert, which keys by UpsertKeys.
	KeyColumns []int
	Upsert     bool
	UpsertKeys []int
	// ExactlyOnce, when set, delivers through the store's outbox in Kafka
	// transactions (outbox.go); nil is at-least-once.
	ExactlyOnce *ExactlyOnceConfig
}

// Sink writes each input row as one JSON record to a Kafka topic. It
// implements exec.Operator and exec.Committer.
//
// Upsert (changelog) input follows Kafka's compacted-topic convention, as
// Flink's upsert-kafka does: a row is a record keyed by its key columns
// with the row (without __deleted) as JSON value; a deleted row is a
// tombstone, the same key with a null value. Consumers that only want
// the latest row per key read the topic as a table.
//
// Delivery, at-least-once: records are produced asynchronously as batches
// arrive; Commit waits until every one of them is acknowledged and
// reports the first failure; after a crash, rows since the last
// checkpoint are produced again. Exactly-once (cfg.ExactlyOnce): Push
// only encodes records into the open epoch's buffer; at each checkpoint
// the engine takes it (TakeEpoch), writes it to the DuckDB outbox with
// the checkpoint, and then Publish produces it in a Kafka transaction
// (see outbox.go for the protocol and every crash point).
type Sink struct {
	cfg  SinkConfig
	ctx  *exec.OpContext
	cl   *kgo.Client
	enc  *jsonfmt.Encoder
	keys []int
	del  int // index of __deleted, -1 when not upsert

	mu      sync.Mutex
	failure error // first produce error, sticky
	promise func(*kgo.Record, error)

	// Exactly-once state (nil eo: at-least-once).
	eo          *ExactlyOnceConfig
	cur         []byte        // the open epoch's records (appendLen-encoded)
	curN        int           // records in cur
	unpublished []OutboxEpoch // taken epochs Kafka does not have yet
	published   int64         // last epoch Kafka committed
	retries     int           // publishes retried with a restarted producer
}

var (
	_ exec.Operator  = (*Sink)(nil)
	_ exec.Committer = (*Sink)(nil)
)

// NewSinkFromConfig validates cfg and returns an unopened sink.
func NewSinkFromConfig(cfg SinkConfig) (*Sink, error) {
	if cfg.Topic == "" {
		return nil, fmt.Errorf("kafka sink %s: option topic is required", cfg.Name)
	}
	if len(cfg.Brokers) == 0 {
		return nil, fmt.Errorf("kafka sink %s: no brokers", cfg.Name)
	}
	s := &Sink{cfg: cfg, del: -1, keys: cfg.KeyColumns}
	if cfg.ExactlyOnce != nil {
		if cfg.ExactlyOnce.ID == "" {
			return nil, fmt.Errorf("kafka sink %s: exactly-once needs an id", cfg.Name)
		}
		eo := *cfg.ExactlyOnce
		s.eo = &eo
	}
	var skip []int
	if cfg.Upsert {
		s.del = cfg.Schema.NumFields() - 1
		if s.del < 0 || cfg.Schema.Field(s.del).Name != expr.DeletedColumn {
			return nil, fmt.Errorf("kafka sink %s: upsert input must end with the %s column", cfg.Name, expr.DeletedColumn)
		}
		skip = []int{s.del}
		if len(s.keys) == 0 {
			s.keys = cfg.UpsertKeys
		}
	}
	enc, err := jsonfmt.NewEncoder(cfg.Schema, jsonfmt.EncoderOptions{Skip: skip})
	if err != nil {
		return nil, fmt.Errorf("kafka sink %s: %w", cfg.Name, err)
	}
	s.enc = enc
	s.promise = s.delivered
	return s, nil
}

// Open implements exec.Operator: it checks the brokers, creates the topic
// when it does not exist (with the broker's default partition count) and
// starts the producer.
func (s *Sink) Open(ctx *exec.OpContext, _ exec.Emitter) error {
	s.ctx = ctx
	if err := s.open(ctx.Context); err != nil {
		return fmt.Errorf("kafka sink %s: %w", s.cfg.Name, err)
	}
	return nil
}

func (s *Sink) open(ctx context.Context) error {
	bs := s.cfg.Brokers
	adm, err := newAdmin(ctx, bs)
	if err != nil {
		return err
	}
	defer adm.Close()
	if err := ensureTopic(ctx, adm, bs, s.cfg.Topic); err != nil {
		return err
	}
	if s.eo != nil {
		return s.openExactlyOnce(ctx)
	}
	s.cl, err = kgo.NewClient(append(baseOpts(bs),
		kgo.RecordDeliveryTimeout(deliveryTimeout),
		kgo.ProducerLinger(5*time.Millisecond),
	)...)
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	return nil
}

// ensureTopic creates topic unless it exists.
func ensureTopic(ctx context.Context, adm *kadm.Client, bs []string, topic string) error {
	_, err := topicPartitions(ctx, adm, bs, topic)
	if errors.Is(err, errTopicMissing) {
		err = createTopic(ctx, adm, bs, topic, -1)
	}
	return err
}

func (s *Sink) delivered(_ *kgo.Record, err error) {
	if err == nil {
		return
	}
	s.mu.Lock()
	if s.failure == nil {
		s.failure = err
	}
	s.mu.Unlock()
}

func (s *Sink) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failure
}

// Push implements exec.Operator. The records' keys and values live in one
// buffer per batch, which the producer holds until delivery.
func (s *Sink) Push(_ int, b arrow.RecordBatch) error {
	if err := s.err(); err != nil && s.eo == nil {
		return fmt.Errorf("kafka sink %s: %w", s.cfg.Name, err)
	}
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	if err := s.enc.Bind(b); err != nil {
		return fmt.Errorf("kafka sink %s: %w", s.cfg.Name, err)
	}
	var deleted *array.Boolean
	if s.del >= 0 {
		var ok bool
		if deleted, ok = b.Column(s.del).(*array.Boolean); !ok {
			return fmt.Errorf("kafka sink %s: %s is %s, not BOOLEAN", s.cfg.Name, expr.DeletedColumn, b.Column(s.del).DataType())
		}
	}
	if s.eo != nil {
		s.appendEpoch(b, n, deleted)
		s.ctx.Metrics.RowsOut.Add(int64(n))
		return nil
	}
	recs := make([]kgo.Record, n)
	// Encode everything first: slices into buf stay valid only once buf
	// stops growing.
	buf := make([]byte, 0, n*128)
	type span struct{ k0, k1, v0, v1 int32 }
	spans := make([]span, n)
	for r := 0; r < n; r++ {
		sp := &spans[r]
		sp.k0 = int32(len(buf))
		switch len(s.keys) {
		case 0:
		case 1:
			var ok bool
			if buf, ok = s.enc.AppendText(buf, s.keys[0], r); !ok {
				sp.k0 = -1 // NULL key
			}
		default:
			buf = s.enc.AppendObject(buf, s.keys, r)
		}
		sp.k1 = int32(len(buf))
		sp.v0 = sp.k1
		if deleted != nil && deleted.IsValid(r) && deleted.Value(r) {
			sp.v0 = -1 // tombstone
		} else {
			buf = s.enc.AppendRow(buf, r)
		}
		sp.v1 = int32(len(buf))
	}
	ctx := s.ctx.Context
	for r := range recs {
		sp := spans[r]
		rec := &recs[r]
		rec.Topic = s.cfg.Topic
		if len(s.keys) > 0 && sp.k0 >= 0 {
			rec.Key = buf[sp.k0:sp.k1:sp.k1]
		}
		if sp.v0 >= 0 {
			rec.Value = buf[sp.v0:sp.v1:sp.v1]
		}
		s.cl.Produce(ctx, rec, s.promise)
	}
	s.ctx.Metrics.RowsOut.Add(int64(n))
	return nil
}

// appendEpoch encodes rows into the open epoch's buffer (appendLen
// framing; a null key or a tombstone's value has length -1).
func (s *Sink) appendEpoch(b arrow.RecordBatch, n int, deleted *array.Boolean) {
	buf := s.cur
	for r := 0; r < n; r++ {
		at := len(buf)
		buf = appendLen(buf, -1)
		if len(s.keys) > 0 {
			var ok bool
			if len(s.keys) == 1 {
				buf, ok = s.enc.AppendText(buf, s.keys[0], r)
			} else {
				buf, ok = s.enc.AppendObject(buf, s.keys, r), true
			}
			if ok {
				binary.LittleEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
			}
		}
		if deleted != nil && deleted.IsValid(r) && deleted.Value(r) {
			buf = appendLen(buf, -1)
			continue
		}
		at = len(buf)
		buf = appendLen(buf, 0)
		buf = s.enc.AppendRow(buf, r)
		binary.LittleEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
	}
	s.cur, s.curN = buf, s.curN+n
}

// Watermark implements exec.Operator; a sink has nothing to flush on it.
func (s *Sink) Watermark(int64) error { return nil }

// Commit implements exec.Committer: it returns once every record pushed
// so far is acknowledged, or with the first delivery error.
//
// An exactly-once sink commits with the checkpoint instead (TakeEpoch,
// Publish), so here it does nothing.
func (s *Sink) Commit(ctx context.Context) error {
	if s.cl == nil || s.eo != nil {
		return nil
	}
	if err := s.cl.Flush(ctx); err != nil {
		return fmt.Errorf("kafka sink %s: flush: %w", s.cfg.Name, err)
	}
	if err := s.err(); err != nil {
		return fmt.Errorf("kafka sink %s: %w", s.cfg.Name, err)
	}
	return nil
}

// Close implements exec.Operator. Records not yet committed are dropped.
func (s *Sink) Close() error {
	if s.cl != nil {
		s.cl.Close()
		s.cl = nil
	}
	return nil
}
