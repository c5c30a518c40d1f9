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

// Blobs larger than a part (checkpoint states, outbox epochs) come back
// byte for byte.
func TestLargeBlobsInParts(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "p.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	big := func(n int, seed byte) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*31) ^ seed
		}
		return b
	}
	state, recs := big(2*blobPart+17, 1), big(blobPart+1, 2)
	for _, s := range [][]byte{big(3*blobPart, 9), state} { // the second replaces the first
		err = st.Commit(ctx, func(tx *sql.Tx) error {
			if err := SaveCheckpoint(ctx, tx, Checkpoint{Job: "j", Plan: "p", Epoch: 1, State: s}); err != nil {
				return err
			}
			return SaveOutbox(ctx, tx, "j", OutboxEpoch{Sink: "k", Epoch: int64(len(s)), N: 1, Records: recs}, 0)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cp, err := st.LoadCheckpoint(ctx, "j")
	if err != nil || cp == nil || string(cp.State) != string(state) {
		t.Fatalf("checkpoint state: %d bytes, %v; want %d", len(cp.State), err, len(state))
	}
	_, got, err := st.LoadOutbox(ctx, "j")
	if err != nil || len(got) != 2 || string(got[0].Records) != string(recs) || string(got[1].Records) != string(recs) {
		t.Fatalf("outbox: %d epochs, %v", len(got), err)
	}
	if err := st.DeleteCheckpoint(ctx, "j"); err != nil {
		t.Fatal(err)
	}
	if cp, err := st.LoadCheckpoint(ctx, "j"); cp != nil || err != nil {
		t.Fatalf("after delete: %v %v", cp, err)
	}
}

// An outbox written before epochs were stored in parts is moved into the
// new table at Open.
func TestOutboxMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.duckdb")
	c, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE spate_outbox (job VARCHAR NOT NULL, sink VARCHAR NOT NULL, epoch BIGINT NOT NULL, n BIGINT NOT NULL,
			records BLOB NOT NULL, PRIMARY KEY (job, sink, epoch))`,
		`INSERT INTO spate_outbox VALUES ('j', 'k', 7, 1, 'old'::BLOB)`,
	} {
		if _, err := c.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Commit(ctx, func(tx *sql.Tx) error {
		return SaveOutbox(ctx, tx, "j", OutboxEpoch{Sink: "k", Epoch: 8, N: 1, Records: make([]byte, blobPart+5)}, 0)
	}); err != nil {
		t.Fatal(err)
	}
	_, got, err := st.LoadOutbox(ctx, "j")
	if err != nil || len(got) != 2 || got[0].Epoch != 7 || string(got[0].Records) != "old" || len(got[1].Records) != blobPart+5 {
		t.Fatalf("after migration: %+v, %v", got, err)
	}
}
