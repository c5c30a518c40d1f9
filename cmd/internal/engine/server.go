package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ServerOptions are the flags of `spate server`.
type ServerOptions struct {
	Listen         string
	DataDir        string // jobs/, the database spate.duckdb and the embedded broker's kafka/
	Token          string
	Brokers        string // empty: the embedded broker
	CommitInterval time.Duration
	QueryTimeout   time.Duration
	Logger         *slog.Logger
	// Ready, when set, receives the HTTP address and the brokers once the
	// server answers.
	Ready func(httpAddr, brokers string)
}

// Server is `spate server`: a Host whose jobs are submitted over HTTP and
// kept under the data directory, so a restarted server resumes them.
//
// On disk, per job: jobs/<id>.sql (the pipeline as submitted) and
// jobs/<id>.json (a jobRecord). A job is resumed at start when its record
// says running: a job stopped with the server keeps that state. Without
// checkpoints, a resumed job recomputes its views from the start of its
// sources (the embedded broker keeps its topics under the data
// directory), as `spate run` does.
type Server struct {
	host *Host
	dir  string // jobs directory
	log  *slog.Logger
	mu   sync.Mutex // orders submits and record writes
}

// jobRecord is jobs/<id>.json.
type jobRecord struct {
	ID        string    `json:"id"`
	File      string    `json:"file"`
	State     JobState  `json:"state"`
	Error     string    `json:"error,omitempty"`
	Submitted time.Time `json:"submitted"`
	Ended     time.Time `json:"ended,omitzero"`
	Views     []string  `json:"views"`
}

// Serve runs the server until ctx is cancelled: it stops the jobs (they
// stay "running" on disk, to be resumed) and returns nil.
func Serve(ctx context.Context, o ServerOptions) error {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := CheckListen(o.Listen, o.Token); err != nil {
		return err
	}
	if o.Listen == "" {
		return errors.New("spate server needs --listen: the HTTP API is how jobs reach it")
	}
	jobsDir := filepath.Join(o.DataDir, "jobs")
	if err := os.MkdirAll(jobsDir, 0o755); err != nil {
		return fmt.Errorf("cannot create data directory %s: %w", o.DataDir, err)
	}
	h, err := OpenHost(HostOptions{Brokers: o.Brokers, DB: filepath.Join(o.DataDir, "spate.duckdb"), StateDir: o.DataDir,
		CommitInterval: o.CommitInterval, Logger: log})
	if err != nil {
		return err
	}
	defer h.Close()
	s := &Server{host: h, dir: jobsDir, log: log}
	if err := s.resume(); err != nil {
		return err
	}
	srv, err := serveHTTP(o.Listen, newAPI(h, s, o.Token, o.QueryTimeout))
	if err != nil {
		return err
	}
	log.Info("spate server listening", "addr", "http://"+srv.Addr, "data_dir", o.DataDir, "brokers", h.Brokers())
	if o.Ready != nil {
		o.Ready(srv.Addr, h.Brokers())
	}
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdownCtx)
	log.Info("stopping jobs")
	return h.Close()
}

// resume lists the recorded jobs and restarts those that were running.
func (s *Server) resume() error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", s.dir, err)
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() {
			continue
		}
		rec, src, err := s.load(id)
		if err != nil {
			s.log.Error("skipping a job record that cannot be read", "job", id, "err", err)
			continue
		}
		if rec.State != StateRunning {
			j := &Job{ID: rec.ID, File: rec.File, Source: src, Views: rec.Views, Submitted: rec.Submitted,
				state: rec.State, ended: rec.Ended}
			if rec.Error != "" {
				j.err = errors.New(rec.Error)
			}
			s.host.addRecord(j)
			continue
		}
		j, err := s.host.StartJob(JobSpec{ID: rec.ID, File: rec.File, Source: src, Submitted: rec.Submitted, OnEnd: s.ended})
		if err != nil {
			// The job cannot run any more (its SQL no longer compiles,
			// a view clashes...): keep it listed as failed, with why.
			s.log.Error("cannot resume job", "job", id, "err", err)
			rec.State, rec.Error, rec.Ended = StateFailed, "cannot resume: "+err.Error(), time.Now()
			failed := &Job{ID: rec.ID, File: rec.File, Source: src, Views: rec.Views, Submitted: rec.Submitted,
				state: StateFailed, err: errors.New(rec.Error), ended: rec.Ended}
			s.host.addRecord(failed)
			if err := s.writeRecord(rec); err != nil {
				s.log.Error("cannot save job record", "job", id, "err", err)
			}
			continue
		}
		s.log.Info("resumed job", "job", id, "file", rec.File, "views", strings.Join(j.Views, ","))
	}
	return nil
}

func (s *Server) load(id string) (jobRecord, []byte, error) {
	var rec jobRecord
	b, err := os.ReadFile(filepath.Join(s.dir, id+".json"))
	if err != nil {
		return rec, nil, err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, nil, fmt.Errorf("%s.json: %w", id, err)
	}
	if rec.ID != id {
		return rec, nil, fmt.Errorf("%s.json names job %q", id, rec.ID)
	}
	src, err := os.ReadFile(filepath.Join(s.dir, id+".sql"))
	return rec, src, err
}

// Submit compiles and starts a job and records it. A SQL error is the
// same positioned error `spate run` gives for the file.
func (s *Server) Submit(req submitRequest) (*Job, error) {
	p, err := CompileSource(req.File, []byte(req.SQL))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	id := req.ID
	if id != "" {
		if !validID.MatchString(id) {
			s.mu.Unlock()
			return nil, fmt.Errorf("job id %q: use letters, digits, '-' and '_' (at most 64)", id)
		}
	} else {
		id = s.newID(req.File)
	}
	// The pipeline is saved next to its final name first, so a job that
	// cannot start leaves an earlier record of that id alone.
	sqlPath := filepath.Join(s.dir, id+".sql")
	if err := os.WriteFile(sqlPath+".tmp", []byte(req.SQL), 0o644); err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("cannot save job %s under %s: %w", id, s.dir, err)
	}
	j, err := s.host.StartJob(JobSpec{ID: id, File: req.File, Source: []byte(req.SQL), Pipeline: p, OnEnd: s.ended})
	if err != nil {
		os.Remove(sqlPath + ".tmp")
		s.mu.Unlock()
		return nil, err
	}
	err = os.Rename(sqlPath+".tmp", sqlPath)
	if err == nil {
		err = s.writeRecord(recordOf(j))
	}
	s.mu.Unlock() // before cancelling: the job's OnEnd takes s.mu
	if err != nil {
		s.host.Cancel(context.Background(), id)
		s.host.forget(id)
		return nil, fmt.Errorf("cannot save job %s under %s: %w", id, s.dir, err)
	}
	s.log.Info("job submitted", "job", id, "file", req.File, "views", strings.Join(j.Views, ","))
	return j, nil
}

var (
	validID   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	idBadRune = regexp.MustCompile(`[^A-Za-z0-9_-]+`)
)

// newID names a job after its file: "clicks" for clicks.sql, "clicks-2"
// when a running job has that name. A stopped job's name is reused (its
// record is replaced). Under s.mu.
func (s *Server) newID(file string) string {
	base := jobIDFor(file)
	id := base
	for n := 2; ; n++ {
		j := s.host.Job(id)
		if j == nil {
			return id
		}
		if st, _ := j.State(); st != StateRunning {
			return id
		}
		id = base + "-" + strconv.Itoa(n)
	}
}

// jobIDFor derives a job id from a pipeline file name.
func jobIDFor(file string) string {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	base = idBadRune.ReplaceAllString(base, "_")
	if len(base) > 48 {
		base = base[:48]
	}
	if base == "" || base == "_" || base == "." {
		base = "job"
	}
	return base
}

// ended records a job's final state, unless it stopped with the server:
// then it stays "running" on disk and is resumed at the next start.
func (s *Server) ended(j *Job) {
	if st, _ := j.State(); st == StateStopped {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writeRecord(recordOf(j)); err != nil {
		s.log.Error("cannot save job record", "job", j.ID, "err", err)
	}
}

func recordOf(j *Job) jobRecord {
	st, err := j.State()
	rec := jobRecord{ID: j.ID, File: j.File, State: st, Submitted: j.Submitted, Ended: j.Ended(), Views: j.Views}
	if err != nil {
		rec.Error = err.Error()
	}
	return rec
}

// writeRecord replaces jobs/<id>.json atomically.
func (s *Server) writeRecord(rec jobRecord) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(s.dir, rec.ID+".json.tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(s.dir, rec.ID+".json"))
}
