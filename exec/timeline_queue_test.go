package exec

import (
	"math/rand"
	"slices"
	"testing"
)

// TestTLQueue checks the due queue against a plain list: after each
// watermark exactly the entries with end <= watermark have been visited,
// for bucket widths of 1 ms and more, negative times, entries far ahead
// of the ring, pushes behind the watermark and MaxWatermark.
func TestTLQueue(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, width := range []int64{1, 7, 1000} {
		for round := 0; round < 50; round++ {
			q := newTLQueue(width)
			var pending []int64
			var got []int64
			wm := int64(-5000 + rng.Intn(1000))
			id := uint32(0)
			for step := 0; step < 200; step++ {
				for i := rng.Intn(5); i > 0; i-- {
					var end int64
					switch rng.Intn(4) {
					case 0:
						end = wm - int64(rng.Intn(100)) // behind the watermark
					case 1:
						end = wm + int64(rng.Intn(1000000)) // far ahead
					default:
						end = wm + int64(rng.Intn(200))
					}
					q.push(tlDue{end: end, key: id})
					pending = append(pending, end)
					id++
				}
				if rng.Intn(20) == 0 {
					wm += int64(rng.Intn(500000))
				} else {
					wm += int64(rng.Intn(300))
				}
				if step == 199 {
					wm = MaxWatermark
				}
				got = got[:0]
				q.due(wm, func(e tlDue) { got = append(got, e.end) })
				var want []int64
				rest := pending[:0]
				for _, e := range pending {
					if e <= wm {
						want = append(want, e)
					} else {
						rest = append(rest, e)
					}
				}
				pending = rest
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("width %d round %d step %d wm %d: visited %v, want %v", width, round, step, wm, got, want)
				}
				if n := len(q.all()); n != len(pending) {
					t.Fatalf("width %d: %d entries queued, want %d", width, n, len(pending))
				}
			}
		}
	}
}
