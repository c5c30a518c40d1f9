package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/spate-sql/spate/connectors/duckdb"
	"github.com/spate-sql/spate/connectors/kafka"
)

// QueryOptions are the flags of `spate query`.
type QueryOptions struct {
	DB        string
	Server    string
	ServerSet bool // --server given explicitly: never fall back to the file
	Format    string
	Token     string // bearer token for --server (default: $SPATE_TOKEN)
}

// Query runs a read-only query: through a running spate's endpoint when
// --server is given or the database file is held by a running spate, on
// the file at rest otherwise.
func Query(ctx context.Context, sql string, o QueryOptions, w io.Writer) error {
	if o.ServerSet {
		return queryServer(ctx, o.Server, o.Token, sql, o.Format, w)
	}
	if _, err := os.Stat(o.DB); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			if herr := queryServer(ctx, o.Server, o.Token, sql, o.Format, w); herr == nil {
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
			return queryServer(ctx, o.Server, o.Token, sql, o.Format, w)
		}
		return err
	}
	return duckdb.Format(w, res, o.Format)
}

func queryServer(ctx context.Context, server, token, sql, format string, w io.Writer) error {
	c, err := newClient(server, token)
	if err != nil {
		return err
	}
	q := url.Values{"format": {format}}
	body, err := c.do(ctx, http.MethodPost, "/query?"+q.Encode(), "text/plain", strings.NewReader(sql), http.StatusOK)
	if err != nil {
		return err
	}
	_, err = w.Write(body)
	return err
}

// Produce sends JSON lines from r into topic.
func Produce(ctx context.Context, brokers, topic, key string, r io.Reader) (int, error) {
	return kafka.Produce(ctx, splitBrokers(brokers), topic, key, r)
}
