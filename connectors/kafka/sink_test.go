package kafka

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	spexec "github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

func opCtx(ctx context.Context, mem memory.Allocator) *spexec.OpContext {
	return &spexec.OpContext{Name: "sink", Alloc: mem, DeadLetters: spexec.DiscardDeadLetters,
		Metrics: &spexec.OpMetrics{}, Context: ctx}
}

var cdnSchema = arrow.NewSchema([]arrow.Field{
	{Name: "cdn", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "minute", Type: tsType, Nullable: true},
	{Name: "events", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "avg_bitrate", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "revenue", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
}, nil)

func cdnBatch(t *testing.T, mem memory.Allocator) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, cdnSchema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"C1", "C\"2", ""}, []bool{true, true, false})
	b.Field(1).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1436918400000, 1436918460000, 1436918520000}, nil)
	b.Field(2).(*array.Int64Builder).AppendValues([]int64{10, 3, 0}, []bool{true, true, false})
	b.Field(3).(*array.Float64Builder).AppendValues([]float64{1500.25, 800, 0}, []bool{true, true, false})
	d := b.Field(4).(*array.Decimal128Builder)
	d.Append(decimal128.FromI64(12345))
	d.Append(decimal128.FromI64(-5))
	d.AppendNull()
	return b.NewRecordBatch()
}

func TestSinkRows(t *testing.T) {
	b := startBroker(t)
	ctx := testCtx(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sink, err := NewSink(&spexec.SinkSpec{Name: "alerts", Connector: "kafka",
		Options: map[string]string{"connector": "kafka", "topic": "alerts", "format": "json", "key": "CDN"}, Schema: cdnSchema},
		[]string{b.Addr()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	oc := opCtx(ctx, mem)
	if err := sink.Open(oc, nil); err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	rec := cdnBatch(t, mem)
	if err := sink.Push(0, rec); err != nil {
		t.Fatal(err)
	}
	rec.Release() // the sink must not need the batch after Push
	if err := sink.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if oc.Metrics.RowsOut.Load() != 3 {
		t.Errorf("RowsOut %d", oc.Metrics.RowsOut.Load())
	}
	got := consumeRecords(t, ctx, b.Addr(), "alerts", 3)
	want := []struct{ key, value string }{
		{"C1", `{"cdn":"C1","minute":"2015-07-15T00:00:00.000Z","events":10,"avg_bitrate":1500.25,"revenue":123.45}`},
		{`C"2`, `{"cdn":"C\"2","minute":"2015-07-15T00:01:00.000Z","events":3,"avg_bitrate":800,"revenue":-0.05}`},
		{"<nil>", `{"cdn":null,"minute":"2015-07-15T00:02:00.000Z","events":null,"avg_bitrate":null,"revenue":null}`},
	}
	for i, w := range want {
		key := string(got[i].Key)
		if got[i].Key == nil {
			key = "<nil>"
		}
		if key != w.key || string(got[i].Value) != w.value {
			t.Errorf("record %d: key %q value %s\nwant key %q value %s", i, key, got[i].Value, w.key, w.value)
		}
	}
}

func TestSinkUpsertTombstones(t *testing.T) {
	b := startBroker(t)
	ctx := testCtx(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "cdn", Type: arrow.BinaryTypes.String},
		{Name: "region", Type: arrow.BinaryTypes.String},
		{Name: "events", Type: arrow.PrimitiveTypes.Int64},
		{Name: expr.DeletedColumn, Type: arrow.FixedWidthTypes.Boolean},
	}, nil)
	sink, err := NewSink(&spexec.SinkSpec{Name: "per_cdn", Connector: "kafka",
		Options: map[string]string{"topic": "per_cdn"}, Schema: schema, Upsert: true, Keys: []int{0, 1}}, []string{b.Addr()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Open(opCtx(ctx, mem), nil); err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	bld.Field(0).(*array.StringBuilder).AppendValues([]string{"C1", "C2", "C1"}, nil)
	bld.Field(1).(*array.StringBuilder).AppendValues([]string{"eu", "us", "eu"}, nil)
	bld.Field(2).(*array.Int64Builder).AppendValues([]int64{5, 3, 5}, nil)
	bld.Field(3).(*array.BooleanBuilder).AppendValues([]bool{false, false, true}, nil)
	rec := bld.NewRecordBatch()
	defer rec.Release()
	if err := sink.Push(0, rec); err != nil {
		t.Fatal(err)
	}
	if err := sink.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got := consumeRecords(t, ctx, b.Addr(), "per_cdn", 3)
	var lines []string
	for _, r := range got {
		v := string(r.Value)
		if r.Value == nil {
			v = "<tombstone>"
		}
		lines = append(lines, string(r.Key)+" => "+v)
	}
	want := []string{
		`{"cdn":"C1","region":"eu"} => {"cdn":"C1","region":"eu","events":5}`,
		`{"cdn":"C2","region":"us"} => {"cdn":"C2","region":"us","events":3}`,
		`{"cdn":"C1","region":"eu"} => <tombstone>`,
	}
	if !slices.Equal(lines, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestSinkCommitFailsWhenBrokerGone: Commit reports, within its context,
// that records could not be delivered; it does not hang.
func TestSinkCommitFailsWhenBrokerGone(t *testing.T) {
	b, err := StartEmbedded("", 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sink, err := NewSinkFromConfig(SinkConfig{Name: "gone", Brokers: []string{b.Addr()}, Topic: "gone", Schema: cdnSchema})
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Open(opCtx(ctx, mem), nil); err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	b.Close()
	rec := cdnBatch(t, mem)
	defer rec.Release()
	if err := sink.Push(0, rec); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	start := time.Now()
	err = sink.Commit(cctx)
	if err == nil || !strings.Contains(err.Error(), "kafka sink gone: flush") {
		t.Errorf("Commit: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Commit took %v", d)
	}
}

func TestEmbeddedPortsAndPersistence(t *testing.T) {
	// Two brokers asked for the same port: the second takes the next free
	// one.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	busy := ln.Addr().(*net.TCPAddr).Port
	defer ln.Close()
	b1, err := StartEmbedded("", busy)
	if err != nil {
		t.Fatal(err)
	}
	defer b1.Close()
	_, p1, _ := net.SplitHostPort(b1.Addr())
	if n, _ := strconv.Atoi(p1); n <= busy || n > busy+portRange || !strings.HasPrefix(b1.Addr(), "127.0.0.1:") {
		t.Errorf("broker on busy port %d took %s", busy, b1.Addr())
	}

	// Topics and records survive a restart on the same state directory.
	dir := t.TempDir()
	ctx := testCtx(t)
	b2, err := StartEmbedded(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := CreateTopic(ctx, []string{b2.Addr()}, "kept", 2); err != nil {
		t.Fatal(err)
	}
	if err := produceTo(t, ctx, b2.Addr(), "kept", 1, hb("s", "2015-07-15T00:00:00Z", 7), hb("s", "2015-07-15T00:00:01Z", 8)); err != nil {
		t.Fatal(err)
	}
	b2.Close()
	b3, err := StartEmbedded(dir, 0)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer b3.Close()
	src, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b3.Addr()}, Topic: "kept", EventTime: 1, ExitAtEnd: true}, nil)
	if !slices.Equal(src.Partitions(), []int32{0, 1}) {
		t.Errorf("partitions after restart: %v", src.Partitions())
	}
	res := readToEOF(t, ctx, src)
	if !slices.Equal(res.rows, []string{"p1|s|2015-07-15T00:00:00|7", "p1|s|2015-07-15T00:00:01|8"}) {
		t.Errorf("rows after restart: %v", res.rows)
	}
}

// TestKcat proves the embedded broker speaks real Kafka to librdkafka:
// kcat produces what the source reads, and consumes what Produce wrote.
func TestKcat(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skip("kcat is not on PATH (apt-get install kcat); skipping the librdkafka interoperability test")
	}
	b := startBroker(t)
	ctx := testCtx(t)

	// kcat -> spate source.
	if err := CreateTopic(ctx, []string{b.Addr()}, "from_kcat", 1); err != nil {
		t.Fatal(err)
	}
	in := `s1|{"session_id":"s1","ts":"2015-07-15T00:00:00.000Z","bitrate":1}
s2|{"session_id":"s2","ts":1436918401000,"bitrate":2.5}
`
	cmd := exec.CommandContext(ctx, kcat, "-b", b.Addr(), "-P", "-t", "from_kcat", "-K", "|")
	cmd.Stdin = strings.NewReader(in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P: %v\n%s", err, out)
	}
	src, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "from_kcat", EventTime: 1, ExitAtEnd: true}, nil)
	res := readToEOF(t, ctx, src)
	if !slices.Equal(res.rows, []string{"p0|s1|2015-07-15T00:00:00|1", "p0|s2|2015-07-15T00:00:01|2.5"}) {
		t.Errorf("source read from kcat: %v", res.rows)
	}

	// spate produce -> kcat.
	lines := "{\"id\":1,\"v\":\"a\"}\n{\"id\":2,\"v\":\"b\"}\n"
	if n, err := Produce(ctx, []string{b.Addr()}, "to_kcat", "id", strings.NewReader(lines)); err != nil || n != 2 {
		t.Fatalf("Produce: %d %v", n, err)
	}
	var out, stderr bytes.Buffer
	cmd = exec.CommandContext(ctx, kcat, "-b", b.Addr(), "-C", "-t", "to_kcat", "-e", "-q", "-f", "%p:%o:%k=%s\n")
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat -C: %v\n%s", err, stderr.String())
	}
	want := "0:0:1={\"id\":1,\"v\":\"a\"}\n0:1:2={\"id\":2,\"v\":\"b\"}\n"
	if out.String() != want {
		t.Errorf("kcat consumed:\n%s\nwant:\n%s", out.String(), want)
	}

	// kcat sees the topic metadata spate created.
	out.Reset()
	cmd = exec.CommandContext(ctx, kcat, "-b", b.Addr(), "-L", "-t", "to_kcat")
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat -L: %v", err)
	}
	if !strings.Contains(out.String(), `topic "to_kcat" with 1 partitions`) {
		t.Errorf("kcat -L:\n%s", out.String())
	}
}
