package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spate-sql/spate/exec"
)

var tsType = &arrow.TimestampType{Unit: arrow.Millisecond}

// heartbeats is the schema of the spec's example source.
var heartbeats = arrow.NewSchema([]arrow.Field{
	{Name: "session_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ts", Type: tsType, Nullable: true},
	{Name: "bitrate", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

func startBroker(t *testing.T) *Broker {
	t.Helper()
	b, err := StartEmbedded(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type dlRecorder struct {
	mu  sync.Mutex
	got []exec.DeadLetter
}

func (r *dlRecorder) WriteDeadLetter(d exec.DeadLetter) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	d.Raw = slices.Clone(d.Raw) // the contract: copy Raw to keep it
	r.got = append(r.got, d)
	return nil
}

// readResult is everything a source delivered until io.EOF.
type readResult struct {
	rows    []string        // "p@offset-ish|col|col..." in delivery order per partition
	next    map[int32]int64 // last NextOffset per partition
	batches int
	idle    int
}

// rowString renders row r with arrow's own value formatting.
func rowString(rec arrow.RecordBatch, r int) string {
	parts := make([]string, rec.NumCols())
	for c := range parts {
		parts[c] = rec.Column(c).ValueStr(r)
	}
	return strings.Join(parts, "|")
}

// readToEOF reads src (opened with ExitAtEnd) until io.EOF.
func readToEOF(t *testing.T, ctx context.Context, src *Source) readResult {
	t.Helper()
	res := readResult{next: map[int32]int64{}}
	for {
		sb, err := src.Read(ctx)
		if errors.Is(err, io.EOF) {
			return res
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if sb.Records == nil {
			res.idle++
			continue
		}
		res.batches++
		// An empty batch (a partition behind but not fetched this tick)
		// repeats its NextOffset.
		if prev, ok := res.next[sb.Partition]; ok && (sb.NextOffset < prev || sb.NextOffset == prev && sb.Records.NumRows() > 0) {
			t.Errorf("partition %d: NextOffset went from %d to %d", sb.Partition, prev, sb.NextOffset)
		}
		res.next[sb.Partition] = sb.NextOffset
		for r := 0; r < int(sb.Records.NumRows()); r++ {
			res.rows = append(res.rows, fmt.Sprintf("p%d|%s", sb.Partition, rowString(sb.Records, r)))
		}
		sb.Records.Release()
	}
}

func openSource(t *testing.T, ctx context.Context, cfg SourceConfig, dl exec.DeadLetterWriter) (*Source, *memory.CheckedAllocator) {
	t.Helper()
	if cfg.Schema == nil {
		cfg.Schema = heartbeats
	}
	if cfg.Name == "" {
		cfg.Name = "hb"
	}
	src, err := NewSourceFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	if err := src.Open(ctx, mem, dl); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		src.Close()
		mem.AssertSize(t, 0)
	})
	return src, mem
}

func produceTo(_ *testing.T, ctx context.Context, addr, topic string, partition int32, values ...[]byte) error {
	return ProduceTo(ctx, []string{addr}, topic, partition, values...)
}

func hb(session string, ts string, bitrate float64) []byte {
	return fmt.Appendf(nil, `{"session_id":%q,"ts":%q,"bitrate":%v}`, session, ts, bitrate)
}

// TestProduceAndReadRoundTrip: spate produce's path in, the source's path
// out, on a one-partition topic the producer creates.
func TestProduceAndReadRoundTrip(t *testing.T) {
	b := startBroker(t)
	ctx := testCtx(t)
	in := `{"session_id":"s1","ts":"2015-07-15T00:00:00.000Z","bitrate":1500.5,"extra":{"x":[1,2]}}

{"session_id":"s2","ts":1436918401000,"bitrate":3000}
{"SESSION_ID":"s\u00e9","ts":"2015-07-15 00:00:02","bitrate":null}
`
	n, err := Produce(ctx, []string{b.Addr()}, "hb", "session_id", strings.NewReader(in))
	if err != nil || n != 3 {
		t.Fatalf("Produce: %d, %v", n, err)
	}
	src, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "hb", EventTime: 1, ExitAtEnd: true}, nil)
	if got := src.Partitions(); !slices.Equal(got, []int32{0}) {
		t.Errorf("partitions %v, want [0] (the embedded broker's default)", got)
	}
	res := readToEOF(t, ctx, src)
	want := []string{
		"p0|s1|2015-07-15T00:00:00|1500.5",
		"p0|s2|2015-07-15T00:00:01|3000",
		"p0|sé|2015-07-15T00:00:02|(null)",
	}
	if !slices.Equal(res.rows, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(res.rows, "\n"), strings.Join(want, "\n"))
	}
	if res.next[0] != 3 {
		t.Errorf("next offset %d, want 3", res.next[0])
	}
	// The keys are the session ids: read the topic raw. The key field is
	// matched exactly, so the third record ("SESSION_ID") has none.
	keys := consumeKeys(t, ctx, b.Addr(), "hb", 3)
	if !slices.Equal(keys, []string{"s1", "s2", ""}) {
		t.Errorf("keys %q", keys)
	}
}

// consumeKeys reads n records of topic with a plain franz-go consumer and
// returns their keys (values with "=" when asked).
func consumeRecords(t *testing.T, ctx context.Context, brokers, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	for len(out) < n {
		f := cl.PollFetches(ctx)
		if err := f.Err0(); err != nil {
			t.Fatalf("consume %s: %v (after %d records)", topic, err, len(out))
		}
		out = append(out, f.Records()...)
	}
	slices.SortStableFunc(out, func(a, b *kgo.Record) int {
		if a.Partition != b.Partition {
			return int(a.Partition - b.Partition)
		}
		return int(a.Offset - b.Offset)
	})
	return out
}

func consumeKeys(t *testing.T, ctx context.Context, brokers, topic string, n int) []string {
	var keys []string
	for _, r := range consumeRecords(t, ctx, brokers, topic, n) {
		keys = append(keys, string(r.Key))
	}
	return keys
}

func TestProduceRejectsBadLine(t *testing.T) {
	b := startBroker(t)
	ctx := testCtx(t)
	in := "{\"a\":1}\n{\"a\":2}\n{\"a\":\n{\"a\":4}\n"
	n, err := Produce(ctx, []string{b.Addr()}, "bad", "", strings.NewReader(in))
	if err == nil || !strings.HasPrefix(err.Error(), "line 3: invalid JSON") {
		t.Fatalf("err = %v", err)
	}
	if n != 2 {
		t.Errorf("produced %d lines before the bad one, want 2", n)
	}
	_, err = Produce(ctx, []string{b.Addr()}, "bad", "a", strings.NewReader("[1,2]\n"))
	if err == nil || !strings.Contains(err.Error(), `line 1: cannot take key "a": not a JSON object`) {
		t.Errorf("key from an array: %v", err)
	}
}

// TestPartitionsOffsetsAndRestore: three partitions, one idle; batches
// carry their partition and the offset after them; a reader restored at
// those offsets sees only what came after.
func TestPartitionsOffsetsAndRestore(t *testing.T) {
	b := startBroker(t)
	ctx := testCtx(t)
	if err := CreateTopic(ctx, []string{b.Addr()}, "hb3", 3); err != nil {
		t.Fatal(err)
	}
	if err := CreateTopic(ctx, []string{b.Addr()}, "hb3", 3); err != nil {
		t.Fatalf("CreateTopic is not idempotent: %v", err)
	}
	var p0, p1 [][]byte
	for i := 0; i < 5; i++ {
		p0 = append(p0, hb("a", fmt.Sprintf("2015-07-15T00:00:0%dZ", i), float64(i)))
	}
	for i := 0; i < 3; i++ {
		p1 = append(p1, hb("b", fmt.Sprintf("2015-07-15T00:01:0%dZ", i), float64(10+i)))
	}
	if err := produceTo(t, ctx, b.Addr(), "hb3", 0, p0...); err != nil {
		t.Fatal(err)
	}
	if err := produceTo(t, ctx, b.Addr(), "hb3", 1, p1...); err != nil {
		t.Fatal(err)
	}
	src, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "hb3", EventTime: 1, ExitAtEnd: true}, nil)
	if got := src.Partitions(); !slices.Equal(got, []int32{0, 1, 2}) {
		t.Fatalf("partitions %v", got)
	}
	if lag := src.Lag(); lag != 8 {
		t.Errorf("lag before reading %d, want 8", lag)
	}
	res := readToEOF(t, ctx, src)
	if lag := src.Lag(); lag != 0 {
		t.Errorf("lag after reading %d, want 0", lag)
	}
	if len(res.rows) != 8 {
		t.Fatalf("%d rows: %v", len(res.rows), res.rows)
	}
	var got0, got1 []string
	for _, r := range res.rows {
		if strings.HasPrefix(r, "p0|") {
			got0 = append(got0, r)
		} else {
			got1 = append(got1, r)
		}
	}
	if got0[0] != "p0|a|2015-07-15T00:00:00|0" || got0[4] != "p0|a|2015-07-15T00:00:04|4" || got1[2] != "p1|b|2015-07-15T00:01:02|12" {
		t.Errorf("per-partition order broken: %v %v", got0, got1)
	}
	if res.next[0] != 5 || res.next[1] != 3 {
		t.Errorf("next offsets %v, want 0:5 1:3", res.next)
	}
	if _, ok := res.next[2]; ok {
		t.Errorf("the empty partition delivered a batch")
	}

	// Restore in the middle of partition 0 and at the end of 1; 2 is
	// absent from the checkpoint, so it starts at its beginning.
	if err := produceTo(t, ctx, b.Addr(), "hb3", 2, hb("c", "2015-07-15T00:02:00Z", 20)); err != nil {
		t.Fatal(err)
	}
	src2, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "hb3", EventTime: 1, ExitAtEnd: true,
		StartOffsets: map[int32]int64{0: 3, 1: 3}}, nil)
	res2 := readToEOF(t, ctx, src2)
	slices.Sort(res2.rows)
	want := []string{"p0|a|2015-07-15T00:00:03|3", "p0|a|2015-07-15T00:00:04|4", "p2|c|2015-07-15T00:02:00|20"}
	if !slices.Equal(res2.rows, want) {
		t.Errorf("restored rows %v, want %v", res2.rows, want)
	}
	if res2.next[0] != 5 || res2.next[2] != 1 {
		t.Errorf("restored next offsets %v", res2.next)
	}
}

// TestIdleAndLiveRecords: without exit-at-end, Read ticks idle every
// ~250 ms and delivers records produced while it runs.
func TestIdleAndLiveRecords(t *testing.T) {
	b := startBroker(t)
	ctx := testCtx(t)
	if err := CreateTopic(ctx, []string{b.Addr()}, "live", 2); err != nil {
		t.Fatal(err)
	}
	src, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "live", EventTime: 1}, nil)
	start := time.Now()
	sb, err := src.Read(ctx)
	if err != nil || sb.Records != nil {
		t.Fatalf("first Read on an empty topic: %v %v", sb, err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
		t.Errorf("idle tick after %v, want ~250ms", d)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		_ = produceTo(t, context.Background(), b.Addr(), "live", 1, hb("x", "2015-07-15T00:00:00Z", 1))
	}()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		sb, err := src.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sb.Records == nil {
			continue
		}
		defer sb.Records.Release()
		if sb.Partition != 1 || sb.NextOffset != 1 || sb.Records.NumRows() != 1 || rowString(sb.Records, 0) != "x|2015-07-15T00:00:00|1" {
			t.Fatalf("got partition %d next %d rows %d", sb.Partition, sb.NextOffset, sb.Records.NumRows())
		}
		return
	}
	t.Fatal("the live record never arrived")
}

func TestStartOffsetLatest(t *testing.T) {
	b := startBroker(t)
	ctx := testCtx(t)
	if err := CreateTopic(ctx, []string{b.Addr()}, "lt", 1); err != nil {
		t.Fatal(err)
	}
	if err := produceTo(t, ctx, b.Addr(), "lt", 0, hb("old", "2015-07-15T00:00:00Z", 1)); err != nil {
		t.Fatal(err)
	}
	src, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "lt", EventTime: 1, ExitAtEnd: true, StartOffset: "latest"}, nil)
	if res := readToEOF(t, ctx, src); len(res.rows) != 0 {
		t.Errorf("latest + exit-at-end read %v", res.rows)
	}
	src2, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "lt", EventTime: 1, StartOffset: "latest"}, nil)
	if err := produceTo(t, ctx, b.Addr(), "lt", 0, hb("new", "2015-07-15T00:00:01Z", 2)); err != nil {
		t.Fatal(err)
	}
	for {
		sb, err := src2.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sb.Records != nil {
			got := rowString(sb.Records, 0)
			sb.Records.Release()
			if got != "new|2015-07-15T00:00:01|2" {
				t.Errorf("latest read %q", got)
			}
			return
		}
	}
}

// TestDeadLetters: malformed JSON, a wrong type and a missing event time
// become dead letters with their partition, offset and bytes; good records
// around them are delivered; offsets move past all of them.
func TestDeadLetters(t *testing.T) {
	b := startBroker(t)
	ctx := testCtx(t)
	if err := CreateTopic(ctx, []string{b.Addr()}, "dl", 1); err != nil {
		t.Fatal(err)
	}
	records := [][]byte{
		hb("ok1", "2015-07-15T00:00:00Z", 1),
		[]byte(`{"session_id":"x","ts":"2015-07-15T00:00:00Z"`),
		[]byte(`{"session_id":"y","ts":"2015-07-15T00:00:00Z","bitrate":"fast"}`),
		[]byte(`{"session_id":"z","bitrate":5}`),
		hb("ok2", "2015-07-15T00:00:01Z", 2),
		[]byte(`{"session_id":"w","ts":true}`),
	}
	if err := produceTo(t, ctx, b.Addr(), "dl", 0, records...); err != nil {
		t.Fatal(err)
	}
	wantReasons := []struct {
		offset int64
		reason string
	}{
		{1, "invalid JSON: unexpected end of input at byte 45 (expected ',' or '}' after an object field)"},
		{2, `field "bitrate": expected a number (DOUBLE), got "fast"`},
		{3, `required field "ts" is missing`},
		{5, `field "ts": expected a timestamp (RFC 3339 string or epoch milliseconds), got true`},
	}
	t.Run("dead_letter", func(t *testing.T) {
		dl := &dlRecorder{}
		src, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "dl", EventTime: 1, ExitAtEnd: true}, dl)
		res := readToEOF(t, ctx, src)
		if !slices.Equal(res.rows, []string{"p0|ok1|2015-07-15T00:00:00|1", "p0|ok2|2015-07-15T00:00:01|2"}) {
			t.Errorf("rows %v", res.rows)
		}
		if res.next[0] != 6 {
			t.Errorf("next offset %d, want 6 (past the last, bad, record)", res.next[0])
		}
		if len(dl.got) != len(wantReasons) {
			t.Fatalf("%d dead letters: %+v", len(dl.got), dl.got)
		}
		for i, w := range wantReasons {
			d := dl.got[i]
			if d.Source != "hb" || d.Partition != 0 || d.Offset != w.offset || !strings.HasPrefix(d.Reason, w.reason) ||
				string(d.Raw) != string(records[w.offset]) || time.Since(d.Time) > time.Minute {
				t.Errorf("dead letter %d: %+v (raw %s), want offset %d reason %q", i, d, d.Raw, w.offset, w.reason)
			}
		}
	})
	t.Run("skip", func(t *testing.T) {
		dl := &dlRecorder{}
		src, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "dl", EventTime: 1, ExitAtEnd: true, OnError: "skip"}, dl)
		res := readToEOF(t, ctx, src)
		if len(res.rows) != 2 || len(dl.got) != 0 {
			t.Errorf("skip: rows %v, dead letters %v", res.rows, dl.got)
		}
	})
	t.Run("fail", func(t *testing.T) {
		src, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "dl", EventTime: 1, ExitAtEnd: true, OnError: "fail"}, nil)
		for {
			sb, err := src.Read(ctx)
			if err != nil {
				want := "kafka source hb: partition 0 offset 1: invalid JSON: unexpected end of input"
				if !strings.HasPrefix(err.Error(), want) {
					t.Errorf("fail: %v, want %q", err, want)
				}
				return
			}
			if sb.Records != nil {
				sb.Records.Release()
			}
		}
	})
	t.Run("no event time", func(t *testing.T) {
		// Without event_time, a record without ts is fine.
		dl := &dlRecorder{}
		src, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "dl", EventTime: -1, ExitAtEnd: true}, dl)
		res := readToEOF(t, ctx, src)
		if len(res.rows) != 3 || len(dl.got) != 3 {
			t.Errorf("rows %v, dead letters %d", res.rows, len(dl.got))
		}
	})
}

func TestUnreachableBroker(t *testing.T) {
	ctx := testCtx(t)
	cases := []struct {
		brokers string
		want    string
	}{
		// Nothing listens on port 1 of the loopback: refused at once.
		{"127.0.0.1:1", "cannot reach Kafka at 127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused"},
	}
	for _, c := range cases {
		start := time.Now()
		src, err := NewSourceFromConfig(SourceConfig{Name: "hb", Brokers: SplitBrokers(c.brokers), Topic: "t", Schema: heartbeats, EventTime: 1})
		if err != nil {
			t.Fatal(err)
		}
		err = src.Open(ctx, memory.NewGoAllocator(), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("source: %v, want %q", err, c.want)
		}
		if _, err := Produce(ctx, SplitBrokers(c.brokers), "t", "", strings.NewReader("{}")); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("produce: %v", err)
		}
		sink, err := NewSinkFromConfig(SinkConfig{Name: "out", Brokers: SplitBrokers(c.brokers), Topic: "t", Schema: heartbeats})
		if err != nil {
			t.Fatal(err)
		}
		if err := sink.Open(&exec.OpContext{Context: ctx, Metrics: &exec.OpMetrics{}}, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("sink: %v", err)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("%s: took %v", c.brokers, d)
		}
	}
}

// TestSilentBroker: a server that accepts connections but never answers
// (or is not Kafka) is reported within 15 s, not retried forever.
func TestSilentBroker(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the request timeout")
	}
	ctx := testCtx(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	start := time.Now()
	err = CreateTopic(ctx, []string{ln.Addr().String()}, "t", 1)
	want := fmt.Sprintf("Kafka at %s did not answer", ln.Addr())
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want %q...", err, want)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %v", d)
	}

	// An HTTP server where Kafka was expected: franz-go recognises it.
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hl.Close()
	go func() {
		for {
			c, err := hl.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 512)
				_, _ = c.Read(buf)
				_, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
			}()
		}
	}()
	start = time.Now()
	err = CreateTopic(ctx, []string{hl.Addr().String()}, "t", 1)
	if err == nil || !strings.Contains(err.Error(), "HTTP") {
		t.Errorf("HTTP server: %v", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("HTTP server: took %v", d)
	}
}

func TestMissingTopic(t *testing.T) {
	b := startBroker(t)
	ctx := testCtx(t)
	src, err := NewSourceFromConfig(SourceConfig{Name: "hb", Brokers: []string{b.Addr()}, Topic: "nope", Schema: heartbeats, EventTime: 1, ExitAtEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	err = src.Open(ctx, memory.NewGoAllocator(), nil)
	want := fmt.Sprintf(`kafka source hb: topic "nope" does not exist at %s`, b.Addr())
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	// With CreateMissingTopic (the embedded broker's mode) it is created,
	// and exit-at-end returns io.EOF at once.
	src2, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "nope", EventTime: 1, ExitAtEnd: true, CreateMissingTopic: true}, nil)
	if _, err := src2.Read(ctx); !errors.Is(err, io.EOF) {
		t.Errorf("Read on a new topic with exit-at-end: %v", err)
	}
}

func TestOptionValidation(t *testing.T) {
	brokers := []string{"127.0.0.1:9092"}
	for _, tc := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"topic": "t", "colour": "red"}, `kafka source s: unknown option "colour"`},
		{map[string]string{"topic": "t", "format": "csv"}, "format 'csv' is not supported"},
		{map[string]string{"topic": "t", "format": "avro"}, `unknown format "avro"`},
		{map[string]string{"topic": "t", "start_offset": "middle"}, `start_offset must be earliest or latest, not "middle"`},
		{map[string]string{}, "option topic is required"},
	} {
		_, err := NewSource(&exec.SourceSpec{Name: "s", Connector: "kafka", Options: tc.opts, Schema: heartbeats, EventTime: 1},
			SourceOptions{Brokers: brokers})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.opts, err, tc.want)
		}
	}
	_, err := NewSink(&exec.SinkSpec{Name: "k", Connector: "kafka", Options: map[string]string{"topic": "t", "key": "nope"}, Schema: heartbeats}, brokers, nil)
	if err == nil || !strings.Contains(err.Error(), `key column "nope" is not in the sink's input`) {
		t.Errorf("sink key: %v", err)
	}
	if got := SplitBrokers(" a:1, b ,[::1]:3,"); !slices.Equal(got, []string{"a:1", "b:9092", "[::1]:3"}) {
		t.Errorf("SplitBrokers: %q", got)
	}
}

// TestGroupOffsets: committed group offsets are where a source with that
// group starts when nothing is restored.
func TestGroupOffsets(t *testing.T) {
	b := startBroker(t)
	ctx := testCtx(t)
	if err := CreateTopic(ctx, []string{b.Addr()}, "g", 1); err != nil {
		t.Fatal(err)
	}
	var recs [][]byte
	for i := 0; i < 4; i++ {
		recs = append(recs, hb(fmt.Sprint(i), "2015-07-15T00:00:00Z", float64(i)))
	}
	if err := produceTo(t, ctx, b.Addr(), "g", 0, recs...); err != nil {
		t.Fatal(err)
	}
	src, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "g", EventTime: 1, ExitAtEnd: true, GroupID: "spate-g"}, nil)
	if res := readToEOF(t, ctx, src); len(res.rows) != 4 {
		t.Fatalf("rows %v", res.rows)
	}
	if err := src.CommitOffsets(ctx, map[int32]int64{0: 2}); err != nil {
		t.Fatal(err)
	}
	src2, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "g", EventTime: 1, ExitAtEnd: true, GroupID: "spate-g"}, nil)
	res := readToEOF(t, ctx, src2)
	if !slices.Equal(res.rows, []string{"p0|2|2015-07-15T00:00:00|2", "p0|3|2015-07-15T00:00:00|3"}) {
		t.Errorf("rows after the group's commit: %v", res.rows)
	}
}

// TestTransactionalInput: exit-at-end stops on a partition that ends with
// a transaction marker, and aborted records are never delivered.
func TestTransactionalInput(t *testing.T) {
	b := startBroker(t)
	ctx := testCtx(t)
	if err := CreateTopic(ctx, []string{b.Addr()}, "tx", 1); err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.TransactionalID("spate-test"), kgo.DefaultProduceTopic("tx"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	txn := func(commit kgo.TransactionEndTry, names ...string) {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if err := cl.ProduceSync(ctx, &kgo.Record{Value: hb(n, "2015-07-15T00:00:00Z", 1)}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if err := cl.EndTransaction(ctx, commit); err != nil {
			t.Fatal(err)
		}
	}
	txn(kgo.TryCommit, "c1", "c2")
	txn(kgo.TryAbort, "a1")
	txn(kgo.TryCommit, "c3")
	src, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "tx", EventTime: 1, ExitAtEnd: true}, nil)
	res := readToEOF(t, ctx, src)
	var names []string
	for _, r := range res.rows {
		names = append(names, strings.Split(r, "|")[1])
	}
	if !slices.Equal(names, []string{"c1", "c2", "c3"}) {
		t.Errorf("read %v, want the committed c1 c2 c3", names)
	}
	// 2 records + marker, 1 aborted + marker, 1 record + marker.
	if res.next[0] != 7 {
		t.Errorf("next offset %d, want 7 (past the last marker)", res.next[0])
	}
}
