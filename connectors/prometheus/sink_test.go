package prometheus

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/client_golang/exp/api/remote"
	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

// series is a decoded time series: its labels as "name=value" joined by
// ",", in the order received, and its samples.
type series struct {
	labels  string
	samples []sampleTV
}

// receiver is a remote-write endpoint for tests. It decodes 1.0 requests
// with its own protowire reader (independent of the sink's dynamicpb
// descriptor) and answers with the scripted statuses, then 204.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	requests []([]series)
	headers  []http.Header
	srv      *httptest.Server
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.statuses) > 0 {
			st := r.statuses[0]
			r.statuses = r.statuses[1:]
			if st != http.StatusNoContent {
				http.Error(w, fmt.Sprintf("scripted %d", st), st)
				return
			}
		}
		body, _ := io.ReadAll(req.Body)
		raw, err := snappy.Decode(nil, body)
		if err != nil {
			t.Errorf("snappy: %v", err)
			http.Error(w, err.Error(), 400)
			return
		}
		ss, err := decodeWriteRequestV1(raw)
		if err != nil {
			t.Errorf("decode: %v", err)
			http.Error(w, err.Error(), 400)
			return
		}
		r.requests = append(r.requests, ss)
		r.headers = append(r.headers, req.Header.Clone())
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) url() string { return r.srv.URL + "/api/v1/write" }

// all merges every request's series by label set, in arrival order.
func (r *receiver) all() map[string][]sampleTV {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]sampleTV{}
	for _, req := range r.requests {
		for _, s := range req {
			out[s.labels] = append(out[s.labels], s.samples...)
		}
	}
	return out
}

// decodeWriteRequestV1 reads prometheus.WriteRequest field by field.
func decodeWriteRequestV1(b []byte) ([]series, error) {
	var out []series
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num != 1 || typ != protowire.BytesType {
			return fmt.Errorf("WriteRequest: unexpected field %d", num)
		}
		var s series
		var lbls []string
		err := eachField(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
			switch num {
			case 1:
				var name, value string
				if err := eachField(v, func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) error {
					if num == 1 {
						name = string(v)
					} else {
						value = string(v)
					}
					return nil
				}); err != nil {
					return err
				}
				lbls = append(lbls, name+"="+value)
			case 2:
				var smp sampleTV
				if err := eachField(v, func(num protowire.Number, typ protowire.Type, _ []byte, n uint64) error {
					if num == 1 {
						smp.v = math.Float64frombits(n)
					} else {
						smp.ts = int64(n)
					}
					return nil
				}); err != nil {
					return err
				}
				s.samples = append(s.samples, smp)
			default:
				return fmt.Errorf("TimeSeries: unexpected field %d", num)
			}
			return nil
		})
		s.labels = strings.Join(lbls, ",")
		out = append(out, s)
		return err
	})
	return out, err
}

func eachField(b []byte, f func(protowire.Number, protowire.Type, []byte, uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		default:
			return fmt.Errorf("unexpected wire type %d", typ)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "cdn", Type: expr.TypeVarchar, Nullable: true},
	{Name: "minute", Type: expr.TypeTimestamp, Nullable: true},
	{Name: "avg_bitrate", Type: expr.TypeDouble, Nullable: true},
	{Name: "events", Type: expr.TypeBigint},
	{Name: "amount", Type: expr.DecimalType(10, 2), Nullable: true},
	{Name: "n", Type: expr.TypeInt, Nullable: true},
}, nil)

type row struct {
	cdn     *string
	minute  *int64
	avg     *float64
	events  int64
	amount  int64 // cents
	n       *int32
	deleted bool
}

func sp(s string) *string   { return &s }
func ip(i int64) *int64     { return &i }
func fp(f float64) *float64 { return &f }
func i32p(i int32) *int32   { return &i }

func makeBatch(alloc memory.Allocator, sc *arrow.Schema, rows []row) arrow.RecordBatch {
	rb := array.NewRecordBuilder(alloc, sc)
	defer rb.Release()
	for _, r := range rows {
		if r.cdn == nil {
			rb.Field(0).AppendNull()
		} else {
			rb.Field(0).(*array.StringBuilder).Append(*r.cdn)
		}
		if r.minute == nil {
			rb.Field(1).AppendNull()
		} else {
			rb.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(*r.minute))
		}
		if r.avg == nil {
			rb.Field(2).AppendNull()
		} else {
			rb.Field(2).(*array.Float64Builder).Append(*r.avg)
		}
		rb.Field(3).(*array.Int64Builder).Append(r.events)
		rb.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(r.amount))
		if r.n == nil {
			rb.Field(5).AppendNull()
		} else {
			rb.Field(5).(*array.Int32Builder).Append(*r.n)
		}
		if sc.NumFields() > 6 {
			rb.Field(6).(*array.BooleanBuilder).Append(r.deleted)
		}
	}
	return rb.NewRecordBatch()
}

func newTestSink(t *testing.T, opts map[string]string, upsert bool, o Options) (*Sink, *exec.OpMetrics) {
	t.Helper()
	sc := testSchema
	if upsert {
		sc = arrow.NewSchema(append(append([]arrow.Field(nil), testSchema.Fields()...),
			arrow.Field{Name: expr.DeletedColumn, Type: expr.TypeBoolean}), nil)
	}
	opts["connector"] = "prometheus"
	if o.MinBackoff == 0 {
		o.MinBackoff, o.MaxBackoff = time.Millisecond, 5*time.Millisecond
	}
	s, err := NewSink(&exec.SinkSpec{Name: "m", Connector: "prometheus", Options: opts, Schema: sc, Upsert: upsert, Keys: []int{0}}, o)
	if err != nil {
		t.Fatal(err)
	}
	m := &exec.OpMetrics{}
	if err := s.Open(&exec.OpContext{Name: "m", Metrics: m, Context: context.Background()}, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, m
}

func push(t *testing.T, s *Sink, alloc memory.Allocator, sc *arrow.Schema, rows ...row) error {
	t.Helper()
	b := makeBatch(alloc, sc, rows)
	defer b.Release()
	return s.Push(0, b)
}

const min0 = int64(1_700_000_000_000) // a minute boundary

// Rows become samples: one metric per value column, labels sorted with
// __name__, NULL labels left out, NULL values and times skipped, samples
// of a series sorted by time within a request, one sample per timestamp.
func TestRowsToSamples(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	rcv := newReceiver(t)
	s, m := newTestSink(t, map[string]string{"url": rcv.url(), "metric": "spate_cdn", "value": "avg_bitrate,events,amount",
		"labels": "cdn,n", "time": "minute"}, false, Options{})
	err := push(t, s, alloc, testSchema,
		row{cdn: sp("C1"), minute: ip(min0 + 60_000), avg: fp(1.5), events: 3, amount: 1234, n: i32p(7)},
		row{cdn: sp("C1"), minute: ip(min0), avg: fp(2.5), events: 4, amount: -5, n: i32p(7)}, // earlier: sorted first
		row{cdn: nil, minute: ip(min0), avg: nil, events: 1, amount: 0},                       // no labels; avg skipped
		row{cdn: sp("C2"), minute: nil, avg: fp(9), events: 9, amount: 9},                     // no time: 3 skipped
		row{cdn: sp("C1"), minute: ip(min0), avg: fp(3.5), events: 5, amount: 1, n: i32p(7)},  // same ts: last wins
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rcv.all()
	want := map[string][]sampleTV{
		"__name__=spate_cdn_avg_bitrate,cdn=C1,n=7": {{min0, 3.5}, {min0 + 60_000, 1.5}},
		"__name__=spate_cdn_events,cdn=C1,n=7":      {{min0, 5}, {min0 + 60_000, 3}},
		"__name__=spate_cdn_amount,cdn=C1,n=7":      {{min0, 0.01}, {min0 + 60_000, 12.34}},
		"__name__=spate_cdn_events":                 {{min0, 1}},
		"__name__=spate_cdn_amount":                 {{min0, 0}},
	}
	compareSeries(t, got, want)
	st := s.Stats()
	if st.SamplesSent != 8 || st.SamplesSkipped != 4 || st.Series != 5 || st.Requests != 1 || st.BytesSent <= 0 {
		t.Errorf("stats %+v", st)
	}
	if m.RowsOut.Load() != 8 {
		t.Errorf("RowsOut %d, want 8", m.RowsOut.Load())
	}
	h := rcv.headers[0]
	if h.Get("Content-Encoding") != "snappy" || h.Get("X-Prometheus-Remote-Write-Version") != "0.1.0" ||
		!strings.HasPrefix(h.Get("Content-Type"), "application/x-protobuf") {
		t.Errorf("headers %v", h)
	}
}

func compareSeries(t *testing.T, got, want map[string][]sampleTV) {
	t.Helper()
	keys := func(m map[string][]sampleTV) []string {
		var k []string
		for x := range m {
			k = append(k, x)
		}
		sort.Strings(k)
		return k
	}
	if fmt.Sprint(keys(got)) != fmt.Sprint(keys(want)) {
		t.Fatalf("series\n got %v\nwant %v", keys(got), keys(want))
	}
	for k, w := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(w) {
			t.Errorf("%s: got %v, want %v", k, got[k], w)
		}
	}
}

// A batch fills requests of batch_size samples; series stay in order
// across requests.
func TestBatching(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	rcv := newReceiver(t)
	s, _ := newTestSink(t, map[string]string{"url": rcv.url(), "metric": "m", "value": "events", "labels": "cdn",
		"time": "minute", "batch_size": "4"}, false, Options{})
	var rows []row
	var want []sampleTV
	for i := int64(0); i < 10; i++ {
		rows = append(rows, row{cdn: sp("C"), minute: ip(min0 + i*1000), events: i})
		want = append(want, sampleTV{min0 + i*1000, float64(i)})
	}
	if err := push(t, s, alloc, testSchema, rows...); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(rcv.requests); n != 3 {
		t.Errorf("%d requests, want 3 (4+4+2)", n)
	}
	compareSeries(t, rcv.all(), map[string][]sampleTV{"__name__=m,cdn=C": want})
}

// Over max_series, samples of new series are dropped and counted; known
// series keep flowing.
func TestCardinalityCap(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	rcv := newReceiver(t)
	s, _ := newTestSink(t, map[string]string{"url": rcv.url(), "metric": "m", "value": "events", "labels": "cdn",
		"time": "minute", "max_series": "2"}, false, Options{})
	var rows []row
	for i := 0; i < 5; i++ {
		rows = append(rows, row{cdn: sp(fmt.Sprintf("c%d", i)), minute: ip(min0), events: int64(i)})
	}
	rows = append(rows, row{cdn: sp("c0"), minute: ip(min0 + 1000), events: 10})
	if err := push(t, s, alloc, testSchema, rows...); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	compareSeries(t, rcv.all(), map[string][]sampleTV{
		"__name__=m,cdn=c0": {{min0, 0}, {min0 + 1000, 10}},
		"__name__=m,cdn=c1": {{min0, 1}},
	})
	if st := s.Stats(); st.SeriesDropped != 3 || st.Series != 2 {
		t.Errorf("stats %+v", st)
	}
}

// 5xx answers are retried with backoff; a 4xx answer drops the request
// (counted) and the sink goes on; exhausted retries fail the job.
func TestRetriesAndRejections(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	opts := func(url string) map[string]string {
		return map[string]string{"url": url, "metric": "m", "value": "events", "time": "minute", "max_retries": "3"}
	}
	ctx := context.Background()

	rcv := newReceiver(t, 503, 500, http.StatusNoContent)
	s, _ := newTestSink(t, opts(rcv.url()), false, Options{})
	push(t, s, alloc, testSchema, row{minute: ip(min0), events: 1})
	if err := s.Commit(ctx); err != nil {
		t.Fatalf("commit after two 5xx: %v", err)
	}
	if st := s.Stats(); st.Retries != 2 || st.Requests != 3 || st.SamplesSent != 1 {
		t.Errorf("stats %+v", st)
	}

	rcv = newReceiver(t, 400)
	s, _ = newTestSink(t, opts(rcv.url()), false, Options{})
	push(t, s, alloc, testSchema, row{minute: ip(min0), events: 1})
	if err := s.Commit(ctx); err != nil {
		t.Fatalf("a 4xx must not fail the sink: %v", err)
	}
	push(t, s, alloc, testSchema, row{minute: ip(min0 + 1000), events: 2})
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.SamplesRejected != 1 || st.SamplesSent != 1 || st.Retries != 0 {
		t.Errorf("stats %+v", st)
	}
	compareSeries(t, rcv.all(), map[string][]sampleTV{"__name__=m": {{min0 + 1000, 2}}})

	rcv = newReceiver(t, 503, 503, 503, 503, 503)
	s, _ = newTestSink(t, opts(rcv.url()), false, Options{})
	push(t, s, alloc, testSchema, row{minute: ip(min0), events: 1})
	err := s.Commit(ctx)
	if err == nil || !strings.Contains(err.Error(), "after 3 retries") || !strings.Contains(err.Error(), rcv.url()) ||
		!strings.Contains(err.Error(), "503") {
		t.Fatalf("commit with a receiver down: %v", err)
	}
	if err := push(t, s, alloc, testSchema, row{minute: ip(min0), events: 1}); err == nil {
		t.Fatal("push after a failed commit succeeded")
	}
	// Nothing listening: network errors are retried, then fail.
	s, _ = newTestSink(t, opts("http://127.0.0.1:1/api/v1/write"), false, Options{})
	push(t, s, alloc, testSchema, row{minute: ip(min0), events: 1})
	if err := s.Commit(ctx); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("commit to a closed port: %v", err)
	}
}

// A key deleted from an updating view ends its series with a staleness
// marker, after the series' last sample; without a time column samples
// are stamped with the wall clock.
func TestUpsertStaleness(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	rcv := newReceiver(t)
	now := min0
	s, _ := newTestSink(t, map[string]string{"url": rcv.url(), "metric": "m", "value": "events", "labels": "cdn"}, true,
		Options{Now: func() time.Time { return time.UnixMilli(now) }})
	sc := s.schema
	push(t, s, alloc, sc, row{cdn: sp("a"), events: 1}, row{cdn: sp("b"), events: 2})
	now += 500
	push(t, s, alloc, sc, row{cdn: sp("a"), events: 3}, row{cdn: sp("b"), events: 2, deleted: true},
		row{cdn: sp("never"), events: 0, deleted: true})
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rcv.all()
	if b := got["__name__=m,cdn=b"]; len(b) != 2 || math.Float64bits(b[1].v) != math.Float64bits(staleNaN) || b[1].ts != min0+500 {
		t.Fatalf("series b = %v, want a staleness marker at %d", b, min0+500)
	}
	delete(got, "__name__=m,cdn=b")
	compareSeries(t, got, map[string][]sampleTV{"__name__=m,cdn=a": {{min0, 1}, {min0 + 500, 3}}})
}

// protocol = '2.0' sends io.prometheus.write.v2.Request; the receiver here
// is client_golang's own 2.0 handler.
func TestProtocolV2(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	st := &v2Store{}
	srv := httptest.NewServer(remote.NewWriteHandler(st, remote.MessageTypes{remote.WriteV2MessageType}))
	defer srv.Close()
	s, _ := newTestSink(t, map[string]string{"url": srv.URL + "/api/v1/write", "metric": "m", "value": "avg_bitrate",
		"labels": "cdn", "time": "minute", "protocol": "2.0"}, false, Options{})
	push(t, s, alloc, testSchema, row{cdn: sp("x"), minute: ip(min0), avg: fp(0.25)}, row{cdn: sp("y"), minute: ip(min0), avg: fp(-1)})
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	compareSeries(t, st.got, map[string][]sampleTV{
		"__name__=m,cdn=x": {{min0, 0.25}},
		"__name__=m,cdn=y": {{min0, -1}},
	})
}

type v2Store struct{ got map[string][]sampleTV }

func (v *v2Store) Store(req *http.Request, _ remote.WriteMessageType) (*remote.WriteResponse, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	var r writev2.Request
	if err := proto.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	if v.got == nil {
		v.got = map[string][]sampleTV{}
	}
	resp := remote.NewWriteResponse()
	for _, ts := range r.Timeseries {
		l := writev2.DesymbolizeLabels(ts.LabelsRefs, r.Symbols, nil)
		var parts []string
		for i := 0; i < len(l); i += 2 {
			parts = append(parts, l[i]+"="+l[i+1])
		}
		k := strings.Join(parts, ",")
		for _, s := range ts.Samples {
			v.got[k] = append(v.got[k], sampleTV{s.Timestamp, s.Value})
		}
		resp.Add(remote.WriteResponseStats{Samples: len(ts.Samples)})
	}
	return resp, nil
}

func TestBadOptions(t *testing.T) {
	cases := []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"url": "x", "metric": "m", "value": "events"}, "not an http(s) URL"},
		{map[string]string{"url": "http://h/w", "metric": "bad-name", "value": "events"}, "not a valid Prometheus metric name"},
		{map[string]string{"url": "http://h/w", "metric": "m", "value": "cdn"}, "must be numeric"},
		{map[string]string{"url": "http://h/w", "metric": "m", "value": "nope"}, "unknown column"},
		{map[string]string{"url": "http://h/w", "metric": "m", "value": "events", "time": "events"}, "must be TIMESTAMP"},
		{map[string]string{"url": "http://h/w", "metric": "m", "value": "events", "batch_size": "0"}, "batch_size"},
		{map[string]string{"url": "http://h/w", "metric": "m", "value": "events", "protocol": "3"}, "protocol"},
		{map[string]string{"url": "http://h/w", "metric": "m", "value": "events", "colour": "red"}, "unknown option"},
	}
	for _, c := range cases {
		_, err := NewSink(&exec.SinkSpec{Name: "k", Options: c.opts, Schema: testSchema}, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "prometheus sink k: ") {
			t.Errorf("%v: got %v, want %q", c.opts, err, c.want)
		}
	}
	sc := arrow.NewSchema([]arrow.Field{{Name: "__x", Type: expr.TypeVarchar}, {Name: "v", Type: expr.TypeDouble}}, nil)
	if _, err := NewSink(&exec.SinkSpec{Name: "k", Options: map[string]string{"url": "http://h/w", "metric": "m", "value": "v", "labels": "__x"}, Schema: sc}, Options{}); err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("reserved label: %v", err)
	}
}

// Close returns promptly even while a request hangs.
func TestCloseWhileSending(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	s, _ := newTestSink(t, map[string]string{"url": srv.URL, "metric": "m", "value": "events", "time": "minute", "batch_size": "1"}, false, Options{})
	push(t, s, alloc, testSchema, row{minute: ip(min0), events: 1})
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung on a request in flight")
	}
}

// Without a time column, the changes of one millisecond collapse to the
// last within a request, and a later request never repeats a millisecond
// of a series (receivers refuse a second value for a timestamp).
func TestWallClockTimestamps(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	rcv := newReceiver(t)
	now := min0
	s, _ := newTestSink(t, map[string]string{"url": rcv.url(), "metric": "m", "value": "events", "labels": "cdn", "batch_size": "2"},
		true, Options{Now: func() time.Time { return time.UnixMilli(now) }})
	sc := s.schema
	// One push: a, a, b at the same millisecond. The batch is full after
	// a's two changes, which share a request (the last wins).
	push(t, s, alloc, sc, row{cdn: sp("a"), events: 1}, row{cdn: sp("a"), events: 2}, row{cdn: sp("b"), events: 7})
	// Same millisecond, next request: a moves to the next millisecond.
	push(t, s, alloc, sc, row{cdn: sp("a"), events: 3})
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	compareSeries(t, rcv.all(), map[string][]sampleTV{
		"__name__=m,cdn=a": {{min0, 2}, {min0 + 1, 3}},
		"__name__=m,cdn=b": {{min0, 7}},
	})
}
