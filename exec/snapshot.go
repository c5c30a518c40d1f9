package exec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"io"
	"slices"
	"strings"
	"unsafe"
)

// Operator snapshots (the Snapshotter state of WindowAssign, HashAggregate
// and SessionAggregate) share one binary layout, written column-wise from
// the operators' typed state arrays:
//
//	snapshot := magic[4] version:u16 spec body crc:u32
//	spec     := hash:u64 nfields:u32 (name:str value:str)*
//	str      := len:u32 bytes
//	column   := count:u32 values         fixed width, little-endian
//	bitmap   := count:u32 bytes[(count+7)/8]   bit i of byte i/8 (LSB first), padding bits 0
//	blob     := len:u64 bytes            string arenas; their values' lengths are a u32 column
//
// The magic says which operator wrote it (so a snapshot handed to the
// wrong operator is refused by name), the version is the layout of the
// body, and the spec describes what the state means: group keys,
// aggregates and window as the operator was built, hashed with FNV-1a. A
// restore whose spec hash differs is refused with ErrIncompatibleState,
// naming the operator and the part of the spec that changed. The CRC-32C
// trailer covers every byte before it, so corruption is an error rather
// than a silently wrong state; the body is still validated field by field
// (counts against the bytes left, ids against table sizes, hash tables
// against duplicate keys), so even a snapshot with a correct checksum
// cannot make Restore panic or build an inconsistent operator.
//
// Hashes of string keys are seeded per process, so snapshots hold keys,
// never hashes or slot tables: Restore re-inserts the keys in group id
// order, which gives back the same group ids, hence the same output
// order.

// ErrIncompatibleState means a snapshot was taken by an operator with a
// different spec (group keys, aggregates, window ...) or of another kind:
// the pipeline changed since the checkpoint, so its state cannot be
// reused.
var ErrIncompatibleState = errors.New("operator state does not fit the operator")

// ErrCorruptState means a snapshot is truncated or damaged.
var ErrCorruptState = errors.New("operator state is corrupt")

// snapVersion is the body layout written; Restore reads only it.
const snapVersion = 1

// Snapshot magics, one per operator kind.
const (
	magicWindowAssign = "SPWA"
	magicHashAgg      = "SPHA"
	magicSessionAgg   = "SPSA"
)

var snapKinds = map[string]string{
	magicWindowAssign: "window assign",
	magicHashAgg:      "hash aggregate",
	magicSessionAgg:   "session aggregate",
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ---- spec

// specField is one part of an operator's spec, e.g. {"window", "tumble 10s"}.
type specField struct{ name, value string }

// stateSpec describes what an operator's state means.
type stateSpec []specField

func (s stateSpec) hash() uint64 {
	h := fnv.New64a()
	for _, f := range s {
		h.Write([]byte(f.name))
		h.Write([]byte{0})
		h.Write([]byte(f.value))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// changed says what differs between the spec a snapshot was taken with
// (was) and the operator's (now).
func (s stateSpec) changed(was stateSpec) string {
	old := map[string]string{}
	for _, f := range was {
		old[f.name] = f.value
	}
	for _, f := range s {
		v, ok := old[f.name]
		switch {
		case !ok:
			return fmt.Sprintf("it now has a %s (%s) it did not have at the checkpoint", f.name, f.value)
		case v != f.value:
			return fmt.Sprintf("its %s changed (checkpoint: %s; now: %s)", f.name, v, f.value)
		}
		delete(old, f.name)
	}
	for _, f := range was {
		if _, ok := old[f.name]; ok {
			return fmt.Sprintf("it had a %s (%s) at the checkpoint and has none now", f.name, f.value)
		}
	}
	return fmt.Sprintf("its spec changed (checkpoint: %s; now: %s)", was, s)
}

func (s stateSpec) String() string {
	parts := make([]string, len(s))
	for i, f := range s {
		parts[i] = f.name + " " + f.value
	}
	return strings.Join(parts, ", ")
}

// windowDesc describes a window for a spec.
func windowDesc(w *WindowSpec) string {
	if w == nil {
		return "none"
	}
	var s string
	switch w.Kind {
	case TumbleWindow:
		s = fmt.Sprintf("tumble %dms", w.Size)
	case HopWindow:
		s = fmt.Sprintf("hop %dms every %dms", w.Size, w.Slide)
	case SessionWindow:
		s = fmt.Sprintf("session gap %dms", w.Gap)
	default:
		s = fmt.Sprintf("kind %d", int(w.Kind))
	}
	if w.Time != nil {
		s += " on " + w.Time.String()
	}
	return s
}

// ---- writing

// snapChunk is how much a snapWriter buffers before writing through.
const snapChunk = 64 << 10

// snapWriter streams a snapshot to an io.Writer through one fixed chunk,
// so a snapshot allocates that chunk and nothing per group. Errors are
// sticky and reported by finish.
type snapWriter struct {
	w   io.Writer
	buf []byte
	crc uint32
	err error
}

func newSnapWriter(w io.Writer, magic string, spec stateSpec) *snapWriter {
	sw := &snapWriter{w: w, buf: make([]byte, 0, snapChunk)}
	sw.raw([]byte(magic))
	sw.u16(snapVersion)
	sw.u64(spec.hash())
	sw.count(len(spec))
	for _, f := range spec {
		sw.str(f.name)
		sw.str(f.value)
	}
	return sw
}

func (w *snapWriter) flush() {
	if w.err == nil && len(w.buf) > 0 {
		w.crc = crc32.Update(w.crc, castagnoli, w.buf)
		_, w.err = w.w.Write(w.buf)
	}
	w.buf = w.buf[:0]
}

// reserve appends n <= snapChunk bytes for the caller to fill.
func (w *snapWriter) reserve(n int) []byte {
	if len(w.buf)+n > cap(w.buf) {
		w.flush()
	}
	l := len(w.buf)
	w.buf = w.buf[:l+n]
	return w.buf[l:]
}

// span appends room for k (1 <= k <= want) values of size bytes and
// returns it with k; column loops fill a chunk at a time.
func (w *snapWriter) span(want, size int) ([]byte, int) {
	free := (cap(w.buf) - len(w.buf)) / size
	if free == 0 {
		w.flush()
		free = cap(w.buf) / size
	}
	k := min(want, free)
	return w.reserve(k * size), k
}

// finish flushes and appends the checksum.
func (w *snapWriter) finish() error {
	w.flush()
	if w.err != nil {
		return fmt.Errorf("snapshot: %w", w.err)
	}
	var t [4]byte
	binary.LittleEndian.PutUint32(t[:], w.crc)
	if _, err := w.w.Write(t[:]); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

func (w *snapWriter) u8(v uint8)   { w.reserve(1)[0] = v }
func (w *snapWriter) u16(v uint16) { binary.LittleEndian.PutUint16(w.reserve(2), v) }
func (w *snapWriter) u32(v uint32) { binary.LittleEndian.PutUint32(w.reserve(4), v) }
func (w *snapWriter) u64(v uint64) { binary.LittleEndian.PutUint64(w.reserve(8), v) }
func (w *snapWriter) i64(v int64)  { w.u64(uint64(v)) }

// count writes a column count. Tables address groups with uint32 ids, so
// a count always fits.
func (w *snapWriter) count(n int) { w.u32(uint32(n)) }

func (w *snapWriter) raw(p []byte) {
	for len(p) > 0 {
		dst, k := w.span(len(p), 1)
		copy(dst, p[:k])
		p = p[k:]
	}
}

func (w *snapWriter) str(s string) {
	w.count(len(s))
	w.raw(unsafe.Slice(unsafe.StringData(s), len(s)))
}

func (w *snapWriter) blob(p []byte) {
	w.u64(uint64(len(p)))
	w.raw(p)
}

// words writes a column of 64-bit values.
func putWords[T ~uint64 | ~int64](w *snapWriter, v []T) {
	w.count(len(v))
	for len(v) > 0 {
		dst, k := w.span(len(v), 8)
		for j, x := range v[:k] {
			binary.LittleEndian.PutUint64(dst[8*j:], uint64(x))
		}
		v = v[k:]
	}
}

// putU32s writes a column of 32-bit values.
func putU32s[T ~uint32 | ~int32](w *snapWriter, v []T) {
	w.count(len(v))
	for len(v) > 0 {
		dst, k := w.span(len(v), 4)
		for j, x := range v[:k] {
			binary.LittleEndian.PutUint32(dst[4*j:], uint32(x))
		}
		v = v[k:]
	}
}

// bools writes v as a bitmap.
func (w *snapWriter) bools(v []bool) {
	w.count(len(v))
	for len(v) > 0 {
		dst, k := w.span((len(v)+7)/8, 1)
		for j := range dst[:k] {
			var b byte
			for i, x := range v[8*j : min(8*j+8, len(v))] {
				if x {
					b |= 1 << i
				}
			}
			dst[j] = b
		}
		v = v[min(8*k, len(v)):]
	}
}

// ---- reading

// snapReader decodes a snapshot held in memory. Errors are sticky: after
// the first, every read returns zero values, so a decoder reads a whole
// section and checks err once before using what it read.
type snapReader struct {
	b   []byte
	err error
}

func (r *snapReader) failf(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrCorruptState}, args...)...)
	}
}

func (r *snapReader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.failf("%s: needs %d bytes, %d left (truncated?)", what, n, len(r.b))
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *snapReader) u8(what string) uint8 {
	if v := r.take(1, what); v != nil {
		return v[0]
	}
	return 0
}

func (r *snapReader) u16(what string) uint16 {
	if v := r.take(2, what); v != nil {
		return binary.LittleEndian.Uint16(v)
	}
	return 0
}

func (r *snapReader) u32(what string) uint32 {
	if v := r.take(4, what); v != nil {
		return binary.LittleEndian.Uint32(v)
	}
	return 0
}

func (r *snapReader) u64(what string) uint64 {
	if v := r.take(8, what); v != nil {
		return binary.LittleEndian.Uint64(v)
	}
	return 0
}

func (r *snapReader) i64(what string) int64 { return int64(r.u64(what)) }

// count reads a column count whose values take size bytes each (0 for a
// bitmap) and checks it against want (when >= 0) and the bytes left, so
// corrupt input can neither make a decoder allocate without bound nor
// read past the end.
func (r *snapReader) count(want, size int, what string) int {
	v := r.take(4, what)
	if v == nil {
		return 0
	}
	n := int(binary.LittleEndian.Uint32(v))
	if want >= 0 && n != want {
		r.failf("%s: %d values, want %d", what, n, want)
		return 0
	}
	need := n * size
	if size == 0 {
		need = (n + 7) / 8
	}
	if need > len(r.b) {
		r.failf("%s: %d values need %d bytes, %d left (truncated?)", what, n, need, len(r.b))
		return 0
	}
	return n
}

func (r *snapReader) str(what string) string {
	n := r.count(-1, 1, what)
	return string(r.take(n, what))
}

// blob reads a byte string into memory of its own (the snapshot buffer
// is not kept).
func (r *snapReader) blob(what string) []byte {
	n := r.u64(what)
	if r.err == nil && n > uint64(len(r.b)) {
		r.failf("%s: %d bytes, %d left (truncated?)", what, n, len(r.b))
	}
	v := r.take(int(n), what)
	if v == nil {
		return nil
	}
	return append([]byte(nil), v...)
}

// getWords reads a column of 64-bit values (want < 0: any count).
func getWords[T ~uint64 | ~int64](r *snapReader, want int, what string) []T {
	n := r.count(want, 8, what)
	src := r.take(8*n, what)
	if r.err != nil {
		return nil
	}
	v := make([]T, n)
	for i := range v {
		v[i] = T(binary.LittleEndian.Uint64(src[8*i:]))
	}
	return v
}

// getU32s reads a column of 32-bit values (want < 0: any count).
func getU32s[T ~uint32 | ~int32](r *snapReader, want int, what string) []T {
	n := r.count(want, 4, what)
	src := r.take(4*n, what)
	if r.err != nil {
		return nil
	}
	v := make([]T, n)
	for i := range v {
		v[i] = T(binary.LittleEndian.Uint32(src[4*i:]))
	}
	return v
}

// bools reads a bitmap of want values (want < 0: any count).
func (r *snapReader) bools(want int, what string) []bool {
	n := r.count(want, 0, what)
	src := r.take((n+7)/8, what)
	if r.err != nil {
		return nil
	}
	if n%8 != 0 && src[n/8]>>(n%8) != 0 {
		r.failf("%s: padding bits set", what)
		return nil
	}
	v := make([]bool, n)
	for i := range v {
		v[i] = src[i/8]>>(i%8)&1 != 0
	}
	return v
}

// openSnapshot reads a whole snapshot from rd, checks its magic, checksum,
// version and spec against the operator's (kind magic, named name, spec
// spec) and returns a reader positioned at the body.
func openSnapshot(rd io.Reader, magic, name string, spec stateSpec) (*snapReader, error) {
	kind := snapKinds[magic]
	var data []byte
	var err error
	if sized, ok := rd.(interface{ Len() int }); ok { // bytes.Reader: one exact allocation
		data = make([]byte, sized.Len())
		_, err = io.ReadFull(rd, data)
	} else {
		data, err = io.ReadAll(rd)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %q: reading the snapshot: %w", kind, name, err)
	}
	if len(data) < 4+2+4 {
		return nil, fmt.Errorf("%w: %s %q: %d bytes is too short for a snapshot", ErrCorruptState, kind, name, len(data))
	}
	if m := string(data[:4]); m != magic {
		if other, ok := snapKinds[m]; ok {
			return nil, fmt.Errorf("%w: %s %q: the checkpoint holds the state of a %s (the operator changed)", ErrIncompatibleState, kind, name, other)
		}
		return nil, fmt.Errorf("%w: %s %q: not an operator snapshot (bad header)", ErrCorruptState, kind, name)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%w: %s %q: checksum mismatch (truncated or damaged)", ErrCorruptState, kind, name)
	}
	r := &snapReader{b: body[4:]}
	if v := r.u16("version"); v != snapVersion {
		return nil, fmt.Errorf("%w: %s %q: snapshot format version %d, this build reads %d", ErrIncompatibleState, kind, name, v, snapVersion)
	}
	h := r.u64("spec hash")
	nf := r.count(-1, 8, "spec")
	was := make(stateSpec, 0, nf)
	for i := 0; i < nf && r.err == nil; i++ {
		was = append(was, specField{r.str("spec name"), r.str("spec value")})
	}
	if r.err != nil {
		return nil, fmt.Errorf("%s %q: %w", kind, name, r.err)
	}
	if h != spec.hash() {
		return nil, fmt.Errorf("%w: %s %q: %s", ErrIncompatibleState, kind, name, spec.changed(was))
	}
	return r, nil
}

// done checks the body was read to its end and wraps any error with the
// operator's name.
func (r *snapReader) done(magic, name string) error {
	if r.err == nil && len(r.b) != 0 {
		r.failf("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return fmt.Errorf("%s %q: %w", snapKinds[magic], name, r.err)
	}
	return nil
}

// ---- key tables

// putKeyStore writes the values of key column st for entries [0, n),
// skipping those with dead[e] set (dead may be nil); m is the number
// written.
func putKeyStore(w *snapWriter, st *keyStore, n, m int, dead []bool) {
	putLiveBools(w, st.nulls[:n], m, dead)
	switch st.kind {
	case kindWord, kindWide:
		putLiveWords(w, st.words[:n], m, dead)
		if st.kind == kindWide {
			putLiveWords(w, st.hi[:n], m, dead)
		}
	case kindBytes:
		w.count(m)
		total := 0
		for e, left := 0, m; left > 0; {
			dst, k := w.span(left, 4)
			for j := 0; j < k; e++ {
				if dead == nil || !dead[e] {
					l := st.offs[e+1] - st.offs[e]
					binary.LittleEndian.PutUint32(dst[4*j:], uint32(l))
					total += l
					j++
				}
			}
			left -= k
		}
		w.u64(uint64(total))
		if dead == nil {
			w.raw(st.arena[:st.offs[n]])
			break
		}
		for e := 0; e < n; e++ {
			if !dead[e] {
				w.raw(st.arena[st.offs[e]:st.offs[e+1]])
			}
		}
	}
}

// putLiveBools writes the m entries of v not marked dead as a bitmap.
func putLiveBools(w *snapWriter, v []bool, m int, dead []bool) {
	if dead == nil {
		w.bools(v)
		return
	}
	w.count(m)
	var b byte
	i := 0
	for e, x := range v {
		if dead[e] {
			continue
		}
		if x {
			b |= 1 << i
		}
		if i++; i == 8 {
			w.u8(b)
			b, i = 0, 0
		}
	}
	if i > 0 {
		w.u8(b)
	}
}

// putLiveWords writes the m entries of v not marked dead as a column.
func putLiveWords(w *snapWriter, v []uint64, m int, dead []bool) {
	if dead == nil {
		putWords(w, v)
		return
	}
	w.count(m)
	for e, left := 0, m; left > 0; {
		dst, k := w.span(left, 8)
		for j := 0; j < k; e++ {
			if !dead[e] {
				binary.LittleEndian.PutUint64(dst[8*j:], v[e])
				j++
			}
		}
		left -= k
	}
}

// getKeyStore reads what putKeyStore wrote for n entries of kind k. A
// NULL must carry a zero value (that is how keyTable stores it).
func getKeyStore(r *snapReader, k keyKind, n int, what string) keyStore {
	st := keyStore{kind: k}
	st.nulls = r.bools(n, what+" nulls")
	switch k {
	case kindWord, kindWide:
		st.words = getWords[uint64](r, n, what)
		if k == kindWide {
			st.hi = getWords[uint64](r, n, what+" high words")
		}
	case kindBytes:
		lens := getU32s[uint32](r, n, what+" lengths")
		arena := r.blob(what + " bytes")
		if r.err != nil {
			return st
		}
		st.offs = make([]int, n+1)
		total := 0
		for i, l := range lens {
			total += int(l)
			st.offs[i+1] = total
		}
		if total != len(arena) {
			r.failf("%s: value lengths add up to %d bytes, the arena has %d", what, total, len(arena))
		}
		st.arena = arena
	default:
		r.failf("%s: unknown key kind %d", what, k)
	}
	if r.err != nil {
		return st
	}
	for i, null := range st.nulls {
		if !null {
			continue
		}
		switch {
		case k == kindBytes && st.offs[i+1] != st.offs[i],
			k != kindBytes && st.words[i] != 0,
			k == kindWide && st.hi[i] != 0:
			r.failf("%s: NULL at %d carries a value", what, i)
			return st
		}
	}
	return st
}

// putKeyTable writes a table's keys in group id order.
func putKeyTable(w *snapWriter, t *keyTable) {
	w.count(t.n)
	for c := range t.cols {
		putKeyStore(w, &t.cols[c], t.n, t.n, nil)
	}
}

// getKeyTable reads what putKeyTable wrote into the empty table t: the
// keys are inserted in order, so they get their group ids back.
func getKeyTable(r *snapReader, t *keyTable, what string) {
	n := r.count(-1, 0, what+" groups")
	cols := make([]keyStore, len(t.cols))
	for c := range cols {
		cols[c] = getKeyStore(r, t.cols[c].kind, n, fmt.Sprintf("%s key %d", what, c))
	}
	if r.err != nil {
		return
	}
	if err := t.load(cols, n); err != nil {
		r.failf("%s: %v", what, err)
	}
}

// loadChunk is how many keys load hashes and probes at a time.
const loadChunk = 4096

// load inserts keys [0, n) of cols into the empty table t, in order;
// a key that is already there is an error (group ids would shift).
func (t *keyTable) load(cols []keyStore, n int) error {
	if t.n != 0 {
		return errors.New("loading into a non-empty key table")
	}
	if len(cols) == 0 {
		if n > 1 {
			return fmt.Errorf("%d groups without group keys", n)
		}
		if n == 1 {
			t.hashes = append(t.hashes, 0)
			t.n = 1
		}
		return nil
	}
	arena := 0
	for c := range cols {
		if cols[c].kind == kindBytes {
			arena += cols[c].offs[n]
		}
	}
	t.reserve(n, arena)
	vecs := make([]keyVec, len(cols))
	var hashes []uint64
	var sel []int32
	var gids []uint32
	for lo := 0; lo < n; {
		hi := min(n, lo+loadChunk)
		for c := range cols {
			// Batches address strings with int32 offsets.
			if st := &cols[c]; st.kind == kindBytes {
				for hi > lo+1 && st.offs[hi]-st.offs[lo] > 1<<30 {
					hi = lo + (hi-lo)/2
				}
			}
		}
		k := hi - lo
		for c := range cols {
			cols[c].vec(lo, hi, &vecs[c])
		}
		hashes = hashKeys(vecs, k, hashes)
		sel = identity(sel, k)
		gids = resizeSlice(gids, k)
		t.findOrInsert(vecs, hashes, sel, gids)
		for j, g := range gids {
			if int(g) != lo+j {
				return fmt.Errorf("key %d repeats key %d", lo+j, g)
			}
		}
		lo = hi
	}
	return nil
}

// reserve makes room for n more keys holding arena bytes of strings in
// all, so loading a snapshot grows nothing step by step.
func (t *keyTable) reserve(n, arena int) {
	want := t.n + n
	if t.growAt < want {
		nslots := int(t.mask + 1)
		for nslots/2 < want {
			nslots *= 2
		}
		if t.n == 0 {
			t.alloc(nslots)
		} else {
			for t.growAt < want {
				t.grow()
			}
		}
	}
	t.hashes = slices.Grow(t.hashes, n)
	for c := range t.cols {
		st := &t.cols[c]
		st.nulls = slices.Grow(st.nulls, n)
		switch st.kind {
		case kindWord:
			st.words = slices.Grow(st.words, n)
		case kindWide:
			st.words, st.hi = slices.Grow(st.words, n), slices.Grow(st.hi, n)
		case kindBytes:
			st.offs = slices.Grow(st.offs, n)
			st.arena = slices.Grow(st.arena, arena)
		}
	}
}

// vec points v at entries [lo, hi) of st, as if they were a batch.
func (st *keyStore) vec(lo, hi int, v *keyVec) {
	k := hi - lo
	v.kind = st.kind
	v.valid, v.voff = nil, 0
	for j, null := range st.nulls[lo:hi] {
		if !null {
			continue
		}
		if v.valid == nil {
			nb := (k + 7) / 8
			if cap(v.zeros) < nb {
				v.zeros = make([]byte, nb)
			}
			v.valid = v.zeros[:nb]
			for i := range v.valid {
				v.valid[i] = 0xff
			}
		}
		v.valid[j/8] &^= 1 << (j % 8)
	}
	switch st.kind {
	case kindWord:
		v.words = st.words[lo:hi]
	case kindWide:
		v.words, v.hi = st.words[lo:hi], st.hi[lo:hi]
	case kindBytes:
		offs := make([]int32, k+1)
		base := st.offs[lo]
		for j := range offs {
			offs[j] = int32(st.offs[lo+j] - base)
		}
		v.offs, v.data = offs, st.arena[base:st.offs[hi]]
	}
}

// ---- aggregate state rows

// putRowField writes the size-byte field at offset off of rows [0, n) as
// a column (size 1, 2, 4 or 8; a 16-byte field is two 8-byte columns).
func putRowField(w *snapWriter, rows *groupRows, off uintptr, size, n int) {
	w.count(n)
	base, stride := rows.base(), rows.stride
	for g := 0; g < n; {
		dst, k := w.span(n-g, size)
		p := unsafe.Add(base, uintptr(g)*stride+off)
		switch size {
		case 8:
			for j := 0; j < k; j++ {
				binary.LittleEndian.PutUint64(dst[8*j:], *(*uint64)(unsafe.Add(p, uintptr(j)*stride)))
			}
		case 4:
			for j := 0; j < k; j++ {
				binary.LittleEndian.PutUint32(dst[4*j:], *(*uint32)(unsafe.Add(p, uintptr(j)*stride)))
			}
		case 2:
			for j := 0; j < k; j++ {
				binary.LittleEndian.PutUint16(dst[2*j:], *(*uint16)(unsafe.Add(p, uintptr(j)*stride)))
			}
		case 1:
			for j := 0; j < k; j++ {
				dst[j] = *(*uint8)(unsafe.Add(p, uintptr(j)*stride))
			}
		}
		g += k
	}
}

// getRowField reads what putRowField wrote into rows [0, n), which the
// caller has sized.
func getRowField(r *snapReader, rows *groupRows, off uintptr, size, n int, what string) {
	c := r.count(n, size, what)
	src := r.take(c*size, what)
	if r.err != nil {
		return
	}
	base, stride := rows.base(), rows.stride
	for g := 0; g < n; g++ {
		p := unsafe.Add(base, uintptr(g)*stride+off)
		switch size {
		case 8:
			*(*uint64)(p) = binary.LittleEndian.Uint64(src[8*g:])
		case 4:
			*(*uint32)(p) = binary.LittleEndian.Uint32(src[4*g:])
		case 2:
			*(*uint16)(p) = binary.LittleEndian.Uint16(src[2*g:])
		case 1:
			*(*uint8)(p) = src[g]
		}
	}
}

// putRowBool writes the bool field at off of rows [0, n) as a bitmap.
func putRowBool(w *snapWriter, rows *groupRows, off uintptr, n int) {
	w.count(n)
	base, stride := rows.base(), rows.stride
	for g := 0; g < n; {
		dst, k := w.span((n-g+7)/8, 1)
		for j := range dst[:k] {
			var b byte
			for i := 0; i < 8 && g < n; i, g = i+1, g+1 {
				if *(*bool)(unsafe.Add(base, uintptr(g)*stride+off)) {
					b |= 1 << i
				}
			}
			dst[j] = b
		}
	}
}

// getRowBool reads what putRowBool wrote.
func getRowBool(r *snapReader, rows *groupRows, off uintptr, n int, what string) {
	v := r.bools(n, what)
	if r.err != nil {
		return
	}
	base, stride := rows.base(), rows.stride
	for g, x := range v {
		*(*bool)(unsafe.Add(base, uintptr(g)*stride+off)) = x
	}
}
