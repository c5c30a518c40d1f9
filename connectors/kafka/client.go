package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// dialTimeout bounds the reachability check and every connection attempt,
// so an unreachable cluster is one error within seconds, not a hang.
const dialTimeout = 5 * time.Second

// requestTimeout bounds admin requests (metadata, offsets, topic creation).
const requestTimeout = 10 * time.Second

// SplitBrokers parses a comma-separated broker list ("host:port,...");
// a broker without a port gets Kafka's default 9092.
func SplitBrokers(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		b = strings.TrimSpace(b)
		if b == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(b); err != nil {
			b = net.JoinHostPort(strings.Trim(b, "[]"), "9092")
		}
		out = append(out, b)
	}
	return out
}

// checkReachable dials the brokers in parallel and succeeds as soon as one
// accepts a TCP connection. franz-go itself retries unreachable brokers
// quietly and forever; this turns the common mistake (wrong address, broker
// down) into one clear error.
func checkReachable(ctx context.Context, brokers []string) error {
	if len(brokers) == 0 {
		return errors.New("no Kafka brokers given")
	}
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	type result struct {
		addr string
		err  error
	}
	res := make(chan result, len(brokers))
	var wg sync.WaitGroup
	for _, b := range brokers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d net.Dialer
			c, err := d.DialContext(ctx, "tcp", b)
			if err == nil {
				c.Close()
			}
			res <- result{b, err}
		}()
	}
	var first error
	for range brokers {
		r := <-res
		if r.err == nil {
			cancel()
			wg.Wait()
			return nil
		}
		if first == nil {
			first = r.err
		}
	}
	if errors.Is(first, context.DeadlineExceeded) {
		first = fmt.Errorf("no answer within %s", dialTimeout)
	}
	return fmt.Errorf("cannot reach Kafka at %s: %w", strings.Join(brokers, ","), first)
}

// baseOpts are the client options every spate client uses.
func baseOpts(brokers []string) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.DialTimeout(dialTimeout),
		kgo.RetryTimeout(requestTimeout),
		kgo.ClientID("spate"),
	}
}

// newAdmin checks the brokers are reachable and returns an admin client.
func newAdmin(ctx context.Context, brokers []string) (*kadm.Client, error) {
	if err := checkReachable(ctx, brokers); err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(baseOpts(brokers)...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return kadm.NewClient(cl), nil
}

// errTopicMissing is returned (wrapped) by topicPartitions.
var errTopicMissing = errors.New("does not exist")

// topicPartitions returns the partitions of topic, sorted.
func topicPartitions(ctx context.Context, adm *kadm.Client, brokers []string, topic string) ([]int32, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	md, err := adm.Metadata(ctx, topic)
	if err != nil {
		return nil, requestError(brokers, "read metadata", err)
	}
	td, ok := md.Topics[topic]
	if !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
		return nil, fmt.Errorf("topic %q %w at %s", topic, errTopicMissing, strings.Join(brokers, ","))
	}
	if td.Err != nil {
		return nil, fmt.Errorf("topic %q: %w", topic, td.Err)
	}
	ps := td.Partitions.Numbers()
	if len(ps) == 0 {
		return nil, fmt.Errorf("topic %q has no partitions", topic)
	}
	return ps, nil
}

// requestError words a failed admin request; a timeout against a broker
// that accepted TCP usually means it is not Kafka, or advertises an
// address this machine cannot reach.
func requestError(brokers []string, what string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("Kafka at %s did not answer (%s) within %s; is it a Kafka broker, and is its advertised address reachable from here?",
			strings.Join(brokers, ","), what, requestTimeout)
	}
	return fmt.Errorf("Kafka at %s: %s: %w", strings.Join(brokers, ","), what, err)
}

// createTopic creates topic with partitions (-1: the broker's default);
// it is not an error when the topic exists.
func createTopic(ctx context.Context, adm *kadm.Client, brokers []string, topic string, partitions int32) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	_, err := adm.CreateTopic(ctx, partitions, -1, nil, topic)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return requestError(brokers, fmt.Sprintf("create topic %q", topic), err)
	}
	return nil
}

// CreateTopic creates topic with the given number of partitions (-1: the
// broker's default). An existing topic is not an error.
func CreateTopic(ctx context.Context, brokers []string, topic string, partitions int32) error {
	adm, err := newAdmin(ctx, brokers)
	if err != nil {
		return err
	}
	defer adm.Close()
	return createTopic(ctx, adm, brokers, topic, partitions)
}

// Record is one record for ProduceRecords.
type Record struct {
	Partition int32
	Key       []byte // nil: no key
	Value     []byte
}

// ProduceRecords writes recs to topic, each to its own partition, in
// order, and returns once all are acknowledged (tests and tools that need
// to place records exactly). The topic must exist.
func ProduceRecords(ctx context.Context, brokers []string, topic string, recs []Record) error {
	if err := checkReachable(ctx, brokers); err != nil {
		return err
	}
	cl, err := kgo.NewClient(append(baseOpts(brokers),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.RecordDeliveryTimeout(deliveryTimeout))...)
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	krs := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		krs[i] = &kgo.Record{Topic: topic, Partition: r.Partition, Key: r.Key, Value: r.Value}
	}
	if err := cl.ProduceSync(ctx, krs...).FirstErr(); err != nil {
		return fmt.Errorf("produce to %s: %w", topic, err)
	}
	return nil
}

// ProduceTo writes values, in order, to one partition of topic.
func ProduceTo(ctx context.Context, brokers []string, topic string, partition int32, values ...[]byte) error {
	recs := make([]Record, len(values))
	for i, v := range values {
		recs[i] = Record{Partition: partition, Value: v}
	}
	return ProduceRecords(ctx, brokers, topic, recs)
}
