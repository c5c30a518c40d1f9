package engine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/spate-sql/spate/connectors/duckdb"
	"github.com/spate-sql/spate/connectors/kafka"
	promsink "github.com/spate-sql/spate/connectors/prometheus"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/planner"
)

// HostOptions configure a Host.
type HostOptions struct {
	Brokers        string // empty: start the embedded broker
	DB             string // DuckDB file ("" in memory)
	StateDir       string // the embedded broker keeps its data in StateDir/kafka
	CommitInterval time.Duration
	Logger         *slog.Logger

	test testHooks
}

// Host is what the jobs of one process share: one DuckDB store (DuckDB
// lets one process hold a database file), the Kafka brokers (the embedded
// one, or --brokers) and the jobs themselves. `spate run` hosts one job,
// `spate server` many.
type Host struct {
	opts    HostOptions
	log     *slog.Logger
	store   *duckdb.Store
	broker  *kafka.Broker // nil with --brokers
	brokers string
	seeds   []string

	mu     sync.Mutex
	jobs   map[string]*Job
	closed bool
}

// OpenHost starts the embedded broker (when no brokers are given) and
// opens the database.
func OpenHost(o HostOptions) (*Host, error) {
	h := &Host{opts: o, log: o.Logger, jobs: map[string]*Job{}}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	// The database first: its file lock keeps a second process off the
	// same state (the embedded broker's data directory included).
	store, err := duckdb.Open(o.DB)
	if err != nil {
		return nil, fmt.Errorf("cannot open database %s: %w", o.DB, err)
	}
	// Sinks stage their rows at a commit and the store writes them with
	// the job's checkpoint, in one transaction.
	store.SetCheckpointMode(true)
	h.brokers = o.Brokers
	if h.brokers == "" {
		b, err := kafka.StartEmbedded(filepath.Join(o.StateDir, "kafka"), 9092)
		if err != nil {
			store.Close()
			return nil, fmt.Errorf("cannot start the embedded Kafka broker: %w", err)
		}
		h.broker = b
		h.brokers = b.Addr()
		h.log.Info("embedded Kafka broker listening", "addr", h.brokers)
	}
	h.seeds = splitBrokers(h.brokers)
	h.store = store
	return h, nil
}

// Brokers is the bootstrap address the jobs use.
func (h *Host) Brokers() string { return h.brokers }

// Store is the host's database.
func (h *Host) Store() *duckdb.Store { return h.store }

// Close stops every job (they commit what they processed), then closes
// the database and the embedded broker.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	jobs := h.jobList()
	h.mu.Unlock()
	for _, j := range jobs {
		j.stop(StateStopped)
	}
	for _, j := range jobs {
		<-j.done
	}
	err := h.store.Close()
	if h.broker != nil {
		h.broker.Close()
	}
	return err
}

// JobState is where a job is in its life.
type JobState string

const (
	StateRunning   JobState = "running"
	StateFinished  JobState = "finished"  // every bounded source was read to its end
	StateFailed    JobState = "failed"    // stopped by an error
	StateCancelled JobState = "cancelled" // stopped by spate cancel
	StateStopped   JobState = "stopped"   // stopped with the process; a server resumes it at restart
)

// AutoParallelism in JobSpec.Parallelism resumes a job with the
// parallelism of its checkpoint, and runs a new one with a lane per CPU.
const AutoParallelism = -1

// JobSpec is a job to start.
type JobSpec struct {
	ID   string
	File string // names the pipeline in errors
	// Source is the pipeline text; Pipeline, when set, is it compiled.
	Source    []byte
	Pipeline  *planner.Pipeline
	ExitAtEnd bool
	Submitted time.Time // zero: now
	// ResetState forgets the job's checkpoint and recomputes its views
	// from the start of its sources (also when the pipeline changed).
	ResetState bool
	// Parallelism is the number of lanes running the operators; 0: 1;
	// AutoParallelism: the checkpoint's when resuming, else runtime.NumCPU().
	Parallelism int
	// OnEnd runs on the job's goroutine once it stopped.
	OnEnd func(*Job)
}

// Job is one pipeline on a Host.
type Job struct {
	ID, File  string
	Source    []byte
	Pipeline  *planner.Pipeline
	Views     []string
	Submitted time.Time

	exec  *exec.Job
	scope *duckdb.Scope // the job's views and dead letters in the host's store
	sinks []namedPromSink
	// Exactly-once Kafka sinks, their outbox (by sink) and the run id of
	// the job's epochs (connectors/kafka/outbox.go).
	kafkaSinks []namedKafkaSink
	outbox     map[string][]kafka.OutboxEpoch
	run        string
	// maxCheckpoint is the largest encoded checkpoint so far, in bytes
	// (job goroutine; read once the job stopped).
	maxCheckpoint int
	commits       prometheus.Histogram
	roundAt       time.Time // start of the current commit round: its first sink commit (job goroutine)
	cancel        context.CancelFunc
	done          chan struct{}

	mu     sync.Mutex
	state  JobState
	err    error
	ended  time.Time
	stopAs JobState // the state a stop requested ("" = none)
	rate   rateSampler
}

type namedKafkaSink struct {
	name string
	sink *kafka.Sink
}

type namedPromSink struct {
	name string
	sink *promsink.Sink
}

// State returns the job's state and, when it failed, the error.
func (j *Job) State() (JobState, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.state, j.err
}

// Ended is when the job stopped (zero while it runs).
func (j *Job) Ended() time.Time {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.ended
}

// Done is closed once the job stopped.
func (j *Job) Done() <-chan struct{} { return j.done }

// Err is the error that stopped the job (nil unless failed).
func (j *Job) Err() error {
	_, err := j.State()
	return err
}

// Stats snapshots the job's node counters (nil for a job known only from
// its record).
func (j *Job) Stats() []exec.NodeStats {
	if j.exec == nil {
		return nil
	}
	return j.exec.Stats()
}

// stop asks a running job to stop; its state becomes as once it did.
func (j *Job) stop(as JobState) {
	j.mu.Lock()
	if j.stopAs == "" {
		j.stopAs = as
	}
	j.mu.Unlock()
	if j.cancel != nil {
		j.cancel()
	}
}

// ViewClashError is a submit whose views are already produced by a
// running job.
type ViewClashError struct {
	View, Job string
}

func (e *ViewClashError) Error() string {
	return fmt.Sprintf("materialized view %s is already maintained by running job %s; cancel that job or rename the view", e.View, e.Job)
}

// ErrHostClosed is returned by StartJob once the host is closing.
var ErrHostClosed = errors.New("spate is shutting down")

// StartJob compiles (unless given compiled) and starts a job. A job with a
// checkpoint of the same plan resumes from it; one without starts its
// views from empty tables and recomputes them from its sources' start; one
// whose pipeline changed since its checkpoint is refused unless
// spec.ResetState.
func (h *Host) StartJob(spec JobSpec) (*Job, error) {
	p := spec.Pipeline
	if p == nil {
		var err error
		if p, err = CompileSource(spec.File, spec.Source); err != nil {
			return nil, err
		}
	}
	j := &Job{ID: spec.ID, File: spec.File, Source: spec.Source, Pipeline: p, Submitted: spec.Submitted,
		state: StateRunning, done: make(chan struct{})}
	if j.Submitted.IsZero() {
		j.Submitted = time.Now()
	}
	for _, v := range p.Views {
		j.Views = append(j.Views, v.Name)
	}
	j.commits = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:        "spate_checkpoint_duration_seconds",
		Help:        "Duration of a job's commit rounds: every sink's commit, the materialized view rows and dead letters in DuckDB (a checkpoint, once checkpoints are enabled).",
		ConstLabels: prometheus.Labels{"spate_job": spec.ID},
		Buckets:     prometheus.ExponentialBuckets(0.0005, 2, 16),
	})

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrHostClosed
	}
	if old := h.jobs[spec.ID]; old != nil {
		if st, _ := old.State(); st == StateRunning {
			return nil, fmt.Errorf("job %s is already running", spec.ID)
		}
	}
	if err := h.checkViews(j); err != nil {
		return nil, err
	}
	log := h.log.With("job", spec.ID)
	ctx, cancel := context.WithCancel(context.Background())
	j.cancel = cancel
	restore, err := h.restorePoint(ctx, spec, p)
	if err != nil {
		cancel()
		return nil, err
	}
	if restore == nil {
		// Nothing to resume: the views start from empty tables, and the
		// epochs restart at 1 in a new run.
		err := h.store.DropTables(ctx, j.Views)
		if err == nil {
			err = h.store.DeleteOutbox(ctx, spec.ID)
		}
		if err != nil {
			cancel()
			return nil, err
		}
	} else {
		log.Info("resuming from checkpoint", "epoch", restore.Epoch)
		run, stored, err := h.store.LoadOutbox(ctx, spec.ID)
		if err != nil {
			cancel()
			return nil, err
		}
		j.run = run
		j.outbox = map[string][]kafka.OutboxEpoch{}
		for _, e := range stored {
			j.outbox[e.Sink] = append(j.outbox[e.Sink], kafka.OutboxEpoch{Epoch: e.Epoch, N: int(e.N), Records: e.Records})
		}
	}
	if j.run == "" {
		j.run = newRunID()
	}
	par := spec.Parallelism
	if par == AutoParallelism {
		// Which lane owns a key depends on the parallelism, so a
		// checkpoint resumes with the one it was taken with (one lane
		// for a checkpoint that records none); a new job gets a lane
		// per CPU.
		par = runtime.NumCPU()
		if restore != nil {
			par = max(restore.Parallelism, 1)
		}
	}
	plan := planFingerprint(p)
	// The job's rows and dead letters commit only with its own
	// checkpoints, never in another job's transaction.
	j.scope = h.store.Scope(spec.ID)
	ej, err := exec.NewJob(p.Graph, h.connectors(j, spec.ExitAtEnd, log), exec.JobOptions{
		DeadLetters: j.scope.DeadLetters(),
		Restore:     restore,
		// The sinks staged their rows (the store is in checkpoint mode):
		// they, the dead letters and the checkpoint commit in one
		// DuckDB transaction, so a crash can never separate rows from
		// the offsets that produced them.
		//
		// Exactly-once Kafka sinks: the epoch's records join that
		// transaction (the outbox) and are produced to Kafka only once
		// it committed; see connectors/kafka/outbox.go for the crash
		// points.
		Checkpoint: func(ctx context.Context, cp *exec.Checkpoint) error {
			epochs := make([]duckdb.OutboxEpoch, len(j.kafkaSinks))
			for i, k := range j.kafkaSinks {
				e := k.sink.TakeEpoch(cp.Epoch)
				epochs[i] = duckdb.OutboxEpoch{Sink: k.name, Epoch: e.Epoch, N: int64(e.N), Records: e.Records}
			}
			logCheckpoint("begin", cp.Epoch)
			err := j.scope.Commit(ctx, func(tx *sql.Tx) error {
				state := cp.Encode()
				j.maxCheckpoint = max(j.maxCheckpoint, len(state))
				err := duckdb.SaveCheckpoint(ctx, tx, duckdb.Checkpoint{Job: spec.ID, Plan: plan, Epoch: cp.Epoch, State: state})
				if err != nil || len(j.kafkaSinks) == 0 {
					return err
				}
				if err := duckdb.SaveRun(ctx, tx, spec.ID, j.run); err != nil {
					return err
				}
				for i, k := range j.kafkaSinks {
					if err := duckdb.SaveOutbox(ctx, tx, spec.ID, epochs[i], k.sink.Published()); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			logCheckpoint("commit", cp.Epoch)
			if h.opts.test.afterCheckpoint != nil {
				if err := h.opts.test.afterCheckpoint(cp.Epoch); err != nil {
					return err
				}
			}
			for _, k := range j.kafkaSinks {
				if err := k.sink.Publish(ctx); err != nil {
					return err
				}
			}
			logCheckpoint("published", cp.Epoch)
			return nil
		},
		OnCommit: func(ctx context.Context) error {
			// The runtime commits every sink, then (with checkpoints)
			// the checkpoint, then calls OnCommit: the round started at
			// the first sink commit (see timedSink).
			start := time.Now()
			if !j.roundAt.IsZero() {
				start, j.roundAt = j.roundAt, time.Time{}
			}
			err := j.scope.Commit(ctx, nil)
			j.commits.Observe(time.Since(start).Seconds())
			return err
		},
		CommitInterval:     h.opts.CommitInterval,
		CommitEveryBatches: h.opts.test.commitEveryBatches,
		Parallelism:        par,
		NewOperator:        exec.NewOperator,
		Logger:             log,
	})
	if err != nil {
		j.scope.Release()
		cancel()
		return nil, err
	}
	if err := ej.Checkpointable(); err != nil && len(j.kafkaSinks) > 0 {
		// No checkpoints, no outbox: the Kafka sinks fall back to
		// at-least-once.
		log.Warn("Kafka sinks are at-least-once: the job cannot checkpoint", "err", err)
		for _, k := range j.kafkaSinks {
			k.sink.SetAtLeastOnce()
		}
		j.kafkaSinks = nil
	}
	j.exec = ej
	j.rate.reset(time.Now())
	h.jobs[spec.ID] = j
	go func() {
		err := ej.Run(ctx)
		cancel()
		j.mu.Lock()
		j.ended = time.Now()
		switch {
		case j.stopAs != "" && err == nil:
			j.state = j.stopAs
		case err != nil:
			j.state, j.err = StateFailed, err
		default:
			j.state = StateFinished
		}
		state := j.state
		j.mu.Unlock()
		j.scope.Release()
		if err != nil {
			log.Error("job failed", "err", err)
		} else {
			log.Info("job stopped", "state", state)
		}
		if spec.OnEnd != nil {
			spec.OnEnd(j)
		}
		close(j.done)
	}()
	return j, nil
}

// checkViews refuses a job whose views a running job already maintains.
// Under h.mu.
func (h *Host) checkViews(j *Job) error {
	for _, other := range h.jobList() {
		if st, _ := other.State(); st != StateRunning || other.ID == j.ID {
			continue
		}
		for _, v := range j.Views {
			for _, w := range other.Views {
				if strings.EqualFold(v, w) {
					return &ViewClashError{View: v, Job: other.ID}
				}
			}
		}
	}
	return nil
}

// addRecord registers a job that is not running (known from its record
// on disk), so it is listed.
func (h *Host) addRecord(j *Job) {
	if j.done == nil {
		j.done = make(chan struct{})
		close(j.done)
	}
	h.mu.Lock()
	h.jobs[j.ID] = j
	h.mu.Unlock()
}

// forget drops a job that is not running from the list.
func (h *Host) forget(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if j := h.jobs[id]; j != nil {
		if st, _ := j.State(); st != StateRunning {
			delete(h.jobs, id)
		}
	}
}

// Job returns the job with this id, or nil.
func (h *Host) Job(id string) *Job {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.jobs[id]
}

// Jobs lists the jobs by submission time.
func (h *Host) Jobs() []*Job {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.jobList()
}

func (h *Host) jobList() []*Job {
	out := make([]*Job, 0, len(h.jobs))
	for _, j := range h.jobs {
		out = append(out, j)
	}
	sort.Slice(out, func(a, b int) bool {
		if !out[a].Submitted.Equal(out[b].Submitted) {
			return out[a].Submitted.Before(out[b].Submitted)
		}
		return out[a].ID < out[b].ID
	})
	return out
}

// ErrNoJob is returned for an unknown job id.
var ErrNoJob = errors.New("no such job")

// ErrNotRunning is returned when cancelling a job that already stopped.
var ErrNotRunning = errors.New("job is not running")

// Cancel stops a running job (it commits what it processed) and waits
// until it stopped, or until ctx ends.
func (h *Host) Cancel(ctx context.Context, id string) (*Job, error) {
	j := h.Job(id)
	if j == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoJob, id)
	}
	if st, _ := j.State(); st != StateRunning {
		return j, fmt.Errorf("%w: %s is %s", ErrNotRunning, id, st)
	}
	j.stop(StateCancelled)
	select {
	case <-j.done:
		return j, nil
	case <-ctx.Done():
		return j, ctx.Err()
	}
}

// rateSampler turns counters into per-second rates over the last second
// or more, without a goroutine: each reading that comes at least a second
// after the previous sample moves the window.
type rateSampler struct {
	at            time.Time
	in, out       int64
	inRate, outRt float64
}

func (r *rateSampler) reset(now time.Time) { *r = rateSampler{at: now} }

func (r *rateSampler) sample(now time.Time, in, out int64) (float64, float64) {
	dt := now.Sub(r.at).Seconds()
	if dt >= 1 || (r.inRate == 0 && r.outRt == 0 && dt > 0.1) {
		r.inRate = float64(in-r.in) / dt
		r.outRt = float64(out-r.out) / dt
		if dt >= 1 {
			r.at, r.in, r.out = now, in, out
		}
	}
	return r.inRate, r.outRt
}

// Rates are the job's events in and rows out per second, recently.
func (j *Job) Rates(s summary) (float64, float64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.state != StateRunning {
		return 0, 0
	}
	return j.rate.sample(time.Now(), s.in, s.out)
}

// timed wraps a sink factory so that the job knows when a commit round
// starts (its first sink commit), for spate_checkpoint_duration_seconds.
// exec.Job does not time its commits; once it does (NodeStats or Job
// stats), this wrapper can go.
func (j *Job) timed(f exec.SinkFactory) exec.SinkFactory {
	return func(s *exec.SinkSpec) (exec.Operator, error) {
		op, err := f(s)
		if err != nil {
			return nil, err
		}
		c, ok := op.(exec.Committer)
		if !ok {
			return op, nil
		}
		t := timedSink{Operator: op, c: c, j: j}
		// Keep the optional interfaces the runtime looks for.
		if sn, ok := op.(exec.Snapshotter); ok {
			return timedSnapshotSink{t, sn}, nil
		}
		return t, nil
	}
}

type timedSink struct {
	exec.Operator
	c exec.Committer
	j *Job
}

func (t timedSink) Commit(ctx context.Context) error {
	if t.j.roundAt.IsZero() {
		t.j.roundAt = time.Now()
	}
	return t.c.Commit(ctx)
}

type timedSnapshotSink struct {
	timedSink
	exec.Snapshotter
}

// restorePoint loads the job's checkpoint when it may resume from it.
func (h *Host) restorePoint(ctx context.Context, spec JobSpec, p *planner.Pipeline) (*exec.Checkpoint, error) {
	stored, err := h.store.LoadCheckpoint(ctx, spec.ID)
	if err != nil || stored == nil {
		return nil, err
	}
	if spec.ResetState {
		return nil, h.store.DeleteCheckpoint(ctx, spec.ID)
	}
	if changed := changedViews(stored.Plan, planFingerprint(p)); changed != "" {
		return nil, fmt.Errorf("job %s: the pipeline changed since its last checkpoint (%s), so its state cannot be resumed; "+
			"run with --reset-state to recompute its views from the start", spec.ID, changed)
	}
	cp, err := exec.DecodeCheckpoint(stored.State)
	if err != nil {
		return nil, fmt.Errorf("job %s: %w (run with --reset-state to start over)", spec.ID, err)
	}
	return cp, nil
}

// planFingerprint hashes each output's EXPLAIN tree, so a changed pipeline
// can be told apart from the one that wrote a checkpoint, view by view.
func planFingerprint(p *planner.Pipeline) string {
	text, err := p.Explain("text")
	if err != nil {
		return ""
	}
	parts := map[string]string{}
	for _, sec := range strings.Split(strings.TrimSpace(text), "\n\n") {
		head, _, _ := strings.Cut(sec, "\n")
		sum := sha256.Sum256([]byte(sec))
		parts[head] = hex.EncodeToString(sum[:8])
	}
	b, _ := json.Marshal(parts) // map keys marshal sorted
	return string(b)
}

// changedViews names the outputs whose plans differ ("" when none).
func changedViews(old, cur string) string {
	var a, b map[string]string
	if json.Unmarshal([]byte(old), &a) != nil || json.Unmarshal([]byte(cur), &b) != nil {
		return "its plan format changed"
	}
	var diff []string
	for k, v := range b {
		if a[k] != v {
			diff = append(diff, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			diff = append(diff, k+" was removed")
		}
	}
	sort.Strings(diff)
	return strings.Join(diff, "; ")
}

// newRunID names a new lineage of checkpoint epochs.
func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// logCheckpoint announces the phases of a checkpoint on stderr when
// SPATE_DEBUG_CHECKPOINTS is set: the crash test waits for them to kill
// the process inside a checkpoint.
func logCheckpoint(phase string, epoch int64) {
	if debugCheckpoints {
		fmt.Fprintf(os.Stderr, "spate-debug: checkpoint %s %d\n", phase, epoch)
	}
}

var debugCheckpoints = os.Getenv("SPATE_DEBUG_CHECKPOINTS") != ""
