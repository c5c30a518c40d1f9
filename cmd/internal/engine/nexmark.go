package engine

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/connectors/jsonfmt"
	"github.com/spate-sql/spate/connectors/nexmark"
)

// GenNexmark writes the Nexmark events [0, cfg.Events) as JSON lines
// (`spate gen nexmark`). With a table, only that table's rows, exactly its
// columns (SPEC §6). With table "", the rows of all three tables
// interleaved in event order, each line exactly its own table's columns
// (a bid has "bidder", an auction "seller", a person "email_address").
// cfg.Events 0 writes until w fails.
func GenNexmark(w io.Writer, table string, cfg nexmark.Config) error {
	if table != "" {
		return nexmark.WriteJSONL(w, table, cfg)
	}
	g := nexmark.NewGenerator(cfg)
	var encs [3]*jsonfmt.Encoder
	for t := nexmark.Person; t <= nexmark.Bid; t++ {
		sc, err := nexmark.Schema(t.String())
		if err != nil {
			return err
		}
		if encs[t], err = jsonfmt.NewEncoder(sc, jsonfmt.EncoderOptions{}); err != nil {
			return err
		}
	}
	end := cfg.Events
	if end <= 0 {
		end = math.MaxInt64
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	const chunk = 50 * 100 // whole epochs of the 1:3:46 mix
	var buf []byte
	for from := int64(0); from < end; from += chunk {
		to := min(from+chunk, end)
		var recs [3]arrow.RecordBatch
		var next [3]int
		for t := nexmark.Person; t <= nexmark.Bid; t++ {
			n := nexmark.CountOf(t, from, to)
			if n == 0 {
				continue
			}
			recs[t], _ = g.Batch(memory.DefaultAllocator, t, from, to, int(n))
			if err := encs[t].Bind(recs[t]); err != nil {
				releaseAll(recs[:])
				return err
			}
		}
		buf = buf[:0]
		for n := from; n < to; n++ {
			t := nexmark.KindOf(n)
			buf = append(encs[t].AppendRow(buf, next[t]), '\n')
			next[t]++
		}
		releaseAll(recs[:])
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("write nexmark events: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write nexmark events: %w", err)
	}
	return nil
}

func releaseAll(recs []arrow.RecordBatch) {
	for _, r := range recs {
		if r != nil {
			r.Release()
		}
	}
}

// nexmarkSQLType is the SQL type of a nexmark column.
func nexmarkSQLType(dt arrow.DataType) (string, error) {
	switch dt.String() {
	case "int64":
		return "BIGINT", nil
	case "utf8":
		return "VARCHAR", nil
	case "timestamp[ms]":
		return "TIMESTAMP", nil
	}
	return "", fmt.Errorf("nexmark column type %s has no SQL type", dt)
}

// LoadNexmarkTables writes the three tables' JSONL for cfg into dir and
// loads them into db as person, auction and bid (the Nexmark queries'
// DuckDB twins read them), each with a column seq: the row's position in
// its table's stream, which is the order spate receives the rows in (the
// twins of top-N queries break ties with it).
func LoadNexmarkTables(ctx context.Context, db *sql.DB, dir string, cfg nexmark.Config) error {
	// One thread reads each file in order, so row_number() OVER () is the
	// line number.
	for _, q := range []string{"SET TimeZone = 'UTC'", "SET threads = 1", "SET preserve_insertion_order = true"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb: %s: %w", q, err)
		}
	}
	for _, table := range []string{"person", "auction", "bid"} {
		file := filepath.Join(dir, table+".jsonl")
		f, err := os.Create(file)
		if err != nil {
			return err
		}
		err = nexmark.WriteJSONL(f, table, cfg)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", file, err)
		}
		schema, err := nexmark.Schema(table)
		if err != nil {
			return err
		}
		var cols, sel []string
		for _, fld := range schema.Fields() {
			typ, err := nexmarkSQLType(fld.Type)
			if err != nil {
				return err
			}
			if typ == "TIMESTAMP" {
				cols = append(cols, fmt.Sprintf("%q: 'VARCHAR'", fld.Name))
				sel = append(sel, fmt.Sprintf(`"%[1]s"::TIMESTAMPTZ AT TIME ZONE 'UTC' AS "%[1]s"`, fld.Name))
			} else {
				cols = append(cols, fmt.Sprintf("%q: '%s'", fld.Name, typ))
				sel = append(sel, fmt.Sprintf("%q", fld.Name))
			}
		}
		q := fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT %s, row_number() OVER () AS seq FROM read_json('%s', format = 'newline_delimited', columns = {%s})",
			table, strings.Join(sel, ", "), strings.ReplaceAll(file, "'", "''"), strings.Join(cols, ", "))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb: load %s: %w", table, err)
		}
	}
	if _, err := db.ExecContext(ctx, "RESET threads"); err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	return nil
}
