package exec

import (
	"errors"
	"fmt"
	"io"
)

const magicTopN = "SPTN"

func init() { snapKinds[magicTopN] = "top-N" }

// Snapshot writes the top-N state (layout in snapshot.go): watermark and
// arrival counter, the partition keys in id order, per partition its rank
// count and first changed rank, the changed partitions in emission order,
// then the ranked rows in partition and rank order (each column, the
// arrival numbers and the normalised ORDER BY words). The row store is
// compacted first, so rows pushed out of every top N are never written
// and the row ids are implied by the order.
func (t *TopN) Snapshot(w io.Writer) error {
	if t.ctx == nil || t.rows == nil {
		return errors.New("top-N: Snapshot outside Open and Close")
	}
	if !t.compacted() {
		t.compact()
	}
	sw := newSnapWriter(w, magicTopN, t.sspec)
	sw.i64(t.wm)
	sw.u64(t.seq)
	sw.count(t.nparts)
	if t.parts != nil {
		putKeyTable(sw, t.parts)
	}
	putU32s(sw, t.cnt[:t.nparts])
	putU32s(sw, t.dirty[:t.nparts])
	putU32s(sw, t.dlist)
	sw.count(t.live)
	for c := range t.rows.cols {
		putKeyStore(sw, &t.rows.cols[c], t.live, t.live, nil)
	}
	seqs := make([]uint64, 0, t.live)
	for p := 0; p < t.nparts; p++ {
		for _, e := range t.ents[p*t.n : p*t.n+int(t.cnt[p])] {
			seqs = append(seqs, e.seq)
		}
	}
	putWords(sw, seqs)
	putWords(sw, t.ordW[:t.live*t.nword])
	sw.bools(t.ordN[:t.live*t.nword])
	return sw.finish()
}

// Restore replaces the state of a freshly opened operator with a
// snapshot's; nothing changes unless the whole snapshot is valid.
func (t *TopN) Restore(rd io.Reader) error {
	if t.ctx == nil {
		return errors.New("top-N: Restore before Open")
	}
	r, err := openSnapshot(rd, magicTopN, t.ctx.Name, t.sspec)
	if err != nil {
		return err
	}
	fresh := &TopN{spec: t.spec, schema: t.schema, in: t.in, n: t.n, kinds: t.kinds, subs: t.subs,
		nword: t.nword, sspec: t.sspec}
	fresh.opBase = t.opBase
	fresh.reset()
	wm := r.i64("watermark")
	seq := r.u64("arrival counter")
	np := r.count(-1, 0, "partitions")
	if r.err == nil {
		if fresh.parts != nil {
			getKeyTable(r, fresh.parts, "partitions")
			if r.err == nil && fresh.parts.n != np {
				r.failf("%d partition keys for %d partitions", fresh.parts.n, np)
			}
		} else if np != 1 {
			r.failf("%d partitions without PARTITION BY", np)
		}
	}
	cnt := getU32s[int32](r, np, "rank counts")
	dirty := getU32s[int32](r, np, "changed ranks")
	dlist := getU32s[uint32](r, -1, "changed partitions")
	live := r.count(-1, 0, "rows")
	if r.err != nil {
		return r.done(magicTopN, t.ctx.Name)
	}
	total := 0
	for p := range cnt {
		if cnt[p] < 0 || int(cnt[p]) > t.n {
			r.failf("partition %d holds %d ranks, N is %d", p, cnt[p], t.n)
			break
		}
		if dirty[p] != int32(t.n) && (dirty[p] < 0 || dirty[p] >= cnt[p]) {
			r.failf("partition %d: changed rank %d of %d", p, dirty[p], cnt[p])
			break
		}
		total += int(cnt[p])
	}
	seen := make(map[uint32]bool, len(dlist))
	for _, p := range dlist {
		if int(p) >= np || seen[p] || dirty[p] == int32(t.n) {
			r.failf("changed partition %d is out of range, repeated or unchanged", p)
			break
		}
		seen[p] = true
	}
	if r.err == nil && len(seen) != countChanged(dirty, t.n) {
		r.failf("%d partitions changed, %d listed", countChanged(dirty, t.n), len(seen))
	}
	if r.err == nil && total != live {
		r.failf("%d rows for %d ranks", live, total)
	}
	if r.err != nil {
		return r.done(magicTopN, t.ctx.Name)
	}
	for c := range fresh.rows.cols {
		fresh.rows.cols[c] = getKeyStore(r, t.kinds[c], live, fmt.Sprintf("column %d", c))
	}
	seqs := getWords[uint64](r, live, "arrival numbers")
	ordW := getWords[uint64](r, live*t.nword, "order words")
	ordN := r.bools(live*t.nword, "order NULLs")
	if err := r.done(magicTopN, t.ctx.Name); err != nil {
		return err
	}
	for _, s := range seqs {
		if s >= seq {
			return fmt.Errorf("%w: top-N %q: arrival number %d not below the counter %d", ErrCorruptState, t.ctx.Name, s, seq)
		}
	}
	fresh.rows.n = live
	fresh.rows.hashes = make([]uint64, live)
	fresh.growParts(np)
	copy(fresh.cnt, cnt)
	copy(fresh.dirty, dirty)
	fresh.dlist = dlist
	row := 0
	for p := 0; p < np; p++ {
		for k := 0; k < int(cnt[p]); k++ {
			e := topnEntry{seq: seqs[row], row: uint32(row)}
			if s := &t.subs[0]; s.kind != subBytes {
				x := row*t.nword + s.slot
				e.k0, e.n0 = ordW[x], ordN[x]
			}
			fresh.ents[p*t.n+k] = e
			row++
		}
	}
	fresh.ordW, fresh.ordN = ordW, ordN
	fresh.seq, fresh.live, fresh.wm = seq, live, wm
	*t = *fresh
	t.ctx.Metrics.StateRows.Set(int64(live))
	return nil
}

// compacted reports whether the row store holds exactly the ranked rows
// in partition and rank order.
func (t *TopN) compacted() bool {
	if t.rows.n != t.live {
		return false
	}
	next := uint32(0)
	for p := 0; p < t.nparts; p++ {
		for _, e := range t.ents[p*t.n : p*t.n+int(t.cnt[p])] {
			if e.row != next {
				return false
			}
			next++
		}
	}
	return true
}

func countChanged(dirty []int32, n int) int {
	k := 0
	for _, d := range dirty {
		if int(d) != n {
			k++
		}
	}
	return k
}
