package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spate-sql/spate/connectors/duckdb"
	"github.com/spate-sql/spate/connectors/kafka"
	"github.com/spate-sql/spate/exec"
)

// QueryOptions are the flags of `spate query`.
type QueryOptions struct {
	DB        string
	Server    string
	ServerSet bool // --server given explicitly: never fall back to the file
	Format    string
}

// queryTimeout bounds one read-only query on the HTTP endpoint.
const queryTimeout = 30 * time.Second

// Query runs a read-only query: through a running spate's endpoint when
// --server is given or the database file is held by a running spate, on
// the file at rest otherwise.
func Query(ctx context.Context, sql string, o QueryOptions, w io.Writer) error {
	if o.ServerSet {
		return queryServer(ctx, o.Server, sql, o.Format, w)
	}
	if _, err := os.Stat(o.DB); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			if herr := queryServer(ctx, o.Server, sql, o.Format, w); herr == nil {
				return nil
			}
			return fmt.Errorf("database %s does not exist and no spate answers at %s (run a pipeline first, or pass --db or --server)", o.DB, o.Server)
		}
		return err
	}
	res, err := duckdb.QueryFile(ctx, o.DB, sql)
	if err != nil {
		if duckdb.IsLocked(err) {
			// A running spate holds the file: ask it instead.
			return queryServer(ctx, o.Server, sql, o.Format, w)
		}
		return err
	}
	return duckdb.Format(w, res, o.Format)
}

func queryServer(ctx context.Context, server, sql, format string, w io.Writer) error {
	u, err := url.Parse(strings.TrimRight(server, "/") + "/query")
	if err != nil {
		return fmt.Errorf("bad --server %q: %w", server, err)
	}
	q := u.Query()
	q.Set("format", format)
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, queryTimeout+5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(sql))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain")
	if tok := os.Getenv("SPATE_TOKEN"); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach spate at %s: %w", server, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return errors.New(e.Error)
		}
		return fmt.Errorf("spate at %s answered %s: %s", server, resp.Status, bytes.TrimSpace(body))
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

// handler serves a running job's endpoint.
func handler(store *duckdb.Store, job *exec.Job) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /query", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			httpError(w, http.StatusBadRequest, "cannot read the request body: "+err.Error())
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
		ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
		defer cancel()
		res, err := store.Query(ctx, sql)
		if err != nil {
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
		var buf bytes.Buffer
		if err := duckdb.Format(&buf, res, format); err != nil {
			httpError(w, http.StatusInternalServerError, err.Error())
			return
		}
		w.Write(buf.Bytes())
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		writeMetrics(w, job.Stats())
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	return mux
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// writeMetrics writes the job's counters in the Prometheus text format.
func writeMetrics(w io.Writer, stats []exec.NodeStats) {
	type metric struct{ name, help, typ string }
	ms := []metric{
		{"spate_rows_in_total", "Rows received by the node.", "counter"},
		{"spate_rows_out_total", "Rows emitted by the node.", "counter"},
		{"spate_late_events_total", "Events dropped because their window had closed.", "counter"},
		{"spate_dead_letters_total", "Records sent to spate_dead_letters.", "counter"},
		{"spate_state_rows", "Rows of operator state held.", "gauge"},
		{"spate_watermark_ms", "Last watermark delivered to the node (ms since epoch).", "gauge"},
	}
	for i, m := range ms {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", m.name, m.help, m.name, m.typ)
		for _, s := range stats {
			var v int64
			switch i {
			case 0:
				v = s.RowsIn
			case 1:
				v = s.RowsOut
			case 2:
				v = s.LateEvents
			case 3:
				v = s.DeadLetters
			case 4:
				v = s.StateRows
			case 5:
				if s.Watermark == exec.MinWatermark || s.Watermark == exec.MaxWatermark {
					continue
				}
				v = s.Watermark
			}
			fmt.Fprintf(w, "%s{node=\"%d\",kind=\"%s\",name=%q} %d\n", m.name, s.ID, strings.ToLower(s.Kind.String()), s.Name, v)
		}
	}
}

// Produce sends JSON lines from r into topic.
func Produce(ctx context.Context, brokers, topic, key string, r io.Reader) (int, error) {
	return kafka.Produce(ctx, splitBrokers(brokers), topic, key, r)
}
