package exec

import (
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A valid event in year 9999 right after one in 1970, on a 1 s hop: the
// timeline of the first ends after timeline_ttl, the second starts a new
// one, so the watermark jump of ~8000 years costs a handful of windows,
// not 2.5e11 (it must finish at once, with each event in its windows).
func TestTimelineTimeJumpIsBounded(t *testing.T) {
	hop := WindowSpec{Kind: HopWindow, Size: 2000, Slide: 1000}
	node := tlSpecNode(hop, 5000, []TimelineState{latestPlayer()}, []AggFunc{countStar},
		[]TimelineAgg{{Kind: TLDurationWhere, Arg: playerIs(0, "play"), Type: tBig, Name: "play_ms"}}, nil)
	const y9999 = int64(253402300799000) // 9999-12-31T23:59:59Z
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	var nout int64
	op, err := NewOperator(node, []*arrow.Schema{hbSchema})
	if err != nil {
		t.Fatal(err)
	}
	out := EmitterFunc(func(b arrow.RecordBatch) error { nout += b.NumRows(); return nil })
	if err := op.Open(&OpContext{Name: "tl", Alloc: alloc, DeadLetters: DiscardDeadLetters, Metrics: &OpMetrics{}}, out); err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	start := time.Now()
	steps := []hstep{rows(hb("s", 500, "play", nil, nil)), wmAt(1000), rows(hb("s", y9999, "play", nil, nil)),
		wmAt(y9999), wmAt(MaxWatermark)}
	if err := feedSteps(t, op, alloc, hbSchema, steps); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a jump of 8000 years took %v", d)
	}
	// Each timeline lives timeline_ttl (5 s) after its event: [500, 5500)
	// touches the 2 s windows starting at -1000 .. 5000 (7), the second
	// [y, y+5000) those at y-1000 .. y+4000 (6).
	if nout != 13 {
		t.Fatalf("%d window rows, want 13", nout)
	}
}

// Pathological window shapes are refused when the operator is built,
// with the limit in the message, instead of hanging on the first event.
func TestWindowShapeLimits(t *testing.T) {
	hop := WindowSpec{Kind: HopWindow, Size: 86_400_000, Slide: 1}
	if err := checkFixedWindow(&hop); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("a hop of 1 day by 1 ms: %v", err)
	}
	node := tlSpecNode(WindowSpec{Kind: HopWindow, Size: 2000, Slide: 1000}, 365*86_400_000,
		[]TimelineState{latestPlayer()}, []AggFunc{countStar}, nil, nil)
	if _, err := NewOperator(node, []*arrow.Schema{hbSchema}); err == nil || !strings.Contains(err.Error(), "timeline_ttl") {
		t.Fatalf("timeline_ttl of a year over a 1 s hop: %v", err)
	}
}
