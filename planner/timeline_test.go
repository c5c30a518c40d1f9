package planner

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// tlPrelude declares the source the timeline cases read; it is lines 1-2,
// so case statements start on line 3 and their SELECT at column 31.
const tlPrelude = `CREATE SOURCE hb (session_id VARCHAR, ts TIMESTAMP, player VARCHAR, action VARCHAR, cdn VARCHAR, bitrate DOUBLE, seq INT)
  WITH (connector = 'kafka', topic = 'hb', event_time = 'ts');
`

// tlView wraps a select list and tail into a view over hb.
func tlView(items, tail string) string {
	return "CREATE MATERIALIZED VIEW v AS SELECT " + items + " FROM hb " + tail + ";"
}

const tlGroup = "GROUP BY session_id, tumble(ts, '30s')"

var timelineErrorCases = []struct {
	name string
	sql  string
	want string
}{
	{"state in the select list", tlView("session_id, tl_latest(player) AS p", tlGroup),
		"pipeline.sql:3:50: tl_latest is a timeline state, allowed only inside a timeline aggregate such as tl_value_at_end(tl_latest(player))"},
	{"boolean state in the select list", tlView("session_id, tl_ever(player = 'play') AS p", tlGroup),
		"pipeline.sql:3:50: tl_ever is a timeline state, allowed only inside a timeline aggregate such as tl_duration_where(tl_ever((player = 'play')))"},
	{"state in HAVING", tlView("session_id, count(*) AS n", tlGroup+" HAVING tl_latest(cdn) = 'C1'"),
		"pipeline.sql:3:118: tl_latest is a timeline state, allowed only inside a timeline aggregate such as tl_value_at_end(tl_latest(cdn))"},
	{"state inside an ordinary aggregate", tlView("session_id, max(tl_latest(player)) AS p", tlGroup),
		"pipeline.sql:3:54: tl_latest is a timeline state, allowed only inside a timeline aggregate such as tl_value_at_end(tl_latest(player))"},
	{"state in WHERE", tlView("session_id, count(*) AS n", "WHERE tl_latest(player) = 'buffer' "+tlGroup),
		"pipeline.sql:3:78: timeline function tl_latest is not allowed in WHERE: timeline functions are computed per key and window, in the select list or HAVING of a query grouped by a key and a window (e.g. GROUP BY session_id, tumble(ts, '1m'))"},
	{"timeline aggregate in WHERE", tlView("session_id, count(*) AS n", "WHERE tl_count_entries(tl_latest(player) = 'buffer') > 1 "+tlGroup),
		"pipeline.sql:3:78: timeline function tl_count_entries is not allowed in WHERE: timeline functions are computed per key and window, in the select list or HAVING of a query grouped by a key and a window (e.g. GROUP BY session_id, tumble(ts, '1m'))"},
	{"timeline aggregate in GROUP BY", tlView("count(*) AS n", "GROUP BY tl_value_at_end(tl_latest(cdn)), tumble(ts, '30s')"),
		"pipeline.sql:3:69: timeline function tl_value_at_end is not allowed in GROUP BY: timeline functions are computed per key and window, in the select list or HAVING of a query grouped by a key and a window (e.g. GROUP BY session_id, tumble(ts, '1m'))"},
	{"timeline aggregate without a window", tlView("session_id, tl_duration_where(tl_latest(player) = 'buffer') AS b", "GROUP BY session_id"),
		"pipeline.sql:3:50: tl_duration_where needs a window in GROUP BY (e.g. GROUP BY session_id, tumble(ts, '1m')): timeline aggregates are computed per key and window"},
	{"timeline aggregate without GROUP BY", tlView("tl_count_entries(tl_latest(player) = 'buffer') AS n", ""),
		"pipeline.sql:3:38: tl_count_entries needs a window in GROUP BY (e.g. GROUP BY session_id, tumble(ts, '1m')): timeline aggregates are computed per key and window"},
	{"raw column", tlView("session_id, tl_duration_where(player = 'buffer') AS b", tlGroup),
		"pipeline.sql:3:68: tl_duration_where works on timeline states, and player is a column of the input row: use tl_latest(player) = 'buffer'"},
	{"raw column beside a state", tlView("session_id, tl_duration_where(tl_latest(player) = 'buffer' AND bitrate < 1000) AS b", tlGroup),
		"pipeline.sql:3:101: tl_duration_where works on timeline states, and bitrate is a column of the input row: use (tl_latest(player) = 'buffer') AND (tl_latest(bitrate) < 1000)"},
	{"raw column in a function", tlView("session_id, tl_value_at_end(lower(cdn)) AS c", tlGroup),
		"pipeline.sql:3:72: tl_value_at_end works on timeline states, and cdn is a column of the input row: use lower(tl_latest(cdn))"},
	{"raw group key", tlView("session_id, tl_value_at_end(session_id) AS s", tlGroup),
		"pipeline.sql:3:66: tl_value_at_end works on timeline states, and session_id is a column of the input row: use tl_latest(session_id)"},
	{"raw unknown column", tlView("session_id, tl_duration_where(playr = 'buffer') AS b", tlGroup),
		"pipeline.sql:3:68: unknown column 'playr' in hb (did you mean 'player'?)"},
	{"no state", tlView("session_id, tl_duration_where(1 = 1) AS b", tlGroup),
		"pipeline.sql:3:68: the argument of tl_duration_where reads no timeline state; use a state function such as tl_latest(col), tl_ever(pred), tl_within(pred, dur) or tl_prior(col)"},
	{"duration_where of a non-boolean", tlView("session_id, tl_duration_where(tl_latest(bitrate)) AS b", tlGroup),
		"pipeline.sql:3:68: tl_duration_where needs a BOOLEAN condition over timeline states, got DOUBLE"},
	{"count_entries of a non-boolean", tlView("session_id, tl_count_entries(tl_latest(player)) AS b", tlGroup),
		"pipeline.sql:3:67: tl_count_entries needs a BOOLEAN condition over timeline states, got VARCHAR"},
	{"tl_ever of a non-boolean", tlView("session_id, tl_duration_where(tl_ever(player)) AS b", tlGroup),
		"pipeline.sql:3:76: the predicate of tl_ever needs a BOOLEAN, got VARCHAR"},
	{"tl_within of a non-boolean", tlView("session_id, tl_duration_where(tl_within(seq, '5s')) AS b", tlGroup),
		"pipeline.sql:3:78: the predicate of tl_within needs a BOOLEAN, got INTEGER"},
	{"tl_within bad duration", tlView("session_id, tl_duration_where(tl_within(action = 'seek', '5 parsecs')) AS b", tlGroup),
		"pipeline.sql:3:95: invalid duration '5 parsecs': unknown unit 'parsecs' (one of ms, s, m, h, d or their names, e.g. '10 seconds')"},
	{"tl_within numeric duration", tlView("session_id, tl_duration_where(tl_within(action = 'seek', 5)) AS b", tlGroup),
		"pipeline.sql:3:95: the duration of tl_within is a string such as '5s' or an INTERVAL such as INTERVAL 5 SECOND, got 5"},
	{"tl_within zero duration", tlView("session_id, tl_duration_where(tl_within(action = 'seek', '0s')) AS b", tlGroup),
		"pipeline.sql:3:95: the duration of tl_within must be greater than 0"},
	{"tl_within column duration", tlView("session_id, tl_duration_where(tl_within(action = 'seek', action)) AS b", tlGroup),
		"pipeline.sql:3:95: the duration of tl_within must be a constant such as '5s' or INTERVAL 5 SECOND"},
	{"tl_within without duration", tlView("session_id, tl_duration_where(tl_within(action = 'seek')) AS b", tlGroup),
		"pipeline.sql:3:68: tl_within takes 2 arguments (pred, dur), got 1"},
	{"tl_prior n = 0", tlView("session_id, tl_value_at_end(tl_prior(player, 0)) AS p", tlGroup),
		"pipeline.sql:3:83: n in tl_prior(col, n) counts events back and must be between 1 and 1000, got 0"},
	{"tl_prior negative n", tlView("session_id, tl_value_at_end(tl_prior(player, -2)) AS p", tlGroup),
		"pipeline.sql:3:83: n in tl_prior(col, n) counts events back and must be between 1 and 1000, got -2"},
	{"tl_prior n not constant", tlView("session_id, tl_value_at_end(tl_prior(player, seq)) AS p", tlGroup),
		"pipeline.sql:3:83: n in tl_prior(col, n) must be an integer constant (events back), got seq"},
	{"tl_prior n too large", tlView("session_id, tl_value_at_end(tl_prior(player, 5000)) AS p", tlGroup),
		"pipeline.sql:3:83: n in tl_prior(col, n) counts events back and must be between 1 and 1000, got 5000"},
	{"tl_prior arity", tlView("session_id, tl_value_at_end(tl_prior(player, 1, 2)) AS p", tlGroup),
		"pipeline.sql:3:66: tl_prior takes 1 to 2 arguments (col [, n]), got 3"},
	{"duration_between non-boolean start", tlView("session_id, tl_duration_between(action, player = 'play') AS vst", tlGroup),
		"pipeline.sql:3:70: the start predicate of tl_duration_between needs a BOOLEAN, got VARCHAR"},
	{"duration_between non-boolean end", tlView("session_id, tl_duration_between(action = 'init', player) AS vst", tlGroup),
		"pipeline.sql:3:87: the end predicate of tl_duration_between needs a BOOLEAN, got VARCHAR"},
	{"duration_between over states", tlView("session_id, tl_duration_between(tl_latest(action) = 'init', player = 'play') AS vst", tlGroup),
		"pipeline.sql:3:70: tl_latest cannot be used inside tl_duration_between, whose arguments are expressions over the columns of the input row"},
	{"duration_between arity", tlView("session_id, tl_duration_between(action = 'init') AS vst", tlGroup),
		"pipeline.sql:3:50: tl_duration_between takes 2 arguments (start_pred, end_pred), got 1"},
	{"nested timeline aggregates", tlView("session_id, tl_duration_where(tl_count_entries(tl_latest(player) = 'buffer') > 1) AS b", tlGroup),
		"pipeline.sql:3:68: timeline aggregates cannot be nested: tl_count_entries inside tl_duration_where (at pipeline.sql:3:50)"},
	{"state inside a state", tlView("session_id, tl_value_at_end(tl_latest(tl_prior(player))) AS p", tlGroup),
		"pipeline.sql:3:76: tl_prior cannot be used inside tl_latest, whose arguments are expressions over the columns of the input row"},
	{"timeline aggregate inside an ordinary one", tlView("session_id, sum(tl_duration_where(tl_latest(player) = 'buffer')) AS b", tlGroup),
		"pipeline.sql:3:54: timeline aggregate tl_duration_where is not allowed in the argument of another aggregate (aggregates cannot be nested)"},
	{"ordinary aggregate inside a timeline one", tlView("session_id, tl_duration_where(count(*) > 1) AS b", tlGroup),
		"pipeline.sql:3:68: aggregate function count is not allowed in the argument of tl_duration_where (aggregates cannot be nested)"},
	{"unknown timeline function", tlView("session_id, tl_duration(tl_latest(player) = 'buffer') AS b", tlGroup),
		"pipeline.sql:3:50: unknown timeline function 'tl_duration' (did you mean 'tl_duration_where'?) (known: tl_latest, tl_ever, tl_within, tl_prior, tl_duration_where, tl_count_entries, tl_value_at_end, tl_duration_in_state, tl_duration_between)"},
	{"timeline aggregate arity", tlView("session_id, tl_value_at_end(tl_latest(player), tl_latest(cdn)) AS p", tlGroup),
		"pipeline.sql:3:50: tl_value_at_end takes 1 argument (an expression over timeline states), got 2"},
	{"bad ttl", "CREATE MATERIALIZED VIEW v WITH (timeline_ttl = '-5s') AS SELECT session_id, tl_value_at_end(tl_latest(player)) AS p FROM hb " + tlGroup + ";",
		"pipeline.sql:3:34: invalid duration '-5s' for option timeline_ttl: a duration cannot be negative"},
}

func TestTimelinePlanErrors(t *testing.T) {
	for _, c := range timelineErrorCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := plan(t, tlPrelude+c.sql)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			var pe *parser.Error
			if !errors.As(err, &pe) {
				t.Errorf("error %q is %T, not a positioned *parser.Error", err, err)
			}
			if got := err.Error(); got != c.want {
				t.Errorf("\ngot:  %s\nwant: %s", got, c.want)
			}
		})
	}
}

func TestTimelinePlanErrorsAreNotPanics(t *testing.T) {
	for _, c := range timelineErrorCases {
		for i := 0; i < len(c.sql); i += 5 {
			src := tlPrelude + c.sql[:i]
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic on %q: %v", c.sql[:i], r)
					}
				}()
				_, _ = plan(t, src)
			}()
		}
	}
}

// timelineNode plans src and returns the view's TimelineAggregate node and
// the Project above it.
func timelineNode(t *testing.T, src string) (*exec.Node, *exec.TimelineSpec, *exec.ProjectSpec) {
	t.Helper()
	p, err := plan(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := validateGraph(p, true); err != nil {
		t.Fatal(err)
	}
	g := p.Graph
	top := g.Nodes[g.Nodes[p.Views[len(p.Views)-1].Node].Inputs[0]]
	proj, ok := top.Spec.(*exec.ProjectSpec)
	if !ok {
		t.Fatalf("the view's root is %s, want Project", top.Kind)
	}
	n := g.Nodes[top.Inputs[0]]
	spec, ok := n.Spec.(*exec.TimelineSpec)
	if !ok || n.Kind != exec.KindTimelineAggregate {
		t.Fatalf("under the select list: %s, want TimelineAggregate", n.Kind)
	}
	return n, spec, proj
}

func fmtStates(s *exec.TimelineSpec) string {
	parts := make([]string, len(s.States))
	for i, st := range s.States {
		parts[i] = stateCall(st, fmtExpr) + " " + catalog.TypeString(st.Type)
	}
	return strings.Join(parts, "; ")
}

func fmtTimelineAggs(s *exec.TimelineSpec) string {
	parts := make([]string, len(s.Aggs))
	for i, a := range s.Aggs {
		parts[i] = describeTimelineAgg(a, fmtExpr)
	}
	return strings.Join(parts, "; ")
}

func fmtNames(n *exec.Node) string {
	parts := make([]string, n.Schema.NumFields())
	for i, f := range n.Schema.Fields() {
		parts[i] = f.Name
	}
	return strings.Join(parts, ", ")
}

// TestTimelineSpecReference checks the SPEC §5 reference query against the
// exec.TimelineSpec contract field by field.
func TestTimelineSpecReference(t *testing.T) {
	src := tlPrelude + `CREATE MATERIALIZED VIEW cir WITH (timeline_ttl = '15s') AS
SELECT session_id, tumble_start(ts, '30s') AS w,
  tl_duration_where(tl_latest(player) = 'buffer' AND tl_ever(player = 'play')
    AND NOT tl_within(action = 'seek', '5s') AND tl_latest(cdn) = 'C1') AS cir_ms,
  tl_duration_where(tl_latest(player) = 'buffer') AS buf_ms,
  tl_duration_where(tl_latest(player) IN ('play', 'buffer')) AS watch_ms,
  tl_count_entries(tl_latest(player) = 'buffer') AS rebuffers,
  tl_value_at_end(tl_latest(cdn)) AS cdn
FROM hb GROUP BY session_id, tumble(ts, '30s');`
	n, s, proj := timelineNode(t, src)
	if s.TTL != 15_000 || s.Window.Kind != exec.TumbleWindow || s.Window.Size != 30_000 {
		t.Errorf("ttl %d, window %+v", s.TTL, s.Window)
	}
	if fmtExpr(s.Time) != "ts#1" || fmtExpr(s.Window.Time) != "ts#1" || len(s.Keys) != 1 || fmtExpr(s.Keys[0]) != "session_id#0" {
		t.Errorf("time %s, window time %s, keys %v", fmtExpr(s.Time), fmtExpr(s.Window.Time), s.Keys)
	}
	// tl_latest(player) is read by four aggregates and is one state.
	wantStates := "tl_latest(player#2) VARCHAR; tl_ever((player = 'play')#3) BOOLEAN; tl_within((action = 'seek')#4, 5s) BOOLEAN; tl_latest(cdn#5) VARCHAR"
	if got := fmtStates(s); got != wantStates {
		t.Errorf("states\ngot:  %s\nwant: %s", got, wantStates)
	}
	wantAggs := "tl_duration_where(((((tl_latest(player)#0 = 'buffer') AND tl_ever((player = 'play'))#1) AND NOT tl_within((action = 'seek'), '5s')#2) AND (tl_latest(cdn)#3 = 'C1'))) BIGINT; " +
		"tl_duration_where((tl_latest(player)#0 = 'buffer')) BIGINT; tl_duration_where(tl_latest(player)#0 IN ('play', 'buffer')) BIGINT; " +
		"tl_count_entries((tl_latest(player)#0 = 'buffer')) BIGINT; tl_value_at_end(tl_latest(cdn)#3) VARCHAR"
	if got := fmtTimelineAggs(s); got != wantAggs {
		t.Errorf("aggs\ngot:  %s\nwant: %s", got, wantAggs)
	}
	if len(s.Plain) != 0 || s.Having != nil {
		t.Errorf("plain %v, having %v", s.Plain, s.Having)
	}
	if n.EventTime != 1 || n.Upsert {
		t.Errorf("event time %d, upsert %v", n.EventTime, n.Upsert)
	}
	parts := make([]string, len(proj.Exprs))
	for i, e := range proj.Exprs {
		parts[i] = fmtOutput(proj.Names[i], e)
	}
	want := "session_id#0, w := window_start#1, cir_ms := " + n.Schema.Field(3).Name + "#3, buf_ms := " + n.Schema.Field(4).Name + "#4, " +
		"watch_ms := " + n.Schema.Field(5).Name + "#5, rebuffers := " + n.Schema.Field(6).Name + "#6, cdn := " + n.Schema.Field(7).Name + "#7"
	if got := strings.Join(parts, ", "); got != want {
		t.Errorf("select list\ngot:  %s\nwant: %s", got, want)
	}
}

// TestTimelineLayout checks where plain and timeline aggregates land when
// they interleave in the select list and HAVING, and how states dedupe.
func TestTimelineLayout(t *testing.T) {
	src := tlPrelude + `CREATE MATERIALIZED VIEW v AS
SELECT session_id, window_end() AS we,
  tl_value_at_end(tl_latest(bitrate) * 2) AS br2,
  count(*) AS n,
  tl_value_at_end(tl_prior(player)) AS p1,
  tl_value_at_end(tl_prior(PLAYER, 1)) AS p1b,
  tl_value_at_end(tl_prior(player, 2)) AS p2,
  tl_duration_where(tl_within(action = 'seek', INTERVAL 5 SECOND)) + tl_duration_where(tl_within(action = 'seek', '5000ms')) AS seek2,
  max(bitrate) AS top,
  tl_duration_between(action = 'init', player = 'play') AS vst,
  tl_duration_in_state(tl_latest(player)) AS since
FROM hb GROUP BY session_id, hop(ts, '10s', '30s')
HAVING tl_count_entries(tl_latest(player) = 'buffer') > 0 AND min(seq) > 0;`
	n, s, proj := timelineNode(t, src)
	if s.TTL != defaultTimelineTTL || s.Window.Kind != exec.HopWindow || s.Window.Slide != 10_000 || s.Window.Size != 30_000 {
		t.Errorf("ttl %d, window %+v", s.TTL, s.Window)
	}
	wantStates := "tl_latest(bitrate#2) DOUBLE; tl_prior(player#4, 1) VARCHAR; tl_prior(player#4, 2) VARCHAR; tl_within((action = 'seek')#5, 5s) BOOLEAN; tl_latest(player#4) VARCHAR"
	if got := fmtStates(s); got != wantStates {
		t.Errorf("states\ngot:  %s\nwant: %s", got, wantStates)
	}
	wantAggs := "tl_value_at_end((tl_latest(bitrate)#0 * 2)) DOUBLE; tl_value_at_end(tl_prior(player)#1) VARCHAR; tl_value_at_end(tl_prior(player, 2)#2) VARCHAR; " +
		"tl_duration_where(tl_within((action = 'seek'), INTERVAL 5 SECOND)#3) BIGINT; tl_duration_between((action = 'init')#6, (player = 'play')#7) BIGINT; " +
		"tl_duration_in_state(tl_latest(player)#4) BIGINT; tl_count_entries((tl_latest(player)#4 = 'buffer')) BIGINT"
	if got := fmtTimelineAggs(s); got != wantAggs {
		t.Errorf("aggs\ngot:  %s\nwant: %s", got, wantAggs)
	}
	plain := make([]string, len(s.Plain))
	for i, a := range s.Plain {
		plain[i] = fmtAgg(a)
	}
	if got, want := strings.Join(plain, "; "), "count_star() := count(*) BIGINT; max(bitrate) := max(bitrate#2) DOUBLE; min(seq) := min(seq#3) INTEGER"; got != want {
		t.Errorf("plain\ngot:  %s\nwant: %s", got, want)
	}
	// keys 0, window 1-2, plain 3-5, timeline 6-12
	if got, want := fmtExpr(s.Having), "((tl_count_entries((tl_latest(player) = 'buffer'))#12 > 0) AND (min(seq)#5 > 0))"; got != want {
		t.Errorf("having\ngot:  %s\nwant: %s", got, want)
	}
	parts := make([]string, len(proj.Exprs))
	for i, e := range proj.Exprs {
		parts[i] = fmt.Sprintf("%s=%s", proj.Names[i], refsText(e))
	}
	want := "session_id=[0], we=[2], br2=[6], n=[3], p1=[7], p1b=[7], p2=[8], seek2=[9 9], top=[4], vst=[10], since=[11]"
	if got := strings.Join(parts, ", "); got != want {
		t.Errorf("select list refs\ngot:  %s\nwant: %s", got, want)
	}
	if n.Schema.NumFields() != 13 {
		t.Errorf("out: %s", fmtNames(n))
	}
}

func refsText(e expr.Expr) string {
	var idx []string
	walkRefs(e, func(i int) { idx = append(idx, fmt.Sprint(i)) })
	return "[" + strings.Join(idx, " ") + "]"
}

// TestTimelineSessionAndTTL: session windows; a timeline query in a plain
// view (which takes no WITH options) has the default timeline_ttl, also
// when a materialized view with its own timeline_ttl reads it.
func TestTimelineSessionAndTTL(t *testing.T) {
	src := tlPrelude + `CREATE VIEW per_session AS
SELECT session_id, session_start(ts, '1m') AS s, tl_duration_where(tl_ever(player = 'play')) AS played
FROM hb WHERE cdn IS NOT NULL GROUP BY session_id, session(ts, '1m');
CREATE MATERIALIZED VIEW v WITH (timeline_ttl = '90s') AS SELECT session_id, s, played FROM per_session WHERE played > 0;`
	p, err := plan(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := validateGraph(p, true); err != nil {
		t.Fatal(err)
	}
	var spec *exec.TimelineSpec
	for _, n := range p.Graph.Nodes {
		if s, ok := n.Spec.(*exec.TimelineSpec); ok {
			spec = s
		}
	}
	if spec == nil {
		t.Fatal("no TimelineAggregate node")
	}
	if spec.TTL != defaultTimelineTTL || spec.Window.Kind != exec.SessionWindow || spec.Window.Gap != 60_000 {
		t.Errorf("ttl %d, window %+v", spec.TTL, spec.Window)
	}
}

// TestTimelineEndToEnd runs the SPEC §5 reference fixture through exec's
// runtime (in memory, no Kafka) at several batch sizes and compares with
// SPEC's table; testdata/golden/timeline_* run the same through Kafka and
// DuckDB.
func TestTimelineEndToEnd(t *testing.T) {
	src := `CREATE SOURCE hb (session_id VARCHAR, ts TIMESTAMP, player VARCHAR, action VARCHAR, cdn VARCHAR)
  WITH (connector = 'kafka', topic = 'hb', event_time = 'ts', watermark_delay = '5s');
CREATE MATERIALIZED VIEW cir WITH (timeline_ttl = '15s') AS
SELECT session_id, tumble_start(ts, '30s') AS w,
  tl_duration_where(tl_latest(player) = 'buffer' AND tl_ever(player = 'play')
    AND NOT tl_within(action = 'seek', '5s') AND tl_latest(cdn) = 'C1') AS cir_ms,
  tl_duration_where(tl_latest(player) = 'buffer') AS buf_ms,
  tl_duration_where(tl_latest(player) IN ('play', 'buffer')) AS watch_ms,
  tl_count_entries(tl_latest(player) = 'buffer') AS rebuffers,
  tl_value_at_end(tl_latest(cdn)) AS cdn,
  count(*) AS events
FROM hb GROUP BY session_id, tumble(ts, '30s');`
	p, err := plan(t, src)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range p.Graph.Nodes {
		if n.Kind != exec.KindTimelineAggregate {
			continue
		}
		op, err := exec.NewOperator(n, []*arrow.Schema{p.Graph.Nodes[n.Inputs[0]].Schema})
		if err != nil && strings.Contains(err.Error(), "unknown node kind") {
			t.Skip("exec does not build TimelineAggregate operators yet")
		}
		if err != nil {
			t.Fatal(err)
		}
		_ = op.Close()
	}
	// Times in seconds; s2 is a second session whose only event comes
	// after s1's timeline ended: one window, all play.
	rows := [][]any{
		{"s1", 0, "play", nil, "C1"},
		{"s1", 10, nil, "seek", nil},
		{"s1", 11, "buffer", nil, nil},
		{"s1", 13, "play", nil, nil},
		{"s1", 20, "buffer", nil, nil},
		{"s1", 26, "play", nil, nil},
		{"s1", 30, nil, nil, "C2"},
		{"s1", 32, "buffer", nil, nil},
		{"s1", 35, "stopped", nil, nil},
		{"s2", 62, "play", nil, "C3"},
	}
	want := []string{
		// session w cir_ms buf_ms watch_ms rebuffers cdn events
		"s1 0 6000 8000 30000 2 C1 6",
		"s1 30 0 3000 5000 1 C2 3",
		// s2's timeline is [62, 77): play throughout, inside [60, 90).
		"s2 60 0 0 15000 0 C3 1",
	}
	for _, per := range []int{1, 3, 100} {
		got := runPipeline(t, src, rows, per)["cir"]
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("batches of %d:\ngot:\n  %s\nwant:\n  %s", per, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
}
