package exec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// openTimeline builds and opens node's operator on alloc.
func openTimeline(t *testing.T, node *Node, alloc memory.Allocator) *TimelineAggregate {
	t.Helper()
	op, err := NewOperator(node, []*arrow.Schema{hbSchema})
	if err != nil {
		t.Fatal(err)
	}
	ctx := &OpContext{Name: "tl", Alloc: alloc, Metrics: &OpMetrics{}}
	if err := op.Open(ctx, EmitterFunc(func(arrow.RecordBatch) error { return nil })); err != nil {
		t.Fatal(err)
	}
	return op.(*TimelineAggregate)
}

// TestTimelineSnapshotErrors: a snapshot restored into a timeline with
// another spec is refused as incompatible, a damaged or truncated one as
// corrupt, and no single-byte change (checksum recomputed, so only the
// body's own checks stand between it and the operator) makes Restore
// panic.
func TestTimelineSnapshotErrors(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	node := specFixtureNode()
	op := openTimeline(t, node, alloc)
	rows := specFixtureRows()
	b := makeBatch(t, alloc, hbSchema, append(slices.Clone(rows[:5]), hb("s2", 12000, "play", "seek", "C7")), 0)
	if err := op.Push(0, b); err != nil {
		t.Fatal(err)
	}
	b.Release()
	if err := op.Watermark(12500); err != nil {
		t.Fatal(err)
	}
	var snap bytes.Buffer
	if err := op.Snapshot(&snap); err != nil {
		t.Fatal(err)
	}
	op.Close()

	other := specFixtureNode()
	other.Spec.(*TimelineSpec).TTL = 20000
	o := openTimeline(t, other, alloc)
	if err := o.Restore(bytes.NewReader(snap.Bytes())); !errors.Is(err, ErrIncompatibleState) {
		t.Fatalf("restore into another TTL: %v, want ErrIncompatibleState", err)
	}
	o.Close()

	data := snap.Bytes()
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"flipped", flipByte(data, len(data)/2)},
		{"truncated", data[:len(data)-9]},
	} {
		o := openTimeline(t, node, alloc)
		if err := o.Restore(bytes.NewReader(tc.data)); !errors.Is(err, ErrCorruptState) {
			t.Fatalf("%s: %v, want ErrCorruptState", tc.name, err)
		}
		o.Close()
	}

	// Every byte of the body (after magic and version) changed, checksum
	// made to match: Restore returns an error or a state it checked.
	table := crc32.MakeTable(crc32.Castagnoli)
	for i := 6; i < len(data)-4; i++ {
		d := flipByte(data, i)
		binary.LittleEndian.PutUint32(d[len(d)-4:], crc32.Checksum(d[:len(d)-4], table))
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("byte %d changed: Restore panicked: %v", i, p)
				}
			}()
			o := openTimeline(t, node, alloc)
			_ = o.Restore(bytes.NewReader(d))
			o.Close()
		}()
	}

	// And the original restores and finishes like an uninterrupted run.
	o = openTimeline(t, node, alloc)
	var got [][]any
	o.out = EmitterFunc(func(b arrow.RecordBatch) error { got = append(got, batchRows(b)...); return nil })
	if err := o.Restore(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	b = makeBatch(t, alloc, hbSchema, rows[5:], 0)
	if err := o.Push(0, b); err != nil {
		t.Fatal(err)
	}
	b.Release()
	if err := o.Watermark(MaxWatermark); err != nil {
		t.Fatal(err)
	}
	o.Close()
	want := append(normRows(specFixtureWant), normRow(r("s2", 0, 30000, 0, 0, 15000, 0, "C7")))
	if !rowsEqual(sortRows(got), sortRows(want)) {
		t.Fatalf("after restore:\n%swant:\n%s", fmtRows(got), fmtRows(want))
	}
}

func flipByte(data []byte, i int) []byte {
	d := bytes.Clone(data)
	d[i] ^= 0x5a
	return d
}
