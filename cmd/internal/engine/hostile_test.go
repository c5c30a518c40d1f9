//go:build duckdb_arrow

package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spate-sql/spate/connectors/kafka"
)

// on_error = 'fail' stops the pipeline at the first bad record with an
// error naming the source, the partition and the offset, and what is
// wrong with the record.
func TestOnErrorFailNamesTheRecord(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	broker, err := kafka.StartEmbedded(filepath.Join(dir, "kafka"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	seeds := []string{broker.Addr()}
	if err := kafka.CreateTopic(ctx, seeds, "ev", 2); err != nil {
		t.Fatal(err)
	}
	recs := []kafka.Record{
		{Partition: 0, Value: []byte(`{"k":"a","ts":"2024-01-01T00:00:00Z"}`)},
		{Partition: 1, Value: []byte(`{"k":"b","ts":"2024-01-01T00:00:01Z"}`)},
		{Partition: 1, Key: nil, Value: []byte(`{"k":"c","ts":"2024-01-01T00:00:02Z"}`)},
		{Partition: 1, Value: []byte("{\"k\":\"\xff\",\"ts\":\"2024-01-01T00:00:03Z\"}")},
	}
	if err := kafka.ProduceRecords(ctx, seeds, "ev", recs); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "fail.sql")
	os.WriteFile(file, []byte(`CREATE SOURCE ev (k VARCHAR, ts TIMESTAMP) WITH (connector = 'kafka', topic = 'ev',
  format = 'json', event_time = 'ts', on_error = 'fail');
CREATE MATERIALIZED VIEW per_k AS SELECT k, count(*) AS n FROM ev GROUP BY k;
`), 0o644)
	err = Run(ctx, file, RunOptions{Brokers: broker.Addr(), DB: filepath.Join(dir, "f.duckdb"), StateDir: dir, ExitAtEnd: true})
	if err == nil {
		t.Fatal("a bad record with on_error = 'fail' did not stop the pipeline")
	}
	for _, want := range []string{"source ev", "partition 1", "offset 2", "invalid UTF-8"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}
