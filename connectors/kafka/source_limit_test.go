package kafka

import (
	"bytes"
	"strings"
	"testing"
)

// A record over maxRecordBytes is refused without being decoded: its dead
// letter names the size and the limit and keeps the first
// maxDeadLetterRaw bytes; the records around it are read.
func TestRecordSizeLimit(t *testing.T) {
	old := maxRecordBytes
	maxRecordBytes = 100 << 10
	defer func() { maxRecordBytes = old }()
	b := startBroker(t)
	ctx := testCtx(t)
	if err := CreateTopic(ctx, []string{b.Addr()}, "big", 1); err != nil {
		t.Fatal(err)
	}
	huge := []byte(`{"session_id":"` + strings.Repeat("x", 200<<10) + `","ts":"2015-07-15T00:00:00Z"}`)
	if err := produceTo(t, ctx, b.Addr(), "big", 0, hb("a", "2015-07-15T00:00:00Z", 1), huge, hb("b", "2015-07-15T00:00:01Z", 2)); err != nil {
		t.Fatal(err)
	}
	dl := &dlRecorder{}
	src, _ := openSource(t, ctx, SourceConfig{Brokers: []string{b.Addr()}, Topic: "big", EventTime: 1, ExitAtEnd: true}, dl)
	res := readToEOF(t, ctx, src)
	if len(res.rows) != 2 || len(dl.got) != 1 {
		t.Fatalf("rows %v, dead letters %d", res.rows, len(dl.got))
	}
	d := dl.got[0]
	if d.Offset != 1 || !strings.Contains(d.Reason, "larger than the limit of 102400 bytes") ||
		len(d.Raw) != maxDeadLetterRaw || !bytes.HasPrefix(huge, d.Raw) {
		t.Fatalf("dead letter: offset %d reason %q raw %d bytes", d.Offset, d.Reason, len(d.Raw))
	}
}
