package nexmark

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/connectors/jsonfmt"
	"github.com/spate-sql/spate/exec"
)

// rowsJSON renders batches as JSON lines, the form rows are compared in.
func rowsJSON(t testing.TB, t2 Table, recs ...arrow.RecordBatch) string {
	t.Helper()
	enc, err := jsonfmt.NewEncoder(schemas[t2], jsonfmt.EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf []byte
	for _, r := range recs {
		if err := enc.Bind(r); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < int(r.NumRows()); i++ {
			buf = append(enc.AppendRow(buf, i), '\n')
		}
	}
	return string(buf)
}

// generate returns all rows of t among [from, to) with batches of size bs.
func generate(t testing.TB, g *Generator, alloc memory.Allocator, tb Table, from, to int64, bs int) string {
	var out strings.Builder
	for n := from; ; {
		var rec arrow.RecordBatch
		rec, n = g.Batch(alloc, tb, n, to, bs)
		if rec == nil {
			return out.String()
		}
		out.WriteString(rowsJSON(t, tb, rec))
		rec.Release()
	}
}

func TestKindsAndCounts(t *testing.T) {
	var cnt [3]int64
	for n := int64(0); n < 5000; n++ {
		cnt[KindOf(n)]++
		for tb := Person; tb <= Bid; tb++ {
			// nextOfKind against a linear scan.
			m := n
			for KindOf(m) != tb {
				m++
			}
			if got := nextOfKind(tb, n); got != m {
				t.Fatalf("nextOfKind(%s, %d) = %d, want %d", tb, n, got, m)
			}
		}
		if n%97 == 0 {
			for from := int64(0); from <= n; from += 13 {
				var want [3]int64
				for m := from; m < n; m++ {
					want[KindOf(m)]++
				}
				for tb := Person; tb <= Bid; tb++ {
					if got := CountOf(tb, from, n); got != want[tb] {
						t.Fatalf("CountOf(%s, %d, %d) = %d, want %d", tb, from, n, got, want[tb])
					}
				}
			}
		}
	}
	if cnt != [3]int64{100, 300, 4600} {
		t.Fatalf("mix %v, want 1:3:46 per 50", cnt)
	}
}

func TestDeterministicAndSlices(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	cfg := Config{Events: 20000, Seed: 42}
	r := rand.New(rand.NewPCG(7, 8))
	for tb := Person; tb <= Bid; tb++ {
		whole := generate(t, NewGenerator(cfg), alloc, tb, 0, cfg.Events, 4096)
		if got := generate(t, NewGenerator(cfg), alloc, tb, 0, cfg.Events, 4096); got != whole {
			t.Fatalf("%s: two runs differ", tb)
		}
		if int64(strings.Count(whole, "\n")) != CountOf(tb, 0, cfg.Events) {
			t.Fatalf("%s: %d rows", tb, strings.Count(whole, "\n"))
		}
		// Random slices, each from a fresh generator, small batches.
		var cuts []int64
		for i := 0; i < 7; i++ {
			cuts = append(cuts, r.Int64N(cfg.Events))
		}
		cuts = append(cuts, 0, cfg.Events)
		slices.Sort(cuts)
		var parts strings.Builder
		for i := 0; i+1 < len(cuts); i++ {
			parts.WriteString(generate(t, NewGenerator(cfg), alloc, tb, cuts[i], cuts[i+1], 1+r.IntN(300)))
		}
		if parts.String() != whole {
			t.Fatalf("%s: slices %v differ from the whole", tb, cuts)
		}
		other := generate(t, NewGenerator(Config{Events: cfg.Events, Seed: 43}), alloc, tb, 0, cfg.Events, 4096)
		if other == whole {
			t.Fatalf("%s: seed has no effect", tb)
		}
	}
}

// decode parses JSON lines into maps.
func decode(t testing.TB, s string) []map[string]any {
	var out []map[string]any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	for {
		var m map[string]any
		if err := dec.Decode(&m); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
}

func num(v any) int64 {
	n, err := v.(json.Number).Int64()
	if err != nil {
		panic(err)
	}
	return n
}

func ms(v any) int64 {
	tm, err := time.Parse("2006-01-02T15:04:05.000Z", v.(string))
	if err != nil {
		panic(err)
	}
	return tm.UnixMilli()
}

func TestRowsFollowTheRules(t *testing.T) {
	const events = 100000
	cfg := Config{Events: events, Seed: 1}
	g := NewGenerator(cfg)
	alloc := memory.DefaultAllocator

	people := decode(t, generate(t, g, alloc, Person, 0, events, 4096))
	emailRe := regexp.MustCompile(`^[a-z][a-z ]*[a-z]?@[a-z][a-z ]*[a-z]?\.com$|^[a-z]+@[a-z]+\.com$`)
	cardRe := regexp.MustCompile(`^\d{4} \d{4} \d{4} \d{4}$`)
	extraSum := 0
	for i, p := range people {
		n := int64(i) * 50
		if num(p["id"]) != 1000+int64(i) {
			t.Fatalf("person %d id %v", i, p["id"])
		}
		if ms(p["date_time"]) != BaseTime+n/10 {
			t.Fatalf("person %d time %v", i, p["date_time"])
		}
		name := strings.SplitN(p["name"].(string), " ", 2)
		if !slices.Contains(firstNames, name[0]) || !slices.Contains(lastNames, name[1]) {
			t.Fatalf("name %v", p["name"])
		}
		if !emailRe.MatchString(p["email_address"].(string)) || !cardRe.MatchString(p["credit_card"].(string)) {
			t.Fatalf("email %q card %q", p["email_address"], p["credit_card"])
		}
		if !slices.Contains(usCities, p["city"].(string)) || !slices.Contains(usStates, p["state"].(string)) {
			t.Fatalf("city/state %v %v", p["city"], p["state"])
		}
		size := 8 + len(p["name"].(string)) + len(p["email_address"].(string)) + len(p["credit_card"].(string)) +
			len(p["city"].(string)) + len(p["state"].(string))
		extraSum += size + len(p["extra"].(string))
	}
	if avg := float64(extraSum) / float64(len(people)); avg < 195 || avg > 205 {
		t.Fatalf("person average size %.1f, want about %d", avg, avgPersonByteSize)
	}

	auctions := decode(t, generate(t, g, alloc, Auction, 0, events, 4096))
	sizeSum := 0
	for i, a := range auctions {
		n := int64(i/3)*50 + 1 + int64(i%3)
		if num(a["id"]) != 1000+int64(i) {
			t.Fatalf("auction %d id %v", i, a["id"])
		}
		dt := ms(a["date_time"])
		if dt != BaseTime+n/10 {
			t.Fatalf("auction %d time %v", i, a["date_time"])
		}
		// Expires within twice the horizon of 100 auctions (1666 events).
		if exp := ms(a["expires"]); exp <= dt || exp > dt+2*(1666/10+1)+1 {
			t.Fatalf("auction %d expires %v after %v", i, a["expires"], a["date_time"])
		}
		seller := num(a["seller"])
		if seller < 1000 || seller > 1000+n/50+10 {
			t.Fatalf("auction %d seller %d", i, seller)
		}
		if c := num(a["category"]); c < 10 || c > 14 {
			t.Fatalf("category %d", c)
		}
		ib, res := num(a["initial_bid"]), num(a["reserve"])
		if ib < 100 || ib > 100000000 || res < ib+100 || res > ib+100000000 {
			t.Fatalf("prices %d %d", ib, res)
		}
		sizeSum += 8 + len(a["item_name"].(string)) + len(a["description"].(string)) + 40 + len(a["extra"].(string))
	}
	if avg := float64(sizeSum) / float64(len(auctions)); avg < 490 || avg > 510 {
		t.Fatalf("auction average size %.1f", avg)
	}

	bids := decode(t, generate(t, g, alloc, Bid, 0, events, 4096))
	var hotAuction, hotBidder, hotChannel, extraLenSum int
	lastT := int64(0)
	for i, b := range bids {
		n := int64(i/46)*50 + 4 + int64(i%46)
		dt := ms(b["date_time"])
		if dt != BaseTime+n/10 || dt < lastT {
			t.Fatalf("bid %d time %v", i, b["date_time"])
		}
		lastT = dt
		last := lastBase0AuctionID(n)
		a := num(b["auction"]) - 1000
		if a < 0 || a > last+10 {
			t.Fatalf("bid %d auction %d, last auction %d", i, a, last)
		}
		if a == last/100*100 {
			hotAuction++
		}
		bd := num(b["bidder"]) - 1000
		if bd < 0 || bd > lastBase0PersonID(n)+10 {
			t.Fatalf("bid %d bidder %d", i, bd)
		}
		if bd == lastBase0PersonID(n)/100*100+1 {
			hotBidder++
		}
		if p := num(b["price"]); p < 100 || p > 100000000 {
			t.Fatalf("price %d", p)
		}
		ch, url := b["channel"].(string), b["url"].(string)
		if slices.Contains([]string{"Google", "Facebook", "Baidu", "Apple"}, ch) {
			hotChannel++
		} else if !strings.HasPrefix(ch, "channel-") {
			t.Fatalf("channel %q", ch)
		}
		if !strings.HasPrefix(url, "https://www.nexmark.com/") || !strings.Contains(url, "/item.htm?query=1") {
			t.Fatalf("url %q", url)
		}
		extraLenSum += len(b["extra"].(string))
	}
	frac := func(k int) float64 { return float64(k) / float64(len(bids)) }
	// P(hot) = 1 - 1/ratio, plus the random picks that land on it.
	if f := frac(hotAuction); f < 0.49 || f > 0.53 {
		t.Fatalf("hot auction share %.3f, want about 0.5", f)
	}
	if f := frac(hotBidder); f < 0.74 || f > 0.77 {
		t.Fatalf("hot bidder share %.3f, want about 0.75", f)
	}
	if f := frac(hotChannel); f < 0.48 || f > 0.52 {
		t.Fatalf("hot channel share %.3f, want about 0.5", f)
	}
	if avg := float64(extraLenSum) / float64(len(bids)); avg < 67 || avg > 69 {
		t.Fatalf("bid extra average %.2f, want about 68 (100 bytes per bid)", avg)
	}
}

func TestTimestamp(t *testing.T) {
	c := Config{Rate: 10000}
	if c.Timestamp(0) != BaseTime || c.Timestamp(10000) != BaseTime+1000 || c.Timestamp(9) != BaseTime || c.Timestamp(10) != BaseTime+1 {
		t.Fatal("rate 10000")
	}
	c = Config{Rate: 3}
	if c.Timestamp(1) != BaseTime+333 || c.Timestamp(3) != BaseTime+1000 {
		t.Fatal("rate 3")
	}
	if (Config{Rate: 1}).Timestamp(1<<50) != BaseTime+(1<<50)*1000 {
		t.Fatal("large n")
	}
	if BaseTime != 1436918400000 {
		t.Fatal("base time")
	}
}

func TestSource(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	sc, _ := Schema("bid")
	r, err := NewSource(&exec.SourceSpec{Name: "bid", Connector: "nexmark", Schema: sc,
		Options: map[string]string{"connector": "nexmark", "table": "bid", "events": "10001", "seed": "-5"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.Open(ctx, alloc, exec.DiscardDeadLetters); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Partitions(), []int32{0}) {
		t.Fatal("partitions")
	}
	var rows int64
	var all []arrow.RecordBatch
	last := int64(-1)
	for {
		b, err := r.Read(ctx)
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if !b.Records.Schema().Equal(sc) || b.NextOffset <= last || b.Partition != 0 {
			t.Fatalf("batch schema/offset %v %d", b.Records.Schema(), b.NextOffset)
		}
		last = b.NextOffset
		rows += b.Records.NumRows()
		all = append(all, b.Records)
	}
	if rows != CountOf(Bid, 0, 10001) {
		t.Fatalf("rows %d", rows)
	}
	whole := rowsJSON(t, Bid, all...)
	// Resume from the first batch's offset: the rest matches.
	r2 := NewTableSource(Bid, Config{Events: 10001, Seed: -5})
	r2.Open(ctx, alloc, nil)
	first, _ := r2.Read(ctx)
	r3 := NewTableSource(Bid, Config{Events: 10001, Seed: -5})
	r3.Open(ctx, alloc, nil)
	if err := r3.Seek(0, first.NextOffset); err != nil {
		t.Fatal(err)
	}
	rest := []arrow.RecordBatch{first.Records}
	for {
		b, err := r3.Read(ctx)
		if err != nil {
			break
		}
		rest = append(rest, b.Records)
	}
	if rowsJSON(t, Bid, rest...) != whole {
		t.Fatal("resume after Seek differs")
	}
	for _, b := range append(all, rest...) {
		b.Release()
	}

	// A column list that is not the table's is refused.
	if _, err := NewSource(&exec.SourceSpec{Name: "x", Schema: arrow.NewSchema([]arrow.Field{{Name: "a", Type: i64}}, nil),
		Options: map[string]string{"table": "bid"}}); err == nil {
		t.Fatal("wrong schema accepted")
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := r2.Read(ctx2); err == nil {
		t.Fatal("read after cancel")
	}
}

func TestParseOptions(t *testing.T) {
	for _, bad := range []map[string]string{
		{}, {"table": "bids"}, {"table": "bid", "events": "x"}, {"table": "bid", "events": "-1"},
		{"table": "bid", "rate": "0"}, {"table": "bid", "seed": "1.5"},
	} {
		if _, _, err := ParseOptions(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	tb, cfg, err := ParseOptions(map[string]string{"table": "Auction", "events": "7", "rate": "5", "seed": "-3"})
	if err != nil || tb != Auction || cfg != (Config{Events: 7, Rate: 5, Seed: -3}) {
		t.Fatalf("%v %v %v", tb, cfg, err)
	}
	if _, err := Schema("nope"); err == nil {
		t.Fatal("unknown table schema")
	}
}

func TestWriteJSONL(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSONL(&b, "person", Config{Events: 120}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	// Exactly the SPEC's columns, in order, times with milliseconds.
	keyRe := regexp.MustCompile(`"([a-z_]+)":`)
	var keys []string
	for _, m := range keyRe.FindAllStringSubmatch(lines[1], -1) {
		keys = append(keys, m[1])
	}
	if strings.Join(keys, ",") != "id,name,email_address,credit_card,city,state,date_time,extra" {
		t.Fatalf("keys %v", keys)
	}
	if !strings.Contains(lines[1], `"id":1001,`) || !strings.Contains(lines[1], `"date_time":"2015-07-15T00:00:00.005Z"`) {
		t.Fatalf("line %s", lines[1])
	}
	var b2 bytes.Buffer
	WriteJSONL(&b2, "bid", Config{Events: 1000, Rate: 1000, Seed: 9})
	first := strings.SplitN(b2.String(), "\n", 2)[0]
	for _, k := range []string{`"auction":`, `"bidder":`, `"price":`, `"channel":`, `"url":`, `"date_time":"2015-07-15T00:00:00.004Z"`, `"extra":`} {
		if !strings.Contains(first, k) {
			t.Fatalf("bid line %s lacks %s", first, k)
		}
	}
}

// BenchmarkGenerate: rows/s of one table (one goroutine). events/s counts
// all events the rows stand for (a bid is 46 of every 50 events).
func BenchmarkGenerate(b *testing.B) {
	for tb := Person; tb <= Bid; tb++ {
		b.Run(tb.String(), func(b *testing.B) {
			g := NewGenerator(Config{Seed: 1})
			alloc := memory.DefaultAllocator
			b.ReportAllocs()
			var rows, n int64
			cpu0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				var rec arrow.RecordBatch
				rec, n = g.Batch(alloc, tb, n, 1<<62, benchRows)
				rows += rec.NumRows()
				rec.Release()
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(rows)/sec, "rows/s")
			b.ReportMetric(float64(n)/sec, "events/s")
			// The machine is shared: CPU time says what one core does.
			b.ReportMetric(float64(rows)/(cpuSeconds()-cpu0), "rows/cpu-s")
		})
	}
}

// cpuSeconds is this process's user+system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func TestNextPrice(t *testing.T) {
	r := rng{s: 1}
	for i := 0; i < 200000; i++ {
		x := rng{s: r.next()}
		u := x
		want := int64(math.Round(math.Pow(10, u.float()*6) * 100))
		got := nextPrice(&x)
		if d := got - want; d < -1 || d > 1 || got < 100 || got > 100000000 {
			t.Fatalf("price %d, want %d", got, want)
		}
	}
}

var benchRows = BatchRows
