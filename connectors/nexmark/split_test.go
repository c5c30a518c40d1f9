package nexmark

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec"
)

// readInTurn reads rs in turn (one batch each, skipping exhausted ones),
// at most limit batches (-1: all), and renders every row.
func readInTurn(t *testing.T, alloc memory.Allocator, rs []exec.SourceReader, limit int) ([]string, map[int32]int64) {
	t.Helper()
	var rows []string
	offsets := map[int32]int64{}
	done := make([]bool, len(rs))
	for live := len(rs); live > 0; {
		for k, r := range rs {
			if done[k] || limit == 0 {
				continue
			}
			limit--
			sb, err := r.Read(context.Background())
			if errors.Is(err, io.EOF) {
				done[k] = true
				live--
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			offsets[sb.Partition] = sb.NextOffset
			rows = append(rows, render(sb.Records)...)
			sb.Records.Release()
		}
		if limit == 0 {
			break
		}
	}
	return rows, offsets
}

func render(rec arrow.RecordBatch) []string {
	out := make([]string, rec.NumRows())
	for i := range out {
		for c := 0; c < int(rec.NumCols()); c++ {
			out[i] += rec.Column(c).ValueStr(i) + "|"
		}
	}
	return out
}

// The splits read in turn give the whole source's rows in its order, for
// every table and several split counts, and each resumes from its offset.
func TestSplitReadInTurnIsTheWhole(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	for _, table := range []Table{Person, Auction, Bid} {
		cfg := Config{Events: 30_000, Seed: 3}
		whole := NewTableSource(table, cfg)
		if err := whole.Open(context.Background(), alloc, nil); err != nil {
			t.Fatal(err)
		}
		want, _ := readInTurn(t, alloc, []exec.SourceReader{whole}, -1)
		for _, n := range []int{2, 3, 5} {
			parts := NewTableSource(table, cfg).Split(n)
			for _, p := range parts {
				if err := p.Open(context.Background(), alloc, nil); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := readInTurn(t, alloc, parts, -1)
			if len(got) != len(want) {
				t.Fatalf("%s split %d: %d rows, whole %d", table, n, len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s split %d: row %d is %s, whole %s", table, n, i, got[i], want[i])
				}
			}
			// Resume: read some batches (not a whole round), then fresh
			// splits from the offsets seen; every row comes once.
			cut := NewTableSource(table, cfg).Split(n)
			for _, p := range cut {
				p.Open(context.Background(), alloc, nil)
			}
			head, offs := readInTurn(t, alloc, cut, n+1)
			rest := NewTableSource(table, cfg).Split(n)
			for _, p := range rest {
				p.Open(context.Background(), alloc, nil)
				p.(exec.Resumer).SetStartOffsets(offs)
			}
			tail, _ := readInTurn(t, alloc, rest, -1)
			all := append(head, tail...)
			slices.Sort(all)
			sorted := slices.Sorted(slices.Values(want))
			if !slices.Equal(all, sorted) {
				t.Fatalf("%s split %d: resumed %d + %d rows, whole %d", table, n, len(head), len(tail), len(want))
			}
		}
	}
}
