package engine

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/spate-sql/spate/connectors/duckdb"
)

// defaultQueryTimeout bounds one read-only query on the HTTP endpoint.
const defaultQueryTimeout = 30 * time.Second

// api is the HTTP endpoint of SPEC §7, for `spate run` (srv nil: jobs
// are listed but not submitted or cancelled) and `spate server`.
type api struct {
	host         *Host
	srv          *Server
	token        string
	queryTimeout time.Duration
	metrics      http.Handler
}

func newAPI(h *Host, srv *Server, token string, queryTimeout time.Duration) *api {
	if queryTimeout <= 0 {
		queryTimeout = defaultQueryTimeout
	}
	return &api{host: h, srv: srv, token: token, queryTimeout: queryTimeout,
		metrics: promhttp.HandlerFor(newRegistry(h), promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})}
}

func (a *api) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /query", a.query)
	mux.Handle("GET /metrics", a.metrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /jobs", a.listJobs)
	mux.HandleFunc("POST /jobs", a.submit)
	mux.HandleFunc("GET /jobs/{id}", a.getJob)
	mux.HandleFunc("DELETE /jobs/{id}", a.cancel)
	mux.HandleFunc("GET /jobs/{id}/plan", a.plan)
	return a.auth(mux)
}

// auth requires the bearer token, when there is one, on every path but
// /healthz.
func (a *api) auth(next http.Handler) http.Handler {
	if a.token == "" {
		return next
	}
	want := []byte("Bearer " + a.token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="spate"`)
			httpError(w, http.StatusUnauthorized, "missing or wrong bearer token: pass --token or set SPATE_TOKEN")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// CheckListen is the rule of SPEC §7: an endpoint reachable from other
// machines requires a bearer token. Loopback means an IP address in
// 127.0.0.0/8 or ::1, or the name localhost; an empty host (every
// interface), 0.0.0.0, any other address or name is not loopback.
func CheckListen(listen, token string) error {
	if listen == "" || token != "" || IsLoopback(listen) {
		return nil
	}
	return fmt.Errorf("--listen %s is not a loopback address, so the endpoint needs a bearer token: pass --token or set SPATE_TOKEN", listen)
}

// IsLoopback reports whether a host:port listen address is loopback only.
func IsLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// serveHTTP listens on addr and serves a in the background.
func serveHTTP(addr string, a *api) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w (pick another address with --listen, or --listen '' to disable the endpoint)", addr, err)
	}
	srv := &http.Server{Addr: ln.Addr().String(), Handler: a.handler(),
		// A client that trickles its headers or body cannot hold a
		// connection (and a goroutine) for long; nor can huge headers
		// or query strings (431) cost more than MaxHeaderBytes.
		ReadHeaderTimeout: httpHeaderTimeout,
		// The read deadline also runs while a handler works (net/http's
		// background read cancels the request when it passes), so it
		// leaves room for the longest query and a DELETE's wait.
		ReadTimeout:    httpReadTimeout + a.queryTimeout + time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: maxHeaderBytes,
	}
	go srv.Serve(ln)
	return srv, nil
}

// Limits of the HTTP endpoint (variables so tests can shorten them).
var (
	httpHeaderTimeout = 10 * time.Second
	httpReadTimeout   = time.Minute
)

const (
	maxHeaderBytes = 64 << 10 // request line and headers: a query string beyond is refused (431)
	maxQueryBody   = 1 << 20  // POST /query
	maxSubmitBody  = 4 << 20  // POST /jobs
)

// readBody reads a request body of at most limit bytes; a larger one is
// refused (413) rather than cut short, which would run part of a
// statement.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than the limit of %d bytes", limit))
		return nil, false
	case err != nil:
		httpError(w, http.StatusBadRequest, "cannot read the request body: "+err.Error())
		return nil, false
	}
	return body, true
}

func (a *api) query(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r, maxQueryBody)
	if !ok {
		return
	}
	sql := string(body)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var req struct{ SQL string }
		if err := json.Unmarshal(body, &req); err != nil {
			httpError(w, http.StatusBadRequest, "the body must be SQL text or {\"sql\": \"...\"}: "+err.Error())
			return
		}
		sql = req.SQL
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	if format != "table" && format != "csv" && format != "json" {
		httpError(w, http.StatusBadRequest, "format must be table, csv or json")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.queryTimeout)
	defer cancel()
	res, err := a.host.Store().Query(ctx, sql)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			httpError(w, http.StatusBadRequest, fmt.Sprintf("query: stopped after the time limit of %s", a.queryTimeout))
			return
		}
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	var buf bytes.Buffer
	if err := duckdb.Format(&buf, res, format); err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Write(buf.Bytes())
}

// JobInfo is a job as GET /jobs shows it.
type JobInfo struct {
	ID          string    `json:"id"`
	File        string    `json:"file"`
	State       JobState  `json:"state"`
	Error       string    `json:"error,omitempty"`
	Submitted   time.Time `json:"submitted"`
	Ended       time.Time `json:"ended,omitzero"`
	Views       []string  `json:"views"`
	EventsIn    int64     `json:"events_in"`
	RowsOut     int64     `json:"rows_out"`
	EventsPerS  float64   `json:"events_in_per_sec"`
	RowsPerS    float64   `json:"rows_out_per_sec"`
	Lag         int64     `json:"lag"` // -1: no source reports lag
	Watermark   string    `json:"watermark"`
	LateEvents  int64     `json:"late_events"`
	DeadLetters int64     `json:"dead_letters"`
	Warnings    []string  `json:"warnings,omitempty"`
}

func jobInfo(j *Job) JobInfo {
	st, err := j.State()
	in := JobInfo{ID: j.ID, File: j.File, State: st, Submitted: j.Submitted, Ended: j.Ended(), Views: j.Views, Lag: -1, Watermark: "-"}
	if in.Views == nil {
		in.Views = []string{}
	}
	if err != nil {
		in.Error = err.Error()
	}
	if stats := j.Stats(); stats != nil {
		s := summarize(stats)
		in.EventsIn, in.RowsOut, in.Lag, in.LateEvents, in.DeadLetters = s.in, s.out, s.lag, s.late, s.dead
		in.Watermark = formatWatermark(s.wm)
		in.EventsPerS, in.RowsPerS = j.Rates(s)
	}
	if j.Pipeline != nil {
		in.Warnings = j.Pipeline.Warnings
	}
	return in
}

func (a *api) listJobs(w http.ResponseWriter, r *http.Request) {
	out := []JobInfo{}
	for _, j := range a.host.Jobs() {
		out = append(out, jobInfo(j))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *api) getJob(w http.ResponseWriter, r *http.Request) {
	j := a.host.Job(r.PathValue("id"))
	if j == nil {
		httpError(w, http.StatusNotFound, "no job "+r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, jobInfo(j))
}

// submitRequest is the body of POST /jobs (or the pipeline text itself,
// with ?file=NAME).
type submitRequest struct {
	File string `json:"file"`
	SQL  string `json:"sql"`
	ID   string `json:"id,omitempty"`
}

func (a *api) submit(w http.ResponseWriter, r *http.Request) {
	if a.srv == nil {
		httpError(w, http.StatusMethodNotAllowed, "this endpoint belongs to `spate run`, which runs one pipeline; submit jobs to `spate server`")
		return
	}
	body, ok := readBody(w, r, maxSubmitBody)
	if !ok {
		return
	}
	req := submitRequest{File: r.URL.Query().Get("file"), SQL: string(body), ID: r.URL.Query().Get("id")}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		req = submitRequest{}
		if err := json.Unmarshal(body, &req); err != nil {
			httpError(w, http.StatusBadRequest, `the body must be pipeline SQL or {"file": "...", "sql": "..."}: `+err.Error())
			return
		}
	}
	if req.File == "" {
		req.File = "pipeline.sql"
	}
	j, err := a.srv.Submit(req)
	if err != nil {
		var clash *ViewClashError
		switch {
		case IsSQLError(err):
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error(), "sql_error": true})
		case errors.As(err, &clash):
			httpError(w, http.StatusConflict, err.Error())
		case errors.Is(err, ErrHostClosed):
			httpError(w, http.StatusServiceUnavailable, err.Error())
		default:
			httpError(w, http.StatusBadRequest, err.Error())
		}
		return
	}
	writeJSON(w, http.StatusCreated, jobInfo(j))
}

func (a *api) cancel(w http.ResponseWriter, r *http.Request) {
	if a.srv == nil {
		httpError(w, http.StatusMethodNotAllowed, "this endpoint belongs to `spate run`; stop it with Ctrl-C")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	j, err := a.host.Cancel(ctx, r.PathValue("id"))
	switch {
	case errors.Is(err, ErrNoJob):
		httpError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrNotRunning):
		httpError(w, http.StatusConflict, err.Error())
	case err != nil:
		httpError(w, http.StatusInternalServerError, err.Error())
	default:
		writeJSON(w, http.StatusOK, jobInfo(j))
	}
}

func (a *api) plan(w http.ResponseWriter, r *http.Request) {
	j := a.host.Job(r.PathValue("id"))
	if j == nil {
		httpError(w, http.StatusNotFound, "no job "+r.PathValue("id"))
		return
	}
	format := r.URL.Query().Get("format")
	p := j.Pipeline
	if p == nil {
		var err error
		if p, err = CompileSource(j.File, j.Source); err != nil {
			httpError(w, http.StatusInternalServerError, err.Error())
			return
		}
	}
	out, err := p.Explain(format)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, out)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func httpError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
