package exec

import (
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
