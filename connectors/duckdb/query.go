//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"
)

// Query runs one read-only statement on the store's database, on its own
// connection and in its own read-only transaction, so it sees the last
// committed state and runs concurrently with the commits. See doc.go for
// how "read-only" is enforced.
func (s *Store) Query(ctx context.Context, query string) (*Result, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer conn.Close()
	return runReadOnly(ctx, conn, query)
}

// QueryFile runs one read-only statement on the database file at rest at
// path, opened with access_mode=READ_ONLY and external access disabled.
// It fails with a clear error when another process holds the file.
func QueryFile(ctx context.Context, path, query string) (*Result, error) {
	if path == "" {
		return nil, fmt.Errorf("query: no database file given")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("query: the database path %q must not contain '?' or '#'", path)
	}
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("query: database file %s does not exist", path)
		}
		return nil, fmt.Errorf("query: %w", err)
	}
	c, err := duck.NewConnector(path+"?access_mode=READ_ONLY&enable_external_access=false", nil)
	if err != nil {
		return nil, fmt.Errorf("query: open %s: %w", path, friendlyOpenError(err))
	}
	db := sql.OpenDB(c)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("query: open %s: %w", path, err)
	}
	defer conn.Close()
	return runReadOnly(ctx, conn, query)
}

// readStatements are the statement types a query may have. SHOW, DESCRIBE,
// SUMMARIZE, FROM-first, VALUES and PRAGMA table_info all prepare as
// SELECT; EXPLAIN ANALYZE of a write prepares as EXPLAIN and is stopped by
// the read-only transaction.
var readStatements = map[duck.StmtType]bool{
	duck.STATEMENT_TYPE_SELECT:  true,
	duck.STATEMENT_TYPE_EXPLAIN: true,
}

var stmtTypeNames = map[duck.StmtType]string{
	duck.STATEMENT_TYPE_INSERT: "INSERT", duck.STATEMENT_TYPE_UPDATE: "UPDATE",
	duck.STATEMENT_TYPE_DELETE: "DELETE", duck.STATEMENT_TYPE_PREPARE: "PREPARE",
	duck.STATEMENT_TYPE_CREATE: "CREATE", duck.STATEMENT_TYPE_EXECUTE: "EXECUTE",
	duck.STATEMENT_TYPE_ALTER: "ALTER", duck.STATEMENT_TYPE_TRANSACTION: "a transaction statement",
	duck.STATEMENT_TYPE_COPY: "COPY", duck.STATEMENT_TYPE_ANALYZE: "ANALYZE",
	duck.STATEMENT_TYPE_VARIABLE_SET: "SET VARIABLE", duck.STATEMENT_TYPE_CREATE_FUNC: "CREATE FUNCTION",
	duck.STATEMENT_TYPE_DROP: "DROP", duck.STATEMENT_TYPE_EXPORT: "EXPORT",
	duck.STATEMENT_TYPE_PRAGMA: "PRAGMA", duck.STATEMENT_TYPE_VACUUM: "VACUUM",
	duck.STATEMENT_TYPE_CALL: "CALL", duck.STATEMENT_TYPE_SET: "SET",
	duck.STATEMENT_TYPE_LOAD: "LOAD/INSTALL", duck.STATEMENT_TYPE_EXTENSION: "an extension statement",
	duck.STATEMENT_TYPE_ATTACH: "ATTACH", duck.STATEMENT_TYPE_DETACH: "DETACH",
	duck.STATEMENT_TYPE_MULTI: "a multi-statement command",
}

// ErrNotReadOnly is wrapped by the error for a statement that is not a read.
var ErrNotReadOnly = errors.New("queries are read-only")

func runReadOnly(ctx context.Context, conn *sql.Conn, query string) (*Result, error) {
	if strings.TrimSpace(query) == "" {
		return nil, fmt.Errorf("query: empty query")
	}
	var res *Result
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(*duck.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		if _, err := c.ExecContext(ctx, "BEGIN TRANSACTION READ ONLY", nil); err != nil {
			return err
		}
		// Nothing a read does needs keeping.
		defer c.ExecContext(context.Background(), "ROLLBACK", nil)

		// Conn.Prepare (unlike PrepareContext, which runs every
		// statement but the last) refuses more than one statement.
		ds, err := c.Prepare(query)
		if err != nil {
			if strings.Contains(err.Error(), "multi-statement") {
				return fmt.Errorf("%w: give one statement at a time", ErrNotReadOnly)
			}
			return err
		}
		st := ds.(*duck.Stmt)
		defer st.Close()
		typ, err := st.StatementType()
		if err != nil {
			return err
		}
		if !readStatements[typ] {
			name := stmtTypeNames[typ]
			if name == "" {
				name = fmt.Sprintf("statement type %d", typ)
			}
			return fmt.Errorf("%w: %s is not allowed (use SELECT, WITH, SHOW, DESCRIBE, SUMMARIZE, EXPLAIN or PRAGMA table_info)",
				ErrNotReadOnly, name)
		}
		rows, err := st.QueryContext(ctx, nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		res, err = readRows(rows)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotReadOnly) {
			return nil, err
		}
		return nil, fmt.Errorf("query: %w", err)
	}
	return res, nil
}

func readRows(rows driver.Rows) (*Result, error) {
	res := &Result{Columns: rows.Columns()}
	res.Types = make([]string, len(res.Columns))
	if tn, ok := rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		for i := range res.Types {
			res.Types[i] = tn.ColumnTypeDatabaseTypeName(i)
		}
	}
	dest := make([]driver.Value, len(res.Columns))
	for {
		if err := rows.Next(dest); err != nil {
			if err == io.EOF {
				return res, nil
			}
			return nil, err
		}
		row := make([]any, len(dest))
		for i, v := range dest {
			row[i] = normalize(v)
		}
		res.Rows = append(res.Rows, row)
	}
}

// normalize maps the driver's values to the few kinds Result promises.
func normalize(v any) any {
	switch v := v.(type) {
	case nil, bool, int64, uint64, float64, string, []byte, time.Time:
		return v
	case int8:
		return int64(v)
	case int16:
		return int64(v)
	case int32:
		return int64(v)
	case int:
		return int64(v)
	case uint8:
		return uint64(v)
	case uint16:
		return uint64(v)
	case uint32:
		return uint64(v)
	case float32:
		return float64(v)
	case duck.Decimal:
		return Number(v.String())
	case *big.Int:
		return Number(v.String())
	case duck.UUID:
		return v.String()
	case *duck.UUID:
		return v.String()
	case duck.Interval:
		return fmt.Sprintf("%d months %d days %d us", v.Months, v.Days, v.Micros)
	}
	if b, err := json.Marshal(v); err == nil {
		return json.RawMessage(b)
	}
	return fmt.Sprint(v)
}
