package catalog

import (
	"errors"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

func pos(line, col int) parser.Pos { return parser.Pos{File: "p.sql", Line: line, Col: col} }

func opt(col int, k, v string) parser.Option {
	return parser.Option{Pos: pos(1, col), Key: k, Value: v}
}

func bidSchema(connector string, opts map[string]string) (*arrow.Schema, error) {
	if connector == "nexmark" && opts["table"] == "bid" {
		return arrow.NewSchema([]arrow.Field{
			{Name: "auction", Type: expr.TypeBigint, Nullable: true},
			{Name: "date_time", Type: expr.TypeTimestamp, Nullable: true},
		}, nil), nil
	}
	return nil, fmt.Errorf("table %s is not generated here", opts["table"])
}

func cols(defs ...string) []parser.ColumnDef {
	var out []parser.ColumnDef
	for i := 0; i < len(defs); i += 2 {
		out = append(out, parser.ColumnDef{Pos: pos(2, 10*i+1), Name: defs[i], Type: parser.TypeName{Pos: pos(2, 10*i+5), Name: defs[i+1]}})
	}
	return out
}

func kafkaSource(name string, extra ...parser.Option) *parser.CreateSource {
	opts := append([]parser.Option{opt(10, "connector", "kafka"), opt(30, "topic", "t")}, extra...)
	return &parser.CreateSource{Pos: pos(1, 1), Name: name, Columns: cols("id", "BIGINT", "ts", "TIMESTAMP", "name", "VARCHAR"), Options: opts}
}

func TestSourceOK(t *testing.T) {
	c := New(bidSchema)
	src, err := c.AddSource(kafkaSource("hb", opt(50, "event_time", "TS"), opt(60, "watermark_delay", "5 seconds")))
	if err != nil {
		t.Fatal(err)
	}
	if src.EventTime != 1 || src.WatermarkDelay != 5000 || src.OnError != "dead_letter" || src.IdleTimeoutMs != 5000 {
		t.Errorf("source %+v", src)
	}
	want := map[string]string{"connector": "kafka", "topic": "t", "event_time": "ts", "watermark_delay": "5 seconds",
		"format": "json", "start_offset": "earliest", "on_error": "dead_letter"}
	if fmt.Sprint(src.Options) != fmt.Sprint(want) {
		t.Errorf("options %v, want %v", src.Options, want)
	}
	spec := src.Spec()
	if spec.Schema.NumFields() != 3 || spec.EventTime != 1 || spec.Connector != "kafka" {
		t.Errorf("spec %+v", spec)
	}

	gen, err := c.AddSource(&parser.CreateSource{Pos: pos(3, 1), Name: "bid",
		Options: []parser.Option{opt(10, "connector", "NEXMARK"), opt(20, "table", "Bid"), opt(30, "events", "100")}})
	if err != nil {
		t.Fatal(err)
	}
	if gen.EventTime != 1 || gen.Options["table"] != "bid" || gen.Options["watermark_delay"] != "0s" || !gen.Generator {
		t.Errorf("generator %+v", gen)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		stmt parser.Statement
		want string
	}{
		{"unknown option", kafkaSource("s", opt(50, "topik", "x")),
			"p.sql:1:50: unknown option 'topik' for connector kafka (did you mean 'topic'?) (known: brokers, connector, event_time, format, group_id, on_error, start_offset, topic, watermark_delay)"},
		{"unknown connector", &parser.CreateSource{Pos: pos(1, 1), Name: "s", Options: []parser.Option{opt(10, "connector", "kafak")}},
			"p.sql:1:10: unknown source connector 'kafak' (did you mean 'kafka'?) (known: kafka, nexmark, video_sessions)"},
		{"sink connector as source", &parser.CreateSource{Pos: pos(1, 1), Name: "s", Options: []parser.Option{opt(10, "connector", "stdout")}},
			"p.sql:1:10: unknown source connector 'stdout' (known: kafka, nexmark, video_sessions)"},
		{"no connector", &parser.CreateSource{Pos: pos(1, 1), Name: "s"},
			"p.sql:1:1: source 's' needs WITH (connector = '...') (known source connectors: kafka, nexmark, video_sessions)"},
		{"missing topic", &parser.CreateSource{Pos: pos(1, 1), Name: "s", Columns: cols("a", "INT"), Options: []parser.Option{opt(10, "connector", "kafka")}},
			"p.sql:1:1: connector kafka needs option 'topic'"},
		{"duplicate option", kafkaSource("s", opt(50, "topic", "u")),
			"p.sql:1:50: option 'topic' is given twice (first at p.sql:1:30)"},
		{"bad duration", kafkaSource("s", opt(50, "watermark_delay", "5 parsecs")),
			"p.sql:1:50: invalid duration '5 parsecs' for option watermark_delay: unknown unit 'parsecs' (one of ms, s, m, h, d or their names, e.g. '10 seconds')"},
		{"bad enum", kafkaSource("s", opt(50, "on_error", "ignore")),
			"p.sql:1:50: invalid value 'ignore' for option on_error (expected skip, dead_letter or fail)"},
		{"csv not yet", kafkaSource("s", opt(50, "format", "csv")),
			"p.sql:1:50: format = 'csv' is not supported yet"},
		{"event_time unknown", kafkaSource("s", opt(50, "event_time", "tss")),
			"p.sql:1:50: event_time names unknown column 'tss' in source 's' (did you mean 'ts'?)"},
		{"event_time not timestamp", kafkaSource("s", opt(50, "event_time", "id")),
			"p.sql:1:50: event_time column 'id' is BIGINT; it must be TIMESTAMP (JSON values may be RFC 3339 strings or epoch milliseconds)"},
		{"kafka without columns", &parser.CreateSource{Pos: pos(1, 1), Name: "s", Options: []parser.Option{opt(10, "connector", "kafka"), opt(30, "topic", "t")}},
			"p.sql:1:1: source 's' needs a column list: connector kafka does not define columns (write CREATE SOURCE s (col TYPE, ...) WITH (...))"},
		{"generator with columns", &parser.CreateSource{Pos: pos(1, 1), Name: "s", Columns: cols("a", "INT"),
			Options: []parser.Option{opt(10, "connector", "nexmark"), opt(20, "table", "bid"), opt(30, "events", "5")}},
			"p.sql:2:1: connector nexmark defines the columns of source 's'; remove the column list"},
		{"generator events not positive", &parser.CreateSource{Pos: pos(1, 1), Name: "s",
			Options: []parser.Option{opt(10, "connector", "nexmark"), opt(20, "table", "bid"), opt(30, "events", "-5")}},
			"p.sql:1:30: invalid value '-5' for option events (expected an integer greater than 0)"},
		{"generator missing events", &parser.CreateSource{Pos: pos(1, 1), Name: "s",
			Options: []parser.Option{opt(10, "connector", "nexmark"), opt(20, "table", "bid")}},
			"p.sql:1:1: connector nexmark needs option 'events'"},
		{"generator table", &parser.CreateSource{Pos: pos(1, 1), Name: "s",
			Options: []parser.Option{opt(10, "connector", "nexmark"), opt(20, "table", "bids"), opt(30, "events", "5")}},
			"p.sql:1:20: invalid value 'bids' for option table (expected person, auction or bid)"},
		{"generator schema error", &parser.CreateSource{Pos: pos(1, 1), Name: "s",
			Options: []parser.Option{opt(10, "connector", "nexmark"), opt(20, "table", "person"), opt(30, "events", "5")}},
			"p.sql:1:1: source 's': table person is not generated here"},
		{"duplicate column", &parser.CreateSource{Pos: pos(1, 1), Name: "s", Columns: cols("a", "INT", "A", "BIGINT"),
			Options: []parser.Option{opt(10, "connector", "kafka"), opt(30, "topic", "t")}},
			"p.sql:2:21: column 'a' is declared twice in source 's' (first at p.sql:2:1)"},
		{"bad decimal", &parser.CreateSource{Pos: pos(1, 1), Name: "s",
			Columns: []parser.ColumnDef{{Pos: pos(2, 1), Name: "d", Type: parser.TypeName{Pos: pos(2, 3), Name: "DECIMAL", Precision: 40, Scale: 2}}},
			Options: []parser.Option{opt(10, "connector", "kafka"), opt(30, "topic", "t")}},
			"p.sql:2:3: DECIMAL precision 40 is out of range (1 to 38)"},
		{"unknown view option", &parser.CreateView{Pos: pos(1, 1), Name: "v", Materialized: true, Options: []parser.Option{opt(40, "ttl", "5m")}},
			"p.sql:1:40: unknown option 'ttl' for a materialized view (did you mean 'timeline_ttl'?) (known: timeline_ttl)"},
		{"bad ttl", &parser.CreateView{Pos: pos(1, 1), Name: "v", Materialized: true, Options: []parser.Option{opt(40, "timeline_ttl", "0s")}},
			"p.sql:1:40: timeline_ttl must be greater than 0"},
		{"reserved name", &parser.CreateView{Pos: pos(1, 1), Name: "spate_dead_letters", Materialized: true},
			"p.sql:1:1: 'spate_dead_letters' is reserved for the dead-letter table; choose another name"},
		{"sink from unknown", &parser.CreateSink{Pos: pos(1, 1), Name: "k", From: "hbb", FromPos: pos(1, 20), Options: []parser.Option{opt(40, "connector", "stdout")}},
			"p.sql:1:20: unknown view 'hbb' in CREATE SINK k (did you mean 'hb'?)"},
		{"sink unknown option", &parser.CreateSink{Pos: pos(1, 1), Name: "k", From: "hb", FromPos: pos(1, 20),
			Options: []parser.Option{opt(40, "connector", "prometheus"), opt(60, "url", "http://x"), opt(70, "metric", "m"), opt(80, "value", "id"), opt(90, "job", "j")}},
			"p.sql:1:90: unknown option 'job' for connector prometheus (known: batch_size, connector, labels, max_retries, max_series, metric, protocol, time, url, value)"},
		{"prometheus without a value column", &parser.CreateSink{Pos: pos(1, 1), Name: "k", From: "hb", FromPos: pos(1, 20),
			Options: []parser.Option{opt(40, "connector", "prometheus"), opt(60, "url", "http://x"), opt(70, "metric", "m"), opt(80, "value", " , ")}},
			"p.sql:1:80: option value needs at least one column name"},
		{"prometheus bad protocol", &parser.CreateSink{Pos: pos(1, 1), Name: "k", From: "hb", FromPos: pos(1, 20),
			Options: []parser.Option{opt(40, "connector", "prometheus"), opt(60, "url", "http://x"), opt(70, "metric", "m"), opt(80, "value", "id"), opt(90, "protocol", "3")}},
			"p.sql:1:90: invalid value '3' for option protocol (expected 1.0 or 2.0)"},
		{"prometheus zero batch", &parser.CreateSink{Pos: pos(1, 1), Name: "k", From: "hb", FromPos: pos(1, 20),
			Options: []parser.Option{opt(40, "connector", "prometheus"), opt(60, "url", "http://x"), opt(70, "metric", "m"), opt(80, "value", "id"), opt(90, "batch_size", "0")}},
			"p.sql:1:90: invalid value '0' for option batch_size (expected an integer greater than 0)"},
		{"duplicate name", kafkaSource("HB"),
			"p.sql:1:1: source 'hb' is already defined: a source of that name was declared at p.sql:1:1 (names are case-insensitive)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cat := New(bidSchema)
			if _, err := cat.AddSource(kafkaSource("hb")); err != nil {
				t.Fatal(err)
			}
			err := cat.Load(&parser.Script{File: "p.sql", Statements: []parser.Statement{c.stmt}})
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			var pe *parser.Error
			if !errors.As(err, &pe) {
				t.Errorf("%T is not a *parser.Error", err)
			}
			if err.Error() != c.want {
				t.Errorf("\ngot:  %s\nwant: %s", err, c.want)
			}
		})
	}
}

func TestSinkColumns(t *testing.T) {
	cat := New(nil)
	if _, err := cat.AddSource(kafkaSource("hb", opt(50, "event_time", "ts"))); err != nil {
		t.Fatal(err)
	}
	s, err := cat.AddSink(&parser.CreateSink{Pos: pos(3, 1), Name: "m", From: "hb", FromPos: pos(3, 20),
		Options: []parser.Option{opt(40, "connector", "prometheus"), opt(60, "url", "u"), opt(70, "metric", "m"),
			opt(80, "value", "ID"), opt(90, "labels", "name, id"), opt(100, "time", "name")}})
	if err != nil {
		t.Fatal(err)
	}
	err = cat.CheckSinkColumns(s, cat.Sources()[0].Schema)
	want := "p.sql:1:100: prometheus time column 'name' is VARCHAR; it must be TIMESTAMP"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	s.Options["time"] = "ts"
	if err := cat.CheckSinkColumns(s, cat.Sources()[0].Schema); err != nil {
		t.Fatal(err)
	}
	if s.Options["value"] != "id" || s.Options["labels"] != "name,id" {
		t.Errorf("normalised options %v", s.Options)
	}
	for k, want := range map[string]string{"batch_size": "2000", "max_series": "10000", "max_retries": "10", "protocol": "1.0"} {
		if s.Options[k] != want {
			t.Errorf("default %s = %q, want %q", k, s.Options[k], want)
		}
	}
	// Several value columns: each is checked, the list is normalised.
	s.Options["value"] = " ID , id "
	if err := cat.CheckSinkColumns(s, cat.Sources()[0].Schema); err != nil || s.Options["value"] != "id,id" {
		t.Errorf("value list: %v, %q", err, s.Options["value"])
	}
	s.Options["value"] = "id, name"
	err = cat.CheckSinkColumns(s, cat.Sources()[0].Schema)
	if want := "p.sql:1:80: prometheus value column 'name' is VARCHAR; it must be numeric"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if got := len(cat.Objects()); got != 2 || cat.Lookup("M") != s || cat.Relation("m") != nil {
		t.Errorf("lookup: %d objects", got)
	}
}

func TestDurations(t *testing.T) {
	ok := map[string]int64{
		"500ms": 500, "10s": 10_000, "1m": 60_000, "1h": 3_600_000, "1d": 86_400_000,
		"10 seconds": 10_000, "1 minute": 60_000, "2 hours": 7_200_000, "1.5s": 1500, " 3 MIN ": 180_000,
		"0": 0, "0s": 0, "1 day": 86_400_000, "250 milliseconds": 250,
	}
	for in, want := range ok {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                      "empty duration (write e.g. '10s', '1m' or '500ms')",
		"10":                    "missing unit (one of ms, s, m, h, d or their names, e.g. '10 seconds')",
		"-5s":                   "a duration cannot be negative",
		"5 weeks":               "unknown unit 'weeks' (one of ms, s, m, h, d or their names, e.g. '10 seconds')",
		"s":                     "a duration starts with a number (write e.g. '10s', '1m' or '500ms')",
		"0.5ms":                 "durations are whole milliseconds",
		"1.2.3s":                "bad number 1.2.3",
		"99999999999999999999d": "number 99999999999999999999 is out of range",
	}
	for in, want := range bad {
		_, err := ParseDuration(in)
		if err == nil || err.Error() != want {
			t.Errorf("ParseDuration(%q) error %v, want %q", in, err, want)
		}
	}
	for ms, want := range map[int64]string{0: "0s", 500: "500ms", 1500: "1500ms", 60_000: "1m", 90_000: "90s", 86_400_000: "1d"} {
		if got := FormatDuration(ms); got != want {
			t.Errorf("FormatDuration(%d) = %s, want %s", ms, got, want)
		}
	}
}

func TestTypes(t *testing.T) {
	cases := []struct {
		in   parser.TypeName
		want string
	}{
		{parser.TypeName{Name: "BIGINT"}, "BIGINT"},
		{parser.TypeName{Name: "int"}, "INTEGER"},
		{parser.TypeName{Name: "INTEGER"}, "INTEGER"},
		{parser.TypeName{Name: "FLOAT"}, "DOUBLE"},
		{parser.TypeName{Name: "TEXT"}, "VARCHAR"},
		{parser.TypeName{Name: "BOOL"}, "BOOLEAN"},
		{parser.TypeName{Name: "TIMESTAMP"}, "TIMESTAMP"},
		{parser.TypeName{Name: "DECIMAL", Precision: 10, Scale: 2}, "DECIMAL(10,2)"},
		{parser.TypeName{Name: "DECIMAL"}, "DECIMAL(18,3)"},
	}
	for _, c := range cases {
		dt, err := ArrowType(c.in)
		if err != nil || TypeString(dt) != c.want {
			t.Errorf("%+v: %v %v, want %s", c.in, dt, err, c.want)
		}
	}
	if dt, _ := ArrowType(parser.TypeName{Name: "TIMESTAMP"}); !arrow.TypeEqual(dt, expr.TypeTimestamp) {
		t.Errorf("TIMESTAMP is %s", dt)
	}
	for _, tn := range []parser.TypeName{{Name: "SMALLINT"}, {Name: "DECIMAL", Precision: 5, Scale: 6}, {Name: "DECIMAL", Precision: 39}} {
		if _, err := ArrowType(tn); err == nil {
			t.Errorf("%+v: no error", tn)
		}
	}
}

func TestSuggest(t *testing.T) {
	for _, c := range []struct {
		name  string
		cands []string
		want  string
	}{
		{"bitrat", []string{"session_id", "bitrate"}, "bitrate"},
		{"topik", []string{"topic", "format"}, "topic"},
		{"x", []string{"h"}, ""},
		{"completely", []string{"different"}, ""},
	} {
		if got := Suggest(c.name, c.cands); got != c.want {
			t.Errorf("Suggest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}
