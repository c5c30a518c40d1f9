package planner

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/parser"
)

const topnPrelude = `CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '10');
CREATE MATERIALIZED VIEW counts AS SELECT auction, count(*) AS n FROM bid GROUP BY auction;
`

func TestTopNPlans(t *testing.T) {
	for _, c := range []struct {
		name     string
		sql      string
		n        int
		cols     []string // the view's columns
		keys     []string // the view's keys
		nodeKeys []string // the TopN node's key columns
	}{
		{"q18 dedup", `CREATE MATERIALIZED VIEW v AS SELECT auction, bidder, price, channel, url, date_time, extra
			FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC) AS rank_number FROM bid) t
			WHERE rank_number <= 1;`, 1,
			[]string{"auction", "bidder", "price", "channel", "url", "date_time", "extra"},
			[]string{"bidder", "auction"}, []string{"bidder", "auction"}},
		{"q19 top10 star", `CREATE MATERIALIZED VIEW v AS SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bid) t
			WHERE rank_number <= 10;`, 10,
			[]string{"auction", "bidder", "price", "channel", "url", "date_time", "extra", "rank_number"},
			[]string{"auction", "rank_number"}, []string{"auction", "rank_number"}},
		{"rn = 1 selected, mirrored bound, rest", `CREATE MATERIALIZED VIEW v AS SELECT rn, auction, price FROM (SELECT auction, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn, price FROM bid) t
			WHERE 1 = rn AND price > 5;`, 1,
			[]string{"rn", "auction", "price"}, []string{"auction", "rn"}, []string{"auction", "rn"}},
		{"rn < N, two bounds, no partition", `CREATE MATERIALIZED VIEW v AS SELECT * FROM (SELECT price, ROW_NUMBER() OVER (ORDER BY price DESC) AS r FROM bid) t
			WHERE r < 6 AND t.r <= 8;`, 5,
			[]string{"price", "r"}, []string{"r"}, []string{"r"}},
		{"through a plain view", `CREATE VIEW ranked AS SELECT auction, price, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rn FROM bid;
			CREATE MATERIALIZED VIEW v AS SELECT auction, price, r.rn FROM ranked AS r WHERE r.rn <= 2;`, 2,
			[]string{"auction", "price", "rn"}, []string{"auction", "rn"}, []string{"auction", "rn"}},
		{"a plain view read twice", `CREATE VIEW ranked AS SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder ORDER BY date_time DESC) AS rn FROM bid;
			CREATE MATERIALIZED VIEW w AS SELECT bidder, price FROM ranked WHERE rn = 1;
			CREATE MATERIALIZED VIEW v AS SELECT bidder, price, rn FROM ranked WHERE rn <= 3;`, 3,
			[]string{"bidder", "price", "rn"}, []string{"bidder", "rn"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := plan(t, topnPrelude+c.sql)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateGraph(p, true); err != nil {
				t.Fatalf("invalid graph: %v", err)
			}
			n := p.Graph.Nodes[p.Graph.Nodes[p.Views[len(p.Views)-1].Node].Inputs[0]]
			for n.Kind != exec.KindTopN {
				n = p.Graph.Nodes[n.Inputs[0]]
			}
			if got := n.Spec.(*exec.TopNSpec).N; got != c.n {
				t.Errorf("N = %d, want %d", got, c.n)
			}
			var nk []string
			for _, k := range n.Keys {
				nk = append(nk, n.Schema.Field(k).Name)
			}
			if c.nodeKeys != nil && !slices.Equal(nk, c.nodeKeys) {
				t.Errorf("TopN keys %v, want %v", nk, c.nodeKeys)
			}
			v := p.Views[len(p.Views)-1]
			var cols []string
			for _, f := range v.Schema.Fields() {
				cols = append(cols, f.Name)
			}
			if !slices.Equal(cols, c.cols) {
				t.Errorf("columns %v, want %v", cols, c.cols)
			}
			if !v.Upsert || !slices.Equal(v.Keys, c.keys) {
				t.Errorf("upsert %v keys %v, want keys %v", v.Upsert, v.Keys, c.keys)
			}
			if _, err := NewOperatorsCheck(p); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// NewOperatorsCheck builds every TopN node's operator, so a spec the
// planner makes is one exec accepts.
func NewOperatorsCheck(p *Pipeline) (int, error) {
	k := 0
	for _, n := range p.Graph.Nodes {
		if n.Kind != exec.KindTopN {
			continue
		}
		if _, err := exec.NewOperator(n, []*arrow.Schema{p.Graph.Nodes[n.Inputs[0]].Schema}); err != nil {
			return k, err
		}
		k++
	}
	return k, nil
}

func TestTopNErrors(t *testing.T) {
	for _, c := range []struct{ name, sql, want string }{
		{"no bound",
			"CREATE MATERIALIZED VIEW v AS SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid) t;",
			"pipeline.sql:3:56: ROW_NUMBER() OVER (...) is supported only as top-N per key: the enclosing query must keep the first rows with WHERE rn <= N (" + rowNumberUsage + ")"},
		{"lower bound only",
			"CREATE MATERIALIZED VIEW v AS SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid) t WHERE rn > 2;",
			"pipeline.sql:3:56: ROW_NUMBER() OVER (...) is supported only as top-N per key: the enclosing query must keep the first rows with WHERE rn <= N (" + rowNumberUsage + ")"},
		{"rank",
			"CREATE MATERIALIZED VIEW v AS SELECT * FROM (SELECT *, RANK() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid) t WHERE rn <= 1;",
			"pipeline.sql:3:56: rank(...) OVER (...) is not supported: the only window function is ROW_NUMBER(), for top-N per key (" + rowNumberUsage + ")"},
		{"sum over",
			"CREATE MATERIALIZED VIEW v AS SELECT auction, sum(price) OVER (PARTITION BY auction) AS s FROM bid;",
			"pipeline.sql:3:47: sum(...) OVER (...) is not supported: the only window function is ROW_NUMBER(), for top-N per key (" + rowNumberUsage + ")"},
		{"row_number at top level",
			"CREATE MATERIALIZED VIEW v AS SELECT auction, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid;",
			"pipeline.sql:3:47: ROW_NUMBER() OVER (...) is supported only as top-N per key, in a subquery whose enclosing query keeps the first rows: " + rowNumberUsage},
		{"no order by",
			"CREATE MATERIALIZED VIEW v AS SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction) AS rn FROM bid) t WHERE rn <= 1;",
			"pipeline.sql:3:56: ROW_NUMBER() OVER (...) needs ORDER BY: it says which rows of each partition come first"},
		{"rn not selected, N > 1",
			"CREATE MATERIALIZED VIEW v AS SELECT auction, price FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid) t WHERE rn <= 3;",
			"pipeline.sql:3:31: select the row number column 'rn': the rows of a top-3 are keyed by their partition and row number (only a top-1 can leave it out)"},
		{"partition not selected by the outer query",
			"CREATE MATERIALIZED VIEW v AS SELECT price, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid) t WHERE rn <= 3;",
			"pipeline.sql:3:31: the select list must include 'auction': it is a key of the updating view it reads, whose rows are replaced by key"},
		{"partition not in the inner select list",
			"CREATE MATERIALIZED VIEW v AS SELECT * FROM (SELECT price, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid) t WHERE rn <= 3;",
			"pipeline.sql:3:92: PARTITION BY auction must also be a column of the select list: the top-N's rows are keyed by it"},
		{"rn = 2",
			"CREATE MATERIALIZED VIEW v AS SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid) t WHERE rn = 2;",
			"pipeline.sql:3:136: rn = 2 keeps one rank: top-N supports rn <= N and rn = 1 (keep rn <= 2 and filter on rn in a query over this view)"},
		{"bound keeps nothing",
			"CREATE MATERIALIZED VIEW v AS SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid) t WHERE rn < 1;",
			"pipeline.sql:3:136: the bound on rn keeps no rows (it must allow at least rn = 1)"},
		{"updating input",
			"CREATE MATERIALIZED VIEW v AS SELECT * FROM (SELECT *, ROW_NUMBER() OVER (ORDER BY n DESC) AS rn FROM counts) t WHERE rn <= 3;",
			"pipeline.sql:3:56: ROW_NUMBER() OVER (...) over an updating view (an aggregate without a window) is not supported yet: its rows are replaced, not appended"},
		{"unknown order column",
			"CREATE MATERIALIZED VIEW v AS SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY prise) AS rn FROM bid) t WHERE rn <= 3;",
			"pipeline.sql:3:105: unknown column 'prise' in bid (did you mean 'price'?)"},
		{"plain ranking view without a bound",
			"CREATE VIEW ranked AS SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid;\nCREATE MATERIALIZED VIEW v AS SELECT * FROM ranked;",
			"pipeline.sql:3:33: ROW_NUMBER() OVER (...) is supported only as top-N per key: the enclosing query must keep the first rows with WHERE rn <= N (" + rowNumberUsage + ")"},
		{"sink from a plain ranking view",
			"CREATE VIEW ranked AS SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid;\nCREATE SINK s FROM ranked WITH (connector = 'stdout');",
			"pipeline.sql:4:20: view 'ranked' numbers rows with ROW_NUMBER(); a sink reads it through a materialized view that keeps the first rows (CREATE MATERIALIZED VIEW top AS SELECT * FROM ranked WHERE rn <= N)"},
		{"materialized ranking view",
			"CREATE MATERIALIZED VIEW ranked AS SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid;",
			"pipeline.sql:3:46: ROW_NUMBER() OVER (...) is supported only as top-N per key, in a subquery whose enclosing query keeps the first rows: " + rowNumberUsage},
		{"aggregate over top-N",
			"CREATE MATERIALIZED VIEW v AS SELECT auction, count(*) AS c FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid) t WHERE rn <= 3 GROUP BY auction;",
			"pipeline.sql:3:31: aggregating the rows of a top-N is not supported yet (they are updated in place)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := plan(t, topnPrelude+c.sql)
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

// validateTopN checks a TopN node against its input (validateGraph).
func validateTopN(g *exec.Graph, n *exec.Node, s *exec.TopNSpec) error {
	in := g.Nodes[n.Inputs[0]]
	if in.Upsert {
		return fmt.Errorf("top-N over an updating input")
	}
	nin := in.Schema.NumFields()
	if n.Schema.NumFields() != nin+2 || !n.Upsert || n.EventTime != -1 {
		return fmt.Errorf("output %s (upsert %v, event time %d) over %s", n.Schema, n.Upsert, n.EventTime, in.Schema)
	}
	for i := 0; i < nin; i++ {
		if !arrow.TypeEqual(n.Schema.Field(i).Type, in.Schema.Field(i).Type) {
			return fmt.Errorf("column %d: %s over %s", i, n.Schema.Field(i), in.Schema.Field(i))
		}
	}
	want := slices.Clone(s.Partition)
	if s.N > 1 || !slices.Equal(n.Keys, want) {
		want = append(want, nin)
	}
	if !slices.Equal(n.Keys, want) || s.N < 1 || len(s.Order) == 0 {
		return fmt.Errorf("keys %v, N %d, order %v", n.Keys, s.N, s.Order)
	}
	for _, o := range s.Order {
		if o.Col < 0 || o.Col >= nin {
			return fmt.Errorf("order column %d", o.Col)
		}
	}
	return nil
}
