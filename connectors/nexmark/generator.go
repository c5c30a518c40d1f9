package nexmark

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// The Beam/Flink generator constants (GeneratorConfig, *Generator classes).
const (
	personProportion  = 1
	auctionProportion = 3
	bidProportion     = 46
	totalProportion   = personProportion + auctionProportion + bidProportion

	firstPersonID   = 1000
	firstAuctionID  = 1000
	firstCategoryID = 10
	numCategories   = 5

	// Configurable in Beam/Flink; spate uses their defaults.
	hotAuctionRatio     = 2
	hotSellersRatio     = 4
	hotBiddersRatio     = 4
	numInFlightAuctions = 100
	numActivePeople     = 1000
	avgPersonByteSize   = 200
	avgAuctionByteSize  = 500
	avgBidByteSize      = 100

	// Fixed in the generator classes.
	hotAuctionStep   = 100 // HOT_AUCTION_RATIO
	hotSellerStep    = 100 // HOT_SELLER_RATIO
	hotBidderStep    = 100 // HOT_BIDDER_RATIO
	personIDLead     = 10
	auctionIDLead    = 10
	hotChannelsRatio = 2
	channelsNumber   = 10000
	minStringLength  = 3

	// Events until numInFlightAuctions more auctions exist: the horizon of
	// an auction's length.
	auctionHorizonEvents = numInFlightAuctions * totalProportion / auctionProportion
)

// BaseTime is the event time of event 0 (SPEC §6), in epoch milliseconds.
var BaseTime = time.Date(2015, 7, 15, 0, 0, 0, 0, time.UTC).UnixMilli()

var (
	usStates   = []string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	usCities   = []string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	firstNames = []string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames  = []string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	hotChannel = []string{"Google", "Facebook", "Baidu", "Apple"}
)

// Table is one of the three Nexmark streams.
type Table int

const (
	Person Table = iota
	Auction
	Bid
)

var tableNames = [...]string{"person", "auction", "bid"}

func (t Table) String() string { return tableNames[t] }

// ParseTable parses person, auction or bid.
func ParseTable(s string) (Table, error) {
	for i, n := range tableNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Table(i), nil
		}
	}
	return 0, fmt.Errorf("unknown nexmark table %q (expected person, auction or bid)", s)
}

// KindOf is the table event n belongs to (by n mod 50: 1 person, then 3
// auctions, then 46 bids).
func KindOf(n int64) Table {
	switch o := n % totalProportion; {
	case o < personProportion:
		return Person
	case o < personProportion+auctionProportion:
		return Auction
	}
	return Bid
}

// nextOfKind is the first event >= n of table t.
func nextOfKind(t Table, n int64) int64 {
	o := n % totalProportion
	base := n - o
	switch t {
	case Person:
		if o == 0 {
			return n
		}
		return base + totalProportion
	case Auction:
		switch {
		case o < personProportion:
			return base + personProportion
		case o < personProportion+auctionProportion:
			return n
		}
		return base + totalProportion + personProportion
	}
	if o < personProportion+auctionProportion {
		return base + personProportion + auctionProportion
	}
	return n
}

// CountOf is the number of events of table t among events [from, to).
func CountOf(t Table, from, to int64) int64 {
	if to <= from {
		return 0
	}
	return countBefore(t, to) - countBefore(t, from)
}

func countBefore(t Table, n int64) int64 {
	epochs, o := n/totalProportion, n%totalProportion
	lo, hi := int64(0), int64(personProportion)
	switch t {
	case Auction:
		lo, hi = personProportion, personProportion+auctionProportion
	case Bid:
		lo, hi = personProportion+auctionProportion, totalProportion
	}
	return epochs*(hi-lo) + min(max(o-lo, 0), hi-lo)
}

// Config are the generator options.
type Config struct {
	Events int64 // total events of all kinds; 0: unbounded
	Rate   int64 // events per second of event time (default 10000)
	Seed   int64
}

// DefaultRate is the event rate when none is given.
const DefaultRate = 10000

// Timestamp is the event time of event n in epoch ms: BaseTime + n/rate s.
func (c Config) Timestamp(n int64) int64 {
	r := c.Rate
	if r <= 0 {
		r = DefaultRate
	}
	// Split so n*1000 cannot overflow.
	return BaseTime + (n/r)*1000 + (n%r)*1000/r
}

// Generator makes the events of one (seed, rate). Event n is a pure
// function of (seed, rate, n): each event seeds its own PRNG, so any range
// of events can be generated independently (and in parallel) and gives
// the same rows as the whole.
type Generator struct {
	cfg     Config
	seedMix uint64
	hotURLs [4]string
	// The 10000 cold channels and their URLs, packed in one slab each
	// (entry i is text[off[i]:off[i+1]]) so the copies stay in cache.
	chanText, urlText []byte
	chanOff, urlOff   []int32
	// Expected bytes per bid of channel and url, to size the columns.
	avgChannel, avgURL int
}

func (g *Generator) channel(i int) []byte { return g.chanText[g.chanOff[i]:g.chanOff[i+1]] }
func (g *Generator) channelURL(i int) []byte {
	return g.urlText[g.urlOff[i]:g.urlOff[i+1]]
}

// NewGenerator precomputes the channel table of the seed.
func NewGenerator(cfg Config) *Generator {
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultRate
	}
	g := &Generator{cfg: cfg, seedMix: mix64(uint64(cfg.Seed) ^ 0x6e65786d61726b00)}
	// Beam draws these from a process-wide Random; spate derives them from
	// the seed so that two runs agree.
	var buf []byte
	for i := range g.hotURLs {
		r := rng{s: mix64(g.seedMix ^ 0xa0761d6478bd642f ^ uint64(i))}
		buf = appendBaseURL(buf[:0], &r)
		g.hotURLs[i] = string(buf)
	}
	g.chanOff = make([]int32, 1, channelsNumber+1)
	g.urlOff = make([]int32, 1, channelsNumber+1)
	for i := 0; i < channelsNumber; i++ {
		r := rng{s: mix64(g.seedMix ^ 0xe7037ed1a0b428db ^ uint64(i))}
		g.chanText = strconv.AppendInt(append(g.chanText, "channel-"...), int64(i), 10)
		g.chanOff = append(g.chanOff, int32(len(g.chanText)))
		g.urlText = appendBaseURL(g.urlText, &r)
		if r.intn(10) > 0 {
			// Java's Math.abs(Integer.reverse(i)), MIN_VALUE included.
			v := int32(bits.Reverse32(uint32(i)))
			if v < 0 && v != math.MinInt32 {
				v = -v
			}
			g.urlText = append(g.urlText, "&channel_id="...)
			g.urlText = strconv.AppendInt(g.urlText, int64(v), 10)
		}
		g.urlOff = append(g.urlOff, int32(len(g.urlText)))
	}
	hotChan, hotURL := 0, 0
	for i := range hotChannel {
		hotChan += len(hotChannel[i])
		hotURL += len(g.hotURLs[i])
	}
	// Half hot (uniform over 4), half cold (uniform over 10000).
	g.avgChannel = (hotChan/len(hotChannel)+len(g.chanText)/channelsNumber)/2 + 1
	g.avgURL = (hotURL/len(hotChannel)+len(g.urlText)/channelsNumber)/2 + 1
	return g
}

// Config returns the generator's configuration (with the default rate
// filled in).
func (g *Generator) Config() Config { return g.cfg }

func appendBaseURL(dst []byte, r *rng) []byte {
	dst = append(dst, "https://www.nexmark.com/"...)
	dst = appendString(dst, r, 5, '_')
	dst = append(dst, '/')
	dst = appendString(dst, r, 5, '_')
	dst = append(dst, '/')
	dst = appendString(dst, r, 5, '_')
	return append(dst, "/item.htm?query=1"...)
}

// rng is splitmix64: tiny state, fast, and good enough for test data.
type rng struct{ s uint64 }

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// intn is uniform in [0, n) (Lemire's multiply-shift; the bias is below
// 2^-40 for the n used here).
func (r *rng) intn(n uint64) uint64 {
	hi, _ := bits.Mul64(r.next(), n)
	return hi
}

func (r *rng) float() float64 { return float64(r.next()>>11) * 0x1p-53 }

// eventRNG is the PRNG of event n. mix64 is a bijection, so distinct
// events start from distinct states.
func (g *Generator) eventRNG(n int64) rng {
	return rng{s: mix64(g.seedMix + uint64(n)*0xd1b54a32d192ed03)}
}

// nextPrice is round(10^(u*6) * 100) cents, log-uniform in [100, 1e8].
// 10^x is pow10Steps[x in 1/256ths] times a cubic for the rest (relative
// error < 3e-10, far below a cent's rounding), about ten times cheaper
// than math.Exp.
func nextPrice(r *rng) int64 {
	x := r.float() * (6 * 256)
	i := int(x)
	t := (x - float64(i)) * (math.Ln10 / 256)
	f := 1 + t*(1+t*(0.5+t*(1.0/6)))
	return int64(math.Round(pow10Steps[i] * f * 100))
}

// pow10Steps[i] = 10^(i/256).
var pow10Steps = func() (t [6*256 + 1]float64) {
	for i := range t {
		t[i] = math.Pow(10, float64(i)/256)
	}
	return
}()

func lastBase0PersonID(n int64) int64 {
	epoch, offset := n/totalProportion, n%totalProportion
	if offset >= personProportion {
		offset = personProportion - 1
	}
	return epoch*personProportion + offset
}

func nextBase0PersonID(n int64, r *rng) int64 {
	numPeople := lastBase0PersonID(n) + 1
	active := min(numPeople, numActivePeople)
	return numPeople - active + int64(r.intn(uint64(active+personIDLead)))
}

func lastBase0AuctionID(n int64) int64 {
	epoch, offset := n/totalProportion, n%totalProportion
	switch {
	case offset < personProportion:
		epoch--
		offset = auctionProportion - 1
	case offset >= personProportion+auctionProportion:
		offset = auctionProportion - 1
	default:
		offset -= personProportion
	}
	return epoch*auctionProportion + offset
}

func nextBase0AuctionID(n int64, r *rng) int64 {
	maxA := lastBase0AuctionID(n)
	minA := max(maxA-numInFlightAuctions, 0)
	return minA + int64(r.intn(uint64(maxA-minA+1+auctionIDLead)))
}

// appendString is Beam's nextString: 3..maxLen-1 characters, each a
// lower-case letter or (1 in 13) special, trimmed of spaces.
func appendString(dst []byte, r *rng, maxLen int, special byte) []byte {
	n := minStringLength + int(r.intn(uint64(maxLen-minStringLength)))
	start := len(dst)
	for i := 0; i < n; i++ {
		// One draw gives both choices: the high word of x*13, then of the
		// remaining low word times 26.
		hi, lo := bits.Mul64(r.next(), 13)
		if hi == 0 {
			dst = append(dst, special)
			continue
		}
		c, _ := bits.Mul64(lo, 26)
		dst = append(dst, byte('a'+c))
	}
	if special == ' ' {
		s := start
		for s < len(dst) && dst[s] == ' ' {
			s++
		}
		e := len(dst)
		for e > s && dst[e-1] == ' ' {
			e--
		}
		dst = append(dst[:start], dst[s:e]...)
	}
	return dst
}

// fillLetters fills b with random lower-case letters, 8 per draw: each
// byte x of the draw becomes 'a' + x*26>>8, computed for all 8 bytes at
// once (SWAR). Letters come out with probability 9/256 or 10/256 instead
// of 1/26; the padding needs no better.
func fillLetters(b []byte, r *rng) {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], letters8(r.next()))
	}
	if i < len(b) {
		var tail [8]byte
		binary.LittleEndian.PutUint64(tail[:], letters8(r.next()))
		copy(b[i:], tail[:])
	}
}

func letters8(x uint64) uint64 {
	const m = 0x00ff00ff00ff00ff
	even := ((x & m) * 26 >> 8) & m
	odd := (((x >> 8) & m) * 26 >> 8) & m
	return even | odd<<8 + 0x6161616161616161
}

// extraLen is Beam's nextExtra length: the padding that brings a row to
// avg bytes on average (uniform within +-20%).
func extraLen(r *rng, currentSize, avg int) int {
	if currentSize > avg {
		return 0
	}
	want := avg - currentSize
	delta := int(math.Floor(float64(want)*0.2 + 0.5))
	n := want - delta
	if delta > 0 {
		n += int(r.intn(uint64(2 * delta)))
	}
	return n
}

// Schema returns the columns of table (person, auction or bid).
func Schema(table string) (*arrow.Schema, error) {
	t, err := ParseTable(table)
	if err != nil {
		return nil, err
	}
	return schemas[t], nil
}

func fields(spec ...any) *arrow.Schema {
	var f []arrow.Field
	for i := 0; i < len(spec); i += 2 {
		f = append(f, arrow.Field{Name: spec[i].(string), Type: spec[i+1].(arrow.DataType)})
	}
	return arrow.NewSchema(f, nil)
}

var (
	i64 = expr.TypeBigint
	str = expr.TypeVarchar
	tms = expr.TypeTimestamp
)

var schemas = [...]*arrow.Schema{
	Person: fields("id", i64, "name", str, "email_address", str, "credit_card", str, "city", str,
		"state", str, "date_time", tms, "extra", str),
	Auction: fields("id", i64, "item_name", str, "description", str, "initial_bid", i64, "reserve", i64,
		"date_time", tms, "expires", tms, "seller", i64, "category", i64, "extra", str),
	Bid: fields("auction", i64, "bidder", i64, "price", i64, "channel", str, "url", str,
		"date_time", tms, "extra", str),
}

// i64Col is a fixed-width column written in place.
type i64Col struct {
	buf *memory.Buffer
	v   []int64
}

func newI64Col(alloc memory.Allocator, rows int) i64Col {
	b := memory.NewResizableBuffer(alloc)
	b.Resize(rows * 8)
	return i64Col{buf: b, v: arrow.Int64Traits.CastFromBytes(b.Bytes())}
}

// strCol is a string column written in place: offsets plus data that
// doubles when full.
type strCol struct {
	offBuf, dataBuf *memory.Buffer
	off             []int32
	d               []byte // dataBuf's whole capacity
	n               int    // bytes used
}

// newStrCol sizes the data for rows of avgLen bytes on average plus a
// little slack: the total of a batch stays close to rows*avgLen, and
// zeroing (the Go allocator) and faulting in unused capacity costs as much
// as writing it.
func newStrCol(alloc memory.Allocator, rows, avgLen int) strCol {
	o := memory.NewResizableBuffer(alloc)
	o.Resize((rows + 1) * 4)
	d := memory.NewResizableBuffer(alloc)
	d.Reserve(rows*avgLen + rows*avgLen/32 + 256)
	c := strCol{offBuf: o, dataBuf: d, off: arrow.Int32Traits.CastFromBytes(o.Bytes()), d: d.Buf()}
	c.off[0] = 0
	return c
}

// room makes room for k more bytes and returns the tail to append to.
func (c *strCol) room(k int) {
	if c.n+k > len(c.d) {
		c.dataBuf.Reserve(max(2*len(c.d), c.n+k))
		c.d = c.dataBuf.Buf()
	}
}

func (c *strCol) add(row int, b []byte) {
	c.room(len(b))
	c.n += copy(c.d[c.n:], b)
	c.off[row+1] = int32(c.n)
}

// addLetters appends k random letters (see fillLetters).
func (c *strCol) addLetters(row int, r *rng, k int) {
	c.room(k)
	fillLetters(c.d[c.n:c.n+k], r)
	c.n += k
	c.off[row+1] = int32(c.n)
}

func (c *strCol) addString(row int, s string) {
	c.room(len(s))
	c.n += copy(c.d[c.n:], s)
	c.off[row+1] = int32(c.n)
}
