package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/connectors/console"
	"github.com/spate-sql/spate/connectors/kafka"
	"github.com/spate-sql/spate/connectors/nexmark"
	promsink "github.com/spate-sql/spate/connectors/prometheus"
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
	Listen         string        // empty: no HTTP endpoint
	Token          string        // bearer token the endpoint requires ("" = none; required off loopback)
	QueryTimeout   time.Duration // time limit of one POST /query (default 30 s)
	CommitInterval time.Duration
	ResetState     bool      // forget the checkpoint; recompute from the sources' start
	Parallelism    int       // lanes running the operators (exec.JobOptions.Parallelism); 0: AutoParallelism
	Status         io.Writer // progress output (stderr); nil for none
	Logger         *slog.Logger
	// Ready, when set, receives the brokers in use (the embedded broker's
	// address or --brokers) and the HTTP endpoint's address ("" when none)
	// once the job is about to start.
	Ready func(brokers, httpAddr string)

	test testHooks
}

// testHooks let the engine's tests checkpoint at input-determined points
// and stop a run right after a checkpoint as a crash would.
type testHooks struct {
	commitEveryBatches int // exec.JobOptions.CommitEveryBatches
	maxPollRecords     int // kafka sources read at most this many records per batch
	// afterCheckpoint runs once a checkpoint is durable; an error stops
	// the job at once, with nothing more committed.
	afterCheckpoint func(epoch int64) error
}

// IsSQLError reports whether err is a positioned SQL error (exit code 2).
func IsSQLError(err error) bool {
	var pe *parser.Error
	var re *remoteSQLError
	return errors.As(err, &pe) || errors.As(err, &re)
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
// every source is exhausted. It is a Host with one job.
func Run(ctx context.Context, file string, o RunOptions) error {
	log := o.Logger
	if log == nil {
		w := o.Status
		if w == nil {
			w = io.Discard
		}
		log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("cannot read pipeline: %w", err)
	}
	p, err := CompileSource(file, src)
	if err != nil {
		return err
	}
	for _, w := range p.Warnings {
		log.Warn(w)
	}
	if err := CheckListen(o.Listen, o.Token); err != nil {
		return err
	}
	if err := os.MkdirAll(o.StateDir, 0o755); err != nil {
		return fmt.Errorf("cannot create state directory %s: %w", o.StateDir, err)
	}
	h, err := OpenHost(HostOptions{Brokers: o.Brokers, DB: o.DB, StateDir: o.StateDir,
		CommitInterval: o.CommitInterval, Logger: log, test: o.test})
	if err != nil {
		return err
	}
	defer h.Close()
	job, err := h.StartJob(JobSpec{ID: jobIDFor(file), File: file, Source: src, Pipeline: p, ExitAtEnd: o.ExitAtEnd,
		ResetState: o.ResetState, Parallelism: cmp.Or(o.Parallelism, AutoParallelism)})
	if err != nil {
		return err
	}
	httpAddr := ""
	if o.Listen != "" {
		srv, err := serveHTTP(o.Listen, newAPI(h, nil, o.Token, o.QueryTimeout))
		if err != nil {
			job.stop(StateStopped)
			<-job.Done()
			return err
		}
		defer srv.Close()
		httpAddr = srv.Addr
		log.Info("serving POST /query, GET /metrics and GET /jobs", "addr", "http://"+srv.Addr)
	}
	if o.Ready != nil {
		o.Ready(h.Brokers(), httpAddr)
	}
	stopStatus := func() {}
	if o.Status != nil {
		statusCtx, cancelStatus := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); reportStatus(statusCtx, job.exec, o.Status, log) }()
		stopStatus = func() { cancelStatus(); <-done }
	}
	select {
	case <-job.Done():
	case <-ctx.Done():
		job.stop(StateStopped)
		<-job.Done()
	}
	stopStatus() // clear the live line before anything else is printed
	if err := job.Err(); err != nil {
		return err
	}
	log.Info("pipeline stopped", "db", o.DB)
	return nil
}

// connectors binds the connector names of SPEC §3 to their
// implementations for one job of h.
func (h *Host) connectors(j *Job, exitAtEnd bool, log *slog.Logger) exec.Connectors {
	return exec.Connectors{
		Sources: map[string]exec.SourceFactory{
			"kafka": func(s *exec.SourceSpec) (exec.SourceReader, error) {
				// On the embedded broker a live job creates its topics, so
				// `spate produce` can feed them; elsewhere a missing topic
				// is an error, as it is when reading to the end.
				create := h.broker != nil && s.Options["brokers"] == "" && !exitAtEnd
				return kafka.NewSource(s, kafka.SourceOptions{Brokers: seedsFor(s.Options, h.seeds), ExitAtEnd: exitAtEnd,
					CreateMissingTopic: create, MaxPollRecords: h.opts.test.maxPollRecords})
			},
			"nexmark":        func(s *exec.SourceSpec) (exec.SourceReader, error) { return nexmark.NewSource(s) },
			"video_sessions": func(s *exec.SourceSpec) (exec.SourceReader, error) { return videosessions.NewSource(s) },
		},
		Sinks: map[string]exec.SinkFactory{
			"duckdb": j.timed(func(s *exec.SinkSpec) (exec.Operator, error) { return j.scope.MaterializeSink(s) }),
			"kafka": j.timed(func(s *exec.SinkSpec) (exec.Operator, error) {
				eo := &kafka.ExactlyOnceConfig{ID: "spate-" + j.ID + "-" + s.Name, Run: j.run,
					Pending: j.outbox[s.Name], Logger: log}
				k, err := kafka.NewSink(s, seedsFor(s.Options, h.seeds), eo)
				if err == nil && k.ExactlyOnce() {
					j.kafkaSinks = append(j.kafkaSinks, namedKafkaSink{s.Name, k})
				}
				return k, err
			}),
			"prometheus": j.timed(func(s *exec.SinkSpec) (exec.Operator, error) {
				k, err := promsink.NewSink(s, promsink.Options{Logger: log})
				if err == nil {
					j.sinks = append(j.sinks, namedPromSink{s.Name, k})
				}
				return k, err
			}),
			"stdout":    func(s *exec.SinkSpec) (exec.Operator, error) { return console.NewStdout(s, os.Stdout) },
			"blackhole": func(s *exec.SinkSpec) (exec.Operator, error) { return console.NewBlackhole(s) },
		},
	}
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
