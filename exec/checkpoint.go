package exec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
)

// Checkpoint is a consistent cut of a Job: every source's next offsets and
// watermark clocks, and every stateful operator's snapshot, all taken
// between two batches. Because one goroutine runs every operator and a
// batch crosses the whole DAG before the next enters, "between two
// batches" is already a consistent cut: no barrier alignment is needed
// (the runtime is its own aligned barrier).
//
// The Job hands a Checkpoint to JobOptions.Checkpoint right after its
// sinks staged their output, so the store can commit both in one
// transaction; JobOptions.Restore gives one back at start.
//
// With Parallelism P > 1 the cut is taken with every lane idle (see
// exec/parallel.go) and Nodes holds every lane's operators, lane by lane
// (NodeCheckpoint.Lane); Parallelism records P, since which lane owns a
// key depends on it.
type Checkpoint struct {
	Epoch       int64
	Parallelism int // 0 or 1: one lane
	Sources     []SourceCheckpoint
	Nodes       []NodeCheckpoint
}

// SourceCheckpoint is one source's position.
type SourceCheckpoint struct {
	Name      string
	Offsets   map[int32]int64 // next offset per partition
	MaxTs     map[int32]int64 // max event time seen per partition
	Watermark int64
}

// NodeCheckpoint is one operator's watermarks and state.
type NodeCheckpoint struct {
	ID        int
	Lane      int
	Name      string
	Kind      NodeKind
	Watermark int64
	InWM      []int64
	State     []byte // Snapshotter output; nil for stateless operators
}

// Resumer is implemented by source readers that can start from
// checkpointed offsets. SetStartOffsets is called before Open.
type Resumer interface {
	SetStartOffsets(offsets map[int32]int64)
}

// ErrNotCheckpointable means a stateful operator of the job cannot
// snapshot its state, so the job cannot be checkpointed.
var ErrNotCheckpointable = errors.New("the pipeline cannot be checkpointed")

const (
	checkpointMagic = "SPATECP1"
	// checkpointMagic2 adds the parallelism and a lane per node; a
	// one-lane checkpoint is still written as version 1.
	checkpointMagic2 = "SPATECP2"
)

// Encode writes c in a compact, versioned binary form.
func (c *Checkpoint) Encode() []byte {
	var b bytes.Buffer
	lanes := c.Parallelism > 1
	if lanes {
		b.WriteString(checkpointMagic2)
	} else {
		b.WriteString(checkpointMagic)
	}
	w := &cpWriter{b: &b}
	w.i64(c.Epoch)
	if lanes {
		w.i64(int64(c.Parallelism))
	}
	w.u32(len(c.Sources))
	for _, s := range c.Sources {
		w.str(s.Name)
		w.i64(s.Watermark)
		w.partMap(s.Offsets)
		w.partMap(s.MaxTs)
	}
	w.u32(len(c.Nodes))
	for _, n := range c.Nodes {
		if lanes {
			w.i64(int64(n.Lane))
		}
		w.i64(int64(n.ID))
		w.str(n.Name)
		w.i64(int64(n.Kind))
		w.i64(n.Watermark)
		w.u32(len(n.InWM))
		for _, x := range n.InWM {
			w.i64(x)
		}
		if n.State == nil {
			w.i64(-1)
		} else {
			w.i64(int64(len(n.State)))
			b.Write(n.State)
		}
	}
	return b.Bytes()
}

// DecodeCheckpoint reads what Encode wrote; corrupt input is an error.
func DecodeCheckpoint(data []byte) (*Checkpoint, error) {
	lanes := bytes.HasPrefix(data, []byte(checkpointMagic2))
	if !lanes && !bytes.HasPrefix(data, []byte(checkpointMagic)) {
		return nil, errors.New("checkpoint: not a spate checkpoint (bad header)")
	}
	r := &cpReader{b: data[len(checkpointMagic):]}
	c := &Checkpoint{Epoch: r.i64()}
	if lanes {
		c.Parallelism = int(r.i64())
		if r.err == nil && (c.Parallelism < 2 || c.Parallelism > 1<<16) {
			r.err = fmt.Errorf("parallelism %d", c.Parallelism)
		}
	}
	ns := r.count()
	for i := 0; i < ns && r.err == nil; i++ {
		s := SourceCheckpoint{Name: r.str(), Watermark: r.i64()}
		s.Offsets = r.partMap()
		s.MaxTs = r.partMap()
		c.Sources = append(c.Sources, s)
	}
	nn := r.count()
	for i := 0; i < nn && r.err == nil; i++ {
		var lane int
		if lanes {
			lane = int(r.i64())
		}
		n := NodeCheckpoint{Lane: lane, ID: int(r.i64()), Name: r.str(), Kind: NodeKind(r.i64()), Watermark: r.i64()}
		k := r.count()
		for j := 0; j < k && r.err == nil; j++ {
			n.InWM = append(n.InWM, r.i64())
		}
		if l := r.i64(); l >= 0 {
			n.State = r.bytes(int(l))
		}
		c.Nodes = append(c.Nodes, n)
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, fmt.Errorf("checkpoint: corrupt: %w", r.err)
	}
	return c, nil
}

type cpWriter struct{ b *bytes.Buffer }

func (w *cpWriter) i64(v int64) { w.b.Write(binary.LittleEndian.AppendUint64(nil, uint64(v))) }
func (w *cpWriter) u32(v int)   { w.b.Write(binary.LittleEndian.AppendUint32(nil, uint32(v))) }
func (w *cpWriter) str(s string) {
	w.u32(len(s))
	w.b.WriteString(s)
}
func (w *cpWriter) partMap(m map[int32]int64) {
	keys := make([]int32, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	w.u32(len(keys))
	for _, k := range keys {
		w.i64(int64(k))
		w.i64(m[k])
	}
}

type cpReader struct {
	b   []byte
	err error
}

func (r *cpReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = io.ErrUnexpectedEOF
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *cpReader) i64() int64 {
	if v := r.take(8); v != nil {
		return int64(binary.LittleEndian.Uint64(v))
	}
	return 0
}

// count reads a length and checks it cannot exceed what is left (each
// element takes at least one byte), so corrupt input cannot make us
// allocate or loop without bound.
func (r *cpReader) count() int {
	v := r.take(4)
	if v == nil {
		return 0
	}
	n := int(binary.LittleEndian.Uint32(v))
	if n > len(r.b) {
		r.err = fmt.Errorf("count %d exceeds the %d bytes left", n, len(r.b))
		return 0
	}
	return n
}

func (r *cpReader) str() string { return string(r.bytes(r.count())) }

func (r *cpReader) bytes(n int) []byte {
	v := r.take(n)
	if v == nil {
		return nil
	}
	return append([]byte{}, v...)
}

func (r *cpReader) partMap() map[int32]int64 {
	n := r.count()
	m := make(map[int32]int64, n)
	for i := 0; i < n && r.err == nil; i++ {
		m[int32(r.i64())] = r.i64()
	}
	return m
}

// stateless reports whether operators of kind k keep no state between
// batches (their watermarks are still checkpointed).
func stateless(k NodeKind) bool {
	return k == KindFilter || k == KindProject || k == KindUnion || k == KindSink
}

// Checkpointable reports whether every stateful operator of the job can
// snapshot its state; when not, the error names the first that cannot.
func (j *Job) Checkpointable() error {
	for _, rn := range j.nodes {
		if rn.isSource || stateless(rn.n.Kind) {
			continue
		}
		if _, ok := rn.op.(Snapshotter); !ok {
			return fmt.Errorf("%w: %s %s cannot snapshot its state yet", ErrNotCheckpointable, rn.n.Kind, rn.n.Name)
		}
	}
	for _, s := range j.sources {
		if _, ok := s.reader.(Resumer); !ok {
			return fmt.Errorf("%w: source %s (%s) cannot resume from offsets", ErrNotCheckpointable, s.spec.Name, s.spec.Connector)
		}
	}
	return nil
}

// snapshot takes a checkpoint between two batches.
func (j *Job) snapshot() (*Checkpoint, error) {
	if err := j.Checkpointable(); err != nil {
		return nil, err
	}
	cp := &Checkpoint{Epoch: j.epoch + 1}
	for _, s := range j.sources {
		sc := SourceCheckpoint{Name: s.spec.Name, Offsets: map[int32]int64{}, MaxTs: map[int32]int64{},
			Watermark: s.tracker.Current()}
		for p, o := range s.offsets {
			sc.Offsets[p] = o
		}
		for _, pc := range s.tracker.parts {
			sc.MaxTs[pc.id] = pc.maxTs
		}
		cp.Sources = append(cp.Sources, sc)
	}
	var buf bytes.Buffer
	if j.par != nil {
		cp.Parallelism = j.par.p
	}
	for lane, nodes := range j.laneNodes() {
		for _, rn := range nodes {
			nc := NodeCheckpoint{ID: rn.n.ID, Lane: lane, Name: rn.n.Name, Kind: rn.n.Kind, Watermark: rn.wm,
				InWM: append([]int64(nil), rn.inWM...)}
			if sn, ok := rn.op.(Snapshotter); ok && !rn.isSource {
				buf.Reset()
				if err := sn.Snapshot(&buf); err != nil {
					return nil, fmt.Errorf("%s %s: snapshot: %w", rn.n.Kind, rn.n.Name, err)
				}
				nc.State = append([]byte{}, buf.Bytes()...)
			}
			cp.Nodes = append(cp.Nodes, nc)
		}
	}
	return cp, nil
}

func (j *Job) sourceCheckpoint(name string) *SourceCheckpoint {
	if j.opts.Restore == nil {
		return nil
	}
	for i := range j.opts.Restore.Sources {
		if j.opts.Restore.Sources[i].Name == name {
			return &j.opts.Restore.Sources[i]
		}
	}
	return nil
}

// resumeSource points a source at its checkpointed offsets.
func (j *Job) resumeSource(s *sourceRunner) error {
	cp := j.sourceCheckpoint(s.spec.Name)
	if j.opts.Restore == nil {
		return nil
	}
	if cp == nil {
		return fmt.Errorf("%w: source %s is not in the checkpoint (the pipeline changed)", ErrIncompatibleCheckpoint, s.spec.Name)
	}
	r, ok := s.reader.(Resumer)
	if !ok {
		return fmt.Errorf("source %s (%s) cannot resume from a checkpoint", s.spec.Name, s.spec.Connector)
	}
	r.SetStartOffsets(cp.Offsets)
	s.offsets = map[int32]int64{}
	for p, o := range cp.Offsets {
		s.offsets[p] = o
	}
	return nil
}

// ErrIncompatibleCheckpoint means the checkpoint was taken by a different
// pipeline than the one being resumed.
var ErrIncompatibleCheckpoint = errors.New("the checkpoint does not fit this pipeline")

// restoreNodes gives every operator its checkpointed state and watermarks.
func (j *Job) restoreNodes() error {
	cp := j.opts.Restore
	if cp == nil {
		return nil
	}
	j.epoch = cp.Epoch
	lanes := j.laneNodes()
	if p := max(cp.Parallelism, 1); p != len(lanes) {
		return fmt.Errorf("%w: it was taken with parallelism %d and the job runs with %d (run with parallelism %d, or reset the state)",
			ErrIncompatibleCheckpoint, p, len(lanes), p)
	}
	if len(cp.Nodes) != len(lanes)*len(j.nodes) {
		return fmt.Errorf("%w: it has %d operators, the pipeline %d", ErrIncompatibleCheckpoint, len(cp.Nodes)/len(lanes), len(j.nodes))
	}
	for i, nc := range cp.Nodes {
		lane := i / len(j.nodes)
		rn := lanes[lane][i%len(j.nodes)]
		if nc.Lane != lane {
			return fmt.Errorf("%w: operator %d of lane %d is recorded for lane %d", ErrIncompatibleCheckpoint, i%len(j.nodes), lane, nc.Lane)
		}
		if nc.ID != rn.n.ID || nc.Kind != rn.n.Kind || nc.Name != rn.n.Name || len(nc.InWM) != len(rn.inWM) {
			return fmt.Errorf("%w: operator %d is %s %s, the checkpoint has %s %s", ErrIncompatibleCheckpoint,
				rn.n.ID, rn.n.Kind, rn.n.Name, nc.Kind, nc.Name)
		}
		rn.wm = nc.Watermark
		copy(rn.inWM, nc.InWM)
		rn.metrics.Watermark.Set(rn.wm)
		sn, ok := rn.op.(Snapshotter)
		switch {
		case rn.isSource:
		case nc.State != nil && ok:
			if err := sn.Restore(bytes.NewReader(nc.State)); err != nil {
				return fmt.Errorf("%s %s: restore: %w", rn.n.Kind, rn.n.Name, err)
			}
		case nc.State != nil || (ok && !stateless(rn.n.Kind)):
			return fmt.Errorf("%w: %s %s has no matching state", ErrIncompatibleCheckpoint, rn.n.Kind, rn.n.Name)
		}
	}
	if j.par != nil {
		// The coordinator's copies of the sources.
		for _, s := range j.sources {
			for _, rn := range j.nodes {
				if rn.n == s.node.n {
					s.node.wm = rn.wm
					s.node.metrics.Watermark.Set(rn.wm)
				}
			}
		}
	}
	return nil
}
