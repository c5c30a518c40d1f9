package exec

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// approx_count_distinct: a HyperLogLog sketch per group, precision 14
// (16384 six-bit registers, standard error 1.04/sqrt(16384) = 0.81%),
// over a 64-bit hash of the value that does not depend on the process
// (so a restored sketch keeps counting the same values as the same). The
// estimate is Ertl's improved estimator ("New cardinality estimation
// algorithms for HyperLogLog sketches", 2017), which needs neither
// HLL++'s empirical bias tables nor a switch to linear counting: it is
// unbiased from a handful of values (where it is within rounding of the
// exact count) to billions.
//
// A small group is kept sparse, as in HLL++: sorted entries of a 25-bit
// register index and the rank of the remaining 39 bits, estimated by
// linear counting over 2^25 registers, which is exact but for a rare
// collision (so small groups count like count(DISTINCT)). It becomes
// dense (one byte per precision-14 register, derived from its entries)
// once that is smaller, so a million groups of a few values stay small.

const (
	hllP      = 14
	hllM      = 1 << hllP
	hllQ      = 64 - hllP // bits left for the rank; ranks are 1..hllQ+1
	hllSparse = 3072      // entries (4 bytes each) beyond which a group goes dense
	hllSP     = 25        // sparse precision
	hllSQ     = 64 - hllSP
)

type hllAgg struct {
	outOfRow
	kind   keyKind
	sparse [][]uint32 // by group: index25<<7 | rank39, sorted by index after compact
	dense  [][]uint8  // by group: registers, nil while sparse
	vec    keyVec
	hashes []uint64
	hist   [hllQ + 2]int
}

func (a *hllAgg) resize(n int) {
	a.sparse = resizeZero(a.sparse, n)
	a.dense = resizeZero(a.dense, n)
}

func (a *hllAgg) reset() {
	a.sparse, a.dense = a.sparse[:0], a.dense[:0]
}

func (a *hllAgg) clear(g uint32) { a.sparse[g], a.dense[g] = nil, nil }

// Hashing: words through murmur3's 64-bit finalizer (a bijection, so
// distinct integers never collide), strings through an xxHash64-style
// loop; both seeded with constants, never per process.

const (
	hp1 = 0x9E3779B185EBCA87
	hp2 = 0xC2B2AE3D27D4EB4F
	hp3 = 0x165667B19E3779F9
	hp4 = 0x85EBCA77C2B2AE63
	hp5 = 0x27D4EB2F165667C5
)

func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func hashWord(x uint64) uint64 { return fmix64(x + hp5) }

func hashBytes(b []byte) uint64 {
	h := hp5 + uint64(len(b))
	for len(b) >= 8 {
		k := bits.RotateLeft64(binary.LittleEndian.Uint64(b)*hp2, 31) * hp1
		h ^= k
		h = bits.RotateLeft64(h, 27)*hp1 + hp4
		b = b[8:]
	}
	if len(b) >= 4 {
		h ^= uint64(binary.LittleEndian.Uint32(b)) * hp1
		h = bits.RotateLeft64(h, 23)*hp2 + hp3
		b = b[4:]
	}
	for _, c := range b {
		h ^= uint64(c) * hp5
		h = bits.RotateLeft64(h, 11) * hp1
	}
	return fmix64(h)
}

// hashValues hashes the rows sel of the loaded vec into a.hashes (by
// row); NULL rows are skipped by the caller.
func (a *hllAgg) hashValues(sel []int32) {
	v := &a.vec
	switch a.kind {
	case kindWord:
		for _, i := range sel {
			a.hashes[i] = hashWord(v.words[i])
		}
	case kindWide:
		for _, i := range sel {
			a.hashes[i] = hashWord(v.words[i] ^ hashWord(v.hi[i]))
		}
	default:
		for _, i := range sel {
			a.hashes[i] = hashBytes(v.data[v.offs[i]:v.offs[i+1]])
		}
	}
}

// hllEntry splits a hash into its register index and rank.
func hllEntry(h uint64) (uint32, uint8) {
	idx := uint32(h >> hllQ)
	w := h<<hllP | 1<<(hllP-1) // the guard bit caps the rank at hllQ+1
	return idx, uint8(bits.LeadingZeros64(w) + 1)
}

// sparseEntry is a hash's sparse entry: its 25-bit index, and the rank
// of the 39 bits after it.
func sparseEntry(h uint64) uint32 {
	w := h<<hllSP | 1<<(hllSP-1)
	return uint32(h>>hllSQ)<<7 | uint32(bits.LeadingZeros64(w)+1)
}

// denseOf is the precision-14 register and rank of a sparse entry: the 11
// index bits below the register's decide the rank unless all zero.
func denseOf(e uint32) (uint32, uint8) {
	idx := e >> 7
	low := idx & (1<<(hllSP-hllP) - 1)
	if low != 0 {
		return idx >> (hllSP - hllP), uint8(bits.LeadingZeros32(low<<(32-(hllSP-hllP))) + 1)
	}
	return idx >> (hllSP - hllP), uint8(hllSP-hllP) + uint8(e&0x7f)
}

// densify turns group g dense.
func (a *hllAgg) densify(g uint32) {
	d := make([]uint8, hllM)
	for _, e := range a.sparse[g] {
		if i, r := denseOf(e); r > d[i] {
			d[i] = r
		}
	}
	a.dense[g], a.sparse[g] = d, nil
}

func (a *hllAgg) update(gids []uint32, sel []int32, arg arrow.Array) error {
	if arg.NullN() == arg.Len() {
		return nil
	}
	if err := a.vec.load(arg); err != nil {
		return err
	}
	a.hashes = resizeSlice(a.hashes, arg.Len())
	a.hashValues(sel)
	valid, voff := a.vec.valid, a.vec.voff
	for _, i := range sel {
		if valid != nil && !bitutil.BitIsSet(valid, voff+int(i)) {
			continue
		}
		g := gids[i]
		if d := a.dense[g]; d != nil {
			if idx, rank := hllEntry(a.hashes[i]); rank > d[idx] {
				d[idx] = rank
			}
			continue
		}
		s := append(a.sparse[g], sparseEntry(a.hashes[i]))
		a.sparse[g] = s
		if len(s) >= hllSparse {
			a.compact(g)
		}
	}
	return nil
}

// compact sorts group g's sparse entries, keeps the highest rank per
// register, and turns the group dense when that is still large.
func (a *hllAgg) compact(g uint32) {
	s := a.sparse[g]
	slices.Sort(s)
	out := s[:0]
	for _, e := range s {
		if n := len(out); n > 0 && out[n-1]>>7 == e>>7 {
			out[n-1] = e // sorted: the later entry has the higher rank
			continue
		}
		out = append(out, e)
	}
	a.sparse[g] = out
	if len(out) >= hllSparse/2 {
		a.densify(g)
	}
}

func (a *hllAgg) merge(dst, src uint32) error {
	if d := a.dense[src]; d != nil {
		if a.dense[dst] == nil {
			a.densify(dst)
		}
		dd := a.dense[dst]
		for i, r := range d {
			if r > dd[i] {
				dd[i] = r
			}
		}
		return nil
	}
	for _, e := range a.sparse[src] {
		if d := a.dense[dst]; d != nil {
			if i, r := denseOf(e); r > d[i] {
				d[i] = r
			}
			continue
		}
		a.sparse[dst] = append(a.sparse[dst], e)
		if len(a.sparse[dst]) >= hllSparse {
			a.compact(dst)
		}
	}
	return nil
}

// estimate is group g's cardinality (Ertl's improved raw estimator).
func (a *hllAgg) estimate(g uint32) int64 {
	h := &a.hist
	*h = [hllQ + 2]int{}
	if d := a.dense[g]; d != nil {
		for _, r := range d {
			h[r]++
		}
	} else {
		if len(a.sparse[g]) == 0 {
			return 0
		}
		a.compact(g)
		if d := a.dense[g]; d == nil {
			// Linear counting over the 2^25 sparse registers.
			const ms = float64(1 << hllSP)
			return int64(math.Round(ms * math.Log(ms/(ms-float64(len(a.sparse[g]))))))
		}
		return a.estimate(g)
	}
	if h[0] == hllM {
		return 0
	}
	const m = float64(hllM)
	z := m * hllTau(1-float64(h[hllQ+1])/m)
	for k := hllQ; k >= 1; k-- {
		z = 0.5 * (z + float64(h[k]))
	}
	z += m * hllSigma(float64(h[0])/m)
	return int64(math.Round(m * m / (2 * math.Ln2) / z))
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zPrev := z
		z += x * y
		y += y
		if z == zPrev {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zPrev := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if z == zPrev {
			return z / 3
		}
	}
}

func (a *hllAgg) build(alloc memory.Allocator, gids []uint32) (arrow.Array, error) {
	o := newFixedOut[int64](alloc, len(gids))
	for j, g := range gids {
		o.vals[j] = a.estimate(g)
	}
	return o.finish(arrow.PrimitiveTypes.Int64), nil
}

// save writes, for groups [0, n): which are dense; the sparse groups'
// entry counts and (compacted) entries; the dense groups' registers.
func (a *hllAgg) save(w *snapWriter, n int) {
	isDense := make([]bool, n)
	counts := make([]uint32, 0, n)
	var entries []uint32
	var regs []byte
	for g := 0; g < n; g++ {
		if a.dense[g] == nil && len(a.sparse[g]) > 0 {
			a.compact(uint32(g))
		}
		if d := a.dense[g]; d != nil {
			isDense[g] = true
			regs = append(regs, d...)
			continue
		}
		counts = append(counts, uint32(len(a.sparse[g])))
		entries = append(entries, a.sparse[g]...)
	}
	w.bools(isDense)
	putU32s(w, counts)
	putU32s(w, entries)
	w.blob(regs)
}

func (a *hllAgg) load(r *snapReader, n int, what string) {
	isDense := r.bools(n, what+" dense flags")
	nDense := 0
	for _, d := range isDense {
		if d {
			nDense++
		}
	}
	counts := getU32s[uint32](r, n-nDense, what+" sparse counts")
	entries := getU32s[uint32](r, -1, what+" sparse entries")
	regs := r.blob(what + " registers")
	if r.err != nil {
		return
	}
	total := 0
	for _, c := range counts {
		if c >= hllSparse {
			r.failf("%s: a sparse sketch of %d entries", what, c)
			return
		}
		total += int(c)
	}
	if total != len(entries) || len(regs) != nDense*hllM {
		r.failf("%s: %d sparse entries and %d register bytes stored, the counts say %d and %d", what, len(entries), len(regs), total, nDense*hllM)
		return
	}
	for _, x := range regs {
		if x > hllQ+1 {
			r.failf("%s: register value %d out of range", what, x)
			return
		}
	}
	for _, e := range entries {
		if rank := e & 0x7f; rank < 1 || rank > hllSQ+1 {
			r.failf("%s: bad sparse entry %#x", what, e)
			return
		}
	}
	ci, eo, ro := 0, 0, 0
	for g := 0; g < n; g++ {
		if isDense[g] {
			a.dense[g] = slices.Clone(regs[ro : ro+hllM])
			ro += hllM
			continue
		}
		c := int(counts[ci])
		ci++
		s := slices.Clone(entries[eo : eo+c])
		eo += c
		for k := 1; k < len(s); k++ {
			if s[k]>>7 <= s[k-1]>>7 {
				r.failf("%s: sparse entries of group %d are not in register order", what, g)
				return
			}
		}
		a.sparse[g] = s
	}
}
