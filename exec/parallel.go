package exec

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// Multi-core execution (JobOptions.Parallelism = P > 1).
//
// P lanes, each a goroutine with its own instance of every operator of the
// DAG, so operators stay single-threaded. A coordinator (the Job's
// goroutine) reads the sources exactly as with one lane, computes the
// watermarks row by row, and numbers what it dispatches: every batch slice
// and every watermark is an item with a sequence number (seq). A batch
// goes to one lane (round robin), a watermark to every lane. A lane runs
// stateless operators (filter, project, window assignment, union) on the
// batches it got; before a keyed operator an exchange hash-partitions the
// rows by the operator's partition keys (KeyPartitioner) to the lane that
// owns them. Exchanged rows and watermarks carry the seq of the item that
// produced them, and the receiving lane hands them to the operator in seq
// order: it holds back whatever it got until every sending lane has
// "closed" that seq (promised to send nothing more at or below it). So each
// operator instance sees its keys' rows and the watermarks in exactly the
// order one lane would have, and since a keyed operator treats keys
// independently, P lanes produce the same rows as one (and the same
// per-key order of updates: all updates of a key come from one lane). An
// operator without partition keys (a global aggregate, or a stateful
// operator that declares none) gets every row in lane 0.
//
// Checkpoints stop the world: the coordinator stops dispatching, sends
// every lane a sync item and waits until each lane has done all work up to
// the last seq; then nothing is in flight and every lane's operators are
// snapshotted together with the source offsets.

// KeyPartitioner is implemented by the Spec of an operator whose state is
// keyed, so that its instances can split the keys between lanes. It
// returns, per input port, the expressions over that port's input whose
// values decide the lane of a row; rows with equal values (on any port: a
// join's two sides) meet in the same lane, so the expressions of the ports
// must have matching types. No expressions (or a nil result) means one
// global state: the operator runs in lane 0. A stateful operator whose
// spec does not implement KeyPartitioner also runs in lane 0.
type KeyPartitioner interface {
	PartitionKeys() [][]expr.Expr
}

// PartitionKeys: a grouped aggregate's state is per group, and a group
// lies within one key, whatever the window.
func (s *AggregateSpec) PartitionKeys() [][]expr.Expr {
	if s.InputKeys != nil {
		// Over an updating input an aggregate keeps each input key's last
		// contribution to retract it, and an update may move an input key
		// to another group: the old and the new row must meet in one
		// operator instance, which partitioning by group does not give.
		return nil
	}
	return [][]expr.Expr{s.Keys}
}

// PartitionKeys: a timeline is per key.
func (s *TimelineSpec) PartitionKeys() [][]expr.Expr { return [][]expr.Expr{s.Keys} }

// PartitionKeys: an equi-join pairs rows with equal keys only (the
// residual is checked on such pairs), and a stored row expires by
// watermarks, which every lane sees. A join without keys is global.
func (s *JoinSpec) PartitionKeys() [][]expr.Expr {
	if len(s.LeftKeys) == 0 {
		return nil
	}
	return [][]expr.Expr{s.LeftKeys, s.RightKeys}
}

// ColumnPartitioner is KeyPartitioner for specs that name their keys as
// input columns: per port, the column indexes.
type ColumnPartitioner interface {
	PartitionColumns() [][]int
}

// PartitionColumns: top-N ranks within a partition.
func (s *TopNSpec) PartitionColumns() [][]int { return [][]int{s.Partition} }

// laneLocal reports whether operators of kind k run in the lane that
// produced their input (no exchange before them).
func laneLocal(k NodeKind) bool {
	switch k {
	case KindSource, KindSink, KindFilter, KindProject, KindUnion, KindWindowAssign:
		return true
	}
	return false
}

// partitionKeys says whether node n needs an exchange before it and, if
// so, its keys per port (nil: global, lane 0); in are its input schemas.
func partitionKeys(n *Node, in []*arrow.Schema) ([][]expr.Expr, bool) {
	if laneLocal(n.Kind) {
		return nil, false
	}
	var keys [][]expr.Expr
	switch kp := n.Spec.(type) {
	case KeyPartitioner:
		keys = kp.PartitionKeys()
	case ColumnPartitioner:
		for port, cols := range kp.PartitionColumns() {
			if port >= len(in) {
				return nil, true
			}
			var k []expr.Expr
			for _, c := range cols {
				if c < 0 || c >= in[port].NumFields() {
					return nil, true
				}
				f := in[port].Field(c)
				k = append(k, &expr.ColumnRef{Index: c, Name: f.Name, Type: f.Type})
			}
			keys = append(keys, k)
		}
	default:
		return nil, true
	}
	if len(keys) != len(n.Inputs) {
		return nil, true
	}
	for _, k := range keys {
		if len(k) == 0 || len(k) != len(keys[0]) {
			return nil, true
		}
	}
	return keys, true
}

// laneQueue is how many chunks of items a lane buffers. The coordinator
// sends a lane one chunk per source batch (its slices and watermarks),
// and a lane posts its exchange messages to another lane once per chunk
// of work: a handoff between goroutines per message would cost more than
// the work.
const laneQueue = 16

var errLanesStopped = errors.New("job: lanes stopped")

// parallel is the Job's multi-lane state.
type parallel struct {
	p      int
	lanes  []*lane
	exs    []*exchange
	groups []*recvGroup
	sinks  map[int]*sharedSink

	// coordinator state (the Job's goroutine only)
	seq      int64
	lastSent []int64      // per lane: the last seq it was sent
	pending  [][]laneItem // per lane: items not sent yet
	rr       int

	stop     chan struct{} // closed when the lanes must end
	stopOnce sync.Once
	errMu    sync.Mutex
	err      error
	acks     chan struct{}
	wg       sync.WaitGroup
}

// exchange is one input edge of a keyed operator.
type exchange struct {
	id, group  int
	node, port int // the keyed node (index in Graph.Nodes) and its port
	keys       []expr.Expr
	in         *arrow.Schema
	fromSrc    bool  // a lane's source-side work feeds it
	fromGroups []int // so does the receiving side of these groups
}

// recvGroup is a keyed node and its exchanges, one per input port.
type recvGroup struct {
	node int
	exs  []int // by port
}

const (
	itemBatch = iota
	itemWatermark
	itemTick // nothing for this lane up to seq
	itemSync // report when everything up to seq is done
)

type laneItem struct {
	kind uint8
	src  int // index in Job.sources
	seq  int64
	b    arrow.RecordBatch
	wm   int64
}

const (
	msgData = iota
	msgWatermark
	msgClose // the sender sends nothing more with seq <= this one
)

type exMsg struct {
	kind     uint8
	ex, from int32
	seq      int64
	b        arrow.RecordBatch
	wm       int64
}

// inbox receives the exchange messages of every sender. It is unbounded,
// so a lane never blocks on another (no deadlock between lanes); what is
// in flight stays bounded because the coordinator's bounded channels pace
// every lane.
type inbox struct {
	mu     sync.Mutex
	msgs   []exMsg
	signal chan struct{}
}

func (b *inbox) post(ms []exMsg) {
	b.mu.Lock()
	b.msgs = append(b.msgs, ms...)
	b.mu.Unlock()
	select {
	case b.signal <- struct{}{}:
	default:
	}
}

func (b *inbox) swap(spare []exMsg) []exMsg {
	b.mu.Lock()
	m := b.msgs
	b.msgs = spare[:0]
	b.mu.Unlock()
	return m
}

// lane is one goroutine's instance of the DAG.
type lane struct {
	id      int
	par     *parallel
	nodes   []*runNode
	srcs    []*runNode // this lane's copies of the source nodes, in Job.sources order
	in      chan []laneItem
	box     inbox
	cur     int64 // seq of the work in progress; stamps what the lane sends
	srcDone int64 // every item up to this seq is done
	recv    []laneRecv
	closed  []int64 // per exchange: the last close sent
	syncAt  int64   // -1: no sync pending
	spare   []exMsg
	holding []laneItem // the chunk being processed
	out     [][]exMsg  // per lane: messages not posted yet
}

// laneRecv is a lane's receiving side of one recvGroup.
type laneRecv struct {
	rn      *runNode
	closed  [][]int64 // [port][sender]
	wms     [][]int64 // [port][sender]
	pending []exMsg
	ready   []exMsg
	done    int64 // every message up to this seq was handed to the operator
}

// exSender is a lane's sending side of one exchange: it routes rows by
// key to lanes.
type exSender struct {
	l      *lane
	alloc  memory.Allocator
	ex     *exchange
	evals  []expr.Evaluator
	arrs   []arrow.Array
	vecs   []keyVec
	hashes []uint64
	sels   [][]int32
	cols   []arrow.Array
}

// sourceDispatch replaces a source node's downstream edges on the
// coordinator.
type sourceDispatch struct {
	par *parallel
	src int
}

func (d *sourceDispatch) batch(b arrow.RecordBatch) error { return d.par.dispatchBatch(d.src, b) }
func (d *sourceDispatch) watermark(wm int64) error        { return d.par.dispatchWatermark(d.src, wm) }

// buildParallel instantiates the DAG once per lane and wires the exchanges.
func (j *Job) buildParallel(conns Connectors) error {
	P := j.opts.Parallelism
	par := &parallel{p: P, sinks: map[int]*sharedSink{}, stop: make(chan struct{}),
		acks: make(chan struct{}, P), lastSent: make([]int64, P), pending: make([][]laneItem, P)}
	j.par = par
	for l := 0; l < P; l++ {
		nodes, err := j.buildNodes(conns, l)
		if err != nil {
			return err
		}
		ln := &lane{id: l, par: par, nodes: nodes, in: make(chan []laneItem, laneQueue), syncAt: -1, out: make([][]exMsg, P)}
		ln.box.signal = make(chan struct{}, 1)
		for _, rn := range nodes {
			if rn.isSource {
				ln.srcs = append(ln.srcs, rn)
			}
		}
		par.lanes = append(par.lanes, ln)
		if l == 0 {
			j.nodes = nodes
		}
	}
	for i, s := range j.sources {
		s.reader = splitSource(s.reader, P)
		cn := &runNode{n: s.node.n, wm: MinWatermark, isSource: true, disp: &sourceDispatch{par: par, src: i}}
		cn.metrics.Watermark.Set(MinWatermark)
		s.node = cn
	}

	g := j.graph
	index := map[int]int{}
	for i, n := range g.Nodes {
		index[n.ID] = i
	}
	groupOf := map[int]int{} // node index -> group
	for i, n := range g.Nodes {
		in := make([]*arrow.Schema, len(n.Inputs))
		for port, id := range n.Inputs {
			in[port] = g.Nodes[index[id]].Schema
		}
		keys, ok := partitionKeys(n, in)
		if !ok {
			continue
		}
		grp := &recvGroup{node: i}
		groupOf[i] = len(par.groups)
		for port, id := range n.Inputs {
			ex := &exchange{id: len(par.exs), group: len(par.groups), node: i, port: port, in: g.Nodes[index[id]].Schema}
			if keys != nil {
				ex.keys = keys[port]
			}
			grp.exs = append(grp.exs, ex.id)
			par.exs = append(par.exs, ex)
		}
		par.groups = append(par.groups, grp)
	}
	// What feeds each exchange: a lane's source-side work and/or the
	// receiving side of upstream keyed nodes (up to the first of them on
	// every path).
	var feed func(i int, ex *exchange, seen map[int]bool)
	feed = func(i int, ex *exchange, seen map[int]bool) {
		if seen[i] {
			return
		}
		seen[i] = true
		if grp, ok := groupOf[i]; ok {
			ex.fromGroups = append(ex.fromGroups, grp)
			return
		}
		n := g.Nodes[i]
		if n.Kind == KindSource {
			ex.fromSrc = true
			return
		}
		for _, id := range n.Inputs {
			feed(index[id], ex, seen)
		}
	}
	for _, ex := range par.exs {
		feed(index[g.Nodes[ex.node].Inputs[ex.port]], ex, map[int]bool{})
	}

	for _, ln := range par.lanes {
		ln.closed = make([]int64, len(par.exs))
		for _, grp := range par.groups {
			r := laneRecv{rn: ln.nodes[grp.node]}
			for range grp.exs {
				r.closed = append(r.closed, make([]int64, P))
				r.wms = append(r.wms, make([]int64, P))
			}
			ln.recv = append(ln.recv, r)
		}
		for _, ex := range par.exs {
			s := &exSender{l: ln, alloc: j.opts.Alloc, ex: ex, sels: make([][]int32, P)}
			for k, e := range ex.keys {
				ev, err := expr.Compile(e, ex.in, j.opts.Alloc)
				if err != nil {
					return fmt.Errorf("exchange before %s %s: key %d: %w", g.Nodes[ex.node].Kind, g.Nodes[ex.node].Name, k, err)
				}
				if _, err := keyKindOf(ev.DataType()); err != nil {
					return fmt.Errorf("exchange before %s %s: %w", g.Nodes[ex.node].Kind, g.Nodes[ex.node].Name, err)
				}
				s.evals = append(s.evals, ev)
			}
			s.arrs = make([]arrow.Array, len(s.evals))
			s.vecs = make([]keyVec, len(s.evals))
			for k, ev := range s.evals {
				s.vecs[k].kind, _ = keyKindOf(ev.DataType())
			}
			up := ln.nodes[index[g.Nodes[ex.node].Inputs[ex.port]]]
			for k := range up.down {
				if up.down[k].node == ln.nodes[ex.node] && up.down[k].port == ex.port {
					up.down[k].ex = s
				}
			}
		}
	}
	return nil
}

// ---- coordinator side ----

func (p *parallel) fail(err error) {
	p.errMu.Lock()
	if p.err == nil {
		p.err = err
	}
	p.errMu.Unlock()
	p.stopOnce.Do(func() { close(p.stop) })
}

// failure is the error that stopped the lanes.
func (p *parallel) failure() error {
	p.errMu.Lock()
	defer p.errMu.Unlock()
	if p.err != nil {
		return p.err
	}
	return errLanesStopped
}

// send hands lane l its pending items plus it (if any), or a tick when
// it has nothing, so that it knows every seq up to the last is dispatched.
func (p *parallel) send(l int, extra ...laneItem) error {
	items := append(p.pending[l], extra...)
	p.pending[l] = nil
	if len(items) == 0 || items[len(items)-1].seq < p.seq {
		items = append(items, laneItem{kind: itemTick, seq: p.seq})
	}
	select {
	case p.lanes[l].in <- items:
		p.lastSent[l] = p.seq
		return nil
	case <-p.stop:
		for _, it := range items {
			if it.b != nil {
				it.b.Release()
			}
		}
		return p.failure()
	}
}

func (p *parallel) dispatchBatch(src int, b arrow.RecordBatch) error {
	p.seq++
	owner := p.rr
	p.rr = (p.rr + 1) % p.p
	b.Retain()
	p.pending[owner] = append(p.pending[owner], laneItem{kind: itemBatch, src: src, seq: p.seq, b: b})
	return nil
}

func (p *parallel) dispatchWatermark(src int, wm int64) error {
	p.seq++
	for l := range p.lanes {
		p.pending[l] = append(p.pending[l], laneItem{kind: itemWatermark, src: src, seq: p.seq, wm: wm})
	}
	return nil
}

// flush sends every lane what was dispatched since the last flush (the
// coordinator calls it after each source batch).
func (p *parallel) flush() error {
	for l := range p.lanes {
		if p.lastSent[l] < p.seq {
			if err := p.send(l); err != nil {
				return err
			}
		}
	}
	return nil
}

// release drops items never sent (the job is stopping).
func (p *parallel) release() {
	for l, items := range p.pending {
		for _, it := range items {
			if it.b != nil {
				it.b.Release()
			}
		}
		p.pending[l] = nil
	}
}

// quiesce returns once every lane has done all the work dispatched so
// far: nothing is in flight and the lanes wait for the next item, so the
// coordinator may read their operators (the acks order their writes
// before our reads).
func (p *parallel) quiesce() error {
	for l := range p.lanes {
		if err := p.send(l, laneItem{kind: itemSync, seq: p.seq}); err != nil {
			return err
		}
	}
	for range p.lanes {
		select {
		case <-p.acks:
		case <-p.stop:
			return p.failure()
		}
	}
	return nil
}

// start runs the lanes. The exchanges' per-sender watermarks start at the
// nodes' (restored) input watermarks: a checkpoint is taken when every
// sender had sent the same ones.
func (p *parallel) start(ctx context.Context) {
	for _, ln := range p.lanes {
		for gi := range ln.recv {
			r := &ln.recv[gi]
			for port := range r.wms {
				for s := range r.wms[port] {
					r.wms[port][s] = r.rn.inWM[port]
				}
			}
		}
		p.wg.Add(1)
		go func(ln *lane) {
			defer p.wg.Done()
			defer func() {
				if r := recover(); r != nil {
					p.fail(panicError(r, fmt.Sprintf("lane %d", ln.id)))
				}
			}()
			if err := ln.run(ctx); err != nil {
				p.fail(err)
			}
		}(ln)
	}
}

// shutdown stops the lanes, waits for them and releases what they had not
// processed.
func (p *parallel) shutdown() {
	p.stopOnce.Do(func() { close(p.stop) })
	p.wg.Wait()
	p.release()
	for _, ln := range p.lanes {
		ln.drop()
	}
}

// ---- lane side ----

func (l *lane) run(ctx context.Context) error {
	for {
		l.spare = l.box.swap(l.spare)
		for _, m := range l.spare {
			l.file(m)
		}
		clear(l.spare)
		l.spare = l.spare[:0]
		worked, err := l.receive()
		if err != nil {
			return err
		}
		select {
		case items := <-l.in:
			if err := l.handle(items); err != nil {
				return err
			}
			l.flushOut()
			continue
		case <-l.par.stop:
			return nil
		default:
		}
		l.flushOut()
		if worked {
			continue
		}
		if l.syncAt >= 0 && l.done() >= l.syncAt {
			l.syncAt = -1
			l.par.acks <- struct{}{}
		}
		select {
		case items := <-l.in:
			if err := l.handle(items); err != nil {
				return err
			}
			l.flushOut()
		case <-l.box.signal:
		case <-l.par.stop:
			return nil
		case <-ctx.Done():
			// The coordinator still commits after a cancel, so the lane
			// keeps serving until it is stopped; ctx only wakes it.
			ctx = context.Background()
		}
	}
}

func (l *lane) handle(items []laneItem) error {
	l.holding = items
	for i := range items {
		it := &items[i]
		switch it.kind {
		case itemBatch:
			l.cur = it.seq
			err := l.srcs[it.src].emit(it.b)
			it.b.Release()
			it.b = nil
			if err != nil {
				return err
			}
		case itemWatermark:
			l.cur = it.seq
			rn := l.srcs[it.src]
			if it.wm > rn.wm {
				rn.wm = it.wm
				rn.metrics.Watermark.Set(it.wm)
				if err := rn.watermark(it.wm); err != nil {
					return err
				}
			}
		case itemSync:
			l.syncAt = it.seq
		}
		if it.seq > l.srcDone {
			l.srcDone = it.seq
		}
	}
	l.holding = nil
	return nil
}

// file sorts an exchange message into its group.
func (l *lane) file(m exMsg) {
	ex := l.par.exs[m.ex]
	r := &l.recv[ex.group]
	if m.kind == msgClose {
		if c := &r.closed[ex.port][m.from]; m.seq > *c {
			*c = m.seq
		}
		return
	}
	r.pending = append(r.pending, m)
}

// receive hands every keyed node the messages that every sender closed,
// in (seq, sender, arrival) order: the order one lane would have produced
// them in. (Rows of one seq from several senders, which only an operator
// fed by another keyed operator gets, come in lane order, where one lane
// would have interleaved them by its upstream operator's group order.)
func (l *lane) receive() (bool, error) {
	worked := false
	for gi := range l.recv {
		r := &l.recv[gi]
		c := int64(1<<63 - 1)
		for _, cs := range r.closed {
			for _, x := range cs {
				c = min(c, x)
			}
		}
		if c <= r.done {
			continue
		}
		worked = true
		ready, keep := r.ready[:0], r.pending[:0]
		for _, m := range r.pending {
			if m.seq <= c {
				ready = append(ready, m)
			} else {
				keep = append(keep, m)
			}
		}
		clear(r.pending[len(keep):])
		r.pending = keep
		// Within a seq and a sender, arrival order is the order the
		// sender's DAG produced them in (depth first, across ports), which
		// is the single lane's.
		slices.SortStableFunc(ready, func(a, b exMsg) int {
			if a.seq != b.seq {
				return cmp.Compare(a.seq, b.seq)
			}
			return cmp.Compare(a.from, b.from)
		})
		// r.ready holds them while they are handed over, so that drop
		// releases what a panic left behind.
		r.ready = ready
		var err error
		for i := range ready {
			m := &ready[i]
			if err == nil {
				err = l.deliver(r, m)
			}
			if m.b != nil {
				m.b.Release()
				m.b = nil
			}
		}
		clear(ready)
		r.ready = ready[:0]
		if err != nil {
			return true, err
		}
		r.done = c
	}
	return worked, nil
}

func (l *lane) deliver(r *laneRecv, m *exMsg) error {
	l.cur = m.seq
	port := l.par.exs[m.ex].port
	rn := r.rn
	if m.kind == msgData {
		rn.metrics.RowsIn.Add(m.b.NumRows())
		rn.metrics.BatchesIn.Add(1)
		return rn.op.Push(port, m.b)
	}
	wms := r.wms[port]
	if m.wm > wms[m.from] {
		wms[m.from] = m.wm
	}
	w := wms[0]
	for _, x := range wms[1:] {
		w = min(w, x)
	}
	return rn.inputWatermark(port, w)
}

// frontier is the seq up to which this lane has done everything that can
// send on exchange ex.
func (l *lane) frontier(ex *exchange) int64 {
	f := int64(1<<63 - 1)
	if ex.fromSrc {
		f = l.srcDone
	}
	for _, g := range ex.fromGroups {
		f = min(f, l.recv[g].done)
	}
	return f
}

// flushOut tells every lane how far this one got on each exchange and
// posts what it has for them.
func (l *lane) flushOut() {
	for _, ex := range l.par.exs {
		f := l.frontier(ex)
		if f <= l.closed[ex.id] {
			continue
		}
		l.closed[ex.id] = f
		for to := range l.out {
			l.out[to] = append(l.out[to], exMsg{kind: msgClose, ex: int32(ex.id), from: int32(l.id), seq: f})
		}
	}
	for to, ms := range l.out {
		if len(ms) > 0 {
			l.par.lanes[to].box.post(ms)
			clear(ms)
			l.out[to] = ms[:0]
		}
	}
}

// done is the seq up to which this lane has done all its work.
func (l *lane) done() int64 {
	d := l.srcDone
	for i := range l.recv {
		d = min(d, l.recv[i].done)
	}
	return d
}

// drop releases the batches of a stopped lane.
func (l *lane) drop() {
	releaseItems := func(items []laneItem) {
		for _, it := range items {
			if it.b != nil {
				it.b.Release()
			}
		}
	}
	releaseItems(l.holding)
	l.holding = nil
	for {
		select {
		case items := <-l.in:
			releaseItems(items)
			continue
		default:
		}
		break
	}
	release := func(ms []exMsg) {
		for _, m := range ms {
			if m.b != nil {
				m.b.Release()
			}
		}
	}
	release(l.box.swap(nil))
	for i := range l.recv {
		release(l.recv[i].pending)
		release(l.recv[i].ready)
		l.recv[i].pending, l.recv[i].ready = nil, nil
	}
	for _, ms := range l.out {
		release(ms)
	}
}

func (s *exSender) post(to int, b arrow.RecordBatch) {
	s.l.out[to] = append(s.l.out[to], exMsg{kind: msgData, ex: int32(s.ex.id), from: int32(s.l.id), seq: s.l.cur, b: b})
}

func (s *exSender) sendWatermark(wm int64) {
	for to := range s.l.out {
		s.l.out[to] = append(s.l.out[to], exMsg{kind: msgWatermark, ex: int32(s.ex.id), from: int32(s.l.id), seq: s.l.cur, wm: wm})
	}
}

// send routes b's rows to the lanes that own their keys: the key columns
// are evaluated and hashed a column at a time, then each lane's rows are
// gathered by a selection vector.
func (s *exSender) send(b arrow.RecordBatch) error {
	if len(s.evals) == 0 {
		b.Retain()
		s.post(0, b)
		return nil
	}
	n := int(b.NumRows())
	defer func() {
		for i, a := range s.arrs {
			if a != nil {
				a.Release()
				s.arrs[i] = nil
			}
		}
	}()
	for i, ev := range s.evals {
		a, err := ev.Eval(b)
		if err != nil {
			return fmt.Errorf("partition key %d: %w", i, err)
		}
		s.arrs[i] = a
		if err := s.vecs[i].load(a); err != nil {
			return fmt.Errorf("partition key %d: %w", i, err)
		}
	}
	s.hashes = routeHashes(s.vecs, n, s.hashes)
	P := uint64(len(s.sels))
	for t := range s.sels {
		s.sels[t] = s.sels[t][:0]
	}
	for i, h := range s.hashes[:n] {
		t, _ := bits.Mul64(h, P)
		s.sels[t] = append(s.sels[t], int32(i))
	}
	for t, sel := range s.sels {
		switch len(sel) {
		case 0:
		case n:
			b.Retain()
			s.post(t, b)
		default:
			cols, err := takeColumns(s.alloc, b, sel, s.cols[:0])
			if err != nil {
				return err
			}
			out := array.NewRecordBatch(b.Schema(), cols, int64(len(sel)))
			releaseArrays(cols)
			clear(cols)
			s.cols = cols[:0]
			s.post(t, out)
		}
	}
	return nil
}

const routeSeed = 0x452821e638d01377

// routeHashes hashes every row's key tuple for routing. Unlike the key
// table's hash it must be the same in every process (a restored lane owns
// the keys it owned before), so strings are hashed by a fixed function,
// not maphash; and it is seeded differently, so a lane's key table does
// not see hashes that all share their low bits.
func routeHashes(vecs []keyVec, n int, hashes []uint64) []uint64 {
	hashes = growU64(hashes, n)
	for i := range hashes {
		hashes[i] = routeSeed
	}
	for c := range vecs {
		v := &vecs[c]
		if v.valid == nil && v.kind == kindWord {
			for i, x := range v.words[:n] {
				hashes[i] = mix(hashes[i], x)
			}
			continue
		}
		for i := 0; i < n; i++ {
			h := hashes[i]
			switch {
			case v.null(i):
				h = mix(h, nullHash)
			case v.kind == kindWord:
				h = mix(h, v.words[i])
			case v.kind == kindWide:
				h = mix(mix(h, v.words[i]), v.hi[i])
			default:
				h = mix(h, stableBytesHash(v.data[v.offs[i]:v.offs[i+1]]))
			}
			hashes[i] = h
		}
	}
	for i, h := range hashes {
		hashes[i] = mix(h, routeSeed)
	}
	return hashes
}

func stableBytesHash(b []byte) uint64 {
	h := uint64(len(b)) * mulK
	for len(b) >= 8 {
		h = mix(h, uint64(b[0])|uint64(b[1])<<8|uint64(b[2])<<16|uint64(b[3])<<24|
			uint64(b[4])<<32|uint64(b[5])<<40|uint64(b[6])<<48|uint64(b[7])<<56)
		b = b[8:]
	}
	var w uint64
	for i, c := range b {
		w |= uint64(c) << (8 * i)
	}
	return mix(h, w^0xff)
}

// ---- sinks ----

// sharedSink is the one sink operator behind every lane's sink node (a
// view has one table). Every lane pushes into it under a lock; per key,
// updates still arrive in order because one lane produces all of a key's.
type sharedSink struct {
	mu  sync.Mutex
	op  Operator
	wms []int64
	wm  int64
}

type laneSink struct {
	s    *sharedSink
	lane int
}

func (p *parallel) shareSink(id int, op Operator) Operator {
	s := &sharedSink{op: op, wms: make([]int64, p.p), wm: MinWatermark}
	for i := range s.wms {
		s.wms[i] = MinWatermark
	}
	p.sinks[id] = s
	return &laneSink{s: s}
}

func (p *parallel) laneSink(id, lane int) Operator { return &laneSink{s: p.sinks[id], lane: lane} }

func (l *laneSink) Open(ctx *OpContext, out Emitter) error {
	if l.lane != 0 {
		return nil
	}
	return l.s.op.Open(ctx, out)
}

func (l *laneSink) Push(port int, b arrow.RecordBatch) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return l.s.op.Push(port, b)
}

// Watermark passes on the minimum over the lanes.
func (l *laneSink) Watermark(wm int64) error {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wms[l.lane] = wm
	m := s.wms[0]
	for _, w := range s.wms[1:] {
		m = min(m, w)
	}
	if m <= s.wm {
		return nil
	}
	s.wm = m
	return s.op.Watermark(m)
}

func (l *laneSink) Close() error {
	if l.lane != 0 {
		return nil
	}
	return l.s.op.Close()
}

func (l *laneSink) Commit(ctx context.Context) error {
	c, ok := l.s.op.(Committer)
	if !ok {
		return nil
	}
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return c.Commit(ctx)
}

// lockedDL serialises dead letters from the lanes.
type lockedDL struct {
	mu sync.Mutex
	w  DeadLetterWriter
}

func (d *lockedDL) WriteDeadLetter(x DeadLetter) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.w.WriteDeadLetter(x)
}

// ---- source splits ----

// SourceSplitter is implemented by source readers that can be read by
// several goroutines. With Parallelism P > 1 the runtime calls Split(P)
// before Open and reads the P readers in turn, one batch from each (0, 1,
// ..., P-1, 0, ...; an exhausted one is skipped), so every reader must
// return its batches in a fixed order: the merged stream is then the same
// in every run. Each reader reads its own partitions (Partitions), and
// implements Resumer if the whole one does. The nexmark generator splits
// its events into blocks dealt round robin, so that reading in turn gives
// its events in their order.
type SourceSplitter interface {
	Split(n int) []SourceReader
}

// splitReader reads the readers of a split source in their goroutines and
// merges them in turn.
type splitReader struct {
	schema *arrow.Schema
	parts  []SourceReader
	chans  []chan splitMsg
	next   int
	done   []bool
	live   int
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type splitMsg struct {
	sb  SourceBatch
	err error
}

// splitSource returns a reader of r split n ways, or r when it cannot be
// split (or its splits cannot resume while it can).
func splitSource(r SourceReader, n int) SourceReader {
	sp, ok := r.(SourceSplitter)
	if !ok || n < 2 {
		return r
	}
	parts := sp.Split(n)
	if len(parts) < 2 {
		return r
	}
	_, resumes := r.(Resumer)
	for _, p := range parts {
		if _, ok := p.(Resumer); resumes && !ok {
			return r
		}
	}
	return &splitReader{schema: r.Schema(), parts: parts}
}

func (s *splitReader) Schema() *arrow.Schema { return s.schema }

func (s *splitReader) Open(ctx context.Context, alloc memory.Allocator, dl DeadLetterWriter) error {
	for i, p := range s.parts {
		if err := p.Open(ctx, alloc, dl); err != nil {
			for _, q := range s.parts[:i] {
				q.Close()
			}
			s.parts = nil
			return err
		}
	}
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make([]bool, len(s.parts))
	s.live = len(s.parts)
	for _, p := range s.parts {
		ch := make(chan splitMsg, 2)
		s.chans = append(s.chans, ch)
		s.wg.Add(1)
		go func(p SourceReader) {
			defer s.wg.Done()
			defer func() {
				if r := recover(); r != nil {
					select {
					case ch <- splitMsg{err: panicError(r, "source split")}:
					case <-ctx.Done():
					}
				}
			}()
			for {
				sb, err := p.Read(ctx)
				select {
				case ch <- splitMsg{sb, err}:
				case <-ctx.Done():
					if sb.Records != nil {
						sb.Records.Release()
					}
					return
				}
				if err != nil {
					return
				}
			}
		}(p)
	}
	return nil
}

func (s *splitReader) Partitions() []int32 {
	var out []int32
	for _, p := range s.parts {
		out = append(out, p.Partitions()...)
	}
	return out
}

func (s *splitReader) Read(ctx context.Context) (SourceBatch, error) {
	for s.live > 0 {
		k := s.next
		s.next = (s.next + 1) % len(s.parts)
		if s.done[k] {
			continue
		}
		var m splitMsg
		select {
		case m = <-s.chans[k]:
		case <-ctx.Done():
			s.next = k
			return SourceBatch{}, ctx.Err()
		}
		if errors.Is(m.err, io.EOF) {
			s.done[k] = true
			s.live--
			continue
		}
		return m.sb, m.err
	}
	return SourceBatch{}, io.EOF
}

func (s *splitReader) SetStartOffsets(o map[int32]int64) {
	for _, p := range s.parts {
		if r, ok := p.(Resumer); ok {
			r.SetStartOffsets(o)
		}
	}
}

// Lag sums the splits' lags (-1 when one does not know).
func (s *splitReader) Lag() int64 {
	var sum int64
	for _, p := range s.parts {
		lr, ok := p.(LagReporter)
		if !ok {
			return -1
		}
		sum += lr.Lag()
	}
	return sum
}

func (s *splitReader) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	for _, ch := range s.chans {
		for {
			select {
			case m := <-ch:
				if m.sb.Records != nil {
					m.sb.Records.Release()
				}
				continue
			default:
			}
			break
		}
	}
	var errs []error
	for _, p := range s.parts {
		if err := p.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
