//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec"
)

// DeadLettersTable is the table dead letters go to (SPEC §4).
const DeadLettersTable = "spate_dead_letters"

// job is the id of the job that wrote the row (NULL for rows written
// through the store itself, see Scope).
const deadLettersDDL = `CREATE TABLE IF NOT EXISTS spate_dead_letters (
	source VARCHAR, "partition" INTEGER, "offset" BIGINT, raw BLOB, reason VARCHAR, "time" TIMESTAMP, job VARCHAR)`

const deadLettersMigration = `ALTER TABLE spate_dead_letters ADD COLUMN IF NOT EXISTS job VARCHAR`

var deadLettersSchema = arrow.NewSchema([]arrow.Field{
	{Name: "source", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "partition", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "offset", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "raw", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "reason", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "time", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
	{Name: "job", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// deadLetterBuffer collects dead letters from any goroutine until the next
// commit.
type deadLetterBuffer struct {
	job  string // "" for the store's own: NULL in the job column
	mu   sync.Mutex
	list []exec.DeadLetter
}

func newDeadLetterBuffer() *deadLetterBuffer { return &deadLetterBuffer{} }

// DeadLetters returns the writer that buffers dead letters for the table
// spate_dead_letters; they are written by the next Commit (any sink's or
// Store.Commit). Safe for concurrent use. A negative partition or offset
// is stored as NULL (unknown), and so is a zero Time.
func (s *Store) DeadLetters() exec.DeadLetterWriter { return s.dl }

func (b *deadLetterBuffer) WriteDeadLetter(d exec.DeadLetter) error {
	d.Raw = append([]byte(nil), d.Raw...) // the caller reuses its buffer
	b.mu.Lock()
	b.list = append(b.list, d)
	b.mu.Unlock()
	return nil
}

func (b *deadLetterBuffer) take() []exec.DeadLetter {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.list
	b.list = nil
	return l
}

func (b *deadLetterBuffer) putBack(l []exec.DeadLetter) {
	if len(l) == 0 {
		return
	}
	b.mu.Lock()
	b.list = append(l, b.list...)
	b.mu.Unlock()
}

// writeDeadLetters inserts dls through an Arrow view. Under s.mu.
func (s *Store) writeDeadLetters(ctx context.Context, tx *sql.Tx, job string, dls []exec.DeadLetter) error {
	bld := array.NewRecordBuilder(memory.DefaultAllocator, deadLettersSchema)
	defer bld.Release()
	src := bld.Field(0).(*array.StringBuilder)
	part := bld.Field(1).(*array.Int32Builder)
	off := bld.Field(2).(*array.Int64Builder)
	raw := bld.Field(3).(*array.BinaryBuilder)
	reason := bld.Field(4).(*array.StringBuilder)
	ts := bld.Field(5).(*array.TimestampBuilder)
	jb := bld.Field(6).(*array.StringBuilder)
	for _, d := range dls {
		if job == "" {
			jb.AppendNull()
		} else {
			jb.Append(job)
		}
		src.Append(d.Source)
		if d.Partition < 0 {
			part.AppendNull()
		} else {
			part.Append(d.Partition)
		}
		if d.Offset < 0 {
			off.AppendNull()
		} else {
			off.Append(d.Offset)
		}
		raw.Append(d.Raw)
		reason.Append(d.Reason)
		if d.Time.IsZero() {
			ts.AppendNull()
		} else {
			ts.Append(arrow.Timestamp(d.Time.UnixMicro()))
		}
	}
	rec := bld.NewRecordBatch()
	defer rec.Release()
	name, drop, err := s.registerView(deadLettersSchema, []arrow.RecordBatch{rec})
	if err != nil {
		return err
	}
	// Columns by name: a migrated table has them in another order than
	// a new one might some day.
	_, err = tx.ExecContext(ctx, "INSERT INTO "+DeadLettersTable+
		` (source, "partition", "offset", raw, reason, "time", job) SELECT * FROM `+name)
	drop(ctx, tx)
	return err
}
