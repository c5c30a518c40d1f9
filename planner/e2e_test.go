package planner

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/parser"
)

// The end-to-end tests run planned pipelines on exec's runtime (exec.NewJob
// with exec.NewOperator) over rows replayed by an in-memory source, and
// compare the materialized views with hand-computed tables. They check the
// planner's half of the exec/plan.go contract: window_start positions,
// HAVING over the output, upsert keys and the deleted flag.

// rowsSource replays rows (one batch per rowsPerBatch) and then EOF.
type rowsSource struct {
	schema *arrow.Schema
	rows   [][]any
	per    int
	alloc  memory.Allocator
	next   int
}

func (s *rowsSource) Schema() *arrow.Schema { return s.schema }
func (s *rowsSource) Open(_ context.Context, a memory.Allocator, _ exec.DeadLetterWriter) error {
	s.alloc = a
	return nil
}
func (s *rowsSource) Partitions() []int32 { return []int32{0} }
func (s *rowsSource) Close() error        { return nil }
func (s *rowsSource) Read(context.Context) (exec.SourceBatch, error) {
	if s.next >= len(s.rows) {
		return exec.SourceBatch{}, io.EOF
	}
	end := min(s.next+s.per, len(s.rows))
	b := array.NewRecordBuilder(s.alloc, s.schema)
	defer b.Release()
	for _, row := range s.rows[s.next:end] {
		for i, v := range row {
			fb := b.Field(i)
			if v == nil {
				fb.AppendNull()
				continue
			}
			switch x := fb.(type) {
			case *array.StringBuilder:
				x.Append(v.(string))
			case *array.Int64Builder:
				x.Append(int64(v.(int)))
			case *array.Float64Builder:
				x.Append(v.(float64))
			case *array.TimestampBuilder:
				x.Append(arrow.Timestamp(v.(int) * 1000)) // seconds -> ms
			}
		}
	}
	s.next = end
	return exec.SourceBatch{Partition: 0, Records: b.NewRecordBatch(), NextOffset: int64(end)}, nil
}

// tableSink keeps a materialized view's rows: appended, or upserted by key.
type tableSink struct {
	spec *exec.SinkSpec
	rows map[string]string // key (or a sequence number) -> row
	seq  int
}

func (t *tableSink) Open(*exec.OpContext, exec.Emitter) error { return nil }
func (t *tableSink) Watermark(int64) error                    { return nil }
func (t *tableSink) Close() error                             { return nil }
func (t *tableSink) Push(_ int, b arrow.RecordBatch) error {
	n := int(b.NumCols())
	if t.spec.Upsert {
		n--
	}
	for r := 0; r < int(b.NumRows()); r++ {
		vals := make([]string, n)
		for c := 0; c < n; c++ {
			col := b.Column(c)
			if col.IsNull(r) {
				vals[c] = "NULL"
			} else if ts, ok := col.(*array.Timestamp); ok {
				vals[c] = fmt.Sprint(int64(ts.Value(r)) / 1000) // back to seconds
			} else {
				vals[c] = col.ValueStr(r)
			}
		}
		row := strings.Join(vals, " ")
		if !t.spec.Upsert {
			t.seq++
			t.rows[fmt.Sprint(t.seq)] = row
			continue
		}
		key := make([]string, len(t.spec.Keys))
		for i, k := range t.spec.Keys {
			key[i] = vals[k]
		}
		del := b.Column(n).(*array.Boolean)
		if !del.IsNull(r) && del.Value(r) {
			delete(t.rows, strings.Join(key, "|"))
		} else {
			t.rows[strings.Join(key, "|")] = row
		}
	}
	return nil
}

func (t *tableSink) sorted() []string {
	out := make([]string, 0, len(t.rows))
	for _, r := range t.rows {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// runPipeline plans src, feeds the kafka source its rows and returns the
// materialized views' final contents.
func runPipeline(t *testing.T, src string, rows [][]any, perBatch int) map[string][]string {
	t.Helper()
	script, err := parser.Parse("e2e.sql", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(script, catalog.New(nil))
	if err != nil {
		t.Fatal(err)
	}
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	sinks := map[string]*tableSink{}
	conns := exec.Connectors{
		Sources: map[string]exec.SourceFactory{"kafka": func(s *exec.SourceSpec) (exec.SourceReader, error) {
			return &rowsSource{schema: s.Schema, rows: rows, per: perBatch}, nil
		}},
		Sinks: map[string]exec.SinkFactory{"duckdb": func(s *exec.SinkSpec) (exec.Operator, error) {
			ts := &tableSink{spec: s, rows: map[string]string{}}
			sinks[s.Name] = ts
			return ts, nil
		}},
	}
	job, err := exec.NewJob(p.Graph, conns, exec.JobOptions{Alloc: alloc, NewOperator: exec.NewOperator,
		CommitInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := job.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for name, s := range sinks {
		out[name] = s.sorted()
	}
	return out
}

const e2eSource = `CREATE SOURCE hb (session_id VARCHAR, ts TIMESTAMP, cdn VARCHAR, bitrate DOUBLE, n BIGINT)
  WITH (connector = 'kafka', topic = 'hb', event_time = 'ts');
`

// Times are seconds; the source is sorted by time so nothing is late.
var e2eRows = [][]any{
	{"s1", 0, "c1", 1.0, 1},
	{"s2", 10, "c2", 2.0, 2},
	{"s1", 20, "c1", 3.0, 3},
	{"s1", 50, nil, 4.0, 4},
	{"s2", 65, "c1", 5.0, 5},
	{"s3", 70, "c2", nil, 6},
	{"s1", 130, "c1", 7.0, 7},
	{"s2", 135, "c1", 8.0, 8},
}

func TestEndToEnd(t *testing.T) {
	cases := []struct {
		name string
		sql  string
		want map[string][]string
	}{
		{"tumble with having and window bounds",
			`CREATE MATERIALIZED VIEW per_minute AS
			   SELECT cdn, tumble_start(ts, '1m') AS m, window_end() AS e, count(*) AS events, avg(bitrate) AS avg_bitrate, sum(n) AS total
			   FROM hb WHERE n <> 2 GROUP BY cdn, tumble(ts, '1m') HAVING count(bitrate) > 0;`,
			map[string][]string{"per_minute": {
				// minute 0: c1 {1,3} (c2's only row has n = 2), NULL {4}
				// minute 60: c1 {5}; c2 {NULL bitrate} fails HAVING
				// minute 120: c1 {7, 8}
				"NULL 0 60 1 4 4",
				"c1 0 60 2 2 4",
				"c1 120 180 2 7.5 15",
				"c1 60 120 1 5 5",
			}}},
		{"hop",
			`CREATE MATERIALIZED VIEW hopped AS
			   SELECT hop_start(ts, '1m', '2m') AS w, count(*) AS c FROM hb GROUP BY hop(ts, '1m', '2m');`,
			map[string][]string{"hopped": {
				// windows [-60,60) 4 rows, [0,120) 6, [60,180) 4, [120,240) 2
				"-60 4", "0 6", "120 2", "60 4",
			}}},
		{"session",
			`CREATE MATERIALIZED VIEW sessions AS
			   SELECT session_id, session_start(ts, '30s') AS s, session_end(ts, '30s') AS e, count(*) AS c
			   FROM hb GROUP BY session_id, session(ts, '30s');`,
			map[string][]string{"sessions": {
				// s1: {0,20} ends at 20+30 = 50, and the session is
				// half-open [0,50), so the row at 50 starts {50}; {130}
				// s2: {10}, {65}, {135}; s3: {70}
				"s1 0 50 2", "s1 130 160 1", "s1 50 80 1", "s2 10 40 1", "s2 135 165 1", "s2 65 95 1", "s3 70 100 1",
			}}},
		{"updating aggregate and a filtered view over it",
			`CREATE MATERIALIZED VIEW per_cdn AS SELECT cdn, count(*) AS c, max(n) AS top FROM hb GROUP BY cdn;
			 CREATE MATERIALIZED VIEW busy AS SELECT cdn, c FROM per_cdn WHERE c >= 2;
			 CREATE MATERIALIZED VIEW distinct_sessions AS SELECT DISTINCT session_id FROM hb WHERE bitrate > 1.5;`,
			map[string][]string{
				"per_cdn":           {"NULL 1 4", "c1 5 8", "c2 2 6"},
				"busy":              {"c1 5", "c2 2"},
				"distinct_sessions": {"s1", "s2"},
			}},
		{"union all and a plain view read twice",
			`CREATE VIEW good AS SELECT session_id, ts, n FROM hb WHERE bitrate IS NOT NULL;
			 CREATE MATERIALIZED VIEW u AS SELECT session_id, n FROM good WHERE n < 3 UNION ALL SELECT session_id, n * 10 FROM good WHERE n > 6;
			 CREATE MATERIALIZED VIEW per_session AS SELECT session_id, tumble_start(ts, '100s') AS w, count(*) AS c FROM good GROUP BY session_id, tumble(ts, '100s');`,
			map[string][]string{
				"u":           {"s1 1", "s1 70", "s2 2", "s2 80"},
				"per_session": {"s1 0 3", "s1 100 1", "s2 0 2", "s2 100 1"},
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, per := range []int{1, 3, 100} {
				got := runPipeline(t, e2eSource+c.sql, e2eRows, per)
				for view, want := range c.want {
					if strings.Join(got[view], "\n") != strings.Join(want, "\n") {
						t.Errorf("batches of %d: view %s\ngot:\n  %s\nwant:\n  %s", per, view,
							strings.Join(got[view], "\n  "), strings.Join(want, "\n  "))
					}
				}
			}
		})
	}
}
