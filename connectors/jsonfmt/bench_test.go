package jsonfmt

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// bidSchema is the Nexmark bid table as spate declares it.
var bidSchema = schemaOf(
	field("auction", arrow.PrimitiveTypes.Int64),
	field("bidder", arrow.PrimitiveTypes.Int64),
	field("price", arrow.PrimitiveTypes.Int64),
	field("channel", arrow.BinaryTypes.String),
	field("url", arrow.BinaryTypes.String),
	field("date_time", tsType),
	field("extra", arrow.BinaryTypes.String),
)

// bidRecords are ~200-byte bids in the shape `spate gen nexmark` writes.
func bidRecords(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, `{"auction":%d,"bidder":%d,"price":%d,"channel":"channel-%d","url":"https://www.nexmark.com/%s/item.htm?query=1&channel_id=%d","date_time":"2015-07-15T00:00:%02d.%03dZ","extra":"%s"}`,
			1000+i%97, 2000+i%131, 100+i*7%100000, i%5, "abcd/efgh", i%1000, i/1000%60, i%1000, "pppppppppppppppppppp")
	}
	return out
}

const benchBatch = 4096

func BenchmarkDecodeBid(b *testing.B) {
	recs := bidRecords(benchBatch)
	size := 0
	for _, r := range recs {
		size += len(r)
	}
	d, err := NewDecoder(bidSchema, memory.NewGoAllocator(), Options{Required: []int{5}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size / len(recs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := d.Append(recs[i%benchBatch]); err != nil {
			b.Fatal(err)
		}
		if d.Len() == benchBatch {
			d.NewBatch().Release()
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkEncodeBid(b *testing.B) {
	recs := bidRecords(benchBatch)
	d, _ := NewDecoder(bidSchema, memory.NewGoAllocator(), Options{})
	for _, r := range recs {
		if err := d.Append(r); err != nil {
			b.Fatal(err)
		}
	}
	rec := d.NewBatch()
	defer rec.Release()
	e, _ := NewEncoder(bidSchema, EncoderOptions{})
	if err := e.Bind(rec); err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = e.AppendRow(buf[:0], i%benchBatch)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
