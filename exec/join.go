package exec

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/spate-sql/spate/exec/expr"
)

// Join is a symmetric hash join (JoinSpec). Each side keeps the rows it
// has seen in an append-only columnar store (one keyStore per input
// column, the layout of the group-by key table) and an index from join
// key to its rows: a keyTable of the distinct keys and, per key, a chain
// of rows linked newest first (head per key, next per row), so storing a
// row costs a few words and no Go object. A batch on one port is hashed
// once, probed against the other side's index, and the matching pairs
// are gathered column-wise into one output batch (the probe side with
// the take kernels, the stored side from its keyStores), filtered by the
// residual predicate, and then stored.
//
// Pruning: a stored row gets an expiry time from its side's Expire
// bounds and sits in a min-heap by it; when the other port's watermark
// passes it, the row is marked dead (skipped by probes) and the store is
// compacted once half of it is dead.
//
// Output watermark: a pair is emitted when its later half arrives, at
// which point the input watermark may already be past the pair's output
// time (the earlier half's time, within the bound). The output watermark
// is therefore the input watermark minus OutputDelay (as Flink's interval
// join holds its output watermark back by the interval), so downstream
// windows never see a join row as late.
type Join struct {
	opBase
	spec   *JoinSpec
	schema *arrow.Schema
	sides  [2]*joinSide
	sspec  stateSpec

	pi    []int32  // probe rows of the pending pairs
	si    []uint32 // stored rows of the pending pairs
	cols  []arrow.Array
	fsel  []int32
	resid *exprInput
	raw   []byte
}

// joinChunk is how many pairs are gathered into one output batch at most.
const joinChunk = 16 << 10

// joinSide is one input of a join: its spec, evaluators and stored rows.
type joinSide struct {
	spec   *JoinSide
	in     *arrow.Schema
	keys   []*exprInput
	expire []*exprInput
	kinds  []keyKind // of the input columns
	kkinds []keyKind // of the keys

	keyArr  []arrow.Array
	keyVecs []keyVec
	colVecs []keyVec
	hashes  []uint64
	gids    []uint32
	sel     []int32
	keep    []int32
	expBuf  []int64

	wm    int64      // this port's watermark
	kt    *keyTable  // distinct join keys -> key id
	head  []int32    // per key id: newest row, -1
	rows  []keyStore // per input column, indexed by row
	n     int        // rows stored
	next  []int32    // per row: the next older row of the same key, -1
	gid   []uint32   // per row: its key id
	exp   []int64    // per row: expiry (MaxWatermark: never)
	dead  []bool     // per row: expired
	ndead int        //
	heap  []joinDue  // rows with a finite expiry, by expiry
	store keyTable   // wraps rows for buildKeyColumn

	used     []bool // compaction scratch
	remap    []uint32
	keepKeys []uint32
}

type joinDue struct {
	end int64
	row int32
}

func (e joinDue) endKey() int64 { return e.end }

const magicJoin = "SPJN"

func init() { snapKinds[magicJoin] = "join" }

func newJoin(spec *JoinSpec, out, left, right *arrow.Schema) (*Join, error) {
	if len(spec.LeftKeys) == 0 || len(spec.LeftKeys) != len(spec.RightKeys) {
		return nil, fmt.Errorf("join needs as many left keys as right keys, at least one (got %d and %d)",
			len(spec.LeftKeys), len(spec.RightKeys))
	}
	if out.NumFields() != left.NumFields()+right.NumFields() {
		return nil, fmt.Errorf("join output %s must be the left input's columns then the right input's", out)
	}
	for i := 0; i < out.NumFields(); i++ {
		var want arrow.DataType
		if i < left.NumFields() {
			want = left.Field(i).Type
		} else {
			want = right.Field(i - left.NumFields()).Type
		}
		if !arrow.TypeEqual(out.Field(i).Type, want) {
			return nil, fmt.Errorf("join output column %s has type %s, its input has %s", out.Field(i).Name, out.Field(i).Type, want)
		}
	}
	for i := range spec.LeftKeys {
		lt, rt := spec.LeftKeys[i].DataType(), spec.RightKeys[i].DataType()
		if !arrow.TypeEqual(lt, rt) {
			return nil, fmt.Errorf("join key %d: %s is %s but %s is %s", i, spec.LeftKeys[i], lt, spec.RightKeys[i], rt)
		}
		if _, err := keyKindOf(lt); err != nil {
			return nil, fmt.Errorf("join key %s: %w", spec.LeftKeys[i], err)
		}
	}
	if spec.Residual != nil && !arrow.TypeEqual(spec.Residual.DataType(), arrow.FixedWidthTypes.Boolean) {
		return nil, fmt.Errorf("join condition %s has type %s, want boolean", spec.Residual, spec.Residual.DataType())
	}
	j := &Join{spec: spec, schema: out}
	for p, in := range []*arrow.Schema{left, right} {
		js := &spec.Left
		if p == 1 {
			js = &spec.Right
		}
		if js.Time >= in.NumFields() || (js.Time >= 0 && !isTimestamp(in.Field(js.Time).Type)) {
			return nil, fmt.Errorf("join side %d: time column %d is not a TIMESTAMP column of %s", p, js.Time, in)
		}
		for _, b := range js.Expire {
			if b.Expr == nil || !isTimestamp(b.Expr.DataType()) {
				return nil, fmt.Errorf("join side %d: expiry bound %v must be a TIMESTAMP expression", p, b.Expr)
			}
		}
		s := &joinSide{spec: js, in: in, wm: MinWatermark}
		for _, f := range in.Fields() {
			k, err := keyKindOf(f.Type)
			if err != nil {
				return nil, fmt.Errorf("join input column %s: %w", f.Name, err)
			}
			s.kinds = append(s.kinds, k)
		}
		keys := spec.LeftKeys
		if p == 1 {
			keys = spec.RightKeys
		}
		for _, k := range keys {
			kk, _ := keyKindOf(k.DataType())
			s.kkinds = append(s.kkinds, kk)
		}
		s.reset()
		j.sides[p] = s
	}
	j.sspec = stateSpec{
		{"left keys", joinExprs(spec.LeftKeys)}, {"right keys", joinExprs(spec.RightKeys)},
		{"condition", fmt.Sprint(spec.Residual)},
		{"left input", left.String()}, {"right input", right.String()},
		{"left time", joinSideDesc(&spec.Left)}, {"right time", joinSideDesc(&spec.Right)},
	}
	return j, nil
}

func joinExprs(es []expr.Expr) string {
	s := ""
	for i, e := range es {
		if i > 0 {
			s += ", "
		}
		s += e.String()
	}
	return s
}

func joinSideDesc(s *JoinSide) string {
	d := fmt.Sprintf("column %d lag %dms late %v expire", s.Time, s.Lag, s.Late)
	for _, b := range s.Expire {
		d += fmt.Sprintf(" %s%+dms", b.Expr, b.Offset)
	}
	return d
}

// reset empties the side's state.
func (s *joinSide) reset() {
	s.kt = newKeyTable(s.kkinds)
	s.rows = make([]keyStore, len(s.kinds))
	for c, k := range s.kinds {
		s.rows[c].kind = k
		if k == kindBytes {
			s.rows[c].offs = []int{0}
		}
	}
	s.store = keyTable{cols: s.rows}
	s.head, s.next, s.gid, s.exp, s.dead, s.heap = nil, nil, nil, nil, nil, nil
	s.n, s.ndead = 0, 0
}

func (j *Join) Open(ctx *OpContext, out Emitter) error {
	if err := j.open(ctx, out); err != nil {
		return err
	}
	for _, s := range j.sides {
		keys := j.spec.LeftKeys
		if s == j.sides[1] {
			keys = j.spec.RightKeys
		}
		for _, k := range keys {
			x, err := newExprInput(k, s.in, ctx.Alloc)
			if err != nil {
				return fmt.Errorf("join key: %w", err)
			}
			s.keys = append(s.keys, x)
		}
		for _, b := range s.spec.Expire {
			x, err := newExprInput(b.Expr, s.in, ctx.Alloc)
			if err != nil {
				return fmt.Errorf("join expiry: %w", err)
			}
			s.expire = append(s.expire, x)
		}
		s.keyArr = make([]arrow.Array, len(s.keys))
		s.keyVecs = make([]keyVec, len(s.keys))
		for k := range s.keyVecs {
			s.keyVecs[k].kind = s.kkinds[k]
		}
		s.colVecs = make([]keyVec, len(s.kinds))
		for c := range s.colVecs {
			s.colVecs[c].kind = s.kinds[c]
		}
	}
	if j.spec.Residual != nil {
		x, err := newExprInput(j.spec.Residual, j.schema, ctx.Alloc)
		if err != nil {
			return fmt.Errorf("join condition: %w", err)
		}
		j.resid = x
	}
	return nil
}

func (j *Join) Push(port int, b arrow.RecordBatch) error {
	if port != 0 && port != 1 {
		return fmt.Errorf("join: no input port %d", port)
	}
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	me, other := j.sides[port], j.sides[1-port]
	defer func() {
		for k, a := range me.keyArr {
			if a != nil {
				a.Release()
				me.keyArr[k] = nil
			}
		}
	}()
	for k, x := range me.keys {
		a, err := x.eval(b)
		if err != nil {
			return fmt.Errorf("join key: %w", err)
		}
		me.keyArr[k] = a
		if err := me.keyVecs[k].load(a); err != nil {
			return fmt.Errorf("join key %s: %w", x.src, err)
		}
	}
	if err := j.selectRows(me, b, n); err != nil {
		return err
	}
	if len(me.sel) == 0 {
		return nil
	}
	me.hashes = hashKeys(me.keyVecs, n, me.hashes)
	if other.n > other.ndead {
		if err := j.probe(port, b); err != nil {
			return err
		}
	}
	return j.insert(me, other, b, n)
}

// selectRows sets me.sel to the rows of b that can match: a NULL key
// never equals, and a late row is dropped (see JoinSide).
func (j *Join) selectRows(me *joinSide, b arrow.RecordBatch, n int) error {
	me.sel = me.sel[:0]
	var ts []arrow.Timestamp
	var tsArr *array.Timestamp
	limit := int64(MinWatermark)
	if me.spec.Late && me.spec.Time >= 0 && me.wm != MinWatermark {
		var ok bool
		if tsArr, ok = b.Column(me.spec.Time).(*array.Timestamp); !ok {
			return fmt.Errorf("join: time column %d is %s, want timestamp", me.spec.Time, b.Column(me.spec.Time).DataType())
		}
		ts = tsArr.Values()
		limit = addClamped(me.wm, -me.spec.Lag)
	}
	nullable := false
	for k := range me.keyVecs {
		nullable = nullable || me.keyVecs[k].valid != nil
	}
rows:
	for i := 0; i < n; i++ {
		if nullable {
			for k := range me.keyVecs {
				if me.keyVecs[k].null(i) {
					continue rows
				}
			}
		}
		if ts != nil && int64(ts[i]) < limit && tsArr.IsValid(i) {
			if err := j.late(b, i, int64(ts[i]), me.wm); err != nil {
				return err
			}
			continue
		}
		me.sel = append(me.sel, int32(i))
	}
	return nil
}

func (j *Join) late(b arrow.RecordBatch, row int, t, wm int64) error {
	j.ctx.Metrics.LateEvents.Add(1)
	j.ctx.Metrics.DeadLetters.Add(1)
	j.raw = AppendRowJSON(j.raw[:0], b, row)
	err := j.ctx.DeadLetters.WriteDeadLetter(DeadLetter{Source: j.ctx.Name, Partition: -1, Offset: -1, Raw: j.raw,
		Reason: fmt.Sprintf("late event: time %s is behind the join input's watermark %s; its matches may be gone",
			fmtTime(t), fmtTime(wm)),
		Time: time.Now()})
	if err != nil {
		return fmt.Errorf("join: dead letter: %w", err)
	}
	return nil
}

// probe emits the matches of the selected rows of b (on port) among the
// other side's live rows.
func (j *Join) probe(port int, b arrow.RecordBatch) error {
	me, other := j.sides[port], j.sides[1-port]
	kt := other.kt
	j.pi, j.si = j.pi[:0], j.si[:0]
	for _, i := range me.sel {
		g := kt.lookup(me.keyVecs, int(i), me.hashes[i])
		if g < 0 {
			continue
		}
		for r := other.head[g]; r >= 0; r = other.next[r] {
			if !other.dead[r] {
				j.pi = append(j.pi, i)
				j.si = append(j.si, uint32(r))
			}
		}
		if len(j.pi) >= joinChunk {
			if err := j.flush(port, b); err != nil {
				return err
			}
		}
	}
	return j.flush(port, b)
}

// flush gathers the pending pairs into a batch and emits the ones the
// residual condition accepts.
func (j *Join) flush(port int, b arrow.RecordBatch) error {
	if len(j.pi) == 0 {
		return nil
	}
	other := j.sides[1-port]
	var err error
	defer func() {
		releaseArrays(j.cols)
		clear(j.cols)
		j.cols = j.cols[:0]
		j.pi, j.si = j.pi[:0], j.si[:0]
	}()
	probeCols := func() error {
		j.cols, err = takeColumns(j.ctx.Alloc, b, j.pi, j.cols)
		return err
	}
	storedCols := func() error {
		for c, f := range other.in.Fields() {
			a, err := other.store.buildKeyColumn(j.ctx.Alloc, c, f.Type, j.si)
			if err != nil {
				return err
			}
			j.cols = append(j.cols, a)
		}
		return nil
	}
	first, second := probeCols, storedCols
	if port == 1 {
		first, second = storedCols, probeCols
	}
	if err := first(); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	if err := second(); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	out := array.NewRecordBatch(j.schema, j.cols, int64(len(j.pi)))
	defer out.Release()
	if j.resid == nil {
		return j.emit(out)
	}
	pa, err := j.resid.eval(out)
	if err != nil {
		return fmt.Errorf("join condition: %w", err)
	}
	defer pa.Release()
	pred, ok := pa.(*array.Boolean)
	if !ok {
		return fmt.Errorf("join condition returned %s, want boolean", pa.DataType())
	}
	switch k := countTrue(pred); k {
	case 0:
		return nil
	case len(j.pi):
		return j.emit(out)
	}
	j.fsel = boolSelection(pred, j.fsel[:0])
	cols, err := takeColumns(j.ctx.Alloc, out, j.fsel, nil)
	if err != nil {
		return fmt.Errorf("join: %w", err)
	}
	f := array.NewRecordBatch(j.schema, cols, int64(len(j.fsel)))
	releaseArrays(cols)
	defer f.Release()
	return j.emit(f)
}

// insert stores the selected rows of b that can still match a future row
// of the other side.
func (j *Join) insert(me, other *joinSide, b arrow.RecordBatch, n int) error {
	if other.wm == MaxWatermark {
		return nil // the other input has ended: nothing will probe these rows
	}
	me.expBuf = resizeSlice(me.expBuf, n)
	exp := me.expBuf
	for _, i := range me.sel {
		exp[i] = MaxWatermark
	}
	for k, x := range me.expire {
		a, err := x.eval(b)
		if err != nil {
			return fmt.Errorf("join expiry: %w", err)
		}
		ta, ok := a.(*array.Timestamp)
		if !ok {
			a.Release()
			return fmt.Errorf("join expiry %s returned %s, want timestamp", x.src, a.DataType())
		}
		vals, off := ta.Values(), me.spec.Expire[k].Offset
		for _, i := range me.sel {
			e := int64(MinWatermark) // NULL: the bound is never true
			if ta.IsValid(int(i)) {
				e = addClamped(int64(vals[i]), off)
			}
			exp[i] = min(exp[i], e)
		}
		a.Release()
	}
	me.keep = me.keep[:0]
	for _, i := range me.sel {
		if !(other.wm > exp[i]) {
			me.keep = append(me.keep, i)
		}
	}
	if len(me.keep) == 0 {
		return nil
	}
	me.gids = resizeSlice(me.gids, n)
	me.kt.findOrInsert(me.keyVecs, me.hashes, me.keep, me.gids)
	for c := range me.rows {
		if err := me.colVecs[c].load(b.Column(c)); err != nil {
			return fmt.Errorf("join: storing column %s: %w", me.in.Field(c).Name, err)
		}
		appendStore(&me.rows[c], &me.colVecs[c], me.keep)
	}
	for len(me.head) < me.kt.n {
		me.head = append(me.head, -1)
	}
	for _, i := range me.keep {
		me.link(me.gids[i], exp[i])
	}
	me.store.cols = me.rows
	j.ctx.Metrics.StateRows.Set(int64(j.liveRows()))
	return nil
}

// link records row n (its columns already stored) under key id g.
func (s *joinSide) link(g uint32, exp int64) {
	r := int32(s.n)
	s.n++
	s.next = append(s.next, s.head[g])
	s.head[g] = r
	s.gid = append(s.gid, g)
	s.exp = append(s.exp, exp)
	s.dead = append(s.dead, false)
	if exp != MaxWatermark {
		s.heap = heapPush(s.heap, joinDue{exp, r})
	}
}

func (j *Join) liveRows() int {
	return j.sides[0].n - j.sides[0].ndead + j.sides[1].n - j.sides[1].ndead
}

// appendStore appends rows sel of v to st.
func appendStore(st *keyStore, v *keyVec, sel []int32) {
	for _, i := range sel {
		st.appendRow(v, int(i))
	}
}

// lookup returns the id of row i's key, or -1 when the table lacks it.
// Row i's key must not be NULL.
func (t *keyTable) lookup(vecs []keyVec, i int, h uint64) int32 {
	if t.n == 0 {
		return -1
	}
	if t.single {
		x, st := vecs[0].words[i], &t.cols[0]
		for pos := h & t.mask; ; pos = (pos + 1) & t.mask {
			e := t.wslots[pos]
			if e == 0 {
				return -1
			}
			if st.words[e-1] == x && !st.nulls[e-1] {
				return int32(e - 1)
			}
		}
	}
	tag := h >> 32
	for pos := h & t.mask; ; pos = (pos + 1) & t.mask {
		e := t.slots[pos]
		if e == 0 {
			return -1
		}
		if e>>32 == tag && t.equal(uint32(e)-1, vecs, i) {
			return int32(uint32(e) - 1)
		}
	}
}

// addClamped is a + b clamped to the int64 range (b of either sign).
func addClamped(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

// PortWatermark prunes the other side's rows that port's watermark has
// made unmatchable.
func (j *Join) PortWatermark(port int, wm int64) error {
	if port != 0 && port != 1 {
		return fmt.Errorf("join: no input port %d", port)
	}
	me, other := j.sides[port], j.sides[1-port]
	if wm <= me.wm {
		return nil
	}
	me.wm = wm
	other.prune(wm)
	j.ctx.Metrics.StateRows.Set(int64(j.liveRows()))
	return nil
}

// prune marks dead the rows whose expiry wm passed, and compacts the
// side once at least half of it is dead.
func (s *joinSide) prune(wm int64) {
	if wm == MaxWatermark && s.n > 0 {
		s.reset() // nothing of the other side will come any more
		return
	}
	for len(s.heap) > 0 && wm > s.heap[0].end {
		var d joinDue
		s.heap, d = heapPop(s.heap)
		if !s.dead[d.row] {
			s.dead[d.row] = true
			s.ndead++
		}
	}
	if s.ndead > 0 && s.ndead*2 >= s.n {
		s.compact()
	}
}

// compact drops the dead rows in place, keeping the order of the rest
// (so the output order does not depend on when compaction ran). Keys left
// without rows stay in the key table (a probe finds an empty chain) until
// they are half of it; then the table is rebuilt without them.
func (s *joinSide) compact() {
	if s.ndead == 0 {
		return
	}
	for c := range s.rows {
		compactStore(&s.rows[c], s.dead[:s.n])
	}
	w := 0
	for r := 0; r < s.n; r++ {
		if !s.dead[r] {
			s.gid[w], s.exp[w] = s.gid[r], s.exp[r]
			w++
		}
	}
	s.used = resizeSlice(s.used, s.kt.n)
	clear(s.used)
	keys := 0
	for _, g := range s.gid[:w] {
		if !s.used[g] {
			s.used[g] = true
			keys++
		}
	}
	if keys*2 <= s.kt.n {
		s.remap = resizeSlice(s.remap, s.kt.n)
		s.keepKeys = s.keepKeys[:0]
		for g, u := range s.used {
			if u {
				s.remap[g] = uint32(len(s.keepKeys))
				s.keepKeys = append(s.keepKeys, uint32(g))
			}
		}
		s.kt.compact(s.keepKeys)
		for r := range s.gid[:w] {
			s.gid[r] = s.remap[s.gid[r]]
		}
	}
	s.head = resizeSlice(s.head, s.kt.n)
	for g := range s.head {
		s.head[g] = -1
	}
	s.n, s.ndead = w, 0
	s.gid, s.exp, s.next, s.dead = s.gid[:w], s.exp[:w], s.next[:w], s.dead[:w]
	clear(s.dead)
	s.heap = s.heap[:0]
	for r := 0; r < w; r++ {
		g := s.gid[r]
		s.next[r] = s.head[g]
		s.head[g] = int32(r)
		if s.exp[r] != MaxWatermark {
			s.heap = heapPush(s.heap, joinDue{s.exp[r], int32(r)})
		}
	}
	s.store = keyTable{cols: s.rows}
}

// compactStore drops the entries of st marked dead, in place.
func compactStore(st *keyStore, dead []bool) {
	w, pos := 0, 0
	for r, d := range dead {
		if d {
			continue
		}
		st.nulls[w] = st.nulls[r]
		switch st.kind {
		case kindWord:
			st.words[w] = st.words[r]
		case kindWide:
			st.words[w], st.hi[w] = st.words[r], st.hi[r]
		case kindBytes:
			lo, hi := st.offs[r], st.offs[r+1]
			pos += copy(st.arena[pos:], st.arena[lo:hi])
			st.offs[w+1] = pos
		}
		w++
	}
	st.nulls = st.nulls[:w]
	switch st.kind {
	case kindWord:
		st.words = st.words[:w]
	case kindWide:
		st.words, st.hi = st.words[:w], st.hi[:w]
	case kindBytes:
		st.offs, st.arena = st.offs[:w+1], st.arena[:pos]
	}
}

func (j *Join) Watermark(wm int64) error { return nil }

// OutputWatermark holds the output watermark OutputDelay behind the input
// (see Join).
func (j *Join) OutputWatermark(wm int64) int64 {
	switch {
	case wm == MaxWatermark:
		return MaxWatermark
	case j.spec.OutputDelay < 0:
		return MinWatermark
	}
	return addClamped(wm, -j.spec.OutputDelay)
}

func (j *Join) Close() error {
	for _, s := range j.sides {
		s.reset()
		for k, a := range s.keyArr {
			if a != nil {
				a.Release()
				s.keyArr[k] = nil
			}
		}
	}
	releaseArrays(j.cols)
	j.cols, j.pi, j.si, j.fsel = nil, nil, nil, nil
	return nil
}

// Snapshot writes, per side, its watermark, its distinct keys, then its
// live rows (columns, key ids, expiries) in arrival order; Restore relinks
// them in that order, so the output order survives a restart.
func (j *Join) Snapshot(wr io.Writer) error {
	if j.ctx == nil {
		return errors.New("join: Snapshot before Open")
	}
	sw := newSnapWriter(wr, magicJoin, j.sspec)
	for _, s := range j.sides {
		s.compact()
		sw.i64(s.wm)
		putKeyTable(sw, s.kt)
		sw.count(s.n)
		for c := range s.rows {
			putKeyStore(sw, &s.rows[c], s.n, s.n, nil)
		}
		putU32s(sw, s.gid)
		putWords(sw, s.exp)
	}
	return sw.finish()
}

func (j *Join) Restore(rd io.Reader) error {
	if j.ctx == nil {
		return errors.New("join: Restore before Open")
	}
	r, err := openSnapshot(rd, magicJoin, j.ctx.Name, j.sspec)
	if err != nil {
		return err
	}
	type restored struct {
		wm   int64
		kt   *keyTable
		rows []keyStore
		gid  []uint32
		exp  []int64
	}
	var got [2]restored
	for p, s := range j.sides {
		g := &got[p]
		g.wm = r.i64("watermark")
		g.kt = newKeyTable(s.kkinds)
		getKeyTable(r, g.kt, "join keys")
		n := r.count(-1, 0, "join rows")
		g.rows = make([]keyStore, len(s.kinds))
		for c, k := range s.kinds {
			g.rows[c] = getKeyStore(r, k, n, fmt.Sprintf("join column %d", c))
		}
		g.gid = getU32s[uint32](r, n, "join key ids")
		g.exp = getWords[int64](r, n, "join expiries")
		if r.err != nil {
			break
		}
		for _, id := range g.gid {
			if int(id) >= g.kt.n {
				r.failf("join key id %d of %d keys", id, g.kt.n)
				break
			}
		}
	}
	if err := r.done(magicJoin, j.ctx.Name); err != nil {
		return err
	}
	for p, s := range j.sides {
		g := &got[p]
		s.reset()
		s.wm, s.kt, s.rows = g.wm, g.kt, g.rows
		if s.rows == nil {
			s.rows = make([]keyStore, len(s.kinds))
		}
		for c := range s.rows {
			if s.rows[c].kind == kindBytes && s.rows[c].offs == nil {
				s.rows[c].offs = []int{0}
			}
		}
		s.store = keyTable{cols: s.rows}
		s.head = make([]int32, s.kt.n)
		for i := range s.head {
			s.head[i] = -1
		}
		for k, id := range g.gid {
			s.link(id, g.exp[k])
		}
	}
	j.ctx.Metrics.StateRows.Set(int64(j.liveRows()))
	return nil
}

var (
	_ Snapshotter     = (*Join)(nil)
	_ PortWatermarker = (*Join)(nil)
	_ WatermarkHolder = (*Join)(nil)
)
