package videosessions

import (
	"math"
	"math/bits"
	"time"
)

// BaseTime is the event time of event 0, in epoch milliseconds.
var BaseTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

const (
	// DefaultSessions is the number of concurrent sessions when none is
	// given.
	DefaultSessions = 1000
	// DefaultRate is the event rate (events per second of event time) when
	// none is given.
	DefaultRate = 10000
	// MaxSessions bounds the slot table (about 100 bytes per slot).
	MaxSessions = 1_000_000
	// MaxRate keeps (n mod rate)*1000 within int64.
	MaxRate = 1_000_000_000
)

// Config are the generator options.
type Config struct {
	Sessions int64 // concurrent sessions (slots); 0: DefaultSessions
	Events   int64 // total events; 0: unbounded
	Rate     int64 // events per second of event time; 0: DefaultRate
	Seed     int64
}

func (c Config) withDefaults() Config {
	if c.Sessions <= 0 {
		c.Sessions = DefaultSessions
	}
	if c.Rate <= 0 {
		c.Rate = DefaultRate
	}
	c.Rate = min(c.Rate, MaxRate)
	return c
}

// Timestamp is the event time of event n in epoch ms: BaseTime + n/rate s.
func (c Config) Timestamp(n int64) int64 {
	r := c.Rate
	if r <= 0 {
		r = DefaultRate
	}
	// Split so n*1000 cannot overflow.
	return BaseTime + (n/r)*1000 + (n%r)*1000/r
}

// clock yields Timestamp(n), Timestamp(n+1), ... without a division per
// event: ms = BaseTime + q*1000 + floor(rem*1000/rate) where n = q*rate +
// rem, kept with the remainder frac of rem*1000 mod rate.
type clock struct {
	ms, q, rem, frac int64
	rate, step, left int64 // 1000/rate, 1000%rate
}

func (g *Generator) clockAt(n int64) clock {
	r := g.cfg.Rate
	c := clock{q: n / r, rem: n % r, rate: r, step: 1000 / r, left: 1000 % r}
	c.ms = g.cfg.Timestamp(n)
	c.frac = c.rem*1000 - (c.ms-BaseTime-c.q*1000)*r
	return c
}

func (c *clock) advance() {
	c.rem++
	if c.rem == c.rate {
		c.rem, c.frac = 0, 0
		c.q++
		c.ms = BaseTime + c.q*1000
		return
	}
	c.ms += c.step
	c.frac += c.left
	if c.frac >= c.rate {
		c.frac -= c.rate
		c.ms++
	}
}

// TickMillis is the event time between two events of one slot (sessions/
// rate seconds): the granularity of every duration in the data.
func (c Config) TickMillis() float64 {
	c = c.withDefaults()
	return float64(c.Sessions) * 1000 / float64(c.Rate)
}

// Values of the sparse columns. Index 0 of each table means "no change"
// (NULL).
var (
	playerNames = [...]string{"", "attempt", "play", "buffer", "pause", "stopped"}
	actionNames = [...]string{"", "seek", "pause", "resume"}
	cdnNames    = [...]string{"", "C1", "C2", "C3", "C4"}
	errorNames  = [...]string{"",
		// Start failures (before the first play).
		"MANIFEST_LOAD_FAILED", "DRM_LICENSE_DENIED", "CONNECTION_TIMEOUT",
		// Fatal errors during playback.
		"NETWORK_LOST", "DECODER_ERROR", "CDN_HTTP_5XX"}
	deviceNames  = [...]string{"android", "ios", "web", "roku", "firetv", "smarttv", "appletv"}
	countryNames = [...]string{"US", "GB", "DE", "FR", "BR", "IN", "JP", "CA", "MX", "AU"}

	// bitrateLadder is the ABR ladder in kbps (the bitrate column's values).
	bitrateLadder = [...]int64{300, 750, 1200, 2350, 3500, 5800}
)

const (
	pAttempt uint8 = iota + 1
	pPlay
	pBuffer
	pPause
	pStopped
)

const (
	aSeek uint8 = iota + 1
	aPause
	aResume
)

const (
	firstStartError = 1
	numStartErrors  = 3
	firstPlayError  = 4
	numPlayErrors   = 3
)

// Weights (percent) of the per-session draws.
var (
	deviceWeights  = [...]uint8{30, 25, 15, 10, 8, 7, 5}
	countryWeights = [...]uint8{35, 10, 8, 6, 9, 12, 7, 6, 4, 3}
	cdnWeights     = [...]uint8{40, 30, 20, 10} // C1..C4
	qualityWeights = [...]uint8{60, 30, 10}     // good, fair, poor network
)

// The session model. Durations are in ms of event time; rates per minute
// of playing time. Index by CDN (0..3 for C1..C4) or network quality
// (good, fair, poor).
var (
	startFailureP = [4]float64{0.012, 0.015, 0.03, 0.06}
	playErrorP    = [4]float64{0.008, 0.01, 0.015, 0.03}
	vstCDN        = [4]float64{1, 1.1, 1.3, 1.8}
	vstQuality    = [3]float64{1, 1.6, 3}
	rebufPerMin   = [3]float64{0.05, 0.25, 1.0}
	rebufCDN      = [4]float64{1.0, 1.3, 1.8, 3.0}
	rebufLen      = [3]float64{1500, 2200, 3500}
	// ABR target rungs [lo, hi] and the first rung played.
	rungLo    = [3]uint8{4, 2, 0}
	rungHi    = [3]uint8{5, 3, 1}
	rungStart = [3]uint8{2, 1, 0}
)

const (
	vstMedian        = 1200.0
	vstSigma         = 0.5
	patienceMin      = 4000.0
	patienceMean     = 12000.0
	watchMedian      = 120000.0
	watchSigma       = 1.1
	seekPerMin       = 0.3
	seekBufMedian    = 800.0
	pausePerMin      = 0.15
	pauseMedian      = 15000.0
	abrPerMin        = 0.4
	abrRampPerMin    = 4.0
	switchPerMin     = 0.02
	switchAfterRebuf = 0.15
	downshiftP       = 0.5
	boostFactor      = 4.0
	boostMillis      = 30000.0
)

// What a session does at its next change point.
const (
	wAttempt uint8 = iota
	wPlay
	wEnd
	wSeek
	wSeekBuf
	wSeekEnd
	wPause
	wResume
	wRebuf
	wRebufEnd
	wABR
	wSwitch
	wRedraw
)

// Session kinds, drawn first so the length is known without simulating.
const (
	kFail    uint8 = iota // fatal error before play (video start failure)
	kEBVS                 // viewer left before the video started
	kPlayed               // played, then stopped
	kPlayErr              // played, then a fatal error
)

// session is the state of one slot: the session in it and where its
// lifecycle is. Offsets count the slot's events since the session's
// attempt.
type session struct {
	r        rng
	j        uint64 // session number within the slot
	start    int64  // slot tick of the attempt
	end      int64  // offset of the last event (stopped)
	next     int64  // offset of the next change point (<= end)
	vst      int64  // offset of the first play (played kinds)
	boostEnd int64  // rebuffering is likelier before this offset
	what     uint8  // the change due at next
	phase    uint8  // player state
	kind     uint8
	cdn      uint8 // 1..4
	quality  uint8 // 0 good, 1 fair, 2 poor
	rung     uint8 // index into bitrateLadder
	errCode  uint8
	device   uint8
	country  uint8
	id       [16]byte
}

// change is what one event sets; zero fields stay NULL.
type change struct {
	player, action, cdn, err uint8
	bitrate                  int64 // 0: none
	first                    bool  // device and country too
}

// Generator makes the events of one configuration. Event n is a pure
// function of (config, n); the generator only caches where each slot's
// session is, so reading on from the last batch is O(1) per event and a
// jump (another range) re-derives the slots (Batch does it). A Generator
// is not safe for concurrent use: generate slices in parallel with one
// Generator each.
type Generator struct {
	cfg      Config
	s        int64   // sessions (slots)
	tick     float64 // ms of event time per slot event
	rngMix   uint64
	idMix    uint64
	slots    []session
	pos      int64 // event number the slots are positioned at; -1: none
	minPerMs float64
}

// NewGenerator returns a generator for cfg (defaults filled in; Sessions
// clamped to MaxSessions).
func NewGenerator(cfg Config) *Generator {
	cfg = cfg.withDefaults()
	if cfg.Sessions > MaxSessions {
		cfg.Sessions = MaxSessions
	}
	sm := mix64(uint64(cfg.Seed) ^ 0x766964656f736573)
	return &Generator{
		cfg:      cfg,
		s:        cfg.Sessions,
		tick:     cfg.TickMillis(),
		rngMix:   mix64(sm ^ 0x243f6a8885a308d3),
		idMix:    mix64(sm ^ 0x13198a2e03707344),
		slots:    make([]session, cfg.Sessions),
		pos:      -1,
		minPerMs: 1.0 / 60000,
	}
}

// Config returns the configuration with defaults filled in.
func (g *Generator) Config() Config { return g.cfg }

// ticks converts ms of event time to slot events, at least 1.
func (g *Generator) ticks(ms float64) int64 {
	t := ms/g.tick + 0.5
	if t < 1 {
		return 1
	}
	if t > 1<<50 {
		return 1 << 50
	}
	return int64(t)
}

const hexDigits = "0123456789abcdef"

// begin starts session j of slot at slot tick start: everything that
// decides its length is drawn here, first, so that seek can skip whole
// sessions without simulating them.
func (g *Generator) begin(s *session, slot, j uint64, start int64) {
	key := slot<<40 | j&(1<<40-1)
	*s = session{j: j, start: start, r: rng{s: mix64(key ^ g.rngMix)}}
	// mix64 is a bijection: distinct (slot, j) give distinct ids.
	id := mix64(key ^ g.idMix)
	for i := 15; i >= 0; i-- {
		s.id[i] = hexDigits[id&15]
		id >>= 4
	}
	r := &s.r
	s.device = weighted(r, deviceWeights[:])
	s.country = weighted(r, countryWeights[:])
	s.cdn = weighted(r, cdnWeights[:]) + 1
	s.quality = weighted(r, qualityWeights[:])
	c, q := s.cdn-1, s.quality
	s.rung = rungStart[q]
	if r.float() < startFailureP[c] {
		s.kind = kFail
		s.errCode = firstStartError + uint8(r.intn(numStartErrors))
		s.end = g.ticks(logUniform(r, 800, 12000))
		return
	}
	vst := clamp(logNormal(r, vstMedian*vstCDN[c]*vstQuality[q], vstSigma), 200, 60000)
	patience := patienceMin + exponential(r, patienceMean)
	if vst > patience {
		s.kind = kEBVS
		s.end = g.ticks(patience)
		return
	}
	s.kind = kPlayed
	s.vst = g.ticks(vst)
	s.end = s.vst + g.ticks(clamp(logNormal(r, watchMedian, watchSigma), 3000, 4*3600*1000))
	if r.float() < playErrorP[c] {
		s.kind = kPlayErr
		s.errCode = firstPlayError + uint8(r.intn(numPlayErrors))
	}
}

// at schedules the change w at offset off, or the end if that comes first.
func (s *session) at(off int64, w uint8) {
	if off >= s.end {
		s.next, s.what = s.end, wEnd
		return
	}
	s.next, s.what = off, w
}

// step applies the change due at s.next and schedules the one after it.
func (g *Generator) step(s *session) change {
	off := s.next
	r := &s.r
	var ch change
	switch s.what {
	case wAttempt:
		ch = change{player: pAttempt, cdn: s.cdn, first: true}
		s.phase = pAttempt
		if s.kind >= kPlayed {
			s.at(s.vst, wPlay)
		} else {
			s.at(s.end, wEnd)
		}
	case wPlay:
		ch = change{player: pPlay, bitrate: bitrateLadder[s.rung]}
		g.playing(s, off)
	case wEnd:
		ch.player = pStopped
		if s.kind == kFail || s.kind == kPlayErr {
			ch.err = s.errCode
		}
		s.phase = pStopped
		s.next = math.MaxInt64
	case wSeek:
		ch.action = aSeek
		s.at(off+1, wSeekBuf)
	case wSeekBuf:
		ch.player = pBuffer
		s.phase = pBuffer
		s.at(off+g.ticks(clamp(logNormal(r, seekBufMedian, 0.6), 200, 5000)), wSeekEnd)
	case wSeekEnd:
		ch.player = pPlay
		g.playing(s, off)
	case wPause:
		ch = change{player: pPause, action: aPause}
		s.phase = pPause
		s.at(off+g.ticks(clamp(logNormal(r, pauseMedian, 1.0), 1000, 240000)), wResume)
	case wResume:
		ch = change{player: pPlay, action: aResume}
		g.playing(s, off)
	case wRebuf:
		ch.player = pBuffer
		s.phase = pBuffer
		s.at(off+g.ticks(clamp(logNormal(r, rebufLen[s.quality], 0.8), 200, 30000)), wRebufEnd)
	case wRebufEnd:
		ch.player = pPlay
		// The player reacts to the stall: a lower rung, sometimes
		// another CDN.
		if r.float() < downshiftP && s.rung > 0 {
			s.rung--
			if s.rung > 0 && r.intn(3) == 0 {
				s.rung--
			}
			ch.bitrate = bitrateLadder[s.rung]
		}
		if r.float() < switchAfterRebuf {
			ch.cdn = g.switchCDN(s, off)
		}
		g.playing(s, off)
	case wABR:
		old := s.rung
		lo, hi := rungLo[s.quality], rungHi[s.quality]
		switch {
		case s.rung < lo:
			s.rung++
		case s.rung > hi:
			s.rung--
		case r.intn(2) == 0 && s.rung < hi:
			s.rung++
		case s.rung > lo:
			s.rung--
		}
		if s.rung != old {
			ch.bitrate = bitrateLadder[s.rung]
		}
		g.playing(s, off)
	case wSwitch:
		ch.cdn = g.switchCDN(s, off)
		g.playing(s, off)
	case wRedraw:
		g.playing(s, off)
	}
	return ch
}

// switchCDN moves the session to another CDN; the new connection
// rebuffers more for a while.
func (g *Generator) switchCDN(s *session, off int64) uint8 {
	c := s.cdn
	for c == s.cdn {
		c = weighted(&s.r, cdnWeights[:]) + 1
	}
	s.cdn = c
	s.boostEnd = off + g.ticks(boostMillis)
	return c
}

// playing draws the next change of a playing session: the competing
// hazards of seek, pause, rebuffering, an ABR step and a CDN switch.
// They are memoryless, so the wait for the first is exponential with the
// summed rate, and which one it is goes by the rates.
func (g *Generator) playing(s *session, off int64) {
	s.phase = pPlay
	r := &s.r
	rebuf := rebufPerMin[s.quality] * rebufCDN[s.cdn-1]
	boosted := off < s.boostEnd
	if boosted {
		rebuf *= boostFactor
	}
	abr := abrPerMin
	if s.rung < rungLo[s.quality] {
		abr = abrRampPerMin
	}
	total := seekPerMin + pausePerMin + rebuf + abr + switchPerMin
	t := off + g.ticks(exponential(r, 1/(total*g.minPerMs)))
	if boosted && t > s.boostEnd {
		// The rates change at boostEnd: draw again from there.
		s.at(s.boostEnd, wRedraw)
		return
	}
	x := r.float() * total
	switch {
	case x < seekPerMin:
		s.at(t, wSeek)
	case x < seekPerMin+pausePerMin:
		s.at(t, wPause)
	case x < seekPerMin+pausePerMin+rebuf:
		s.at(t, wRebuf)
	case x < seekPerMin+pausePerMin+rebuf+abr:
		s.at(t, wABR)
	default:
		s.at(t, wSwitch)
	}
}

// seek positions every slot before event n: slot k has had n/S events,
// plus one if k < n mod S. It skips whole sessions by their length, then
// replays the change points of the session in force (not its heartbeats),
// so it costs about one step per session and change point before n.
func (g *Generator) seek(n int64) {
	q, rem := n/g.s, n%g.s
	for k := int64(0); k < g.s; k++ {
		target := q
		if k < rem {
			target++
		}
		s := &g.slots[k]
		g.begin(s, uint64(k), 0, 0)
		for s.start+s.end < target {
			g.begin(s, uint64(k), s.j+1, s.start+s.end+1)
		}
		for off := target - s.start; s.next < off; {
			g.step(s)
		}
	}
	g.pos = n
}

// rng is splitmix64, as in the nexmark generator.
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

func (r *rng) intn(n uint64) uint64 {
	hi, _ := bits.Mul64(r.next(), n)
	return hi
}

// float is uniform in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) * 0x1p-53 }

// weighted picks an index with the given percent weights.
func weighted(r *rng, w []uint8) uint8 {
	x := uint8(r.intn(100))
	for i, p := range w {
		if x < p {
			return uint8(i)
		}
		x -= p
	}
	return uint8(len(w) - 1)
}

func exponential(r *rng, mean float64) float64 {
	return -math.Log(1-r.float()) * mean
}

// logNormal has the given median; sigma is of the underlying normal
// (Box-Muller).
func logNormal(r *rng, median, sigma float64) float64 {
	u1, u2 := 1-r.float(), r.float()
	z := math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
	return median * math.Exp(sigma*z)
}

func logUniform(r *rng, lo, hi float64) float64 {
	return lo * math.Exp(r.float()*math.Log(hi/lo))
}

func clamp(x, lo, hi float64) float64 { return min(max(x, lo), hi) }
