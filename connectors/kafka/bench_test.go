package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var bidSchema = arrow.NewSchema([]arrow.Field{
	{Name: "auction", Type: arrow.PrimitiveTypes.Int64},
	{Name: "bidder", Type: arrow.PrimitiveTypes.Int64},
	{Name: "price", Type: arrow.PrimitiveTypes.Int64},
	{Name: "channel", Type: arrow.BinaryTypes.String},
	{Name: "url", Type: arrow.BinaryTypes.String},
	{Name: "date_time", Type: tsType},
	{Name: "extra", Type: arrow.BinaryTypes.String},
}, nil)

// BenchmarkSourceBids measures the whole read path (embedded broker,
// franz-go fetch, JSON decode) on ~200-byte Nexmark bids in 4 partitions.
func BenchmarkSourceBids(b *testing.B) {
	const n = 200_000
	br, err := StartEmbedded("", 0)
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	ctx := context.Background()
	seeds := []string{br.Addr()}
	if err := CreateTopic(ctx, seeds, "bid", 4); err != nil {
		b.Fatal(err)
	}
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{Partition: int32(i % 4), Value: fmt.Appendf(nil,
			`{"auction":%d,"bidder":%d,"price":%d,"channel":"channel-%d","url":"https://www.nexmark.com/abcd/efgh/item.htm?query=1&channel_id=%d","date_time":"2015-07-15T00:%02d:%02d.%03dZ","extra":"pppppppppppppppppppp"}`,
			1000+i%97, 2000+i%131, 100+i*7%100000, i%5, i%1000, i/60000%60, i/1000%60, i%1000)}
	}
	if err := ProduceRecords(ctx, seeds, "bid", recs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	total, idle, batches := 0, 0, 0
	start := time.Now()
	for i := 0; i < b.N; i++ {
		src, err := NewSourceFromConfig(SourceConfig{Name: "bid", Brokers: seeds, Topic: "bid", Schema: bidSchema, EventTime: 5, ExitAtEnd: true})
		if err != nil {
			b.Fatal(err)
		}
		if err := src.Open(ctx, memory.NewGoAllocator(), nil); err != nil {
			b.Fatal(err)
		}
		for {
			sb, err := src.Read(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if sb.Records == nil {
				idle++
			}
			if sb.Records != nil {
				batches++
				total += int(sb.Records.NumRows())
				sb.Records.Release()
			}
		}
		src.Close()
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "records/s")
	b.ReportMetric(float64(idle)/float64(b.N), "idle/op")
	b.ReportMetric(float64(batches)/float64(b.N), "batches/op")
}
