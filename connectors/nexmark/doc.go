// Package nexmark owns the Nexmark benchmark generator (SPEC §6): the
// `nexmark` source connector, the table schemas the catalog asks for
// (Schema), and the JSON lines of `spate gen nexmark` (WriteJSONL).
//
// It follows the Beam/Flink generator rules: per 50 events 1 person, 3
// auctions, 46 bids by event number mod 50; person and auction ids count
// from 1000; a bid goes to a hot auction with P 1/2 and comes from a hot
// bidder with P 3/4, an auction from a hot seller with P 3/4 (the first
// auction / second person / first person of the last batch of 100), else
// to a random one of the last 100 auctions (+10 ahead) or the last 1000
// people (+10 ahead); prices are round(10^(6u) * 100) cents as BIGINT;
// categories 10..14; auctions expire 1..2*horizon ms after they open,
// where the horizon is the time until 100 more auctions exist; people get
// a name from the Beam name lists, a random e-mail, a 16-digit credit card
// and a US city and state; bids get a channel (half of them one of 4 hot
// channels) and its URL; `extra` pads every row to the average sizes
// (person 200, auction 500, bid 100 bytes, +-20%). Event n has event time
// 2015-07-15T00:00:00Z + n/rate seconds (rate 10000/s by default),
// whatever the wall clock does.
//
// Determinism: event n is a pure function of (seed, n). Each event seeds
// its own splitmix64 stream with mix64(seed-mix + n*odd), so any range of
// events can be generated alone, in any order or in parallel, and gives
// the rows of the whole (Generator.Batch). The channel URLs Beam draws
// from a process-wide Random are derived from the seed instead. The
// random padding letters are drawn 8 per 64-bit word (9/256 or 10/256 per
// letter instead of exactly 1/26), and 10^(6u) comes from a table of
// 1/256 steps and a cubic (within a cent of math.Pow).
//
// Batches are written straight into Arrow buffers from the allocator (no
// builders, no JSON, no per-row allocation), up to BatchRows rows, one
// partition (0) whose offsets are event numbers; Source.Seek resumes after
// a checkpoint. Options: table (person|auction|bid), events (total events
// of all kinds; the source emits only its table's among events 0..N-1;
// absent or 0 means unbounded), rate, seed.
package nexmark
