package videosessions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/connectors/jsonfmt"
	"github.com/spate-sql/spate/exec"
)

// rowsJSON renders batches as JSON lines, the form rows are compared in.
func rowsJSON(t testing.TB, recs ...arrow.RecordBatch) string {
	t.Helper()
	enc, err := jsonfmt.NewEncoder(schema, jsonfmt.EncoderOptions{})
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

// generate returns events [from, to) in batches of bs rows.
func generate(t testing.TB, g *Generator, alloc memory.Allocator, from, to int64, bs int) string {
	var out strings.Builder
	for n := from; ; {
		var rec arrow.RecordBatch
		rec, n = g.Batch(alloc, n, to, bs)
		if rec == nil {
			return out.String()
		}
		validate(t, rec)
		out.WriteString(rowsJSON(t, rec))
		rec.Release()
	}
}

func TestDeterministicAndSlices(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(7, 8))
	for _, cfg := range []Config{
		{Sessions: 50, Events: 60000, Seed: 42, Rate: 100},
		{Sessions: 7, Events: 30000, Seed: -1, Rate: 3},
		{Sessions: 1000, Events: 40000, Seed: 3}, // a 0.1 s tick
	} {
		whole := generate(t, NewGenerator(cfg), alloc, 0, cfg.Events, 4096)
		if got := generate(t, NewGenerator(cfg), alloc, 0, cfg.Events, 4096); got != whole {
			t.Fatalf("%+v: two runs differ", cfg)
		}
		if int64(strings.Count(whole, "\n")) != cfg.Events {
			t.Fatalf("%+v: %d rows", cfg, strings.Count(whole, "\n"))
		}
		// Random slices, each from a fresh generator, odd batch sizes; and
		// the same slices from one generator that has to jump back.
		var cuts []int64
		for i := 0; i < 7; i++ {
			cuts = append(cuts, r.Int64N(cfg.Events))
		}
		cuts = append(cuts, 0, cfg.Events)
		slices.Sort(cuts)
		var parts strings.Builder
		reused := NewGenerator(cfg)
		generate(t, reused, alloc, cfg.Events/2, cfg.Events, 999)
		for i := 0; i+1 < len(cuts); i++ {
			bs := 1 + r.IntN(300)
			p := generate(t, NewGenerator(cfg), alloc, cuts[i], cuts[i+1], bs)
			if q := generate(t, reused, alloc, cuts[i], cuts[i+1], bs); q != p {
				t.Fatalf("%+v: slice [%d,%d) differs after a jump", cfg, cuts[i], cuts[i+1])
			}
			parts.WriteString(p)
		}
		if parts.String() != whole {
			t.Fatalf("%+v: slices %v differ from the whole", cfg, cuts)
		}
		other := cfg
		other.Seed++
		if generate(t, NewGenerator(other), alloc, 0, cfg.Events, 4096) == whole {
			t.Fatalf("%+v: seed has no effect", cfg)
		}
	}
}

// validate checks the buffers written in place: string offsets and data,
// and that each column's null count matches its bitmap.
func validate(t testing.TB, rec arrow.RecordBatch) {
	t.Helper()
	for c, col := range rec.Columns() {
		if s, ok := col.(*array.String); ok {
			if err := s.ValidateFull(); err != nil {
				t.Fatalf("column %d: %v", c, err)
			}
		}
		nulls := 0
		for i := 0; i < col.Len(); i++ {
			if col.Data().Buffers()[0] != nil && !bitutil.BitIsSet(col.Data().Buffers()[0].Bytes(), i) {
				nulls++
			}
		}
		if nulls != col.NullN() {
			t.Fatalf("column %d: null count %d, bitmap has %d", c, col.NullN(), nulls)
		}
	}
}

// event is one decoded row.
type event struct {
	n                                              int64
	sid                                            string
	ts                                             int64
	player, action, cdn, err, device, country      string
	bitrate                                        int64 // 0: NULL
	hasPlayer, hasAction, hasCDN, hasErr, hasFirst bool
}

func events(t testing.TB, cfg Config) []event {
	g := NewGenerator(cfg)
	var out []event
	for n := int64(0); ; {
		var rec arrow.RecordBatch
		rec, n = g.Batch(memory.DefaultAllocator, n, cfg.Events, 4096)
		if rec == nil {
			return out
		}
		str := func(c int) *array.String { return rec.Column(c).(*array.String) }
		id, ts := str(0), rec.Column(1).(*array.Timestamp)
		player, action, cdn, br := str(2), str(3), str(4), rec.Column(5).(*array.Int64)
		errc, device, country := str(6), str(7), str(8)
		for i := 0; i < int(rec.NumRows()); i++ {
			e := event{n: int64(len(out)), sid: id.Value(i), ts: int64(ts.Value(i))}
			if player.IsValid(i) {
				e.player, e.hasPlayer = player.Value(i), true
			}
			if action.IsValid(i) {
				e.action, e.hasAction = action.Value(i), true
			}
			if cdn.IsValid(i) {
				e.cdn, e.hasCDN = cdn.Value(i), true
			}
			if errc.IsValid(i) {
				e.err, e.hasErr = errc.Value(i), true
			}
			if br.IsValid(i) {
				e.bitrate = br.Value(i)
				if e.bitrate == 0 {
					t.Fatalf("bitrate 0 at %d", e.n)
				}
			}
			if device.IsValid(i) != country.IsValid(i) {
				t.Fatalf("device and country at %d", e.n)
			}
			if device.IsValid(i) {
				e.device, e.country, e.hasFirst = device.Value(i), country.Value(i), true
			}
			out = append(out, e)
		}
		rec.Release()
	}
}

// stats are the proportions the doc comment promises, measured on rows.
type stats struct {
	rows, changeRows                               int
	sessions, ended, failed, ebvs, played, playErr int
	vst                                            []int64 // ms, attempt to first play
	watch                                          []int64 // ms, first play to stopped
	playMs, bufMs, seekBufMs                       int64   // buffering after a seek counted apart
	rebuffers, seeks, pauses, switches, bitrateCh  int
	cdnStart                                       map[string]int
	rateMs                                         float64 // sum of bitrate * play ms
}

// analyze checks every session's lifecycle while it measures: the first
// event is the attempt (with cdn, device, country), player states follow
// the allowed transitions, the last is stopped (error only there), events
// are in time order, and every slot holds one session at a time.
func analyze(t testing.TB, cfg Config, evs []event) stats {
	t.Helper()
	cfg = cfg.withDefaults()
	type sess struct {
		slot                 int64
		state                string
		since, attempt, play int64
		last                 int64
		cdn                  string
		bitrate              int64
		seekBuf, ended       bool
		lastTS               int64
	}
	st := stats{cdnStart: map[string]int{}}
	open := map[string]*sess{}
	seen := map[string]bool{}
	slotSess := make([]string, cfg.Sessions)
	idRe := regexp.MustCompile(`^[0-9a-f]{16}$`)
	allowed := map[string][]string{
		"attempt": {"play", "stopped"},
		"play":    {"buffer", "pause", "stopped"},
		"buffer":  {"play", "stopped"},
		"pause":   {"play", "stopped"},
	}
	leave := func(s *sess, ts int64) {
		d := ts - s.since
		switch s.state {
		case "play":
			st.playMs += d
			st.rateMs += float64(s.bitrate) * float64(d)
		case "buffer":
			if s.seekBuf {
				st.seekBufMs += d
			} else {
				st.bufMs += d
			}
		}
		s.since = ts
	}
	for _, e := range evs {
		st.rows++
		if e.hasPlayer || e.hasAction || e.hasCDN || e.hasErr || e.bitrate != 0 {
			st.changeRows++
		}
		slot := e.n % cfg.Sessions
		if e.ts != cfg.Timestamp(e.n) {
			t.Fatalf("event %d ts %d, want %d", e.n, e.ts, cfg.Timestamp(e.n))
		}
		s := open[e.sid]
		if s == nil {
			if seen[e.sid] {
				t.Fatalf("session %s has events after it stopped (event %d)", e.sid, e.n)
			}
			if !idRe.MatchString(e.sid) {
				t.Fatalf("session id %q", e.sid)
			}
			if slotSess[slot] != "" {
				t.Fatalf("slot %d: session %s starts while %s is open", slot, e.sid, slotSess[slot])
			}
			if e.player != "attempt" || !e.hasCDN || !e.hasFirst {
				t.Fatalf("session %s starts with %+v", e.sid, e)
			}
			seen[e.sid] = true
			slotSess[slot] = e.sid
			s = &sess{slot: slot, state: "attempt", since: e.ts, attempt: e.ts, play: -1, cdn: e.cdn, lastTS: e.ts}
			open[e.sid] = s
			st.sessions++
			st.cdnStart[e.cdn]++
			continue
		}
		if s.slot != slot {
			t.Fatalf("session %s moved from slot %d to %d", e.sid, s.slot, slot)
		}
		if e.ts < s.lastTS {
			t.Fatalf("session %s goes back in time at event %d", e.sid, e.n)
		}
		s.lastTS = e.ts
		if e.hasFirst {
			t.Fatalf("device/country again at event %d", e.n)
		}
		if e.hasErr && e.player != "stopped" {
			t.Fatalf("error without stop at event %d", e.n)
		}
		if e.hasCDN {
			if e.cdn == s.cdn {
				t.Fatalf("cdn %s repeated at event %d", e.cdn, e.n)
			}
			leave(s, e.ts)
			s.cdn = e.cdn
			st.switches++
		}
		if e.bitrate != 0 {
			if e.player != "play" && s.state != "play" {
				t.Fatalf("bitrate outside play at event %d", e.n)
			}
			if e.bitrate == s.bitrate {
				t.Fatalf("bitrate %d repeated at event %d", e.bitrate, e.n)
			}
			leave(s, e.ts)
			if s.bitrate != 0 {
				st.bitrateCh++
			}
			s.bitrate = e.bitrate
		}
		switch e.action {
		case "":
		case "seek":
			if s.state != "play" || e.hasPlayer {
				t.Fatalf("seek in %s at event %d", s.state, e.n)
			}
			st.seeks++
		case "pause":
			if e.player != "pause" {
				t.Fatalf("pause action with player %q", e.player)
			}
			st.pauses++
		case "resume":
			if s.state != "pause" || e.player != "play" {
				t.Fatalf("resume from %s", s.state)
			}
		default:
			t.Fatalf("action %q", e.action)
		}
		if !e.hasPlayer {
			continue
		}
		if !slices.Contains(allowed[s.state], e.player) {
			t.Fatalf("session %s: %s -> %s at event %d", e.sid, s.state, e.player, e.n)
		}
		leave(s, e.ts)
		switch e.player {
		case "play":
			if s.play < 0 {
				s.play = e.ts
				st.vst = append(st.vst, e.ts-s.attempt)
				if e.bitrate == 0 {
					t.Fatalf("first play without bitrate at event %d", e.n)
				}
			}
		case "buffer":
			prev := evs[e.n-cfg.Sessions]
			s.seekBuf = prev.action == "seek"
			if !s.seekBuf {
				st.rebuffers++
			}
		case "stopped":
			st.ended++
			switch {
			case s.play < 0 && e.hasErr:
				st.failed++
				if !slices.Contains(errorNames[firstStartError:firstStartError+numStartErrors], e.err) {
					t.Fatalf("start failure %q", e.err)
				}
			case s.play < 0:
				st.ebvs++
			case e.hasErr:
				st.playErr++
				if !slices.Contains(errorNames[firstPlayError:], e.err) {
					t.Fatalf("playback error %q", e.err)
				}
			}
			if s.play >= 0 {
				st.played++
				st.watch = append(st.watch, e.ts-s.play)
			}
			delete(open, e.sid)
			slotSess[slot] = ""
		}
		s.state = e.player
	}
	return st
}

func median(v []int64) int64 {
	v = slices.Clone(v)
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	return v[len(v)/2]
}

// TestLifecycleAndProportions checks every session's lifecycle (analyze)
// and the proportions doc.go documents, with a 0.25 s tick.
func TestLifecycleAndProportions(t *testing.T) {
	cfg := Config{Sessions: 1500, Events: 3_000_000, Rate: 6000, Seed: 11}
	if testing.Short() {
		cfg.Events = 1_000_000
	}
	st := analyze(t, cfg, events(t, cfg))
	frac := func(a, b int) float64 { return float64(a) / float64(b) }
	hours := float64(st.playMs) / 3.6e6
	t.Logf("rows %d, change rows %.2f%%, sessions %d, ended %d", st.rows, 100*frac(st.changeRows, st.rows), st.sessions, st.ended)
	// Start outcomes are known within seconds of the attempt, so they are
	// measured over all sessions; session ends only over the ended ones
	// (which favours short sessions).
	starts := st.failed + st.ebvs + len(st.vst)
	t.Logf("start failures %.2f%%, EBVS %.2f%% of %d starts; playback errors %.2f%% of %d played and ended",
		100*frac(st.failed, starts), 100*frac(st.ebvs, starts), starts, 100*frac(st.playErr, st.played), st.played)
	t.Logf("VST median %d ms, watch median %d s", median(st.vst), median(st.watch)/1000)
	t.Logf("rebuffering ratio %.2f%% (+ seek buffering %.2f%%)", 100*float64(st.bufMs)/float64(st.bufMs+st.playMs),
		100*float64(st.seekBufMs)/float64(st.bufMs+st.playMs+st.seekBufMs))
	t.Logf("per play hour: rebuffers %.1f, seeks %.1f, pauses %.1f, CDN switches %.2f, bitrate changes %.1f",
		float64(st.rebuffers)/hours, float64(st.seeks)/hours, float64(st.pauses)/hours, float64(st.switches)/hours,
		float64(st.bitrateCh)/hours)
	t.Logf("CDN at start %v, time-weighted bitrate %.0f kbps", st.cdnStart, st.rateMs/float64(st.playMs))

	check := func(what string, got, lo, hi float64) {
		t.Helper()
		if got < lo || got > hi {
			t.Errorf("%s = %.4g, want within [%g, %g]", what, got, lo, hi)
		}
	}
	check("change rows", frac(st.changeRows, st.rows), 0.005, 0.05)
	check("start failures", frac(st.failed, starts), 0.015, 0.03)
	check("EBVS", frac(st.ebvs, starts), 0.005, 0.04)
	check("playback errors", frac(st.playErr, st.played), 0.004, 0.025)
	check("VST median ms", float64(median(st.vst)), 1000, 2000)
	check("watch median s", float64(median(st.watch))/1000, 40, 140)
	check("rebuffering ratio", float64(st.bufMs)/float64(st.bufMs+st.playMs), 0.005, 0.03)
	check("rebuffers per hour", float64(st.rebuffers)/hours, 15, 60)
	check("seeks per hour", float64(st.seeks)/hours, 12, 24)
	check("pauses per hour", float64(st.pauses)/hours, 5, 13)
	check("CDN switches per hour", float64(st.switches)/hours, 1, 10)
	check("C1 share", frac(st.cdnStart["C1"], st.sessions), 0.36, 0.44)
	check("C4 share", frac(st.cdnStart["C4"], st.sessions), 0.07, 0.13)
	check("time-weighted bitrate", st.rateMs/float64(st.playMs), 1800, 4000)
}

// TestSparseFields checks the columns that must be mostly NULL are.
func TestSparseFields(t *testing.T) {
	cfg := Config{Sessions: 500, Events: 500_000, Rate: 2000, Seed: 5}
	evs := events(t, cfg)
	var player, action, cdn, bitrate, errs, first int
	for _, e := range evs {
		if e.hasPlayer {
			player++
		}
		if e.hasAction {
			action++
		}
		if e.hasCDN {
			cdn++
		}
		if e.bitrate != 0 {
			bitrate++
		}
		if e.hasErr {
			errs++
		}
		if e.hasFirst {
			first++
		}
	}
	n := float64(len(evs))
	t.Logf("non-NULL per 1000 rows: player %.1f action %.1f cdn %.1f bitrate %.1f error %.2f device %.1f",
		1000*float64(player)/n, 1000*float64(action)/n, 1000*float64(cdn)/n, 1000*float64(bitrate)/n,
		1000*float64(errs)/n, 1000*float64(first)/n)
	for what, c := range map[string]int{"player": player, "action": action, "cdn": cdn, "bitrate": bitrate, "device": first} {
		if c == 0 || float64(c) > n*0.03 {
			t.Errorf("%s set on %d of %.0f rows", what, c, n)
		}
	}
	if errs == 0 || errs > first/10 {
		t.Errorf("errors on %d rows, sessions %d", errs, first)
	}
}

func TestTimestamp(t *testing.T) {
	if BaseTime != 1704067200000 {
		t.Fatal("base time")
	}
	c := Config{Rate: 10000}
	if c.Timestamp(0) != BaseTime || c.Timestamp(10000) != BaseTime+1000 || c.Timestamp(10) != BaseTime+1 {
		t.Fatal("rate 10000")
	}
	if (Config{Rate: 3}).Timestamp(1) != BaseTime+333 {
		t.Fatal("rate 3")
	}
	if (Config{}).TickMillis() != 100 || (Config{Sessions: 5000, Rate: 2000}).TickMillis() != 2500 {
		t.Fatal("tick")
	}
}

func TestSource(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer alloc.AssertSize(t, 0)
	opts := map[string]string{"connector": "video_sessions", "events": "10001", "seed": "-5", "sessions": "30", "rate": "50"}
	r, err := NewSource(&exec.SourceSpec{Name: "hb", Connector: "video_sessions", Schema: Schema(), Options: opts})
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
		if !b.Records.Schema().Equal(Schema()) || b.NextOffset <= last || b.Partition != 0 {
			t.Fatalf("batch schema/offset %v %d", b.Records.Schema(), b.NextOffset)
		}
		last = b.NextOffset
		rows += b.Records.NumRows()
		all = append(all, b.Records)
	}
	if rows != 10001 {
		t.Fatalf("rows %d", rows)
	}
	whole := rowsJSON(t, all...)
	cfg, _ := ParseOptions(opts)
	if generate(t, NewGenerator(cfg), alloc, 0, 10001, 4096) != whole {
		t.Fatal("source differs from the generator")
	}
	// Resume from the first batch's offset: the rest matches.
	r2 := NewConfigSource(cfg)
	r2.Open(ctx, alloc, nil)
	first, _ := r2.Read(ctx)
	r3 := NewConfigSource(cfg)
	r3.Open(ctx, alloc, nil)
	if err := r3.Seek(0, first.NextOffset); err != nil {
		t.Fatal(err)
	}
	if r3.Seek(1, 0) == nil || r3.Seek(0, -1) == nil {
		t.Fatal("bad seeks accepted")
	}
	rest := []arrow.RecordBatch{first.Records}
	for {
		b, err := r3.Read(ctx)
		if err != nil {
			break
		}
		rest = append(rest, b.Records)
	}
	if rowsJSON(t, rest...) != whole {
		t.Fatal("resume after Seek differs")
	}
	// The same through exec.Resumer, before Open.
	r4 := NewConfigSource(cfg)
	r4.SetStartOffsets(map[int32]int64{0: first.NextOffset})
	r4.Open(ctx, alloc, nil)
	rest2 := []arrow.RecordBatch{first.Records}
	for {
		b, err := r4.Read(ctx)
		if err != nil {
			break
		}
		rest2 = append(rest2, b.Records)
	}
	if rowsJSON(t, rest2...) != whole {
		t.Fatal("resume after SetStartOffsets differs")
	}
	for _, b := range rest2[1:] {
		b.Release()
	}
	for _, b := range append(all, rest...) {
		b.Release()
	}

	if _, err := NewSource(&exec.SourceSpec{Name: "x", Schema: arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil),
		Options: opts}); err == nil {
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
		{"events": "x"}, {"events": "-1"}, {"rate": "0"}, {"seed": "1.5"}, {"sessions": "0"}, {"sessions": "1000001"},
	} {
		if _, err := ParseOptions(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	cfg, err := ParseOptions(map[string]string{"events": "7", "rate": "5", "seed": "-3", "sessions": "9", "table": "ignored"})
	if err != nil || cfg != (Config{Sessions: 9, Events: 7, Rate: 5, Seed: -3}) {
		t.Fatalf("%v %v", cfg, err)
	}
	if cfg, _ := ParseOptions(map[string]string{"events": "1"}); cfg != (Config{Sessions: 1000, Events: 1, Rate: 10000}) {
		t.Fatalf("defaults %+v", cfg)
	}
}

func TestWriteJSONL(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSONL(&b, Config{Events: 2500, Sessions: 2, Rate: 1}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2500 {
		t.Fatalf("%d lines", len(lines))
	}
	keyRe := regexp.MustCompile(`"([a-z_]+)":`)
	var keys []string
	for _, m := range keyRe.FindAllStringSubmatch(lines[1], -1) {
		keys = append(keys, m[1])
	}
	if strings.Join(keys, ",") != "session_id,ts,player,action,cdn,bitrate,error,device,country" {
		t.Fatalf("keys %v", keys)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &m); err != nil {
		t.Fatal(err)
	}
	if m["ts"] != "2024-01-01T00:00:01.000Z" || m["player"] != "attempt" || m["device"] == nil {
		t.Fatalf("line %s", lines[1])
	}
	if err := json.Unmarshal([]byte(lines[3]), &m); err != nil {
		t.Fatal(err)
	}
	if m["device"] != nil || m["ts"] != "2024-01-01T00:00:03.000Z" {
		t.Fatalf("line %s", lines[3])
	}
}

// BenchmarkGenerate: events/s of one goroutine reading on, at the default
// 1000 sessions and at 100000.
func BenchmarkGenerate(b *testing.B) {
	for _, sessions := range []int64{1000, 100000} {
		b.Run(fmt.Sprintf("sessions=%d", sessions), func(b *testing.B) {
			g := NewGenerator(Config{Sessions: sessions, Seed: 1})
			alloc := memory.DefaultAllocator
			b.ReportAllocs()
			var n int64
			cpu0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				var rec arrow.RecordBatch
				rec, n = g.Batch(alloc, n, 1<<62, BatchRows)
				rec.Release()
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
			// The machine is shared: CPU time says what one core does.
			b.ReportMetric(float64(n)/(cpuSeconds()-cpu0), "events/cpu-s")
		})
	}
}

// BenchmarkSeek: the cost of a jump to event 10^8 (a restart from a
// checkpoint, or one slice of a parallel generation).
func BenchmarkSeek(b *testing.B) {
	g := NewGenerator(Config{Sessions: 1000, Seed: 1})
	for i := 0; i < b.N; i++ {
		g.seek(100_000_000)
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
