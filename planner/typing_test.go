package planner

import (
	"testing"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec"
)

// TestTyping checks type inference and coercion (DuckDB's rules, see
// types.go) on single expressions: each is planned as the only column x of
// a materialized view over heartbeats, and the bound expression (as
// EXPLAIN prints it) and its type are compared.
func TestTyping(t *testing.T) {
	cases := []struct {
		expr, want, typ string
	}{
		// literals
		{"1", "1", "INTEGER"},
		{"3000000000", "3000000000", "BIGINT"},
		{"1.50", "1.50", "DECIMAL(3,2)"},
		{"0.908", "0.908", "DECIMAL(3,3)"},
		{"1e3", "1000", "DOUBLE"},
		{"'a'", "'a'", "VARCHAR"},
		{"true", "true", "BOOLEAN"},
		{"NULL", "NULL::INTEGER", "INTEGER"},
		// arithmetic
		{"seq + 1", "(seq#4 + 1)", "INTEGER"},
		{"seq + 3000000000", "(CAST(seq#4 AS BIGINT) + 3000000000)", "BIGINT"},
		{"seq + bitrate", "(CAST(seq#4 AS DOUBLE) + bitrate#3)", "DOUBLE"},
		{"seq / 2", "(CAST(seq#4 AS DOUBLE) / 2)", "DOUBLE"},
		{"seq DIV 2", "(seq#4 // 2)", "INTEGER"},
		{"seq % 2", "(seq#4 % 2)", "INTEGER"},
		{"mod(seq, 2)", "(seq#4 % 2)", "INTEGER"},
		{"-seq", "-seq#4", "INTEGER"},
		{"-(1)", "-1", "INTEGER"},
		{"price + 1", "(price#5 + 1.00)", "DECIMAL(11,2)"},
		{"price + seq", "(CAST(price#5 AS DECIMAL(12,2)) + CAST(seq#4 AS DECIMAL(12,2)))", "DECIMAL(13,2)"},
		{"price * 2", "(price#5 * 2.00)", "DECIMAL(11,2)"},
		{"price * 1.5", "(price#5 * 1.50)", "DECIMAL(12,3)"},
		{"price * bitrate", "(CAST(price#5 AS DOUBLE) * bitrate#3)", "DOUBLE"},
		{"price / 2", "(CAST(price#5 AS DOUBLE) / 2)", "DOUBLE"},
		{"1 + 2 * 3", "7", "INTEGER"},
		{"bitrate * 2 + 1", "((bitrate#3 * 2) + 1)", "DOUBLE"},
		// time
		{"ts + INTERVAL 10 SECOND", "add_interval(ts#1, 10000)", "TIMESTAMP"},
		{"ts - INTERVAL '1' MINUTE", "sub_interval(ts#1, 60000)", "TIMESTAMP"},
		{"INTERVAL 1 HOUR + ts", "add_interval(ts#1, 3600000)", "TIMESTAMP"},
		{"ts > '2015-07-15 00:00:01'", "(ts#1 > TIMESTAMP '2015-07-15 00:00:01.000')", "BOOLEAN"},
		{"ts BETWEEN '2015-07-15' AND '2015-07-16T00:00:00Z'", "(ts#1 BETWEEN TIMESTAMP '2015-07-15 00:00:00.000' AND TIMESTAMP '2015-07-16 00:00:00.000')", "BOOLEAN"},
		{"hour(ts)", "hour(ts#1)", "BIGINT"},
		{"date_format(ts, '%H:%i')", "date_format(ts#1, '%H:%i')", "VARCHAR"},
		// comparison and logic
		{"seq = 1.5", "(CAST(seq#4 AS DECIMAL(11,1)) = 1.5)", "BOOLEAN"},
		{"seq = '7'", "(seq#4 = 7)", "BOOLEAN"},
		{"bitrate > 1", "(bitrate#3 > 1)", "BOOLEAN"},
		{"ok AND seq > 1", "(ok#6 AND (seq#4 > 1))", "BOOLEAN"},
		{"ok AND true", "ok#6", "BOOLEAN"},
		{"ok OR true", "true", "BOOLEAN"},
		{"NOT ok", "NOT ok#6", "BOOLEAN"},
		{"ok IS NOT TRUE", "is_not_true(ok#6)", "BOOLEAN"},
		{"player IS NULL", "player#2 IS NULL", "BOOLEAN"},
		{"seq IN (1, 2, 3000000000)", "CAST(seq#4 AS BIGINT) IN (1, 2, 3000000000)", "BOOLEAN"},
		{"player NOT IN ('a', 'b')", "NOT player#2 IN ('a', 'b')", "BOOLEAN"},
		{"seq BETWEEN 1 AND bitrate", "(CAST(seq#4 AS DOUBLE) BETWEEN 1 AND bitrate#3)", "BOOLEAN"},
		{"player LIKE 'p%'", "(player#2 LIKE 'p%')", "BOOLEAN"},
		{"player NOT LIKE 'p%'", "NOT (player#2 LIKE 'p%')", "BOOLEAN"},
		// CASE, COALESCE, CAST
		{"CASE WHEN ok THEN 1 ELSE 2.5 END", "case(ok#6, 1.0, 2.5)", "DECIMAL(2,1)"},
		{"CASE WHEN ok THEN seq END", "case(ok#6, seq#4, NULL::INTEGER)", "INTEGER"},
		{"CASE player WHEN 'a' THEN 1 WHEN 'b' THEN 2 ELSE 0 END", "case((player#2 = 'a'), 1, (player#2 = 'b'), 2, 0)", "INTEGER"},
		{"coalesce(seq, 0)", "coalesce(seq#4, 0)", "INTEGER"},
		{"coalesce(bitrate, seq)", "coalesce(bitrate#3, CAST(seq#4 AS DOUBLE))", "DOUBLE"},
		{"ifnull(player, 'none')", "coalesce(player#2, 'none')", "VARCHAR"},
		{"nullif(seq, 0)", "case((seq#4 = 0), NULL::INTEGER, seq#4)", "INTEGER"},
		{"CAST(seq AS VARCHAR)", "CAST(seq#4 AS VARCHAR)", "VARCHAR"},
		{"CAST('12' AS BIGINT)", "12", "BIGINT"},
		{"CAST(player AS TIMESTAMP)", "CAST(player#2 AS TIMESTAMP)", "TIMESTAMP"},
		{"CAST(bitrate AS DECIMAL(10,2))", "CAST(bitrate#3 AS DECIMAL(10,2))", "DECIMAL(10,2)"},
		// strings
		{"lower(player)", "lower(player#2)", "VARCHAR"},
		{"length(player)", "length(player#2)", "BIGINT"},
		{"substring(player, 2)", "substring(player#2, 2)", "VARCHAR"},
		{"substr(player, 2, 3)", "substring(player#2, 2, 3)", "VARCHAR"},
		{"concat(player, seq, NULL)", "concat(player#2, CAST(seq#4 AS VARCHAR), NULL::VARCHAR)", "VARCHAR"},
		{"player || '-' || session_id", "case((player#2 IS NULL OR session_id#0 IS NULL), NULL::VARCHAR, concat(player#2, '-', session_id#0))", "VARCHAR"},
		{"'a' || 'b'", "'ab'", "VARCHAR"},
		{"split_part(player, ',', 2)", "split_part(player#2, ',', 2)", "VARCHAR"},
		{"regexp_substr(player, '[a-z]+')", "regexp_substr(player#2, '[a-z]+')", "VARCHAR"},
		{"substring_index(player, '.', -1)", "substring_index(player#2, '.', -1)", "VARCHAR"},
		{"replace(player, 'a', 'b')", "replace(player#2, 'a', 'b')", "VARCHAR"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			p, err := plan(t, errPrelude+"CREATE MATERIALIZED VIEW v AS SELECT "+c.expr+" AS x FROM heartbeats;")
			if err != nil {
				t.Fatal(err)
			}
			if err := validateGraph(p, true); err != nil {
				t.Fatal(err)
			}
			root := p.Graph.Nodes[p.Graph.Nodes[p.Views[len(p.Views)-1].Node].Inputs[0]]
			spec, ok := root.Spec.(*exec.ProjectSpec)
			if !ok {
				t.Fatalf("root is %s", root.Kind)
			}
			got, typ := fmtExpr(spec.Exprs[0]), catalog.TypeString(spec.Exprs[0].DataType())
			if got != c.want || typ != c.typ {
				t.Errorf("\ngot:  %s  %s\nwant: %s  %s", got, typ, c.want, c.typ)
			}
		})
	}
}
