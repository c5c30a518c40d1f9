//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

// The outbox commits and rolls back with the checkpoint's transaction,
// trims what Kafka has, and survives reopening the file.
func TestOutbox(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "o.duckdb")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	save := func(epoch, published int64, fail error) error {
		return st.Commit(ctx, func(tx *sql.Tx) error {
			if err := SaveRun(ctx, tx, "j", "run1"); err != nil {
				return err
			}
			rec := []byte(fmt.Sprintf("records of %d", epoch))
			if err := SaveOutbox(ctx, tx, "j", OutboxEpoch{Sink: "k", Epoch: epoch, N: 2, Records: rec}, published); err != nil {
				return err
			}
			return fail
		})
	}
	for e := int64(1); e <= 3; e++ {
		if err := save(e, e-2, nil); err != nil { // Kafka lags one epoch behind
			t.Fatal(err)
		}
	}
	boom := errors.New("boom")
	if err := save(4, 3, boom); !errors.Is(err, boom) {
		t.Fatalf("failing commit: %v", err)
	}
	// An empty epoch writes nothing, but still trims.
	if err := st.Commit(ctx, func(tx *sql.Tx) error {
		return SaveOutbox(ctx, tx, "j", OutboxEpoch{Sink: "other", Epoch: 4}, 1)
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run, got, err := st.LoadOutbox(ctx, "j")
	if err != nil {
		t.Fatal(err)
	}
	if run != "run1" || len(got) != 2 || got[0].Epoch != 2 || got[1].Epoch != 3 || string(got[1].Records) != "records of 3" || got[1].N != 2 {
		t.Fatalf("run %q, outbox %+v; want run1 and epochs 2, 3", run, got)
	}
	if err := st.DeleteOutbox(ctx, "j"); err != nil {
		t.Fatal(err)
	}
	if run, got, err := st.LoadOutbox(ctx, "j"); err != nil || run != "" || len(got) != 0 {
		t.Fatalf("after delete: %q %v %v", run, got, err)
	}
}
