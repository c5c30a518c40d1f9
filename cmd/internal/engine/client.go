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
	"text/tabwriter"
	"time"
)

// ClientOptions are the flags `spate submit`, `jobs` and `cancel` share.
type ClientOptions struct {
	Server string // http://127.0.0.1:7070
	Token  string // "" : $SPATE_TOKEN
	Format string // jobs: table or json
}

// client talks to a running spate's HTTP API.
type client struct {
	base  *url.URL
	token string
	http  *http.Client
}

func newClient(server, token string) (*client, error) {
	u, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bad --server %q: want a URL such as http://127.0.0.1:7070", server)
	}
	if token == "" {
		token = os.Getenv("SPATE_TOKEN")
	}
	return &client{base: u, token: token, http: &http.Client{}}, nil
}

// remoteSQLError is a positioned SQL error reported by the server (exit
// code 2, like the same error from `spate run`).
type remoteSQLError struct{ msg string }

func (e *remoteSQLError) Error() string { return e.msg }

// do sends one request and returns the body of an answer with status
// want; any other answer becomes an error carrying the server's message.
func (c *client) do(ctx context.Context, method, path, contentType string, body io.Reader, want int) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, defaultQueryTimeout+time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach spate at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the answer of %s: %w", c.base, err)
	}
	if resp.StatusCode == want {
		return b, nil
	}
	var e struct {
		Error    string `json:"error"`
		SQLError bool   `json:"sql_error"`
	}
	if json.Unmarshal(b, &e) == nil && e.Error != "" {
		if e.SQLError {
			return nil, &remoteSQLError{e.Error}
		}
		return nil, errors.New(e.Error)
	}
	return nil, fmt.Errorf("spate at %s answered %s: %s", c.base, resp.Status, bytes.TrimSpace(b))
}

// Submit sends a pipeline file to a server and prints the new job.
func Submit(ctx context.Context, file string, o ClientOptions, w, warn io.Writer) (JobInfo, error) {
	var info JobInfo
	src, err := os.ReadFile(file)
	if err != nil {
		return info, fmt.Errorf("cannot read pipeline: %w", err)
	}
	c, err := newClient(o.Server, o.Token)
	if err != nil {
		return info, err
	}
	body, _ := json.Marshal(submitRequest{File: file, SQL: string(src)})
	b, err := c.do(ctx, http.MethodPost, "/jobs", "application/json", bytes.NewReader(body), http.StatusCreated)
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("unexpected answer from %s: %w", o.Server, err)
	}
	for _, m := range info.Warnings {
		fmt.Fprintf(warn, "spate: warning: %s\n", m)
	}
	fmt.Fprintf(w, "submitted job %s (views: %s)\n", info.ID, strings.Join(info.Views, ", "))
	return info, nil
}

// ListJobs prints the server's jobs as a table or JSON.
func ListJobs(ctx context.Context, o ClientOptions, w io.Writer) ([]JobInfo, error) {
	c, err := newClient(o.Server, o.Token)
	if err != nil {
		return nil, err
	}
	b, err := c.do(ctx, http.MethodGet, "/jobs", "", nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var jobs []JobInfo
	if err := json.Unmarshal(b, &jobs); err != nil {
		return nil, fmt.Errorf("unexpected answer from %s: %w", o.Server, err)
	}
	if o.Format == "json" {
		_, err = w.Write(b)
		return jobs, err
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tEVENTS IN\tIN/S\tROWS OUT\tOUT/S\tLAG\tWATERMARK\tVIEWS\tERROR")
	for _, j := range jobs {
		lag := "-"
		if j.Lag >= 0 {
			lag = fmt.Sprint(j.Lag)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", j.ID, j.State, j.EventsIn, human(j.EventsPerS),
			j.RowsOut, human(j.RowsPerS), lag, j.Watermark, strings.Join(j.Views, ","), j.Error)
	}
	return jobs, tw.Flush()
}

// Cancel stops a job on a server.
func Cancel(ctx context.Context, id string, o ClientOptions, w io.Writer) error {
	c, err := newClient(o.Server, o.Token)
	if err != nil {
		return err
	}
	if _, err := c.do(ctx, http.MethodDelete, "/jobs/"+url.PathEscape(id), "", nil, http.StatusOK); err != nil {
		return err
	}
	fmt.Fprintf(w, "cancelled job %s\n", id)
	return nil
}
