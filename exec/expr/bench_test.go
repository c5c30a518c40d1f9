package expr

import (
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

const benchRows = 1024

// benchBatch is a Nexmark-like bid batch: price BIGINT, channel VARCHAR,
// url VARCHAR, ts TIMESTAMP, dprice DOUBLE, with 1% NULL prices.
func benchBatch(b *testing.B) (arrow.RecordBatch, int64) {
	r := rand.New(rand.NewSource(1))
	channels := []string{"Google", "Facebook", "Baidu", "Apple", "channel-1234"}
	var price, channel, url, ts, dprice []any
	var bytes int64
	for i := 0; i < benchRows; i++ {
		if r.Intn(100) == 0 {
			price = append(price, nil)
		} else {
			price = append(price, int64(r.Intn(2000)))
		}
		c := channels[r.Intn(len(channels))]
		channel = append(channel, c)
		u := "https://www.nexmark.com/item.htm?query=1&channel_id=" + c
		url = append(url, u)
		ts = append(ts, int64(1704164645123)+int64(i)*37)
		dprice = append(dprice, float64(r.Intn(200000))/100)
		bytes += 8 + int64(len(c)) + 4 + int64(len(u)) + 4 + 8 + 8
	}
	batch := buildBatch(b, memory.DefaultAllocator,
		tcol{"price", TypeBigint, price},
		tcol{"channel", TypeVarchar, channel},
		tcol{"url", TypeVarchar, url},
		tcol{"ts", TypeTimestamp, ts},
		tcol{"dprice", TypeDouble, dprice},
	)
	return batch, bytes
}

var (
	bPrice   = col(0, "price", TypeBigint)
	bChannel = col(1, "channel", TypeVarchar)
	bURL     = col(2, "url", TypeVarchar)
	bTS      = col(3, "ts", TypeTimestamp)
	bDPrice  = col(4, "dprice", TypeDouble)
)

func runBench(b *testing.B, e Expr) {
	batch, bytes := benchBatch(b)
	defer batch.Release()
	ev, err := Compile(e, batch.Schema(), memory.DefaultAllocator)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(bytes)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		arr, err := ev.Eval(batch)
		if err != nil {
			b.Fatal(err)
		}
		arr.Release()
	}
	b.ReportMetric(float64(b.N)*benchRows/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkFilterPredicate(b *testing.B) {
	gt := call("gt", TypeBoolean, bPrice, lit(int64(1000), TypeBigint))
	eq := call("eq", TypeBoolean, bChannel, lit("Google", TypeVarchar))
	b.Run("price>1000", func(b *testing.B) { runBench(b, gt) })
	b.Run("channel='Google'", func(b *testing.B) { runBench(b, eq) })
	b.Run("price>1000 AND channel='Google'", func(b *testing.B) {
		runBench(b, call("and", TypeBoolean, gt, eq))
	})
	b.Run("dprice BETWEEN", func(b *testing.B) {
		runBench(b, call("between", TypeBoolean, bDPrice, lit(100.0, TypeDouble), lit(500.0, TypeDouble)))
	})
	b.Run("channel IN (...)", func(b *testing.B) {
		runBench(b, call("in", TypeBoolean, bChannel, lit("Google", TypeVarchar), lit("Apple", TypeVarchar),
			lit("Baidu", TypeVarchar)))
	})
}

func BenchmarkProjectArithmetic(b *testing.B) {
	b.Run("dprice*0.908", func(b *testing.B) {
		runBench(b, call("mul", TypeDouble, bDPrice, lit(0.908, TypeDouble)))
	})
	b.Run("cast(price AS DOUBLE)*0.908", func(b *testing.B) {
		runBench(b, call("mul", TypeDouble, call("cast", TypeDouble, bPrice), lit(0.908, TypeDouble)))
	})
	b.Run("price+price*3", func(b *testing.B) {
		runBench(b, call("add", TypeBigint, bPrice, call("mul", TypeBigint, bPrice, lit(int64(3), TypeBigint))))
	})
	b.Run("case", func(b *testing.B) {
		runBench(b, call("case", TypeBigint, call("gt", TypeBoolean, bPrice, lit(int64(1000), TypeBigint)),
			bPrice, lit(int64(0), TypeBigint)))
	})
}

func BenchmarkStringFunctions(b *testing.B) {
	b.Run("lower", func(b *testing.B) { runBench(b, call("lower", TypeVarchar, bChannel)) })
	b.Run("substring", func(b *testing.B) {
		runBench(b, call("substring", TypeVarchar, bURL, lit(int64(9), TypeBigint), lit(int64(7), TypeBigint)))
	})
	b.Run("concat", func(b *testing.B) {
		runBench(b, call("concat", TypeVarchar, bChannel, lit("-", TypeVarchar), bChannel))
	})
	b.Run("like", func(b *testing.B) {
		runBench(b, call("like", TypeBoolean, bURL, lit("%channel_id=Goo%", TypeVarchar)))
	})
	b.Run("split_part", func(b *testing.B) {
		runBench(b, call("split_part", TypeVarchar, bURL, lit("&", TypeVarchar), lit(int64(2), TypeBigint)))
	})
	b.Run("regexp_substr", func(b *testing.B) {
		runBench(b, call("regexp_substr", TypeVarchar, bURL, lit("channel_id=[A-Za-z]+", TypeVarchar)))
	})
	b.Run("date_format", func(b *testing.B) {
		runBench(b, call("date_format", TypeVarchar, bTS, lit("%Y-%m-%d %H:%i", TypeVarchar)))
	})
	b.Run("cast(ts AS VARCHAR)", func(b *testing.B) { runBench(b, call("cast", TypeVarchar, bTS)) })
}
