package kafka

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	spexec "github.com/spate-sql/spate/exec"
)

// eoSink opens an exactly-once sink of cdn rows on topic.
func eoSink(t *testing.T, ctx context.Context, mem memory.Allocator, addr, topic, run string, pending []OutboxEpoch) *Sink {
	t.Helper()
	sink, err := NewSink(&spexec.SinkSpec{Name: "alerts", Connector: "kafka",
		Options: map[string]string{"topic": topic, "key": "cdn"}, Schema: cdnSchema},
		[]string{addr}, &ExactlyOnceConfig{ID: "spate-test-alerts", Run: run, Pending: pending})
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Open(opCtx(ctx, mem), nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	return sink
}

// pushEpoch pushes one cdn batch (3 rows) and takes it as epoch.
func pushEpoch(t *testing.T, s *Sink, mem memory.Allocator, epoch int64) OutboxEpoch {
	t.Helper()
	rec := cdnBatch(t, mem)
	defer rec.Release()
	if err := s.Push(0, rec); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(context.Background()); err != nil { // a no-op for exactly-once
		t.Fatal(err)
	}
	return s.TakeEpoch(epoch)
}

// committed lists the topic's committed records as "run/epoch/key" lines,
// sorted.
func committed(t *testing.T, ctx context.Context, addr, topic string) []string {
	t.Helper()
	recs, err := ReadCommitted(ctx, []string{addr}, topic)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		h := map[string]string{}
		for _, x := range r.Headers {
			h[x.Key] = string(x.Value)
		}
		out = append(out, fmt.Sprintf("%s/%s/%s", h[HeaderRun], h[HeaderEpoch], r.Key))
	}
	sort.Strings(out)
	return out
}

func want(run string, epochs ...int) []string {
	var out []string
	for _, e := range epochs {
		for _, k := range []string{"", "C\"2", "C1"} {
			out = append(out, fmt.Sprintf("%s/%d/%s", run, e, k))
		}
	}
	sort.Strings(out)
	return out
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\ngot  %q\nwant %q", what, got, want)
	}
}

// Every crash point of the outbox protocol (outbox.go), against kfake's
// transactions: what a read_committed consumer sees is each epoch exactly
// once.
func TestSinkExactlyOnceCrashPoints(t *testing.T) {
	b := startBroker(t)
	ctx := testCtx(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const topic = "eo"

	s1 := eoSink(t, ctx, mem, b.Addr(), topic, "r1", nil)
	e1 := pushEpoch(t, s1, mem, 1)
	if err := s1.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if s1.Published() != 1 {
		t.Fatalf("published %d, want 1", s1.Published())
	}
	sameLines(t, "after epoch 1", committed(t, ctx, b.Addr(), topic), want("r1", 1))
	e2 := pushEpoch(t, s1, mem, 2)
	// Crash point 2: epoch 2 is in the outbox (DuckDB committed), the
	// dead process left a Kafka transaction open with part of it.
	zombie, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.TransactionalID("spate-test-alerts"))
	if err != nil {
		t.Fatal(err)
	}
	defer zombie.Close()
	if err := zombie.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := zombie.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte("zombie"), Value: []byte("{}")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	s1.Close()

	s2 := eoSink(t, ctx, mem, b.Addr(), topic, "r1", []OutboxEpoch{e1, e2})
	if s2.Published() != 2 {
		t.Fatalf("after re-sending: published %d, want 2", s2.Published())
	}
	sameLines(t, "after re-sending epoch 2", committed(t, ctx, b.Addr(), topic), want("r1", 1, 2))
	// The zombie was fenced: its transaction cannot commit.
	if err := zombie.EndTransaction(ctx, kgo.TryCommit); err == nil {
		t.Fatal("the fenced producer committed")
	}
	s2.Close()

	// Crash point 3: Kafka committed epoch 2, the outbox still has it.
	s3 := eoSink(t, ctx, mem, b.Addr(), topic, "r1", []OutboxEpoch{e1, e2})
	sameLines(t, "after a restart with a stale outbox", committed(t, ctx, b.Addr(), topic), want("r1", 1, 2))
	// Crash point 1 needs nothing from the sink: epoch 3 was never taken.
	pushEpoch(t, s3, mem, 3)
	if err := s3.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "after epoch 3", committed(t, ctx, b.Addr(), topic), want("r1", 1, 2, 3))
	s3.Close()

	// A new run (the job started over without a checkpoint): its epochs
	// restart at 1 and are not mistaken for the old run's.
	s4 := eoSink(t, ctx, mem, b.Addr(), topic, "r2", nil)
	f1 := pushEpoch(t, s4, mem, 1)
	s4.Close()
	s5 := eoSink(t, ctx, mem, b.Addr(), topic, "r2", []OutboxEpoch{f1})
	_ = s5
	sameLines(t, "after a new run", committed(t, ctx, b.Addr(), topic), append(want("r1", 1, 2, 3), want("r2", 1)...))
}

// The delivery option: at_least_once turns exactly-once off; anything
// else is refused.
func TestSinkDeliveryOption(t *testing.T) {
	eo := &ExactlyOnceConfig{ID: "x"}
	for opt, wantEO := range map[string]bool{"": true, "exactly_once": true, "at_least_once": false} {
		s, err := NewSink(&spexec.SinkSpec{Name: "k", Options: map[string]string{"topic": "t", "delivery": opt}, Schema: cdnSchema},
			[]string{"127.0.0.1:1"}, eo)
		if err != nil || s.ExactlyOnce() != wantEO {
			t.Errorf("delivery %q: exactly-once %v, err %v", opt, s != nil && s.ExactlyOnce(), err)
		}
	}
	_, err := NewSink(&spexec.SinkSpec{Name: "k", Options: map[string]string{"topic": "t", "delivery": "twice"}, Schema: cdnSchema},
		[]string{"127.0.0.1:1"}, eo)
	if err == nil || !strings.Contains(err.Error(), "unknown delivery") {
		t.Errorf("delivery twice: %v", err)
	}
}

// A Kafka commit that fails while the process lives: rejected (the
// commit did not happen: the epoch is sent again) or timed out after the
// broker applied it (it did: the epoch is not sent again). Either way
// each epoch is committed once.
func TestSinkExactlyOnceFailedCommit(t *testing.T) {
	for _, c := range []struct {
		name string
		err  *kerr.Error
	}{{"rejected", kerr.UnknownServerError}, {"applied", kerr.RequestTimedOut}} {
		t.Run(c.name, func(t *testing.T) {
			b := startBroker(t)
			ctx := testCtx(t)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			s := eoSink(t, ctx, mem, b.Addr(), "eo", "r1", nil)
			pushEpoch(t, s, mem, 1)
			if err := s.Publish(ctx); err != nil {
				t.Fatal(err)
			}
			f := b.c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.EndTxn}, Err: c.err, Count: 1})
			pushEpoch(t, s, mem, 2)
			if err := s.Publish(ctx); err != nil {
				t.Fatal(err)
			}
			if f.Hits() != 1 || s.retries != 1 {
				t.Fatalf("the fault answered %d requests, %d retries; want 1 and 1", f.Hits(), s.retries)
			}
			pushEpoch(t, s, mem, 3)
			if err := s.Publish(ctx); err != nil {
				t.Fatal(err)
			}
			sameLines(t, "committed", committed(t, ctx, b.Addr(), "eo"), want("r1", 1, 2, 3))
		})
	}
}
