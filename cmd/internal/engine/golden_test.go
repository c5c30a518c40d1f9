//go:build duckdb_arrow

package engine

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/spate-sql/spate/connectors/kafka"
	"github.com/spate-sql/spate/connectors/nexmark"
	"github.com/spate-sql/spate/connectors/videosessions"
	"github.com/spate-sql/spate/parser"
)

var (
	goldenFilter = flag.String("golden", "", "run only golden pipelines whose name contains this")
	goldenModes  = flag.String("golden-modes", "straight,checkpointed,restored",
		"the ways each golden pipeline is run (comma-separated): straight, checkpointed, restored")
)

// errStopHere stops a run right after a checkpoint, as a crash would.
var errStopHere = errors.New("stopped by the test after a checkpoint")

// goldenRun is what one run of a pipeline left in DuckDB, rendered.
type goldenRun struct {
	mode  string
	views map[string][]string
	dead  []string
}

// goldenParallelism lists the parallelisms every pipeline runs with: each
// must match the oracle (and so each other) with the same dead letters.
var goldenParallelism = flag.String("golden-parallelism", "1,2", "comma-separated exec parallelisms to run every golden pipeline with")

// TestGolden runs every pipeline under testdata/golden through the whole
// engine (embedded Kafka, operators, DuckDB) and compares each
// materialized view with DuckDB's batch evaluation of the oracle query
// written beside it, over the same events.
//
// A case is a directory with:
//
//	pipeline.sql  the pipeline; header lines "-- topic: NAME partitions=N"
//	              create Kafka topics
//	NAME.jsonl    events for topic NAME, produced in file order. A line
//	              "#TAGS<TAB>PAYLOAD" carries tags: p=N (partition, default
//	              0), key=K, bad (must become a dead letter), late (must be
//	              dropped as late), skip (must be dropped without a dead
//	              letter: on_error = 'skip'). Tagged lines are left out of
//	              the oracle's tables.
//	oracle.sql    "-- view: NAME" then a DuckDB query, per materialized view.
//	              Source tables are named as the pipeline's sources and
//	              hold the good events with the declared column types.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "golden", "*", "pipeline.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no golden pipelines found")
	}
	for _, p := range dirs {
		dir := filepath.Dir(p)
		name := filepath.Base(dir)
		if *goldenFilter != "" && !strings.Contains(name, *goldenFilter) {
			continue
		}
		for _, ps := range strings.Split(*goldenParallelism, ",") {
			p, err := strconv.Atoi(strings.TrimSpace(ps))
			if err != nil || p < 1 {
				t.Fatalf("-golden-parallelism: bad value %q", ps)
			}
			sub := name
			if p > 1 {
				sub = fmt.Sprintf("%s/P=%d", name, p)
			}
			t.Run(sub, func(t *testing.T) { runGolden(t, dir, p) })
		}
	}
}

type goldenEvent struct {
	partition int32
	key       string
	payload   string
	bad, late bool
	skip      bool // dropped silently (on_error = 'skip'): no dead letter, not in the oracle
}

type goldenTopic struct {
	name       string
	partitions int
	events     []goldenEvent
}

var topicHeader = regexp.MustCompile(`(?m)^--\s*topic:\s*(\w+)(?:\s+partitions=(\d+))?`)

func runGolden(t *testing.T, dir string, parallelism int) {
	src, err := os.ReadFile(filepath.Join(dir, "pipeline.sql"))
	if err != nil {
		t.Fatal(err)
	}
	var topics []*goldenTopic
	for _, m := range topicHeader.FindAllStringSubmatch(string(src), -1) {
		tp := &goldenTopic{name: m[1], partitions: 1}
		if m[2] != "" {
			tp.partitions, _ = strconv.Atoi(m[2])
		}
		tp.events = readEvents(t, filepath.Join(dir, tp.name+".jsonl"))
		topics = append(topics, tp)
	}

	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	broker, err := kafka.StartEmbedded(filepath.Join(tmp, "kafka"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	seeds := []string{broker.Addr()}
	for _, tp := range topics {
		if err := kafka.CreateTopic(ctx, seeds, tp.name, int32(tp.partitions)); err != nil {
			t.Fatal(err)
		}
		recs := make([]kafka.Record, len(tp.events))
		for i, e := range tp.events {
			recs[i] = kafka.Record{Partition: e.partition, Key: []byte(e.key), Value: []byte(e.payload)}
		}
		if err := kafka.ProduceRecords(ctx, seeds, tp.name, recs); err != nil {
			t.Fatal(err)
		}
	}

	oracle := loadOracle(t, string(src), topics, tmp)
	defer oracle.Close()
	views := readOracleQueries(t, filepath.Join(dir, "oracle.sql"))
	if len(views) == 0 {
		t.Fatal("oracle.sql names no view")
	}
	sources := map[string]bool{}
	script, err := parser.Parse("pipeline.sql", src)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range script.Statements {
		if cs, ok := st.(*parser.CreateSource); ok {
			sources[strings.ToLower(cs.Name)] = true
		}
	}
	var bad, late int
	badRaw := map[string]bool{} // partition/payload of every bad record
	for _, tp := range topics {
		for _, e := range tp.events {
			if e.bad {
				bad++
				badRaw[fmt.Sprintf("%d/%s", e.partition, e.payload)] = true
			}
			if e.late {
				late++
			}
		}
	}

	// Every mode runs on the same broker and topics, into a database of
	// its own: straight through; with a checkpoint every two batches of
	// at most four records; stopped right after a checkpoint (as a crash
	// would: nothing after it is committed) and run again from it. Each
	// must match the oracle, and all must leave exactly the same rows and
	// dead letters.
	pipeline := filepath.Join(dir, "pipeline.sql")
	base := RunOptions{Brokers: broker.Addr(), ExitAtEnd: true, Parallelism: parallelism}
	checkpointed := testHooks{commitEveryBatches: 2, maxPollRecords: 4}
	checkpoints := 0 // taken by the checkpointed run
	var runs []goldenRun
	for _, mode := range strings.Split(*goldenModes, ",") {
		o := base
		o.DB = filepath.Join(tmp, mode+".duckdb")
		o.StateDir = filepath.Join(tmp, mode+"-state")
		switch mode {
		case "straight":
			if err := Run(ctx, pipeline, o); err != nil {
				t.Fatalf("%s run: %v", mode, err)
			}
		case "checkpointed":
			o.test = checkpointed
			o.test.afterCheckpoint = func(int64) error { checkpoints++; return nil }
			if err := Run(ctx, pipeline, o); err != nil {
				t.Fatalf("%s run: %v", mode, err)
			}
		case "restored":
			o.test = checkpointed
			// Stop half way through the checkpoints the checkpointed run
			// took (at the first one when it was not run).
			stopAt, seen := max(1, checkpoints/2), 0
			o.test.afterCheckpoint = func(int64) error {
				if seen++; seen == stopAt {
					return errStopHere
				}
				return nil
			}
			err := Run(ctx, pipeline, o)
			if seen < stopAt {
				t.Fatalf("%s run: finished after %d checkpoints, before the stop at %d (%v)", mode, seen, stopAt, err)
			}
			if !errors.Is(err, errStopHere) {
				t.Fatalf("%s run: %v, want it stopped after checkpoint %d", mode, err, stopAt)
			}
			t.Logf("%d checkpoints in the checkpointed run; the restored run stopped after checkpoint %d", checkpoints, stopAt)
			o.test.afterCheckpoint = nil
			if err := Run(ctx, pipeline, o); err != nil {
				t.Fatalf("%s run, resumed from checkpoint %d: %v", mode, stopAt, err)
			}
		default:
			t.Fatalf("unknown -golden-modes entry %q", mode)
		}
		runs = append(runs, checkGoldenRun(t, mode, o.DB, oracle, views, bad, late, sources, badRaw))
	}
	for _, r := range runs[1:] {
		for _, v := range views {
			if a, b := strings.Join(runs[0].views[v.name], "\n"), strings.Join(r.views[v.name], "\n"); a != b {
				t.Errorf("view %s: the %s run differs from the %s run:\n%s\n---\n%s", v.name, r.mode, runs[0].mode, a, b)
			}
		}
		if a, b := strings.Join(runs[0].dead, "\n"), strings.Join(r.dead, "\n"); a != b {
			t.Errorf("dead letters: the %s run differs from the %s run:\n%s\n---\n%s", r.mode, runs[0].mode, a, b)
		}
	}
}

// checkGoldenRun compares the views a run left in db with the oracle and
// counts its dead letters; it returns what it read.
func checkGoldenRun(t *testing.T, mode, db string, oracle *sql.DB, views []oracleQuery, bad, late int, sources, badRaw map[string]bool) goldenRun {
	t.Helper()
	got, err := sql.Open("duckdb", db+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	run := goldenRun{mode: mode, views: map[string][]string{}}
	for _, v := range views {
		want := queryRows(t, oracle, v.query)
		have := queryRows(t, got, "SELECT * FROM "+v.name)
		compareRows(t, mode+" run: "+v.name, have, want)
		run.views[v.name] = have
	}
	var gotBad, gotLate int
	row := got.QueryRow(`SELECT count(*) FILTER (WHERE reason NOT LIKE 'late%'), count(*) FILTER (WHERE reason LIKE 'late%') FROM spate_dead_letters`)
	if err := row.Scan(&gotBad, &gotLate); err != nil {
		t.Fatalf("reading spate_dead_letters: %v", err)
	}
	if gotBad != bad || gotLate != late {
		rows := queryRows(t, got, "SELECT source, reason FROM spate_dead_letters")
		t.Fatalf("%s run: dead letters: %d bad and %d late, want %d and %d:\n%s", mode, gotBad, gotLate, bad, late, strings.Join(rows, "\n"))
	}
	run.dead = queryRows(t, got, `SELECT source, "partition", "offset", raw, reason FROM spate_dead_letters`)
	// Every dead letter names the source its record came from (not the
	// view that dropped it, which the reason names) and the job.
	for _, r := range queryRows(t, got, `SELECT source, reason, coalesce(job, 'NULL') FROM spate_dead_letters`) {
		parts := strings.Split(r, " | ")
		for _, src := range strings.Split(parts[0], ",") {
			if !sources[strings.ToLower(src)] {
				t.Errorf("%s run: dead letter with source %q, which is no source of the pipeline: %s", mode, src, r)
			}
		}
		if strings.HasPrefix(parts[1], "late") && !strings.Contains(parts[1], "dropped by ") {
			t.Errorf("%s run: a late event's reason does not name the view that dropped it: %s", mode, r)
		}
		if parts[len(parts)-1] == "NULL" {
			t.Errorf("%s run: dead letter without its job: %s", mode, r)
		}
	}
	// A record the source could not decode keeps its partition, offset
	// and exact bytes.
	rows, err := got.Query(`SELECT "partition", "offset", raw FROM spate_dead_letters WHERE reason NOT LIKE 'late%' AND "offset" IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p, off int64
		var raw []byte
		if err := rows.Scan(&p, &off, &raw); err != nil {
			t.Fatal(err)
		}
		if !badRaw[fmt.Sprintf("%d/%s", p, raw)] {
			t.Errorf("%s run: dead letter at partition %d offset %d holds bytes that are no bad record of that partition: %.200q", mode, p, off, raw)
		}
	}
	return run
}

func readEvents(t *testing.T, path string) []goldenEvent {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []goldenEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		e := goldenEvent{payload: line}
		if strings.HasPrefix(line, "#") {
			tags, payload, ok := strings.Cut(line[1:], "\t")
			if !ok {
				t.Fatalf("%s: tagged line without a tab: %q", path, line)
			}
			e.payload = payload
			for _, tag := range strings.Fields(tags) {
				switch {
				case tag == "bad":
					e.bad = true
				case tag == "late":
					e.late = true
				case tag == "skip":
					e.skip = true
				case strings.HasPrefix(tag, "p="):
					p, err := strconv.Atoi(tag[2:])
					if err != nil {
						t.Fatalf("%s: bad tag %q", path, tag)
					}
					e.partition = int32(p)
				case strings.HasPrefix(tag, "key="):
					e.key = tag[4:]
				default:
					t.Fatalf("%s: unknown tag %q", path, tag)
				}
			}
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// loadOracle builds an in-memory DuckDB with one table per source holding
// the good events. Kafka sources load from the fixture's JSONL; generator
// sources from the generator's own JSONL rendering.
func loadOracle(t *testing.T, src string, topics []*goldenTopic, tmp string) *sql.DB {
	script, err := parser.Parse("pipeline.sql", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	mustExec(t, db, "SET TimeZone = 'UTC'")
	for _, st := range script.Statements {
		cs, ok := st.(*parser.CreateSource)
		if !ok {
			continue
		}
		opts := map[string]string{}
		for _, o := range cs.Options {
			opts[o.Key] = o.Value
		}
		file := filepath.Join(tmp, "oracle_"+cs.Name+".jsonl")
		var cols []string
		var sel []string
		switch opts["connector"] {
		case "kafka":
			var tp *goldenTopic
			for _, x := range topics {
				if x.name == opts["topic"] {
					tp = x
				}
			}
			if tp == nil {
				t.Fatalf("source %s reads topic %q: add a '-- topic: %s' header and %s.jsonl", cs.Name, opts["topic"], opts["topic"], opts["topic"])
			}
			var b strings.Builder
			for _, e := range tp.events {
				if !e.bad && !e.late && !e.skip {
					b.WriteString(e.payload)
					b.WriteByte('\n')
				}
			}
			if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, c := range cs.Columns {
				typ := duckType(c.Type)
				if typ == "TIMESTAMP" {
					// JSON timestamps are RFC 3339 strings or epoch ms.
					cols = append(cols, fmt.Sprintf("%q: 'VARCHAR'", c.Name))
					sel = append(sel, fmt.Sprintf(`CASE WHEN regexp_full_match("%[1]s", '-?[0-9]+') THEN epoch_ms("%[1]s"::BIGINT) ELSE "%[1]s"::TIMESTAMPTZ AT TIME ZONE 'UTC' END AS "%[1]s"`, c.Name))
				} else {
					cols = append(cols, fmt.Sprintf("%q: '%s'", c.Name, typ))
					sel = append(sel, fmt.Sprintf("%q", c.Name))
				}
			}
		case "nexmark":
			f, err := os.Create(file)
			if err != nil {
				t.Fatal(err)
			}
			_, cfg, err := nexmark.ParseOptions(opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := nexmark.WriteJSONL(f, opts["table"], cfg); err != nil {
				t.Fatal(err)
			}
			f.Close()
			schema, err := nexmark.Schema(opts["table"])
			if err != nil {
				t.Fatal(err)
			}
			for _, fld := range schema.Fields() {
				typ := map[string]string{"int64": "BIGINT", "utf8": "VARCHAR", "timestamp[ms]": "TIMESTAMP"}[fld.Type.String()]
				if typ == "" {
					t.Fatalf("nexmark column %s has type %s", fld.Name, fld.Type)
				}
				if typ == "TIMESTAMP" {
					cols = append(cols, fmt.Sprintf("%q: 'VARCHAR'", fld.Name))
					sel = append(sel, fmt.Sprintf(`"%[1]s"::TIMESTAMPTZ AT TIME ZONE 'UTC' AS "%[1]s"`, fld.Name))
				} else {
					cols = append(cols, fmt.Sprintf("%q: '%s'", fld.Name, typ))
					sel = append(sel, fmt.Sprintf("%q", fld.Name))
				}
			}
		case "video_sessions":
			f, err := os.Create(file)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := videosessions.ParseOptions(opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := videosessions.WriteJSONL(f, cfg); err != nil {
				t.Fatal(err)
			}
			f.Close()
			for _, fld := range videosessions.Schema().Fields() {
				typ := map[string]string{"int64": "BIGINT", "utf8": "VARCHAR", "timestamp[ms]": "TIMESTAMP"}[fld.Type.String()]
				if typ == "" {
					t.Fatalf("video_sessions column %s has type %s", fld.Name, fld.Type)
				}
				if typ == "TIMESTAMP" {
					cols = append(cols, fmt.Sprintf("%q: 'VARCHAR'", fld.Name))
					sel = append(sel, fmt.Sprintf(`"%[1]s"::TIMESTAMPTZ AT TIME ZONE 'UTC' AS "%[1]s"`, fld.Name))
				} else {
					cols = append(cols, fmt.Sprintf("%q: '%s'", fld.Name, typ))
					sel = append(sel, fmt.Sprintf("%q", fld.Name))
				}
			}
		default:
			t.Fatalf("golden runner cannot load connector %q", opts["connector"])
		}
		q := fmt.Sprintf("CREATE TABLE %s AS SELECT %s FROM read_json('%s', format = 'newline_delimited', columns = {%s})",
			cs.Name, strings.Join(sel, ", "), file, strings.Join(cols, ", "))
		mustExec(t, db, q)
	}
	return db
}

func duckType(tn parser.TypeName) string {
	switch tn.Name {
	case "INT", "INTEGER":
		return "INTEGER"
	case "BIGINT":
		return "BIGINT"
	case "DOUBLE", "FLOAT":
		return "DOUBLE"
	case "DECIMAL", "NUMERIC":
		return fmt.Sprintf("DECIMAL(%d,%d)", tn.Precision, tn.Scale)
	case "VARCHAR", "TEXT", "STRING":
		return "VARCHAR"
	case "BOOLEAN", "BOOL":
		return "BOOLEAN"
	case "TIMESTAMP":
		return "TIMESTAMP"
	}
	return tn.Name
}

type oracleQuery struct{ name, query string }

func readOracleQueries(t *testing.T, path string) []oracleQuery {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []oracleQuery
	for _, part := range strings.Split(string(b), "-- view:")[1:] {
		name, q, _ := strings.Cut(part, "\n")
		q = strings.TrimSpace(q)
		q = strings.TrimSuffix(q, ";")
		out = append(out, oracleQuery{strings.TrimSpace(name), q})
	}
	return out
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
}

// queryRows renders every row as one normalized line: floats to 9
// significant digits (the engine and DuckDB may sum in another order),
// times in UTC.
func queryRows(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = normalize(v)
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func normalize(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		return strconv.FormatFloat(x, 'g', 9, 64)
	case float32:
		return normalize(float64(x))
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.000")
	case []byte:
		return string(x)
	default:
		s := fmt.Sprint(x)
		// DECIMAL and HUGEINT values arrive as strings or big numbers;
		// integral floats and ints compare equal above.
		if f, err := strconv.ParseFloat(s, 64); err == nil && strings.ContainsAny(s, ".eE") {
			return normalize(f)
		}
		return s
	}
}

func compareRows(t *testing.T, view string, have, want []string) {
	t.Helper()
	if len(want) == 0 {
		t.Errorf("view %s: the oracle returns no rows; a golden case must test something", view)
	}
	if strings.Join(have, "\n") == strings.Join(want, "\n") {
		return
	}
	var missing, extra []string
	hm := map[string]int{}
	for _, r := range have {
		hm[r]++
	}
	for _, r := range want {
		if hm[r] > 0 {
			hm[r]--
		} else {
			missing = append(missing, r)
		}
	}
	for r, n := range hm {
		for ; n > 0; n-- {
			extra = append(extra, r)
		}
	}
	sort.Strings(extra)
	t.Errorf("view %s: %d rows, oracle %d\nmissing (in oracle, not in spate):\n  %s\nextra (in spate, not in oracle):\n  %s",
		view, len(have), len(want), strings.Join(head(missing), "\n  "), strings.Join(head(extra), "\n  "))
}

func head(s []string) []string {
	if len(s) > 20 {
		return append(s[:20:20], fmt.Sprintf("... %d more", len(s)-20))
	}
	return s
}
