//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

// seqColumn numbers the rows of one commit so the last change of a key
// wins; DuckDB's scan of an Arrow stream does not promise row order to a
// window function.
const seqColumn = "__spate_seq"

// mvMode is how a commit reaches the table.
type mvMode int

const (
	// modeAppend: INSERT INTO t SELECT * FROM view.
	modeAppend mvMode = iota
	// modeUpsertPK: the table has a PRIMARY KEY on the key columns.
	// INSERT OR REPLACE of the live rows uses the key index (no table
	// scan); a DELETE ... USING runs only when the commit deletes keys.
	modeUpsertPK
	// modeUpsertMerge: some key column is nullable, and DuckDB primary
	// keys cannot hold NULL, so the table has no key constraint and one
	// MERGE INTO ... ON k IS NOT DISTINCT FROM ... applies the changes
	// (NULL is one group, as in GROUP BY). It joins with the whole table.
	modeUpsertMerge
	// modeUpsertSingle: no key columns (a global aggregate such as
	// SELECT count(*) FROM s): the table holds at most one row, replaced
	// by the last change of each commit.
	modeUpsertSingle
)

// mvSink is the operator writing one materialized view table.
type mvSink struct {
	store   *Store
	scope   *Scope // nil: the store's own (Store.Commit)
	name    string
	table   string
	schema  *arrow.Schema // input schema (ends with __deleted when upsert)
	ncols   int           // table columns: the input minus __deleted
	keys    []int
	deleted int // input index of __deleted, -1 for append
	mode    mvMode

	viewSchema *arrow.Schema // what the SQL reads: table columns [+ __deleted, __spate_seq]
	stmts      []string      // per-commit SQL with %[1]s = view name
	deleteStmt string        // modeUpsertPK: run only when the commit deletes keys

	alloc   memory.Allocator
	metrics *exec.OpMetrics

	mu      sync.Mutex // guards pending and staged: commits run on other goroutines
	pending []arrow.RecordBatch
	staged  []arrow.RecordBatch
}

// MaterializeSink returns the operator that keeps table
// spec.Options["table"] equal to the view's output. It creates the table
// when absent (and checks an existing one has the same columns). The
// operator buffers batches on Push; they reach the table at Commit (its
// own, or Store.Commit), in one transaction per commit.
func (s *Store) MaterializeSink(spec *exec.SinkSpec) (exec.Operator, error) {
	return s.materializeSink(nil, spec)
}

func (s *Store) materializeSink(sc *Scope, spec *exec.SinkSpec) (exec.Operator, error) {
	table := spec.Options["table"]
	if table == "" {
		table = spec.Name
	}
	if table == "" {
		return nil, fmt.Errorf("materialized view sink: no table name")
	}
	k := &mvSink{store: s, scope: sc, name: spec.Name, table: table, schema: spec.Schema, deleted: -1,
		alloc: memory.DefaultAllocator, metrics: &exec.OpMetrics{}}
	if err := k.plan(spec); err != nil {
		return nil, fmt.Errorf("materialized view %s: %w", table, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	if err := k.createTable(context.Background()); err != nil {
		return nil, fmt.Errorf("materialized view %s: %w", table, err)
	}
	s.sinks = append(s.sinks, k)
	return k, nil
}

// plan checks the spec and builds the schema and SQL of the commits.
func (k *mvSink) plan(spec *exec.SinkSpec) error {
	sc := spec.Schema
	if sc == nil || sc.NumFields() == 0 {
		return fmt.Errorf("no columns")
	}
	k.ncols = sc.NumFields()
	if spec.Upsert {
		last := sc.Field(sc.NumFields() - 1)
		if last.Name != expr.DeletedColumn || last.Type.ID() != arrow.BOOL {
			return fmt.Errorf("upsert input must end with BOOLEAN column %s", expr.DeletedColumn)
		}
		k.deleted = sc.NumFields() - 1
		k.ncols--
		for _, c := range spec.Keys {
			if c < 0 || c >= k.ncols {
				return fmt.Errorf("key column index %d out of range", c)
			}
		}
		k.keys = append([]int(nil), spec.Keys...)
	}
	fields := make([]arrow.Field, 0, sc.NumFields()+1)
	seen := make(map[string]bool, k.ncols)
	for i := 0; i < k.ncols; i++ {
		f := sc.Field(i)
		if _, err := duckType(f.Type); err != nil {
			return fmt.Errorf("column %s: %w", f.Name, err)
		}
		lname := strings.ToLower(f.Name)
		if seen[lname] {
			return fmt.Errorf("duplicate column name %s (give it an alias)", f.Name)
		}
		seen[lname] = true
		fields = append(fields, arrow.Field{Name: f.Name, Type: f.Type, Nullable: true})
	}
	if k.deleted < 0 {
		k.viewSchema = arrow.NewSchema(fields, nil)
		k.mode = modeAppend
		k.stmts = []string{"INSERT INTO " + quoteIdent(k.table) + " SELECT * FROM %[1]s"}
		return nil
	}
	fields = append(fields,
		arrow.Field{Name: expr.DeletedColumn, Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		arrow.Field{Name: seqColumn, Type: arrow.PrimitiveTypes.Int64})
	k.viewSchema = arrow.NewSchema(fields, nil)
	k.mode = modeUpsertPK
	if len(k.keys) == 0 {
		k.mode = modeUpsertSingle
	}
	for _, c := range k.keys {
		if sc.Field(c).Nullable {
			k.mode = modeUpsertMerge
		}
	}
	return nil
}

// buildUpsertSQL fills stmts for the upsert modes (after the mode is final:
// an existing table decides whether there is a key constraint).
func (k *mvSink) buildUpsertSQL() {
	t := quoteIdent(k.table)
	var keyList []string
	for _, c := range k.keys {
		keyList = append(keyList, quoteIdent(k.schema.Field(c).Name))
	}
	// The last change of each key within the commit.
	latest := fmt.Sprintf("(SELECT * FROM %%[1]s QUALIFY row_number() OVER (PARTITION BY %s ORDER BY %s DESC) = 1)",
		strings.Join(keyList, ", "), seqColumn)
	del := quoteIdent(expr.DeletedColumn)
	if k.mode == modeUpsertSingle {
		last := fmt.Sprintf("(SELECT * FROM %%[1]s ORDER BY %s DESC LIMIT 1)", seqColumn)
		k.stmts = []string{
			// Reads the view only to keep every statement's shape alike.
			fmt.Sprintf("DELETE FROM %s WHERE EXISTS (SELECT 1 FROM %%[1]s)", t),
			fmt.Sprintf("INSERT INTO %s SELECT * EXCLUDE (%s, %s) FROM %s WHERE %s IS NOT TRUE", t, del, seqColumn, last, del),
		}
		return
	}
	switch k.mode {
	case modeUpsertPK:
		k.stmts = []string{fmt.Sprintf("INSERT OR REPLACE INTO %s SELECT * EXCLUDE (%s, %s) FROM %s WHERE %s IS NOT TRUE",
			t, del, seqColumn, latest, del)}
		var on []string
		for _, q := range keyList {
			on = append(on, fmt.Sprintf("%s.%s = d.%s", t, q, q))
		}
		k.deleteStmt = fmt.Sprintf("DELETE FROM %s USING %s AS d WHERE d.%s IS TRUE AND %s",
			t, latest, del, strings.Join(on, " AND "))
	case modeUpsertMerge:
		var on, set, vals []string
		isKey := make(map[int]bool)
		for _, c := range k.keys {
			isKey[c] = true
		}
		for i := 0; i < k.ncols; i++ {
			q := quoteIdent(k.schema.Field(i).Name)
			vals = append(vals, "s."+q)
			if isKey[i] {
				on = append(on, fmt.Sprintf("%s.%s IS NOT DISTINCT FROM s.%s", t, q, q))
			} else {
				set = append(set, fmt.Sprintf("%s = s.%s", q, q))
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "MERGE INTO %s USING %s AS s ON %s WHEN MATCHED AND s.%s IS TRUE THEN DELETE",
			t, latest, strings.Join(on, " AND "), del)
		if len(set) > 0 {
			fmt.Fprintf(&b, " WHEN MATCHED THEN UPDATE SET %s", strings.Join(set, ", "))
		}
		fmt.Fprintf(&b, " WHEN NOT MATCHED AND s.%s IS NOT TRUE THEN INSERT VALUES (%s)", del, strings.Join(vals, ", "))
		k.stmts = []string{b.String()}
	}
}

// createTable creates the table, or checks that an existing one matches.
// Under store.mu.
func (k *mvSink) createTable(ctx context.Context) error {
	c := k.store.wconn
	var want []string
	for i := 0; i < k.ncols; i++ {
		t, _ := duckType(k.schema.Field(i).Type)
		want = append(want, t)
	}
	rows, err := c.QueryContext(ctx, `SELECT column_name, data_type FROM duckdb_columns()
		WHERE database_name = current_database() AND schema_name = 'main' AND lower(table_name) = lower(?)
		ORDER BY column_index`, k.table)
	if err != nil {
		return fmt.Errorf("read table definition: %w", err)
	}
	var haveNames, haveTypes []string
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			rows.Close()
			return fmt.Errorf("read table definition: %w", err)
		}
		haveNames = append(haveNames, n)
		haveTypes = append(haveTypes, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read table definition: %w", err)
	}

	if len(haveNames) == 0 {
		var cols []string
		for i := 0; i < k.ncols; i++ {
			cols = append(cols, quoteIdent(k.schema.Field(i).Name)+" "+want[i])
		}
		if k.mode == modeUpsertPK {
			var kn []string
			for _, c := range k.keys {
				kn = append(kn, quoteIdent(k.schema.Field(c).Name))
			}
			cols = append(cols, "PRIMARY KEY ("+strings.Join(kn, ", ")+")")
		}
		ddl := "CREATE TABLE " + quoteIdent(k.table) + " (" + strings.Join(cols, ", ") + ")"
		if _, err := c.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("create table: %w", err)
		}
	} else {
		if err := k.checkExisting(haveNames, haveTypes, want); err != nil {
			return err
		}
		pk, err := k.primaryKey(ctx)
		if err != nil {
			return err
		}
		switch {
		case k.mode == modeAppend && len(pk) > 0:
			return fmt.Errorf("table %s exists with a primary key, but the view is append-only; drop the table or use another database", k.table)
		case k.mode != modeAppend && len(pk) > 0:
			if !sameNames(pk, k.keyNames()) {
				return fmt.Errorf("table %s exists with primary key (%s), but the view's key is (%s); drop the table or use another database",
					k.table, strings.Join(pk, ", "), strings.Join(k.keyNames(), ", "))
			}
			k.mode = modeUpsertPK
		case k.mode == modeUpsertSingle:
		case k.mode != modeAppend:
			k.mode = modeUpsertMerge
		}
	}
	if k.mode != modeAppend {
		k.buildUpsertSQL()
	}
	return nil
}

func (k *mvSink) keyNames() []string {
	var n []string
	for _, c := range k.keys {
		n = append(n, k.schema.Field(c).Name)
	}
	return n
}

func sameNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

func (k *mvSink) checkExisting(names, types, want []string) error {
	var wantDesc, haveDesc []string
	for i := 0; i < k.ncols; i++ {
		wantDesc = append(wantDesc, k.schema.Field(i).Name+" "+want[i])
	}
	for i := range names {
		haveDesc = append(haveDesc, names[i]+" "+types[i])
	}
	ok := len(names) == k.ncols
	for i := 0; ok && i < k.ncols; i++ {
		ok = strings.EqualFold(names[i], k.schema.Field(i).Name) && strings.EqualFold(types[i], want[i])
	}
	if !ok {
		return fmt.Errorf("table %s exists with columns (%s) but the view has (%s); drop the table or use another database",
			k.table, strings.Join(haveDesc, ", "), strings.Join(wantDesc, ", "))
	}
	return nil
}

// primaryKey returns the primary key columns of the existing table.
func (k *mvSink) primaryKey(ctx context.Context) ([]string, error) {
	rows, err := k.store.wconn.QueryContext(ctx, `SELECT unnest(constraint_column_names) FROM duckdb_constraints()
		WHERE database_name = current_database() AND schema_name = 'main' AND lower(table_name) = lower(?)
		AND constraint_type = 'PRIMARY KEY'`, k.table)
	if err != nil {
		return nil, fmt.Errorf("read table constraints: %w", err)
	}
	defer rows.Close()
	var pk []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("read table constraints: %w", err)
		}
		pk = append(pk, n)
	}
	return pk, rows.Err()
}

// duckType is the DuckDB column type of an Arrow type (exec/expr/types.go
// mapping, plus the few other Arrow types DuckDB reads the same way).
func duckType(t arrow.DataType) (string, error) {
	switch t := t.(type) {
	case *arrow.Int64Type:
		return "BIGINT", nil
	case *arrow.Int32Type:
		return "INTEGER", nil
	case *arrow.Int16Type:
		return "SMALLINT", nil
	case *arrow.Int8Type:
		return "TINYINT", nil
	case *arrow.Float64Type:
		return "DOUBLE", nil
	case *arrow.Float32Type:
		return "FLOAT", nil
	case *arrow.Decimal128Type:
		if t.Precision < 1 || t.Precision > 38 || t.Scale < 0 || t.Scale > t.Precision {
			return "", fmt.Errorf("DECIMAL(%d,%d) is outside DuckDB's range (precision 1..38)", t.Precision, t.Scale)
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale), nil
	case *arrow.StringType, *arrow.LargeStringType:
		return "VARCHAR", nil
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		return "BLOB", nil
	case *arrow.BooleanType:
		return "BOOLEAN", nil
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return "TIMESTAMPTZ", nil
		}
		return "TIMESTAMP", nil
	case *arrow.Date32Type:
		return "DATE", nil
	}
	return "", fmt.Errorf("type %s has no DuckDB column type", t)
}

func (k *mvSink) Open(ctx *exec.OpContext, _ exec.Emitter) error {
	if ctx != nil {
		if ctx.Alloc != nil {
			k.alloc = ctx.Alloc
		}
		if ctx.Metrics != nil {
			k.metrics = ctx.Metrics
		}
	}
	return nil
}

// Push keeps b (Retain) until the commit that writes it.
func (k *mvSink) Push(_ int, b arrow.RecordBatch) error {
	if int(b.NumCols()) != k.schema.NumFields() {
		return fmt.Errorf("materialized view %s: batch has %d columns, want %d", k.table, b.NumCols(), k.schema.NumFields())
	}
	for i := 0; i < k.schema.NumFields(); i++ {
		if !arrow.TypeEqual(b.Column(i).DataType(), k.schema.Field(i).Type) {
			return fmt.Errorf("materialized view %s: column %s is %s, want %s",
				k.table, k.schema.Field(i).Name, b.Column(i).DataType(), k.schema.Field(i).Type)
		}
	}
	if b.NumRows() == 0 {
		return nil
	}
	if k.mode == modeUpsertPK {
		for _, c := range k.keys {
			if b.Column(c).NullN() > 0 {
				return fmt.Errorf("materialized view %s: NULL in key column %s, which the table's primary key forbids",
					k.table, k.schema.Field(c).Name)
			}
		}
	}
	b.Retain()
	k.mu.Lock()
	k.pending = append(k.pending, b)
	k.mu.Unlock()
	return nil
}

// anyTrue reports whether a boolean array holds a valid true.
func anyTrue(a *array.Boolean) bool {
	for i := 0; i < a.Len(); i++ {
		if a.Value(i) && a.IsValid(i) {
			return true
		}
	}
	return false
}

func (k *mvSink) Watermark(int64) error { return nil }

// Commit writes what this sink buffered (see Store.SetCheckpointMode).
func (k *mvSink) Commit(ctx context.Context) error {
	k.stage()
	if k.store.checkpointMode.Load() {
		return nil
	}
	return k.store.commit(ctx, k.scope, nil)
}

// Close drops what was not committed and detaches the sink from the store.
func (k *mvSink) Close() error {
	k.store.mu.Lock()
	for i, s := range k.store.sinks {
		if s == k {
			k.store.sinks = append(k.store.sinks[:i:i], k.store.sinks[i+1:]...)
			break
		}
	}
	k.store.mu.Unlock()
	k.dropAll()
	return nil
}

func (k *mvSink) stage() {
	k.mu.Lock()
	k.staged = append(k.staged, k.pending...)
	k.pending = nil
	k.mu.Unlock()
}

func (k *mvSink) takeStaged() []arrow.RecordBatch {
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.staged
	k.staged = nil
	return b
}

// unstage puts back the batches of a failed commit, ahead of anything
// staged since.
func (k *mvSink) unstage(b []arrow.RecordBatch) {
	k.mu.Lock()
	k.staged = append(b, k.staged...)
	k.mu.Unlock()
}

func (k *mvSink) committed(b []arrow.RecordBatch, rows int64) {
	for _, r := range b {
		r.Release()
	}
	k.metrics.RowsOut.Add(rows)
}

func (k *mvSink) dropAll() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, r := range k.pending {
		r.Release()
	}
	for _, r := range k.staged {
		r.Release()
	}
	k.pending, k.staged = nil, nil
}

// write applies batches to the table inside tx. Under store.mu.
func (k *mvSink) write(ctx context.Context, tx *sql.Tx, batches []arrow.RecordBatch) (int64, error) {
	views := make([]arrow.RecordBatch, 0, len(batches))
	defer func() {
		for _, v := range views {
			v.Release()
		}
	}()
	var rows, seq int64
	hasDel := false
	for _, b := range batches {
		cols := make([]arrow.Array, 0, k.viewSchema.NumFields())
		for i := 0; i < k.ncols; i++ {
			cols = append(cols, b.Column(i))
		}
		n := b.NumRows()
		if k.deleted >= 0 {
			del := b.Column(k.deleted)
			hasDel = hasDel || anyTrue(del.(*array.Boolean))
			s := seqArray(k.alloc, seq, int(n))
			seq += n
			cols = append(cols, del, s)
			views = append(views, array.NewRecordBatch(k.viewSchema, cols, n))
			s.Release()
		} else {
			views = append(views, array.NewRecordBatch(k.viewSchema, cols, n))
		}
		rows += n
	}
	stmts := k.stmts
	if hasDel && k.deleteStmt != "" {
		stmts = append([]string{k.deleteStmt}, stmts...)
	}
	for _, st := range stmts {
		// An Arrow view is a one-shot stream: each statement gets its own.
		name, drop, err := k.store.registerView(k.viewSchema, views)
		if err != nil {
			return 0, err
		}
		_, err = tx.ExecContext(ctx, fmt.Sprintf(st, name))
		drop(ctx, tx)
		if err != nil {
			return 0, err
		}
	}
	return rows, nil
}

// seqArray is start, start+1, ... (n values).
func seqArray(alloc memory.Allocator, start int64, n int) arrow.Array {
	buf := memory.NewResizableBuffer(alloc)
	buf.Resize(n * 8)
	v := arrow.Int64Traits.CastFromBytes(buf.Bytes())
	for i := range v {
		v[i] = start + int64(i)
	}
	data := array.NewData(arrow.PrimitiveTypes.Int64, n, []*memory.Buffer{nil, buf}, nil, 0, 0)
	buf.Release()
	a := array.MakeFromData(data)
	data.Release()
	return a
}
