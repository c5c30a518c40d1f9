package planner

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// testSchemaOf stands in for the connectors' generator schemas.
func testSchemaOf(connector string, opts map[string]string) (*arrow.Schema, error) {
	f := func(name string, t arrow.DataType) arrow.Field {
		return arrow.Field{Name: name, Type: t, Nullable: true}
	}
	switch connector {
	case "nexmark":
		switch opts["table"] {
		case "bid":
			return arrow.NewSchema([]arrow.Field{f("auction", expr.TypeBigint), f("bidder", expr.TypeBigint),
				f("price", expr.TypeBigint), f("channel", expr.TypeVarchar), f("url", expr.TypeVarchar),
				f("date_time", expr.TypeTimestamp), f("extra", expr.TypeVarchar)}, nil), nil
		case "auction":
			return arrow.NewSchema([]arrow.Field{f("id", expr.TypeBigint), f("item_name", expr.TypeVarchar),
				f("description", expr.TypeVarchar), f("initial_bid", expr.TypeBigint), f("reserve", expr.TypeBigint),
				f("date_time", expr.TypeTimestamp), f("expires", expr.TypeTimestamp), f("seller", expr.TypeBigint),
				f("category", expr.TypeBigint), f("extra", expr.TypeVarchar)}, nil), nil
		case "person":
			return arrow.NewSchema([]arrow.Field{f("id", expr.TypeBigint), f("name", expr.TypeVarchar),
				f("email_address", expr.TypeVarchar), f("credit_card", expr.TypeVarchar), f("city", expr.TypeVarchar),
				f("state", expr.TypeVarchar), f("date_time", expr.TypeTimestamp), f("extra", expr.TypeVarchar)}, nil), nil
		}
	case "video_sessions":
		return arrow.NewSchema([]arrow.Field{f("session_id", expr.TypeVarchar), f("ts", expr.TypeTimestamp),
			f("player", expr.TypeVarchar), f("action", expr.TypeVarchar), f("cdn", expr.TypeVarchar),
			f("bitrate", expr.TypeDouble)}, nil), nil
	}
	return nil, fmt.Errorf("no schema for %s", connector)
}

func plan(t testing.TB, src string) (*Pipeline, error) {
	t.Helper()
	script, err := parser.Parse("pipeline.sql", []byte(src))
	if err != nil {
		return nil, err
	}
	return Build(script, catalog.New(testSchemaOf))
}

func TestSmokeSpecExample(t *testing.T) {
	p, err := plan(t, `
CREATE SOURCE heartbeats (
  session_id VARCHAR, ts TIMESTAMP, player VARCHAR, action VARCHAR, cdn VARCHAR, bitrate DOUBLE
) WITH (connector = 'kafka', topic = 'heartbeats', format = 'json',
        event_time = 'ts', watermark_delay = '5s', on_error = 'dead_letter');
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '1000000');
CREATE VIEW plays AS SELECT * FROM heartbeats WHERE player IS NOT NULL;
CREATE MATERIALIZED VIEW cdn_minute AS
  SELECT cdn, tumble_start(ts, '1m') AS minute, count(*) AS events, avg(bitrate) AS avg_bitrate
  FROM heartbeats GROUP BY cdn, tumble(ts, '1m');
CREATE SINK cdn_metrics FROM cdn_minute WITH (
  connector = 'prometheus', url = 'http://127.0.0.1:8428/api/v1/write',
  metric = 'spate_cdn_avg_bitrate', value = 'avg_bitrate', labels = 'cdn', time = 'minute');
CREATE SINK alerts FROM cdn_minute WITH (connector = 'kafka', topic = 'alerts', format = 'json');
`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Explain("text")
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out)
}

// TestBuildWithLoadedCatalog: the engine loads the catalog itself, then
// builds; Build must not load the script a second time.
func TestBuildWithLoadedCatalog(t *testing.T) {
	script, err := parser.Parse("p.sql", []byte(`CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '10');
CREATE MATERIALIZED VIEW v AS SELECT auction FROM bid;`))
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(testSchemaOf)
	if err := cat.Load(script); err != nil {
		t.Fatal(err)
	}
	p, err := Build(script, cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Views) != 1 || len(cat.Objects()) != 2 {
		t.Fatalf("%d views, %d objects", len(p.Views), len(cat.Objects()))
	}
}
