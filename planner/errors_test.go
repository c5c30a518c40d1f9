package planner

import (
	"errors"
	"strings"
	"testing"

	"github.com/spate-sql/spate/parser"
)

// errPrelude declares the relations the error cases query; it is lines
// 1-4, so case statements start on line 5.
const errPrelude = `CREATE SOURCE heartbeats (session_id VARCHAR, ts TIMESTAMP, player VARCHAR, bitrate DOUBLE, seq INT, price DECIMAL(10,2), ok BOOLEAN)
  WITH (connector = 'kafka', topic = 'hb', event_time = 'ts');
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '10');
CREATE MATERIALIZED VIEW counts AS SELECT player, count(*) AS n FROM heartbeats GROUP BY player;
`

var errorCases = []struct {
	name string
	sql  string
	want string // the exact error text
}{
	{"unknown column with suggestion",
		"CREATE MATERIALIZED VIEW v AS SELECT bitrat FROM heartbeats;",
		"pipeline.sql:5:38: unknown column 'bitrat' in heartbeats (did you mean 'bitrate'?)"},
	{"unknown qualified column",
		"CREATE MATERIALIZED VIEW v AS SELECT h.plyer FROM heartbeats AS h;",
		"pipeline.sql:5:38: unknown column 'h.plyer' in heartbeats (did you mean 'player'?)"},
	{"unknown table qualifier",
		"CREATE MATERIALIZED VIEW v AS SELECT x.player FROM heartbeats AS h;",
		"pipeline.sql:5:38: unknown table 'x' in x.player (the query reads h)"},
	{"unknown relation",
		"CREATE MATERIALIZED VIEW v AS SELECT * FROM heartbeat;",
		"pipeline.sql:5:45: unknown source or view 'heartbeat' (did you mean 'heartbeats'?)"},
	{"unknown function",
		"CREATE MATERIALIZED VIEW v AS SELECT lowr(player) FROM heartbeats;",
		"pipeline.sql:5:38: unknown function 'lowr' (did you mean 'lower'?)"},
	{"join without time bound over kafka",
		"CREATE MATERIALIZED VIEW v AS SELECT a.player, b.price FROM heartbeats a JOIN bid b ON a.seq = b.auction;",
		"pipeline.sql:5:61: this join would keep every row of its left side (heartbeats) forever: nothing in the condition bounds the time of bid relative to it, and heartbeats (kafka) is unbounded, so its state would grow without end; add a time bound, e.g. an interval join (AND b.ts BETWEEN a.ts - INTERVAL 10 SECOND AND a.ts) or equal window bounds of two windowed inputs (AND a.window_end = b.window_end); joins without one are allowed only between bounded generator sources"},
	{"comma join without time bound over kafka",
		"CREATE MATERIALIZED VIEW v AS SELECT a.player FROM heartbeats a, heartbeats b WHERE a.session_id = b.session_id AND a.ts > b.ts;",
		"pipeline.sql:5:52: this join would keep every row of its right side (heartbeats) forever: nothing in the condition bounds the time of heartbeats relative to it, and heartbeats (kafka) is unbounded, so its state would grow without end; add a time bound, e.g. an interval join (AND b.ts BETWEEN a.ts - INTERVAL 10 SECOND AND a.ts) or equal window bounds of two windowed inputs (AND a.window_end = b.window_end); joins without one are allowed only between bounded generator sources"},
	{"outer join",
		"CREATE MATERIALIZED VIEW v AS SELECT a.player FROM heartbeats a LEFT JOIN heartbeats b ON a.session_id = b.session_id AND b.ts BETWEEN a.ts AND a.ts + INTERVAL 1 MINUTE;",
		"pipeline.sql:5:52: LEFT OUTER JOIN is not supported: a streaming outer join must emit a row without a match once the other side can no longer match, which spate does not do yet; use an inner JOIN"},
	{"join of an updating view",
		"CREATE MATERIALIZED VIEW v AS SELECT c.n FROM heartbeats h JOIN counts c ON h.player = c.player;",
		"pipeline.sql:5:65: cannot join counts: it is an updating view (an aggregate without a window), whose rows are replaced as groups change, and a streaming join needs append-only inputs; join a windowed aggregate or the raw rows instead"},
	{"join without equality",
		"CREATE MATERIALIZED VIEW v AS SELECT a.player FROM bid b JOIN heartbeats a ON b.date_time BETWEEN a.ts AND a.ts + INTERVAL 1 MINUTE;",
		"pipeline.sql:5:52: a join needs at least one equality between columns of its two sides (ON a.k = b.k, or in WHERE for FROM a, b); a join without one would pair every row with every other row"},
	{"join using",
		"CREATE MATERIALIZED VIEW v AS SELECT a.player FROM heartbeats a JOIN heartbeats b USING (session_id);",
		"pipeline.sql:5:52: JOIN ... USING is not supported; write ON a.session_id = b.session_id"},
	{"join with repeated alias",
		"CREATE MATERIALIZED VIEW v AS SELECT a.player FROM heartbeats a JOIN bid a ON a.seq = a.auction;",
		"pipeline.sql:5:52: table name 'a' appears twice in FROM; give one of them another alias"},
	{"ambiguous column in a join",
		"CREATE MATERIALIZED VIEW v AS SELECT date_time FROM bid a JOIN bid b ON a.auction = b.auction;",
		"pipeline.sql:5:38: column reference 'date_time' is ambiguous: the join of bid and bid has 2 columns of that name"},
	{"order by",
		"CREATE MATERIALIZED VIEW v AS SELECT player FROM heartbeats ORDER BY player;",
		"pipeline.sql:5:70: ORDER BY is not supported in a streaming view: its rows are unordered and keep arriving (query the materialized view with ORDER BY instead; top-N per key comes later)"},
	{"limit",
		"CREATE MATERIALIZED VIEW v AS SELECT player FROM heartbeats LIMIT 10;",
		"pipeline.sql:5:67: LIMIT is not supported in a streaming view: its rows keep arriving (query the materialized view with LIMIT instead; top-N per key comes later)"},
	{"non-grouped column",
		"CREATE MATERIALIZED VIEW v AS SELECT player, bitrate, count(*) FROM heartbeats GROUP BY player, tumble(ts, '1m');",
		"pipeline.sql:5:46: column 'bitrate' must appear in the GROUP BY clause or be used in an aggregate function"},
	{"updating aggregate must show keys",
		"CREATE MATERIALIZED VIEW v AS SELECT count(*) AS n FROM heartbeats GROUP BY player;",
		"pipeline.sql:5:31: the select list must include the GROUP BY expression player: without a window the view is updated in place, one row per group, and the group keys identify the rows"},
	{"window bound mismatch",
		"CREATE MATERIALIZED VIEW v AS SELECT tumble_start(ts, '30s') AS w, count(*) FROM heartbeats GROUP BY tumble(ts, '1m');",
		"pipeline.sql:5:38: tumble_start(ts, '30s') does not match the GROUP BY window tumble(ts, '1m') (at pipeline.sql:5:102); bounds take the window's own arguments, or write window_start()"},
	{"window bound without window",
		"CREATE MATERIALIZED VIEW v AS SELECT window_end() AS w, count(*) AS n FROM heartbeats;",
		"pipeline.sql:5:38: window_end(...) needs a window in GROUP BY (e.g. GROUP BY tumble(ts, '1m'))"},
	{"window in select list",
		"CREATE MATERIALIZED VIEW v AS SELECT tumble(ts, '1m') AS w, count(*) AS n FROM heartbeats GROUP BY tumble(ts, '1m');",
		"pipeline.sql:5:38: tumble(...) defines a window and belongs in GROUP BY; use tumble_start(...) or tumble_end(...) for its bounds"},
	{"bad window duration",
		"CREATE MATERIALIZED VIEW v AS SELECT count(*) AS n FROM heartbeats GROUP BY tumble(ts, '1 fortnight');",
		"pipeline.sql:5:88: invalid duration '1 fortnight': unknown unit 'fortnight' (one of ms, s, m, h, d or their names, e.g. '10 seconds')"},
	{"window on a non-event-time column",
		"CREATE MATERIALIZED VIEW v AS SELECT count(*) AS n FROM heartbeats GROUP BY tumble(CAST(player AS TIMESTAMP), '1m');",
		"pipeline.sql:5:84: tumble(CAST(player AS TIMESTAMP), '1m') must window on the event time column 'ts' of its input: windows close when the watermark, which follows event time, passes their end"},
	{"window on a non-timestamp",
		"CREATE MATERIALIZED VIEW v AS SELECT count(*) AS n FROM heartbeats GROUP BY tumble(seq, '1m');",
		"pipeline.sql:5:84: the time argument of tumble must be a TIMESTAMP, got INTEGER"},
	{"hop argument order",
		"CREATE MATERIALIZED VIEW v AS SELECT count(*) AS n FROM heartbeats GROUP BY hop(ts, '10m', '1m');",
		"pipeline.sql:5:85: hop slide 10m is larger than its size 1m (the order is hop(ts, slide, size))"},
	{"two windows",
		"CREATE MATERIALIZED VIEW v AS SELECT count(*) AS n FROM heartbeats GROUP BY tumble(ts, '1m'), tumble(ts, '2m');",
		"pipeline.sql:5:95: only one window per GROUP BY (the first is tumble(ts, '1m') at pipeline.sql:5:77)"},
	{"aggregate in where",
		"CREATE MATERIALIZED VIEW v AS SELECT player FROM heartbeats WHERE count(*) > 1;",
		"pipeline.sql:5:67: aggregate functions are not allowed in WHERE (use HAVING)"},
	{"nested aggregate",
		"CREATE MATERIALIZED VIEW v AS SELECT player, sum(count(*)) AS s FROM heartbeats GROUP BY player;",
		"pipeline.sql:5:50: aggregate function count is not allowed in the argument of another aggregate (aggregates cannot be nested)"},
	{"approx not yet",
		"CREATE MATERIALIZED VIEW v AS SELECT player, approx_percentile(bitrate, 0.5) AS u FROM heartbeats GROUP BY player;",
		"pipeline.sql:5:46: aggregate function approx_percentile is not supported yet"},
	{"approx_count_distinct over updating view",
		"CREATE MATERIALIZED VIEW v AS SELECT count(*) AS c, approx_count_distinct(n) AS u FROM counts;",
		"pipeline.sql:5:53: approx_count_distinct over an updating view (an aggregate without a window) is not supported yet: its rows are replaced and deleted, and only count, sum and avg can take a row back"},
	{"sum of varchar",
		"CREATE MATERIALIZED VIEW v AS SELECT player, sum(session_id) AS s FROM heartbeats GROUP BY player;",
		"pipeline.sql:5:50: sum needs a numeric argument, got VARCHAR"},
	{"compare varchar column with number",
		"CREATE MATERIALIZED VIEW v AS SELECT player FROM heartbeats WHERE player = seq;",
		"pipeline.sql:5:67: comparison =: cannot combine VARCHAR and INTEGER (a VARCHAR column is not converted implicitly; add an explicit CAST)"},
	{"bad timestamp literal",
		"CREATE MATERIALIZED VIEW v AS SELECT player FROM heartbeats WHERE ts > 'yesterday';",
		"pipeline.sql:5:72: 'yesterday' is not a timestamp (write 'YYYY-MM-DD hh:mm:ss[.fff]' or RFC 3339)"},
	{"timestamp plus number",
		"CREATE MATERIALIZED VIEW v AS SELECT ts + 1 AS t FROM heartbeats;",
		"pipeline.sql:5:38: cannot apply + to TIMESTAMP and INTEGER (add or subtract an INTERVAL, e.g. ts + INTERVAL 10 SECOND) (near '+')"},
	{"where not boolean",
		"CREATE MATERIALIZED VIEW v AS SELECT player FROM heartbeats WHERE seq;",
		"pipeline.sql:5:67: WHERE needs a BOOLEAN, got INTEGER"},
	{"like pattern not literal",
		"CREATE MATERIALIZED VIEW v AS SELECT player FROM heartbeats WHERE player LIKE session_id;",
		"pipeline.sql:5:79: the LIKE pattern must be a string literal"},
	{"duplicate output column",
		"CREATE MATERIALIZED VIEW v AS SELECT player, session_id AS player FROM heartbeats;",
		"pipeline.sql:5:46: duplicate column name 'player' in view v; give one of them an alias (AS ...)"},
	{"union column count",
		"CREATE MATERIALIZED VIEW v AS SELECT player FROM heartbeats UNION ALL SELECT player, seq FROM heartbeats;",
		"pipeline.sql:5:71: each side of UNION ALL must have the same number of columns: 2 here, 1 in the first"},
	{"round digits not a literal",
		"CREATE MATERIALIZED VIEW v AS SELECT round(bitrate, seq) AS r FROM heartbeats;",
		"pipeline.sql:5:53: argument 2 of round must be an integer literal"},
	{"regexp_extract group not a literal",
		"CREATE MATERIALIZED VIEW v AS SELECT regexp_extract(player, 'a(b)', seq) AS r FROM heartbeats;",
		"pipeline.sql:5:69: argument 3 of regexp_extract must be an integer literal"},
	{"floor of a string",
		"CREATE MATERIALIZED VIEW v AS SELECT floor(player) AS r FROM heartbeats;",
		"pipeline.sql:5:44: argument 1 of floor must be a number, got VARCHAR"},
	{"max over updating view",
		"CREATE MATERIALIZED VIEW v AS SELECT count(*) AS c, max(n) AS m FROM counts;",
		"pipeline.sql:5:53: max over an updating view (an aggregate without a window) is not supported yet: its rows are replaced and deleted, and only count, sum and avg can take a row back"},
	{"count distinct over updating view",
		"CREATE MATERIALIZED VIEW v AS SELECT count(DISTINCT n) AS c FROM counts;",
		"pipeline.sql:5:38: count(DISTINCT ...) over an updating view (an aggregate without a window) is not supported yet: its rows are replaced and deleted, and only count, sum and avg can take a row back"},
	{"window over updating view",
		"CREATE VIEW l AS SELECT player, max(ts) AS t FROM heartbeats GROUP BY player; CREATE MATERIALIZED VIEW v AS SELECT count(*) AS c FROM l GROUP BY tumble(t, '1m');",
		"pipeline.sql:5:146: tumble(t, '1m') over an updating view (an aggregate without a window) is not supported: its rows change after their window would have closed; window the view's input instead"},
	{"projection drops key of updating view",
		"CREATE MATERIALIZED VIEW v AS SELECT n FROM counts;",
		"pipeline.sql:5:31: the select list must include 'player': it is a key of the updating view it reads, whose rows are replaced by key"},
	{"view declared later",
		"CREATE VIEW a AS SELECT * FROM b; CREATE VIEW b AS SELECT * FROM heartbeats;",
		"pipeline.sql:5:32: view 'b' is declared after this view (at pipeline.sql:5:35); declare it first"},
	{"distinct with group by",
		"CREATE MATERIALIZED VIEW v AS SELECT DISTINCT player FROM heartbeats GROUP BY player;",
		"pipeline.sql:5:31: SELECT DISTINCT with GROUP BY is not supported yet"},
	{"star in aggregate",
		"CREATE MATERIALIZED VIEW v AS SELECT * FROM heartbeats GROUP BY player;",
		"pipeline.sql:5:38: * is not allowed in an aggregate query; name the group keys and aggregates"},
	{"no from",
		"CREATE MATERIALIZED VIEW v AS SELECT 1 AS one;",
		"pipeline.sql:5:31: a streaming view needs a FROM clause"},
	{"over",
		"CREATE MATERIALIZED VIEW v AS SELECT row_number() OVER (PARTITION BY player ORDER BY ts) AS rn FROM heartbeats;",
		"pipeline.sql:5:38: ROW_NUMBER() OVER (...) is supported only as top-N per key, in a subquery whose enclosing query keeps the first rows: " + rowNumberUsage},
	{"cast failure",
		"CREATE MATERIALIZED VIEW v AS SELECT CAST('abc' AS BIGINT) AS x FROM heartbeats;",
		"pipeline.sql:5:38: cannot convert 'abc' to BIGINT"},
	{"unsupported type",
		"CREATE MATERIALIZED VIEW v AS SELECT CAST(seq AS SMALLINT) AS x FROM heartbeats;",
		"pipeline.sql:5:50: unknown type SMALLINT; expected BIGINT, INT, INTEGER, DOUBLE, FLOAT, DECIMAL(p,s), VARCHAR, TEXT, BOOLEAN, BOOL or TIMESTAMP (near 'SMALLINT')"},
	{"function arity",
		"CREATE MATERIALIZED VIEW v AS SELECT lower(player, 1) AS x FROM heartbeats;",
		"pipeline.sql:5:38: lower takes 1 argument, got 2"},
	{"function argument type",
		"CREATE MATERIALIZED VIEW v AS SELECT upper(seq) AS x FROM heartbeats;",
		"pipeline.sql:5:44: argument 1 of upper must be VARCHAR, got INTEGER"},
	{"sink from unknown view",
		"CREATE SINK s FROM count WITH (connector = 'stdout');",
		"pipeline.sql:5:20: unknown view 'count' in CREATE SINK s (did you mean 'counts'?)"},
	{"sink column option",
		"CREATE SINK s FROM counts WITH (connector = 'kafka', topic = 't', key = 'playr');",
		"pipeline.sql:5:67: option key names unknown column 'playr' of 'counts' (did you mean 'player'?) (columns: player, n)"},
	{"prometheus value must be numeric",
		"CREATE SINK s FROM counts WITH (connector = 'prometheus', url = 'http://x', metric = 'm', value = 'player');",
		"pipeline.sql:5:91: prometheus value column 'player' is VARCHAR; it must be numeric"},
	{"subquery",
		"CREATE MATERIALIZED VIEW v AS SELECT player FROM heartbeats WHERE seq IN (SELECT seq FROM heartbeats);",
		"pipeline.sql:5:67: IN (subquery) is not supported"},
}

func TestPlanErrors(t *testing.T) {
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := plan(t, errPrelude+c.sql)
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

// TestPlanErrorsAreNotPanics runs every error case with each prefix of its
// statement: truncated input must give an error, never a panic.
func TestPlanErrorsAreNotPanics(t *testing.T) {
	for _, c := range errorCases {
		for i := 0; i < len(c.sql); i += 7 {
			src := errPrelude + c.sql[:i]
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic on %q: %v", strings.TrimPrefix(src, errPrelude), r)
					}
				}()
				_, _ = plan(t, src)
			}()
		}
	}
}
