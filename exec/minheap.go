package exec

// endKeyed is an item of a binary min-heap ordered by an end time. The
// session end queue and the timeline sweep queue keep their near-due items
// in one.
type endKeyed interface{ endKey() int64 }

func (e sessionEnd) endKey() int64 { return e.end }
func (e tlDue) endKey() int64      { return e.end }

// heapPush adds e to the min-heap h.
func heapPush[T endKeyed](h []T, e T) []T {
	h = append(h, e)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p].endKey() <= h[i].endKey() {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	return h
}

// heapPop removes and returns the item of h with the smallest end.
func heapPop[T endKeyed](h []T) ([]T, T) {
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && h[l].endKey() < h[m].endKey() {
			m = l
		}
		if r < last && h[r].endKey() < h[m].endKey() {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return h, top
}

// heapPushI64 and heapPopI64 are the same min-heap over bare times (the
// session queue's and the timeline queue's far-off slots).
func heapPushI64(h []int64, v int64) []int64 {
	h = append(h, v)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p] <= h[i] {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	return h
}

func heapPopI64(h []int64) (int64, []int64) {
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && h[l] < h[m] {
			m = l
		}
		if r < last && h[r] < h[m] {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return top, h
}
