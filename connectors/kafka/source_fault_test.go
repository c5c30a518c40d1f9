package kafka

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestFailingPartitionStaysActive: while one partition's fetches fail and
// the others keep delivering, every Read tick also gives the failing
// partition an empty batch (it has records left), so the job's watermark
// tracker never takes it for idle. Before, it was touched only on ticks
// where no partition delivered anything: a fault that outlasted the idle
// timeout while the others delivered let the watermark run ahead of the
// partition, and its records came in late (dropped), depending on how
// long the fault lasted and how fast the job read (the Kafka fault test
// differed at two lanes under load).
func TestFailingPartitionStaysActive(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(3))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	ctx := testCtx(t)
	if err := CreateTopic(ctx, []string{addr}, "faulty", 3); err != nil {
		t.Fatal(err)
	}
	const perPart = 300
	for p := int32(0); p < 3; p++ {
		var vs [][]byte
		for i := 0; i < perPart; i++ {
			vs = append(vs, hb(fmt.Sprintf("s%d", p), fmt.Sprintf("2015-07-15T00:%02d:%02dZ", i/60, i%60), float64(i)))
		}
		if err := produceTo(t, ctx, addr, "faulty", p, vs...); err != nil {
			t.Fatal(err)
		}
	}
	fault := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Topic: "faulty", Partitions: []int32{2},
		Err: kerr.NotLeaderForPartition, Count: -1})
	src, _ := openSource(t, ctx, SourceConfig{Brokers: []string{addr}, Topic: "faulty", EventTime: 1, ExitAtEnd: true,
		MaxPollRecords: 10}, nil)

	rows := map[int32]int64{}
	touchedWhileOthersRead := 0
	removed := false
	for {
		sb, err := src.Read(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if sb.Records == nil {
			continue
		}
		n := sb.Records.NumRows()
		sb.Records.Release()
		rows[sb.Partition] += n
		if sb.Partition == 2 && n == 0 && !removed && rows[0] < perPart && rows[1] < perPart {
			touchedWhileOthersRead++
		}
		if !removed && rows[0] == perPart && rows[1] == perPart {
			if fault.Hits() == 0 {
				t.Errorf("the fetch fault never hit")
			}
			fault.Remove()
			removed = true
		}
	}
	if touchedWhileOthersRead == 0 {
		t.Errorf("the failing partition got no batch while partitions 0 and 1 delivered records")
	}
	for p := int32(0); p < 3; p++ {
		if rows[p] != perPart {
			t.Errorf("partition %d: %d rows, want %d", p, rows[p], perPart)
		}
	}
}
