package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/spate-sql/spate/cmd/internal/engine"
	"github.com/spate-sql/spate/connectors/nexmark"
	nexmarkqueries "github.com/spate-sql/spate/testdata/nexmark"
)

// genCmd is `spate gen nexmark`.
func genCmd(stdout io.Writer) *cobra.Command {
	gen := &cobra.Command{Use: "gen", Short: "Generate benchmark events as JSON lines"}
	var table string
	var cfg nexmark.Config
	c := &cobra.Command{
		Use:   "nexmark --events N [--table bid|auction|person] [--rate R] [--seed S]",
		Short: "Write Nexmark events as JSON lines on stdout",
		Long: `Write the Nexmark events 0..N-1 as JSON lines on stdout: the same events
the nexmark source generates with the same options (SPEC §6).

With --table, only that table's rows, each exactly its columns:
  person  id, name, email_address, credit_card, city, state, date_time, extra
  auction id, item_name, description, initial_bid, reserve, date_time, expires,
          seller, category, extra
  bid     auction, bidder, price, channel, url, date_time, extra
Times are RFC 3339 UTC strings with milliseconds. N counts the events of all
three tables (1 person, 3 auctions and 46 bids per 50 events), so
--events 1000 --table bid writes 920 bids.

Without --table, the rows of all three tables interleaved in event order,
each line exactly its own table's columns (a bid has "bidder", an auction
"seller", a person "email_address"). To feed the tables to Kafka, generate
one table per topic:
  spate gen nexmark --events 1000000 --table bid | spate produce bid`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.Events <= 0 {
				return &usageError{fmt.Errorf("gen nexmark: --events must be a positive number of events")}
			}
			if cfg.Rate <= 0 {
				return &usageError{fmt.Errorf("gen nexmark: --rate must be positive")}
			}
			if table != "" {
				t, err := nexmark.ParseTable(table)
				if err != nil {
					return &usageError{fmt.Errorf("gen nexmark: %w", err)}
				}
				table = t.String()
			}
			return engine.GenNexmark(stdout, table, cfg)
		},
	}
	f := c.Flags()
	f.Int64Var(&cfg.Events, "events", 0, "number of events of all tables (required)")
	f.StringVar(&table, "table", "", "person, auction or bid; empty: all three interleaved in event order")
	f.Int64Var(&cfg.Rate, "rate", nexmark.DefaultRate, "events per second of event time (from 2015-07-15T00:00:00Z)")
	f.Int64Var(&cfg.Seed, "seed", 0, "generator seed")
	gen.AddCommand(c)
	return gen
}

// benchCmd is `spate bench nexmark`.
func benchCmd(stdout, stderr io.Writer) *cobra.Command {
	bench := &cobra.Command{Use: "bench", Short: "Run benchmarks"}
	var o engine.BenchOptions
	var asJSON bool
	c := &cobra.Command{
		Use:   "nexmark --query qN --events N [--source generator|kafka] [--duckdb] [--json]",
		Short: "Run one Nexmark query and print its throughput",
		Long: `Run Nexmark query qN (testdata/nexmark/qN.sql, built into the binary) over N
generated events (all three tables; 1 person, 3 auctions, 46 bids per 50),
with every materialized view feeding a blackhole sink instead of DuckDB, as
Flink's Nexmark harness does. Prints the wall time, events/s, events/s per
busy core (the process's CPU time, from getrusage), peak RSS (ru_maxrss of
the whole process) and the time from the start to the last output row.

--source generator (default) reads the nexmark connector in process;
--source kafka first produces the events as JSON into an embedded broker
(not timed; the broker's copy counts in peak RSS), then times the query
reading and decoding them through the kafka source.

--duckdb also times DuckDB over the same events: the query's twin
(qN.duckdb.sql) written into a table; loading the JSONL is timed apart.

--json ends the output with one JSON line: {"query", "events", "seconds",
"cpu_seconds", "events_per_sec", "events_per_core_sec", "peak_rss_bytes",
...extras}.

Queries: ` + strings.Join(nexmarkqueries.Names(), " "),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Query == "" {
				return &usageError{fmt.Errorf("bench nexmark: --query is required (one of %s)", strings.Join(nexmarkqueries.Names(), ", "))}
			}
			if _, err := nexmarkqueries.Spate(o.Query); err != nil {
				return &usageError{fmt.Errorf("bench nexmark: %w", err)}
			}
			if o.Events <= 0 {
				return &usageError{fmt.Errorf("bench nexmark: --events must be a positive number of events")}
			}
			if o.Source != "generator" && o.Source != "kafka" {
				return &usageError{fmt.Errorf("bench nexmark: --source must be generator or kafka, not %q", o.Source)}
			}
			o.Log = stderr
			r, err := engine.Bench(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "nexmark %s over %d events (%s): %.3fs, %.0f events/s, %.0f events/s per core (%.3fs CPU), peak RSS %.1f MiB, %d rows out, last at %.3fs\n",
				r.Query, r.Events, r.Source, r.Seconds, r.EventsPerSec, r.EventsPerCoreSec, r.CPUSeconds,
				float64(r.PeakRSSBytes)/(1<<20), r.RowsOut, r.LastOutputSeconds)
			if o.DuckDB {
				fmt.Fprintf(stdout, "duckdb twin: %.3fs (%.0f events/s), loading the JSONL %.3fs apart\n",
					r.DuckDBSeconds, float64(r.Events)/r.DuckDBSeconds, r.DuckDBLoadSeconds)
			}
			if asJSON {
				b, err := json.Marshal(r)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%s\n", b)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.Query, "query", "", "query name: q0 ... q22")
	f.Int64Var(&o.Events, "events", 1_000_000, "number of events of all tables")
	f.StringVar(&o.Source, "source", "generator", "generator or kafka")
	f.BoolVar(&o.DuckDB, "duckdb", false, "also time DuckDB's batch evaluation of the query's twin")
	f.BoolVar(&asJSON, "json", false, "end with one JSON line of the results")
	bench.AddCommand(c)
	return bench
}
