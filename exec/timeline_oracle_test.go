package exec

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// A randomized test of TimelineAggregate against a brute-force oracle that
// follows SPEC §5 word for word: for every instant it recomputes the state
// from the events of the timeline in force, and every aggregate is a loop
// over instants. All times of a stream (events, windows, TTL, durations)
// are multiples of a grid step g, so evaluating one instant per step is
// the same as evaluating every millisecond (states only change at
// multiples of g); g = 1 streams check it at millisecond resolution.

type orConfig struct {
	g                   int64
	win                 WindowSpec
	ttl, within, delay  int64
	prior               int
	keys, eventsPerKey  int
	horizon             int64 // events fall in [0, horizon)
	wmEvery, maxBatchSz int
	manyCDNs            bool // CDN names mostly unique (dictionary churn)
	latePct             int  // percent of events that arrive long after their time (late or not)
}

type orEvent struct {
	key     string
	t       int64
	seq     int
	player  any // string or nil
	action  any
	cdn     any
	bitrate any // float64 or nil
}

// orState is the state at one instant (SPEC §5, naively).
type orState struct {
	live    bool // a timeline is in force
	player  any
	ever    bool
	within  bool
	cdn     any
	prior   any
	bitrate any
}

// The query under test: every state kind and every aggregate kind.
func orSpec(c *orConfig) *Node {
	states := []TimelineState{
		latestPlayer(), // 0
		{Kind: StateEver, Arg: call("eq", tBool, hbCol(hbPlayer), sLit("play")), Type: tBool},                  // 1
		{Kind: StateWithin, Arg: call("eq", tBool, hbCol(hbAction), sLit("seek")), Dur: c.within, Type: tBool}, // 2
		{Kind: StateLatest, Arg: hbCol(hbCdn), Type: tStr},                                                     // 3
		{Kind: StatePrior, Arg: hbCol(hbPlayer), N: c.prior, Type: tStr},                                       // 4
		{Kind: StateLatest, Arg: hbCol(hbBitrate), Type: tDbl},                                                 // 5
	}
	aggs := []TimelineAgg{
		{Kind: TLDurationWhere, Arg: call("and", tBool, playerIs(0, "buffer"), tlRef(1, tBool),
			call("not", tBool, tlRef(2, tBool)), call("eq", tBool, tlRef(3, tStr), sLit("C1"))), Type: tBig, Name: "cir"},
		{Kind: TLDurationWhere, Arg: call("in", tBool, tlRef(0, tStr), sLit("play"), sLit("buffer")), Type: tBig, Name: "watch"},
		{Kind: TLCountEntries, Arg: playerIs(0, "buffer"), Type: tBig, Name: "rebuf"},
		{Kind: TLCountEntries, Arg: tlRef(2, tBool), Type: tBig, Name: "seeks"},
		{Kind: TLValueAtEnd, Arg: tlRef(3, tStr), Type: tStr, Name: "cdn"},
		{Kind: TLValueAtEnd, Arg: tlRef(4, tStr), Type: tStr, Name: "prior"},
		{Kind: TLDurationInState, Arg: tlRef(0, tStr), Type: tBig, Name: "in_state"},
		{Kind: TLDurationInState, Arg: call("or", tBool, playerIs(0, "buffer"), tlRef(2, tBool)), Type: tBig, Name: "bad_in_state"},
		{Kind: TLDurationBetween, Start: call("eq", tBool, hbCol(hbPlayer), sLit("play")),
			End: call("eq", tBool, hbCol(hbPlayer), sLit("buffer")), Type: tBig, Name: "play_to_buffer"},
		{Kind: TLValueAtEnd, Arg: call("mul", tDbl, tlRef(5, tDbl), lit(2.0, tDbl)), Type: tDbl, Name: "bitrate2"},
		{Kind: TLDurationWhere, Arg: call("eq", tBool, tlRef(4, tStr), tlRef(0, tStr)), Type: tBig, Name: "same_as_prior"},
	}
	plain := []AggFunc{
		countStar,
		{Kind: AggSum, Arg: hbCol(hbBitrate), Type: tDbl, Name: "sum_bitrate"},
		{Kind: AggMax, Arg: hbCol(hbPlayer), Type: tStr, Name: "max_player"},
	}
	return tlSpecNode(c.win, c.ttl, states, plain, aggs, nil)
}

func orArgs(st *orState) (cir, watch, rebuf, seeks bool, cdn, prior any, inState any, bad bool, bitrate2 any, same bool) {
	p, _ := st.player.(string)
	cdnS, _ := st.cdn.(string)
	cir = p == "buffer" && st.player != nil && st.ever && !st.within && cdnS == "C1" && st.cdn != nil
	watch = st.player != nil && (p == "play" || p == "buffer")
	rebuf = st.player != nil && p == "buffer"
	seeks = st.within
	cdn, prior, inState = st.cdn, st.prior, st.player
	bad = st.within || rebuf
	if st.bitrate != nil {
		bitrate2 = st.bitrate.(float64) * 2
	}
	same = st.prior != nil && st.player != nil && st.prior == st.player
	return
}

// orKey computes the expected rows of one key.
func orKey(c *orConfig, evs []orEvent) [][]any {
	if len(evs) == 0 {
		return nil
	}
	evs = slices.Clone(evs)
	slices.SortStableFunc(evs, func(x, y orEvent) int {
		if x.t != y.t {
			return cmpInt64(x.t, y.t)
		}
		return x.seq - y.seq
	})
	// Timelines: a new one where an event comes ttl or more after the
	// previous one.
	type timeline struct {
		evs        []orEvent
		start, end int64
	}
	var tls []timeline
	for i, e := range evs {
		if i == 0 || e.t-evs[i-1].t >= c.ttl {
			tls = append(tls, timeline{start: e.t})
		}
		tl := &tls[len(tls)-1]
		tl.evs = append(tl.evs, e)
		tl.end = e.t + c.ttl
	}
	tlAt := func(t int64) int {
		for i, tl := range tls {
			if tl.start <= t && t < tl.end {
				return i
			}
		}
		return -1
	}
	stateAt := func(t int64) orState {
		i := tlAt(t)
		if i < 0 {
			return orState{}
		}
		st := orState{live: true}
		var priors []any
		for _, e := range tls[i].evs {
			if e.t > t {
				break
			}
			if e.player != nil {
				st.player = e.player
				priors = append(priors, e.player)
			}
			if e.player == "play" {
				st.ever = true
			}
			if e.action == "seek" && e.t <= t && t < e.t+c.within {
				st.within = true
			}
			if e.cdn != nil {
				st.cdn = e.cdn
			}
			if e.bitrate != nil {
				st.bitrate = e.bitrate
			}
		}
		if len(priors) > c.prior {
			st.prior = priors[len(priors)-1-c.prior]
		}
		return st
	}
	// tl_duration_between per timeline: (end event time, value).
	type dbRes struct{ at, v int64 }
	var dbs []dbRes
	for _, tl := range tls {
		for i, e := range tl.evs {
			if e.player != "play" {
				continue
			}
			for _, f := range tl.evs[i+1:] {
				if f.player == "buffer" {
					dbs = append(dbs, dbRes{f.t, f.t - e.t})
					break
				}
			}
			break
		}
	}
	// Candidate windows.
	type window struct{ s, e int64 }
	var wins []window
	first, last := tls[0].start, tls[len(tls)-1].end
	switch c.win.Kind {
	case TumbleWindow:
		for s := floorDiv(first, c.win.Size) * c.win.Size; s < last; s += c.win.Size {
			wins = append(wins, window{s, s + c.win.Size})
		}
	case HopWindow:
		for s := floorDiv(first-c.win.Size, c.win.Slide) * c.win.Slide; s < last; s += c.win.Slide {
			if s+c.win.Size > first {
				wins = append(wins, window{s, s + c.win.Size})
			}
		}
	case SessionWindow:
		for i, e := range evs {
			if i == 0 || e.t-evs[i-1].t >= c.win.Gap {
				wins = append(wins, window{e.t, e.t + c.win.Gap})
			} else {
				wins[len(wins)-1].e = e.t + c.win.Gap
			}
		}
	}
	g := c.g
	var out [][]any
	for _, w := range wins {
		covered := false
		var cir, watch, rebuf, seeks int64
		var m int64
		for t := w.s; t < w.e; t += g {
			st := stateAt(t)
			if !st.live {
				continue
			}
			covered, m = true, t
			a1, a2, a3, a4, _, _, _, _, _, _ := orArgs(&st)
			if a1 {
				cir += g
			}
			if a2 {
				watch += g
			}
			prevLive := t-g >= tls[tlAt(t)].start
			var p3, p4 bool
			if prevLive {
				ps := stateAt(t - g)
				_, _, p3, p4, _, _, _, _, _, _ = orArgs(&ps)
			}
			if a3 && !p3 {
				rebuf++
			}
			if a4 && !p4 {
				seeks++
			}
		}
		if !covered {
			continue
		}
		var same int64
		for t := w.s; t < w.e; t += g {
			if st := stateAt(t); st.live {
				if _, _, _, _, _, _, _, _, _, s := orArgs(&st); s {
					same += g
				}
			}
		}
		// Values at the last live instant m, and the runs that end there.
		stm := stateAt(m)
		_, _, _, _, cdn, prior, inState, bad, bitrate2, _ := orArgs(&stm)
		tlStart := tls[tlAt(m)].start
		runStart := func(same func(st *orState) bool) int64 {
			b := m
			for b-g >= tlStart {
				ps := stateAt(b - g)
				if !same(&ps) {
					break
				}
				b -= g
			}
			return b
		}
		inStateMs := m + g - runStart(func(ps *orState) bool {
			_, _, _, _, _, _, v, _, _, _ := orArgs(ps)
			return v == inState
		})
		badMs := m + g - runStart(func(ps *orState) bool {
			_, _, _, _, _, _, _, v, _, _ := orArgs(ps)
			return v == bad
		})
		var db any
		for _, d := range dbs {
			if w.s <= d.at && d.at < w.e {
				db = d.v
				break
			}
		}
		var count int64
		var sum, maxPlayer any
		for _, e := range evs {
			if e.t < w.s || e.t >= w.e {
				continue
			}
			count++
			if e.bitrate != nil {
				if sum == nil {
					sum = 0.0
				}
				sum = sum.(float64) + e.bitrate.(float64)
			}
			if e.player != nil && (maxPlayer == nil || e.player.(string) > maxPlayer.(string)) {
				maxPlayer = e.player
			}
		}
		out = append(out, []any{evs[0].key, w.s, w.e, count, sum, maxPlayer,
			cir, watch, rebuf, seeks, cdn, prior, inStateMs, badMs, db, bitrate2, same})
	}
	return out
}

var orPlayers = []any{"play", "buffer", "stopped", nil, nil}

// orStream makes a random stream: events of c.keys keys, arriving out of
// order by up to c.delay, with watermarks (max time - delay) every few
// events; and the oracle's rows.
func orStream(rng *rand.Rand, c *orConfig) ([]hstep, [][]any) {
	steps, arrival := orStreamEvents(rng, c)
	return steps, orWant(c, arrival)
}

// orStreamEvents makes the stream and returns its events in arrival order.
func orStreamEvents(rng *rand.Rand, c *orConfig) ([]hstep, []orEvent) {
	var all []orEvent
	seq := 0
	pick := func(p float64, vals ...any) any {
		if rng.Float64() < p {
			return nil
		}
		return vals[rng.Intn(len(vals))]
	}
	for k := 0; k < c.keys; k++ {
		key := fmt.Sprintf("k%d", k)
		n := rng.Intn(c.eventsPerKey + 1)
		bursts := 1 + rng.Intn(3)
		starts := make([]int64, bursts)
		for i := range starts {
			starts[i] = rng.Int63n(c.horizon)
		}
		for i := 0; i < n; i++ {
			t := starts[rng.Intn(bursts)] + rng.Int63n(2*c.ttl+1)
			if rng.Intn(5) == 0 && i > 0 {
				t = all[len(all)-1].t // same instant as the previous event
			}
			t = t / c.g * c.g
			e := orEvent{key: key, t: t, seq: seq,
				player: orPlayers[rng.Intn(len(orPlayers))], action: pick(0.6, "seek", "pause"),
				cdn: pick(0.7, "C1", "C2"), bitrate: pick(0.5, 0.5, 1.5, 3.0, 4.5)}
			if c.manyCDNs && e.cdn != nil && rng.Intn(2) == 0 {
				e.cdn = fmt.Sprintf("cdn-%d", rng.Intn(1000000))
			}
			if c.latePct > 0 {
				e.bitrate = float64(seq) + 0.5 // names the event in a dead letter
			}
			seq++
			all = append(all, e)
		}
	}
	// Arrival order: by time plus a jitter of up to delay, so no event is
	// behind the watermark (max time seen - delay) when it arrives.
	arr := make([]int64, len(all))
	for i, e := range all {
		arr[i] = e.t + rng.Int63n(c.delay+1)
		if rng.Intn(100) < c.latePct {
			arr[i] = e.t + c.delay + 1 + rng.Int63n(3*c.ttl+1)
		}
	}
	idx := make([]int, len(all))
	for i := range idx {
		idx[i] = i
	}
	rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	slices.SortStableFunc(idx, func(x, y int) int { return cmpInt64(arr[x], arr[y]) })
	var steps []hstep
	var cur [][]any
	maxT, lastWM := int64(MinWatermark), int64(MinWatermark)
	arrival := make([]orEvent, 0, len(all))
	for j, i := range idx {
		e := all[i]
		e.seq = j // the operator orders same-instant events by arrival
		arrival = append(arrival, e)
		cur = append(cur, r(e.key, e.t, e.player, e.action, e.cdn, e.bitrate))
		maxT = max(maxT, e.t)
		if rng.Intn(c.wmEvery) == 0 && maxT-c.delay > lastWM {
			lastWM = maxT - c.delay
			steps = append(steps, rows(cur...), wmAt(lastWM))
			cur = nil
		}
	}
	if len(cur) > 0 {
		steps = append(steps, rows(cur...))
	}
	steps = append(steps, wmAt(MaxWatermark))
	return steps, arrival
}

// orWant is the oracle's rows for events in arrival order, keys in order
// of first appearance.
func orWant(c *orConfig, arrival []orEvent) [][]any {
	byKey := map[string][]orEvent{}
	var keys []string
	for _, e := range arrival {
		if _, ok := byKey[e.key]; !ok {
			keys = append(keys, e.key)
		}
		byKey[e.key] = append(byKey[e.key], e)
	}
	var want [][]any
	for _, k := range keys {
		want = append(want, orKey(c, byKey[k])...)
	}
	return want
}

func randomConfig(rng *rand.Rand) *orConfig {
	g := []int64{1, 7, 100}[rng.Intn(3)]
	c := &orConfig{g: g, keys: 30, eventsPerKey: 25, horizon: 1200 * g, wmEvery: 1 + rng.Intn(10),
		prior: 1 + rng.Intn(3)}
	c.ttl = []int64{15, 40, 100, 400}[rng.Intn(4)] * g
	c.within = []int64{5, 30, 100}[rng.Intn(3)] * g
	c.delay = []int64{0, 10, 50}[rng.Intn(3)] * g
	switch rng.Intn(3) {
	case 0:
		c.win = WindowSpec{Kind: TumbleWindow, Size: []int64{20, 50, 70, 300}[rng.Intn(4)] * g}
	case 1:
		size := []int64{40, 100, 150}[rng.Intn(3)] * g
		slide := []int64{10, 20, 30}[rng.Intn(3)] * g
		c.win = WindowSpec{Kind: HopWindow, Size: size, Slide: slide}
	default:
		c.win = WindowSpec{Kind: SessionWindow, Gap: []int64{10, 30, 80}[rng.Intn(3)] * g}
	}
	return c
}

func (c *orConfig) String() string {
	return fmt.Sprintf("g=%d %s size=%d slide=%d gap=%d ttl=%d within=%d delay=%d prior=%d",
		c.g, c.win.Kind, c.win.Size, c.win.Slide, c.win.Gap, c.ttl, c.within, c.delay, c.prior)
}

// runTimelineDirect feeds steps to a fresh operator in batches of random
// sizes on a checked allocator and returns the output rows.
func runTimelineDirect(t *testing.T, node *Node, steps []hstep, rng *rand.Rand) [][]any {
	t.Helper()
	c := &harnessCase{name: "oracle", node: node, inputs: []*arrow.Schema{hbSchema}}
	sp := splitter{name: "random", offset: true}
	res := runOnce(t, c, steps, sp, rng.Int63(), -1)
	if res.metrics.LateEvents.Load() != 0 {
		t.Fatalf("%d late events in a stream without any", res.metrics.LateEvents.Load())
	}
	if res.stateAtEnd != 0 {
		t.Fatalf("StateRows = %d after the final watermark", res.stateAtEnd)
	}
	for i, row := range res.out {
		if end := row[2].(int64); end > res.emitWM[i] {
			t.Fatalf("row %v emitted at watermark %d, before its window ended", row, res.emitWM[i])
		}
	}
	return res.out
}

func TestTimelineOracle(t *testing.T) {
	streams := 40 // x 30 keys
	if testing.Short() {
		streams = 10
	}
	runOracleStreams(t, streams, 20261126, nil)
}

// TestTimelineOracleCompacting checks against the oracle while the key
// table is compacted and the dictionary collected at almost every
// watermark, with mostly unique CDN names, and every sweep is cut into
// batches of a few segments.
func TestTimelineOracleCompacting(t *testing.T) {
	defer func(k, d, g int) { tlCompactMin, tlDictGCMin, tlGroupSegs = k, d, g }(tlCompactMin, tlDictGCMin, tlGroupSegs)
	tlCompactMin, tlDictGCMin, tlGroupSegs = 1, 1, 3
	runOracleStreams(t, 10, 99, func(c *orConfig) { c.manyCDNs = true })
}

func runOracleStreams(t *testing.T, streams int, seed int64, adjust func(*orConfig)) {
	rng := rand.New(rand.NewSource(seed))
	sessions, rowsChecked := 0, 0
	for s := 0; s < streams; s++ {
		c := randomConfig(rng)
		if adjust != nil {
			adjust(c)
		}
		steps, want := orStream(rng, c)
		got := runTimelineDirect(t, orSpec(c), steps, rng)
		if g, w := sortRows(got), sortRows(normRows(want)); !rowsEqual(g, w) {
			t.Fatalf("stream %d (%s): output differs from the oracle\n%s", s, c, diffRows(g, w))
		}
		sessions += c.keys
		rowsChecked += len(want)
	}
	t.Logf("%d sessions, %d rows equal to the oracle", sessions, rowsChecked)
}

// TestTimelineOracleHarness runs a few random streams through the
// operator harness: batch sizes 1, 7, 1024 and random splits at non-zero
// offsets must all give the oracle's rows, in the same order, on a checked
// allocator.
func TestTimelineOracleHarness(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	var cases []harnessCase
	for s := 0; s < 4; s++ {
		c := randomConfig(rng)
		c.win = []WindowSpec{{Kind: TumbleWindow, Size: 50 * c.g}, {Kind: HopWindow, Size: 100 * c.g, Slide: 30 * c.g},
			{Kind: SessionWindow, Gap: 30 * c.g}, {Kind: TumbleWindow, Size: 300 * c.g}}[s]
		c.keys = 8
		steps, want := orStream(rng, c)
		cases = append(cases, harnessCase{name: fmt.Sprintf("%d-%s", s, c.win.Kind), node: orSpec(c),
			inputs: []*arrow.Schema{hbSchema}, steps: steps, want: want, unordered: true, windowEnd: 2})
	}
	runHarness(t, cases)
}

func normRows(rows [][]any) [][]any {
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = normRow(r)
	}
	return out
}

// diffRows shows the first rows that differ.
func diffRows(got, want [][]any) string {
	s := fmt.Sprintf("got %d rows, want %d\n", len(got), len(want))
	n := 0
	for i := 0; i < max(len(got), len(want)) && n < 8; i++ {
		var g, w []any
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g == nil || w == nil || !rowsEqual([][]any{g}, [][]any{w}) {
			s += fmt.Sprintf("  row %d\n    got  %v\n    want %v\n", i, g, w)
			n++
		}
	}
	return s
}

// TestTimelineOracleLate mixes in events that arrive long after their
// time. Which of them a key still takes depends on how far its sweep got,
// so the oracle cannot say; but the rows must be exactly the oracle's over
// the events that were not dead-lettered, and every dead letter must be a
// counted late event: an event is used entirely or not at all.
func TestTimelineOracleLate(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	streams := 20
	if testing.Short() {
		streams = 6
	}
	lateSeen, behindKept := int64(0), 0
	for s := 0; s < streams; s++ {
		c := randomConfig(rng)
		c.latePct = 15
		steps, arrival := orStreamEvents(rng, c)
		hc := &harnessCase{name: "late", node: orSpec(c), inputs: []*arrow.Schema{hbSchema}}
		res := runOnce(t, hc, steps, splitter{name: "random", offset: true}, rng.Int63(), -1)
		dropped := map[float64]bool{}
		for _, d := range res.letters {
			var row map[string]any
			if err := json.Unmarshal(d.Raw, &row); err != nil {
				t.Fatalf("dead letter %q: %v", d.Raw, err)
			}
			dropped[row["bitrate"].(float64)] = true
		}
		if n := res.metrics.LateEvents.Load(); n != int64(len(res.letters)) || n != int64(len(dropped)) {
			t.Fatalf("stream %d: %d late events, %d dead letters (%d distinct)", s, n, len(res.letters), len(dropped))
		}
		lateSeen += int64(len(dropped))
		wm := int64(MinWatermark)
		for _, st := range steps {
			if st.isWM {
				wm = st.wm
				continue
			}
			for _, row := range st.rows {
				if row[hbTs].(int64) < wm && !dropped[row[hbBitrate].(float64)] {
					behindKept++
				}
			}
		}
		var kept []orEvent
		for _, e := range arrival {
			if !dropped[e.bitrate.(float64)] {
				kept = append(kept, e)
			}
		}
		want := orWant(c, kept)
		if g, w := sortRows(res.out), sortRows(normRows(want)); !rowsEqual(g, w) {
			t.Fatalf("stream %d (%s): output differs from the oracle over the events kept\n%s", s, c, diffRows(g, w))
		}
	}
	if lateSeen == 0 || behindKept == 0 {
		t.Fatalf("%d events dropped, %d taken behind the watermark: the test exercises too little", lateSeen, behindKept)
	}
	t.Logf("%d late events dropped, %d taken behind the watermark", lateSeen, behindKept)
}
