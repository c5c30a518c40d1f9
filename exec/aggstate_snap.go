package exec

import (
	"encoding/binary"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Snapshot encoding of the aggregate states (layout in snapshot.go): each
// field of a state is one column over the groups, read straight from the
// group rows at its offset, so a snapshot does not depend on the row
// layout (stride, padding, field order) of the build that wrote it.

func (a *countAgg) save(w *snapWriter, n int) { putRowField(w, a.rows, a.off, 8, n) }
func (a *countAgg) load(r *snapReader, n int, what string) {
	getRowField(r, a.rows, a.off, 8, n, what+" counts")
}

func (a *sumIntAgg[T]) save(w *snapWriter, n int) {
	var s sumState
	putRowField(w, a.rows, a.off+unsafe.Offsetof(s.sum), 8, n)
	putRowBool(w, a.rows, a.off+unsafe.Offsetof(s.seen), n)
}

func (a *sumIntAgg[T]) load(r *snapReader, n int, what string) {
	var s sumState
	getRowField(r, a.rows, a.off+unsafe.Offsetof(s.sum), 8, n, what+" sums")
	getRowBool(r, a.rows, a.off+unsafe.Offsetof(s.seen), n, what+" seen")
}

func (a *sumFloatAgg) save(w *snapWriter, n int) {
	var s sumFloatState
	putRowField(w, a.rows, a.off+unsafe.Offsetof(s.sum), 8, n)
	putRowBool(w, a.rows, a.off+unsafe.Offsetof(s.seen), n)
}

func (a *sumFloatAgg) load(r *snapReader, n int, what string) {
	var s sumFloatState
	getRowField(r, a.rows, a.off+unsafe.Offsetof(s.sum), 8, n, what+" sums")
	getRowBool(r, a.rows, a.off+unsafe.Offsetof(s.seen), n, what+" seen")
}

func saveWide(w *snapWriter, r *inRow[wideState], n int) {
	var s wideState
	putRowField(w, r.rows, r.off+unsafe.Offsetof(s.lo), 8, n)
	putRowField(w, r.rows, r.off+unsafe.Offsetof(s.hi), 8, n)
	putRowField(w, r.rows, r.off+unsafe.Offsetof(s.n), 8, n)
}

func loadWide(rd *snapReader, r *inRow[wideState], n int, what string) {
	var s wideState
	getRowField(rd, r.rows, r.off+unsafe.Offsetof(s.lo), 8, n, what+" low words")
	getRowField(rd, r.rows, r.off+unsafe.Offsetof(s.hi), 8, n, what+" high words")
	getRowField(rd, r.rows, r.off+unsafe.Offsetof(s.n), 8, n, what+" counts")
}

func (a *sumDecimalAgg) save(w *snapWriter, n int) { saveWide(w, &a.inRow, n) }
func (a *sumDecimalAgg) load(r *snapReader, n int, what string) {
	loadWide(r, &a.inRow, n, what)
}
func (a *avgIntAgg[T]) save(w *snapWriter, n int) { saveWide(w, &a.inRow, n) }
func (a *avgIntAgg[T]) load(r *snapReader, n int, what string) {
	loadWide(r, &a.inRow, n, what)
}
func (a *avgDecimalAgg) save(w *snapWriter, n int) { saveWide(w, &a.inRow, n) }
func (a *avgDecimalAgg) load(r *snapReader, n int, what string) {
	loadWide(r, &a.inRow, n, what)
}

func (a *avgFloatAgg) save(w *snapWriter, n int) {
	var s avgFloatState
	putRowField(w, a.rows, a.off+unsafe.Offsetof(s.sum), 8, n)
	putRowField(w, a.rows, a.off+unsafe.Offsetof(s.n), 8, n)
}

func (a *avgFloatAgg) load(r *snapReader, n int, what string) {
	var s avgFloatState
	getRowField(r, a.rows, a.off+unsafe.Offsetof(s.sum), 8, n, what+" sums")
	getRowField(r, a.rows, a.off+unsafe.Offsetof(s.n), 8, n, what+" counts")
}

func (a *minMaxAgg[T]) save(w *snapWriter, n int) {
	var s extremeState[T]
	putRowField(w, a.rows, a.off+unsafe.Offsetof(s.v), int(unsafe.Sizeof(s.v)), n)
	putRowBool(w, a.rows, a.off+unsafe.Offsetof(s.seen), n)
}

func (a *minMaxAgg[T]) load(r *snapReader, n int, what string) {
	var s extremeState[T]
	getRowField(r, a.rows, a.off+unsafe.Offsetof(s.v), int(unsafe.Sizeof(s.v)), n, what+" values")
	getRowBool(r, a.rows, a.off+unsafe.Offsetof(s.seen), n, what+" seen")
}

// A decimal128.Num is its low word, then its high word.
func (a *minMaxDecimalAgg) save(w *snapWriter, n int) {
	var s extremeState[decimal128.Num]
	putRowField(w, a.rows, a.off+unsafe.Offsetof(s.v), 8, n)
	putRowField(w, a.rows, a.off+unsafe.Offsetof(s.v)+8, 8, n)
	putRowBool(w, a.rows, a.off+unsafe.Offsetof(s.seen), n)
}

func (a *minMaxDecimalAgg) load(r *snapReader, n int, what string) {
	var s extremeState[decimal128.Num]
	getRowField(r, a.rows, a.off+unsafe.Offsetof(s.v), 8, n, what+" low words")
	getRowField(r, a.rows, a.off+unsafe.Offsetof(s.v)+8, 8, n, what+" high words")
	getRowBool(r, a.rows, a.off+unsafe.Offsetof(s.seen), n, what+" seen")
}

func (a *minMaxBoolAgg) save(w *snapWriter, n int) {
	var s extremeState[bool]
	putRowBool(w, a.rows, a.off+unsafe.Offsetof(s.v), n)
	putRowBool(w, a.rows, a.off+unsafe.Offsetof(s.seen), n)
}

func (a *minMaxBoolAgg) load(r *snapReader, n int, what string) {
	var s extremeState[bool]
	getRowBool(r, a.rows, a.off+unsafe.Offsetof(s.v), n, what+" values")
	getRowBool(r, a.rows, a.off+unsafe.Offsetof(s.seen), n, what+" seen")
}

// minMaxBytesAgg: seen bitmap, value lengths (0 when not seen), bytes.
func (a *minMaxBytesAgg) save(w *snapWriter, n int) {
	w.bools(a.seen[:n])
	w.count(n)
	total := 0
	for g := 0; g < n; {
		dst, k := w.span(n-g, 4)
		for j := 0; j < k; j, g = j+1, g+1 {
			l := 0
			if a.seen[g] {
				l = len(a.vals[g])
			}
			binary.LittleEndian.PutUint32(dst[4*j:], uint32(l))
			total += l
		}
	}
	w.u64(uint64(total))
	for g := 0; g < n; g++ {
		if a.seen[g] {
			w.raw(a.vals[g])
		}
	}
}

func (a *minMaxBytesAgg) load(r *snapReader, n int, what string) {
	seen := r.bools(n, what+" seen")
	lens := getU32s[uint32](r, n, what+" lengths")
	arena := r.blob(what + " bytes")
	if r.err != nil {
		return
	}
	total := 0
	for g, l := range lens {
		if !seen[g] && l != 0 {
			r.failf("%s: group %d has no value but a length", what, g)
			return
		}
		total += int(l)
	}
	if total != len(arena) {
		r.failf("%s: value lengths add up to %d bytes, %d are stored", what, total, len(arena))
		return
	}
	off := 0
	for g, l := range lens {
		// Each group's value gets a slice capped at its own bytes: an
		// update that does not fit reallocates instead of overwriting
		// the next group's.
		a.vals[g] = arena[off : off+int(l) : off+int(l)]
		a.seen[g] = seen[g]
		off += int(l)
	}
}

// distinctAgg: its live (group, value) pairs in entry order: a column of
// group ids, then the values as a key column. The counts and per-group
// lists follow from the pairs; dead entries are not kept.
func (a *distinctAgg) save(w *snapWriter, n int) {
	m := a.set.n - a.ndead
	gw := a.set.cols[0].words
	w.count(m)
	for e, left := 0, m; left > 0; {
		dst, k := w.span(left, 4)
		for j := 0; j < k; e++ {
			if !a.dead[e] {
				binary.LittleEndian.PutUint32(dst[4*j:], uint32(gw[e]))
				j++
			}
		}
		left -= k
	}
	dead := a.dead[:a.set.n]
	if a.ndead == 0 {
		dead = nil
	}
	putKeyStore(w, &a.set.cols[1], a.set.n, m, dead)
}

func (a *distinctAgg) load(r *snapReader, n int, what string) {
	gids := getU32s[uint32](r, -1, what+" groups")
	st := getKeyStore(r, a.vecs[1].kind, len(gids), what+" values")
	if r.err != nil {
		return
	}
	for e, g := range gids {
		if int(g) >= n {
			r.failf("%s: entry %d belongs to group %d of %d", what, e, g, n)
			return
		}
		if st.nulls[e] {
			r.failf("%s: entry %d is NULL", what, e)
			return
		}
	}
	if st.kind == kindBytes {
		a.set.reserve(len(gids), len(st.arena))
	} else {
		a.set.reserve(len(gids), 0)
	}
	var sel []int32
	for lo := 0; lo < len(gids); {
		hi := min(len(gids), lo+loadChunk)
		if st.kind == kindBytes {
			for hi > lo+1 && st.offs[hi]-st.offs[lo] > 1<<30 {
				hi = lo + (hi-lo)/2
			}
		}
		k := hi - lo
		a.gidw = growU64(a.gidw, k)
		for j, g := range gids[lo:hi] {
			a.gidw[j] = uint64(g)
		}
		st.vec(lo, hi, &a.vecs[1])
		before := a.set.n
		sel = identity(sel, k)
		a.add(sel, k)
		if a.set.n != before+k {
			r.failf("%s: a (group, value) pair repeats", what)
			break
		}
		lo = hi
	}
	a.vecs[1] = keyVec{kind: a.vecs[1].kind}
}
