package exec

import (
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/exec/expr"
)

// The heartbeats of SPEC §3/§5: session_id, ts, player, action, cdn,
// bitrate.
var hbSchema = schema(field("session_id", tStr), field("ts", tTs), field("player", tStr),
	field("action", tStr), field("cdn", tStr), field("bitrate", tDbl))

const (
	hbSession = iota
	hbTs
	hbPlayer
	hbAction
	hbCdn
	hbBitrate
)

func hbCol(i int) *expr.ColumnRef {
	return col(i, hbSchema.Field(i).Name, hbSchema.Field(i).Type)
}

func sLit(s string) *expr.Literal { return lit(s, tStr) }

// tlRef is state i (of type dt) in a timeline aggregate's argument.
func tlRef(i int, dt arrow.DataType) *expr.ColumnRef {
	return &expr.ColumnRef{Index: i, Name: "s" + string(rune('0'+i)), Type: dt}
}

// tlCase builds the node of a timeline over hbSchema keyed by session_id;
// out lists the plain and timeline aggregate columns after the window
// bounds.
func tlNode(spec *TimelineSpec, in *arrow.Schema, out ...arrow.Field) *Node {
	fields := []arrow.Field{}
	for i, k := range spec.Keys {
		name := "k"
		if i < len(spec.KeyNames) {
			name = spec.KeyNames[i]
		}
		fields = append(fields, field(name, k.DataType()))
	}
	fields = append(fields, field("window_start", tTs), field("window_end", tTs))
	fields = append(fields, out...)
	return &Node{Kind: KindTimelineAggregate, Name: "tl", Schema: schema(fields...), Spec: spec, EventTime: -1}
}

// cirStates are the four states of SPEC §5's query.
func cirStates() []TimelineState {
	return []TimelineState{
		{Kind: StateLatest, Arg: hbCol(hbPlayer), Type: tStr},
		{Kind: StateEver, Arg: call("eq", tBool, hbCol(hbPlayer), sLit("play")), Type: tBool},
		{Kind: StateWithin, Arg: call("eq", tBool, hbCol(hbAction), sLit("seek")), Dur: 5000, Type: tBool},
		{Kind: StateLatest, Arg: hbCol(hbCdn), Type: tStr},
	}
}

func cirArg() expr.Expr {
	return call("and", tBool,
		call("eq", tBool, tlRef(0, tStr), sLit("buffer")),
		tlRef(1, tBool),
		call("not", tBool, tlRef(2, tBool)),
		call("eq", tBool, tlRef(3, tStr), sLit("C1")))
}

// specFixtureNode is SPEC §5's reference query: 30 s tumble windows,
// timeline_ttl 15 s.
func specFixtureNode() *Node {
	isBuf := call("eq", tBool, tlRef(0, tStr), sLit("buffer"))
	spec := &TimelineSpec{
		Keys:     []expr.Expr{hbCol(hbSession)},
		KeyNames: []string{"session_id"},
		Time:     hbCol(hbTs),
		Window:   WindowSpec{Kind: TumbleWindow, Time: hbCol(hbTs), Size: 30000},
		TTL:      15000,
		States:   cirStates(),
		Aggs: []TimelineAgg{
			{Kind: TLDurationWhere, Arg: cirArg(), Type: tBig, Name: "cir_ms"},
			{Kind: TLDurationWhere, Arg: isBuf, Type: tBig, Name: "buf_ms"},
			{Kind: TLDurationWhere, Arg: call("in", tBool, tlRef(0, tStr), sLit("play"), sLit("buffer")), Type: tBig, Name: "watch_ms"},
			{Kind: TLCountEntries, Arg: isBuf, Type: tBig, Name: "rebuffers"},
			{Kind: TLValueAtEnd, Arg: tlRef(3, tStr), Type: tStr, Name: "cdn"},
		},
	}
	return tlNode(spec, hbSchema, field("cir_ms", tBig), field("buf_ms", tBig), field("watch_ms", tBig),
		field("rebuffers", tBig), field("cdn", tStr))
}

// hb is a heartbeat row: session, time in ms, player, action, cdn.
func hb(s string, ts int64, player, action, cdn any) []any {
	return r(s, ts, player, action, cdn, nil)
}

func specFixtureRows() [][]any {
	return [][]any{
		hb("s1", 0, "play", nil, "C1"),
		hb("s1", 10000, nil, "seek", nil),
		hb("s1", 11000, "buffer", nil, nil),
		hb("s1", 13000, "play", nil, nil),
		hb("s1", 20000, "buffer", nil, nil),
		hb("s1", 26000, "play", nil, nil),
		hb("s1", 30000, nil, nil, "C2"),
		hb("s1", 32000, "buffer", nil, nil),
		hb("s1", 35000, "stopped", nil, nil),
	}
}

// specFixtureWant is SPEC §5's table.
var specFixtureWant = [][]any{
	r("s1", 0, 30000, 6000, 8000, 30000, 2, "C1"),
	r("s1", 30000, 60000, 0, 3000, 5000, 1, "C2"),
}

func TestTimelineSpecFixture(t *testing.T) {
	evs := specFixtureRows()
	// The same events arriving out of order within a 5 s delay, with the
	// watermark advancing between them.
	shuffled := [][]any{evs[1], evs[0], evs[3], evs[2], evs[4], evs[6], evs[5], evs[8], evs[7]}
	runHarness(t, []harnessCase{
		{name: "at-end", node: specFixtureNode(), inputs: []*arrow.Schema{hbSchema},
			steps: []hstep{rows(evs...), wmAt(MaxWatermark)}, want: specFixtureWant, windowEnd: 2},
		{name: "watermarks", node: specFixtureNode(), inputs: []*arrow.Schema{hbSchema},
			steps: []hstep{
				rows(evs[:3]...), wmAt(9000), rows(evs[3:6]...), wmAt(29999), rows(evs[6]), wmAt(30000),
				rows(evs[7:]...), wmAt(36000), wmAt(49999), wmAt(50000), wmAt(59999), wmAt(60000), wmAt(MaxWatermark),
			},
			want: specFixtureWant, windowEnd: 2},
		{name: "out-of-order", node: specFixtureNode(), inputs: []*arrow.Schema{hbSchema},
			steps: []hstep{
				rows(shuffled[:2]...), wmAt(5000), rows(shuffled[2:4]...), wmAt(8000), rows(shuffled[4:7]...), wmAt(25000),
				rows(shuffled[7:]...), wmAt(30000), wmAt(MaxWatermark),
			},
			want: specFixtureWant, windowEnd: 2},
	})
}

// tlSpecNode builds a timeline over hbSchema keyed by session_id with the
// given window, TTL, states and aggregates; output columns are named after
// the aggregates.
func tlSpecNode(win WindowSpec, ttl int64, states []TimelineState, plain []AggFunc, aggs []TimelineAgg, having expr.Expr) *Node {
	win.Time = hbCol(hbTs)
	spec := &TimelineSpec{
		Keys: []expr.Expr{hbCol(hbSession)}, KeyNames: []string{"session_id"}, Time: hbCol(hbTs),
		Window: win, TTL: ttl, States: states, Plain: plain, Aggs: aggs, Having: having,
	}
	var out []arrow.Field
	for _, f := range plain {
		out = append(out, field(f.Name, f.Type))
	}
	for _, f := range aggs {
		out = append(out, field(f.Name, f.Type))
	}
	return tlNode(spec, hbSchema, out...)
}

func latestPlayer() TimelineState {
	return TimelineState{Kind: StateLatest, Arg: hbCol(hbPlayer), Type: tStr}
}
func playerIs(i int, v string) expr.Expr {
	return call("eq", tBool, tlRef(i, tStr), sLit(v))
}

var countStar = AggFunc{Kind: AggCountStar, Type: tBig, Name: "events"}

func TestTimelineHandCases(t *testing.T) {
	tumble10 := WindowSpec{Kind: TumbleWindow, Size: 10000}
	hop := WindowSpec{Kind: HopWindow, Size: 10000, Slide: 5000}
	priorStates := []TimelineState{latestPlayer(), {Kind: StatePrior, Arg: hbCol(hbPlayer), N: 1, Type: tStr}}
	priorAggs := []TimelineAgg{
		{Kind: TLDurationWhere, Arg: call("and", tBool, playerIs(1, "play"), playerIs(0, "buffer")), Type: tBig, Name: "play_then_buffer"},
		{Kind: TLCountEntries, Arg: call("and", tBool, playerIs(1, "play"), playerIs(0, "buffer")), Type: tBig, Name: "entries"},
		{Kind: TLValueAtEnd, Arg: tlRef(1, tStr), Type: tStr, Name: "prior_at_end"},
		{Kind: TLDurationInState, Arg: tlRef(0, tStr), Type: tBig, Name: "in_state"},
		{Kind: TLDurationInState, Arg: tlRef(1, tStr), Type: tBig, Name: "prior_in_state"},
	}
	// player: play@0, NULL@2s, buffer@3s, buffer@5s, play@7s, stopped@8s;
	// timeline [0, 13s). tl_prior(player): NULL, play@3s, buffer@5s,
	// buffer@7s, play@8s.
	priorRows := []hstep{rows(
		hb("s1", 0, "play", nil, nil), hb("s1", 2000, nil, "x", nil), hb("s1", 3000, "buffer", nil, nil),
		hb("s1", 5000, "buffer", nil, nil), hb("s1", 7000, "play", nil, nil), hb("s1", 8000, "stopped", nil, nil),
	), wmAt(MaxWatermark)}

	sessStates := []TimelineState{latestPlayer()}
	sessAggs := []TimelineAgg{
		{Kind: TLDurationWhere, Arg: playerIs(0, "buffer"), Type: tBig, Name: "buf"},
		{Kind: TLDurationWhere, Arg: playerIs(0, "play"), Type: tBig, Name: "play"},
		{Kind: TLCountEntries, Arg: playerIs(0, "buffer"), Type: tBig, Name: "rebuf"},
		{Kind: TLValueAtEnd, Arg: tlRef(0, tStr), Type: tStr, Name: "player_at_end"},
		{Kind: TLDurationInState, Arg: tlRef(0, tStr), Type: tBig, Name: "in_state"},
	}

	ttlStates := []TimelineState{latestPlayer(), {Kind: StateLatest, Arg: hbCol(hbCdn), Type: tStr}}
	ttlAggs := []TimelineAgg{
		{Kind: TLDurationWhere, Arg: playerIs(0, "play"), Type: tBig, Name: "play"},
		{Kind: TLCountEntries, Arg: playerIs(0, "play"), Type: tBig, Name: "plays"},
		{Kind: TLValueAtEnd, Arg: tlRef(1, tStr), Type: tStr, Name: "cdn"},
		{Kind: TLDurationInState, Arg: tlRef(0, tStr), Type: tBig, Name: "in_state"},
		{Kind: TLDurationInState, Arg: playerIs(1, "C1"), Type: tBig, Name: "c1_in_state"},
	}
	// play@1s cdn C1, buffer@3s: timeline [1s, 7s). play@7s, exactly the
	// TTL after 3s: a new timeline [7s, 11s) with cdn reset to NULL.
	// buffer@25s: a third timeline [25s, 29s).
	ttlRows := []hstep{rows(
		hb("s1", 1000, "play", nil, "C1"), hb("s1", 3000, "buffer", nil, nil),
		hb("s1", 7000, "play", nil, nil), hb("s1", 25000, "buffer", nil, nil),
	), wmAt(MaxWatermark)}

	seek := TimelineState{Kind: StateWithin, Arg: call("eq", tBool, hbCol(hbAction), sLit("seek")), Dur: 1000, Type: tBool}
	sameStates := []TimelineState{latestPlayer(), seek}
	sameAggs := []TimelineAgg{
		{Kind: TLDurationWhere, Arg: playerIs(0, "buffer"), Type: tBig, Name: "buf"},
		{Kind: TLDurationWhere, Arg: call("and", tBool, playerIs(0, "buffer"), call("not", tBool, tlRef(1, tBool))), Type: tBig, Name: "buf_no_seek"},
		{Kind: TLCountEntries, Arg: playerIs(0, "buffer"), Type: tBig, Name: "rebuf"},
		{Kind: TLDurationBetween, Start: call("eq", tBool, hbCol(hbPlayer), sLit("buffer")), End: call("eq", tBool, hbCol(hbPlayer), sLit("play")), Type: tBig, Name: "buf_to_play"},
		{Kind: TLDurationBetween, Start: call("eq", tBool, hbCol(hbAction), sLit("seek")), End: call("eq", tBool, hbCol(hbPlayer), sLit("play")), Type: tBig, Name: "seek_to_play"},
		{Kind: TLDurationBetween, Start: call("eq", tBool, hbCol(hbPlayer), sLit("play")), End: call("eq", tBool, hbCol(hbPlayer), sLit("play")), Type: tBig, Name: "play_to_play"},
	}
	// Same-instant events apply in arrival order and leave no span:
	// buffer+play@1s is play, play+buffer@5s stays buffer (no entry).
	sameRows := []hstep{rows(
		hb("s1", 1000, "buffer", nil, nil), hb("s1", 1000, "play", nil, nil),
		hb("s1", 2000, "buffer", nil, nil), hb("s1", 2000, nil, "seek", nil),
		hb("s1", 5000, "play", nil, nil), hb("s1", 5000, "buffer", nil, nil),
		hb("s1", 6000, "play", nil, nil),
	), wmAt(MaxWatermark)}

	lateAggs := []TimelineAgg{{Kind: TLDurationWhere, Arg: playerIs(0, "play"), Type: tBig, Name: "play"}}

	runHarness(t, []harnessCase{
		{name: "prior-tumble", node: tlSpecNode(tumble10, 5000, priorStates, nil, priorAggs, nil),
			inputs: []*arrow.Schema{hbSchema}, steps: priorRows, windowEnd: 2,
			want: [][]any{
				r("s1", 0, 10000, 2000, 1, "play", 2000, 2000),
				r("s1", 10000, 20000, 0, 0, "play", 5000, 5000),
			}},
		{name: "prior-hop", node: tlSpecNode(hop, 5000, priorStates, nil, priorAggs, nil),
			inputs: []*arrow.Schema{hbSchema}, steps: priorRows, windowEnd: 2,
			want: [][]any{
				r("s1", -5000, 5000, 2000, 1, "play", 2000, 2000),
				r("s1", 0, 10000, 2000, 1, "play", 2000, 2000),
				r("s1", 5000, 15000, 0, 0, "play", 5000, 5000),
				r("s1", 10000, 20000, 0, 0, "play", 5000, 5000),
			}},
		{name: "session", node: tlSpecNode(WindowSpec{Kind: SessionWindow, Gap: 3000}, 5000, sessStates, []AggFunc{countStar}, sessAggs, nil),
			inputs: []*arrow.Schema{hbSchema}, windowEnd: 2,
			// Sessions [0, 5s), [6s, 9s) in the timeline [0, 11s); the
			// third event starts a new timeline and session [20s, 23s).
			steps: []hstep{rows(
				hb("s1", 0, "play", nil, nil), hb("s1", 2000, "buffer", nil, nil),
				hb("s1", 6000, "play", nil, nil), hb("s1", 20000, "buffer", nil, nil),
			), wmAt(MaxWatermark)},
			want: [][]any{
				r("s1", 0, 5000, 2, 3000, 2000, 1, "buffer", 3000),
				r("s1", 6000, 9000, 1, 0, 3000, 0, "play", 3000),
				r("s1", 20000, 23000, 1, 3000, 0, 1, "buffer", 3000),
			}},
		{name: "ttl", node: tlSpecNode(tumble10, 4000, ttlStates, []AggFunc{countStar}, ttlAggs, nil),
			inputs: []*arrow.Schema{hbSchema}, steps: ttlRows, windowEnd: 2,
			want: [][]any{
				r("s1", 0, 10000, 3, 5000, 2, nil, 3000, 3000),
				r("s1", 10000, 20000, 0, 1000, 0, nil, 4000, 4000),
				r("s1", 20000, 30000, 1, 0, 0, nil, 4000, 4000),
			}},
		{name: "ttl-having", node: tlSpecNode(tumble10, 4000, ttlStates, []AggFunc{countStar}, ttlAggs,
			call("gt", tBool, col(3, "events", tBig), lit(int64(0), tBig))),
			inputs: []*arrow.Schema{hbSchema}, steps: ttlRows, windowEnd: 2,
			want: [][]any{
				r("s1", 0, 10000, 3, 5000, 2, nil, 3000, 3000),
				r("s1", 20000, 30000, 1, 0, 0, nil, 4000, 4000),
			}},
		{name: "same-instant", node: tlSpecNode(tumble10, 8000, sameStates, []AggFunc{countStar}, sameAggs, nil),
			inputs: []*arrow.Schema{hbSchema}, steps: sameRows, windowEnd: 2,
			want: [][]any{
				r("s1", 0, 10000, 7, 4000, 3000, 1, 0, 3000, 4000),
				r("s1", 10000, 20000, 0, 0, 0, 0, nil, nil, nil),
			}},
		{name: "late", node: tlSpecNode(tumble10, 30000, sessStates, nil, lateAggs, nil),
			inputs: []*arrow.Schema{hbSchema}, windowEnd: 2,
			steps: []hstep{
				rows(hb("s1", 0, "play", nil, nil), hb("s1", 12000, "buffer", nil, nil)), wmAt(20000),
				// s1 was swept to 20 s: 15 s is late; s2 has no state and
				// 5 s is behind the watermark: late too. 20 s is not.
				rows(hb("s1", 15000, "stopped", nil, nil), hb("s2", 5000, "play", nil, nil), hb("s1", 20000, "play", nil, nil)),
				wmAt(MaxWatermark),
			},
			late: 2, deadLetters: 2, dlReason: "late event",
			want: [][]any{
				r("s1", 0, 10000, 10000), r("s1", 10000, 20000, 2000), r("s1", 20000, 30000, 10000),
				r("s1", 30000, 40000, 10000), r("s1", 40000, 50000, 10000),
			}},
		{name: "null-key-and-time", node: tlSpecNode(tumble10, 5000, sessStates, []AggFunc{countStar}, lateAggs, nil),
			inputs: []*arrow.Schema{hbSchema}, windowEnd: 2,
			steps: []hstep{rows(
				hb("s1", 1000, "play", nil, nil), r(nil, int64(2000), "play", nil, nil, nil),
				r("s1", nil, "buffer", nil, nil, nil), hb("s1", 3000, nil, nil, "C9"),
			), wmAt(MaxWatermark)},
			deadLetters: 1, dlReason: "NULL event time",
			// s1 plays [1s, 8s); the NULL key plays [2s, 7s).
			want: [][]any{r("s1", 0, 10000, 2, 7000), r(nil, 0, 10000, 1, 5000)},
		},
	})
}

// TestTimelineValueTypes carries every SQL type through tl_latest,
// tl_prior, tl_value_at_end and tl_duration_in_state (values are held as
// words between batches and rebuilt into columns).
func TestTimelineValueTypes(t *testing.T) {
	in := evSchema
	states := []TimelineState{
		{Kind: StateLatest, Arg: evCol(evID), Type: tBig},
		{Kind: StateLatest, Arg: evCol(evI), Type: tInt},
		{Kind: StateLatest, Arg: evCol(evV), Type: tDbl},
		{Kind: StateLatest, Arg: evCol(evD), Type: tDec},
		{Kind: StateLatest, Arg: evCol(evFlag), Type: tBool},
		{Kind: StateLatest, Arg: evCol(evS), Type: tStr},
		{Kind: StatePrior, Arg: evCol(evD), N: 1, Type: tDec},
		{Kind: StatePrior, Arg: evCol(evTs), N: 2, Type: tTs},
	}
	ref := func(i int) *expr.ColumnRef { return &expr.ColumnRef{Index: i, Type: states[i].Type} }
	var aggs []TimelineAgg
	for i, st := range states {
		aggs = append(aggs, TimelineAgg{Kind: TLValueAtEnd, Arg: ref(i), Type: st.Type, Name: fmt.Sprintf("v%d", i)})
	}
	aggs = append(aggs,
		TimelineAgg{Kind: TLDurationInState, Arg: ref(3), Type: tBig, Name: "dec_in_state"},
		TimelineAgg{Kind: TLDurationInState, Arg: ref(2), Type: tBig, Name: "dbl_in_state"},
		TimelineAgg{Kind: TLDurationWhere, Arg: ref(4), Type: tBig, Name: "flag_ms"},
		TimelineAgg{Kind: TLDurationWhere, Arg: call("gt", tBool, ref(1), lit(int64(5), tInt)), Type: tBig, Name: "i_gt_5_ms"},
	)
	spec := &TimelineSpec{
		Keys: []expr.Expr{evCol(evK)}, KeyNames: []string{"k"}, Time: evCol(evTs),
		Window: WindowSpec{Kind: TumbleWindow, Time: evCol(evTs), Size: 1000}, TTL: 1500,
		States: states, Aggs: aggs,
	}
	var out []arrow.Field
	for _, f := range aggs {
		out = append(out, field(f.Name, f.Type))
	}
	node := tlNode(spec, in, out...)
	// k, id, i, v, d, flag, s, ts. -0.0 and 0.0 are the same value for
	// tl_duration_in_state, and the decimal 1.50 -> 1.50 is no change.
	ev := func(ts int64, id any, i any, v any, d any, flag any, s any) []any {
		return r("a", id, i, v, d, flag, s, ts)
	}
	runHarness(t, []harnessCase{{name: "types", node: node, inputs: []*arrow.Schema{in}, windowEnd: 2,
		steps: []hstep{rows(
			ev(100, int64(-7), int32(3), 0.0, "1.50", true, "x"),
			ev(300, nil, int32(9), math.Copysign(0, -1), "1.50", false, nil),
			ev(600, int64(1<<40), nil, nil, "-2.25", nil, "y\x00z"),
			ev(800, nil, nil, 2.5, nil, true, ""),
		), wmAt(MaxWatermark)},
		want: [][]any{
			// [0, 1000): prior(d) at the end is -2.25's predecessor 1.50;
			// prior(ts, 2) is the event two back from 800: 300. d is -2.25
			// since 600, v is 2.5 since 800 (0 -> -0 is no change); flag
			// is true on [100, 300) and from 800; i > 5 from 300.
			r("a", 0, 1000, int64(1<<40), 9, 2.5, "-2.25", true, "", "1.50", 300,
				400, 200, 400, 700),
			// The same state until the timeline ends at 800 + 1500.
			r("a", 1000, 2000, int64(1<<40), 9, 2.5, "-2.25", true, "", "1.50", 300,
				1400, 1200, 1000, 1000),
			r("a", 2000, 3000, int64(1<<40), 9, 2.5, "-2.25", true, "", "1.50", 300,
				1700, 1500, 300, 300),
		}}})
}
