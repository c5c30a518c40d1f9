package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/connectors/console"
	"github.com/spate-sql/spate/connectors/duckdb"
	"github.com/spate-sql/spate/connectors/kafka"
	"github.com/spate-sql/spate/connectors/nexmark"
	"github.com/spate-sql/spate/connectors/videosessions"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/parser"
	"github.com/spate-sql/spate/planner"
)

// RunOptions are the flags of `spate run`.
type RunOptions struct {
	Brokers        string // empty: start the embedded broker
	DB             string
	StateDir       string
	ExitAtEnd      bool
	Listen         string // empty: no HTTP endpoint
	CommitInterval time.Duration
	Status         io.Writer // progress output (stderr); nil for none
	Logger         *slog.Logger
	// Ready, when set, receives the brokers in use (the embedded broker's
	// address or --brokers) and the HTTP endpoint's address ("" when none)
	// once the job is about to start.
	Ready func(brokers, httpAddr string)
}

// IsSQLError reports whether err is a positioned SQL error (exit code 2).
func IsSQLError(err error) bool {
	var pe *parser.Error
	return errors.As(err, &pe)
}

// Compile parses and plans a pipeline file.
func Compile(file string) (*planner.Pipeline, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read pipeline: %w", err)
	}
	return CompileSource(file, src)
}

// CompileSource parses and plans pipeline text; file names it in errors.
func CompileSource(file string, src []byte) (*planner.Pipeline, error) {
	script, err := parser.Parse(file, src)
	if err != nil {
		return nil, err
	}
	cat := catalog.New(schemaOf)
	if err := cat.Load(script); err != nil {
		return nil, err
	}
	return planner.Build(script, cat)
}

// schemaOf gives the schemas of sources whose connector defines them.
func schemaOf(connector string, opts map[string]string) (*arrow.Schema, error) {
	switch connector {
	case "nexmark":
		return nexmark.Schema(opts["table"])
	case "video_sessions":
		return videosessions.Schema(), nil
	}
	return nil, fmt.Errorf("connector %s needs a column list", connector)
}

// Explain prints a pipeline's DAG as text or Graphviz dot.
func Explain(file, format string) (string, error) {
	p, err := Compile(file)
	if err != nil {
		return "", err
	}
	return p.Explain(format)
}

// Run runs a pipeline file until ctx is cancelled or, with ExitAtEnd, until
// every source is exhausted.
func Run(ctx context.Context, file string, o RunOptions) error {
	log := o.Logger
	if log == nil {
		w := o.Status
		if w == nil {
			w = io.Discard
		}
		log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	p, err := Compile(file)
	if err != nil {
		return err
	}
	for _, w := range p.Warnings {
		log.Warn(w)
	}
	if err := os.MkdirAll(o.StateDir, 0o755); err != nil {
		return fmt.Errorf("cannot create state directory %s: %w", o.StateDir, err)
	}

	brokers := o.Brokers
	if brokers == "" {
		b, err := kafka.StartEmbedded(filepath.Join(o.StateDir, "kafka"), 9092)
		if err != nil {
			return fmt.Errorf("cannot start the embedded Kafka broker: %w", err)
		}
		defer b.Close()
		brokers = b.Addr()
		log.Info("embedded Kafka broker listening", "addr", brokers)
	}
	seeds := splitBrokers(brokers)

	store, err := duckdb.Open(o.DB)
	if err != nil {
		return fmt.Errorf("cannot open database %s: %w", o.DB, err)
	}
	defer store.Close()
	// No checkpoint to resume from yet: every run recomputes its views from
	// the start of its sources, so it starts from empty tables.
	var tables []string
	for _, v := range p.Views {
		tables = append(tables, v.Name)
	}
	if err := store.DropTables(ctx, tables); err != nil {
		return err
	}

	conns := exec.Connectors{
		Sources: map[string]exec.SourceFactory{
			"kafka": func(s *exec.SourceSpec) (exec.SourceReader, error) {
				// On the embedded broker a live run creates its topics, so
				// `spate produce` can feed them; elsewhere a missing topic
				// is an error, as it is when reading to the end.
				create := o.Brokers == "" && s.Options["brokers"] == "" && !o.ExitAtEnd
				return kafka.NewSource(s, kafka.SourceOptions{Brokers: seedsFor(s.Options, seeds), ExitAtEnd: o.ExitAtEnd,
					CreateMissingTopic: create})
			},
			"nexmark":        func(s *exec.SourceSpec) (exec.SourceReader, error) { return nexmark.NewSource(s) },
			"video_sessions": func(s *exec.SourceSpec) (exec.SourceReader, error) { return videosessions.NewSource(s) },
		},
		Sinks: map[string]exec.SinkFactory{
			"duckdb": store.MaterializeSink,
			"kafka": func(s *exec.SinkSpec) (exec.Operator, error) {
				return kafka.NewSink(s, seedsFor(s.Options, seeds))
			},
			"stdout":    func(s *exec.SinkSpec) (exec.Operator, error) { return console.NewStdout(s, os.Stdout) },
			"blackhole": func(s *exec.SinkSpec) (exec.Operator, error) { return console.NewBlackhole(s) },
		},
	}
	job, err := exec.NewJob(p.Graph, conns, exec.JobOptions{
		DeadLetters:    store.DeadLetters(),
		OnCommit:       func(ctx context.Context) error { return store.Commit(ctx, nil) },
		CommitInterval: o.CommitInterval,
		NewOperator:    exec.NewOperator,
		Logger:         log,
	})
	if err != nil {
		return err
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	httpAddr := ""
	if o.Listen != "" {
		srv, err := serve(runCtx, o.Listen, store, job)
		if err != nil {
			return err
		}
		defer srv.Close()
		httpAddr = srv.Addr
		log.Info("serving POST /query and GET /metrics", "addr", "http://"+srv.Addr)
	}
	if o.Ready != nil {
		o.Ready(brokers, httpAddr)
	}
	stopStatus := func() {}
	if o.Status != nil {
		statusCtx, cancelStatus := context.WithCancel(runCtx)
		done := make(chan struct{})
		go func() { defer close(done); reportStatus(statusCtx, job, o.Status, log) }()
		stopStatus = func() { cancelStatus(); <-done }
	}
	err = job.Run(runCtx)
	stopStatus() // clear the live line before anything else is printed
	if err != nil {
		return err
	}
	log.Info("pipeline stopped", "db", o.DB)
	return nil
}

func splitBrokers(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// seedsFor honours a per-source or per-sink brokers option.
func seedsFor(opts map[string]string, def []string) []string {
	if b := opts["brokers"]; b != "" {
		return splitBrokers(b)
	}
	return def
}

// serve starts the HTTP endpoint of a running job.
func serve(ctx context.Context, addr string, store *duckdb.Store, job *exec.Job) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w (pick another address with --listen, or --listen '' to disable the endpoint)", addr, err)
	}
	srv := &http.Server{Addr: ln.Addr().String(), Handler: handler(store, job), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	go srv.Serve(ln)
	return srv, nil
}
