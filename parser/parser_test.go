package parser

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func mustParse(t *testing.T, src string) *Script {
	t.Helper()
	s, err := Parse("t.sql", []byte(src))
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	if probs := checkPositions([]byte(src), s); len(probs) > 0 {
		t.Errorf("Parse(%q): wrong positions:\n  %s", src, strings.Join(probs, "\n  "))
	}
	return s
}

func TestExpressions(t *testing.T) {
	for _, c := range exprCases {
		t.Run(c.in, func(t *testing.T) {
			s := mustParse(t, "CREATE VIEW v AS SELECT "+c.in+" FROM t")
			sel := s.Statements[0].(*CreateView).Query.(*Select)
			if len(sel.Items) != 1 {
				t.Fatalf("got %d select items, want 1", len(sel.Items))
			}
			if got := sexpr(sel.Items[0].Expr, false); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestStatements(t *testing.T) {
	for _, c := range stmtCases {
		t.Run(c.name, func(t *testing.T) {
			s := mustParse(t, c.in)
			var out []string
			for _, st := range s.Statements {
				out = append(out, stmtString(st))
			}
			if got := strings.Join(out, "\n"); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
			if s.File != "t.sql" {
				t.Errorf("Script.File = %q", s.File)
			}
		})
	}
}

func TestQueries(t *testing.T) {
	for _, c := range queryCases {
		t.Run(c.in, func(t *testing.T) {
			s := mustParse(t, "CREATE VIEW v AS "+c.in)
			if got := sexpr(s.Statements[0].(*CreateView).Query, true); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("t.sql", []byte(c.in))
			if err == nil {
				t.Fatalf("no error; parsed %d statements", len(s.Statements))
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is a %T, want *parser.Error", err, err)
			}
			if got := err.Error(); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			if pe.Pos.File != "t.sql" || pe.Pos.Line < 1 || pe.Pos.Col < 1 {
				t.Errorf("bad position %+v", pe.Pos)
			}
			if strings.Contains(pe.Msg, "\n") {
				t.Errorf("message spans lines: %q", pe.Msg)
			}
		})
	}
}

// TestViewText checks the query text kept for EXPLAIN: from the first
// token after AS to the last token before ';', comments inside included.
func TestViewText(t *testing.T) {
	s := mustParse(t, "CREATE VIEW v AS\n  SELECT a -- c\n  FROM t  ;  -- after")
	if got, want := s.Statements[0].(*CreateView).Text, "SELECT a -- c\n  FROM t"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

// TestPositionsMultiLine checks positions across a realistic file, by
// line and column, including after comments and multi-byte characters.
func TestPositionsMultiLine(t *testing.T) {
	src := `-- pipeline
CREATE SOURCE hb (ts TIMESTAMP, player VARCHAR, cdn VARCHAR)
  WITH (connector = 'kafka', topic = 'hb');

/* the view ; with a semicolon in a comment */
CREATE MATERIALIZED VIEW m AS
SELECT cdn,   -- 'é' in a comment
       count(*) AS n,
       tl_duration_where(tl_latest(player) = 'buffer') AS buf
FROM hb
WHERE player <> 'stopped'
GROUP BY cdn, tumble(ts, '1m');
`
	s := mustParse(t, src)
	src0 := s.Statements[0].(*CreateSource)
	mv := s.Statements[1].(*CreateView)
	sel := mv.Query.(*Select)
	tl := sel.Items[2].Expr.(*FuncCall)
	where := sel.Where.(*BinaryExpr)
	checks := []struct {
		what string
		got  Pos
		want string
	}{
		{"source", src0.Pos, "2:1"},
		{"column ts", src0.Columns[0].Pos, "2:19"},
		{"type of player", src0.Columns[1].Type.Pos, "2:40"},
		{"option topic", src0.Options[1].Pos, "3:30"},
		{"view", mv.Pos, "6:1"},
		{"select", sel.Pos, "7:1"},
		{"cdn", sel.Items[0].Pos, "7:8"},
		{"count", sel.Items[1].Expr.Position(), "8:8"},
		{"tl_duration_where", tl.Pos, "9:8"},
		{"tl_latest", tl.Args[0].(*BinaryExpr).L.Position(), "9:26"},
		{"player", tl.Args[0].(*BinaryExpr).L.(*FuncCall).Args[0].Position(), "9:36"},
		{"'buffer'", tl.Args[0].(*BinaryExpr).R.Position(), "9:46"},
		{"from hb", sel.From.Position(), "10:6"},
		{"where player", where.L.Position(), "11:7"},
		{"'stopped'", where.R.Position(), "11:17"},
		{"group cdn", sel.GroupBy[0].Position(), "12:10"},
		{"tumble", sel.GroupBy[1].Position(), "12:15"},
		{"tumble ts", sel.GroupBy[1].(*FuncCall).Args[0].Position(), "12:22"},
	}
	for _, c := range checks {
		if got := fmt.Sprintf("%d:%d", c.got.Line, c.got.Col); got != c.want || c.got.File != "t.sql" {
			t.Errorf("%s at %s (%s), want %s", c.what, got, c.got.File, c.want)
		}
	}
}

// TestCaseInsensitive checks that keywords, names and function names are
// case-insensitive while string contents are kept as written.
func TestCaseInsensitive(t *testing.T) {
	a := mustParse(t, "create materialized view M as select Upper(T.Col) AS X from T where T.Col = 'MiXeD'")
	b := mustParse(t, "CREATE MATERIALIZED VIEW m AS SELECT upper(t.col) as x FROM t WHERE t.col = 'MiXeD'")
	qa := sexpr(a.Statements[0].(*CreateView).Query, false)
	qb := sexpr(b.Statements[0].(*CreateView).Query, false)
	if qa != qb {
		t.Errorf("case changes the tree:\n%s\n%s", qa, qb)
	}
	if !strings.Contains(qa, `"MiXeD"`) {
		t.Errorf("string literal case was changed: %s", qa)
	}
}

func TestErrorFormat(t *testing.T) {
	e := &Error{Pos: Pos{File: "f.sql", Line: 3, Col: 7}, Token: "x", Msg: "bad thing"}
	if got, want := e.Error(), "f.sql:3:7: bad thing (near 'x')"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	e.Token = ""
	if got, want := e.Error(), "f.sql:3:7: bad thing"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

// TestIntervalText keeps the interval as written for messages.
func TestIntervalText(t *testing.T) {
	s := mustParse(t, "CREATE VIEW v AS SELECT ts - INTERVAL '10'  SECOND FROM t")
	iv := s.Statements[0].(*CreateView).Query.(*Select).Items[0].Expr.(*BinaryExpr).R.(*IntervalLit)
	if iv.Text != "INTERVAL '10'  SECOND" || iv.Millis != 10000 {
		t.Errorf("got %+v", iv)
	}
}
