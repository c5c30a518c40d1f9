package kafka

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spate-sql/spate/connectors/jsonfmt"
)

// Produce writes JSON Lines from r to topic, one record per non-blank
// line, creating the topic (broker default partitions) if it does not
// exist. With key set, each line must be a JSON object and the record key
// is that top-level field (a string's text, any other value's JSON; no key
// when absent or null). It returns the number of records produced. A line
// that is not valid JSON stops it with an error naming the line; the lines
// before it have been produced.
func Produce(ctx context.Context, brokers []string, topic, key string, r io.Reader) (int, error) {
	bs := brokers
	adm, err := newAdmin(ctx, bs)
	if err != nil {
		return 0, err
	}
	err = ensureTopic(ctx, adm, bs, topic)
	adm.Close()
	if err != nil {
		return 0, err
	}
	cl, err := kgo.NewClient(append(baseOpts(bs), kgo.RecordDeliveryTimeout(deliveryTimeout))...)
	if err != nil {
		return 0, fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()

	var (
		mu      sync.Mutex
		failure error
	)
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			mu.Lock()
			if failure == nil {
				failure = err
			}
			mu.Unlock()
		}
	}
	failed := func() error {
		mu.Lock()
		defer mu.Unlock()
		return failure
	}

	br := bufio.NewReaderSize(r, 1<<20)
	n, line := 0, 0
	var lineErr error
	for {
		raw, rerr := br.ReadBytes('\n')
		if len(raw) > 0 {
			line++
			v := bytes.TrimSpace(raw)
			if len(v) > 0 {
				if err := jsonfmt.Valid(v); err != nil {
					lineErr = fmt.Errorf("line %d: %w", line, err)
					break
				}
				rec := &kgo.Record{Topic: topic, Value: v}
				if key != "" {
					if rec.Key, err = jsonfmt.Field(v, key); err != nil {
						lineErr = fmt.Errorf("line %d: cannot take key %q: %w", line, key, err)
						break
					}
				}
				cl.Produce(ctx, rec, promise)
				n++
				if n%10000 == 0 {
					if err := failed(); err != nil {
						break
					}
				}
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			lineErr = fmt.Errorf("reading input: %w", rerr)
			break
		}
	}
	if err := cl.Flush(ctx); err != nil {
		return 0, fmt.Errorf("produce to %s: %w", topic, err)
	}
	if err := failed(); err != nil {
		return 0, fmt.Errorf("produce to %s: %w", topic, err)
	}
	return n, lineErr
}
