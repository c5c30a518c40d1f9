package nexmark

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// within fails unless count is within 5 standard deviations of the sum of
// independent Bernoulli(p_i) draws whose sum and variance are given.
func within(t *testing.T, what string, count int, mean, variance float64) {
	t.Helper()
	sd := math.Sqrt(variance)
	if d := math.Abs(float64(count) - mean); d > 5*sd {
		t.Errorf("%s: %d, expected %.1f +- %.1f (5 sd)", what, count, mean, 5*sd)
	} else {
		t.Logf("%s: %d, expected %.1f (sd %.1f)", what, count, mean, sd)
	}
}

// TestDistributions checks the random choices of the Beam/Flink rules
// against their exact probabilities, event by event, within 5 standard
// deviations: the hot auction (1/2), hot bidder and hot seller (3/4) shares
// including the random picks that land on the hot id; the windows the
// other picks come from (last 100 auctions + 10, last 1000 people + 10);
// categories uniform over 10..14; prices log-uniform (1/6 per decade from
// $1 to $1M); auction lengths uniform in 1..2*horizon ms; channel URLs.
func TestDistributions(t *testing.T) {
	const events = 200000
	g := NewGenerator(Config{Events: events})
	alloc := memory.DefaultAllocator

	// Prices: decade d of price/100 (0..5) with P 1/6 each.
	var decades [6]int
	var prices int
	decade := func(p int64) {
		d := int(math.Floor(math.Log10(float64(p) / 100)))
		if p >= 100000000 {
			d = 5 // the top value rounds to exactly $1M
		}
		decades[d]++
		prices++
	}

	auctions := decode(t, generate(t, g, alloc, Auction, 0, events, 4096))
	var hotSeller int
	var hotSellerMean, hotSellerVar float64
	var cats [5]int
	var lenSum, lenMean float64
	for i, a := range auctions {
		n := int64(i/3)*50 + 1 + int64(i%3)
		numPeople := lastBase0PersonID(n) + 1
		active := min(numPeople, numActivePeople)
		hot := lastBase0PersonID(n) / hotSellerStep * hotSellerStep
		s := num(a["seller"]) - firstPersonID
		if s == hot {
			hotSeller++
		} else if s < numPeople-active || s >= numPeople+personIDLead {
			t.Fatalf("auction %d: seller %d outside the active people [%d, %d)", i, s, numPeople-active, numPeople+personIDLead)
		}
		p := 0.75 + 0.25/float64(active+personIDLead)
		hotSellerMean += p
		hotSellerVar += p * (1 - p)
		cats[num(a["category"])-firstCategoryID]++
		decade(num(a["initial_bid"]))
		decade(num(a["reserve"]) - num(a["initial_bid"]))
		dt := ms(a["date_time"])
		horizon := Config{Rate: DefaultRate}.Timestamp(n+auctionHorizonEvents) - (BaseTime + n/10)
		lenSum += float64(ms(a["expires"]) - dt)
		lenMean += float64(1+2*horizon) / 2 // uniform on 1..2*horizon
	}
	within(t, "auctions from the hot seller", hotSeller, hotSellerMean, hotSellerVar)
	for c, k := range cats {
		nA := float64(len(auctions))
		within(t, "auctions of category "+strconv.Itoa(c+firstCategoryID), k, nA/5, nA*0.2*0.8)
	}
	// Each length has sd 2*horizon/sqrt(12), horizon ~166 ms.
	if sd := 2 * 167 / math.Sqrt(12) / math.Sqrt(float64(len(auctions))); math.Abs(lenSum/float64(len(auctions))-lenMean/float64(len(auctions))) > 5*sd {
		t.Errorf("mean auction length %.2f ms, expected %.2f +- %.2f", lenSum/float64(len(auctions)), lenMean/float64(len(auctions)), 5*sd)
	}

	bids := decode(t, generate(t, g, alloc, Bid, 0, events, 4096))
	var hotAuction, hotBidder int
	var haMean, haVar, hbMean, hbVar float64
	hotURL := map[string]string{}
	coldWithID := map[int]bool{}
	for i, b := range bids {
		n := int64(i/46)*50 + 4 + int64(i%46)
		maxA := lastBase0AuctionID(n)
		minA := max(maxA-numInFlightAuctions, 0)
		a := num(b["auction"]) - firstAuctionID
		if a == maxA/hotAuctionStep*hotAuctionStep {
			hotAuction++
		} else if a < minA || a > maxA+auctionIDLead {
			t.Fatalf("bid %d: auction %d outside the in-flight auctions [%d, %d]", i, a, minA, maxA+auctionIDLead)
		}
		p := 0.5 + 0.5/float64(maxA-minA+1+auctionIDLead)
		haMean += p
		haVar += p * (1 - p)

		numPeople := lastBase0PersonID(n) + 1
		active := min(numPeople, numActivePeople)
		bd := num(b["bidder"]) - firstPersonID
		if bd == lastBase0PersonID(n)/hotBidderStep*hotBidderStep+1 {
			hotBidder++
		} else if bd < numPeople-active || bd >= numPeople+personIDLead {
			t.Fatalf("bid %d: bidder %d outside the active people [%d, %d)", i, bd, numPeople-active, numPeople+personIDLead)
		}
		p = 0.75 + 0.25/float64(active+personIDLead)
		hbMean += p
		hbVar += p * (1 - p)
		decade(num(b["price"]))

		if l := len(b["extra"].(string)); l < 54 || l >= 82 {
			t.Fatalf("bid %d: extra of %d bytes, want 68 +- 20%% (54..81)", i, l)
		}
		ch, url := b["channel"].(string), b["url"].(string)
		if k, ok := strings.CutPrefix(ch, "channel-"); ok {
			id, err := strconv.Atoi(k)
			if err != nil || id < 0 || id >= channelsNumber {
				t.Fatalf("bid %d: channel %q", i, ch)
			}
			if _, q, ok := strings.Cut(url, "&channel_id="); ok {
				v := int32(bits.Reverse32(uint32(id)))
				if v < 0 && v != math.MinInt32 {
					v = -v
				}
				if q != strconv.Itoa(int(v)) {
					t.Fatalf("bid %d: channel %d has channel_id %s, want abs(Integer.reverse(%d)) = %d", i, id, q, id, v)
				}
				coldWithID[id] = true
			} else if _, seen := coldWithID[id]; !seen {
				coldWithID[id] = false
			}
		} else {
			if prev, ok := hotURL[ch]; ok && prev != url {
				t.Fatalf("hot channel %s has two URLs: %s and %s", ch, prev, url)
			}
			hotURL[ch] = url
			if strings.Contains(url, "channel_id") {
				t.Fatalf("hot channel %s URL %s has a channel_id", ch, url)
			}
		}
	}
	within(t, "bids on the hot auction", hotAuction, haMean, haVar)
	within(t, "bids from the hot bidder", hotBidder, hbMean, hbVar)
	if len(hotURL) != len(hotChannel) {
		t.Errorf("%d hot channels seen, want %d", len(hotURL), len(hotChannel))
	}
	withID := 0
	for _, ok := range coldWithID {
		if ok {
			withID++
		}
	}
	// Each cold channel's URL has a channel_id with P 9/10.
	within(t, "cold channels whose URL has a channel_id", withID, 0.9*float64(len(coldWithID)), 0.09*float64(len(coldWithID)))
	for d, k := range decades {
		within(t, "prices in decade $"+strconv.Itoa(int(math.Pow10(d))), k, float64(prices)/6, float64(prices)/6*5/6)
	}
}

// TestRowSizes measures the average row size as Beam sizes rows (8 bytes
// per number it counts, plus the length of each string it counts: person
// id and strings; auction id, strings and 5 numbers; bid 4 numbers and
// extra) within 10% of avgPersonByteSize 200, avgAuctionByteSize 500 and
// avgBidByteSize 100, on another seed than TestRowsFollowTheRules, and logs
// the size of the JSON lines `spate gen` writes.
func TestRowSizes(t *testing.T) {
	const events = 200000
	g := NewGenerator(Config{Events: events, Seed: 42})
	str := func(r map[string]any, keys ...string) float64 {
		n := 0
		for _, k := range keys {
			n += len(r[k].(string))
		}
		return float64(n)
	}
	for _, c := range []struct {
		t    Table
		want float64
		size func(map[string]any) float64
	}{
		{Person, avgPersonByteSize, func(r map[string]any) float64 {
			return 8 + str(r, "name", "email_address", "credit_card", "city", "state", "extra")
		}},
		{Auction, avgAuctionByteSize, func(r map[string]any) float64 {
			return 8 + str(r, "item_name", "description", "extra") + 5*8
		}},
		{Bid, avgBidByteSize, func(r map[string]any) float64 { return 4*8 + str(r, "extra") }},
	} {
		text := generate(t, g, memory.DefaultAllocator, c.t, 0, events, 4096)
		rows := decode(t, text)
		var sum float64
		for _, r := range rows {
			sum += c.size(r)
		}
		avg := sum / float64(len(rows))
		if math.Abs(avg-c.want) > 0.1*c.want {
			t.Errorf("%s: average size %.1f bytes, want %.0f +- 10%%", c.t, avg, c.want)
		}
		t.Logf("%s: average size %.1f bytes (Beam's measure; want %.0f), JSON line %.1f bytes", c.t, avg, c.want,
			float64(len(text))/float64(len(rows)))
	}
}
