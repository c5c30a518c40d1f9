// Package videosessions owns the video_sessions generator: the
// `video_sessions` source connector (SPEC §3), its schema (Schema) and its
// JSON lines (WriteJSONL, which tests load into DuckDB as the oracle's
// input). It produces the player heartbeats of video sessions that the
// timeline functions of SPEC §5 are made for.
//
// # Columns
//
//	session_id VARCHAR    16 hex digits, unique per (seed, session)
//	ts         TIMESTAMP  event time (the catalog's event-time column)
//	player     VARCHAR    attempt, play, buffer, pause, stopped: only when it changes
//	action     VARCHAR    seek, pause, resume: user actions, sparse
//	cdn        VARCHAR    C1..C4: on the first event and on CDN switches
//	bitrate    BIGINT     kbps, from the ladder 300, 750, 1200, 2350, 3500, 5800:
//	                      on the first play and on ABR changes
//	error      VARCHAR    a fatal error, on the last event of the session
//	device     VARCHAR    first event only
//	country    VARCHAR    first event only
//
// Every other cell is NULL: a row that changes nothing is a heartbeat.
// About 1.5% of rows change something (player on ~1.2%, bitrate ~0.7%,
// cdn ~0.3%, action ~0.2%, error ~0.01% of rows).
//
// # Slots, ticks and time
//
// `sessions` slots play at once. Event n belongs to slot n mod sessions
// and is that slot's tick n / sessions; its event time is
// 2024-01-01T00:00:00Z + n/rate s (rate 10000/s by default), whatever the
// wall clock does. A slot therefore emits a row every sessions/rate
// seconds of event time (the tick: 0.1 s by default), and every duration
// in the data is a whole number of ticks. The model below is written in
// seconds and rounded to ticks (at least one), so its proportions hold at
// any tick up to about a second; pick sessions and rate so that the tick
// stays well below a view's timeline_ttl. When a session stops, the next
// one takes its slot at the slot's next tick, so `sessions` stay
// concurrent. Every slot starts its first session at event time 0.
//
// # Session model
//
// Each session draws, at its start: device, country, CDN (C1 40%, C2 30%,
// C3 20%, C4 10%) and network quality (good 60%, fair 30%, poor 10%).
// Then its kind, which fixes its length:
//   - video start failure: P 1.2% on C1, 1.5% C2, 3% C3, 6% C4 (about
//     2.1% overall): attempt, then after 0.8..12 s (log-uniform) the last
//     event with player = 'stopped' and a start error (MANIFEST_LOAD_FAILED,
//     DRM_LICENSE_DENIED, CONNECTION_TIMEOUT);
//   - exit before video start: the video start time (log-normal, median
//     1.2 s, times 1/1.1/1.3/1.8 by CDN and 1/1.6/3 by quality, 0.2..60 s)
//     exceeds the viewer's patience (4 s + exponential, mean 12 s):
//     attempt, then 'stopped' when patience ends (about 1.3%);
//   - played: attempt, 'play' after the video start time (with the first
//     bitrate), then a viewing time (log-normal, median 2 min, sigma 1.1,
//     3 s..4 h) ending with 'stopped'; with P 0.8/1/1.5/3% by CDN the last
//     event also carries a playback error (NETWORK_LOST, DECODER_ERROR,
//     CDN_HTTP_5XX).
//
// While playing, competing memoryless events (rates per minute of play):
// seek 0.3 (action 'seek', then 'buffer' from the next tick for a
// log-normal 0.8 s, then 'play'); pause 0.15 (action and player 'pause'
// for a log-normal 15 s, 1 s..4 min, then action 'resume' and 'play');
// rebuffering 0.05/0.25/1.0 by quality, times 1/1.3/1.8/3 by CDN and
// times 4 in the 30 s after a CDN switch ('buffer' for a log-normal
// 1.5/2.2/3.5 s by quality, 0.2..30 s; when it ends the player drops one
// or two rungs with P 1/2 and switches CDN with P 0.15); an ABR step 0.4
// (4 while below the quality's target rungs: good 3500-5800, fair
// 1200-2350, poor 300-750; playback starts at 1200, 750 or 300 and ramps
// up);
// a spontaneous CDN switch 0.02. The session ends at its drawn length in
// whatever state it is in. Seeks are an action, not a player state: the
// buffering after them is the player's 'buffer', as in SPEC §5's fixture.
//
// Measured over 3M events (1500 sessions at 6000/s, a 0.25 s tick; see
// TestLifecycleAndProportions): start failures 2.2% and exits before
// start 1.3% of attempts; video start time median 1.75 s; rebuffering
// ratio 2.0% of play+buffer time (plus 0.5% buffering after seeks);
// per hour of play 20 rebuffers, 20 seeks, 10 pauses, 4 CDN switches, 65
// bitrate changes; time-weighted average bitrate about 2450 kbps.
//
// # Determinism
//
// Event n is a pure function of (sessions, rate, seed, n). Session j of
// slot k seeds its own splitmix64 stream from (seed, k, j) and draws its
// kind and length first, so the session in force at any tick is found by
// skipping whole sessions, and the state within it by replaying only its
// change points (not its heartbeats): a jump to event n costs about one
// step per session and change before n (15 ms to event 10^8 at 1000
// sessions). Any range can so be generated alone, in any order or in
// parallel (one Generator per goroutine), and gives the rows of the
// whole. Reading on from the last batch costs nothing extra.
//
// Batches are written straight into Arrow buffers from the allocator (no
// builders, no JSON, no per-row allocation), up to BatchRows rows, one
// partition (0) whose offsets are event numbers; Source.Seek resumes
// after a checkpoint. Options: sessions (default 1000, at most 10^6),
// events (total events; the catalog requires it), rate, seed.
package videosessions
