package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// JobOptions configure a Job.
type JobOptions struct {
	Alloc       memory.Allocator // default memory.DefaultAllocator
	DeadLetters DeadLetterWriter // default DiscardDeadLetters
	// CommitInterval is how often sinks are committed (MV rows become
	// visible). Default 1 s.
	CommitInterval time.Duration
	// OnCommit runs after every sink committed (the DuckDB store commits
	// dead letters there). Optional.
	OnCommit func(ctx context.Context) error
	// Checkpoint, when set, receives a Checkpoint at every commit, right
	// after every sink staged its output; it must make both durable
	// together (the DuckDB store writes them in one transaction). Without
	// it, commits only run the sinks and OnCommit.
	Checkpoint func(ctx context.Context, cp *Checkpoint) error
	// Restore, when set, is the checkpoint to resume from.
	Restore *Checkpoint
	// CommitEveryBatches, when > 0, also commits (and checkpoints) after
	// every that many source batches, so tests get checkpoints at points
	// that depend on the input rather than on the clock.
	CommitEveryBatches int
	// NewOperator builds the non-source, non-sink operators.
	NewOperator func(n *Node, inputs []*arrow.Schema) (Operator, error)
	Now         func() time.Time // default time.Now; tests fake it
	Logger      *slog.Logger
	// Parallelism is the number of lanes (goroutines) that run the
	// operators; default 1. With P > 1 every lane runs its own instance
	// of the DAG and rows are hash-partitioned by key before every keyed
	// operator (exec/parallel.go); results are the same as with 1.
	Parallelism int
}

// Job runs one Graph: sources read in their own goroutines; every
// operator runs on the Job's goroutine, so operators need no locks and a
// batch travels the whole DAG before the next one enters (push model).
type Job struct {
	graph   *Graph
	opts    JobOptions
	nodes   []*runNode
	sources []*sourceRunner
	sinks   []*runNode
	opened  []*runNode
	live    int   // sources not yet exhausted
	epoch   int64 // last checkpoint epoch
	// checkpointing is set when opts.Checkpoint is and every stateful
	// operator and source supports it; otherwise commits only commit.
	checkpointing bool
	par           *parallel // nil with Parallelism 1
}

type portRef struct {
	node *runNode
	port int
	ex   *exSender // set: the edge crosses an exchange (Parallelism > 1)
}

type runNode struct {
	n        *Node
	op       Operator // nil for sources
	ctx      *OpContext
	down     []portRef
	inWM     []int64
	wm       int64
	emitter  Emitter
	metrics  OpMetrics
	isSource bool
	sources  string // the sources upstream, comma-separated: dead letters name them
	// disp is set on the coordinator's copy of a source node when
	// Parallelism > 1: its batches and watermarks go to the lanes.
	disp *sourceDispatch
}

// NewJob instantiates every operator of g. Nothing runs until Run.
func NewJob(g *Graph, conns Connectors, opts JobOptions) (*Job, error) {
	if opts.Alloc == nil {
		opts.Alloc = memory.DefaultAllocator
	}
	if opts.DeadLetters == nil {
		opts.DeadLetters = DiscardDeadLetters
	}
	if opts.CommitInterval <= 0 {
		opts.CommitInterval = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Parallelism < 1 {
		opts.Parallelism = 1
	}
	if opts.Parallelism > 1 {
		// Lanes write dead letters concurrently.
		opts.DeadLetters = &lockedDL{w: opts.DeadLetters}
	}
	j := &Job{graph: g, opts: opts}
	if opts.Parallelism == 1 {
		nodes, err := j.buildNodes(conns, 0)
		if err != nil {
			return nil, err
		}
		j.nodes = nodes
		return j, nil
	}
	if err := j.buildParallel(conns); err != nil {
		return nil, err
	}
	return j, nil
}

// buildNodes instantiates every node of the graph for one lane. Lane 0
// (the only one with Parallelism 1) makes the source readers and sinks;
// other lanes share them (exec/parallel.go).
func (j *Job) buildNodes(conns Connectors, lane int) ([]*runNode, error) {
	g, opts := j.graph, j.opts
	var nodes []*runNode
	byID := map[int]*runNode{}
	for _, n := range g.Nodes {
		rn := &runNode{n: n, wm: MinWatermark, inWM: make([]int64, len(n.Inputs))}
		rn.metrics.Watermark.Set(MinWatermark)
		for i := range rn.inWM {
			rn.inWM[i] = MinWatermark
		}
		inputs := make([]*arrow.Schema, len(n.Inputs))
		var srcs []string
		for port, id := range n.Inputs {
			up, ok := byID[id]
			if !ok {
				return nil, fmt.Errorf("plan: node %d (%s) reads node %d, which does not precede it", n.ID, n.Name, id)
			}
			up.down = append(up.down, portRef{node: rn, port: port})
			inputs[port] = up.n.Schema
			srcs = append(srcs, strings.Split(up.sources, ",")...)
		}
		if n.Kind == KindSource {
			rn.sources = n.Name
		} else {
			slices.Sort(srcs)
			rn.sources = strings.Join(slices.Compact(srcs), ",")
		}
		var err error
		switch n.Kind {
		case KindSource:
			spec, ok := n.Spec.(*SourceSpec)
			if !ok {
				return nil, fmt.Errorf("plan: source node %d has spec %T", n.ID, n.Spec)
			}
			rn.isSource = true
			if lane > 0 {
				break
			}
			f := conns.Sources[spec.Connector]
			if f == nil {
				return nil, fmt.Errorf("source %s: no connector %q in this build", spec.Name, spec.Connector)
			}
			r, ferr := f(spec)
			if ferr != nil {
				return nil, fmt.Errorf("source %s: %w", spec.Name, ferr)
			}
			j.sources = append(j.sources, &sourceRunner{node: rn, spec: spec, reader: r})
		case KindSink:
			spec, ok := n.Spec.(*SinkSpec)
			if !ok {
				return nil, fmt.Errorf("plan: sink node %d has spec %T", n.ID, n.Spec)
			}
			if lane > 0 {
				rn.op = j.par.laneSink(n.ID, lane)
				break
			}
			f := conns.Sinks[spec.Connector]
			if f == nil {
				return nil, fmt.Errorf("sink %s: no connector %q in this build", spec.Name, spec.Connector)
			}
			if rn.op, err = f(spec); err != nil {
				return nil, fmt.Errorf("sink %s: %w", spec.Name, err)
			}
			if j.par != nil {
				rn.op = j.par.shareSink(n.ID, rn.op)
			}
			j.sinks = append(j.sinks, rn)
		default:
			if opts.NewOperator == nil {
				return nil, errors.New("job: no operator builder")
			}
			if rn.op, err = opts.NewOperator(n, inputs); err != nil {
				return nil, fmt.Errorf("%s %s: %w", n.Kind, n.Name, err)
			}
		}
		byID[n.ID] = rn
		nodes = append(nodes, rn)
	}
	for _, rn := range nodes {
		rn.emitter = EmitterFunc(rn.emit)
	}
	return nodes, nil
}

// emit pushes b to every downstream node. Push borrows b, so fan-out needs
// no copies.
func (rn *runNode) emit(b arrow.RecordBatch) error {
	if b.NumRows() == 0 {
		return nil
	}
	rn.metrics.RowsOut.Add(b.NumRows())
	if rn.disp != nil {
		return rn.disp.batch(b)
	}
	for _, d := range rn.down {
		if d.ex != nil {
			if err := d.ex.send(b); err != nil {
				return err
			}
			continue
		}
		d.node.metrics.RowsIn.Add(b.NumRows())
		d.node.metrics.BatchesIn.Add(1)
		if err := d.node.op.Push(d.port, b); err != nil {
			return err
		}
	}
	return nil
}

// watermark delivers wm on rn's output edges and lets every downstream
// node whose minimum input watermark advanced react.
func (rn *runNode) watermark(wm int64) error {
	if rn.disp != nil {
		return rn.disp.watermark(wm)
	}
	for _, d := range rn.down {
		if d.ex != nil {
			d.ex.sendWatermark(wm)
			continue
		}
		if err := d.node.inputWatermark(d.port, wm); err != nil {
			return err
		}
	}
	return nil
}

// PortWatermarker is implemented by operators that need each input's
// watermark, not only their minimum: a join prunes one side's state by
// the other side's watermark. The runtime calls PortWatermark when the
// watermark of one input port advances, before Watermark.
type PortWatermarker interface {
	PortWatermark(port int, wm int64) error
}

// WatermarkHolder is implemented by operators whose output may lag their
// input watermark (a join emits a row when its later half arrives, so its
// output time can be behind the input watermark by the join's time
// bound). The runtime forwards OutputWatermark(wm) downstream instead of
// wm; it must be monotone in wm and keep MaxWatermark.
type WatermarkHolder interface {
	OutputWatermark(wm int64) int64
}

// inputWatermark delivers wm on input port; when the minimum over the
// ports advances, the operator and then its downstream see it.
func (dn *runNode) inputWatermark(port int, wm int64) error {
	if wm <= dn.inWM[port] {
		return nil
	}
	dn.inWM[port] = wm
	if pw, ok := dn.op.(PortWatermarker); ok {
		if err := pw.PortWatermark(port, wm); err != nil {
			return err
		}
	}
	min := dn.inWM[0]
	for _, w := range dn.inWM[1:] {
		if w < min {
			min = w
		}
	}
	if min <= dn.wm {
		return nil
	}
	dn.wm = min
	dn.metrics.Watermark.Set(min)
	if err := dn.op.Watermark(min); err != nil {
		return err
	}
	out := min
	if h, ok := dn.op.(WatermarkHolder); ok {
		out = h.OutputWatermark(min)
	}
	return dn.watermark(out)
}

type sourceMsg struct {
	src *sourceRunner
	sb  SourceBatch
	err error
	// at is when the reader returned it, on the source's clock: wall
	// time minus the time the reader waited for the job to take its
	// batches. The watermark tracker's idle timeouts run on it, so a
	// job that falls behind (a slow commit, lanes catching up, a loaded
	// machine) does not take partitions whose batches wait in the queue
	// for idle: only a reader that had nothing for a partition does.
	at time.Time
}

// Run runs the job until every source is exhausted (then it flushes every
// window, commits and returns nil) or ctx is cancelled (then it commits
// what was processed and returns nil), or an error stops it.
func (j *Job) Run(ctx context.Context) (err error) {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer func() {
		if cerr := j.close(); err == nil {
			err = cerr
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r, "job")
		}
	}()
	for _, nodes := range j.laneNodes() {
		for _, rn := range nodes {
			var dl DeadLetterWriter = j.opts.DeadLetters
			if !rn.isSource {
				dl = &opDeadLetters{w: dl, node: rn.n.Name, sources: rn.sources}
			}
			rn.ctx = &OpContext{Name: rn.n.Name, Alloc: j.opts.Alloc, DeadLetters: dl,
				Metrics: &rn.metrics, Context: runCtx}
			if rn.isSource {
				continue
			}
			if err := rn.op.Open(rn.ctx, rn.emitter); err != nil {
				return fmt.Errorf("%s %s: %w", rn.n.Kind, rn.n.Name, err)
			}
			j.opened = append(j.opened, rn)
		}
	}
	if j.opts.Checkpoint != nil {
		if err := j.Checkpointable(); err != nil {
			j.opts.Logger.Warn("running without checkpoints: a restart recomputes from the sources' start", "reason", err)
		} else {
			j.checkpointing = true
		}
	}
	if j.opts.Restore != nil {
		if err := j.Checkpointable(); err != nil {
			return fmt.Errorf("cannot resume: %w", err)
		}
	}
	if err := j.restoreNodes(); err != nil {
		return err
	}
	now := j.opts.Now()
	for _, s := range j.sources {
		if err := j.resumeSource(s); err != nil {
			return err
		}
		dl := &countingDL{w: j.opts.DeadLetters, m: &s.node.metrics}
		if err := s.reader.Open(runCtx, j.opts.Alloc, dl); err != nil {
			return fmt.Errorf("source %s: %w", s.spec.Name, err)
		}
		s.opened = true
		idle := time.Duration(s.spec.IdleTimeoutMs) * time.Millisecond
		if s.spec.IdleTimeoutMs == 0 {
			idle = 5 * time.Second
		}
		s.tracker = NewWatermarkTracker(s.spec.WatermarkDelay, idle, s.reader.Partitions(), now)
		if cp := j.sourceCheckpoint(s.spec.Name); cp != nil {
			s.tracker.restore(cp.MaxTs, cp.Watermark, now)
		}
		s.dl, s.letters = dl, dl
	}

	var laneStop <-chan struct{} // nil (never ready) with one lane
	if j.par != nil {
		j.par.start(runCtx)
		// Registered after close's defer, so it runs first: the lanes
		// are stopped before their operators are closed.
		defer j.par.shutdown()
		laneStop = j.par.stop
	}

	msgs := make(chan sourceMsg, 2*len(j.sources)+2)
	var wg sync.WaitGroup
	for _, s := range j.sources {
		wg.Add(1)
		go func(s *sourceRunner) {
			defer wg.Done()
			defer func() {
				// A panicking connector stops the job with an error, not the process.
				if r := recover(); r != nil {
					select {
					case msgs <- sourceMsg{src: s, err: panicError(r, "source "+s.spec.Name)}:
					case <-runCtx.Done():
					}
				}
			}()
			var held time.Duration // waiting for the job to take a batch
			for {
				sb, err := s.reader.Read(runCtx)
				m := sourceMsg{s, sb, err, j.opts.Now().Add(-held)}
				select {
				case msgs <- m:
				default:
					waited := j.opts.Now()
					select {
					case msgs <- m:
						held += j.opts.Now().Sub(waited)
					case <-runCtx.Done():
						if sb.Records != nil {
							sb.Records.Release()
						}
						return
					}
				}
				if err != nil {
					return
				}
			}
		}(s)
	}
	defer func() {
		cancel()
		wg.Wait()
		for {
			select {
			case m := <-msgs:
				if m.sb.Records != nil {
					m.sb.Records.Release()
				}
			default:
				return
			}
		}
	}()

	j.live = len(j.sources)
	if j.live == 0 {
		return errors.New("job: the pipeline has no source")
	}
	ticker := time.NewTicker(j.opts.CommitInterval)
	defer ticker.Stop()
	batches := 0
	for {
		if j.par != nil {
			// The lanes get the items of each source batch together.
			if err := j.par.flush(); err != nil {
				return err
			}
		}
		select {
		case m := <-msgs:
			if err := j.handle(m); err != nil {
				return err
			}
			if j.live == 0 {
				return j.commit(context.WithoutCancel(ctx))
			}
			if m.sb.Records != nil && j.opts.CommitEveryBatches > 0 {
				if batches++; batches%j.opts.CommitEveryBatches == 0 {
					if err := j.commit(context.WithoutCancel(ctx)); err != nil {
						return err
					}
				}
			}
		case <-laneStop:
			return j.par.failure()
		case <-ticker.C:
			// A commit that started finishes even if the job is being
			// stopped: cutting it short would only waste it.
			if err := j.commit(context.WithoutCancel(ctx)); err != nil {
				return err
			}
		case <-ctx.Done():
			return j.commit(context.WithoutCancel(ctx))
		}
	}
}

func (j *Job) handle(m sourceMsg) error {
	s := m.src
	now := m.at
	if now.IsZero() {
		now = j.opts.Now()
	}
	if m.err != nil {
		if !errors.Is(m.err, io.EOF) {
			return fmt.Errorf("source %s: %w", s.spec.Name, m.err)
		}
		if err := s.letters.release(-1, -1); err != nil {
			return fmt.Errorf("source %s: dead letter: %w", s.spec.Name, err)
		}
		s.done = true
		j.live--
		for _, p := range s.reader.Partitions() {
			s.tracker.Done(p, now)
		}
		s.tracker.doneAll()
		return j.advance(s, now)
	}
	if m.sb.Records == nil {
		return j.advance(s, now)
	}
	defer m.sb.Records.Release()
	if err := s.letters.release(m.sb.Partition, m.sb.NextOffset); err != nil {
		return fmt.Errorf("source %s: dead letter: %w", s.spec.Name, err)
	}
	return s.push(j, m.sb, now)
}

// advance recomputes s's watermark and propagates it when it moved.
func (j *Job) advance(s *sourceRunner, now time.Time) error {
	wm := s.tracker.Advance(now)
	if wm <= s.node.wm {
		return nil
	}
	s.node.wm = wm
	s.node.metrics.Watermark.Set(wm)
	return s.node.watermark(wm)
}

// laneNodes lists every lane's instance of the DAG (one with Parallelism 1).
func (j *Job) laneNodes() [][]*runNode {
	if j.par == nil {
		return [][]*runNode{j.nodes}
	}
	out := make([][]*runNode, len(j.par.lanes))
	for i, l := range j.par.lanes {
		out[i] = l.nodes
	}
	return out
}

// NodeStats is a snapshot of one node's counters.
type NodeStats struct {
	ID          int
	Kind        NodeKind
	Name        string
	RowsIn      int64
	RowsOut     int64
	LateEvents  int64
	DeadLetters int64
	StateRows   int64
	Watermark   int64
	Lag         int64 // sources: records behind the end of input; -1 unknown
}

// Stats snapshots every node's counters. It is safe to call while Run runs.
func (j *Job) Stats() []NodeStats {
	out := make([]NodeStats, len(j.nodes))
	src := map[*Node]*sourceRunner{}
	for _, s := range j.sources {
		src[s.node.n] = s
	}
	for i, rn := range j.nodes {
		out[i] = NodeStats{ID: rn.n.ID, Kind: rn.n.Kind, Name: rn.n.Name, Watermark: MaxWatermark, Lag: -1}
		ms := []*OpMetrics{}
		if s := src[rn.n]; s != nil {
			// The coordinator's copy counts a source's rows once.
			ms = append(ms, &s.node.metrics)
			if lr, ok := s.reader.(LagReporter); ok {
				out[i].Lag = lr.Lag()
			}
		} else {
			for _, nodes := range j.laneNodes() {
				ms = append(ms, &nodes[i].metrics)
			}
		}
		for _, m := range ms {
			out[i].RowsIn += m.RowsIn.Load()
			out[i].RowsOut += m.RowsOut.Load()
			out[i].LateEvents += m.LateEvents.Load()
			out[i].DeadLetters += m.DeadLetters.Load()
			out[i].StateRows += m.StateRows.Load()
			out[i].Watermark = min(out[i].Watermark, m.Watermark.Load())
		}
	}
	return out
}

func (j *Job) commit(ctx context.Context) error {
	if j.par != nil {
		if err := j.par.quiesce(); err != nil {
			return err
		}
	}
	for _, rn := range j.sinks {
		if c, ok := rn.op.(Committer); ok {
			if err := c.Commit(ctx); err != nil {
				return fmt.Errorf("sink %s: %w", rn.n.Name, err)
			}
		}
	}
	if j.checkpointing {
		cp, err := j.snapshot()
		if err != nil {
			return err
		}
		if err := j.opts.Checkpoint(ctx, cp); err != nil {
			return fmt.Errorf("checkpoint %d: %w", cp.Epoch, err)
		}
		j.epoch = cp.Epoch
	}
	if j.opts.OnCommit != nil {
		return j.opts.OnCommit(ctx)
	}
	return nil
}

func (j *Job) close() error {
	var errs []error
	for _, s := range j.sources {
		if !s.opened {
			continue
		}
		s.opened = false
		if err := s.reader.Close(); err != nil {
			errs = append(errs, fmt.Errorf("source %s: %w", s.spec.Name, err))
		}
	}
	for _, rn := range j.opened {
		if err := rn.op.Close(); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", rn.n.Kind, rn.n.Name, err))
		}
	}
	j.opened = nil
	return errors.Join(errs...)
}

// opDeadLetters is an operator's dead-letter writer. Operators name
// themselves in DeadLetter.Source (they know no source); the table's
// source column names the source the record came from (those upstream,
// comma-separated, past a union or join), and the reason says which
// operator (the view) dropped it.
type opDeadLetters struct {
	w       DeadLetterWriter
	node    string
	sources string
}

func (o *opDeadLetters) WriteDeadLetter(d DeadLetter) error {
	if d.Source == o.node && o.sources != "" {
		d.Source = o.sources
		d.Reason += " (dropped by " + o.node + ")"
	}
	return o.w.WriteDeadLetter(d)
}

// countingDL counts dead letters per source on their way to the writer,
// and holds back those a source reader writes for a record at a known
// offset until the job takes the batch that moves past that offset.
// Readers decode ahead of the job (in their goroutine, into the channel):
// written at once, the dead letter of a record after the checkpoint's
// offsets could be committed with that checkpoint, and a restart, which
// reads the record again, would write it twice.
type countingDL struct {
	w    DeadLetterWriter
	m    *OpMetrics
	mu   sync.Mutex
	held []DeadLetter
}

func (c *countingDL) WriteDeadLetter(d DeadLetter) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d.Partition >= 0 && d.Offset >= 0 {
		d.Raw = append([]byte(nil), d.Raw...) // the reader may reuse its buffer
		c.held = append(c.held, d)
		return nil
	}
	c.m.DeadLetters.Add(1)
	return c.w.WriteDeadLetter(d)
}

// release writes the held dead letters of partition p before offset next
// (all of p's when next < 0, every partition's when p < 0): the job is
// about to take the batch that ends there, so a checkpoint from now on
// covers those records.
func (c *countingDL) release(p int32, next int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := c.held[:0]
	var err error
	for _, d := range c.held {
		if err == nil && (p < 0 || d.Partition == p && (next < 0 || d.Offset < next)) {
			c.m.DeadLetters.Add(1)
			err = c.w.WriteDeadLetter(d)
			continue
		}
		keep = append(keep, d)
	}
	clear(c.held[len(keep):])
	c.held = keep
	return err
}

// panicError turns a recovered panic into an error: a bug in one operator
// or connector must end the job with a message, never crash the process
// with a stack trace in the user's terminal.
func panicError(r any, where string) error {
	return fmt.Errorf("internal error in %s: %v (please report it)", where, r)
}
