package exec

// tlDue says key (of generation gen) may need a sweep once the watermark
// reaches end.
type tlDue struct {
	end int64
	key uint32
	gen uint32
}

// tlQueue finds the keys due at a watermark. It is a calendar queue: an
// entry goes to the bucket of its end (bucket width a small fraction of
// the window period, so the watermark usually passes buckets whole);
// buckets the watermark passed are due whole, and only entries behind the
// watermark's own bucket go through a min-heap. The next tlRing buckets
// are a ring of slices, later ones a map. Unlike endQueue it keeps only a
// few small spare slices: at a window boundary one bucket holds an entry
// for every key, and keeping that capacity around would cost more than
// the rest of a key's state.
type tlQueue struct {
	width int64
	cur   int64 // the watermark's bucket; entries of buckets up to it are in heap
	ring  [tlRing][]tlDue
	far   map[int64][]tlDue
	farAt []int64 // min-heap of the far buckets' numbers
	heap  []tlDue
	spare [][]tlDue
}

const (
	tlRing      = 256
	tlSpares    = 16   // spare bucket slices kept
	tlSpareSize = 2048 // largest spare kept, in entries
)

func newTLQueue(width int64) tlQueue {
	return tlQueue{width: max(1, width), cur: MinWatermark}
}

func ringIndex(slot int64) int { return int((slot%tlRing + tlRing) % tlRing) }

func (q *tlQueue) push(e tlDue) {
	slot := floorDiv(e.end, q.width)
	if q.cur == MinWatermark {
		q.cur = slot - 1
	}
	switch {
	case slot <= q.cur:
		q.heap = heapPush(q.heap, e)
	case slot-q.cur <= tlRing:
		b := &q.ring[ringIndex(slot)]
		if *b == nil {
			if n := len(q.spare); n > 0 {
				*b = q.spare[n-1]
				q.spare = q.spare[:n-1]
			}
		}
		*b = append(*b, e)
	default:
		if q.far == nil {
			q.far = map[int64][]tlDue{}
		}
		b, ok := q.far[slot]
		if !ok {
			q.farAt = heapPushI64(q.farAt, slot)
		}
		q.far[slot] = append(b, e)
	}
}

// due hands every entry with end <= wm to visit.
func (q *tlQueue) due(wm int64, visit func(tlDue)) {
	q.popDue(wm, visit)
	ws := floorDiv(wm, q.width)
	if q.cur == MinWatermark {
		q.cur = ws // nothing queued yet
		return
	}
	if ws <= q.cur {
		return
	}
	take := func(b []tlDue) {
		for _, e := range b {
			if e.end <= wm {
				visit(e)
			} else {
				q.heap = heapPush(q.heap, e) // the watermark's own bucket
			}
		}
	}
	for slot, last := q.cur+1, min(ws, satAdd(q.cur, tlRing)); slot <= last; slot++ {
		i := ringIndex(slot)
		b := q.ring[i]
		if b == nil {
			continue
		}
		take(b)
		q.ring[i] = nil
		if cap(b) <= tlSpareSize && len(q.spare) < tlSpares {
			q.spare = append(q.spare, b[:0]) // visit never pushes: b can be reused
		}
	}
	q.cur = ws
	for len(q.farAt) > 0 && (q.farAt[0] <= ws || q.farAt[0]-ws <= tlRing) {
		var slot int64
		slot, q.farAt = heapPopI64(q.farAt)
		b := q.far[slot]
		delete(q.far, slot)
		if slot <= ws {
			take(b)
		} else {
			r := &q.ring[ringIndex(slot)]
			*r = append(*r, b...)
		}
	}
	q.popDue(wm, visit)
	if c := cap(q.heap); c > 1<<16 && len(q.heap) < c/8 {
		q.heap = append(make([]tlDue, 0, 2*len(q.heap)), q.heap...)
	}
}

func (q *tlQueue) popDue(wm int64, visit func(tlDue)) {
	for len(q.heap) > 0 && q.heap[0].end <= wm {
		var top tlDue
		q.heap, top = heapPop(q.heap)
		visit(top)
	}
}

// all returns every queued entry (for rebuilding after key compaction).
func (q *tlQueue) all() []tlDue {
	out := append([]tlDue(nil), q.heap...)
	for _, b := range q.ring {
		out = append(out, b...)
	}
	for _, b := range q.far {
		out = append(out, b...)
	}
	return out
}
