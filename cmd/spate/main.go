// Command spate runs streaming SQL pipelines. main only wires cobra
// commands to cmd/internal/engine; see SPEC.md §2 for the contract.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/spate-sql/spate/cmd/internal/engine"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit code: 0 ok, 1 runtime
// error, 2 usage or SQL error. No panic escapes it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "spate: internal error: %v (please report it)\n", r)
			code = 1
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
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
	root.AddCommand(runCmd(stderr), queryCmd(stdout), explainCmd(stdout), produceCmd(stdin, stdout))
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
			return engine.Run(cmd.Context(), args[0], o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.Brokers, "brokers", "", "Kafka bootstrap brokers host:port,...; empty starts the embedded broker")
	f.StringVar(&o.DB, "db", "spate.duckdb", "DuckDB database file holding the materialized views")
	f.StringVar(&o.StateDir, "state-dir", ".spate", "directory for state (embedded broker data, checkpoints)")
	f.BoolVar(&o.ExitAtEnd, "exit-at-end", false, "read every source to its current end, flush all windows and exit")
	f.StringVar(&o.Listen, "listen", "127.0.0.1:7070", "address of the HTTP endpoint (POST /query, GET /metrics); empty disables it")
	f.DurationVar(&o.CommitInterval, "commit-interval", 0, "how often materialized views are committed (default 1s)")
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
