package prometheus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/prometheus/client_golang/exp/api/remote"
	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"

	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

// Options are the knobs that are not SQL options: the engine and tests
// set them.
type Options struct {
	// Client sends the requests; default: an http.Client with a 30 s
	// timeout per attempt.
	Client *http.Client
	// MinBackoff and MaxBackoff bound the exponential backoff between
	// retries (defaults 500 ms and 10 s).
	MinBackoff, MaxBackoff time.Duration
	Now                    func() time.Time // sample time without a time column; default time.Now
	Logger                 *slog.Logger
}

// Stats are the sink's counters, safe to read while it runs.
type Stats struct {
	SamplesSent     int64 // accepted by the receiver
	SamplesRejected int64 // dropped because the receiver answered 4xx
	SamplesSkipped  int64 // NULL value or NULL time
	SeriesDropped   int64 // samples of new series over max_series
	Series          int64 // distinct series seen
	Requests        int64 // HTTP requests, retries included
	Retries         int64
	BytesSent       int64 // request bodies (snappy-compressed), retries included
}

// staleNaN is Prometheus's staleness marker (model/value.StaleNaN): a
// sample with this exact NaN ends its series.
var staleNaN = math.Float64frombits(0x7ff0000000000002)

// maxValueColumns keeps the value index in one byte of the series key.
const maxValueColumns = 64

// Sink is the operator of one CREATE SINK ... WITH (connector =
// 'prometheus').
type Sink struct {
	name, url  string
	schema     *arrow.Schema
	values     []column // value columns; metric holds each one's metric name
	labels     []column // label columns; metric holds the label name
	timeCol    int      // -1: wall clock
	deletedCol int      // -1: append input
	batchSize  int
	maxSeries  int
	v2         bool
	maxRetries int
	opts       Options
	log        *slog.Logger

	api       *remote.API
	transport *countingTransport
	symbols   writev2.SymbolsTable

	// Series table, touched only by the job's goroutine.
	series     map[string]int32
	seriesLbls [][]labelPair // per series: labels sorted by name, __name__ included
	lastTs     []int64       // per series: latest sample time queued
	sentTs     []int64       // per series: latest sample time handed to the sender
	key        []byte
	warnedCap  bool

	pend  []pendingSample
	dirty bool // a batch was queued since the last commit

	queue      chan queued
	senderDone chan struct{}
	ctx        context.Context
	cancel     context.CancelFunc
	metrics    *exec.OpMetrics

	mu  sync.Mutex
	err error // sticky: retries exhausted

	samplesSent, samplesRejected, samplesSkipped, seriesDropped atomic.Int64
	retries, nseries                                            atomic.Int64
	lastRejectLog                                               time.Time // sender goroutine only
}

type labelPair struct{ name, value string }

type pendingSample struct {
	series int32
	ts     int64
	v      float64
}

// batch is one request's worth of samples, grouped by series, each
// series in time order. It owns its memory: the sender reads it while the
// job goroutine goes on.
type batch struct {
	series  [][]labelPair
	samples [][]sampleTV
	n       int
}

type sampleTV struct {
	ts int64
	v  float64
}

type queued struct {
	b       *batch
	barrier chan error
}

var (
	metricNameRe = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelBadChar = regexp.MustCompile(`[^a-zA-Z0-9_]`)
)

// NewSink builds the sink from its spec (options validated by the
// catalog; checked again here for specs built by hand).
func NewSink(spec *exec.SinkSpec, o Options) (*Sink, error) {
	s, err := newSink(spec, o)
	if err != nil {
		return nil, fmt.Errorf("prometheus sink %s: %w", spec.Name, err)
	}
	return s, nil
}

func newSink(spec *exec.SinkSpec, o Options) (*Sink, error) {
	opts := spec.Options
	known := []string{"connector", "url", "metric", "value", "labels", "time", "batch_size", "max_series", "max_retries", "protocol"}
	for k := range opts {
		if !slices.Contains(known, k) {
			return nil, fmt.Errorf("unknown option %q (known: %s)", k, strings.Join(known, ", "))
		}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 500 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second}
	}
	s := &Sink{name: spec.Name, url: opts["url"], schema: spec.Schema, timeCol: -1, deletedCol: -1, opts: o,
		log: o.Logger.With("sink", spec.Name), series: map[string]int32{}, symbols: writev2.NewSymbolTable(),
		metrics: &exec.OpMetrics{}}
	u, err := url.Parse(s.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url %q is not an http(s) URL of a remote-write endpoint (such as http://127.0.0.1:9090/api/v1/write)", s.url)
	}
	metric := opts["metric"]
	if !metricNameRe.MatchString(metric) {
		return nil, fmt.Errorf("metric name %q is not a valid Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", metric)
	}
	if s.batchSize, err = intOption(opts, "batch_size", 2000, 1); err != nil {
		return nil, err
	}
	if s.maxSeries, err = intOption(opts, "max_series", 10000, 1); err != nil {
		return nil, err
	}
	if s.maxRetries, err = intOption(opts, "max_retries", 10, 1); err != nil {
		return nil, err
	}
	switch opts["protocol"] {
	case "", "1.0":
	case "2.0":
		s.v2 = true
	default:
		return nil, fmt.Errorf("protocol %q: use '1.0' or '2.0'", opts["protocol"])
	}
	sc := spec.Schema
	if sc == nil {
		return nil, errors.New("no input schema")
	}
	find := func(opt, name string) (int, error) {
		idx := sc.FieldIndices(strings.ToLower(strings.TrimSpace(name)))
		if len(idx) == 0 {
			return -1, fmt.Errorf("option %s names unknown column %q", opt, name)
		}
		return idx[0], nil
	}
	valueNames := splitList(opts["value"])
	if len(valueNames) == 0 {
		return nil, errors.New("option value needs at least one numeric column")
	}
	if len(valueNames) > maxValueColumns {
		return nil, fmt.Errorf("option value lists %d columns; at most %d", len(valueNames), maxValueColumns)
	}
	for _, n := range valueNames {
		i, err := find("value", n)
		if err != nil {
			return nil, err
		}
		c, err := newColumn(i, sc.Field(i).Type)
		if err != nil || !c.numeric() {
			return nil, fmt.Errorf("value column %s is %s; it must be numeric", n, sc.Field(i).Type)
		}
		c.metric = metric
		if len(valueNames) > 1 {
			c.metric = metric + "_" + labelName(sc.Field(i).Name)
		}
		s.values = append(s.values, c)
	}
	seen := map[string]string{}
	for _, n := range splitList(opts["labels"]) {
		i, err := find("labels", n)
		if err != nil {
			return nil, err
		}
		c, err := newColumn(i, sc.Field(i).Type)
		if err != nil {
			return nil, fmt.Errorf("label column %s: %w", n, err)
		}
		c.metric = labelName(sc.Field(i).Name)
		if strings.HasPrefix(c.metric, "__") {
			return nil, fmt.Errorf("label column %s: names starting with __ are reserved by Prometheus; rename the column", n)
		}
		if prev, dup := seen[c.metric]; dup {
			return nil, fmt.Errorf("label columns %s and %s both become label %s", prev, n, c.metric)
		}
		seen[c.metric] = n
		s.labels = append(s.labels, c)
	}
	if t := opts["time"]; t != "" {
		if s.timeCol, err = find("time", t); err != nil {
			return nil, err
		}
		if sc.Field(s.timeCol).Type.ID() != arrow.TIMESTAMP {
			return nil, fmt.Errorf("time column %s is %s; it must be TIMESTAMP", t, sc.Field(s.timeCol).Type)
		}
	}
	if spec.Upsert {
		last := sc.NumFields() - 1
		if last < 0 || sc.Field(last).Name != expr.DeletedColumn || sc.Field(last).Type.ID() != arrow.BOOL {
			return nil, fmt.Errorf("upsert input must end with BOOLEAN column %s", expr.DeletedColumn)
		}
		s.deletedCol = last
	}
	s.transport = &countingTransport{base: o.Client.Transport}
	if s.transport.base == nil {
		s.transport.base = http.DefaultTransport
	}
	client := *o.Client
	client.Transport = s.transport
	s.api, err = remote.NewAPI(s.url,
		remote.WithAPIPath(""), // the url option is the whole endpoint
		remote.WithAPIHTTPClient(&client),
		remote.WithAPIBackoff(remote.BackoffConfig{Min: o.MinBackoff, Max: o.MaxBackoff, MaxRetries: s.maxRetries}))
	if err != nil {
		return nil, err
	}
	return s, nil
}

func intOption(opts map[string]string, name string, def, min int) (int, error) {
	v, ok := opts[name]
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < min {
		return 0, fmt.Errorf("option %s = %q: want an integer >= %d", name, v, min)
	}
	return n, nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// labelName makes a column name a valid Prometheus label name.
func labelName(col string) string {
	n := labelBadChar.ReplaceAllString(col, "_")
	if n == "" || (n[0] >= '0' && n[0] <= '9') {
		n = "_" + n
	}
	return n
}

// Open starts the sender goroutine.
func (s *Sink) Open(ctx *exec.OpContext, _ exec.Emitter) error {
	if ctx != nil && ctx.Metrics != nil {
		s.metrics = ctx.Metrics
	}
	// The sends outlive the job's context on purpose: when a run is
	// stopped, the runtime's last commit must still deliver. Close ends
	// them.
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.queue = make(chan queued, 2)
	s.senderDone = make(chan struct{})
	go s.sender()
	return nil
}

// Push turns b's rows into samples. It borrows b.
func (s *Sink) Push(_ int, b arrow.RecordBatch) error {
	if err := s.failed(); err != nil {
		return err
	}
	if int(b.NumCols()) != s.schema.NumFields() {
		return fmt.Errorf("prometheus sink %s: batch has %d columns, want %d", s.name, b.NumCols(), s.schema.NumFields())
	}
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	for i := range s.values {
		s.values[i].bind(b.Column(s.values[i].idx))
	}
	for i := range s.labels {
		s.labels[i].bind(b.Column(s.labels[i].idx))
	}
	var times []arrow.Timestamp
	var timeArr arrow.Array
	if s.timeCol >= 0 {
		timeArr = b.Column(s.timeCol)
		ta, ok := timeArr.(*array.Timestamp)
		if !ok {
			return fmt.Errorf("prometheus sink %s: time column is %s, want TIMESTAMP", s.name, timeArr.DataType())
		}
		times = ta.TimestampValues()
	}
	var deleted *array.Boolean
	if s.deletedCol >= 0 {
		deleted, _ = b.Column(s.deletedCol).(*array.Boolean)
	}
	now := s.opts.Now().UnixMilli()
	var skipped, dropped int64
	key := s.key
	for i := 0; i < n; i++ {
		del := deleted != nil && deleted.IsValid(i) && deleted.Value(i)
		ts := now
		if times != nil && !del {
			if timeArr.IsNull(i) {
				skipped += int64(len(s.values))
				continue
			}
			ts = int64(times[i])
		}
		key = key[:0]
		for j := range s.labels {
			key = s.labels[j].appendText(key, i)
			key = append(key, 0xff) // never in UTF-8 text: separates the values
		}
		base := len(key)
		for vi := range s.values {
			c := &s.values[vi]
			key = append(key[:base], byte(vi))
			v := staleNaN
			if !del {
				if c.isNull(i) {
					skipped++
					continue
				}
				v = c.float(i)
			}
			id, ok := s.series[string(key)]
			if !ok {
				if del {
					continue // never sent: nothing to end
				}
				if id, ok = s.newSeries(key, base, vi); !ok {
					dropped++
					continue
				}
			}
			t := ts
			switch {
			case del:
				// A staleness marker must come after the series' last sample.
				t = max(now, s.lastTs[id]+1)
			case times == nil:
				// Wall-clock time: within one request the last change of a
				// millisecond wins (flush), but a later request must not
				// repeat a millisecond with another value, which receivers
				// refuse as a duplicate sample.
				t = max(now, s.sentTs[id]+1)
			}
			s.lastTs[id] = max(s.lastTs[id], t)
			s.pend = append(s.pend, pendingSample{id, t, v})
		}
		if len(s.pend) >= s.batchSize {
			if err := s.flush(); err != nil {
				s.key = key
				return err
			}
		}
	}
	s.key = key
	if skipped > 0 {
		s.samplesSkipped.Add(skipped)
	}
	if dropped > 0 {
		s.seriesDropped.Add(dropped)
	}
	return nil
}

// newSeries adds the series of key (label values separated by 0xff up to
// base, then the value column index), unless the table is full.
func (s *Sink) newSeries(key []byte, base, vi int) (int32, bool) {
	if len(s.seriesLbls) >= s.maxSeries {
		if !s.warnedCap {
			s.warnedCap = true
			s.log.Warn("prometheus sink: max_series reached; samples of new series are dropped (raise max_series, or drop a label with unbounded values)",
				"max_series", s.maxSeries)
		}
		return 0, false
	}
	lbls := make([]labelPair, 0, len(s.labels)+1)
	lbls = append(lbls, labelPair{"__name__", s.values[vi].metric})
	rest := key[:base]
	for j := range s.labels {
		end := 0
		for rest[end] != 0xff {
			end++
		}
		if end > 0 {
			lbls = append(lbls, labelPair{s.labels[j].metric, strings.ToValidUTF8(string(rest[:end]), "\uFFFD")})
		}
		rest = rest[end+1:]
	}
	// Remote write wants labels sorted by name.
	slices.SortFunc(lbls, func(a, b labelPair) int { return strings.Compare(a.name, b.name) })
	id := int32(len(s.seriesLbls))
	s.seriesLbls = append(s.seriesLbls, lbls)
	s.lastTs = append(s.lastTs, math.MinInt64)
	s.sentTs = append(s.sentTs, math.MinInt64)
	s.series[string(key)] = id
	s.nseries.Add(1)
	return id, true
}

// flush hands the pending samples to the sender as one request.
func (s *Sink) flush() error {
	if len(s.pend) == 0 {
		return nil
	}
	slices.SortStableFunc(s.pend, func(a, b pendingSample) int {
		if a.series != b.series {
			return int(a.series - b.series)
		}
		return cmpInt64(a.ts, b.ts)
	})
	b := &batch{}
	all := make([]sampleTV, 0, len(s.pend))
	start := 0
	for i, p := range s.pend {
		s.sentTs[p.series] = max(s.sentTs[p.series], p.ts)
		if i > 0 && p.series == s.pend[i-1].series && p.ts == s.pend[i-1].ts {
			all[len(all)-1].v = p.v // one sample per timestamp: the last wins
			continue
		}
		if i > 0 && p.series != s.pend[i-1].series {
			b.series = append(b.series, s.seriesLbls[s.pend[i-1].series])
			b.samples = append(b.samples, all[start:len(all):len(all)])
			start = len(all)
		}
		all = append(all, sampleTV{p.ts, p.v})
	}
	b.series = append(b.series, s.seriesLbls[s.pend[len(s.pend)-1].series])
	b.samples = append(b.samples, all[start:])
	b.n = len(all)
	s.pend = s.pend[:0]
	return s.enqueue(queued{b: b}, context.Background())
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *Sink) enqueue(q queued, ctx context.Context) error {
	if s.queue == nil {
		return fmt.Errorf("prometheus sink %s: not open", s.name)
	}
	select {
	case s.queue <- q:
		if q.b != nil {
			s.dirty = true
		}
		return nil
	case <-s.senderDone:
		return s.failed()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Sink) Watermark(int64) error { return nil }

// Commit sends what is pending and waits until every sample pushed so far
// was delivered (or rejected by the receiver).
func (s *Sink) Commit(ctx context.Context) error {
	if err := s.failed(); err != nil {
		return err
	}
	if err := s.flush(); err != nil {
		return err
	}
	if !s.dirty {
		return nil
	}
	done := make(chan error, 1)
	if err := s.enqueue(queued{barrier: done}, ctx); err != nil {
		return err
	}
	select {
	case err := <-done:
		s.dirty = false
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the sender; what was not committed is dropped.
func (s *Sink) Close() error {
	if s.queue == nil {
		return nil
	}
	s.cancel()
	close(s.queue)
	<-s.senderDone
	s.queue = nil
	s.pend = nil
	return nil
}

// Stats snapshots the counters.
func (s *Sink) Stats() Stats {
	st := Stats{SamplesSent: s.samplesSent.Load(), SamplesRejected: s.samplesRejected.Load(),
		SamplesSkipped: s.samplesSkipped.Load(), SeriesDropped: s.seriesDropped.Load(),
		Retries: s.retries.Load(), Series: s.nseries.Load()}
	if s.transport != nil {
		st.BytesSent = s.transport.bytes.Load()
		st.Requests = s.transport.requests.Load()
	}
	return st
}

func (s *Sink) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Sink) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

// sender delivers queued batches in order and answers barriers.
func (s *Sink) sender() {
	defer close(s.senderDone)
	for q := range s.queue {
		if q.barrier != nil {
			q.barrier <- s.failed()
			continue
		}
		if s.failed() != nil || s.ctx.Err() != nil {
			continue // the job is failing or closing: drop
		}
		s.send(q.b)
	}
}

func (s *Sink) send(b *batch) {
	var msg any
	typ := remote.WriteV1MessageType
	if s.v2 {
		msg, typ = encodeV2(b, &s.symbols), remote.WriteV2MessageType
	} else {
		m, err := encodeV1(b)
		if err != nil {
			s.fail(fmt.Errorf("prometheus sink %s: %w", s.name, err))
			return
		}
		msg = m
	}
	s.transport.lastStatus.Store(0)
	_, err := s.api.Write(s.ctx, typ, msg, remote.WithWriteRetryCallback(func(err error) {
		s.retries.Add(1)
		s.log.Warn("prometheus sink: remote write failed; retrying", "url", s.url, "err", err)
	}))
	if err == nil {
		s.samplesSent.Add(int64(b.n))
		s.metrics.RowsOut.Add(int64(b.n))
		return
	}
	if st := int(s.transport.lastStatus.Load()); st >= 400 && st < 500 && st != http.StatusTooManyRequests {
		// As in Prometheus's own remote write: a request the receiver
		// refuses (out-of-order or too old samples, bad labels) is not
		// retried; its samples are counted and dropped.
		s.samplesRejected.Add(int64(b.n))
		if time.Since(s.lastRejectLog) > 10*time.Second {
			s.lastRejectLog = time.Now()
			s.log.Warn("prometheus sink: the receiver rejected a request; its samples are dropped", "url", s.url,
				"samples", b.n, "err", err)
		}
		return
	}
	if s.ctx.Err() != nil {
		return // closing
	}
	s.fail(fmt.Errorf("prometheus sink %s: remote write to %s failed after %d retries: %w", s.name, s.url, s.maxRetries, err))
}

// countingTransport records what the remote API client cannot tell us:
// the status of the last answer (to tell a refused request from a failed
// one), the bytes sent and the number of requests.
type countingTransport struct {
	base       http.RoundTripper
	lastStatus atomic.Int32
	bytes      atomic.Int64
	requests   atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.requests.Add(1)
	if r.ContentLength > 0 {
		t.bytes.Add(r.ContentLength)
	}
	resp, err := t.base.RoundTrip(r)
	if err == nil {
		t.lastStatus.Store(int32(resp.StatusCode))
	}
	return resp, err
}

var _ exec.Committer = (*Sink)(nil)
