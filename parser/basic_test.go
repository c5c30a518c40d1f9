package parser

import "testing"

func TestSpecPipelineParses(t *testing.T) {
	src := `CREATE SOURCE heartbeats (session_id VARCHAR, ts TIMESTAMP) WITH (connector = 'kafka', topic = 'hb');
CREATE MATERIALIZED VIEW cdn_minute AS
  SELECT session_id, count(*) AS events FROM heartbeats GROUP BY session_id, tumble(ts, '1m');
CREATE SINK alerts FROM cdn_minute WITH (connector = 'kafka', topic = 'alerts');`
	s, err := Parse("p.sql", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Statements) != 3 {
		t.Fatalf("got %d statements, want 3", len(s.Statements))
	}
	cv := s.Statements[1].(*CreateView)
	want := "(select@3:3 session_id@3:10 (count@3:22 *) as events (from heartbeats@3:46) (group session_id@3:66 (tumble@3:78 ts@3:85 \"1m\"@3:89)))"
	if got := sexpr(cv.Query, true); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
