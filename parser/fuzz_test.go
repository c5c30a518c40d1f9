package parser

import (
	"errors"
	"strings"
	"testing"
)

// specExamples are the SQL examples of SPEC.md §3 and §5.
var specExamples = []string{
	`CREATE SOURCE heartbeats (
  session_id VARCHAR, ts TIMESTAMP, player VARCHAR, action VARCHAR, cdn VARCHAR, bitrate DOUBLE
) WITH (connector = 'kafka', topic = 'heartbeats', format = 'json',
        event_time = 'ts', watermark_delay = '5s', on_error = 'dead_letter');

CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '1000000');

CREATE VIEW plays AS SELECT * FROM heartbeats WHERE player IS NOT NULL;   -- inlined

CREATE MATERIALIZED VIEW cdn_minute AS
  SELECT cdn, tumble_start(ts, '1m') AS minute, count(*) AS events, avg(bitrate) AS avg_bitrate
  FROM heartbeats GROUP BY cdn, tumble(ts, '1m');

CREATE SINK cdn_metrics FROM cdn_minute WITH (
  connector = 'prometheus', url = 'http://127.0.0.1:8428/api/v1/write',
  metric = 'spate_cdn_avg_bitrate', value = 'avg_bitrate', labels = 'cdn', time = 'minute');
CREATE SINK alerts FROM cdn_minute WITH (connector = 'kafka', topic = 'alerts', format = 'json');
`,
	`CREATE MATERIALIZED VIEW cir WITH (timeline_ttl = '15s') AS
SELECT session_id, tumble_start(ts, '30s') AS w,
  tl_duration_where(tl_latest(player) = 'buffer' AND tl_ever(player = 'play')
    AND NOT tl_within(action = 'seek', '5s') AND tl_latest(cdn) = 'C1') AS cir_ms,
  tl_duration_where(tl_latest(player) = 'buffer') AS buf_ms,
  tl_duration_where(tl_latest(player) IN ('play', 'buffer')) AS watch_ms,
  tl_count_entries(tl_latest(player) = 'buffer') AS rebuffers,
  tl_value_at_end(tl_latest(cdn)) AS cdn
FROM heartbeats GROUP BY session_id, tumble(ts, '30s');`,
	`CREATE VIEW j AS SELECT a.k FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL 10 SECOND AND a.ts;`,
	`CREATE VIEW top AS SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM t) AS x WHERE rn <= 3;`,
}

func FuzzParse(f *testing.F) {
	for _, s := range specExamples {
		f.Add(s)
	}
	for _, c := range exprCases {
		f.Add("CREATE VIEW v AS SELECT " + c.in + " FROM t")
	}
	for _, c := range queryCases {
		f.Add("CREATE VIEW v AS " + c.in)
	}
	for _, c := range stmtCases {
		f.Add(c.in)
	}
	for _, c := range errorCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, src string) {
		s, err := Parse("f.sql", []byte(src))
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is a %T, want *parser.Error", err, err)
			}
			if strings.Contains(pe.Msg, "internal parser failure") {
				t.Fatalf("panic inside the parser: %v", err)
			}
			lines := strings.Count(src, "\n") + 1
			if pe.Pos.File != "f.sql" || pe.Pos.Line < 1 || pe.Pos.Line > lines || pe.Pos.Col < 1 || pe.Msg == "" {
				t.Fatalf("bad error position or message: %#v", pe)
			}
			return
		}
		if probs := checkPositions([]byte(src), s); len(probs) > 0 {
			t.Fatalf("wrong positions:\n  %s", strings.Join(probs, "\n  "))
		}
	})
}
