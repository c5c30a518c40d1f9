package exec

import "time"

// WatermarkTracker computes a source's watermark (SPEC §4): the minimum
// over its partitions of (max event time seen - delay). A partition that
// received nothing for IdleTimeout of wall time stops holding the watermark
// back until it receives data again. The watermark never goes backwards.
type WatermarkTracker struct {
	delay   int64
	idle    time.Duration
	parts   []partitionClock // few partitions: a slice beats a map
	current int64
}

type partitionClock struct {
	id         int32
	maxTs      int64
	lastActive time.Time
	done       bool // exhausted: never holds the watermark back again
}

// NewWatermarkTracker starts tracking the given partitions at time now.
func NewWatermarkTracker(delayMs int64, idle time.Duration, partitions []int32, now time.Time) *WatermarkTracker {
	t := &WatermarkTracker{delay: delayMs, idle: idle, current: MinWatermark}
	for _, p := range partitions {
		t.parts = append(t.parts, partitionClock{id: p, maxTs: MinWatermark, lastActive: now})
	}
	return t
}

func (t *WatermarkTracker) part(p int32, now time.Time) *partitionClock {
	for i := range t.parts {
		if t.parts[i].id == p {
			return &t.parts[i]
		}
	}
	t.parts = append(t.parts, partitionClock{id: p, maxTs: MinWatermark, lastActive: now})
	return &t.parts[len(t.parts)-1]
}

// Observe records that partition p saw event times up to maxTs at now.
func (t *WatermarkTracker) Observe(p int32, maxTs int64, now time.Time) {
	pc := t.part(p, now)
	pc.lastActive = now
	if maxTs > pc.maxTs {
		pc.maxTs = maxTs
	}
}

// Touch marks partition p active without new event times (an empty fetch).
func (t *WatermarkTracker) Touch(p int32, now time.Time) { t.part(p, now).lastActive = now }

// Done marks partition p exhausted.
func (t *WatermarkTracker) Done(p int32, now time.Time) { t.part(p, now).done = true }

// Advance recomputes the watermark at now and returns it. With every
// partition exhausted it is MaxWatermark.
func (t *WatermarkTracker) Advance(now time.Time) int64 {
	wm := t.candidate(now, -1, 0)
	if wm > t.current {
		t.current = wm
	}
	return t.current
}

// Current is the last watermark Advance returned.
func (t *WatermarkTracker) Current() int64 { return t.current }

// Preview is the watermark that would hold if partition p's max event time
// were maxTs (p active), without changing anything: the runner uses it to
// find rows of a batch that are behind the watermark.
func (t *WatermarkTracker) Preview(p int32, maxTs int64, now time.Time) int64 {
	wm := t.candidate(now, p, maxTs)
	if wm < t.current {
		return t.current
	}
	return wm
}

func (t *WatermarkTracker) candidate(now time.Time, p int32, maxTs int64) int64 {
	wm := MaxWatermark
	active := false
	allDone := true
	for i := range t.parts {
		pc := &t.parts[i]
		m := pc.maxTs
		if pc.id == p {
			if maxTs > m {
				m = maxTs
			}
		} else {
			if pc.done {
				continue
			}
			if t.idle > 0 && now.Sub(pc.lastActive) >= t.idle {
				allDone = false
				continue
			}
		}
		allDone = false
		active = true
		if w := sub(m, t.delay); w < wm {
			wm = w
		}
	}
	if allDone {
		return MaxWatermark
	}
	if !active {
		return t.current // all idle: hold
	}
	return wm
}

func sub(ts, delay int64) int64 {
	if ts == MinWatermark {
		return MinWatermark
	}
	return ts - delay
}

// othersMin is the watermark the partitions other than p allow at now
// (MaxWatermark when none holds it back). The runner combines it with p's
// running maximum to find, row by row, the watermark in force.
func (t *WatermarkTracker) othersMin(p int32, now time.Time) int64 {
	wm := MaxWatermark
	for i := range t.parts {
		pc := &t.parts[i]
		if pc.id == p || pc.done || (t.idle > 0 && now.Sub(pc.lastActive) >= t.idle) {
			continue
		}
		if w := sub(pc.maxTs, t.delay); w < wm {
			wm = w
		}
	}
	return wm
}

// maxTs is partition p's largest event time so far.
func (t *WatermarkTracker) maxTs(p int32, now time.Time) int64 { return t.part(p, now).maxTs }

// doneAll marks every partition exhausted (the reader hit its end).
func (t *WatermarkTracker) doneAll() {
	for i := range t.parts {
		t.parts[i].done = true
	}
}

// restore sets the partitions' clocks and the watermark from a checkpoint.
func (t *WatermarkTracker) restore(maxTs map[int32]int64, wm int64, now time.Time) {
	for p, m := range maxTs {
		t.part(p, now).maxTs = m
	}
	if wm > t.current {
		t.current = wm
	}
}
