// Command spate runs streaming SQL pipelines. main only wires cobra
// commands to cmd/internal/engine; see SPEC.md §2 for the contract.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/spate-sql/spate/cmd/internal/engine"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit code: 0 ok, 1 runtime
// error, 2 usage or SQL error. No panic escapes it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runContext(ctx, args, stdin, stdout, stderr)
}

// runContext is run until ctx ends (Ctrl-C in the binary; tests cancel
// it to stop a server).
func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "spate: internal error: %v (please report it)\n", r)
			code = 1
		}
	}()
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "spate: %s\n", strings.TrimSpace(err.Error()))
	var ue *usageError
	// cobra reports unknown commands with a plain error.
	if errors.As(err, &ue) || engine.IsSQLError(err) || strings.HasPrefix(err.Error(), "unknown command") {
		return 2
	}
	return 1
}

// usageError marks wrong command lines (exit code 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "spate",
		Short:         "spate runs streaming SQL over Kafka into DuckDB materialized views",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(runCmd(stderr), queryCmd(stdout), explainCmd(stdout), produceCmd(stdin, stdout),
		serverCmd(stderr), submitCmd(stdout, stderr), jobsCmd(stdout), cancelCmd(stdout),
		genCmd(stdout), benchCmd(stdout, stderr))
	for _, c := range root.Commands() {
		c.Args = wrapArgs(c.Args)
	}
	return root
}

func wrapArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	if v == nil {
		return nil
	}
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return &usageError{fmt.Errorf("%s: %w (usage: %s)", cmd.Name(), err, cmd.UseLine())}
		}
		return nil
	}
}

func runCmd(stderr io.Writer) *cobra.Command {
	var o engine.RunOptions
	c := &cobra.Command{
		Use:   "run PIPELINE.sql",
		Short: "Run a pipeline in the foreground until Ctrl-C (or its end, with --exit-at-end)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Status = stderr
			if err := checkListen(cmd, o.Listen, &o.Token); err != nil {
				return err
			}
			return engine.Run(cmd.Context(), args[0], o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.Brokers, "brokers", "", "Kafka bootstrap brokers host:port,...; empty starts the embedded broker")
	f.StringVar(&o.DB, "db", "spate.duckdb", "DuckDB database file holding the materialized views")
	f.StringVar(&o.StateDir, "state-dir", ".spate", "directory for state (embedded broker data, checkpoints)")
	f.BoolVar(&o.ExitAtEnd, "exit-at-end", false, "read every source to its current end, flush all windows and exit")
	f.StringVar(&o.Listen, "listen", "127.0.0.1:7070", "address of the HTTP endpoint (POST /query, GET /metrics, GET /jobs); empty disables it")
	f.StringVar(&o.Token, "token", "", "bearer token the endpoint requires (default $SPATE_TOKEN); required off loopback")
	f.DurationVar(&o.QueryTimeout, "query-timeout", 30*time.Second, "time limit of one query on the endpoint")
	f.DurationVar(&o.CommitInterval, "checkpoint-interval", defaultCheckpointInterval, "how often views are committed together with a checkpoint: new view rows become visible then")
	f.DurationVar(&o.CommitInterval, "commit-interval", defaultCheckpointInterval, "same as --checkpoint-interval")
	f.MarkHidden("commit-interval")
	f.BoolVar(&o.ResetState, "reset-state", false, "forget the pipeline's checkpoint and recompute its views from the start of its sources")
	f.IntVar(&o.Parallelism, "parallelism", 0, "goroutines running the operators (rows are hash-partitioned by key; results do not depend on it); 0: what the checkpoint was taken with, else the number of CPUs")
	return c
}

// checkListen applies SPEC §7's rule (a non-loopback endpoint needs a
// token) before anything starts; a violation is a usage error.
func checkListen(cmd *cobra.Command, listen string, token *string) error {
	if *token == "" {
		*token = os.Getenv("SPATE_TOKEN")
	}
	if err := engine.CheckListen(listen, *token); err != nil {
		return &usageError{fmt.Errorf("%s: %w", cmd.Name(), err)}
	}
	return nil
}

func serverCmd(stderr io.Writer) *cobra.Command {
	var o engine.ServerOptions
	c := &cobra.Command{
		Use:   "server",
		Short: "Run many pipelines (jobs) in one process, kept under --data-dir, managed over HTTP",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkListen(cmd, o.Listen, &o.Token); err != nil {
				return err
			}
			if o.Listen == "" {
				return &usageError{fmt.Errorf("server: --listen cannot be empty: jobs are submitted over HTTP")}
			}
			o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
			return engine.Serve(cmd.Context(), o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.Listen, "listen", "127.0.0.1:7070", "address of the HTTP API")
	f.StringVar(&o.DataDir, "data-dir", "spate-data", "directory for jobs, the database (spate.duckdb) and the embedded broker's data")
	f.StringVar(&o.Token, "token", "", "bearer token every request must carry (default $SPATE_TOKEN); required off loopback")
	f.StringVar(&o.Brokers, "brokers", "", "Kafka bootstrap brokers host:port,...; empty starts the embedded broker")
	f.DurationVar(&o.QueryTimeout, "query-timeout", 30*time.Second, "time limit of one query on POST /query")
	f.DurationVar(&o.CommitInterval, "checkpoint-interval", defaultCheckpointInterval, "how often each job commits its views together with a checkpoint: new view rows become visible then")
	f.DurationVar(&o.CommitInterval, "commit-interval", defaultCheckpointInterval, "same as --checkpoint-interval")
	f.MarkHidden("commit-interval")
	return c
}

// defaultCheckpointInterval trades the freshness of the views (rows
// become visible at a checkpoint) against the cost of a checkpoint, which
// writes every operator's whole state (at 100k keys about 17 MB and
// 0.2 s): measured by TestCheckpointCost, a 1 s interval costs about 10%
// of the throughput and 10 s about 2%.
const defaultCheckpointInterval = 10 * time.Second

func clientFlags(c *cobra.Command, o *engine.ClientOptions) {
	c.Flags().StringVar(&o.Server, "server", "http://127.0.0.1:7070", "the spate server's HTTP API")
	c.Flags().StringVar(&o.Token, "token", "", "bearer token (default $SPATE_TOKEN)")
}

func submitCmd(stdout, stderr io.Writer) *cobra.Command {
	var o engine.ClientOptions
	c := &cobra.Command{
		Use:   "submit PIPELINE.sql",
		Short: "Submit a pipeline to a spate server as a new job",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := engine.Submit(cmd.Context(), args[0], o, stdout, stderr)
			return err
		},
	}
	clientFlags(c, &o)
	return c
}

func jobsCmd(stdout io.Writer) *cobra.Command {
	var o engine.ClientOptions
	c := &cobra.Command{
		Use:   "jobs",
		Short: "List a spate server's jobs with their state and throughput",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Format != "table" && o.Format != "json" {
				return &usageError{fmt.Errorf("jobs: --format must be table or json, not %q", o.Format)}
			}
			_, err := engine.ListJobs(cmd.Context(), o, stdout)
			return err
		},
	}
	clientFlags(c, &o)
	c.Flags().StringVar(&o.Format, "format", "table", "table or json")
	return c
}

func cancelCmd(stdout io.Writer) *cobra.Command {
	var o engine.ClientOptions
	c := &cobra.Command{
		Use:   "cancel JOB",
		Short: "Stop a job on a spate server (its views stay queryable)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return engine.Cancel(cmd.Context(), args[0], o, stdout)
		},
	}
	clientFlags(c, &o)
	return c
}

func queryCmd(stdout io.Writer) *cobra.Command {
	var o engine.QueryOptions
	c := &cobra.Command{
		Use:   `query "SELECT ..."`,
		Short: "Run a read-only SQL query on the materialized views",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch o.Format {
			case "table", "csv", "json":
			default:
				return &usageError{fmt.Errorf("query: --format must be table, csv or json, not %q", o.Format)}
			}
			o.ServerSet = cmd.Flags().Changed("server")
			return engine.Query(cmd.Context(), args[0], o, stdout)
		},
	}
	f := c.Flags()
	f.StringVar(&o.DB, "db", "spate.duckdb", "DuckDB database file (used when no spate holds it)")
	f.StringVar(&o.Server, "server", "http://127.0.0.1:7070", "a running spate's HTTP endpoint")
	f.StringVar(&o.Format, "format", "table", "output format: table, csv or json")
	f.StringVar(&o.Token, "token", "", "bearer token for --server (default $SPATE_TOKEN)")
	return c
}

func explainCmd(stdout io.Writer) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "explain PIPELINE.sql",
		Short: "Print the pipeline's operator DAG",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "dot" {
				return &usageError{fmt.Errorf("explain: --format must be text or dot, not %q", format)}
			}
			out, err := engine.Explain(args[0], format)
			if err != nil {
				return err
			}
			_, err = io.WriteString(stdout, out)
			return err
		},
	}
	c.Flags().StringVar(&format, "format", "text", "text or dot")
	return c
}

func produceCmd(stdin io.Reader, stdout io.Writer) *cobra.Command {
	var brokers, key string
	c := &cobra.Command{
		Use:   "produce TOPIC",
		Short: "Produce JSON lines from stdin into a Kafka topic",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := engine.Produce(cmd.Context(), brokers, args[0], key, stdin)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "produced %d records to %s\n", n, args[0])
			return nil
		},
	}
	c.Flags().StringVar(&brokers, "brokers", "127.0.0.1:9092", "Kafka bootstrap brokers")
	c.Flags().StringVar(&key, "key", "", "top-level JSON field to use as the record key")
	return c
}
