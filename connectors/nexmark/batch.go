package nexmark

import (
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Batch generates the rows of table t among events [from, to), at most
// maxRows of them, straight into Arrow buffers from alloc. It returns the
// batch (nil when the range holds no event of t) and the event number to
// continue from.
func (g *Generator) Batch(alloc memory.Allocator, t Table, from, to int64, maxRows int) (arrow.RecordBatch, int64) {
	if from < 0 {
		from = 0
	}
	rows := int(min(int64(maxRows), CountOf(t, from, to)))
	if rows <= 0 {
		return nil, max(from, to)
	}
	switch t {
	case Person:
		return g.persons(alloc, from, rows)
	case Auction:
		return g.auctions(alloc, from, rows)
	}
	return g.bids(alloc, from, rows)
}

func finishI64(c *i64Col, typ arrow.DataType, rows int) arrow.Array {
	c.buf.ResizeNoShrink(rows * 8)
	data := array.NewData(typ, rows, []*memory.Buffer{nil, c.buf}, nil, 0, 0)
	c.buf.Release()
	a := array.MakeFromData(data)
	data.Release()
	return a
}

func finishStr(c *strCol, rows int) arrow.Array {
	c.offBuf.ResizeNoShrink((rows + 1) * 4)
	c.dataBuf.ResizeNoShrink(c.n)
	data := array.NewData(str, rows, []*memory.Buffer{nil, c.offBuf, c.dataBuf}, nil, 0, 0)
	c.offBuf.Release()
	c.dataBuf.Release()
	a := array.MakeFromData(data)
	data.Release()
	return a
}

func record(sc *arrow.Schema, rows int, cols ...arrow.Array) arrow.RecordBatch {
	rec := array.NewRecordBatch(sc, cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

func (g *Generator) bids(alloc memory.Allocator, n int64, rows int) (arrow.RecordBatch, int64) {
	auction, bidder, price, dt := newI64Col(alloc, rows), newI64Col(alloc, rows), newI64Col(alloc, rows), newI64Col(alloc, rows)
	channel, url := newStrCol(alloc, rows, g.avgChannel), newStrCol(alloc, rows, g.avgURL)
	extra := newStrCol(alloc, rows, avgBidByteSize-32)
	for i := 0; i < rows; i++ {
		n = nextOfKind(Bid, n)
		r := g.eventRNG(n)
		var a int64
		if r.intn(hotAuctionRatio) > 0 {
			a = lastBase0AuctionID(n) / hotAuctionStep * hotAuctionStep
		} else {
			a = nextBase0AuctionID(n, &r)
		}
		auction.v[i] = a + firstAuctionID
		var b int64
		if r.intn(hotBiddersRatio) > 0 {
			b = lastBase0PersonID(n)/hotBidderStep*hotBidderStep + 1
		} else {
			b = nextBase0PersonID(n, &r)
		}
		bidder.v[i] = b + firstPersonID
		price.v[i] = nextPrice(&r)
		if r.intn(hotChannelsRatio) > 0 {
			k := r.intn(uint64(len(hotChannel)))
			channel.addString(i, hotChannel[k])
			url.addString(i, g.hotURLs[k])
		} else {
			k := int(r.intn(channelsNumber))
			channel.add(i, g.channel(k))
			url.add(i, g.channelURL(k))
		}
		dt.v[i] = g.cfg.Timestamp(n)
		extra.addLetters(i, &r, extraLen(&r, 8+8+8+8, avgBidByteSize))
		n++
	}
	return record(schemas[Bid], rows,
		finishI64(&auction, i64, rows), finishI64(&bidder, i64, rows), finishI64(&price, i64, rows),
		finishStr(&channel, rows), finishStr(&url, rows), finishI64(&dt, tms, rows), finishStr(&extra, rows)), n
}

func (g *Generator) auctions(alloc memory.Allocator, n int64, rows int) (arrow.RecordBatch, int64) {
	id, initial, reserve, dt, expires, seller, category := newI64Col(alloc, rows), newI64Col(alloc, rows),
		newI64Col(alloc, rows), newI64Col(alloc, rows), newI64Col(alloc, rows), newI64Col(alloc, rows), newI64Col(alloc, rows)
	name, desc, extra := newStrCol(alloc, rows, 10), newStrCol(alloc, rows, 50), newStrCol(alloc, rows, 400)
	var scratch [128]byte
	for i := 0; i < rows; i++ {
		n = nextOfKind(Auction, n)
		r := g.eventRNG(n)
		ts := g.cfg.Timestamp(n)
		id.v[i] = lastBase0AuctionID(n) + firstAuctionID
		var s int64
		if r.intn(hotSellersRatio) > 0 {
			s = lastBase0PersonID(n) / hotSellerStep * hotSellerStep
		} else {
			s = nextBase0PersonID(n, &r)
		}
		seller.v[i] = s + firstPersonID
		category.v[i] = firstCategoryID + int64(r.intn(numCategories))
		initial.v[i] = nextPrice(&r)
		horizon := g.cfg.Timestamp(n+auctionHorizonEvents) - ts
		expires.v[i] = ts + 1 + int64(r.intn(uint64(max(horizon*2, 1))))
		nm := appendString(scratch[:0], &r, 20, ' ')
		name.add(i, nm)
		ds := appendString(scratch[:0], &r, 100, ' ')
		desc.add(i, ds)
		reserve.v[i] = initial.v[i] + nextPrice(&r)
		size := 8 + len(nm) + len(ds) + 8 + 8 + 8 + 8 + 8
		extra.addLetters(i, &r, extraLen(&r, size, avgAuctionByteSize))
		dt.v[i] = ts
		n++
	}
	return record(schemas[Auction], rows,
		finishI64(&id, i64, rows), finishStr(&name, rows), finishStr(&desc, rows), finishI64(&initial, i64, rows),
		finishI64(&reserve, i64, rows), finishI64(&dt, tms, rows), finishI64(&expires, tms, rows),
		finishI64(&seller, i64, rows), finishI64(&category, i64, rows), finishStr(&extra, rows)), n
}

func (g *Generator) persons(alloc memory.Allocator, n int64, rows int) (arrow.RecordBatch, int64) {
	id, dt := newI64Col(alloc, rows), newI64Col(alloc, rows)
	name, email, card := newStrCol(alloc, rows, 12), newStrCol(alloc, rows, 14), newStrCol(alloc, rows, 19)
	city, state, extra := newStrCol(alloc, rows, 8), newStrCol(alloc, rows, 2), newStrCol(alloc, rows, 145)
	var scratch [64]byte
	for i := 0; i < rows; i++ {
		n = nextOfKind(Person, n)
		r := g.eventRNG(n)
		id.v[i] = lastBase0PersonID(n) + firstPersonID
		b := append(scratch[:0], firstNames[r.intn(uint64(len(firstNames)))]...)
		b = append(b, ' ')
		b = append(b, lastNames[r.intn(uint64(len(lastNames)))]...)
		name.add(i, b)
		size := 8 + len(b)
		b = appendString(scratch[:0], &r, 7, ' ')
		b = append(b, '@')
		b = appendString(b, &r, 5, ' ')
		b = append(b, ".com"...)
		email.add(i, b)
		size += len(b)
		b = scratch[:0]
		for k := 0; k < 4; k++ {
			if k > 0 {
				b = append(b, ' ')
			}
			v := r.intn(10000)
			if v < 1000 {
				b = append(b, '0')
			}
			if v < 100 {
				b = append(b, '0')
			}
			if v < 10 {
				b = append(b, '0')
			}
			b = strconv.AppendUint(b, v, 10)
		}
		card.add(i, b)
		size += len(b)
		c := usCities[r.intn(uint64(len(usCities)))]
		city.addString(i, c)
		s := usStates[r.intn(uint64(len(usStates)))]
		state.addString(i, s)
		size += len(c) + len(s)
		extra.addLetters(i, &r, extraLen(&r, size, avgPersonByteSize))
		dt.v[i] = g.cfg.Timestamp(n)
		n++
	}
	return record(schemas[Person], rows,
		finishI64(&id, i64, rows), finishStr(&name, rows), finishStr(&email, rows), finishStr(&card, rows),
		finishStr(&city, rows), finishStr(&state, rows), finishI64(&dt, tms, rows), finishStr(&extra, rows)), n
}
